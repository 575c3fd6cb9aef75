/**
 * `xenmem bench --check` through the command itself, on a fixed document (runBench replaced: no timing): exit 1
 * naming every missed goal on stderr, exit 0 when all are met, and exit 0 without --check whatever the figures.
 */
import type { BenchDocument } from '@xenmem/bench';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../src/cli.js';
import { captureIo } from '../src/io.js';

let doc: BenchDocument;
vi.mock('@xenmem/bench', async (original) => ({ ...(await original<typeof import('@xenmem/bench')>()), runBench: async () => doc }));

const machine = { cpus: 2, node: 'v20.0.0', rustc: null };
const timed = (p50Us: number, opsPerSec?: number) => ({ p50Us, p99Us: p50Us * 2, samples: 10, ...(opsPerSec !== undefined && { opsPerSec }) });
const workloads = (qemuUs: number, fragmentedUs: number, pipelinedOps: number) => [
  { id: 'ioreq-roundtrip-qemu', params: {}, results: { daemon: timed(100, 10_000), shm: timed(10, 100_000), qemu: timed(qemuUs, 1e6 / qemuUs) } },
  { id: 'dmop-throughput-state', params: {}, results: { state: timed(400, 2500), 'state-fragmented': timed(fragmentedUs, 2000), 'none-pipelined': timed(500, 60_000), 'state-pipelined': timed(1000, pipelinedOps) } },
];

async function bench(...argv: string[]) {
  const io = captureIo();
  const code = await runCli(['bench', '--quick', '--json', ...argv], io);
  return { code, stderr: io.stderr, json: JSON.parse(io.stdout) as BenchDocument };
}

describe('xenmem bench --check', () => {
  beforeEach(() => {
    doc = { machine, workloads: workloads(250, 700, 15_000) } as unknown as BenchDocument;
  });

  it("exit 1 naming QEMU's goal (not its stretch goal) and dmop-throughput-state's two goals when they are missed", async () => {
    const r = await bench('--check');
    expect(r.code).toBe(1);
    expect(r.json.workloads.map((w) => w.id)).toEqual(['ioreq-roundtrip-qemu', 'dmop-throughput-state']);
    expect(r.stderr).toBe(
      'xenmem bench: target missed: ioreq-roundtrip-qemu: qemu p50 / daemon p50 = 2.50, target ≤ 2\n' +
        'xenmem bench: target missed: dmop-throughput-state: state-fragmented p50 / state p50 = 1.75, target ≤ 1.5\n' +
        'xenmem bench: target missed: dmop-throughput-state: state-pipelined ops/s / none-pipelined ops/s = 0.25, target ≥ 0.33\n',
    );
  });

  it('exit 0 when every goal is met (QEMU at 25 × shm misses only the stretch goal), and without --check', async () => {
    doc = { machine, workloads: workloads(200, 600, 20_000) } as unknown as BenchDocument;
    expect(await bench('--check')).toMatchObject({ code: 0, stderr: '' });
    doc = { machine, workloads: workloads(250, 700, 15_000) } as unknown as BenchDocument;
    expect(await bench()).toMatchObject({ code: 0, stderr: '' });
  });
});
