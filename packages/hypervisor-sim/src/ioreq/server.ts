/**
 * An ioreq server as the hypervisor keeps it: its emulator domain, buffering mode, state, the three
 * rangesets (ports, MMIO, PCI SBDFs; inclusive ranges, merged when adjacent, at most 256 each), its
 * event channels, its two pages (ioreq/pages.ts, ioreq/ring.ts), and where they are reached from (guest
 * gfns or acquire_resource frames).
 */
import type { CONST } from '@xenmem/abi-types';

/** XEN_DMOP_IO_RANGE_PORT / _MEMORY / _PCI. */
export type RangeType = (typeof CONST.io_range)[keyof typeof CONST.io_range];

export interface Range {
  start: bigint;
  end: bigint;
}

export interface IoreqServer {
  id: number;
  /** Creation sequence number within the domain. */
  created: number;
  /** The domain that created it (s->emulator); from 4.11 only it may operate on the server. */
  emulator: number;
  /** HVM_IOREQSRV_BUFIOREQ_OFF / LEGACY / ATOMIC. */
  bufioreq: number;
  enabled: boolean;
  ranges: [Range[], Range[], Range[]];
  /** Unbound event channel per vCPU, remote end the emulator. */
  vcpuPorts: number[];
  /** The ports were written into the shared page (the server has been enabled at least once). */
  portsPublished: boolean;
  /** The buffered ring's channel (when buffered). */
  bufioreqPort: number | null;
  /** How its pages were set up: not yet, as guest gfns (get_info), or as resource frames. */
  pages: { kind: 'none' } | { kind: 'gfns'; ioreqGfn: bigint; bufioreqGfn: bigint | null } | { kind: 'resource' };
  /** The synchronous page's bytes (shared_iopage; one ioreq_t per vCPU). Exists from create (docs/simulator.md). */
  ioreqPage: Uint8Array;
  /** The buffered ring's bytes (buffered_iopage), when buffered. */
  bufioreqPage: Uint8Array | null;
  /** A device model mapped the synchronous page (acquire_resource frame 1, or the ioreq gfn). Never reset. */
  ioreqPageMapped: boolean;
  /** A device model mapped the buffered page (frame 0, or the bufioreq gfn). Never reset. */
  bufioreqPageMapped: boolean;
}

/** Adds [start, end] to a sorted, merged rangeset; returns 'exists' on overlap, 'full' past the limit. */
export function rangesetAdd(set: Range[], start: bigint, end: bigint, limit: number): 'ok' | 'exists' | 'full' {
  if (set.some((r) => r.start <= end && start <= r.end)) return 'exists';
  const before = set.findIndex((r) => r.end + 1n === start);
  const after = set.findIndex((r) => end + 1n === r.start);
  if (before >= 0 && after >= 0) {
    set[before] = { start: set[before]!.start, end: set[after]!.end };
    set.splice(after, 1);
  } else if (before >= 0) set[before] = { start: set[before]!.start, end };
  else if (after >= 0) set[after] = { start, end: set[after]!.end };
  else {
    if (set.length >= limit) return 'full';
    set.push({ start, end });
    set.sort((a, b) => (a.start < b.start ? -1 : 1));
  }
  return 'ok';
}

/** Removes [start, end], which must lie inside one range; splitting a range needs room for one more. */
export function rangesetRemove(set: Range[], start: bigint, end: bigint, limit: number): 'ok' | 'missing' | 'full' {
  const i = set.findIndex((r) => r.start <= start && end <= r.end);
  if (i < 0) return 'missing';
  const r = set[i]!;
  const pieces: Range[] = [];
  if (r.start < start) pieces.push({ start: r.start, end: start - 1n });
  if (end < r.end) pieces.push({ start: end + 1n, end: r.end });
  if (pieces.length === 2 && set.length >= limit) return 'full';
  set.splice(i, 1, ...pieces);
  return 'ok';
}

/** Whether [start, end] lies entirely inside one range. */
export function rangesetContains(set: readonly Range[], start: bigint, end: bigint): boolean {
  return set.some((r) => r.start <= start && end <= r.end);
}
