/**
 * The error-path audit of docs/simulator.md ("Error paths, audited against Xen's source"), one test per row.
 * Each row names the release families it applies to, how to provoke the path, and the rc Xen's source gives;
 * it runs at one release of each of those families. Row ids match the table's.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeDmOp, decodeHvmOpArg, encodeDmOp, encodeHvmOpArg, type DmOpName, type DmOpPayloads, type HvmOpName } from '@xenmem/abi-types';
import { Hypervisor, tsP2mCore, loadNativeP2mCore, type P2mCore } from '../../src/index.js';
import { ERR } from '../hypervisor/harness.js';

/** The release families of the audit, each run at its first release. */
const FAMILIES = {
  '4.6': '4.6',
  '4.7': '4.7',
  '4.8': '4.8',
  '4.9': '4.9',
  '4.10': '4.10',
  '4.11': '4.11',
  '4.12–4.14': '4.12',
  '4.15–4.16': '4.15',
  '4.17–4.19': '4.17',
  '4.20': '4.20',
  '4.21': '4.21',
  '4.22': '4.22',
} as const;
type Family = keyof typeof FAMILIES;
const ALL = Object.keys(FAMILIES) as Family[];
const HVMOP_ERA = ALL.slice(0, 3);
const DMOP_ERA = ALL.slice(3);
const EMULATOR_ERA = ALL.slice(5);
const before = (family: Family) => ALL.slice(0, ALL.indexOf(family));
const from = (family: Family) => ALL.slice(ALL.indexOf(family));

/** The target (HVM, HAP, device model 5), a PV domain, an HVM domain on shadow paging. */
const TARGET = 1;
const PV = 2;
const SHADOW = 3;
const DM = 5;
const UNPRIVILEGED = 4;
const MISSING = 77;

const HVMOP_NUMBER: Record<string, number> = { set_mem_type: 8, get_mem_type: 15, create_ioreq_server: 17, get_ioreq_server_info: 18, map_io_range_to_ioreq_server: 19, unmap_io_range_from_ioreq_server: 20, destroy_ioreq_server: 21, set_ioreq_server_state: 22 };
const P2M_MMIO_DIRECT = 5;
const P2M_RAM_PAGED = 10;
const P2M_RAM_SHARED = 12;

class Bench {
  constructor(readonly hv: Hypervisor) {}

  /** A dm_op with `bufs` as given; returns rc. */
  async raw(bufs: Uint8Array[], opts: { caller?: number; domid?: number } = {}): Promise<number> {
    return (await this.hv.dmOp(opts.caller ?? 0, opts.domid ?? TARGET, bufs)).rc;
  }

  /** A well-formed dm_op; `extra` is buf[1]. */
  async dm<N extends DmOpName>(name: N, payload: Partial<DmOpPayloads[N]>, opts: { caller?: number; domid?: number; extra?: Uint8Array } = {}): Promise<number> {
    const buf = encodeDmOp(name, payload);
    return this.raw(opts.extra ? [buf, opts.extra] : [buf], opts);
  }

  /** An HVMOP by name with its struct's fields; `cmd` overrides the op word. */
  async hvm(name: HvmOpName, fields: Record<string, unknown>, opts: { caller?: number; cmd?: number; size?: number } = {}): Promise<number> {
    const arg = encodeHvmOpArg(name, { domid: TARGET, ...fields });
    return (await this.hv.hvmOp(opts.caller ?? 0, opts.cmd ?? HVMOP_NUMBER[name]!, opts.size === undefined ? arg : arg.subarray(0, opts.size))).rc;
  }

  /** Creates an ioreq server as `caller` (the HVMOP before 4.9); returns its id. */
  async server(caller = 0, bufioreq = 0): Promise<number> {
    if (isHvmopEra(this.hv.release)) {
      const arg = encodeHvmOpArg('create_ioreq_server', { domid: TARGET, handle_bufioreq: bufioreq });
      expect((await this.hv.hvmOp(caller, HVMOP_NUMBER.create_ioreq_server!, arg)).rc).toBe(0);
      return decodeHvmOpArg('create_ioreq_server', arg).id as number;
    }
    const buf = encodeDmOp('create_ioreq_server', { handle_bufioreq: bufioreq });
    expect(await this.raw([buf], { caller })).toBe(0);
    return decodeDmOp(buf).payload!.id as number;
  }

  /** Creates a server and claims p2m_ioreq_server for it (4.9+). */
  async claim(caller = 0): Promise<number> {
    const id = await this.server(caller);
    expect(await this.dm('map_mem_type_to_ioreq_server', { id, type: 4, flags: 2 }, { caller })).toBe(0);
    return id;
  }

  /** An ioreq-server op in the release's form: the HVMOP (4.6–4.8) or the DMOP. */
  async ioreq(name: 'get_ioreq_server_info' | 'map_io_range_to_ioreq_server' | 'unmap_io_range_from_ioreq_server' | 'set_ioreq_server_state' | 'destroy_ioreq_server', fields: Record<string, unknown>, caller = 0): Promise<number> {
    if (isHvmopEra(this.hv.release)) return this.hvm(name, fields, { caller });
    return this.dm(name, fields as never, { caller });
  }
}

function isHvmopEra(release: string): boolean {
  return release === '4.6' || release === '4.7' || release === '4.8';
}

interface Row {
  id: string;
  /** Families with the rc of each (all the same unless `rc` is a map). */
  families: readonly Family[];
  provoke: (b: Bench) => Promise<number>;
  rc: number | Partial<Record<Family, number>>;
  /** The hypervisor's preemption policy for the row (default "never"). */
  preempt?: 'always';
}

const withPad = (name: DmOpName, payload: Record<string, unknown>) => {
  const b = encodeDmOp(name, payload as never);
  b[4] = 1;
  return b;
};

