/**
 * The measurement loop and its statistics (no benchmark library): optional untimed setup before every
 * run, warm-up runs that are thrown away, then N timed samples with process.hrtime.bigint().
 */

/** How one implementation is measured. */
export interface MeasureOptions {
  /** Runs before the samples, not recorded (JIT warm-up, page faults, caches). */
  warmup: number;
  /** Timed runs recorded. At least 1. */
  samples: number;
}

/** One implementation's run: `setup` (untimed, e.g. rebuilding a table) then `run` (timed). */
export interface Measured {
  setup?: () => void | Promise<void>;
  run: () => unknown;
  /** Untimed, after each run, with what `run` returned (awaited): checks that the work succeeded. */
  check?: (result: unknown) => void;
}

/** Summary of samples, in the units the JSON reports. */
export interface SampleSummary {
  /** The median sample, in ms. */
  medianMs: number;
  /** The 50th percentile (nearest rank), in µs. */
  p50Us: number;
  /** The 99th percentile (nearest rank), in µs. */
  p99Us: number;
  /** How many timed samples. */
  samples: number;
}

/** Summary of a throughput workload: operations per second at the median sample. */
export interface RateSummary {
  opsPerSec: number;
  p50Us: number;
  p99Us: number;
  samples: number;
}

/**
 * Runs `m` warm-up + samples times and returns each sample's duration in nanoseconds. `run` may return
 * a promise (an async hypercall); it is awaited inside the timed region.
 */
export async function measure(m: Measured, options: MeasureOptions): Promise<number[]> {
  if (!Number.isInteger(options.samples) || options.samples < 1) throw new RangeError(`samples must be a positive integer, got ${options.samples}`);
  if (!Number.isInteger(options.warmup) || options.warmup < 0) throw new RangeError(`warmup must be a non-negative integer, got ${options.warmup}`);
  const out: number[] = [];
  for (let i = 0; i < options.warmup + options.samples; i++) {
    if (m.setup) await m.setup();
    const t0 = process.hrtime.bigint();
    let r = m.run();
    if (r instanceof Promise) r = await r;
    const ns = Number(process.hrtime.bigint() - t0);
    if (m.check) m.check(r);
    if (i >= options.warmup) out.push(ns);
  }
  return out;
}

/** Nearest-rank percentile (p in 0…100) of samples; the input need not be sorted. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new RangeError('percentile of no samples');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`p must be in 0…100, got ${p}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** Median (the mean of the two middle samples when their number is even). */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError('median of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Rounds to 4 significant digits (timings are not more precise than that). */
export function round4(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  return Number(x.toPrecision(4));
}

/** Durations in ns → median in ms, p50/p99 in µs. */
export function summarize(ns: readonly number[]): SampleSummary {
  return { medianMs: round4(median(ns) / 1e6), p50Us: round4(percentile(ns, 50) / 1e3), p99Us: round4(percentile(ns, 99) / 1e3), samples: ns.length };
}

/** Durations in ns of samples doing `ops` operations each → operations per second at the median sample. */
export function summarizeRate(ns: readonly number[], ops: number): RateSummary {
  return { opsPerSec: round4(ops / (median(ns) / 1e9)), p50Us: round4(percentile(ns, 50) / 1e3), p99Us: round4(percentile(ns, 99) / 1e3), samples: ns.length };
}

/**
 * Per-operation durations in ns of operations run one after another → operations per second over their total
 * time (or over `wallNs` when they overlapped, e.g. pipelined calls), p50/p99 in µs, and the number of them.
 */
export function summarizeLatencies(ns: readonly number[], wallNs?: number): RateSummary {
  if (ns.length === 0) throw new RangeError('summary of no operations');
  const total = wallNs ?? ns.reduce((a, b) => a + b, 0);
  return { opsPerSec: round4(ns.length / (total / 1e9)), p50Us: round4(percentile(ns, 50) / 1e3), p99Us: round4(percentile(ns, 99) / 1e3), samples: ns.length };
}
