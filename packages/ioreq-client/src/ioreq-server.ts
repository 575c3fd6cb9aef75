/**
 * `IoreqServer`: a device model's life cycle, driven as QEMU drives it (QEMU hw/xen/xen-hvm-common.c xen_register_ioreq() @ v8.2.0):
 * create → map the pages (acquire_resource, else get_info gfns + foreign map) → ranges and claim → enable
 * and bind each vCPU's vp_eport and the bufioreq port → serve requests → close in the safe order
 * (release the claim, disable, destroy; xen/arch/x86/mm/p2m.c p2m_set_ioreq_server() @ RELEASE-4.22.0: destroy leaves claimed pages behind).
 */
import {
  CONST,
  HVMMEM_IOREQ_SERVER,
  InputError,
  IOREQ_DATA_OFFSET,
  IOREQ_PAGE_SIZE,
  IOREQ_SIZE,
  IOREQ_SLOTS_PER_PAGE,
  IOREQ_STATE_BYTE,
  STATE_IOREQ_INPROCESS,
  STATE_IOREQ_READY,
  STATE_IORESP_READY,
  XenError,
  decodeIoreqSlot,
  decodeStruct,
  ioreqSlotOffset,
  withIoreqState,
  type SharedPage,
  type XenBackend,
} from '@xenmem/abi-types';
import type { DeviceModel } from './device-model.js';
import { uint, uint64 } from './arguments.js';
import { takeBufferedEntry } from './buffered-ring.js';
import { EventChannels, type PortListener } from './event-channels.js';
import {
  requestFields,
  type BufferedIoreqRequest,
  type IoreqRequest,
  type SyncIoreqRequest,
} from './ioreq-request.js';

/** Options for creating an ioreq server. */
export interface IoreqServerOptions {
  /** handle_bufioreq (default 'atomic', as QEMU asks). */
  bufioreq?: 'off' | 'legacy' | 'atomic';
  /**
   * How the pages are mapped: 'resource' (XENMEM_acquire_resource, 4.11+), 'gfns' (get_ioreq_server_info's
   * gfns, foreign-mapped), or 'auto' (default): the resource, falling back to gfns on EOPNOTSUPP, as QEMU does.
   */
  pages?: 'resource' | 'gfns' | 'auto';
}

/** How `requests()` waits for the next notification. */
export interface IoreqRequestsOptions {
  /**
   * `'event-loop'` (default): await the backend's events like any other I/O. `'block'`: when nothing is
   * pending, block this thread in the backend's `waitForEvents` (the socket backend's shared-memory doorbell,
   * a futex wait) for up to `blockMs` before letting the event loop run once — lower latency for a process
   * whose job is this loop, at the price of its event loop. Backends without `waitForEvents` await as usual.
   */
  wait?: 'event-loop' | 'block';
  /** With 'block': the longest one wait blocks, in ms (default 10). */
  blockMs?: number;
  /** With 'block': microseconds to spin re-reading the doorbell before sleeping in the kernel (default 0). */
  spinUs?: number;
}

/** A backend that can block until events arrive (SocketBackend on the shared-memory transport). */
interface BlockingEvents {
  waitForEvents(caller: number, timeoutMs: number, spinUs?: number): number;
}

const XENMEM_RESOURCE_IOREQ_SERVER = CONST.resource.ioreq_server;
const FRAME_BUFIOREQ = CONST.resource.frame_bufioreq;
/** XENMEM_resource_ioreq_server_frame_ioreq(n) is 1 + n (public/memory.h); only page 0 exists today. */
const FRAME_IOREQ_0 = 1;
const BUFIOREQ_MODES = ['off', 'legacy', 'atomic'] as const;
const PAGE_MODES = ['resource', 'gfns', 'auto'] as const;

/**
 * The backend behind a DeviceModel: DeviceModel keeps it inside its Hypercalls (`calls.backend`) and does not
 * expose it yet; the event channels and pages are not DM ops, so they go to the backend directly.
 */
