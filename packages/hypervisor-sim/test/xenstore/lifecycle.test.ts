/**
 * The xenstore's place in the daemon's life: its socket listens before the main socket exists and goes with it;
 * with --state its contents survive a restart, and a reply means the change is in the files already.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrameKind, encodeJson } from '@xenmem/sim-protocol';
import { Hypervisor } from '../../src/hypervisor.js';
import { startDaemon, type Daemon } from '../../src/daemon/index.js';
import { readDurableState } from '../../src/state/index.js';
import { CONST } from '@xenmem/abi-types';

import { RawClient } from '../daemon/raw-client.js';
import { XsRawClient } from './xs-raw-client.js';

const T = CONST.xs_wire_type;

let dir: string;
const daemons: Daemon[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'xenmem-xs-life-'));
});

afterEach(async () => {
  for (const d of daemons.splice(0)) await d.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(extra: { statePath?: string; xenstorePath?: string } = {}): Promise<Daemon> {
  const d = await startDaemon({ socketPath: join(dir, 'sim.sock'), hypervisor: new Hypervisor({ release: '4.17' }), shm: false, ...extra });
  daemons.push(d);
  return d;
}

const accepts = (path: string) =>
  new Promise<boolean>((resolve) => {
    const s = connect(path);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

describe('socket order and paths', () => {
  it('the xenstore socket accepts connections at the moment the main socket appears', async () => {
    const main = join(dir, 'sim.sock');
    const seen: boolean[] = [];
    // Polls as a program waiting for S would: the first time S exists, the xenstore must already listen.
    const poll = (async () => {
      while (!existsSync(main)) await new Promise((r) => setImmediate(r));
      seen.push(await accepts(`${main}.xenstore`));
    })();
    await start();
    await poll;
    expect(seen).toEqual([true]);
  });

  it('--xenstore PATH puts it elsewhere; a path in the way is refused and nothing is left behind', async () => {
    const d = await start({ xenstorePath: join(dir, 'xs') });
    expect(d.xenstore).toBe(join(dir, 'xs'));
    expect(await accepts(join(dir, 'xs'))).toBe(true);
    await d.close();
    daemons.length = 0;
    writeFileSync(join(dir, 'file'), 'x');
    await expect(start({ xenstorePath: join(dir, 'file') })).rejects.toMatchObject({ argument: 'xenstorePath', message: expect.stringContaining('not a socket') });
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'link'));
    await expect(start({ xenstorePath: join(dir, 'link') })).rejects.toMatchObject({ argument: 'xenstorePath', message: expect.stringContaining('symbolic link') });
    await expect(start({ xenstorePath: join(dir, 'x'.repeat(120)) })).rejects.toMatchObject({ message: expect.stringContaining('bytes long') });
    expect(existsSync(join(dir, 'sim.sock'))).toBe(false);
  });

  it('a start-up that fails leaves neither socket behind', async () => {
    writeFileSync(join(dir, 'state'), 'not a state file');
    await expect(start({ statePath: join(dir, 'state') })).rejects.toMatchObject({ argument: 'state' });
    expect(existsSync(join(dir, 'sim.sock.xenstore'))).toBe(false);
    expect(existsSync(join(dir, 'sim.sock'))).toBe(false);
  });
});

describe('durable contents (--state)', () => {
  it('a replied write is in the state files at once, and a restarted daemon serves it; watches are not kept', async () => {
    const statePath = join(dir, 'state.json');
    const d = await start({ statePath });
    const main = await RawClient.open(d.address, 0);
    expect((await main.request(FrameKind.createDomain, encodeJson({ domid: 4, maxGpfn: 0xff }))).kind).toBe(FrameKind.json);
    main.socket.destroy();
    const c = await XsRawClient.open(d.xenstore);
    await c.request(T.watch, '/keep\0w\0');
    await c.event();
    expect((await c.request(T.write, '/keep/v\0bytes\0in')).type).toBe(T.write);
    await c.request(T.set_perms, '/keep/v\0n4\0r0\0');
    const tx = Number((await c.request(T.transaction_start, '')).payload.toString().slice(0, -1));
    await c.request(T.write, '/keep/tx\0committed', tx);
    await c.request(T.transaction_end, 'T\0', tx);
    await c.request(T.rm, '/local/domain/0/name\0');
    // Read the files as a new daemon would, with this one still running (what a SIGKILL would leave).
    const onDisk = readDurableState(statePath, '4.17')!.state.xenstore!;
    const byName = new Map(onDisk.map((r) => [r.name, r]));
    expect(byName.get('/keep/v')).toMatchObject({ value: Buffer.from('bytes\0in').toString('hex'), perms: [{ id: 4, read: false, write: false }, { id: 0, read: true, write: false }] });
    expect(byName.get('/keep/tx')).toMatchObject({ value: Buffer.from('committed').toString('hex') });
    expect(byName.has('/local/domain/0/name')).toBe(false);
    expect(byName.get('/local/domain/4/domid')).toMatchObject({ value: Buffer.from('4').toString('hex') });
    c.close();
    await d.close();
    daemons.length = 0;

    const again = await start({ statePath });
    const r = await XsRawClient.open(again.xenstore);
    expect((await r.request(T.read, '/keep/v\0')).payload).toEqual(Buffer.from('bytes\0in'));
    expect((await r.request(T.get_perms, '/keep/v\0')).payload.toString()).toBe('n4\0r0\0');
    expect((await r.request(T.read, '/keep/tx\0')).payload.toString()).toBe('committed');
    expect((await r.request(T.directory, '/local/domain/0\0')).payload.toString()).toBe('domid\0');
    expect((await r.request(T.read, '/local/domain/4/domid\0')).payload.toString()).toBe('4');
    // The old connection's watch is gone with it: a write fires nothing here.
    await r.request(T.write, '/keep/v\0new');
    expect(await r.event(100)).toBe(null);
    r.close();
  });
});
