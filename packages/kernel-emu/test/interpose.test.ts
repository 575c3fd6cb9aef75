/**
 * The interposers through the built library (test/c/interpose.c under LD_PRELOAD): which opens are emulated
 * (every open entry point; hypercall, gntdev, gntalloc and xenbus are ENOENT), dup2/dup3/close naming the same
 * file, mmap of each node, calls on other fds passed through to the kernel, a forked child using the files it
 * inherited, and a program it starts left alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { buildPlain, preload, runSanitized, startSim, tempDir } from './sim.js';

const work = tempDir('interpose');
let binary: string;
beforeAll(() => {
  binary = buildPlain('interpose.c', join(work.dir, 'interpose'));
});
afterAll(() => work.remove());

describe.each(['4.17', '4.22'])('at Xen %s', (release) => {
  it('the interposed calls behave as on a host with privcmd and evtchn only', async () => {
    const dir = tempDir('sim');
    const sim = await startSim(release, dir.dir);
    try {
      const { code, out } = await runSanitized(binary, [], { XENMEM_SOCKET: sim.socket, XENMEM_RELEASE: release, LD_PRELOAD: preload() });
      expect(out).toBe('checks 35 failed 0\n');
      expect(code).toBe(0);
    } finally {
      await sim.close();
      dir.remove();
    }
  });
});
