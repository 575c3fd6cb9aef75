/**
 * Behaviours where the simulator once answered differently from Xen (issue 13), each at the releases where
 * Xen's source differs: inject_msi's checks, 4.11's DEFAULT_IOSERVID, 4.6–4.8's set_mem_type refusal after
 * a changed page, and the ioreq gfn pool with its field names. The log-dirty ones are in dirty.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { DM_OP_HEADER, decodeStruct, layoutAt } from '@xenmem/abi-types';
import { CORES, ERR, dm, hypervisor, legacySetMemType } from './harness.js';

const DM = 0;
const RAM_RO = 1; // HVMMEM_ram_ro
const P2M_MMIO_DIRECT = 5;

describe.each(CORES)('where the simulator follows Xen (%s core)', (_name, core) => {
  // xen/arch/x86/hvm/irq.c hvm_inject_msi, xen/arch/x86/hvm/vmsi.c vmsi_deliver, the same from 4.9 to 4.22.
  describe.each(['4.9', '4.22'])('inject_msi at %s', (release) => {
    it('vector 0 with pirq 0 is ERANGE; a pirq in the address passes', async () => {
      const hv = await hypervisor(core, release);
      expect((await dm(hv, 'inject_msi', { addr: 0xfee00000n, data: 0 })).rc).toBe(ERR.ERANGE);
      expect(ERR.ERANGE).toBe(-34);
      expect((await dm(hv, 'inject_msi', { addr: 0xfee05000n, data: 0 })).rc).toBe(0); // dest id 5
      expect((await dm(hv, 'inject_msi', { addr: 0xff_fee00000n, data: 0 })).rc).toBe(ERR.ERANGE); // addr bits 32–39 are masked off
      expect((await dm(hv, 'inject_msi', { addr: 0x100_fee00000n, data: 0 })).rc).toBe(0); // bit 40 → pirq 0x100
    });

    it('only the fixed and lowest-priority delivery modes are delivered', async () => {
      const hv = await hypervisor(core, release);
      expect((await dm(hv, 'inject_msi', { addr: 0xfee00000n, data: 0x031 })).rc).toBe(0); // fixed
      expect((await dm(hv, 'inject_msi', { addr: 0xfee00000n, data: 0x131 })).rc).toBe(0); // lowest priority
      for (const mode of [2, 3, 4, 5, 6, 7]) expect((await dm(hv, 'inject_msi', { addr: 0xfee00000n, data: (mode << 8) | 0x31 })).rc, `mode ${mode}`).toBe(ERR.EINVAL);
      expect((await dm(hv, 'inject_msi', { addr: 0xfee00000n, data: 0x431, pad: 1 })).rc).toBe(ERR.EINVAL);
      const events = (await hv.inspect(1)).events.filter((e) => e.op === 'inject_msi');
      expect(events.map((e) => e.args.data)).toEqual([0x031, 0x131]);
    });
  });

  // xen/arch/x86/hvm/ioreq.c @ RELEASE-4.11.0: `if ( id == DEFAULT_IOSERVID ) return -EOPNOTSUPP;`.
  describe('server id 0', () => {
    it('4.11: EOPNOTSUPP for get_info, map/unmap range, map_mem_type and set_state; EPERM for destroy', async () => {
      const hv = await hypervisor(core, '4.11');
      expect((await dm(hv, 'create_ioreq_server', {})).out.id).toBe(1);
      expect((await dm(hv, 'get_ioreq_server_info', { id: 0 })).rc).toBe(ERR.EOPNOTSUPP);
      expect((await dm(hv, 'get_ioreq_server_info', { id: 0, flags: 2 })).rc).toBe(ERR.EINVAL); // flags first (dm.c)
      expect((await dm(hv, 'map_io_range_to_ioreq_server', { id: 0, type: 0, start: 1n, end: 2n })).rc).toBe(ERR.EOPNOTSUPP);
      expect((await dm(hv, 'map_io_range_to_ioreq_server', { id: 0, type: 0, start: 2n, end: 1n })).rc).toBe(ERR.EINVAL); // start > end first
      expect((await dm(hv, 'unmap_io_range_from_ioreq_server', { id: 0, type: 0, start: 1n, end: 2n })).rc).toBe(ERR.EOPNOTSUPP);
      expect((await dm(hv, 'map_mem_type_to_ioreq_server', { id: 0, type: 0, flags: 1 })).rc).toBe(ERR.EOPNOTSUPP); // before the type test
      expect((await dm(hv, 'set_ioreq_server_state', { id: 0, enabled: 1 })).rc).toBe(ERR.EOPNOTSUPP);
      expect((await dm(hv, 'destroy_ioreq_server', { id: 0 })).rc).toBe(ERR.EPERM);
      expect(await hv.acquireResource(DM, 1, 0, 0, 1, 1)).toEqual({ rc: ERR.EOPNOTSUPP, pages: [] });
      expect((await dm(hv, 'get_ioreq_server_info', { id: 2 })).rc).toBe(ERR.ENOENT);
    });

    it.each(['4.10', '4.12', '4.22'])('%s: an ordinary id (ENOENT while no server has it)', async (release) => {
      const hv = await hypervisor(core, release);
      expect((await dm(hv, 'get_ioreq_server_info', { id: 0 })).rc).toBe(ERR.ENOENT);
      expect((await dm(hv, 'map_io_range_to_ioreq_server', { id: 0, type: 0, start: 1n, end: 2n })).rc).toBe(ERR.ENOENT);
      expect((await dm(hv, 'map_mem_type_to_ioreq_server', { id: 0, type: 0, flags: 1 })).rc).toBe(ERR.EINVAL);
      expect((await dm(hv, 'set_ioreq_server_state', { id: 0, enabled: 1 })).rc).toBe(ERR.ENOENT);
      expect((await dm(hv, 'destroy_ioreq_server', { id: 0 })).rc).toBe(ERR.ENOENT);
    });
  });

  // xen/arch/x86/hvm/hvm.c (HVMOP_set_mem_type) @ RELEASE-4.6.0, 4.7.0, 4.8.0: the refusal is `goto` without rc.
  describe('set_mem_type refusing a page after the first', () => {
    it.each(['4.6', '4.7', '4.8'])('%s: returns the previous page’s 0; a refusal on the first page is EINVAL', async (release) => {
      const hv = await hypervisor(core, release);
      await hv.seedP2m(1, 0x105n, 1, P2M_MMIO_DIRECT);
      const r = await legacySetMemType(hv, { hvmmem_type: RAM_RO, nr: 16, first_pfn: 0x100n });
      expect(r).toMatchObject({ rc: 0, progress: 5, continuations: 0 });
      expect(hv.p2mTypeAt(1, 0x104n)).toBe(3); // p2m_ram_ro
      expect(hv.p2mTypeAt(1, 0x105n)).toBe(P2M_MMIO_DIRECT);
      expect(hv.p2mTypeAt(1, 0x106n)).toBe(0);
      expect(await legacySetMemType(hv, { hvmmem_type: RAM_RO, nr: 4, first_pfn: 0x105n })).toMatchObject({ rc: ERR.EINVAL, progress: 0 });
    });

    it('4.8: the first page of a continuation counts as a first page', async () => {
      const hv = await hypervisor(core, '4.8', 'always');
      await hv.seedP2m(1, 0x100n + 256n, 1, P2M_MMIO_DIRECT);
      await hv.seedP2m(1, 0x1000n + 300n, 1, P2M_MMIO_DIRECT);
      expect(await legacySetMemType(hv, { hvmmem_type: RAM_RO, nr: 512, first_pfn: 0x100n })).toMatchObject({ rc: ERR.EINVAL, progress: 256, continuations: 1 });
      expect(await legacySetMemType(hv, { hvmmem_type: RAM_RO, nr: 512, first_pfn: 0x1000n })).toMatchObject({ rc: 0, progress: 300, continuations: 1 });
    });

    it.each(['4.9', '4.22'])('%s: the DMOP sets EINVAL wherever the page lies', async (release) => {
      const hv = await hypervisor(core, release);
      await hv.seedP2m(1, 0x105n, 1, P2M_MMIO_DIRECT);
      expect(await dm(hv, 'set_mem_type', { first_pfn: 0x100n, nr: 16, mem_type: RAM_RO })).toMatchObject({ rc: ERR.EINVAL, progress: 5 });
      expect(hv.p2mTypeAt(1, 0x104n)).toBe(3);
    });
  });

  // tools/libxc/xc_dom_x86.c ioreq_server_pfn(0) = 0xff000 - 8 - 8; public/hvm/dm_op.h names at the tags.
  describe.each([
    ['4.9', 'ioreq_pfn', 'bufioreq_pfn'],
    ['4.10', 'ioreq_gfn', 'bufioreq_gfn'],
  ])('the gfn pool at %s', (release, ioreqField, bufioreqField) => {
    it(`hands out 0xfeff0 … 0xfeff7 and names them ${ioreqField}/${bufioreqField}`, async () => {
      const hv = await hypervisor(core, release);
      const layout = layoutAt('xen_dm_op_get_ioreq_server_info', release);
      const info = async (id: number) => {
        const r = await dm(hv, 'get_ioreq_server_info', { id });
        return decodeStruct(layout, r.buf, DM_OP_HEADER) as unknown as Record<string, unknown>;
      };
      const ids: number[] = [];
      for (let i = 0; i < 4; i++) ids.push((await dm(hv, 'create_ioreq_server', { handle_bufioreq: 1 })).out.id as number);
      expect(await info(ids[0]!)).toMatchObject({ [ioreqField]: 0xfeff0n, [bufioreqField]: 0xfeff1n });
      expect(await info(ids[3]!)).toMatchObject({ [ioreqField]: 0xfeff6n, [bufioreqField]: 0xfeff7n });
      expect((await dm(hv, 'create_ioreq_server', { handle_bufioreq: 0 })).rc).toBe(ERR.ENOMEM);
    });
  });
});
