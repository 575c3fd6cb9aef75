/** XENMEM_populate_physmap in process: rc is the extents populated (memory_op never returns an errno for it). */
import { describe, expect, it } from 'vitest';
import { CONST } from '@xenmem/abi-types';
import { CORES, hypervisor } from '../hypervisor/harness.js';

const PAGE = 4096n;
const POD = CONST.xenmemf.populate_on_demand;
const EXACT_NODE = CONST.xenmemf.exact_node_request;
// Internal p2m type numbers (the same in every release).
const RAM_RW = 0;
const INVALID = 1;
const MMIO_DM = 4;
const MMIO_DIRECT = 5;
const POD_TYPE = 6;
const GRANT_RW = 7;
const IOREQ_SERVER = 15;

const typeAt = async (hv: Awaited<ReturnType<typeof hypervisor>>, gfn: bigint) => (await hv.inspect(1)).p2m.find((r) => gfn >= r.first && gfn < r.first + r.count)!.type;

describe.each(CORES)('populate_physmap (%s core)', (_name, core) => {
  describe.each(['4.17', '4.22'])('Xen %s (the same at both: memory.c populate_physmap does not differ in what is modelled)', (release) => {
    it('gives fresh zeroed ram_rw pages: rc 2 for two extents of order 1; the bytes there before are gone', async () => {
      const hv = await hypervisor(core, release, 'never', [{ domid: 1, maxGpfn: 0xfffff, dm: 5 }]);
      await hv.guestRamWrite(1, 0x8000n, Uint8Array.from([1, 2, 3, 4]));
      await hv.guestRamWrite(1, 0x20ffen, Uint8Array.from([9, 9]));
      await hv.seedP2m(1, 0x20n, 2, INVALID);
      const r = await hv.populatePhysmap(0, 1, 1, 0, [0x8n, 0x20n]);
      expect(r).toEqual({ rc: 2, continuations: 0, progress: null });
      expect([...(await hv.guestRamRead(1, 0x8000n, 4))]).toEqual([0, 0, 0, 0]);
      expect([...(await hv.guestRamRead(1, 0x20ffen, 2))]).toEqual([0, 0]);
      expect(await typeAt(hv, 0x20n)).toBe(RAM_RW);
      expect(await typeAt(hv, 0x21n)).toBe(RAM_RW);
      // Pages outside the extents keep their bytes.
      await hv.guestRamWrite(1, 0xa000n, Uint8Array.from([7]));
      await hv.populatePhysmap(0, 1, 0, 0, [0xbn]);
      expect([...(await hv.guestRamRead(1, 0xa000n, 1))]).toEqual([7]);
    });

    it('refusals stop before the first extent with rc 0 and say why: no domain, no permission, order, address bits, exact node', async () => {
      const hv = await hypervisor(core, release, 'never', [{ domid: 1, maxGpfn: 0xfffff, dm: 5 }]);
      const rc = async (caller: number, domid: number, order: number, flags = 0) => {
        const r = await hv.populatePhysmap(caller, domid, order, flags, [0x100n]);
        return [r.rc, r.reason?.id ?? null];
      };
      expect(await rc(0, 9, 0)).toEqual([0, 'domain-missing']);
      expect(await rc(6, 1, 0)).toEqual([0, 'memop-not-target']);
      expect(await rc(0, 1, 19)).toEqual([0, 'memop-order']); // above MAX_ORDER (18)
      expect(await rc(0, 1, 18)).toEqual([1, null]); // the control domain: up to 18
      expect(await rc(5, 1, 10)).toEqual([0, 'memop-order']); // its device model: up to 9
      expect(await rc(5, 1, 9)).toEqual([1, null]);
      expect(await rc(1, 1, 0)).toEqual([1, null]); // the domain itself (XSM_TARGET)
      expect(await rc(1, CONST.domid.self, 0)).toEqual([1, null]); // DOMID_SELF is the caller
      expect(await rc(0, 1, 0, 12)).toEqual([0, 'memop-address-bits']);
      expect(await rc(0, 1, 0, 13)).toEqual([1, null]);
      expect(await rc(5, 1, 0, (2 << 8) | EXACT_NODE)).toEqual([0, 'memop-exact-node']);
      expect(await rc(0, 1, 0, (2 << 8) | EXACT_NODE)).toEqual([1, null]);
      expect((await hv.populatePhysmap(0, 1, 0, 0, [])).rc).toBe(0);
    });

    it('an extent past maxGpfn stops the call: rc counts the extents before it', async () => {
      const hv = await hypervisor(core, release, 'never', [{ domid: 1, maxGpfn: 0xfff }]);
      const r = await hv.populatePhysmap(0, 1, 2, 0, [0x10n, 0xffcn, 0xffdn, 0x20n]);
      expect([r.rc, r.reason?.id]).toEqual([2, 'memop-gfn-range']);
    });

    it('replacing p2m_ioreq_server pages lowers the claim\'s entry count', async () => {
      const hv = await hypervisor(core, release);
      await hv.seedP2m(1, 0x300n, 8, IOREQ_SERVER);
      expect((await hv.inspect(1)).ioreqClaim.entryCount).toBe(8);
      expect((await hv.populatePhysmap(0, 1, 2, 0, [0x300n])).rc).toBe(1);
      expect((await hv.inspect(1)).ioreqClaim.entryCount).toBe(4);
    });

    it.each([
      ['grant', GRANT_RW],
      ['direct MMIO', MMIO_DIRECT],
    ])('over a %s mapping: the domain is crashed and the call stops there', async (_what, type) => {
      const hv = await hypervisor(core, release);
      await hv.seedP2m(1, 0x401n, 1, type);
      const r = await hv.populatePhysmap(0, 1, 1, 0, [0x200n, 0x400n, 0x500n]);
      expect([r.rc, r.reason?.id]).toEqual([1, 'memop-gfn-special']);
      expect((await hv.inspect(1)).crashed).toBe(true);
      expect(await typeAt(hv, 0x400n)).toBe(RAM_RW); // nothing of the failed extent changed
    });

    it('XENMEMF_populate_on_demand marks invalid and mmio_dm pages; RAM is busy; not on oneself; order up to 18 from a device model', async () => {
      const hv = await hypervisor(core, release, 'never', [{ domid: 1, maxGpfn: 0xfffff, dm: 5 }]);
      await hv.seedP2m(1, 0x1000n, 0x400, INVALID);
      await hv.seedP2m(1, 0x1400n, 0x400, MMIO_DM);
      expect((await hv.populatePhysmap(5, 1, 11, POD, [0x1000n])).rc).toBe(1);
      expect(await typeAt(hv, 0x17ffn)).toBe(POD_TYPE);
      const busy = await hv.populatePhysmap(0, 1, 0, POD, [0x1800n]);
      expect([busy.rc, busy.reason?.id]).toEqual([0, 'memop-pod-busy']);
      const self = await hv.populatePhysmap(1, 1, 0, POD, [0x1000n]);
      expect([self.rc, self.reason?.id]).toEqual([0, 'memop-pod-self']);
      // A PoD page becomes RAM on first touch.
      expect((await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'read', addr: 0x1000000n, size: 4 })).outcome).toBe('ram');
      expect(await typeAt(hv, 0x1000n)).toBe(RAM_RW);
    });

    it('is preempted between extents as hypercall_preempt_check() decides; the continuations are followed', async () => {
      const hv = await hypervisor(core, release, 'always');
      expect(await hv.populatePhysmap(0, 1, 0, 0, [0x1n, 0x2n, 0x3n])).toEqual({ rc: 3, continuations: 2, progress: null });
    });
  });
});

