/** Guest memory and port accesses, and what the requests they cause must look like. */
import type { GuestAccessOutcome, IoreqTypeName } from '@xenmem/sim-protocol';
import type { U64, Uint, Domid, U64OrNull, ServerSpec, Port, AccessSize } from '../scalars.js';
import type { StepBase, ExpectBase } from './base.js';

/**
 * A guest memory access. The runner is the device model for the servers the scenario created: it
 * records every request and answers a read with `respond` (default: all ones of the access size).
 */
export interface GuestMemoryStep extends StepBase {
  // The op: guest_read or guest_write.
  op: 'guest_read' | 'guest_write';
  // The target domain.
  domid: Domid;
  // The vCPU that makes the access.
  vcpu: Uint;
  // The guest physical address.
  gpa: U64;
  // Access size in bytes.
  size: AccessSize;
  /**
   * Items (a rep prefix), default 1.
   * @TJS-type integer
   * @minimum 1
   */
  count?: number;
  /** Direction flag: items run downwards from gpa. */
  df?: boolean;
  /** What a write writes. */
  value?: U64;
  /** What the device model answers to a read request. */
  respond?: U64;
  // What the step must give; only the fields listed are compared.
  expect?: GuestExpect;
}

/** A guest port access (PCI config space is reached through ports 0xcf8/0xcfc, as a guest reaches it). */
export interface GuestPortStep extends StepBase {
  // The op: guest_in or guest_out.
  op: 'guest_in' | 'guest_out';
  // The target domain.
  domid: Domid;
  // The vCPU that makes the access.
  vcpu: Uint;
  // The I/O port, 0 … 0xffff.
  port: Port;
  // Access size in bytes.
  size: AccessSize;
  // Data of an out (default 0).
  value?: U64;
  // The data the runner answers an in with (default: all ones of the access size).
  respond?: U64;
  // What the step must give; only the fields listed are compared.
  expect?: GuestExpect;
}

/** One ioreq as expected: only the fields given are compared; `server` may be the alias or the id. */
export interface IoreqExpect {
  // The server it went to: id or alias.
  server?: ServerSpec;
  // IOREQ_TYPE_* name or number.
  type?: IoreqTypeName | Uint;
  // IOREQ_READ or IOREQ_WRITE.
  dir?: 'read' | 'write';
  // Port, address, or PCI config address.
  addr?: U64;
  // Bytes per item.
  size?: AccessSize;
  // Items (rep prefix).
  count?: Uint;
  // The data written (or, for a read, the answer).
  data?: U64;
  // Whether it went on the buffered ring.
  buffered?: boolean;
}

export interface GuestExpect extends ExpectBase {
  // What happened to the access: "ram", "discarded", "ioreq", "null", "retry" or "crash".
  outcome?: GuestAccessOutcome;
  /** What a read returned (null for a write, or when nothing was read). */
  value?: U64OrNull;
  /** Some request of the access matches these fields; null: the access caused no request. */
  ioreq?: IoreqExpect | null;
  /** The exact sequence of requests, each compared on the fields given. */
  ioreqs?: IoreqExpect[];
}
