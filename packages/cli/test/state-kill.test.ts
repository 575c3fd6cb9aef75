/**
 * `xenmem sim serve --state FILE` survives SIGKILL (docs/reliability.md "Daemon state file"): the real
 * daemon (node dist/bin.js) takes a stream of state-changing calls from the real socket backend and is
 * killed at a random moment; restarted with the same --state, its state is what it was after the last call
 * whose reply arrived — or after the call in flight, whose change may have been saved before the kill — and
 * the invariants hold (entry_count equals the number of p2m_ioreq_server pages, the claim's owner is a
 * server, no port twice). An in-process Hypervisor given the same calls is the model.
 * 3 kills in `npm test`; XENMEM_LONG=1: 20.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XenError } from '@xenmem/abi-types';
import type { DomainInspection, SimulatorBackend } from '@xenmem/sim-protocol';
import { Hypervisor, mulberry32 } from '@xenmem/hypervisor-sim';
import { DeviceModel, SocketBackend } from '@xenmem/ioreq-client';
import { afterAll, describe, expect, it } from 'vitest';
import { startServe } from './serve-child.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const LONG = process.env.XENMEM_LONG === '1';
const KILLS = LONG ? 20 : 3;
const XEN = '4.22';
const DOMAINS = [
  { domid: 1, maxGpfn: 0xfffff, vcpus: 2 },
  { domid: 2, maxGpfn: 0xffff, vcpus: 1 },
];
const dir = mkdtempSync(join(tmpdir(), 'xenmem-state-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts `xenmem sim serve --state`; resolves once it listens. */
function serve(socket: string, state: string): Promise<ChildProcess> {
  return startServe(['--socket', socket, '--state', state, '--xen', XEN, ...DOMAINS.flatMap((d) => ['--domain', `domid=${d.domid},max-gpfn=0x${d.maxGpfn.toString(16)},vcpus=${d.vcpus}`])]);
}

type Op = { name: string; run: (dm: DeviceModel, backend: SimulatorBackend) => Promise<unknown> };

/** A random state-changing call: retypes (many small and some large), servers, ranges, claims, destroys, seeds. */
function nextOp(rand: () => number): Op {
  const int = (n: number) => Math.floor(rand() * n);
  const domid = rand() < 0.8 ? 1 : 2;
  const max = DOMAINS[domid - 1]!.maxGpfn;
  const id = int(8);
  const pick = rand();
  const types = ['ram_rw', 'ioreq_server', 'ram_ro', 'mmio_dm'] as const;
  if (pick < 0.45) {
    const nr = rand() < 0.9 ? 1 + int(64) : 1 + int(0x4000);
    const first = int(max - nr);
    const type = types[int(types.length)]!;
    return { name: `set_mem_type ${domid} ${type} 0x${first.toString(16)}+${nr}`, run: (dm) => dm.setMemType(domid, type, first, nr) };
  }
  // Every random choice is made here, not in run: the daemon and the model run the same call.
  const bufioreq = (['off', 'legacy', 'atomic'] as const)[int(3)]!;
  const enable = rand() < 0.7;
  if (pick < 0.55) return { name: `create ${domid} ${bufioreq}`, run: (dm) => dm.createIoreqServer(domid, bufioreq) };
  if (pick < 0.6) return { name: `get_info ${domid} ${id}`, run: (dm) => dm.getIoreqServerInfo(domid, id).then((i) => ({ ...i })) };
  if (pick < 0.63) return { name: `acquire ${domid} ${id}`, run: (_dm, b) => b.acquireResource(0, domid, 0, id, 0, 1).then((r) => r.rc) };
  if (pick < 0.72) {
    const start = BigInt(int(0x10000)) * 0x1000n;
    const mmio = rand() < 0.5;
    const unmap = rand() < 0.3;
    return {
      name: `${unmap ? 'unmap' : 'map'}_io_range ${domid} ${id} ${start}`,
      run: (dm) => (unmap ? dm.unmapIoRangeFromIoreqServer(domid, id, mmio, start, start + 0xfffn) : dm.mapIoRangeToIoreqServer(domid, id, mmio, start, start + 0xfffn)),
    };
  }
  if (pick < 0.8) {
    const flags = rand() < 0.6 ? 'write' : 0;
    return { name: `map_mem_type ${domid} ${id} ${flags}`, run: (dm) => dm.mapMemTypeToIoreqServer(domid, id, 'ioreq_server', flags) };
  }
  if (pick < 0.86) return { name: `set_state ${domid} ${id} ${enable}`, run: (dm) => dm.setIoreqServerState(domid, id, enable) };
  if (pick < 0.91) return { name: `destroy ${domid} ${id}`, run: (dm) => dm.destroyIoreqServer(domid, id) };
  const first = int(max - 16);
  const nr = 1 + int(16);
  const type = [0, 1, 15][int(3)]!;
  return { name: `seed ${domid} 0x${first.toString(16)}+${nr} ${type}`, run: (_dm, b) => b.seedP2m(domid, BigInt(first), nr, type) };
}

