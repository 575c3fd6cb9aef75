import { describe, expect, it } from 'vitest';
import { CORES, ERR, claim, dm, getMemType, hypervisor, legacySetMemType } from './harness.js';

// set_mem_type, xen/arch/x86/hvm/hvm.c hvmop_set_mem_type() (HVMOP, 4.6–4.8) and xen/arch/x86/hvm/dm.c
// set_mem_type() (DMOP, 4.9+).
describe.each(CORES)('set_mem_type (%s core)', (_name, core) => {
  describe('the value (burnt 3, fresh 4) per release', () => {
    it.each([
      ['4.6', 3, 0],
      ['4.7', 3, ERR.EINVAL],
      ['4.8', 3, ERR.EINVAL],
      ['4.6', 4, ERR.EINVAL],
      ['4.7', 4, ERR.EINVAL],
      ['4.8', 4, 0],
      ['4.8', 5, ERR.EINVAL],
    ])('HVMOP at %s, value %i → %i', async (release, value, rc) => {
      const hv = await hypervisor(core, release);
      const r = await legacySetMemType(hv, { hvmmem_type: value, nr: 16, first_pfn: 0x100n });
      expect(r.rc).toBe(rc);
      expect(r.progress).toBe(rc === 0 ? 16 : 0);
    });

    it.each([
      ['4.9', 3, ERR.EINVAL],
      ['4.22', 3, ERR.EINVAL],
      ['4.22', 5, ERR.EINVAL],
      ['4.22', 0xffff, ERR.EINVAL],
    ])('DMOP at %s, value %i → %i', async (release, value, rc) => {
      const hv = await hypervisor(core, release);
      expect((await dm(hv, 'set_mem_type', { nr: 16, mem_type: value, first_pfn: 0x100n })).rc).toBe(rc);
    });

    it('HVMOP set_mem_type is ENOSYS from 4.9 (moved to DMOP 12)', async () => {
      const hv = await hypervisor(core, '4.9');
      expect((await legacySetMemType(hv, { hvmmem_type: 1, nr: 1, first_pfn: 0n })).rc).toBe(ERR.ENOSYS);
    });
  });

  describe('ioreq_server preconditions (4.9+): HAP, then a claim, checked before the loop', () => {
    it('no HAP → EOPNOTSUPP, before the claim check', async () => {
      const hv = await hypervisor(core, '4.22', 'never', [{ domid: 1, maxGpfn: 0xfff, hap: false }]);
      expect((await dm(hv, 'set_mem_type', { nr: 1, mem_type: 4, first_pfn: 0x10n })).rc).toBe(ERR.EOPNOTSUPP);
    });

    it('no claim → EINVAL; with a claim → ok and entry_count counts the pages', async () => {
      const hv = await hypervisor(core, '4.22');
      expect((await dm(hv, 'set_mem_type', { nr: 16, mem_type: 4, first_pfn: 0x100n })).rc).toBe(ERR.EINVAL);
      await claim(hv);
      const r = await dm(hv, 'set_mem_type', { nr: 16, mem_type: 4, first_pfn: 0x100n });
      expect(r.rc).toBe(0);
      expect(r.progress).toBe(16);
      expect((await hv.inspect(1)).ioreqClaim.entryCount).toBe(16);
      expect((await getMemType(hv, 0x105n)).memType).toBe(4);
      // Back to ram_rw needs no owner and lowers entry_count.
      expect((await dm(hv, 'set_mem_type', { nr: 4, mem_type: 0, first_pfn: 0x100n })).rc).toBe(0);
      expect((await hv.inspect(1)).ioreqClaim.entryCount).toBe(12);
    });

    it('4.8 needs neither HAP nor a claim, and ram_ro may become ioreq_server', async () => {
      const hv = await hypervisor(core, '4.8', 'never', [{ domid: 1, maxGpfn: 0xfff, hap: false }]);
      expect((await legacySetMemType(hv, { hvmmem_type: 1, nr: 8, first_pfn: 0x10n })).rc).toBe(0);
      expect((await legacySetMemType(hv, { hvmmem_type: 4, nr: 8, first_pfn: 0x10n })).rc).toBe(0);
      expect((await getMemType(hv, 0x10n)).memType).toBe(4);
    });

    it('4.9+: ram_ro → ioreq_server and ioreq_server → ioreq_server are EINVAL per page', async () => {
      const hv = await hypervisor(core, '4.22');
      await claim(hv);
      expect((await dm(hv, 'set_mem_type', { nr: 1, mem_type: 1, first_pfn: 0x20n })).rc).toBe(0);
      const r = await dm(hv, 'set_mem_type', { nr: 4, mem_type: 4, first_pfn: 0x1en });
      expect(r.rc).toBe(ERR.EINVAL);
      expect(r.progress).toBe(2); // 0x1e and 0x1f changed, 0x20 (ram_ro) stopped the loop
      expect((await dm(hv, 'set_mem_type', { nr: 1, mem_type: 4, first_pfn: 0x1en })).rc).toBe(ERR.EINVAL);
    });
  });

  describe('range checks', () => {
    it.each([
      ['nr 0 (wraps)', { nr: 0, first_pfn: 0x10n }],
      ['past the maximum gpfn', { nr: 2, first_pfn: 0xfffffn }],
      ['wrapping first_pfn', { nr: 2, first_pfn: 0xffffffffffffffffn }],
    ])('%s → EINVAL', async (_what, fields) => {
      const hv = await hypervisor(core, '4.22');
      expect((await dm(hv, 'set_mem_type', { mem_type: 1, ...fields })).rc).toBe(ERR.EINVAL);
    });

    it('a non-zero pad → EINVAL', async () => {
      const hv = await hypervisor(core, '4.22');
      expect((await dm(hv, 'set_mem_type', { nr: 1, mem_type: 1, pad: 1, first_pfn: 0n })).rc).toBe(ERR.EINVAL);
    });

    it('HVMOP: nr < start_iter in the op word → EINVAL', async () => {
      const hv = await hypervisor(core, '4.8');
      expect((await legacySetMemType(hv, { hvmmem_type: 1, nr: 16, first_pfn: 0n }, 0, 8 | 0x100)).rc).toBe(ERR.EINVAL);
      // start_iter = 0x100 below nr: the loop starts at first_pfn + 0x100
      const r = await legacySetMemType(hv, { hvmmem_type: 1, nr: 0x110, first_pfn: 0n }, 0, 8 | 0x100);
      expect(r.rc).toBe(0);
      expect(r.progress).toBe(0x10);
      expect((await getMemType(hv, 0xffn)).memType).toBe(0);
      expect((await getMemType(hv, 0x100n)).memType).toBe(1);
    });
  });

  describe('per-page outcomes and partial progress', () => {
    it('a paged page stops the loop with EAGAIN; the pages before it stay changed; nothing is copied back', async () => {
      const hv = await hypervisor(core, '4.22');
      await hv.seedP2m(1, 0x105n, 1, 10);
      const r = await dm(hv, 'set_mem_type', { nr: 16, mem_type: 1, first_pfn: 0x100n });
      expect(r.rc).toBe(ERR.EAGAIN);
      expect(r.progress).toBe(5);
      expect(r.out).toMatchObject({ nr: 16, first_pfn: 0x100n });
      expect((await getMemType(hv, 0x104n)).memType).toBe(1);
      expect((await getMemType(hv, 0x106n)).memType).toBe(0);
    });

    it.each([
      ['4.6', 12, 1, ERR.EAGAIN],
      ['4.22', 12, 0, ERR.EAGAIN],
      ['4.22', 1, 2, 0],
      ['4.22', 1, 0, ERR.EINVAL],
      ['4.22', 4, 1, ERR.EINVAL],
      ['4.22', 5, 2, ERR.EINVAL],
      ['4.22', 2, 1, 0],
      ['4.22', 6, 1, 0],
    ])('at %s, p2m %i → hvmmem %i gives %i', async (release, from, to, rc) => {
      const hv = await hypervisor(core, release);
      await hv.seedP2m(1, 0x10n, 1, from);
      const r = release === '4.6' ? await legacySetMemType(hv, { hvmmem_type: to, nr: 1, first_pfn: 0x10n }) : await dm(hv, 'set_mem_type', { nr: 1, mem_type: to, first_pfn: 0x10n });
      expect(r.rc).toBe(rc);
    });

    it('4.6/4.7: a p2m_mmio_write_dm page may only go back to ram_rw', async () => {
      for (const release of ['4.6', '4.7']) {
        const hv = await hypervisor(core, release);
        await hv.seedP2m(1, 0x10n, 1, 15);
        expect((await legacySetMemType(hv, { hvmmem_type: 1, nr: 1, first_pfn: 0x10n })).rc).toBe(ERR.EINVAL);
        expect((await legacySetMemType(hv, { hvmmem_type: 0, nr: 1, first_pfn: 0x10n })).rc).toBe(0);
      }
    });
  });

  describe('preemption and continuations', () => {
    it('DMOP: every 256 pages; first_pfn/nr in buf[0] describe what remained at the last continuation', async () => {
      const hv = await hypervisor(core, '4.22', 'always');
      const r = await dm(hv, 'set_mem_type', { nr: 1000, mem_type: 1, first_pfn: 0x10n });
      expect(r).toMatchObject({ rc: 0, continuations: 3, progress: 1000 });
      expect(r.out).toMatchObject({ nr: 232, first_pfn: 0x310n });
      expect((await getMemType(hv, 0x10n + 999n)).memType).toBe(1);
    });

    it('exactly 256 pages need no continuation', async () => {
      const hv = await hypervisor(core, '4.22', 'always');
      expect(await dm(hv, 'set_mem_type', { nr: 256, mem_type: 1, first_pfn: 0n })).toMatchObject({ rc: 0, continuations: 0, progress: 256 });
    });

    it('HVMOP (4.6–4.8): continues in the op word and leaves the struct unchanged', async () => {
      const hv = await hypervisor(core, '4.8', 'always');
      const r = await legacySetMemType(hv, { hvmmem_type: 1, nr: 600, first_pfn: 0x10n });
      expect(r).toMatchObject({ rc: 0, continuations: 2, progress: 600 });
      expect(Buffer.from(r.buf).toString('hex')).toBe('0100' + '0100' + '58020000' + '1000000000000000');
    });

    it('a seeded random policy takes the same continuations on every run', async () => {
      const counts = [];
      for (let i = 0; i < 2; i++) {
        const hv = await hypervisor(core, '4.22', { seed: 7, probability: 0.5 });
        counts.push((await dm(hv, 'set_mem_type', { nr: 4096, mem_type: 1, first_pfn: 0n })).continuations);
      }
      expect(counts[0]).toBe(counts[1]);
      expect(counts[0]).toBeGreaterThan(0);
      expect(counts[0]).toBeLessThan(15);
    });

    it('a failure after a continuation reports the total progress', async () => {
      const hv = await hypervisor(core, '4.22', 'always');
      await hv.seedP2m(1, 300n, 1, 12);
      expect(await dm(hv, 'set_mem_type', { nr: 1000, mem_type: 1, first_pfn: 0n })).toMatchObject({ rc: ERR.EAGAIN, continuations: 1, progress: 300 });
    });
  });

  it('a 2^32-page domain retypes whole in one call (cost follows runs)', async () => {
    const hv = await hypervisor(core, '4.22', 'never', [{ domid: 1, maxGpfn: 2 ** 32 - 1 }]);
    const r = await dm(hv, 'set_mem_type', { nr: 2 ** 32 - 1, mem_type: 1, first_pfn: 1n });
    expect(r).toMatchObject({ rc: 0, progress: 2 ** 32 - 1 });
    expect((await hv.inspect(1)).p2m.map((run) => [run.first, run.count, run.type])).toEqual([
      [0n, 1n, 0],
      [1n, 2n ** 32n - 1n, 3],
    ]);
  });
});
