/**
 * What a workload is: its id (fixed, in the order they run), what it gets from the runner and what it returns.
 * The p2m workloads (./workloads.ts) and the ioreq and daemon workloads (./ioreq-workloads.ts) both implement it.
 */
import type { P2mCore } from '@xenmem/hypervisor-sim';

/** Every workload's id, in the order `xenmem bench` runs them. */
export const WORKLOAD_IDS = [
  'retype-uniform',
  'retype-fragmented',
  'lookup-random',
  'ioreq-roundtrip-inproc',
  'ioreq-roundtrip-daemon',
  'ioreq-roundtrip-qemu',
  'dmop-throughput-daemon',
  'scaling',
  'memory-16tib',
  'dmop-throughput-state',
  'cli-startup',
] as const;
/** One of {@link WORKLOAD_IDS}. */
export type WorkloadId = (typeof WORKLOAD_IDS)[number];

/** What a workload gets from the runner. */
export interface BenchContext {
  /** `--quick`: smaller, or fewer samples. */
  quick: boolean;
  /** The native p2m core (the addon). */
  native: P2mCore;
  /** The TypeScript p2m core, its baseline. */
  ts: P2mCore;
  /** A progress line (the runner shows it on stderr when that is a terminal). */
  progress(text: string): void;
  /** The argv that runs the `xenmem` command (BenchOptions.xenmem). */
  xenmem?: readonly string[];
}

/** One workload's part of the benchmark document. */
export interface WorkloadResult {
  /** Which workload. */
  id: WorkloadId;
  /** What it ran: sizes, counts, the Xen release, … (differs by workload). */
  params: Record<string, unknown>;
  /** Figures per implementation (`native`, `ts`, `memset`, `daemon`, …), or `{ error }` for one that could not run. */
  results: Record<string, unknown>;
}

/** One benchmark: it runs every implementation it compares, in the same run. */
export interface Workload {
  /** Its fixed id. */
  id: WorkloadId;
  /** One line for people (text output, docs). */
  title: string;
  /** Runs it (setup untimed) and returns its figures. */
  run(ctx: BenchContext): Promise<WorkloadResult>;
}