/** do_dm_op / dm_op: the path every DM op takes (xen/arch/x86/hvm/dm.c; xen/common/dm.c at 4.22). */
const ENTRY: Row[] = [
  { id: 'E1', families: DMOP_ERA, provoke: (b) => b.raw([]), rc: ERR.ENODATA },
  { id: 'E2', families: DMOP_ERA, provoke: (b) => b.raw([new Uint8Array(32), new Uint8Array(8), new Uint8Array(8)], { domid: MISSING }), rc: ERR.E2BIG },
  { id: 'E3', families: DMOP_ERA, provoke: (b) => b.raw(['bad' as unknown as Uint8Array]), rc: ERR.EFAULT },
  { id: 'E4', families: DMOP_ERA, provoke: (b) => b.dm('nr_vcpus', {}, { domid: MISSING }), rc: ERR.ESRCH },
  { id: 'E5', families: DMOP_ERA, provoke: (b) => b.dm('nr_vcpus', {}, { caller: TARGET }), rc: ERR.EPERM },
  { id: 'E6', families: DMOP_ERA, provoke: (b) => b.dm('set_mem_type', { nr: 1, mem_type: 9, first_pfn: 0n }, { domid: PV }), rc: { '4.9': 0, '4.10': 0, '4.11': 0, '4.12–4.14': 0, '4.15–4.16': ERR.EINVAL, '4.17–4.19': ERR.EINVAL, '4.20': ERR.EINVAL, '4.21': ERR.EINVAL, '4.22': ERR.EINVAL } },
  { id: 'E7', families: DMOP_ERA, provoke: (b) => b.dm('set_mem_type', { nr: 1, mem_type: 9, first_pfn: 0n }, { caller: UNPRIVILEGED }), rc: ERR.EPERM },
  { id: 'E7b', families: DMOP_ERA, provoke: (b) => b.dm('set_mem_type', { nr: 1, mem_type: 1, first_pfn: 0n }, { caller: DM }), rc: 0 },
  // set_mem_type's header + payload is 24 bytes: too short for the whole 32-byte op, enough for 4.11's copy.
  { id: 'E8', families: DMOP_ERA, provoke: (b) => b.raw([encodeDmOp('set_mem_type', { nr: 1, mem_type: 1, first_pfn: 0n }).subarray(0, 24)]), rc: { '4.9': ERR.EFAULT, '4.10': ERR.EFAULT, '4.11': 0, '4.12–4.14': 0, '4.15–4.16': 0, '4.17–4.19': 0, '4.20': 0, '4.21': 0, '4.22': 0 } },
  { id: 'E9', families: from('4.11'), provoke: (b) => b.raw([new Uint8Array(7)]), rc: ERR.EFAULT },
  // An op number beyond the table with a non-zero pad: 4.9/4.10 check the pad first.
  { id: 'E10', families: DMOP_ERA, provoke: (b) => b.raw([Object.assign(new Uint8Array(32), { 0: 99, 4: 1 })]), rc: { '4.9': ERR.EINVAL, '4.10': ERR.EINVAL, '4.11': ERR.EOPNOTSUPP, '4.12–4.14': ERR.EOPNOTSUPP, '4.15–4.16': ERR.EOPNOTSUPP, '4.17–4.19': ERR.EOPNOTSUPP, '4.20': ERR.EOPNOTSUPP, '4.21': ERR.EOPNOTSUPP, '4.22': ERR.EOPNOTSUPP } },
  { id: 'E11', families: from('4.11'), provoke: (b) => b.raw([encodeDmOp('set_mem_type', { nr: 1, mem_type: 1, first_pfn: 0n }).subarray(0, 23)]), rc: ERR.EFAULT },
  { id: 'E12', families: DMOP_ERA, provoke: (b) => b.raw([withPad('set_mem_type', { nr: 1, mem_type: 1, first_pfn: 0n })]), rc: ERR.EINVAL },
  { id: 'E13', families: DMOP_ERA, provoke: (b) => b.raw([new Uint8Array(32)]), rc: ERR.EOPNOTSUPP },
  { id: 'E14', families: DMOP_ERA, provoke: (b) => b.dm('set_irq_level', { irq: 1, level: 1 } as never), rc: ERR.EOPNOTSUPP },
  { id: 'E15', families: ['4.9', '4.10', '4.11', '4.12–4.14'], provoke: (b) => b.raw([Object.assign(new Uint8Array(32), { 0: 20 })]), rc: ERR.EOPNOTSUPP },
  { id: 'E16', families: HVMOP_ERA, provoke: (b) => b.raw([encodeDmOp('nr_vcpus', {})]), rc: ERR.ENOSYS },
];

/** A byte of buf[0]'s payload (offset from the payload's start) set to 1: a pad field. */
const padAt = (name: DmOpName, payload: Record<string, unknown>, offset: number) => {
  const b = encodeDmOp(name, payload as never);
  b[8 + offset] = 1;
  return b;
};
const except = (families: readonly Family[], rc: number, others: Partial<Record<Family, number>>) => Object.fromEntries(families.map((f) => [f, others[f] ?? rc])) as Partial<Record<Family, number>>;

/** Creates `n` servers; returns the rc of the next create. */
async function exhaust(b: Bench, n: number, bufioreq = 0): Promise<number> {
  for (let i = 0; i < n; i++) await b.server(0, bufioreq);
  if (isHvmopEra(b.hv.release)) return (await b.hv.hvmOp(0, HVMOP_NUMBER.create_ioreq_server!, encodeHvmOpArg('create_ioreq_server', { domid: TARGET, handle_bufioreq: bufioreq }))).rc;
  return b.dm('create_ioreq_server', { handle_bufioreq: bufioreq });
}

/** Four buffered servers whose get_info takes the whole gfn pool, 0xfeff0 … 0xfeff7 (4.11+: gfns on demand). */
async function fillGfnPool(b: Bench): Promise<void> {
  for (let i = 0; i < 4; i++) expect(await b.dm('get_ioreq_server_info', { id: await b.server(0, 1) })).toBe(0);
}

/** Maps `n` disjoint one-port ranges; returns the rc of the last. */
async function mapRanges(b: Bench, id: number, n: number): Promise<number> {
  let rc = 0;
  for (let i = 0; i < n && rc === 0; i++) rc = await b.ioreq('map_io_range_to_ioreq_server', { id, type: 0, start: BigInt(2 * i), end: BigInt(2 * i) });
  return rc;
}

