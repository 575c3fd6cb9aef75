/**
 * The whole path: a device model built on Debian's unmodified Xen 4.17 libraries (test/c/device-model.c) runs
 * under the emulation against a daemon, creates and enables an ioreq server, maps its pages with
 * xenforeignmemory_map_resource, binds its event channel, and answers a guest's port read.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { buildDebianProgram, spawnUnderEmulation, startSim, tempDir, type Sim } from './sim.js';

let program: string;
const work = tempDir('dm');
beforeAll(() => {
  program = buildDebianProgram('device-model.c', join(work.dir, 'device-model'));
});

let sim: Sim | null = null;
let simDir: ReturnType<typeof tempDir> | null = null;
afterEach(async () => {
  await sim?.close();
  simDir?.remove();
  sim = null;
});

describe.each([
  ['4.17', 0x40011],
  ['4.22', 0x40016],
])('Debian 4.17 libraries on a daemon at Xen %s', (release, version) => {
  it('serve a guest port read through the ioreq page and event channel', async () => {
    simDir = tempDir('sim');
    sim = await startSim(release, simDir.dir);
    const dm = spawnUnderEmulation(program, ['1'], sim.socket);
    const ready = await dm.line('ready');
    expect(ready).toEqual({ ready: true, version, extraversion: '.0', id: 0, remote: expect.any(Number), local: expect.any(Number), bufport: expect.any(Number) });

    const view = await sim.hv.inspect(1);
    expect(view.servers).toHaveLength(1);
    expect(view.servers![0]).toMatchObject({ id: 0, emulator: 0, enabled: true, ranges: { port: [['0x3f8', '0x3ff']], memory: [], pci: [] } });
    expect(view.servers![0]!.ports.vcpu).toEqual([ready.remote]);

    const access = await sim.hv.guestAccess({ domid: 1, vcpu: 0, kind: 'in', addr: 0x3f9n, size: 1 });
    expect(access.outcome).toBe('ioreq');
    expect(access.value).toBe(0x5an);
    expect(await dm.line('ioreq')).toEqual({ ioreq: { addr: 0x3f9, data: 0, size: 1, dir: 1, type: 0 } });
    expect(await dm.line('done')).toEqual({ done: true });
    expect(await dm.exited).toBe(0);
    // The program destroyed its server on the way out, as QEMU does.
    expect((await sim.hv.inspect(1)).servers).toEqual([]);
  });
});

it('a missing daemon makes the open fail with ENOENT and one line naming XENMEM_SOCKET', async () => {
  const dm = spawnUnderEmulation(program, ['1'], join(work.dir, 'no-such.sock'));
  expect(await dm.line('error')).toEqual({ error: 'xc_interface_open', errno: 2 });
  expect(await dm.exited).toBe(1);
  const ours = dm.stderr().split('\n').filter((l) => l.startsWith('xenmem kernel-emu:'));
  expect(ours).toEqual([expect.stringContaining(`XENMEM_SOCKET=${join(work.dir, 'no-such.sock')}`)]);
});

it('XENMEM_CALLER that is not a domain id makes the open fail with ENOENT and says so once', async () => {
  const dir = tempDir('sim');
  const sim = await startSim('4.17', dir.dir);
  try {
    const dm = spawnUnderEmulation(program, ['1'], sim.socket, { XENMEM_CALLER: 'dom0' });
    expect(await dm.line('error')).toEqual({ error: 'xc_interface_open', errno: 2 });
    expect(await dm.exited).toBe(1);
    expect(dm.stderr().split('\n').filter((l) => l.startsWith('xenmem kernel-emu:'))).toEqual([
      'xenmem kernel-emu: /dev/xen is not available: XENMEM_CALLER is not a domain id below the reserved ones (DOMID_FIRST_RESERVED) (set XENMEM_SOCKET to a running `xenmem sim serve` socket)',
    ]);
  } finally {
    await sim.close();
    dir.remove();
  }
});

it("a caller that is not domain 1's device model gets Xen's EPERM for create_ioreq_server", async () => {
  const dir = tempDir('sim');
  const sim = await startSim('4.17', dir.dir);
  try {
    const dm = spawnUnderEmulation(program, ['1'], sim.socket, { XENMEM_CALLER: '5' });
    expect(await dm.line('error')).toEqual({ error: 'create_ioreq_server', errno: 1 });
    expect(await dm.exited).toBe(1);
    expect((await sim.hv.inspect(1)).servers).toEqual([]);
  } finally {
    await sim.close();
    dir.remove();
  }
});
