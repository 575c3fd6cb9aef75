/**
 * A Hypervisor's persistent state as one JSON document (docs/reliability.md "Daemon state file"); restore.ts
 * puts it back into a Hypervisor.
 *
 * Kept, exactly: each domain's configuration; its p2m (every run not of p2m_ram_rw, the initial type);
 * the ioreq claim (owner, flags; entry_count is recomputed from the p2m on restore and must equal the stored
 * one); its ioreq servers (id, creation number, emulator, bufioreq mode, enabled, the three rangesets, the
 * event-channel port numbers, whether the ports were published, how the pages are reached — none, gfns
 * with their gfns, or resource — and whether a device model ever mapped them); the id counters, the gfn
 * pool and the legacy ioreq gfns' legacy_mask bits, the next event-channel port number, the tracked VRAM range,
 * the 0xcf8 latch, the crashed flag and
 * the event log.
 *
 * Not kept (what a restart loses, as a crash of Xen's toolstack side would): the bytes of the ioreq pages
 * (rebuilt as zero pages, with each vCPU's port written back when the ports had been published); guest RAM
 * contents (pages read as zero again); log-dirty marks; vCPUs waiting on a device model (the guest access
 * that waited belonged to a connection that is gone); event-channel bindings (a device model binds its
 * ports again after reconnecting, so a restored server counts as unattached until then).
 */
import { xenstoreRecords, type XsNodeRecord } from './xenstore.js';
import { InputError } from '@xenmem/abi-types';
import { decodeJson, encodeJson, type DomainRecord } from '@xenmem/sim-protocol';
import type { Domain, LoggedEvent } from '../domain.js';
import type { Hypervisor } from '../hypervisor.js';
import { GfnPool } from '../domain.js';
import type { IoreqServer, Range } from '../ioreq/server.js';
import { P2M_IOREQ_SERVER, P2M_RAM_RW } from '../p2m-types.js';

export const STATE_FORMAT = 'xenmem-sim-state';
export const STATE_VERSION = 2;
/** Versions restore reads: 1 (a whole-state file, no journal) and 2 (a snapshot followed by journals). */
const READABLE_VERSIONS: readonly number[] = [1, 2];

/** One ioreq server in the state file. */
export interface ServerState {
  /** Server id (ioservid_t). */
  id: number;
  /** Creation number within the domain (the order servers were created in). */
  created: number;
  /** Domain id of the emulator that created it. */
  emulator: number;
  /** handle_bufioreq: 0 off, 1 legacy, 2 atomic. */
  bufioreq: number;
  /** Whether set_ioreq_server_state enabled it. */
  enabled: boolean;
  /** Port, MMIO and PCI rangesets: inclusive [start, end] pairs. */
  ranges: [bigint, bigint][][];
  /** Event-channel port per vCPU (index = vCPU id), in the target domain. */
  vcpuPorts: number[];
  /** The buffered ring's port, or null without a buffered page. */
  bufioreqPort: number | null;
  /** Whether the ports were written into the ioreq page's slots (restore writes them back). */
  portsPublished: boolean;
  /** How the emulator reaches the server's pages. */
  pages:
    | {
        /** Not set up yet. */
        kind: 'none';
      }
    | {
        /** At guest frames, from get_ioreq_server_info (taken from the domain's gfn pool). */
        kind: 'gfns';
        /** Gfn of the synchronous ioreq page. */
        ioreqGfn: bigint;
        /** Gfn of the buffered page, or null without one. */
        bufioreqGfn: bigint | null;
      }
    | {
        /** Through XENMEM_acquire_resource frames. */
        kind: 'resource';
      };
  /** Whether a device model ever mapped the synchronous page. */
  ioreqPageMapped: boolean;
  /** Whether a device model ever mapped the buffered page. */
  bufioreqPageMapped: boolean;
}