/** The ioreq-server ops: dm.c's pad checks, then ioreq.c (xen/common/ioreq.c from 4.15); hvm.c's HVMOPs at 4.6–4.8. */
const IOREQ: Row[] = [
  // create_ioreq_server
  { id: 'C1', families: DMOP_ERA, provoke: (b) => b.raw([padAt('create_ioreq_server', {}, 1)]), rc: ERR.EINVAL },
  { id: 'C2', families: ALL, provoke: (b) => (isHvmopEra(b.hv.release) ? b.hvm('create_ioreq_server', { handle_bufioreq: 3 }) : b.dm('create_ioreq_server', { handle_bufioreq: 3 })), rc: ERR.EINVAL },
  { id: 'C3', families: before('4.11'), provoke: (b) => exhaust(b, 4, 1), rc: ERR.ENOMEM },
  { id: 'C4', families: ['4.11'], provoke: (b) => exhaust(b, 7), rc: ERR.ENOSPC },
  { id: 'C5', families: from('4.12–4.14'), provoke: (b) => exhaust(b, 8), rc: ERR.ENOSPC },
  // get_ioreq_server_info
  { id: 'G1', families: DMOP_ERA, provoke: async (b) => b.dm('get_ioreq_server_info', { id: await b.server(), flags: 2 }), rc: ERR.EINVAL },
  { id: 'G2', families: DMOP_ERA, provoke: async (b) => b.dm('get_ioreq_server_info', { id: await b.server(), flags: 1 }), rc: except(DMOP_ERA, 0, { '4.9': ERR.EINVAL, '4.10': ERR.EINVAL }) },
  { id: 'G3', families: ALL, provoke: async (b) => (await b.server(), b.ioreq('get_ioreq_server_info', { id: 6 })), rc: ERR.ENOENT },
  { id: 'G4', families: ALL, provoke: async (b) => b.ioreq('get_ioreq_server_info', { id: await b.server() }, DM), rc: except(ALL, ERR.EPERM, { '4.6': 0, '4.7': 0, '4.8': 0, '4.9': 0, '4.10': 0 }) },
  { id: 'G5', families: EMULATOR_ERA, provoke: async (b) => { const id = await b.server(); expect((await b.hv.acquireResource(0, TARGET, 0, id, 1, 1)).rc).toBe(0); return b.dm('get_ioreq_server_info', { id }); }, rc: ERR.EPERM },
  // The pool of 8 gfns held by four buffered servers; then a fifth server's get_info (hvm_alloc_ioreq_gfn, legacy fallback from 4.12).
  { id: 'G6', families: from('4.11'), provoke: async (b) => (await fillGfnPool(b), b.dm('get_ioreq_server_info', { id: await b.server() })), rc: except(from('4.11'), ERR.ENOMEM, { '4.21': 0, '4.22': 0 }) },
  { id: 'G7', families: from('4.11'), provoke: async (b) => { await fillGfnPool(b); const id = await b.server(); await b.dm('get_ioreq_server_info', { id }); return b.dm('get_ioreq_server_info', { id }); }, rc: except(from('4.11'), 0, { '4.11': ERR.ENOMEM }) },
  { id: 'G8', families: from('4.11'), provoke: async (b) => { await fillGfnPool(b); for (let i = 0; i < 2; i++) await b.dm('get_ioreq_server_info', { id: await b.server() }); return b.dm('get_ioreq_server_info', { id: await b.server() }); }, rc: except(from('4.11'), 0, { '4.11': ERR.ENOMEM, '4.21': ERR.ENOMEM, '4.22': ERR.ENOMEM }) },
  // map/unmap_io_range
  { id: 'R1', families: DMOP_ERA, provoke: async (b) => b.raw([padAt('map_io_range_to_ioreq_server', { id: await b.server(), type: 0, start: 1n, end: 1n }, 2)]), rc: ERR.EINVAL },
  { id: 'R2', families: from('4.10'), provoke: async (b) => b.dm('map_io_range_to_ioreq_server', { id: 6, type: 0, start: 2n, end: 1n }), rc: ERR.EINVAL },
  { id: 'R3', families: ALL, provoke: async (b) => (await b.server(), b.ioreq('map_io_range_to_ioreq_server', { id: 6, type: 0, start: 1n, end: 1n })), rc: ERR.ENOENT },
  { id: 'R4', families: ALL, provoke: async (b) => b.ioreq('map_io_range_to_ioreq_server', { id: await b.server(), type: 0, start: 1n, end: 1n }, DM), rc: except(ALL, ERR.EPERM, { '4.6': 0, '4.7': 0, '4.8': 0, '4.9': 0, '4.10': 0 }) },
  { id: 'R5', families: ALL, provoke: async (b) => b.ioreq('map_io_range_to_ioreq_server', { id: await b.server(), type: 3, start: 1n, end: 1n }), rc: ERR.EINVAL },
  { id: 'R6', families: ALL, provoke: async (b) => { const id = await b.server(); expect(await b.ioreq('map_io_range_to_ioreq_server', { id, type: 1, start: 0x1000n, end: 0x1fffn })).toBe(0); return b.ioreq('map_io_range_to_ioreq_server', { id, type: 1, start: 0x1800n, end: 0x2800n }); }, rc: ERR.EEXIST },
  { id: 'R7', families: ALL, provoke: async (b) => mapRanges(b, await b.server(), 257), rc: ERR.ENOMEM },
  { id: 'R8', families: DMOP_ERA, provoke: async (b) => b.raw([padAt('unmap_io_range_from_ioreq_server', { id: await b.server(), type: 0, start: 1n, end: 1n }, 2)]), rc: ERR.EINVAL },
  { id: 'R9', families: ALL, provoke: async (b) => (await b.server(), b.ioreq('unmap_io_range_from_ioreq_server', { id: 6, type: 0, start: 1n, end: 1n })), rc: ERR.ENOENT },
  { id: 'R10', families: ALL, provoke: async (b) => { const id = await b.server(); expect(await b.ioreq('map_io_range_to_ioreq_server', { id, type: 0, start: 0x10n, end: 0x1fn })).toBe(0); return b.ioreq('unmap_io_range_from_ioreq_server', { id, type: 0, start: 0x10n, end: 0x20n }); }, rc: ERR.ENOENT },
  { id: 'R11', families: ALL, provoke: async (b) => b.ioreq('unmap_io_range_from_ioreq_server', { id: await b.server(), type: 0, start: 1n, end: 1n }, DM), rc: except(ALL, ERR.EPERM, { '4.6': ERR.ENOENT, '4.7': ERR.ENOENT, '4.8': ERR.ENOENT, '4.9': ERR.ENOENT, '4.10': ERR.ENOENT }) },
  // set_ioreq_server_state
  { id: 'S1', families: DMOP_ERA, provoke: async (b) => b.raw([padAt('set_ioreq_server_state', { id: await b.server(), enabled: 1 }, 3)]), rc: ERR.EINVAL },
  { id: 'S2', families: ALL, provoke: async (b) => (await b.server(), b.ioreq('set_ioreq_server_state', { id: 6, enabled: 1 })), rc: ERR.ENOENT },
  { id: 'S3', families: ALL, provoke: async (b) => b.ioreq('set_ioreq_server_state', { id: await b.server(), enabled: 1 }, DM), rc: except(ALL, ERR.EPERM, { '4.6': 0, '4.7': 0, '4.8': 0, '4.9': 0, '4.10': 0 }) },
  // destroy_ioreq_server
  { id: 'D1', families: DMOP_ERA, provoke: async (b) => b.raw([padAt('destroy_ioreq_server', { id: await b.server() }, 2)]), rc: ERR.EINVAL },
  { id: 'D2', families: ['4.11'], provoke: (b) => b.dm('destroy_ioreq_server', { id: 0 }), rc: ERR.EPERM },
  { id: 'D3', families: ALL, provoke: async (b) => (await b.server(), b.ioreq('destroy_ioreq_server', { id: 6 })), rc: ERR.ENOENT },
  { id: 'D4', families: ALL, provoke: async (b) => b.ioreq('destroy_ioreq_server', { id: await b.server() }, DM), rc: except(ALL, ERR.EPERM, { '4.6': 0, '4.7': 0, '4.8': 0, '4.9': 0, '4.10': 0 }) },
  // map_mem_type_to_ioreq_server
  { id: 'M1', families: DMOP_ERA, provoke: (b) => b.dm('map_mem_type_to_ioreq_server', { id: 1, type: 4, flags: 2 }, { domid: SHADOW }), rc: ERR.EOPNOTSUPP },
  { id: 'M2', families: DMOP_ERA, provoke: async (b) => b.dm('map_mem_type_to_ioreq_server', { id: await b.server(), type: 2, flags: 2 }), rc: ERR.EINVAL },
  { id: 'M3', families: DMOP_ERA, provoke: async (b) => b.dm('map_mem_type_to_ioreq_server', { id: await b.server(), type: 4, flags: 1 }), rc: ERR.EINVAL },
  { id: 'M4', families: DMOP_ERA, provoke: async (b) => (await b.server(), b.dm('map_mem_type_to_ioreq_server', { id: 6, type: 4, flags: 2 })), rc: ERR.ENOENT },
  { id: 'M5', families: DMOP_ERA, provoke: async (b) => b.dm('map_mem_type_to_ioreq_server', { id: await b.server(), type: 4, flags: 2 }, { caller: DM }), rc: except(DMOP_ERA, ERR.EPERM, { '4.9': 0, '4.10': 0 }) },
  { id: 'M6', families: DMOP_ERA, provoke: async (b) => b.dm('map_mem_type_to_ioreq_server', { id: await b.server(), type: 4, flags: 0 }), rc: ERR.EINVAL },
  { id: 'M7', families: DMOP_ERA, provoke: async (b) => b.dm('map_mem_type_to_ioreq_server', { id: await b.claim(), type: 4, flags: 2 }), rc: ERR.EBUSY },
  {
    id: 'M8',
    families: DMOP_ERA,
    provoke: async (b) => {
      const first = await b.claim();
      expect(await b.dm('set_mem_type', { first_pfn: 0x10n, nr: 1, mem_type: 4 })).toBe(0);
      expect(await b.dm('destroy_ioreq_server', { id: first })).toBe(0);
      return b.dm('map_mem_type_to_ioreq_server', { id: await b.server(), type: 4, flags: 2 });
    },
    rc: ERR.EBUSY,
  },
];

