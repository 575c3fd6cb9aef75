/**
 * The binary payload codecs byte for byte (docs/protocol.md's frame table), with the byte vectors written out
 * by hand, so that a change to the layouts in src/wire/definitions.ts that moves a byte fails here.
 */
import { describe, expect, it } from 'vitest';
import {
  FRAME_HEADER,
  WIRE_LAYOUTS,
  WireError,
  decodeAcquireResource,
  decodeBindInterdomain,
  decodeDmOpRequest,
  decodeHello,
  decodeHvmOpRequest,
  decodeHypercallDone,
  decodeLocalPort,
  decodeMapForeignGfn,
  decodePageBytes,
  decodePageHandle,
  decodePages,
  decodePort,
  decodeRestrict,
  decodeStatus,
  encodeAcquireResource,
  encodeBindInterdomain,
  encodeDmOpRequest,
  encodeFrame,
  encodeHello,
  encodeHvmOpRequest,
  encodeHypercallDone,
  encodeLocalPort,
  encodeMapForeignGfn,
  encodePageBytes,
  encodePageHandle,
  encodePages,
  encodePort,
  encodeRestrict,
  encodeStatus,
} from '../src/index.js';

const b = (...bytes: number[]) => Uint8Array.from(bytes);

describe('binary payloads', () => {
  it('frame header: u32 length | u8 kind | u32 id', () => {
    expect(encodeFrame(0x16, 0x01020304, b(0xaa))).toEqual(b(6, 0, 0, 0, 0x16, 4, 3, 2, 1, 0xaa));
    expect(FRAME_HEADER).toBe(WIRE_LAYOUTS.frameHeader.size);
  });

  it('hello, restrict, status', () => {
    expect(encodeHello({ protocol: 1, caller: 0x7ff0 })).toEqual(b(1, 0, 0, 0, 0xf0, 0x7f, 0, 0));
    expect(decodeHello(b(1, 0, 0, 0, 5, 0, 0, 0))).toEqual({ protocol: 1, caller: 5 });
    expect(encodeRestrict(0x0102)).toEqual(b(2, 1));
    expect(decodeRestrict(b(2, 1))).toBe(0x0102);
    expect(encodeStatus(-22)).toEqual(b(0xea, 0xff, 0xff, 0xff));
    expect(decodeStatus(b(0xea, 0xff, 0xff, 0xff))).toBe(-22);
  });

  it('dm_op, hvm_op and hypercall_done', () => {
    const dm = b(1, 0, 2, 0, 2, 0, 0, 0, 0xa, 0xb, 1, 0, 0, 0, 0xc);
    expect(encodeDmOpRequest({ domid: 1, bufs: [b(0xa, 0xb), b(0xc)] })).toEqual(dm);
    expect(decodeDmOpRequest(dm)).toEqual({ domid: 1, bufs: [b(0xa, 0xb), b(0xc)] });
    expect(encodeHvmOpRequest({ op: 8, arg: b(9, 9) })).toEqual(b(8, 0, 0, 0, 9, 9));
    expect(decodeHvmOpRequest(b(8, 0, 0, 0, 9, 9))).toEqual({ op: 8, arg: b(9, 9) });
    const done = b(0xf0, 0xff, 0xff, 0xff, 3, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 1, 0, 1, 0, 0, 0, 7);
    expect(encodeHypercallDone({ rc: -16, continuations: 3, progress: null, bufs: [b(7)] })).toEqual(done);
    expect(decodeHypercallDone(done)).toEqual({ rc: -16, continuations: 3, progress: null, bufs: [b(7)] });
    expect(decodeHypercallDone(encodeHypercallDone({ rc: 0, continuations: 0, progress: 5, bufs: [] }))).toEqual({ rc: 0, continuations: 0, progress: 5, bufs: [] });
  });

  it('acquire_resource, map_foreign_gfn and pages', () => {
    const acq = b(1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0);
    expect(encodeAcquireResource({ domid: 1, type: 0, id: 2, frame: 1, nrFrames: 2 })).toEqual(acq);
    expect(decodeAcquireResource(acq)).toEqual({ domid: 1, type: 0, id: 2, frame: 1, nrFrames: 2 });
    const map = b(3, 0, 8, 7, 6, 5, 4, 3, 2, 1);
    expect(encodeMapForeignGfn({ domid: 3, gfn: 0x0102030405060708n })).toEqual(map);
    expect(decodeMapForeignGfn(map)).toEqual({ domid: 3, gfn: 0x0102030405060708n });
    const page = new Uint8Array(4096).fill(0x5a);
    const pages = encodePages({ rc: 0, pages: [{ handle: 9, bytes: page }] });
    expect(pages.length).toBe(6 + 4 + 4096);
    expect(pages.subarray(0, 10)).toEqual(b(0, 0, 0, 0, 1, 0, 9, 0, 0, 0));
    expect(decodePages(pages)).toEqual({ rc: 0, pages: [{ handle: 9, bytes: page }] });
  });

  it('event channels and page handles', () => {
    expect(encodeBindInterdomain({ remoteDomid: 1, remotePort: 0x0a0b })).toEqual(b(1, 0, 0x0b, 0x0a, 0, 0));
    expect(decodeBindInterdomain(b(1, 0, 0x0b, 0x0a, 0, 0))).toEqual({ remoteDomid: 1, remotePort: 0x0a0b });
    expect(encodePort({ rc: 0, localPort: 5 })).toEqual(b(0, 0, 0, 0, 5, 0, 0, 0));
    expect(decodePort(b(0xea, 0xff, 0xff, 0xff, 0, 0, 0, 0))).toEqual({ rc: -22, localPort: 0 });
    expect(encodeLocalPort(0x01020304)).toEqual(b(4, 3, 2, 1));
    expect(decodeLocalPort(b(4, 3, 2, 1))).toBe(0x01020304);
    expect(encodePageHandle(7)).toEqual(b(7, 0, 0, 0));
    expect(decodePageHandle(b(7, 0, 0, 0))).toBe(7);
    expect(encodePageBytes({ handle: 2, offset: 30, bytes: b(1, 2) })).toEqual(b(2, 0, 0, 0, 30, 0, 0, 0, 1, 2));
    expect(decodePageBytes(b(2, 0, 0, 0, 30, 0, 0, 0, 1, 2))).toEqual({ handle: 2, offset: 30, bytes: b(1, 2) });
  });

  it('refuses short and over-long payloads with a non-fatal WireError naming the frame', () => {
    expect(() => decodeHello(b(1, 0, 0, 0, 5, 0, 0))).toThrow(new WireError('hello payload is truncated (7 bytes)'));
    expect(() => decodePort(b(0, 0, 0, 0, 5, 0, 0, 0, 0))).toThrow(new WireError('port payload has 1 trailing bytes'));
    expect(() => decodeMapForeignGfn(b(3, 0, 8, 7, 6, 5, 4, 3, 2))).toThrow('map_foreign_gfn payload is truncated (9 bytes)');
    expect(() => decodeDmOpRequest(b(1, 0, 1, 0, 5, 0, 0, 0, 1))).toThrow('dm_op payload is truncated (9 bytes)');
    expect(() => decodePageBytes(b(2, 0, 0, 0, 0xff, 0x0f, 0, 0, 1, 2))).toThrow('page bytes [4095, 4097) run past the 4096-byte page');
  });
});
