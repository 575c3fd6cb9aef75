/** The DeviceModel suite over the in-process simulator, plus what only an in-process backend can set up. */
import { describe, expect, it } from 'vitest';
import { Hypervisor } from '@xenmem/hypervisor-sim';
import { decodeStruct } from '@xenmem/abi-types';
import { DeviceModel } from '../src/index.js';
import { deviceModelSuite } from './device-model-suite.js';

deviceModelSuite(async (release) => new Hypervisor({ release }));

describe('continuations are followed inside the hypervisor', () => {
  for (const release of ['4.8', '4.22'] as const) {
    it(`set_mem_type over 1000 pages with preemption at every 256-page boundary (Xen ${release})`, async () => {
      const hv = new Hypervisor({ release, preempt: 'always' });
      await hv.createDomain({ domid: 1, maxGpfn: 0xfffff });
      const dm = new DeviceModel({ backend: hv, iface: '4.22' });
      await dm.setMemType(1, 'ram_ro', 0x1000, 1000);
      expect([await dm.getMemType(1, 0x1000), await dm.getMemType(1, 0x1000 + 999), await dm.getMemType(1, 0x1000 + 1000)]).toEqual([
        { type: 'ram_ro', memType: 1 },
        { type: 'ram_ro', memType: 1 },
        { type: 'ram_rw', memType: 0 },
      ]);
      const p2m = (await hv.inspect(1)).p2m.filter((r) => r.name === 'p2m_ram_ro');
      expect(p2m).toEqual([{ first: 0x1000n, count: 1000n, type: 3, name: 'p2m_ram_ro' }]);
    });
  }
});

describe('get_ioreq_server_info at 4.9/4.10: no XEN_DMOP_no_gfns yet (a pad there), gfn fields named *_pfn', () => {
  for (const release of ['4.9', '4.10'] as const) {
    it(`Xen ${release}`, async () => {
      const hv = new Hypervisor({ release });
      await hv.createDomain({ domid: 1, maxGpfn: 0xfffff });
      const sent: Uint8Array[] = [];
      const backend = { release: hv.release, hvmOp: hv.hvmOp.bind(hv), dmOp: (caller: number, domid: number, bufs: Uint8Array[]) => (sent.push(bufs[0]!.slice()), hv.dmOp(caller, domid, bufs)) };
      const dm = new DeviceModel({ backend, iface: '4.22' });
      const id = await dm.createIoreqServer(1, 'atomic');
      // A pad of 1 would be EINVAL here; the client leaves it 0 and does not report the gfns Xen returns anyway.
      expect(await dm.getIoreqServerInfo(1, id, { gfns: false })).toEqual({ ioreqGfn: null, bufioreqGfn: null, bufioreqPort: 2 });
      expect(decodeStruct('xen_dm_op_get_ioreq_server_info@4.9', sent.at(-1)!, 8)).toEqual({ id, pad: 0, bufioreq_port: 0, ioreq_pfn: 0n, bufioreq_pfn: 0n });
      expect(await dm.getIoreqServerInfo(1, id)).toEqual({ ioreqGfn: 0xfeff0n, bufioreqGfn: 0xfeff1n, bufioreqPort: 2 });
    });
  }
});

describe('a failing set_mem_type says how far the loop got, when the backend reports it', () => {
  // 4.8's HVMOP leaves its loop on a refused page without setting rc: after a changed page the call returns 0.
  it('Xen 4.8: a refusal after a changed page returns 0', async () => {
    const hv = new Hypervisor({ release: '4.8' });
    await hv.createDomain({ domid: 1, maxGpfn: 0xfffff });
    const dm = new DeviceModel({ backend: hv, iface: '4.22' });
    await hv.seedP2m(1, 0x102n, 1, 1);
    await expect(dm.setMemType(1, 'ram_ro', 0x100, 4)).resolves.toBeUndefined();
    expect([(await dm.getMemType(1, 0x101)).type, (await dm.getMemType(1, 0x103)).type]).toEqual(['ram_ro', 'ram_rw']);
    await expect(dm.setMemType(1, 'ram_ro', 0x102, 2)).rejects.toMatchObject({ code: 'EINVAL' });
  });
  for (const release of ['4.9', '4.22'] as const) {
    it(`Xen ${release}`, async () => {
      const hv = new Hypervisor({ release });
      await hv.createDomain({ domid: 1, maxGpfn: 0xfffff });
      const dm = new DeviceModel({ backend: hv, iface: '4.22' });
      await hv.seedP2m(1, 0x102n, 1, 1); // a hole (p2m_invalid): ram_ro cannot be set on it
      const err = await dm.setMemType(1, 'ram_ro', 0x100, 4).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'EINVAL', op: 'set_mem_type', message: 'set_mem_type: EINVAL (2 pages processed before the error)' });
      expect([(await dm.getMemType(1, 0x101)).type, (await dm.getMemType(1, 0x103)).type]).toEqual(['ram_ro', 'ram_rw']);
    });
  }
});
