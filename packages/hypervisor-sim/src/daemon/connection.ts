/**
 * One client connection: its byte stream cut into frames, its caller domain (from hello), its restriction,
 * the shared pages it mapped (with the content it last saw, so the daemon can send what the hypervisor
 * changed), the event-channel ports it bound, and — when it set an ioreq handler — the requests forwarded to
 * it that await its answer. A connection never throws into the daemon: a framing error gets an error frame
 * and closes this connection only.
 */
import type { Socket } from 'node:net';
import type { Doorbell, ShmArena } from './shm.js';
import { SharedPageView } from '../ioreq/pages.js';
import type { SharedPage } from '@xenmem/abi-types';
import {
  FrameDecoder,
  FrameKind,
  WIRE_PAGE_SIZE,
  WireError,
  concatBytes,
  encodeFrame,
  encodeJson,
  encodePageBytes,
  encodeLocalPort,
  ioreqRequestToJson,
  type ErrorBody,
  type Frame,
  type IoreqRequestBody,
} from '@xenmem/sim-protocol';

/** Linux/Xen errno for a half-sent frame that timed out. */
const ETIMEDOUT = 110;

interface MappedPage {
  page: SharedPage;
  /** The bytes the client's mirror holds; null once the client maps the page from the arena (shm_page). */
  seen: Uint8Array | null;
}

