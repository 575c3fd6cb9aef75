/**
 * The benchmark workloads (ids fixed by the issue). Each runs every implementation in the same process
 * and run: the native p2m core, the TypeScript core, and where it says so a `memset` floor (filling a
 * byte per page at memory speed). Tables are built outside the timed region; retypes go through the
 * simulator's full `dmOp` path (set_mem_type buffer in, no preemption) unless a workload says otherwise.
 *
 * `quick` shrinks the workloads whose cost grows with pages (or lookups, or runs) by 16× and keeps their
 * shape; it never shrinks `retype-uniform`. The ioreq and daemon workloads (./ioreq-workloads.ts) do not grow
 * with pages: `quick` takes fewer samples of them.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { encodeDmOp, hvmmemType, LATEST_INTERFACE_VERSION, p2mValue, SET_MEM_TYPE_NR_MAX, type HypercallOutcome } from '@xenmem/abi-types';
import { Hypervisor, mulberry32, type P2mCore, type P2mTable } from '@xenmem/hypervisor-sim';
import { dmopThroughputDaemon, ioreqRoundtripDaemon, ioreqRoundtripInproc } from './ioreq-workloads.js';
import { ioreqRoundtripQemu } from './qemu-workload.js';
import { BENCH_RELEASE } from './release.js';
import { measure, median, round4, summarize, summarizeRate, type MeasureOptions, type RateSummary, type SampleSummary } from './stats.js';
import { dmopThroughputState } from './state-workload.js';
import { cliStartup } from './startup-workload.js';
import type { Workload } from './workload.js';

/** Quick mode's shrink factor for workloads whose cost grows with pages. */
export const QUICK_SHRINK = 16;

const DOMID = 1;
const P2M_RAM_RW = p2mValue('p2m_ram_rw', BENCH_RELEASE)!;
const P2M_RAM_RO = p2mValue('p2m_ram_ro', BENCH_RELEASE)!;
const HVMMEM_RAM_RW = hvmmemType('ram_rw', LATEST_INTERFACE_VERSION);
const HVMMEM_RAM_RO = hvmmemType('ram_ro', LATEST_INTERFACE_VERSION);
/** A call's `nr` is 32-bit. */
const MAX_NR = SET_MEM_TYPE_NR_MAX;

type Impl = 'native' | 'ts';

/** A second, one-page domain: the target of `rewarm`'s calls, so they leave the measured table alone. */
const WARM_DOMID = 2;

interface SimDomain {
  hv: Hypervisor;
  table: P2mTable;
  setMemType: (nr: number, memType: number) => Promise<HypercallOutcome>;
  /**
   * Brings the set_mem_type call path back into the caches after an untimed rebuild of the table: a few
   * one-page calls on the second domain. Rebuilding a fragmented table takes hundreds of thousands of
   * `set` calls, which evict the dmOp and retype code and data; without this the next call pays tens of
   * µs of cache and TLB misses (measured: 2^20 alternating pages, native, 53 → 16 µs for the bare retype).
   * The memset floor it is compared with is timed warm too.
   */
  rewarm: () => Promise<void>;
  destroy: () => Promise<void>;
}

/**
 * `core` as a Hypervisor's p2m core (HypervisorOptions.p2m, which makes every domain's table), keeping the
 * tables it makes: the workloads rebuild a domain's table between timed calls with the P2mTable API, untimed.
 */
function keepingTables(core: P2mCore): { core: P2mCore; tables: P2mTable[] } {
  const tables: P2mTable[] = [];
  const createTable = (maxGpfn: number, initialType: number) => {
    const table = core.createTable(maxGpfn, initialType);
    tables.push(table);
    return table;
  };
  return { core: { kind: core.kind, createTable }, tables };
}

