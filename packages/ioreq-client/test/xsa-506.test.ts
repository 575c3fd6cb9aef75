/**
 * XSA-506 in process and over the daemon (schema dmOpExactBufs): from 4.22 modified_memory with one buffer is
 * EINVAL before modified_memory() runs (xen/arch/x86/hvm/dm.c dm_op @ RELEASE-4.22.0); at 4.21.0 it reaches
 * modified_memory, which returns 0 with log-dirty mode off. 0 buffers are ENODATA, 3 are E2BIG everywhere.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeDmOp } from '@xenmem/abi-types';
import { XEN_REASONS } from '@xenmem/sim-protocol';
import { BACKENDS, guestHost, type Reached } from './fidelity-backends.js';

const op = () => encodeDmOp('modified_memory', { nr_extents: 1 });
const extent = () => Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0);

describe.each(BACKENDS)('modified_memory buffer count %s', (_how, reach) => {
  let reached: Reached | undefined;
  afterEach(async () => {
    await reached?.close();
    reached = undefined;
  });

  it.each([
    ['4.21', 0],
    ['4.22', -22],
  ])('at %s one buffer gives %i', async (release, oneBuffer) => {
    reached = await reach(await guestHost(release));
    const { backend } = reached;
    const one = await backend.dmOp(0, 1, [op()]);
    expect(one.rc).toBe(oneBuffer);
    if (oneBuffer !== 0) expect(one.reason).toEqual({ id: 'dmop-exact-bufs', message: XEN_REASONS['dmop-exact-bufs'].message });
    expect((await backend.dmOp(0, 1, [op(), extent()])).rc).toBe(0);
    expect((await backend.dmOp(0, 1, [op(), extent(), new Uint8Array(16)])).rc).toBe(-7);
    expect((await backend.dmOp(0, 1, [])).rc).toBe(-61);
  });
});
