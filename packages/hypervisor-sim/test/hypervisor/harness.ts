/** Shared helpers for the hypervisor tests: both p2m cores, a hypervisor per release, op shortcuts. */
import { decodeDmOp, decodeHvmOpArg, encodeDmOp, encodeHvmOpArg, type DmOpName, type DmOpPayloads } from '@xenmem/abi-types';
import { Hypervisor, loadNativeP2mCore, tsP2mCore, type P2mCore, type PreemptPolicy } from '../../src/index.js';

/** Both cores, so every behaviour test runs against each implementation. */
export const CORES: [string, () => P2mCore][] = [
  ['native', () => loadNativeP2mCore()],
  ['ts', () => tsP2mCore],
];

export const ERR = { EPERM: -1, ENOENT: -2, ESRCH: -3, E2BIG: -7, EAGAIN: -11, ENOMEM: -12, EFAULT: -14, EBUSY: -16, EEXIST: -17, EINVAL: -22, ENOSPC: -28, ERANGE: -34, ENOSYS: -38, ENODATA: -61, EOPNOTSUPP: -95 } as const;

export async function hypervisor(core: () => P2mCore, release: string, preempt: PreemptPolicy = 'never', domains: Parameters<Hypervisor['createDomain']>[0][] = [{ domid: 1, maxGpfn: 0xfffff }]) {
  const hv = new Hypervisor({ release, preempt, p2m: core() });
  for (const d of domains) await hv.createDomain(d);
  return hv;
}

export async function dm<N extends DmOpName>(hv: Hypervisor, name: N, payload: Partial<DmOpPayloads[N]>, opts: { caller?: number; domid?: number; extra?: Uint8Array } = {}) {
  const buf = encodeDmOp(name, payload);
  const bufs = opts.extra ? [buf, opts.extra] : [buf];
  const r = await hv.dmOp(opts.caller ?? 0, opts.domid ?? 1, bufs);
  return { ...r, out: decodeDmOp(buf).payload as Record<string, unknown>, buf };
}

export async function getMemType(hv: Hypervisor, pfn: bigint, opts: { caller?: number; domid?: number } = {}) {
  const buf = encodeHvmOpArg('get_mem_type', { domid: opts.domid ?? 1, pfn });
  const r = await hv.hvmOp(opts.caller ?? 0, 15, buf);
  return { rc: r.rc, memType: decodeHvmOpArg('get_mem_type', buf).mem_type as number };
}

export async function legacySetMemType(hv: Hypervisor, fields: { domid?: number; hvmmem_type: number; nr: number; first_pfn: bigint }, caller = 0, op = 8) {
  const buf = encodeHvmOpArg('set_mem_type', { domid: 1, ...fields });
  return { ...(await hv.hvmOp(caller, op, buf)), buf };
}

/** Claims ioreq_server for a fresh server (4.9+). Returns the server id. */
export async function claim(hv: Hypervisor, caller = 0): Promise<number> {
  const c = await dm(hv, 'create_ioreq_server', { handle_bufioreq: 0 }, { caller });
  if (c.rc !== 0) throw new Error(`create failed ${c.rc}`);
  const id = c.out.id as number;
  const m = await dm(hv, 'map_mem_type_to_ioreq_server', { id, type: 4, flags: 2 }, { caller });
  if (m.rc !== 0) throw new Error(`map failed ${m.rc}`);
  return id;
}
