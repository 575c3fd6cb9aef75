/**
 * `SocketBackend`: a SimulatorBackend that talks to `xenmem sim serve` over its Unix socket
 * (docs/protocol.md). The daemon applies Xen's permission rules to the caller a connection stated in its
 * hello, so the backend keeps one connection per caller domain: the one given to `connect`, and another,
 * opened on first use, for each other caller a DeviceModel names.
 */
import {
  InputError,
  type AcquiredResource,
  type ForeignMapping,
  type HypercallOutcome,
  type InterdomainBinding,
} from '@xenmem/abi-types';
import {
  FrameKind,
  benchGuestAccessesResultFromJson,
  benchGuestAccessesToJson,
  decodeHypercallDone,
  decodeJson,
  decodePages,
  decodePort,
  decodeStatus,
  encodeAcquireResource,
  encodeBindInterdomain,
  encodeDmOpRequest,
  encodeHvmOpRequest,
  encodeJson,
  encodeLocalPort,
  encodeMapForeignGfn,
  encodePopulatePhysmap,
  encodeRestrict,
  bytesToHex,
  hex,
  hexToBytes,
  guestAccessResultFromJson,
  guestAccessToJson,
  inspectionFromJson,
  seedP2mToJson,
  type BenchGuestAccessesResult,
  type DomainConfig,
  type DomainInspection,
  type GuestAccess,
  type GuestAccessResult,
  type IoreqHandler,
  type SimulatorBackend,
  type Welcome,
} from '@xenmem/sim-protocol';
import { Session } from './session.js';

/** Options of the socket backend: where the simulator daemon listens. */
export interface SocketBackendOptions {
  /** The calling domain of the first connection (default 0, the control domain). */
  caller?: number;
  /**
   * How ioreq pages and event-channel notifications travel: `'socket'` (page_update/page_write and event/notify
   * frames), `'shm'` (the pages and a doorbell shared through /dev/shm, with futex wake-ups; fails when either side
   * lacks `@xenmem/shm-transport`), or `'auto'` (default: shm when both sides support it, else the socket).
   */
  transport?: 'auto' | 'socket' | 'shm';
}

/** A simulator backend speaking the wire protocol to a simulator daemon over its Unix socket. */
export class SocketBackend implements SimulatorBackend {
  readonly release: string;
  /** The caller of the connection `connect` opened; simulator-control frames go through it. */
  readonly caller: number;
  private readonly sessions = new Map<number, Promise<Session>>();
  /** The sessions open so far, for the synchronous waitForEvents. */
  private readonly opened = new Map<number, Session>();
  private readonly firstSession: Session;
  private handler: IoreqHandler | null = null;
  /** Settles once the daemon has taken the last setIoreqHandler's change on every connection. */
  private handlerReady: Promise<void> = Promise.resolve();

  private constructor(
    private readonly path: string,
    first: Session,
    release: string,
    private readonly transportWanted: 'auto' | 'socket' | 'shm',
  ) {
    this.caller = first.caller;
    this.release = release;
    this.firstSession = first;
    this.opened.set(first.caller, first);
    this.sessions.set(first.caller, Promise.resolve(first));
    this.attach(first);
  }

  /** Forwarded requests reaching a session go to the handler set now (none: the default answer). */
  private attach(session: Session): void {
    session.onIoreq = ({ domid, vcpu, emulator, request }) => (this.handler ? this.handler(domid, request, { vcpu, emulator }) : undefined);
  }

  /** Connects to a daemon's socket as `caller` and learns the daemon's Xen release. */
  static async connect(path: string, options: SocketBackendOptions = {}): Promise<SocketBackend> {
    const caller = options.caller ?? 0;
    const transport = options.transport ?? 'auto';
    if (!Number.isInteger(caller) || caller < 0 || caller > 0xffff) throw new InputError('caller', caller, 'must be a domain id (0 … 65535)');
    if (!['auto', 'socket', 'shm'].includes(transport)) throw new InputError('transport', transport, "must be 'auto', 'socket' or 'shm'");
    const session = await SocketBackend.open(path, caller, transport);
    return new SocketBackend(path, session, session.welcome.release, transport);
  }

  /** Opens a session and moves it to shared memory as `transport` asks. */
  private static async open(path: string, caller: number, transport: 'auto' | 'socket' | 'shm'): Promise<Session & { welcome: Welcome }> {
    const { session, welcome } = await Session.open(path, caller);
    try {
      if (transport !== 'socket') await session.prepareShm(welcome, transport === 'shm');
    } catch (e) {
      await session.close();
      throw e;
    }
    return Object.assign(session, { welcome });
  }

  /**
   * How the first connection's ioreq pages and notifications travel: `'shm'` (mapped from the daemon's
   * arena, doorbell notifications; the arena is opened when the first page is mapped or port bound) or
   * `'socket'` (frames; also a connection restricted before that, which cannot open the arena).
   */
  get transport(): 'shm' | 'socket' {
    return this.firstSession.transport;
  }

