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
import { runAbiCheck } from './commands/abi-check.js';
import { runRun } from './commands/run.js';

function dispatch(p: Parsed, io: Io): number | Promise<number> {
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
    case 'run':
      return runRun(p.options, io);
  }
}

export async function runCli(argv: readonly string[], io: Io = processIo): Promise<number> {
  const parsed = parseArgv(argv);
  if ('exit' in parsed) {
    io.out(parsed.stdout);
    io.err(parsed.stderr);
    return parsed.exit;
  }
  try {
    return await dispatch(parsed, io);
  } catch (err) {
    if (err instanceof InputError) {
      io.err(`xenmem ${parsed.command}: ${err.message}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof XenError) {
      io.err(`xenmem ${parsed.command}: Xen returned ${err.code} (errno ${err.errno}) for ${err.op}\n`);
      return EXIT_FAILURE;
    }
    throw err;
  }
}
