/**
 * Fragmented tables: the native core holds a 4096-page chunk with more than 128 runs as a byte per page
 * (native/src/types.rs) and goes back to runs when it holds 32 or fewer. These tests build tables
 * fragmented page by page over several chunks (every chunk far above the threshold, so dense in the
 * native core; a short chunk at the end), then compare the native core with the TS core and with a
 * one-byte-per-page model: retypes that stop at a refused page in the middle of a chunk, ranges that
 * straddle chunk edges and run/dense boundaries, chunks made nearly uniform again, runs(), runCount(),
 * countByType(), getMany(). XENMEM_P2M=ts skips the native core (then the TS core meets the model alone).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { P2M_INVALID, P2M_TYPE_COUNT, type P2mRun, type P2mTable, type RetypeResult } from '../../src/p2m/core.js';
import { loadNativeP2mCore } from '../../src/p2m/native-core.js';
import { tsP2mCore } from '../../src/p2m/ts-core.js';
import { RAM_RW, LOGDIRTY, RAM_RO, MMIO_DM, SHARED, EAGAIN, EINVAL } from './numbers.js';

const NUM_RUNS = process.env['XENMEM_LONG'] === '1' ? 500 : 40;
const CHUNK = 4096;
/** Four full chunks and a short one. */
const PAGES = 4 * CHUNK + 123;
const ALL = Number.MAX_SAFE_INTEGER;


const native = process.env['XENMEM_P2M'] === 'ts' ? undefined : loadNativeP2mCore();

/** One byte per page: the obvious model. */
class PageModel {
  readonly types: Uint8Array;
  constructor(pages: number, initial: number) {
    this.types = new Uint8Array(pages).fill(initial);
  }
  set(first: number, count: number, type: number): void {
    this.types.fill(type, first, first + count);
  }
  retype(first: number, count: number, newType: number, outcomes: Int32Array): { done: number; errno: number; changedFrom: number[] } {
    const changedFrom = new Array<number>(P2M_TYPE_COUNT).fill(0);
    for (let g = first; g < first + count; g++) {
      const old = this.types[g]!;
      if (outcomes[old] !== 0) return { done: g - first, errno: outcomes[old]!, changedFrom };
      changedFrom[old]!++;
      this.types[g] = newType;
    }
    return { done: count, errno: 0, changedFrom };
  }
  changeTypeGlobal(from: number, to: number): number {
    if (from === to) return 0;
    let n = 0;
    this.types.forEach((t, g) => {
      if (t === from) {
        this.types[g] = to;
        n++;
      }
    });
    return n;
  }
  countByType(first: number, count: number): number[] {
    const counts = new Array<number>(P2M_TYPE_COUNT).fill(0);
    for (let g = first; g < Math.min(first + count, this.types.length); g++) counts[this.types[g]!]!++;
    return counts;
  }
  runs(first: number, count: number): P2mRun[] {
    const out: P2mRun[] = [];
    for (let g = first; g < Math.min(first + count, this.types.length); g++) {
      const last = out[out.length - 1];
      if (last && last.type === this.types[g]) last.count++;
      else out.push({ first: g, count: 1, type: this.types[g]! });
    }
    return out;
  }
}

/** The native table (if the addon loads), the TS table and the model, all built the same way. */
interface Trio {
  tables: P2mTable[];
  model: PageModel;
}

/**
 * Pages `from`…PAGES−1 set page by page (as the bench builds its fragmented table): page g gets
 * `pattern(g)`; the pages before stay `initial`.
 */
function build(initial: number, from: number, pattern: (g: number) => number): Trio {
  const tables = [...(native ? [native.createTable(PAGES - 1, initial)] : []), tsP2mCore.createTable(PAGES - 1, initial)];
  const model = new PageModel(PAGES, initial);
  for (let g = from; g < PAGES; g++) {
    const t = pattern(g);
    for (const table of tables) table.set(g, 1, t);
    model.set(g, 1, t);
  }
  return { tables, model };
}

function dispose(trio: Trio): void {
  for (const t of trio.tables) t.dispose();
}

