/**
 * The client's side of the shared-memory transport (docs/protocol.md "Shared memory"): after shm_open the
 * session maps the daemon's arena, reads its events from its doorbell page (a native watcher thread wakes
 * JavaScript, or `wait` blocks the caller), posts notifications there, and maps each ioreq page it gets
 * straight from the arena. `@xenmem/shm-transport` is an optional dependency: without it the socket carries
 * everything.
 */
import { doorbellAwait, doorbellPost, doorbellSeqOffset, doorbellTake, type ShmOpenReply } from '@xenmem/sim-protocol';
import type { ShmRegion, Watcher } from '@xenmem/shm-transport';

type ShmTransport = typeof import('@xenmem/shm-transport');

let loaded: Promise<{ transport: ShmTransport } | { reason: string }> | null = null;

/** Loads the native transport once: the module, or why it cannot be used. */
export function loadShmTransport(): Promise<{ transport: ShmTransport } | { reason: string }> {
  loaded ??= import('@xenmem/shm-transport').then(
    (t: ShmTransport) => (t.available ? { transport: t } : { reason: t.unavailableReason ?? 'the native transport did not load' }),
    (e: unknown) => ({ reason: `@xenmem/shm-transport is not installed (${String((e as Error).message).split('\n')[0]})` }),
  );
  return loaded;
}

/** A session's mapping of the arena and its doorbell. */
export class ShmChannel {
  private readonly watcher: Watcher;
  private readonly seqOffset: number;

  constructor(
    transport: ShmTransport,
    reply: ShmOpenReply,
    /** Receives each port the daemon posted, in ascending order per wake-up. */
    private readonly deliver: (port: number) => void,
  ) {
    this.region = transport.ShmRegion.open(reply.path);
    if (this.region.size !== reply.size) {
      this.region.close();
      throw new Error(`the arena ${reply.path} is ${this.region.size} bytes, the daemon said ${reply.size}`);
    }
    this.doorbell = reply.doorbell;
    this.words = new Uint32Array(this.region.bytes.buffer, this.region.bytes.byteOffset, this.region.size / 4);
    this.seqOffset = doorbellSeqOffset(reply.doorbell, 'toClient');
    this.watcher = new transport.Watcher(this.region, this.seqOffset, () => this.take());
    this.watcher.unref();
    this.take(); // anything posted before the watcher started
  }

  readonly region: ShmRegion;
  readonly doorbell: number;
  /** The arena as 32-bit words, for reads that need no atomic operation (doorbellTake's hints). */
  private readonly words: Uint32Array;

  /** The arena's bytes of a page at `offset`. */
  page(offset: number, size: number): Uint8Array {
    return this.region.bytes.subarray(offset, offset + size);
  }

  /** Posts a notification on a local port; false when it does not fit the doorbell (send a frame). */
  post(port: number): boolean {
    return doorbellPost(this.region, this.doorbell, 'toDaemon', port);
  }

  /** Delivers whatever the daemon posted; returns how many ports. */
  take(): number {
    const ports = doorbellTake(this.region, this.doorbell, 'toClient', this.words);
    for (const port of ports) this.deliver(port);
    return ports.length;
  }

  /**
   * Blocks the calling thread until the daemon posts something or `timeoutMs` passes (spinning `spinUs`
   * first), then delivers it; returns how many ports were delivered.
   */
  wait(timeoutMs: number, spinUs: number): number {
    const seen = this.region.load(this.seqOffset);
    const now = this.take();
    if (now > 0) return now;
    doorbellAwait(this.region, this.doorbell, 'toClient', seen, spinUs, timeoutMs);
    return this.take();
  }

  close(): void {
    this.watcher.stop();
    this.region.close();
  }
}
