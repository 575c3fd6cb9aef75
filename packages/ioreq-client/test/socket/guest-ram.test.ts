/** SocketBackend's guest RAM calls against a daemon: populate_physmap, guestRamWrite/guestRamRead, the same as in process. */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hypervisor, startDaemon } from '@xenmem/hypervisor-sim';
import { SocketBackend } from '../../src/index.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function backends() {
  const dir = mkdtempSync(join(tmpdir(), 'xenmem-ram-client-'));
  const hv = new Hypervisor({ release: '4.17' });
  await hv.createDomain({ domid: 1, maxGpfn: 0xfffff, dm: 5 });
  const daemon = await startDaemon({ socketPath: join(dir, 'sock'), hypervisor: hv });
  const socket = await SocketBackend.connect(join(dir, 'sock'), { caller: 0 });
  cleanups.push(async () => {
    await socket.close();
    await daemon.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { hv, socket };
}

describe('SocketBackend guest RAM', () => {
  it('populatePhysmap returns what the hypervisor returns in process: the count, the continuations, the reason when short', async () => {
    const { hv, socket } = await backends();
    await socket.guestRamWrite(1, 0x5000n, Uint8Array.from([1, 2, 3]));
    expect(await socket.populatePhysmap(0, 1, 0, 0, [0x5n, 0x6n])).toEqual({ rc: 2, continuations: 0, progress: null });
    expect([...(await socket.guestRamRead(1, 0x5000n, 3))]).toEqual([0, 0, 0]);
    const short = await socket.populatePhysmap(0, 1, 10, 0, [0x400n, 0x100000n]);
    expect(short).toEqual({ rc: 1, continuations: 0, progress: null, reason: { id: 'memop-gfn-range', message: "the extent runs past maxGpfn, where the simulator's p2m ends" } });
    expect(await hv.populatePhysmap(0, 1, 19, 0, [0x0n])).toMatchObject({ rc: 0, reason: { id: 'memop-order' } });
    expect(await socket.populatePhysmap(0, 1, 19, 0, [0x0n])).toMatchObject({ rc: 0, reason: { id: 'memop-order' } });
  });

  it('guestRamWrite/guestRamRead round-trip 64 KiB; a range past the RAM is an InputError naming gpa', async () => {
    const { socket } = await backends();
    const bytes = Uint8Array.from({ length: 65536 }, (_, i) => (i * 7) & 0xff);
    await socket.guestRamWrite(1, 0xff000n, bytes.subarray(0, 4096));
    await socket.guestRamWrite(1, 0x10000n, bytes);
    expect(await socket.guestRamRead(1, 0x10000n, 65536)).toEqual(bytes);
    await expect(socket.guestRamRead(1, 0xfffffn * 4096n, 4097)).rejects.toMatchObject({ argument: 'gpa' });
  });
});
