/**
 * One connection to the daemon, for one caller domain: request/reply matching by id, the mirrors of the
 * pages it mapped (kept in step by page_update frames), the queue of event frames for its ports, and the
 * answers to the ioreq_request frames the daemon forwards once the connection set an ioreq handler.
 */
import { connect, type Socket } from 'node:net';
import { InputError, XenError, errnoName, type SharedPage } from '@xenmem/abi-types';
import {
  FrameDecoder,
  FrameKind,
  WIRE_PAGE_SIZE,
  WIRE_PROTOCOL_VERSION,
  concatBytes,
  decodeJson,
  decodeLocalPort,
  decodePageBytes,
  encodeFrame,
  encodePageHandle,
  encodeHello,
  HELLO_FEATURES,
  encodeJson,
  encodePageBytes,
  ioreqAnswerToJson,
  ioreqRequestFromJson,
  setIoreqHandlerToJson,
  decodeStatus,
  type IoreqRequestBody,
  type ErrorBody,
  type Frame,
  type ShmOpenReply,
  type ShmPageReply,
  type Welcome,
} from '@xenmem/sim-protocol';
import { loadShmTransport, ShmChannel } from './shm.js';

/** The daemon refused a frame for a reason that is not a Xen errno, or the connection ended. */
export class DaemonError extends Error {
  /**
   * The positive errno the daemon reported when it is not one the schema names (a Xen errno gives a XenError
   * instead), e.g. 5 EIO when a state-file write failed; 0 when there is no errno: the connection failed or closed,
   * the daemon sent an unusable frame, or an error frame with id 0 ended the session (its message says why).
   */
  readonly errno: number;
  /**
   * A failure of the daemon connection that no XenError or InputError describes.
   * @param message - What failed, including the daemon's own message where there is one.
   * @param errno - The errno to report (default 0: none).
   */
  constructor(message: string, errno = 0) {
    super(message);
    this.name = 'DaemonError';
    this.errno = errno;
  }
}

/**
 * A page as the client sees it: a mirror of the hypervisor's page, written through to the daemon — or, once
 * mapped from the shared-memory arena (shm_page), the hypervisor's bytes themselves.
 */
class MirrorPage implements SharedPage {
  bytes: Uint8Array;
  /** The page is the arena's bytes: no page_update comes for it and writes need no page_write. */
  shared = false;
  constructor(private readonly session: Session, readonly handle: number, initial: Uint8Array) {
    this.bytes = initial.slice();
  }
  read(offset: number, length: number): Uint8Array {
    checkRange(offset, length);
    return this.bytes.slice(offset, offset + length);
  }
  write(offset: number, bytes: Uint8Array): void {
    checkRange(offset, bytes.length);
    this.bytes.set(bytes, offset);
    if (!this.shared) this.session.postPageWrite(encodePageBytes({ handle: this.handle, offset, bytes }));
  }
}

function checkRange(offset: number, length: number): void {
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > WIRE_PAGE_SIZE)
    throw new InputError('offset', offset, `with length ${length} does not lie within the ${WIRE_PAGE_SIZE}-byte page`);
}

const U64 = (1n << 64n) - 1n;

interface Waiter {
  resolve(frame: Frame): void;
  reject(e: Error): void;
  op: string;
}

