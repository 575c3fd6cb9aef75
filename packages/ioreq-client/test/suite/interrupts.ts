/**
 * Interrupts, events and the domain: set_pci_intx_level, set_isa_irq_level, set_pci_link_route, inject_msi,
 * inject_event, set_irq_level, shutdown (remote_shutdown), nr_vcpus. None of these has an HVMOP form this
 * client can send up to 4.8 except inject_msi (HVMOP 16), which the simulator answers with ENOSYS.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { DM_GUEST, GUEST, PV_GUEST, byRelease, expectInputError, expectLastEvent, expectXenError, fixture, type Fixture, type MakeBackend, type SuiteRelease } from './fixture.js';
import { dmPayload, hvmArg } from './recording.js';

export function interruptTests(make: MakeBackend, release: SuiteRelease): void {
  describe('interrupts, events and the domain', () => {
    let f: Fixture;
    beforeEach(async () => {
      f = await fixture(make, release);
    });

    /** Up to 4.8 an op without a usable HVMOP form is ENOSYS, with nothing sent. */
    async function enosysBefore49(call: () => Promise<unknown>, op: string): Promise<boolean> {
      if (!f.legacy) return false;
      await expectXenError(call(), 'ENOSYS', op);
      expect(f.rec.calls).toEqual([]);
      return true;
    }

    describe('setPciIntxLevel', () => {
      it('sends DMOP 8 (segment in the domain field)', async () => {
        if (await enosysBefore49(() => f.dm.setPciIntxLevel(GUEST, 0, 0, 3, 0, 1), 'set_pci_intx_level')) return;
        await f.dm.setPciIntxLevel(GUEST, 0, 0, 3, 0, 1);
        expect(dmPayload(f.rec.only())).toEqual({ op: 8, pad: 0, payload: { domain: 0, bus: 0, device: 3, intx: 0, level: 1 } });
        await expectLastEvent(f, GUEST, { op: 'set_pci_intx_level', args: { domain: 0, bus: 0, device: 3, intx: 0, level: 1 } });
      });

      it('Xen refuses segment or bus ≠ 0, device > 31, INTx > 3 and level > 1 (EINVAL)', async () => {
        if (f.legacy) return;
        const op = 'set_pci_intx_level';
        await expectXenError(f.dm.setPciIntxLevel(GUEST, 1, 0, 3, 0, 1), 'EINVAL', op);
        await expectXenError(f.dm.setPciIntxLevel(GUEST, 0, 1, 3, 0, 1), 'EINVAL', op);
        await expectXenError(f.dm.setPciIntxLevel(GUEST, 0, 0, 0x20, 0, 1), 'EINVAL', op);
        await expectXenError(f.dm.setPciIntxLevel(GUEST, 0, 0, 3, 4, 1), 'EINVAL', op);
        await expectXenError(f.dm.setPciIntxLevel(GUEST, 0, 0, 3, 0, 2), 'EINVAL', op);
        expect(f.rec.calls).toHaveLength(5);
      });

      it('refuses values outside the C types with InputError', async () => {
        await expectInputError(f.dm.setPciIntxLevel(GUEST, 0x10000, 0, 0, 0, 0), 'segment');
        await expectInputError(f.dm.setPciIntxLevel(GUEST, 0, 0, 0, 0, 256), 'level');
        expect(f.rec.calls).toEqual([]);
      });
    });

    describe('setIsaIrqLevel', () => {
      it('sends DMOP 9; Xen refuses IRQ > 15 and level > 1 (EINVAL)', async () => {
        if (await enosysBefore49(() => f.dm.setIsaIrqLevel(GUEST, 8, 1), 'set_isa_irq_level')) return;
        await f.dm.setIsaIrqLevel(GUEST, 8, 1);
        expect(dmPayload(f.rec.only())).toEqual({ op: 9, pad: 0, payload: { isa_irq: 8, level: 1 } });
        await expectLastEvent(f, GUEST, { op: 'set_isa_irq_level', args: { isa_irq: 8, level: 1 } });
        await expectXenError(f.dm.setIsaIrqLevel(GUEST, 16, 1), 'EINVAL', 'set_isa_irq_level');
        await expectXenError(f.dm.setIsaIrqLevel(GUEST, 8, 2), 'EINVAL', 'set_isa_irq_level');
        await expectInputError(f.dm.setIsaIrqLevel(GUEST, 256, 0), 'irq');
      });
    });

    describe('setPciLinkRoute', () => {
      it('sends DMOP 10; Xen refuses link > 3 and IRQ > 15 (EINVAL)', async () => {
        if (await enosysBefore49(() => f.dm.setPciLinkRoute(GUEST, 0, 5), 'set_pci_link_route')) return;
        await f.dm.setPciLinkRoute(GUEST, 0, 5);
        expect(dmPayload(f.rec.only())).toEqual({ op: 10, pad: 0, payload: { link: 0, isa_irq: 5 } });
        await expectLastEvent(f, GUEST, { op: 'set_pci_link_route', args: { link: 0, isa_irq: 5 } });
        await expectXenError(f.dm.setPciLinkRoute(GUEST, 4, 5), 'EINVAL', 'set_pci_link_route');
        await expectXenError(f.dm.setPciLinkRoute(GUEST, 0, 16), 'EINVAL', 'set_pci_link_route');
        await expectInputError(f.dm.setPciLinkRoute(GUEST, -1, 0), 'link');
      });
    });

    describe('injectMsi', () => {
      it('sends DMOP 14, or HVMOP 16 up to 4.8 (which the simulator answers with ENOSYS)', async () => {
        const p = f.dm.injectMsi(GUEST, 0xfee00000, 0x4021);
        if (f.legacy) {
          await expectXenError(p, 'ENOSYS', 'inject_msi');
          const call = f.rec.only();
          expect({ op: call.op, arg: hvmArg(call) }).toEqual({ op: 16, arg: { domid: GUEST, data: 0x4021, addr: 0xfee00000n } });
          return;
        }
        await p;
        expect(dmPayload(f.rec.only())).toEqual({ op: 14, pad: 0, payload: { data: 0x4021, pad: 0, addr: 0xfee00000n } });
        await expectLastEvent(f, GUEST, { op: 'inject_msi', args: { data: 0x4021, addr: 0xfee00000n } });
        await expectInputError(f.dm.injectMsi(GUEST, 0xfee00000, 2 ** 32), 'data');
      });
    });

    describe('injectEvent', () => {
      it('sends DMOP 13 with the event type by name or number; Xen refuses a vCPU the guest lacks (EINVAL)', async () => {
        if (await enosysBefore49(() => f.dm.injectEvent(GUEST, 1, 14, 'hw_exc', 2, 0, 0x1000n), 'inject_event')) return;
        await f.dm.injectEvent(GUEST, 1, 14, 'hw_exc', 2, 0, 0x1000n);
        expect(dmPayload(f.rec.only())).toEqual({ op: 13, pad: 0, payload: { vcpuid: 1, vector: 14, type: 3, insn_len: 0, pad0: 0, error_code: 2, pad1: 0, cr2: 0x1000n } });
        await expectLastEvent(f, GUEST, { op: 'inject_event', args: { vcpuid: 1, vector: 14, type: 3, insn_len: 0, error_code: 2, cr2: 0x1000n } });
        await f.dm.injectEvent(GUEST, 0, 0x80, 4, 0, 2, 0);
        expect(dmPayload(f.rec.only()).payload).toMatchObject({ vcpuid: 0, vector: 0x80, type: 4, insn_len: 2 });
        await expectXenError(f.dm.injectEvent(GUEST, 2, 14, 'hw_exc', 0, 0, 0), 'EINVAL', 'inject_event');
      });

      it('refuses unusable arguments with InputError', async () => {
        await expectInputError(f.dm.injectEvent(GUEST, -1, 14, 'hw_exc', 0, 0, 0), 'vcpu');
        await expectInputError(f.dm.injectEvent(GUEST, 0, 14, 'fault' as never, 0, 0, 0), 'type');
        await expectInputError(f.dm.injectEvent(GUEST, 0, 14, 'nmi', 0, 0, -1n), 'extra');
        expect(f.rec.calls).toEqual([]);
      });
    });

    describe('setIrqLevel', () => {
      it('is Arm-only: an x86 hypervisor answers EOPNOTSUPP (4.11: beyond its op table); ENOSYS up to 4.8', async () => {
        if (await enosysBefore49(() => f.dm.setIrqLevel(GUEST, 33, 1), 'set_irq_level')) return;
        await expectXenError(f.dm.setIrqLevel(GUEST, 33, 1), 'EOPNOTSUPP', 'set_irq_level');
        expect(dmPayload(f.rec.only())).toEqual({ op: 19, pad: 0, payload: { irq: 33, level: 1, pad: [0, 0, 0] } });
      });
    });

    describe('shutdown', () => {
      it('sends DMOP 16 remote_shutdown with the reason (4.10+); ENOSYS up to 4.8', async () => {
        if (await enosysBefore49(() => f.dm.shutdown(GUEST, 2), 'remote_shutdown')) return;
        await f.dm.shutdown(GUEST, 2);
        expect(dmPayload(f.rec.only())).toEqual({ op: 16, pad: 0, payload: { reason: 2 } });
        await expectLastEvent(f, GUEST, { op: 'remote_shutdown', args: { reason: 2 } });
        const pv = f.dm.shutdown(PV_GUEST, 0);
        if (release === '4.11') await expect(pv).resolves.toBeUndefined();
        else await expectXenError(pv, 'EINVAL', 'remote_shutdown');
        await expectInputError(f.dm.shutdown(GUEST, -1), 'reason');
      });
    });

    describe('nrVcpus', () => {
      it('returns the vCPU count (4.15+); EOPNOTSUPP from an older DMOP hypervisor, ENOSYS up to 4.8', async () => {
        if (await enosysBefore49(() => f.dm.nrVcpus(GUEST), 'nr_vcpus')) return;
        const expected = byRelease<number | 'EOPNOTSUPP' | null>(release, { '4.8': null, '4.11': 'EOPNOTSUPP', '4.22': 2 });
        if (expected === 'EOPNOTSUPP') {
          await expectXenError(f.dm.nrVcpus(GUEST), 'EOPNOTSUPP', 'nr_vcpus');
          return;
        }
        expect(await f.dm.nrVcpus(GUEST)).toBe(expected);
        expect(dmPayload(f.rec.only())).toEqual({ op: 20, pad: 0, payload: { vcpus: 0 } });
        expect(await f.dm.nrVcpus(DM_GUEST)).toBe(1);
        await expectXenError(f.dm.nrVcpus(PV_GUEST), 'EINVAL', 'nr_vcpus');
      });
    });
  });
}