/** One guest domain in the state file: its configuration (domid, maxGpfn, hap, hvm, vcpus, dm) and what changed since. */
export interface DomainState extends DomainRecord {
  /** Runs [first, count, type] of every type but p2m_ram_rw, in order. */
  p2m: [number, number, number][];
  /** The HVMMEM_ioreq_server claim (Xen's `p2m->ioreq`). */
  claim: {
    /** Id of the server that claimed HVMMEM_ioreq_server, or null. */
    owner: number | null;
    /** XEN_DMOP_IOREQ_MEM_ACCESS_* flags of the claim. */
    flags: number;
    /** p2m entries of type p2m_ioreq_server; restore recomputes it from `p2m` and requires equality. */
    entryCount: number;
  };
  /** Ioreq servers, by id. */
  servers: ServerState[];
  /** The next id the "counter" id scheme gives (schema ioreqServerIds). */
  ioservidCounter: number;
  /**
   * legacy_mask's bits for HVM_PARAM_IOREQ_PFN and HVM_PARAM_BUFIOREQ_PFN (schema legacyIoreqGfns): whether the
   * fallback of an empty gfn pool finds each set. Absent in files written before it was kept: both set.
   */
  legacyIoreqGfns?: [boolean, boolean];
  /** Servers created so far (numbering `created`). */
  serversCreated: number;
  /** The port the next allocation in this domain gets. */
  nextPort: number;
  /** The VRAM range track_dirty_vram tracks, or null. */
  vram: {
    /** First gfn of the range. */
    firstPfn: number;
    /** Number of pages. */
    nr: number;
  } | null;
  /** The latched 0xcf8 PCI config address (ioreq PCI config decoding). */
  pciCf8: number;
  /** Whether the domain crashed. */
  crashed: boolean;
  /** The ops that changed the domain, oldest first. */
  events: LoggedEvent[];
}

/** A serialisable snapshot of the whole simulated hypervisor state. */
export interface HypervisorState {
  /** File-format marker, so another JSON file is never taken for state. */
  format: typeof STATE_FORMAT;
  /** State format version; restore rejects other versions. */
  version: typeof STATE_VERSION;
  /** The Xen release the hypervisor behaves as, e.g. "4.19". */
  release: string;
  /** Every guest domain (dom0 excluded), by domid. */
  domains: DomainState[];
  /** The xenstore's nodes (absent in files written before the simulator had a xenstore). */
  xenstore?: XsNodeRecord[];
  /** The journal generation that follows this snapshot (store.ts); absent in a version-1 file (no journal). */
  journal?: {
    /** Journals `FILE.journal-<generation>` and later ones are applied after the snapshot. */
    generation: number;
  };
}

/** The live guest domains (no public enumeration exists). */
function domainsOf(hv: Hypervisor): Domain[] {
  return hv.host.guests();
}

/** EventChannels' next port of a domain (private; read only). */
function nextPortOf(hv: Hypervisor, domid: number): number | undefined {
  return (hv.evtchn as unknown as { nextPort: Map<number, number> }).nextPort.get(domid);
}

/** A server's event-channel ports: one per vCPU, then the buffered ring's. */
export function serverPorts(s: IoreqServer): number[] {
  return [...s.vcpuPorts, ...(s.bufioreqPort === null ? [] : [s.bufioreqPort])];
}

/** A domain's state without its p2m and event log (what the journal records whole when it changes). */
export type DomainPart = Omit<DomainState, 'p2m' | 'events'>;

/** The runs of `d`'s p2m in `first` … `first+count-1` that are not p2m_ram_rw, as the state file holds them. */
export function p2mRuns(d: Domain, first: number, count: number): [number, number, number][] {
  return d.p2m
    .runs(first, count)
    .filter((r) => r.type !== P2M_RAM_RW)
    .map((r) => [r.first, r.count, r.type] as [number, number, number]);
}

/** One domain's state but its p2m and events (small: configuration, claim, servers, counters). */
export function domainPart(hv: Hypervisor, d: Domain): DomainPart {
  const servers = [...d.servers.values()].sort((a, b) => a.id - b.id);
  const maxPort = Math.max(0, ...servers.flatMap(serverPorts));
  return {
    ...d.record(),
    claim: { ...d.ioreq },
    servers: servers.map((s) => ({
      id: s.id,
      created: s.created,
      emulator: s.emulator,
      bufioreq: s.bufioreq,
      enabled: s.enabled,
      ranges: s.ranges.map((set: Range[]) => set.map((r) => [r.start, r.end] as [bigint, bigint])),
      vcpuPorts: [...s.vcpuPorts],
      bufioreqPort: s.bufioreqPort,
      portsPublished: s.portsPublished,
      pages: { ...s.pages },
      ioreqPageMapped: s.ioreqPageMapped,
      bufioreqPageMapped: s.bufioreqPageMapped,
    })),
    ioservidCounter: d.ioservidCounter,
    legacyIoreqGfns: [...d.gfnPool.legacyMask],
    serversCreated: d.serversCreated,
    nextPort: Math.max(nextPortOf(hv, d.domid) ?? 1, maxPort + 1),
    vram: d.vram ? { ...d.vram } : null,
    pciCf8: d.pciCf8,
    crashed: d.crashed,
  };
}

