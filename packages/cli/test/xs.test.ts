/** `xenmem xs read|write|ls|rm|watch` against a real daemon's xenstore (S.xenstore). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hypervisor, startDaemon, type Daemon } from '@xenmem/hypervisor-sim';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliEnv } from '../src/backend.js';
import { runCli } from '../src/cli.js';
import { captureIo } from '../src/io.js';

let dir: string;
let daemon: Daemon;
let hv: Hypervisor;
let stop: (signal: string) => void = () => {};
const env: Partial<CliEnv> = { untilStopped: () => new Promise((resolve) => (stop = resolve)) };

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xenmem-cli-xs-'));
  hv = new Hypervisor({ release: '4.17' });
  daemon = await startDaemon({ socketPath: join(dir, 's'), hypervisor: hv, shm: false });
});

afterEach(async () => {
  await daemon.close();
  rmSync(dir, { recursive: true, force: true });
});

async function xs(...argv: string[]) {
  const io = captureIo();
  const code = await runCli(['xs', argv[0]!, '--socket', join(dir, 's'), ...argv.slice(1)], io, env);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

/** Starts `xenmem xs watch …` and resolves once its watch is set (its first event printed). */
async function watching(...argv: string[]) {
  const io = captureIo();
  const done = runCli(['xs', 'watch', '--socket', join(dir, 's'), ...argv], io, env).then((code) => ({ code, stdout: io.stdout, stderr: io.stderr }));
  while (io.stdout === '') await new Promise((r) => setTimeout(r, 10));
  return { done };
}

describe('xenmem xs', () => {
  it('XENMEM_SOCKET stands for --socket (the xenstore is beside it, at S.xenstore); --socket wins over it', async () => {
    const saved = process.env.XENMEM_SOCKET;
    const bare = async (...argv: string[]) => {
      const io = captureIo();
      const code = await runCli(['xs', ...argv], io, env);
      return { code, stdout: io.stdout, stderr: io.stderr };
    };
    try {
      process.env.XENMEM_SOCKET = join(dir, 's');
      expect(await bare('write', '/from-env', 'yes')).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(await bare('read', '/from-env')).toEqual({ code: 0, stdout: 'yes\n', stderr: '' });
      expect((await bare('ls', '/')).stdout.split('\n')).toContain('from-env');
      process.env.XENMEM_SOCKET = join(dir, 'elsewhere');
      expect(await bare('read', '--socket', join(dir, 's'), '/from-env')).toEqual({ code: 0, stdout: 'yes\n', stderr: '' });
      delete process.env.XENMEM_SOCKET;
      const none = await bare('read', '/from-env');
      expect(none.code).toBe(2);
      expect(none.stderr).toMatch(/required option '--socket <path>' not specified/);
    } finally {
      if (saved === undefined) delete process.env.XENMEM_SOCKET;
      else process.env.XENMEM_SOCKET = saved;
    }
  });

  it('write then read prints the raw value and a newline; --json { path, value }', async () => {
    expect(await xs('write', 'device-model/1/state', 'running')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await xs('read', '/local/domain/0/device-model/1/state')).toEqual({ code: 0, stdout: 'running\n', stderr: '' });
    expect(await xs('read', 'device-model/1/state', '--json')).toEqual({ code: 0, stdout: JSON.stringify({ path: 'device-model/1/state', value: 'running' }, null, 2) + '\n', stderr: '' });
    expect(JSON.parse((await xs('write', '/v', 'x y', '--json')).stdout)).toEqual({ path: '/v', value: 'x y' });
  });

  it('a missing node exits 1 with ENOENT; a bad path EINVAL', async () => {
    expect(await xs('read', '/nope')).toEqual({ code: 1, stdout: '', stderr: 'xenmem xs read: /nope: ENOENT (no such node)\n' });
    const bad = await xs('ls', '/a//b');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^xenmem xs ls: \/a\/\/b: EINVAL \(not a valid path/);
  });

  it('ls lists children in creation order (--json an array); rm removes a subtree', async () => {
    expect((await xs('ls', '/local/domain/0')).stdout).toBe('domid\nname\n');
    await xs('write', '/t/b', '1');
    await xs('write', '/t/a/deep', '2');
    expect((await xs('ls', '/t', '--json')).stdout).toBe(JSON.stringify(['b', 'a'], null, 2) + '\n');
    expect(await xs('rm', '/t/a')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await xs('ls', '/t')).stdout).toBe('b\n');
    expect((await xs('rm', '/t/none/deeper')).stderr).toBe('xenmem xs rm: /t/none/deeper: ENOENT (no such node)\n');
  });

  it('watch prints the initial event, then each change, and stops at --count', async () => {
    const run = await watching('/w', '--count', '3');
    await xs('write', '/w/a', '1');
    await xs('write', '/other', '1');
    await xs('rm', '/w/a');
    expect(await run.done).toEqual({ code: 0, stdout: '/w\n/w/a\n/w/a\n', stderr: '' });
  });

  it('watch --json until SIGINT; @introduceDomain fires when a domain is created', async () => {
    const run = await watching('@introduceDomain', '--json');
    const main = await import('@xenmem/ioreq-client').then((m) => m.SocketBackend.connect(join(dir, 's'), { caller: 0 }));
    await main.createDomain({ domid: 5, maxGpfn: 0xff });
    await new Promise((r) => setTimeout(r, 100));
    stop('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([
      { path: '@introduceDomain', token: 'xenmem-xs-watch' },
      { path: '@introduceDomain', token: 'xenmem-xs-watch' },
    ]);
    expect((await xs('read', '/local/domain/5/domid')).stdout).toBe('5\n');
    await main.close?.();
  });

  it('no daemon: exit 1 naming the xenstore socket and what to run', async () => {
    const io = captureIo();
    const code = await runCli(['xs', 'read', '--socket', join(dir, 'absent'), '/x'], io, env);
    expect(code).toBe(1);
    expect(io.stderr).toBe(`xenmem xs read: cannot connect to ${join(dir, 'absent')}.xenstore: ENOENT\n  start the simulator first (xenmem sim serve --socket ${join(dir, 'absent')}); its xenstore listens on ${join(dir, 'absent')}.xenstore\n`);
  });
});
