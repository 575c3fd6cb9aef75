/**
 * The legacy ioreq gfns (schema legacyIoreqGfns; limits legacyIoreqPfn 0xfeffd, legacyBufioreqPfn 0xfeffb):
 * with the 8-gfn pool (0xfeff0 … 0xfeff7) empty, 4.12+ hands out the gfns of HVM_PARAM_IOREQ_PFN and
 * HVM_PARAM_BUFIOREQ_PFN while their legacy_mask bits allow it (xen/arch/x86/hvm/ioreq.c
 * hvm_alloc_legacy_ioreq_gfn). 4.12–4.20 test the bits inverted; 4.21 (282ed258a5) and 4.22 test them as
 * meant; 4.11 has no fallback. Gfns are allocated when get_ioreq_server_info asks for them (4.11+).
 */
import { describe, expect, it } from 'vitest';
import { snapshot, restore, checkInvariants } from '../../src/state/index.js';
import { Hypervisor } from '../../src/index.js';
import { CORES, ERR, dm, hypervisor } from './harness.js';

const IOREQ_PFN = 0xfeffdn;
const BUFIOREQ_PFN = 0xfeffbn;

type Hv = Awaited<ReturnType<typeof hypervisor>>;

async function create(hv: Hv, buffered: boolean): Promise<number> {
  const r = await dm(hv, 'create_ioreq_server', { handle_bufioreq: buffered ? 1 : 0 });
  expect(r.rc).toBe(0);
  return r.out.id as number;
}

/** get_ioreq_server_info with gfns: rc and the two gfns (0n where not reported). */
async function info(hv: Hv, id: number): Promise<{ rc: number; ioreq: bigint; bufioreq: bigint }> {
  const r = await dm(hv, 'get_ioreq_server_info', { id });
  return { rc: r.rc, ioreq: r.out.ioreq_gfn as bigint, bufioreq: r.out.bufioreq_gfn as bigint };
}

/** Four buffered servers that hold the whole pool, 0xfeff0 … 0xfeff7; returns their ids. */
async function fillPool(hv: Hv): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < 4; i++) {
    const id = await create(hv, true);
    expect(await info(hv, id)).toEqual({ rc: 0, ioreq: 0xfeff0n + BigInt(2 * i), bufioreq: 0xfeff1n + BigInt(2 * i) });
    ids.push(id);
  }
  return ids;
}

const destroy = async (hv: Hv, id: number) => expect((await dm(hv, 'destroy_ioreq_server', { id })).rc).toBe(0);

