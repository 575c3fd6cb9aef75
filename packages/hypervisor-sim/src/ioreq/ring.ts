/**
 * The buffered ioreq ring (reference §3, §6.8 `ioreq_send_buffered`): a write of 1, 2 or 4 bytes takes one
 * `buf_ioreq` slot, 8 bytes take two (the second carries the high 32 bits). The slot is
 * `write_pointer % 511`; when `write_pointer − read_pointer ≥ 511 − qw` the ring is full and the send is
 * refused (the caller falls back to the synchronous path). In ATOMIC mode Xen then canonicalises both
 * pointers, subtracting the same multiple of 511 once read_pointer has passed 511.
 */
import { CONSTANTS, decodeStruct, encodeStructAt, sizeOf, type BufIoreq } from '@xenmem/abi-types';

export const IOREQ_BUFFER_SLOT_NUM = CONSTANTS.ioreq_buffer.members.find((m) => m.name === 'slot_num')!.value;
const SLOTS_OFFSET = 8; // buffered_iopage.buf_ioreq
const SLOT_SIZE = sizeOf('buf_ioreq');
const IOREQ_WRITE = CONSTANTS.ioreq_dir.members.find((m) => m.name === 'write')!.value;
/** buf_ioreq.size: log2 of the access size. */
const SIZE_CODE: Record<number, number> = { 1: 0, 2: 1, 4: 2, 8: 3 };

function view(page: Uint8Array): DataView {
  return new DataView(page.buffer, page.byteOffset, page.byteLength);
}

export function ringPointers(page: Uint8Array): { read: number; write: number } {
  const v = view(page);
  return { read: v.getUint32(0, true), write: v.getUint32(4, true) };
}

function setPointers(page: Uint8Array, read: number, write: number): void {
  const v = view(page);
  v.setUint32(0, read >>> 0, true);
  v.setUint32(4, write >>> 0, true);
}

/** The slot at an index (0 … 510). */
export function ringSlot(page: Uint8Array, index: number): BufIoreq {
  return decodeStruct('buf_ioreq', page, SLOTS_OFFSET + index * SLOT_SIZE);
}

/**
 * Puts one write into the ring; false when the ring is full (or the size has no code). `type` is the
 * IOREQ_TYPE_* number; `addr` keeps its low 20 bits, as the bit-field does.
 */
export function ringPut(page: Uint8Array, atomic: boolean, req: { type: number; addr: bigint; size: number; data: bigint }): boolean {
  const code = SIZE_CODE[req.size];
  if (code === undefined) return false;
  const qw = req.size === 8 ? 1 : 0;
  const { read, write } = ringPointers(page);
  if (((write - read) >>> 0) >= IOREQ_BUFFER_SLOT_NUM - qw) return false;
  const slot = { type: req.type, dir: IOREQ_WRITE, size: code, addr: Number(req.addr & 0xfffffn), data: Number(req.data & 0xffffffffn) };
  encodeStructAt('buf_ioreq', slot, page, SLOTS_OFFSET + (write % IOREQ_BUFFER_SLOT_NUM) * SLOT_SIZE);
  if (qw) encodeStructAt('buf_ioreq', { ...slot, data: Number((req.data >> 32n) & 0xffffffffn) }, page, SLOTS_OFFSET + ((write + 1) % IOREQ_BUFFER_SLOT_NUM) * SLOT_SIZE);
  setPointers(page, read, write + 1 + qw);
  if (atomic) {
    // Canonicalise so neither pointer overflows (done with a cmpxchg on ptrs.full in Xen).
    const p = ringPointers(page);
    if (p.read >= IOREQ_BUFFER_SLOT_NUM) {
      const n = Math.floor(p.read / IOREQ_BUFFER_SLOT_NUM);
      setPointers(page, p.read - n * IOREQ_BUFFER_SLOT_NUM, p.write - n * IOREQ_BUFFER_SLOT_NUM);
    }
  }
  return true;
}

/** What a device model does after handling entries: read_pointer += n (QEMU's qatomic_add). */
export function ringConsume(page: Uint8Array, n: number): void {
  const { read, write } = ringPointers(page);
  setPointers(page, read + n, write);
}