/** The DeviceModel's backend, which must also offer ioreq pages and event channels. */
function backendOf(dm: DeviceModel): XenBackend {
  const b = dm.backend as Partial<XenBackend>;
  const needed = ['acquireResource', 'mapForeignGfn', 'bindInterdomain', 'unbindPort', 'notify', 'pending'] as const;
  const missing = needed.filter((m) => typeof b[m] !== 'function');
  if (missing.length) throw new InputError('backend', missing.join(', '), 'is missing: an IoreqServer needs a backend with ioreq pages and event channels');
  return dm.backend as XenBackend;
}

function allOnes(size: number): bigint {
  return (1n << BigInt(8 * size)) - 1n;
}

/** The pages a server was set up with: the synchronous page and, when it buffers, the ring. */
interface ServerPages {
  ioreq: SharedPage;
  bufioreq: SharedPage | null;
}

/** An ioreq server of a device model: its pages, event channels and the ioreqs it receives; dispose of it to destroy it. */
export class IoreqServer implements AsyncDisposable {
  private readonly channels: EventChannels;
  /** Local port → vCPU, and vCPU → local port, once enable() has bound them. */
  private readonly vcpuByPort = new Map<number, number>();
  private readonly portByVcpu = new Map<number, number>();
  private bufioreqLocalPort: number | null = null;
  private enabled = false;
  private claimed = false;
  private closing: Promise<void> | null = null;
  private streaming = false;
  /** Local ports notified and not yet looked at, in order. */
  private readonly fired: number[] = [];
  private wake: (() => void) | null = null;
  private failure: { error: unknown } | null = null;

  private constructor(
    private readonly dm: DeviceModel,
    /** The guest domain. */
    readonly domid: number,
    /** The server id Xen allocated (ioservid_t). */
    readonly id: number,
    /** The buffered ring's event channel in the guest domain (get_info's bufioreq_port); null without buffering. */
    readonly bufioreqPort: number | null,
    private readonly pages: ServerPages,
  ) {
    this.channels = EventChannels.of(backendOf(dm), dm.caller);
  }

  /**
   * Creates a server for `domid` and maps its pages; it is not enabled yet. If a step after the create
   * fails, the server is destroyed and the step's XenError rethrown.
   */
  static async create(dm: DeviceModel, domid: number, options: IoreqServerOptions = {}): Promise<IoreqServer> {
    if (typeof options !== 'object' || options === null) throw new InputError('options', options, 'must be an object { bufioreq?, pages? }');
    const bufioreq = options.bufioreq ?? 'atomic';
    const pages = options.pages ?? 'auto';
    if (!BUFIOREQ_MODES.includes(bufioreq)) throw new InputError('bufioreq', bufioreq, `must be one of ${BUFIOREQ_MODES.map((m) => `'${m}'`).join(', ')}`);
    if (!PAGE_MODES.includes(pages)) throw new InputError('pages', pages, `must be one of ${PAGE_MODES.map((m) => `'${m}'`).join(', ')}`);
    const d = uint('domid', domid, 16);
    const id = await dm.createIoreqServer(d, bufioreq);
    try {
      const buffered = bufioreq !== 'off';
      const mapped = pages === 'gfns' ? null : await IoreqServer.acquirePages(dm, d, id, buffered, pages === 'auto');
      if (mapped !== null) {
        // QEMU always fetches bufioreq_port; with the pages acquired it asks for no gfns (XEN_DMOP_no_gfns).
        const info = await dm.getIoreqServerInfo(d, id, { gfns: false });
        return new IoreqServer(dm, d, id, info.bufioreqPort, mapped);
      }
      const info = await dm.getIoreqServerInfo(d, id, { gfns: true });
      const ioreq = await IoreqServer.mapGfn(dm, d, info.ioreqGfn!);
      const ring = info.bufioreqGfn === null ? null : await IoreqServer.mapGfn(dm, d, info.bufioreqGfn);
      return new IoreqServer(dm, d, id, info.bufioreqPort, { ioreq, bufioreq: ring });
    } catch (error) {
      await dm.destroyIoreqServer(d, id).catch(() => undefined); // the original error is the one to report
      throw error;
    }
  }

