/** IoreqServer.attach: a device model takes over a server it did not create in this process. */
import { describe, expect, it } from 'vitest';
import { XenError } from '@xenmem/abi-types';
import { Hypervisor } from '@xenmem/hypervisor-sim';
import { DeviceModel, IoreqServer } from '../src/index.js';

async function setup(release: '4.10' | '4.22') {
  const hv = new Hypervisor({ release });
  await hv.createDomain({ domid: 1, maxGpfn: 0xdffff, vcpus: 2 });
  return { hv, dm: new DeviceModel({ backend: hv, iface: '4.22' }) };
}

describe('IoreqServer.attach', () => {
  for (const release of ['4.10', '4.22'] as const) {
    it(`serves a server created earlier with plain dm_op calls, and close() destroys it (Xen ${release}: pages by ${release === '4.10' ? 'gfn' : 'acquire_resource'})`, async () => {
      const { hv, dm } = await setup(release);
      // What an earlier device model left: a server with an MMIO range, not yet serving.
      const id = await dm.createIoreqServer(1, 'atomic');
      await dm.mapIoRangeToIoreqServer(1, id, true, 0xfe000000n, 0xfe000fffn);

      const server = await IoreqServer.attach(dm, 1, id);
      expect([server.id, server.domid, server.bufioreqPort]).toEqual([id, 1, (await dm.getIoreqServerInfo(1, id, { gfns: false })).bufioreqPort]);
      const stream = server.requests()[Symbol.asyncIterator]();
      const read = hv.guestAccess({ domid: 1, vcpu: 1, kind: 'read', addr: 0xfe000020n, size: 4 });
      const req = (await stream.next()).value!;
      expect(req).toMatchObject({ vcpu: 1, type: 'copy', dir: 'read', addr: 0xfe000020n, size: 4, buffered: false });
      if (req.buffered) throw new Error('expected a synchronous request');
      await req.respond(0x5a5a5a5an);
      expect(await read).toMatchObject({ outcome: 'ioreq', value: 0x5a5a5a5an });

      await server.close();
      const gone = await dm.getIoreqServerInfo(1, id).catch((e: unknown) => e);
      expect(gone).toBeInstanceOf(XenError);
      expect([(gone as XenError).code, (gone as XenError).reason?.id]).toEqual(['ENOENT', 'ioreq-server-missing']);
    });
  }

  it('a server id the domain does not have is the XenError of get_ioreq_server_info (ENOENT)', async () => {
    const { dm } = await setup('4.22');
    const e = await IoreqServer.attach(dm, 1, 7).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(XenError);
    expect([(e as XenError).code, (e as XenError).op, (e as XenError).reason?.id]).toEqual(['ENOENT', 'get_ioreq_server_info', 'ioreq-server-missing']);
  });
});