describe.each(CORES)('populate_physmap where releases differ (%s core)', (_name, core) => {
  it('before 4.16 a direct-MMIO entry is replaced like RAM (only grant and foreign entries crash the domain); from 4.16 it crashes it', async () => {
    const old = await hypervisor(core, '4.15');
    await old.seedP2m(1, 0x400n, 1, MMIO_DIRECT);
    expect((await old.populatePhysmap(0, 1, 0, 0, [0x400n])).rc).toBe(1);
    expect((await old.inspect(1)).crashed).toBe(false);
    await old.seedP2m(1, 0x500n, 1, GRANT_RW);
    expect((await old.populatePhysmap(0, 1, 0, 0, [0x500n])).reason?.id).toBe('memop-gfn-special');
    const now = await hypervisor(core, '4.16');
    await now.seedP2m(1, 0x400n, 1, MMIO_DIRECT);
    expect((await now.populatePhysmap(0, 1, 0, 0, [0x400n])).rc).toBe(0);
    expect((await now.inspect(1)).crashed).toBe(true);
  });
});

describe('guest RAM read and write in process', () => {
  it('round-trips bytes across a page boundary; refuses ranges past the RAM, oversized lengths and domain 0', async () => {
    const hv = await hypervisor(CORES[1]![1], '4.22', 'never', [{ domid: 1, maxGpfn: 0xf }]);
    await hv.guestRamWrite(1, 0xffen, Uint8Array.from([0xaa, 0xbb, 0xcc, 0xdd]));
    expect([...(await hv.guestRamRead(1, 0xffcn, 8))]).toEqual([0, 0, 0xaa, 0xbb, 0xcc, 0xdd, 0, 0]);
    expect((await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'read', addr: 0xffen, size: 4 })).value).toBe(0xddccbbaan);
    await expect(hv.guestRamRead(1, 16n * PAGE - 2n, 4)).rejects.toMatchObject({ argument: 'gpa' });
    await expect(hv.guestRamRead(1, 0n, 65537)).rejects.toMatchObject({ argument: 'length' });
    await expect(hv.guestRamWrite(0, 0n, Uint8Array.of(1))).rejects.toMatchObject({ errno: 3 });
  });
});