/** A domain's event log entries from index `from` on (copies). */
export function eventsFrom(d: Domain, from: number): LoggedEvent[] {
  return d.events.slice(from).map((e) => ({ op: e.op, args: { ...e.args } }));
}

/** The live guest domains, in the order the hypervisor keeps them. */
export function guestDomains(hv: Hypervisor): Domain[] {
  return domainsOf(hv);
}

/** Takes a snapshot of the hypervisor's state. */
export function snapshot(hv: Hypervisor): HypervisorState {
  return {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    release: hv.release,
    domains: domainsOf(hv).map((d) => {
      const part = domainPart(hv, d);
      return { ...part, p2m: p2mRuns(d, 0, d.maxGpfn + 1), events: eventsFrom(d, 0) };
    }),
    xenstore: xenstoreRecords(hv.xenstore),
  };
}

/** The state as the bytes of a state file (JSON; bigints as { "$bigint": "0x…" }). */
export function encodeState(state: HypervisorState): Uint8Array {
  return encodeJson(state);
}

/** Parses a state file's bytes; anything malformed is an InputError naming the file's problem. */
export function decodeState(bytes: Uint8Array, where = 'state file'): HypervisorState {
  let j: Record<string, unknown> | null;
  try {
    j = decodeJson(bytes, where);
  } catch (e) {
    throw new InputError('state', where, `is not a state document (${(e as Error).message})`);
  }
  if (!j || j.format !== STATE_FORMAT) throw new InputError('state', where, `is not a ${STATE_FORMAT} document`);
  if (!READABLE_VERSIONS.includes(j.version as number)) throw new InputError('state', where, `has version ${String(j.version)}; this simulator reads versions ${READABLE_VERSIONS.join(' and ')}`);
  const journal = j.journal as { generation?: unknown } | undefined;
  if (journal !== undefined && !(Number.isSafeInteger(journal?.generation) && (journal.generation as number) >= 0)) throw new InputError('state', where, 'has a journal field without a generation');
  if (typeof j.release !== 'string' || !Array.isArray(j.domains)) throw new InputError('state', where, 'lacks release or domains');
  return j as unknown as HypervisorState;
}

/**
 * The invariants a restored (or any) hypervisor keeps; returns the problems found (empty when none):
 * entry_count is the number of p2m_ioreq_server pages, a claim's owner is one of the domain's servers, every
 * server port is an allocated channel of the domain, gfn-page servers hold distinct pool gfns (the legacy ioreq
 * gfns excepted).
 */
export function checkInvariants(hv: Hypervisor): string[] {
  const problems: string[] = [];
  for (const d of domainsOf(hv)) {
    const entries = d.p2m.countByType(0, d.maxGpfn + 1)[P2M_IOREQ_SERVER] ?? 0;
    if (entries !== d.ioreq.entryCount) problems.push(`domain ${d.domid}: entry_count ${d.ioreq.entryCount}, p2m_ioreq_server pages ${entries}`);
    if (d.ioreq.owner !== null && !d.servers.has(d.ioreq.owner)) problems.push(`domain ${d.domid}: claim owner ${d.ioreq.owner} is no server`);
    const gfns = new Set<bigint>();
    for (const s of d.servers.values()) {
      for (const p of serverPorts(s)) if (hv.evtchn.state(d.domid, p) === null) problems.push(`domain ${d.domid}: server ${s.id} port ${p} is not allocated`);
      if (s.pages.kind === 'gfns')
        for (const g of [s.pages.ioreqGfn, s.pages.bufioreqGfn])
          // A legacy gfn may be held by several pages where the release tests its bit inverted (4.12–4.20).
          if (g !== null && !GfnPool.isLegacy(g)) {
            if (gfns.has(g)) problems.push(`domain ${d.domid}: gfn 0x${g.toString(16)} held twice`);
            gfns.add(g);
          }
    }
    if (d.gfnPool.free() !== GfnPool.SIZE - gfns.size) problems.push(`domain ${d.domid}: gfn pool has ${d.gfnPool.free()} free, servers hold ${gfns.size}`);
  }
  return problems;
}
