/**
 * Debian's libxenstore 4.17, unmodified, against the daemon's xenstore: a C program (libxenstore-client.c)
 * linked with -lxenstore from the project's package cache (scripts/deb-cache.mjs), XENSTORED_PATH set to
 * the xenstore socket. Every result is compared exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Hypervisor } from '../../src/hypervisor.js';
import { startDaemon, type Daemon } from '../../src/daemon/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../../..');
let dir: string;
let daemon: Daemon;
let exe: string;
let libdir: string;

beforeAll(async () => {
  // Fetches libxen-dev and its libraries into .cache/debroot once; fails (with the script's reason) where apt is not available.
  execFileSync('node', [join(repo, 'scripts/deb-cache.mjs'), 'ensure', 'libxen-dev'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const root = execFileSync('node', [join(repo, 'scripts/deb-cache.mjs'), 'root'], { encoding: 'utf8' }).trim();
  libdir = join(root, 'usr/lib/x86_64-linux-gnu');
  dir = mkdtempSync(join(tmpdir(), 'xenmem-libxs-'));
  exe = join(dir, 'libxenstore-client');
  execFileSync('gcc', ['-std=c11', '-Wall', '-Wextra', '-Werror', `-I${join(root, 'usr/include')}`, '-o', exe, join(here, 'libxenstore-client.c'), `-L${libdir}`, `-Wl,-rpath-link,${libdir}`, '-lxenstore'], { stdio: 'inherit' });
  daemon = await startDaemon({ socketPath: join(dir, 'sim.sock'), hypervisor: new Hypervisor({ release: '4.17' }), shm: false });
}, 300_000);

afterAll(async () => {
  await daemon?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('libxenstore 4.17 (Debian) through XENSTORED_PATH', () => {
  it('write, read, directory, watch, transactions (commit, EAGAIN, abort), perms, domain path', async () => {
    const { stdout } = await promisify(execFile)(exe, [], { env: { XENSTORED_PATH: daemon.xenstore, LD_LIBRARY_PATH: libdir }, timeout: 20_000 });
    expect(stdout.split('\n')).toEqual([
      'write 1',
      'read /lx/a = "hello" (5)',
      'read domid = "0" (1)',
      'read /lx/missing failed: No such file or directory',
      'mkdir 1',
      'directory /lx: a dir',
      'watch 1',
      'event /lx tok',
      'write 1',
      'event /lx/b tok',
      'rm 1',
      'event /lx/b tok',
      'unwatch 1',
      'transaction 1',
      'write 1',
      'read /lx/c = "in tx" (5)',
      'read /lx/c failed: No such file or directory',
      'end 1',
      'read /lx/c = "in tx" (5)',
      'read /lx/a = "hello" (5)',
      'write 1',
      'write 1',
      'end 0 errno Resource temporarily unavailable',
      'read /lx/d failed: No such file or directory',
      'write 1',
      'abort 1',
      'read /lx/e failed: No such file or directory',
      'set_permissions 1',
      // XS_PERM_NONE for the owner entry, XS_PERM_READ (1) for the second.
      'permissions: 0/0 0/1',
      'domain path /local/domain/3',
      '',
    ]);
  });
});
