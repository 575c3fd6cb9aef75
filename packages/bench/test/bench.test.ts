import { describe, expect, it } from 'vitest';
import { measure, median, percentile, round4, summarize, summarizeRate } from '../src/stats.js';
import { selectWorkloads } from '../src/runner.js';
import { WORKLOAD_IDS } from '../src/workload.js';
import { buildAlternating } from '../src/workloads.js';
import { formatMs, formatRatio, ratioLines, renderMarkdown, renderSvg } from '../src/report.js';
import { tsP2mCore } from '@xenmem/hypervisor-sim';

describe('bench statistics', () => {
  it('takes nearest-rank percentiles of unsorted samples', () => {
    const xs = [5, 1, 4, 2, 3];
    expect(percentile(xs, 50)).toBe(3);
    expect(percentile(xs, 99)).toBe(5);
    expect(percentile(xs, 0)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 50)).toBe(50);
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('takes the median, averaging the middle two of an even count', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });

  it('summarizes ns samples as medianMs, p50Us, p99Us and samples', () => {
    expect(summarize([1e6, 3e6, 2e6])).toEqual({ medianMs: 2, p50Us: 2000, p99Us: 3000, samples: 3 });
    expect(summarizeRate([1e9, 2e9, 3e9], 1000)).toEqual({ opsPerSec: 500, p50Us: 2e6, p99Us: 3e6, samples: 3 });
    expect(round4(123456)).toBe(123500);
    expect(round4(0.000123456)).toBe(0.0001235);
  });

  it('runs setup untimed before every run, throws warm-up runs away and checks each result', async () => {
    const calls: string[] = [];
    let n = 0;
    const ns = await measure(
      {
        setup: () => void calls.push('setup'),
        run: async () => {
          calls.push('run');
          return ++n;
        },
        check: (r) => void calls.push(`check ${String(r)}`),
      },
      { warmup: 2, samples: 3 },
    );
    expect(ns).toHaveLength(3);
    for (const x of ns) expect(x).toBeGreaterThanOrEqual(0);
    expect(calls).toEqual(['setup', 'run', 'check 1', 'setup', 'run', 'check 2', 'setup', 'run', 'check 3', 'setup', 'run', 'check 4', 'setup', 'run', 'check 5']);
    await expect(measure({ run: () => 0 }, { warmup: 0, samples: 0 })).rejects.toThrow(RangeError);
  });
});

describe('bench workloads', () => {
  it('has the fixed ids, and --only selects them in that order', () => {
    expect(WORKLOAD_IDS).toEqual(['retype-uniform', 'retype-fragmented', 'lookup-random', 'ioreq-roundtrip-inproc', 'ioreq-roundtrip-daemon', 'ioreq-roundtrip-qemu', 'dmop-throughput-daemon', 'scaling', 'memory-16tib', 'dmop-throughput-state', 'cli-startup']);
    expect(selectWorkloads(undefined)).toEqual([...WORKLOAD_IDS]);
    expect(selectWorkloads(['scaling', 'retype-uniform'])).toEqual(['retype-uniform', 'scaling']);
    expect(() => selectWorkloads(['ioreq-roundtrip'])).toThrow(/is not a workload/);
  });

  it('builds alternating runs with the table API', () => {
    const t = tsP2mCore.createTable(99, 0);
    buildAlternating(t, 100, 100, 1, 2);
    expect(t.runCount()).toBe(100);
    expect([t.get(0), t.get(1), t.get(98), t.get(99)]).toEqual([1, 2, 1, 2]);
    buildAlternating(t, 100, 3, 1, 2);
    expect(t.runs(0, 100)).toEqual([
      { first: 0, count: 33, type: 1 },
      { first: 33, count: 33, type: 2 },
      { first: 66, count: 34, type: 1 },
    ]);
    buildAlternating(t, 100, 1, 2, 1);
    expect(t.runCount()).toBe(1);
  });
});

describe('bench report', () => {
  const doc = {
    machine: { cpus: 2, node: 'v20.0.0', rustc: 'rustc 1.0.0' },
    workloads: [
      { id: 'retype-uniform' as const, params: { pages: 2 ** 28 }, results: { native: { medianMs: 0.02, p50Us: 20, p99Us: 40, samples: 5 }, ts: { medianMs: 0.04, p50Us: 40, p99Us: 80, samples: 5 }, memset: { medianMs: 20, p50Us: 20000, p99Us: 21000, samples: 5 } } },
    ],
  };

  it('formats durations and ratios', () => {
    expect(formatMs(0.0153)).toBe('15.3 µs');
    expect(formatMs(250)).toBe('250 ms');
    expect(formatMs(12_345)).toBe('12.3 s');
    expect(formatRatio(10, 4)).toBe('2.50×');
    expect(ratioLines(doc.workloads[0]!.results)).toEqual(['native is 2.00× faster than ts (median ts/native)', 'native is 1000× faster than memset (median memset/native)', 'ts is 500× faster than memset (median memset/ts)']);
  });

  it('renders markdown that says the machine is shared and noisy, and an SVG with one bar per impl', () => {
    const md = renderMarkdown(doc);
    expect(md).toMatch(/DO NOT EDIT/);
    expect(md).toMatch(/shared with other work and noisy/);
    expect(md).toMatch(/\| native \| 20\.0 µs \|/);
    const svg = renderSvg(doc);
    expect(svg.startsWith('<svg ')).toBe(true);
    expect(svg.match(/<rect x=/g)).toHaveLength(3);
  });
});
