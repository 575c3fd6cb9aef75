/** What every scenario step carries, and the expectations every step may state. */
import type { ErrnoName } from '@xenmem/abi-types';
import type { Uint, ReturnCode, Domid, IfaceText, ServerAlias } from '../scalars.js';

/**
 * What every step may carry. A step's `domid` must be a declared domain (or 0, the control domain; or
 * DOMID_SELF for get_mem_type), unless the step expects `{ "error": "ESRCH" }`: then it may name a domain
 * that does not exist, to show Xen's answer for one.
 */
export interface StepBase {
  /** Why the step is there; cite the Xen source (file, function @ tag) whose answer `expect` gives. */
  note?: string;
  /** The calling domain (default 0, the control domain). */
  caller?: Domid;
  /** The client's interface version for this step (default: the scenario's). */
  iface?: IfaceText;
}

/**
 * A step that names an ioreq server: by `id`, or by `server`, the alias a create_ioreq_server step gave
 * with `as` (exactly one of the two).
 */
export interface ServerRef {
  // The server's id (ioservid_t), as create_ioreq_server returned it.
  id?: Uint;
  // The alias a create_ioreq_server step gave with `as`.
  server?: ServerAlias;
}

/** `ok`, `error` and `rc` hold for every step; only the fields listed are compared. */
export interface ExpectBase {
  /** true: rc is 0; false: rc is an error. */
  ok?: boolean;
  /** The errno name Xen returns (e.g. "EINVAL"), or null for success. */
  error?: ErrnoName | null;
  /** The return code itself: 0 or −errno. */
  rc?: ReturnCode;
}

/** Expectations on a per-page loop (set_mem_type, modified_memory). */
export interface LoopExpect extends ExpectBase {
  /** Pages the loop processed successfully, as Xen counts its iterations, including progress before a failure. */
  changed?: Uint;
  /** Continuations taken (preemption points that fired). */
  continuations?: Uint;
}
