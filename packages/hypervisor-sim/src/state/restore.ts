/**
 * Restoration of a saved state (snapshot.ts) into a Hypervisor of the same release: whole, into a fresh one at
 * start-up, or domain by domain, server by server, when a rollback (rollback.ts) brings a running one back to
 * its durable state. What a restore cannot give back is listed in snapshot.ts ("Not kept").
 */
import { InputError } from '@xenmem/abi-types';
import { GfnPool, validateDomainConfig, type Domain } from '../domain.js';
import type { Hypervisor } from '../hypervisor.js';
import { setSlotPort } from '../ioreq/pages.js';
import type { IoreqServer } from '../ioreq/server.js';
import { P2M_TYPE_COUNT } from '../p2m/core.js';
import { P2M_IOREQ_SERVER } from '../p2m-types.js';
import { restoreXenstore } from './xenstore.js';
import { guestDomains, type DomainState, type HypervisorState, type ServerState } from './snapshot.js';

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/**
 * Recreates the stored domains in `hv`, which must be of the same release and hold no domain but 0.
 * Throws InputError (leaving `hv` with whatever domains were created so far) for a state that does not
 * fit: another release, a domain already present, a run outside a domain, an entry_count that is not the
 * number of p2m_ioreq_server pages, a claim owner that is no server, a port used twice.
 */
export async function restore(hv: Hypervisor, state: HypervisorState): Promise<void> {
  if (state.release !== hv.release) throw new InputError('state', state.release, `was written by a Xen ${state.release} simulator; this one is Xen ${hv.release}`);
  if (guestDomains(hv).length) throw new InputError('state', 'domains', 'can only be restored into a hypervisor without domains');
  for (const ds of state.domains) restoreDomain(hv, ds);
  if (state.xenstore !== undefined) restoreXenstore(hv.xenstore, state.xenstore);
}

/** Creates domain `ds.domid` (absent from `hv`) as stored; InputError for a domain state that does not fit. */
export function restoreDomain(hv: Hypervisor, ds: DomainState): void {
  const d = hv.host.addDomain(validateDomainConfig({ domid: ds.domid, maxGpfn: ds.maxGpfn, hap: ds.hap, hvm: ds.hvm, vcpus: ds.vcpus, ...(ds.dm !== null && { dm: ds.dm }) }, hv.release));
  const bad = (what: string, why: string): never => {
    throw new InputError('state', `domain ${ds.domid} ${what}`, why);
  };
  let at = 0;
  for (const [first, count, type] of ds.p2m) {
    if (!isInt(first) || !isInt(count) || !isInt(type) || first < at || count < 1 || first + count - 1 > ds.maxGpfn || type < 0 || type >= P2M_TYPE_COUNT)
      bad(`p2m run ${first}+${count}`, 'is not an ordered run inside the domain');
    d.p2m.set(first, count, type);
    at = first + count;
  }
  const entries = d.p2m.countByType(0, d.maxGpfn + 1)[P2M_IOREQ_SERVER] ?? 0;
  if (entries !== ds.claim.entryCount) bad('claim', `entry_count ${ds.claim.entryCount} is not the ${entries} p2m_ioreq_server pages of the p2m`);
  // Event channels: the servers' ports at their numbers, the numbering going on from nextPort.
  const used = new Set<number>();
  for (const s of ds.servers)
    for (const p of [...s.vcpuPorts, ...(s.bufioreqPort === null ? [] : [s.bufioreqPort])]) {
      if (!isInt(p) || p < 1 || p >= ds.nextPort || used.has(p)) bad(`server ${s.id} port ${p}`, 'is out of range or used twice');
      used.add(p);
    }
  for (const s of ds.servers) {
    if (d.servers.has(s.id)) bad(`server ${s.id}`, 'appears twice');
    if (s.vcpuPorts.length !== d.vcpus) bad(`server ${s.id}`, `has ${s.vcpuPorts.length} vCPU ports for ${d.vcpus} vCPUs`);
    restoreServer(hv, d, s);
  }
  hv.evtchn.restoreNextPort(d.domid, ds.nextPort);
  restoreGfnPool(d);
  if (ds.claim.owner !== null && !d.servers.has(ds.claim.owner)) bad('claim', `owner ${ds.claim.owner} is not one of its servers`);
  restoreScalars(d, ds);
  d.events.push(...ds.events.map((e) => ({ op: e.op, args: { ...e.args } })));
}

