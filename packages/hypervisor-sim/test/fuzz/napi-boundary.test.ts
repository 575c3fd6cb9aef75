/**
 * The napi boundary under hostile arguments: every method of the native `P2mTable` gets, in each
 * argument position, values it must refuse (negative numbers, fractions, NaN, ±Infinity, 2^53 and
 * above, BigInt, strings, booleans, null/undefined, objects, symbols, functions, wrong typed-array
 * kinds, DataViews, ArrayBuffers, detached buffers, typed arrays of the wrong length or with bad
 * elements), plus calls on a foreign `this`, without `new` and after dispose().
 *
 *  1. The raw addon (native/index.cjs), in a child process of its own: every call throws a JS error
 *     with a message (never a Rust panic, never an abort), the process exits normally, and the table
 *     still answers get(0) correctly with its runs unchanged after every refused call.
 *  2. The P2mTable contract (src/p2m/core.ts) on both cores: the same calls throw a TypeError or
 *     RangeError naming the argument, the same class and message from the native and the TS core;
 *     a fast-check property mixes valid and hostile values across all positions of a call.
 *
 * `npm test` runs the whole matrix once and 300 mixed calls; XENMEM_LONG=1 runs 5000 mixed calls.
 * See docs/reliability.md.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { P2mCore, P2mTable } from '../../src/p2m/core.js';
import { loadNativeP2mCore } from '../../src/p2m/native-core.js';
import { tsP2mCore } from '../../src/p2m/ts-core.js';

const LONG = process.env['XENMEM_LONG'] === '1';
const MIXED_RUNS = LONG ? 5000 : 300;
const PKG = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The hostile values, by argument kind. Self-contained (no imports): its source is also sent to the
 * child process. Each call makes fresh values, so detached buffers are detached afresh.
 */
function hostileValues(): { numbers: [string, unknown][]; arrays: [string, unknown][]; outArrays: [string, unknown][]; emptyWhenDetached: string[] } {
  const detached = (a: { buffer: ArrayBuffer }) => {
    structuredClone(a.buffer, { transfer: [a.buffer] });
    return a;
  };
  const notNumbers: [string, unknown][] = [
    ['bigint 5n', 5n],
    ['bigint 2^64', 2n ** 64n],
    ["string '5'", '5'],
    ["string ''", ''],
    ['true', true],
    ['null', null],
    ['undefined', undefined],
    ['object {}', {}],
    ['object with valueOf', { valueOf: () => 1 }],
    ['Object.create(null)', Object.create(null)],
    ['array [5]', [5]],
    ['symbol', Symbol('x')],
    ['function', () => 1],
    ['Number object', Object(5)],
    ['Date', new Date(0)],
  ];
  return {
    numbers: [
      ['-1', -1],
      ['-0.5', -0.5],
      ['0.5', 0.5],
      ['NaN', NaN],
      ['Infinity', Infinity],
      ['-Infinity', -Infinity],
      ['2^53', 2 ** 53],
      ['2^53+2', 2 ** 53 + 2],
      ['2^64', 2 ** 64],
      ['1e21', 1e21],
      ['MAX_VALUE', Number.MAX_VALUE],
      ['-MAX_SAFE_INTEGER', -Number.MAX_SAFE_INTEGER],
      ['MIN_VALUE', Number.MIN_VALUE],
      ...notNumbers,
      ['Float64Array', new Float64Array(1)],
    ],
    arrays: [
      ...notNumbers,
      ['number 1', 1],
      ['NaN', NaN],
      ['Uint8Array', new Uint8Array(16)],
      ['Int8Array', new Int8Array(16)],
      ['Uint32Array', new Uint32Array(16)],
      ['Float32Array', new Float32Array(16)],
      ['BigInt64Array', new BigInt64Array(16)],
      ['DataView', new DataView(new ArrayBuffer(128))],
      ['ArrayBuffer', new ArrayBuffer(128)],
      ['plain array of 16', new Array(16).fill(0)],
      ['detached Float64Array', detached(new Float64Array(16))],
      ['detached Int32Array', detached(new Int32Array(16))],
      ['Float64Array [-1]', new Float64Array([-1])],
      ['Float64Array [NaN]', new Float64Array([0, NaN])],
      ['Float64Array [2^53]', new Float64Array([2 ** 53])],
      ['Float64Array [0.5]', new Float64Array([0.5])],
      ['Int32Array(15)', new Int32Array(15)],
      ['Int32Array(17)', new Int32Array(17)],
      ['Int32Array with -22', new Int32Array(16).fill(-22)],
      ['Int32Array(16) subarray(1)', new Int32Array(16).subarray(1)],
    ],
    // retype's result array must be a Float64Array of exactly 18 entries.
    outArrays: [
      ...notNumbers,
      ['number 1', 1],
      ['Int32Array(18)', new Int32Array(18)],
      ['Uint8Array(144)', new Uint8Array(144)],
      ['BigInt64Array(18)', new BigInt64Array(18)],
      ['DataView', new DataView(new ArrayBuffer(144))],
      ['ArrayBuffer', new ArrayBuffer(144)],
      ['plain array of 18', new Array(18).fill(0)],
      ['Float64Array(17)', new Float64Array(17)],
      ['Float64Array(19)', new Float64Array(19)],
      ['Float64Array(18) subarray(1)', new Float64Array(18).subarray(1)],
      ['detached Float64Array(18)', detached(new Float64Array(18))],
    ],
    // A detached typed array reads as empty (length 0), as in JS: a lookup of no gfns is not an error.
    emptyWhenDetached: ['detached Float64Array'],
  };
}

