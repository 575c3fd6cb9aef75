/**
 * Test set-up shared by the suites: a simulator daemon in this process, and C programs compiled into a
 * temporary directory (against Debian's Xen libraries, or the emulation's own sources under ASan/UBSan).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hypervisor, startDaemon, type Daemon } from '@xenmem/hypervisor-sim';
import { preloadPath } from '../src/index.js';

export const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = resolve(PKG, '../..');

/** .cache/debroot, with Debian's libxen-dev (headers, libraries) fetched into it. */
export function debroot(): string {
  execFileSync(process.execPath, [join(ROOT, 'scripts/deb-cache.mjs'), 'ensure', 'libxen-dev'], { stdio: 'ignore' });
  return execFileSync(process.execPath, [join(ROOT, 'scripts/deb-cache.mjs'), 'root'], { encoding: 'utf8' }).trim();
}

export function debianLibDir(): string {
  return join(debroot(), 'usr/lib/x86_64-linux-gnu');
}

/** The built library (the suites need it: `npm run build` makes it). */
export function preload(): string {
  const p = preloadPath();
  if ('error' in p) throw new Error(p.error);
  return p.path;
}

export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `xenmem-kernel-emu-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A C program of test/c linked against Debian's Xen libraries. */
export function buildDebianProgram(source: string, out: string): string {
  const root = debroot();
  const lib = join(root, 'usr/lib/x86_64-linux-gnu');
  execFileSync('gcc', ['-std=gnu11', '-Wall', '-Wextra', '-Werror', `-I${join(root, 'usr/include')}`, join(PKG, 'test/c', source),
    `-L${lib}`, `-Wl,-rpath-link,${lib}`, '-lxenctrl', '-lxendevicemodel', '-lxenforeignmemory', '-lxenevtchn', '-o', out], { stdio: 'inherit' });
  return out;
}

export interface Sim {
  hv: Hypervisor;
  daemon: Daemon;
  socket: string;
  close(): Promise<void>;
}

/** A daemon at `release` with domain 1 (one vCPU), its socket in dir. */
export async function startSim(release: string, dir: string, options: { shm?: boolean } = {}): Promise<Sim> {
  const hv = new Hypervisor({ release: release as never });
  await hv.createDomain({ domid: 1, maxGpfn: 0xfffff, vcpus: 1 });
  const socket = join(dir, 'sim.sock');
  const daemon = await startDaemon({ socketPath: socket, hypervisor: hv, trace: join(dir, 'trace.jsonl'), ...options });
  return { hv, daemon, socket, close: () => daemon.close() };
}

/** Spawns a program under the emulation, its stdout split into JSON lines as they come. */
export function spawnUnderEmulation(program: string, args: string[], socket: string, env: NodeJS.ProcessEnv = {}) {
  const child: ChildProcess = spawn(program, args, {
    env: { ...process.env, XENMEM_SOCKET: socket, LD_PRELOAD: preload(), LD_LIBRARY_PATH: debianLibDir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let waiting: (() => void)[] = [];
  let buffered = '';
  let stderr = '';
  child.stdout!.on('data', (b: Buffer) => {
    buffered += b.toString();
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buffered.slice(0, nl)) as Record<string, unknown>);
      buffered = buffered.slice(nl + 1);
      for (const w of waiting.splice(0)) w();
    }
  });
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w();
    res(code);
  }));
  return {
    child,
    exited,
    stderr: () => stderr,
    /** The next JSON line with `key` (waits for it). */
    async line(key: string): Promise<Record<string, unknown>> {
      for (;;) {
        const found = lines.find((l) => key in l);
        if (found) return found;
        if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} without "${key}": ${JSON.stringify(lines)} ${stderr}`);
        await new Promise<void>((res) => (waiting = [...waiting, res]));
      }
    },
  };
}

/** A test program of test/c with the emulation's sources (not its interposers), under ASan and UBSan. */
export function buildSanitized(programs: string[], out: string): string {
  const root = debroot();
  const native = join(PKG, 'native');
  const sources = readdirSync(native).filter((f) => f.endsWith('.c') && f !== 'interpose.c').map((f) => join(native, f));
  execFileSync('gcc', ['-std=gnu11', '-Wall', '-Wextra', '-Werror', '-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=undefined', '-fno-omit-frame-pointer',
    `-I${native}`, `-I${join(PKG, 'test/c')}`, `-I${join(ROOT, 'packages/sim-protocol/include')}`, `-I${join(ROOT, 'packages/abi-types/include')}`, `-I${join(root, 'usr/include')}`,
    ...programs.map((p) => join(PKG, 'test/c', p)), ...sources, '-o', out, '-lpthread'], { stdio: 'inherit' });
  return out;
}

/** Runs a test program against a daemon (sanitizer options set); its exit code and everything it printed. */
export function runSanitized(binary: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((res) => {
    const child = spawn(binary, args, { env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0', UBSAN_OPTIONS: 'halt_on_error=1', ...env } });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    child.on('exit', (code) => res({ code, out }));
  });
}

/** A test program of test/c built plainly, to run under LD_PRELOAD of the built library. */
export function buildPlain(program: string, out: string): string {
  execFileSync('gcc', ['-std=gnu11', '-Wall', '-Wextra', '-Werror', `-I${join(PKG, 'native')}`, `-I${join(debroot(), 'usr/include')}`, join(PKG, 'test/c', program), '-o', out], { stdio: 'inherit' });
  return out;
}
