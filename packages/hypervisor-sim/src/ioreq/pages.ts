/**
 * An ioreq server's two 4 KiB pages, byte-exact (reference §3): the synchronous page (`shared_iopage`:
 * one 32-byte `ioreq_t` per vCPU at vcpu × 32) and the buffered ring (`buffered_iopage`: read_pointer@0,
 * write_pointer@4, 511 `buf_ioreq` slots from 8). Xen and the device model share the same bytes; every
 * field access here goes through the generated layouts (`encodeStructAt`/`decodeStruct`).
 */
import { CONSTANTS, InputError, decodeStruct, encodeStructAt, sizeOf, type Ioreq, type SharedPage } from '@xenmem/abi-types';

export const PAGE_SIZE = 4096;
const IOREQ_SIZE = sizeOf('ioreq');
const STATE_OFFSET = 30; // the byte holding state:4, data_is_ptr, dir, df (reference §3)

const constant = (group: keyof typeof CONSTANTS, name: string) => CONSTANTS[group].members.find((m) => m.name === name)!.value;
export const STATE_IOREQ_NONE = constant('ioreq_state', 'none');
export const STATE_IOREQ_READY = constant('ioreq_state', 'ready');
export const STATE_IOREQ_INPROCESS = constant('ioreq_state', 'inprocess');
export const STATE_IORESP_READY = constant('ioreq_state', 'iorsp_ready');

/**
 * Where ioreq servers' pages live. By default plain memory; the daemon installs a store that puts them in a
 * file under /dev/shm so that a device-model process maps the very bytes Xen writes (docs/protocol.md "Shared
 * memory"). `adopt` copies a page into the store and returns the store's view of it (null: no room, keep the
 * page where it is); `release` gives back a page adopted earlier (other pages are ignored).
 */
export interface IoreqPageStore {
  /**
   * Takes a page into the store: copies `page`'s 4096 bytes into a free page of the store and returns the store's
   * view of that page, which the hypervisor uses from then on (as the server's `ioreq_pfn`/`bufioreq_pfn` page).
   * Returns null when the store has no free page; the hypervisor then keeps the page where it is. `page` itself
   * is not changed.
   */
  adopt(page: Uint8Array): Uint8Array | null;
  /**
   * Gives back a page `adopt` returned, when its server is destroyed (or its domain is), or the hypervisor switches
   * to another store: the store may zero it and hand it out again. A page the store did not give out is ignored.
   */
  release(page: Uint8Array): void;
}

/**
 * The page as a device model sees it: a thin view over the live bytes (writes land at once). It reads its
 * bytes through `source` each time, so a page moved into a page store is seen where it lives now.
 */
export class SharedPageView implements SharedPage {
  constructor(private readonly source: () => Uint8Array) {}

  /** The page's bytes where they live now. */
  get bytes(): Uint8Array {
    return this.source();
  }

  read(offset: number, length: number): Uint8Array {
    check(offset, length);
    return this.source().slice(offset, offset + length);
  }

  write(offset: number, bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw new InputError('bytes', bytes, 'must be a Uint8Array');
    check(offset, bytes.length);
    this.source().set(bytes, offset);
  }
}

function check(offset: number, length: number): void {
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > PAGE_SIZE)
    throw new InputError('offset', `${offset}+${length}`, `lies outside the ${PAGE_SIZE}-byte page`);
}

/** Offset of a vCPU's ioreq_t in the synchronous page. */
export function slotOffset(vcpu: number): number {
  return vcpu * IOREQ_SIZE;
}

export function readSlot(page: Uint8Array, vcpu: number): Ioreq {
  return decodeStruct('ioreq', page, slotOffset(vcpu));
}

/** The 4-bit state of a vCPU's slot. */
export function slotState(page: Uint8Array, vcpu: number): number {
  return page[slotOffset(vcpu) + STATE_OFFSET]! & 0x0f;
}

/** Sets the 4-bit state, leaving the other bits of the byte alone (Xen writes the bit-field). */
export function setSlotState(page: Uint8Array, vcpu: number, state: number): void {
  const at = slotOffset(vcpu) + STATE_OFFSET;
  page[at] = (page[at]! & 0xf0) | (state & 0x0f);
}

/** Writes a whole ioreq_t into a vCPU's slot (Xen's `*p = *proto_p`). */
export function writeSlot(page: Uint8Array, vcpu: number, req: Partial<Ioreq>): void {
  encodeStructAt('ioreq', req, page, slotOffset(vcpu));
}

/** The slot's `data` (u64 at +8). */
export function slotData(page: Uint8Array, vcpu: number): bigint {
  return new DataView(page.buffer, page.byteOffset, page.byteLength).getBigUint64(slotOffset(vcpu) + 8, true);
}

export function setSlotData(page: Uint8Array, vcpu: number, data: bigint): void {
  new DataView(page.buffer, page.byteOffset, page.byteLength).setBigUint64(slotOffset(vcpu) + 8, data, true);
}

/** The slot's `vp_eport` (u32 at +24). */
export function slotPort(page: Uint8Array, vcpu: number): number {
  return new DataView(page.buffer, page.byteOffset, page.byteLength).getUint32(slotOffset(vcpu) + 24, true);
}

/** `hvm_update_ioreq_evtchn`: enabling a server writes each vCPU's port into its slot. */
export function setSlotPort(page: Uint8Array, vcpu: number, port: number): void {
  new DataView(page.buffer, page.byteOffset, page.byteLength).setUint32(slotOffset(vcpu) + 24, port, true);
}
