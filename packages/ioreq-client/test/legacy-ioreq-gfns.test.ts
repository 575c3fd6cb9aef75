/**
 * The legacy ioreq gfns, in process and over the daemon (docs/simulator.md, schema legacyIoreqGfns): with the
 * pool 0xfeff0 … 0xfeff7 held, get_ioreq_server_info falls back to HVM_PARAM_IOREQ_PFN's gfn 0xfeffd and
 * HVM_PARAM_BUFIOREQ_PFN's 0xfeffb from 4.12 (xen/arch/x86/hvm/ioreq.c hvm_alloc_legacy_ioreq_gfn), with the
 * legacy_mask test inverted until 4.21.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeDmOp, encodeDmOp, type HypercallBackend } from '@xenmem/abi-types';
import { BACKENDS, guestHost, type Reached } from './fidelity-backends.js';

const hex = (g: unknown) => `0x${(g as bigint).toString(16)}`;

/** Runs the script on `backend`; each step's result as text: an errno's rc, or the gfns get_info gave. */
async function script(backend: HypercallBackend): Promise<string[]> {
  const call = async (name: Parameters<typeof encodeDmOp>[0], payload: Record<string, unknown>) => {
    const buf = encodeDmOp(name, payload as never);
    const { rc } = await backend.dmOp(0, 1, [buf]);
    return { rc, out: decodeDmOp(buf).payload as Record<string, unknown> };
  };
  const create = async (bufioreq: number) => {
    const r = await call('create_ioreq_server', { handle_bufioreq: bufioreq });
    expect(r.rc).toBe(0);
    return r.out.id as number;
  };
  const info = async (id: number) => {
    const r = await call('get_ioreq_server_info', { id });
    if (r.rc !== 0) return `rc ${r.rc}`;
    return r.out.bufioreq_gfn === 0n ? hex(r.out.ioreq_gfn) : `${hex(r.out.ioreq_gfn)}+${hex(r.out.bufioreq_gfn)}`;
  };
  const trace: string[] = [];
  // Four buffered servers take the pool.
  for (let i = 0; i < 4; i++) trace.push(await info(await create(1)));
  const a = await create(0);
  trace.push(await info(a), await info(a));
  trace.push(await info(await create(0)));
  trace.push(await info(await create(1)));
  trace.push(`destroy ${(await call('destroy_ioreq_server', { id: a })).rc}`);
  trace.push(await info(await create(0)));
  return trace;
}

const POOL = ['0xfeff0+0xfeff1', '0xfeff2+0xfeff3', '0xfeff4+0xfeff5', '0xfeff6+0xfeff7'];
const EXPECTED: Record<string, string[]> = {
  // No fallback: ENOMEM (-12) whenever the pool is empty.
  '4.11': [...POOL, 'rc -12', 'rc -12', 'rc -12', 'rc -12', 'destroy 0', 'rc -12'],
  // Inverted: the first fallback clears both bits and fails; then IOREQ_PFN's gfn for every page, even both
  // pages of one server; freeing it sets its bit, so the next allocation gets BUFIOREQ_PFN's gfn.
  '4.12': [...POOL, 'rc -12', '0xfeffd', '0xfeffd', '0xfeffd+0xfeffd', 'destroy 0', '0xfeffb'],
  '4.20': [...POOL, 'rc -12', '0xfeffd', '0xfeffd', '0xfeffd+0xfeffd', 'destroy 0', '0xfeffb'],
  // Corrected (282ed258a5): each legacy gfn once, then ENOMEM; a free makes its gfn available again.
  '4.21': [...POOL, '0xfeffd', '0xfeffd', '0xfeffb', 'rc -12', 'destroy 0', '0xfeffd'],
  '4.22': [...POOL, '0xfeffd', '0xfeffd', '0xfeffb', 'rc -12', 'destroy 0', '0xfeffd'],
};

describe.each(BACKENDS)('legacy ioreq gfns %s', (_how, reach) => {
  let reached: Reached | undefined;
  afterEach(async () => {
    await reached?.close();
    reached = undefined;
  });

  it.each(Object.entries(EXPECTED))('at %s', async (release, expected) => {
    reached = await reach(await guestHost(release));
    expect(await script(reached.backend)).toEqual(expected);
  });
});
