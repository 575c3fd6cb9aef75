/**
 * The ioreq-server DM ops (1–6) and map_mem_type_to_ioreq_server (15), xen/arch/x86/mm/p2m.c p2m_set_ioreq_server() @ RELEASE-4.22.0 and xen/arch/x86/hvm/dm.c dm_op() @ RELEASE-4.22.0, with the
 * per-release differences read from the schema (ioreqServerRules, ioreqServerIds, limits).
 */
import { CONST, CONSTANTS, HVMMEM_IOREQ_SERVER, IOREQ_SERVER_IDS, IOREQ_SERVER_RULES, STRUCTS, DMOP, dmOpExistsAt, entryAt, layoutAt, limitAt, type LayoutId, type ErrnoName, type LimitId, type ReleaseName } from '@xenmem/abi-types';
import { fail, OK } from '../errno.js';
import type { Domain } from '../domain.js';
import type { Host } from '../host.js';
import { rangesetAdd, rangesetRemove, type IoreqServer, type RangeType } from '../ioreq/server.js';
import { setSlotPort } from '../ioreq/pages.js';
import { abandonWaits } from '../guest/ioreq-send.js';
import { nonZeroPad } from '../payload.js';
import { P2M_IOREQ_SERVER, P2M_RAM_LOGDIRTY, P2M_RAM_RW } from '../p2m-types.js';
import type { DmOpContext, DmOpHandler, DmOpStep } from './context.js';

const RANGE_TYPES: readonly number[] = CONSTANTS.io_range.members.map((m) => m.value);
const ACCESS_WRITE = CONST.mem_access.write;
const NO_GFNS = CONST.get_info_flags.no_gfns;
const MAX_BUFIOREQ = Math.max(...CONSTANTS.bufioreq.members.map((m) => m.value));
const GET_INFO = DMOP.get_ioreq_server_info;
const HVMOP_GET_INFO: LayoutId = 'xen_hvm_get_ioreq_server_info';

function limit(id: LimitId, release: ReleaseName): number {
  return limitAt(id, release)!.value;
}

function rules(release: ReleaseName) {
  return entryAt(IOREQ_SERVER_RULES, release)!;
}


/**
 * Xen 4.11's DEFAULT_IOSERVID test: id 0 is refused (EOPNOTSUPP) before the server is looked up
 * (xen/arch/x86/hvm/ioreq.c hvm_get_ioreq_server_info and its siblings @ RELEASE-4.11.0). 0 when the
 * release treats id 0 as an ordinary id.
 */
export function idZeroRefused(release: ReleaseName, id: number): number {
  const rule = rules(release).idZeroOps;
  return id === 0 && rule !== 'ok' ? fail(rule as ErrnoName, 'default-server-id') : OK;
}

/**
 * The gfn fields of get_ioreq_server_info at a release, as its struct names them: `ioreq_pfn`/`bufioreq_pfn`
 * in the HVMOP (4.6–4.8) and at 4.9, `ioreq_gfn`/`bufioreq_gfn` from 4.10.
 */
function gfnFields(release: ReleaseName): [string, string] {
  const layout = dmOpExistsAt(GET_INFO, release) ? layoutAt(GET_INFO.struct, release) : HVMOP_GET_INFO;
  const [ioreq, bufioreq] = STRUCTS[layout].fields.filter((f) => f.dir === 'out' && f.size === 8);
  return [ioreq!.name, bufioreq!.name];
}

/** get_ioreq_server(): a server by id; the legacy default server is not modelled (docs/simulator.md). */
function findServer(domain: Domain, id: number): IoreqServer | undefined {
  return domain.servers.get(id);
}

/** The emulator check of 4.11+ (`s->emulator != current->domain` → EPERM). */
function notEmulator(ctx: DmOpContext, s: IoreqServer): boolean {
  return rules(ctx.release).emulatorOnly && s.emulator !== ctx.caller;
}

/** Picks the id for a new server per the release's scheme, or returns the errno. */
function allocateId(hv: Host, domain: Domain): number | { errno: number } {
  const scheme = entryAt(IOREQ_SERVER_IDS, hv.release)!;
  if (scheme.scheme === 'slots') {
    for (let slot = scheme.firstSlot!; slot <= scheme.lastSlot!; slot++) if (!domain.servers.has(slot)) return slot;
    return { errno: fail(scheme.exhausted, 'ioreq-server-ids-exhausted') };
  }
  // 4.9/4.10: a counter that skips ids in use (next_ioservid).
  let id = domain.ioservidCounter;
  do id = (id + 1) & 0xffff;
  while (domain.servers.has(id));
  domain.ioservidCounter = id;
  return id;
}

