/** The benchmark-control frame bench_guest_accesses (docs/protocol.md "Benchmark control"): kind, body codec and its checks. */
import { describe, expect, it } from 'vitest';
import { InputError } from '@xenmem/abi-types';
import {
  FrameKind,
  MAX_BENCH_GUEST_ACCESSES,
  WireError,
  benchGuestAccessesFromJson,
  benchGuestAccessesResultFromJson,
  benchGuestAccessesToJson,
  decodeJson,
  encodeJson,
  frameKindName,
  type GuestAccess,
} from '../src/index.js';

const OUT: GuestAccess = { domid: 1, vcpu: 0, kind: 'out', addr: 0xc000n, size: 4, value: 0x12345678n };

describe('bench_guest_accesses', () => {
  it('is client request kind 0x27, a control frame', () => {
    expect(FrameKind.benchGuestAccesses).toBe(0x27);
    expect(frameKindName(0x27)).toBe('benchGuestAccesses');
    expect(MAX_BENCH_GUEST_ACCESSES).toBe(50_000);
  });

  it('carries the access as guest_access does (64-bit values as "0x…") and round-trips through JSON bytes', () => {
    const json = benchGuestAccessesToJson({ access: OUT, count: 3, warmup: 1 });
    expect(json).toEqual({ access: { domid: 1, vcpu: 0, kind: 'out', addr: '0xc000', size: 4, value: '0x12345678' }, count: 3, warmup: 1 });
    expect(new TextDecoder().decode(encodeJson(json))).toBe('{"access":{"domid":1,"vcpu":0,"kind":"out","addr":"0xc000","size":4,"value":"0x12345678"},"count":3,"warmup":1}');
    expect(benchGuestAccessesFromJson(decodeJson(encodeJson(json), 'bench_guest_accesses')!)).toEqual({ access: OUT, count: 3, warmup: 1 });
  });

  it('warmup defaults to 0; count 1 and the maximum are taken', () => {
    const access = { domid: 1, vcpu: 0, kind: 'in', addr: '0xc000', size: 2 };
    expect(benchGuestAccessesFromJson({ access, count: 1 })).toEqual({ access: { domid: 1, vcpu: 0, kind: 'in', addr: 0xc000n, size: 2 }, count: 1, warmup: 0 });
    expect(benchGuestAccessesFromJson({ access, count: 50_000, warmup: 50_000 }).count).toBe(50_000);
  });

  it.each([0, -1, 1.5, 50_001, '10', null, undefined])('count %s is an InputError naming count', (count) => {
    let caught: unknown;
    try {
      benchGuestAccessesFromJson({ access: { domid: 1, vcpu: 0, kind: 'out', addr: '0xc000', size: 4, value: '0x1' }, count });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect(caught).toMatchObject({ argument: 'count', value: count });
    expect((caught as Error).message).toMatch(/must be an integer 1 … 50000$/);
  });

  it.each([-1, 0.5, 50_001, 'x'])('warmup %s is an InputError naming warmup', (warmup) => {
    expect(() => benchGuestAccessesFromJson({ access: { domid: 1, vcpu: 0, kind: 'out', addr: '0xc000', size: 4 }, count: 1, warmup })).toThrow(
      expect.objectContaining({ name: 'InputError', argument: 'warmup', value: warmup }),
    );
  });

  it('an access that is not an object is a WireError (errno 22)', () => {
    for (const access of [undefined, null, [], 'out']) {
      expect(() => benchGuestAccessesFromJson({ access, count: 1 })).toThrow(WireError);
    }
    expect(() => benchGuestAccessesFromJson({ access: { domid: 1, addr: 'far' }, count: 1 })).toThrow(expect.objectContaining({ name: 'WireError', errno: 22 }));
  });

  it('reads the reply: latencies in ns and outcome counts', () => {
    expect(benchGuestAccessesResultFromJson({ latenciesNs: [1200, 900], outcomes: { ioreq: 2 } })).toEqual({ latenciesNs: [1200, 900], outcomes: { ioreq: 2 } });
    expect(() => benchGuestAccessesResultFromJson({ latenciesNs: ['1'], outcomes: {} })).toThrow(WireError);
    expect(() => benchGuestAccessesResultFromJson({ latenciesNs: [], outcomes: null })).toThrow(WireError);
  });
});