export class Session {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();
  private readonly mirrors = new Map<number, MirrorPage>();
  private readonly events: number[] = [];
  private readonly eventWaiters: { resolve(port: number): void; reject(e: unknown): void; signal: AbortSignal | undefined }[] = [];
  /** Signals that have an abort listener already (pending()). */
  private readonly watched = new WeakSet<AbortSignal>();
  private ended: DaemonError | null = null;
  private readonly decoder = new FrameDecoder();
  /** The shared-memory arena and doorbell, once shm_open succeeded. */
  private shm: ShmChannel | null = null;
  /** The native transport, when the session may use shared memory (prepareShm). */
  private shmTransport: typeof import('@xenmem/shm-transport') | null = null;
  private shmRequired = false;
  private shmOpening: Promise<void> | null = null;
  /** Local ports this session bound (notifications on others go as frames, to get the daemon's EINVAL). */
  readonly boundPorts = new Set<number>();
  /** A page_write went out since the last notify frame: the next notify must follow it on the socket. */
  private writesInFlight = false;
  /** Frames queued for the next write (write()). */
  private readonly outbox: Uint8Array[] = [];
  /** What the daemon was last told by set_ioreq_handler (false: nothing forwarded). */
  private forwarding = false;
  private forwardingDone: Promise<void> = Promise.resolve();
  /**
   * Answers a forwarded request (called as its frame arrives, so in the order the hypervisor sent them).
   * Without one, or when it fails, the answer is none: the hypervisor's default (all ones).
   */
  onIoreq: ((body: IoreqRequestBody) => bigint | undefined | Promise<bigint | undefined>) | null = null;

