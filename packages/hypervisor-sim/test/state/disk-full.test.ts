/**
 * A daemon with a state file on a full disk (docs/reliability.md "Disk full"): a change whose journal record
 * cannot be written is answered with EIO (errno 5, reason `state-not-durable`) and undone, so the running state
 * stays exactly the acknowledged one — for every request of a refused group, whatever its kind, on the main
 * socket and the xenstore socket alike; once there is room again requests succeed, and a restart restores
 * exactly what was acknowledged. A request still running when that happened is refused too. The disk is a small
 * tmpfs the test mounts (root; see tmpfs.ts).
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONST, ERRNO, decodeDmOp, encodeDmOp } from '@xenmem/abi-types';
import {
  FrameKind,
  daemonReason,
  decodeHypercallDone,
  decodeJson,
  encodeDmOpRequest,
  encodeJson,
  seedP2mToJson,
  type ErrorBody,
  type Frame,
} from '@xenmem/sim-protocol';
import { Hypervisor } from '../../src/hypervisor.js';
import { startDaemon, type Daemon } from '../../src/daemon/index.js';
import { StateStore, checkInvariants, encodeState, readDurableState, snapshot } from '../../src/state/index.js';
import { RawClient } from '../daemon/raw-client.js';
import { XsRawClient } from '../xenstore/xs-raw-client.js';
import { mountTmpfs, tmpfsRequired, unmountTmpfs } from './tmpfs.js';
import { P2M_RAM_RO, P2M_RAM_RW } from '../../src/p2m-types.js';

const T = CONST.xs_wire_type;
const HVMMEM_RAM_RO = 1;

const mnt = join(tmpdir(), `xenmem-full-${process.pid}`);
const why = mountTmpfs(mnt, '512k');
const mounted = why === null;

let dir: string;
let daemon: Daemon | null = null;
const clients: { end(): unknown }[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'xenmem-full-sock-'));
});
afterEach(async () => {
  for (const c of clients.splice(0)) await c.end();
  await daemon?.close();
  daemon = null;
  rmSync(dir, { recursive: true, force: true });
});
afterAll(() => {
  if (mounted) unmountTmpfs(mnt);
});

/** The whole durable state of `hv`, as the state file would hold it. */
const stateText = (hv: Hypervisor) => new TextDecoder().decode(encodeState(snapshot(hv)));

const dmOpFrame = (domid: number, op: Parameters<typeof encodeDmOp>[0], fields: Record<string, unknown>) => encodeDmOpRequest({ domid, bufs: [encodeDmOp(op, fields)] });
const setMemType = (gfn: number) => dmOpFrame(1, 'set_mem_type', { mem_type: HVMMEM_RAM_RO, first_pfn: BigInt(gfn), nr: 1 });

function done(f: Frame): { rc: number; payload: Record<string, unknown> } {
  expect(f.kind, f.kind === FrameKind.error ? JSON.stringify(decodeJson(f.payload, 'error')) : '').toBe(FrameKind.hypercallDone);
  const d = decodeHypercallDone(f.payload);
  return { rc: d.rc, payload: decodeDmOp(d.bufs[0]!).payload as Record<string, unknown> };
}

const REFUSED = { errno: ERRNO.EIO.value, message: expect.stringMatching(/^the request was undone: the state could not be written: ENOSPC/), reason: daemonReason('state-not-durable') };

/** Fills the tmpfs to its last page; returns the filler file to remove. */
function fill(): string {
  const filler = join(mnt, 'filler');
  try {
    writeFileSync(filler, Buffer.alloc(1024 * 1024));
  } catch {
    // ENOSPC: what fitted stays
  }
  return filler;
}

async function views(c: RawClient): Promise<unknown[]> {
  const list = decodeJson((await c.request(FrameKind.listDomains)).payload, 'list_domains');
  const domains = await Promise.all([1, 2].map(async (domid) => decodeJson((await c.request(FrameKind.inspect, encodeJson({ domid }))).payload, 'inspect')));
  return [list, ...domains];
}

async function xs(c: XsRawClient, type: number, payload: string): Promise<{ type: number; text: string }> {
  c.send(type, payload);
  const m = (await c.next())!;
  return { type: m.type, text: m.payload.toString('latin1') };
}

