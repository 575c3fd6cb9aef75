/** The daemon: socket file handling, callers and restrict, bad frames, disconnects, the trace. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ERRNO, InputError, decodeDmOp, encodeDmOp } from '@xenmem/abi-types';
import {
  FrameKind,
  decodeHypercallDone,
  decodeJson,
  decodeStatus,
  encodeDmOpRequest,
  encodeFrame,
  encodeJson,
  encodeRestrict,
  type ErrorBody,
  type Frame,
} from '@xenmem/sim-protocol';
import { Hypervisor } from '../../src/hypervisor.js';
import { startDaemon, type Daemon } from '../../src/daemon/index.js';
import { RawClient } from './raw-client.js';

let dir: string;
let daemon: Daemon | null = null;
let hv: Hypervisor;
const clients: RawClient[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xenmem-daemon-'));
  hv = new Hypervisor({ release: '4.22' });
  await hv.createDomain({ domid: 1, maxGpfn: 0xfffff, vcpus: 2 });
  await hv.createDomain({ domid: 2, maxGpfn: 0xfff, dm: 3 });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.socket.destroy();
  await daemon?.close();
  daemon = null;
  rmSync(dir, { recursive: true, force: true });
});

async function serve(options: { trace?: string } = {}): Promise<string> {
  const socketPath = join(dir, 'sim.sock');
  daemon = await startDaemon({ socketPath, hypervisor: hv, ...options });
  return socketPath;
}

async function client(caller?: number): Promise<RawClient> {
  const c = await RawClient.open(daemon!.address, caller);
  clients.push(c);
  return c;
}

const errorOf = (f: Frame | null) => {
  expect(f?.kind).toBe(FrameKind.error);
  return decodeJson(f!.payload, 'error') as unknown as ErrorBody;
};

/** A dm_op from a raw client; returns rc and the buffers copied back. */
async function dmOp(c: RawClient, domid: number, buf: Uint8Array) {
  const reply = await c.request(FrameKind.dmOp, encodeDmOpRequest({ domid, bufs: [buf] }));
  expect(reply.kind).toBe(FrameKind.hypercallDone);
  return decodeHypercallDone(reply.payload);
}

/** A socket file nobody listens on: its process was killed, so nothing removed it (as after a crashed daemon). */
function staleSocket(path: string): void {
  const script = `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`;
  spawnSync(process.execPath, ['-e', script]);
  expect(lstatSync(path).isSocket()).toBe(true);
}

const setMemType = (domid: number) => encodeDmOp('set_mem_type', { nr: 1, mem_type: 1, first_pfn: 0x10n });

