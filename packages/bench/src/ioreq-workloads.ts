/**
 * The ioreq and daemon workloads of `xenmem bench` (ids fixed by the issue). They do not grow with pages:
 * `quick` takes fewer samples of them. Latencies are per operation (one guest access, one round trip, one
 * set_mem_type call), p50/p99 nearest-rank; `opsPerSec` is operations over their total time.
 *
 * - ioreq-roundtrip-inproc: a guest port access → an IoreqServer in this process → its response.
 * - ioreq-roundtrip-daemon: the daemon (a child process) times guest accesses itself (bench_guest_accesses,
 *   docs/protocol.md "Benchmark control") answered by a device model in another child process, over the socket
 *   and over shm; with the floor of a bare 32-byte Unix-socket ping-pong between two Node processes.
 * - dmop-throughput-daemon: one-page set_mem_type calls from this process through the socket to a daemon child.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hvmmemType, LATEST_INTERFACE_VERSION } from '@xenmem/abi-types';
import type { GuestAccess } from '@xenmem/sim-protocol';
import { Hypervisor } from '@xenmem/hypervisor-sim';
import { DeviceModel, IoreqServer, SocketBackend } from '@xenmem/ioreq-client';
import { BenchChild } from './child-process.js';
import { BENCH_RELEASE } from './release.js';
import { measure, summarizeLatencies, type RateSummary } from './stats.js';
import type { BenchContext, Workload } from './workload.js';

/** The guest. RAM up to 4 GiB; the ports below are not emulated by the hypervisor itself. */
const DOMID = 1;
const MAX_GPFN = 0xfffff;
/** The device's port range (a PCI I/O BAR of 16 ports, as QEMU places them from 0xc000). */
export const BENCH_PORT_FIRST = 0xc000n;
export const BENCH_PORT_LAST = 0xc00fn;
/** What the device model answers to reads. */
export const BENCH_READ_VALUE = 0xcafef00dn;

/** The headline access: a 4-byte port write (`out`), one synchronous ioreq. */
export const BENCH_WRITE: GuestAccess = { domid: DOMID, vcpu: 0, kind: 'out', addr: BENCH_PORT_FIRST, size: 4, value: 0x12345678n };
/** The read variant: a 4-byte port read (`in`), answered with BENCH_READ_VALUE. */
export const BENCH_READ: GuestAccess = { domid: DOMID, vcpu: 0, kind: 'in', addr: BENCH_PORT_FIRST, size: 4 };

/** Operations per impl: the full run and --quick. */
export function benchCounts(quick: boolean): { count: number; warmup: number } {
  return quick ? { count: 2_000, warmup: 1_000 } : { count: 20_000, warmup: 2_000 };
}

/** What a params object says about an access (64-bit values as "0x…"). */
const describeAccess = (a: GuestAccess) => ({ kind: a.kind, port: `0x${a.addr.toString(16)}`, size: a.size, ...(a.value !== undefined && { value: `0x${a.value.toString(16)}` }) });

/** An impl that could not run (e.g. the shm transport is not available): its reason instead of figures. */
export interface NotRun {
  error: string;
}

// ---- ioreq-roundtrip-inproc

/** A guest access through the in-process Hypervisor must reach the device model (and a read get its answer). */
function expectIoreq(access: GuestAccess): (r: unknown) => void {
  return (r) => {
    const o = r as { outcome: string; value: bigint | null };
    if (o.outcome !== 'ioreq') throw new Error(`a guest ${access.kind} at port 0x${access.addr.toString(16)} ended "${o.outcome}", not with the device model's answer`);
    if (access.kind === 'in' && o.value !== BENCH_READ_VALUE) throw new Error(`a guest in returned 0x${o.value?.toString(16)}, not the device model's 0x${BENCH_READ_VALUE.toString(16)}`);
  };
}

