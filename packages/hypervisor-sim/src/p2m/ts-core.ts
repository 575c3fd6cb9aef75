/**
 * The pure-TypeScript p2m core: the fallback when the native addon cannot load, and the model the
 * property tests compare it with. Runs only: the sorted start gfns of runs of equal type, neighbours
 * always different, so a uniform 2^32-page domain is one run. Runs live in parallel typed arrays
 * (Uint32Array starts, Uint8Array types) searched by bisection. The addon keeps the same run map
 * (native/src/runs.rs) but holds chunks too fragmented for runs as a byte per page (native/src/types.rs,
 * dense.rs); both cores give the same answers, only their costs differ.
 *
 * Costs, with R the runs in the table and k the runs an operation touches: get O(log R);
 * getMany O(n log R); set/retype/markDirty O(log R + k) plus one copyWithin of the runs after the range
 * (a memmove, O(R) at worst: this is where the native core's byte-per-page chunks win on large
 * fragmented tables);
 * changeTypeGlobal O(R); countByType/runs O(log R + k); takeDirty O(pages/8 + log D + k) for D dirty runs.
 *
 * Argument checks and their messages are shared word for word with the addon (native/src/args.rs),
 * and the JS-type checks here are reused by the native wrapper, so both cores throw the same errors.
 */
import { SET_MEM_TYPE_NR_MAX } from '@xenmem/abi-types';
import { P2M_INVALID, P2M_TYPE_COUNT, type OutcomeTable, type P2mCore, type P2mRun, type P2mTable, type RetypeResult } from './core.js';

/** Highest maxGpfn: a call's `nr` is 32-bit, so a domain holds at most 2^32 pages. */
const MAX_MAX_GPFN = SET_MEM_TYPE_NR_MAX;

// ---- argument checks (shared wording with native/src/args.rs) ----

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object' || typeof v === 'function') return (v as { constructor?: { name?: string } }).constructor?.name ?? typeof v;
  return typeof v;
}

/**
 * JS-type check: each named value must be a number; throws TypeError naming the first that is not.
 * Callers check all arguments' types before any range (so both cores report the same argument
 * first), and call this only when an inline `typeof` test fails, to keep the hot path allocation-free.
 */
export function expectNumbers(args: Record<string, unknown>): void {
  for (const [name, v] of Object.entries(args)) {
    if (typeof v !== 'number') throw new TypeError(`${name} must be a number, got ${describe(v)}`);
  }
}

/** A JS-type check: `v` must be an instance of `kind` (a typed array class). Throws TypeError. */
export function expectTypedArray<T>(name: string, v: unknown, kind: abstract new (...args: never[]) => T): asserts v is T {
  if (!(v instanceof kind)) throw new TypeError(`${name} must be ${/^[AEIOU]/.test(kind.name) ? 'an' : 'a'} ${kind.name}, got ${describe(v)}`);
}

/** `v` as an integer in 0…max; `note` follows the range in the message. Throws RangeError. */
function intIn(name: string, v: number, max: number, note = ''): number {
  if (!(v >= 0 && Number.isInteger(v) && v <= max)) throw new RangeError(`${name} must be an integer in 0…${max}${note}, got ${String(v)}`);
  return v + 0; // -0 → 0
}

function safeIndex(name: string, v: number): number {
  return intIn(name, v, Number.MAX_SAFE_INTEGER);
}

function p2mType(name: string, v: number): number {
  return intIn(name, v, P2M_TYPE_COUNT - 1, ' (a p2m type)');
}

/** A range that must lie in 0…maxGpfn; returns [first, end) with end exclusive. `count` may be 0. */
function rangeInTable(first: number, count: number, maxGpfn: number): [number, number] {
  const a = intIn('first', first, maxGpfn, ' (maxGpfn)');
  const n = intIn('count', count, maxGpfn + 1 - a, ` (the range must end at maxGpfn ${maxGpfn} or below)`);
  return [a, a + n];
}

/** A range clipped to the table later; returns [first, end) (end may exceed 2^53, it is only compared). */
function rangeClipped(first: number, count: number): [number, number] {
  const a = safeIndex('first', first);
  const n = safeIndex('count', count);
  return [a, a + n];
}

function outcomeTable(outcomes: OutcomeTable): OutcomeTable {
  if (outcomes.length !== P2M_TYPE_COUNT) throw new RangeError(`outcomes must have ${P2M_TYPE_COUNT} entries (one per p2m type), got ${outcomes.length}`);
  outcomes.forEach((o, i) => {
    if (o < 0) throw new RangeError(`outcomes[${i}] must be 0 or a positive errno, got ${o}`);
  });
  return outcomes;
}

// ---- run list ----

/**
 * A value per position over 0…end−1 (end ≤ 2^32) as runs: starts[i] is where run i begins, values[i]
 * its value. Invariants: starts[0] = 0, starts ascending, values[i] ≠ values[i+1].
 */
class RunList {
  starts = new Uint32Array(16);
  values = new Uint8Array(16);
  length = 1;

