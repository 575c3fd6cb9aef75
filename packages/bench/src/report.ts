/**
 * Rendering a benchmark document for people: text tables (the command without --json), and
 * docs/benchmarks.md with its chart docs/benchmarks-chart.svg (written by scripts/bench.mjs).
 */
import type { BenchDocument } from './runner.js';
import type { ScalingPoint } from './workloads.js';
import { WORKLOADS } from './workloads.js';

interface Timed {
  medianMs?: number;
  opsPerSec?: number;
  p50Us: number;
  p99Us: number;
  samples: number;
}

/** A duration in ms as people read it: µs below 1 ms, s from 10 s. */
export function formatMs(ms: number): string {
  if (ms < 1) return `${sig(ms * 1000)} µs`;
  if (ms < 10_000) return `${sig(ms)} ms`;
  return `${sig(ms / 1000)} s`;
}

function sig(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** "12.3×" style ratio a/b. */
export function formatRatio(a: number, b: number): string {
  const r = a / b;
  return `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
}

function formatRate(ops: number): string {
  if (ops >= 1e9) return `${sig(ops / 1e9)} G/s`;
  if (ops >= 1e6) return `${sig(ops / 1e6)} M/s`;
  if (ops >= 1e3) return `${sig(ops / 1e3)} k/s`;
  return `${sig(ops)} /s`;
}

function title(id: string): string {
  return WORKLOADS.find((w) => w.id === id)?.title ?? id;
}

/** Median duration of a result in ms (for throughput results: the median batch, p50). */
function medianMsOf(t: Timed): number {
  return t.medianMs ?? t.p50Us / 1000;
}

/** An impl that could not run in this run (e.g. the shm transport not available), with why. */
function notRun(v: unknown): string | null {
  const e = (v as { error?: unknown }).error;
  return typeof e === 'string' ? e : null;
}

/** Rows [impl, median or rate, p50, p99, samples] of a simple workload. */
function timedRows(results: Record<string, unknown>): string[][] {
  return Object.entries(results).map(([impl, v]) => {
    const error = notRun(v);
    if (error !== null) return [impl, `not run: ${error.replace(/\|/g, '\\|')}`, '', '', ''];
    const t = v as Timed;
    return [impl, t.opsPerSec !== undefined ? formatRate(t.opsPerSec) : formatMs(t.medianMs!), formatMs(t.p50Us / 1000), formatMs(t.p99Us / 1000), String(t.samples)];
  });
}

/**
 * The issue's targets for ioreq-roundtrip-daemon: each impl's p50 at most `max` × the socket-pingpong p50
 * (the floor for anything built on Node sockets between two processes).
 */
export const IOREQ_DAEMON_TARGETS: readonly { impl: string; max: number }[] = [
  { impl: 'daemon', max: 3 },
  { impl: 'shm', max: 0.5 },
];

/** Sentences comparing the daemon impls' p50 with the socket ping-pong's, each next to its target. */
function pingpongLines(results: Record<string, unknown>): string[] {
  const floor = results['socket-pingpong'] as Timed | undefined;
  if (!floor || notRun(floor) !== null) return [];
  return IOREQ_DAEMON_TARGETS.flatMap(({ impl, max }) => {
    const v = results[impl];
    if (v === undefined) return [];
    const error = notRun(v);
    if (error !== null) return [`${impl} p50 / socket-pingpong p50: not run (${error}); target ≤ ${max}`];
    const r = (v as Timed).p50Us / floor.p50Us;
    return [`${impl} p50 / socket-pingpong p50 = ${formatRatio((v as Timed).p50Us, floor.p50Us)} (target ≤ ${max}: ${r <= max ? 'met' : 'not met'})`];
  });
}

/** ioreq-roundtrip-qemu's goals: QEMU's p50 at most 2 × the socket device model's (`daemon`), stretch 2 × `shm`'s. */
export const IOREQ_QEMU_TARGETS: readonly { impl: string; max: number; goal: string }[] = [
  { impl: 'daemon', max: 2, goal: 'goal' },
  { impl: 'shm', max: 2, goal: 'stretch goal' },
];

/** QEMU's round trip against the JavaScript device model's of the same run. */
function qemuLines(results: Record<string, unknown>): string[] {
  const qemu = results['qemu'];
  if (qemu === undefined || notRun(qemu) !== null) return [];
  return IOREQ_QEMU_TARGETS.flatMap(({ impl, max, goal }) => {
    const v = results[impl];
    if (v === undefined || notRun(v) !== null) return [];
    const r = (qemu as Timed).p50Us / (v as Timed).p50Us;
    return [`qemu p50 / ${impl} p50 = ${formatRatio((qemu as Timed).p50Us, (v as Timed).p50Us)} (${goal} ≤ ${max}: ${r <= max ? 'met' : 'not met'})`];
  });
}

/** The pipelined set_mem_type calls against the sequential ones. */
function pipelinedLines(results: Record<string, unknown>): string[] {
  const one = results['daemon'] as Timed | undefined;
  const many = results['daemon-pipelined'] as Timed | undefined;
  if (!one?.opsPerSec || !many?.opsPerSec) return [];
  return [`daemon-pipelined makes ${formatRatio(many.opsPerSec, one.opsPerSec)} the calls per second of daemon (one at a time)`];
}

/**
 * dmop-throughput-state's goals: a fragmented domain's p50 at most 1.5 × a one-run domain's (the cost follows the
 * change, not the state), and 32 calls in flight with --state at least 1/3 of the calls per second without it
 * (group commit).
 */
export const STATE_TARGETS: {
  /** `impl`'s p50 at most `max` × the p50 of `floor`. */
  readonly p50: {
    /** The impl held to the goal. */
    readonly impl: string;
    /** The impl it is measured against, in the same run. */
    readonly floor: string;
    /** The largest ratio that meets the goal. */
    readonly max: number;
  };
  /** `impl`'s calls per second at least `min` × those of `floor`. */
  readonly rate: {
    /** The impl held to the goal. */
    readonly impl: string;
    /** The impl it is measured against, in the same run. */
    readonly floor: string;
    /** The smallest ratio that meets the goal. */
    readonly min: number;
  };
} = {
  p50: { impl: 'state-fragmented', floor: 'state', max: 1.5 },
  rate: { impl: 'state-pipelined', floor: 'none-pipelined', min: 0.33 },
};

/** dmop-throughput-state: the two goals, each with its measured ratio. */
function stateLines(results: Record<string, unknown>): string[] {
  const lines: string[] = [];
  const { p50, rate } = STATE_TARGETS;
  const state = results[p50.floor] as Timed | undefined;
  const fragmented = results[p50.impl] as Timed | undefined;
  const none = results[rate.floor] as Timed | undefined;
  const pipelined = results[rate.impl] as Timed | undefined;
  if (state?.p50Us && fragmented?.p50Us) lines.push(`${p50.impl} p50 is ${(fragmented.p50Us / state.p50Us).toFixed(2)}× ${p50.floor} p50 (goal ≤ ${p50.max}×)`);
  if (none?.opsPerSec && pipelined?.opsPerSec) lines.push(`${rate.impl} makes ${(pipelined.opsPerSec / none.opsPerSec).toFixed(2)} of ${rate.floor}'s calls per second (goal ≥ ${rate.min})`);
  return lines;
}

/**
 * cli-startup's goals: `xenmem --version` p50 at most 1.5 × and a `xenmem dm` one-shot over the socket at most 2 ×
 * the p50 of starting node alone (`node -e 0`), measured in the same run.
 */
export const CLI_STARTUP_TARGETS: readonly { impl: string; max: number }[] = [
  { impl: 'version', max: 1.5 },
  { impl: 'dm-oneshot', max: 2 },
];

/** Each xenmem command's p50 against node-bare's, next to its goal. */
function startupLines(results: Record<string, unknown>): string[] {
  const bare = results['node-bare'];
  if (bare === undefined || notRun(bare) !== null) return [];
  return CLI_STARTUP_TARGETS.flatMap(({ impl, max }) => {
    const v = results[impl];
    if (v === undefined || notRun(v) !== null) return [];
    const r = (v as Timed).p50Us / (bare as Timed).p50Us;
    return [`${impl} p50 / node-bare p50 = ${formatRatio((v as Timed).p50Us, (bare as Timed).p50Us)} (goal ≤ ${max}: ${r <= max ? 'met' : 'not met'})`];
  });
}

/**
 * Sentences comparing a workload's impls: native with ts and memset (medians); for ioreq-roundtrip-daemon each
 * impl's p50 with socket-pingpong's and its target; for ioreq-roundtrip-qemu QEMU's p50 with daemon's and shm's;
 * for dmop-throughput-daemon pipelined with sequential calls; for cli-startup each command's p50 with node-bare's.
 */
export function ratioLines(results: Record<string, unknown>): string[] {
  const native = results['native'] as Timed | undefined;
  const ts = results['ts'] as Timed | undefined;
  const memset = results['memset'] as Timed | undefined;
  const lines: string[] = [...pingpongLines(results), ...qemuLines(results), ...pipelinedLines(results), ...stateLines(results), ...startupLines(results)];
  if (native && ts) {
    const n = medianMsOf(native);
    const t = medianMsOf(ts);
    lines.push(n <= t ? `native is ${formatRatio(t, n)} faster than ts (median ts/native)` : `native is ${formatRatio(n, t)} slower than ts (median native/ts)`);
  }
  if (memset) {
    const m = medianMsOf(memset);
    for (const [name, r] of [['native', native], ['ts', ts]] as const) {
      if (!r) continue;
      const x = medianMsOf(r);
      lines.push(x <= m ? `${name} is ${formatRatio(m, x)} faster than memset (median memset/${name})` : `${name} takes ${formatRatio(x, m)} as long as memset (median ${name}/memset)`);
    }
  }
  return lines;
}

/** A markdown table. */
function mdTable(headers: string[], rows: string[][]): string {
  return [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n') + '\n';
}

function scalingRows(results: Record<string, unknown>, series: 'bySize' | 'byRuns'): string[][] {
  const native = (results['native'] as { [k: string]: ScalingPoint[] })[series]!;
  const ts = (results['ts'] as { [k: string]: ScalingPoint[] })[series]!;
  return native.map((p, i) => {
    const q = ts[i]!;
    return [series === 'bySize' ? `2^${Math.log2(p.pages)}` : String(p.runs), formatMs(p.medianMs), formatMs(p.p99Us / 1000), formatMs(q.medianMs), formatMs(q.p99Us / 1000), formatRatio(q.medianMs, p.medianMs)];
  });
}

/** docs/benchmarks.md from a document; `chart` is the SVG's file name beside it. */
export function renderMarkdown(doc: BenchDocument, chart = 'benchmarks-chart.svg'): string {
  const m = doc.machine;
  const out: string[] = [];
  out.push('<!-- Generated by scripts/bench.mjs from bench/results.json (`npm run bench`). DO NOT EDIT. -->\n\n');
  out.push('# Benchmarks\n\n');
  out.push(
    'Produced by `npm run bench` (scripts/bench.mjs), which runs `xenmem bench --json` into `bench/results.json` and writes this page and its chart from it. ' +
      'Run one workload with `xenmem bench --only ID`; `--quick` shrinks the workloads whose cost grows with pages 16× (never `retype-uniform`) and takes 10× fewer samples of the ioreq and daemon workloads.\n\n',
  );
  out.push(`Machine: ${m.cpus} CPUs, Node.js ${m.node}, ${m.rustc ?? 'rustc not found'}. `);
  out.push(
    '**The machine is shared with other work and noisy**: medians are robust to that, p99 shows how much a run was disturbed; ratios under about 2× should not be read as significant.\n',
  );
  out.push(
    '\nMethod: each workload runs every implementation in the same process and run; tables are built and reset outside the timed region (after a rebuild of hundreds of thousands of `set` calls, ten untimed one-page set_mem_type calls on a second domain bring the call path back into the caches, as the memset floor is timed warm); warm-up runs are thrown away, then N samples are timed with `process.hrtime`. ' +
      '`medianMs` is the median sample; `p50Us`/`p99Us` are nearest-rank percentiles of the sample durations (one sample = one whole call); for `lookup-random` `opsPerSec` is lookups per second at the median batch. ' +
      'Retypes go through the simulator\'s full `dmOp` path (a set_mem_type buffer in, decoding, checks, the per-page transition table, no preemption). `memset` fills one byte per page of a buffer in the same process: what a byte-per-page table would cost at memory speed.\n',

  );
  out.push(
    '\nThe ioreq and daemon workloads time one operation per sample (a guest access, a round trip, a set_mem_type call) and report `opsPerSec` as operations over their total time (for pipelined calls: over the wall time), with p50/p99 of the single operations. ' +
      '`ioreq-roundtrip-daemon` runs three processes: the daemon, a device model answering from its `IoreqServer`, and `xenmem bench`, which only asks the daemon (frame `bench_guest_accesses`, docs/protocol.md "Benchmark control") to make and time the guest accesses itself, so its figures are the ioreq path and not the benchmark\'s own socket. ' +
      '`socket-pingpong` is the floor for that path: a bare 32-byte message and its echo between two Node processes over a Unix socket, measured in the same run. The issue\'s targets: `daemon` p50 ≤ 3 × and `shm` p50 ≤ 0.5 × the `socket-pingpong` p50. An impl that could not run (e.g. `shm` where the shared-memory transport is not available) shows why instead of figures. ' +
      '`ioreq-roundtrip-qemu` puts Debian\'s QEMU 7.2 in the device model\'s place (unmodified, on Xen\'s libraries under the kernel-interface emulation, docs/xen-libraries.md) beside the JavaScript device model\'s `daemon` and `shm` reads of the same run; its goal: `qemu` p50 ≤ 2 × `daemon` p50 (stretch: ≤ 2 × `shm`). `qemu-startup` is the time from spawning QEMU to its `running` in xenstore.\n',
  );
  out.push(
    '\n`cli-startup` times whole processes, spawned and waited for one at a time, as a script that calls `xenmem` in a loop pays for them: `node-bare` is `node -e 0` (starting node alone), `version` is `xenmem --version`, `dm-oneshot` is `xenmem dm get-mem-type --json` over the socket to a daemon already running; one round spawns each of the three in turn, so that load that comes and goes touches them alike. ' +
      'Its goals, as ratios of p50s in the same run: `version` ≤ 1.5 × and `dm-oneshot` ≤ 2 × `node-bare`.\n',
  );
  out.push(`\n![median time per workload and implementation, log scale](${chart})\n`);
  for (const w of doc.workloads) {
    out.push(`\n## \`${w.id}\`\n\n`);
    out.push(`${title(w.id)}. Parameters: \`${JSON.stringify(w.params)}\`.\n`);
    if (w.id === 'scaling') {
      out.push('\nAgainst domain size (pages; one call covers at most 2^32−1 pages):\n\n');
      out.push(mdTable(['pages', 'native median', 'native p99', 'ts median', 'ts p99', 'ts/native'], scalingRows(w.results, 'bySize')));
      out.push(`\nAgainst the number of runs (${(w.params['runsPages'] as number).toLocaleString('en')} pages):\n\n`);
      out.push(mdTable(['runs', 'native median', 'native p99', 'ts median', 'ts p99', 'ts/native'], scalingRows(w.results, 'byRuns')));
    } else if (w.id === 'memory-16tib') {
      const rows = Object.entries(w.results).map(([impl, v]) => {
        const r = v as { rssDeltaMiB: number; maxRssDeltaMiB: number; withinLimit: boolean; samples: number };
        return [impl, `${r.rssDeltaMiB} MiB`, `${r.maxRssDeltaMiB} MiB`, r.withinLimit ? `yes (< ${w.params['limitMiB'] as number} MiB)` : 'NO', String(r.samples)];
      });
      out.push('\n' + mdTable(['impl', 'RSS delta (median)', 'RSS delta (max)', 'within limit', 'child processes'], rows));
    } else {
      const rates = Object.values(w.results).filter((v) => notRun(v) === null).map((v) => (v as Timed).opsPerSec !== undefined);
      if (rates.some(Boolean) && !rates.every(Boolean)) {
        // Rates and durations side by side (QEMU's round trips beside its start-up): a column for each.
        const rows = timedRows(w.results).map(([impl, first, ...rest]) => {
          const t = w.results[impl!] as Timed;
          return notRun(t) !== null ? [impl!, first!, '', ...rest] : t.opsPerSec !== undefined ? [impl!, first!, '', ...rest] : [impl!, '', first!, ...rest];
        });
        out.push('\n' + mdTable(['impl', 'ops/s', 'median', 'p50', 'p99', 'samples'], rows));
      } else {
        const rate = w.id === 'lookup-random' ? 'lookups/s' : rates.every(Boolean) && rates.length ? 'ops/s' : 'median';
        out.push('\n' + mdTable(['impl', rate, 'p50', 'p99', 'samples'], timedRows(w.results)));
      }
      const lines = ratioLines(w.results);
      if (lines.length > 0) out.push('\n' + lines.map((l) => `- ${l}`).join('\n') + '\n');
    }
  }
  return out.join('');
}

const COLORS: Record<string, string> = { native: '#d9534f', ts: '#337ab7', memset: '#888888' };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A horizontal bar chart (log scale) of the median time of every simple workload and implementation. */
export function renderSvg(doc: BenchDocument): string {
  const bars: { label: string; impl: string; ms: number; text: string }[] = [];
  for (const w of doc.workloads) {
    if (w.id === 'scaling' || w.id === 'memory-16tib') continue;
    for (const [impl, v] of Object.entries(w.results)) {
      if (notRun(v) !== null) continue;
      const t = v as Timed;
      const ms = medianMsOf(t);
      bars.push({ label: `${w.id} ${impl}`, impl, ms, text: formatMs(ms) });
    }
  }
  const scaling = doc.workloads.find((w) => w.id === 'scaling');
  if (scaling) {
    for (const impl of ['native', 'ts']) {
      const pts = (scaling.results[impl] as { byRuns: ScalingPoint[] } | undefined)?.byRuns;
      const last = pts?.at(-1);
      if (last) bars.push({ label: `scaling ${last.runs} runs ${impl}`, impl, ms: last.medianMs, text: formatMs(last.medianMs) });
    }
  }
  const left = 260;
  const width = 760;
  const plot = width - left - 90;
  const rowH = 22;
  const top = 40;
  const height = top + bars.length * rowH + 40;
  const positive = bars.map((b) => Math.max(b.ms, 1e-6));
  const lo = Math.floor(Math.log10(Math.min(...positive, 1)));
  const hi = Math.ceil(Math.log10(Math.max(...positive, 1)));
  const x = (ms: number) => ((Math.log10(Math.max(ms, 1e-6)) - lo) / Math.max(hi - lo, 1)) * plot;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="${left}" y="20" font-size="14" font-weight="bold">xenmem bench: median time per call (log scale; shorter is faster)</text>`);
  for (let e = lo; e <= hi; e++) {
    const gx = left + x(10 ** e);
    parts.push(`<line x1="${gx.toFixed(1)}" y1="${top - 6}" x2="${gx.toFixed(1)}" y2="${top + bars.length * rowH}" stroke="#dddddd"/>`);
    parts.push(`<text x="${gx.toFixed(1)}" y="${top + bars.length * rowH + 16}" text-anchor="middle" fill="#555555">${esc(formatMs(10 ** e))}</text>`);
  }
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    const w = Math.max(x(b.ms), 1);
    parts.push(`<text x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(b.label)}</text>`);
    parts.push(`<rect x="${left}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${COLORS[b.impl] ?? '#5cb85c'}"/>`);
    parts.push(`<text x="${(left + w + 6).toFixed(1)}" y="${y + 15}" fill="#333333">${esc(b.text)}</text>`);
  });
  parts.push(`<text x="${left}" y="${height - 6}" fill="#777777">${esc(`${doc.machine.cpus} CPUs, Node.js ${doc.machine.node}, ${doc.machine.rustc ?? 'no rustc'}; shared, noisy machine`)}</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
