/**
 * Log-dirty ops: XEN_DMOP_modified_memory (11) and XEN_DMOP_track_dirty_vram (7), HAP flavour.
 *
 * track_dirty_vram sets up a tracked range: its pages become p2m_ram_logdirty, and the first call for
 * a new range reports every page dirty. Later calls for the same range report the pages that are ram_rw
 * again (written by the guest, or set back by set_mem_type) and write-protect them again; pages that
 * modified_memory marked are not reported. nr == 0 stops tracking. modified_memory does nothing unless
 * log-dirty is on (paging_mode_log_dirty: never from 4.17, XSA-397), walks its extents from the last one
 * down, and checks for preemption every modifiedMemoryPreemptInterval pages.
 */
import { LOG_DIRTY_BY_TRACKING, STRUCTS, decodeStruct, entryAt, limitAt, p2mClassMembers, type ReleaseName } from '@xenmem/abi-types';
import { fail, OK } from '../errno.js';
import type { Domain } from '../domain.js';
import { P2M_RAM_LOGDIRTY, P2M_RAM_RW } from '../p2m-types.js';
import type { DmOpContext, DmOpStep } from './context.js';

const EXTENT_SIZE = STRUCTS.xen_dm_op_modified_memory_extent.size;

/**
 * Types whose gfn has a page that get_page_from_gfn returns, so marking it dirty does something: RAM that is
 * not paged out. (Xen's P2M_UNSHARE lookup would also populate PoD and unshare; the simulator does neither.)
 */
function hasPage(type: number, release: ReleaseName): boolean {
  return (p2mClassMembers('P2M_RAM_TYPES', release) ?? []).includes(type) && !(p2mClassMembers('P2M_PAGING_TYPES', release) ?? []).includes(type);
}

/** Changes every page of type `from` in a range to `to`, run by run (p2m_change_type_range). */
export function changeTypeRange(domain: Domain, first: number, count: number, from: number, to: number): void {
  if (count <= 0 || first > domain.maxGpfn) return;
  for (const run of domain.p2m.runs(first, Math.min(count, domain.maxGpfn - first + 1))) if (run.type === from) domain.p2m.set(run.first, run.count, to);
}

/** Marks the pages of a range that have a page behind them (paging_mark_pfn_dirty). */
export function markDirtyRange(domain: Domain, release: ReleaseName, first: number, count: number): void {
  if (count <= 0 || first > domain.maxGpfn) return;
  for (const run of domain.p2m.runs(first, Math.min(count, domain.maxGpfn - first + 1))) if (hasPage(run.type, release)) domain.p2m.markDirty(run.first, run.count);
}

/**
 * paging_mode_log_dirty: up to 4.16 track_dirty_vram turns log-dirty mode on for its range; from 4.17
 * (XSA-397) it never does, and nothing else the simulator models does (schema: logDirtyByTracking[]).
 * Xen keeps the mode on after tracking stops; the simulator ties it to the tracked range.
 */
export function logDirtyEnabled(domain: Domain, release: ReleaseName): boolean {
  return entryAt(LOG_DIRTY_BY_TRACKING, release)!.trackEnablesLogDirty && domain.vram !== null;
}

/**
 * paging_log_dirty_range / p2m_log_dirty_range: bit i is set iff page first+i is ram_rw now (a write fault
 * or set_mem_type made it writable), and that page goes back to logdirty. Pages only marked by
 * modified_memory are not reported: the marks live in the log-dirty bitmap, which this does not read.
 */
function reportWritable(domain: Domain, first: number, nr: number, bitmap: Uint8Array): void {
  for (const run of domain.p2m.runs(first, nr)) {
    if (run.type !== P2M_RAM_RW) continue;
    for (let i = run.first - first; i < run.first - first + run.count; i++) bitmap[i >> 3]! |= 1 << (i & 7);
  }
  changeTypeRange(domain, first, nr, P2M_RAM_RW, P2M_RAM_LOGDIRTY);
}

