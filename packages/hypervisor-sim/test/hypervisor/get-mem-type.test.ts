import { describe, expect, it } from 'vitest';
import { encodeHvmOpArg } from '@xenmem/abi-types';
import { CORES, ERR, getMemType, hypervisor } from './harness.js';

// HVMOP_get_mem_type (xen/arch/x86/hvm/hvm.c hvmop_get_mem_type() at the release tags): lossy, no range check, DOMID_SELF, XSM_TARGET.
describe.each(CORES)('get_mem_type (%s core)', (_name, core) => {
  it.each([
    // release, seeded p2m type, reported hvmmem
    ['4.22', 2, 1], // logdirty → ram_ro
    ['4.22', 12, 1], // shared → ram_ro
    ['4.22', 5, 2], // passthrough → mmio_dm
    ['4.22', 13, 2], // broken → mmio_dm
    ['4.22', 14, 2], // foreign → mmio_dm
    ['4.22', 6, 0], // PoD → ram_rw (not populated by the query)
    ['4.22', 10, 0], // paged → ram_rw
    ['4.22', 8, 1], // grant ro → ram_ro
    ['4.6', 15, 3], // mmio_write_dm
    ['4.7', 15, 1], // leftover mmio_write_dm reads ram_ro
    ['4.8', 15, 4],
  ])('at %s, p2m %i reads %i', async (release, p2m, hvmmem) => {
    const hv = await hypervisor(core, release);
    await hv.seedP2m(1, 0x42n, 1, p2m);
    expect(await getMemType(hv, 0x42n)).toEqual({ rc: 0, memType: hvmmem });
    expect(hv.p2mTypeAt(1, 0x42n)).toBe(p2m);
  });

  it('a pfn beyond the p2m reads as a hole (mmio_dm), even far beyond', async () => {
    const hv = await hypervisor(core, '4.22');
    expect(await getMemType(hv, 0x100000n)).toEqual({ rc: 0, memType: 2 });
    expect(await getMemType(hv, 0xffffffffffffffffn)).toEqual({ rc: 0, memType: 2 });
  });

  it('permissions: self (also via DOMID_SELF), domain 0 and the device model may ask; others EPERM; ESRCH; PV EINVAL', async () => {
    const hv = await hypervisor(core, '4.22', 'never', [{ domid: 1, maxGpfn: 0xff, dm: 5 }, { domid: 2, maxGpfn: 0xff }, { domid: 3, maxGpfn: 0xff, hvm: false }]);
    expect((await getMemType(hv, 0n, { caller: 1 })).rc).toBe(0);
    expect((await getMemType(hv, 0n, { caller: 1, domid: 0x7ff0 })).rc).toBe(0);
    expect((await getMemType(hv, 0n, { caller: 5 })).rc).toBe(0);
    expect((await getMemType(hv, 0n, { caller: 2 })).rc).toBe(ERR.EPERM);
    expect((await getMemType(hv, 0n, { domid: 9 })).rc).toBe(ERR.ESRCH);
    expect((await getMemType(hv, 0n, { domid: 3 })).rc).toBe(ERR.EINVAL);
    expect((await hv.hvmOp(0, 15, encodeHvmOpArg('get_mem_type', { domid: 1 }).subarray(0, 15))).rc).toBe(ERR.EFAULT);
  });

  it('HVMOPs outside the model and unknown numbers are ENOSYS', async () => {
    const hv = await hypervisor(core, '4.22');
    expect((await hv.hvmOp(0, 0, new Uint8Array(16))).rc).toBe(ERR.ENOSYS);
    expect((await hv.hvmOp(0, 99, new Uint8Array(16))).rc).toBe(ERR.ENOSYS);
    expect((await hv.hvmOp(0, 15 | 0x100, new Uint8Array(16))).rc).toBe(ERR.ENOSYS);
  });
});
