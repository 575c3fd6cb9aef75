/**
 * Property tests: random operation sequences, including ranges near 2^32 and bad arguments, run on
 * the native and the TypeScript core; every result (or error class and message) and the final state
 * must be equal. Small tables are also checked against a one-byte-per-page model.
 * `npm test` runs 100 sequences per property; XENMEM_LONG=1 runs 2000.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { P2M_INVALID, P2M_TYPE_COUNT, type P2mTable } from '../../src/p2m/core.js';
import { loadNativeP2mCore } from '../../src/p2m/native-core.js';
import { tsP2mCore } from '../../src/p2m/ts-core.js';

const NUM_RUNS = process.env['XENMEM_LONG'] === '1' ? 2000 : 100;
const PAGES_4G = 2 ** 32;
const ALL = Number.MAX_SAFE_INTEGER;

type Op =
  | { op: 'get'; gfn: number }
  | { op: 'getMany'; gfns: number[] }
  | { op: 'set'; first: number; count: number; type: number }
  | { op: 'retype'; first: number; count: number; type: number; outcomes: number[] }
  | { op: 'changeTypeGlobal'; from: number; to: number }
  | { op: 'countByType'; first: number; count: number }
  | { op: 'runs'; first: number; count: number }
  | { op: 'runCount' }
  | { op: 'markDirty'; first: number; count: number }
  | { op: 'takeDirty'; first: number; count: number };

/** Positions near 0, near 2^32 (both sides), anywhere below 2^32, and a few bad values. */
const position = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 300 }) },
  { weight: 4, arbitrary: fc.integer({ min: PAGES_4G - 300, max: PAGES_4G + 2 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: PAGES_4G - 1 }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 0.5, NaN, Infinity, 2 ** 53, ALL) },
);
const count = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 300 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: PAGES_4G }) },
  { weight: 1, arbitrary: fc.constantFrom(PAGES_4G, PAGES_4G - 1, PAGES_4G + 1, -1, 1.5, NaN) },
);
/** Few types, so runs merge often; now and then a bad one. */
const p2mType = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 15 }) }, { weight: 1, arbitrary: fc.constantFrom(16, -1, 2.5) });
/** Mostly allowed, some errnos, rarely a bad table. */
const outcomeTable = fc.oneof(
  { weight: 10, arbitrary: fc.array(fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(11, 22, 16) }), { minLength: 16, maxLength: 16 }) },
  { weight: 1, arbitrary: fc.array(fc.integer({ min: -1, max: 22 }), { minLength: 15, maxLength: 17 }) },
);

/** Operations whose gfns and counts come from the given arbitraries. */
function operations(position: fc.Arbitrary<number>, count: fc.Arbitrary<number>): fc.Arbitrary<Op> {
  return fc.oneof(
    fc.record({ op: fc.constant('get' as const), gfn: position }),
    fc.record({ op: fc.constant('getMany' as const), gfns: fc.array(position, { maxLength: 8 }) }),
    { weight: 2, arbitrary: fc.record({ op: fc.constant('set' as const), first: position, count, type: p2mType }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('retype' as const), first: position, count, type: p2mType, outcomes: outcomeTable }) },
    fc.record({ op: fc.constant('changeTypeGlobal' as const), from: p2mType, to: p2mType }),
    fc.record({ op: fc.constant('countByType' as const), first: position, count }),
    fc.record({ op: fc.constant('runs' as const), first: position, count }),
    fc.record({ op: fc.constant('runCount' as const) }),
    fc.record({ op: fc.constant('markDirty' as const), first: position, count }),
    // Bitmaps are per page: keep them small.
    fc.record({ op: fc.constant('takeDirty' as const), first: position, count: fc.integer({ min: 0, max: 600 }) }),
  );
}
const op = operations(position, count);

const maxGpfn = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constant(PAGES_4G - 1), fc.integer({ min: PAGES_4G - 300, max: PAGES_4G - 1 }));
const initialType = fc.integer({ min: 0, max: 3 });

/** Applies an op; returns its result as plain data, or the error it threw. */
function apply(t: P2mTable, o: Op): unknown {
  try {
    switch (o.op) {
      case 'get':
        return t.get(o.gfn);
      case 'getMany':
        return Array.from(t.getMany(new Float64Array(o.gfns)));
      case 'set':
        return t.set(o.first, o.count, o.type);
      case 'retype':
        return t.retype(o.first, o.count, o.type, new Int32Array(o.outcomes));
      case 'changeTypeGlobal':
        return t.changeTypeGlobal(o.from, o.to);
      case 'countByType':
        return t.countByType(o.first, o.count);
      case 'runs':
        return t.runs(o.first, o.count);
      case 'runCount':
        return t.runCount();
      case 'markDirty':
        return t.markDirty(o.first, o.count);
      case 'takeDirty':
        return Array.from(t.takeDirty(o.first, o.count));
    }
  } catch (err) {
    return { threw: (err as Error).constructor.name, message: (err as Error).message };
  }
}