type Kind = 'n' | 'f' | 'i' | 'o';

/**
 * P2mTable method → the kind of each argument ('n' number, 'f' Float64Array, 'i' Int32Array of 16) and
 * valid values.
 */
const METHODS: Record<string, { kinds: Kind[]; valid: () => unknown[] }> = {
  get: { kinds: ['n'], valid: () => [3] },
  getMany: { kinds: ['f'], valid: () => [new Float64Array([0, 11, 100, 101])] },
  set: { kinds: ['n', 'n', 'n'], valid: () => [20, 5, 3] },
  retype: { kinds: ['n', 'n', 'n', 'i'], valid: () => [30, 5, 2, new Int32Array(16)] },
  changeTypeGlobal: { kinds: ['n', 'n'], valid: () => [2, 3] },
  countByType: { kinds: ['n', 'n'], valid: () => [0, 50] },
  runs: { kinds: ['n', 'n'], valid: () => [0, 50] },
  markDirty: { kinds: ['n', 'n'], valid: () => [0, 8] },
  takeDirty: { kinds: ['n', 'n'], valid: () => [0, 8] },
};
/** The raw addon's methods: as METHODS, but its retype also takes the array it writes its outcome into ('o': a Float64Array of 18). */
const RAW_METHODS: typeof METHODS = {
  ...METHODS,
  retype: { kinds: ['n', 'n', 'n', 'i', 'o'], valid: () => [30, 5, 2, new Int32Array(16), new Float64Array(18)] },
};
const CONSTRUCTOR = { kinds: ['n', 'n'] as const, valid: (): unknown[] => [100, 1] };

// ---------------------------------------------------------------------------------------------------
// 1. The raw addon in a child process.