  /**
   * Attaches to an existing server (a restarted device model taking over from a dead one, as Xen allows: the
   * server, its ranges, its claim and any request waiting in its page outlive the process that created them).
   * Maps the pages the way they were set up (acquire_resource from 4.11, else the gfns), then enables the
   * server and binds its ports, so a request left READY is served. `claimed` says whether this server owns
   * the ioreq_server type, so that close() releases it.
   *
   * The caller must be the server's emulator from 4.11 (Xen refuses another domain with EPERM, reason
   * `not-emulator` on the simulator). The returned server is like one from {@link IoreqServer.create}: `close()`
   * releases the claim if `claimed`, disables, destroys and unbinds.
   * @param dm - The handle of the device-model domain that serves the server.
   * @param domid - The guest the server belongs to.
   * @param id - The server id (ioservid_t), e.g. the one a previous device model created.
   * @param options - `claimed`: this server holds the HVMMEM_ioreq_server claim (default false).
   * @throws XenError of get_ioreq_server_info (ENOENT: no such server; EPERM: not its emulator), of
   *   acquire_resource or of the foreign mapping; InputError for a domid or id that is not a u16.
   * @example
   * ```ts
   * await using server = await IoreqServer.attach(dm, 1, 0, { claimed: true });
   * for await (const req of server.requests()) if (!req.buffered) await req.respond(req.dir === 'read' ? 0n : undefined);
   * ```
   */
  static async attach(dm: DeviceModel, domid: number, id: number, options: { claimed?: boolean } = {}): Promise<IoreqServer> {
    const d = uint('domid', domid, 16);
    const sid = uint('id', id, 16);
    const probe = await dm.getIoreqServerInfo(d, sid, { gfns: false });
    const buffered = probe.bufioreqPort !== null;
    const mapped = await IoreqServer.acquirePages(dm, d, sid, buffered, true);
    let server: IoreqServer;
    if (mapped !== null) server = new IoreqServer(dm, d, sid, probe.bufioreqPort, mapped);
    else {
      const info = await dm.getIoreqServerInfo(d, sid, { gfns: true });
      const ioreq = await IoreqServer.mapGfn(dm, d, info.ioreqGfn!);
      const ring = info.bufioreqGfn === null ? null : await IoreqServer.mapGfn(dm, d, info.bufioreqGfn);
      server = new IoreqServer(dm, d, sid, info.bufioreqPort, { ioreq, bufioreq: ring });
    }
    server.claimed = options.claimed === true;
    await server.enable();
    return server;
  }

  /** acquire_resource of the ring (frame 0, when buffering) and synchronous page 0; null to fall back to gfns. */
  private static async acquirePages(dm: DeviceModel, domid: number, id: number, buffered: boolean, fallback: boolean): Promise<ServerPages | null> {
    const frame = buffered ? FRAME_BUFIOREQ : FRAME_IOREQ_0;
    const nrFrames = buffered ? 2 : 1;
    const { rc, pages } = await backendOf(dm).acquireResource(dm.caller, domid, XENMEM_RESOURCE_IOREQ_SERVER, id, frame, nrFrames);
    if (rc < 0) {
      const error = XenError.fromReturnCode(rc, 'acquire_resource', `ioreq server ${id}, frames ${frame}…${frame + nrFrames - 1}`);
      if (fallback && error.code === 'EOPNOTSUPP') return null; // before 4.11 (QEMU xen_map_ioreq_server)
      throw error;
    }
    if (pages.length !== nrFrames) throw new InputError('pages', pages.length, `returned by acquire_resource, where ${nrFrames} frames were asked for`);
    return buffered ? { bufioreq: pages[0]!, ioreq: pages[1]! } : { bufioreq: null, ioreq: pages[0]! };
  }

  private static async mapGfn(dm: DeviceModel, domid: number, gfn: bigint): Promise<SharedPage> {
    const { rc, page } = await backendOf(dm).mapForeignGfn(dm.caller, domid, gfn);
    if (rc < 0 || page === null) throw XenError.fromReturnCode(rc < 0 ? rc : -22, 'foreignmemory_map', `gfn 0x${gfn.toString(16)}`);
    return page;
  }

