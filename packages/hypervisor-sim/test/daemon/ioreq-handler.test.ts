/** The daemon forwards ioreqs to a client's handler: set_ioreq_handler, ioreq_request, ioreq_answer (docs/protocol.md "Ioreq handlers"). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeDmOp, encodeDmOp } from '@xenmem/abi-types';
import {
  FrameKind,
  decodeHypercallDone,
  decodeJson,
  decodeStatus,
  encodeDmOpRequest,
  encodeJson,
  encodeRestrict,
  guestAccessResultFromJson,
  ioreqAnswerToJson,
  ioreqRequestFromJson,
  setIoreqHandlerToJson,
  type ErrorBody,
  type Frame,
  type GuestAccessResult,
  type IoreqRequestBody,
} from '@xenmem/sim-protocol';
import { Hypervisor } from '../../src/hypervisor.js';
import { startDaemon, type Daemon } from '../../src/daemon/index.js';
import { RawClient } from './raw-client.js';

let dir: string;
let daemon: Daemon | null = null;
let hv: Hypervisor;
const clients: RawClient[] = [];
const MMIO = 0xe0000000n;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xenmem-daemon-ioreq-'));
  hv = new Hypervisor({ release: '4.22' });
  // RAM below 0xe0000000: the servers' range is a hole, emulated.
  await hv.createDomain({ domid: 1, maxGpfn: 0xdffff, vcpus: 2 });
  await hv.createDomain({ domid: 2, maxGpfn: 0xdffff, dm: 3 });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.socket.destroy();
  await daemon?.close();
  daemon = null;
  rmSync(dir, { recursive: true, force: true });
});

async function serve(options: { trace?: string } = {}): Promise<void> {
  daemon = await startDaemon({ socketPath: join(dir, 'sim.sock'), hypervisor: hv, ...options });
}

async function client(caller: number): Promise<RawClient> {
  const c = await RawClient.open(daemon!.address, caller);
  clients.push(c);
  return c;
}

async function dmOp(c: RawClient, domid: number, buf: Uint8Array) {
  const reply = await c.request(FrameKind.dmOp, encodeDmOpRequest({ domid, bufs: [buf] }));
  expect(reply.kind).toBe(FrameKind.hypercallDone);
  return decodeHypercallDone(reply.payload);
}

/** An enabled server of `domid` created by `c`'s caller, for MMIO 0xe0000000–0xe0000fff (no pages mapped: no device model attached). */
async function server(c: RawClient, domid: number, bufioreq = 0): Promise<number> {
  const created = await dmOp(c, domid, encodeDmOp('create_ioreq_server', { handle_bufioreq: bufioreq }));
  expect(created.rc).toBe(0);
  const id = (decodeDmOp(created.bufs[0]!).payload as { id: number }).id;
  expect((await dmOp(c, domid, encodeDmOp('map_io_range_to_ioreq_server', { id, type: 1, start: MMIO, end: MMIO + 0xfffn }))).rc).toBe(0);
  expect((await dmOp(c, domid, encodeDmOp('set_ioreq_server_state', { id, enabled: 1 }))).rc).toBe(0);
  return id;
}

async function setHandler(c: RawClient, enabled: boolean): Promise<void> {
  const reply = await c.request(FrameKind.setIoreqHandler, encodeJson(setIoreqHandlerToJson(enabled)));
  expect(reply.kind).toBe(FrameKind.status);
  expect(decodeStatus(reply.payload)).toBe(0);
}

/** Sends a guest access; resolves with its result once the reply comes. */
function access(c: RawClient, body: Record<string, unknown>): { id: number; done: Promise<GuestAccessResult> } {
  const id = c.send(FrameKind.guestAccess, encodeJson(body));
  const done = c.take((f) => f.id === id && f.kind < 0xa0).then((f) => {
    expect(f?.kind).toBe(FrameKind.json);
    return guestAccessResultFromJson(decodeJson(f!.payload, 'json')!);
  });
  return { id, done };
}

const read = (domid: number, extra: Record<string, unknown> = {}) => ({ domid, vcpu: 0, kind: 'read', addr: `0x${MMIO.toString(16)}`, size: 4, ...extra });

async function nextRequest(c: RawClient, timeoutMs?: number): Promise<IoreqRequestBody> {
  const f = await c.take((x) => x.kind === FrameKind.ioreqRequest, timeoutMs);
  expect(f?.id).toBe(0);
  return ioreqRequestFromJson(decodeJson(f!.payload, 'ioreq_request')!);
}

function answer(c: RawClient, id: number, data: bigint | undefined): number {
  return c.send(FrameKind.ioreqAnswer, encodeJson(ioreqAnswerToJson({ id, data })));
}

