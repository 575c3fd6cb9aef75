/**
 * The handlers under AddressSanitizer and UBSan: test/c/handlers.c links the emulation's sources directly (an
 * ASan-built preload cannot be loaded into uninstrumented programs) and drives every ioctl against a daemon:
 * exact results, errnos (EFAULT for bad pointers, E2BIG, ENOTTY, EPERM after restrict), copied-back bytes,
 * shared pages, and event-channel reads, writes, poll and masking.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { CONST } from '@xenmem/abi-types';
import { buildSanitized, runSanitized, startSim, tempDir } from './sim.js';

const work = tempDir('handlers');
let binary: string;
beforeAll(() => {
  binary = buildSanitized(['handlers.c', 'legacy-args.c'], join(work.dir, 'handlers'));
});
afterAll(() => work.remove());

describe.each([
  ['4.17', 102],
  ['4.22', 102],
  ['4.8', 47],
])('at Xen %s', (release, checks) => {
  it('every handler answers as Linux and Xen do', async () => {
    const dir = tempDir('sim');
    const sim = await startSim(release, dir.dir);
    try {
      const { code, out } = await runSanitized(binary, [], { XENMEM_SOCKET: sim.socket, XENMEM_RELEASE: release });
      expect(out).toBe(`checks ${checks} failed 0\n`);
      expect(code).toBe(0);
      // SCHEDOP_remote_shutdown (SHUTDOWN_reboot) is in the domain's event log, once.
      expect((await sim.hv.inspect(1)).events.filter((e) => e.op === 'remote_shutdown')).toEqual([{ op: 'remote_shutdown', args: { domain_id: 1, reason: CONST.shutdown_reason.reboot } }]);
    } finally {
      await sim.close();
      dir.remove();
    }
  });
});
