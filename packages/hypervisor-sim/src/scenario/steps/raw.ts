/**
 * Raw hypercall steps: the exact bytes a caller hands Xen, for the entry checks a well-formed step never
 * reaches (no buffers, too many, a short buffer, a non-zero pad, an op number the release lacks).
 */
import type { Uint, Domid, HexBytes } from '../scalars.js';
import type { StepBase, ExpectBase } from './base.js';

/** `HYPERVISOR_dm_op(domid, nr_bufs, bufs)` with the buffers given byte for byte. */
export interface RawDmOpStep extends StepBase {
  // The op: raw_dm_op.
  op: 'raw_dm_op';
  /** The target domain (need not be declared: a missing one gives ESRCH). */
  domid: Domid;
  /** The buffers, each as hex byte pairs (buf[0] starts with the xen_dm_op header); [] is 0 buffers. */
  bufs: HexBytes[];
  // What the step must give; only the fields listed are compared.
  expect?: RawDmOpExpect;
}

/** `HYPERVISOR_hvm_op(cmd, arg)` with the argument given byte for byte. */
export interface RawHvmOpStep extends StepBase {
  // The op: raw_hvm_op.
  op: 'raw_hvm_op';
  /** The op word: the HVMOP number, with ≤4.8 continuation bits above HVMOP_op_mask if wanted. */
  cmd: Uint;
  /** The argument struct, as hex byte pairs. */
  arg: HexBytes;
  // What the step must give; only the fields listed are compared.
  expect?: RawHvmOpExpect;
}

export interface RawDmOpExpect extends ExpectBase {
  // Continuations taken (preemption points that fired).
  continuations?: Uint;
  /** Every buffer as Xen left it (lower-case hex byte pairs). */
  bufs?: HexBytes[];
}

export interface RawHvmOpExpect extends ExpectBase {
  // Continuations taken (preemption points that fired).
  continuations?: Uint;
  /** The argument as Xen left it (lower-case hex byte pairs). */
  arg?: HexBytes;
}
