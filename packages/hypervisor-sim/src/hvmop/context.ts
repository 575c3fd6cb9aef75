/** What an HVMOP handler gets, and what it returns. */
import type { Host } from '../host.js';

export interface HvmOpStep {
  rc: number;
  /** The op word of the continuation, when Xen would re-issue the hypercall. */
  restart?: number;
  progress?: number;
}

export type HvmOpHandler = (hv: Host, caller: number, buf: Uint8Array, startIter: number) => HvmOpStep;
