/**
 * The scenario file format (docs/scenarios.md) and the results a run gives:
 * this file holds the file-level shapes and the union of steps; the value types, each op family's steps
 * and the results are in scalars.ts, steps/ and results.ts, re-exported here.
 *
 * `packages/hypervisor-sim/scenario.schema.json` is generated from this file by
 * `scripts/gen-scenario-schema.mjs` (typescript-json-schema, required + no extra properties + strict null
 * checks); the loader validates every file against it with ajv, then checks what JSON Schema cannot say
 * (names at an interface version, declared domids, server aliases, …) and reports every problem with its
 * JSON path, e.g. `steps[3].type: "mmio_write_dm" is not a memory type at interface version 0x00040700`.
 *
 * Conventions (docs/scenarios.md, "JSON conventions"):
 * - Xen's field names keep Xen's snake_case (`first_pfn`, `mem_type`, `handle_bufioreq`); our own keys are
 *   camelCase (`maxGpfn`, `expectMet`).
 * - 64-bit values (addresses, pfns, ioreq data) may be numbers (exact up to 2^53) or `"0x…"` strings; results
 *   always write them as `"0x…"` strings. Counts, sizes, ids and return codes are numbers.
 * - Enumerated values may be names (`"pci"`, `"write"`, `"atomic"`) or the raw numbers Xen takes.
 * - A memory-type name is encoded at the step's `iface`, else the scenario's; a name that does not exist
 *   there is a validation error (exit 2). A raw number is sent as is. Results decode at the same version.
 */
import type { U64, Domid, ReleaseText, IfaceText } from './scalars.js';
import type { Step } from './steps/step.js';

export type * from './scalars.js';
export type * from './steps/base.js';
export type * from './steps/memory.js';
export type * from './steps/ioreq-server.js';
export type * from './steps/outside-model.js';
export type * from './steps/guest.js';
export type * from './steps/control.js';
export type * from './steps/raw.js';
export type * from './steps/step.js';
export type * from './results.js';

// ---------------------------------------------------------------------------------------------------
// The file

/** When long hypercalls are preempted: Xen checks every 256 pages; the simulator makes that a policy. */
export type PreemptSpec = 'never' | 'always' | PreemptRandom;

/** Seeded random preemption: the same seed gives the same continuations on every run. */
export interface PreemptRandom {
  /** @TJS-type integer */
  seed: number;
  /**
   * Probability that a preemption point fires.
   * @minimum 0
   * @maximum 1
   */
  probability: number;
}

/** A domain the runner creates before the first step. */
export interface DomainSpec {
  /**
   * 1 … 32751.
   * @TJS-type integer
   * @minimum 1
   * @maximum 32751
   */
  domid: number;
  /** Highest guest frame backed by RAM (up to 0xffffffff). Pages 0 … maxGpfn start as ram_rw; above are holes (p2m_invalid). */
  maxGpfn: U64;
  /** Hardware-assisted paging (default true). */
  hap?: boolean;
  /** An HVM guest (default true). */
  hvm?: boolean;
  /**
   * vCPUs (default 1).
   * @TJS-type integer
   * @minimum 1
   * @maximum 128
   */
  vcpus?: number;
  /** Its device-model domain, which may operate on it besides domain 0 (default: none). */
  dm?: Domid;
  // A note for the reader; the runner ignores it.
  note?: string;
}

/** A scenario: one hypervisor release, its domains, and the steps to run against it. */
export interface Scenario {
  /** Path or URL of this JSON Schema, for editors. */
  $schema?: string;
  /** What the scenario shows, and the Xen source (file, function @ tag) it comes from. */
  note?: string;
  // What the scenario shows, for the reader; the runner ignores it.
  description?: string;
  /** The hypervisor release to model (4.6 … 4.22). `--xen` overrides it. */
  xen: ReleaseText;
  /** The client's interface version (default: the latest of `xen`). `--iface` overrides it. */
  iface?: IfaceText;
  /** Preemption policy (default "never"). */
  preempt?: PreemptSpec;
  // Domains to create before the first step.
  domains: DomainSpec[];
  // Steps to run in order.
  steps: Step[];
}
