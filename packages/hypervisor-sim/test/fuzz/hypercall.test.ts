/**
 * Fuzzing of the hypercall boundary: `dmOp` and `hvmOp` get arbitrary buffers (random bytes, every op
 * number 0–255 and some beyond, every payload field at its edges — 0, 1, max, max−1, values around the
 * domain's maxGpfn and 2^32, wrap-around ranges —, pad bytes set, buffers one byte short, zero to three
 * buffers, values that are not Uint8Arrays at all, detached buffers, subarrays inside guarded memory)
 * on both p2m cores at Xen 4.6, 4.8, 4.11 and 4.22.
 *
 * For every call: it never throws; rc is 0 or −errno of a public Xen errno; progress is null or a
 * non-negative integer; no byte outside the buffers it was given changes; the ioreq_server entry count
 * equals the number of p2m_ioreq_server pages; and a call that fails before touching pages leaves the
 * state dump unchanged. The dump is `inspect(domid)` of every domain plus a batch lookup of probe gfns.
 * "Fails before touching pages": for set_mem_type (DMOP 12, HVMOP 8) and modified_memory (DMOP 11),
 * rc ≠ 0 with progress 0 or null; for every other op, rc ≠ 0.
 *
 * Each case is a fresh world (domains, seeded p2m, maybe a claimed ioreq server and a tracked VRAM range)
 * and 1–4 calls, half of them sane enough to reach the ops' own checks and loops.
 * `npm test` runs 200 cases per core × release (1,600 in all); XENMEM_LONG=1 runs 5000 (40,000).
 * XENMEM_FUZZ_STATS=1 prints how often each (release, op, rc) came up. See docs/reliability.md.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

import { DMOPS, ERRNO, HVMOPS, RELEASES, STRUCTS, layoutAt, releaseInRange, type LayoutId, type ReleaseName } from '@xenmem/abi-types';
import { Hypervisor, type P2mCore } from '../../src/index.js';
import { P2M_IOREQ_SERVER } from '../../src/p2m-types.js';
import { CORES, claim, dm } from '../hypervisor/harness.js';

const LONG = process.env['XENMEM_LONG'] === '1';
const NUM_RUNS = LONG ? 5000 : 200;
const RELEASES_FUZZED = ['4.6', '4.8', '4.11', '4.22'] as const;

/** XENMEM_FUZZ_STATS=1 prints how often each (release, op, rc) came up, to see what the fuzzer reaches. */
const STATS = process.env['XENMEM_FUZZ_STATS'] === '1' ? new Map<string, number>() : undefined;
const PUBLIC_ERRNOS = new Set(Object.values(ERRNO).filter((e) => !e.internal).map((e) => -e.value));
const DOMID_SELF = 0x7ff0;
/** The DM domain of domains 1 and 2. */
const DM = 5;
const TWO_64 = 2n ** 64n;

// ---------------------------------------------------------------------------------------------------
// The world each case starts from.

interface World {
  /** maxGpfn of domain 1 (HVM, HAP, device model 5). Domain 2: HVM without HAP; 3: not HVM; 5: the DM (not HVM). */
  maxGpfn: number;
  vcpus: number;
  /** Seeded p2m runs on domain 1: [first as a fraction of maxGpfn, count, type]. */
  seeds: [number, number, number][];
  /** Create an ioreq server (caller DM) and, from 4.9, claim p2m_ioreq_server for it. */
  server: boolean;
  /** Start log-dirty VRAM tracking on domain 1 (4.9+). */
  vram: boolean;
}

const world: fc.Arbitrary<World> = fc.record({
  maxGpfn: fc.oneof({ weight: 1, arbitrary: fc.constantFrom(0, 1) }, { weight: 4, arbitrary: fc.constantFrom(0xff, 0xfffff, 2 ** 32 - 1) }),
  vcpus: fc.integer({ min: 1, max: 3 }),
  seeds: fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 15 })), { maxLength: 4 }),
  server: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  vram: fc.boolean(),
});

