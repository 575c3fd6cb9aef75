/**
 * Wiring: parse argv, run the command, map errors to exit codes and messages.
 * The library never prints; this is the only place that turns errors into text.
 */
import { InputError, XenError } from '@xenmem/abi-types';
import { parseArgv, type Parsed } from './argv.js';
import { EXIT_FAILURE, EXIT_USAGE, processIo, type Io } from './io.js';
import { runAbiDiff } from './commands/abi-diff.js';
import { runAbiLayout } from './commands/abi-layout.js';
import { runAbiTypes } from './commands/abi-types.js';
import { runCompat } from './commands/compat.js';
import { runDemo } from './commands/demo.js';
import { runBenchCommand } from './commands/bench.js';
import { runAbiCheck } from './commands/abi-check.js';
import { runRun } from './commands/run.js';
import { runDm } from './commands/dm.js';
import { runSimCreateDomain, runSimDestroyDomain, runSimInspect, runSimServe } from './commands/sim.js';
import { BackendUnavailable, DaemonUnavailable, defaultEnv, type CliEnv } from './backend.js';

function dispatch(p: Parsed, io: Io, env: CliEnv): number | Promise<number> {
  switch (p.command) {
    case 'abi types':
      return runAbiTypes(p.options, io);
    case 'abi diff':
      return runAbiDiff(p.options, io);
    case 'abi layout':
      return runAbiLayout(p.options, io);
    case 'abi check':
      return runAbiCheck(p.options, io);
    case 'compat':
      return runCompat(p.options, io);
    case 'demo':
      return runDemo(p.options, io);
    case 'bench':
      return runBenchCommand(p.options, io);
    case 'run':
      return runRun(p.options, io, env);
    case 'sim serve':
      return runSimServe(p.options, io, env);
    case 'sim create-domain':
      return runSimCreateDomain(p.options, io, env);
    case 'sim destroy-domain':
      return runSimDestroyDomain(p.options, io, env);
    case 'sim inspect':
      return runSimInspect(p.options, io, env);
    case 'dm':
      return runDm(p.options, io, env);
  }
}

/** How messages name the command: `xenmem dm set-mem-type`, `xenmem sim inspect`. */
function label(p: Parsed): string {
  return `xenmem ${p.command === 'dm' ? `dm ${p.options.op}` : p.command}`;
}

/**
 * Runs `xenmem` with `argv`. `env` replaces how commands reach a simulator daemon (tests pass a factory
 * over an in-process Hypervisor); by default the socket backend and the daemon are loaded on demand.
 */
export async function runCli(argv: readonly string[], io: Io = processIo, env: Partial<CliEnv> = {}): Promise<number> {
  const parsed = parseArgv(argv);
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
    if (err instanceof BackendUnavailable || err instanceof DaemonUnavailable) {
      io.err(`${label(parsed)}: ${err.message}\n  ${err.hint}\n`);
      return EXIT_FAILURE;
    }
    throw err;
  }
}