const errorOf = (f: Frame | null) => {
  expect(f?.kind).toBe(FrameKind.error);
  return decodeJson(f!.payload, 'error') as unknown as ErrorBody;
};

describe('forwarding to a client handler', () => {
  it('a read waits for the answer (pending meanwhile), and the answer is what the guest reads', async () => {
    await serve();
    const c = await client(0);
    const id = await server(c, 1);
    await setHandler(c, true);
    const a = access(c, read(1));
    const req = await nextRequest(c);
    expect(req).toEqual({ id: req.id, domid: 1, vcpu: 0, emulator: 0, request: { server: id, type: 'copy', dir: 'read', addr: MMIO, size: 4, count: 1, data: 0n, df: false, buffered: false } });
    // The vCPU is blocked: the request is pending, and the access has no reply yet.
    expect((await hv.inspect(1)).pending).toEqual([{ vcpu: 0, server: id, request: req.request }]);
    expect(c.frames.some((f) => f.id === a.id)).toBe(false);
    answer(c, req.id, 0x1234_5678_9abcn); // wider than the access: cut to its size, as in process
    expect(await a.done).toEqual({ outcome: 'ioreq', value: 0x56789abcn, ioreqs: [{ ...req.request, data: 0x56789abcn }] });
    expect((await hv.inspect(1)).pending).toEqual([]);
  });

  it('writes are forwarded too; an answer of none is the default (all ones for a read)', async () => {
    await serve();
    const c = await client(0);
    await server(c, 1);
    await setHandler(c, true);
    const w = access(c, { domid: 1, vcpu: 0, kind: 'write', addr: '0xe0000008', size: 2, value: '0xbeef' });
    const req = await nextRequest(c);
    expect(req.request).toMatchObject({ dir: 'write', addr: 0xe0000008n, size: 2, data: 0xbeefn });
    answer(c, req.id, undefined);
    expect((await w.done).outcome).toBe('ioreq');
    const r = access(c, read(1, { size: 2 }));
    answer(c, (await nextRequest(c)).id, undefined);
    expect((await r.done).value).toBe(0xffffn);
  });

  it('while one vCPU waits, its other accesses queue, other vCPUs and connections go on', async () => {
    await serve();
    const c = await client(0);
    await server(c, 1);
    await setHandler(c, true);
    const first = access(c, read(1));
    const req = await nextRequest(c);
    const sameVcpu = access(c, { domid: 1, vcpu: 0, kind: 'read', addr: '0x1000', size: 4 });
    const otherVcpu = access(c, { domid: 1, vcpu: 1, kind: 'read', addr: '0x1000', size: 4 });
    expect((await otherVcpu.done).outcome).toBe('ram');
    const other = await client(0);
    expect(decodeJson((await other.request(FrameKind.inspect, encodeJson({ domid: 1 }))).payload, 'inspect')).toMatchObject({ domid: 1 });
    expect(c.frames.some((f) => f.id === sameVcpu.id)).toBe(false);
    answer(c, req.id, 7n);
    expect((await first.done).value).toBe(7n);
    expect((await sameVcpu.done).outcome).toBe('ram');
  });

  it('goes to the connection whose caller is the server\'s emulator, the most recent handler first', async () => {
    await serve();
    const control = await client(0);
    const dm3 = await client(3);
    await server(dm3, 2); // domain 3 is domain 2's device model
    await setHandler(control, true); // caller 0 did not create it: nothing forwarded there
    const r = access(control, read(2));
    expect((await r.done).value).toBe(0xffffffffn);
    const older = await client(3);
    await setHandler(older, true);
    await setHandler(dm3, true);
    const q = access(control, read(2));
    const req = await nextRequest(dm3);
    expect(req).toMatchObject({ domid: 2, emulator: 3 });
    answer(dm3, req.id, 0x42n);
    expect((await q.done).value).toBe(0x42n);
    expect(older.frames.some((f) => f.kind === FrameKind.ioreqRequest)).toBe(false);
    expect(control.frames.some((f) => f.kind === FrameKind.ioreqRequest)).toBe(false);
    // Off: the next most recent handler of that caller takes over.
    await setHandler(dm3, false);
    const s = access(control, read(2));
    const again = await nextRequest(older);
    answer(older, again.id, 0x43n);
    expect((await s.done).value).toBe(0x43n);
  });

  it('a connection restricted to another domain is passed over', async () => {
    await serve();
    const c = await client(0);
    await server(c, 1);
    expect(decodeStatus((await c.request(FrameKind.restrict, encodeRestrict(2))).payload)).toBe(0);
    await setHandler(c, true);
    const other = await client(0);
    expect((await access(other, read(1)).done).value).toBe(0xffffffffn);
    expect(c.frames.some((f) => f.kind === FrameKind.ioreqRequest)).toBe(false);
  });

  it('a handler connection that closes with requests unanswered: they get the default, and so do later ones', async () => {
    await serve();
    const dm = await client(0);
    await server(dm, 1);
    await setHandler(dm, true);
    const control = await client(0);
    const a = access(control, read(1));
    await nextRequest(dm);
    await dm.end();
    expect(await a.done).toMatchObject({ outcome: 'ioreq', value: 0xffffffffn });
    expect((await access(control, read(1)).done).value).toBe(0xffffffffn);
    expect((await hv.inspect(1)).pending).toEqual([]);
  });

  it('destroying the server while the handler thinks completes the access as if the emulator died; a late answer is dropped', async () => {
    await serve();
    const c = await client(0);
    const id = await server(c, 1);
    await setHandler(c, true);
    const a = access(c, read(1));
    const req = await nextRequest(c);
    expect((await dmOp(c, 1, encodeDmOp('destroy_ioreq_server', { id }))).rc).toBe(0);
    expect((await a.done).value).toBe(0xffffffffn);
    // The forwarded request is still outstanding on the connection: its answer is taken (no error frame) and dropped.
    const sent = answer(c, req.id, 1n);
    expect((await c.request(FrameKind.inspect, encodeJson({ domid: 1 }))).kind).toBe(FrameKind.json);
    expect(c.frames.some((f) => f.id === sent)).toBe(false);
    expect((await hv.inspect(1)).pending).toEqual([]);
  });

  it('buffered writes are forwarded and the access completes once the handler has taken them', async () => {
    await serve();
    const c = await client(0);
    const created = await dmOp(c, 1, encodeDmOp('create_ioreq_server', { handle_bufioreq: 1 }));
    const id = (decodeDmOp(created.bufs[0]!).payload as { id: number }).id;
    expect((await dmOp(c, 1, encodeDmOp('map_io_range_to_ioreq_server', { id, type: 1, start: 0xa0000n, end: 0xbffffn }))).rc).toBe(0);
    expect((await dmOp(c, 1, encodeDmOp('set_ioreq_server_state', { id, enabled: 1 }))).rc).toBe(0);
    expect((await dmOp(c, 1, encodeDmOp('set_mem_type', { first_pfn: 0xa0n, nr: 0x20, mem_type: 2 }))).rc).toBe(0); // the VGA window: mmio_dm
    await setHandler(c, true);
    const w = access(c, { domid: 1, vcpu: 0, kind: 'write', addr: '0xa0010', size: 1, value: '0x7' });
    const req = await nextRequest(c);
    expect(req.request).toMatchObject({ server: id, dir: 'write', addr: 0xa0010n, data: 7n, buffered: true });
    expect(c.frames.some((f) => f.id === w.id)).toBe(false);
    answer(c, req.id, undefined);
    expect((await w.done).ioreqs).toEqual([req.request]);
  });
});