export const ioreqRoundtripInproc: Workload = {
  id: 'ioreq-roundtrip-inproc',
  title: 'guest 4-byte port write (inproc) and read (inproc-read) to the range of an IoreqServer in the same process, answered by its requests() loop; one access at a time',
  async run(ctx) {
    const { count, warmup } = benchCounts(ctx.quick);
    const hv = new Hypervisor({ release: BENCH_RELEASE, p2m: ctx.native });
    await hv.createDomain({ domid: DOMID, maxGpfn: MAX_GPFN, vcpus: 1 });
    const dm = new DeviceModel({ backend: hv, iface: BENCH_RELEASE });
    const server = await IoreqServer.create(dm, DOMID, { bufioreq: 'off' });
    let serving: Promise<void> = Promise.resolve();
    const results: Record<string, RateSummary> = {};
    try {
      await server.mapPort(BENCH_PORT_FIRST, BENCH_PORT_LAST);
      await server.enable();
      serving = (async () => {
        for await (const req of server.requests()) if (!req.buffered) await req.respond(req.dir === 'read' ? BENCH_READ_VALUE : undefined);
      })();
      for (const [impl, access] of [['inproc', BENCH_WRITE], ['inproc-read', BENCH_READ]] as const) {
        ctx.progress(`ioreq-roundtrip-inproc: ${impl}: ${count} accesses`);
        results[impl] = summarizeLatencies(await measure({ run: () => hv.guestAccess(access), check: expectIoreq(access) }, { warmup, samples: count }));
      }
    } finally {
      await server.close();
      await serving;
      await hv.destroyDomain(DOMID);
    }
    return { id: 'ioreq-roundtrip-inproc', params: { count, warmup, write: describeAccess(BENCH_WRITE), read: describeAccess(BENCH_READ), bufioreq: 'off', xen: BENCH_RELEASE }, results };
  },
};

// ---- the daemon in a child process