describe('the socket file', () => {
  it('is created with mode 0600 and removed on close', async () => {
    const path = await serve();
    const st = lstatSync(path);
    expect({ socket: st.isSocket(), mode: st.mode & 0o777 }).toEqual({ socket: true, mode: 0o600 });
    await daemon!.close();
    daemon = null;
    expect(() => lstatSync(path)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it('refuses a path that exists and is not a socket, and leaves the file alone', async () => {
    const path = join(dir, 'sim.sock');
    writeFileSync(path, 'keep me');
    const err = await startDaemon({ socketPath: path, hypervisor: hv }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err).toMatchObject({ argument: 'socketPath', message: expect.stringContaining('is not a socket') });
    expect(readFileSync(path, 'utf8')).toBe('keep me');
  });

  it('refuses a symbolic link, even to a stale socket, and does not follow it', async () => {
    // A stale socket: bound, then its server closed without removing the file.
    const stale = join(dir, 'stale.sock');
    staleSocket(stale);
    const link = join(dir, 'sim.sock');
    symlinkSync(stale, link);
    const err = await startDaemon({ socketPath: link, hypervisor: hv }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'InputError', argument: 'socketPath', message: expect.stringContaining('symbolic link') });
    expect(readlinkSync(link)).toBe(stale);
    expect(lstatSync(stale).isSocket()).toBe(true);
    const dangling = join(dir, 'dangling.sock');
    symlinkSync(join(dir, 'nowhere'), dangling);
    await expect(startDaemon({ socketPath: dangling, hypervisor: hv })).rejects.toMatchObject({ argument: 'socketPath' });
  });

  it('replaces a stale socket, and refuses one a running daemon listens on', async () => {
    const path = join(dir, 'sim.sock');
    const s = createServer();
    await new Promise<void>((resolve) => s.listen(path, resolve));
    await expect(startDaemon({ socketPath: path, hypervisor: hv })).rejects.toMatchObject({ argument: 'socketPath', message: expect.stringContaining('in use') });
    await new Promise<void>((resolve) => s.close(() => resolve()));
    staleSocket(path);
    expect(lstatSync(path).isSocket()).toBe(true);
    daemon = await startDaemon({ socketPath: path, hypervisor: hv });
    const c = await client(0);
    expect((await dmOp(c, 1, setMemType(1))).rc).toBe(0);
  });
});

describe('callers and restrict', () => {
  it('applies Xen\'s permission rules to each connection\'s caller', async () => {
    await serve();
    const dm3 = await client(3);
    const dm4 = await client(4);
    expect((await dmOp(dm3, 2, setMemType(2))).rc).toBe(0); // domain 3 is domain 2's device model
    expect((await dmOp(dm4, 2, setMemType(2))).rc).toBe(-ERRNO.EPERM.value);
    expect((await dmOp(dm3, 1, setMemType(1))).rc).toBe(-ERRNO.EPERM.value);
    expect((await hv.inspect(2)).p2m.find((r) => r.first === 0x10n)).toMatchObject({ count: 1n, name: 'p2m_ram_ro' });
  });

  it('copies results back into the buffers, as Xen does', async () => {
    await serve();
    const c = await client(0);
    const done = await dmOp(c, 1, encodeDmOp('create_ioreq_server', { handle_bufioreq: 2 }));
    expect(done.rc).toBe(0);
    expect(decodeDmOp(done.bufs[0]!).payload).toMatchObject({ handle_bufioreq: 2, id: 0 });
  });

  it('restrict locks a connection to one domain: frames naming another get EPERM', async () => {
    await serve();
    const c = await client(0);
    expect(decodeStatus((await c.request(FrameKind.restrict, encodeRestrict(1))).payload)).toBe(0);
    expect((await dmOp(c, 1, setMemType(1))).rc).toBe(0);
    expect((await dmOp(c, 2, setMemType(2))).rc).toBe(-ERRNO.EPERM.value);
    expect(errorOf(await c.request(FrameKind.inspect, encodeJson({ domid: 2 })))).toMatchObject({ errno: ERRNO.EPERM.value });
    expect(decodeJson((await c.request(FrameKind.inspect, encodeJson({ domid: 1 }))).payload, 'inspect')).toMatchObject({ domid: 1 });
    // privcmd: restricting again to the same domain is a no-op, to another EINVAL.
    expect(decodeStatus((await c.request(FrameKind.restrict, encodeRestrict(1))).payload)).toBe(0);
    expect(decodeStatus((await c.request(FrameKind.restrict, encodeRestrict(2))).payload)).toBe(-ERRNO.EINVAL.value);
    // Another connection of the same caller is not restricted.
    expect((await dmOp(await client(0), 2, setMemType(2))).rc).toBe(0);
  });

  it('list_domains: the live domains but 0, ascending; a restricted connection sees only its own', async () => {
    await serve();
    const list = async (c: RawClient) => decodeJson((await c.request(FrameKind.listDomains, encodeJson({}))).payload, 'list_domains');
    const c = await client(0);
    expect(await list(c)).toEqual({ domids: [1, 2] });
    await hv.createDomain({ domid: 9, maxGpfn: 0xff });
    await hv.destroyDomain(1);
    expect(await list(c)).toEqual({ domids: [2, 9] });
    expect(decodeStatus((await c.request(FrameKind.restrict, encodeRestrict(2))).payload)).toBe(0);
    expect(await list(c)).toEqual({ domids: [2] });
  });
});

describe('bad frames close only their own connection', () => {
  async function stillServes(other: RawClient) {
    expect((await dmOp(other, 1, setMemType(1))).rc).toBe(0);
  }

  it('random bytes: an error frame and the end of that connection', async () => {
    await serve();
    const other = await client(0);
    const bad = await client();
    bad.write(Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0x13, 0x37, 0x00, 0xff, 0x42, 0x17, 0x99]));
    expect(errorOf(await bad.take(() => true)).message).toMatch(/frame length/);
    await bad.whenClosed;
    await stillServes(other);
  });

  it('a 4 GiB length prefix is refused before any body is buffered', async () => {
    await serve();
    const other = await client(0);
    const bad = await client(0);
    bad.write(Uint8Array.from([0xff, 0xff, 0xff, 0xff, FrameKind.dmOp]));
    expect(errorOf(await bad.take(() => true))).toMatchObject({ errno: ERRNO.E2BIG.value, message: expect.stringContaining('4294967295') });
    await bad.whenClosed;
    await stillServes(other);
  });

  it('a truncated frame (the stream ends inside it) disturbs nobody', async () => {
    await serve();
    const other = await client(0);
    const bad = await client(0);
    bad.write(encodeFrame(FrameKind.dmOp, 9, encodeDmOpRequest({ domid: 1, bufs: [setMemType(1)] })).slice(0, 20));
    await bad.end();
    await stillServes(other);
    expect(daemon!.connections).toBe(1);
  });

  it('an unknown kind or a malformed payload: an error frame with the request id, and the connection goes on', async () => {
    await serve();
    const c = await client(0);
    expect(errorOf(await c.request(0x3e, Uint8Array.of(1, 2, 3))).message).toMatch(/unknown frame kind 0x3e/);
    expect(errorOf(await c.request(FrameKind.welcome))).toMatchObject({ errno: ERRNO.EINVAL.value });
    expect(errorOf(await c.request(FrameKind.dmOp, Uint8Array.of(1, 0, 5)))).toMatchObject({ errno: ERRNO.EINVAL.value, message: expect.stringContaining('truncated') });
    expect(errorOf(await c.request(FrameKind.createDomain, new TextEncoder().encode('{nope')))).toMatchObject({ message: expect.stringContaining('JSON') });
    expect(errorOf(await c.request(FrameKind.createDomain, encodeJson({ domid: 1, maxGpfn: 5 })))).toMatchObject({ errno: 0, argument: 'domid', value: 1 });
    await stillServes(c);
  });

  it('anything before hello, or a hello with a reserved caller, ends the connection', async () => {
    await serve();
    const other = await client(0);
    const early = await client();
    early.send(FrameKind.dmOp, encodeDmOpRequest({ domid: 1, bufs: [setMemType(1)] }));
    expect(errorOf(await early.take(() => true)).message).toMatch(/first frame must be hello/);
    await early.whenClosed;
    await expect(client(0x7ff0)).rejects.toThrow(/reserved domid/);
    await stillServes(other);
  });
});