/**
 * hvm_ioreq_server_map_pages: a gfn for the ioreq page, then (buffered) one for the bufioreq page; when the
 * second fails the first is freed again (which, for a legacy gfn, sets its legacy_mask bit). Undefined: ENOMEM.
 * (xen/arch/x86/hvm/ioreq.c hvm_ioreq_server_map_pages, hvm_map_ioreq_gfn @ RELEASE-4.12.0)
 */
function mapPagesAtGfns(domain: Domain, release: ReleaseName, buffered: boolean): { ioreqGfn: bigint; bufioreqGfn: bigint | null } | undefined {
  const ioreqGfn = domain.gfnPool.take(release);
  if (ioreqGfn === undefined) return undefined;
  if (!buffered) return { ioreqGfn, bufioreqGfn: null };
  const bufioreqGfn = domain.gfnPool.take(release);
  if (bufioreqGfn === undefined) {
    domain.gfnPool.give(ioreqGfn);
    return undefined;
  }
  return { ioreqGfn, bufioreqGfn };
}

function createIoreqServer(ctx: DmOpContext): DmOpStep {
  const { hv, domain, payload, release } = ctx;
  if (nonZeroPad(payload)) return { rc: fail('EINVAL', 'pad-nonzero') };
  const bufioreq = payload.handle_bufioreq as number;
  if (bufioreq > MAX_BUFIOREQ) return { rc: fail('EINVAL', 'bufioreq-handling') };
  const pagesAtCreate = rules(release).pages === 'at-create';
  // The counter scheme takes the id first (next_ioservid is an argument of the init), so a failed create still uses one.
  const id = allocateId(hv, domain);
  if (typeof id !== 'number') return { rc: id.errno };
  const gfns = pagesAtCreate ? mapPagesAtGfns(domain, release, bufioreq !== 0) : null;
  if (gfns === undefined) return { rc: fail('ENOMEM', 'ioreq-gfns-exhausted') };
  const server: IoreqServer = {
    id,
    created: ++domain.serversCreated,
    emulator: ctx.caller,
    bufioreq,
    enabled: false,
    ranges: [[], [], []],
    // One unbound channel per vCPU, then the buffered ring's, remote end the emulator (xen/common/ioreq.c ioreq_server_add_vcpu() @ RELEASE-4.22.0).
    vcpuPorts: Array.from({ length: domain.vcpus }, () => hv.evtchn.allocUnboundXen(domain.domid, ctx.caller)),
    portsPublished: false,
    bufioreqPort: bufioreq ? hv.evtchn.allocUnboundXen(domain.domid, ctx.caller) : null,
    pages: { kind: 'none' },
    // The bytes exist from the start; get_info and acquire_resource only decide how they are reached.
    ioreqPage: hv.allocIoreqPage(),
    bufioreqPage: bufioreq ? hv.allocIoreqPage() : null,
    ioreqPageMapped: false,
    bufioreqPageMapped: false,
  };
  if (gfns) server.pages = { kind: 'gfns', ...gfns };
  domain.servers.set(id, server);
  payload.id = id;
  return { rc: OK };
}

function getIoreqServerInfo(ctx: DmOpContext): DmOpStep {
  const { domain, payload, release } = ctx;
  const r = rules(release);
  const flags = (r.getInfoField === 'flags' ? payload.flags : payload.pad) as number;
  if (r.getInfoField === 'pad' ? flags !== 0 : (flags & ~NO_GFNS) !== 0) return { rc: fail('EINVAL', 'get-info-flags') };
  const refused = idZeroRefused(release, payload.id as number);
  if (refused !== OK) return { rc: refused };
  const s = findServer(domain, payload.id as number);
  if (!s) return { rc: fail('ENOENT', 'ioreq-server-missing') };
  if (notEmulator(ctx, s)) return { rc: fail('EPERM', 'not-emulator') };
  const wantGfns = r.getInfoField === 'pad' || (flags & NO_GFNS) === 0;
  if (wantGfns) {
    if (s.pages.kind === 'resource') return { rc: fail('EPERM', 'ioreq-pages-by-resource') };
    if (s.pages.kind === 'none') {
      const gfns = mapPagesAtGfns(domain, release, s.bufioreq !== 0);
      if (!gfns) return { rc: fail('ENOMEM', 'ioreq-gfns-exhausted') };
      s.pages = { kind: 'gfns', ...gfns };
    }
    const [ioreqField, bufioreqField] = gfnFields(release);
    payload[ioreqField] = s.pages.ioreqGfn;
    if (s.pages.bufioreqGfn !== null) payload[bufioreqField] = s.pages.bufioreqGfn;
  }
  if (s.bufioreqPort !== null) payload.bufioreq_port = s.bufioreqPort;
  return { rc: OK };
}