async function build(core: () => P2mCore, release: ReleaseName, w: World): Promise<Hypervisor> {
  const hv = new Hypervisor({ release, p2m: core() });
  await hv.createDomain({ domid: DM, maxGpfn: 0x10, hvm: false });
  await hv.createDomain({ domid: 1, maxGpfn: w.maxGpfn, vcpus: w.vcpus, dm: DM });
  await hv.createDomain({ domid: 2, maxGpfn: 0xff, hap: false, dm: DM });
  await hv.createDomain({ domid: 3, maxGpfn: 0x10, hvm: false });
  for (const [at, nr, type] of w.seeds) {
    const first = Math.floor(at * w.maxGpfn);
    try {
      await hv.seedP2m(1, BigInt(first), Math.min(nr, w.maxGpfn - first + 1), type);
    } catch {
      // a type this release does not have: no seed
    }
  }
  const dmops = RELEASES.find((r) => r.name === release)!.toolsOps === 'dm_op';
  if (w.server && dmops) {
    // Claiming fails (EBUSY) when seeding left p2m_ioreq_server entries: then there is just a server.
    try {
      await claim(hv, DM);
    } catch {
      // the server exists, unclaimed
    }
  } else if (w.server) {
    const buf = new Uint8Array(STRUCTS.xen_hvm_create_ioreq_server.size);
    new DataView(buf.buffer).setUint16(0, 1, true);
    await hv.hvmOp(DM, 17, buf);
  }
  if (w.vram && dmops) await dm(hv, 'track_dirty_vram', { first_pfn: 0n, nr: Math.min(64, w.maxGpfn + 1) }, { caller: DM, extra: new Uint8Array(8) });
  return hv;
}

const PROBES = new Float64Array([0, 1, 2, 0x7f, 0xff, 0x100, 0x3ff, 0xffffe, 0xfffff, 0x100000, 2 ** 32 - 2, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER]);

/** The state dump: inspect() of every domain and a batch lookup of the probe gfns. */
async function dump(hv: Hypervisor): Promise<unknown> {
  const out: Record<number, unknown> = {};
  for (const domid of [0, 1, 2, 3, DM]) out[domid] = { inspect: await hv.inspect(domid), probes: Array.from(hv.domain(domid)!.p2m.getMany(PROBES)) };
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Field values and buffers.

/** A field value: a named edge (resolved against the field's width) or raw bits. */
type FieldValue = 'zero' | 'one' | 'max' | 'max-1' | 'half' | 'mg' | 'mg-1' | 'mg+1' | 'mid' | bigint;
const INTERESTING = [0xfen, 0xffn, 0x100n, 0xfffffn, 0x100000n, 0xffffen, 0xffffffffn, 0xfffffffen, 0x100000000n, 0x1_0000_0001n, 0x7ff0n, 0xffffn, 0x40000n, 0x40001n, TWO_64 - 1n, TWO_64 - 2n, TWO_64 - 0x100n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n];
const fieldValue: fc.Arbitrary<FieldValue> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<FieldValue>('zero', 'one', 'max', 'max-1', 'half') },
  // Around domain 1's maxGpfn (resolved per case): range ends, the last page, one past it.
  { weight: 4, arbitrary: fc.constantFrom<FieldValue>('mg', 'mg-1', 'mg+1', 'mid') },
  { weight: 6, arbitrary: fc.bigInt({ min: 0n, max: 16n }) },
  { weight: 3, arbitrary: fc.bigInt({ min: 0n, max: 0x400n }) },
  { weight: 4, arbitrary: fc.constantFrom(...INTERESTING) },
  { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: TWO_64 - 1n }) },
);

/** domain 1's maxGpfn in the case being run (for the 'mg' field values). */
let maxGpfnNow = 0n;

function resolve(v: FieldValue, bytes: number): bigint {
  const max = 2n ** BigInt(8 * bytes) - 1n;
  switch (v) {
    case 'mg':
      return maxGpfnNow & max;
    case 'mg-1':
      return (maxGpfnNow - 1n) & max;
    case 'mg+1':
      return (maxGpfnNow + 1n) & max;
    case 'mid':
      return (maxGpfnNow / 2n) & max;
    case 'zero':
      return 0n;
    case 'one':
      return 1n;
    case 'max':
      return max;
    case 'max-1':
      return max - 1n;
    case 'half':
      return (max + 1n) / 2n;
    default:
      return v & max;
  }
}