  /** map_io_range_to_ioreq_server, ports start … end inclusive. */
  async mapPort(start: bigint | number, end: bigint | number): Promise<void> {
    await this.dm.mapIoRangeToIoreqServer(this.open(), this.id, false, start, end);
  }

  /** Stops routing the port range `start`–`end` to this server. */
  async unmapPort(start: bigint | number, end: bigint | number): Promise<void> {
    await this.dm.unmapIoRangeFromIoreqServer(this.open(), this.id, false, start, end);
  }

  /** map_io_range_to_ioreq_server, MMIO addresses start … end inclusive. */
  async mapMmio(start: bigint | number, end: bigint | number): Promise<void> {
    await this.dm.mapIoRangeToIoreqServer(this.open(), this.id, true, start, end);
  }

  /** Stops routing the MMIO range `start`–`end` to this server. */
  async unmapMmio(start: bigint | number, end: bigint | number): Promise<void> {
    await this.dm.unmapIoRangeFromIoreqServer(this.open(), this.id, true, start, end);
  }

  /** map_pcidev_to_ioreq_server: the device's config space comes here as pci_config requests. */
  async mapPcidev(segment: number, bus: number, device: number, fn: number): Promise<void> {
    await this.dm.mapPcidevToIoreqServer(this.open(), this.id, segment, bus, device, fn);
  }

  /** Stops routing the PCI device to this server. */
  async unmapPcidev(segment: number, bus: number, device: number, fn: number): Promise<void> {
    await this.dm.unmapPcidevFromIoreqServer(this.open(), this.id, segment, bus, device, fn);
  }

  /** map_mem_type_to_ioreq_server(HVMMEM_ioreq_server, WRITE): writes to ioreq_server pages come here (4.9+). */
  async claimMemType(access: { write: true }): Promise<void> {
    if (typeof access !== 'object' || access === null || access.write !== true || Object.keys(access).length !== 1)
      throw new InputError('access', access, 'must be { write: true } (Xen accepts only XEN_DMOP_IOREQ_MEM_ACCESS_WRITE)');
    await this.dm.mapMemTypeToIoreqServer(this.open(), this.id, HVMMEM_IOREQ_SERVER, 'write');
    this.claimed = true;
  }

  /** map_mem_type_to_ioreq_server(HVMMEM_ioreq_server, 0): gives the claim up (Xen sweeps the pages back to ram_rw). */
  async releaseMemType(): Promise<void> {
    await this.dm.mapMemTypeToIoreqServer(this.open(), this.id, HVMMEM_IOREQ_SERVER, 0);
    this.claimed = false;
  }

  /**
   * set_ioreq_server_state(1), then, the first time, binds each vCPU's vp_eport (which Xen writes into the
   * synchronous page when the server is enabled) and the bufioreq port, as QEMU binds after enabling. If a
   * bind fails, what was bound is unbound, the server disabled again and the XenError rethrown.
   */
  async enable(): Promise<void> {
    const domid = this.open();
    await this.dm.setIoreqServerState(domid, this.id, true);
    this.enabled = true;
    if (this.portByVcpu.size > 0) return;
    try {
      await this.bindPorts();
    } catch (error) {
      await this.unbindPorts().catch(() => undefined);
      await this.dm.setIoreqServerState(domid, this.id, false).catch(() => undefined);
      this.enabled = false;
      throw error;
    }
  }

  /** set_ioreq_server_state(0). The ports stay bound: Xen keeps them, and enable() uses them again. */
  async disable(): Promise<void> {
    await this.dm.setIoreqServerState(this.open(), this.id, false);
    this.enabled = false;
  }

