/**
 * A vCPU blocked on a synchronous ioreq, as its domain keeps it until the device model answers (Xen's
 * `sv->pending` and the state `wait_for_io` last saw); guest/ioreq-send.ts creates and completes them.
 */
import type { IoreqRecord } from '@xenmem/sim-protocol';
import type { IoreqServer } from './server.js';

/** How a synchronous send ended. */
export type SendResult =
  | { kind: 'done'; data: bigint }
  /** ioreq_send returned UNHANDLED: bad state or bad vp_eport in the slot. */
  | { kind: 'refused' }
  /** The domain crashed while the vCPU waited. */
  | { kind: 'crash' };

/** A vCPU blocked on a request (Xen's `sv->pending`). */
export interface IoreqWait {
  vcpu: number;
  server: IoreqServer;
  port: number;
  record: IoreqRecord;
  /** The last state Xen saw (prev_state in wait_for_io). */
  prev: number;
  /** Sleeping on the channel until the state differs from `prev`. */
  sleeping: boolean;
  resolve: (r: SendResult) => void;
}
