/**
 * The p2m core contract (src/p2m/core.ts), one suite run against both implementations: the native
 * addon and the TypeScript fallback. Exact values throughout. XENMEM_P2M=ts skips the native run
 * (for machines without the addon); otherwise an addon that does not load fails this file.
 */
import { describe, expect, it } from 'vitest';

import { P2M_INVALID, P2M_TYPE_COUNT, type P2mCore, type P2mTable } from '../../src/p2m/core.js';
import { loadNativeP2mCore } from '../../src/p2m/native-core.js';
import { tsP2mCore } from '../../src/p2m/ts-core.js';
import { RAM_RW, INVALID, LOGDIRTY, RAM_RO, MMIO_DM, SHARED, IOREQ_SERVER, EAGAIN, EINVAL } from './numbers.js';

const CORES: [string, () => P2mCore][] = [
  ['native', loadNativeP2mCore],
  ['ts', () => tsP2mCore],
];
const wanted = CORES.filter(([kind]) => kind === 'ts' || process.env['XENMEM_P2M'] !== 'ts');


const ALL = Number.MAX_SAFE_INTEGER;
const PAGES_4G = 2 ** 32;

/** An outcome table allowing every old type except those given (old type → errno). */
function outcomes(refused: Record<number, number> = {}): Int32Array {
  const table = new Int32Array(P2M_TYPE_COUNT);
  for (const [type, errno] of Object.entries(refused)) table[Number(type)] = errno;
  return table;
}

/** changedFrom with the given non-zero entries. */
function changedFrom(counts: Record<number, number>): number[] {
  const out = new Array<number>(P2M_TYPE_COUNT).fill(0);
  for (const [type, n] of Object.entries(counts)) out[Number(type)] = n;
  return out;
}

function dump(table: P2mTable): unknown {
  return { runs: table.runs(0, ALL), runCount: table.runCount(), counts: table.countByType(0, ALL) };
}

