import { describe, expect, it } from 'vitest';
import {
  BUF_IOREQ_SIZE,
  BUFFERED_FIRST_SLOT,
  BUFFERED_READ_POINTER,
  BUFFERED_WRITE_POINTER,
  IOREQ_BUFFER_SLOT_NUM,
  IOREQ_DATA_OFFSET,
  IOREQ_PAGE_SIZE,
  IOREQ_SIZE,
  IOREQ_SLOTS_PER_PAGE,
  IOREQ_STATE_BYTE,
  IOREQ_STATE_MASK,
  IOREQ_VP_EPORT_OFFSET,
  STATE_IOREQ_INPROCESS,
  STATE_IOREQ_NONE,
  STATE_IOREQ_READY,
  STATE_IORESP_READY,
  bufferedPointers,
  bufferedSlotOffset,
  decodeBufferedSlot,
  decodeIoreqSlot,
  encodeBufferedSlot,
  encodeIoreqSlot,
  ioreqSlotData,
  ioreqSlotOffset,
  ioreqSlotPort,
  ioreqSlotState,
  setBufferedPointers,
  setIoreqSlotData,
  setIoreqSlotPort,
  setIoreqSlotState,
  withIoreqState,
} from '../src/index.js';

// public/hvm/ioreq.h on x86_64: ioreq_t is 32 bytes (data at 8, vp_eport at 24, the state byte at 30), the
// buffered page holds two u32 pointers then 511 eight-byte buf_ioreq slots; STATE_IOREQ_* are 0, 1, 2, 3.
describe('ioreq pages, from the schema', () => {
  it('has public/hvm/ioreq.h layout and numbers', () => {
    expect([IOREQ_SIZE, IOREQ_PAGE_SIZE, IOREQ_SLOTS_PER_PAGE]).toEqual([32, 4096, 128]);
    expect([IOREQ_DATA_OFFSET, IOREQ_VP_EPORT_OFFSET, IOREQ_STATE_BYTE, IOREQ_STATE_MASK]).toEqual([8, 24, 30, 0x0f]);
    expect([STATE_IOREQ_NONE, STATE_IOREQ_READY, STATE_IOREQ_INPROCESS, STATE_IORESP_READY]).toEqual([0, 1, 2, 3]);
    expect([BUFFERED_READ_POINTER, BUFFERED_WRITE_POINTER, BUFFERED_FIRST_SLOT, BUF_IOREQ_SIZE, IOREQ_BUFFER_SLOT_NUM]).toEqual([0, 4, 8, 8, 511]);
  });

  it('reads and writes a vCPU slot in place, the state bit-field without touching its neighbours', () => {
    const page = new Uint8Array(IOREQ_PAGE_SIZE);
    expect(ioreqSlotOffset(3)).toBe(96);
    encodeIoreqSlot(page, 3, { addr: 0xfee00000n, size: 4, dir: 1, df: 1, state: STATE_IOREQ_READY, type: 1 });
    expect(page[96 + 30]).toBe(0b0110_0001); // dir (bit 5), df (bit 6), state 1
    setIoreqSlotState(page, 3, STATE_IORESP_READY);
    expect(page[96 + 30]).toBe(0b0110_0011);
    expect(ioreqSlotState(page, 3)).toBe(STATE_IORESP_READY);
    setIoreqSlotData(page, 3, 0x1122334455667788n);
    setIoreqSlotPort(page, 3, 0xabcd);
    expect([ioreqSlotData(page, 3), ioreqSlotPort(page, 3)]).toEqual([0x1122334455667788n, 0xabcd]);
    expect(decodeIoreqSlot(page, 3)).toMatchObject({ addr: 0xfee00000n, data: 0x1122334455667788n, size: 4, vp_eport: 0xabcd, state: 3, dir: 1, df: 1, type: 1 });
    expect(page.subarray(0, 96).every((b) => b === 0) && page.subarray(128).every((b) => b === 0)).toBe(true);
    expect(withIoreqState(0xff, 0)).toBe(0xf0);
    expect(withIoreqState(0x00, 0x1f)).toBe(0x0f); // only the 4 state bits are written
  });

  it('finds a buffered slot by pointer, modulo the 511 slots', () => {
    expect([bufferedSlotOffset(0), bufferedSlotOffset(510), bufferedSlotOffset(511), bufferedSlotOffset(513)]).toEqual([8, 8 + 510 * 8, 8, 24]);
    const page = new Uint8Array(IOREQ_PAGE_SIZE);
    encodeBufferedSlot(page, 512, { type: 1, dir: 0, size: 2, addr: 0xabcde, data: 0xdeadbeef });
    expect(decodeBufferedSlot(page, 1)).toEqual({ type: 1, pad: 0, dir: 0, size: 2, addr: 0xabcde, data: 0xdeadbeef });
    setBufferedPointers(page, 2 ** 32 + 5, -1);
    expect(bufferedPointers(page)).toEqual({ read: 5, write: 0xffffffff });
  });
});
