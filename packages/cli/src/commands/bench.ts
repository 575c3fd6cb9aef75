/**
 * `xenmem bench [--quick] [--json] [--only ID]`: the p2m core benchmarks (native addon against the
 * TypeScript core, and a memset floor where it applies) and the ioreq and DM-op round trips (in process,
 * through the daemon's socket, through shared memory, against a bare socket ping-pong). Data on stdout (one JSON document with
 * --json, text tables otherwise); progress on stderr when it is a terminal. Workloads, runner and
 * statistics are @xenmem/bench's; the dispatcher imports this module, and with it that package, only for
 * this command.
 */
import { fileURLToPath } from 'node:url';
import { CLI_STARTUP_TARGETS, formatMs, IOREQ_DAEMON_TARGETS, IOREQ_QEMU_TARGETS, ratioLines, STATE_TARGETS, runBench, type BenchDocument, type ScalingPoint } from '@xenmem/bench';
import { NativeP2mUnavailableError } from '@xenmem/hypervisor-sim';
import type { CommandOptions } from '../parsed.js';
import { EXIT_FAILURE, EXIT_OK, type Io } from '../io.js';
import { printJson, table } from '../output.js';

export type BenchOptions = CommandOptions<'bench'>;

/**
 * This CLI's bin (bin/xenmem.mjs, what npm links as `xenmem`): ioreq-roundtrip-qemu runs QEMU under its `sim exec`,
 * cli-startup times it as a script runs it.
 */
const CLI_BIN = fileURLToPath(new URL('../../bin/xenmem.mjs', import.meta.url));

export async function runBenchCommand(options: BenchOptions, io: Io): Promise<number> {
  let shown = false;
  const progress = io.errIsTTY
    ? (text: string) => {
        shown = true;
        io.err(`\r\x1b[Kxenmem bench: ${text}`);
      }
    : undefined;
  let doc: BenchDocument;
  try {
    doc = await runBench({ quick: options.quick, ...(options.only && { only: options.only }), ...(progress && { progress }), xenmem: [process.execPath, CLI_BIN] });
  } catch (err) {
    if (err instanceof NativeP2mUnavailableError) {
      io.err(`${shown ? '\n' : ''}xenmem bench: ${err.message}\n`);
      return EXIT_FAILURE;
    }
    throw err;
  } finally {
    if (shown) io.err('\r\x1b[K');
  }
  if (options.json) printJson(io, doc);
  else io.out(renderText(doc));
  if (!options.check) return EXIT_OK;
  const missed = missedTargets(doc);
  for (const m of missed) io.err(`xenmem bench: target missed: ${m}\n`);
  return missed.length ? EXIT_FAILURE : EXIT_OK;
}

/**
 * The targets the document's figures miss (`--check`): ioreq-roundtrip-daemon's p50 ratios to socket-pingpong
 * (IOREQ_DAEMON_TARGETS), QEMU's p50 against the socket device model's (IOREQ_QEMU_TARGETS; its stretch goal is
 * reported, not checked), dmop-throughput-state's two goals (STATE_TARGETS), cli-startup's p50 ratios to
 * node-bare (CLI_STARTUP_TARGETS) and memory-16tib's RSS limit. An impl that did not run is not a miss.
 */
export function missedTargets(doc: BenchDocument): string[] {
  const missed: string[] = [];
  for (const w of doc.workloads) {
    if (w.id === 'ioreq-roundtrip-daemon') missed.push(...ratioMisses(w, 'socket-pingpong', IOREQ_DAEMON_TARGETS));
    else if (w.id === 'cli-startup') missed.push(...ratioMisses(w, 'node-bare', CLI_STARTUP_TARGETS));
    else if (w.id === 'ioreq-roundtrip-qemu')
      for (const t of IOREQ_QEMU_TARGETS.filter((t) => t.goal === 'goal')) missed.push(...ratioMisses(w, t.impl, [{ impl: 'qemu', max: t.max }]));
    else if (w.id === 'dmop-throughput-state') {
      const { p50, rate } = STATE_TARGETS;
      missed.push(...ratioMisses(w, p50.floor, [p50]));
      const floor = w.results[rate.floor] as { opsPerSec?: number } | undefined;
      const v = w.results[rate.impl] as { opsPerSec?: number } | undefined;
      if (floor?.opsPerSec && v?.opsPerSec !== undefined && v.opsPerSec / floor.opsPerSec < rate.min)
        missed.push(`${w.id}: ${rate.impl} ops/s / ${rate.floor} ops/s = ${(v.opsPerSec / floor.opsPerSec).toFixed(2)}, target ≥ ${rate.min}`);
    }
    else if (w.id === 'memory-16tib') {
      for (const [impl, v] of Object.entries(w.results)) {
        const r = v as { withinLimit?: boolean; maxRssDeltaMiB?: number };
        if (r.withinLimit === false) missed.push(`${w.id}: ${impl} RSS grew ${r.maxRssDeltaMiB} MiB, above the limit of ${String(w.params['limitMiB'])} MiB`);
      }
    }
  }
  return missed;
}

