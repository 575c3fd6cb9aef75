/**
 * `xenmem bench`'s text and `--check`, on fixed documents (no timing): the median column holds times only, a
 * rate gets its own column with its unit, and a missed target is named and fails `--check`.
 */
import type { BenchDocument } from '@xenmem/bench';
import { describe, expect, it } from 'vitest';
import { missedTargets, renderText } from '../src/commands/bench.js';

const machine = { cpus: 2, node: 'v20.0.0', rustc: null };
const timed = (p50Us: number, extra: Record<string, number> = {}) => ({ p50Us, p99Us: p50Us * 2, samples: 10, ...extra });

describe('bench text', () => {
  it('puts ops/s in its own column, never under median', () => {
    const doc = {
      machine,
      workloads: [{ id: 'dmop-throughput-daemon', params: {}, results: { daemon: timed(50, { opsPerSec: 20000 }), 'daemon-pipelined': timed(10, { opsPerSec: 100000 }) } }],
    } as unknown as BenchDocument;
    expect(renderText(doc)).toBe(
      'machine: 2 CPUs, Node.js v20.0.0, rustc not found\n\ndmop-throughput-daemon  {}\n' +
        'impl              ops/s    p50      p99      samples\n' +
        '----------------  -------  -------  -------  -------\n' +
        'daemon            20,000   50.0 µs  100 µs   10\n' +
        'daemon-pipelined  100,000  10.0 µs  20.0 µs  10\n' +
        '  daemon-pipelined makes 5.00× the calls per second of daemon (one at a time)\n',
    );
    const mixed = { machine, workloads: [{ id: 'lookup-random', params: {}, results: { native: timed(1, { medianMs: 2, opsPerSec: 500 }), ts: { error: 'no addon' } } }] } as unknown as BenchDocument;
    expect(renderText(mixed)).toContain(
      'impl    median             lookups/s  p50      p99      samples\n' +
        '------  -----------------  ---------  -------  -------  -------\n' +
        'native  2.00 ms            500        1.00 µs  2.00 µs  10\n' +
        'ts      not run: no addon\n',
    );
  });
});

describe('bench --check', () => {
  it('names each missed target; an impl that did not run is not a miss', () => {
    const doc = {
      machine,
      workloads: [
        { id: 'ioreq-roundtrip-daemon', params: {}, results: { 'socket-pingpong': timed(20), daemon: timed(70), shm: { error: 'no shm' } } },
        { id: 'memory-16tib', params: { limitMiB: 64 }, results: { native: { rssDeltaMiB: 3, maxRssDeltaMiB: 5, withinLimit: true, samples: 3 }, ts: { rssDeltaMiB: 80, maxRssDeltaMiB: 90, withinLimit: false, samples: 3 } } },
      ],
    } as unknown as BenchDocument;
    expect(missedTargets(doc)).toEqual(['ioreq-roundtrip-daemon: daemon p50 / socket-pingpong p50 = 3.50, target ≤ 3', 'memory-16tib: ts RSS grew 90 MiB, above the limit of 64 MiB']);
    const met = { machine, workloads: [{ id: 'ioreq-roundtrip-daemon', params: {}, results: { 'socket-pingpong': timed(20), daemon: timed(40), shm: timed(8) } }] } as unknown as BenchDocument;
    expect(missedTargets(met)).toEqual([]);
  });

  it("names cli-startup's missed goals: version ≤ 1.5 ×, dm-oneshot ≤ 2 × node-bare's p50", () => {
    const doc = (version: number, dm: unknown) => ({ machine, workloads: [{ id: 'cli-startup', params: {}, results: { 'node-bare': timed(40_000), version: timed(version), 'dm-oneshot': dm } }] }) as unknown as BenchDocument;
    expect(missedTargets(doc(64_000, timed(84_000)))).toEqual(['cli-startup: version p50 / node-bare p50 = 1.60, target ≤ 1.5', 'cli-startup: dm-oneshot p50 / node-bare p50 = 2.10, target ≤ 2']);
    expect(missedTargets(doc(60_000, timed(80_000)))).toEqual([]);
    expect(missedTargets(doc(44_000, { error: 'no daemon' }))).toEqual([]);
  });
});
