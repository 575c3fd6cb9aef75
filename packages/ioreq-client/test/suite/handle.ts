/** The handle itself: construction, the caller domain, restrict (privcmd restriction), close. */
import { beforeEach, describe, expect, it } from 'vitest';
import { DeviceModel } from '../../src/index.js';
import { DM_DOMAIN, DM_GUEST, GUEST, expectInputError, expectXenError, fixture, type Fixture, type MakeBackend, type SuiteRelease } from './fixture.js';

export function handleTests(make: MakeBackend, release: SuiteRelease): void {
  describe('handle', () => {
    let f: Fixture;
    beforeEach(async () => {
      f = await fixture(make, release);
    });

    it('states its interface version, release and caller', () => {
      const dm = f.client({ iface: '4.7', caller: DM_DOMAIN });
      expect({ iface: dm.iface, release: dm.release, caller: dm.caller, restrictedTo: dm.restrictedTo }).toEqual({ iface: 0x00040700, release, caller: DM_DOMAIN, restrictedTo: null });
      expect(f.client({ iface: 0x00040600 }).iface).toBe(0x00040600);
      expect(f.client({ iface: '0x00041300' }).iface).toBe(0x00041300);
      expect(f.dm.caller).toBe(0);
    });

    it('refuses unusable construction arguments with InputError', () => {
      const backend = f.rec.backend;
      expect(() => new DeviceModel({ backend, iface: '4.23' })).toThrow(expect.objectContaining({ name: 'InputError', argument: 'iface' }));
      expect(() => new DeviceModel({ backend, iface: 0x00041400 })).toThrow(expect.objectContaining({ name: 'InputError', argument: 'iface' }));
      expect(() => new DeviceModel({ backend, iface: '4.22', caller: 0x10000 })).toThrow(expect.objectContaining({ name: 'InputError', argument: 'caller' }));
      expect(() => new DeviceModel({ backend: {} as never, iface: '4.22' })).toThrow(expect.objectContaining({ name: 'InputError', argument: 'backend' }));
    });

    it('makes calls on behalf of its caller domain: the guest\'s device model may, another domain may not', async () => {
      const own = f.client({ caller: DM_DOMAIN });
      await own.setMemType(DM_GUEST, 'ram_ro', 0x10, 1);
      expect(f.rec.only()).toMatchObject({ caller: DM_DOMAIN });
      await expectXenError(own.setMemType(GUEST, 'ram_ro', 0x10, 1), 'EPERM', 'set_mem_type');
      await expectXenError(f.client({ caller: 4 }).createIoreqServer(DM_GUEST, 'off'), 'EPERM', 'create_ioreq_server');
      await expectXenError(f.dm.createIoreqServer(0, 'off'), 'EPERM', 'create_ioreq_server'); // the target is the caller itself
    });

    it('restrict locks the handle to one domain: naming another is EPERM before anything is sent', async () => {
      await f.dm.restrict(GUEST);
      expect(f.dm.restrictedTo).toBe(GUEST);
      await f.dm.setMemType(GUEST, 'ram_ro', 0x100, 1);
      expect(f.rec.calls).toHaveLength(1);
      f.rec.clear();
      await expectXenError(f.dm.setMemType(DM_GUEST, 'ram_ro', 0x10, 1), 'EPERM', 'set_mem_type');
      await expectXenError(f.dm.createIoreqServer(DM_GUEST, 'off'), 'EPERM', 'create_ioreq_server');
      await expectXenError(f.dm.getMemType(DM_GUEST, 0x10), 'EPERM', 'get_mem_type');
      await expectXenError(f.dm.nrVcpus(DM_GUEST), 'EPERM', 'nr_vcpus');
      await expectXenError(f.dm.modifiedMemoryBulk(DM_GUEST, []), 'EPERM', 'modified_memory');
      expect(f.rec.calls).toEqual([]);
      // Restricting again: to the same domain is a no-op, to another EINVAL (privcmd_ioctl_restrict).
      await f.dm.restrict(GUEST);
      await expectXenError(f.dm.restrict(DM_GUEST), 'EINVAL', 'restrict');
      expect(f.dm.restrictedTo).toBe(GUEST);
      // Other handles are not affected.
      await f.client().setMemType(DM_GUEST, 'ram_ro', 0x10, 1);
      expect(f.rec.calls).toHaveLength(1);
    });

    it('restrict checks its argument', async () => {
      await expectInputError(f.dm.restrict(0x10000), 'domid');
      await expectInputError(f.dm.restrict(-1), 'domid');
    });

    it('close: later calls reject with InputError, the backend stays usable', async () => {
      const other = f.client();
      await f.dm.close();
      await expectInputError(f.dm.getMemType(GUEST, 0), 'handle');
      await expectInputError(f.dm.createIoreqServer(GUEST, 'off'), 'handle');
      expect(f.rec.calls).toEqual([]);
      await expect(other.getMemType(GUEST, 0)).resolves.toEqual({ type: 'ram_rw', memType: 0 });
    });
  });
}