describe('disconnects destroy nothing', () => {
  it('a new connection with the same caller takes over the servers', async () => {
    await serve();
    const first = await client(0);
    const created = await dmOp(first, 1, encodeDmOp('create_ioreq_server', { handle_bufioreq: 2 }));
    const id = (decodeDmOp(created.bufs[0]!).payload as { id: number }).id;
    await first.end();
    const next = await client(0);
    const info = await dmOp(next, 1, encodeDmOp('get_ioreq_server_info', { id }));
    expect(info.rc).toBe(0);
    expect(decodeDmOp(info.bufs[0]!).payload).toMatchObject({ id, bufioreq_port: expect.any(Number) });
    expect((await hv.inspect(1)).domid).toBe(1);
  });
});

describe('--trace', () => {
  it('writes every hypercall and ioreq as a JSON line', async () => {
    const trace = join(dir, 'trace.jsonl');
    await serve({ trace });
    const c = await client(0);
    await dmOp(c, 1, setMemType(1));
    await dmOp(c, 2, new Uint8Array(4)); // too short for xen_dm_op: EFAULT
    await c.request(FrameKind.guestAccess, encodeJson({ domid: 1, vcpu: 0, kind: 'out', addr: '0x80', size: 1, value: '0x5' }));
    await daemon!.close();
    daemon = null;
    const lines = readFileSync(trace, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.call, l.rc ?? l.outcome])).toEqual([
      ['dm_op', 0],
      ['dm_op', -ERRNO.EFAULT.value],
      ['guest_access', 'null'],
    ]);
    expect(lines[0]).toMatchObject({ conn: 1, caller: 0, domid: 1, op: 12, name: 'set_mem_type', continuations: 0, progress: 1 });
    // The call's arguments, decoded at the daemon's release (64-bit values as "0x…"); null when the buffer is too short.
    expect(lines[0]!.args).toEqual({ mem_type: 1, pad: 0, first_pfn: '0x10', nr: 1 });
    expect(lines[1]!.args).toBeNull();
  });
});
