/**
 * Every errno the simulator returns names the check that failed: the reason reaches XenError.reason in process
 * and over the daemon, and each case asserts the exact id.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XenError, type HypercallBackend } from '@xenmem/abi-types';
import { Hypervisor, startDaemon } from '@xenmem/hypervisor-sim';
import { XEN_REASONS } from '@xenmem/sim-protocol';
import { DeviceModel, SocketBackend } from '../src/index.js';

/** What a DeviceModel call threw: its errno name and reason (undefined if it did not throw a XenError). */
async function refusal(call: Promise<unknown>): Promise<{ code: string; reason: { id: string; message: string } | undefined }> {
  try {
    await call;
  } catch (e) {
    if (e instanceof XenError) return { code: e.code, reason: e.reason };
    throw e;
  }
  throw new Error('the call succeeded');
}

const seen = new Set<string>();
function expectReason(got: { code: string; reason: { id: string; message: string } | undefined }, code: string, id: keyof typeof XEN_REASONS): void {
  expect(got).toEqual({ code, reason: { id, message: XEN_REASONS[id].message } });
  seen.add(id);
}

async function host(release: '4.8' | '4.22', hap = true): Promise<Hypervisor> {
  const hv = new Hypervisor({ release });
  await hv.createDomain({ domid: 1, maxGpfn: 0xfffff, hap, dm: 3 });
  await hv.createDomain({ domid: 2, maxGpfn: 0xff, hvm: false });
  await hv.createDomain({ domid: 3, maxGpfn: 0xff });
  return hv;
}

describe('reasons in process (Xen 4.22)', async () => {
  const hv = await host('4.22');
  const dm = new DeviceModel({ backend: hv, iface: '4.22' });
  const dm5 = new DeviceModel({ backend: hv, iface: '4.22', caller: 5 });

  it('set_mem_type: HVMMEM_unused, the range, HAP and the claim', async () => {
    expectReason(await refusal(dm.setMemType(1, 3, 0x1000, 1)), 'EINVAL', 'hvmmem-unused');
    expectReason(await refusal(dm.setMemType(1, 9, 0x1000, 1)), 'EINVAL', 'hvmmem-unlisted');
    expectReason(await refusal(dm.setMemType(1, 'ram_ro', 0xfffff, 2)), 'EINVAL', 'pfn-range');
    expectReason(await refusal(dm.setMemType(1, 'ioreq_server', 0x1000, 1)), 'EINVAL', 'hvmmem-needs-claim');
    expect(hv.lastFailure(0)).toEqual({ call: 'dm_op', rc: -22, reason: { id: 'hvmmem-needs-claim', message: XEN_REASONS['hvmmem-needs-claim'].message } });
  });

  it('dm_op entry checks', async () => {
    expectReason(await refusal(dm.setMemType(7, 'ram_ro', 0x1000, 1)), 'ESRCH', 'domain-missing');
    expectReason(await refusal(dm.setMemType(2, 'ram_ro', 0x10, 1)), 'EINVAL', 'target-not-hvm');
    expectReason(await refusal(dm5.setMemType(1, 'ram_ro', 0x1000, 1)), 'EPERM', 'not-privileged');
    expect((await hv.dmOp(0, 1, [])).reason?.id).toBe('dmop-no-bufs');
    expect((await hv.dmOp(0, 1, Array.from({ length: 300 }, () => new Uint8Array(8)))).reason?.id).toBe('dmop-nr-bufs');
    expect((await hv.dmOp(0, 1, [new Uint8Array(2)])).reason?.id).toBe('copy-fault');
    expect((await hv.dmOp(1, 1, [new Uint8Array(64)])).reason?.id).toBe('target-is-caller');
    const unknownOp = new Uint8Array(64);
    unknownOp[0] = 0xf0;
    expect((await hv.dmOp(0, 1, [unknownOp])).reason?.id).toBe('dmop-op-unknown');
    ['dmop-no-bufs', 'dmop-nr-bufs', 'copy-fault', 'target-is-caller', 'dmop-op-unknown'].forEach((id) => seen.add(id));
  });

  it('ioreq-server ops', async () => {
    expectReason(await refusal(dm.setIoreqServerState(1, 9, true)), 'ENOENT', 'ioreq-server-missing');
    const id = await dm.createIoreqServer(1, 'atomic');
    const dm3 = new DeviceModel({ backend: hv, iface: '4.22', caller: 3 });
    expectReason(await refusal(dm3.setIoreqServerState(1, id, true)), 'EPERM', 'not-emulator');
    await dm.mapIoRangeToIoreqServer(1, id, true, 0x1000n, 0x1fffn);
    expectReason(await refusal(dm.mapIoRangeToIoreqServer(1, id, true, 0x1800n, 0x2fffn)), 'EEXIST', 'io-range-overlap');
    expectReason(await refusal(dm.unmapIoRangeFromIoreqServer(1, id, true, 0x5000n, 0x5fffn)), 'ENOENT', 'io-range-missing');
    // libxendevicemodel's own refusal never reaches the simulator: no reason.
    expect(await refusal(dm.mapMemTypeToIoreqServer(1, id, 'ram_rw' as never, 0 as never))).toEqual({ code: 'EINVAL', reason: undefined });
    await dm.mapMemTypeToIoreqServer(1, id, 'ioreq_server', 'write');
    const other = await dm.createIoreqServer(1, 'off');
    expectReason(await refusal(dm.mapMemTypeToIoreqServer(1, other, 'ioreq_server', 'write')), 'EBUSY', 'map-mem-type-busy');
  });
});