/** Every table answers as the model does: all runs, the run count, counts and every page. */
function expectSameState(trio: Trio): void {
  const runs = trio.model.runs(0, PAGES);
  const every = new Float64Array(PAGES + 2).map((_, i) => i);
  const pages = Array.from(trio.model.types).concat([P2M_INVALID, P2M_INVALID]);
  for (const t of trio.tables) {
    expect(t.runs(0, ALL)).toEqual(runs);
    expect(t.runCount()).toBe(runs.length);
    expect(t.countByType(0, ALL)).toEqual(trio.model.countByType(0, PAGES));
    expect(Array.from(t.getMany(every))).toEqual(pages);
  }
}

function outcomes(refused: Record<number, number> = {}): Int32Array {
  const table = new Int32Array(P2M_TYPE_COUNT);
  for (const [type, errno] of Object.entries(refused)) table[Number(type)] = errno;
  return table;
}

const alternating = (g: number): number => (g % 2 === 0 ? RAM_RW : RAM_RO);

describe('fragmented chunks (dense in the native core)', () => {
  it('a table alternating page by page reads back page by page', () => {
    const trio = build(RAM_RW, 0, alternating);
    try {
      expectSameState(trio);
      expect(trio.tables[0]!.runCount()).toBe(PAGES);
      // Ranges straddling chunk edges, and clipped at the end.
      for (const [first, count] of [
        [CHUNK - 3, 7],
        [CHUNK - 1, 2 * CHUNK + 5],
        [3 * CHUNK + 1, ALL],
        [PAGES - 1, 10],
        [PAGES, 10],
      ] as const) {
        for (const t of trio.tables) {
          expect(t.countByType(first, count)).toEqual(trio.model.countByType(first, count));
          expect(t.runs(first, count)).toEqual(trio.model.runs(first, count));
        }
      }
    } finally {
      dispose(trio);
    }
  });

  it('a 2^32-page table fragmented in its last two chunks: ranges ending exactly at 2^32, changeTypeGlobal back to one run', () => {
    const END = 2 ** 32;
    const base = END - 2 * CHUNK;
    const tables = [...(native ? [native.createTable(END - 1, RAM_RW)] : []), tsP2mCore.createTable(END - 1, RAM_RW)];
    // The model covers base…2^32−1 (everything before is ram_rw).
    const model = new PageModel(2 * CHUNK, RAM_RW);
    try {
      for (let g = base; g < END; g++) {
        const t = g % 3 === 0 ? RAM_RO : g % 3 === 1 ? LOGDIRTY : RAM_RW;
        for (const table of tables) table.set(g, 1, t);
        model.set(g - base, 1, t);
      }
      const shifted = (runs: P2mRun[]) => runs.map((r) => ({ ...r, first: r.first + base }));
      const modelRuns = model.runs(0, 2 * CHUNK);
      for (const t of tables) {
        expect(t.runs(base, ALL)).toEqual(shifted(modelRuns));
        expect(t.runCount()).toBe(modelRuns.length + (modelRuns[0]!.type === RAM_RW ? 0 : 1));
        expect(t.countByType(END - CHUNK - 5, CHUNK + 5)).toEqual(model.countByType(CHUNK - 5, CHUNK + 5));
        expect(Array.from(t.getMany(new Float64Array([END - 3, END - 2, END - 1, END])))).toEqual([...model.types.subarray(-3), P2M_INVALID]);
      }
      // A retype of the last 100 pages, stopping at the first logdirty page; then one of the last page alone.
      const refuse = outcomes({ [LOGDIRTY]: EAGAIN });
      const want = model.retype(2 * CHUNK - 100, 100, MMIO_DM, refuse);
      for (const t of tables) expect(t.retype(END - 100, 100, MMIO_DM, refuse)).toEqual(want);
      const last = model.retype(2 * CHUNK - 1, 1, SHARED, outcomes());
      for (const t of tables) expect(t.retype(END - 1, 1, SHARED, outcomes())).toEqual(last);
      for (const t of tables) expect(t.runs(base, ALL)).toEqual(shifted(model.runs(0, 2 * CHUNK)));
      // Every non-ram_rw type back to ram_rw: one run of 2^32 pages.
      for (const from of [RAM_RO, LOGDIRTY, MMIO_DM, SHARED]) {
        const n = model.changeTypeGlobal(from, RAM_RW);
        for (const t of tables) expect(t.changeTypeGlobal(from, RAM_RW)).toBe(n);
      }
      for (const t of tables) expect(t.runs(0, ALL)).toEqual([{ first: 0, count: END, type: RAM_RW }]);
    } finally {
      for (const t of tables) t.dispose();
    }
  });

  it('retypes the whole fragmented table in one call, leaving one run', () => {
    const trio = build(RAM_RW, 0, alternating);
    try {
      const want = trio.model.retype(0, PAGES, RAM_RW, outcomes());
      expect(want.changedFrom[RAM_RO]).toBe(Math.floor(PAGES / 2));
      for (const t of trio.tables) expect(t.retype(0, PAGES, RAM_RW, outcomes())).toEqual(want);
      expectSameState(trio);
      expect(trio.tables[0]!.runs(0, ALL)).toEqual([{ first: 0, count: PAGES, type: RAM_RW }]);
    } finally {
      dispose(trio);
    }
  });

  it('stops at a refused page in the middle of a fragmented chunk, from a uniform stretch', () => {
    // Chunk 0 and part of chunk 1 uniform (runs), the rest alternating (dense).
    const trio = build(LOGDIRTY, CHUNK + 100, alternating);
    try {
      const refusedAt = 2 * CHUNK + 1001;
      for (const t of trio.tables) t.set(refusedAt, 1, SHARED);
      trio.model.set(refusedAt, 1, SHARED);
      const table = outcomes({ [SHARED]: EAGAIN });
      const want = trio.model.retype(17, PAGES - 17, MMIO_DM, table);
      expect(want).toMatchObject({ done: refusedAt - 17, errno: EAGAIN });
      for (const t of trio.tables) expect(t.retype(17, PAGES - 17, MMIO_DM, table)).toEqual(want);
      expectSameState(trio);
      // Refused at the first page: nothing changes.
      const first = outcomes({ [SHARED]: EINVAL });
      const none = trio.model.retype(refusedAt, 50, RAM_RW, first);
      expect(none).toEqual({ done: 0, errno: EINVAL, changedFrom: new Array<number>(P2M_TYPE_COUNT).fill(0) });
      for (const t of trio.tables) expect(t.retype(refusedAt, 50, RAM_RW, first)).toEqual(none);
      expectSameState(trio);
    } finally {
      dispose(trio);
    }
  });

  it('a chunk made nearly uniform again reads back the same, merged with its neighbours', () => {
    const trio = build(RAM_RW, 0, alternating);
    try {
      const steps: [number, number, number][] = [
        [CHUNK + 10, CHUNK - 20, RAM_RO], // chunk 1: 10 alternating pages, a run, 10 more
        [CHUNK, 10, RAM_RO],
        [2 * CHUNK - 10, 10, RAM_RO], // chunk 1 all ram_ro, joined to chunk 0's last page
        [2 * CHUNK, 2 * CHUNK, RAM_RO], // chunks 2 and 3 too
        [5, 3, MMIO_DM],
      ];
      for (const [first, count, type] of steps) {
        for (const t of trio.tables) t.set(first, count, type);
        trio.model.set(first, count, type);
        expectSameState(trio);
      }
      expect(trio.tables[0]!.runs(CHUNK - 2, 3 * CHUNK + 4)).toEqual([
        { first: CHUNK - 2, count: 1, type: RAM_RW },
        { first: CHUNK - 1, count: 3 * CHUNK + 1, type: RAM_RO },
        { first: 4 * CHUNK, count: 1, type: RAM_RW },
        { first: 4 * CHUNK + 1, count: 1, type: RAM_RO },
      ]);
    } finally {
      dispose(trio);
    }
  });

  it('changeTypeGlobal changes fragmented pages and merges what it joins', () => {
    const trio = build(RAM_RW, 0, (g) => [RAM_RW, RAM_RO, LOGDIRTY][g % 3]!);
    try {
      for (const [from, to] of [
        [LOGDIRTY, RAM_RW],
        [RAM_RO, RAM_RW],
        [RAM_RW, RAM_RW],
      ] as const) {
        const want = trio.model.changeTypeGlobal(from, to);
        for (const t of trio.tables) expect(t.changeTypeGlobal(from, to)).toBe(want);
        expectSameState(trio);
      }
      expect(trio.tables[0]!.runCount()).toBe(1);
    } finally {
      dispose(trio);
    }
  });

  it('random operations on a fragmented table give the same results in both cores and the model', () => {
    // Positions near chunk edges, where runs and dense chunks meet, and anywhere.
    const edge = fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: -40, max: 40 })).map(([c, d]) => Math.min(PAGES - 1, Math.max(0, c * CHUNK + d)));
    const position = fc.oneof(edge, fc.integer({ min: 0, max: PAGES - 1 }));
    const count = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 50 }) }, fc.integer({ min: 0, max: PAGES }), fc.constant(PAGES));
    const type = fc.integer({ min: 0, max: 3 });
    // Types 0–3 mostly allowed; p2m_ram_shared (planted one page at a time) always refused, so that
    // long retypes stop inside chunks they would otherwise cover whole.
    const refusals = fc.array(fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, fc.constantFrom(EAGAIN, EINVAL)), { minLength: 4, maxLength: 4 }).map((r) => ({ ...r, [SHARED]: EAGAIN }));
    const op = fc.oneof(
      { weight: 3, arbitrary: fc.record({ op: fc.constant('set' as const), first: position, count, type }) },
      { weight: 3, arbitrary: fc.record({ op: fc.constant('set' as const), first: fc.integer({ min: 0, max: PAGES - 1 }), count: fc.constant(1), type: fc.constant(SHARED) }) },
      { weight: 3, arbitrary: fc.record({ op: fc.constant('retype' as const), first: position, count, type, refusals }) },
      fc.record({ op: fc.constant('changeTypeGlobal' as const), from: type, to: type }),
      fc.record({ op: fc.constant('countByType' as const), first: position, count }),
      fc.record({ op: fc.constant('runs' as const), first: position, count }),
    );
    // A fragmented start: a pattern of period 1…7 over a few types, from some page on.
    const start = fc.record({ from: fc.constantFrom(0, 100, CHUNK, CHUNK + 7), period: fc.integer({ min: 1, max: 7 }), types: fc.array(type, { minLength: 7, maxLength: 7 }) });
    // How often a retype stopped at a page of a fragmented chunk (> 128 runs: dense in the native
    // core) that the range covered whole: the case a per-chunk shortcut could get wrong.
    let stoppedInsideCoveredDenseChunk = 0;
    const fragmentedChunk = (m: PageModel, page: number): boolean => {
      const first = page - (page % CHUNK);
      return m.runs(first, CHUNK).length > 128;
    };
    fc.assert(
      fc.property(start, fc.array(op, { maxLength: 25, size: 'max' }), (s, ops) => {
        const trio = build(RAM_RW, s.from, (g) => s.types[g % s.period]!);
        try {
          for (const o of ops) {
            const first = o.op === 'changeTypeGlobal' ? 0 : o.first;
            // Calls that modify must lie in the table; reads clip.
            const n = o.op === 'changeTypeGlobal' ? 0 : o.op === 'set' || o.op === 'retype' ? Math.min(o.count, PAGES - first) : o.count;
            // The same call on the model and on each table.
            type Target = Pick<P2mTable, 'set' | 'retype' | 'changeTypeGlobal' | 'countByType' | 'runs'>;
            const apply = (t: Target): unknown => {
              switch (o.op) {
                case 'set':
                  return t.set(first, n, o.type);
                case 'retype':
                  return t.retype(first, n, o.type, outcomes(o.refusals));
                case 'changeTypeGlobal':
                  return t.changeTypeGlobal(o.from, o.to);
                case 'countByType':
                  return t.countByType(first, n);
                case 'runs':
                  return t.runs(first, n);
              }
            };
            // For a retype, the model as it was: did the retype stop inside a fragmented chunk?
            const before = o.op === 'retype' ? Object.assign(new PageModel(0, 0), { types: trio.model.types.slice() }) : undefined;
            const want = apply(trio.model);
            if (before) {
              const r = want as RetypeResult;
              const stop = first + r.done;
              const chunkFirst = stop - (stop % CHUNK);
              if (r.errno !== 0 && chunkFirst >= first && chunkFirst + CHUNK <= first + n && fragmentedChunk(before, stop)) stoppedInsideCoveredDenseChunk++;
            }
            for (const t of trio.tables) {
              const got = apply(t);
              expect({ o, got }).toEqual({ o, got: want });
            }
          }
          expectSameState(trio);
        } finally {
          dispose(trio);
        }
      }),
      { numRuns: NUM_RUNS },
    );
    expect(stoppedInsideCoveredDenseChunk).toBeGreaterThan(0);
  });
});
