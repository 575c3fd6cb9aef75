/**
 * IoreqServer over the socket backend: the device model's connection maps the ioreq pages and binds the
 * ports through the daemon, the guest's accesses come from another connection and block until it responds.
 * Shows page sync (page_update before event) and page writes (before the notify that follows).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hypervisor, startDaemon, type Daemon } from '@xenmem/hypervisor-sim';
import { DeviceModel, IoreqServer, type IoreqRequest } from '../../src/index.js';
import { SocketBackend } from '../../src/socket/index.js';

const simulatorHasPages = 'acquireResource' in Hypervisor.prototype;
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'xenmem-ioreq-socket-'));
  const hv = new Hypervisor({ release: '4.22' });
  await hv.createDomain({ domid: 1, maxGpfn: 0xfffff, vcpus: 2 });
  const daemon: Daemon = await startDaemon({ socketPath: join(dir, 'sim.sock'), hypervisor: hv, ...(process.env.XM_TRACE && { trace: process.env.XM_TRACE }) });
  const dmBackend = await SocketBackend.connect(daemon.address);
  const guest = await SocketBackend.connect(daemon.address);
  cleanup.push(async () => {
    await dmBackend.close();
    await guest.close();
    await daemon.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { hv, daemon, dmBackend, guest, dm: new DeviceModel({ backend: dmBackend, iface: '4.22' }) };
}

async function next(it: AsyncIterator<IoreqRequest>): Promise<IoreqRequest> {
  const r = await it.next();
  if (r.done) throw new Error('the stream ended');
  return r.value;
}

describe.skipIf(!simulatorHasPages)('IoreqServer over the socket backend', () => {
  it('answers a guest port read and a port write made through another connection', async () => {
    const { guest, dm } = await setup();
    const server = await IoreqServer.create(dm, 1);
    await server.mapMmio(0xfe000000n, 0xfe000fffn);
    await server.mapPort(0x3f8, 0x3ff);
    await server.enable();
    const stream = server.requests()[Symbol.asyncIterator]();

    const read = guest.guestAccess({ domid: 1, vcpu: 1, kind: 'in', addr: 0x3fcn, size: 4 });
    const r1 = await next(stream);
    expect(r1).toMatchObject({ vcpu: 1, type: 'pio', dir: 'read', addr: 0x3fcn, size: 4, buffered: false });
    await r1.respond(0xcafef00dn as never);
    expect(await read).toMatchObject({ outcome: 'ioreq', value: 0xcafef00dn });

    const out = guest.guestAccess({ domid: 1, vcpu: 0, kind: 'out', addr: 0x3f8n, size: 1, value: 0x41n });
    const r2 = await next(stream);
    expect(r2).toMatchObject({ vcpu: 0, type: 'pio', dir: 'write', data: 0x41n });
    await r2.respond();
    expect(await out).toMatchObject({ outcome: 'ioreq', value: null });
    await server.close();
  });
});