describe('bad forwarding frames', () => {
  it('an answer nobody waits for, or a malformed one, gets an error frame; the connection goes on', async () => {
    await serve();
    const c = await client(0);
    await server(c, 1);
    await setHandler(c, true);
    const unknown = answer(c, 99, 1n);
    expect(errorOf(await c.take((f) => f.id === unknown))).toMatchObject({ errno: 22, message: expect.stringMatching(/no forwarded ioreq with id 99/) });
    const a = access(c, read(1));
    const req = await nextRequest(c);
    const bad = c.send(FrameKind.ioreqAnswer, encodeJson({ id: req.id, data: 'lots' }));
    expect(errorOf(await c.take((f) => f.id === bad)).errno).toBe(22);
    const notBool = c.send(FrameKind.setIoreqHandler, encodeJson({ enabled: 'yes' }));
    expect(errorOf(await c.take((f) => f.id === notBool)).errno).toBe(22);
    answer(c, req.id, 5n);
    expect((await a.done).value).toBe(5n);
    const twice = answer(c, req.id, 5n);
    expect(errorOf(await c.take((f) => f.id === twice)).errno).toBe(22);
  });

  it('the trace records handler changes and forwarded requests', async () => {
    const trace = join(dir, 'trace.jsonl');
    await serve({ trace });
    const c = await client(0);
    await server(c, 1);
    await setHandler(c, true);
    const a = access(c, read(1));
    answer(c, (await nextRequest(c)).id, 3n);
    await a.done;
    await daemon!.close();
    daemon = null;
    const lines = readFileSync(trace, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.call === 'set_ioreq_handler')).toMatchObject({ conn: 1, caller: 0, enabled: true });
    expect(lines.find((l) => l.call === 'ioreq_forward')).toMatchObject({ conn: 1, caller: 0, domid: 1, vcpu: 0, dir: 'read', addr: '0xe0000000' });
  });
});