/**
 * Recreates server `s` in domain `d` (which has no server of its id): its ports reopened at their numbers, fresh
 * zero pages (each vCPU's port written back when they had been published). The gfn pool is the caller's to
 * rebuild ({@link restoreGfnPool}).
 */
export function restoreServer(hv: Hypervisor, d: Domain, s: ServerState): void {
  for (const p of [...s.vcpuPorts, ...(s.bufioreqPort === null ? [] : [s.bufioreqPort])])
    if (!hv.evtchn.restoreXen(d.domid, p, s.emulator)) throw new InputError('state', `domain ${d.domid} server ${s.id} port ${p}`, 'is in use');
  const ioreqPage = hv.allocIoreqPage();
  if (s.portsPublished) s.vcpuPorts.forEach((port, vcpu) => setSlotPort(ioreqPage, vcpu, port));
  d.servers.set(s.id, {
    id: s.id,
    created: s.created,
    emulator: s.emulator,
    bufioreq: s.bufioreq,
    enabled: s.enabled,
    ranges: serverRanges(s),
    vcpuPorts: [...s.vcpuPorts],
    portsPublished: s.portsPublished,
    bufioreqPort: s.bufioreqPort,
    pages: serverPages(s),
    ioreqPage,
    bufioreqPage: s.bufioreq ? hv.allocIoreqPage() : null,
    ioreqPageMapped: s.ioreqPageMapped,
    bufioreqPageMapped: s.bufioreqPageMapped,
  });
}

/** A stored server's rangesets as the live server holds them. */
export function serverRanges(s: ServerState): IoreqServer['ranges'] {
  return [0, 1, 2].map((t) => (s.ranges[t] ?? []).map(([start, end]) => ({ start: BigInt(start), end: BigInt(end) }))) as IoreqServer['ranges'];
}

/** A stored server's page access as the live server holds it. */
export function serverPages(s: ServerState): IoreqServer['pages'] {
  return s.pages.kind === 'gfns' ? { kind: 'gfns', ioreqGfn: BigInt(s.pages.ioreqGfn), bufioreqGfn: s.pages.bufioreqGfn === null ? null : BigInt(s.pages.bufioreqGfn) } : { kind: s.pages.kind };
}

/** The gfn pool as the domain's servers leave it: every gfn free but theirs. */
export function restoreGfnPool(d: Domain): void {
  const held = new Set<bigint>();
  for (const s of d.servers.values()) if (s.pages.kind === 'gfns') for (const g of [s.pages.ioreqGfn, s.pages.bufioreqGfn]) if (g !== null) held.add(g);
  for (let i = 0; i < GfnPool.SIZE; i++) d.gfnPool.take();
  for (let i = 0n; i < BigInt(GfnPool.SIZE); i++) if (!held.has(GfnPool.BASE + i)) d.gfnPool.give(GfnPool.BASE + i);
}

/** The claim's owner and flags, the counters, the VRAM range, the 0xcf8 latch and the crashed flag, as stored. */
export function restoreScalars(d: Domain, ds: DomainState): void {
  Object.assign(d.ioreq, { owner: ds.claim.owner, flags: ds.claim.flags, entryCount: d.p2m.countByType(0, d.maxGpfn + 1)[P2M_IOREQ_SERVER] ?? 0 });
  d.ioservidCounter = ds.ioservidCounter;
  d.serversCreated = ds.serversCreated;
  d.vram = ds.vram ? { ...ds.vram } : null;
  d.pciCf8 = ds.pciCf8;
  d.crashed = ds.crashed;
}