const SMT = (fields: { first_pfn: bigint; nr: number; mem_type: number }) => fields;

/** set_mem_type: the DMOP (dm.c set_mem_type, 4.9+) and the HVMOP (hvm.c, 4.6–4.8). */
const SET_MEM_TYPE: Row[] = [
  { id: 'T1', families: DMOP_ERA, provoke: (b) => b.raw([padAt('set_mem_type', SMT({ first_pfn: 0x10n, nr: 1, mem_type: 1 }), 6)]), rc: ERR.EINVAL },
  { id: 'T2', families: DMOP_ERA, provoke: (b) => b.dm('set_mem_type', SMT({ first_pfn: 0x10n, nr: 0, mem_type: 1 })), rc: ERR.EINVAL },
  { id: 'T3', families: DMOP_ERA, provoke: (b) => b.dm('set_mem_type', SMT({ first_pfn: 0xffffffffffffffffn, nr: 2, mem_type: 1 })), rc: ERR.EINVAL },
  { id: 'T4', families: DMOP_ERA, provoke: (b) => b.dm('set_mem_type', SMT({ first_pfn: 0xfffffn, nr: 2, mem_type: 1 })), rc: ERR.EINVAL },
  { id: 'T5', families: DMOP_ERA, provoke: (b) => b.dm('set_mem_type', SMT({ first_pfn: 0x10n, nr: 1, mem_type: 3 })), rc: ERR.EINVAL },
  { id: 'T6', families: DMOP_ERA, provoke: (b) => b.dm('set_mem_type', SMT({ first_pfn: 0x10n, nr: 1, mem_type: 5 })), rc: ERR.EINVAL },
  { id: 'T7', families: DMOP_ERA, provoke: (b) => b.dm('set_mem_type', SMT({ first_pfn: 0x10n, nr: 1, mem_type: 4 }), { domid: SHADOW }), rc: ERR.EOPNOTSUPP },
  { id: 'T8', families: DMOP_ERA, provoke: (b) => b.dm('set_mem_type', SMT({ first_pfn: 0x10n, nr: 1, mem_type: 4 })), rc: ERR.EINVAL },
  { id: 'T9', families: DMOP_ERA, provoke: async (b) => (await b.hv.seedP2m(TARGET, 0x10n, 1, P2M_RAM_PAGED), b.dm('set_mem_type', SMT({ first_pfn: 0x10n, nr: 1, mem_type: 1 }))), rc: ERR.EAGAIN },
  { id: 'T10', families: DMOP_ERA, provoke: async (b) => (await b.hv.seedP2m(TARGET, 0x10n, 1, P2M_RAM_SHARED), b.dm('set_mem_type', SMT({ first_pfn: 0x10n, nr: 1, mem_type: 1 }))), rc: ERR.EAGAIN },
  { id: 'T11', families: DMOP_ERA, provoke: async (b) => (await b.hv.seedP2m(TARGET, 0x10n, 1, P2M_MMIO_DIRECT), b.dm('set_mem_type', SMT({ first_pfn: 0x10n, nr: 1, mem_type: 1 }))), rc: ERR.EINVAL },
  { id: 'T12', families: DMOP_ERA, provoke: async (b) => (await b.hv.seedP2m(TARGET, 0x11n, 1, P2M_MMIO_DIRECT), b.dm('set_mem_type', SMT({ first_pfn: 0x10n, nr: 2, mem_type: 1 }))), rc: ERR.EINVAL },
  // legacy HVMOP 8
  { id: 'L1', families: HVMOP_ERA, provoke: (b) => b.hvm('set_mem_type', { first_pfn: 0x10n, nr: 1, hvmmem_type: 1 }, { size: 8 }), rc: ERR.EFAULT },
  { id: 'L2', families: HVMOP_ERA, provoke: (b) => b.hvm('set_mem_type', { domid: MISSING, first_pfn: 0x10n, nr: 1, hvmmem_type: 1 }), rc: ERR.ESRCH },
  { id: 'L3', families: HVMOP_ERA, provoke: (b) => b.hvm('set_mem_type', { first_pfn: 0x10n, nr: 1, hvmmem_type: 1 }, { caller: TARGET }), rc: ERR.EPERM },
  { id: 'L4', families: HVMOP_ERA, provoke: (b) => b.hvm('set_mem_type', { domid: PV, first_pfn: 0x10n, nr: 1, hvmmem_type: 1 }), rc: ERR.EINVAL },
  { id: 'L5', families: HVMOP_ERA, provoke: (b) => b.hvm('set_mem_type', { first_pfn: 0x10n, nr: 1, hvmmem_type: 1 }, { caller: UNPRIVILEGED }), rc: ERR.EPERM },
  { id: 'L6', families: HVMOP_ERA, provoke: (b) => b.hvm('set_mem_type', { first_pfn: 0x10n, nr: 1, hvmmem_type: 1 }, { cmd: 8 | 0x200 }), rc: ERR.EINVAL },
  { id: 'L7', families: HVMOP_ERA, provoke: (b) => b.hvm('set_mem_type', { first_pfn: 0x10n, nr: 0, hvmmem_type: 1 }), rc: ERR.EINVAL },
  { id: 'L8', families: HVMOP_ERA, provoke: (b) => b.hvm('set_mem_type', { first_pfn: 0xfffffn, nr: 2, hvmmem_type: 1 }), rc: ERR.EINVAL },
  { id: 'L9', families: HVMOP_ERA, provoke: (b) => b.hvm('set_mem_type', { first_pfn: 0x10n, nr: 1, hvmmem_type: 3 }), rc: { '4.6': 0, '4.7': ERR.EINVAL, '4.8': ERR.EINVAL } },
  { id: 'L10', families: HVMOP_ERA, provoke: (b) => b.hvm('set_mem_type', { first_pfn: 0x10n, nr: 1, hvmmem_type: 4 }), rc: { '4.6': ERR.EINVAL, '4.7': ERR.EINVAL, '4.8': 0 } },
  { id: 'L11', families: HVMOP_ERA, provoke: async (b) => (await b.hv.seedP2m(TARGET, 0x10n, 1, P2M_RAM_PAGED), b.hvm('set_mem_type', { first_pfn: 0x10n, nr: 1, hvmmem_type: 1 })), rc: ERR.EAGAIN },
  { id: 'L12', families: HVMOP_ERA, provoke: async (b) => (await b.hv.seedP2m(TARGET, 0x10n, 1, P2M_RAM_SHARED), b.hvm('set_mem_type', { first_pfn: 0x10n, nr: 1, hvmmem_type: 1 })), rc: ERR.EAGAIN },
  { id: 'L13', families: HVMOP_ERA, provoke: async (b) => (await b.hv.seedP2m(TARGET, 0x10n, 1, P2M_MMIO_DIRECT), b.hvm('set_mem_type', { first_pfn: 0x10n, nr: 1, hvmmem_type: 1 })), rc: ERR.EINVAL },
];

