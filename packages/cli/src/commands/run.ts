/**
 * `xenmem run <scenario.json|yaml> [--xen R] [--iface V] [--json]`: runs a scenario file (an executable
 * spec) on the in-process simulator and says, step by step, what Xen answered and whether the
 * expectation held. Exit 0 if every `expect` holds, 1 if one does not, 2 if the file is unusable (each
 * problem on stderr as `path: message`). `--xen`/`--iface` override the file's `xen`/`iface`.
 * With `--socket PATH` the scenario runs on the daemon instead (docs/scenarios.md): its domains are created there (a domid that
 * exists is exit 2) and destroyed when the run ends (`--keep` leaves them), and its `xen` must be the daemon's
 * release (else exit 2); the daemon's own preemption policy applies.
 */
import { InputError } from '@xenmem/abi-types';
import { formatProblem, hypervisorForScenario, loadScenarioFile, runScenario, SCENARIO_SCHEMA_PATH, ScenarioError, type ScenarioProblem, type ScenarioResult, type StepResult } from '@xenmem/hypervisor-sim';
import type { SimulatorBackend } from '@xenmem/sim-protocol';
import type { CommandOptions } from '../parsed.js';
import { withBackend, type CliEnv } from '../backend.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type Io } from '../io.js';
import { printJson } from '../output.js';

export type RunOptions = CommandOptions<'run'>;

/** Where the format is described: the JSON Schema of the installed @xenmem/hypervisor-sim, where the CLI runs. */
const FORMAT_HINT = `The format is described by ${SCENARIO_SCHEMA_PATH} (xenmem run --help shows an example).`;

/** The problems a loaded scenario can have that are not its format: a file that cannot be read, a bad --xen or --iface. */
const notFormat = (p: ScenarioProblem) => p.path === '--xen' || p.path === '--iface' || (p.path === '' && p.message.startsWith('cannot read '));

function printProblems(io: Io, source: string, problems: ScenarioProblem[]): number {
  // A bad --xen or --iface is reported alone: the file's checks at another version would only mislead.
  const flags = problems.filter((p) => p.path === '--xen' || p.path === '--iface');
  const shown = flags.length ? flags : problems;
  const hint = shown.every(notFormat) ? '' : `${FORMAT_HINT}\n`;
  io.err(`xenmem run: ${source} is not a usable scenario:\n${shown.map((p) => `  ${formatProblem(p)}\n`).join('')}${hint}`);
  return EXIT_USAGE;
}

/** The first request of a guest access, in words: `copy write 0x100010 size 4 → gpu`. */
function describeIoreqs(ioreqs: { server: unknown; type: string; dir: string; addr: string; size: number }[]): string {
  if (!ioreqs.length) return '';
  const r = ioreqs[0]!;
  return ` (${r.type} ${r.dir} ${r.addr} size ${r.size} → ${String(r.server)}${ioreqs.length > 1 ? `, +${ioreqs.length - 1} more` : ''})`;
}

/** A step's result in words: `ok, changed 16`, `-EAGAIN, changed 8`, `type ram_ro`, `outcome ioreq (…)`. */
export function describeStep(s: StepResult): string {
  if (s.skipped !== undefined) return `skipped: ${s.skipped}`;
  const head = s.rc === 0 ? 'ok' : `-${s.error}${s.reason ? ` [${s.reason.id}]` : ''}`;
  const parts: string[] = [];
  switch (s.op) {
    case 'set_mem_type':
    case 'modified_memory':
      if (s.changed !== null && s.changed !== undefined) parts.push(`changed ${s.changed}`);
      break;
    case 'get_mem_type':
      if (s.rc === 0) parts.push(s.type === null ? `mem_type ${s.mem_type} (no name at this interface version)` : `type ${s.type}`);
      break;
    case 'create_ioreq_server':
      if (s.rc === 0) parts.push(`id ${s.id}${s.server !== undefined ? ` (${s.server})` : ''}`);
      break;
    case 'get_ioreq_server_info':
      if (s.rc === 0) parts.push(`bufioreq_port ${s.bufioreq_port}`);
      break;
    case 'track_dirty_vram':
      if (s.rc === 0) parts.push(`${s.dirtyCount} dirty`);
      break;
    case 'nr_vcpus':
      if (s.rc === 0) parts.push(`vcpus ${s.vcpus}`);
      break;
    case 'inspect': {
      const claim = s.ioreqClaim as { owner: unknown; entryCount: number };
      parts.push(`owner ${claim.owner ?? 'none'}, entry_count ${claim.entryCount}, ${(s.p2m as unknown[]).length} p2m runs`);
      break;
    }
    case 'guest_read':
    case 'guest_write':
    case 'guest_in':
    case 'guest_out': {
      const ioreqs = s.ioreqs as { server: unknown; type: string; dir: string; addr: string; size: number }[];
      return `outcome ${s.outcome}${describeIoreqs(ioreqs)}${s.value !== null ? `, value ${s.value}` : ''}`;
    }
  }
  if (typeof s.continuations === 'number' && s.continuations > 0) parts.push(`${s.continuations} continuation${s.continuations === 1 ? '' : 's'}`);
  return [head, ...parts].join(', ');
}

