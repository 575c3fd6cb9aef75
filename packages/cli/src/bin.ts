#!/usr/bin/env node
import { runCli } from './cli.js';

// A reader that stops early (`xenmem demo | head`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

process.exitCode = await runCli(process.argv.slice(2));
