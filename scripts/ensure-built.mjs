#!/usr/bin/env node
// Run before `npm start` and `npm test`: installs the workspace when node_modules is missing or older
// than package-lock.json, and with --build also builds every package (nx caches what is unchanged).
// Its own output goes to stderr, so `npm start`'s stdout is the demo alone.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true' };

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, env, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) {
    process.stderr.write(`\n${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal}).\n`);
    process.exit(1);
  }
}

const marker = join(root, 'node_modules/.package-lock.json');
const lock = join(root, 'package-lock.json');
if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs) {
  process.stderr.write('Installing the workspace (npm ci)…\n');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}
if (process.argv.includes('--build')) {
  process.stderr.write('Building (nx run-many -t build)…\n');
  run('npx', ['nx', 'run-many', '-t', 'build', '--outputStyle=stream']);
}