/** A temporary directory with a daemon child serving a socket in it (`args`: more of bench-daemon.mjs's flags); `use` gets the socket path. Always cleaned up. */
export async function withDaemon<T>(use: (socket: string, dir: string, daemon: BenchChild) => Promise<T>, args: (dir: string) => string[] = () => []): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'xenmem-bench-'));
  const socket = join(dir, 'daemon.sock');
  const daemon = BenchChild.spawn('bench-daemon.mjs', ['--socket', socket, '--release', BENCH_RELEASE, '--shm-poll-us', String(BENCH_SHM_POLL_US), ...args(dir)]);
  try {
    const line = await daemon.waitFor(['ready', 'error']);
    if (line.event === 'error') throw new Error(`the benchmark daemon did not start: ${String(line['message'])}`);
    return await use(socket, dir, daemon);
  } finally {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- ioreq-roundtrip-daemon

/**
 * The device model's connection per impl: its transport, and how its request loop waits — `shm` blocks in
 * the doorbell (requests({ wait: 'block' }): spins DM_SPIN_US, then a futex wait), `shm-thread` lets the
 * native watcher thread wake its event loop.
 */
const DAEMON_IMPLS = {
  daemon: { transport: 'socket', wait: 'event-loop' },
  shm: { transport: 'shm', wait: 'block' },
  'shm-thread': { transport: 'shm', wait: 'event-loop' },
} as const;
/** How long the benchmark daemon polls a doorbell for the device model's answer (DaemonOptions.shmPollUs). */
export const BENCH_SHM_POLL_US = 200;
/** How long a blocking device model spins on its doorbell before sleeping in the kernel. */
export const BENCH_DM_SPIN_US = 200;

/**
 * One impl of ioreq-roundtrip-daemon: a device-model child on a domain of its own (so a server left behind by
 * a failed impl cannot take the next one's ports), then `count` accesses (`as.access`, on that domain) timed
 * inside the daemon; progress and errors name `as.workload`. A device model that cannot set up with its transport gives NotRun for the shm impl (the only one
 * allowed to be missing). ioreq-roundtrip-qemu runs the same impls beside QEMU.
 */
export async function daemonRoundtrip(ctx: BenchContext, socket: string, control: SocketBackend, impl: keyof typeof DAEMON_IMPLS, domid: number, count: number, warmup: number, as: { workload: string; access: GuestAccess } = { workload: 'ioreq-roundtrip-daemon', access: BENCH_WRITE }): Promise<RateSummary | NotRun> {
  const { workload, access } = as;
  const { transport, wait } = DAEMON_IMPLS[impl];
  await control.createDomain({ domid, maxGpfn: MAX_GPFN, vcpus: 1 });
  ctx.progress(`${workload}: ${impl}: starting the device model`);
  const dm = BenchChild.spawn('bench-device-model.mjs', ['--socket', socket, '--transport', transport, '--wait', wait, '--spin-us', String(BENCH_DM_SPIN_US), '--domid', String(domid), '--first', `0x${BENCH_PORT_FIRST.toString(16)}`, '--last', `0x${BENCH_PORT_LAST.toString(16)}`, '--value', `0x${BENCH_READ_VALUE.toString(16)}`]);
  try {
    const line = await dm.waitFor(['ready', 'error']);
    if (line.event === 'error') {
      const message = String(line['message']);
      if (transport === 'shm') return { error: message };
      throw new Error(`${workload}: the device model (transport ${transport}) did not start: ${message}`);
    }
    ctx.progress(`${workload}: ${impl}: ${count} accesses timed in the daemon`);
    const r = await Promise.race([control.benchGuestAccesses({ ...access, domid }, count, warmup), dm.failOnExit()]);
    if (r.latenciesNs.length !== count || r.outcomes.ioreq !== count)
      throw new Error(`${workload}: ${impl}: ${r.latenciesNs.length} latencies, outcomes ${JSON.stringify(r.outcomes)}; expected ${count} accesses answered by the device model`);
    return summarizeLatencies(r.latenciesNs);
  } finally {
    await dm.stop();
  }
}

/** Waits for one connection on `server`, or fails when `child` exits first. */
function accept(server: Server, child: BenchChild): Promise<Socket> {
  return Promise.race([new Promise<Socket>((resolve) => server.once('connection', resolve)), child.failOnExit()]);
}

/**
 * The floor: `warmup` + `count` round trips of a 32-byte message between this process and an echoing child
 * (scripts/bench-pingpong.mjs) over a Unix socket in `dir`. Returns the child's pid and the socket's path so
 * that a test can check that both are gone afterwards.
 */
export async function socketPingpong(dir: string, count: number, warmup: number): Promise<{ summary: RateSummary; pid: number | undefined; path: string }> {
  const path = join(dir, 'pingpong.sock');
  const server = createServer();
  await new Promise<void>((resolve, reject) => (server.once('error', reject), server.listen(path, resolve)));
  const child = BenchChild.spawn('bench-pingpong.mjs', ['--socket', path]);
  let socket: Socket | null = null;
  try {
    socket = await accept(server, child);
    socket.setNoDelay(true);
    const message = new Uint8Array(32).fill(0xa5);
    let received = 0;
    let back: (() => void) | null = null;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received >= message.length && back) {
        received -= message.length;
        const b = back;
        back = null;
        b();
      }
    });
    const s = socket;
    const gone = child.failOnExit();
    const roundTrip = () => Promise.race([new Promise<void>((resolve) => ((back = resolve), s.write(message))), gone]);
    const ns = await measure({ run: roundTrip }, { warmup, samples: count });
    return { summary: summarizeLatencies(ns), pid: child.pid, path };
  } finally {
    socket?.end();
    await Promise.race([child.exited, new Promise((r) => setTimeout(r, 1000))]);
    await child.stop();
    socket?.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(path, { force: true });
  }
}

export const ioreqRoundtripDaemon: Workload = {
  id: 'ioreq-roundtrip-daemon',
  title:
    'guest 4-byte port writes made and timed inside a daemon process (bench_guest_accesses), answered by an IoreqServer in a device-model process over the socket (daemon) or shared memory (shm: it blocks in its doorbell, spinning first, while the daemon polls for the answer; shm-thread: a native watcher thread wakes its event loop); socket-pingpong: a bare 32-byte round trip between two Node processes over a Unix socket',
  async run(ctx) {
    const { count, warmup } = benchCounts(ctx.quick);
    const results: Record<string, RateSummary | NotRun> = {};
    await withDaemon(async (socket, dir) => {
      const control = await SocketBackend.connect(socket, { caller: 0, transport: 'socket' });
      try {
        results['daemon'] = await daemonRoundtrip(ctx, socket, control, 'daemon', 1, count, warmup);
        results['shm'] = await daemonRoundtrip(ctx, socket, control, 'shm', 2, count, warmup);
        results['shm-thread'] = await daemonRoundtrip(ctx, socket, control, 'shm-thread', 3, count, warmup);
      } finally {
        await control.close();
      }
      ctx.progress(`ioreq-roundtrip-daemon: socket-pingpong: ${count} round trips`);
      results['socket-pingpong'] = (await socketPingpong(dir, count, warmup)).summary;
    });
    return { id: 'ioreq-roundtrip-daemon', params: { count, warmup, access: describeAccess(BENCH_WRITE), bufioreq: 'off', pingpongBytes: 32, shmPollUs: BENCH_SHM_POLL_US, dmSpinUs: BENCH_DM_SPIN_US, xen: BENCH_RELEASE }, results };
  },
};

