/** Steps on a domain's memory types: set_mem_type, get_mem_type, modified_memory, track_dirty_vram. */
import type { U64, Uint, Domid, UintOrNull, MemTypeSpec, MemTypeResultSpec } from '../scalars.js';
import type { StepBase, ExpectBase, LoopExpect } from './base.js';

/** `XEN_DMOP_set_mem_type` (4.9+) or `HVMOP_set_mem_type` (≤4.8). Give the type as `mem_type` or `type`. */
export interface SetMemTypeStep extends StepBase {
  // The op: set_mem_type.
  op: 'set_mem_type';
  // The target domain.
  domid: Domid;
  // First gfn of the range (`first_pfn`).
  first_pfn: U64;
  // Number of pages from `first_pfn` (`nr`).
  nr: Uint;
  // The hvmmem type: a name at the step's interface version, or the number.
  mem_type?: MemTypeSpec;
  /** Short for `mem_type`. */
  type?: MemTypeSpec;
  // What the step must give; only the fields listed are compared.
  expect?: LoopExpect;
}

/** `HVMOP_get_mem_type` (15), an HVMOP in every release. */
export interface GetMemTypeStep extends StepBase {
  // The op: get_mem_type.
  op: 'get_mem_type';
  /** The target; DOMID_SELF (32752) stands for the caller. */
  domid: Domid;
  // The gfn to read the type of (`xen_hvm_get_mem_type.pfn`).
  pfn: U64;
  // What the step must give; only the fields listed are compared.
  expect?: GetMemTypeExpect;
}

export interface GetMemTypeExpect extends ExpectBase {
  /** The name at the step's interface version (null: the number has no name there), or a number compared with `mem_type`. */
  type?: MemTypeResultSpec;
  // The hvmmem_type_t number Xen returns.
  mem_type?: Uint;
}
/** One extent of `modified_memory` (buf[1]). */
export interface ExtentSpec {
  // First gfn of the extent.
  first_pfn: U64;
  // Number of pages in the extent.
  nr: Uint;
}

/** `XEN_DMOP_modified_memory` with its extents in buf[1] (≤4.8: `HVMOP_modified_memory`, one extent). */
export interface ModifiedMemoryStep extends StepBase {
  // The op: modified_memory.
  op: 'modified_memory';
  // The target domain.
  domid: Domid;
  // The extents, sent as an array of `xen_dm_op_modified_memory_extent` in buf[1].
  extents: ExtentSpec[];
  // What the step must give; only the fields listed are compared.
  expect?: LoopExpect;
}

/** `XEN_DMOP_track_dirty_vram`: the runner passes a bitmap of ⌈nr/8⌉ bytes as buf[1]. */
export interface TrackDirtyVramStep extends StepBase {
  // The op: track_dirty_vram.
  op: 'track_dirty_vram';
  // The target domain.
  domid: Domid;
  // First gfn of the VRAM range.
  first_pfn: U64;
  // Number of pages in the range; the bitmap has one bit per page.
  nr: Uint;
  // What the step must give; only the fields listed are compared.
  expect?: TrackDirtyVramExpect;
}

export interface TrackDirtyVramExpect extends ExpectBase {
  /** The dirty pfns, in order (a run's result lists every pfn whose bit is set). */
  dirty?: U64[] | null;
  // Number of bits set in the bitmap (null: no bitmap was returned).
  dirtyCount?: UintOrNull;
}
