/**
 * Reads the buffered ioreq ring (struct buffered_iopage; its layout is @xenmem/abi-types' ioreq-page module) as QEMU's
 * handle_buffered_iopage does: read_pointer, then write_pointer; the entry at read_pointer % 511, a
 * second slot carrying the high 32 bits of an 8-byte write; then read_pointer advanced by 1 or 2.
 */
import { BUF_IOREQ_SIZE, BUFFERED_READ_POINTER as READ_POINTER, BUFFERED_WRITE_POINTER as WRITE_POINTER, bufferedSlotOffset, decodeStruct, type SharedPage } from '@xenmem/abi-types';
import { ioreqDirName, ioreqTypeName } from './ioreq-request.js';

/** One entry of the ring, decoded (always a single-item write). */
export interface BufferedEntry {
  type: ReturnType<typeof ioreqTypeName>;
  dir: 'read' | 'write';
  addr: bigint;
  size: number;
  data: bigint;
  /** Ring slots it took: 2 for an 8-byte write. */
  slots: 1 | 2;
}

function u32(page: SharedPage, offset: number): number {
  const b = page.read(offset, 4);
  return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
}

function slot(page: SharedPage, pointer: number) {
  return decodeStruct('buf_ioreq', page.read(bufferedSlotOffset(pointer), BUF_IOREQ_SIZE));
}

/**
 * Takes the next entry off the ring, advancing read_pointer past it, or returns null when the ring is
 * empty. An 8-byte entry whose second slot is not yet published (read_pointer + 1 == write_pointer; Xen
 * never does this, it bumps write_pointer by 2 after writing both) is left on the ring.
 */
export function takeBufferedEntry(page: SharedPage): BufferedEntry | null {
  const read = u32(page, READ_POINTER);
  const write = u32(page, WRITE_POINTER);
  const available = (write - read) >>> 0; // u32 pointers; Xen canonicalises them in ATOMIC mode, never backwards
  if (available === 0) return null;
  const first = slot(page, read);
  const size = 1 << first.size; // size:2 is log2 of the bytes
  const slots = size === 8 ? 2 : 1;
  if (available < slots) return null;
  let data = BigInt(first.data);
  if (slots === 2) data |= BigInt(slot(page, read + 1).data) << 32n;
  // QEMU adds with qatomic_add so that Xen's cmpxchg canonicalisation (ATOMIC mode) is not lost. Reading the
  // pointer and storing the sum with nothing awaited in between is the same here: a SharedPage is only
  // changed by the hypervisor between our turns.
  const now = u32(page, READ_POINTER);
  const next = new Uint8Array(4);
  new DataView(next.buffer).setUint32(0, (now + slots) >>> 0, true);
  page.write(READ_POINTER, next);
  return { type: ioreqTypeName(first.type), dir: ioreqDirName(first.dir), addr: BigInt(first.addr), size, data, slots };
}
