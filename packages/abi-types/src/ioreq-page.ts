/**
 * An ioreq server's two pages, as public/hvm/ioreq.h lays them out for both sides: Xen (the simulator) writes
 * requests and the device model (the client) answers them in the same bytes.
 *
 * - The synchronous page, `struct shared_iopage`: one `ioreq_t` per vCPU, vCPU n's at n × sizeof(ioreq_t). Its
 *   `state:4` bit-field (STATE_IOREQ_*) is how the two sides hand a slot back and forth.
 * - The buffered ring, `struct buffered_iopage`: read_pointer, write_pointer, then IOREQ_BUFFER_SLOT_NUM
 *   `buf_ioreq` slots; the entry of pointer p is slot p % IOREQ_BUFFER_SLOT_NUM.
 *
 * Every offset and size here is read from the schema's struct tables (schema: structs["ioreq"],
 * structs["buffered_iopage"], structs["buf_ioreq"]) and every number from its constants.
 */
import { CONST, STRUCTS, type BufIoreq, type Ioreq, type LayoutId } from './generated/index.js';
import { decodeStruct, encodeStructAt } from './codec.js';

function field(layout: LayoutId, name: string) {
  return STRUCTS[layout].fields.find((f) => f.name === name)!;
}

const STATE = field('ioreq', 'state');

/** sizeof(ioreq_t): one vCPU's slot of the synchronous page. */
export const IOREQ_SIZE: number = STRUCTS.ioreq.size;
/** Bytes of one ioreq page: sizeof(struct buffered_iopage), a whole 4 KiB page. */
export const IOREQ_PAGE_SIZE: number = STRUCTS.buffered_iopage.size;
/** vCPUs whose slots one synchronous page holds. */
export const IOREQ_SLOTS_PER_PAGE: number = IOREQ_PAGE_SIZE / IOREQ_SIZE;
/** Offset in ioreq_t of the byte that holds `state:4` with data_is_ptr, dir, df. */
export const IOREQ_STATE_BYTE: number = STATE.offset;
/** The bits of that byte that are `state`. */
export const IOREQ_STATE_MASK: number = ((1 << STATE.bits!.width) - 1) << STATE.bits!.shift;
/** Offset in ioreq_t of `data` (u64). */
export const IOREQ_DATA_OFFSET: number = field('ioreq', 'data').offset;
/** Offset in ioreq_t of `vp_eport` (u32), the vCPU's event channel port. */
export const IOREQ_VP_EPORT_OFFSET: number = field('ioreq', 'vp_eport').offset;

/** STATE_IOREQ_NONE: the slot is free. */
export const STATE_IOREQ_NONE = CONST.ioreq_state.none;
/** STATE_IOREQ_READY: Xen has written a request. */
export const STATE_IOREQ_READY = CONST.ioreq_state.ready;
/** STATE_IOREQ_INPROCESS: the device model has taken the request. */
export const STATE_IOREQ_INPROCESS = CONST.ioreq_state.inprocess;
/** STATE_IORESP_READY: the device model has written the response. */
export const STATE_IORESP_READY = CONST.ioreq_state.iorsp_ready;

/** Slots of the buffered ring (IOREQ_BUFFER_SLOT_NUM). */
export const IOREQ_BUFFER_SLOT_NUM = CONST.ioreq_buffer.slot_num;
/** Offset of `read_pointer` (u32) in buffered_iopage. */
export const BUFFERED_READ_POINTER: number = field('buffered_iopage', 'read_pointer').offset;
/** Offset of `write_pointer` (u32) in buffered_iopage. */
export const BUFFERED_WRITE_POINTER: number = field('buffered_iopage', 'write_pointer').offset;
/** Offset of the first `buf_ioreq` slot in buffered_iopage. */
export const BUFFERED_FIRST_SLOT: number = field('buffered_iopage', 'buf_ioreq').offset;
/** sizeof(buf_ioreq_t). */
export const BUF_IOREQ_SIZE: number = STRUCTS.buf_ioreq.size;

const view = (page: Uint8Array) => new DataView(page.buffer, page.byteOffset, page.byteLength);

/** Offset of vCPU `vcpu`'s ioreq_t in the synchronous page. */
export function ioreqSlotOffset(vcpu: number): number {
  return vcpu * IOREQ_SIZE;
}

/** vCPU `vcpu`'s ioreq_t, decoded field by field. */
export function decodeIoreqSlot(page: Uint8Array, vcpu: number): Ioreq {
  return decodeStruct('ioreq', page, ioreqSlotOffset(vcpu));
}

