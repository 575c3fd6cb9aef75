/**
 * The doorbell page of the shared-memory transport (docs/protocol.md "Shared memory"): one 4 KiB page per
 * connection in the daemon's arena, standing in for event-channel notifications in both directions. Each
 * direction has a pending-port bitmap (bit p of u32 word p / 32), a summary word (bit i: some bit is set in
 * words 8i … 8i+7) and a sequence word that the sender bumps and futex-wakes after setting bits. The receiver
 * takes bits with atomic exchanges, so a port posted twice before it looks is reported once, as an event
 * channel's pending bit is. Ports at or above `DOORBELL.ports` do not fit and travel as socket frames.
 *
 * Waking a thread asleep in the kernel is the expensive part (on a virtual machine a FUTEX_WAKE of a
 * sleeping thread costs tens of microseconds on both sides), so a receiver that spins says so in its
 * direction's polling word, and the sender skips the FUTEX_WAKE while it is set. A receiver stops spinning
 * by clearing the word and then looking at the sequence once more, so a post that skipped the wake is never
 * missed; a receiver that sleeps (a watcher thread, or a blocking wait past its spin) is always woken.
 *
 * The word operations come from the caller (`@xenmem/shm-transport`'s ShmRegion), so this module stays free
 * of native code; offsets are bytes from the start of the mapping.
 */

/** Offsets inside a doorbell page, and its port capacity. */
export const DOORBELL = {
  /** u32 bumped by the daemon after it posted ports to the client. */
  toClientSeq: 0,
  /** u32 bumped by the client after it posted ports to the daemon. */
  toDaemonSeq: 4,
  /** Summary of the daemon → client bitmap. */
  toClientSummary: 8,
  /** Summary of the client → daemon bitmap. */
  toDaemonSummary: 12,
  /** Non-zero while the client spins on `toClientSeq` (no FUTEX_WAKE needed). */
  toClientPolling: 16,
  /** Non-zero while the daemon spins on `toDaemonSeq`. */
  toDaemonPolling: 20,
  /** The daemon → client bitmap (1024 bytes). */
  toClient: 64,
  /** The client → daemon bitmap (1024 bytes). */
  toDaemon: 2048,
  /** Ports below this fit the bitmaps. */
  ports: 8192,
} as const;

/** The 32-bit atomic word operations the doorbell needs (ShmRegion's), at byte offsets. */
export interface DoorbellWords {
  /** Atomic load. */
  load(offset: number): number;
  /** Atomic store. */
  store(offset: number, value: number): void;
  /** Atomic add; returns the previous value. */
  add(offset: number, value: number): number;
  /** Atomic OR; returns the previous value. */
  or(offset: number, bits: number): number;
  /** Atomic exchange; returns the previous value. */
  exchange(offset: number, value: number): number;
  /** FUTEX_WAKE on the word (every waiter). */
  wake(offset: number): number;
  /**
   * Blocks until the word differs from `expected` or `timeoutMs` passes, spinning `spinUs` first; returns
   * the word's value then.
   */
  wait(offset: number, expected: number, timeoutMs: number, spinUs?: number): number;
}

/** Which way a notification goes. */
export type DoorbellDirection = 'toClient' | 'toDaemon';

const SEQ = { toClient: DOORBELL.toClientSeq, toDaemon: DOORBELL.toDaemonSeq } as const;
const POLLING = { toClient: DOORBELL.toClientPolling, toDaemon: DOORBELL.toDaemonPolling } as const;
const SUMMARY = { toClient: DOORBELL.toClientSummary, toDaemon: DOORBELL.toDaemonSummary } as const;
const WORDS_PER_SUMMARY_BIT = 8;

/** The byte offset of a direction's sequence word in a doorbell at `base`. */
export function doorbellSeqOffset(base: number, direction: DoorbellDirection): number {
  return base + SEQ[direction];
}

/**
 * Posts `port` in one direction: its bits, then the sequence bumped, then a FUTEX_WAKE unless the receiver
 * is spinning. False (nothing done) for a port that does not fit.
 */
export function doorbellPost(words: DoorbellWords, base: number, direction: DoorbellDirection, port: number): boolean {
  if (!Number.isInteger(port) || port < 0 || port >= DOORBELL.ports) return false;
  const word = port >>> 5;
  words.or(base + DOORBELL[direction] + word * 4, (1 << (port & 31)) >>> 0);
  words.or(base + SUMMARY[direction], (1 << Math.floor(word / WORDS_PER_SUMMARY_BIT)) >>> 0);
  words.add(base + SEQ[direction], 1);
  if (words.load(base + POLLING[direction]) === 0) words.wake(base + SEQ[direction]);
  return true;
}

/**
 * The receiver's wait for a post in `direction` after it saw the sequence at `seen`: spins up to `spinUs`
 * with the polling word set (senders skip the wake), then, if nothing came and `sleepMs` > 0, sleeps in the
 * kernel up to `sleepMs` (senders wake it). Returns whether the sequence moved; the caller then takes the ports.
 */
export function doorbellAwait(words: DoorbellWords, base: number, direction: DoorbellDirection, seen: number, spinUs: number, sleepMs = 0): boolean {
  const seq = base + SEQ[direction];
  if (spinUs > 0) {
    words.store(base + POLLING[direction], 1);
    const now = words.wait(seq, seen, spinUs / 1000, spinUs);
    words.store(base + POLLING[direction], 0);
    // A post between the last look and clearing the word skipped its wake: look once more.
    if (now !== seen || words.load(seq) !== seen) return true;
  }
  return sleepMs > 0 ? words.wait(seq, seen, sleepMs, 0) !== seen : words.load(seq) !== seen;
}

/**
 * Takes every port posted in one direction (ascending), clearing their bits. `view`, a Uint32Array over the
 * same memory, lets it skip words that read zero without an atomic operation (a post sets a word's bit
 * before its summary bit, so a word seen zero after the summary was taken holds nothing of that post).
 */
export function doorbellTake(words: DoorbellWords, base: number, direction: DoorbellDirection, view?: Uint32Array): number[] {
  const ports: number[] = [];
  const summaryAt = base + SUMMARY[direction];
  if (view && view[summaryAt >>> 2] === 0) return ports;
  let summary = words.exchange(summaryAt, 0);
  while (summary !== 0) {
    const group = 31 - Math.clz32(summary & -summary);
    summary &= summary - 1;
    for (let w = group * WORDS_PER_SUMMARY_BIT; w < (group + 1) * WORDS_PER_SUMMARY_BIT; w++) {
      const at = base + DOORBELL[direction] + w * 4;
      if (view && view[at >>> 2] === 0) continue;
      let bits = words.exchange(at, 0);
      while (bits !== 0) {
        const bit = 31 - Math.clz32(bits & -bits);
        bits &= bits - 1;
        ports.push(w * 32 + bit);
      }
    }
  }
  return ports;
}
