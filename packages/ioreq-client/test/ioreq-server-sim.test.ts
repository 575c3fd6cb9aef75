/** IoreqServer against the in-process simulator: guest accesses block until the device model responds. */
import { describe, expect, it } from 'vitest';
import { Hypervisor } from '@xenmem/hypervisor-sim';
import { DeviceModel, IoreqServer, type IoreqRequest, type SyncIoreqRequest } from '../src/index.js';

const simulatorHasPages = 'acquireResource' in Hypervisor.prototype;

async function setup(release: '4.10' | '4.22' = '4.22') {
  const hv = new Hypervisor({ release });
  // RAM up to 0xdffff000: MMIO at 0xfe000000 is a hole, emulated.
  await hv.createDomain({ domid: 1, maxGpfn: 0xdffff, vcpus: 2 });
  const dm = new DeviceModel({ backend: hv, iface: '4.22' });
  return { hv, dm };
}

async function next(it: AsyncIterator<IoreqRequest>): Promise<IoreqRequest> {
  const r = await it.next();
  if (r.done) throw new Error('the stream ended');
  return r.value;
}

/** The next request, which must be a synchronous one. */
async function nextSync(it: AsyncIterator<IoreqRequest>): Promise<SyncIoreqRequest> {
  const req = await next(it);
  if (req.buffered) throw new Error('expected a synchronous request');
  return req;
}

describe.skipIf(!simulatorHasPages)('IoreqServer over the in-process Hypervisor', () => {
  it('an MMIO read is answered with the value the guest sees; a PIO write; a PCI config read', async () => {
    const { hv, dm } = await setup();
    await using server = await IoreqServer.create(dm, 1);
    await server.mapMmio(0xfe000000n, 0xfe000fffn);
    await server.mapPort(0x3f8, 0x3ff);
    await server.mapPcidev(0, 0, 3, 0);
    await server.enable();
    const stream = server.requests()[Symbol.asyncIterator]();

    const read = hv.guestAccess({ domid: 1, vcpu: 1, kind: 'read', addr: 0xfe000010n, size: 4 });
    const r1 = await nextSync(stream);
    expect(r1).toMatchObject({ vcpu: 1, type: 'copy', dir: 'read', addr: 0xfe000010n, size: 4, count: 1, buffered: false });
    await r1.respond(0xcafef00dn);
    expect(await read).toMatchObject({ outcome: 'ioreq', value: 0xcafef00dn });

    const out = hv.guestAccess({ domid: 1, vcpu: 0, kind: 'out', addr: 0x3f8n, size: 1, value: 0x41n });
    const r2 = await next(stream);
    expect(r2).toMatchObject({ vcpu: 0, type: 'pio', dir: 'write', addr: 0x3f8n, size: 1, data: 0x41n, buffered: false });
    await r2.respond();
    expect(await out).toMatchObject({ outcome: 'ioreq', value: null });

    await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'out', addr: 0xcf8n, size: 4, value: 0x80001800n }); // bus 0, dev 3, fn 0, reg 0
    const cfg = hv.guestAccess({ domid: 1, vcpu: 0, kind: 'in', addr: 0xcfcn, size: 2 });
    const r3 = await nextSync(stream);
    expect(r3).toMatchObject({ type: 'pci_config', dir: 'read', addr: (0x18n << 32n) | 0n, size: 2 });
    await r3.respond(0x1234n);
    expect(await cfg).toMatchObject({ outcome: 'ioreq', value: 0x1234n });
  });

  it('VGA-window writes arrive through the buffered ring (1 and 2 slots), flagged', async () => {
    const { hv, dm } = await setup();
    await using server = await IoreqServer.create(dm, 1, { bufioreq: 'atomic' });
    await dm.setMemType(1, 'mmio_dm', 0xa0, 0x20); // the VGA window is emulated, as hvmloader leaves it
    await server.mapMmio(0xa0000n, 0xbffffn);
    await server.enable();
    const stream = server.requests()[Symbol.asyncIterator]();
    await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'write', addr: 0xa0000n, size: 4, value: 0x11223344n });
    await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'write', addr: 0xa0008n, size: 8, value: 0x0102030405060708n });
    const a = await next(stream);
    const b = await next(stream);
    expect([a, b]).toMatchObject([
      { buffered: true, type: 'copy', dir: 'write', addr: 0xa0000n, size: 4, count: 1, data: 0x11223344n },
      { buffered: true, type: 'copy', dir: 'write', addr: 0xa0008n, size: 8, count: 1, data: 0x0102030405060708n },
    ]);
    expect(() => a.respond()).toThrow(expect.objectContaining({ name: 'InputError' }));
  });

  it('before 4.11 acquire_resource is EOPNOTSUPP and auto falls back to the gfns', async () => {
    const { hv, dm } = await setup('4.10');
    await using server = await IoreqServer.create(dm, 1);
    await server.mapMmio(0xfe000000n, 0xfe000fffn);
    await server.enable();
    const stream = server.requests()[Symbol.asyncIterator]();
    const read = hv.guestAccess({ domid: 1, vcpu: 0, kind: 'read', addr: 0xfe000000n, size: 8 });
    await (await nextSync(stream)).respond(0x1122334455667788n);
    expect(await read).toMatchObject({ value: 0x1122334455667788n });
  });

  it('close releases the claim, disables and destroys: the server is gone from the domain', async () => {
    const { hv, dm } = await setup();
    const server = await IoreqServer.create(dm, 1);
    await server.claimMemType({ write: true });
    await server.enable();
    expect((await hv.inspect(1)).ioreqClaim.owner).toBe(server.id);
    await server.close();
    expect((await hv.inspect(1)).ioreqClaim).toMatchObject({ owner: null, flags: 0 });
    await expect(dm.destroyIoreqServer(1, server.id)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
