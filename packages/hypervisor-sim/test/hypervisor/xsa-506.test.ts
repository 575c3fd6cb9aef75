/**
 * XSA-506 (schema dmOpExactBufs): from 4.22 dm_op refuses modified_memory unless it has exactly two buffers,
 * before modified_memory() and its log-dirty test run (xen/arch/x86/hvm/dm.c dm_op @ RELEASE-4.22.0). 4.21.0
 * and earlier x.y.0 releases have no such check.
 */
import { describe, expect, it } from 'vitest';
import { encodeDmOp } from '@xenmem/abi-types';
import { XEN_REASONS } from '@xenmem/sim-protocol';
import { CORES, ERR, dm, hypervisor } from './harness.js';

/** One modified_memory extent (xen_dm_op_modified_memory_extent: nr, pad, first_pfn). */
function extent(first: bigint, nr: number): Uint8Array {
  const e = new Uint8Array(16);
  const v = new DataView(e.buffer);
  v.setUint32(0, nr, true);
  v.setBigUint64(8, first, true);
  return e;
}

const reason = (id: keyof typeof XEN_REASONS) => ({ id, message: XEN_REASONS[id].message });

describe.each(CORES)('modified_memory and its buffer count (%s core)', (_name, core) => {
  it('4.22: one buffer is EINVAL before the log-dirty test; two pass it; three are E2BIG in do_dm_op', async () => {
    const hv = await hypervisor(core, '4.22');
    const one = await dm(hv, 'modified_memory', { nr_extents: 0 });
    expect(one).toMatchObject({ rc: ERR.EINVAL, continuations: 0, reason: reason('dmop-exact-bufs') });
    expect((await dm(hv, 'modified_memory', { nr_extents: 1 })).rc).toBe(ERR.EINVAL);
    // Two buffers reach modified_memory, which returns 0 without log-dirty mode (XSA-397) whatever the extents say.
    expect((await dm(hv, 'modified_memory', { nr_extents: 1 }, { extra: extent(0x10n, 1) })).rc).toBe(0);
    expect((await dm(hv, 'modified_memory', { nr_extents: 4 }, { extra: new Uint8Array(0) })).rc).toBe(0);
    const three = await hv.dmOp(0, 1, [encodeDmOp('modified_memory', { nr_extents: 1 }), extent(0x10n, 1), new Uint8Array(16)]);
    expect(three).toMatchObject({ rc: ERR.E2BIG, reason: reason('dmop-nr-bufs') });
  });

  it('4.22: the count is checked after the header checks (a bad pad is still EINVAL for the pad)', async () => {
    const hv = await hypervisor(core, '4.22');
    const buf = encodeDmOp('modified_memory', { nr_extents: 0 });
    buf[4] = 1;
    expect(await hv.dmOp(0, 1, [buf])).toMatchObject({ rc: ERR.EINVAL, reason: reason('dmop-pad') });
    expect(await hv.dmOp(0, 7, [encodeDmOp('modified_memory', { nr_extents: 0 })])).toMatchObject({ rc: ERR.ESRCH });
  });

  it('4.22: other ops keep their own buffer rules (track_dirty_vram with one buffer: second-buffer-missing)', async () => {
    const hv = await hypervisor(core, '4.22');
    expect(await dm(hv, 'track_dirty_vram', { first_pfn: 0x100n, nr: 8 })).toMatchObject({ rc: ERR.EINVAL, reason: reason('second-buffer-missing') });
    expect((await dm(hv, 'nr_vcpus', {})).rc).toBe(0);
  });

  it('4.21: one buffer reaches modified_memory, which returns 0 without log-dirty mode', async () => {
    const hv = await hypervisor(core, '4.21');
    expect(await dm(hv, 'modified_memory', { nr_extents: 0 })).toMatchObject({ rc: 0 });
    expect((await dm(hv, 'modified_memory', { nr_extents: 1 })).rc).toBe(0);
    expect((await dm(hv, 'modified_memory', { nr_extents: 1 }, { extra: extent(0x10n, 1) })).rc).toBe(0);
  });

  it('4.16 with log-dirty on: one buffer gets as far as the extent count (no extents: EINVAL; none asked: 0)', async () => {
    const hv = await hypervisor(core, '4.16');
    expect((await dm(hv, 'track_dirty_vram', { first_pfn: 0x100n, nr: 8 }, { extra: new Uint8Array(1) })).rc).toBe(0);
    expect(await dm(hv, 'modified_memory', { nr_extents: 1 })).toMatchObject({ rc: ERR.EINVAL, reason: reason('extents-short') });
    expect((await dm(hv, 'modified_memory', { nr_extents: 0 })).rc).toBe(0);
  });
});
