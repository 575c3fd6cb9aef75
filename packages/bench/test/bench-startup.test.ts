/**
 * cli-startup: its place among the workloads, its rounds (every command spawned in turn, warm-up rounds dropped,
 * a failed or wrong output named), what it reports without a xenmem command, and its part of docs/benchmarks.md
 * (the ratios to node-bare beside their goals). The command's own --quick run of it is in
 * packages/cli/test/bench-command.test.ts. No timing is asserted.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsP2mCore } from '@xenmem/hypervisor-sim';
import { describe, expect, it } from 'vitest';
import { CLI_STARTUP_TARGETS, ratioLines, renderMarkdown } from '../src/report.js';
import { selectWorkloads } from '../src/runner.js';
import { cliStartup, spawnRounds, STARTUP_SAMPLES } from '../src/startup-workload.js';
import { WORKLOAD_IDS } from '../src/workload.js';

const timed = (p50Us: number) => ({ medianMs: p50Us / 1000, p50Us, p99Us: p50Us * 2, samples: 101 });

describe('cli-startup', () => {
  it('is the last workload; --quick takes 11 samples after 1 warm-up round, a full run 101 after 3', () => {
    expect(WORKLOAD_IDS.at(-1)).toBe('cli-startup');
    expect(selectWorkloads(['cli-startup', 'scaling'])).toEqual(['scaling', 'cli-startup']);
    expect(STARTUP_SAMPLES).toEqual({ full: { warmup: 3, samples: 101 }, quick: { warmup: 1, samples: 11 } });
  });

  it('spawns each command once per round, in turn, and keeps the samples after the warm-up rounds', { timeout: 60_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'xenmem-bench-startup-'));
    try {
      const log = join(dir, 'log');
      const appending = (word: string) => ({ argv: [process.execPath, '-e', `require('node:fs').appendFileSync(${JSON.stringify(log)}, '${word} '); process.stdout.write('${word}')`], check: (out: string) => out === word });
      const ns = spawnRounds({ a: appending('a'), b: appending('b') }, { warmup: 1, samples: 2 });
      expect(readFileSync(log, 'utf8')).toBe('a b a b a b ');
      expect(Object.keys(ns)).toEqual(['a', 'b']);
      expect([ns['a']!.length, ns['b']!.length]).toEqual([2, 2]);
      for (const x of [...ns['a']!, ...ns['b']!]) expect(x).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the command that failed or printed the wrong thing', { timeout: 30_000 }, () => {
    expect(() => spawnRounds({ bad: { argv: [process.execPath, '-e', 'console.error("no"); process.exit(3)'], check: () => true } }, { warmup: 0, samples: 1 })).toThrow(
      `cli-startup: bad (${process.execPath} -e console.error("no"); process.exit(3)) exited 3: no`,
    );
    expect(() => spawnRounds({ quiet: { argv: [process.execPath, '-e', '0'], check: (out) => out === '0.1.0\n' } }, { warmup: 0, samples: 1 })).toThrow(`cli-startup: quiet (${process.execPath} -e 0) exited 0: `);
  });

  it('without a xenmem command, reports each impl as not run, and why', async () => {
    const r = await cliStartup.run({ quick: true, native: tsP2mCore, ts: tsP2mCore, progress: () => {} });
    const missing = { error: 'no xenmem command to time (run it as `xenmem bench`)' };
    expect(r).toEqual({ id: 'cli-startup', params: { warmup: 1, samples: 11, op: 'get-mem-type', transport: 'socket', xen: '4.22' }, results: { 'node-bare': missing, version: missing, 'dm-oneshot': missing } });
    expect(ratioLines(r.results)).toEqual([]);
  });
});

describe('report of cli-startup', () => {
  it('the goals are the issue’s: version ≤ 1.5 ×, dm-oneshot ≤ 2 × node-bare’s p50', () => {
    expect(CLI_STARTUP_TARGETS).toEqual([
      { impl: 'version', max: 1.5 },
      { impl: 'dm-oneshot', max: 2 },
    ]);
  });

  it('states each ratio to node-bare next to its goal', () => {
    expect(ratioLines({ 'node-bare': timed(40_000), version: timed(44_000), 'dm-oneshot': timed(100_000) })).toEqual([
      'version p50 / node-bare p50 = 1.10× (goal ≤ 1.5: met)',
      'dm-oneshot p50 / node-bare p50 = 2.50× (goal ≤ 2: not met)',
    ]);
    expect(ratioLines({ 'node-bare': timed(40_000), version: timed(60_000), 'dm-oneshot': { error: 'no daemon' } })).toEqual(['version p50 / node-bare p50 = 1.50× (goal ≤ 1.5: met)']);
  });

  it('docs/benchmarks.md tables the three commands and says how they are measured', () => {
    const doc = { machine: { cpus: 2, node: 'v20.10.0', rustc: null }, workloads: [{ id: 'cli-startup' as const, params: { samples: 101 }, results: { 'node-bare': timed(40_000), version: timed(44_000), 'dm-oneshot': timed(70_000) } }] };
    const md = renderMarkdown(doc);
    expect(md).toContain('## `cli-startup`');
    expect(md).toContain('| impl | median | p50 | p99 | samples |');
    expect(md).toContain('| node-bare | 40.0 ms | 40.0 ms | 80.0 ms | 101 |');
    expect(md).toContain('| dm-oneshot | 70.0 ms | 70.0 ms | 140 ms | 101 |');
    expect(md).toContain('- version p50 / node-bare p50 = 1.10× (goal ≤ 1.5: met)\n- dm-oneshot p50 / node-bare p50 = 1.75× (goal ≤ 2: met)\n');
    expect(md).toContain('Its goals, as ratios of p50s in the same run: `version` ≤ 1.5 × and `dm-oneshot` ≤ 2 × `node-bare`.');
  });
});