describe.each(wanted)('%s p2m core', (kind, load) => {
  const core = load();

  it('reports its kind', () => {
    expect(core.kind).toBe(kind);
  });

  describe('seeding', () => {
    it('starts as one run of the initial type', () => {
      const t = core.createTable(0xfffff, RAM_RW);
      expect(t.maxGpfn).toBe(0xfffff);
      expect(t.runs(0, ALL)).toEqual([{ first: 0, count: 0x100000, type: RAM_RW }]);
      expect(t.runCount()).toBe(1);
      const holes = core.createTable(0, INVALID);
      expect(holes.runs(0, ALL)).toEqual([{ first: 0, count: 1, type: INVALID }]);
    });

    it('sets a range and merges it with equal neighbours', () => {
      const t = core.createTable(0xfffff, RAM_RW);
      t.set(0x100, 16, SHARED);
      expect(t.runs(0, ALL)).toEqual([
        { first: 0, count: 0x100, type: RAM_RW },
        { first: 0x100, count: 16, type: SHARED },
        { first: 0x110, count: 0x100000 - 0x110, type: RAM_RW },
      ]);
      expect([t.get(0xff), t.get(0x100), t.get(0x10f), t.get(0x110)]).toEqual([RAM_RW, SHARED, SHARED, RAM_RW]);
      t.set(0x110, 16, SHARED); // after
      t.set(0xf0, 16, SHARED); // before
      expect(t.runs(0xe0, 0x60)).toEqual([
        { first: 0xe0, count: 0x10, type: RAM_RW },
        { first: 0xf0, count: 0x30, type: SHARED },
        { first: 0x120, count: 0x20, type: RAM_RW },
      ]);
      t.set(0x100, 0, MMIO_DM); // empty range: no change
      expect(t.runCount()).toBe(3);
      t.set(0xf0, 0x30, RAM_RW);
      expect(t.runs(0, ALL)).toEqual([{ first: 0, count: 0x100000, type: RAM_RW }]);
    });

    it('sets the first and the last page', () => {
      const t = core.createTable(99, RAM_RW);
      t.set(0, 1, MMIO_DM);
      t.set(99, 1, MMIO_DM);
      expect(t.runs(0, ALL)).toEqual([
        { first: 0, count: 1, type: MMIO_DM },
        { first: 1, count: 98, type: RAM_RW },
        { first: 99, count: 1, type: MMIO_DM },
      ]);
      t.set(0, 100, LOGDIRTY);
      expect(t.runs(0, ALL)).toEqual([{ first: 0, count: 100, type: LOGDIRTY }]);
    });
  });

  describe('lookups', () => {
    it('reads gfns beyond maxGpfn as p2m_invalid', () => {
      const t = core.createTable(0xfff, RAM_RO);
      expect(P2M_INVALID).toBe(INVALID);
      expect([t.get(0), t.get(0xfff), t.get(0x1000), t.get(PAGES_4G), t.get(ALL)]).toEqual([RAM_RO, RAM_RO, INVALID, INVALID, INVALID]);
    });

    it('looks up many gfns in one call', () => {
      const t = core.createTable(0xfff, RAM_RW);
      t.set(0x10, 4, IOREQ_SERVER);
      const types = t.getMany(new Float64Array([0x13, 0, 0x10, 0x14, 0xfff, 0x1000, PAGES_4G, ALL, 0x11]));
      expect(types).toBeInstanceOf(Uint8Array);
      expect(Array.from(types)).toEqual([IOREQ_SERVER, RAM_RW, IOREQ_SERVER, RAM_RW, RAM_RW, INVALID, INVALID, INVALID, IOREQ_SERVER]);
      expect(t.getMany(new Float64Array(0))).toEqual(new Uint8Array(0));
    });
  });

  describe('retype', () => {
    /** 0x1000 pages of ram_rw with ram_ro at 0x10…0x17 and ram_shared at 0x18…0x1b. */
    function mixed(): P2mTable {
      const t = core.createTable(0xfff, RAM_RW);
      t.set(0x10, 8, RAM_RO);
      t.set(0x18, 4, SHARED);
      return t;
    }

    it('changes the pages before the refused one and stops there', () => {
      const t = mixed();
      const r = t.retype(0x8, 0x20, MMIO_DM, outcomes({ [SHARED]: EAGAIN, [INVALID]: EINVAL }));
      expect(r).toEqual({ done: 0x10, errno: EAGAIN, changedFrom: changedFrom({ [RAM_RW]: 8, [RAM_RO]: 8 }) });
      expect(t.runs(0, ALL)).toEqual([
        { first: 0, count: 8, type: RAM_RW },
        { first: 8, count: 0x10, type: MMIO_DM },
        { first: 0x18, count: 4, type: SHARED },
        { first: 0x1c, count: 0x1000 - 0x1c, type: RAM_RW },
      ]);
    });

    it('changes nothing when the first page is refused', () => {
      const t = mixed();
      const before = dump(t);
      expect(t.retype(0x18, 0x100, RAM_RW, outcomes({ [SHARED]: EAGAIN }))).toEqual({ done: 0, errno: EAGAIN, changedFrom: changedFrom({}) });
      expect(dump(t)).toEqual(before);
    });

    it('changes the whole range when no page is refused', () => {
      const t = mixed();
      expect(t.retype(0, 0x1000, RAM_RO, outcomes({ [INVALID]: EINVAL }))).toEqual({
        done: 0x1000,
        errno: 0,
        changedFrom: changedFrom({ [RAM_RW]: 0x1000 - 12, [RAM_RO]: 8, [SHARED]: 4 }),
      });
      expect(t.runs(0, ALL)).toEqual([{ first: 0, count: 0x1000, type: RAM_RO }]);
    });

    it('counts pages already of the new type when their outcome allows them', () => {
      const t = mixed();
      expect(t.retype(0x10, 8, RAM_RO, outcomes())).toEqual({ done: 8, errno: 0, changedFrom: changedFrom({ [RAM_RO]: 8 }) });
      expect(t.runCount()).toBe(4);
      // 4.9+: ioreq_server → ioreq_server is refused like any other change to it (xen/arch/x86/hvm/dm.c set_mem_type() @ RELEASE-4.9.0).
      const claimed = core.createTable(0xff, IOREQ_SERVER);
      expect(claimed.retype(0, 0x100, IOREQ_SERVER, outcomes({ [IOREQ_SERVER]: EINVAL }))).toEqual({ done: 0, errno: EINVAL, changedFrom: changedFrom({}) });
      expect(claimed.runs(0, ALL)).toEqual([{ first: 0, count: 0x100, type: IOREQ_SERVER }]);
    });

    it('does an empty range without visiting a page', () => {
      const t = mixed();
      expect(t.retype(0x18, 0, RAM_RW, outcomes({ [SHARED]: EAGAIN }))).toEqual({ done: 0, errno: 0, changedFrom: changedFrom({}) });
    });
  });

  describe('changeTypeGlobal', () => {
    it('changes every page of one type and merges the runs it joins', () => {
      const t = core.createTable(0xffff, RAM_RW);
      t.set(0x10, 0x10, LOGDIRTY);
      t.set(0x100, 1, LOGDIRTY);
      t.set(0xfff0, 0x10, LOGDIRTY);
      t.set(0x200, 0x10, RAM_RO);
      expect(t.runCount()).toBe(8);
      expect(t.changeTypeGlobal(LOGDIRTY, RAM_RW)).toBe(0x21);
      expect(t.runs(0, ALL)).toEqual([
        { first: 0, count: 0x200, type: RAM_RW },
        { first: 0x200, count: 0x10, type: RAM_RO },
        { first: 0x210, count: 0x10000 - 0x210, type: RAM_RW },
      ]);
    });

    it('changes nothing for an absent type or from a type to itself', () => {
      const t = core.createTable(0xffff, RAM_RW);
      t.set(5, 5, RAM_RO);
      const before = dump(t);
      expect(t.changeTypeGlobal(IOREQ_SERVER, RAM_RW)).toBe(0);
      expect(t.changeTypeGlobal(RAM_RO, RAM_RO)).toBe(0);
      expect(dump(t)).toEqual(before);
    });

    it('changes a whole 2^32-page table', () => {
      const t = core.createTable(PAGES_4G - 1, LOGDIRTY);
      expect(t.changeTypeGlobal(LOGDIRTY, RAM_RW)).toBe(PAGES_4G);
      expect(t.runs(0, ALL)).toEqual([{ first: 0, count: PAGES_4G, type: RAM_RW }]);
    });
  });

  describe('countByType and runs', () => {
    it('clip to 0…maxGpfn and merge adjacent equal runs', () => {
      const t = core.createTable(99, RAM_RW);
      t.set(10, 5, RAM_RO);
      t.set(15, 5, RAM_RO);
      t.set(90, 10, MMIO_DM);
      expect(t.runs(0, ALL)).toEqual([
        { first: 0, count: 10, type: RAM_RW },
        { first: 10, count: 10, type: RAM_RO },
        { first: 20, count: 70, type: RAM_RW },
        { first: 90, count: 10, type: MMIO_DM },
      ]);
      expect(t.runs(12, 5)).toEqual([{ first: 12, count: 5, type: RAM_RO }]);
      expect(t.runs(19, 2)).toEqual([
        { first: 19, count: 1, type: RAM_RO },
        { first: 20, count: 1, type: RAM_RW },
      ]);
      expect(t.runs(95, PAGES_4G)).toEqual([{ first: 95, count: 5, type: MMIO_DM }]);
      expect(t.runs(100, 10)).toEqual([]);
      expect(t.runs(ALL, ALL)).toEqual([]);
      expect(t.runs(50, 0)).toEqual([]);
      expect(t.countByType(0, ALL)).toEqual(changedFrom({ [RAM_RW]: 80, [RAM_RO]: 10, [MMIO_DM]: 10 }));
      expect(t.countByType(15, 80)).toEqual(changedFrom({ [RAM_RW]: 70, [RAM_RO]: 5, [MMIO_DM]: 5 }));
      expect(t.countByType(100, 100)).toEqual(changedFrom({}));
    });
  });

  describe('dirty tracking', () => {
    it('returns LSB-first bitmaps and clears what it returns', () => {
      const t = core.createTable(0xffff, RAM_RW);
      t.markDirty(1, 1);
      t.markDirty(9, 11);
      expect(t.takeDirty(0, 24)).toEqual(new Uint8Array([0b0000_0010, 0b1111_1110, 0b0000_1111]));
      expect(t.takeDirty(0, 24)).toEqual(new Uint8Array([0, 0, 0]));
    });

    it('sizes the bitmap to the range and clears only the range taken', () => {
      const t = core.createTable(0xffff, RAM_RW);
      t.markDirty(100, 20);
      expect(t.takeDirty(104, 8)).toEqual(new Uint8Array([0xff]));
      expect(t.takeDirty(96, 32)).toEqual(new Uint8Array([0xf0, 0x00, 0xff, 0x00]));
      t.markDirty(0, 9);
      expect(t.takeDirty(0, 9)).toEqual(new Uint8Array([0xff, 0x01]));
      expect(t.takeDirty(0, 0)).toEqual(new Uint8Array(0));
      t.markDirty(5, 0);
      expect(t.takeDirty(0, 16)).toEqual(new Uint8Array([0, 0]));
    });

    it('tracks sparse marks across a 2^32-page table', () => {
      const t = core.createTable(PAGES_4G - 1, RAM_RW);
      t.markDirty(0x12345678, 1);
      t.markDirty(PAGES_4G - 16, 16);
      t.markDirty(0x8000_0000, 0x1000_0000);
      expect(t.takeDirty(0x12345670, 16)).toEqual(new Uint8Array([0x00, 0x01]));
      expect(t.takeDirty(PAGES_4G - 20, 20)).toEqual(new Uint8Array([0xf0, 0xff, 0x0f]));
      expect(t.takeDirty(0x8000_0000 - 4, 8)).toEqual(new Uint8Array([0xf0]));
      expect(t.takeDirty(0x9000_0000 - 4, 8)).toEqual(new Uint8Array([0x0f]));
      const bitmap = t.takeDirty(0x8000_0000, 0x1000_0000);
      expect(bitmap.length).toBe(0x1000_0000 / 8);
      // The first and last 4 pages were taken above with their neighbours.
      expect([bitmap[0], bitmap[bitmap.length - 1]]).toEqual([0xf0, 0x0f]);
      expect(bitmap.subarray(1, -1).every((byte) => byte === 0xff)).toBe(true);
      expect(t.takeDirty(0, 0x100)).toEqual(new Uint8Array(0x20));
    });

    it('is independent of the types', () => {
      const t = core.createTable(0xff, RAM_RW);
      t.markDirty(0, 8);
      t.retype(0, 0x100, RAM_RO, outcomes());
      t.changeTypeGlobal(RAM_RO, LOGDIRTY);
      expect(t.takeDirty(0, 8)).toEqual(new Uint8Array([0xff]));
    });
  });

  describe('argument checks', () => {
    const M = 0xfff;
    function seeded(): P2mTable {
      const t = core.createTable(M, RAM_RW);
      t.set(0x10, 0x10, RAM_RO);
      t.markDirty(0x20, 4);
      return t;
    }
    /** The full state, dirty bits included (taking them from a copy of the calls is not possible, so last). */
    function state(t: P2mTable): unknown {
      return dump(t);
    }

    it.each([
      ['first −1', (t: P2mTable) => t.set(-1, 1, RAM_RW), 'first must be an integer in 0…4095 (maxGpfn), got -1'],
      ['first NaN', (t: P2mTable) => t.set(NaN, 1, RAM_RW), 'first must be an integer in 0…4095 (maxGpfn), got NaN'],
      ['first 1.5', (t: P2mTable) => t.set(1.5, 1, RAM_RW), 'first must be an integer in 0…4095 (maxGpfn), got 1.5'],
      ['first above maxGpfn', (t: P2mTable) => t.set(M + 1, 0, RAM_RW), 'first must be an integer in 0…4095 (maxGpfn), got 4096'],
      ['first above 2^32', (t: P2mTable) => t.retype(PAGES_4G + 1, 1, RAM_RW, outcomes()), 'first must be an integer in 0…4095 (maxGpfn), got 4294967297'],
      ['count past maxGpfn', (t: P2mTable) => t.set(M, 2, RAM_RW), 'count must be an integer in 0…1 (the range must end at maxGpfn 4095 or below), got 2'],
      ['count 2^32', (t: P2mTable) => t.retype(0, PAGES_4G, RAM_RW, outcomes()), 'count must be an integer in 0…4096 (the range must end at maxGpfn 4095 or below), got 4294967296'],
      ['count Infinity', (t: P2mTable) => t.markDirty(0, Infinity), 'count must be an integer in 0…4096 (the range must end at maxGpfn 4095 or below), got Infinity'],
      ['count −0.5', (t: P2mTable) => t.takeDirty(0, -0.5), 'count must be an integer in 0…4096 (the range must end at maxGpfn 4095 or below), got -0.5'],
      ['type 16', (t: P2mTable) => t.set(0, 1, 16), 'type must be an integer in 0…15 (a p2m type), got 16'],
      ['newType −1', (t: P2mTable) => t.retype(0, 1, -1, outcomes()), 'newType must be an integer in 0…15 (a p2m type), got -1'],
      ['outcomes of 15', (t: P2mTable) => t.retype(0, 0x20, RAM_RO, new Int32Array(15)), 'outcomes must have 16 entries (one per p2m type), got 15'],
      ['outcomes of 17', (t: P2mTable) => t.retype(0, 0x20, RAM_RO, new Int32Array(17)), 'outcomes must have 16 entries (one per p2m type), got 17'],
      ['negative outcome', (t: P2mTable) => t.retype(0, 0x20, RAM_RO, outcomes({ 3: -22 })), 'outcomes[3] must be 0 or a positive errno, got -22'],
      ['from 0.5', (t: P2mTable) => t.changeTypeGlobal(0.5, RAM_RW), 'from must be an integer in 0…15 (a p2m type), got 0.5'],
      ['to 16', (t: P2mTable) => t.changeTypeGlobal(RAM_RO, 16), 'to must be an integer in 0…15 (a p2m type), got 16'],
      ['gfn −1', (t: P2mTable) => t.get(-1), 'gfn must be an integer in 0…9007199254740991, got -1'],
      ['gfn 2^53', (t: P2mTable) => t.get(2 ** 53), 'gfn must be an integer in 0…9007199254740991, got 9007199254740992'],
      ['gfns[2] NaN', (t: P2mTable) => t.getMany(new Float64Array([0, 1, NaN])), 'gfns[2] must be an integer in 0…9007199254740991, got NaN'],
      ['runs count −1', (t: P2mTable) => t.runs(0, -1), 'count must be an integer in 0…9007199254740991, got -1'],
      ['countByType first 0.1', (t: P2mTable) => t.countByType(0.1, 1), 'first must be an integer in 0…9007199254740991, got 0.1'],
    ])('%s → RangeError, nothing changed', (_name, call, message) => {
      const t = seeded();
      const before = state(t);
      expect(() => call(t)).toThrow(new RangeError(message));
      expect(() => call(t)).toThrow(RangeError);
      expect(state(t)).toEqual(before);
      expect(t.takeDirty(0x18, 16)).toEqual(new Uint8Array([0x00, 0x0f]));
    });

    it.each([
      ['first as a string', (t: P2mTable) => t.set('1' as unknown as number, 1, RAM_RW), 'first must be a number, got string'],
      ['type missing', (t: P2mTable) => (t.set as (a: number, b: number) => void)(0, 1), 'type must be a number, got undefined'],
      ['gfns as an Array', (t: P2mTable) => t.getMany([1, 2] as unknown as Float64Array), 'gfns must be a Float64Array, got Array'],
      ['outcomes as a Uint32Array', (t: P2mTable) => t.retype(0, 1, RAM_RW, new Uint32Array(16) as unknown as Int32Array), 'outcomes must be an Int32Array, got Uint32Array'],
      ['count as a bigint', (t: P2mTable) => t.markDirty(0, 1n as unknown as number), 'count must be a number, got bigint'],
    ])('%s → TypeError, nothing changed', (_name, call, message) => {
      const t = seeded();
      const before = state(t);
      expect(() => call(t)).toThrow(new TypeError(message));
      expect(() => call(t)).toThrow(TypeError);
      expect(state(t)).toEqual(before);
    });

    it('checks createTable arguments', () => {
      expect(() => core.createTable(PAGES_4G, RAM_RW)).toThrow(new RangeError('maxGpfn must be an integer in 0…4294967295, got 4294967296'));
      expect(() => core.createTable(-1, RAM_RW)).toThrow(RangeError);
      expect(() => core.createTable(NaN, RAM_RW)).toThrow(RangeError);
      expect(() => core.createTable(10, 16)).toThrow(new RangeError('initialType must be an integer in 0…15 (a p2m type), got 16'));
      expect(() => core.createTable(10, null as unknown as number)).toThrow(new TypeError('initialType must be a number, got null'));
    });

    it('throws after dispose, keeping maxGpfn', () => {
      const t = seeded();
      t.dispose();
      t.dispose();
      expect(t.maxGpfn).toBe(M);
      expect(() => t.get(0)).toThrow(new TypeError('p2m table used after dispose()'));
      expect(() => t.set(0, 1, RAM_RW)).toThrow(TypeError);
      expect(() => t.runCount()).toThrow(TypeError);
      expect(() => t.takeDirty(0, 8)).toThrow(TypeError);
    });
  });

  describe('huge domains', () => {
    it('retypes a 2^32-page table whole in one call, as one run', () => {
      const t = core.createTable(PAGES_4G - 1, RAM_RW);
      expect(t.retype(0, PAGES_4G, IOREQ_SERVER, outcomes({ [INVALID]: EINVAL }))).toEqual({
        done: PAGES_4G,
        errno: 0,
        changedFrom: changedFrom({ [RAM_RW]: PAGES_4G }),
      });
      expect(t.runCount()).toBe(1);
      expect(t.runs(0, ALL)).toEqual([{ first: 0, count: PAGES_4G, type: IOREQ_SERVER }]);
      expect([t.get(PAGES_4G - 1), t.get(PAGES_4G)]).toEqual([IOREQ_SERVER, INVALID]);
      expect(t.countByType(0, PAGES_4G)[IOREQ_SERVER]).toBe(PAGES_4G);
      // The top page and the page below it.
      t.set(PAGES_4G - 1, 1, RAM_RO);
      expect(t.runs(PAGES_4G - 2, 2)).toEqual([
        { first: PAGES_4G - 2, count: 1, type: IOREQ_SERVER },
        { first: PAGES_4G - 1, count: 1, type: RAM_RO },
      ]);
    });

    it('retypes 2^28 pages, and stops halfway at a refused page', () => {
      const t = core.createTable(PAGES_4G - 1, RAM_RW);
      expect(t.retype(2 ** 28, 2 ** 28, MMIO_DM, outcomes())).toEqual({ done: 2 ** 28, errno: 0, changedFrom: changedFrom({ [RAM_RW]: 2 ** 28 }) });
      expect(t.runs(0, ALL)).toEqual([
        { first: 0, count: 2 ** 28, type: RAM_RW },
        { first: 2 ** 28, count: 2 ** 28, type: MMIO_DM },
        { first: 2 ** 29, count: PAGES_4G - 2 ** 29, type: RAM_RW },
      ]);
      t.set(2 ** 29 + 2 ** 27, 1, SHARED);
      expect(t.retype(2 ** 29, 2 ** 28, RAM_RO, outcomes({ [SHARED]: EAGAIN }))).toEqual({ done: 2 ** 27, errno: EAGAIN, changedFrom: changedFrom({ [RAM_RW]: 2 ** 27 }) });
      expect(t.runs(2 ** 28, ALL)).toEqual([
        { first: 2 ** 28, count: 2 ** 28, type: MMIO_DM },
        { first: 2 ** 29, count: 2 ** 27, type: RAM_RO },
        { first: 2 ** 29 + 2 ** 27, count: 1, type: SHARED },
        { first: 2 ** 29 + 2 ** 27 + 1, count: PAGES_4G - (2 ** 29 + 2 ** 27 + 1), type: RAM_RW },
      ]);
      expect(t.runCount()).toBe(5);
    });

    it('retypes a fragmented range in one call', () => {
      const t = core.createTable(PAGES_4G - 1, RAM_RW);
      const base = PAGES_4G - 2 ** 18;
      for (let i = 0; i < 2 ** 16; i++) t.set(base + 4 * i, 1 + (i % 3), 1 + (i % 5));
      const runs = t.runCount();
      expect(runs).toBeGreaterThan(2 ** 16);
      const counts = t.countByType(base, 2 ** 18);
      const r = t.retype(base, 2 ** 18, RAM_RO, outcomes());
      expect(r).toEqual({ done: 2 ** 18, errno: 0, changedFrom: counts });
      expect(t.runs(0, ALL)).toEqual([
        { first: 0, count: base, type: RAM_RW },
        { first: base, count: 2 ** 18, type: RAM_RO },
      ]);
    });
  });
});
