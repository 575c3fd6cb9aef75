/** The doorbell's bitmap protocol (wire/doorbell.ts), over plain memory standing in for the arena. */
import { describe, expect, it } from 'vitest';
import { DOORBELL, doorbellAwait, doorbellPost, doorbellSeqOffset, doorbellTake, type DoorbellWords } from '../src/index.js';

/** Word operations over a Uint32Array (little-endian host), recording the wake-ups. */
function memory(pages = 2) {
  const words = new Uint32Array(pages * 1024);
  const wakes: number[] = [];
  const ops: DoorbellWords = {
    load: (offset) => words[offset / 4]!,
    store: (offset, value) => void (words[offset / 4] = value),
    add: (offset, value) => {
      const prev = words[offset / 4]!;
      words[offset / 4] = (prev + value) >>> 0;
      return prev;
    },
    wake: (offset) => (wakes.push(offset), 0),
    wait: (offset, expected) => words[offset / 4]!,
    or: (offset, bits) => {
      const prev = words[offset / 4]!;
      words[offset / 4] = (prev | bits) >>> 0;
      return prev;
    },
    exchange: (offset, value) => {
      const prev = words[offset / 4]!;
      words[offset / 4] = value;
      return prev;
    },
  };
  return { words, signals: wakes, ops };
}

describe('doorbell', () => {
  it('posts a port as its bitmap bit and summary bit, then bumps and wakes the sequence word', () => {
    const m = memory();
    const base = 4096;
    expect(doorbellPost(m.ops, base, 'toClient', 37)).toBe(true);
    expect(m.words[(base + DOORBELL.toClient) / 4 + 1]).toBe(1 << 5);
    expect(m.words[(base + DOORBELL.toClientSummary) / 4]).toBe(1);
    expect(m.words[(base + DOORBELL.toClientSeq) / 4]).toBe(1);
    expect(m.signals).toEqual([doorbellSeqOffset(base, 'toClient')]);
    expect(doorbellSeqOffset(base, 'toClient')).toBe(4096);
    expect(doorbellSeqOffset(base, 'toDaemon')).toBe(4100);
    // The other direction is untouched.
    expect(doorbellTake(m.ops, base, 'toDaemon')).toEqual([]);
  });

  it('takes every posted port once, ascending, clearing the bits (a port posted twice is one pending bit)', () => {
    const m = memory();
    for (const p of [8191, 3, 31, 32, 3, 256, 0, 4095]) doorbellPost(m.ops, 0, 'toDaemon', p);
    expect(doorbellTake(m.ops, 0, 'toDaemon')).toEqual([0, 3, 31, 32, 256, 4095, 8191]);
    expect(doorbellTake(m.ops, 0, 'toDaemon')).toEqual([]);
    expect(m.words[DOORBELL.toDaemonSeq / 4]).toBe(8);
    expect([...m.words.subarray(DOORBELL.toDaemon / 4, DOORBELL.toDaemon / 4 + 256)].every((w) => w === 0)).toBe(true);
  });

  it('handles bit 31 of a word and summary bit 31 (unsigned words)', () => {
    const m = memory();
    doorbellPost(m.ops, 0, 'toClient', 8191); // word 255 bit 31, summary bit 31
    expect(m.words[DOORBELL.toClient / 4 + 255]).toBe(0x80000000);
    expect(m.words[DOORBELL.toClientSummary / 4]).toBe(0x80000000);
    expect(doorbellTake(m.ops, 0, 'toClient')).toEqual([8191]);
  });

  it('refuses ports that do not fit (the caller sends a frame instead), touching nothing', () => {
    const m = memory();
    for (const p of [DOORBELL.ports, -1, 1.5, Number.NaN]) expect(doorbellPost(m.ops, 0, 'toClient', p)).toBe(false);
    expect(m.signals).toEqual([]);
    expect(m.words.every((w) => w === 0)).toBe(true);
  });

  it('skips the FUTEX_WAKE while the receiver says it is spinning, and wakes when it does not', () => {
    const m = memory();
    m.words[DOORBELL.toDaemonPolling / 4] = 1;
    doorbellPost(m.ops, 0, 'toDaemon', 5);
    expect(m.signals).toEqual([]);
    expect(m.words[DOORBELL.toDaemonSeq / 4]).toBe(1);
    m.words[DOORBELL.toDaemonPolling / 4] = 0;
    doorbellPost(m.ops, 0, 'toDaemon', 6);
    expect(m.signals).toEqual([DOORBELL.toDaemonSeq]);
  });

  it('doorbellAwait: spins with the polling word set, clears it, and sees a post that came in meanwhile', () => {
    const m = memory();
    const seen: number[] = [];
    // The sender posts while the receiver spins: the wait sees the polling word set and no wake is issued.
    m.ops.wait = (offset, expected, timeoutMs, spinUs) => {
      seen.push(m.words[DOORBELL.toClientPolling / 4]!, timeoutMs, spinUs ?? 0);
      doorbellPost(m.ops, 0, 'toClient', 9);
      return m.words[offset / 4]!;
    };
    expect(doorbellAwait(m.ops, 0, 'toClient', 0, 40)).toBe(true);
    expect(seen).toEqual([1, 0.04, 40]);
    expect(m.signals).toEqual([]);
    expect(m.words[DOORBELL.toClientPolling / 4]).toBe(0);
    expect(doorbellTake(m.ops, 0, 'toClient')).toEqual([9]);
  });

  it('doorbellAwait: a post landing after the spin ended (wake skipped) is still seen by the last look', () => {
    const m = memory();
    let polling = -1;
    m.ops.wait = (offset) => m.words[offset / 4]!; // the spin saw nothing
    const store = m.ops.store;
    m.ops.store = (offset, value) => {
      store(offset, value);
      // The sender read the polling word as 1 just before it was cleared: it posts without a wake.
      if (offset === DOORBELL.toClientPolling && value === 0 && polling === -1) {
        polling = 0;
        m.words[DOORBELL.toClientPolling / 4] = 1;
        doorbellPost(m.ops, 0, 'toClient', 3);
        m.words[DOORBELL.toClientPolling / 4] = 0;
      }
    };
    expect(doorbellAwait(m.ops, 0, 'toClient', 0, 10)).toBe(true);
    expect(m.signals).toEqual([]);
  });

  it('doorbellAwait: nothing posted → false after the spin, or after the kernel sleep (no polling word then)', () => {
    const m = memory();
    const waits: [number, number][] = [];
    m.ops.wait = (offset, expected, timeoutMs, spinUs) => (waits.push([timeoutMs, spinUs ?? 0]), m.words[offset / 4]!);
    expect(doorbellAwait(m.ops, 0, 'toDaemon', 0, 25)).toBe(false);
    expect(doorbellAwait(m.ops, 0, 'toDaemon', 0, 25, 10)).toBe(false);
    expect(doorbellAwait(m.ops, 0, 'toDaemon', 0, 0, 10)).toBe(false);
    expect(waits).toEqual([[0.025, 25], [0.025, 25], [10, 0], [10, 0]]);
  });

  it('keeps the two bitmaps and the header inside one page', () => {
    expect(DOORBELL.toClient + DOORBELL.ports / 8).toBeLessThanOrEqual(DOORBELL.toDaemon);
    expect(DOORBELL.toDaemon + DOORBELL.ports / 8).toBe(3072);
    expect(DOORBELL.toClientSummary + 4).toBeLessThanOrEqual(DOORBELL.toClient);
  });
});