/** Each target's impl whose p50 is above `max` × the p50 of `floor` in the same run (one that did not run is not a miss). */
function ratioMisses(w: BenchDocument['workloads'][number], floor: string, targets: readonly { impl: string; max: number }[]): string[] {
  const base = w.results[floor] as { p50Us?: number } | undefined;
  return targets.flatMap(({ impl, max }) => {
    const v = w.results[impl] as { p50Us?: number } | undefined;
    if (base?.p50Us === undefined || v?.p50Us === undefined) return [];
    const ratio = v.p50Us / base.p50Us;
    return ratio > max ? [`${w.id}: ${impl} p50 / ${floor} p50 = ${ratio.toFixed(2)}, target ≤ ${max}`] : [];
  });
}

export function renderText(doc: BenchDocument): string {
  const m = doc.machine;
  const out: string[] = [`machine: ${m.cpus} CPUs, Node.js ${m.node}, ${m.rustc ?? 'rustc not found'}\n`];
  for (const w of doc.workloads) {
    out.push(`\n${w.id}  ${JSON.stringify(w.params)}\n`);
    if (w.id === 'scaling') {
      for (const series of ['bySize', 'byRuns'] as const) {
        const native = (w.results['native'] as Record<string, ScalingPoint[]>)[series]!;
        const ts = (w.results['ts'] as Record<string, ScalingPoint[]>)[series]!;
        out.push(table([series === 'bySize' ? 'pages' : 'runs', 'native median', 'native p99', 'ts median', 'ts p99'], native.map((p, i) => [series === 'bySize' ? p.pages : p.runs, formatMs(p.medianMs), formatMs(p.p99Us / 1000), formatMs(ts[i]!.medianMs), formatMs(ts[i]!.p99Us / 1000)])));
      }
    } else if (w.id === 'memory-16tib') {
      out.push(table(['impl', 'rss delta MiB (median)', 'max', 'within limit', 'children'], Object.entries(w.results).map(([impl, v]) => {
        const r = v as { rssDeltaMiB: number; maxRssDeltaMiB: number; withinLimit: boolean; samples: number };
        return [impl, r.rssDeltaMiB, r.maxRssDeltaMiB, r.withinLimit ? 'yes' : 'NO', r.samples];
      })));
    } else {
      // The median column holds times only; a workload measured in operations per second gets its own column.
      const unit = w.id === 'lookup-random' ? 'lookups/s' : 'ops/s';
      const timed = Object.values(w.results) as { error?: string; medianMs?: number; opsPerSec?: number; p50Us: number; p99Us: number; samples: number }[];
      const rates = timed.some((t) => t.opsPerSec !== undefined);
      const medians = timed.some((t) => t.medianMs !== undefined);
      const headers = ['impl', ...(medians ? ['median'] : []), ...(rates ? [unit] : []), 'p50', 'p99', 'samples'];
      out.push(table(headers, Object.entries(w.results).map(([impl, v]) => {
        const t = v as (typeof timed)[number];
        if (t.error !== undefined) return [impl, `not run: ${t.error}`, ...headers.slice(2).map(() => '')];
        return [
          impl,
          ...(medians ? [t.medianMs !== undefined ? formatMs(t.medianMs) : ''] : []),
          ...(rates ? [t.opsPerSec !== undefined ? Math.round(t.opsPerSec).toLocaleString('en') : ''] : []),
          formatMs(t.p50Us / 1000),
          formatMs(t.p99Us / 1000),
          t.samples,
        ];
      })));
      for (const l of ratioLines(w.results)) out.push(`  ${l}\n`);
    }
  }
  return out.join('');
}
