/**
 * Runs the selected workloads one after another (every implementation of each in the same run) and
 * assembles the JSON document `xenmem bench --json` prints and bench/results.json holds.
 */
import { InputError } from '@xenmem/abi-types';
import { loadNativeP2mCore, tsP2mCore } from '@xenmem/hypervisor-sim';
import { machineInfo, type MachineInfo } from './machine.js';
import { WORKLOAD_IDS, type WorkloadId, type WorkloadResult } from './workload.js';
import { WORKLOADS } from './workloads.js';

/** What a benchmark run produced: `xenmem bench --json` prints it, bench/results.json holds it. */
export interface BenchDocument {
  /** The machine it ran on. */
  machine: MachineInfo;
  /** One entry per workload run, in the fixed order. */
  workloads: WorkloadResult[];
}

/** What to run. */
export interface BenchOptions {
  /** Workloads whose cost grows with pages run 16× smaller (never retype-uniform); the ioreq ones take fewer samples. */
  quick: boolean;
  /** Workload ids to run (default: all, in the fixed order). */
  only?: readonly string[];
  /** Receives progress lines (the command shows them on stderr when it is a terminal). */
  progress?: (text: string) => void;
  /**
   * The argv that runs the `xenmem` command (the CLI passes its own: node and its bin). ioreq-roundtrip-qemu runs
   * QEMU under its `sim exec`, cli-startup times it; without it they report those impls as not run.
   */
  xenmem?: readonly string[];
}

/** The workload ids to run, in the fixed order; an unknown id is a usage error. */
export function selectWorkloads(only: readonly string[] | undefined): WorkloadId[] {
  if (only === undefined || only.length === 0) return [...WORKLOAD_IDS];
  for (const id of only) if (!(WORKLOAD_IDS as readonly string[]).includes(id)) throw new InputError('only', id, `is not a workload (${WORKLOAD_IDS.join(', ')})`);
  return WORKLOAD_IDS.filter((id) => only.includes(id));
}

/** Runs the benchmark. Needs the native core: every benchmark pairs it with its TypeScript baseline. */
export async function runBench(options: BenchOptions): Promise<BenchDocument> {
  const ids = selectWorkloads(options.only);
  const native = loadNativeP2mCore(); // throws NativeP2mUnavailableError naming the cause
  const progress = options.progress ?? (() => {});
  const workloads: WorkloadResult[] = [];
  for (const id of ids) {
    const w = WORKLOADS.find((x) => x.id === id)!;
    progress(`${id}: starting`);
    workloads.push(await w.run({ quick: options.quick, native, ts: tsP2mCore, progress, ...(options.xenmem && { xenmem: options.xenmem }) }));
  }
  return { machine: machineInfo(), workloads };
}
