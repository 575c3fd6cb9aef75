/**
 * The ioreq and daemon workloads of `xenmem bench` (ioreq-roundtrip-inproc, ioreq-roundtrip-daemon,
 * dmop-throughput-daemon): ids and order, the shape of a --quick run, the helper processes cleaned up, and their
 * part of docs/benchmarks.md. Counts and shapes only: no timing is asserted.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/cli.js';
import { captureIo } from '../src/io.js';
import { selectWorkloads } from '../src/bench/runner.js';
import { WORKLOAD_IDS, WORKLOADS } from '../src/bench/workloads.js';
import { benchCounts, socketPingpong } from '../src/bench/ioreq-workloads.js';
import { IOREQ_DAEMON_TARGETS, ratioLines, renderMarkdown, renderSvg } from '../src/bench/report.js';
import { summarizeLatencies } from '../src/bench/stats.js';

const IOREQ_IDS = ['ioreq-roundtrip-inproc', 'ioreq-roundtrip-daemon', 'dmop-throughput-daemon'];

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
};
const benchDirs = () => readdirSync(tmpdir()).filter((n) => n.startsWith('xenmem-bench-'));

describe('ioreq and daemon workloads', () => {
  it('come after lookup-random and before scaling, and --only selects them in that order', () => {
    expect(WORKLOAD_IDS.slice(2, 7)).toEqual(['lookup-random', ...IOREQ_IDS, 'scaling']);
    expect(WORKLOADS.map((w) => w.id)).toEqual([...WORKLOAD_IDS]);
    expect(selectWorkloads(['dmop-throughput-daemon', 'scaling', 'ioreq-roundtrip-inproc', 'ioreq-roundtrip-daemon'])).toEqual([...IOREQ_IDS, 'scaling']);
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

describe('xenmem bench --quick --json --only the ioreq and daemon workloads', () => {
  it('prints every impl with exactly the requested operations, and leaves no process or directory behind', { timeout: 120_000 }, async () => {
    const before = benchDirs();
    const io = captureIo();
    expect(await runCli(['bench', '--quick', '--json', '--only', IOREQ_IDS.join(',')], io)).toBe(0);
    expect(io.stderr).toBe('');
    const doc = JSON.parse(io.stdout) as { workloads: { id: string; params: Record<string, unknown>; results: Record<string, Record<string, unknown>> }[] };
    expect(doc.workloads.map((w) => w.id)).toEqual(IOREQ_IDS);
    const [inproc, daemon, dmop] = doc.workloads as [(typeof doc.workloads)[0], (typeof doc.workloads)[0], (typeof doc.workloads)[0]];

    expect(inproc.params).toEqual({
      count: 2000,
      warmup: 1000,
      write: { kind: 'out', port: '0xc000', size: 4, value: '0x12345678' },
      read: { kind: 'in', port: '0xc000', size: 4 },
      bufioreq: 'off',
      xen: '4.22',
    });
    expect(Object.keys(inproc.results)).toEqual(['inproc', 'inproc-read']);
    expect(daemon.params).toEqual({ count: 2000, warmup: 1000, access: { kind: 'out', port: '0xc000', size: 4, value: '0x12345678' }, bufioreq: 'off', pingpongBytes: 32, shmPollUs: 200, dmSpinUs: 200, xen: '4.22' });
    expect(Object.keys(daemon.results)).toEqual(['daemon', 'shm', 'shm-thread', 'socket-pingpong']);
    expect(dmop.params).toEqual({ count: 2000, warmup: 1000, nr: 1, types: 'ram_rw ↔ ram_ro', inFlight: 32, transport: 'socket', xen: '4.22' });
    expect(Object.keys(dmop.results)).toEqual(['daemon', 'daemon-pipelined']);

    for (const w of doc.workloads) {
      for (const [impl, r] of Object.entries(w.results)) {
        // shm may be missing from this build: its reason instead of figures, and nothing else.
        if (impl.startsWith('shm') && 'error' in r) {
          expect(Object.keys(r)).toEqual(['error']);
          expect(typeof r['error']).toBe('string');
          continue;
        }
        expect(Object.keys(r), `${w.id} ${impl}`).toEqual(['opsPerSec', 'p50Us', 'p99Us', 'samples']);
        expect(r['samples']).toBe(2000);
        expect(r['opsPerSec']).toBeGreaterThan(0);
        expect(r['p50Us']).toBeGreaterThan(0);
        expect(r['p50Us'] as number).toBeLessThanOrEqual(r['p99Us'] as number);
      }
    }
    expect(benchDirs()).toEqual(before); // the daemon's socket directory is removed
  });

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
    // One bar per impl with figures: 2 + 2 (shm did not run) + 2.
    expect(renderSvg(doc).match(/<rect x=/g)).toHaveLength(6);
  });
});