/** A simulator with one domain of `pages` pages (all ram_rw) on a core, and a set_mem_type call through dmOp. */
async function simDomain(core: P2mCore, pages: number): Promise<SimDomain> {
  const made = keepingTables(core);
  const hv = new Hypervisor({ release: BENCH_RELEASE, p2m: made.core, preempt: 'never' });
  const before = made.tables.length;
  await hv.createDomain({ domid: DOMID, maxGpfn: pages - 1 });
  if (made.tables.length !== before + 1) throw new Error(`creating domain ${DOMID} made ${made.tables.length - before} p2m tables, expected one`);
  const table = made.tables[before]!;
  await hv.createDomain({ domid: WARM_DOMID, maxGpfn: 0 });
  const call = (domid: number, nr: number, memType: number) => hv.dmOp(0, domid, [encodeDmOp('set_mem_type', { first_pfn: 0n, nr, mem_type: memType, pad: 0 })]);
  return {
    hv,
    table,
    setMemType: (nr, memType) => call(DOMID, nr, memType),
    rewarm: async () => {
      for (let i = 0; i < 10; i++) expectRetyped(1)(await call(WARM_DOMID, 1, HVMMEM_RAM_RW));
    },
    destroy: async () => {
      await hv.destroyDomain(WARM_DOMID);
      await hv.destroyDomain(DOMID);
    },
  };
}

/** Throws unless a set_mem_type outcome succeeded over `nr` pages (so a benchmark never times a failure). */
function expectRetyped(nr: number): (r: unknown) => void {
  return (r) => {
    const o = r as HypercallOutcome;
    if (o.rc !== 0 || o.progress !== nr) throw new Error(`set_mem_type failed during the benchmark: rc ${o.rc}, progress ${o.progress} of ${nr} pages`);
  };
}

/**
 * Sets a table to `runs` equal runs over `pages` pages alternating `first`/`second` (the last run takes
 * the remainder). Uses the P2mTable API directly: runs/2 calls.
 */
export function buildAlternating(table: P2mTable, pages: number, runs: number, first: number, second: number): void {
  const len = Math.floor(pages / runs);
  table.set(0, pages, first);
  for (let r = 1; r < runs; r += 2) {
    const start = r * len;
    table.set(start, r === runs - 1 ? pages - start : len, second);
  }
}

/** memset floor: filling `bytes` bytes of one buffer (allocated and faulted in before timing). */
async function measureMemset(bytes: number, options: MeasureOptions): Promise<SampleSummary> {
  let buf: Buffer | undefined = Buffer.alloc(bytes);
  let v = 0;
  const ns = await measure({ run: () => buf!.fill((v = (v + 1) & 0xff)) }, options);
  buf = undefined;
  return summarize(ns);
}


const retypeUniform: Workload = {
  id: 'retype-uniform',
  title: '2^28-page (1 TiB) domain, all ram_rw, retyped to ram_ro in one set_mem_type call through dmOp',
  async run(ctx) {
    const pages = 2 ** 28; // never shrunk: its cost does not grow with pages
    const results: Record<string, SampleSummary> = {};
    for (const impl of ['native', 'ts'] as Impl[]) {
      ctx.progress(`retype-uniform: ${impl}`);
      const d = await simDomain(ctx[impl], pages);
      results[impl] = summarize(
        await measure(
          { setup: () => d.table.set(0, pages, P2M_RAM_RW), run: () => d.setMemType(pages, HVMMEM_RAM_RO), check: expectRetyped(pages) },
          // One call costs microseconds: thousands of warm-up calls let V8 optimise the dmOp path first.
          { warmup: 3000, samples: 2001 },
        ),
      );
      await d.destroy();
    }
    ctx.progress('retype-uniform: memset');
    results['memset'] = await measureMemset(pages, { warmup: 2, samples: 11 });
    return { id: 'retype-uniform', params: { pages, runs: 1, from: 'ram_rw', to: 'ram_ro', path: 'dmOp', preempt: 'never', xen: BENCH_RELEASE, memsetBytes: pages }, results };
  },
};

const retypeFragmented: Workload = {
  id: 'retype-fragmented',
  title: '2^24 pages alternating ram_rw/ram_ro page by page, retyped to ram_rw in one call through dmOp',
  async run(ctx) {
    const pages = ctx.quick ? 2 ** 24 / QUICK_SHRINK : 2 ** 24;
    const results: Record<string, SampleSummary> = {};
    for (const impl of ['native', 'ts'] as Impl[]) {
      const d = await simDomain(ctx[impl], pages);
      let sample = 0;
      // Each sample rebuilds the table (2^23 set calls at full size, seconds for the TS core).
      const options = ctx.quick ? { warmup: 2, samples: 11 } : { warmup: 1, samples: 5 };
      results[impl] = summarize(
        await measure(
          {
            setup: async () => {
              ctx.progress(`retype-fragmented: ${impl}: building ${pages / 2} runs of ram_ro (run ${++sample} of ${options.warmup + options.samples}, untimed)`);
              buildAlternating(d.table, pages, pages, P2M_RAM_RW, P2M_RAM_RO);
              await d.rewarm();
            },
            run: () => d.setMemType(pages, HVMMEM_RAM_RW),
            check: expectRetyped(pages),
          },
          options,
        ),
      );
      await d.destroy();
    }
    ctx.progress('retype-fragmented: memset');
    results['memset'] = await measureMemset(pages, { warmup: 5, samples: 51 });
    return { id: 'retype-fragmented', params: { pages, runs: pages, from: 'ram_rw/ram_ro alternating', to: 'ram_rw', path: 'dmOp', preempt: 'never', xen: BENCH_RELEASE, memsetBytes: pages }, results };
  },
};

