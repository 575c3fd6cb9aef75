/**
 * dmop-throughput-state: what durable daemon state (`startDaemon({ statePath })`, docs/reliability.md "Daemon
 * state file") costs a one-page set_mem_type call over the socket — without state (`none`), with it on a 1-run
 * domain (`state`) and on a domain of 10^5 runs (`state-fragmented`), one call at a time; and with
 * DMOP_IN_FLIGHT calls in flight without and with state (`none-pipelined`, `state-pipelined`: group commit).
 * The machine's fsync latency (write + fdatasync of a journal-sized record, in the same directory kind) is
 * measured in the same run, since every `state` figure rests on it. `--quick` keeps the 10^5-run domain and
 * takes fewer samples.
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hvmmemType, LATEST_INTERFACE_VERSION } from '@xenmem/abi-types';
import { DeviceModel, SocketBackend } from '@xenmem/ioreq-client';
import { benchCounts, DMOP_IN_FLIGHT, runPipelined, withDaemon } from './ioreq-workloads.js';
import { BENCH_RELEASE } from './release.js';
import { measure, summarizeLatencies, type RateSummary } from './stats.js';
import type { Workload } from './workload.js';

const DOMID = 1;
/** p2m_ram_ro runs of the fragmented domain (bench-daemon.mjs --domain-runs). */
export const FRAGMENTED_RUNS = 100_000;
const HVMMEM_RAM_RW = hvmmemType('ram_rw', LATEST_INTERFACE_VERSION);
const HVMMEM_RAM_RO = hvmmemType('ram_ro', LATEST_INTERFACE_VERSION);
/** The pages retyped: PFN_BASE + the pipelined lane (inside the fragmented range, between two runs). */
const PFN_BASE = 0x40001;
/** Bytes per measured fsync: about one journal record of a one-page call. */
const FSYNC_RECORD_BYTES = 256;

/** Which daemon each impl runs against: with a state file or not, and the domain's runs; and whether pipelined. */
const IMPLS = {
  none: { state: false, runs: 0, pipelined: false },
  state: { state: true, runs: 0, pipelined: false },
  'state-fragmented': { state: true, runs: FRAGMENTED_RUNS, pipelined: false },
  'none-pipelined': { state: false, runs: 0, pipelined: true },
  'state-pipelined': { state: true, runs: 0, pipelined: true },
} as const;

/** p50 and p99 (µs) of `samples` appends of a record + fdatasync to a new file in a temporary directory. */
export function measureFsync(samples: number): { p50Us: number; p99Us: number; samples: number } {
  const dir = mkdtempSync(join(tmpdir(), 'xenmem-bench-fsync-'));
  const fd = openSync(join(dir, 'journal'), 'w');
  const record = new Uint8Array(FSYNC_RECORD_BYTES).fill(0x5a);
  try {
    const ns = Array.from({ length: samples }, () => {
      const t = process.hrtime.bigint();
      writeSync(fd, record);
      fdatasyncSync(fd);
      return Number(process.hrtime.bigint() - t);
    });
    const s = summarizeLatencies(ns);
    return { p50Us: s.p50Us, p99Us: s.p99Us, samples };
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One impl: its own daemon (fresh directory and state), `count` calls after `warmup`. */
async function runImpl(impl: keyof typeof IMPLS, count: number, warmup: number): Promise<RateSummary> {
  const { state, runs, pipelined } = IMPLS[impl];
  return withDaemon(
    async (socket) => {
      const backend = await SocketBackend.connect(socket, { caller: 0, transport: 'socket' });
      try {
        const dm = new DeviceModel({ backend, iface: BENCH_RELEASE });
        // Each call flips its page, so every call changes the p2m (XenError thrown on any failure).
        const flips = new Map<number, number>();
        const retype = (pfn: number) => {
          const n = (flips.get(pfn) ?? 0) + 1;
          flips.set(pfn, n);
          return dm.setMemType(DOMID, n % 2 === 1 ? HVMMEM_RAM_RO : HVMMEM_RAM_RW, pfn, 1);
        };
        if (!pipelined) return summarizeLatencies(await measure({ run: () => retype(PFN_BASE) }, { warmup, samples: count }));
        if (warmup > 0) await runPipelined(warmup, DMOP_IN_FLIGHT, (lane) => retype(PFN_BASE + 2 * lane));
        const p = await runPipelined(count, DMOP_IN_FLIGHT, (lane) => retype(PFN_BASE + 2 * lane));
        return summarizeLatencies(p.ns, p.wallNs);
      } finally {
        await backend.close();
      }
    },
    (dir) => ['--domain-runs', String(runs), ...(state ? ['--state', join(dir, 'state.json')] : [])],
  );
}

export const dmopThroughputState: Workload = {
  id: 'dmop-throughput-state',
  title: `one-page set_mem_type calls over the socket to a daemon without and with a state file (--state): one at a time on a 1-run domain (none, state) and on a domain of ${FRAGMENTED_RUNS.toLocaleString('en')} runs (state-fragmented), and ${DMOP_IN_FLIGHT} in flight (none-pipelined, state-pipelined)`,
  async run(ctx) {
    const { count, warmup } = benchCounts(ctx.quick);
    const fsyncSamples = ctx.quick ? 200 : 2000;
    ctx.progress(`dmop-throughput-state: fsync: ${fsyncSamples} record appends`);
    const fsync = measureFsync(fsyncSamples);
    const results: Record<string, RateSummary> = {};
    for (const impl of Object.keys(IMPLS) as (keyof typeof IMPLS)[]) {
      ctx.progress(`dmop-throughput-state: ${impl}: ${count} calls`);
      results[impl] = await runImpl(impl, count, warmup);
    }
    return {
      id: 'dmop-throughput-state',
      params: { count, warmup, nr: 1, types: 'ram_rw ↔ ram_ro', fragmentedRuns: FRAGMENTED_RUNS, inFlight: DMOP_IN_FLIGHT, transport: 'socket', xen: BENCH_RELEASE, fsync },
      results,
    };
  },
};