  /**
   * Blocks this thread until the daemon posts an event for `caller`'s connection on its shared-memory
   * doorbell, or `timeoutMs` passes (spinning `spinUs` microseconds first); the events go to pending().
   * Returns how many arrived (0 at once on the socket transport, or before that caller's connection exists).
   * For a device model's request loop that would rather block than wait for the event loop.
   */
  waitForEvents(caller: number, timeoutMs: number, spinUs = 0): number {
    const s = this.opened.get(caller);
    return s ? s.waitForEvents(timeoutMs, spinUs) : 0;
  }

  /** The connection for a caller domain (opened with its own hello on first use). */
  private session(caller: number): Promise<Session> {
    let s = this.sessions.get(caller);
    if (!s) {
      s = SocketBackend.open(this.path, caller, this.transportWanted).then(async (session) => {
        this.opened.set(caller, session);
        this.attach(session);
        await session.setForwarding(this.handler !== null);
        return session;
      });
      s.catch(() => this.sessions.delete(caller));
      this.sessions.set(caller, s);
    }
    return s;
  }

  /** privcmd's restrict on the first connection: later frames naming another domain get EPERM from the daemon. */
  async restrict(domid: number): Promise<number> {
    const s = await this.session(this.caller);
    return decodeStatus((await s.request(FrameKind.restrict, encodeRestrict(domid), 'restrict')).payload);
  }

  async dmOp(caller: number, domid: number, bufs: Uint8Array[]): Promise<HypercallOutcome> {
    const reply = await (await this.session(caller)).request(FrameKind.dmOp, encodeDmOpRequest({ domid, bufs }), 'dm_op');
    const done = decodeHypercallDone(reply.payload);
    copyBack(bufs, done.bufs);
    return { rc: done.rc, continuations: done.continuations, progress: done.progress, ...(done.reason && { reason: done.reason }) };
  }

  async hvmOp(caller: number, op: number, buf: Uint8Array): Promise<HypercallOutcome> {
    const reply = await (await this.session(caller)).request(FrameKind.hvmOp, encodeHvmOpRequest({ op, arg: buf }), 'hvm_op');
    const done = decodeHypercallDone(reply.payload);
    copyBack([buf], done.bufs);
    return { rc: done.rc, continuations: done.continuations, progress: done.progress, ...(done.reason && { reason: done.reason }) };
  }

  async acquireResource(caller: number, domid: number, type: number, id: number, frame: number, nrFrames: number): Promise<AcquiredResource> {
    const s = await this.session(caller);
    await s.useShm();
    const r = decodePages((await s.request(FrameKind.acquireResource, encodeAcquireResource({ domid, type, id, frame, nrFrames }), 'acquire_resource')).payload);
    const pages = r.pages.map((p) => s.addPage(p.handle, p.bytes));
    for (const page of pages) await s.sharePage(page);
    return { rc: r.rc, pages };
  }

  async mapForeignGfn(caller: number, domid: number, gfn: bigint): Promise<ForeignMapping> {
    const s = await this.session(caller);
    await s.useShm();
    const r = decodePages((await s.request(FrameKind.mapForeignGfn, encodeMapForeignGfn({ domid, gfn }), 'map_foreign_gfn')).payload);
    const page = r.pages[0] ? s.addPage(r.pages[0].handle, r.pages[0].bytes) : null;
    if (page) await s.sharePage(page);
    return { rc: r.rc, page };
  }

  async bindInterdomain(caller: number, remoteDomid: number, remotePort: number): Promise<InterdomainBinding> {
    const s = await this.session(caller);
    await s.useShm();
    const r = decodePort((await s.request(FrameKind.bindInterdomain, encodeBindInterdomain({ remoteDomid, remotePort }), 'bind_interdomain')).payload);
    if (r.rc === 0) s.boundPorts.add(r.localPort);
    return r;
  }

  async unbindPort(caller: number, localPort: number): Promise<number> {
    const s = await this.session(caller);
    s.boundPorts.delete(localPort);
    return decodeStatus((await s.request(FrameKind.unbindPort, encodeLocalPort(localPort), 'unbind')).payload);
  }

  async notify(caller: number, localPort: number): Promise<number> {
    const s = await this.session(caller);
    if (s.notifyShared(localPort)) return 0;
    s.notifySent();
    return decodeStatus((await s.request(FrameKind.notify, encodeLocalPort(localPort), 'notify')).payload);
  }

  async pending(caller: number, signal?: AbortSignal): Promise<number> {
    return (await this.session(caller)).pending(signal);
  }

  /** Creates a domain with the given configuration. */
  async createDomain(config: DomainConfig): Promise<void> {
    await this.control(FrameKind.createDomain, config, 'create_domain');
  }

  /** Destroys the domain `domid`. */
  async destroyDomain(domid: number): Promise<void> {
    await this.control(FrameKind.destroyDomain, { domid }, 'destroy_domain');
  }