/** The HVMOP entry path of the 4.6–4.8 ioreq-server ops (hvm.c hvmop_create_ioreq_server and its siblings). */
const HVMOP_ENTRY: Row[] = [
  { id: 'H1', families: HVMOP_ERA, provoke: (b) => b.hvm('create_ioreq_server', {}, { size: 2 }), rc: ERR.EFAULT },
  { id: 'H2', families: HVMOP_ERA, provoke: (b) => b.hvm('create_ioreq_server', { domid: MISSING }), rc: ERR.ESRCH },
  { id: 'H3', families: HVMOP_ERA, provoke: (b) => b.hvm('create_ioreq_server', {}, { caller: TARGET }), rc: ERR.EPERM },
  { id: 'H4', families: HVMOP_ERA, provoke: (b) => b.hvm('create_ioreq_server', { domid: PV }), rc: ERR.EINVAL },
  { id: 'H5', families: HVMOP_ERA, provoke: (b) => b.hvm('create_ioreq_server', {}, { caller: UNPRIVILEGED }), rc: ERR.EPERM },
  { id: 'H6', families: DMOP_ERA, provoke: (b) => b.hvm('create_ioreq_server', {}), rc: ERR.ENOSYS },
];

/** HVMOP_get_mem_type (hvm.c hvmop_get_mem_type, every release). */
const GET_MEM_TYPE: Row[] = [
  { id: 'Q1', families: ALL, provoke: (b) => b.hvm('get_mem_type', { pfn: 0x10n }, { size: 4 }), rc: ERR.EFAULT },
  { id: 'Q2', families: ALL, provoke: (b) => b.hvm('get_mem_type', { domid: MISSING, pfn: 0x10n }), rc: ERR.ESRCH },
  { id: 'Q3', families: ALL, provoke: (b) => b.hvm('get_mem_type', { domid: PV, pfn: 0x10n }, { caller: UNPRIVILEGED }), rc: ERR.EPERM },
  { id: 'Q4', families: ALL, provoke: (b) => b.hvm('get_mem_type', { domid: PV, pfn: 0x10n }), rc: ERR.EINVAL },
  { id: 'Q5', families: ALL, provoke: (b) => b.hvm('get_mem_type', { domid: 0x7ff0, pfn: 0x10n }, { caller: TARGET }), rc: 0 },
];

/** Turns log-dirty mode on the way HAP's track_dirty_vram does before XSA-397 (a tracked range). */
async function trackVram(b: Bench): Promise<void> {
  expect(await b.dm('track_dirty_vram', { first_pfn: 0x100n, nr: 8 }, { extra: new Uint8Array(1) })).toBe(0);
}
const extent = (first: bigint, nr: number, pad = 0) => {
  const e = new Uint8Array(16);
  const v = new DataView(e.buffer);
  v.setUint32(0, nr, true);
  v.setUint32(4, pad, true);
  v.setBigUint64(8, first, true);
  return e;
};
const BEFORE_XSA_397 = ['4.9', '4.10', '4.11', '4.12–4.14', '4.15–4.16'] as const;