/** Runs in the child (plain JS): every method × position × hostile value against one table. */
function childMain(hostile: typeof hostileValues, methods: typeof METHODS, ctor: typeof CONSTRUCTOR, loader: string): void {
  const { P2mTable } = require(loader);
  const results: unknown[] = [];
  const t = new P2mTable(100, 1);
  t.set(10, 5, 2);
  const snapshot = () => JSON.stringify([t.maxGpfn, t.get(0), Array.from(t.runs(0, 1000)), t.runCount()]);
  const before = snapshot();
  const attempt = (method: string, pos: number, label: string, f: () => unknown) => {
    let r: Record<string, unknown>;
    try {
      const value = f();
      r = { method, pos, label, threw: false, empty: ArrayBuffer.isView(value) && (value as Uint8Array).length === 0 };
    } catch (e) {
      const err = e as { name?: unknown; message?: unknown; code?: unknown };
      r = { method, pos, label, threw: true, isError: e instanceof Error, name: err?.name, message: err?.message, code: err?.code };
    }
    r.get0 = t.get(0);
    r.unchanged = snapshot() === before;
    results.push(r);
  };
  const values = hostile();
  for (const [method, spec] of Object.entries(methods)) {
    spec.kinds.forEach((kind, pos) => {
      for (const [label, value] of kind === 'n' ? hostile().numbers : kind === 'o' ? hostile().outArrays : hostile().arrays) {
        const args = spec.valid();
        args[pos] = value;
        attempt(method, pos, label, () => (t as Record<string, (...a: unknown[]) => unknown>)[method]!(...args));
      }
    });
    attempt(method, -1, 'no arguments', () => (t as Record<string, (...a: unknown[]) => unknown>)[method]!());
    attempt(method, -1, 'foreign this', () => P2mTable.prototype[method].apply({}, spec.valid()));
  }
  ctor.kinds.forEach((_kind, pos) => {
    for (const [label, value] of values.numbers) {
      const args = ctor.valid();
      args[pos] = value;
      attempt('constructor', pos, label, () => new P2mTable(...args));
    }
  });
  attempt('constructor', 0, '2^32', () => new P2mTable(2 ** 32, 0));
  attempt('constructor', 1, 'type 16', () => new P2mTable(1, 16));
  attempt('maxGpfn getter', -1, 'foreign this', () => Object.getOwnPropertyDescriptor(P2mTable.prototype, 'maxGpfn')!.get!.call({}));
  const gone = new P2mTable(5, 1);
  gone.dispose();
  for (const [method, spec] of Object.entries(methods)) attempt(method, -1, 'after dispose', () => (gone as Record<string, (...a: unknown[]) => unknown>)[method]!(...spec.valid()));
  attempt('dispose', -1, 'twice', () => gone.dispose());
  const final = { get0: t.get(0), unchanged: snapshot() === before };
  // Not asserted (reported in docs/reliability.md): the class called as a function, without `new`.
  const known: unknown[] = [];
  for (let i = 0; i < 2; i++) {
    try {
      const v = (P2mTable as (...a: unknown[]) => unknown)(1, 1);
      known.push({ threw: false, returnedGlobal: v === globalThis });
    } catch (e) {
      known.push({ threw: true, name: (e as Error).name, message: (e as Error).message });
    }
  }
  process.stdout.write(JSON.stringify({ results, ...final, known }));
}

interface ChildResult {
  method: string;
  pos: number;
  label: string;
  threw: boolean;
  empty?: boolean;
  isError?: boolean;
  name?: string;
  message?: string;
  code?: string;
  get0: number;
  unchanged: boolean;
}

/** napi-rs status codes the addon's errors carry. */
const NAPI_CODES = new Set(['InvalidArg', 'NumberExpected', 'ObjectExpected', 'GenericFailure', 'ArrayBufferExpected', 'BigintExpected', 'StringExpected']);