  private constructor(private readonly socket: Socket, readonly caller: number) {
    socket.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = this.decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      } catch (e) {
        return this.end(new DaemonError(`the daemon sent an unusable frame: ${(e as Error).message}`));
      }
      for (const f of frames) this.receive(f);
    });
    socket.on('error', (e) => this.end(new DaemonError(`connection to the daemon failed: ${e.message}`)));
    socket.on('close', () => this.end(new DaemonError('the connection to the daemon closed')));
  }

  /** How this session's pages and events travel ('shm' once the arena is open, or about to be on first use). */
  get transport(): 'shm' | 'socket' {
    return this.shm || (this.shmTransport && this.shmOpening === null) ? 'shm' : 'socket';
  }

  /** Connects and says hello as `caller`. */
  static async open(path: string, caller: number): Promise<{ session: Session; welcome: Welcome }> {
    const socket = connect(path);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const session = new Session(socket, caller);
    const reply = await session.request(FrameKind.hello, encodeHello({ protocol: WIRE_PROTOCOL_VERSION, caller, features: HELLO_FEATURES.reasons }), 'hello');
    return { session, welcome: decodeJson(reply.payload, 'welcome') as unknown as Welcome };
  }

  /** Sends a request and resolves with its reply frame; an error frame rejects (XenError when it has an errno). */
  request(kind: number, payload: Uint8Array, op: string): Promise<Frame> {
    if (this.ended) return Promise.reject(this.ended);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, op });
      this.write(encodeFrame(kind, id, payload));
    });
  }

  /** Sends a page_write (it has no reply on success). */
  postPageWrite(payload: Uint8Array): void {
    if (this.ended) throw this.ended;
    this.writesInFlight = true;
    this.write(encodeFrame(FrameKind.pageWrite, this.nextId++, payload));
  }

  /**
   * Queues a frame. Everything queued while this process works through one batch of callbacks and the promise
   * reactions they start goes out in one write when that is done: a response's data, its state and the notify
   * after it cost the daemon one wake-up, not three.
   */
  private write(frame: Uint8Array): void {
    if (this.outbox.length === 0) process.nextTick(() => this.flush());
    this.outbox.push(frame);
  }

  private flush(): void {
    if (this.outbox.length === 0 || this.socket.destroyed) return void (this.outbox.length = 0);
    this.socket.write(this.outbox.length === 1 ? this.outbox[0]! : concatBytes(this.outbox));
    this.outbox.length = 0;
  }

  /**
   * Readies the shared-memory transport: checks that the daemon offers it and the native transport loads
   * (with `required`, their absence is an error saying why; without, the session stays on the socket). The
   * arena itself is opened on first need (useShm), so that a connection can still be restricted first.
   */
  async prepareShm(welcome: Welcome, required: boolean): Promise<void> {
    this.shmRequired = required;
    if (!welcome.shm) return this.refuseShm('the daemon does not offer it');
    const loaded = await loadShmTransport();
    if ('reason' in loaded) return this.refuseShm(loaded.reason);
    this.shmTransport = loaded.transport;
  }

  private refuseShm(reason: string): void {
    if (this.shmRequired) throw new DaemonError(`the shared-memory transport cannot be used: ${reason}`);
  }

  /**
   * Opens the arena (shm_open) once, before the first page is mapped or port bound. A restricted session
   * cannot (the arena holds every domain's pages): it stays on the socket, or, when shm was required, fails.
   */
  useShm(): Promise<void> {
    this.shmOpening ??= (async () => {
      const transport = this.shmTransport;
      if (!transport) return;
      try {
        const reply = decodeJson((await this.request(FrameKind.shmOpen, new Uint8Array(0), 'shm_open')).payload, 'shm_open') as unknown as ShmOpenReply;
        this.shm = new ShmChannel(transport, reply, (port) => this.deliverEvent(port));
      } catch (e) {
        this.refuseShm((e as Error).message);
      }
    })();
    return this.shmOpening;
  }

  /** Maps a page from the arena when it lives there (ioreq pages do); otherwise it stays a mirror. */
  async sharePage(page: SharedPage): Promise<void> {
    if (!this.shm || !(page instanceof MirrorPage)) return;
    let offset: number;
    try {
      offset = (decodeJson((await this.request(FrameKind.shmPage, encodePageHandle(page.handle), 'shm_page')).payload, 'shm_page') as unknown as ShmPageReply).offset;
    } catch (e) {
      if (e instanceof XenError && e.code === 'ENOENT') return; // not an ioreq page: mirrored
      throw e;
    }
    page.bytes = this.shm.page(offset, WIRE_PAGE_SIZE);
    page.shared = true;
  }

  /**
   * A notification through the doorbell, when possible: shared memory open, a port this session bound, and
   * no page_write still ahead of it on the socket. Returns false when it must go as a notify frame.
   */
  notifyShared(port: number): boolean {
    if (!this.shm || this.writesInFlight || !this.boundPorts.has(port)) return false;
    return this.shm.post(port);
  }

  /** A notify frame is going out: page writes before it are ordered by the socket. */
  notifySent(): void {
    this.writesInFlight = false;
  }

  /**
   * Blocks until the daemon posts an event on the doorbell or `timeoutMs` passes, then queues what it posted
   * for pending(); returns how many events. 0 at once without shared memory.
   */
  waitForEvents(timeoutMs: number, spinUs = 0): number {
    return this.shm ? this.shm.wait(timeoutMs, spinUs) : 0;
  }

  /**
   * Tells the daemon (set_ioreq_handler) whether to forward this caller's requests here, if that changes;
   * resolves once the daemon has taken it (so a guest access sent afterwards on any connection is forwarded).
   */
  setForwarding(enabled: boolean): Promise<void> {
    if (enabled === this.forwarding || this.ended) return this.forwardingDone;
    this.forwarding = enabled;
    const done = this.request(FrameKind.setIoreqHandler, encodeJson(setIoreqHandlerToJson(enabled)), 'set_ioreq_handler').then((f) => {
      const rc = decodeStatus(f.payload);
      if (rc !== 0) throw new DaemonError(`the daemon refused set_ioreq_handler (rc ${rc})`, -rc);
    });
    this.forwardingDone = done;
    return done;
  }

  /** Registers the pages a pages reply brought. */
  addPage(handle: number, bytes: Uint8Array): SharedPage {
    const page = new MirrorPage(this, handle, bytes);
    this.mirrors.set(handle, page);
    return page;
  }

  /** The next notified port of this session, in order. */
  pending(signal?: AbortSignal): Promise<number> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const queued = this.events.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      this.eventWaiters.push({ resolve, reject, signal });
      // A pending() loop passes the same signal every time: one abort listener for all its calls.
      if (signal && !this.watched.has(signal)) {
        this.watched.add(signal);
        signal.addEventListener('abort', () => this.abortWaiters(signal), { once: true });
      }
    });
  }

  /** Rejects, with the signal's reason, every event waiter that passed `signal`. */
  private abortWaiters(signal: AbortSignal): void {
    const aborted = this.eventWaiters.filter((w) => w.signal === signal);
    this.eventWaiters.splice(0, this.eventWaiters.length, ...this.eventWaiters.filter((w) => w.signal !== signal));
    for (const w of aborted) w.reject(abortError(signal));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.flush();
      this.socket.end();
    });
  }

  private deliverEvent(port: number): void {
    const w = this.eventWaiters.shift();
    if (w) w.resolve(port);
    else this.events.push(port);
  }

  private receive(f: Frame): void {
    if (f.kind === FrameKind.pageUpdate) {
      const u = decodePageBytes(f.payload);
      const mirror = this.mirrors.get(u.handle);
      if (mirror && !mirror.shared) mirror.bytes.set(u.bytes, u.offset);
      return;
    }
    if (f.kind === FrameKind.ioreqRequest) return this.answer(f);
    if (f.kind === FrameKind.event) return this.deliverEvent(decodeLocalPort(f.payload));
    const waiter = this.waiting.get(f.id);
    if (!waiter) {
      // An error frame for a request with no reply (page_write) or for the stream as a whole.
      if (f.kind === FrameKind.error) this.end(new DaemonError(`the daemon refused a frame: ${(decodeJson(f.payload, 'error') as unknown as ErrorBody | null)?.message}`));
      return;
    }
    this.waiting.delete(f.id);
    if (f.kind === FrameKind.error) waiter.reject(toError(decodeJson(f.payload, 'error') as unknown as ErrorBody, waiter.op));
    else waiter.resolve(f);
  }

  /** Calls the handler for a forwarded request at once and sends its answer (none when it fails) when it settles. */
  private answer(f: Frame): void {
    let body: IoreqRequestBody;
    try {
      body = ioreqRequestFromJson(decodeJson(f.payload, 'ioreq_request') ?? {});
    } catch (e) {
      return this.end(new DaemonError(`the daemon sent an unusable ioreq_request: ${(e as Error).message}`));
    }
    let answer: Promise<bigint | undefined>;
    try {
      answer = Promise.resolve(this.onIoreq?.(body));
    } catch {
      answer = Promise.resolve(undefined);
    }
    void answer
      .catch(() => undefined)
      .then((data) => {
        if (this.ended) return;
        const masked = typeof data === 'bigint' ? data & U64 : undefined;
        this.write(encodeFrame(FrameKind.ioreqAnswer, this.nextId++, encodeJson(ioreqAnswerToJson({ id: body.id, data: masked }))));
      });
  }

  private end(e: DaemonError): void {
    if (this.ended) return;
    this.ended = e;
    // Shared pages keep their last bytes as plain copies: the arena goes away with the mapping.
    for (const m of this.mirrors.values()) if (m.shared) (m.bytes = m.bytes.slice()), (m.shared = false);
    this.shm?.close();
    this.shm = null;
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
    for (const w of this.eventWaiters.splice(0)) w.reject(e);
    this.socket.destroy();
  }
}

function toError(body: ErrorBody, op: string): Error {
  if (body.argument !== undefined) {
    // The daemon's message is "<argument> <value> <problem>": the problem is what follows that prefix.
    const prefix = new InputError(body.argument, body.value, '').message;
    const e = new InputError(body.argument, body.value, body.message.startsWith(prefix) ? body.message.slice(prefix.length) : body.message);
    e.message = body.message;
    return e;
  }
  const code = body.errno > 0 ? errnoName(body.errno) : undefined;
  if (code) return new XenError(code, op, body.message, body.reason);
  return new DaemonError(body.message, body.errno);
}

function abortError(signal: AbortSignal): unknown {
  if (signal.reason instanceof Error) return signal.reason;
  const e = new Error('The operation was aborted');
  e.name = 'AbortError';
  return e;
}
