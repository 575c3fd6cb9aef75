/**
 * The daemon's shared-memory transport (docs/protocol.md "Shared memory"): the arena as the hypervisor's page
 * store, shm_open and shm_page, the doorbell in both directions, the refusals, and stale arenas. Skipped when
 * @xenmem/shm-transport cannot load (then the daemon offers no shared memory: the last block checks that).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeDmOp, encodeDmOp } from '@xenmem/abi-types';
import {
  DOORBELL,
  FrameKind,
  decodeHypercallDone,
  decodeJson,
  decodePages,
  decodePort,
  decodeStatus,
  doorbellPost,
  doorbellSeqOffset,
  doorbellTake,
  encodeAcquireResource,
  encodeBindInterdomain,
  encodeDmOpRequest,
  encodeHello,
  WIRE_PROTOCOL_VERSION,
  encodeJson,
  encodeMapForeignGfn,
  encodePageHandle,
  encodeRestrict,
  guestAccessToJson,
  type ErrorBody,
  type Frame,
  type Welcome,
} from '@xenmem/sim-protocol';
import { Hypervisor } from '../../src/hypervisor.js';
import { startDaemon, type Daemon } from '../../src/daemon/index.js';
import { ARENA_PAGES, loadShmTransport, SHM_DIR } from '../../src/daemon/shm.js';
import { RawClient } from './raw-client.js';

const loaded = await loadShmTransport();
const transport = 'transport' in loaded ? loaded.transport : null;

let dir: string;
let daemon: Daemon | null = null;
let hv: Hypervisor;
const clients: RawClient[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xenmem-shm-'));
  hv = new Hypervisor({ release: '4.22' });
  await hv.createDomain({ domid: 1, maxGpfn: 0xfffff, vcpus: 2 });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.socket.destroy();
  await daemon?.close();
  daemon = null;
  rmSync(dir, { recursive: true, force: true });
});

async function serve(options: { shm?: boolean; shmPollUs?: number } = {}): Promise<Daemon> {
  daemon = await startDaemon({ socketPath: join(dir, 'sim.sock'), hypervisor: hv, trace: join(dir, 'trace.jsonl'), ...options });
  return daemon;
}

async function client(caller = 0): Promise<RawClient> {
  const c = await RawClient.open(daemon!.address, caller);
  clients.push(c);
  return c;
}

const json = <T>(f: Frame | null): T => {
  expect(f?.kind).toBe(FrameKind.json);
  return decodeJson(f!.payload, 'reply') as unknown as T;
};
const errorOf = (f: Frame | null): ErrorBody => {
  expect(f?.kind).toBe(FrameKind.error);
  return decodeJson(f!.payload, 'error') as unknown as ErrorBody;
};

async function dmOp(c: RawClient, domid: number, buf: Uint8Array) {
  const reply = await c.request(FrameKind.dmOp, encodeDmOpRequest({ domid, bufs: [buf] }));
  return decodeHypercallDone(reply.payload);
}

/** Creates, sets up (port range 0x3f8–0x3ff) and enables a server on domain 1; returns its id. */
async function server(c: RawClient, bufioreq = 0): Promise<number> {
  const created = await dmOp(c, 1, encodeDmOp('create_ioreq_server', { handle_bufioreq: bufioreq }));
  expect(created.rc).toBe(0);
  const id = (decodeDmOp(created.bufs[0]!).payload as { id: number }).id;
  expect((await dmOp(c, 1, encodeDmOp('map_io_range_to_ioreq_server', { id, type: 0, start: 0x3f8n, end: 0x3ffn }))).rc).toBe(0);
  return id;
}