function writeUint(view: DataView, offset: number, bytes: number, v: bigint): void {
  for (let i = 0; i < bytes && offset + i < view.byteLength; i++) view.setUint8(offset + i, Number((v >> BigInt(8 * i)) & 0xffn));
}

/** Fills a struct layout at `offset` from field values in order; pad fields stay 0 unless `pads`. */
function fillLayout(view: DataView, offset: number, layout: LayoutId, values: FieldValue[], pads: boolean): void {
  let k = 0;
  for (const f of STRUCTS[layout].fields) {
    const n = f.count ?? 1;
    const width = f.size / n;
    const isPad = f.mustBeZero || f.name.startsWith('pad');
    for (let e = 0; e < n; e++) {
      const v = values[k++ % values.length]!;
      writeUint(view, offset + f.offset + e * width, width, isPad && !pads ? 0n : resolve(v, width));
    }
  }
}

/** How buf[0] (a DMOP) or the HVMOP argument is made. */
type Body =
  | { kind: 'struct'; values: FieldValue[]; pads: boolean; length: 'full' | 'exact' | 'short' | 'long' | number; tail: number }
  | { kind: 'random'; bytes: Uint8Array };

/** A struct of the right length without pad bytes set (the fields may still be anything). */
const saneBody: fc.Arbitrary<Body> = fc.record({
  kind: fc.constant('struct' as const),
  values: fc.array(fieldValue, { minLength: 1, maxLength: 8 }),
  pads: fc.constant(false),
  length: fc.constantFrom('full' as const, 'exact' as const),
  tail: fc.constant(0),
});
/** As saneBody with small field values (server ids, flags, levels, ranges that exist), so the ops' success paths run. */
const smallBody: fc.Arbitrary<Body> = fc.record({
  kind: fc.constant('struct' as const),
  values: fc.array(fc.oneof({ weight: 4, arbitrary: fc.bigInt({ min: 0n, max: 2n }) }, { weight: 1, arbitrary: fieldValue }), { minLength: 1, maxLength: 8 }),
  pads: fc.constant(false),
  length: fc.constantFrom('full' as const, 'exact' as const),
  tail: fc.constant(0),
});
const body: fc.Arbitrary<Body> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('struct' as const),
      values: fc.array(fieldValue, { minLength: 1, maxLength: 8 }),
      pads: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      length: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('full' as const, 'exact' as const) }, { weight: 2, arbitrary: fc.constantFrom('short' as const, 'long' as const) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 40 }) }),
      tail: fc.integer({ min: 0, max: 255 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ maxLength: 48 }) }) },
);

/** A buffer for the call, or something that is not one. */
type Carrier = 'plain' | 'offset' | 'detached' | 'uint16' | 'dataview' | 'null' | 'array' | 'hole';
const carrier: fc.Arbitrary<Carrier> = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom<Carrier>('plain', 'offset') },
  { weight: 1, arbitrary: fc.constantFrom<Carrier>('detached', 'uint16', 'dataview', 'null', 'array', 'hole') },
);

const GUARD = 16;
const GUARD_BYTE = 0xa5;

/** A buffer placed as the carrier says; `guarded` is the whole memory (guard bytes around it) when there is some. */
function place(bytes: Uint8Array, how: Carrier): { value: unknown; guarded?: Uint8Array; start?: number } {
  switch (how) {
    case 'plain':
      return { value: bytes };
    case 'offset': {
      const mem = new Uint8Array(bytes.length + 2 * GUARD).fill(GUARD_BYTE);
      mem.set(bytes, GUARD);
      return { value: mem.subarray(GUARD, GUARD + bytes.length), guarded: mem, start: GUARD };
    }
    case 'detached': {
      const b = bytes.slice();
      structuredClone(b.buffer, { transfer: [b.buffer] });
      return { value: b };
    }
    case 'uint16':
      return { value: new Uint16Array(bytes.buffer, 0, bytes.length >> 1) };
    case 'dataview':
      return { value: new DataView(bytes.buffer) };
    case 'null':
      return { value: null };
    case 'array':
      return { value: Array.from(bytes) };
    case 'hole':
      return { value: undefined };
  }
}