describe('napi boundary: the raw addon in a child process', () => {
  it('refuses every hostile argument with a JS error, keeps the table intact and exits normally', () => {
    const methods = `{${Object.entries(RAW_METHODS).map(([m, spec]) => `${m}: { kinds: ${JSON.stringify(spec.kinds)}, valid: ${spec.valid.toString()} }`).join(', ')}}`;
    const ctor = `{ kinds: ${JSON.stringify(CONSTRUCTOR.kinds)}, valid: ${CONSTRUCTOR.valid.toString()} }`;
    const script = `(${childMain.toString()})(${hostileValues.toString()}, ${methods}, ${ctor}, ${JSON.stringify(join(PKG, 'native', 'index.cjs'))});`;
    const child = spawnSync(process.execPath, ['-e', script], { cwd: PKG, encoding: 'utf8', timeout: 30_000, maxBuffer: 64 << 20 });
    expect(child.signal, `child killed by a signal (abort?); stderr:\n${child.stderr}`).toBeNull();
    expect(child.status, `child exited with ${child.status}; stderr:\n${child.stderr}`).toBe(0);
    const out = JSON.parse(child.stdout) as { results: ChildResult[]; get0: number; unchanged: boolean; known: unknown[] };
    if (process.env['XENMEM_FUZZ_STATS'] === '1') console.log(JSON.stringify({ calls: out.results.length, known: out.known, messages: [...new Set(out.results.map((r) => `${r.name} ${r.code} ${r.message}`))] }, null, 1));
    expect(out.get0).toBe(1);
    expect(out.unchanged).toBe(true);
    const { emptyWhenDetached } = hostileValues();
    const bad: string[] = [];
    for (const r of out.results) {
      const where = `${r.method}[${r.pos}] ← ${r.label}`;
      if (r.label === 'twice') {
        if (r.threw) bad.push(`${where}: dispose() twice threw ${r.message}`);
        continue;
      }
      if (!r.threw) {
        if (!(emptyWhenDetached.includes(r.label) && r.empty)) bad.push(`${where}: accepted`);
      } else if (!r.isError || typeof r.message !== 'string' || r.message.length === 0) bad.push(`${where}: threw a non-error or no message (${r.name})`);
      else if (!(r.name === 'TypeError' || r.name === 'RangeError' || (typeof r.code === 'string' && NAPI_CODES.has(r.code)))) bad.push(`${where}: ${r.name} ${r.code} ${r.message}`);
      else if (/panic|internal error/i.test(r.message)) bad.push(`${where}: a Rust panic: ${r.message}`);
      if (r.get0 !== 1 || !r.unchanged) bad.push(`${where}: the table changed`);
    }
    expect(bad).toEqual([]);
    expect(out.results.length).toBeGreaterThan(500);
  });

  it('retype: outcomes and result may share one buffer; a disposed table says so before judging the result array', () => {
    const script = `
      const { P2mTable } = require(${JSON.stringify(join(PKG, 'native', 'index.cjs'))});
      const t = new P2mTable(99, 1);
      const buf = new ArrayBuffer(18 * 8);
      const outcomes = new Int32Array(buf, 0, 16);
      const result = new Float64Array(buf);
      t.retype(10, 5, 2, outcomes, result);
      const gone = new P2mTable(9, 1);
      gone.dispose();
      let message = '';
      try { gone.retype(0, 1, 2, new Int32Array(16), new Float64Array(3)); } catch (e) { message = e.message; }
      process.stdout.write(JSON.stringify({ result: Array.from(result), types: [t.get(9), t.get(10), t.get(14), t.get(15)], message }));`;
    const child = spawnSync(process.execPath, ['-e', script], { cwd: PKG, encoding: 'utf8', timeout: 30_000 });
    expect(child.status, child.stderr).toBe(0);
    const out = JSON.parse(child.stdout) as { result: number[]; types: number[]; message: string };
    // done 5, errno 0, then 5 pages changed from type 1; the outcome table was read before the result was written.
    expect(out.result).toEqual([5, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(out.types).toEqual([1, 2, 2, 1]);
    expect(out.message).toBe('p2m table used after dispose()');
  });
});

// ---------------------------------------------------------------------------------------------------
// 2. The P2mTable contract on both cores.

/**
 * Known divergence (reported in docs/reliability.md): the addon writes a number in a message as its
 * exact decimal (native/src/args.rs js_number), JS's String() writes the shortest round-trip form, so
 * for 2^64, 1e21, Number.MAX_VALUE or MIN_VALUE the "got …" part differs (same value, other text).
 * `same` compares messages with the number after "got " compared as a number; `exact` as text.
 */
function sameMessage(a: string, b: string): { same: boolean; exact: boolean } {
  if (a === b) return { same: true, exact: true };
  const split = (m: string) => /^(.*got )(-?[0-9.]+(?:e[+-]?[0-9]+)?)$/.exec(m);
  const x = split(a);
  const y = split(b);
  return { same: !!x && !!y && x[1] === y[1] && Number(x[2]) === Number(y[2]), exact: false };
}

/** Outcomes equal, messages compared as sameMessage does; `exact` says whether the text matched too. */
function agree(a: Outcome, b: Outcome): { same: boolean; exact: boolean } {
  if (a.threw && b.threw) return a.cls === b.cls ? sameMessage(a.message, b.message) : { same: false, exact: false };
  const same = JSON.stringify(a) === JSON.stringify(b);
  return { same, exact: same };
}

/** Messages whose number the two cores write differently (the known divergence above). */
const divergent = new Set<string>();

type Outcome = { threw: false; value: unknown } | { threw: true; cls: string; message: string };

function run(f: () => unknown): Outcome {
  try {
    const v = f();
    return { threw: false, value: ArrayBuffer.isView(v) ? Array.from(v as Uint8Array) : v };
  } catch (e) {
    return { threw: true, cls: e instanceof RangeError ? 'RangeError' : e instanceof TypeError ? 'TypeError' : `other ${(e as Error)?.name}`, message: String((e as Error)?.message) };
  }
}

function table(core: P2mCore): P2mTable {
  const t = core.createTable(100, 1);
  t.set(10, 5, 2);
  return t;
}

const state = (t: P2mTable) => JSON.stringify([t.get(0), t.runs(0, 1000), t.runCount(), t.countByType(0, 1000)]);

/** Calls a method on a native and a TS table with the same (freshly made) arguments. */
function both(method: string, makeArgs: () => unknown[]): { native: Outcome; ts: Outcome; intact: boolean } {
  const n = table(loadNativeP2mCore());
  const s = table(tsP2mCore);
  const before = state(s);
  const call = (t: P2mTable) => run(() => (t as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!(...makeArgs()));
  const native = call(n);
  const ts = call(s);
  const intact = (native.threw ? state(n) === before && n.get(0) === 1 : true) && (ts.threw ? state(s) === before : true);
  n.dispose();
  s.dispose();
  return { native, ts, intact };
}

/** A refusal the contract promises: TypeError/RangeError whose message names an argument. */
function refusal(o: Outcome): boolean {
  return o.threw && (o.cls === 'TypeError' || o.cls === 'RangeError') && /^(\w+(\[\d+\])? must|p2m table used after dispose)/.test(o.message);
}

describe('napi boundary: the P2mTable contract (native and TS cores)', () => {
  it('every hostile argument in every position: the same TypeError/RangeError from both cores', () => {
    const bad: string[] = [];
    let calls = 0;
    const { emptyWhenDetached } = hostileValues();
    for (const [method, spec] of Object.entries(METHODS)) {
      spec.kinds.forEach((kind, pos) => {
        const count = (kind === 'n' ? hostileValues().numbers : hostileValues().arrays).length;
        for (let k = 0; k < count; k++) {
          let label = '';
          const r = both(method, () => {
            const args = spec.valid();
            const hostile = (kind === 'n' ? hostileValues().numbers : hostileValues().arrays)[k]!;
            label = hostile[0];
            args[pos] = hostile[1];
            return args;
          });
          calls++;
          const where = `${method}[${pos}] ← ${label}`;
          if (emptyWhenDetached.includes(label) && !r.native.threw) {
            expect(r.ts, where).toEqual(r.native);
            continue;
          }
          if (!refusal(r.native)) bad.push(`${where}: native ${JSON.stringify(r.native)}`);
          if (!refusal(r.ts)) bad.push(`${where}: ts ${JSON.stringify(r.ts)}`);
          const a = agree(r.native, r.ts);
          if (!a.same) bad.push(`${where}: native ${JSON.stringify(r.native)} ≠ ts ${JSON.stringify(r.ts)}`);
          else if (!a.exact) divergent.add(label);
          if (!r.intact) bad.push(`${where}: a refused call changed the table`);
        }
      });
    }
    for (const core of [loadNativeP2mCore(), tsP2mCore]) {
      for (const [label, value] of hostileValues().numbers) {
        const o = run(() => core.createTable(value as number, 1));
        if (!refusal(o)) bad.push(`${core.kind} createTable(${label}, 1): ${JSON.stringify(o)}`);
        const p = run(() => core.createTable(1, value as number));
        if (!refusal(p)) bad.push(`${core.kind} createTable(1, ${label}): ${JSON.stringify(p)}`);
      }
      const t = core.createTable(5, 1);
      t.dispose();
      for (const [method, spec] of Object.entries(METHODS)) {
        const o = run(() => (t as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!(...spec.valid()));
        if (!refusal(o) || !(o.threw && o.cls === 'TypeError')) bad.push(`${core.kind} ${method} after dispose: ${JSON.stringify(o)}`);
      }
    }
    expect(bad).toEqual([]);
    expect(calls).toBeGreaterThan(400);
    // The text divergence is confined to numbers whose exact decimal is not JS's String() form.
    expect([...divergent].sort()).toEqual(['1e21', '2^64', 'MAX_VALUE', 'MIN_VALUE']);
  });

  it('calls mixing valid and hostile arguments: both cores agree, refusals are TypeError/RangeError, the table survives', () => {
    const names = Object.keys(METHODS);
    const hv = hostileValues();
    const arb = fc.record({
      method: fc.constantFrom(...names),
      // Per position: valid (−1) or the index of a hostile value of the position's kind.
      picks: fc.array(fc.oneof({ weight: 2, arbitrary: fc.constant(-1) }, { weight: 3, arbitrary: fc.nat({ max: Math.max(hv.numbers.length, hv.arrays.length) - 1 }) }), { minLength: 4, maxLength: 4 }),
      // Valid-typed numbers at their edges, for the positions left valid.
      edges: fc.array(fc.constantFrom(0, 1, 99, 100, 101, 15, 16, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER, -0), { minLength: 4, maxLength: 4 }),
      useEdges: fc.boolean(),
    });
    fc.assert(
      fc.property(arb, ({ method, picks, edges, useEdges }) => {
        const spec = METHODS[method]!;
        let anyHostile = false;
        const r = both(method, () => {
          const args = spec.valid();
          const h = hostileValues();
          spec.kinds.forEach((kind, pos) => {
            const list = kind === 'n' ? h.numbers : h.arrays;
            const pick = picks[pos]!;
            if (pick >= 0 && pick < list.length) {
              args[pos] = list[pick]![1];
              anyHostile = anyHostile || !h.emptyWhenDetached.includes(list[pick]![0]);
            } else if (useEdges && kind === 'n') args[pos] = edges[pos];
          });
          return args;
        });
        expect(agree(r.native, r.ts).same, `native and TS cores disagree: ${JSON.stringify(r.native)} vs ${JSON.stringify(r.ts)}`).toBe(true);
        if (r.native.threw) expect(refusal(r.native), JSON.stringify(r.native)).toBe(true);
        if (anyHostile) expect(r.native.threw, 'a hostile argument was accepted').toBe(true);
        expect(r.intact, 'a refused call changed the table').toBe(true);
      }),
      { numRuns: MIXED_RUNS },
    );
  });
});