const lookupRandom: Workload = {
  id: 'lookup-random',
  title: '10^7 uniformly random gfn lookups in one getMany batch, 2^24-page table of 2^16 runs',
  async run(ctx) {
    const lookups = ctx.quick ? 10 ** 7 / QUICK_SHRINK : 10 ** 7;
    const pages = 2 ** 24;
    const runs = 2 ** 16;
    const next = mulberry32(0x5eed);
    const gfns = new Float64Array(lookups);
    for (let i = 0; i < lookups; i++) gfns[i] = Math.floor(next() * pages);
    const results: Record<string, RateSummary> = {};
    let reference: Uint8Array | undefined;
    for (const impl of ['native', 'ts'] as Impl[]) {
      ctx.progress(`lookup-random: ${impl}`);
      const table = ctx[impl].createTable(pages - 1, P2M_RAM_RW);
      buildAlternating(table, pages, runs, P2M_RAM_RW, P2M_RAM_RO);
      // Both cores must answer the same (checked once, untimed).
      const answer = table.getMany(gfns);
      if (reference && Buffer.compare(reference, answer) !== 0) throw new Error('lookup-random: the native and TypeScript cores disagree');
      reference = answer;
      const ns = await measure({ run: () => table.getMany(gfns) }, ctx.quick ? { warmup: 1, samples: 5 } : { warmup: 1, samples: 7 });
      results[impl] = summarizeRate(ns, lookups);
      table.dispose();
    }
    return { id: 'lookup-random', params: { lookups, pages, runs, api: 'getMany', seed: 0x5eed }, results };
  },
};

/** One point of a scaling series. */
export interface ScalingPoint extends SampleSummary {
  /** The domain's size in pages. */
  pages: number;
  /** The number of runs the table was built of before each retype. */
  runs: number;
}

const scaling: Workload = {
  id: 'scaling',
  title: 'retype cost against domain size (8 runs) and against the number of runs, both cores, through dmOp',
  async run(ctx) {
    const sizes = [16, 20, 24, 28, 32].map((e) => 2 ** e);
    const sizeRuns = 8;
    const runsPages = ctx.quick ? 2 ** 24 / QUICK_SHRINK : 2 ** 24;
    const maxRunsExp = ctx.quick ? 16 : 20;
    const runCounts: number[] = [];
    for (let e = 0; e <= maxRunsExp; e += 2) runCounts.push(2 ** e);
    const results: Record<string, { bySize: ScalingPoint[]; byRuns: ScalingPoint[] }> = {};
    for (const impl of ['native', 'ts'] as Impl[]) {
      const bySize: ScalingPoint[] = [];
      for (const pages of sizes) {
        ctx.progress(`scaling: ${impl}: ${pages} pages`);
        const d = await simDomain(ctx[impl], pages);
        const nr = Math.min(pages, MAX_NR);
        const s = summarize(
          await measure(
            { setup: () => buildAlternating(d.table, pages, sizeRuns, P2M_RAM_RO, P2M_RAM_RW), run: () => d.setMemType(nr, HVMMEM_RAM_RW), check: expectRetyped(nr) },
            { warmup: 5, samples: 21 },
          ),
        );
        bySize.push({ pages, runs: sizeRuns, ...s });
        await d.destroy();
      }
      const byRuns: ScalingPoint[] = [];
      const d = await simDomain(ctx[impl], runsPages);
      for (const runs of runCounts) {
        ctx.progress(`scaling: ${impl}: ${runs} runs`);
        const options = runs >= 2 ** 16 ? { warmup: 1, samples: 5 } : { warmup: 3, samples: 11 };
        const s = summarize(
          await measure(
            { setup: () => buildAlternating(d.table, runsPages, runs, P2M_RAM_RO, P2M_RAM_RW), run: () => d.setMemType(runsPages, HVMMEM_RAM_RW), check: expectRetyped(runsPages) },
            options,
          ),
        );
        byRuns.push({ pages: runsPages, runs, ...s });
      }
      await d.destroy();
      results[impl] = { bySize, byRuns };
    }
    return { id: 'scaling', params: { sizes, sizeRuns, runsPages, runCounts, to: 'ram_rw', path: 'dmOp', preempt: 'never', xen: BENCH_RELEASE, maxNr: MAX_NR }, results };
  },
};

