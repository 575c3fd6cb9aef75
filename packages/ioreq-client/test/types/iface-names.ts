// Compile-time proof that a DeviceModel's memory-type names follow its interface version (checked by
// test/types.test.ts). Each @ts-expect-error line must fail to compile; if it compiled, tsc would report
// the unused directive.
import { IFACE_4_6, IFACE_4_22, type XenBackend } from '@xenmem/abi-types';
import { DeviceModel, type MemTypeAt } from '../../src/index.js';

declare const backend: XenBackend;

export async function namesFollowTheInterfaceVersion(): Promise<void> {
  const at47 = new DeviceModel({ backend, iface: '4.7' });
  await at47.setMemType(1, 'unused', 0, 1);
  await at47.setMemType(1, 'ioreq_server', 0, 1);
  await at47.setMemType(1, 3, 0, 1); // numbers are always allowed and sent as is
  // @ts-expect-error mmio_write_dm is hidden from 0x00040700 (Xen 4.7 headers)
  await at47.setMemType(1, 'mmio_write_dm', 0, 1);
  // @ts-expect-error not a memory type at any version
  await at47.setMemType(1, 'ram_wo', 0, 1);
  // @ts-expect-error the same for map_mem_type_to_ioreq_server's type
  await at47.mapMemTypeToIoreqServer(1, 0, 'mmio_write_dm', 'write');

  const at46 = new DeviceModel({ backend, iface: IFACE_4_6 });
  await at46.setMemType(1, 'mmio_write_dm', 0, 1);
  // @ts-expect-error unused does not exist before 0x00040700
  await at46.setMemType(1, 'unused', 0, 1);

  const latest = new DeviceModel({ backend, iface: IFACE_4_22 });
  // @ts-expect-error also at the newest interface version, given as a constant
  await latest.setMemType(1, 'mmio_write_dm', 0, 1);
  const byNumber = new DeviceModel({ backend, iface: 0x00040600 });
  await byNumber.mapMemTypeToIoreqServer(1, 0, 'mmio_write_dm', 'write'); // compiles; refused at run time (EINVAL)

  // get_mem_type's names are those of the version.
  const r = await at47.getMemType(1, 0);
  const era1: 'ram_rw' | 'ram_ro' | 'mmio_dm' | 'unused' | 'ioreq_server' | null = r.type;
  // @ts-expect-error a 4.7 client never sees mmio_write_dm
  const wrong: 'mmio_write_dm' | null = r.type;
  const typed: MemTypeAt<typeof IFACE_4_6> = await at46.getMemType(1, 0);
  void [era1, wrong, typed];

  // A version TypeScript cannot see through allows every name; the run-time check decides.
  const someVersion = Number(process.env.XEN_IFACE ?? '0x00041300');
  const unknown = new DeviceModel({ backend, iface: someVersion });
  await unknown.setMemType(1, 'mmio_write_dm', 0, 1);
}

export async function namedConstants(dm: DeviceModel<'4.22'>): Promise<void> {
  await dm.createIoreqServer(1, 'atomic');
  await dm.createIoreqServer(1, 2);
  // @ts-expect-error not an HVM_IOREQSRV_BUFIOREQ_* name
  await dm.createIoreqServer(1, 'buffered');
  await dm.mapMemTypeToIoreqServer(1, 0, 'ioreq_server', 0);
  // @ts-expect-error only WRITE may be claimed; 'read' is not offered
  await dm.mapMemTypeToIoreqServer(1, 0, 'ioreq_server', 'read');
  await dm.pinMemoryCacheattr(1, 0, 1, 'wb');
  // @ts-expect-error not an XEN_DMOP_MEM_CACHEATTR_* name
  await dm.pinMemoryCacheattr(1, 0, 1, 'writeback');
  await dm.injectEvent(1, 0, 14, 'hw_exc', 0, 0, 0n);
  // @ts-expect-error not an XEN_DMOP_EVENT_* name
  await dm.injectEvent(1, 0, 14, 'fault', 0, 0, 0n);
  // @ts-expect-error 64-bit arguments are bigints or numbers, not strings
  await dm.setMemType(1, 'ram_ro', '0x100', 1);
  const info = await dm.getIoreqServerInfo(1, 0, { gfns: false });
  const gfn: bigint | null = info.ioreqGfn;
  const port: number | null = info.bufioreqPort;
  const bitmap: Uint8Array = await dm.trackDirtyVram(1, 0, 8);
  const vcpus: number = await dm.nrVcpus(1);
  void [gfn, port, bitmap, vcpus];
}
