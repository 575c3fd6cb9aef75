/**
 * Load: 8 device-model processes (test/load/fixtures/load-device-model.mjs), each serving one 2-vCPU domain,
 * against one daemon in a process of its own (fixtures/load-daemon.mjs, so its RSS is its own), while this
 * process drives both vCPUs of every domain as fast as they go for a bounded time. Each iteration of a vCPU
 * writes its next sequence number n to the device model's SEQ register and reads a DATA register whose address
 * varies with n; the answer must be ((n << 16) | (domid << 8) | vcpu) ^ addr, so an answer is known to belong
 * to its request. Every access must reach the device model exactly once (its counts per vCPU equal the
 * driver's, its sequence numbers arrive in order, nothing buffered or unexpected) and nothing is left pending.
 *
 * `npm test`: ~3 s of load; no timing or memory is asserted, only reported. XENMEM_LONG=1 (`npm run
 * test:long`): 60 s, and the daemon's RSS must be flat after a 10 s warm-up. XENMEM_LOAD_REPORT=FILE writes
 * the figures as JSON to FILE. docs/reliability.md "Load" has the figures of a long run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { SocketBackend } from '../../src/socket/index.js';
// Plain ESM JavaScript, run as is; the value function is shared with the device model.
import { MMIO_BASE, SEQ_OFFSET, answerFor } from './fixtures/load-device-model.mjs';

const LONG = process.env['XENMEM_LONG'] === '1';
const DURATION_MS = LONG ? 60_000 : 3_000;
const WARMUP_MS = 10_000;
const DOMAINS = 8;
const VCPUS = 2;
const DM_CALLER_BASE = 100;
const SAMPLE_MS = 1_000;
const WAIT_MS = 30_000; // start-up of 9 node processes on 2 cores
const DAEMON = fileURLToPath(new URL('./fixtures/load-daemon.mjs', import.meta.url));
const DEVICE_MODEL = fileURLToPath(new URL('./fixtures/load-device-model.mjs', import.meta.url));
const MiB = 1024 * 1024;

type Line = Record<string, unknown> & { event: string };

/** A child printing one JSON line per event. */
class Child {
  readonly lines: Line[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly child: ChildProcess) {
    let partial = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      partial += chunk;
      const parts = partial.split('\n');
      partial = parts.pop()!;
      for (const p of parts) if (p.trim()) this.lines.push(JSON.parse(p) as Line);
      for (const w of this.waiters.splice(0)) w();
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => (resolve({ code, signal }), this.waiters.splice(0).forEach((w) => w()))));
  }

  static spawn(script: string, args: string[]): Child {
    return new Child(spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async waitFor(event: string): Promise<Line> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const found = this.lines.find((l) => l.event === event);
      if (found) return found;
      if (!this.running || Date.now() > deadline)
        throw new Error(`process ${this.child.pid}: no "${event}" line (exit ${this.child.exitCode ?? this.child.signalCode}); stdout ${JSON.stringify(this.lines.slice(-5))}; stderr ${this.stderr}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }

  /** SIGTERM, its last event, and a clean exit. */
  async stop(last: string): Promise<Line> {
    this.child.kill('SIGTERM');
    const line = await this.waitFor(last);
    expect(await this.exited, this.stderr).toEqual({ code: 0, signal: null });
    return line;
  }
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round = (x: number, digits = 3) => Number(x.toFixed(digits));

describe('load: 8 device-model processes × 2 vCPUs on one daemon', () => {
  it(`answers every request exactly once for ${DURATION_MS / 1000} s${LONG ? '; the daemon RSS is flat after warm-up' : ''}`, { timeout: DURATION_MS + 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xenmem-load-'));
    const socket = join(dir, 'sim.sock');
    const children: Child[] = [];
    const backends: SocketBackend[] = [];
    cleanup.push(async () => {
      for (const b of backends) await b.close().catch(() => undefined);
      for (const c of children) if (c.running) c.child.kill('SIGKILL');
      await Promise.all(children.map((c) => c.exited));
      rmSync(dir, { recursive: true, force: true });
    });

    const daemon = Child.spawn(DAEMON, ['--socket', socket, '--sample-ms', String(SAMPLE_MS)]);
    children.push(daemon);
    await daemon.waitFor('ready');
    const control = await SocketBackend.connect(socket, { caller: 0 });
    backends.push(control);
    const domids = Array.from({ length: DOMAINS }, (_, i) => i + 1);
    // 1 GiB of RAM: MMIO_BASE lies in the hole above it, where accesses are emulated.
    for (const domid of domids) await control.createDomain({ domid, maxGpfn: 0x3ffff, vcpus: VCPUS, dm: DM_CALLER_BASE + domid });

    const dms = domids.map((domid) => Child.spawn(DEVICE_MODEL, ['--socket', socket, '--domid', String(domid), '--caller', String(DM_CALLER_BASE + domid)]));
    children.push(...dms);
    await Promise.all(dms.map((d) => d.waitFor('ready')));
    // One control connection per domain, as separate guests would have.
    const drivers = await Promise.all(domids.map(() => SocketBackend.connect(socket, { caller: 0 })));
    backends.push(...drivers);

    // Latencies of every access, in ms (grown as needed).
    let latencies = new Float64Array(1 << 16);
    let count = 0;
    const record = (ms: number) => {
      if (count === latencies.length) {
        const bigger = new Float64Array(latencies.length * 2);
        bigger.set(latencies);
        latencies = bigger;
      }
      latencies[count++] = ms;
    };
    const failures: string[] = [];
    let failed = 0;
    const fail = (what: string) => {
      failed++;
      if (failures.length < 20) failures.push(what);
    };
    const issued = new Map<string, { writes: number; reads: number; lastSeq: bigint }>();

    const loadStart = Date.now();
    const deadline = loadStart + DURATION_MS;
    const t0 = performance.now();
    const drive = async (domid: number, vcpu: number) => {
      const backend = drivers[domid - 1]!;
      const mine = { writes: 0, reads: 0, lastSeq: 0n };
      issued.set(`${domid}/${vcpu}`, mine);
      for (let n = 1n; Date.now() < deadline; n++) {
        const where = `domain ${domid} vCPU ${vcpu} seq ${n}`;
        let t = performance.now();
        const w = await backend.guestAccess({ domid, vcpu, kind: 'write', addr: MMIO_BASE + SEQ_OFFSET, size: 8, value: n });
        record(performance.now() - t);
        mine.writes++;
        mine.lastSeq = n;
        const wq = w.ioreqs;
        if (w.outcome !== 'ioreq' || wq.length !== 1 || wq[0]!.dir !== 'write' || wq[0]!.addr !== MMIO_BASE + SEQ_OFFSET || wq[0]!.data !== n)
          fail(`${where}: write ${JSON.stringify(w, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))}`);
        const addr = MMIO_BASE + 8n + (n % 511n) * 8n;
        t = performance.now();
        const r = await backend.guestAccess({ domid, vcpu, kind: 'read', addr, size: 8 });
        record(performance.now() - t);
        mine.reads++;
        const expected = answerFor(n, domid, vcpu, addr);
        if (r.outcome !== 'ioreq' || r.value !== expected || r.ioreqs.length !== 1 || r.ioreqs[0]!.dir !== 'read' || r.ioreqs[0]!.addr !== addr)
          fail(`${where}: read 0x${addr.toString(16)} gave ${r.outcome} 0x${r.value?.toString(16)}, expected 0x${expected.toString(16)} (${r.ioreqs.length} ioreqs)`);
      }
    };
    await Promise.all(domids.flatMap((domid) => Array.from({ length: VCPUS }, (_, vcpu) => drive(domid, vcpu))));
    const elapsedS = (performance.now() - t0) / 1000;
    const loadEnd = Date.now();

    // Nothing left waiting in the hypervisor, then each device model's own account.
    for (const domid of domids) expect((await control.inspect(domid)).pending, `domain ${domid}`).toEqual([]);
    const summaries = await Promise.all(dms.map((d) => d.stop('closed')));
    await control.close();
    for (const d of drivers) await d.close();
    backends.length = 0;
    const rssLines = daemon.lines.filter((l) => l.event === 'rss') as unknown as { at: number; rss: number; heapUsed: number }[];
    await daemon.stop('closed');

    const sorted = latencies.slice(0, count).sort();
    const series = rssLines
      .filter((s) => s.at >= loadStart - SAMPLE_MS && s.at <= loadEnd + SAMPLE_MS)
      .map((s) => ({ t: round((s.at - loadStart) / 1000, 1), rssMiB: round(s.rss / MiB, 1), heapMiB: round(s.heapUsed / MiB, 1) }));
    const afterWarmup = series.filter((s) => s.t * 1000 >= WARMUP_MS && s.t * 1000 <= DURATION_MS);
    const head = afterWarmup.slice(0, 5);
    const tail = afterWarmup.slice(-5);
    const mean = (xs: { rssMiB: number }[]) => xs.reduce((a, s) => a + s.rssMiB, 0) / Math.max(1, xs.length);
    const report = {
      mode: LONG ? 'long' : 'short',
      durationS: round(elapsedS, 2),
      processes: { daemon: 1, deviceModels: DOMAINS, vcpusEach: VCPUS },
      requests: count,
      requestsPerS: Math.round(count / elapsedS),
      latencyMs: { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), max: round(percentile(sorted, 100)) },
      failures: failed,
      rssMiB: { first: series[0]?.rssMiB, last: series.at(-1)?.rssMiB, postWarmupHead: head.length ? round(mean(head), 1) : null, postWarmupTail: tail.length ? round(mean(tail), 1) : null },
      rssSeries: series,
    };
    console.log(`load report ${JSON.stringify(report)}`);
    if (process.env['XENMEM_LOAD_REPORT']) writeFileSync(process.env['XENMEM_LOAD_REPORT'], `${JSON.stringify(report, null, 2)}\n`);

    // Every answer matched its request.
    expect(failures, `${failed} bad answers`).toEqual([]);
    expect(count).toBeGreaterThan(0);
    // Exactly once: each device model saw what each vCPU issued, in sequence, and nothing else.
    for (const [i, summary] of summaries.entries()) {
      const domid = i + 1;
      expect(summary, `domain ${domid}`).toMatchObject({ closeError: null, unexpected: 0, buffered: 0 });
      const seen = (summary.vcpus as { writes: number; reads: number; lastSeq: string; seqErrors: number }[]).map((s) => ({ ...s, lastSeq: BigInt(s.lastSeq) }));
      const sent = Array.from({ length: VCPUS }, (_, vcpu) => ({ ...issued.get(`${domid}/${vcpu}`)!, seqErrors: 0 }));
      expect(seen, `domain ${domid}`).toEqual(sent);
    }
    if (LONG) {
      // Flat after warm-up: the last 5 samples within 10% (and at least 16 MiB) of the first 5 after it.
      expect(afterWarmup.length).toBeGreaterThanOrEqual(10);
      expect(mean(tail), JSON.stringify(series)).toBeLessThanOrEqual(Math.max(mean(head) * 1.1, mean(head) + 16));
    }
  });
});