/** Code run in a child process: RSS before and after creating a 2^32-page domain with `runs` runs. */
const MEMORY_CHILD = `
const { Hypervisor, loadNativeP2mCore, tsP2mCore } = await import(process.env.XENMEM_BENCH_MODULE);
const core = process.env.XENMEM_BENCH_CORE === 'native' ? loadNativeP2mCore() : tsP2mCore;
const runs = Number(process.env.XENMEM_BENCH_RUNS);
const ro = Number(process.env.XENMEM_BENCH_RO);
const hv = new Hypervisor({ release: process.env.XENMEM_BENCH_XEN, p2m: core });
await hv.createDomain({ domid: 2, maxGpfn: 0xffff });
await hv.seedP2m(2, 0x10n, 1, ro);
await hv.destroyDomain(2);
globalThis.gc?.();
const before = process.memoryUsage().rss;
const pages = 2 ** 32;
await hv.createDomain({ domid: 1, maxGpfn: pages - 1 });
const len = Math.floor(pages / runs);
for (let r = 1; r < runs; r += 2) {
  const start = r * len;
  await hv.seedP2m(1, BigInt(start), r === runs - 1 ? pages - start : len, ro);
}
globalThis.gc?.();
const after = process.memoryUsage().rss;
process.stdout.write(JSON.stringify({ before, after, runs: (await hv.inspect(1)).p2m.length }));
`;

async function memoryChild(core: Impl, runs: number): Promise<{ before: number; after: number; runs: number }> {
  const module = pathToFileURL(createRequire(import.meta.url).resolve('@xenmem/hypervisor-sim')).href;
  const env = { ...process.env, XENMEM_BENCH_MODULE: module, XENMEM_BENCH_CORE: core, XENMEM_BENCH_RUNS: String(runs), XENMEM_BENCH_RO: String(P2M_RAM_RO), XENMEM_BENCH_XEN: BENCH_RELEASE };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', MEMORY_CHILD], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`memory-16tib: the ${core} child exited ${code}: ${err.trim()}`));
      else resolve(JSON.parse(out) as { before: number; after: number; runs: number });
    });
  });
}

const memory16tib: Workload = {
  id: 'memory-16tib',
  title: 'resident memory of a 2^32-page (16 TiB) domain with 1,000 runs (child process per core: RSS after creating it minus before)',
  async run(ctx) {
    const runs = 1000;
    const children = 3;
    const limitMiB = 16;
    const results: Record<string, { rssDeltaMiB: number; maxRssDeltaMiB: number; withinLimit: boolean; samples: number }> = {};
    for (const impl of ['native', 'ts'] as Impl[]) {
      const deltas: number[] = [];
      for (let i = 0; i < children; i++) {
        ctx.progress(`memory-16tib: ${impl}: child ${i + 1} of ${children}`);
        const r = await memoryChild(impl, runs);
        if (r.runs !== runs) throw new Error(`memory-16tib: the ${impl} table has ${r.runs} runs, expected ${runs}`);
        deltas.push((r.after - r.before) / 2 ** 20);
      }
      const max = Math.max(...deltas);
      results[impl] = { rssDeltaMiB: round4(median(deltas)), maxRssDeltaMiB: round4(max), withinLimit: max < limitMiB, samples: deltas.length };
    }
    return { id: 'memory-16tib', params: { pages: 2 ** 32, runs, limitMiB, xen: BENCH_RELEASE }, results };
  },
};

export const WORKLOADS: readonly Workload[] = [retypeUniform, retypeFragmented, lookupRandom, ioreqRoundtripInproc, ioreqRoundtripDaemon, ioreqRoundtripQemu, dmopThroughputDaemon, scaling, memory16tib, dmopThroughputState, cliStartup];