/** track_dirty_vram, modified_memory (dm.c) and the ops whose effect lies outside the model. */
const OTHER_DMOPS: Row[] = [
  { id: 'V1', families: DMOP_ERA, provoke: (b) => b.raw([padAt('track_dirty_vram', { first_pfn: 0x100n, nr: 8 }, 4), new Uint8Array(1)]), rc: ERR.EINVAL },
  { id: 'V2', families: DMOP_ERA, provoke: (b) => b.dm('track_dirty_vram', { first_pfn: 0x100n, nr: 8 }), rc: ERR.EINVAL },
  { id: 'V3', families: DMOP_ERA, provoke: (b) => b.dm('track_dirty_vram', { first_pfn: 0x100n, nr: 0x40001 }, { extra: new Uint8Array(0x8001) }), rc: ERR.EINVAL },
  { id: 'V4', families: DMOP_ERA, provoke: (b) => b.dm('track_dirty_vram', { first_pfn: 0x100n, nr: 9 }, { extra: new Uint8Array(1) }), rc: ERR.EINVAL },
  // One buffer: XSA-506's check (4.22) before modified_memory's log-dirty test; earlier, 0 with log-dirty off.
  { id: 'MM0', families: DMOP_ERA, provoke: (b) => b.dm('modified_memory', { nr_extents: 1 }), rc: except(DMOP_ERA, 0, { '4.22': ERR.EINVAL }) },
  { id: 'MM1', families: BEFORE_XSA_397, provoke: async (b) => (await trackVram(b), b.dm('modified_memory', { nr_extents: 2 }, { extra: new Uint8Array(31) })), rc: ERR.EINVAL },
  { id: 'MM2', families: BEFORE_XSA_397, provoke: async (b) => (await trackVram(b), b.dm('modified_memory', { nr_extents: 1 }, { extra: extent(0x10n, 1, 1) })), rc: ERR.EINVAL },
  { id: 'MM3', families: BEFORE_XSA_397, provoke: async (b) => (await trackVram(b), b.dm('modified_memory', { nr_extents: 1 }, { extra: extent(0x10n, 0) })), rc: ERR.EINVAL },
  { id: 'MM4', families: BEFORE_XSA_397, provoke: async (b) => (await trackVram(b), b.dm('modified_memory', { nr_extents: 1 }, { extra: extent(0xffffen, 2) })), rc: ERR.EINVAL },
  { id: 'MM5', families: BEFORE_XSA_397, provoke: async (b) => (await trackVram(b), b.dm('modified_memory', { nr_extents: 1, opaque: 4 }, { extra: extent(0x10n, 4) })), rc: ERR.EINVAL },
  { id: 'O1', families: DMOP_ERA, provoke: (b) => b.dm('set_pci_intx_level', { domain: 1, bus: 0, device: 0, intx: 0, level: 0 }), rc: ERR.EINVAL },
  { id: 'O2', families: DMOP_ERA, provoke: (b) => b.dm('set_pci_intx_level', { domain: 0, bus: 1, device: 0, intx: 0, level: 0 }), rc: ERR.EINVAL },
  { id: 'O3', families: DMOP_ERA, provoke: (b) => b.dm('set_pci_intx_level', { domain: 0, bus: 0, device: 32, intx: 0, level: 0 }), rc: ERR.EINVAL },
  { id: 'O4', families: DMOP_ERA, provoke: (b) => b.dm('set_pci_intx_level', { domain: 0, bus: 0, device: 0, intx: 4, level: 0 }), rc: ERR.EINVAL },
  { id: 'O5', families: DMOP_ERA, provoke: (b) => b.dm('set_pci_intx_level', { domain: 0, bus: 0, device: 0, intx: 0, level: 2 }), rc: ERR.EINVAL },
  { id: 'O6', families: DMOP_ERA, provoke: (b) => b.dm('set_isa_irq_level', { isa_irq: 16, level: 0 }), rc: ERR.EINVAL },
  { id: 'O7', families: DMOP_ERA, provoke: (b) => b.dm('set_isa_irq_level', { isa_irq: 1, level: 2 }), rc: ERR.EINVAL },
  { id: 'O8', families: DMOP_ERA, provoke: (b) => b.dm('set_pci_link_route', { link: 4, isa_irq: 1 }), rc: ERR.EINVAL },
  { id: 'O9', families: DMOP_ERA, provoke: (b) => b.dm('set_pci_link_route', { link: 0, isa_irq: 16 }), rc: ERR.EINVAL },
  { id: 'O10', families: DMOP_ERA, provoke: (b) => b.raw([padAt('inject_event', { vcpuid: 0, vector: 14 }, 7)]), rc: ERR.EINVAL },
  { id: 'O11', families: DMOP_ERA, provoke: (b) => b.dm('inject_event', { vcpuid: 1, vector: 14 }), rc: ERR.EINVAL },
  { id: 'O12', families: DMOP_ERA, provoke: (b) => b.raw([padAt('inject_msi', { addr: 0xfee00000n, data: 0x31 }, 4)]), rc: ERR.EINVAL },
  { id: 'O13', families: from('4.11'), provoke: (b) => b.raw([padAt('relocate_memory', { size: 1, src_gfn: 0x10n, dst_gfn: 0x20n }, 4)]), rc: ERR.EINVAL },
  { id: 'O14', families: from('4.11'), provoke: (b) => b.raw([padAt('pin_memory_cacheattr', { start: 0x10n, end: 0x20n, type: 6 }, 20)]), rc: ERR.EINVAL },
  { id: 'O15', families: from('4.11'), provoke: (b) => b.dm('pin_memory_cacheattr', { start: 0x20n, end: 0x10n, type: 6 }), rc: ERR.EINVAL },
  { id: 'O16', families: from('4.11'), provoke: (b) => b.dm('pin_memory_cacheattr', { start: 0x10n, end: 0x20n, type: 2 }), rc: ERR.EINVAL },
];

/** XENMEM_acquire_resource of ioreq-server frames (xen/common/memory.c acquire_resource; schema acquireResource). */
const acquire = async (b: Bench, o: { caller?: number; domid?: number; type?: number; id: number; frame?: number; nr?: number }) =>
  (await b.hv.acquireResource(o.caller ?? DM, o.domid ?? TARGET, o.type ?? 0, o.id, o.frame ?? 1, o.nr ?? 1)).rc;
const BEFORE_4_15 = ['4.11', '4.12–4.14'] as const;
const FROM_4_15 = from('4.15–4.16');
const split = (early: number, late: number) => ({ ...Object.fromEntries(BEFORE_4_15.map((f) => [f, early])), ...Object.fromEntries(FROM_4_15.map((f) => [f, late])) }) as Partial<Record<Family, number>>;

const FROM_4_20_EINVAL = Object.fromEntries(from('4.20').map((f) => [f, ERR.EINVAL])) as Partial<Record<Family, number>>;
/** acquire() of a type the simulator does not map, which fails with the reason `resource-type` at every release. */
const unknownType = async (b: Bench, o: Parameters<typeof acquire>[1]) => {
  const rc = await acquire(b, o);
  expect(b.hv.lastFailure(o.caller ?? DM)?.reason?.id).toBe('resource-type');
  return rc;
};

