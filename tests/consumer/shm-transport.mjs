// The @xenmem/shm-transport consumer program of `npm run test:consumer` (plain ESM, no types): the native
// binary loads from the installed tarball, and a region made under /dev/shm is shared, detached on close and
// removed; then the installed daemon and SocketBackend pick the shared-memory transport by themselves and an
// IoreqServer answers a guest read through it.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { available, ShmRegion, unavailableReason } from '@xenmem/shm-transport';
import { Hypervisor, startDaemon } from '@xenmem/hypervisor-sim';
import { DeviceModel, IoreqServer, SocketBackend } from '@xenmem/ioreq-client';

assert.equal(available, true, `the native transport did not load: ${unavailableReason}`);
assert.equal(unavailableReason, null);
const path = `/dev/shm/xenmem-consumer-${process.pid}`;
const region = ShmRegion.create(path, 8192);
try {
  const other = ShmRegion.open(path);
  other.bytes[100] = 7;
  assert.equal(region.bytes[100], 7);
  assert.equal(other.signal(0), 1);
  assert.equal(region.wait(0, 0, 1000), 1);
  other.close();
  assert.equal(other.bytes.byteLength, 0);
} finally {
  region.unlink();
  region.close();
}
assert.equal(existsSync(path), false);

const dir = mkdtempSync(join(tmpdir(), 'xenmem-consumer-shm-'));
const hv = new Hypervisor({ release: '4.22' });
await hv.createDomain({ domid: 1, maxGpfn: 0xfffff });
const daemon = await startDaemon({ socketPath: join(dir, 'sim.sock'), hypervisor: hv });
try {
  assert.ok('path' in daemon.shm, `the daemon offers no shared memory: ${daemon.shm.reason}`);
  const backend = await SocketBackend.connect(daemon.address); // transport 'auto'
  const guest = await SocketBackend.connect(daemon.address, { transport: 'socket' });
  const server = await IoreqServer.create(new DeviceModel({ backend, iface: '4.22' }), 1);
  await server.mapPort(0x3f8, 0x3ff);
  await server.enable();
  assert.equal(backend.transport, 'shm');
  const served = (async () => {
    for await (const req of server.requests({ wait: 'block', blockMs: 1 })) return req.respond(0x5an);
  })();
  const read = await guest.guestAccess({ domid: 1, vcpu: 0, kind: 'in', addr: 0x3f8n, size: 1 });
  await served;
  assert.deepEqual([read.outcome, read.value], ['ioreq', 0x5an]);
  await server.close();
  await backend.close();
  await guest.close();
} finally {
  await daemon.close();
  rmSync(dir, { recursive: true, force: true });
}
assert.equal(existsSync(daemon.shm.path), false, 'the arena is removed when the daemon closes');
console.log('shm-transport consumer: ok (a guest read answered through the daemon over shared memory)');
