/**
 * ioreq-roundtrip-qemu: the round trip of a guest port read answered by Debian's QEMU 7.2, unmodified, on Xen's
 * own libraries under the kernel-interface emulation (docs/xen-libraries.md), beside the same read answered by
 * the JavaScript device model of ioreq-roundtrip-daemon over the socket (`daemon`) and shared memory (`shm`),
 * all against one daemon in the same run; and QEMU's start-up time, from spawning it (under `xenmem sim exec`,
 * whose Node start is included) to its `device-model/N/state = running` in xenstore.
 *
 * The read is `in 0x3fd` (size 1), the UART's line status register: QEMU answers it from its serial device
 * without side effects or further hypercalls (hw/char/serial.c serial_ioport_read() @ v7.2.0), so each sample is
 * one ioreq: the daemon writes the slot and signals the event channel, the emulation wakes QEMU's event-channel
 * fd, QEMU answers in the slot and notifies back. The daemon makes and times the accesses itself
 * (bench_guest_accesses, docs/protocol.md "Benchmark control").
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { isAbsolute, relative } from 'node:path';
import type { GuestAccess } from '@xenmem/sim-protocol';
import { SocketBackend } from '@xenmem/ioreq-client';
import { BENCH_READ, benchCounts, daemonRoundtrip, type NotRun, withDaemon } from './ioreq-workloads.js';
import { findQemuBinary, type QemuBinary } from './qemu-binary.js';
import { BENCH_RELEASE } from './release.js';
import { summarize, summarizeLatencies, type RateSummary, type SampleSummary } from './stats.js';
import type { BenchContext, Workload } from './workload.js';
import { waitForXenstoreValue } from './xenstore-watch.js';

/** The JavaScript device models' domains; QEMU's follow, one per start-up sample. */
const JS_DOMIDS = { daemon: 1, shm: 2 };
const QEMU_FIRST_DOMID = Math.max(...Object.values(JS_DOMIDS)) + 1;
/** RAM of QEMU's domain: 64 MiB (-m 64); QEMU's reset retypes pfns 0xc0–0xff, so they must be RAM. */
const QEMU_MAX_GPFN = 0x3fff;
/** The UART's line status register: QEMU's serial device at 0x3f8 (its first COM port). */
const UART_LSR = 0x3fdn;
/** Start-ups timed (the last QEMU started answers the round trips). */
const STARTS = { full: 5, quick: 2 };

/** The JavaScript device models' read, under this workload's name. */
const JS_READ = { workload: 'ioreq-roundtrip-qemu', access: BENCH_READ };
/** The read QEMU answers, on `domid`. */
const qemuRead = (domid: number): GuestAccess => ({ domid, vcpu: 0, kind: 'in', addr: UART_LSR, size: 1 });

/**
 * QEMU on `domid`, started under `simExec` (`xenmem sim exec`: the emulation preloaded, XENMEM_SOCKET and
 * XENSTORED_PATH set); resolves its process once it reports running, and how long that took (ns).
 */
