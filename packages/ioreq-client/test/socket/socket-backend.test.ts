/**
 * The DeviceModel suite over the socket backend, against a daemon started here (a fresh daemon and
 * hypervisor per test, as the suite wants fresh domains), plus what only a socket can show.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hypervisor, startDaemon, type Daemon } from '@xenmem/hypervisor-sim';
import { DeviceModel } from '../../src/index.js';
import { SocketBackend } from '../../src/socket/index.js';
import { deviceModelSuite } from '../device-model-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'xenmem-socket-'));
const open: { daemon: Daemon; backends: SocketBackend[] }[] = [];
let n = 0;

async function daemonAt(release: string): Promise<{ hv: Hypervisor; daemon: Daemon }> {
  const hv = new Hypervisor({ release });
  const daemon = await startDaemon({ socketPath: join(dir, `sim-${n++}.sock`), hypervisor: hv });
  open.push({ daemon, backends: [] });
  return { hv, daemon };
}

async function connect(daemon: Daemon, caller = 0): Promise<SocketBackend> {
  const b = await SocketBackend.connect(daemon.address, { caller });
  open.find((o) => o.daemon === daemon)!.backends.push(b);
  return b;
}

afterEach(async () => {
  for (const o of open.splice(0)) {
    for (const b of o.backends) await b.close();
    await o.daemon.close();
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

deviceModelSuite(async (release) => connect((await daemonAt(release)).daemon));

describe('SocketBackend', () => {
  it('learns the release from the daemon; control calls reach the daemon\'s hypervisor', async () => {
    const { hv, daemon } = await daemonAt('4.11');
    const b = await connect(daemon);
    expect(b.release).toBe('4.11');
    await b.createDomain({ domid: 7, maxGpfn: 0xff });
    await b.seedP2m(7, 0x10n, 2, 3);
    expect((await hv.inspect(7)).p2m.map((r) => [r.first, r.count, r.name])).toEqual([
      [0n, 0x10n, 'p2m_ram_rw'],
      [0x10n, 2n, 'p2m_ram_ro'],
      [0x12n, 0xeen, 'p2m_ram_rw'],
    ]);
    expect((await b.inspect(7)).p2m).toEqual((await hv.inspect(7)).p2m);
    await expect(b.createDomain({ domid: 7, maxGpfn: 1 })).rejects.toMatchObject({ name: 'InputError', argument: 'domid', value: 7 });
    await b.destroyDomain(7);
    await expect(b.inspect(7)).rejects.toMatchObject({ name: 'InputError', argument: 'domid' });
  });

  it('guest accesses: results with 64-bit values intact', async () => {
    const { daemon } = await daemonAt('4.22');
    const b = await connect(daemon);
    await b.createDomain({ domid: 1, maxGpfn: 0xfffff });
    expect(await b.guestAccess({ domid: 1, vcpu: 0, kind: 'write', addr: 0x1000n, size: 8, value: 0xfedcba9876543210n })).toEqual({ outcome: 'ram', value: null, ioreqs: [] });
    expect(await b.guestAccess({ domid: 1, vcpu: 0, kind: 'read', addr: 0x1000n, size: 8 })).toEqual({ outcome: 'ram', value: 0xfedcba9876543210n, ioreqs: [] });
  });

  it('restrict: the daemon answers frames naming another domain with EPERM', async () => {
    const { daemon } = await daemonAt('4.22');
    const b = await connect(daemon);
    await b.createDomain({ domid: 1, maxGpfn: 0xfff });
    await b.createDomain({ domid: 2, maxGpfn: 0xfff });
    expect(await b.restrict(1)).toBe(0);
    const dm = new DeviceModel({ backend: b, iface: '4.22' }); // not restricted itself: the daemon refuses
    await dm.setMemType(1, 'ram_ro', 0x10, 1);
    await expect(dm.setMemType(2, 'ram_ro', 0x10, 1)).rejects.toMatchObject({ code: 'EPERM', op: 'set_mem_type' });
    await expect(b.inspect(2)).rejects.toMatchObject({ name: 'XenError', code: 'EPERM' });
  });

  it('a closed daemon rejects calls with DaemonError', async () => {
    const { daemon } = await daemonAt('4.22');
    const b = await connect(daemon);
    await daemon.close();
    open.length = 0;
    await expect(b.inspect(0)).rejects.toMatchObject({ name: 'DaemonError' });
  });
});