/** Writes a whole ioreq_t into vCPU `vcpu`'s slot (absent fields are zero). */
export function encodeIoreqSlot(page: Uint8Array, vcpu: number, req: Partial<Ioreq>): void {
  encodeStructAt('ioreq', req, page, ioreqSlotOffset(vcpu));
}

/** The `state` bit-field of vCPU `vcpu`'s slot. */
export function ioreqSlotState(page: Uint8Array, vcpu: number): number {
  return (page[ioreqSlotOffset(vcpu) + IOREQ_STATE_BYTE]! & IOREQ_STATE_MASK) >> STATE.bits!.shift;
}

/** The state byte of a slot with its `state` bit-field set to `state` and its other bits kept (Xen writes the bit-field). */
export function withIoreqState(stateByte: number, state: number): number {
  return (stateByte & ~IOREQ_STATE_MASK & 0xff) | ((state << STATE.bits!.shift) & IOREQ_STATE_MASK);
}

/** Sets the `state` bit-field of vCPU `vcpu`'s slot, leaving the other bits of its byte alone. */
export function setIoreqSlotState(page: Uint8Array, vcpu: number, state: number): void {
  const at = ioreqSlotOffset(vcpu) + IOREQ_STATE_BYTE;
  page[at] = withIoreqState(page[at]!, state);
}

/** The `data` of vCPU `vcpu`'s slot. */
export function ioreqSlotData(page: Uint8Array, vcpu: number): bigint {
  return view(page).getBigUint64(ioreqSlotOffset(vcpu) + IOREQ_DATA_OFFSET, true);
}

/** Sets the `data` of vCPU `vcpu`'s slot. */
export function setIoreqSlotData(page: Uint8Array, vcpu: number, data: bigint): void {
  view(page).setBigUint64(ioreqSlotOffset(vcpu) + IOREQ_DATA_OFFSET, data, true);
}

/** The `vp_eport` of vCPU `vcpu`'s slot. */
export function ioreqSlotPort(page: Uint8Array, vcpu: number): number {
  return view(page).getUint32(ioreqSlotOffset(vcpu) + IOREQ_VP_EPORT_OFFSET, true);
}

/** Sets the `vp_eport` of vCPU `vcpu`'s slot (hvm_update_ioreq_evtchn). */
export function setIoreqSlotPort(page: Uint8Array, vcpu: number, port: number): void {
  view(page).setUint32(ioreqSlotOffset(vcpu) + IOREQ_VP_EPORT_OFFSET, port, true);
}

/** The buffered ring's two pointers; they only grow (as u32), the slot of pointer p being p % IOREQ_BUFFER_SLOT_NUM. */
export interface BufferedPointers {
  /** `read_pointer`: the next entry the device model takes. */
  read: number;
  /** `write_pointer`: where Xen writes the next entry. */
  write: number;
}

/** The buffered ring's read and write pointers. */
export function bufferedPointers(page: Uint8Array): BufferedPointers {
  const v = view(page);
  return { read: v.getUint32(BUFFERED_READ_POINTER, true), write: v.getUint32(BUFFERED_WRITE_POINTER, true) };
}

/** Sets the buffered ring's pointers (as u32). */
export function setBufferedPointers(page: Uint8Array, read: number, write: number): void {
  const v = view(page);
  v.setUint32(BUFFERED_READ_POINTER, read >>> 0, true);
  v.setUint32(BUFFERED_WRITE_POINTER, write >>> 0, true);
}

/** Offset in buffered_iopage of the slot a pointer value names (pointer % IOREQ_BUFFER_SLOT_NUM). */
export function bufferedSlotOffset(pointer: number): number {
  return BUFFERED_FIRST_SLOT + (pointer % IOREQ_BUFFER_SLOT_NUM) * BUF_IOREQ_SIZE;
}

/** The buf_ioreq a pointer value names, decoded. */
export function decodeBufferedSlot(page: Uint8Array, pointer: number): BufIoreq {
  return decodeStruct('buf_ioreq', page, bufferedSlotOffset(pointer));
}

/** Writes the buf_ioreq a pointer value names. */
export function encodeBufferedSlot(page: Uint8Array, pointer: number, slot: Partial<BufIoreq>): void {
  encodeStructAt('buf_ioreq', slot, page, bufferedSlotOffset(pointer));
}
