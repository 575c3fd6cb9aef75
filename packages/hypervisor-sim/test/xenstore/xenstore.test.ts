/** The daemon's xenstore over its socket, byte for byte as xenstored 4.17 answers (docs/protocol.md "Xenstore socket"). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, lstatSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrameKind, WIRE_PROTOCOL_VERSION, decodeJson, encodeHello, encodeJson } from '@xenmem/sim-protocol';
import { Hypervisor } from '../../src/hypervisor.js';
import { startDaemon, type Daemon } from '../../src/daemon/index.js';
import { CONST } from '@xenmem/abi-types';

import { RawClient } from '../daemon/raw-client.js';
import { XsRawClient, type RawXsMessage } from './xs-raw-client.js';

const T = CONST.xs_wire_type;

let dir: string;
let daemon: Daemon;
let hv: Hypervisor;
const clients: XsRawClient[] = [];

async function client(): Promise<XsRawClient> {
  const c = await XsRawClient.open(daemon.xenstore);
  clients.push(c);
  return c;
}

const text = (m: RawXsMessage) => m.payload.toString('latin1');
const ok = (type: number) => ({ type, payload: Buffer.from('OK\0') });
const err = (code: string) => ({ type: T.error, payload: Buffer.from(`${code}\0`) });
const pick = (m: RawXsMessage) => ({ type: m.type, payload: m.payload });

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xenmem-xs-'));
  hv = new Hypervisor({ release: '4.17' });
  daemon = await startDaemon({ socketPath: join(dir, 'sim.sock'), hypervisor: hv, shm: false });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await daemon.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('socket', () => {
  it('is S.xenstore, mode 0600, and removed on close', async () => {
    expect(daemon.xenstore).toBe(join(dir, 'sim.sock.xenstore'));
    const st = lstatSync(daemon.xenstore);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    await daemon.close();
    expect(existsSync(daemon.xenstore)).toBe(false);
    daemon = await startDaemon({ socketPath: join(dir, 'sim.sock'), hypervisor: new Hypervisor({ release: '4.17' }), shm: false });
  });

  it("is named in the welcome's xenstore field", async () => {
    const c = await RawClient.open(daemon.address);
    const w = await c.request(FrameKind.hello, encodeHello({ protocol: WIRE_PROTOCOL_VERSION, caller: 0 }));
    expect(w.kind).toBe(FrameKind.welcome);
    expect(decodeJson(w.payload, 'welcome')).toEqual({ protocol: WIRE_PROTOCOL_VERSION, release: '4.17', shm: false, xenstore: daemon.xenstore });
    c.socket.destroy();
  });
});

describe('wire format', () => {
  it('echoes type, req_id and tx_id; READ gives the raw value without a NUL', async () => {
    const c = await client();
    c.sendRaw(Buffer.concat([XsRawClient.header(T.write, 0x11223344, 0, 8), Buffer.from('/a/b\0xyz')] as Uint8Array[]));
    const w = (await c.next())!;
    expect(w).toEqual({ type: T.write, reqId: 0x11223344, txId: 0, payload: Buffer.from('OK\0') });
    c.sendRaw(Buffer.concat([XsRawClient.header(T.read, 0xdeadbeef, 0, 5), Buffer.from('/a/b\0')] as Uint8Array[]));
    const r = (await c.next())!;
    expect(r).toEqual({ type: T.read, reqId: 0xdeadbeef, txId: 0, payload: Buffer.from('xyz') });
  });

  it('takes a message split across writes, and two in one write', async () => {
    const c = await client();
    const msg = Buffer.concat([XsRawClient.header(T.mkdir, 1, 0, 3), Buffer.from('/q\0')] as Uint8Array[]);
    c.sendRaw(msg.subarray(0, 5));
    await new Promise((r) => setTimeout(r, 20));
    c.sendRaw(Buffer.concat([msg.subarray(5), msg] as Uint8Array[]));
    expect(pick((await c.next())!)).toEqual(ok(T.mkdir));
    expect(pick((await c.next())!)).toEqual(ok(T.mkdir));
  });

  it('a header announcing more than XENSTORE_PAYLOAD_MAX bytes ends that connection only', async () => {
    const c = await client();
    c.sendRaw(XsRawClient.header(T.read, 1, 0, CONST.xs_limits.payload_max + 1));
    expect(await c.next()).toBe(null);
    expect(c.closed).toBe(true);
    const d = await client();
    expect(pick(await d.request(T.read, 'domid\0'))).toEqual({ type: T.read, payload: Buffer.from('0') });
  });

  it('unknown and reply-only types: ENOSYS; unmodelled privileged ones: EINVAL', async () => {
    const c = await client();
    for (const type of [20, 23, 1000, T.watch_event, T.error]) expect(pick(await c.request(type, '/\0'))).toEqual(err('ENOSYS'));
    for (const type of [T.control, T.introduce, T.release, T.resume, T.set_target]) expect(pick(await c.request(type, '1\0'))).toEqual(err('EINVAL'));
  });
});

describe('operations', () => {
  it('the start-up tree: /local/domain/0 with domid and name, owned by 0', async () => {
    const c = await client();
    expect(text(await c.request(T.directory, '/\0'))).toBe('local\0');
    expect(text(await c.request(T.directory, '/local/domain/0\0'))).toBe('domid\0name\0');
    expect(text(await c.request(T.read, '/local/domain/0/name\0'))).toBe('Domain-0');
    expect(text(await c.request(T.get_perms, '/local/domain/0\0'))).toBe('n0\0');
  });

  it('relative paths are under /local/domain/0', async () => {
    const c = await client();
    expect(pick(await c.request(T.write, 'device-model/1/state\0running'))).toEqual(ok(T.write));
    expect(text(await c.request(T.read, '/local/domain/0/device-model/1/state\0'))).toBe('running');
    expect(text(await c.request(T.directory, 'device-model\0'))).toBe('1\0');
  });

  it('WRITE creates parents; the value may hold NULs; children keep their order', async () => {
    const c = await client();
    await c.request(T.write, '/t/z\0');
    await c.request(T.write, Buffer.from('/t/a\0x\0y') as Buffer);
    expect(text(await c.request(T.directory, '/t\0'))).toBe('z\0a\0');
    expect((await c.request(T.read, '/t/a\0')).payload).toEqual(Buffer.from('x\0y'));
    expect((await c.request(T.read, '/t\0')).payload).toEqual(Buffer.alloc(0));
  });

  it('errors: ENOENT, EINVAL for bad names and missing NULs, E2BIG for a reply too long', async () => {
    const c = await client();
    expect(pick(await c.request(T.read, '/nope\0'))).toEqual(err('ENOENT'));
    expect(pick(await c.request(T.directory, '/nope\0'))).toEqual(err('ENOENT'));
    for (const bad of ['/a/\0', '/a//b\0', '/a b\0', '/a\0\0', '/a', '', '/x/' + 'y'.repeat(CONST.xs_limits.rel_path_max) + '\0', '@introduceDomain\0'])
      expect(pick(await c.request(T.read, bad)), JSON.stringify(bad.slice(0, 20))).toEqual(err('EINVAL'));
    expect(pick(await c.request(T.write, '/nonul'))).toEqual(err('EINVAL'));
    // Under /local/domain/N/ the quota counts from after the prefix (is_valid_nodename()).
    const long = '/local/domain/0/' + 'k'.repeat(CONST.xs_limits.rel_path_max);
    expect(pick(await c.request(T.write, `${long}\0v`))).toEqual(ok(T.write));
    expect(pick(await c.request(T.write, `${long}k\0v`))).toEqual(err('EINVAL'));
    for (let i = 0; i < 40; i++) await c.request(T.mkdir, `/big/${'c'.repeat(100)}${String(i).padStart(2, '0')}\0`);
    expect(pick(await c.request(T.directory, '/big\0'))).toEqual(err('E2BIG'));
  });

  it('MKDIR of an existing node is fine and keeps its value', async () => {
    const c = await client();
    await c.request(T.write, '/m\0v');
    expect(pick(await c.request(T.mkdir, '/m\0'))).toEqual(ok(T.mkdir));
    expect(text(await c.request(T.read, '/m\0'))).toBe('v');
  });

  it('RM removes the subtree; a missing node with a parent is OK; without a parent ENOENT; / is EINVAL', async () => {
    const c = await client();
    await c.request(T.write, '/r/a/b\0v');
    expect(pick(await c.request(T.rm, '/r/a\0'))).toEqual(ok(T.rm));
    expect(pick(await c.request(T.read, '/r/a/b\0'))).toEqual(err('ENOENT'));
    expect(text(await c.request(T.directory, '/r\0'))).toBe('');
    expect(pick(await c.request(T.rm, '/r/gone\0'))).toEqual(ok(T.rm));
    expect(pick(await c.request(T.rm, '/r/gone/deeper\0'))).toEqual(err('ENOENT'));
    expect(pick(await c.request(T.rm, '/\0'))).toEqual(err('EINVAL'));
  });

  it('GET_PERMS / SET_PERMS round trip, inheritance, and bad perms', async () => {
    const c = await client();
    await c.request(T.write, '/p\0v');
    expect(pick(await c.request(T.set_perms, '/p\0n0\0r0\0b0\0w0\0'))).toEqual(ok(T.set_perms));
    expect(text(await c.request(T.get_perms, '/p\0'))).toBe('n0\0r0\0b0\0w0\0');
    // An entry for a domain that does not exist is kept (and grants nothing); a missing owner is ENOENT.
    expect(pick(await c.request(T.set_perms, '/p\0b0\0r0x10\0'))).toEqual(ok(T.set_perms));
    expect(text(await c.request(T.get_perms, '/p\0'))).toBe('b0\0r16\0');
    expect(pick(await c.request(T.set_perms, '/p\0n5\0'))).toEqual(err('ENOENT'));
    await c.request(T.write, '/p/child\0');
    expect(text(await c.request(T.get_perms, '/p/child\0'))).toBe('b0\0r16\0');
    for (const bad of ['/p\0x0\0', '/p\0r\0', '/p\0r1z\0', '/p\0', '/p\0r0'])
      expect(pick(await c.request(T.set_perms, bad)), JSON.stringify(bad)).toEqual(err('EINVAL'));
    expect(pick(await c.request(T.set_perms, '/nope\0n0\0'))).toEqual(err('ENOENT'));
  });

  it('GET_DOMAIN_PATH and IS_DOMAIN_INTRODUCED', async () => {
    const c = await client();
    expect(text(await c.request(T.get_domain_path, '7\0'))).toBe('/local/domain/7\0');
    expect(pick(await c.request(T.get_domain_path, '7'))).toEqual(err('EINVAL'));
    expect(text(await c.request(T.is_domain_introduced, '0\0'))).toBe('T\0');
    expect(text(await c.request(T.is_domain_introduced, '9\0'))).toBe('F\0');
  });

  it('DIRECTORY_PART: generation, children, and the end marker', async () => {
    const c = await client();
    await c.request(T.write, '/d/x\0');
    await c.request(T.write, '/d/yy\0');
    const whole = text(await c.request(T.directory_part, '/d\0000\0'));
    const [gen, ...rest] = whole.split('\0');
    expect(Number(gen)).toBeGreaterThan(0);
    expect(rest).toEqual(['x', 'yy', '', '']);
    expect(text(await c.request(T.directory_part, '/d\0002\0'))).toBe(`${gen}\0yy\0\0`);
    expect(text(await c.request(T.directory_part, '/d\00099\0'))).toBe(`${gen}\0\0`);
    expect(pick(await c.request(T.directory_part, '/d\0'))).toEqual(err('EINVAL'));
  });
});

describe('watches', () => {
  it('OK, then the initial event, then events at and under the path, relative when set relative', async () => {
    const c = await client();
    const w = await c.request(T.watch, '/w\0tok\0');
    expect(pick(w)).toEqual(ok(T.watch));
    expect(await c.event()).toEqual(['/w', 'tok']);
    await c.request(T.write, '/w/deep/er\0v');
    expect(await c.event()).toEqual(['/w/deep/er', 'tok']);
    await c.request(T.write, '/wx\0v'); // not under /w
    await c.request(T.watch, 'rel\0t2\0');
    expect(await c.event()).toEqual(['rel', 't2']);
    await c.request(T.write, 'rel/a\0v');
    expect(await c.event()).toEqual(['rel/a', 't2']);
    expect(pick(await c.request(T.watch, '/w\0tok\0'))).toEqual(err('EEXIST'));
    expect(pick(await c.request(T.watch, '/w\0'))).toEqual(err('EINVAL'));
    expect(pick(await c.request(T.watch, '/w/\0t\0'))).toEqual(err('EINVAL'));
  });

  it('another connection sees the change; RM of a parent fires for the watched child', async () => {
    const a = await client();
    const b = await client();
    await b.request(T.write, '/x/y/z\0v');
    await a.request(T.watch, '/x/y/z\0child\0');
    expect(await a.event()).toEqual(['/x/y/z', 'child']);
    await a.request(T.watch, '/x\0top\0');
    expect(await a.event()).toEqual(['/x', 'top']);
    await b.request(T.rm, '/x/y\0');
    const got = [await a.event(), await a.event()];
    expect(got).toEqual([
      ['/x/y/z', 'child'],
      ['/x/y', 'top'],
    ]);
    expect(await a.event(200)).toBe(null);
  });

  it('UNWATCH stops events; an unknown watch is ENOENT; RESET_WATCHES drops all', async () => {
    const c = await client();
    await c.request(T.watch, '/u\0t\0');
    await c.event();
    expect(pick(await c.request(T.unwatch, '/u\0t\0'))).toEqual(ok(T.unwatch));
    expect(pick(await c.request(T.unwatch, '/u\0t\0'))).toEqual(err('ENOENT'));
    await c.request(T.watch, '/u\0t\0');
    await c.event();
    expect(pick(await c.request(T.reset_watches, ''))).toEqual(ok(T.reset_watches));
    await c.request(T.write, '/u\0v');
    expect(await c.event(200)).toBe(null);
  });

  it('@introduceDomain and @releaseDomain fire on domain create and destroy; /local/domain/N comes and goes', async () => {
    const c = await client();
    await c.request(T.watch, '@introduceDomain\0i\0');
    expect(await c.event()).toEqual(['@introduceDomain', 'i']);
    await c.request(T.watch, '@releaseDomain\0r\0');
    expect(await c.event()).toEqual(['@releaseDomain', 'r']);
    const main = await RawClient.open(daemon.address, 0);
    expect((await main.request(FrameKind.createDomain, encodeJson({ domid: 3, maxGpfn: 0xff }))).kind).toBe(FrameKind.json);
    expect(await c.event()).toEqual(['@introduceDomain', 'i']);
    expect(text(await c.request(T.read, '/local/domain/3/domid\0'))).toBe('3');
    expect(text(await c.request(T.get_perms, '/local/domain/3\0'))).toBe('n3\0');
    expect(text(await c.request(T.get_perms, '/local/domain/3/domid\0'))).toBe('n3\0');
    expect(text(await c.request(T.is_domain_introduced, '3\0'))).toBe('T\0');
    await main.request(FrameKind.destroyDomain, encodeJson({ domid: 3 }));
    expect(await c.event()).toEqual(['@releaseDomain', 'r']);
    expect(pick(await c.request(T.read, '/local/domain/3\0'))).toEqual(err('ENOENT'));
    expect(text(await c.request(T.is_domain_introduced, '3\0'))).toBe('F\0');
    main.socket.destroy();
  });
});

describe('transactions', () => {
  it('start gives ids from 1; changes are seen inside only until commit; watches fire at commit', async () => {
    const c = await client();
    const o = await client();
    await o.request(T.watch, '/tx\0w\0');
    await o.event();
    const id = Number(text(await c.request(T.transaction_start, '')).replace('\0', ''));
    expect(id).toBe(1);
    expect(pick(await c.request(T.write, '/tx/a\0in', id))).toEqual(ok(T.write));
    expect(text(await c.request(T.read, '/tx/a\0', id))).toBe('in');
    expect(pick(await o.request(T.read, '/tx/a\0'))).toEqual(err('ENOENT'));
    expect(await o.event(100)).toBe(null);
    const end = await c.request(T.transaction_end, 'T\0', id);
    expect({ ...pick(end), txId: end.txId }).toEqual({ ...ok(T.transaction_end), txId: id });
    expect(await o.event()).toEqual(['/tx/a', 'w']);
    expect(text(await o.request(T.read, '/tx/a\0'))).toBe('in');
    expect(text(await c.request(T.transaction_start, ''))).toBe('2\0');
  });

  it('a conflicting change makes the commit EAGAIN and nothing is applied', async () => {
    const c = await client();
    const o = await client();
    await o.request(T.write, '/k\0old');
    const id = Number(text(await c.request(T.transaction_start, '')).slice(0, -1));
    expect(text(await c.request(T.read, '/k\0', id))).toBe('old');
    await c.request(T.write, '/k2\0mine', id);
    await o.request(T.write, '/k\0theirs');
    expect(pick(await c.request(T.transaction_end, 'T\0', id))).toEqual(err('EAGAIN'));
    expect(pick(await o.request(T.read, '/k2\0'))).toEqual(err('ENOENT'));
    // The transaction is gone.
    expect(pick(await c.request(T.read, '/k\0', id))).toEqual(err('ENOENT'));
  });

  it('abort drops the changes; bad ends and unknown ids', async () => {
    const c = await client();
    const id = Number(text(await c.request(T.transaction_start, '')).slice(0, -1));
    await c.request(T.write, '/ab\0v', id);
    expect(pick(await c.request(T.transaction_start, '', id))).toEqual(err('EBUSY'));
    expect(pick(await c.request(T.transaction_end, 'X\0', id))).toEqual(err('EINVAL'));
    expect(pick(await c.request(T.transaction_end, 'F\0', id))).toEqual(ok(T.transaction_end));
    expect(pick(await c.request(T.read, '/ab\0'))).toEqual(err('ENOENT'));
    expect(pick(await c.request(T.read, '/ab\0', 99))).toEqual(err('ENOENT'));
    expect(pick(await c.request(T.transaction_end, 'T\0'))).toEqual(err('ENOENT'));
  });
});
