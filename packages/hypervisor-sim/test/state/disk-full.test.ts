/**
 * A daemon with a state file on a full disk (docs/reliability.md "Disk full"): a change whose journal record
 * cannot be written is answered with EIO (errno 5, reason `state-not-durable`) and undone, so the running state
 * stays exactly the acknowledged one — for every request of a refused group, whatever its kind, on the main
 * socket and the xenstore socket alike; once there is room again requests succeed, and a restart restores
 * exactly what was acknowledged. A request still running when that happened is refused too if the rollback undid
 * something its call had changed, and only then. The disk is a small tmpfs the file mounts before its tests and
 * unmounts after them (root; see tmpfs.ts).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, type TestContext } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONST, ERRNO, decodeDmOp, encodeDmOp, encodeStruct, limitAt } from '@xenmem/abi-types';
import {
  FrameKind,
  daemonReason,
  decodeHypercallDone,
  decodeJson,
  decodeStatus,
  encodeDmOpRequest,
  encodeJson,
  guestAccessResultFromJson,
  ioreqAnswerToJson,
  ioreqRequestFromJson,
  seedP2mToJson,
  setIoreqHandlerToJson,
  type ErrorBody,
  type Frame,
  type IoreqRequestBody,
} from '@xenmem/sim-protocol';
import { Hypervisor } from '../../src/hypervisor.js';
import { startDaemon, type Daemon } from '../../src/daemon/index.js';
import { checkInvariants, encodeState, snapshot } from '../../src/state/index.js';
import { RawClient } from '../daemon/raw-client.js';
import { XsRawClient } from '../xenstore/xs-raw-client.js';
import { mountTmpfs, tmpfsRequired, unmountTmpfs } from './tmpfs.js';
import { P2M_RAM_RO, P2M_RAM_RW } from '../../src/p2m-types.js';

const T = CONST.xs_wire_type;
const HVMMEM_RAM_RO = 1;

const mnt = join(tmpdir(), `xenmem-full-${process.pid}`);
/** Why the tmpfs is not mounted (null once it is). */
let why: string | null = 'not mounted yet';
beforeAll(() => {
  why = mountTmpfs(mnt, '512k');
  // CI=true runs as root: there a tmpfs that does not mount fails every test of the file.
  if (why !== null && tmpfsRequired) throw new Error(`the tmpfs must mount under CI=true: ${why}`);
});
/** Skips the running test, saying why, when the tmpfs could not be mounted here. */
const needTmpfs = (t: TestContext) => t.skip(why !== null, `cannot run here: ${why}`);

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
  // Each test starts with an empty disk, even after one that failed while the disk was full.
  if (why === null) for (const name of readdirSync(mnt)) rmSync(join(mnt, name), { recursive: true, force: true });
});
afterAll(async () => {
  try {
    for (const c of clients.splice(0)) await c.end();
    await daemon?.close();
  } finally {
    if (why === null) unmountTmpfs(mnt);
  }
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
/** The reply of a request still running when a rollback undid part of what its call had changed. */
const PARTLY = {
  errno: ERRNO.EIO.value,
  message: 'the request was partly undone: a write failed while the request ran and undid what it had changed until then; what it changed afterwards was written',
  reason: daemonReason('state-not-durable'),
};

const errorOf = (f: Frame | null) => {
  expect(f?.kind).toBe(FrameKind.error);
  return decodeJson(f!.payload, 'error') as unknown as ErrorBody;
};

/** Fills the tmpfs, then retypes one page at a time until one is refused (the journal's last page had room for a few). */
async function fillUntilRefused(c: RawClient): Promise<string> {
  const filler = fill();
  for (let i = 0; i < 4096; i++) {
    const f = await c.request(FrameKind.dmOp, setMemType(0x10000 + 2 * i));
    if (f.kind === FrameKind.error) {
      expect(decodeJson(f.payload, 'error')).toEqual(REFUSED);
      return filler;
    }
  }
  throw new Error('4096 one-page retypes fitted on the full disk');
}

/** The next ioreq the daemon forwards to a connection playing the device model. */
async function nextRequest(c: RawClient): Promise<IoreqRequestBody> {
  const f = await c.take((x) => x.kind === FrameKind.ioreqRequest);
  return ioreqRequestFromJson(decodeJson(f!.payload, 'ioreq_request')!);
}

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

describe('a daemon whose state file is on a full disk', () => {
  it('answers EIO to each change it cannot write, keeps the acknowledged state, goes on once there is room, and restarts into it', async (t) => {
    needTmpfs(t);
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
    for (let i = 0; i < 4096 && !refused; i++) {
      const f = await c.request(FrameKind.dmOp, setMemType(0x10000 + 2 * i));
      if (f.kind === FrameKind.error) refused = decodeJson(f.payload, 'error') as unknown as ErrorBody;
      else {
        expect(done(f).rc).toBe(0);
        acknowledged = stateText(hv);
        seen = await views(c);
      }
    }
    expect(refused).toEqual(REFUSED);
    expect(stateText(hv)).toBe(acknowledged);
    expect(await views(c)).toEqual(seen);

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

  it('refuses a preempted set_mem_type whose first chunks a rollback undid ("partly undone") and writes its later ones', async (t) => {
    needTmpfs(t);
    const statePath = join(mnt, 'long.json');
    const hv = new Hypervisor({ release: '4.22', preempt: 'always' });
    daemon = await startDaemon({ socketPath: join(dir, 'sim.sock'), hypervisor: hv, statePath, shm: false });
    const c = await RawClient.open(daemon.address, 0);
    clients.push(c);
    expect((await c.request(FrameKind.createDomain, encodeJson({ domid: 1, maxGpfn: 0xfffff }))).kind).toBe(FrameKind.json);
    const filler = await fillUntilRefused(c);
    // Pipelined: the long retype records its first chunk when it first pauses, before the one-page retype runs.
    // The disk is full, so that record is refused with the one-page retype's, and both are undone.
    const [first, nr] = [0x20000, 0xc0000];
    const long = c.send(FrameKind.dmOp, dmOpFrame(1, 'set_mem_type', { mem_type: HVMMEM_RAM_RO, first_pfn: BigInt(first), nr }));
    const short = c.send(FrameKind.dmOp, setMemType(0x1));
    expect(errorOf(await c.take((m) => m.id === short))).toEqual(REFUSED);
    // Room again while the long one still runs (one chunk of 256 pages per turn of the event loop, 3072 chunks).
    rmSync(filler);
    expect(errorOf(await c.take((m) => m.id === long, 60_000))).toEqual(PARTLY);
    const typeAt = (h: Hypervisor, gfn: number) => h.domain(1)!.p2m.runs(gfn, 1)[0]!.type;
    expect([0x1, first, first + nr - 1].map((gfn) => typeAt(hv, gfn))).toEqual([P2M_RAM_RW, P2M_RAM_RW, P2M_RAM_RO]);
    // What it changed after the rollback was written: a restart restores exactly the running state.
    const running = stateText(hv);
    for (const cl of clients.splice(0)) await cl.end();
    await daemon.close();
    const again = new Hypervisor({ release: '4.22' });
    daemon = await startDaemon({ socketPath: join(dir, 'sim.sock'), hypervisor: again, statePath, shm: false });
    expect(stateText(again)).toBe(running);
  });

  it('answers a guest read that waited for its device model across a rollback as usual, and refuses a 0xcf8 write whose latch the rollback undid', async (t) => {
    needTmpfs(t);
    const hv = new Hypervisor({ release: '4.22' });
    daemon = await startDaemon({ socketPath: join(dir, 'sim.sock'), hypervisor: hv, statePath: join(mnt, 'access.json'), shm: false });
    const c = await RawClient.open(daemon.address, 0);
    clients.push(c);
    // RAM below 0xe0000000: the server's MMIO range is a hole, emulated; its ports are 0xcf8–0xcff.
    expect((await c.request(FrameKind.createDomain, encodeJson({ domid: 1, maxGpfn: 0xdffff, vcpus: 2 }))).kind).toBe(FrameKind.json);
    const server = done(await c.request(FrameKind.dmOp, dmOpFrame(1, 'create_ioreq_server', { handle_bufioreq: 0 }))).payload.id as number;
    expect(done(await c.request(FrameKind.dmOp, dmOpFrame(1, 'map_io_range_to_ioreq_server', { id: server, type: 1, start: 0xe0000000n, end: 0xe0000fffn }))).rc).toBe(0);
    expect(done(await c.request(FrameKind.dmOp, dmOpFrame(1, 'map_io_range_to_ioreq_server', { id: server, type: 0, start: 0xcf8n, end: 0xcffn }))).rc).toBe(0);
    expect(done(await c.request(FrameKind.dmOp, dmOpFrame(1, 'set_ioreq_server_state', { id: server, enabled: 1 }))).rc).toBe(0);
    // This connection plays the device model: the accesses wait for its answers.
    const handler = await c.request(FrameKind.setIoreqHandler, encodeJson(setIoreqHandlerToJson(true)));
    expect([handler.kind, decodeStatus(handler.payload)]).toEqual([FrameKind.status, 0]);
    const filler = await fillUntilRefused(c);
    const acknowledged = stateText(hv);

    // A read changes nothing before it waits.
    const read = c.send(FrameKind.guestAccess, encodeJson({ domid: 1, vcpu: 0, kind: 'read', addr: '0xe0000000', size: 4 }));
    const readRequest = await nextRequest(c);
    // A port write to 0xcf8 latches the address (kept state), then waits: the latch is recorded when it pauses.
    const cf8 = c.send(FrameKind.guestAccess, encodeJson({ domid: 1, vcpu: 1, kind: 'out', addr: '0xcf8', size: 4, value: '0x80001810' }));
    const cf8Request = await nextRequest(c);
    // A one-page retype queued behind that record: refused with it, after the rollback that undid both.
    expect(errorOf(await c.request(FrameKind.dmOp, setMemType(0x1)))).toEqual(REFUSED);
    expect(stateText(hv)).toBe(acknowledged);

    c.send(FrameKind.ioreqAnswer, encodeJson(ioreqAnswerToJson({ id: readRequest.id, data: 0x1234n })));
    const readReply = (await c.take((m) => m.id === read))!;
    expect(readReply.kind).toBe(FrameKind.json);
    expect(guestAccessResultFromJson(decodeJson(readReply.payload, 'json')!)).toEqual({ outcome: 'ioreq', value: 0x1234n, ioreqs: [{ ...readRequest.request, data: 0x1234n }] });
    c.send(FrameKind.ioreqAnswer, encodeJson(ioreqAnswerToJson({ id: cf8Request.id, data: undefined })));
    expect(errorOf(await c.take((m) => m.id === cf8))).toEqual(PARTLY);
    expect(stateText(hv)).toBe(acknowledged);
    rmSync(filler);
  });

  it('keeps the reply of a preempted call that changed nothing across a rollback, its own error included', async (t) => {
    needTmpfs(t);
    // 4.16: track_dirty_vram turns log-dirty mode on, so modified_memory walks its extents (marks are not kept).
    const hv = new Hypervisor({ release: '4.16', preempt: 'always' });
    daemon = await startDaemon({ socketPath: join(dir, 'sim.sock'), hypervisor: hv, statePath: join(mnt, 'marks.json'), shm: false });
    const c = await RawClient.open(daemon.address, 0);
    clients.push(c);
    expect((await c.request(FrameKind.createDomain, encodeJson({ domid: 1, maxGpfn: 0xfffff }))).kind).toBe(FrameKind.json);
    const vram = await c.request(FrameKind.dmOp, encodeDmOpRequest({ domid: 1, bufs: [encodeDmOp('track_dirty_vram', { first_pfn: 0n, nr: 8 }), new Uint8Array(1)] }));
    expect(done(vram).rc).toBe(0);
    const filler = await fillUntilRefused(c);
    const acknowledged = stateText(hv);
    // Walked from the last extent down: a long one (a continuation every 256 pages), then one past the p2m (EINVAL).
    const nr = 0x80000;
    const extents = new Uint8Array(32);
    extents.set(encodeStruct('xen_dm_op_modified_memory_extent', { first_pfn: 0xfffffn, nr: 1 }), 0);
    extents.set(encodeStruct('xen_dm_op_modified_memory_extent', { first_pfn: 0x20000n, nr }), 16);
    const marks = c.send(FrameKind.dmOp, encodeDmOpRequest({ domid: 1, bufs: [encodeDmOp('modified_memory', { nr_extents: 2 }), extents] }));
    // A change while it runs is refused: a rollback happens while the call is between chunks.
    expect(errorOf(await c.request(FrameKind.dmOp, setMemType(0x1)))).toEqual(REFUSED);
    const reply = (await c.take((m) => m.id === marks, 60_000))!;
    expect(reply.kind, JSON.stringify(reply.kind === FrameKind.error ? decodeJson(reply.payload, 'error') : null)).toBe(FrameKind.hypercallDone);
    const outcome = decodeHypercallDone(reply.payload);
    // The failing extent's index + 1 goes back in nr_extents.
    expect({ rc: outcome.rc, continuations: outcome.continuations, progress: outcome.progress, header: decodeDmOp(outcome.bufs[0]!).payload }).toEqual({
      rc: -ERRNO.EINVAL.value,
      continuations: nr / limitAt('modifiedMemoryPreemptInterval', '4.16')!.value,
      progress: nr,
      header: expect.objectContaining({ nr_extents: 1, opaque: 0 }),
    });
    expect(stateText(hv)).toBe(acknowledged);
    rmSync(filler);
  });
});