  /**
   * The server's requests, one stream per server: a synchronous request for each vCPU slot found in
   * STATE_IOREQ_READY when its port fires (set to INPROCESS before it is handed out; a slot in any other
   * state is ignored, as QEMU does), preceded, on every notification, by whatever the buffered ring holds
   * (flagged `buffered: true`). Iteration ends when close() is called.
   */
  requests(options: IoreqRequestsOptions = {}): AsyncIterable<IoreqRequest> {
    this.open();
    if (this.streaming) throw new InputError('requests', this.id, 'already has a stream: an ioreq server has one');
    const wait = options.wait ?? 'event-loop';
    if (wait !== 'event-loop' && wait !== 'block') throw new InputError('wait', wait, "must be 'event-loop' or 'block'");
    const blockMs = options.blockMs ?? 10;
    const spinUs = options.spinUs ?? 0;
    if (typeof blockMs !== 'number' || !(blockMs >= 0 && blockMs <= 60_000)) throw new InputError('blockMs', blockMs, 'must be 0 … 60000 ms');
    if (typeof spinUs !== 'number' || !(spinUs >= 0 && spinUs <= 1_000_000)) throw new InputError('spinUs', spinUs, 'must be 0 … 1000000 µs');
    const backend = backendOf(this.dm) as Partial<BlockingEvents>;
    const block = wait === 'block' && typeof backend.waitForEvents === 'function' ? () => backend.waitForEvents!(this.dm.caller, blockMs, spinUs) : null;
    this.streaming = true;
    return this.stream(block);
  }

  /**
   * Releases the claim if this server holds it (EINVAL, not the owner any more, is ignored), disables,
   * destroys, and unbinds the ports; the request stream ends. Every step is tried; the first error is
   * rethrown. Idempotent: later calls return the same promise.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** Destroys the server (as `await using` does). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async shutdown(): Promise<void> {
    this.wake?.();
    let first: { error: unknown } | null = null;
    const step = async (run: () => Promise<void>, ignore: (e: unknown) => boolean = () => false) => {
      try {
        await run();
      } catch (error) {
        if (!ignore(error)) first ??= { error };
      }
    };
    if (this.claimed) {
      await step(
        () => this.dm.mapMemTypeToIoreqServer(this.domid, this.id, HVMMEM_IOREQ_SERVER, 0),
        (e) => e instanceof XenError && e.code === 'EINVAL',
      );
      this.claimed = false;
    }
    if (this.enabled) await step(() => this.dm.setIoreqServerState(this.domid, this.id, false));
    this.enabled = false;
    await step(() => this.dm.destroyIoreqServer(this.domid, this.id));
    await step(() => this.unbindPorts());
    if (first !== null) throw (first as { error: unknown }).error;
  }

  /** The domain id, checking the server is still open. */
  private open(): number {
    if (this.closing !== null) throw new InputError('server', this.id, 'is closed');
    return this.domid;
  }

  private async bindPorts(): Promise<void> {
    const listener: PortListener = {
      notified: (port) => {
        this.fired.push(port);
        this.wake?.();
      },
      failed: (error) => {
        this.failure = { error };
        this.wake?.();
      },
    };
    const page = this.pages.ioreq.read(0, IOREQ_PAGE_SIZE);
    // Every vCPU has a slot whose vp_eport Xen filled in at enable; port 0 is never an allocated channel.
    for (let vcpu = 0; vcpu < IOREQ_SLOTS_PER_PAGE; vcpu++) {
      const remote = decodeIoreqSlot(page, vcpu).vp_eport;
      if (remote === 0) continue;
      const local = await this.channels.bind(this.domid, remote, listener);
      this.vcpuByPort.set(local, vcpu);
      this.portByVcpu.set(vcpu, local);
    }
    if (this.bufioreqPort !== null) this.bufioreqLocalPort = await this.channels.bind(this.domid, this.bufioreqPort, listener);
    // A request sent between enabling and binding notified an unbound port, which drops the event: look at
    // every slot (and the ring) once now, as if each port had fired.
    for (const local of this.portByVcpu.values()) listener.notified(local);
  }

  private async unbindPorts(): Promise<void> {
    const ports = [...this.portByVcpu.values(), ...(this.bufioreqLocalPort === null ? [] : [this.bufioreqLocalPort])];
    this.vcpuByPort.clear();
    this.portByVcpu.clear();
    this.bufioreqLocalPort = null;
    let first: { error: unknown } | null = null;
    for (const port of ports) await this.channels.unbind(port).catch((error: unknown) => void (first ??= { error }));
    if (first !== null) throw (first as { error: unknown }).error;
  }