function guardIntact(p: { guarded?: Uint8Array; start?: number }, length: number): boolean {
  if (!p.guarded) return true;
  const g = p.guarded;
  for (let i = 0; i < p.start!; i++) if (g[i] !== GUARD_BYTE) return false;
  for (let i = p.start! + length; i < g.length; i++) if (g[i] !== GUARD_BYTE) return false;
  return true;
}

/** A length for the made buffer: `exact` is what the op needs, `full` the container (32 for DMOPs). */
function lengthOf(b: Extract<Body, { kind: 'struct' }>, exact: number, full: number): number {
  switch (b.length) {
    case 'full':
      return full;
    case 'exact':
      return exact;
    case 'short':
      return Math.max(0, exact - 1);
    case 'long':
      return full + 8;
    default:
      return b.length;
  }
}

// ---------------------------------------------------------------------------------------------------
// DMOPs.

/** DMOP number → payload struct name. */
const DMOPS_BY_VALUE = new Map<number, string>(DMOPS.map((o) => [o.value, o.struct]));
const KNOWN_DMOPS = Array.from({ length: 20 }, (_, i) => i + 1);
const dmOpNumber = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KNOWN_DMOPS, 12, 12, 12, 11, 11, 7, 15) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 255 }) },
  { weight: 1, arbitrary: fc.constantFrom(0x100, 0x10c, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffff4) },
);

/** buf[1]: random bytes, or modified_memory extents (first_pfn u64, nr u32, pad u32) with edge values. */
type Second = { kind: 'random'; bytes: Uint8Array } | { kind: 'extents'; extents: [FieldValue, FieldValue, boolean][]; cut: number };
const second: fc.Arbitrary<Second> = fc.oneof(
  fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({
    kind: fc.constant('extents' as const),
    extents: fc.array(fc.tuple(fieldValue, fieldValue, fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) })), { maxLength: 4 }),
    cut: fc.constantFrom(0, 0, 0, 1, 15),
  }),
);

function secondBytes(s: Second): Uint8Array {
  if (s.kind === 'random') return s.bytes.slice();
  const bytes = new Uint8Array(Math.max(0, s.extents.length * 16 - s.cut));
  const view = new DataView(bytes.buffer);
  s.extents.forEach(([first, nr, pad], i) => {
    writeUint(view, i * 16, 8, resolve(first, 8));
    writeUint(view, i * 16 + 8, 4, resolve(nr, 4));
    writeUint(view, i * 16 + 12, 4, pad ? 1n : 0n);
  });
  return bytes;
}

interface DmCall {
  caller: number;
  domid: number;
  op: number;
  headerPad: boolean;
  buf0: Body;
  carrier0: Carrier;
  /** buf[1] and buf[2], as many as `count` − 1 asks for. */
  more: [Second, Carrier][];
  count: number;
}

/** Calls that pass the entry checks, so the op's own checks and loop run. */
const saneDmCall: fc.Arbitrary<DmCall> = fc.record({
  caller: fc.constantFrom(0, DM, DM),
  domid: fc.oneof({ weight: 9, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constant(2) }),
  op: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...KNOWN_DMOPS) }, { weight: 3, arbitrary: fc.constantFrom(12, 11, 7, 15, 1, 2, 3, 5) }),
  headerPad: fc.constant(false),
  buf0: fc.oneof(saneBody, smallBody),
  carrier0: fc.constantFrom<Carrier>('plain', 'offset'),
  more: fc.array(fc.tuple(second, fc.constantFrom<Carrier>('plain', 'offset')), { minLength: 2, maxLength: 2 }),
  count: fc.oneof({ weight: 1, arbitrary: fc.constant(1) }, { weight: 2, arbitrary: fc.constant(2) }),
});
const caller = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(0, DM) }, { weight: 1, arbitrary: fc.constantFrom(1, 2, 3, 7, DOMID_SELF, 0xffff) });
const dmCall: fc.Arbitrary<DmCall> = fc.record({
  caller,
  domid: fc.oneof({ weight: 8, arbitrary: fc.constant(1) }, { weight: 2, arbitrary: fc.constantFrom(0, 2, 3, DM, 7, DOMID_SELF, 0xffff) }),
  op: dmOpNumber,
  headerPad: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  buf0: body,
  carrier0: carrier,
  more: fc.array(fc.tuple(second, carrier), { minLength: 2, maxLength: 2 }),
  count: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(1, 2) }, { weight: 1, arbitrary: fc.constantFrom(0, 3) }),
});