describe.each(CORES)('legacy ioreq gfns (%s core)', (_name, core) => {
  it('4.11: no fallback: an empty pool is ENOMEM every time; without gfns get_info still works', async () => {
    const hv = await hypervisor(core, '4.11');
    await fillPool(hv);
    const id = await create(hv, false);
    expect(await info(hv, id)).toMatchObject({ rc: ERR.ENOMEM });
    expect(await info(hv, id)).toMatchObject({ rc: ERR.ENOMEM });
    expect((await dm(hv, 'get_ioreq_server_info', { id, flags: 1 })).rc).toBe(0);
  });

  describe.each(['4.12', '4.20'])('%s: the inverted test', (release) => {
    it('the first fallback clears both bits and fails; then IOREQ_PFN’s gfn goes to every page asking', async () => {
      const hv = await hypervisor(core, release);
      await fillPool(hv);
      const a = await create(hv, false);
      expect(await info(hv, a)).toEqual({ rc: ERR.ENOMEM, ioreq: 0n, bufioreq: 0n });
      expect(await info(hv, a)).toEqual({ rc: 0, ioreq: IOREQ_PFN, bufioreq: 0n });
      const b = await create(hv, false);
      expect(await info(hv, b)).toEqual({ rc: 0, ioreq: IOREQ_PFN, bufioreq: 0n }); // the same gfn, not reserved
      const c = await create(hv, true);
      expect(await info(hv, c)).toEqual({ rc: 0, ioreq: IOREQ_PFN, bufioreq: IOREQ_PFN }); // both pages of one server
      expect(checkInvariants(hv as Hypervisor)).toEqual([]);
    });

    it('freeing IOREQ_PFN’s gfn sets its bit, so the next allocation clears it and returns BUFIOREQ_PFN’s', async () => {
      const hv = await hypervisor(core, release);
      const pool = await fillPool(hv);
      const a = await create(hv, false);
      expect((await info(hv, a)).rc).toBe(ERR.ENOMEM);
      expect((await info(hv, a)).ioreq).toBe(IOREQ_PFN);
      await destroy(hv, a); // IOREQ bit set again
      const b = await create(hv, false);
      expect(await info(hv, b)).toEqual({ rc: 0, ioreq: BUFIOREQ_PFN, bufioreq: 0n });
      const c = await create(hv, false);
      expect(await info(hv, c)).toEqual({ rc: 0, ioreq: IOREQ_PFN, bufioreq: 0n }); // IOREQ bit clear again
      await destroy(hv, b); // BUFIOREQ bit set: IOREQ's is clear, so IOREQ_PFN's gfn still comes first
      const d = await create(hv, false);
      expect(await info(hv, d)).toEqual({ rc: 0, ioreq: IOREQ_PFN, bufioreq: 0n });
      // A freed pool gfn is taken before any legacy one.
      await destroy(hv, pool[1]!);
      const e = await create(hv, true);
      expect(await info(hv, e)).toEqual({ rc: 0, ioreq: 0xfeff2n, bufioreq: 0xfeff3n });
    });

    it('with both legacy gfns freed (both bits set again) the next fallback fails as the first did', async () => {
      const hv = await hypervisor(core, release);
      await fillPool(hv);
      const a = await create(hv, false);
      expect((await info(hv, a)).rc).toBe(ERR.ENOMEM);
      expect((await info(hv, a)).ioreq).toBe(IOREQ_PFN);
      const c = await create(hv, false);
      expect((await info(hv, c)).ioreq).toBe(IOREQ_PFN);
      await destroy(hv, a);
      const b = await create(hv, false);
      expect((await info(hv, b)).ioreq).toBe(BUFIOREQ_PFN); // clears IOREQ_PFN's bit again
      await destroy(hv, c);
      await destroy(hv, b);
      const d = await create(hv, false);
      expect(await info(hv, d)).toEqual({ rc: ERR.ENOMEM, ioreq: 0n, bufioreq: 0n });
      expect(await info(hv, d)).toEqual({ rc: 0, ioreq: IOREQ_PFN, bufioreq: 0n });
    });

    it('a buffered server whose second page meets the first fallback frees its first gfn and fails', async () => {
      const hv = await hypervisor(core, release);
      for (let i = 0; i < 3; i++) expect((await info(hv, await create(hv, true))).rc).toBe(0);
      expect(await info(hv, await create(hv, false))).toEqual({ rc: 0, ioreq: 0xfeff6n, bufioreq: 0n });
      const s = await create(hv, true);
      expect(await info(hv, s)).toEqual({ rc: ERR.ENOMEM, ioreq: 0n, bufioreq: 0n }); // 0xfeff7, then the fallback fails
      expect(await info(hv, s)).toEqual({ rc: 0, ioreq: 0xfeff7n, bufioreq: IOREQ_PFN });
    });
  });

  describe.each(['4.21', '4.22'])('%s: the corrected test', (release) => {
    it('IOREQ_PFN’s gfn, then BUFIOREQ_PFN’s, then ENOMEM; a free makes one available again', async () => {
      const hv = await hypervisor(core, release);
      await fillPool(hv);
      const a = await create(hv, false);
      expect(await info(hv, a)).toEqual({ rc: 0, ioreq: IOREQ_PFN, bufioreq: 0n });
      const b = await create(hv, false);
      expect(await info(hv, b)).toEqual({ rc: 0, ioreq: BUFIOREQ_PFN, bufioreq: 0n });
      const c = await create(hv, false);
      expect(await info(hv, c)).toMatchObject({ rc: ERR.ENOMEM });
      await destroy(hv, a);
      expect(await info(hv, c)).toEqual({ rc: 0, ioreq: IOREQ_PFN, bufioreq: 0n });
      expect(checkInvariants(hv as Hypervisor)).toEqual([]);
    });

    it('a buffered server with one legacy gfn left gives it back and fails', async () => {
      const hv = await hypervisor(core, release);
      await fillPool(hv);
      const a = await create(hv, false);
      expect((await info(hv, a)).ioreq).toBe(IOREQ_PFN);
      const s = await create(hv, true);
      expect(await info(hv, s)).toMatchObject({ rc: ERR.ENOMEM });
      const t = await create(hv, false);
      expect(await info(hv, t)).toEqual({ rc: 0, ioreq: BUFIOREQ_PFN, bufioreq: 0n });
    });
  });

  it('4.12: the state file keeps the legacy_mask bits', async () => {
    const hv = await hypervisor(core, '4.12');
    await fillPool(hv);
    const a = await create(hv, false);
    expect((await info(hv, a)).rc).toBe(ERR.ENOMEM); // both bits now clear
    const state = snapshot(hv as Hypervisor);
    expect(state.domains[0]!.legacyIoreqGfns).toEqual([false, false]);
    const again = new Hypervisor({ release: '4.12', p2m: core() });
    await restore(again, structuredClone(state));
    expect(checkInvariants(again)).toEqual([]);
    expect(await info(again as Hv, a)).toEqual({ rc: 0, ioreq: IOREQ_PFN, bufioreq: 0n });
    // A file without the field restores both bits set: the fallback fails once more.
    const old = structuredClone(state);
    delete old.domains[0]!.legacyIoreqGfns;
    const older = new Hypervisor({ release: '4.12', p2m: core() });
    await restore(older, old);
    expect((await info(older as Hv, a)).rc).toBe(ERR.ENOMEM);
  });
});
