/**
 * The buffered ioreq ring, Xen's side (ioreq_send_buffered; hvm_send_buffered_ioreq in older releases): a write of 1, 2 or 4 bytes takes one
 * `buf_ioreq` slot, 8 bytes take two (the second carries the high 32 bits). The slot is
 * `write_pointer % 511`; when `write_pointer − read_pointer ≥ 511 − qw` the ring is full and the send is
 * refused (the caller falls back to the synchronous path). In ATOMIC mode Xen then canonicalises both
 * pointers, subtracting the same multiple of 511 once read_pointer has passed 511.
 */
import {
  CONST,
  IOREQ_BUFFER_SLOT_NUM,
  bufferedPointers as ringPointers,
  decodeBufferedSlot,
  encodeBufferedSlot,
  setBufferedPointers as setPointers,
  type BufIoreq,
} from '@xenmem/abi-types';

export { IOREQ_BUFFER_SLOT_NUM, ringPointers };
const IOREQ_WRITE = CONST.ioreq_dir.write;
/** buf_ioreq.size: log2 of the access size. */
const SIZE_CODE: Record<number, number> = { 1: 0, 2: 1, 4: 2, 8: 3 };

/** The slot at an index (0 … 510). */
export function ringSlot(page: Uint8Array, index: number): BufIoreq {
  return decodeBufferedSlot(page, index);
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
  encodeBufferedSlot(page, write, slot);
  if (qw) encodeBufferedSlot(page, write + 1, { ...slot, data: Number((req.data >> 32n) & 0xffffffffn) });
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