describe('reasons at Xen 4.8 (the HVMOP form)', async () => {
  const hv = await host('4.8');
  const dm = new DeviceModel({ backend: hv, iface: '4.8' });
  it('set_mem_type of HVMMEM_unused and a dm_op the release has not', async () => {
    expectReason(await refusal(dm.setMemType(1, 3, 0x1000, 1)), 'EINVAL', 'hvmmem-unused');
    expect((await hv.dmOp(0, 1, [new Uint8Array(64)])).reason?.id).toBe('no-dm-op');
    seen.add('no-dm-op');
  });
});

describe('reasons over the daemon', async () => {
  const hv = await host('4.22');
  const dir = mkdtempSync(join(tmpdir(), 'xenmem-reasons-'));
  const daemon = await startDaemon({ socketPath: join(dir, 's'), hypervisor: hv });
  const backend = await SocketBackend.connect(join(dir, 's'), { caller: 0 });
  afterAll(async () => {
    await backend.close();
    await daemon.close();
  });
  it('the hypercall_done frame carries the reason to the XenError', async () => {
    const dm = new DeviceModel({ backend: backend as HypercallBackend, iface: '4.22' });
    expectReason(await refusal(dm.setMemType(1, 3, 0x1000, 1)), 'EINVAL', 'hvmmem-unused');
    expectReason(await refusal(dm.getMemType(7, 0x1000)), 'ESRCH', 'domain-missing');
  });
});

describe('the reason table', () => {
  it('every id is a lower-case dash-separated word list with a sentence and a source', () => {
    for (const [id, r] of Object.entries(XEN_REASONS)) {
      expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(r.message.length).toBeGreaterThan(10);
      expect(r.source).toMatch(/^(xen\/|linux )\S+\.[ch] \S+/);
    }
  });
});

describe('docs/simulator.md lists the reasons', () => {
  it('one row per id, with its sentence and source, and no other', async () => {
    const { readFileSync } = await import('node:fs');
    const doc = readFileSync(new URL('../../../docs/simulator.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| `([a-z0-9-]+)` \| (.*) \| (.*) \|$/gm)].map((m) => [m[1], m[2], m[3]]);
    expect(rows).toEqual(Object.entries(XEN_REASONS).map(([id, r]) => [id, r.message, r.source]));
  });
});
