/**
 * cli-startup: what one `xenmem` invocation costs a script that calls it in a loop, against starting node itself.
 * Each sample spawns a process and waits for it to exit: `node-bare` (`node -e 0`, the floor), `version`
 * (`xenmem --version`) and `dm-oneshot` (`xenmem dm get-mem-type` over the socket to a daemon started for the
 * workload). The three are spawned in turn, sample by sample, so that a machine that gets busier part way through
 * slows each of them alike and their ratios stay comparable; every process is the same node binary. The goals
 * (CLI_STARTUP_TARGETS, report.ts): version p50 ≤ 1.5 × and dm-oneshot p50 ≤ 2 × node-bare's.
 */
import { spawnSync } from 'node:child_process';
import { withDaemon, type NotRun } from './ioreq-workloads.js';
import { BENCH_RELEASE } from './release.js';
import { summarize, type SampleSummary } from './stats.js';
import type { Workload } from './workload.js';

/** Samples of each command (after the warm-up ones): full run and `--quick`. */
export const STARTUP_SAMPLES = { full: { warmup: 3, samples: 101 }, quick: { warmup: 1, samples: 11 } } as const;

/** The domain and page `dm-oneshot` asks about: domain 1 of the benchmark daemon (bench-daemon.mjs --domain-runs 0). */
const DOMID = 1;
const PFN = '0x100';

/** One command of the workload: its argv and what its stdout must be (checked after every sample, untimed). */
interface Spawned {
  argv: readonly string[];
  check(stdout: string): boolean;
}

/** Runs `command` once; its wall time in ns from spawn to exit. Throws when it fails or prints the wrong thing. */
function spawnOnce(impl: string, command: Spawned): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(command.argv[0]!, command.argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const ns = Number(process.hrtime.bigint() - t0);
  if (r.status !== 0 || !command.check(r.stdout)) throw new Error(`cli-startup: ${impl} (${command.argv.join(' ')}) exited ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim()}`);
  return ns;
}

/** `warmup` + `samples` rounds, each spawning every command once, in turn; the samples per command. */
export function spawnRounds(commands: Record<string, Spawned>, options: { warmup: number; samples: number }): Record<string, number[]> {
  const ns: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (let i = 0; i < options.warmup + options.samples; i++)
    for (const [impl, command] of Object.entries(commands)) {
      const t = spawnOnce(impl, command);
      if (i >= options.warmup) ns[impl]!.push(t);
    }
  return ns;
}

export const cliStartup: Workload = {
  id: 'cli-startup',
  title: 'one process spawned and waited for, per sample: node -e 0 (node-bare), xenmem --version (version) and xenmem dm get-mem-type over the socket to a running daemon (dm-oneshot), in turn',
  async run(ctx) {
    const options = ctx.quick ? STARTUP_SAMPLES.quick : STARTUP_SAMPLES.full;
    const params = { ...options, op: 'get-mem-type', transport: 'socket', xen: BENCH_RELEASE };
    const xenmem = ctx.xenmem;
    if (xenmem === undefined) {
      const missing: NotRun = { error: 'no xenmem command to time (run it as `xenmem bench`)' };
      return { id: 'cli-startup', params, results: { 'node-bare': missing, version: missing, 'dm-oneshot': missing } };
    }
    const version = spawnSync(xenmem[0]!, [...xenmem.slice(1), '--version'], { encoding: 'utf8' }).stdout;
    return withDaemon(
      async (socket) => {
        ctx.progress(`cli-startup: ${options.warmup + options.samples} rounds of node-bare, version, dm-oneshot`);
        const ns = spawnRounds(
          {
            'node-bare': { argv: [process.execPath, '-e', '0'], check: (out) => out === '' },
            version: { argv: [...xenmem, '--version'], check: (out) => out === version && /^\d+\.\d+\.\d+/.test(out) },
            'dm-oneshot': {
              argv: [...xenmem, 'dm', '--socket', socket, 'get-mem-type', '--domid', String(DOMID), '--pfn', PFN, '--json'],
              // Anything but `{ "rc": 0, … }` (an error text, a truncated line) fails the check, which names the command.
              check: (out) => {
                try {
                  return (JSON.parse(out) as { rc?: unknown }).rc === 0;
                } catch {
                  return false;
                }
              },
            },
          },
          options,
        );
        const results: Record<string, SampleSummary> = {};
        for (const [impl, samples] of Object.entries(ns)) results[impl] = summarize(samples);
        return { id: 'cli-startup', params: { ...params, version: version.trim() }, results };
      },
      () => ['--domain-runs', '0'],
    );
  },
};
