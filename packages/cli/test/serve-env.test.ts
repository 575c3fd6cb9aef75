/**
 * `XENMEM_SOCKET=S xenmem sim serve` serves at S, and the commands given the same variable reach it: one
 * variable for a whole shell session, the daemon's side included. Runs the real bin as a child process.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const bin = join(dirname(fileURLToPath(import.meta.url)), '../bin/xenmem.mjs');
const dir = mkdtempSync(join(tmpdir(), 'xenmem-serve-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('xenmem sim serve without --socket', () => {
  it('serves at XENMEM_SOCKET, where sim list (given the same variable) finds its domain', async () => {
    const socket = join(dir, 'env.sock');
    const env = { ...process.env, XENMEM_SOCKET: socket };
    const child = spawn(process.execPath, [bin, 'sim', 'serve', '--json', '--no-shm', '--domain', 'domid=3,max-gpfn=0xff'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    try {
      const ready = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(out);
        });
        let err = '';
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        void exited.then((code) => reject(new Error(`xenmem sim serve exited ${code}: ${err}`)));
      });
      expect(JSON.parse(ready)).toMatchObject({ socket, pid: child.pid });
      expect(existsSync(socket)).toBe(true);
      const list = spawnSync(process.execPath, [bin, 'sim', 'list', '--json'], { env, encoding: 'utf8', timeout: 20_000 });
      expect([list.status, list.stderr]).toEqual([0, '']);
      expect((JSON.parse(list.stdout) as { domid: number }[]).map((d) => d.domid)).toEqual([3]);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(existsSync(socket)).toBe(false);
  });

  it('refuses a path from XENMEM_SOCKET naming the variable (the user never typed --socket); --socket is named when given', () => {
    const long = join(dir, `${'a'.repeat(120)}.sock`);
    const bytes = Buffer.byteLength(long);
    const fromEnv = spawnSync(process.execPath, [bin, 'sim', 'serve', '--no-shm'], { env: { ...process.env, XENMEM_SOCKET: long }, encoding: 'utf8', timeout: 20_000 });
    expect([fromEnv.status, fromEnv.stdout, fromEnv.stderr]).toEqual([2, '', `xenmem sim serve: XENMEM_SOCKET "${long}" is ${bytes} bytes long; a Unix socket path holds at most 107 bytes: choose a shorter path\n`]);
    const given = spawnSync(process.execPath, [bin, 'sim', 'serve', '--no-shm', '--socket', long], { env: { ...process.env, XENMEM_SOCKET: join(dir, 'unused.sock') }, encoding: 'utf8', timeout: 20_000 });
    expect([given.status, given.stderr]).toEqual([2, `xenmem sim serve: --socket "${long}" is ${bytes} bytes long; a Unix socket path holds at most 107 bytes: choose a shorter path\n`]);
  });
});
