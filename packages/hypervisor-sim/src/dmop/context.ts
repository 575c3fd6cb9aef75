/** What a DMOP handler gets, and what it returns. */
import type { ReleaseName } from '@xenmem/abi-types';
import type { Domain } from '../domain.js';
import type { Host } from '../host.js';

export interface DmOpContext {
  hv: Host;
  release: ReleaseName;
  caller: number;
  domain: Domain;
  /** The op's payload, decoded from buf[0] after the 8-byte header; handlers update it for copy-back. */
  payload: Record<string, unknown>;
  /** All buffers; buf[1] carries extents or the dirty bitmap. */
  bufs: Uint8Array[];
}

export interface DmOpStep {
  /** 0 or −errno. */
  rc: number;
  /** Xen's ERESTART: the payload is copied back and the hypercall re-issued. */
  restart?: boolean;
  /** Pages processed in this pass (ops with a per-page loop). */
  progress?: number;
  /**
   * Overrides the op's copy-back rule (copy back on 0 or ERESTART for non-const ops): modified_memory is
   * const when it succeeds and, per xen/include/public/hvm/dm_op.h (`nr_extents`: "returns n+1 for failing extent"), reports the failing extent on an error.
   */
  copyBack?: boolean;
}

export type DmOpHandler = (ctx: DmOpContext) => DmOpStep;
