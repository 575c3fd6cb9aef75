/**
 * The ioreq and daemon workloads of `xenmem bench` (ioreq-roundtrip-inproc, ioreq-roundtrip-daemon,
 * dmop-throughput-daemon): ids and order, the socket ping-pong's helper process cleaned up, and their part of
 * docs/benchmarks.md (the command's --quick run of them is in packages/cli/test/bench-command.test.ts). Counts
 * and shapes only: no timing is asserted.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectWorkloads } from '../src/runner.js';
import { WORKLOAD_IDS } from '../src/workload.js';
import { WORKLOADS } from '../src/workloads.js';
import { benchCounts, socketPingpong } from '../src/ioreq-workloads.js';
import { IOREQ_DAEMON_TARGETS, ratioLines, renderMarkdown, renderSvg } from '../src/report.js';
import { summarizeLatencies } from '../src/stats.js';

const IOREQ_IDS = ['ioreq-roundtrip-inproc', 'ioreq-roundtrip-daemon', 'ioreq-roundtrip-qemu', 'dmop-throughput-daemon'];

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
};

describe('ioreq and daemon workloads', () => {
  it('come after lookup-random and before scaling, and --only selects them in that order', () => {
    expect(WORKLOAD_IDS.slice(2, 8)).toEqual(['lookup-random', ...IOREQ_IDS, 'scaling']);
    expect(WORKLOADS.map((w) => w.id)).toEqual([...WORKLOAD_IDS]);
    expect(selectWorkloads(['dmop-throughput-daemon', 'scaling', 'ioreq-roundtrip-qemu', 'ioreq-roundtrip-inproc', 'ioreq-roundtrip-daemon'])).toEqual([...IOREQ_IDS, 'scaling']);
    expect(selectWorkloads(['ioreq-roundtrip-daemon', 'lookup-random'])).toEqual(['lookup-random', 'ioreq-roundtrip-daemon']);
  });

  it('--quick takes 10× fewer operations', () => {
    expect(benchCounts(false)).toEqual({ count: 20_000, warmup: 2_000 });
    expect(benchCounts(true)).toEqual({ count: 2_000, warmup: 1_000 });
  });

  it('summarizes per-operation latencies: ops over their total (or the wall) time, nearest-rank p50/p99', () => {
    expect(summarizeLatencies([1000, 3000, 2000, 2000])).toEqual({ opsPerSec: 500_000, p50Us: 2, p99Us: 3, samples: 4 });
    expect(summarizeLatencies([1000, 3000, 2000, 2000], 4000)).toEqual({ opsPerSec: 1_000_000, p50Us: 2, p99Us: 3, samples: 4 });
    expect(() => summarizeLatencies([])).toThrow(RangeError);
  });
});

describe('the socket ping-pong floor', () => {
  it('socket-pingpong: exactly count round trips; the echo child has exited and the socket file is gone', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xenmem-bench-test-'));
    try {
      const r = await socketPingpong(dir, 50, 5);
      expect(r.summary.samples).toBe(50);
      expect(r.summary.p50Us).toBeLessThanOrEqual(r.summary.p99Us);
      expect(r.pid).toBeTypeOf('number');
      expect(alive(r.pid!)).toBe(false);
      expect(existsSync(r.path)).toBe(false);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('report of the ioreq and daemon workloads', () => {
  const rate = (opsPerSec: number, p50Us: number, p99Us: number) => ({ opsPerSec, p50Us, p99Us, samples: 2000 });
  const doc = {
    machine: { cpus: 2, node: 'v20.0.0', rustc: null },
    workloads: [
      { id: 'ioreq-roundtrip-inproc' as const, params: { count: 2000 }, results: { inproc: rate(50_000, 20, 40), 'inproc-read': rate(40_000, 25, 50) } },
      {
        id: 'ioreq-roundtrip-daemon' as const,
        params: { count: 2000 },
        results: { daemon: rate(6000, 150, 400), shm: { error: 'transport shm: not available | here' }, 'socket-pingpong': rate(16_000, 60, 100) },
      },
      { id: 'dmop-throughput-daemon' as const, params: { count: 2000 }, results: { daemon: rate(5000, 200, 900), 'daemon-pipelined': rate(40_000, 800, 2000) } },
      { id: 'ioreq-roundtrip-qemu' as const, params: { count: 2000 }, results: { daemon: rate(6000, 150, 400), shm: rate(20_000, 40, 90), qemu: { error: 'no QEMU' }, 'qemu-startup': { error: 'no QEMU' } } },
    ],
  };

  it('the targets are the issue’s: daemon ≤ 3×, shm ≤ 0.5× the socket ping-pong p50', () => {
    expect(IOREQ_DAEMON_TARGETS).toEqual([
      { impl: 'daemon', max: 3 },
      { impl: 'shm', max: 0.5 },
    ]);
  });

  it('states each ratio next to its target, and an impl that did not run with its reason', () => {
    expect(ratioLines(doc.workloads[1]!.results)).toEqual([
      'daemon p50 / socket-pingpong p50 = 2.50× (target ≤ 3: met)',
      'shm p50 / socket-pingpong p50: not run (transport shm: not available | here); target ≤ 0.5',
    ]);
    expect(ratioLines({ ...doc.workloads[1]!.results, shm: rate(40_000, 20, 30) })).toEqual([
      'daemon p50 / socket-pingpong p50 = 2.50× (target ≤ 3: met)',
      'shm p50 / socket-pingpong p50 = 0.33× (target ≤ 0.5: met)',
    ]);
    expect(ratioLines({ daemon: rate(1, 300, 400), 'socket-pingpong': rate(1, 60, 100) })).toEqual(['daemon p50 / socket-pingpong p50 = 5.00× (target ≤ 3: not met)']);
    expect(ratioLines(doc.workloads[2]!.results)).toEqual(['daemon-pipelined makes 8.00× the calls per second of daemon (one at a time)']);
    expect(ratioLines(doc.workloads[0]!.results)).toEqual([]);
    // dmop-throughput-state: the two goals with their ratios.
    expect(ratioLines({ none: rate(3000, 300, 600), state: rate(500, 2000, 4000), 'state-fragmented': rate(450, 2500, 5000), 'none-pipelined': rate(30_000, 900, 2000), 'state-pipelined': rate(12_000, 2600, 6000) })).toEqual([
      'state-fragmented p50 is 1.25× state p50 (goal ≤ 1.5×)',
      "state-pipelined makes 0.40 of none-pipelined's calls per second (goal ≥ 0.33)",
    ]);
  });

  it('docs/benchmarks.md describes each workload and tables its ops/s, p50, p99 (a not-run impl as such)', () => {
    const md = renderMarkdown(doc);
    for (const w of WORKLOADS.filter((x) => IOREQ_IDS.includes(x.id))) expect(md).toContain(`## \`${w.id}\`\n\n${w.title}.`);
    expect(md).toContain('| impl | ops/s | p50 | p99 | samples |');
    expect(md).toContain('| daemon | 6.00 k/s | 150 µs | 400 µs | 2000 |');
    expect(md).toContain('| shm | not run: transport shm: not available \\| here |  |  |  |');
    expect(md).toContain('| daemon-pipelined | 40.0 k/s | 800 µs | 2.00 ms | 2000 |');
    expect(md).toContain('- daemon p50 / socket-pingpong p50 = 2.50× (target ≤ 3: met)');
    expect(md).toContain('bench_guest_accesses');
    expect(md).toMatch(/Machine: 2 CPUs, Node\.js v20\.0\.0/);
    expect(md).toContain('`npm run bench`');
    expect(md).toContain('| qemu | not run: no QEMU |  |  |  |');
    // One bar per impl with figures: 2 + 2 (shm did not run) + 2 + 2 (QEMU did not run).
    expect(renderSvg(doc).match(/<rect x=/g)).toHaveLength(8);
  });
});