async function startQemu(qemu: QemuBinary, simExec: readonly string[], socket: string, domid: number): Promise<{ child: ChildProcess; ns: number }> {
  const env = { ...process.env, ...(qemu.libraryPath && { LD_LIBRARY_PATH: qemu.libraryPath }) };
  const args = ['-xen-domid', String(domid), '-machine', 'xenfv', '-nodefaults', '-no-user-config', '-display', 'none', '-m', '64', '-serial', 'null'];
  const t0 = process.hrtime.bigint();
  const child = spawn(simExec[0]!, [...simExec.slice(1), '--socket', socket, '--', qemu.binary, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<never>((_, reject) => child.once('exit', (code, signal) => reject(new Error(`QEMU for domain ${domid} exited (${code ?? signal}) before running: ${stderr.trim() || '(no output)'}`))));
  exited.catch(() => undefined);
  try {
    await waitForXenstoreValue(`${socket}.xenstore`, `/local/domain/0/device-model/${domid}/state`, 'running', exited);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return { child, ns: Number(process.hrtime.bigint() - t0) };
}

/** A path inside the directory the benchmark runs in, relative to it (the document names no machine's layout). */
function shownPath(path: string): string {
  const r = relative(process.cwd(), path);
  return r.startsWith('..') || isAbsolute(r) ? path : r;
}

/** SIGTERM (forwarded to QEMU, which then destroys its server), SIGKILL after 3 s. */
async function stopQemu(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(t);
}

/** QEMU's start-ups and round trips, or why QEMU could not run here. */
async function qemuFigures(ctx: BenchContext, socket: string, control: SocketBackend, count: number, warmup: number): Promise<{ roundtrip: RateSummary | NotRun; startup: SampleSummary | NotRun; qemu: Record<string, string> }> {
  const qemu = findQemuBinary();
  const simExec = ctx.xenmem && [...ctx.xenmem, 'sim', 'exec'];
  const missing = 'error' in qemu ? qemu.error : simExec === undefined ? 'no `xenmem sim exec` to run QEMU under (run it as `xenmem bench`)' : undefined;
  if (missing !== undefined || 'error' in qemu || simExec === undefined) return { roundtrip: { error: missing! }, startup: { error: missing! }, qemu: {} };
  const starts = ctx.quick ? STARTS.quick : STARTS.full;
  const startupNs: number[] = [];
  let last: ChildProcess | null = null;
  let domid = QEMU_FIRST_DOMID;
  try {
    for (let i = 0; i < starts; i++) {
      if (last) await stopQemu(last);
      domid = QEMU_FIRST_DOMID + i;
      await control.createDomain({ domid, maxGpfn: QEMU_MAX_GPFN, vcpus: 1 });
      ctx.progress(`ioreq-roundtrip-qemu: starting QEMU (${i + 1} of ${starts})`);
      const started = await startQemu(qemu, simExec, socket, domid);
      last = started.child;
      startupNs.push(started.ns);
    }
    ctx.progress(`ioreq-roundtrip-qemu: qemu: ${count} accesses timed in the daemon`);
    const r = await control.benchGuestAccesses(qemuRead(domid), count, warmup);
    if (r.latenciesNs.length !== count || r.outcomes.ioreq !== count)
      throw new Error(`ioreq-roundtrip-qemu: ${r.latenciesNs.length} latencies, outcomes ${JSON.stringify(r.outcomes)}; expected ${count} reads answered by QEMU`);
    return { roundtrip: summarizeLatencies(r.latenciesNs), startup: summarize(startupNs), qemu: { binary: shownPath(qemu.binary), version: qemu.version, package: `qemu-system-xen ${qemu.packageVersion}` } };
  } finally {
    if (last) await stopQemu(last);
  }
}

export const ioreqRoundtripQemu: Workload = {
  id: 'ioreq-roundtrip-qemu',
  title:
    "guest 1-byte port reads of the UART's line status register (in 0x3fd) made and timed inside a daemon process, answered by Debian's QEMU 7.2 (qemu), unmodified, on Xen's libraries under the kernel-interface emulation; beside them 4-byte port reads answered by the JavaScript device model over the socket (daemon) and shared memory (shm) in the same run; qemu-startup: from spawning QEMU to device-model/N/state = running in xenstore",
  async run(ctx) {
    const { count, warmup } = benchCounts(ctx.quick);
    const results: Record<string, RateSummary | SampleSummary | NotRun> = {};
    let qemu: Record<string, string> = {};
    await withDaemon(async (socket) => {
      const control = await SocketBackend.connect(socket, { caller: 0, transport: 'socket' });
      try {
        results['daemon'] = await daemonRoundtrip(ctx, socket, control, 'daemon', JS_DOMIDS.daemon, count, warmup, JS_READ);
        results['shm'] = await daemonRoundtrip(ctx, socket, control, 'shm', JS_DOMIDS.shm, count, warmup, JS_READ);
        // QEMU that cannot start here (its libraries, the daemon's xenstore) is reported, beside the other figures.
        const q = await qemuFigures(ctx, socket, control, count, warmup).catch((e: Error) => ({ roundtrip: { error: e.message }, startup: { error: e.message }, qemu: {} }));
        results['qemu'] = q.roundtrip;
        results['qemu-startup'] = q.startup;
        qemu = q.qemu;
      } finally {
        await control.close();
      }
    });
    return { id: 'ioreq-roundtrip-qemu', params: { count, warmup, qemuAccess: { kind: 'in', port: '0x3fd', size: 1 }, jsAccess: { kind: 'in', port: `0x${BENCH_READ.addr.toString(16)}`, size: BENCH_READ.size }, bufioreq: { qemu: 'atomic', js: 'off' }, startups: ctx.quick ? STARTS.quick : STARTS.full, xen: BENCH_RELEASE, ...qemu }, results };
  },
};