function dmBuf0(c: DmCall, release: ReleaseName): Uint8Array {
  if (c.buf0.kind === 'random') return c.buf0.bytes.slice();
  let layout: LayoutId | undefined;
  const name = DMOPS_BY_VALUE.get(c.op);
  try {
    layout = name ? layoutAt(name, release) : undefined;
  } catch {
    layout = undefined; // an op this release does not have
  }
  const exact = 8 + (layout ? STRUCTS[layout].size : 0);
  const bytes = new Uint8Array(Math.max(lengthOf(c.buf0, exact, 32), 0));
  const full = new Uint8Array(Math.max(bytes.length, 32));
  const view = new DataView(full.buffer);
  view.setUint32(0, c.op, true);
  view.setUint32(4, c.headerPad ? 1 + c.buf0.tail : 0, true);
  if (layout) fillLayout(view, 8, layout, c.buf0.values, c.buf0.pads);
  else for (let i = 8; i < full.length; i++) full[i] = (c.buf0.tail * (i + 1)) & 0xff;
  bytes.set(full.subarray(0, bytes.length));
  return bytes;
}

// ---------------------------------------------------------------------------------------------------
// HVMOPs.

const hvmOpNumber = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(8, 8, 8, 15, 15, 17, 18, 19, 20, 21, 22, 6, 7) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 255 }) },
  // set_mem_type's continuation form (op | start_iter) up to 4.8, and numbers that are no op at all.
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(8, 15, 17), fc.constantFrom(1, 2, 0xff, 0x100, 0xffffff)).map(([op, iter]) => op + iter * 256) },
  { weight: 1, arbitrary: fc.constantFrom(-1, -8, 0.5, 8.5, NaN, Infinity, 2 ** 32 + 8, 2 ** 53 + 8, 0x7fffffff, 0xffffffff) },
);

interface HvmCall {
  caller: number;
  op: number;
  domid: number;
  arg: Body;
  carrier: Carrier;
}

const saneHvmCall: fc.Arbitrary<HvmCall> = fc.record({
  caller: fc.constantFrom(0, DM, DM),
  op: fc.constantFrom(8, 8, 8, 15, 17, 18, 19, 20, 21, 22),
  domid: fc.oneof({ weight: 9, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constant(2) }),
  arg: fc.oneof(saneBody, smallBody),
  carrier: fc.constantFrom<Carrier>('plain', 'offset'),
});
const hvmCall: fc.Arbitrary<HvmCall> = fc.record({
  caller: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(0, DM, 1) }, { weight: 1, arbitrary: fc.constantFrom(2, 3, 7, DOMID_SELF) }),
  op: hvmOpNumber,
  domid: fc.oneof({ weight: 8, arbitrary: fc.constant(1) }, { weight: 2, arbitrary: fc.constantFrom(0, 2, 3, DM, 7, DOMID_SELF, 0xffff) }),
  arg: body,
  carrier,
});

function hvmArg(c: HvmCall, release: ReleaseName): Uint8Array {
  if (c.arg.kind === 'random') return c.arg.bytes.slice();
  const op = HVMOPS.find((o) => o.value === (Number.isInteger(c.op) && c.op >= 0 ? c.op & 0xff : -1));
  const layout = op?.struct ? (Object.keys(STRUCTS) as LayoutId[]).find((id) => STRUCTS[id].name === op.struct && releaseInRange(release, STRUCTS[id].releases)) : undefined;
  const exact = layout ? STRUCTS[layout].size : 16;
  const bytes = new Uint8Array(lengthOf(c.arg, exact, Math.max(exact, 16)));
  const full = new Uint8Array(Math.max(bytes.length, exact, 16));
  const view = new DataView(full.buffer);
  if (layout) fillLayout(view, 0, layout, c.arg.values, c.arg.pads);
  // Every HVMOP struct the model decodes starts with the domid (u16).
  view.setUint16(0, c.domid, true);
  bytes.set(full.subarray(0, bytes.length));
  return bytes;
}