function mark(s: StepResult): string {
  if (s.expectMet === null) return '-';
  if (s.expectMet) return '✓';
  const why = (s.mismatches ?? []).map((m) => `${m.field}: expected ${JSON.stringify(m.expected)}, got ${JSON.stringify(m.actual)}`).join('; ');
  return `✗ ${why}`;
}

export function printHuman(io: Io, result: ScenarioResult): void {
  const rows = result.steps.map((s) => [String(s.index), s.op, describeStep(s), mark(s)]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  // A refused step's reason sentence goes on a line of its own under its result (the id is in the row).
  const indent = ' '.repeat(widths[0]! + widths[1]! + 4);
  rows.forEach((r, i) => {
    io.out(`${r[0]!.padStart(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  ${r[2]!.padEnd(widths[2]!)}  ${r[3]}\n`);
    const reason = result.steps[i]!.reason;
    if (reason) io.out(`${indent}why: ${reason.message}\n`);
  });
  const expected = result.steps.filter((s) => s.expectMet !== null);
  const failed = expected.filter((s) => s.expectMet === false);
  const verdict = failed.length ? `${failed.length} did not hold (step${failed.length === 1 ? '' : 's'} ${failed.map((s) => s.index).join(', ')})` : 'all held';
  io.out(`Xen ${result.xen}, iface ${result.iface}: ${result.steps.length} steps, ${expected.length} expectations, ${verdict}\n`);
}

/** What to do about a scenario the daemon refused: a domid it already has, or another release. */
function printRefusal(io: Io, source: string, socket: string, problems: ScenarioProblem[]): number {
  io.err(`xenmem run: the daemon at ${socket} refused ${source}:\n${problems.map((p) => `  ${formatProblem(p)}\n`).join('')}`);
  for (const p of problems) {
    const taken = /domid (\d+) already exists/.exec(p.message);
    if (taken) io.err(`  domain ${taken[1]} is already on the daemon (a run destroys the domains it created unless --keep): xenmem sim destroy-domain --socket ${socket} --domid ${taken[1]} ends it\n`);
    else if (p.path === 'xen') io.err(`  run it on a daemon of the scenario's release (xenmem sim serve --xen R), or give run --xen\n`);
  }
  return EXIT_USAGE;
}

/**
 * Runs `body` on the daemon with a backend that records the domains the run creates (and those it destroys
 * itself), then destroys what is left of them unless `keep`, whether the run succeeded or not.
 */
async function onDaemon<T>(backend: SimulatorBackend, keep: boolean, body: (backend: SimulatorBackend) => Promise<T>): Promise<T> {
  const created = new Set<number>();
  const recording = new Proxy(backend, {
    get(target, key, receiver) {
      if (key === 'createDomain') return async (config: { domid: number }) => (await target.createDomain(config as Parameters<SimulatorBackend['createDomain']>[0]), created.add(config.domid));
      if (key === 'destroyDomain') return async (domid: number) => (await target.destroyDomain(domid), created.delete(domid));
      const v = Reflect.get(target, key, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  try {
    return await body(recording);
  } finally {
    if (!keep)
      for (const domid of created) {
        try {
          await backend.destroyDomain(domid);
        } catch (err) {
          // A domain already gone (a scenario step ended it) is what we wanted.
          if (!(err instanceof InputError)) throw err;
        }
      }
  }
}

export async function runRun(opts: RunOptions, io: Io, env?: CliEnv): Promise<number> {
  const loaded = loadScenarioFile(opts.scenario, { ...(opts.xen !== undefined && { xen: opts.xen }), ...(opts.iface !== undefined && { iface: opts.iface }) });
  if (!loaded.ok) return printProblems(io, opts.scenario, loaded.problems);
  let result: ScenarioResult;
  try {
    const scenario = loaded.scenario;
    result =
      opts.socket !== undefined && env
        ? await withBackend(env, opts.socket, 0, (backend) => onDaemon(backend, opts.keep === true, (b) => runScenario(scenario, b, { reasons: true })))
        : await runScenario(scenario, hypervisorForScenario(scenario), { reasons: true });
  } catch (err) {
    if (err instanceof ScenarioError) return opts.socket !== undefined ? printRefusal(io, opts.scenario, opts.socket, err.problems) : printProblems(io, opts.scenario, err.problems);
    throw err;
  }
  if (opts.json) printJson(io, result);
  else printHuman(io, result);
  return result.passed ? EXIT_OK : EXIT_FAILURE;
}
