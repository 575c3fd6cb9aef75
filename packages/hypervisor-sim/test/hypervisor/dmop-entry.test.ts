import { describe, expect, it } from 'vitest';
import { encodeDmOp } from '@xenmem/abi-types';
import { CORES, ERR, dm, hypervisor } from './harness.js';

// The generic dm_op path (xen/common/dm.c do_dm_op() and xen/arch/x86/hvm/dm.c dm_op() at the release tags), in Xen's order, per release.
describe.each(CORES)('do_dm_op checks (%s core)', (_name, core) => {
  it('does not exist before 4.9', async () => {
    for (const release of ['4.6', '4.7', '4.8']) {
      const hv = await hypervisor(core, release);
      expect((await hv.dmOp(0, 1, [encodeDmOp('nr_vcpus', {})])).rc).toBe(ERR.ENOSYS);
    }
  });

  it('checks buffers before the domain: ENODATA, E2BIG, EFAULT', async () => {
    const hv = await hypervisor(core, '4.22');
    expect((await hv.dmOp(0, 99, [])).rc).toBe(ERR.ENODATA);
    expect((await hv.dmOp(0, 99, [new Uint8Array(32), new Uint8Array(1), new Uint8Array(1)])).rc).toBe(ERR.E2BIG);
    expect((await hv.dmOp(0, 1, ['not a buffer' as unknown as Uint8Array])).rc).toBe(ERR.EFAULT);
  });

  it('ESRCH for no such domain, EPERM for the caller itself, EPERM for an unprivileged caller', async () => {
    const hv = await hypervisor(core, '4.22', 'never', [{ domid: 1, maxGpfn: 0xff, dm: 5 }, { domid: 2, maxGpfn: 0xff }]);
    const op = () => encodeDmOp('nr_vcpus', {});
    expect((await hv.dmOp(0, 7, [op()])).rc).toBe(ERR.ESRCH);
    expect((await hv.dmOp(1, 1, [op()])).rc).toBe(ERR.EPERM);
    expect((await hv.dmOp(2, 1, [op()])).rc).toBe(ERR.EPERM);
    expect((await hv.dmOp(5, 1, [op()])).rc).toBe(0);
    expect((await hv.dmOp(0, 1, [op()])).rc).toBe(0);
  });

  it.each([
    ['4.9', 0],
    ['4.14', 0],
    ['4.15', ERR.EINVAL],
    ['4.22', ERR.EINVAL],
  ])('a PV target at %s gives %i', async (release, rc) => {
    const hv = await hypervisor(core, release, 'never', [{ domid: 3, maxGpfn: 0xff, hvm: false }]);
    const r = await dm(hv, 'set_mem_type', { nr: 1, mem_type: 1, first_pfn: 0n }, { domid: 3 });
    expect(r.rc).toBe(rc);
  });

  it('4.9/4.10 need the whole 32-byte xen_dm_op; 4.11+ only the header and the payload', async () => {
    // set_mem_type's payload is 16 bytes: 24 bytes hold header + payload but not the whole union.
    const exact = () => new Uint8Array(encodeDmOp('set_mem_type', { nr: 1, mem_type: 1, first_pfn: 0x10n }).subarray(0, 24));
    for (const [release, rc] of [
      ['4.9', ERR.EFAULT],
      ['4.10', ERR.EFAULT],
      ['4.11', 0],
      ['4.22', 0],
    ] as const) {
      const hv = await hypervisor(core, release);
      expect((await hv.dmOp(0, 1, [exact()])).rc, release).toBe(rc);
    }
    const hv = await hypervisor(core, '4.22');
    expect((await hv.dmOp(0, 1, [new Uint8Array(7)])).rc).toBe(ERR.EFAULT);
    expect((await hv.dmOp(0, 1, [exact().subarray(0, 23)])).rc).toBe(ERR.EFAULT);
  });

  it('op numbers past the release\'s table are EOPNOTSUPP before the payload size is checked', async () => {
    const hv = await hypervisor(core, '4.22');
    const header = new Uint8Array(8);
    header[0] = 21;
    expect((await hv.dmOp(0, 1, [header])).rc).toBe(ERR.EOPNOTSUPP);
    header[0] = 0;
    expect((await hv.dmOp(0, 1, [header])).rc).toBe(ERR.EOPNOTSUPP);
    const hv11 = await hypervisor(core, '4.11');
    header[0] = 20; // nr_vcpus arrived in 4.15
    expect((await hv11.dmOp(0, 1, [header])).rc).toBe(ERR.EOPNOTSUPP);
  });

  it('set_irq_level is Arm only: EOPNOTSUPP on this x86 model, whose op_size for it is 0', async () => {
    const hv = await hypervisor(core, '4.22');
    expect((await dm(hv, 'set_irq_level', { irq: 1, level: 1 })).rc).toBe(ERR.EOPNOTSUPP);
    expect((await hv.dmOp(0, 1, [encodeDmOp('set_irq_level', {}).subarray(0, 8)])).rc).toBe(ERR.EOPNOTSUPP);
  });

  it('never throws for odd buffer lists: sparse arrays and non-buffers are EFAULT', async () => {
    const hv = await hypervisor(core, '4.22');
    const b = encodeDmOp('track_dirty_vram', { first_pfn: 0n, nr: 8 });
    // eslint-disable-next-line no-sparse-arrays
    for (const bufs of [[, b], [b, ,], [b, 'x'], [b, {}]] as unknown as Uint8Array[][]) expect((await hv.dmOp(0, 1, bufs)).rc).toBe(ERR.EFAULT);
  });

  it('a non-zero header pad is EINVAL', async () => {
    const hv = await hypervisor(core, '4.22');
    const buf = encodeDmOp('nr_vcpus', {});
    buf[4] = 1;
    expect((await hv.dmOp(0, 1, [buf])).rc).toBe(ERR.EINVAL);
  });

  it('nr_vcpus copies the count back', async () => {
    const hv = await hypervisor(core, '4.22', 'never', [{ domid: 1, maxGpfn: 0xff, vcpus: 3 }]);
    const r = await dm(hv, 'nr_vcpus', {});
    expect(r.rc).toBe(0);
    expect(r.out.vcpus).toBe(3);
  });
});
