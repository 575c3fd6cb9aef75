/**
 * @xenmem/bench: the benchmark suite `xenmem bench` runs. `runBench` runs the workloads and returns one JSON
 * document; `renderMarkdown`/`renderSvg` write docs/benchmarks.md and its chart from it; `formatMs` and
 * `ratioLines` are the pieces the command's text tables use.
 */
export { runBench, type BenchDocument, type BenchOptions } from './runner.js';
export type { MachineInfo } from './machine.js';
export { WORKLOAD_IDS, type WorkloadId, type WorkloadResult } from './workload.js';
export type { ScalingPoint } from './workloads.js';
export type { SampleSummary } from './stats.js';
export { CLI_STARTUP_TARGETS, formatMs, IOREQ_DAEMON_TARGETS, IOREQ_QEMU_TARGETS, ratioLines, renderMarkdown, renderSvg, STATE_TARGETS } from './report.js';