export class Connection {
  /** The calling domain stated in hello; null until then. */
  caller: number | null = null;
  /** Whether the hello asked for reasons in hypercall_done frames (HELLO_FEATURES.reasons). */
  wantsReasons = false;
  /** The domain restrict locked the connection to, or null. */
  restrictedTo: number | null = null;
  /** Local event-channel ports this connection bound (unbound when it closes). */
  readonly ports = new Set<number>();
  /**
   * Set by set_ioreq_handler on: a number that grows with each such frame across the daemon (the most recent
   * handler of a caller wins); null when the connection plays no device model.
   */
  ioreqHandler: number | null = null;
  /** Requests forwarded to this connection's handler, by the id in their ioreq_request, awaiting ioreq_answer. */
  private readonly ioreqs = new Map<number, (data: bigint | undefined) => void>();
  private nextIoreqId = 1;
  private readonly pages = new Map<number, MappedPage>();
  private nextHandle = 1;
  /** Frames queued for the next write (write()). */
  private readonly outbox: Uint8Array[] = [];
  /** Set by shm_open: events to this client go through its doorbell page (docs/protocol.md "Shared memory"). */
  doorbell: Doorbell | null = null;
  private readonly decoder = new FrameDecoder();
  private closing = false;
  /** Runs while a frame is started and not finished (frameTimeoutMs). */
  private frameTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    onFrame: (conn: Connection, frame: Frame) => void,
    onClose: (conn: Connection) => void,
    /** How long a frame may stay half-sent (ms; 0 or Infinity: no limit). */
    private readonly frameTimeoutMs = Infinity,
  ) {
    socket.on('data', (chunk: Buffer) => {
      if (this.closing) return;
      let frames: Frame[];
      try {
        frames = this.decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      } catch (e) {
        return this.fail(0, e instanceof WireError ? e : new WireError(String(e), { fatal: true }));
      }
      this.watchPartialFrame(frames.length > 0);
      for (const f of frames) {
        if (this.closing) return;
        onFrame(this, f);
      }
    });
    socket.on('error', () => {}); // ECONNRESET, EPIPE: the close handler cleans up
    socket.on('close', () => {
      this.closing = true;
      this.clearFrameTimer();
      this.doorbell?.close();
      this.doorbell = null;
      this.dropIoreqs();
      onClose(this);
    });
  }

  /**
   * The half-sent-frame timer: started when a frame's first bytes arrive, not restarted by more bytes of
   * the same frame (a client trickling one byte at a time is still cut off), restarted when a frame
   * completes and the next one has begun, stopped when no partial frame is left.
   */
  private watchPartialFrame(completedSome: boolean): void {
    if (this.decoder.pendingBytes === 0) return this.clearFrameTimer();
    if (!(this.frameTimeoutMs > 0 && Number.isFinite(this.frameTimeoutMs))) return;
    if (this.frameTimer && !completedSome) return;
    this.clearFrameTimer();
    this.frameTimer = setTimeout(() => {
      this.frameTimer = null;
      if (this.closing || this.decoder.pendingBytes === 0) return;
      this.fail(0, new WireError(`a frame was started and not finished within ${this.frameTimeoutMs} ms (${this.decoder.pendingBytes} bytes received)`, { fatal: true, errno: ETIMEDOUT }));
    }, this.frameTimeoutMs);
    this.frameTimer.unref?.();
  }

  private clearFrameTimer(): void {
    if (this.frameTimer) clearTimeout(this.frameTimer);
    this.frameTimer = null;
  }

  get closed(): boolean {
    return this.closing;
  }

  /** Sends a frame, after page updates for whatever the hypervisor changed in this connection's pages. */
  send(kind: number, id: number, payload: Uint8Array): void {
    if (this.closing) return;
    let frame: Uint8Array;
    try {
      frame = encodeFrame(kind, id, payload);
    } catch (e) {
      frame = encodeFrame(FrameKind.error, id, encodeJson({ errno: (e as WireError).errno ?? 0, message: (e as Error).message } satisfies ErrorBody));
    }
    this.write(this.pageUpdates(), frame);
  }

  /**
   * Queues the page updates and then the frame. Everything queued while the daemon works through one batch of
   * input (its callbacks and the promise reactions they start) goes out in one write when that is done — one
   * system call and one wake-up of the client, e.g. for a notify's status and the next request's event.
   */
  private write(updates: Uint8Array[], frame?: Uint8Array): void {
    if (frame) updates.push(frame);
    if (updates.length === 0) return;
    if (this.outbox.length === 0) process.nextTick(() => this.flush());
    this.outbox.push(...updates);
  }

  private flush(): void {
    if (this.outbox.length === 0 || this.socket.destroyed) return void (this.outbox.length = 0);
    this.socket.write(this.outbox.length === 1 ? this.outbox[0]! : concatBytes(this.outbox));
    this.outbox.length = 0;
  }

  sendError(id: number, body: ErrorBody): void {
    this.send(FrameKind.error, id, encodeJson(body));
  }

  /** An error frame, then (for a fatal one) the end of this connection. */
  fail(id: number, e: WireError): void {
    this.sendError(id, { errno: e.errno, message: e.message });
    if (e.fatal) this.close();
  }

  /**
   * Delivers a notification on a bound port: through the doorbell when the connection has one and no page
   * update had to go out on the socket first (an event must not overtake the bytes it is about), else as an
   * event frame after the page updates.
   */
  deliverEvent(port: number): void {
    if (this.closing) return;
    const updates = this.pageUpdates();
    if (updates.length === 0 && this.doorbell?.post(port)) return;
    this.write(updates, encodeFrame(FrameKind.event, 0, encodeLocalPort(port)));
  }

  /**
   * shm_page: the client maps page `handle` from the arena from now on, so the daemon stops mirroring it.
   * Returns its offset in the arena, or null when the page does not live there (guest RAM, or no room).
   */
  sharePage(handle: number, arena: ShmArena): number | null {
    const p = this.pages.get(handle);
    if (!p) throw new WireError(`no page with handle ${handle} on this connection`);
    const offset = p.page instanceof SharedPageView ? arena.offsetOf(p.page.bytes) : null;
    if (offset !== null) {
      this.write(this.pageUpdates());
      p.seen = null;
    }
    return offset;
  }

  /**
   * Forwards a request to this connection's handler (an ioreq_request frame, after the page updates) and
   * resolves with its answer. A closed connection answers none at once, and every request still unanswered
   * when the connection closes gets none then: the hypervisor's default (all ones).
   */
  forwardIoreq(body: Omit<IoreqRequestBody, 'id'>): Promise<bigint | undefined> {
    if (this.closing) return Promise.resolve(undefined);
    const id = this.nextIoreqId;
    this.nextIoreqId = id >= 0xffffffff ? 1 : id + 1;
    return new Promise((resolve) => {
      this.ioreqs.set(id, resolve);
      this.send(FrameKind.ioreqRequest, 0, encodeJson(ioreqRequestToJson({ id, ...body })));
    });
  }

  /** An ioreq_answer: completes the forwarded request with that id (a WireError if none is waiting). */
  answerIoreq(id: number, data: bigint | undefined): void {
    const resolve = this.ioreqs.get(id);
    if (!resolve) throw new WireError(`no forwarded ioreq with id ${id} is waiting for an answer on this connection`);
    this.ioreqs.delete(id);
    resolve(data);
  }

  /** Requests forwarded and not yet answered. */
  get ioreqsWaiting(): number {
    return this.ioreqs.size;
  }

  private dropIoreqs(): void {
    const waiting = [...this.ioreqs.values()];
    this.ioreqs.clear();
    for (const resolve of waiting) resolve(undefined);
  }

  /** Registers a page the connection mapped; returns its handle. */
  addPage(page: SharedPage): { handle: number; bytes: Uint8Array } {
    const handle = this.nextHandle++;
    const bytes = page.read(0, WIRE_PAGE_SIZE);
    this.pages.set(handle, { page, seen: bytes.slice() });
    return { handle, bytes };
  }

  /** A page write from the client: applied to the hypervisor's page at once, and not echoed back. */
  writePage(handle: number, offset: number, bytes: Uint8Array): void {
    const p = this.pages.get(handle);
    if (!p) throw new WireError(`no page with handle ${handle} on this connection`);
    p.page.write(offset, bytes);
    p.seen?.set(bytes, offset);
  }

  /**
   * The page_update frames for the byte runs of each mirrored page that differ from what the client last saw
   * (exact runs, no padding), marking them seen.
   */
  private pageUpdates(): Uint8Array[] {
    const frames: Uint8Array[] = [];
    for (const [handle, p] of this.pages) {
      if (p.seen === null) continue;
      const now = p.page.read(0, WIRE_PAGE_SIZE);
      let i = 0;
      while (i < WIRE_PAGE_SIZE) {
        if (now[i] === p.seen[i]) {
          i++;
          continue;
        }
        const start = i;
        while (i < WIRE_PAGE_SIZE && now[i] !== p.seen[i]) i++;
        const bytes = now.slice(start, i);
        p.seen.set(bytes, start);
        frames.push(encodeFrame(FrameKind.pageUpdate, 0, encodePageBytes({ handle, offset: start, bytes })));
      }
    }
    return frames;
  }

  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.clearFrameTimer();
    this.doorbell?.close();
    this.doorbell = null;
    this.flush(); // what was queued (e.g. the error frame that ends it) goes out before the end
    this.socket.end(() => this.socket.destroy());
    // A peer that never reads must not keep the socket open: destroy it after a grace period.
    setTimeout(() => this.socket.destroy(), 1000).unref?.();
  }

  destroy(): void {
    this.closing = true;
    this.clearFrameTimer();
    this.doorbell?.close();
    this.doorbell = null;
    this.socket.destroy();
  }
}
