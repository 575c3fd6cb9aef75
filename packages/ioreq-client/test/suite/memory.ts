/**
 * The memory calls: set_mem_type (DMOP 12 / HVMOP 8), get_mem_type (HVMOP 15 everywhere), track_dirty_vram,
 * modified_memory(_bulk), relocate_memory, pin_memory_cacheattr.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { CONST } from '@xenmem/abi-types';
import { DM_DOMAIN, DM_GUEST, GUEST, MAX_GPFN, NO_DOMAIN, PV_GUEST, SHADOW_GUEST, expectInputError, expectLastEvent, expectXenError, fixture, type Fixture, type MakeBackend, type SuiteRelease } from './fixture.js';
import { dmPayload, hvmArg } from './recording.js';

const DOMID_SELF = CONST.domid.self;

export function memoryTests(make: MakeBackend, release: SuiteRelease): void {
  describe('memory', () => {
    let f: Fixture;
    beforeEach(async () => {
      f = await fixture(make, release);
    });

    describe('setMemType', () => {
      it('changes the pages; names are encoded at the client\'s interface version', async () => {
        await f.dm.setMemType(GUEST, 'ram_ro', 0x100, 16);
        const call = f.rec.only();
        if (f.legacy) expect({ op: call.op, size: call.sent[0]!.length, arg: hvmArg(call) }).toEqual({ op: 8, size: 16, arg: { domid: GUEST, hvmmem_type: 1, nr: 16, first_pfn: 0x100n } });
        else expect({ bufs: call.sent.map((b) => b.length), ...dmPayload(call) }).toEqual({ bufs: [32], op: 12, pad: 0, payload: { nr: 16, mem_type: 1, pad: 0, first_pfn: 0x100n } });
        expect(await f.dm.getMemType(GUEST, 0x100)).toEqual({ type: 'ram_ro', memType: 1 });
        expect(await f.dm.getMemType(GUEST, 0x10f)).toEqual({ type: 'ram_ro', memType: 1 });
        expect(await f.dm.getMemType(GUEST, 0x110)).toEqual({ type: 'ram_rw', memType: 0 });
        await f.dm.setMemType(GUEST, 0, 0x100, 16); // a raw number is sent as is
        expect(await f.dm.getMemType(GUEST, 0x108)).toEqual({ type: 'ram_rw', memType: 0 });
      });

      it('Xen refuses nr 0, a range past the maximum gpfn, and the burnt value 3 with EINVAL', async () => {
        await expectXenError(f.dm.setMemType(GUEST, 'ram_ro', 0x100, 0), 'EINVAL', 'set_mem_type');
        await expectXenError(f.dm.setMemType(GUEST, 'ram_ro', MAX_GPFN, 2), 'EINVAL', 'set_mem_type');
        await expectXenError(f.dm.setMemType(GUEST, 'ram_ro', 0xffff_ffff_ffff_ffffn, 2), 'EINVAL', 'set_mem_type');
        await expectXenError(f.dm.setMemType(GUEST, 'unused', 0x100, 1), 'EINVAL', 'set_mem_type');
        // A 4.6-era client's mmio_write_dm is the same number 3, refused from 4.7.
        await expectXenError(f.client({ iface: '4.6' }).setMemType(GUEST, 'mmio_write_dm', 0x100, 1), 'EINVAL', 'set_mem_type');
        expect(f.rec.calls.at(-1)!.sent[0]![f.legacy ? 2 : 12]).toBe(3);
        await expectXenError(f.dm.setMemType(GUEST, 5, 0x100, 1), 'EINVAL', 'set_mem_type');
      });

      it('ioreq_server: free for any RAM page at 4.8; from 4.9 only with a claim (EINVAL), HAP (EOPNOTSUPP) and from ram_rw', async () => {
        if (f.legacy) {
          await f.dm.setMemType(GUEST, 'ram_ro', 0x100, 1);
          await f.dm.setMemType(GUEST, 'ioreq_server', 0x100, 2); // ram_ro and ram_rw pages, no claim
          expect(await f.dm.getMemType(GUEST, 0x100)).toEqual({ type: 'ioreq_server', memType: 4 });
          await f.dm.setMemType(SHADOW_GUEST, 'ioreq_server', 0x10, 1); // no HAP needed
          expect(await f.dm.getMemType(SHADOW_GUEST, 0x10)).toEqual({ type: 'ioreq_server', memType: 4 });
          return;
        }
        await expectXenError(f.dm.setMemType(GUEST, 'ioreq_server', 0x100, 1), 'EINVAL', 'set_mem_type');
        await expectXenError(f.dm.setMemType(SHADOW_GUEST, 'ioreq_server', 0x10, 1), 'EOPNOTSUPP', 'set_mem_type');
        const id = await f.dm.createIoreqServer(GUEST, 'off');
        await f.dm.mapMemTypeToIoreqServer(GUEST, id, 'ioreq_server', 'write');
        await f.dm.setMemType(GUEST, 'ram_ro', 0x100, 1);
        // The loop stops at the ram_ro page; nothing is changed before it here.
        await expectXenError(f.dm.setMemType(GUEST, 'ioreq_server', 0x100, 2), 'EINVAL', 'set_mem_type');
        expect(await f.dm.getMemType(GUEST, 0x101)).toEqual({ type: 'ram_rw', memType: 0 });
        // Pages before a failing one stay changed.
        await expectXenError(f.dm.setMemType(GUEST, 'ioreq_server', 0xfe, 4), 'EINVAL', 'set_mem_type');
        expect([await f.dm.getMemType(GUEST, 0xfe), await f.dm.getMemType(GUEST, 0xff), await f.dm.getMemType(GUEST, 0x101)]).toEqual([
          { type: 'ioreq_server', memType: 4 },
          { type: 'ioreq_server', memType: 4 },
          { type: 'ram_rw', memType: 0 },
        ]);
      });

      it('Xen refuses a missing domain (ESRCH), a PV guest (EINVAL; silently 0 at 4.9–4.14) and a foreign caller (EPERM)', async () => {
        await expectXenError(f.dm.setMemType(NO_DOMAIN, 'ram_ro', 0, 1), 'ESRCH', 'set_mem_type');
        const pv = f.dm.setMemType(PV_GUEST, 'ram_ro', 0, 1);
        if (release === '4.11') await expect(pv).resolves.toBeUndefined();
        else await expectXenError(pv, 'EINVAL', 'set_mem_type');
        await expectXenError(f.client({ caller: DM_DOMAIN }).setMemType(GUEST, 'ram_ro', 0, 1), 'EPERM', 'set_mem_type');
        await f.client({ caller: DM_DOMAIN }).setMemType(DM_GUEST, 'ram_ro', 0, 1);
      });

      it('refuses unusable arguments with InputError, sending nothing', async () => {
        const iface: number = 0x00040700; // not a literal type: checked at run time
        await expectInputError(f.client({ iface }).setMemType(GUEST, 'mmio_write_dm', 0x100, 1), 'memType');
        await expectInputError(f.dm.setMemType(GUEST, 'ram_wo' as never, 0x100, 1), 'memType');
        await expectInputError(f.dm.setMemType(GUEST, 0x10000, 0x100, 1), 'memType');
        await expectInputError(f.dm.setMemType(GUEST, 'ram_ro', -1, 1), 'firstPfn');
        await expectInputError(f.dm.setMemType(GUEST, 'ram_ro', 0x100, 2 ** 32), 'nr');
        await expectInputError(f.dm.setMemType(0x10001, 'ram_ro', 0x100, 1), 'domid');
        expect(f.rec.calls).toEqual([]);
      });
    });

    describe('getMemType', () => {
      it('sends HVMOP 15 and decodes the number at the client\'s interface version', async () => {
        expect(await f.dm.getMemType(GUEST, 0x1234)).toEqual({ type: 'ram_rw', memType: 0 });
        const call = f.rec.only();
        expect({ hypercall: call.hypercall, op: call.op, arg: hvmArg(call) }).toEqual({ hypercall: 'hvm_op', op: 15, arg: { domid: GUEST, mem_type: 0, pad: [0, 0], pfn: 0x1234n } });
      });

      it('is lossy: a hole beyond the p2m reads as mmio_dm, a tracked (log-dirty) page as ram_ro', async () => {
        expect(await f.dm.getMemType(GUEST, MAX_GPFN + 1)).toEqual({ type: 'mmio_dm', memType: 2 });
        expect(await f.dm.getMemType(GUEST, 1n << 40n)).toEqual({ type: 'mmio_dm', memType: 2 });
        if (f.legacy) return; // track_dirty_vram has no usable form here
        await f.dm.trackDirtyVram(GUEST, 0x100, 8);
        expect(await f.dm.getMemType(GUEST, 0x100)).toEqual({ type: 'ram_ro', memType: 1 });
      });

      it('DOMID_SELF is the caller; the caller must be the target, domain 0 or its device model', async () => {
        await f.dm.setMemType(DM_GUEST, 'ram_ro', 0x20, 1);
        expect(await f.client({ caller: DM_GUEST }).getMemType(DOMID_SELF, 0x20)).toEqual({ type: 'ram_ro', memType: 1 });
        expect(await f.client({ caller: DM_DOMAIN }).getMemType(DM_GUEST, 0x20)).toEqual({ type: 'ram_ro', memType: 1 });
        await expectXenError(f.client({ caller: 4 }).getMemType(DM_GUEST, 0x20), 'EPERM', 'get_mem_type');
        await expectXenError(f.dm.getMemType(DOMID_SELF, 0), 'EINVAL', 'get_mem_type'); // domain 0 is not HVM
        await expectXenError(f.dm.getMemType(PV_GUEST, 0), 'EINVAL', 'get_mem_type');
        await expectXenError(f.dm.getMemType(NO_DOMAIN, 0), 'ESRCH', 'get_mem_type');
      });

      it('names follow the client\'s interface version', async () => {
        const at46 = f.client({ iface: 0x00040600 });
        expect(await at46.getMemType(GUEST, 0)).toEqual({ type: 'ram_rw', memType: 0 });
        await expectInputError(f.dm.getMemType(GUEST, -5), 'pfn');
      });
    });

    describe('trackDirtyVram', () => {
      it('sends the bitmap as buf[1] of (nr+7)/8 bytes and returns it; ENOSYS up to 4.8', async () => {
        if (f.legacy) {
          await expectXenError(f.dm.trackDirtyVram(GUEST, 0x100, 10), 'ENOSYS', 'track_dirty_vram');
          expect(f.rec.calls).toEqual([]);
          return;
        }
        // A new range: every page reported dirty.
        expect([...(await f.dm.trackDirtyVram(GUEST, 0x100, 10))]).toEqual([0xff, 0xff]);
        const call = f.rec.only();
        expect({ bufs: call.sent.map((b) => b.length), ...dmPayload(call) }).toEqual({ bufs: [32, 2], op: 7, pad: 0, payload: { nr: 10, pad: 0, first_pfn: 0x100n } });
        // Nothing written since.
        expect([...(await f.dm.trackDirtyVram(GUEST, 0x100, 10))]).toEqual([0, 0]);
        // Set back to ram_rw by set_mem_type: pages 0x103, 0x104 and 0x109. Pages modified_memory marks (0x105)
        // are not reported: Xen reports the pages that are ram_rw (paging_log_dirty_range / p2m_log_dirty_range).
        await f.dm.setMemType(GUEST, 'ram_rw', 0x103, 2);
        await f.dm.setMemType(GUEST, 'ram_rw', 0x109, 1);
        await f.dm.modifiedMemoryBulk(GUEST, [{ firstPfn: 0x105, nr: 1 }]);
        expect([...(await f.dm.trackDirtyVram(GUEST, 0x100, 10))]).toEqual([0x18, 0x02]);
        // nr 0 stops tracking: an empty bitmap, and the pages are plain RAM again.
        expect([...(await f.dm.trackDirtyVram(GUEST, 0, 0))]).toEqual([]);
        expect(f.rec.calls.at(-1)!.sent.map((b) => b.length)).toEqual([32, 0]);
        expect(await f.dm.getMemType(GUEST, 0x100)).toEqual({ type: 'ram_rw', memType: 0 });
      });

      it('Xen refuses more than 1 GiB of pages (EINVAL); through privcmd its 32 KiB bitmap is E2BIG first', async () => {
        // Linux's privcmd refuses a dm_op buffer over 4096 bytes before Xen sees it (drivers/xen/privcmd.c
        // privcmd_ioctl_dm_op() @ v6.1, privcmd_dm_op_buf_max_size); the HVMOP of ≤4.8 has no such buffer.
        const refused = f.legacy ? 'ENOSYS' : f.backend.privcmd ? 'E2BIG' : 'EINVAL';
        await expectXenError(f.dm.trackDirtyVram(GUEST, 0, 2 ** 18 + 1), refused, 'track_dirty_vram');
        await expectInputError(f.dm.trackDirtyVram(GUEST, 0, -1), 'nr');
      });
    });

    describe('modifiedMemory / modifiedMemoryBulk', () => {
      it('modifiedMemory is the bulk call with one extent in buf[1]; HVMOP 7 up to 4.8', async () => {
        const p = f.dm.modifiedMemory(GUEST, 0x103, 2);
        if (f.legacy) {
          // The simulator does not model HVMOP_modified_memory: its answer is ENOSYS (docs/simulator.md).
          await expectXenError(p, 'ENOSYS', 'modified_memory');
          const call = f.rec.only();
          expect({ op: call.op, arg: hvmArg(call) }).toEqual({ op: 7, arg: { domid: GUEST, nr: 2, first_pfn: 0x103n } });
          return;
        }
        await p; // log-dirty is off: nothing to mark, 0
        const call = f.rec.only();
        expect({ bufs: call.sent.map((b) => b.length), ...dmPayload(call) }).toEqual({ bufs: [32, 16], op: 11, pad: 0, payload: { nr_extents: 1, opaque: 0 } });
        expect([...call.sent[1]!]).toEqual([2, 0, 0, 0, 0, 0, 0, 0, 0x03, 0x01, 0, 0, 0, 0, 0, 0]);
      });

      it('bulk: every extent in buf[1], 16 bytes each; up to 4.8 one HVMOP per extent', async () => {
        const extents = [
          { firstPfn: 0x10, nr: 1 },
          { firstPfn: 0x20n, nr: 300 },
        ];
        if (f.legacy) {
          await expectXenError(f.dm.modifiedMemoryBulk(GUEST, extents), 'ENOSYS', 'modified_memory');
          expect(f.rec.calls.map((c) => hvmArg(c))).toEqual([{ domid: GUEST, nr: 1, first_pfn: 0x10n }]); // stops at the first error
          return;
        }
        await f.dm.modifiedMemoryBulk(GUEST, extents);
        const call = f.rec.only();
        expect(dmPayload(call).payload).toEqual({ nr_extents: 2, opaque: 0 });
        expect(call.sent[1]!.length).toBe(32);
        expect(new DataView(call.sent[1]!.buffer).getUint32(16, true)).toBe(300);
        // No extents: nr_extents 0 and an empty buf[1].
        await f.dm.modifiedMemoryBulk(GUEST, []);
        expect(f.rec.only().sent.map((b) => b.length)).toEqual([32, 0]);
      });

      it('Xen refuses an extent reaching past the maximum gpfn while log-dirty is on (EINVAL; from 4.17, XSA-397, tracking leaves it off: 0)', async () => {
        if (f.legacy) return; // no log-dirty calls to set it up
        await f.dm.trackDirtyVram(GUEST, 0x100, 8);
        const bulk = f.dm.modifiedMemoryBulk(GUEST, [{ firstPfn: 0x101, nr: 1 }, { firstPfn: MAX_GPFN, nr: 1 }]);
        if (f.release === '4.22') await expect(bulk).resolves.toBeUndefined();
        else await expectXenError(bulk, 'EINVAL', 'modified_memory');
        // Extents are walked from the last one: the failing last extent stopped it before the first.
        expect([...(await f.dm.trackDirtyVram(GUEST, 0x100, 8))]).toEqual([0]);
      });

      it('refuses unusable extents with InputError naming the element', async () => {
        await expectInputError(f.dm.modifiedMemoryBulk(GUEST, {} as never), 'extents');
        await expectInputError(f.dm.modifiedMemoryBulk(GUEST, [null as never]), 'extents[0]');
        await expectInputError(f.dm.modifiedMemoryBulk(GUEST, [{ firstPfn: 0, nr: 1 }, { firstPfn: 0, nr: -1 }]), 'extents[1].nr');
        await expectInputError(f.dm.modifiedMemory(GUEST, '0x100' as never, 1), 'extents[0].firstPfn');
        expect(f.rec.calls).toEqual([]);
      });
    });

    describe('relocateMemory', () => {
      it('sends DMOP 17 (4.11+); ENOSYS up to 4.8', async () => {
        const p = f.dm.relocateMemory(GUEST, 4, 0x100, 0x200n);
        if (f.legacy) {
          await expectXenError(p, 'ENOSYS', 'relocate_memory');
          expect(f.rec.calls).toEqual([]);
          return;
        }
        await p;
        expect(dmPayload(f.rec.only())).toEqual({ op: 17, pad: 0, payload: { size: 4, pad: 0, src_gfn: 0x100n, dst_gfn: 0x200n } });
        await expectLastEvent(f, GUEST, { op: 'relocate_memory', args: { size: 4, src_gfn: 0x100n, dst_gfn: 0x200n } });
        await expectInputError(f.dm.relocateMemory(GUEST, 2 ** 32, 0, 0), 'size');
      });
    });

    describe('pinMemoryCacheattr', () => {
      it('sends DMOP 18 with the attribute by name or number (4.11+); ENOSYS up to 4.8', async () => {
        const p = f.dm.pinMemoryCacheattr(GUEST, 0x100, 0x1ff, 'wb');
        if (f.legacy) {
          await expectXenError(p, 'ENOSYS', 'pin_memory_cacheattr');
          expect(f.rec.calls).toEqual([]);
          return;
        }
        await p;
        expect(dmPayload(f.rec.only())).toEqual({ op: 18, pad: 0, payload: { start: 0x100n, end: 0x1ffn, type: 6, pad: 0 } });
        await f.dm.pinMemoryCacheattr(GUEST, 0x100, 0x1ff, 'delete');
        expect(dmPayload(f.rec.only()).payload!.type).toBe(0xffffffff);
        await f.dm.pinMemoryCacheattr(GUEST, 0x100, 0x1ff, 1);
        await expectLastEvent(f, GUEST, { op: 'pin_memory_cacheattr', args: { start: 0x100n, end: 0x1ffn, type: 1 } });
      });

      it('Xen refuses an unknown attribute and start > end (EINVAL); names are checked', async () => {
        if (f.legacy) return;
        await expectXenError(f.dm.pinMemoryCacheattr(GUEST, 0x100, 0x1ff, 2), 'EINVAL', 'pin_memory_cacheattr');
        await expectXenError(f.dm.pinMemoryCacheattr(GUEST, 0x200, 0x1ff, 'uc'), 'EINVAL', 'pin_memory_cacheattr');
        await expectInputError(f.dm.pinMemoryCacheattr(GUEST, 0x100, 0x1ff, 'writeback' as never), 'type');
      });
    });
  });
}