  constructor(
    readonly end: number,
    value: number,
  ) {
    this.values[0] = value;
  }

  /** Index of the run holding `pos` (0 ≤ pos < end): the last run starting at or before it. */
  indexOf(pos: number): number {
    let lo = 0;
    let hi = this.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.starts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  runEnd(i: number): number {
    return i + 1 < this.length ? this.starts[i + 1]! : this.end;
  }

  valueAt(pos: number): number {
    return this.values[this.indexOf(pos)]!;
  }

  /** Calls `fn(first, end, value)` for the runs covering a…b−1, clipped to it, in order; stops when fn returns false. */
  forEachSegment(a: number, b: number, fn: (first: number, end: number, value: number) => boolean | void): void {
    const stop = Math.min(b, this.end);
    if (a >= stop) return;
    for (let i = this.indexOf(a); i < this.length; i++) {
      const start = this.starts[i]!;
      if (start >= stop) return;
      if (fn(Math.max(start, a), Math.min(this.runEnd(i), stop), this.values[i]!) === false) return;
    }
  }

  /** Sets a…b−1 (a ≤ b ≤ end) to `value`, merging with equal neighbours. */
  assign(a: number, b: number, value: number): void {
    if (a >= b) return;
    const i = this.indexOf(a);
    const j = this.indexOf(b - 1);
    // The runs i…j are replaced; one neighbour on each side joins in so that equal runs merge.
    const lo = i > 0 ? i - 1 : i;
    const hi = j + 1 < this.length ? j + 2 : j + 1;
    const newStarts: number[] = [];
    const newValues: number[] = [];
    const push = (start: number, v: number): void => {
      if (newValues.length > 0 && newValues[newValues.length - 1] === v) return;
      newStarts.push(start);
      newValues.push(v);
    };
    if (lo < i) push(this.starts[lo]!, this.values[lo]!);
    if (this.starts[i]! < a) push(this.starts[i]!, this.values[i]!);
    push(a, value);
    if (b < this.runEnd(j)) push(b, this.values[j]!);
    if (hi > j + 1) push(this.starts[j + 1]!, this.values[j + 1]!);
    this.splice(lo, hi, newStarts, newValues);
  }

  /** Every run of `from` becomes `to`, merging; returns the positions changed (0 when from === to). */
  replaceValue(from: number, to: number): number {
    if (from === to) return 0;
    let changed = 0;
    let w = 0;
    for (let r = 0; r < this.length; r++) {
      let v = this.values[r]!;
      if (v === from) {
        changed += this.runEnd(r) - this.starts[r]!;
        v = to;
      }
      if (w > 0 && this.values[w - 1] === v) continue;
      this.starts[w] = this.starts[r]!;
      this.values[w] = v;
      w++;
    }
    this.length = w;
    return changed;
  }

  /** Replaces runs lo…hi−1 by the given ones, moving the runs after them once. */
  private splice(lo: number, hi: number, starts: number[], values: number[]): void {
    const newLength = this.length - (hi - lo) + starts.length;
    if (newLength > this.starts.length) {
      const capacity = Math.max(newLength, this.starts.length * 2);
      const grownStarts = new Uint32Array(capacity);
      const grownValues = new Uint8Array(capacity);
      grownStarts.set(this.starts.subarray(0, this.length));
      grownValues.set(this.values.subarray(0, this.length));
      this.starts = grownStarts;
      this.values = grownValues;
    }
    this.starts.copyWithin(lo + starts.length, hi, this.length);
    this.values.copyWithin(lo + starts.length, hi, this.length);
    this.starts.set(starts, lo);
    this.values.set(values, lo);
    this.length = newLength;
    // Give memory back after a large merge (e.g. a fragmented table retyped whole).
    if (this.starts.length > 64 && newLength * 4 < this.starts.length) {
      this.starts = this.starts.slice(0, newLength * 2);
      this.values = this.values.slice(0, newLength * 2);
    }
  }
}

/** Sets bits from…to−1 of an LSB-first bitmap, whole bytes at a time in the middle. */
function setBits(bitmap: Uint8Array, from: number, to: number): void {
  let bit = from;
  for (; bit < to && bit % 8 !== 0; bit++) bitmap[bit >>> 3]! |= 1 << (bit % 8);
  const wholeBytesEnd = to - (to % 8);
  if (bit < wholeBytesEnd) {
    bitmap.fill(0xff, bit / 8, wholeBytesEnd / 8);
    bit = wholeBytesEnd;
  }
  for (; bit < to; bit++) bitmap[Math.floor(bit / 8)]! |= 1 << (bit % 8);
}

// ---- the table ----

class TsP2mTable implements P2mTable {
  readonly maxGpfn: number;
  #types: RunList;
  /** 1 = dirty; log-dirty marks come in ranges, so they are runs too. */
  #dirty: RunList;
  #disposed = false;

  constructor(maxGpfn: number, initialType: number) {
    this.maxGpfn = maxGpfn;
    this.#types = new RunList(maxGpfn + 1, initialType);
    this.#dirty = new RunList(maxGpfn + 1, 0);
  }