describe.skipIf(transport === null)('the shared-memory arena', () => {
  it('is a 0600 file of 8192 pages under /dev/shm while the daemon runs, removed at close', async () => {
    const d = await serve();
    expect('path' in d.shm).toBe(true);
    const path = (d.shm as { path: string }).path;
    expect(path.startsWith(`${SHM_DIR}/xenmem-${process.pid}-`)).toBe(true);
    const st = statSync(path);
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.size).toBe(ARENA_PAGES * 4096);
    await d.close();
    daemon = null;
    expect(existsSync(path)).toBe(false);
  });

  it("moves existing servers' pages in at start and back to plain memory at close, bytes unchanged", async () => {
    const before = await hv.dmOp(0, 1, [encodeDmOp('create_ioreq_server', { handle_bufioreq: 1 })]);
    expect(before.rc).toBe(0);
    const pages = await hv.acquireResource(0, 1, 0, 0, 0, 2);
    expect(pages.rc).toBe(0);
    pages.pages[1]!.write(100, Uint8Array.of(1, 2, 3));
    pages.pages[0]!.write(8, Uint8Array.of(9));
    const d = await serve();
    const arenaPath = (d.shm as { path: string }).path;
    // A page view handed out before the move follows the page into the arena.
    const region = transport!.ShmRegion.open(arenaPath);
    const c = await client();
    json(await c.request(FrameKind.shmOpen));
    const mapped = decodePages((await c.request(FrameKind.acquireResource, encodeAcquireResource({ domid: 1, type: 0, id: 0, frame: 1, nrFrames: 1 }))).payload);
    const { offset } = json<{ offset: number }>(await c.request(FrameKind.shmPage, encodePageHandle(mapped.pages[0]!.handle)));
    expect([...region.bytes.subarray(offset + 100, offset + 103)]).toEqual([1, 2, 3]);
    region.bytes[offset + 200] = 0x5a; // the device model writes into the arena …
    expect(pages.pages[1]!.read(200, 1)).toEqual(Uint8Array.of(0x5a)); // … and the hypervisor's page is that memory
    region.close();
    await d.close();
    daemon = null;
    expect(pages.pages[1]!.read(100, 3)).toEqual(Uint8Array.of(1, 2, 3));
    expect(pages.pages[1]!.read(200, 1)).toEqual(Uint8Array.of(0x5a));
    expect(pages.pages[0]!.read(8, 1)).toEqual(Uint8Array.of(9));
  });

  it('shm_open: welcome says shm, the reply names the arena and a doorbell page, the same one when asked again', async () => {
    const d = await serve();
    const c = await RawClient.open(d.address);
    clients.push(c);
    const welcome = decodeJson((await c.request(FrameKind.hello, encodeHello({ protocol: WIRE_PROTOCOL_VERSION, caller: 0 }))).payload, 'welcome') as unknown as Welcome;
    expect(welcome).toEqual({ protocol: 1, release: '4.22', shm: true, xenstore: `${d.address}.xenstore` });
    const first = json<{ path: string; size: number; doorbell: number }>(await c.request(FrameKind.shmOpen));
    expect(first).toEqual({ path: (d.shm as { path: string }).path, size: ARENA_PAGES * 4096, doorbell: expect.any(Number) });
    expect(first.doorbell % 4096).toBe(0);
    expect(json(await c.request(FrameKind.shmOpen))).toEqual(first);
    const other = json<{ doorbell: number }>(await (await client()).request(FrameKind.shmOpen));
    expect(other.doorbell).not.toBe(first.doorbell);
  });

  it('refuses shm_open on a restricted connection (EPERM) and restrict after shm_open (rc -EPERM)', async () => {
    await serve();
    const restricted = await client();
    expect(decodeStatus((await restricted.request(FrameKind.restrict, encodeRestrict(1))).payload)).toBe(0);
    expect(errorOf(await restricted.request(FrameKind.shmOpen))).toMatchObject({ errno: 1, message: expect.stringMatching(/restricted to domain 1/) });
    const open = await client();
    json(await open.request(FrameKind.shmOpen));
    expect(decodeStatus((await open.request(FrameKind.restrict, encodeRestrict(1))).payload)).toBe(-1);
  });

  it('shm_page: an ioreq page gives its offset; a guest RAM page ENOENT; before shm_open EINVAL; an unknown handle an error', async () => {
    await serve();
    const c = await client();
    const id = await server(c);
    const pages = decodePages((await c.request(FrameKind.acquireResource, encodeAcquireResource({ domid: 1, type: 0, id, frame: 1, nrFrames: 1 }))).payload);
    expect(errorOf(await c.request(FrameKind.shmPage, encodePageHandle(pages.pages[0]!.handle)))).toMatchObject({ errno: 22, message: expect.stringMatching(/shm_open comes first/) });
    json(await c.request(FrameKind.shmOpen));
    const { offset } = json<{ offset: number }>(await c.request(FrameKind.shmPage, encodePageHandle(pages.pages[0]!.handle)));
    expect(offset % 4096).toBe(0);
    const ram = decodePages((await c.request(FrameKind.mapForeignGfn, encodeMapForeignGfn({ domid: 1, gfn: 0x100n }))).payload);
    expect(ram.rc).toBe(0);
    expect(errorOf(await c.request(FrameKind.shmPage, encodePageHandle(ram.pages[0]!.handle)))).toMatchObject({ errno: 2, message: expect.stringMatching(/does not live in the arena/) });
    expect(errorOf(await c.request(FrameKind.shmPage, encodePageHandle(999)))).toMatchObject({ message: expect.stringMatching(/no page with handle 999/) });
  });

  it.each([0, 300])('carries a request and its response through the arena and the doorbell, with no page_update or event frame (shmPollUs %i)', async (shmPollUs) => {
    const d = await serve({ shmPollUs });
    const c = await client();
    const id = await server(c);
    const { doorbell } = json<{ doorbell: number }>(await c.request(FrameKind.shmOpen));
    const pages = decodePages((await c.request(FrameKind.acquireResource, encodeAcquireResource({ domid: 1, type: 0, id, frame: 1, nrFrames: 1 }))).payload);
    const { offset } = json<{ offset: number }>(await c.request(FrameKind.shmPage, encodePageHandle(pages.pages[0]!.handle)));
    expect((await dmOp(c, 1, encodeDmOp('set_ioreq_server_state', { id, enabled: 1 }))).rc).toBe(0);
    const region = transport!.ShmRegion.open((d.shm as { path: string }).path);
    const view = new DataView(region.bytes.buffer, region.bytes.byteOffset + offset, 4096);
    const remote = view.getUint32(24, true); // vCPU 0's vp_eport
    const bound = decodePort((await c.request(FrameKind.bindInterdomain, encodeBindInterdomain({ remoteDomid: 1, remotePort: remote }))).payload);
    expect(bound.rc).toBe(0);
    c.frames.length = 0;

    const guest = await client();
    const accessId = guest.send(FrameKind.guestAccess, encodeJson(guestAccessToJson({ domid: 1, vcpu: 0, kind: 'in', addr: 0x3f9n, size: 1 })));
    // The request shows up in the arena and the port on the doorbell.
    const seq = doorbellSeqOffset(doorbell, 'toClient');
    const deadline = Date.now() + 5000;
    while (region.load(seq) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(region.load(seq)).toBe(1);
    expect(doorbellTake(region, doorbell, 'toClient')).toEqual([bound.localPort]);
    expect(view.getUint8(30) & 0x0f).toBe(1); // STATE_IOREQ_READY
    expect(view.getBigUint64(0, true)).toBe(0x3f9n); // addr
    // Respond in place: data, then state IORESP_READY, then the doorbell.
    view.setBigUint64(8, 0xabn, true);
    view.setUint8(30, (view.getUint8(30) & 0xf0) | 3);
    expect(doorbellPost(region, doorbell, 'toDaemon', bound.localPort)).toBe(true);
    const reply = json<{ outcome: string; value: string }>(await guest.take((f) => f.id === accessId));
    expect(reply).toMatchObject({ outcome: 'ioreq', value: '0xab' });
    expect(c.frames.filter((f) => f.kind === FrameKind.pageUpdate || f.kind === FrameKind.event)).toEqual([]);
    region.close();
  });

  it('drops a doorbell notification on a port the connection did not bind, and goes on', async () => {
    const d = await serve();
    const c = await client();
    const { doorbell } = json<{ doorbell: number }>(await c.request(FrameKind.shmOpen));
    const region = transport!.ShmRegion.open((d.shm as { path: string }).path);
    doorbellPost(region, doorbell, 'toDaemon', 77);
    doorbellPost(region, doorbell, 'toDaemon', DOORBELL.ports - 1);
    const deadline = Date.now() + 5000;
    while (region.load(doorbell + DOORBELL.toDaemonSummary) !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    region.close();
    expect((await dmOp(c, 1, encodeDmOp('create_ioreq_server', { handle_bufioreq: 0 }))).rc).toBe(0);
    await d.close();
    daemon = null;
    const { readFileSync } = await import('node:fs');
    const lines = readFileSync(join(dir, 'trace.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l.call === 'notify')).toEqual([
      expect.objectContaining({ port: 77, rc: -22, via: 'doorbell' }),
      expect.objectContaining({ port: DOORBELL.ports - 1, rc: -22, via: 'doorbell' }),
    ]);
  });

  it("removes an arena left by a daemon that no longer runs, and leaves a live one's", async () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(gone.stdout.toString());
    const stale = join(SHM_DIR, `xenmem-${deadPid}-deadbeef`);
    const live = join(SHM_DIR, `xenmem-${process.ppid}-0badcafe`);
    writeFileSync(stale, '');
    writeFileSync(live, '');
    try {
      await serve();
      expect(existsSync(stale)).toBe(false);
      expect(existsSync(live)).toBe(true);
    } finally {
      rmSync(stale, { force: true });
      rmSync(live, { force: true });
    }
  });
});

