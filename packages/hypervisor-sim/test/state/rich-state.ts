/** A hypervisor holding every kind of durable state, for the state tests (snapshot, restore, rollback). */
import { expect } from 'vitest';
import { decodeDmOp, encodeDmOp } from '@xenmem/abi-types';
import { Hypervisor } from '../../src/hypervisor.js';

/** A dm_op that must succeed; its payload as copied back. */
export async function dm(hv: Hypervisor, caller: number, domid: number, op: string, fields: Record<string, unknown>) {
  const buf = encodeDmOp(op as Parameters<typeof encodeDmOp>[0], fields);
  const { rc } = await hv.dmOp(caller, domid, op === 'track_dirty_vram' ? [buf, new Uint8Array(64)] : [buf]);
  expect(rc, `${op} ${JSON.stringify(fields, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`).toBe(0);
  return decodeDmOp(buf).payload as Record<string, unknown>;
}

export const HVMMEM_IOREQ_SERVER = 4;

/** Domains 1 (2 vCPUs) and 2 (dm 3): servers of every page kind, ranges, a claim, ioreq_server pages, a destroyed claimant. */
export async function richHypervisor(): Promise<Hypervisor> {
  const hv = new Hypervisor({ release: '4.22' });
  await hv.createDomain({ domid: 1, maxGpfn: 0xfffff, vcpus: 2 });
  await hv.createDomain({ domid: 2, maxGpfn: 0xffff, dm: 3, hap: true });
  await hv.createDomain({ domid: 4, maxGpfn: 0xfff, hvm: true, vcpus: 3 });
  await hv.seedP2m(1, 0x200n, 0x10, 1); // ram_ro
  // Domain 1: server A (gfns, buffered), server B (resource), server C claims ioreq_server then is destroyed.
  const a = (await dm(hv, 0, 1, 'create_ioreq_server', { handle_bufioreq: 1 })).id as number;
  await dm(hv, 0, 1, 'get_ioreq_server_info', { id: a });
  await dm(hv, 0, 1, 'map_io_range_to_ioreq_server', { id: a, type: 0, start: 0xcf8n, end: 0xcffn });
  await dm(hv, 0, 1, 'map_io_range_to_ioreq_server', { id: a, type: 1, start: 0xf0000000n, end: 0xf0000fffn });
  await dm(hv, 0, 1, 'map_io_range_to_ioreq_server', { id: a, type: 2, start: 0x18n, end: 0x18n });
  await dm(hv, 0, 1, 'set_ioreq_server_state', { id: a, enabled: 1 });
  const b = (await dm(hv, 0, 1, 'create_ioreq_server', { handle_bufioreq: 2 })).id as number;
  expect((await hv.acquireResource(0, 1, 0, b, 0, 2)).rc).toBe(0);
  const c = (await dm(hv, 0, 1, 'create_ioreq_server', { handle_bufioreq: 0 })).id as number;
  await dm(hv, 0, 1, 'map_mem_type_to_ioreq_server', { id: c, type: HVMMEM_IOREQ_SERVER, flags: 2 });
  await dm(hv, 0, 1, 'set_mem_type', { mem_type: HVMMEM_IOREQ_SERVER, first_pfn: 0x1000n, nr: 0x40 });
  await dm(hv, 0, 1, 'set_mem_type', { mem_type: HVMMEM_IOREQ_SERVER, first_pfn: 0x2000n, nr: 3 });
  await dm(hv, 0, 1, 'destroy_ioreq_server', { id: c });
  // Domain 2: a server of its dm (caller 3) that claims and keeps the claim.
  const d = (await dm(hv, 3, 2, 'create_ioreq_server', { handle_bufioreq: 0 })).id as number;
  await dm(hv, 3, 2, 'map_mem_type_to_ioreq_server', { id: d, type: HVMMEM_IOREQ_SERVER, flags: 2 });
  await dm(hv, 3, 2, 'set_mem_type', { mem_type: HVMMEM_IOREQ_SERVER, first_pfn: 0x10n, nr: 5 });
  await dm(hv, 3, 2, 'map_io_range_to_ioreq_server', { id: d, type: 1, start: 0xe0000000n, end: 0xe00fffffn });
  await dm(hv, 3, 2, 'set_ioreq_server_state', { id: d, enabled: 1 });
  await dm(hv, 3, 2, 'set_ioreq_server_state', { id: d, enabled: 0 });
  await dm(hv, 0, 2, 'track_dirty_vram', { first_pfn: 0x100n, nr: 0x20 });
  return hv;
}

