/** Test code playing a device model (as QEMU's xen-hvm-common.c does) against the in-process hypervisor. */
import { decodeStruct, encodeStruct, type Ioreq, type SharedPage } from '@xenmem/abi-types';
import type { Hypervisor } from '../../src/index.js';
import { dm } from '../hypervisor/harness.js';

export const DM = 5;
export const DOMAIN = { domid: 1, maxGpfn: 0xfffff, vcpus: 2, dm: DM };

export interface Attached {
  id: number;
  sync: SharedPage;
  buf: SharedPage | null;
  /** Local port per vCPU, and the buffered ring's. */
  ports: number[];
  bufPort: number | null;
}

/** Creates a server as DM, maps an MMIO range, acquires both pages, enables it and binds every port (QEMU's order). */
export async function attach(hv: Hypervisor, opts: { bufioreq?: number; start?: bigint; end?: bigint; bind?: boolean } = {}): Promise<Attached> {
  const bufioreq = opts.bufioreq ?? 0;
  const id = (await dm(hv, 'create_ioreq_server', { handle_bufioreq: bufioreq }, { caller: DM })).out.id as number;
  await dm(hv, 'map_io_range_to_ioreq_server', { id, type: 1, start: opts.start ?? 0xe0000000n, end: opts.end ?? 0xe0000fffn }, { caller: DM });
  const frames = bufioreq ? await hv.acquireResource(DM, 1, 0, id, 0, 2) : await hv.acquireResource(DM, 1, 0, id, 1, 1);
  if (frames.rc !== 0) throw new Error(`acquire failed ${frames.rc}`);
  const [buf, sync] = bufioreq ? frames.pages : [null, frames.pages[0]!];
  await dm(hv, 'set_ioreq_server_state', { id, enabled: 1 }, { caller: DM });
  const info = await dm(hv, 'get_ioreq_server_info', { id, flags: 1 }, { caller: DM });
  const ports: number[] = [];
  if (opts.bind !== false) {
    for (let vcpu = 0; vcpu < DOMAIN.vcpus; vcpu++) {
      const b = await hv.bindInterdomain(DM, 1, slot(sync!, vcpu).vp_eport);
      if (b.rc !== 0) throw new Error(`bind failed ${b.rc}`);
      ports.push(b.localPort);
    }
  }
  let bufPort: number | null = null;
  if (bufioreq && opts.bind !== false) bufPort = (await hv.bindInterdomain(DM, 1, info.out.bufioreq_port as number)).localPort;
  return { id, sync: sync!, buf: buf ?? null, ports, bufPort };
}

export function slot(page: SharedPage, vcpu: number): Ioreq {
  return decodeStruct('ioreq', page.read(vcpu * 32, 32));
}

/** Sets a slot's 4-bit state the way an emulator does (one byte write). */
export function setState(page: SharedPage, vcpu: number, state: number): void {
  const b = page.read(vcpu * 32 + 30, 1);
  page.write(vcpu * 32 + 30, Uint8Array.of((b[0]! & 0xf0) | state));
}

export function setData(page: SharedPage, vcpu: number, data: bigint): void {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, data, true);
  page.write(vcpu * 32 + 8, bytes);
}

export function pointers(page: SharedPage): { read: number; write: number } {
  const v = new DataView(page.read(0, 8).buffer);
  return { read: v.getUint32(0, true), write: v.getUint32(4, true) };
}

export function setReadPointer(page: SharedPage, read: number): void {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, read, true);
  page.write(0, b);
}

export function setPointers(page: SharedPage, read: number, write: number): void {
  page.write(0, encodeStruct('buffered_iopage', { read_pointer: read, write_pointer: write }).subarray(0, 8));
}

export function bufSlot(page: SharedPage, index: number) {
  return decodeStruct('buf_ioreq', page.read(8 + index * 8, 8));
}

/** Lets pending promise callbacks run. */
export const settle = () => new Promise((r) => setTimeout(r, 0));