// ---------------------------------------------------------------------------------------------------
// The checks.

type Call = { kind: 'dm'; call: DmCall } | { kind: 'hvm'; call: HvmCall };

function describeCall(c: Call): string {
  return JSON.stringify(c, (_, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Array.from(v) : v));
}

/** Runs one call and checks everything the header promises (failed expectations throw). */
async function check(hv: Hypervisor, c: Call): Promise<void> {
  maxGpfnNow = BigInt(hv.domain(1)!.maxGpfn);
  const before = await dump(hv);
  let opNumber = NaN;
  let outcome: Awaited<ReturnType<Hypervisor['dmOp']>>;
  let pageOp: boolean;
  const placed: { p: ReturnType<typeof place>; length: number }[] = [];
  if (c.kind === 'dm') {
    const d = c.call;
    const buf0 = dmBuf0(d, hv.release);
    const first: [Uint8Array, Carrier] = [buf0, d.carrier0];
    const all = [first, ...d.more.map(([s, how]): [Uint8Array, Carrier] => [secondBytes(s), how])].slice(0, d.count);
    const bufs = all.map(([bytes, how]) => {
      const p = place(bytes, how);
      placed.push({ p, length: bytes.length });
      return p.value;
    });
    if (all.some(([, how]) => how === 'hole') && bufs.length > 0) delete bufs[bufs.length - 1]; // a sparse array
    opNumber = buf0.length >= 4 ? new DataView(buf0.buffer).getUint32(0, true) : NaN;
    pageOp = opNumber === 11 || opNumber === 12;
    try {
      outcome = await hv.dmOp(d.caller, d.domid, bufs as Uint8Array[]);
    } catch (err) {
      throw new Error(`dmOp threw ${String(err)}\n${(err as Error).stack}`);
    }
  } else {
    const h = c.call;
    const bytes = hvmArg(h, hv.release);
    const p = place(bytes, h.carrier);
    placed.push({ p, length: bytes.length });
    opNumber = h.op;
    pageOp = Number.isInteger(h.op) && h.op >= 0 && (h.op & 0xff) === 8;
    try {
      outcome = await hv.hvmOp(h.caller, h.op, p.value as Uint8Array);
    } catch (err) {
      throw new Error(`hvmOp threw ${String(err)}\n${(err as Error).stack}`);
    }
  }
  const { rc, progress, continuations } = outcome;
  if (STATS) {
    const key = `${hv.release} ${c.kind} op ${opNumber} rc ${rc}${progress ? ' progress>0' : ''}`;
    STATS.set(key, (STATS.get(key) ?? 0) + 1);
  }
  expect(Number.isInteger(rc) && (rc === 0 || PUBLIC_ERRNOS.has(rc)), `rc ${rc} is neither 0 nor a Xen errno`).toBe(true);
  expect(progress === null || (Number.isInteger(progress) && progress >= 0), `progress ${progress}`).toBe(true);
  expect(Number.isInteger(continuations) && continuations >= 0).toBe(true);
  for (const { p, length } of placed) expect(guardIntact(p, length), 'a byte outside the buffer changed').toBe(true);
  const after = await dump(hv);
  if (rc !== 0 && (!pageOp || !progress)) expect(after, `rc ${rc} (progress ${progress}) changed the state`).toEqual(before);
  // entry_count follows the p2m_ioreq_server pages.
  for (const domid of [1, 2]) {
    const view = await hv.inspect(domid);
    const pages = view.p2m.filter((r) => r.type === P2M_IOREQ_SERVER).reduce((n, r) => n + r.count, 0n);
    expect(BigInt(view.ioreqClaim.entryCount), `domain ${domid}: entryCount vs p2m_ioreq_server pages`).toBe(pages);
  }
}

