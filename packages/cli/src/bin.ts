#!/usr/bin/env node
import { CLI_VERSION } from './version.js';

// A reader that stops early (`xenmem demo | head`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

// `--version` (or -V) first on the line prints the version whatever follows, as the parser would. It is answered
// here, before the parser, commander and the ABI tables are loaded, so that it costs about what starting node costs.
const argv = process.argv.slice(2);
if (argv[0] === '--version' || argv[0] === '-V') process.stdout.write(`${CLI_VERSION}\n`);
else process.exitCode = await (await import('./cli.js')).runCli(argv);