  #live(): void {
    if (this.#disposed) throw new TypeError('p2m table used after dispose()');
  }

  get(gfn: number): number {
    this.#live();
    if (typeof gfn !== 'number') expectNumbers({ gfn });
    const g = safeIndex('gfn', gfn);
    return g > this.maxGpfn ? P2M_INVALID : this.#types.valueAt(g);
  }

  getMany(gfns: Float64Array): Uint8Array {
    this.#live();
    expectTypedArray('gfns', gfns, Float64Array);
    const types = new Uint8Array(gfns.length);
    for (let i = 0; i < gfns.length; i++) {
      const g = intIn(`gfns[${i}]`, gfns[i]!, Number.MAX_SAFE_INTEGER);
      types[i] = g > this.maxGpfn ? P2M_INVALID : this.#types.valueAt(g);
    }
    return types;
  }

  set(first: number, count: number, type: number): void {
    this.#live();
    if (typeof first !== 'number' || typeof count !== 'number' || typeof type !== 'number') expectNumbers({ first, count, type });
    const [a, b] = rangeInTable(first, count, this.maxGpfn);
    this.#types.assign(a, b, p2mType('type', type));
  }

  retype(first: number, count: number, newType: number, outcomes: OutcomeTable): RetypeResult {
    this.#live();
    if (typeof first !== 'number' || typeof count !== 'number' || typeof newType !== 'number') expectNumbers({ first, count, newType });
    expectTypedArray('outcomes', outcomes, Int32Array);
    const [a, b] = rangeInTable(first, count, this.maxGpfn);
    const to = p2mType('newType', newType);
    const table = outcomeTable(outcomes);
    // Every page of a run has the same old type, so Xen's per-page loop decides whole runs at once.
    const changedFrom = new Array<number>(P2M_TYPE_COUNT).fill(0);
    let stop = b;
    let errno = 0;
    this.#types.forEachSegment(a, b, (start, end, old) => {
      const outcome = table[old]!;
      if (outcome !== 0) {
        stop = start;
        errno = outcome;
        return false;
      }
      changedFrom[old]! += end - start;
      return true;
    });
    this.#types.assign(a, stop, to);
    return { done: stop - a, errno, changedFrom };
  }

  changeTypeGlobal(from: number, to: number): number {
    this.#live();
    if (typeof from !== 'number' || typeof to !== 'number') expectNumbers({ from, to });
    const f = p2mType('from', from);
    const t = p2mType('to', to);
    return this.#types.replaceValue(f, t);
  }

  countByType(first: number, count: number): number[] {
    this.#live();
    if (typeof first !== 'number' || typeof count !== 'number') expectNumbers({ first, count });
    const [a, b] = rangeClipped(first, count);
    const counts = new Array<number>(P2M_TYPE_COUNT).fill(0);
    this.#types.forEachSegment(a, b, (start, end, type) => {
      counts[type]! += end - start;
    });
    return counts;
  }

  runs(first: number, count: number): P2mRun[] {
    this.#live();
    if (typeof first !== 'number' || typeof count !== 'number') expectNumbers({ first, count });
    const [a, b] = rangeClipped(first, count);
    const runs: P2mRun[] = [];
    this.#types.forEachSegment(a, b, (start, end, type) => {
      runs.push({ first: start, count: end - start, type });
    });
    return runs;
  }

  runCount(): number {
    this.#live();
    return this.#types.length;
  }

  markDirty(first: number, count: number): void {
    this.#live();
    if (typeof first !== 'number' || typeof count !== 'number') expectNumbers({ first, count });
    const [a, b] = rangeInTable(first, count, this.maxGpfn);
    this.#dirty.assign(a, b, 1);
  }

  takeDirty(first: number, count: number): Uint8Array {
    this.#live();
    if (typeof first !== 'number' || typeof count !== 'number') expectNumbers({ first, count });
    const [a, b] = rangeInTable(first, count, this.maxGpfn);
    const bitmap = new Uint8Array(Math.ceil((b - a) / 8));
    this.#dirty.forEachSegment(a, b, (start, end, dirty) => {
      if (dirty === 1) setBits(bitmap, start - a, end - a);
    });
    this.#dirty.assign(a, b, 0);
    return bitmap;
  }

  dispose(): void {
    this.#disposed = true;
    // Drop the run arrays now rather than when the table object itself goes.
    this.#types = new RunList(1, P2M_INVALID);
    this.#dirty = new RunList(1, 0);
  }
}

/** The pure-TypeScript p2m core. */
export const tsP2mCore: P2mCore = {
  kind: 'ts',
  createTable(maxGpfn: number, initialType: number): P2mTable {
    if (typeof maxGpfn !== 'number' || typeof initialType !== 'number') expectNumbers({ maxGpfn, initialType });
    const m = intIn('maxGpfn', maxGpfn, MAX_MAX_GPFN);
    return new TsP2mTable(m, p2mType('initialType', initialType));
  },
};
