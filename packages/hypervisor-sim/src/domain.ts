/**
 * A simulated domain: its configuration, its p2m table, the ioreq_server claim of its p2m
 * (`struct p2m_domain.ioreq` from 4.9: owner, flags, entry_count), guest RAM contents (ram/guest-ram.ts),
 * the tracked VRAM range, the log of ops whose effect lies outside the model, and the state of its vCPUs
 * in the ioreq protocol (blocked on a device model, crashed).
 */
import { CONST, InputError, LEGACY_IOREQ_GFNS, SET_MEM_TYPE_NR_MAX, entryAt, limitAt, limitEntries, type ReleaseName } from '@xenmem/abi-types';
import { type DomainConfig } from '@xenmem/sim-protocol';
import type { DomainRecord } from '@xenmem/sim-protocol';
import type { P2mTable } from './p2m/core.js';
import { MemoryRam, type GuestRam } from './ram/guest-ram.js';
import type { IoreqServer } from './ioreq/server.js';
import type { IoreqWait } from './ioreq/wait.js';

// A domain's configuration once resolved is sim-protocol's DomainRecord: the Domain below, its inspection and its
// state-file entry all carry its fields.

/**
 * The gfns a toolstack sets aside for ioreq server pages (HVM_PARAM_IOREQ_SERVER_PFN and
 * HVM_PARAM_NR_IOREQ_SERVER_PAGES), as the schema's limits ioreqServerPfnBase and ioreqServerPages record
 * libxl's choice: pages ending just below its special pages. Xen takes the lowest free one.
 *
 * With the pool empty, 4.12+ falls back to the legacy ioreq gfns (libxc's IOREQ and BUFIOREQ special pages,
 * limits legacyIoreqPfn and legacyBufioreqPfn), each available while its legacy_mask bit is set; the toolstack
 * setting the params set both bits. How the fallback reads the bits is the release's (schema legacyIoreqGfns):
 * 4.12–4.20 test them inverted (xen/arch/x86/hvm/ioreq.c hvm_alloc_legacy_ioreq_gfn @ RELEASE-4.12.0).
 */
export class GfnPool {
  static readonly BASE = BigInt(limitEntries('ioreqServerPfnBase')[0]!.value);
  static readonly SIZE = limitEntries('ioreqServerPages')[0]!.value;
  /** HVM_PARAM_IOREQ_PFN's and HVM_PARAM_BUFIOREQ_PFN's gfns, in the order hvm_alloc_legacy_ioreq_gfn walks them. */
  static readonly LEGACY: readonly [bigint, bigint] = [BigInt(limitEntries('legacyIoreqPfn')[0]!.value), BigInt(limitEntries('legacyBufioreqPfn')[0]!.value)];
  private readonly used = new Set<bigint>();
  /** legacy_mask's bits for HVM_PARAM_IOREQ_PFN and HVM_PARAM_BUFIOREQ_PFN (hvm_set_param sets them). */
  readonly legacyMask: [boolean, boolean] = [true, true];

  /** Free gfns of the pool proper (the legacy gfns not counted). */
  free(): number {
    return GfnPool.SIZE - this.used.size;
  }

  /** hvm_alloc_ioreq_gfn: the lowest free pool gfn, else the release's legacy fallback; undefined when none. */
  take(release: ReleaseName): bigint | undefined {
    for (let i = 0n; i < BigInt(GfnPool.SIZE); i++) {
      const gfn = GfnPool.BASE + i;
      if (!this.used.has(gfn)) {
        this.used.add(gfn);
        return gfn;
      }
    }
    return this.takeLegacy(entryAt(LEGACY_IOREQ_GFNS, release)!.fallback);
  }

  /**
   * hvm_alloc_legacy_ioreq_gfn: for IOREQ_PFN then BUFIOREQ_PFN, test_and_clear_bit; "free-bit" returns the
   * gfn whose bit was set, "inverted" (`!test_and_clear_bit`) the gfn whose bit was already clear, so with both
   * bits set it clears both and finds nothing, and afterwards hands out IOREQ_PFN's gfn without reserving it.
   */
  private takeLegacy(fallback: 'none' | 'inverted' | 'free-bit'): bigint | undefined {
    if (fallback === 'none') return undefined;
    for (let i = 0; i < GfnPool.LEGACY.length; i++) {
      const wasSet = this.legacyMask[i]!;
      this.legacyMask[i] = false;
      if (fallback === 'inverted' ? !wasSet : wasSet) return GfnPool.LEGACY[i];
    }
    return undefined;
  }

  /** hvm_free_ioreq_gfn: a legacy gfn sets its legacy_mask bit again (the first param naming it); any other returns to the pool. */
  give(...gfns: (bigint | null)[]): void {
    for (const g of gfns) {
      if (g === null) continue;
      const legacy = GfnPool.LEGACY.indexOf(g);
      if (legacy >= 0) this.legacyMask[legacy] = true;
      else this.used.delete(g);
    }
  }

  /** Sets the pool as a saved state had it: `held` in use (legacy gfns among them change nothing), the legacy_mask bits as given. */
  reset(held: Iterable<bigint>, legacyMask: readonly [boolean, boolean]): void {
    this.used.clear();
    for (const g of held) if (!GfnPool.isLegacy(g)) this.used.add(g);
    [this.legacyMask[0], this.legacyMask[1]] = legacyMask;
  }