describe(`a daemon whose state file is on a full disk${mounted ? '' : ` (cannot run here: ${why})`}`, () => {
  it.runIf(!mounted && tmpfsRequired)('mounts its tmpfs (CI=true runs as root, so this must work there)', () => expect(why).toBeNull());

  it.skipIf(!mounted)('answers EIO to each change it cannot write, keeps the acknowledged state, goes on once there is room, and restarts into it', async () => {
    const statePath = join(mnt, 'state.json');
    const hv = new Hypervisor({ release: '4.22' });
    daemon = await startDaemon({ socketPath: join(dir, 'sim.sock'), hypervisor: hv, statePath, shm: false });
    const c = await RawClient.open(daemon.address, 0);
    const x = await XsRawClient.open(daemon.xenstore);
    clients.push(c, { end: () => x.close() });
    for (const config of [{ domid: 1, maxGpfn: 0xfffff, vcpus: 2 }, { domid: 2, maxGpfn: 0xfff }]) expect((await c.request(FrameKind.createDomain, encodeJson(config))).kind).toBe(FrameKind.json);
    const server = done(await c.request(FrameKind.dmOp, dmOpFrame(1, 'create_ioreq_server', { handle_bufioreq: 1 }))).payload.id as number;
    expect(done(await c.request(FrameKind.dmOp, dmOpFrame(1, 'map_io_range_to_ioreq_server', { id: server, type: 1, start: 0xf0000000n, end: 0xf0000fffn }))).rc).toBe(0);
    expect(done(await c.request(FrameKind.dmOp, dmOpFrame(1, 'set_ioreq_server_state', { id: server, enabled: 1 }))).rc).toBe(0);
    expect(await xs(x, T.write, '/local/domain/1/data\0before')).toEqual({ type: T.write, text: 'OK\0' });

    // Fill the tmpfs to its last page.
    const filler = fill();

    // One-page retypes, one at a time, until one is refused (the journal's last page had room for a few).
    let acknowledged = stateText(hv);
    let seen = await views(c);
    let refused: ErrorBody | null = null;
    let accepted = 0;
    for (let i = 0; i < 4096 && !refused; i++) {
      const f = await c.request(FrameKind.dmOp, setMemType(0x10000 + 2 * i));
      if (f.kind === FrameKind.error) refused = decodeJson(f.payload, 'error') as unknown as ErrorBody;
      else {
        expect(done(f).rc).toBe(0);
        accepted++;
        acknowledged = stateText(hv);
        seen = await views(c);
      }
    }
    expect(refused).toEqual(REFUSED);
    expect(stateText(hv)).toBe(acknowledged);
    expect(await views(c)).toEqual(seen);
    expect(accepted).toBeLessThan(4096);

    // Still full: a pipelined group of every kind of change, each refused, none leaving anything behind.
    const burst = [
      c.send(FrameKind.dmOp, setMemType(0x20000)),
      c.send(FrameKind.dmOp, dmOpFrame(1, 'create_ioreq_server', { handle_bufioreq: 0 })),
      c.send(FrameKind.dmOp, dmOpFrame(1, 'map_io_range_to_ioreq_server', { id: server, type: 0, start: 0x60n, end: 0x64n })),
      c.send(FrameKind.dmOp, dmOpFrame(1, 'destroy_ioreq_server', { id: server })),
      c.send(FrameKind.seedP2m, encodeJson(seedP2mToJson(1, 0x30000n, 16, 1))),
      c.send(FrameKind.destroyDomain, encodeJson({ domid: 2 })),
      c.send(FrameKind.createDomain, encodeJson({ domid: 3, maxGpfn: 0xff })),
    ];
    expect(await xs(x, T.write, '/local/domain/1/data\0after')).toEqual({ type: T.error, text: 'EIO\0' });
    for (const id of burst) {
      const f = (await c.take((m) => m.id === id))!;
      expect(f.kind).toBe(FrameKind.error);
      expect(decodeJson(f.payload, 'error')).toEqual(REFUSED);
    }
    expect(stateText(hv)).toBe(acknowledged);
    expect(await views(c)).toEqual(seen);
    expect(checkInvariants(hv)).toEqual([]);
    expect(await xs(x, T.read, '/local/domain/1/data\0')).toEqual({ type: T.read, text: 'before' });
    expect(await xs(x, T.read, '/local/domain/3/domid\0')).toEqual({ type: T.error, text: 'ENOENT\0' });

    // Room again: the next change is written, and so is the next xenstore write.
    rmSync(filler);
    expect(done(await c.request(FrameKind.dmOp, setMemType(0x40000))).rc).toBe(0);
    expect(await xs(x, T.write, '/local/domain/1/data\0later')).toEqual({ type: T.write, text: 'OK\0' });
    acknowledged = stateText(hv);
    expect(acknowledged).toContain(`[${0x40000},1,`);

    // A restart restores exactly what was acknowledged.
    for (const cl of clients.splice(0)) await cl.end();
    await daemon.close();
    const again = new Hypervisor({ release: '4.22' });
    daemon = await startDaemon({ socketPath: join(dir, 'sim.sock'), hypervisor: again, statePath, shm: false });
    expect(daemon.restored).toBe(true);
    expect(stateText(again)).toBe(acknowledged);
  });

  it.skipIf(!mounted)('refuses a request still running when a failed write undid the unwritten changes (StateStore.commit since)', async () => {
    const path = join(mnt, 'store.json');
    const hv = new Hypervisor({ release: '4.22' });
    await hv.createDomain({ domid: 1, maxGpfn: 0xfffff });
    const store = await StateStore.open(path, hv);
    const typeAt = (h: Hypervisor, gfn: number) => h.domain(1)!.p2m.runs(gfn, 1)[0]!.type;
    // A long request begins (a hypercall between continuation chunks) and changes a page.
    const since = store.rollbacks;
    await hv.seedP2m(1, 0x100n, 1, P2M_RAM_RO);
    const filler = fill();
    // Another request's change cannot be written: both changes are undone.
    await hv.seedP2m(1, 0x200n, 1, P2M_RAM_RO);
    const failed = await store.commit(store.rollbacks).then(() => null, (e: NodeJS.ErrnoException) => e);
    expect(failed?.code).toBe('ENOSPC');
    expect(store.rollbacks).toBe(since + 1);
    expect([typeAt(hv, 0x100), typeAt(hv, 0x200)]).toEqual([P2M_RAM_RW, P2M_RAM_RW]);
    rmSync(filler);
    // The long request goes on and ends: what it changes now is written, but it is refused (EIO), not acknowledged.
    await hv.seedP2m(1, 0x300n, 1, P2M_RAM_RO);
    const partly = await store.commit(since).then(() => null, (e: NodeJS.ErrnoException & { partly?: boolean }) => e);
    expect({ code: partly?.code, partly: partly?.partly }).toEqual({ code: 'EIO', partly: true });
    const restored = new Hypervisor({ release: '4.22' });
    await store.close();
    await StateStore.open(path, restored).then((s) => s.close());
    expect([0x100, 0x200, 0x300].map((g) => typeAt(restored, g))).toEqual([P2M_RAM_RW, P2M_RAM_RW, P2M_RAM_RO]);
    expect(readDurableState(path, '4.22')!.state).toEqual(snapshot(hv));
  });
});
