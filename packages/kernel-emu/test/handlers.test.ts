/**
 * The handlers under AddressSanitizer and UBSan: test/c/handlers.c links the emulation's sources directly (an
 * ASan-built preload cannot be loaded into uninstrumented programs) and drives every ioctl against a daemon:
 * exact results, errnos (EFAULT for bad pointers, E2BIG, ENOTTY, EPERM after restrict), copied-back bytes,
 * shared pages, and event-channel reads, writes, poll and masking.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { buildSanitizedHandlers, startSim, tempDir } from './sim.js';

const work = tempDir('handlers');
let binary: string;
beforeAll(() => {
  binary = buildSanitizedHandlers(join(work.dir, 'handlers'));
});
afterAll(() => work.remove());

function run(socket: string, release: string): Promise<{ code: number | null; out: string }> {
  return new Promise((res) => {
    const child = spawn(binary, [], { env: { ...process.env, XENMEM_SOCKET: socket, XENMEM_RELEASE: release, ASAN_OPTIONS: 'detect_leaks=0', UBSAN_OPTIONS: 'halt_on_error=1' } });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.on('exit', (code) => res({ code, out }));
  });
}

describe.each([
  ['4.17', 84],
  ['4.22', 84],
  ['4.8', 33],
])('at Xen %s', (release, checks) => {
  it('every handler answers as Linux and Xen do', async () => {
    const dir = tempDir('sim');
    const sim = await startSim(release, dir.dir);
    try {
      const { code, out } = await run(sim.socket, release);
      expect(out).toBe(`checks ${checks} failed 0\n`);
      expect(code).toBe(0);
    } finally {
      await sim.close();
      dir.remove();
    }
  });
});