  /** Whether a gfn is one of the legacy ioreq gfns (which 4.12–4.20 may hand out to several pages). */
  static isLegacy(gfn: bigint): boolean {
    return GfnPool.LEGACY.includes(gfn);
  }
}

export interface IoreqClaim {
  /** Id of the server that claimed p2m_ioreq_server, or null. */
  owner: number | null;
  /** Access flags claimed (XEN_DMOP_IOREQ_MEM_ACCESS_WRITE). */
  flags: number;
  /** p2m_ioreq_server pages in the table (Xen's entry_count). */
  entryCount: number;
}

/** One op that changed a domain, as the event log (DomainInspection.events, the state file) records it. */
export interface LoggedEvent {
  /** The op, e.g. "set_mem_type". */
  op: string;
  /** Its arguments as recorded. */
  args: Record<string, unknown>;
}

export class Domain implements DomainRecord {
  readonly domid: number;
  readonly maxGpfn: number;
  readonly hap: boolean;
  readonly hvm: boolean;
  readonly vcpus: number;
  readonly dm: number | null;
  readonly p2m: P2mTable;
  readonly ioreq: IoreqClaim = { owner: null, flags: 0, entryCount: 0 };
  /** Guest RAM contents (pages never written read as zero): plain memory, or the daemon's shared file. */
  ram: GuestRam;
  /** The range track_dirty_vram last set up, or null. */
  vram: { firstPfn: number; nr: number } | null = null;
  readonly events: LoggedEvent[] = [];
  /** ioreq servers by id. */
  readonly servers = new Map<number, IoreqServer>();
  /** Last id handed out by the 4.9/4.10 counter scheme. */
  ioservidCounter = 0;
  readonly gfnPool = new GfnPool();
  /** Creation counter, so ≤4.10 can visit servers most recent first. */
  serversCreated = 0;
  /** The last 4-byte value written to port 0xcf8 (d->arch.hvm.pci_cf8). */
  pciCf8 = 0;
  dying = false;
  /** domain_crash happened: the vCPUs no longer run (hypercalls still work; the domain is not dying). */
  crashed = false;
  /** vCPUs blocked on a synchronous ioreq (one entry per vCPU and server). */
  readonly ioreqWaits: IoreqWait[] = [];
  /** The end of each vCPU's chain of accesses (guest/vcpu.ts). */
  readonly vcpuTail = new Map<number, Promise<void>>();

  constructor(config: DomainRecord, p2m: P2mTable, ram: GuestRam = new MemoryRam()) {
    this.ram = ram;
    this.domid = config.domid;
    this.maxGpfn = config.maxGpfn;
    this.hap = config.hap;
    this.hvm = config.hvm;
    this.vcpus = config.vcpus;
    this.dm = config.dm;
    this.p2m = p2m;
  }

  /** Whether `caller` may act as this domain's device model (xsm XSM_DM_PRIV without a security module). */
  isPrivilegedFor(caller: number): boolean {
    return caller === 0 || caller === this.dm;
  }

  /** The domain's configuration fields alone. */
  record(): DomainRecord {
    return { domid: this.domid, maxGpfn: this.maxGpfn, hap: this.hap, hvm: this.hvm, vcpus: this.vcpus, dm: this.dm };
  }
}

const DOMID_FIRST_RESERVED = CONST.domid.first_reserved;
const MAX_GPFN_LIMIT = SET_MEM_TYPE_NR_MAX;

/** Checks a guest's configuration at `release` and fills in its defaults; throws InputError naming the bad field. */
export function validateDomainConfig(config: DomainConfig, release: ReleaseName): DomainRecord {
  const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
  if (typeof config !== 'object' || config === null) throw new InputError('domain', config, 'must be an object');
  const { domid, maxGpfn, hap = true, hvm = true, vcpus = 1, dm } = config;
  if (!isInt(domid) || domid < 1 || domid >= DOMID_FIRST_RESERVED) throw new InputError('domid', domid, `must be an integer from 1 to ${DOMID_FIRST_RESERVED - 1}`);
  if (!isInt(maxGpfn) || maxGpfn < 0 || maxGpfn > MAX_GPFN_LIMIT) throw new InputError('maxGpfn', maxGpfn, 'must be an integer from 0 to 2^32−1');
  if (typeof hap !== 'boolean') throw new InputError('hap', hap, 'must be true or false');
  if (typeof hvm !== 'boolean') throw new InputError('hvm', hvm, 'must be true or false');
  const maxVcpus = limitAt('vcpusPerIoreqPage', release)!.value;
  if (!isInt(vcpus) || vcpus < 1 || vcpus > maxVcpus) throw new InputError('vcpus', vcpus, `must be an integer from 1 to ${maxVcpus} (one ioreq page)`);
  if (dm !== undefined && (!isInt(dm) || dm < 0 || dm >= DOMID_FIRST_RESERVED || dm === domid)) throw new InputError('dm', dm, 'must be another domain id');
  return { domid, maxGpfn, hap, hvm, vcpus, dm: dm ?? null };
}
