/**
 * The ioreq-server calls: create, get_info, map/unmap io ranges and PCI devices, map_mem_type, set_state,
 * destroy. DMOPs 1–6 and 15 from 4.9; HVMOPs 17–22 up to 4.8 (map_mem_type has no HVMOP form: ENOSYS).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { decodeStruct } from '@xenmem/abi-types';
import { DM_DOMAIN, DM_GUEST, GUEST, NO_DOMAIN, PV_GUEST, SHADOW_GUEST, byRelease, expectInputError, expectXenError, fixture, type Fixture, type MakeBackend, type SuiteRelease } from './fixture.js';
import { dmPayload, hvmArg } from './recording.js';

/** The libxc gfn pool the simulator uses (HVM_PARAM_IOREQ_SERVER_PFN): 0xfeff0 upwards. */
const IOREQ_GFN = 0xfeff0n;

export function ioreqServerTests(make: MakeBackend, release: SuiteRelease): void {
  describe('ioreq servers', () => {
    let f: Fixture;
    beforeEach(async () => {
      f = await fixture(make, release);
    });

    describe('createIoreqServer', () => {
      it('returns the id the release allocates: a counter from 1 (≤4.10), slots 1–7 (4.11), slots 0–7 (4.12+)', async () => {
        const first = byRelease(release, { '4.8': 1, '4.11': 1, '4.22': 0 });
        expect(await f.dm.createIoreqServer(GUEST, 'atomic')).toBe(first);
        expect(await f.dm.createIoreqServer(GUEST, 'off')).toBe(first + 1);
        expect(await f.dm.createIoreqServer(GUEST, 1)).toBe(first + 2);
      });

      it('sends HVMOP 17 (≤4.8) or a 32-byte xen_dm_op with DMOP 1', async () => {
        await f.dm.createIoreqServer(GUEST, 'atomic');
        const call = f.rec.only();
        if (f.legacy) {
          expect({ hypercall: call.hypercall, op: call.op, size: call.sent[0]!.length }).toEqual({ hypercall: 'hvm_op', op: 17, size: 6 });
          expect(hvmArg(call)).toEqual({ domid: GUEST, handle_bufioreq: 2, id: 0 });
        } else {
          expect({ hypercall: call.hypercall, domid: call.domid, bufs: call.sent.map((b) => b.length) }).toEqual({ hypercall: 'dm_op', domid: GUEST, bufs: [32] });
          expect(dmPayload(call)).toEqual({ op: 1, pad: 0, payload: { handle_bufioreq: 2, pad: [0, 0, 0], id: 0 } });
        }
      });

      it('Xen refuses handle_bufioreq above ATOMIC with EINVAL', async () => {
        await expectXenError(f.dm.createIoreqServer(GUEST, 3), 'EINVAL', 'create_ioreq_server');
        expect(f.rec.calls).toHaveLength(1);
      });

      it('Xen refuses a missing domain (ESRCH) and a PV one (EINVAL; 0 with no effect at 4.9–4.14)', async () => {
        await expectXenError(f.dm.createIoreqServer(NO_DOMAIN, 'off'), 'ESRCH', 'create_ioreq_server');
        if (release === '4.11') expect(await f.dm.createIoreqServer(PV_GUEST, 'off')).toBe(0);
        else await expectXenError(f.dm.createIoreqServer(PV_GUEST, 'off'), 'EINVAL', 'create_ioreq_server');
      });

      it('refuses unusable arguments with InputError, sending nothing', async () => {
        await expectInputError(f.dm.createIoreqServer(GUEST, 'buffered' as never), 'handleBufioreq');
        await expectInputError(f.dm.createIoreqServer(GUEST, 256), 'handleBufioreq');
        await expectInputError(f.dm.createIoreqServer(0x10000, 'off'), 'domid');
        await expectInputError(f.dm.createIoreqServer('1' as never, 'off'), 'domid');
        expect(f.rec.calls).toEqual([]);
      });
    });

    describe('getIoreqServerInfo', () => {
      it('reports the gfns and the buffered event channel of a buffering server', async () => {
        const id = await f.dm.createIoreqServer(GUEST, 'atomic');
        // 2 vCPUs take ports 1 and 2; the buffered ring's channel is 3.
        expect(await f.dm.getIoreqServerInfo(GUEST, id)).toEqual({ ioreqGfn: IOREQ_GFN, bufioreqGfn: IOREQ_GFN + 1n, bufioreqPort: 3 });
      });

      it('reports null for what a server without buffering lacks', async () => {
        const id = await f.dm.createIoreqServer(GUEST, 'off');
        expect(await f.dm.getIoreqServerInfo(GUEST, id)).toEqual({ ioreqGfn: IOREQ_GFN, bufioreqGfn: null, bufioreqPort: null });
      });

      it('gfns: false sets XEN_DMOP_no_gfns (4.11+) and reports no gfns', async () => {
        const id = await f.dm.createIoreqServer(GUEST, 'legacy');
        f.rec.clear();
        expect(await f.dm.getIoreqServerInfo(GUEST, id, { gfns: false })).toEqual({ ioreqGfn: null, bufioreqGfn: null, bufioreqPort: 3 });
        const call = f.rec.only();
        if (f.legacy) expect({ op: call.op, arg: hvmArg(call) }).toEqual({ op: 18, arg: { domid: GUEST, id, bufioreq_port: 0, ioreq_pfn: 0n, bufioreq_pfn: 0n } });
        else expect(dmPayload(call)).toEqual({ op: 2, pad: 0, payload: { id, flags: 1, bufioreq_port: 0, ioreq_gfn: 0n, bufioreq_gfn: 0n } });
        // Asking for the gfns afterwards still maps them (no acquire_resource was used).
        expect(await f.dm.getIoreqServerInfo(GUEST, id, { gfns: true })).toEqual({ ioreqGfn: IOREQ_GFN, bufioreqGfn: IOREQ_GFN + 1n, bufioreqPort: 3 });
        expect(dmOrHvmFlags(f.rec.only())).toBe(0);
      });

      it('Xen answers ENOENT for an unknown id', async () => {
        await expectXenError(f.dm.getIoreqServerInfo(GUEST, 7), 'ENOENT', 'get_ioreq_server_info');
      });

      it('from 4.11 only the emulator that created a server may query it (EPERM)', async () => {
        const id = await f.client({ caller: DM_DOMAIN }).createIoreqServer(DM_GUEST, 'off');
        const byControlDomain = f.dm.getIoreqServerInfo(DM_GUEST, id);
        if (f.legacy) await expect(byControlDomain).resolves.toEqual({ ioreqGfn: IOREQ_GFN, bufioreqGfn: null, bufioreqPort: null });
        else await expectXenError(byControlDomain, 'EPERM', 'get_ioreq_server_info');
      });

      it('refuses unusable arguments with InputError', async () => {
        await expectInputError(f.dm.getIoreqServerInfo(GUEST, 0x10000), 'id');
        await expectInputError(f.dm.getIoreqServerInfo(GUEST, 0, { gfns: 1 as never }), 'gfns');
        await expectInputError(f.dm.getIoreqServerInfo(GUEST, 0, null as never), 'options');
        expect(f.rec.calls).toEqual([]);
      });
    });

    describe('mapIoRangeToIoreqServer / unmapIoRangeFromIoreqServer', () => {
      let id: number;
      beforeEach(async () => {
        id = await f.dm.createIoreqServer(GUEST, 'off');
        f.rec.clear();
      });

      it('isMmio selects MEMORY (1), else PORT (0); ranges are inclusive 64-bit', async () => {
        await f.dm.mapIoRangeToIoreqServer(GUEST, id, true, 0xfe000000, 0xfe000fffn);
        await f.dm.mapIoRangeToIoreqServer(GUEST, id, false, 0x3f8, 0x3ff);
        await f.dm.mapIoRangeToIoreqServer(GUEST, id, true, 0xffff_ffff_ffff_f000n, 0xffff_ffff_ffff_ffffn);
        const sent = f.rec.calls.map((c) => (f.legacy ? hvmArg(c) : dmPayload(c).payload));
        const common = f.legacy ? { domid: GUEST, id } : { id, pad: 0 };
        expect(sent).toEqual([
          { ...common, type: 1, start: 0xfe000000n, end: 0xfe000fffn },
          { ...common, type: 0, start: 0x3f8n, end: 0x3ffn },
          { ...common, type: 1, start: 0xffff_ffff_ffff_f000n, end: 0xffff_ffff_ffff_ffffn },
        ]);
        expect(f.rec.calls.map((c) => c.op)).toEqual(f.legacy ? [19, 19, 19] : [3, 3, 3]);
      });

      it('Xen refuses overlaps (EEXIST) and unmapping what is not wholly mapped (ENOENT)', async () => {
        await f.dm.mapIoRangeToIoreqServer(GUEST, id, true, 0x1000, 0x1fff);
        await expectXenError(f.dm.mapIoRangeToIoreqServer(GUEST, id, true, 0x1800, 0x27ff), 'EEXIST', 'map_io_range_to_ioreq_server');
        // The same numbers as ports are another rangeset.
        await f.dm.mapIoRangeToIoreqServer(GUEST, id, false, 0x1800, 0x27ff);
        await expectXenError(f.dm.unmapIoRangeFromIoreqServer(GUEST, id, true, 0x1000, 0x2fff), 'ENOENT', 'unmap_io_range_from_ioreq_server');
        await f.dm.unmapIoRangeFromIoreqServer(GUEST, id, true, 0x1000, 0x1fff);
        await expectXenError(f.dm.unmapIoRangeFromIoreqServer(GUEST, id, true, 0x1000, 0x1fff), 'ENOENT', 'unmap_io_range_from_ioreq_server');
        expect(f.rec.calls.at(-1)!.op).toBe(f.legacy ? 20 : 4);
      });

      it('start > end: accepted up to 4.9, EINVAL from 4.10 (d59e55b018)', async () => {
        const p = f.dm.mapIoRangeToIoreqServer(GUEST, id, true, 0x2000, 0x1000);
        if (f.legacy) await expect(p).resolves.toBeUndefined();
        else await expectXenError(p, 'EINVAL', 'map_io_range_to_ioreq_server');
      });

      it('Xen answers ENOENT for an unknown server', async () => {
        await expectXenError(f.dm.mapIoRangeToIoreqServer(GUEST, id + 1, false, 0x60, 0x60), 'ENOENT', 'map_io_range_to_ioreq_server');
      });

      it('refuses unusable arguments with InputError', async () => {
        await expectInputError(f.dm.mapIoRangeToIoreqServer(GUEST, id, 1 as never, 0, 1), 'isMmio');
        await expectInputError(f.dm.mapIoRangeToIoreqServer(GUEST, id, true, -1, 1), 'start');
        await expectInputError(f.dm.unmapIoRangeFromIoreqServer(GUEST, id, true, 0, 1n << 64n), 'end');
        await expectInputError(f.dm.mapIoRangeToIoreqServer(GUEST, id, true, 2 ** 53, 2 ** 53 + 2), 'start');
        expect(f.rec.calls).toEqual([]);
      });
    });

    describe('mapPcidevToIoreqServer / unmapPcidevFromIoreqServer', () => {
      let id: number;
      beforeEach(async () => {
        id = await f.dm.createIoreqServer(GUEST, 'off');
        f.rec.clear();
      });

      it('registers the single SBDF as a PCI range (type 2)', async () => {
        await f.dm.mapPcidevToIoreqServer(GUEST, id, 0, 0, 3, 0);
        await f.dm.mapPcidevToIoreqServer(GUEST, id, 0xffff, 0xff, 0x1f, 7);
        const sent = f.rec.calls.map((c) => (f.legacy ? hvmArg(c) : dmPayload(c).payload));
        const common = f.legacy ? { domid: GUEST, id, type: 2 } : { id, pad: 0, type: 2 };
        expect(sent).toEqual([
          { ...common, start: 0x18n, end: 0x18n },
          { ...common, start: 0xffffffffn, end: 0xffffffffn },
        ]);
        await expectXenError(f.dm.mapPcidevToIoreqServer(GUEST, id, 0, 0, 3, 0), 'EEXIST', 'map_io_range_to_ioreq_server');
        await f.dm.unmapPcidevFromIoreqServer(GUEST, id, 0, 0, 3, 0);
        await expectXenError(f.dm.unmapPcidevFromIoreqServer(GUEST, id, 0, 0, 3, 0), 'ENOENT', 'unmap_io_range_from_ioreq_server');
      });

      it('libxendevicemodel refuses device > 0x1f or function > 7 with EINVAL, sending nothing', async () => {
        await expectXenError(f.dm.mapPcidevToIoreqServer(GUEST, id, 0, 0, 0x20, 0), 'EINVAL', 'map_io_range_to_ioreq_server');
        await expectXenError(f.dm.mapPcidevToIoreqServer(GUEST, id, 0, 0, 0, 8), 'EINVAL', 'map_io_range_to_ioreq_server');
        await expectXenError(f.dm.unmapPcidevFromIoreqServer(GUEST, id, 0, 0, 0xff, 0), 'EINVAL', 'unmap_io_range_from_ioreq_server');
        expect(f.rec.calls).toEqual([]);
      });

      it('refuses values outside the C types with InputError', async () => {
        await expectInputError(f.dm.mapPcidevToIoreqServer(GUEST, id, 0x10000, 0, 0, 0), 'segment');
        await expectInputError(f.dm.mapPcidevToIoreqServer(GUEST, id, 0, 0x100, 0, 0), 'bus');
        await expectInputError(f.dm.mapPcidevToIoreqServer(GUEST, id, 0, 0, 0x100, 0), 'device');
        await expectInputError(f.dm.mapPcidevToIoreqServer(GUEST, id, 0, 0, 0, 1.5), 'fn');
        expect(f.rec.calls).toEqual([]);
      });
    });

    describe('mapMemTypeToIoreqServer', () => {
      let id: number;
      beforeEach(async () => {
        id = await f.dm.createIoreqServer(GUEST, 'off');
        f.rec.clear();
      });

      it('claims ioreq_server for WRITE and releases it with flags 0 (DMOP 15; ENOSYS up to 4.8)', async () => {
        if (f.legacy) {
          await expectXenError(f.dm.mapMemTypeToIoreqServer(GUEST, id, 'ioreq_server', 'write'), 'ENOSYS', 'map_mem_type_to_ioreq_server');
          expect(f.rec.calls).toEqual([]);
          return;
        }
        await f.dm.mapMemTypeToIoreqServer(GUEST, id, 'ioreq_server', 'write');
        expect(dmPayload(f.rec.only())).toEqual({ op: 15, pad: 0, payload: { id, type: 4, flags: 2, opaque: 0n } });
        // Now set_mem_type may use the type.
        await f.dm.setMemType(GUEST, 'ioreq_server', 0x100, 4);
        expect(await f.dm.getMemType(GUEST, 0x103)).toEqual({ type: 'ioreq_server', memType: 4 });
        // Any owner, even the same server: EBUSY.
        await expectXenError(f.dm.mapMemTypeToIoreqServer(GUEST, id, 4, 2), 'EBUSY', 'map_mem_type_to_ioreq_server');
        await f.dm.mapMemTypeToIoreqServer(GUEST, id, 'ioreq_server', 0);
        // The unmap sweep turned the pages back into ram_rw.
        expect(await f.dm.getMemType(GUEST, 0x103)).toEqual({ type: 'ram_rw', memType: 0 });
        // Releasing what this server does not own: EINVAL from Xen.
        f.rec.clear();
        await expectXenError(f.dm.mapMemTypeToIoreqServer(GUEST, id, 'ioreq_server', 0), 'EINVAL', 'map_mem_type_to_ioreq_server');
        expect(f.rec.calls).toHaveLength(1);
      });

      it('libxendevicemodel refuses another type, or flags other than WRITE or 0, with EINVAL before sending (306f164362)', async () => {
        const op = 'map_mem_type_to_ioreq_server';
        await expectXenError(f.dm.mapMemTypeToIoreqServer(GUEST, id, 'ram_rw', 'write'), 'EINVAL', op);
        await expectXenError(f.dm.mapMemTypeToIoreqServer(GUEST, id, 'unused', 'write'), 'EINVAL', op);
        await expectXenError(f.dm.mapMemTypeToIoreqServer(GUEST, id, 3, 'write'), 'EINVAL', op);
        await expectXenError(f.dm.mapMemTypeToIoreqServer(GUEST, id, 'ioreq_server', 1), 'EINVAL', op); // READ
        await expectXenError(f.dm.mapMemTypeToIoreqServer(GUEST, id, 'ioreq_server', 'read' as never), 'EINVAL', op); // typed out, refused anyway
        await expectXenError(f.dm.mapMemTypeToIoreqServer(GUEST, id, 'ioreq_server', 3), 'EINVAL', op);
        await expectXenError(f.dm.mapMemTypeToIoreqServer(GUEST, id, 'ioreq_server', 0x80000000), 'EINVAL', op);
        expect(f.rec.calls).toEqual([]);
      });

      it('Xen refuses a guest without HAP (EOPNOTSUPP) and an unknown server (ENOENT)', async () => {
        if (f.legacy) return; // no such op before 4.9 (tested above)
        const shadowId = await f.dm.createIoreqServer(SHADOW_GUEST, 'off');
        await expectXenError(f.dm.mapMemTypeToIoreqServer(SHADOW_GUEST, shadowId, 'ioreq_server', 'write'), 'EOPNOTSUPP', 'map_mem_type_to_ioreq_server');
        await expectXenError(f.dm.mapMemTypeToIoreqServer(GUEST, id + 1, 'ioreq_server', 'write'), 'ENOENT', 'map_mem_type_to_ioreq_server');
      });

      it('a type name the interface version lacks is an InputError naming the argument', async () => {
        const iface: number = 0x00040700; // not a literal type: checked at run time
        await expectInputError(f.client({ iface }).mapMemTypeToIoreqServer(GUEST, id, 'mmio_write_dm', 'write'), 'type');
        await expectInputError(f.dm.mapMemTypeToIoreqServer(GUEST, id, 0x10000, 'write'), 'type');
        await expectInputError(f.dm.mapMemTypeToIoreqServer(GUEST, id, 'ioreq_server', 'all' as never), 'flags');
        await expectInputError(f.dm.mapMemTypeToIoreqServer(GUEST, id, 'ioreq_server', 2 ** 32), 'flags');
        expect(f.rec.calls).toEqual([]);
      });
    });

    describe('setIoreqServerState', () => {
      it('enables and disables (enabled 1/0)', async () => {
        const id = await f.dm.createIoreqServer(GUEST, 'off');
        f.rec.clear();
        await f.dm.setIoreqServerState(GUEST, id, true);
        await f.dm.setIoreqServerState(GUEST, id, true); // the same state again: a no-op
        await f.dm.setIoreqServerState(GUEST, id, false);
        const sent = f.rec.calls.map((c) => (f.legacy ? { op: c.op, ...hvmArg(c) } : { op: c.op, ...dmPayload(c).payload }));
        const base = f.legacy ? { op: 22, domid: GUEST, id } : { op: 5, id, pad: 0 };
        expect(sent).toEqual([
          { ...base, enabled: 1 },
          { ...base, enabled: 1 },
          { ...base, enabled: 0 },
        ]);
      });

      it('Xen answers ENOENT for an unknown id; enabled must be a boolean', async () => {
        await expectXenError(f.dm.setIoreqServerState(GUEST, 5, true), 'ENOENT', 'set_ioreq_server_state');
        await expectInputError(f.dm.setIoreqServerState(GUEST, 5, 1 as never), 'enabled');
      });
    });

    describe('destroyIoreqServer', () => {
      it('destroys; the id is then unknown (ENOENT)', async () => {
        const id = await f.dm.createIoreqServer(GUEST, 'atomic');
        f.rec.clear();
        await f.dm.destroyIoreqServer(GUEST, id);
        const call = f.rec.only();
        if (f.legacy) expect({ op: call.op, arg: decodeStruct('xen_hvm_destroy_ioreq_server', call.sent[0]!) }).toEqual({ op: 21, arg: { domid: GUEST, id } });
        else expect(dmPayload(call)).toEqual({ op: 6, pad: 0, payload: { id, pad: 0 } });
        await expectXenError(f.dm.getIoreqServerInfo(GUEST, id), 'ENOENT', 'get_ioreq_server_info');
        await expectXenError(f.dm.destroyIoreqServer(GUEST, id), 'ENOENT', 'destroy_ioreq_server');
      });

      it('id 0 with no server there: ENOENT, but EPERM at 4.11 (slot 0 is the default server\'s)', async () => {
        if (release === '4.22') await f.dm.destroyIoreqServer(GUEST, await f.dm.createIoreqServer(GUEST, 'off')); // frees slot 0
        await expectXenError(f.dm.destroyIoreqServer(GUEST, 0), byRelease(release, { '4.8': 'ENOENT', '4.11': 'EPERM', '4.22': 'ENOENT' }), 'destroy_ioreq_server');
      });

      it('drops the claim but leaves the ioreq_server pages: no new claim (EBUSY) until they are ram_rw again (4.9+)', async () => {
        if (f.legacy) return; // map_mem_type does not exist before 4.9
        const a = await f.dm.createIoreqServer(GUEST, 'off');
        await f.dm.mapMemTypeToIoreqServer(GUEST, a, 'ioreq_server', 'write');
        await f.dm.setMemType(GUEST, 'ioreq_server', 0x200, 2);
        await f.dm.destroyIoreqServer(GUEST, a);
        expect(await f.dm.getMemType(GUEST, 0x201)).toEqual({ type: 'ioreq_server', memType: 4 });
        const b = await f.dm.createIoreqServer(GUEST, 'off');
        await expectXenError(f.dm.mapMemTypeToIoreqServer(GUEST, b, 'ioreq_server', 'write'), 'EBUSY', 'map_mem_type_to_ioreq_server');
        await f.dm.setMemType(GUEST, 'ram_rw', 0x200, 2); // needs no owner
        await f.dm.mapMemTypeToIoreqServer(GUEST, b, 'ioreq_server', 'write');
      });
    });
  });
}

/** The get_info flags (4.11+) or pad (HVMOP: none) of a recorded get_ioreq_server_info. */
function dmOrHvmFlags(call: ReturnType<Fixture['rec']['only']>): number {
  if (call.hypercall === 'hvm_op') return 0;
  return (dmPayload(call).payload!.flags as number) ?? 0;
}