const ACQUIRE_RESOURCE: Row[] = [
  { id: 'A1', families: EMULATOR_ERA, provoke: (b) => acquire(b, { domid: MISSING, id: 1, frame: 0xffffffff }), rc: split(ERR.ESRCH, ERR.EINVAL) },
  { id: 'A2', families: EMULATOR_ERA, provoke: (b) => acquire(b, { domid: MISSING, id: 1, frame: 0, nr: 3 }), rc: except(EMULATOR_ERA, ERR.ESRCH, { '4.11': ERR.E2BIG }) },
  { id: 'A3', families: EMULATOR_ERA, provoke: (b) => acquire(b, { domid: MISSING, id: 1, frame: 0, nr: 33 }), rc: split(ERR.E2BIG, ERR.ESRCH) },
  // 4.15+: past the size checks, nr_frames above UINT_MAX >> MEMOP_EXTENT_SHIFT is EINVAL before any frame is looked at.
  {
    id: 'A20',
    families: EMULATOR_ERA,
    provoke: async (b) => {
      const rc = await acquire(b, { id: await b.server(DM, 1), frame: 0, nr: 0x4000000 });
      if (rc === ERR.EINVAL) expect(b.hv.lastFailure(DM)?.reason?.id).toBe('resource-args');
      return rc;
    },
    rc: split(ERR.E2BIG, ERR.EINVAL),
  },
  { id: 'A4', families: EMULATOR_ERA, provoke: (b) => acquire(b, { domid: MISSING, id: 1 }), rc: ERR.ESRCH },
  { id: 'A5', families: EMULATOR_ERA, provoke: (b) => acquire(b, { caller: TARGET, id: 1 }), rc: ERR.EPERM },
  { id: 'A6', families: EMULATOR_ERA, provoke: (b) => acquire(b, { caller: UNPRIVILEGED, id: 1 }), rc: ERR.EPERM },
  // An unknown type: up to 4.19 resource_max_frames' -EOPNOTSUPP is a non-zero unsigned count, so the call reaches
  // _acquire_resource's EOPNOTSUPP after the nr_frames checks (A21); from 4.20 (commit 9b87082900) it is 0, EINVAL.
  { id: 'A7', families: EMULATOR_ERA, provoke: async (b) => unknownType(b, { type: 7, id: await b.server(DM, 1) }), rc: except(EMULATOR_ERA, ERR.EOPNOTSUPP, FROM_4_20_EINVAL) },
  { id: 'A21', families: EMULATOR_ERA, provoke: async (b) => acquire(b, { type: 7, id: await b.server(DM, 1), nr: 0 }), rc: split(ERR.EOPNOTSUPP, ERR.EINVAL) },
  { id: 'A22', families: EMULATOR_ERA, provoke: (b) => unknownType(b, { caller: 0, domid: PV, type: 7, id: 1 }), rc: except(EMULATOR_ERA, ERR.EOPNOTSUPP, FROM_4_20_EINVAL) },
  { id: 'A8', families: EMULATOR_ERA, provoke: async (b) => acquire(b, { id: await b.server(DM, 1), frame: 0, nr: 0 }), rc: split(0, ERR.EINVAL) },
  { id: 'A9', families: EMULATOR_ERA, provoke: (b) => acquire(b, { caller: 0, domid: PV, id: 1, nr: 0 }), rc: except(EMULATOR_ERA, ERR.EINVAL, { '4.11': 0 }) },
  { id: 'A10', families: EMULATOR_ERA, provoke: (b) => acquire(b, { caller: 0, domid: PV, id: 1 }), rc: ERR.EINVAL },
  { id: 'A11', families: EMULATOR_ERA, provoke: async (b) => (await b.server(DM, 1), acquire(b, { id: 0x10000 })), rc: ERR.EINVAL },
  { id: 'A12', families: EMULATOR_ERA, provoke: (b) => acquire(b, { id: 0 }), rc: except(EMULATOR_ERA, ERR.ENOENT, { '4.11': ERR.EOPNOTSUPP }) },
  { id: 'A13', families: EMULATOR_ERA, provoke: async (b) => (await b.server(DM, 1), acquire(b, { id: 6 })), rc: ERR.ENOENT },
  { id: 'A14', families: EMULATOR_ERA, provoke: async (b) => acquire(b, { caller: 0, id: await b.server(DM, 1) }), rc: ERR.EPERM },
  { id: 'A15', families: EMULATOR_ERA, provoke: async (b) => { const id = await b.server(DM, 1); expect(await b.dm('get_ioreq_server_info', { id }, { caller: DM })).toBe(0); return acquire(b, { id }); }, rc: ERR.EPERM },
  { id: 'A16', families: EMULATOR_ERA, provoke: async (b) => acquire(b, { id: await b.server(DM, 0), frame: 0 }), rc: ERR.ENOENT },
  { id: 'A17', families: EMULATOR_ERA, provoke: async (b) => acquire(b, { id: await b.server(DM, 1), frame: 2 }), rc: ERR.EINVAL },
  // The second frame fails the call; the pages were already set up as resource pages, so gfns are refused after.
  { id: 'A18', families: EMULATOR_ERA, provoke: async (b) => { const id = await b.server(DM, 1); expect(await acquire(b, { id, frame: 1, nr: 2 })).toBe(ERR.EINVAL); return b.dm('get_ioreq_server_info', { id }, { caller: DM }); }, rc: ERR.EPERM },
  { id: 'A19', families: EMULATOR_ERA, provoke: async (b) => { const id = await b.server(DM, 1); const r = await b.hv.acquireResource(DM, TARGET, 0, id, 0, 2); expect(r.pages).toHaveLength(2); return r.rc; }, rc: 0 },
];

/** One op's whole outcome (rc, continuations, progress) and the bytes of its buffers after it. */
async function outcome(b: Bench, bufs: Uint8Array[]) {
  return { ...(await b.hv.dmOp(0, TARGET, bufs)), buf: bufs[0]! };
}
const payloadOf = (buf: Uint8Array) => decodeDmOp(buf).payload as Record<string, unknown>;
/** modified_memory of `extents` with log-dirty on; checks the continuations, pages marked and the header left in buf[0]; returns rc. */
async function markWithPreemption(b: Bench, extents: Uint8Array[], left: { continuations: number; progress: number; nr_extents: number; opaque: number }): Promise<number> {
  await trackVram(b);
  const r = await outcome(b, [encodeDmOp('modified_memory', { nr_extents: extents.length }), Buffer.concat(extents)]);
  expect({ continuations: r.continuations, progress: r.progress, ...payloadOf(r.buf) }).toMatchObject(left);
  return r.rc;
}
const P2M_RAM_RO = 3;
const P2M_IOREQ_SERVER = 15;

