import { describe, expect, it } from 'vitest';
import { LIMITS, encodeStruct } from '@xenmem/abi-types';
import { CORES, ERR, dm, hypervisor } from './harness.js';

const extents = (...list: { first_pfn: bigint; nr: number }[]) => {
  const out = new Uint8Array(16 * list.length);
  list.forEach((e, i) => out.set(encodeStruct('xen_dm_op_modified_memory_extent', e), 16 * i));
  return out;
};

describe.each(CORES)('log-dirty: track_dirty_vram and modified_memory (%s core)', (_name, core) => {
  // paging_log_dirty_range / p2m_log_dirty_range: bit i iff page i is ram_rw when asked (then logdirty again).
  it.each(['4.16', '4.22'] as const)('%s: a new range reports every page dirty, then only the pages that are ram_rw again, and write-protects them', async (release) => {
    const hv = await hypervisor(core, release);
    const bitmap = new Uint8Array(2);
    expect((await dm(hv, 'track_dirty_vram', { first_pfn: 0x100n, nr: 16 }, { extra: bitmap })).rc).toBe(0);
    expect([...bitmap]).toEqual([0xff, 0xff]);
    expect(hv.p2mTypeAt(1, 0x100n)).toBe(2); // now p2m_ram_logdirty
    // The guest writes page 0x103; set_mem_type sets 0x10c back to ram_rw; the device model marks 0x10a–0x10b.
    expect((await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'write', addr: 0x103008n, size: 4, value: 7n })).outcome).toBe('ram');
    expect(hv.p2mTypeAt(1, 0x103n)).toBe(0);
    expect((await dm(hv, 'set_mem_type', { first_pfn: 0x10cn, nr: 1, mem_type: 0 })).rc).toBe(0);
    expect((await dm(hv, 'modified_memory', { nr_extents: 1 }, { extra: extents({ first_pfn: 0x10an, nr: 2 }) })).rc).toBe(0);
    expect((await dm(hv, 'track_dirty_vram', { first_pfn: 0x100n, nr: 16 }, { extra: bitmap })).rc).toBe(0);
    expect([...bitmap]).toEqual([0b0000_1000, 0b0001_0000]);
    expect(hv.p2mTypeAt(1, 0x103n)).toBe(2); // write-protected again
    expect(hv.p2mTypeAt(1, 0x10cn)).toBe(2);
    expect((await dm(hv, 'track_dirty_vram', { first_pfn: 0x100n, nr: 16 }, { extra: bitmap })).rc).toBe(0);
    expect([...bitmap]).toEqual([0, 0]);
    expect((await dm(hv, 'track_dirty_vram', { first_pfn: 0n, nr: 0 }, { extra: bitmap })).rc).toBe(0);
    expect(hv.p2mTypeAt(1, 0x100n)).toBe(0);
  });

  // XSA-397 (4.17.0; the simulator models x.y.0, so 4.13–4.16 are before it): track_dirty_vram no longer turns
  // log-dirty mode on, and modified_memory returns 0 at !paging_mode_log_dirty without reading an extent.
  it.each([
    ['4.9', ERR.EINVAL],
    ['4.13', ERR.EINVAL],
    ['4.16', ERR.EINVAL],
    ['4.17', 0],
    ['4.22', 0],
  ] as const)('%s: with VRAM tracked, modified_memory of an extent past the p2m gives %i', async (release, rc) => {
    const hv = await hypervisor(core, release);
    await dm(hv, 'track_dirty_vram', { first_pfn: 0n, nr: 8 }, { extra: new Uint8Array(1) });
    const r = await dm(hv, 'modified_memory', { nr_extents: 1 }, { extra: extents({ first_pfn: 0xfffffn, nr: 1 }) });
    expect(r).toMatchObject({ rc, progress: 0 });
  });

  it('track_dirty_vram: needs buf[1], a zero pad, a bitmap large enough, at most 2^18 pages', async () => {
    const hv = await hypervisor(core, '4.22');
    expect((await dm(hv, 'track_dirty_vram', { first_pfn: 0n, nr: 8 })).rc).toBe(ERR.EINVAL);
    expect((await dm(hv, 'track_dirty_vram', { first_pfn: 0n, nr: 8, pad: 1 }, { extra: new Uint8Array(1) })).rc).toBe(ERR.EINVAL);
    expect((await dm(hv, 'track_dirty_vram', { first_pfn: 0n, nr: 9 }, { extra: new Uint8Array(1) })).rc).toBe(ERR.EINVAL);
    expect((await dm(hv, 'track_dirty_vram', { first_pfn: 0n, nr: 2 ** 18 + 1 }, { extra: new Uint8Array(2 ** 15 + 1) })).rc).toBe(ERR.EINVAL);
  });

  it('4.16: modified_memory does nothing without log-dirty; with it, a bad extent reports its index + 1', async () => {
    const hv = await hypervisor(core, '4.16');
    expect((await dm(hv, 'modified_memory', { nr_extents: 1 }, { extra: extents({ first_pfn: 0n, nr: 0 }) })).rc).toBe(0);
    await dm(hv, 'track_dirty_vram', { first_pfn: 0n, nr: 8 }, { extra: new Uint8Array(1) });
    const r = await dm(hv, 'modified_memory', { nr_extents: 3 }, { extra: extents({ first_pfn: 0n, nr: 0 }, { first_pfn: 1n, nr: 1 }, { first_pfn: 2n, nr: 1 }) });
    expect(r.rc).toBe(ERR.EINVAL);
    expect(r.out.nr_extents).toBe(1); // extents run last to first; the first (index 0) failed
    expect((await dm(hv, 'modified_memory', { nr_extents: 2 }, { extra: extents({ first_pfn: 0n, nr: 1 }) })).rc).toBe(ERR.EINVAL);
    expect((await dm(hv, 'modified_memory', { nr_extents: 0 })).rc).toBe(0); // no buf[1]: a zero-sized second buffer
    expect((await dm(hv, 'modified_memory', { nr_extents: 1 }, { extra: extents({ first_pfn: 0xffffen, nr: 1 }) })).rc).toBe(0);
    expect((await dm(hv, 'modified_memory', { nr_extents: 1 }, { extra: extents({ first_pfn: 0xfffffn, nr: 1 }) })).rc).toBe(ERR.EINVAL);
  });

  it('4.16: modified_memory checks preemption every 256 pages with extents left', async () => {
    const hv = await hypervisor(core, '4.16', 'always');
    await dm(hv, 'track_dirty_vram', { first_pfn: 0n, nr: 8 }, { extra: new Uint8Array(1) });
    const r = await dm(hv, 'modified_memory', { nr_extents: 2 }, { extra: extents({ first_pfn: 0x1000n, nr: 300 }, { first_pfn: 0x2000n, nr: 300 }) });
    expect(r).toMatchObject({ rc: 0, continuations: 2, progress: 600 });
    // dm.c treats a successful modified_memory as const: buf[0] keeps what the last continuation wrote.
    expect(r.out).toMatchObject({ nr_extents: 1, opaque: 212 });
  });

  it("modified_memory checks preemption at its own interval (schema: modifiedMemoryPreemptInterval), not set_mem_type's", async () => {
    // Both intervals are 256 in every release Xen has had, so the test gives modified_memory's another value
    // for its duration: a handler that read set_mem_type's would still stop every 256 pages.
    const entry = LIMITS.find((l) => l.id === 'modifiedMemoryPreemptInterval') as unknown as { value: number };
    const saved = entry.value;
    entry.value = 100;
    try {
      const hv = await hypervisor(core, '4.16', 'always');
      await dm(hv, 'track_dirty_vram', { first_pfn: 0n, nr: 8 }, { extra: new Uint8Array(1) });
      const r = await dm(hv, 'modified_memory', { nr_extents: 2 }, { extra: extents({ first_pfn: 0x1000n, nr: 300 }, { first_pfn: 0x2000n, nr: 300 }) });
      // A check after every 100 pages while extents are left: 5 of them across the 600 pages.
      expect(r).toMatchObject({ rc: 0, continuations: 5, progress: 600 });
      expect(r.out).toMatchObject({ nr_extents: 1, opaque: 200 });
    } finally {
      entry.value = saved;
    }
  });
});
