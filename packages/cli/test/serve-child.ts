/**
 * `xenmem sim serve` as a child process, the real bin as users run it, for the tests that start, kill and restart
 * daemons: resolves once the daemon says it listens; rejects with its stderr if it exits first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/xenmem.mjs', import.meta.url));

/** Starts `xenmem sim serve ARGS` (stdout ignored, stderr read until "listening on"). */
export function startServe(args: readonly string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'sim', 'serve', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (b: Buffer) => {
      err += b.toString();
      if (err.includes('listening on')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`xenmem sim serve exited ${code}: ${err}`)));
  });
}

/** Resolves once `child` has exited (at once if it already has). */
export const exited = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