/** The continuations: set_mem_type (dm.c, hvm.c), modified_memory (dm.c), map_mem_type's unmap sweep (dm.c dm_op). */
const CONTINUATIONS: Row[] = [
  {
    id: 'K1',
    families: DMOP_ERA,
    preempt: 'always',
    provoke: async (b) => {
      const r = await outcome(b, [encodeDmOp('set_mem_type', { first_pfn: 0x1000n, nr: 300, mem_type: 1 })]);
      // The continuation wrote first_pfn += 256, nr -= 256 back; the last pass copies the same back.
      expect({ continuations: r.continuations, ...payloadOf(r.buf) }).toMatchObject({ continuations: 1, first_pfn: 0x1100n, nr: 44 });
      expect([b.hv.p2mTypeAt(TARGET, 0x1000n), b.hv.p2mTypeAt(TARGET, 0x112bn), b.hv.p2mTypeAt(TARGET, 0x112cn)]).toEqual([P2M_RAM_RO, P2M_RAM_RO, 0]);
      return r.rc;
    },
    rc: 0,
  },
  { id: 'K2', families: DMOP_ERA, preempt: 'always', provoke: async (b) => { const r = await outcome(b, [encodeDmOp('set_mem_type', { first_pfn: 0x1000n, nr: 256, mem_type: 1 })]); expect(r.continuations).toBe(0); return r.rc; }, rc: 0 },
  {
    id: 'K3',
    families: DMOP_ERA,
    preempt: 'always',
    provoke: async (b) => {
      await b.hv.seedP2m(TARGET, 0x1000n + 300n, 1, P2M_MMIO_DIRECT);
      const r = await outcome(b, [encodeDmOp('set_mem_type', { first_pfn: 0x1000n, nr: 400, mem_type: 1 })]);
      // The refusal lies in the second pass; the first pass's pages and the refused page's predecessors stay changed.
      expect({ continuations: r.continuations, ...payloadOf(r.buf) }).toMatchObject({ continuations: 1, first_pfn: 0x1100n, nr: 144 });
      expect([b.hv.p2mTypeAt(TARGET, 0x112bn), b.hv.p2mTypeAt(TARGET, 0x112cn)]).toEqual([P2M_RAM_RO, P2M_MMIO_DIRECT]);
      return r.rc;
    },
    rc: ERR.EINVAL,
  },
  {
    id: 'K4',
    families: HVMOP_ERA,
    preempt: 'always',
    provoke: async (b) => {
      const arg = encodeHvmOpArg('set_mem_type', { domid: TARGET, first_pfn: 0x1000n, nr: 300, hvmmem_type: 1 });
      const before = arg.slice();
      const r = await b.hv.hvmOp(0, HVMOP_NUMBER.set_mem_type!, arg);
      // The progress travels in the op word (op | start_iter); the struct is not written.
      expect({ continuations: r.continuations, same: Buffer.compare(arg, before) === 0 }).toEqual({ continuations: 1, same: true });
      expect(b.hv.p2mTypeAt(TARGET, 0x112bn)).toBe(P2M_RAM_RO);
      return r.rc;
    },
    rc: 0,
  },
  {
    id: 'K5',
    families: HVMOP_ERA,
    provoke: async (b) => {
      // A caller-made continuation: op word 8 | 0x100 starts at first_pfn + 0x100; start_iter = nr changes nothing.
      expect(await b.hvm('set_mem_type', { first_pfn: 0x1000n, nr: 0x100, hvmmem_type: 1 }, { cmd: 8 | 0x100 })).toBe(0);
      expect(b.hv.p2mTypeAt(TARGET, 0x10ffn)).toBe(0);
      const rc = await b.hvm('set_mem_type', { first_pfn: 0x1000n, nr: 0x180, hvmmem_type: 1 }, { cmd: 8 | 0x100 });
      expect([b.hv.p2mTypeAt(TARGET, 0x10ffn), b.hv.p2mTypeAt(TARGET, 0x1100n), b.hv.p2mTypeAt(TARGET, 0x117fn), b.hv.p2mTypeAt(TARGET, 0x1180n)]).toEqual([0, P2M_RAM_RO, P2M_RAM_RO, 0]);
      return rc;
    },
    rc: 0,
  },
  // After 256 pages of the extent: nr_extents 1, opaque 256 written back; the final pass (const_op) leaves it so.
  { id: 'K6', families: BEFORE_XSA_397, preempt: 'always', provoke: (b) => markWithPreemption(b, [extent(0x2000n, 300)], { continuations: 1, progress: 300, nr_extents: 1, opaque: 256 }), rc: 0 },
  // Extents are walked from the last: the 256-page one ends a batch with one extent left, so a continuation.
  { id: 'K7', families: BEFORE_XSA_397, preempt: 'always', provoke: (b) => markWithPreemption(b, [extent(0x3000n, 1), extent(0x2000n, 256)], { continuations: 1, progress: 257, nr_extents: 1, opaque: 0 }), rc: 0 },
  { id: 'K8', families: BEFORE_XSA_397, preempt: 'always', provoke: (b) => markWithPreemption(b, [extent(0x2000n, 256)], { continuations: 0, progress: 256, nr_extents: 1, opaque: 0 }), rc: 0 },
  {
    id: 'K9',
    families: DMOP_ERA,
    preempt: 'always',
    provoke: async (b) => {
      const id = await b.claim();
      expect(await b.dm('set_mem_type', { first_pfn: 0x300n, nr: 1, mem_type: 4 })).toBe(0);
      const r = await outcome(b, [encodeDmOp('map_mem_type_to_ioreq_server', { id, type: 4, flags: 0 })]);
      // 256 gfns per step: 0x300 lies in the fourth; after it gfns remain, so Xen checks once more: 4 continuations.
      expect({ continuations: r.continuations, opaque: payloadOf(r.buf).opaque, type: b.hv.p2mTypeAt(TARGET, 0x300n) }).toEqual({ continuations: 4, opaque: 0x400n, type: 0 });
      return r.rc;
    },
    rc: 0,
  },
  { id: 'K10', families: DMOP_ERA, provoke: (b) => b.dm('map_mem_type_to_ioreq_server', { id: 6, type: 2, flags: 0, opaque: 0x100n }), rc: 0 },
  {
    id: 'K11',
    families: DMOP_ERA,
    provoke: async (b) => {
      const id = await b.server();
      expect(await b.dm('map_mem_type_to_ioreq_server', { id, type: 4, flags: 2, opaque: 0x100n })).toBe(0);
      // Nothing was claimed: set_mem_type to ioreq_server still has no server.
      return b.dm('set_mem_type', { first_pfn: 0x10n, nr: 1, mem_type: 4 });
    },
    rc: ERR.EINVAL,
  },
  { id: 'K12', families: DMOP_ERA, preempt: 'always', provoke: async (b) => { const id = await b.claim(); const r = await outcome(b, [encodeDmOp('map_mem_type_to_ioreq_server', { id, type: 4, flags: 0 })]); expect({ continuations: r.continuations, opaque: payloadOf(r.buf).opaque }).toEqual({ continuations: 0, opaque: 0n }); return r.rc; }, rc: 0 },
];

const CORES: [string, () => P2mCore][] = [
  ['ts', () => tsP2mCore],
  ['native', () => loadNativeP2mCore()],
];

async function bench(core: () => P2mCore, release: string, preempt: 'never' | 'always' = 'never'): Promise<Bench> {
  const hv = new Hypervisor({ release, preempt, p2m: core() });
  await hv.createDomain({ domid: TARGET, maxGpfn: 0xfffff, dm: DM });
  await hv.createDomain({ domid: PV, maxGpfn: 0xff, hvm: false });
  await hv.createDomain({ domid: SHADOW, maxGpfn: 0xff, hap: false, dm: DM });
  return new Bench(hv);
}

const ROWS = [...ENTRY, ...IOREQ, ...SET_MEM_TYPE, ...HVMOP_ENTRY, ...GET_MEM_TYPE, ...OTHER_DMOPS, ...ACQUIRE_RESOURCE, ...CONTINUATIONS];

/** The row ids of docs/simulator.md's audit tables ("A4, A5, A6", ranges like "H1–H5"), in the order written. */
function documentedRowIds(): string[] {
  const doc = readFileSync(new URL('../../../../docs/simulator.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## Error paths, audited'), doc.indexOf('## Why an errno'));
  const ids: string[] = [];
  for (const m of section.matchAll(/^\| ([A-Z][A-Za-z0-9, –]*?) \|/gm)) {
    if (m[1] === 'Row') continue;
    for (const part of m[1]!.split(', ')) {
      const range = /^([A-Z]+)(\d+)–[A-Z]+(\d+)$/.exec(part);
      if (range) for (let i = Number(range[2]); i <= Number(range[3]); i++) ids.push(`${range[1]}${i}`);
      else ids.push(part);
    }
  }
  return ids;
}

it('docs/simulator.md lists exactly the audited rows', () => {
  expect([...documentedRowIds()].sort()).toEqual(ROWS.map((r) => r.id).sort());
});

describe.each(CORES)('error paths audited against Xen (%s core)', (_name, core) => {
  it('row ids are unique', () => {
    expect(new Set(ROWS.map((r) => r.id)).size).toBe(ROWS.length);
  });
  for (const row of ROWS) {
    it(`${row.id} at ${row.families.join(', ')}`, async () => {
      for (const family of row.families) {
        const expected = typeof row.rc === 'number' ? row.rc : row.rc[family];
        expect(expected, `${row.id}: no rc for ${family}`).toBeDefined();
        const b = await bench(core, FAMILIES[family], row.preempt);
        expect(await row.provoke(b), `${row.id} at ${family}`).toBe(expected);
      }
    });
  }
});
