/** What a scenario run gives (`xenmem run --json` prints a ScenarioResult). */
import type { XenErrorReason } from '@xenmem/abi-types';
import type { IoreqTypeName } from '@xenmem/sim-protocol';
import type { StepOp } from './steps/step.js';

/** A request the device model received, as a result lists it. */
export interface IoreqResult {
  /** The server's alias if the scenario gave one, else its id. */
  server: string | number;
  /** The request type (IOREQ_TYPE_*): pio, copy (MMIO), pci_config, timeoffset or invalidate. */
  type: IoreqTypeName;
  /** IOREQ_READ or IOREQ_WRITE. */
  dir: 'read' | 'write';
  /** Address, port, or for pci_config `SBDF << 32 | register`. */
  addr: string;
  /** Bytes per repetition: 1, 2, 4 or 8. */
  size: number;
  /** Repetitions (rep instructions); 1 for a single access. */
  count: number;
  /** The data written, or the data the device model answered to a read. */
  data: string;
  /** Sent on the buffered page rather than the vCPU's synchronous slot. */
  buffered: boolean;
}

/** One expectation that did not hold. */
export interface Mismatch {
  /** The expectation's path within `expect`, e.g. "changed" or "ioreqClaim.entryCount". */
  field: string;
  /** The value `expect` asked for. */
  expected: unknown;
  /** The value the step gave. */
  actual: unknown;
}

/**
 * One step's result. Every step has `index`, `op`, `rc` (0 or −errno; 0 for control and guest steps),
 * `error` (errno name or null), `expectMet` (true/false, or null without `expect`), and what the op gives:
 * - set_mem_type: `changed` (pages processed successfully, counted as Xen counts its iterations,
 *   including progress before a failure; null when the backend reports none, e.g. the call failed in
 *   the checks every op goes through), `continuations`;
 * - modified_memory: `changed`, `continuations`; map_mem_type_to_ioreq_server: `continuations`;
 * - get_mem_type: `type` (name at the step's interface version, or null if unnamed there), `mem_type`;
 * - create_ioreq_server: `id` (and `server`, the alias, when given);
 * - get_ioreq_server_info: `bufioreq_port` and the gfns under the decoded struct's names ("0x…");
 * - track_dirty_vram: `dirty`, the list of dirty pfns ("0x…", in order; null on error), and `dirtyCount`;
 * - nr_vcpus: `vcpus`;
 * - raw_dm_op: `continuations` and `bufs`, every buffer as Xen left it (hex byte pairs); raw_hvm_op:
 *   `continuations` and `arg`, the argument as Xen left it;
 * - guest accesses: `outcome` (ram, discarded, ioreq, null, retry, crash), `value` ("0x…" or null) and
 *   `ioreqs` (every request the access caused);
 * - inspect: the backend's inspection: `maxGpfn`, `hap`, `hvm`, `vcpus`, `dm`, `ioreqClaim`
 *   ({ owner: alias or id or null, flags, entryCount }), `p2m` ([{ first, count, type, name }]), `events`.
 * A step whose `server` alias has no server (its create failed) is not sent: `rc` and `error` are null
 * and `skipped` says why. A failed expectation lists its `mismatches`.
 */
export interface StepResult {
  /** Position of the step in `steps` (0 first). */
  index: number;
  /** The step's op. */
  op: StepOp;
  /** The hypercall's return: 0 or −errno; 0 for control and guest steps; null for a skipped step. */
  rc: number | null;
  /** The errno name of a failure, e.g. "EINVAL", or null. */
  error: string | null;
  /** A failed hypercall's reason: the check that failed (`{ id, message }`, docs/simulator.md "Why an errno"). */
  reason?: XenErrorReason;
  /** Whether the result matched `expect`; null when the step has none. */
  expectMet: boolean | null;
  /** The fields that did not match `expect`. */
  mismatches?: Mismatch[];
  /** Why the step did not run (e.g. the op does not exist in the release). */
  skipped?: string;
  [field: string]: unknown;
}

/** What runScenario returns: the release and interface version it ran at, and each step's result. */
export interface ScenarioResult {
  /** The Xen release the scenario ran as. */
  xen: string;
  /** The scenario's interface version, "0x…". */
  iface: string;
  /** Every expectation held. */
  passed: boolean;
  /** One result per step, in order. */
  steps: StepResult[];
}