/** set_mem_type's range and value at their edges: counts and first pfns around 0, maxGpfn, 2^32 and 2^64 (wrap). */
const nrValue = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom<FieldValue>('zero', 'one', 'max', 'max-1', 'mg', 'mg+1', 'mid', 2n, 0x100n, 0x101n) },
  { weight: 3, arbitrary: fc.bigInt({ min: 1n, max: 600n }) },
);
const pfnValue = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<FieldValue>('zero', 'one', 'mg', 'mg-1', 'mg+1', 'mid') },
  { weight: 4, arbitrary: fc.bigInt({ min: 0n, max: 0xffn }) },
  { weight: 1, arbitrary: fc.constantFrom<FieldValue>('max', 'max-1', TWO_64 - 0x100n, 0xffffffffn, 0x100000000n) },
);
const memTypeValue = fc.oneof(
  { weight: 6, arbitrary: fc.bigInt({ min: 0n, max: 2n }) },
  { weight: 3, arbitrary: fc.bigInt({ min: 0n, max: 8n }) },
  { weight: 1, arbitrary: fc.constantFrom<FieldValue>('max', 'max-1', 0x100n) },
);
const struct = (values: fc.Arbitrary<FieldValue[]>): fc.Arbitrary<Body> =>
  fc.record({ kind: fc.constant('struct' as const), values, pads: fc.constant(false), length: fc.constant('exact' as const), tail: fc.constant(0) });
// Fields in layout order; a pad field takes a value too (it is written as 0).
const setMemTypeDm: fc.Arbitrary<Call> = saneDmCall.chain((call) =>
  struct(fc.tuple(nrValue, memTypeValue, fc.constant<FieldValue>('zero'), pfnValue)).map((buf0): Call => ({ kind: 'dm', call: { ...call, op: 12, count: 1, buf0 } })),
);
const setMemTypeHvm: fc.Arbitrary<Call> = saneHvmCall.chain((call) =>
  struct(fc.tuple(fc.constant<FieldValue>('one'), memTypeValue, nrValue, pfnValue)).map((arg): Call => ({ kind: 'hvm', call: { ...call, op: 8, arg } })),
);

/** Calls for a release: mostly its own tools interface (DMOPs from 4.9, HVMOPs before), half of them sane. */
function sequence(release: ReleaseName): fc.Arbitrary<Call[]> {
  const dmops = RELEASES.find((r) => r.name === release)!.toolsOps === 'dm_op';
  const dmWeight = dmops ? 8 : 1;
  const hvmWeight = dmops ? 2 : 8;
  const one = fc.oneof(
    { weight: dmWeight, arbitrary: dmCall.map((call): Call => ({ kind: 'dm', call })) },
    { weight: dmWeight, arbitrary: saneDmCall.map((call): Call => ({ kind: 'dm', call })) },
    { weight: hvmWeight, arbitrary: hvmCall.map((call): Call => ({ kind: 'hvm', call })) },
    { weight: hvmWeight, arbitrary: saneHvmCall.map((call): Call => ({ kind: 'hvm', call })) },
    { weight: dmops ? 6 : 0, arbitrary: setMemTypeDm },
    { weight: dmops ? 0 : 6, arbitrary: setMemTypeHvm },
  );
  return fc.array(one, { minLength: 1, maxLength: 4 });
}

afterAll(() => {
  if (STATS) console.log([...STATS].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })).map(([k, n]) => `${k}: ${n}`).join('\n'));
});

describe.each(CORES)('hypercall fuzzing (%s core)', (_name, core) => {
  describe.each(RELEASES_FUZZED)('Xen %s', (release) => {
    it('dmOp/hvmOp never throw, return 0 or a Xen errno, and leave the state alone when they fail early', async () => {
      await fc.assert(
        fc.asyncProperty(world, sequence(release), async (w, calls) => {
          const hv = await build(core, release, w);
          for (const c of calls) {
            try {
              await check(hv, c);
            } catch (err) {
              throw new Error(`${(err as Error).message}\ncall: ${describeCall(c)}`, { cause: err });
            }
          }
        }),
        { numRuns: NUM_RUNS },
      );
    });
  });
});
