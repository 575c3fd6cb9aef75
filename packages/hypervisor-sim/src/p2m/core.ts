/**
 * The p2m core: per-domain storage of internal p2m types (p2m_type_t numbers 0–15) and the bulk
 * operations the simulator needs. Two implementations share this interface and one test suite:
 * the native addon (Rust, napi-rs) and the pure-TS fallback.
 *
 * Domains reach 2^32 pages (a call's `nr` is 32-bit), so no implementation stores one entry per
 * page: the cost of every operation follows the number of type runs it touches, except where the
 * result itself is per page (a dirty bitmap, a batch lookup).
 *
 * Gfns and counts are JS numbers holding integers (gfn ≤ maxGpfn < 2^32, counts ≤ 2^32).
 * Every method validates its arguments and throws a RangeError/TypeError naming the bad one;
 * a failed call changes nothing. A range that "must lie in 0…maxGpfn" needs `first` ≤ maxGpfn and
 * `first+count−1` ≤ maxGpfn; `count` may be 0 (nothing happens). Both implementations check in the
 * same order and throw the same messages (a wrong JS type → TypeError, a bad value → RangeError).
 */
import { P2M_TYPES } from '@xenmem/abi-types';

/** The p2m type of gfns above maxGpfn, and of an all-zero entry. */
export const P2M_INVALID: number = P2M_TYPES.find((t) => t.names.some((n) => n.name === 'p2m_invalid'))!.value;
/** Number of internal p2m types (0–15). */
export const P2M_TYPE_COUNT: number = P2M_TYPES.length;

/** One run of equal type. */
export interface P2mRun {
  /** First gfn of the run. */
  first: number;
  /** Number of consecutive gfns in the run. */
  count: number;
  /** The run's p2m_type_t number. */
  type: number;
}

/** Result of a ranged retype. */
export interface RetypeResult {
  /** Pages processed successfully, from `first` on (the pages Xen's loop counted), including progress before a failure. */
  done: number;
  /** 0, or the positive errno of the first page that failed (it is not changed; later pages are not visited). */
  errno: number;
  /** For each old type (index 0–15), how many pages changed from it to the new type (a page already of the new type counts too). */
  changedFrom: number[];
}

/**
 * Per-page outcome table for a retype: `outcomes[oldType]` is 0 to change the page, or a positive
 * errno to stop there. 16 entries. The simulator builds it from the schema's transition table.
 */
export type OutcomeTable = Int32Array;

/** A domain's p2m: the gfn → type and mapping table. */
export interface P2mTable {
  /** Highest gfn the table holds; every gfn above reads as P2M_INVALID. */
  readonly maxGpfn: number;

  /** Type of one gfn (any gfn ≥ 0 below 2^53; above maxGpfn → P2M_INVALID). */
  get(gfn: number): number;
  /** Types of many gfns at once (one call across the boundary). Gfns above maxGpfn read as P2M_INVALID. */
  getMany(gfns: Float64Array): Uint8Array;

  /** Sets `count` pages from `first` to `type` unconditionally (seeding). The range must lie in 0…maxGpfn. */
  set(first: number, count: number, type: number): void;

  /**
   * Changes up to `count` pages from `first` to `newType`, checking each page's old type against
   * `outcomes`; stops at the first page whose outcome is non-zero. The range must lie in 0…maxGpfn.
   */
  retype(first: number, count: number, newType: number, outcomes: OutcomeTable): RetypeResult;

  /** Changes every page of type `from` to type `to` (Xen's p2m_change_entry_type_global, done eagerly). Returns the pages changed (0 when from === to: Xen asserts they differ). */
  changeTypeGlobal(from: number, to: number): number;

  /** Pages of each type (16 entries) in `first` … `first+count-1`, clipped to 0…maxGpfn. */
  countByType(first: number, count: number): number[];
  /** The runs covering `first` … `first+count-1`, clipped to 0…maxGpfn, merged, in order. */
  runs(first: number, count: number): P2mRun[];
  /** Number of runs in the whole table (the cost measure). */
  runCount(): number;

  /** Marks pages dirty (log-dirty). The range must lie in 0…maxGpfn. Only takeDirty clears marks; type changes leave them. */
  markDirty(first: number, count: number): void;
  /** Returns the dirty bitmap of a range (bit i of byte i>>3 = page first+i, LSB first; ceil(count/8) bytes) and clears it. The range must lie in 0…maxGpfn. */
  takeDirty(first: number, count: number): Uint8Array;

  /** Frees native memory. Calls after dispose throw. */
  dispose(): void;
}

/** Creates tables; one factory per implementation. */
export interface P2mCore {
  /** Which implementation: the Rust addon ("native") or the TypeScript table ("ts"). */
  readonly kind: 'native' | 'ts';
  /** A table of maxGpfn+1 pages, all of `initialType`. maxGpfn may be up to 2^32−1. */
  createTable(maxGpfn: number, initialType: number): P2mTable;
}