export function trackDirtyVram(ctx: DmOpContext): DmOpStep {
  const { domain, payload, bufs } = ctx;
  if (bufs.length < 2) return { rc: fail('EINVAL', 'second-buffer-missing') };
  if (payload.pad !== 0) return { rc: fail('EINVAL', 'pad-nonzero') };
  const nr = payload.nr as number;
  const first = payload.first_pfn as bigint;
  if (nr > limitAt('maxTrackDirtyVramPages', ctx.release)!.value) return { rc: fail('EINVAL', 'dirty-vram-too-many') };
  const bitmap = bufs[1]!;
  const size = Math.ceil(nr / 8);
  if (size > bitmap.length) return { rc: fail('EINVAL', 'dirty-bitmap-short') };
  if (nr === 0) {
    if (domain.vram) changeTypeRange(domain, domain.vram.firstPfn, domain.vram.nr, P2M_RAM_LOGDIRTY, P2M_RAM_RW);
    domain.vram = null;
    return { rc: OK };
  }
  if (first > BigInt(domain.maxGpfn)) {
    // Nothing of the range is in the p2m: Xen reports a new range all dirty and a known one clean.
    const known = domain.vram !== null && BigInt(domain.vram.firstPfn) === first && domain.vram.nr === nr;
    bitmap.fill(known ? 0 : 0xff, 0, size);
    return { rc: OK };
  }
  const firstPfn = Number(first);
  if (!domain.vram || domain.vram.firstPfn !== firstPfn || domain.vram.nr !== nr) {
    if (domain.vram) changeTypeRange(domain, domain.vram.firstPfn, domain.vram.nr, P2M_RAM_LOGDIRTY, P2M_RAM_RW);
    domain.vram = { firstPfn, nr };
    changeTypeRange(domain, firstPfn, nr, P2M_RAM_RW, P2M_RAM_LOGDIRTY);
    bitmap.fill(0xff, 0, size); // a new range: every page is reported dirty
    return { rc: OK };
  }
  // Pages beyond the p2m are never dirty.
  const inP2m = Math.max(0, Math.min(nr, domain.maxGpfn - firstPfn + 1));
  bitmap.fill(0, 0, size);
  if (inP2m > 0) reportWritable(domain, firstPfn, inP2m, bitmap);
  return { rc: OK };
}

export function modifiedMemory(ctx: DmOpContext): DmOpStep {
  const { hv, domain, payload, bufs } = ctx;
  if (!logDirtyEnabled(domain, ctx.release)) return { rc: OK, progress: 0 };
  let remaining = payload.nr_extents as number;
  let pfnsDone = payload.opaque as number;
  const extents = bufs[1] ?? new Uint8Array(0); // Xen's second descriptor is zero-sized when not given
  if (Math.floor(extents.byteLength / EXTENT_SIZE) < remaining) return { rc: fail('EINVAL', 'extents-short'), progress: 0 };
  const interval = limitAt('modifiedMemoryPreemptInterval', ctx.release)!.value;
  let batchLeft = interval;
  let progress = 0;
  // On an error the header goes back with nr_extents = index + 1 of the failing extent (xen/include/public/hvm/dm_op.h, xen_dm_op_modified_memory `nr_extents` @ RELEASE-4.22.0).
  const stop = (rc: number): DmOpStep => {
    payload.nr_extents = remaining;
    payload.opaque = pfnsDone;
    return { rc, progress, copyBack: true };
  };
  while (remaining > 0) {
    const extent = decodeStruct('xen_dm_op_modified_memory_extent', extents, (remaining - 1) * EXTENT_SIZE);
    if (extent.pad !== 0) return stop(fail('EINVAL', 'pad-nonzero'));
    const end = extent.first_pfn + BigInt(extent.nr);
    // Xen compares the exclusive end with the maximum gpfn, so an extent may not reach the last page.
    if (end <= extent.first_pfn || end > BigInt(domain.maxGpfn)) return stop(fail('EINVAL', 'extent-range'));
    if (pfnsDone >= extent.nr) return stop(fail('EINVAL', 'extent-progress'));
    const pfn = Number(extent.first_pfn) + pfnsDone;
    let batch = extent.nr - pfnsDone;
    if (batch > batchLeft) {
      batch = batchLeft;
      pfnsDone += batch;
    } else {
      remaining--;
      pfnsDone = 0;
    }
    batchLeft -= batch;
    markDirtyRange(domain, ctx.release, pfn, batch);
    progress += batch;
    if (batchLeft === 0 && remaining > 0) {
      if (hv.preemptor.possible && hv.preemptor.pending()) {
        payload.nr_extents = remaining;
        payload.opaque = pfnsDone;
        return { rc: OK, restart: true, progress, copyBack: true };
      }
      batchLeft = interval;
    }
  }
  // dm.c treats the op as const when it succeeds (const_op = !rc): the header is not copied back.
  return { rc: OK, progress, copyBack: false };
}