function ioRange(ctx: DmOpContext, map: boolean): DmOpStep {
  const { domain, payload, release } = ctx;
  if (nonZeroPad(payload)) return { rc: fail('EINVAL', 'pad-nonzero') };
  const start = payload.start as bigint;
  const end = payload.end as bigint;
  if (start > end && rules(release).rangeStartAfterEnd !== 'ok') return { rc: fail('EINVAL', 'io-range-reversed') };
  const refused = idZeroRefused(release, payload.id as number);
  if (refused !== OK) return { rc: refused };
  const s = findServer(domain, payload.id as number);
  if (!s) return { rc: fail('ENOENT', 'ioreq-server-missing') };
  if (notEmulator(ctx, s)) return { rc: fail('EPERM', 'not-emulator') };
  const type = payload.type as number;
  if (!RANGE_TYPES.includes(type)) return { rc: fail('EINVAL', 'io-range-type') };
  const set = s.ranges[type as RangeType];
  const max = limit('maxIoRanges', release);
  if (map) {
    const r = rangesetAdd(set, start, end, max);
    return { rc: r === 'ok' ? OK : r === 'exists' ? fail('EEXIST', 'io-range-overlap') : fail('ENOMEM', 'rangeset-full') };
  }
  const r = rangesetRemove(set, start, end, max);
  return { rc: r === 'ok' ? OK : r === 'missing' ? fail('ENOENT', 'io-range-missing') : fail('ENOMEM', 'rangeset-full') };
}

function setIoreqServerState(ctx: DmOpContext): DmOpStep {
  const { domain, payload } = ctx;
  if (nonZeroPad(payload)) return { rc: fail('EINVAL', 'pad-nonzero') };
  const refused = idZeroRefused(ctx.release, payload.id as number);
  if (refused !== OK) return { rc: refused };
  const s = findServer(domain, payload.id as number);
  if (!s) return { rc: fail('ENOENT', 'ioreq-server-missing') };
  if (notEmulator(ctx, s)) return { rc: fail('EPERM', 'not-emulator') };
  const enable = (payload.enabled as number) !== 0;
  // Enabling writes each vCPU's port into its slot's vp_eport (hvm_update_ioreq_evtchn); it stays after a disable.
  if (enable && !s.enabled) {
    s.vcpuPorts.forEach((port, vcpu) => setSlotPort(s.ioreqPage, vcpu, port));
    s.portsPublished = true;
  }
  s.enabled = enable;
  return { rc: OK };
}

function destroyIoreqServer(ctx: DmOpContext): DmOpStep {
  const { domain, payload, release } = ctx;
  if (nonZeroPad(payload)) return { rc: fail('EINVAL', 'pad-nonzero') };
  const id = payload.id as number;
  if (rules(release).destroyIdZero !== 'ok' && id === 0) return { rc: fail('EPERM', 'destroy-default-server') };
  const s = findServer(domain, id);
  if (!s) return { rc: fail('ENOENT', 'ioreq-server-missing') };
  if (notEmulator(ctx, s)) return { rc: fail('EPERM', 'not-emulator') };
  // Destroy drops the claim but neither resets the p2m_ioreq_server pages nor entry_count (xen/arch/x86/mm/p2m.c p2m_set_ioreq_server() @ RELEASE-4.22.0).
  if (domain.ioreq.owner === id) {
    domain.ioreq.owner = null;
    domain.ioreq.flags = 0;
  }
  dropServer(ctx.hv, domain, s);
  return { rc: OK };
}

/**
 * What destroying server `s` frees, the claim aside: its gfns, its event channels (the emulator's ends become
 * unbound), its pages; a vCPU still waiting on it goes on as if the emulator had died (docs/simulator.md).
 * Also how a rollback to the durable state removes a server created after it (state/rollback.ts).
 */
export function dropServer(host: Host, domain: Domain, s: IoreqServer): void {
  if (s.pages.kind === 'gfns') domain.gfnPool.give(s.pages.ioreqGfn, s.pages.bufioreqGfn);
  for (const port of [...s.vcpuPorts, ...(s.bufioreqPort === null ? [] : [s.bufioreqPort])]) host.evtchn.close(domain.domid, port);
  abandonWaits(domain, s);
  domain.servers.delete(s.id);
  host.releaseIoreqPage(s.ioreqPage);
  host.releaseIoreqPage(s.bufioreqPage);
}