  private async *stream(block: (() => number) | null): AsyncGenerator<IoreqRequest> {
    try {
      while (this.closing === null) {
        if (this.failure !== null) throw this.failure.error;
        const port = this.fired.shift();
        if (port === undefined) {
          const woken = new Promise<void>((resolve) => (this.wake = resolve));
          if (block) {
            // The events a blocking wait takes reach `fired` through promise reactions alone (pending() → the
            // listener), so they are in before the next turn of the event loop; that turn lets socket I/O in.
            block();
            await Promise.race([woken, new Promise<void>((resolve) => setImmediate(resolve))]);
          } else await woken;
          this.wake = null;
          continue;
        }
        // QEMU's cpu_handle_ioreq drains the buffered ring on every notification before the vCPU's slot.
        for (let req = this.takeBuffered(); req !== null && this.closing === null; req = this.takeBuffered()) yield req;
        const vcpu = this.vcpuByPort.get(port);
        const req = vcpu === undefined || this.closing !== null ? null : this.takeSlot(vcpu);
        if (req !== null) yield req;
      }
    } finally {
      this.streaming = false;
    }
  }

  private takeBuffered(): BufferedIoreqRequest | null {
    if (this.pages.bufioreq === null) return null;
    const entry = takeBufferedEntry(this.pages.bufioreq);
    if (entry === null) return null;
    return {
      buffered: true,
      type: entry.type,
      dir: 'write', // Xen only ever buffers writes (ioreq_send_buffered)
      addr: entry.addr,
      size: entry.size,
      count: 1,
      data: entry.data,
      df: false,
      dataIsPtr: false,
      respond: () => {
        throw new InputError('request', 'buffered', 'gets no response: Xen never waits for a buffered request');
      },
    };
  }

  /** The vCPU's request if its slot is STATE_IOREQ_READY, moved to INPROCESS; otherwise null. */
  private takeSlot(vcpu: number): SyncIoreqRequest | null {
    const base = ioreqSlotOffset(vcpu);
    const slot = decodeStruct('ioreq', this.pages.ioreq.read(base, IOREQ_SIZE));
    if (slot.state !== STATE_IOREQ_READY) return null;
    this.setState(vcpu, STATE_IOREQ_INPROCESS);
    const request = requestFields(slot) as SyncIoreqRequest;
    // What respond() needs, fixed now (the caller may change the request object it gets).
    const { dataIsPtr, size: accessSize } = request;
    const carriesData = request.dir === 'read' && !dataIsPtr;
    let responded = false;
    const respond = async (value?: bigint): Promise<void> => {
      if (responded) throw new InputError('request', `vCPU ${vcpu}`, 'was already responded to');
      if (this.closing !== null) throw new InputError('server', this.id, 'is closed');
      if (value !== undefined && !carriesData)
        throw new InputError('value', value, `cannot answer a ${dataIsPtr ? 'data_is_ptr' : 'write'} request (the data goes nowhere)`);
      const size = Math.min(accessSize, 8);
      if (value !== undefined && (uint64('value', value) > allOnes(size))) throw new InputError('value', value, `does not fit the request's ${accessSize} bytes`);
      responded = true;
      if (carriesData) {
        const bytes = new Uint8Array(8);
        new DataView(bytes.buffer).setBigUint64(0, value ?? allOnes(size), true);
        this.pages.ioreq.write(base + IOREQ_DATA_OFFSET, bytes);
      }
      // Data before state (QEMU: xen_wmb()), then the notification Xen's wait_for_io wakes on.
      this.setState(vcpu, STATE_IORESP_READY);
      await this.channels.notify(this.portByVcpu.get(vcpu)!);
    };
    request.buffered = false;
    request.vcpu = vcpu;
    request.respond = respond;
    return request;
  }

  /** Writes state:4 of a vCPU's slot, keeping the other bits of its byte. */
  private setState(vcpu: number, value: number): void {
    const at = ioreqSlotOffset(vcpu) + IOREQ_STATE_BYTE;
    const [byte] = this.pages.ioreq.read(at, 1);
    this.pages.ioreq.write(at, Uint8Array.of(withIoreqState(byte ?? 0, value)));
  }
}