/** The whole state: runs, counts, and the dirty bits (all of them on small tables, the ends on large ones). */
function finalState(t: P2mTable): unknown {
  const dirtyWindows = t.maxGpfn < 4096 ? [[0, t.maxGpfn + 1]] : [[0, 4096], [t.maxGpfn + 1 - 4096, 4096]];
  return {
    runs: t.runs(0, ALL),
    runCount: t.runCount(),
    counts: t.countByType(0, ALL),
    dirty: dirtyWindows.map(([first, n]) => Array.from(t.takeDirty(first!, n!))),
  };
}

/** A table of up to 300 pages and operations mostly inside it (its last gfn ± 2). */
const smallTable = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 24 }) }, fc.integer({ min: 0, max: 300 })).chain((m) => {
  const inside = fc.oneof({ weight: 10, arbitrary: fc.integer({ min: 0, max: m + 2 }) }, { weight: 1, arbitrary: position });
  return fc.tuple(fc.constant(m), fc.array(operations(inside, inside), { maxLength: 40, size: 'max' }));
});

/** One byte per page: the obvious model, for tables of a few hundred pages. */
class PageModel {
  types: Uint8Array;
  dirty: Uint8Array;
  constructor(
    readonly maxGpfn: number,
    initial: number,
  ) {
    this.types = new Uint8Array(maxGpfn + 1).fill(initial);
    this.dirty = new Uint8Array(maxGpfn + 1);
  }
  get(gfn: number): number {
    return gfn > this.maxGpfn ? P2M_INVALID : this.types[gfn]!;
  }
  runs(first: number, count: number): { first: number; count: number; type: number }[] {
    const out: { first: number; count: number; type: number }[] = [];
    for (let g = first; g < Math.min(first + count, this.maxGpfn + 1); g++) {
      const last = out[out.length - 1];
      if (last && last.type === this.types[g]) last.count++;
      else out.push({ first: g, count: 1, type: this.types[g]! });
    }
    return out;
  }
  apply(o: Op): unknown {
    switch (o.op) {
      case 'get':
        return this.get(o.gfn);
      case 'getMany':
        return o.gfns.map((g) => this.get(g));
      case 'set':
        this.types.fill(o.type, o.first, o.first + o.count);
        return undefined;
      case 'retype': {
        const changedFrom = new Array<number>(P2M_TYPE_COUNT).fill(0);
        for (let g = o.first; g < o.first + o.count; g++) {
          const old = this.types[g]!;
          if (o.outcomes[old] !== 0) return { done: g - o.first, errno: o.outcomes[old], changedFrom };
          changedFrom[old]!++;
          this.types[g] = o.type;
        }
        return { done: o.count, errno: 0, changedFrom };
      }
      case 'changeTypeGlobal': {
        if (o.from === o.to) return 0;
        let n = 0;
        this.types.forEach((t, g) => {
          if (t === o.from) {
            this.types[g] = o.to;
            n++;
          }
        });
        return n;
      }
      case 'countByType': {
        const counts = new Array<number>(P2M_TYPE_COUNT).fill(0);
        for (let g = o.first; g < Math.min(o.first + o.count, this.maxGpfn + 1); g++) counts[this.types[g]!]!++;
        return counts;
      }
      case 'runs':
        return this.runs(o.first, o.count);
      case 'runCount':
        return this.runs(0, this.maxGpfn + 1).length;
      case 'markDirty':
        this.dirty.fill(1, o.first, o.first + o.count);
        return undefined;
      case 'takeDirty': {
        const bitmap = new Array<number>(Math.ceil(o.count / 8)).fill(0);
        for (let i = 0; i < o.count; i++) if (this.dirty[o.first + i]) bitmap[i >> 3]! |= 1 << (i & 7);
        this.dirty.fill(0, o.first, o.first + o.count);
        return bitmap;
      }
    }
  }
}

const native = process.env['XENMEM_P2M'] === 'ts' ? undefined : loadNativeP2mCore();

describe('p2m cores on random operation sequences', () => {
  it.skipIf(native === undefined)('native and TS give the same results and the same final state', () => {
    fc.assert(
      fc.property(maxGpfn, initialType, fc.array(op, { maxLength: 40, size: 'max' }), (m, init, ops) => {
        const a = native!.createTable(m, init);
        const b = tsP2mCore.createTable(m, init);
        try {
          ops.forEach((o, i) => expect({ i, o, result: apply(a, o) }).toEqual({ i, o, result: apply(b, o) }));
          expect(finalState(a)).toEqual(finalState(b));
        } finally {
          a.dispose();
          b.dispose();
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('the TS core matches a one-byte-per-page model on small tables', () => {
    fc.assert(
      fc.property(smallTable, initialType, (t0, init) => {
        const [m, ops] = t0;
        const t = tsP2mCore.createTable(m, init);
        const model = new PageModel(m, init);
        for (const o of ops) {
          const result = apply(t, o);
          // Bad arguments are the other property's business; here they must only change nothing.
          if (result !== null && typeof result === 'object' && 'threw' in result) continue;
          expect({ o, result }).toEqual({ o, result: model.apply(o) });
        }
        expect(t.runs(0, ALL)).toEqual(model.runs(0, m + 1));
        expect(Array.from(t.takeDirty(0, m + 1))).toEqual(model.apply({ op: 'takeDirty', first: 0, count: m + 1 }));
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
