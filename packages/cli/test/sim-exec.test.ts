/**
 * `xenmem sim exec`: a program run against a real daemon with the kernel-interface emulation preloaded: its
 * environment, the exit status passed through (128 + n for a death by signal n), forwarded signals, and the
 * refusals (no daemon, no library).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hypervisor, startDaemon, type Daemon } from '@xenmem/hypervisor-sim';
import { preloadPath } from '@xenmem/kernel-emu';
import { defaultExecEnv, execEnvironment, runSimExec, type ExecEnv } from '../src/commands/sim-exec.js';
import type { Io } from '../src/io.js';

let dir: string;
let daemon: Daemon;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xenmem-sim-exec-'));
  daemon = await startDaemon({ socketPath: join(dir, 'sim.sock'), hypervisor: new Hypervisor({ release: '4.17' }) });
});
afterAll(async () => {
  await daemon.close();
  rmSync(dir, { recursive: true, force: true });
});

function capture(): Io & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', errIsTTY: false, out: (s: string) => void (io.stdout += s), err: (s: string) => void (io.stderr += s) };
  return io;
}

const library = () => {
  const p = preloadPath();
  if ('error' in p) throw new Error(p.error);
  return p.path;
};

describe('xenmem sim exec', () => {
  it('sets XENMEM_SOCKET, XENMEM_CALLER and LD_PRELOAD (before any value there) and passes the exit status through', async () => {
    const out = join(dir, 'env.txt');
    const env: ExecEnv = { ...defaultExecEnv, env: { ...process.env, LD_PRELOAD: '', XENSTORED_PATH: '/stale' } };
    const script = `printf '%s|%s|%s|%s' "$XENMEM_SOCKET" "$XENMEM_CALLER" "$LD_PRELOAD" "\${XENSTORED_PATH-unset}" > ${out}; exit 7`;
    expect(await runSimExec({ socket: daemon.address, caller: 3, command: ['sh', '-c', script] }, capture(), env)).toBe(7);
    // The daemon's welcome names its xenstore socket (S.xenstore): XENSTORED_PATH is that, the stale value replaced.
    expect(readFileSync(out, 'utf8')).toBe(`${daemon.address}|3|${library()}|${daemon.address}.xenstore`);
  });

  it('prepends the library to an existing LD_PRELOAD and sets XENSTORED_PATH from the welcome', () => {
    const env = execEnvironment({ LD_PRELOAD: '/a.so', PATH: '/bin' }, '/s', 0, '/emu.so', { release: '4.17', xenstore: '/s.xenstore' });
    expect(env).toEqual({ PATH: '/bin', LD_PRELOAD: '/emu.so /a.so', XENMEM_SOCKET: '/s', XENMEM_CALLER: '0', XENSTORED_PATH: '/s.xenstore' });
  });

  it('reports a death by signal n as 128 + n', async () => {
    expect(await runSimExec({ socket: daemon.address, caller: 0, command: ['sh', '-c', 'kill -KILL $$'] }, capture())).toBe(128 + 9);
  });

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('forwards %s to the program', async (signal) => {
    const handlers = new Map<string, () => void>();
    const env: ExecEnv = { ...defaultExecEnv, onSignal: (s, h) => (handlers.set(s, h), () => handlers.delete(s)) };
    const ran = runSimExec({ socket: daemon.address, caller: 0, command: ['sleep', '30'] }, capture(), env);
    await new Promise((r) => setTimeout(r, 300));
    expect([...handlers.keys()].sort()).toEqual(['SIGHUP', 'SIGINT', 'SIGTERM']);
    handlers.get(signal)!();
    const numbers = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
    expect(await ran).toBe(128 + numbers[signal]);
    expect(handlers.size).toBe(0);
  });

  it('exits 1 with one clear line when no daemon answers at the socket', async () => {
    const io = capture();
    const missing = join(dir, 'none.sock');
    expect(await runSimExec({ socket: missing, caller: 0, command: ['true'] }, io)).toBe(1);
    expect(io.stderr).toBe(`xenmem sim exec: no simulator daemon at ${missing} (ENOENT)\n  start one with: xenmem sim serve --socket ${missing}\n`);
  });

  it('exits 1 when the library is not there, naming why', async () => {
    const io = capture();
    const env: ExecEnv = { ...defaultExecEnv, preloadPath: async () => ({ error: '/x/libxenmem-kernel-emu.so is not built (run `npm run build`)' }) };
    expect(await runSimExec({ socket: daemon.address, caller: 0, command: ['true'] }, io, env)).toBe(1);
    expect(io.stderr).toBe('xenmem sim exec: /x/libxenmem-kernel-emu.so is not built (run `npm run build`)\n');
  });

  it('exits 127 when the program does not exist', async () => {
    const io = capture();
    expect(await runSimExec({ socket: daemon.address, caller: 0, command: [join(dir, 'no-such-program')] }, io)).toBe(127);
    expect(io.stderr).toBe(`xenmem sim exec: cannot run ${join(dir, 'no-such-program')}: ENOENT\n`);
  });
});
