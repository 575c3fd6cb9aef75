/**
 * Wiring: parse argv, run the command, map errors to exit codes and messages.
 * The library never prints; this is the only place that turns errors into text.
 * Each command's module is imported when that command runs, so `xenmem abi types` does not load the simulator,
 * the client or the benchmark suite (`xenmem --version` does not even get here: bin.ts answers it).
 */
import { InputError, XenError } from '@xenmem/abi-types';
import { parseArgv, type ParseContext } from './argv.js';
import type { Parsed } from './parsed.js';
import { EXIT_FAILURE, EXIT_USAGE, processIo, type Io } from './io.js';
import { BackendUnavailable, DaemonUnavailable, HostUnavailable, defaultEnv, type CliEnv } from './backend.js';

async function dispatch(p: Parsed, io: Io, env: CliEnv): Promise<number> {
  switch (p.command) {
    case 'abi types':
      return (await import('./commands/abi-types.js')).runAbiTypes(p.options, io);
    case 'abi diff':
      return (await import('./commands/abi-diff.js')).runAbiDiff(p.options, io);
    case 'abi layout':
      return (await import('./commands/abi-layout.js')).runAbiLayout(p.options, io);
    case 'abi check':
      return (await import('./commands/abi-check.js')).runAbiCheck(p.options, io);
    case 'compat':
      return (await import('./commands/compat.js')).runCompat(p.options, io);
    case 'demo':
      return (await import('./commands/demo.js')).runDemo(p.options, io);
    case 'bench':
      return (await import('./commands/bench.js')).runBenchCommand(p.options, io);
    case 'run':
      return (await import('./commands/run.js')).runRun(p.options, io, env);
    case 'sim serve':
      return (await import('./commands/sim.js')).runSimServe(p.options, io, env);
    case 'sim create-domain':
      return (await import('./commands/sim.js')).runSimCreateDomain(p.options, io, env);
    case 'sim destroy-domain':
      return (await import('./commands/sim.js')).runSimDestroyDomain(p.options, io, env);
    case 'sim inspect':
      return (await import('./commands/sim.js')).runSimInspect(p.options, io, env);
    case 'sim exec':
      return (await import('./commands/sim-exec.js')).runSimExec(p.options, io);
    case 'sim list':
      return (await import('./commands/sim.js')).runSimList(p.options, io, env);
    case 'xs read':
      return (await import('./commands/xs-read.js')).runXsRead(p.options, io);
    case 'xs write':
      return (await import('./commands/xs-write.js')).runXsWrite(p.options, io);
    case 'xs ls':
      return (await import('./commands/xs-ls.js')).runXsLs(p.options, io);
    case 'xs rm':
      return (await import('./commands/xs-rm.js')).runXsRm(p.options, io);
    case 'xs watch':
      return (await import('./commands/xs-watch.js')).runXsWatch(p.options, io, env);
    case 'guest':
      return (await import('./commands/guest.js')).runGuestAccess(p.options, io, env);
    case 'guest write-ram':
      return (await import('./commands/guest-ram.js')).runGuestWriteRam(p.options, io, env);
    case 'guest read-ram':
      return (await import('./commands/guest-ram.js')).runGuestReadRam(p.options, io, env);
    case 'completion':
      return (await import('./commands/completion.js')).runCompletion(p.options, io);
    case 'dm':
      return (await import('./commands/dm.js')).runDm(p.options, io, env);
    case 'gen':
      return (await import('./commands/gen.js')).runGen(p.options, io);
  }
}

/**
 * What the parser needs besides argv: the terminal's width, and for `xenmem bench` (only) its workload ids,
 * read from @xenmem/bench so that its help lists every one.
 */
async function parseContext(argv: readonly string[], io: Io): Promise<ParseContext> {
  const context: ParseContext = { ...(io.columns !== undefined && { columns: io.columns }) };
  if (argv.find((a) => !a.startsWith('-')) === 'bench') context.benchIds = (await import('@xenmem/bench')).WORKLOAD_IDS;
  return context;
}

/** How messages name the command: `xenmem dm set-mem-type`, `xenmem sim inspect`. */
function label(p: Parsed): string {
  if (p.command === 'dm') return `xenmem dm ${p.options.op}`;
  return `xenmem ${p.command === 'guest' ? `guest ${p.options.kind}` : p.command}`;
}

/**
 * Runs `xenmem` with `argv`. `env` replaces how commands reach a simulator daemon (tests pass a factory
 * over an in-process Hypervisor); by default the socket backend and the daemon are loaded on demand.
 */
export async function runCli(argv: readonly string[], io: Io = processIo, env: Partial<CliEnv> = {}): Promise<number> {
  const parsed = parseArgv(argv, await parseContext(argv, io));
  if ('exit' in parsed) {
    io.out(parsed.stdout);
    io.err(parsed.stderr);
    return parsed.exit;
  }
  try {
    return await dispatch(parsed, io, { ...defaultEnv, ...env });
  } catch (err) {
    if (err instanceof InputError) {
      io.err(`${label(parsed)}: ${err.message}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof XenError) {
      io.err(`${label(parsed)}: Xen returned ${err.code} (errno ${err.errno}) for ${err.op}\n`);
      return EXIT_FAILURE;
    }
    if (err instanceof HostUnavailable) {
      io.err(`${label(parsed)}: ${err.message}\n`);
      return EXIT_FAILURE;
    }
    if (err instanceof BackendUnavailable || err instanceof DaemonUnavailable) {
      io.err(`${label(parsed)}: ${err.message}\n  ${err.hint}\n`);
      return EXIT_FAILURE;
    }
    throw err;
  }
}