/** The unmap sweep: recalculates p2m_ioreq_server entries from `firstGfn`, 256 gfns per step (p2m_finish_type_change). */
function sweep(ctx: DmOpContext, firstGfn: number): DmOpStep {
  const { hv, domain, payload } = ctx;
  const step = limit('mapMemTypeSweepStep', ctx.release);
  let gfn = firstGfn;
  while (domain.ioreq.entryCount > 0 && gfn <= domain.maxGpfn) {
    const count = hv.preemptor.possible ? Math.min(step, domain.maxGpfn - gfn + 1) : domain.maxGpfn - gfn + 1;
    recalcIoreqEntries(domain, gfn, count);
    gfn += count;
    // Xen checks for preemption whenever gfns remain, even if this step cleared the last entry.
    if (gfn <= domain.maxGpfn && hv.preemptor.possible && hv.preemptor.pending()) {
      payload.opaque = BigInt(gfn);
      return { rc: OK, restart: true };
    }
  }
  return { rc: OK };
}

/** Recalculation without an owner: ioreq_server entries become ram_rw, or logdirty inside a log-dirty range. */
function recalcIoreqEntries(domain: Domain, first: number, count: number): void {
  if (domain.ioreq.owner !== null) return;
  for (const run of domain.p2m.runs(first, count)) {
    if (run.type !== P2M_IOREQ_SERVER) continue;
    domain.p2m.set(run.first, run.count, P2M_RAM_RW);
    domain.ioreq.entryCount -= run.count;
    const v = domain.vram;
    if (v) {
      const lo = Math.max(run.first, v.firstPfn);
      const hi = Math.min(run.first + run.count, v.firstPfn + v.nr);
      if (lo < hi) domain.p2m.set(lo, hi - lo, P2M_RAM_LOGDIRTY);
    }
  }
}

function mapMemTypeToIoreqServer(ctx: DmOpContext): DmOpStep {
  const { domain, payload } = ctx;
  if (!domain.hap) return { rc: fail('EOPNOTSUPP', 'map-mem-type-needs-hap') };
  const opaque = payload.opaque as bigint;
  const flags = payload.flags as number;
  if (opaque === 0n) {
    // The map/unmap step runs only on the first call; a continuation carries the sweep cursor in opaque.
    const refused = idZeroRefused(ctx.release, payload.id as number);
    if (refused !== OK) return { rc: refused };
    if ((payload.type as number) !== HVMMEM_IOREQ_SERVER) return { rc: fail('EINVAL', 'map-mem-type-type') };
    if ((flags & ~ACCESS_WRITE) !== 0) return { rc: fail('EINVAL', 'map-mem-type-flags') };
    const s = findServer(domain, payload.id as number);
    if (!s) return { rc: fail('ENOENT', 'ioreq-server-missing') };
    if (notEmulator(ctx, s)) return { rc: fail('EPERM', 'not-emulator') };
    if (flags === 0) {
      if (domain.ioreq.owner !== s.id) return { rc: fail('EINVAL', 'map-mem-type-not-owner') };
      domain.ioreq.owner = null;
      domain.ioreq.flags = 0;
    } else {
      // Any owner, even this same server, or leftover entries from an earlier owner: EBUSY.
      if (domain.ioreq.owner !== null || domain.ioreq.entryCount !== 0) return { rc: fail('EBUSY', 'map-mem-type-busy') };
      domain.ioreq.owner = s.id;
      domain.ioreq.flags = flags;
      return { rc: OK };
    }
  }
  if (flags !== 0) return { rc: OK }; // opaque ≠ 0 with flags: Xen skips everything and returns 0
  if (opaque > BigInt(Number.MAX_SAFE_INTEGER)) return { rc: OK };
  return sweep(ctx, Number(opaque));
}

export const IOREQ_SERVER_HANDLERS: Record<string, DmOpHandler> = {
  create_ioreq_server: createIoreqServer,
  get_ioreq_server_info: getIoreqServerInfo,
  map_io_range_to_ioreq_server: (ctx) => ioRange(ctx, true),
  unmap_io_range_from_ioreq_server: (ctx) => ioRange(ctx, false),
  set_ioreq_server_state: setIoreqServerState,
  destroy_ioreq_server: destroyIoreqServer,
  map_mem_type_to_ioreq_server: mapMemTypeToIoreqServer,
};