/** The outcome of a call, comparable across backends: its value or Xen's error code. */
async function outcome(op: Op, dm: DeviceModel, backend: SimulatorBackend): Promise<unknown> {
  try {
    return { ok: (await op.run(dm, backend)) ?? null };
  } catch (e) {
    if (e instanceof XenError) return { xen: e.code };
    throw e;
  }
}

async function views(backend: SimulatorBackend): Promise<DomainInspection[]> {
  return Promise.all(DOMAINS.map((d) => backend.inspect(d.domid)));
}

function invariants(view: DomainInspection): void {
  const pages = view.p2m.filter((r) => r.name === 'p2m_ioreq_server').reduce((n, r) => n + Number(r.count), 0);
  expect(view.ioreqClaim.entryCount, `domain ${view.domid} entry_count`).toBe(pages);
  if (view.ioreqClaim.owner !== null) expect(view.servers!.map((s) => s.id)).toContain(view.ioreqClaim.owner);
  const ports = view.servers!.flatMap((s) => [...s.ports.vcpu, ...(s.ports.bufioreq === null ? [] : [s.ports.bufioreq])]);
  expect(new Set(ports).size).toBe(ports.length);
}

describe('sim serve --state survives SIGKILL', () => {
  it(`${KILLS} kills at random moments during writes: the state comes back as acknowledged (or with the call in flight)`, { timeout: LONG ? 300_000 : 60_000 }, async () => {
    expect(existsSync(BIN), 'build the CLI first').toBe(true);
    const socket = join(dir, 'sim.sock');
    const state = join(dir, 'state.json');
    const seed = Number(process.env.XENMEM_SEED ?? Date.now() % 2 ** 31);
    const rand = mulberry32(seed);
    // Kill moments from their own stream: the seed gives the same calls (how many run before a kill is timing).
    const killRand = mulberry32(seed ^ 0x5bd1e995);
    const mirror = new Hypervisor({ release: XEN });
    for (const d of DOMAINS) await mirror.createDomain(d);
    const mirrorDm = new DeviceModel({ backend: mirror, iface: XEN });
    let inFlight: Op | null = null;
    let acknowledged = 0;
    let withInFlight = 0;

    for (let cycle = 0; cycle <= KILLS; cycle++) {
      const child = await serve(socket, state);
      const backend = await SocketBackend.connect(socket, { caller: 0 });
      try {
        // After a kill: the acknowledged state, or that plus the call in flight.
        const restored = await views(backend);
        for (const v of restored) invariants(v);
        const expected = await views(mirror);
        const same = JSON.stringify(restored, big) === JSON.stringify(expected, big);
        if (!same) {
          expect(inFlight, `seed ${seed}, cycle ${cycle}: the restored state differs and no call was in flight`).not.toBeNull();
          await outcome(inFlight!, mirrorDm, mirror);
          withInFlight++;
          expect(restored, `seed ${seed}, cycle ${cycle}: restored state after ${inFlight!.name}`).toEqual(await views(mirror));
        }
        inFlight = null;
        if (cycle === KILLS) break;

        // Writes until a SIGKILL at a random moment.
        const dm = new DeviceModel({ backend, iface: XEN });
        let killed = false;
        const exited = new Promise((r) => child.once('exit', r));
        // The clock starts with the first acknowledged call, so every cycle writes something before its kill.
        let killer: ReturnType<typeof setTimeout> | undefined;
        const armKiller = () => (killer ??= setTimeout(() => ((killed = true), child.kill('SIGKILL')), 40 + killRand() * 260));
        try {
          for (;;) {
            const op = nextOp(rand);
            inFlight = op;
            let got: unknown;
            try {
              got = await outcome(op, dm, backend);
            } catch (e) {
              if (killed) break;
              throw e;
            }
            expect(got, `seed ${seed}: ${op.name}`).toEqual(await outcome(op, mirrorDm, mirror));
            inFlight = null;
            acknowledged++;
            armKiller();
            if (killed) break;
          }
        } finally {
          clearTimeout(killer);
        }
        await exited;
      } finally {
        await backend.close().catch(() => {});
        if (child.exitCode === null && child.signalCode === null) {
          const gone = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await gone;
        }
      }
    }
    // Enough happened to mean something; the temp files of killed writes are cleaned at each start.
    expect(acknowledged).toBeGreaterThanOrEqual(KILLS);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    console.log(`state-kill: seed ${seed}, ${KILLS} kills, ${acknowledged} calls acknowledged, ${withInFlight} restarts had the call in flight saved`);
  });
});

function big(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `0x${v.toString(16)}` : v;
}
