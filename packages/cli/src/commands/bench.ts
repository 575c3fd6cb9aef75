/**
 * `xenmem bench [--quick] [--json] [--only ID]`: the p2m core benchmarks (native addon against the
 * TypeScript core, and a memset floor where it applies) and the ioreq and DM-op round trips (in process,
 * through the daemon's socket, through shared memory, against a bare socket ping-pong). Data on stdout (one JSON document with
 * --json, text tables otherwise); progress on stderr when it is a terminal. Workloads, runner and
 * statistics are @xenmem/bench's; the dispatcher imports this module, and with it that package, only for
 * this command.
 */
import { formatMs, ratioLines, runBench, type BenchDocument, type ScalingPoint } from '@xenmem/bench';
import { NativeP2mUnavailableError } from '@xenmem/hypervisor-sim';
import type { CommandOptions } from '../argv.js';
import { EXIT_FAILURE, EXIT_OK, type Io } from '../io.js';
import { printJson, table } from '../output.js';

export type BenchOptions = CommandOptions<'bench'>;

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
    doc = await runBench({ quick: options.quick, ...(options.only && { only: options.only }), ...(progress && { progress }) });
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
  return EXIT_OK;
}

function renderText(doc: BenchDocument): string {
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
      const unit = w.id === 'lookup-random' ? 'lookups/s' : 'ops/s';
      out.push(table(['impl', 'median', 'p50', 'p99', 'samples'], Object.entries(w.results).map(([impl, v]) => {
        if ('error' in (v as object)) return [impl, `not run: ${(v as { error: string }).error}`, '', '', ''];
        const t = v as { medianMs?: number; opsPerSec?: number; p50Us: number; p99Us: number; samples: number };
        return [impl, t.opsPerSec !== undefined ? `${Math.round(t.opsPerSec).toLocaleString('en')} ${unit}` : formatMs(t.medianMs!), formatMs(t.p50Us / 1000), formatMs(t.p99Us / 1000), t.samples];
      })));
      for (const l of ratioLines(w.results)) out.push(`  ${l}\n`);
    }
  }
  return out.join('');
}