  async seedP2m(domid: number, firstPfn: bigint, nr: number, p2mType: number): Promise<void> {
    await this.control(FrameKind.seedP2m, seedP2mToJson(domid, firstPfn, nr, p2mType), 'seed_p2m');
  }

  /**
   * A guest access on the daemon. Requests to servers created through this backend (their emulator is a
   * caller it has a connection for) reach the handler set with setIoreqHandler, which answers them (reads
   * wait for it); others get the daemon's default unless another client plays their device model.
   */
  /** Performs a guest memory or port access, as the guest would. */
  async guestAccess(access: GuestAccess): Promise<GuestAccessResult> {
    await this.handlerReady;
    return guestAccessResultFromJson((await this.control(FrameKind.guestAccess, guestAccessToJson(access), 'guest_access'))!);
  }

  /**
   * Plays the device model (docs/protocol.md "Ioreq handlers"): every connection of this backend, and any it
   * opens later, asks the daemon (set_ioreq_handler) to forward the requests of its caller's servers that
   * no device model attached through the pages answers; the handler's answers go back as ioreq_answer.
   * null stops the forwarding. A guest access made through this backend waits until the daemon has taken it.
   * Unlike in process, a handler that throws gives the default answer (the daemon cannot fail the access).
   */
  setIoreqHandler(handler: IoreqHandler | null): void {
    this.handler = handler;
    const sessions = [...this.sessions.values()];
    const ready = Promise.allSettled(sessions.map(async (p) => (await p).setForwarding(handler !== null))).then(() => undefined);
    this.handlerReady = ready;
  }

  /** Inspects the domain `domid`: its p2m, ioreq servers and events. */
  async inspect(domid: number): Promise<DomainInspection> {
    return inspectionFromJson((await this.control(FrameKind.inspect, { domid }, 'inspect'))!);
  }

  /**
   * `XENMEM_populate_physmap` on the daemon (frame populate_physmap): rc is the number of extents populated, as
   * Xen's memory_op returns it; when short, `reason` says why (if the daemon was asked for reasons).
   */
  async populatePhysmap(caller: number, domid: number, extentOrder: number, memFlags: number, gpfns: bigint[]): Promise<HypercallOutcome> {
    const reply = await (await this.session(caller)).request(FrameKind.populatePhysmap, encodePopulatePhysmap({ domid, extentOrder, memFlags, gpfns }), 'populate_physmap');
    const done = decodeHypercallDone(reply.payload);
    return { rc: done.rc, continuations: done.continuations, progress: done.progress, ...(done.reason && { reason: done.reason }) };
  }

  /** Guest RAM bytes [gpa, gpa + length) from the daemon (guest_ram_read; at most 65536). */
  async guestRamRead(domid: number, gpa: bigint, length: number): Promise<Uint8Array> {
    const reply = await this.control(FrameKind.guestRamRead, { domid, gpa: hex(gpa), length }, 'guest_ram_read');
    return hexToBytes(reply?.hex, 'hex');
  }

  /** Writes guest RAM bytes on the daemon (guest_ram_write; at most 65536). */
  async guestRamWrite(domid: number, gpa: bigint, bytes: Uint8Array): Promise<void> {
    await this.control(FrameKind.guestRamWrite, { domid, gpa: hex(gpa), hex: bytesToHex(bytes) }, 'guest_ram_write');
  }

  /** The daemon's live domains' ids other than domain 0, ascending. */
  async listDomains(): Promise<number[]> {
    return ((await this.control(FrameKind.listDomains, {}, 'list_domains')) as { domids: number[] }).domids;
  }

  /** Closes every connection. The daemon keeps the domains, servers and pages. */
  async close(): Promise<void> {
    const sessions = await Promise.allSettled([...this.sessions.values()]);
    this.sessions.clear();
    this.opened.clear();
    await Promise.all(sessions.map((s) => (s.status === 'fulfilled' ? s.value.close() : undefined)));
  }

  private async control(kind: number, body: unknown, op: string): Promise<Record<string, unknown> | null> {
    const reply = await (await this.session(this.caller)).request(kind, encodeJson(body), op);
    return decodeJson(reply.payload, op);
  }

  /**
   * Benchmark control (docs/protocol.md "Benchmark control"): the daemon makes `access` `warmup` times untimed,
   * then `count` times one after another, and returns each timed access's duration in ns (issue to completion,
   * measured inside the daemon) and how many ended with each outcome.
   */
  async benchGuestAccesses(access: GuestAccess, count: number, warmup = 0): Promise<BenchGuestAccessesResult> {
    await this.handlerReady;
    return benchGuestAccessesResultFromJson((await this.control(FrameKind.benchGuestAccesses, benchGuestAccessesToJson({ access, count, warmup }), 'bench_guest_accesses'))!);
  }
}

/** Xen copies results back into the caller's buffers: so does the backend, buffer by buffer. */
function copyBack(bufs: Uint8Array[], after: Uint8Array[]): void {
  bufs.forEach((b, i) => {
    const a = after[i];
    if (a && a.length === b.length) b.set(a);
  });
}