// ---- dmop-throughput-daemon

const HVMMEM_RAM_RW = hvmmemType('ram_rw', LATEST_INTERFACE_VERSION);
const HVMMEM_RAM_RO = hvmmemType('ram_ro', LATEST_INTERFACE_VERSION);
/** Calls in flight in the pipelined variant. */
export const DMOP_IN_FLIGHT = 32;
/** The pages retyped: one per call, PFN_BASE + the pipelined lane. */
const PFN_BASE = 0x100;

/**
 * `calls` calls, `inFlight` at a time (each lane starts its next call when its last one is answered): each
 * call's duration in ns and the wall time of them all.
 */
export async function runPipelined(calls: number, inFlight: number, call: (lane: number) => Promise<unknown>): Promise<{ ns: number[]; wallNs: number }> {
  const ns: number[] = new Array<number>(calls);
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: Math.min(inFlight, calls) }, async (_, lane) => {
      for (let i = next++; i < calls; i = next++) {
        const t = process.hrtime.bigint();
        await call(lane);
        ns[i] = Number(process.hrtime.bigint() - t);
      }
    }),
  );
  return { ns, wallNs: Number(process.hrtime.bigint() - t0) };
}

export const dmopThroughputDaemon: Workload = {
  id: 'dmop-throughput-daemon',
  title: `one-page set_mem_type calls (ram_rw ↔ ram_ro) from a DeviceModel over SocketBackend to a daemon process: one at a time (daemon), and ${DMOP_IN_FLIGHT} in flight (daemon-pipelined)`,
  async run(ctx) {
    const { count, warmup } = benchCounts(ctx.quick);
    const results: Record<string, RateSummary> = {};
    await withDaemon(async (socket) => {
      const backend = await SocketBackend.connect(socket, { caller: 0, transport: 'socket' });
      try {
        await backend.createDomain({ domid: DOMID, maxGpfn: MAX_GPFN, vcpus: 1 });
        const dm = new DeviceModel({ backend, iface: BENCH_RELEASE });
        // Each call flips its page, so every call changes the p2m (XenError thrown on any failure).
        const flips = new Map<number, number>();
        const retype = (pfn: number) => {
          const n = (flips.get(pfn) ?? 0) + 1;
          flips.set(pfn, n);
          return dm.setMemType(DOMID, n % 2 === 1 ? HVMMEM_RAM_RO : HVMMEM_RAM_RW, pfn, 1);
        };
        ctx.progress(`dmop-throughput-daemon: daemon: ${count} calls, one at a time`);
        results['daemon'] = summarizeLatencies(await measure({ run: () => retype(PFN_BASE) }, { warmup, samples: count }));

        ctx.progress(`dmop-throughput-daemon: daemon-pipelined: ${count} calls, ${DMOP_IN_FLIGHT} in flight`);
        const pipelined = (calls: number) => runPipelined(calls, DMOP_IN_FLIGHT, (lane) => retype(PFN_BASE + lane));
        if (warmup > 0) await pipelined(warmup);
        const p = await pipelined(count);
        results['daemon-pipelined'] = summarizeLatencies(p.ns, p.wallNs);
      } finally {
        await backend.close();
      }
    });
    return { id: 'dmop-throughput-daemon', params: { count, warmup, nr: 1, types: 'ram_rw ↔ ram_ro', inFlight: DMOP_IN_FLIGHT, transport: 'socket', xen: BENCH_RELEASE }, results };
  },
};

