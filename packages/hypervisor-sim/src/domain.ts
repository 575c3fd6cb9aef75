/**
 * A simulated domain: its configuration, its p2m table, the ioreq_server claim of its p2m
 * (`struct p2m_domain.ioreq` from 4.9: owner, flags, entry_count), guest RAM contents (sparse),
 * the tracked VRAM range, the log of ops whose effect lies outside the model, and the state of its vCPUs
 * in the ioreq protocol (blocked on a device model, crashed).
 */
import { limitEntries, type DomainConfig } from '@xenmem/abi-types';
import type { P2mTable } from './p2m/core.js';
import type { IoreqServer } from './ioreq/server.js';
import type { IoreqWait } from './ioreq/protocol.js';

/**
 * The gfns a toolstack sets aside for ioreq server pages (HVM_PARAM_IOREQ_SERVER_PFN and
 * HVM_PARAM_NR_IOREQ_SERVER_PAGES), as the schema's limits ioreqServerPfnBase and ioreqServerPages record
 * libxl's choice: pages ending just below its special pages. Xen takes the lowest free one.
 */
export class GfnPool {
  static readonly BASE = BigInt(limitEntries('ioreqServerPfnBase')[0]!.value);
  static readonly SIZE = limitEntries('ioreqServerPages')[0]!.value;
  private readonly used = new Set<bigint>();

  free(): number {
    return GfnPool.SIZE - this.used.size;
  }

  take(): bigint | undefined {
    for (let i = 0n; i < BigInt(GfnPool.SIZE); i++) {
      const gfn = GfnPool.BASE + i;
      if (!this.used.has(gfn)) {
        this.used.add(gfn);
        return gfn;
      }
    }
    return undefined;
  }

  give(...gfns: (bigint | null)[]): void {
    for (const g of gfns) if (g !== null) this.used.delete(g);
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

export class Domain {
  readonly domid: number;
  readonly maxGpfn: number;
  readonly hap: boolean;
  readonly hvm: boolean;
  readonly vcpus: number;
  readonly dm: number | null;
  readonly p2m: P2mTable;
  readonly ioreq: IoreqClaim = { owner: null, flags: 0, entryCount: 0 };
  /** Guest RAM contents by gfn; absent pages read as zero. */
  readonly memory = new Map<number, Uint8Array>();
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

  constructor(config: Required<Omit<DomainConfig, 'dm'>> & { dm: number | null }, p2m: P2mTable) {
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
}
