/**
 * `xenmem bench --quick --json --only cli-startup`, run as users run it: the CLI hands @xenmem/bench its own bin,
 * the three commands are spawned 11 times each (after a warm-up round) against a daemon the workload starts and
 * stops, and nothing is left behind. No timing is asserted.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { captureIo, runCli } from '../src/index.js';

const benchDirs = () => readdirSync(tmpdir()).filter((n) => n.startsWith('xenmem-bench-')).sort();
const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('xenmem bench --quick --json --only cli-startup', () => {
  it('times node-bare, version and dm-oneshot, 11 samples each, and leaves no daemon directory behind', { timeout: 180_000 }, async () => {
    const before = benchDirs();
    const io = captureIo();
    expect(await runCli(['bench', '--quick', '--json', '--only', 'cli-startup'], io)).toBe(0);
    expect(io.stderr).toBe('');
    const doc = JSON.parse(io.stdout) as { workloads: { id: string; params: Record<string, unknown>; results: Record<string, Record<string, number>> }[] };
    expect(doc.workloads.map((w) => w.id)).toEqual(['cli-startup']);
    const w = doc.workloads[0]!;
    expect(w.params).toEqual({ warmup: 1, samples: 11, op: 'get-mem-type', transport: 'socket', xen: '4.22', version: VERSION });
    expect(Object.keys(w.results)).toEqual(['node-bare', 'version', 'dm-oneshot']);
    for (const [impl, r] of Object.entries(w.results)) {
      expect(Object.keys(r), impl).toEqual(['medianMs', 'p50Us', 'p99Us', 'samples']);
      expect(r['samples']).toBe(11);
      expect(r['p50Us']).toBeGreaterThan(0);
      expect(r['p50Us']!).toBeLessThanOrEqual(r['p99Us']!);
    }
    expect(benchDirs()).toEqual(before);
  });
});
