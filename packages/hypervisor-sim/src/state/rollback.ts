/**
 * Brings a running Hypervisor back to a durable state (docs/reliability.md "Disk full"): after a journal write
 * failed, the daemon's live state must again be what its files hold, so that a reply refused with EIO left
 * nothing behind that its request had changed before the rollback (a request still running then may change
 * more afterwards, which is written; store.ts `commit`), and later requests build on what a restart would restore.
 *
 * It changes only what differs, in place, so that what the files do not hold survives wherever the object it
 * belongs to does: a domain whose configuration is unchanged keeps its guest RAM, its vCPUs' waits on servers
 * that stay, and the event-channel bindings of connections; a server that stays keeps its pages (so a device
 * model's mappings stay valid) and its ports (so a device model's bindings stay bound). What goes:
 * - a domain created since is destroyed; one destroyed since, or whose configuration differs, is created again
 *   as a restart would (zero RAM, fresh server pages);
 * - a server created since is dropped as destroy_ioreq_server drops it (its ports closed, its waits ended);
 *   one destroyed since is created again with its ports at their numbers and fresh zero pages;
 * - everything else the state holds is set back: p2m runs, claim, rangesets, enabled, page access, counters,
 *   VRAM range, 0xcf8 latch, crashed flag, event log, xenstore nodes.
 * A domain's next port goes back to the stored number unless a connection's binding holds a port at or above
 * it (ports a client bound are not state; docs/reliability.md): then it stays just above the highest.
 */
import { InputError } from '@xenmem/abi-types';
import type { Domain } from '../domain.js';
import { dropServer } from '../dmop/ioreq-server.js';
import type { Hypervisor } from '../hypervisor.js';
import { setSlotPort } from '../ioreq/pages.js';
import type { IoreqServer } from '../ioreq/server.js';
import { P2M_RAM_RW } from '../p2m-types.js';
import { restoreDomain, restoreGfnPool, restoreScalars, restoreServer, serverPages, serverRanges } from './restore.js';
import { guestDomains, p2mRuns, type DomainState, type HypervisorState, type ServerState } from './snapshot.js';
import { restoreXenstore, xenstoreRecords } from './xenstore.js';

/** Makes `hv`'s state equal `state` (of its release), changing only what differs. */
export function rollbackTo(hv: Hypervisor, state: HypervisorState): void {
  if (state.release !== hv.release) throw new InputError('state', state.release, `was written by a Xen ${state.release} simulator; this one is Xen ${hv.release}`);
  const stored = new Map(state.domains.map((ds) => [ds.domid, ds]));
  for (const d of guestDomains(hv)) {
    const ds = stored.get(d.domid);
    // destroyDomain's work is synchronous (the promise only carries its errors; the domain exists).
    if (!ds || !sameConfig(d, ds)) void hv.destroyDomain(d.domid);
  }
  for (const ds of state.domains) {
    const d = hv.domain(ds.domid);
    if (d) rollbackDomain(hv, d, ds);
    else restoreDomain(hv, ds);
  }
  const xs = state.xenstore ?? [];
  if (text(xenstoreRecords(hv.xenstore)) !== text(xs)) restoreXenstore(hv.xenstore, xs);
}

/** JSON text for comparison (bigints, which event arguments may hold, as hex). */
const text = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `0x${x.toString(16)}` : x));

const sameConfig = (d: Domain, ds: DomainState) => d.maxGpfn === ds.maxGpfn && d.hap === ds.hap && d.hvm === ds.hvm && d.vcpus === ds.vcpus && d.dm === ds.dm;

const samePorts = (s: IoreqServer, ss: ServerState) =>
  s.emulator === ss.emulator && s.created === ss.created && s.bufioreq === ss.bufioreq && s.bufioreqPort === ss.bufioreqPort && s.vcpuPorts.join() === ss.vcpuPorts.join();

function rollbackDomain(hv: Hypervisor, d: Domain, ds: DomainState): void {
  const stored = new Map(ds.servers.map((s) => [s.id, s]));
  for (const s of [...d.servers.values()]) {
    const ss = stored.get(s.id);
    if (!ss || !samePorts(s, ss)) dropServer(hv.host, d, s);
  }
  for (const ss of ds.servers) {
    const s = d.servers.get(ss.id);
    if (!s) restoreServer(hv, d, ss);
    else {
      // Writing the ports into the page is what enabling did (ioreq-server.ts); a page written since keeps its bytes.
      if (ss.portsPublished && !s.portsPublished) ss.vcpuPorts.forEach((port, vcpu) => setSlotPort(s.ioreqPage, vcpu, port));
      Object.assign(s, { enabled: ss.enabled, ranges: serverRanges(ss), portsPublished: ss.portsPublished, pages: serverPages(ss), ioreqPageMapped: ss.ioreqPageMapped, bufioreqPageMapped: ss.bufioreqPageMapped });
    }
  }
  restoreGfnPool(d, ds);
  const runs = p2mRuns(d, 0, d.maxGpfn + 1);
  if (text(runs) !== text(ds.p2m)) {
    d.p2m.set(0, d.maxGpfn + 1, P2M_RAM_RW);
    for (const [first, count, type] of ds.p2m) d.p2m.set(first, count, type);
  }
  restoreScalars(d, ds);
  if (text(d.events) !== text(ds.events)) {
    d.events.length = 0;
    for (const e of ds.events) d.events.push({ op: e.op, args: { ...e.args } });
  }
  const highest = Math.max(0, ...hv.evtchn.portsInUse(d.domid));
  hv.evtchn.restoreNextPort(d.domid, Math.max(ds.nextPort, highest + 1));
}
