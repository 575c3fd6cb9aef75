/**
 * Random ioctl arguments (test/c/fuzz.c, under ASan/UBSan) against a daemon: every call returns a result or
 * an errno, nothing faults or hangs, and the daemon still answers afterwards. A short run in `npm test`; the
 * long one with XENMEM_LONG=1 (`npm run test:long`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { buildSanitized, runSanitized, startSim, tempDir } from './sim.js';

const LONG = process.env.XENMEM_LONG === '1';
const SEEDS = LONG ? ['1', '2', '3', '4', '5', '6', '7', '8'] : ['1', '0x5eed'];
const CALLS = LONG ? 50_000 : 2_000;

const work = tempDir('fuzz');
let binary: string;
beforeAll(() => {
  binary = buildSanitized(['fuzz.c'], join(work.dir, 'fuzz'));
});
afterAll(() => work.remove());

describe.each(['4.17', '4.22'])('at Xen %s', (release) => {
  it.each(SEEDS)(`${CALLS} random ioctls (seed %s) get results or errnos, and the daemon lives on`, async (seed) => {
    const dir = tempDir('sim');
    const sim = await startSim(release, dir.dir);
    try {
      const { code, out } = await runSanitized(binary, [seed, String(CALLS)], { XENMEM_SOCKET: sim.socket });
      expect(out).toBe(`calls ${CALLS}\n`);
      expect(code).toBe(0);
      // Another client is still served: the domain's state can be inspected.
      expect((await sim.hv.inspect(1)).domid).toBe(1);
      const again = await runSanitized(binary, [seed, '0'], { XENMEM_SOCKET: sim.socket });
      expect(again.out).toBe('calls 0\n');
    } finally {
      await sim.close();
      dir.remove();
    }
  }, LONG ? 600_000 : 60_000);
});
