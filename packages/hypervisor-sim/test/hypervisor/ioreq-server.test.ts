import { describe, expect, it } from 'vitest';
import { encodeHvmOpArg, decodeHvmOpArg } from '@xenmem/abi-types';
import { CORES, ERR, claim, dm, getMemType, hypervisor } from './harness.js';

// ioreq servers and the ioreq_server claim, as xen/arch/x86/hvm/dm.c dm_op() and ioreq.c at the release tags.
describe.each(CORES)('ioreq servers (%s core)', (_name, core) => {
  describe('server ids by release', () => {
    it.each([
      ['4.9', [1, 2, 3, 4], ERR.ENOMEM], // counter; 8 pool gfns, 2 per buffered server
      ['4.11', [1, 2, 3, 4, 5, 6, 7], ERR.ENOSPC], // slot 0 is the default server's
      ['4.12', [0, 1, 2, 3, 4, 5, 6, 7], ERR.ENOSPC],
    ])('at %s ids are %j, then %i', async (release, ids, exhausted) => {
      const hv = await hypervisor(core, release);
      const got = [];
      for (const _ of ids) {
        const r = await dm(hv, 'create_ioreq_server', { handle_bufioreq: 1 });
        expect(r.rc).toBe(0);
        got.push(r.out.id);
      }
      expect(got).toEqual(ids);
      expect((await dm(hv, 'create_ioreq_server', { handle_bufioreq: 1 })).rc).toBe(exhausted);
    });

    it('4.9/4.10: the counter does not reuse a destroyed id', async () => {
      const hv = await hypervisor(core, '4.10');
      const a = (await dm(hv, 'create_ioreq_server', {})).out.id as number;
      expect((await dm(hv, 'destroy_ioreq_server', { id: a })).rc).toBe(0);
      expect((await dm(hv, 'create_ioreq_server', {})).out.id).toBe(a + 1);
    });

    it('4.12+: the lowest free slot is reused', async () => {
      const hv = await hypervisor(core, '4.22');
      await dm(hv, 'create_ioreq_server', {});
      await dm(hv, 'create_ioreq_server', {});
      await dm(hv, 'destroy_ioreq_server', { id: 0 });
      expect((await dm(hv, 'create_ioreq_server', {})).out.id).toBe(0);
    });
  });

  it('create: pad bytes or handle_bufioreq > 2 → EINVAL', async () => {
    const hv = await hypervisor(core, '4.22');
    expect((await dm(hv, 'create_ioreq_server', { handle_bufioreq: 3 })).rc).toBe(ERR.EINVAL);
    expect((await dm(hv, 'create_ioreq_server', { pad: [0, 1, 0] })).rc).toBe(ERR.EINVAL);
  });

  describe('get_ioreq_server_info', () => {
    it('4.11+: gfns from the pool unless XEN_DMOP_no_gfns; the buffered port only when buffered', async () => {
      const hv = await hypervisor(core, '4.22', 'never', [{ domid: 1, maxGpfn: 0xfffff, vcpus: 2 }]);
      const id = (await dm(hv, 'create_ioreq_server', { handle_bufioreq: 2 })).out.id as number;
      const noGfns = await dm(hv, 'get_ioreq_server_info', { id, flags: 1 });
      expect(noGfns.rc).toBe(0);
      expect(noGfns.out).toMatchObject({ ioreq_gfn: 0n, bufioreq_gfn: 0n, bufioreq_port: 3 });
      const gfns = await dm(hv, 'get_ioreq_server_info', { id });
      expect(gfns.out).toMatchObject({ ioreq_gfn: 0xfeff0n, bufioreq_gfn: 0xfeff1n, bufioreq_port: 3 });
      expect((await dm(hv, 'get_ioreq_server_info', { id, flags: 2 })).rc).toBe(ERR.EINVAL);
      expect((await dm(hv, 'get_ioreq_server_info', { id: 5 })).rc).toBe(ERR.ENOENT);
    });

    it('4.9/4.10: the field is pad and must be zero', async () => {
      const hv = await hypervisor(core, '4.10');
      const id = (await dm(hv, 'create_ioreq_server', {})).out.id as number;
      expect((await dm(hv, 'get_ioreq_server_info', { id, flags: 1 })).rc).toBe(ERR.EINVAL);
      const r = await dm(hv, 'get_ioreq_server_info', { id });
      expect(r.rc).toBe(0);
    });

    it('4.11+: only the emulator that created the server → otherwise EPERM; 4.10 lets any privileged caller', async () => {
      for (const [release, rc] of [
        ['4.10', 0],
        ['4.11', ERR.EPERM],
      ] as const) {
        const hv = await hypervisor(core, release, 'never', [{ domid: 1, maxGpfn: 0xfffff, dm: 5 }]);
        const id = (await dm(hv, 'create_ioreq_server', {}, { caller: 5 })).out.id as number;
        expect((await dm(hv, 'set_ioreq_server_state', { id, enabled: 1 }, { caller: 0 })).rc, release).toBe(rc);
      }
    });
  });

  describe('io ranges', () => {
    it('inclusive ranges; overlap EEXIST; adjacent ranges merge; unmap needs containment', async () => {
      const hv = await hypervisor(core, '4.22');
      const id = (await dm(hv, 'create_ioreq_server', {})).out.id as number;
      const map = (start: bigint, end: bigint, type = 1) => dm(hv, 'map_io_range_to_ioreq_server', { id, type, start, end });
      const unmap = (start: bigint, end: bigint, type = 1) => dm(hv, 'unmap_io_range_from_ioreq_server', { id, type, start, end });
      expect((await map(0x1000n, 0x1fffn)).rc).toBe(0);
      expect((await map(0x1fffn, 0x2fffn)).rc).toBe(ERR.EEXIST);
      expect((await map(0x2000n, 0x2fffn)).rc).toBe(0); // merges into 0x1000–0x2fff
      expect((await unmap(0x1000n, 0x2fffn)).rc).toBe(0);
      expect((await unmap(0x1000n, 0x1000n)).rc).toBe(ERR.ENOENT);
      expect((await map(0x10n, 0x10n, 3)).rc).toBe(ERR.EINVAL);
      expect((await dm(hv, 'map_io_range_to_ioreq_server', { id: 9, type: 1, start: 0n, end: 0n })).rc).toBe(ERR.ENOENT);
    });

    it('256 ranges per rangeset, then ENOMEM', async () => {
      const hv = await hypervisor(core, '4.22');
      const id = (await dm(hv, 'create_ioreq_server', {})).out.id as number;
      for (let i = 0n; i < 256n; i++) expect((await dm(hv, 'map_io_range_to_ioreq_server', { id, type: 0, start: i * 2n, end: i * 2n })).rc).toBe(0);
      expect((await dm(hv, 'map_io_range_to_ioreq_server', { id, type: 0, start: 1000n, end: 1000n })).rc).toBe(ERR.ENOMEM);
      // Filling a gap merges three ranges into one: no new range needed.
      expect((await dm(hv, 'map_io_range_to_ioreq_server', { id, type: 0, start: 1n, end: 1n })).rc).toBe(0);
    });

    it.each([
      ['4.9', 0],
      ['4.10', ERR.EINVAL],
    ])('start > end at %s → %i', async (release, rc) => {
      const hv = await hypervisor(core, release);
      const id = (await dm(hv, 'create_ioreq_server', {})).out.id as number;
      expect((await dm(hv, 'map_io_range_to_ioreq_server', { id, type: 1, start: 2n, end: 1n })).rc).toBe(rc);
    });
  });

  describe('map_mem_type_to_ioreq_server', () => {
    it('HAP off → EOPNOTSUPP; wrong type, READ flag → EINVAL; unknown id → ENOENT', async () => {
      const nohap = await hypervisor(core, '4.22', 'never', [{ domid: 1, maxGpfn: 0xff, hap: false }]);
      expect((await dm(nohap, 'map_mem_type_to_ioreq_server', { id: 0, type: 4, flags: 2 })).rc).toBe(ERR.EOPNOTSUPP);
      const hv = await hypervisor(core, '4.22');
      const id = (await dm(hv, 'create_ioreq_server', {})).out.id as number;
      expect((await dm(hv, 'map_mem_type_to_ioreq_server', { id, type: 2, flags: 2 })).rc).toBe(ERR.EINVAL);
      expect((await dm(hv, 'map_mem_type_to_ioreq_server', { id, type: 4, flags: 1 })).rc).toBe(ERR.EINVAL);
      expect((await dm(hv, 'map_mem_type_to_ioreq_server', { id: 7, type: 4, flags: 2 })).rc).toBe(ERR.ENOENT);
    });

    it('single owner: any owner, even the same server, → EBUSY; unmap by a non-owner → EINVAL', async () => {
      const hv = await hypervisor(core, '4.22');
      const a = await claim(hv);
      const b = (await dm(hv, 'create_ioreq_server', {})).out.id as number;
      expect((await dm(hv, 'map_mem_type_to_ioreq_server', { id: a, type: 4, flags: 2 })).rc).toBe(ERR.EBUSY);
      expect((await dm(hv, 'map_mem_type_to_ioreq_server', { id: b, type: 4, flags: 2 })).rc).toBe(ERR.EBUSY);
      expect((await dm(hv, 'map_mem_type_to_ioreq_server', { id: b, type: 4, flags: 0 })).rc).toBe(ERR.EINVAL);
      expect((await dm(hv, 'map_mem_type_to_ioreq_server', { id: a, type: 4, flags: 0 })).rc).toBe(0);
      expect((await dm(hv, 'map_mem_type_to_ioreq_server', { id: b, type: 4, flags: 2 })).rc).toBe(0);
    });

    it('unmap sweeps the pages back to ram_rw, 256 gfns per step, with opaque as the cursor', async () => {
      const hv = await hypervisor(core, '4.22', 'always', [{ domid: 1, maxGpfn: 0xfff }]);
      const id = await claim(hv);
      expect((await dm(hv, 'set_mem_type', { nr: 16, mem_type: 4, first_pfn: 0x800n })).rc).toBe(0);
      const r = await dm(hv, 'map_mem_type_to_ioreq_server', { id, type: 4, flags: 0 });
      // Steps of 256 gfns from 0; the step at 0x800 clears the entries, and gfns remain, so Xen checks once more.
      expect(r).toMatchObject({ rc: 0, continuations: 9 });
      expect(r.out.opaque).toBe(0x900n);
      expect((await hv.inspect(1)).ioreqClaim).toEqual({ owner: null, flags: 0, entryCount: 0 });
      expect((await getMemType(hv, 0x805n)).memType).toBe(0);
    });

    it('destroy drops the claim but leaves the pages and entry_count: a new claim is EBUSY until they are reset', async () => {
      const hv = await hypervisor(core, '4.22');
      const a = await claim(hv);
      expect((await dm(hv, 'set_mem_type', { nr: 4, mem_type: 4, first_pfn: 0x10n })).rc).toBe(0);
      expect((await dm(hv, 'destroy_ioreq_server', { id: a })).rc).toBe(0);
      expect((await hv.inspect(1)).ioreqClaim).toEqual({ owner: null, flags: 0, entryCount: 4 });
      expect((await getMemType(hv, 0x10n)).memType).toBe(4);
      const b = (await dm(hv, 'create_ioreq_server', {})).out.id as number;
      expect((await dm(hv, 'map_mem_type_to_ioreq_server', { id: b, type: 4, flags: 2 })).rc).toBe(ERR.EBUSY);
      expect((await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'write', addr: 0x10000n, size: 4, value: 1n })).outcome).toBe('retry');
      expect((await dm(hv, 'set_mem_type', { nr: 4, mem_type: 0, first_pfn: 0x10n })).rc).toBe(0); // no owner needed
      expect((await dm(hv, 'map_mem_type_to_ioreq_server', { id: b, type: 4, flags: 2 })).rc).toBe(0);
    });

    it('a non-zero opaque with flags skips the map step and returns 0', async () => {
      const hv = await hypervisor(core, '4.22');
      const id = (await dm(hv, 'create_ioreq_server', {})).out.id as number;
      expect((await dm(hv, 'map_mem_type_to_ioreq_server', { id, type: 4, flags: 2, opaque: 5n })).rc).toBe(0);
      expect((await hv.inspect(1)).ioreqClaim.owner).toBeNull();
    });
  });

  it('4.6–4.8 speak the HVMOP forms (17 create, 22 set_state)', async () => {
    const hv = await hypervisor(core, '4.8');
    const create = encodeHvmOpArg('create_ioreq_server', { domid: 1, handle_bufioreq: 1 });
    expect((await hv.hvmOp(0, 17, create)).rc).toBe(0);
    const id = decodeHvmOpArg('create_ioreq_server', create).id as number;
    expect(id).toBe(1);
    const state = encodeHvmOpArg('set_ioreq_server_state', { domid: 1, id, enabled: 1 });
    expect((await hv.hvmOp(0, 22, state)).rc).toBe(0);
    const info = encodeHvmOpArg('get_ioreq_server_info', { domid: 1, id });
    expect((await hv.hvmOp(0, 18, info)).rc).toBe(0);
    expect(decodeHvmOpArg('get_ioreq_server_info', info)).toMatchObject({ ioreq_pfn: 0xfeff0n, bufioreq_pfn: 0xfeff1n });
    const hv9 = await hypervisor(core, '4.9');
    expect((await hv9.hvmOp(0, 17, encodeHvmOpArg('create_ioreq_server', { domid: 1 }))).rc).toBe(ERR.ENOSYS);
  });
});