describe('shmPollUs', () => {
  it.each([-1, 1001, 1.5, Number.NaN, '10'])('refuses %s, naming shmPollUs, and leaves no socket or arena behind', async (bad) => {
    const socketPath = join(dir, 'sim.sock');
    await expect(startDaemon({ socketPath, hypervisor: hv, shmPollUs: bad as number })).rejects.toThrow(/^shmPollUs .* must be an integer 0 … 1000 \(µs\)$/);
    expect(existsSync(socketPath)).toBe(false);
  });
});

describe('without shared memory', () => {
  it('shm: false: welcome says shm false, shm_open is EOPNOTSUPP naming why, the hypervisor keeps plain pages', async () => {
    const d = await serve({ shm: false });
    expect(d.shm).toEqual({ reason: 'turned off (shm: false)' });
    const c = await RawClient.open(d.address);
    clients.push(c);
    const welcome = decodeJson((await c.request(FrameKind.hello, encodeHello({ protocol: WIRE_PROTOCOL_VERSION, caller: 0 }))).payload, 'welcome') as unknown as Welcome;
    expect(welcome.shm).toBe(false);
    expect(errorOf(await c.request(FrameKind.shmOpen))).toEqual({ errno: 95, message: 'shm_open: EOPNOTSUPP (the daemon offers no shared memory: turned off (shm: false))' });
    const id = await server(c);
    const pages = decodePages((await c.request(FrameKind.acquireResource, encodeAcquireResource({ domid: 1, type: 0, id, frame: 1, nrFrames: 1 }))).payload);
    expect(pages.rc).toBe(0);
    expect(errorOf(await c.request(FrameKind.shmPage, encodePageHandle(pages.pages[0]!.handle))).errno).toBe(22);
  });
});
