/**
 * The simulator-control part of the backend interface: what only a simulator backend offers besides the Xen
 * part (`XenBackend` in @xenmem/abi-types) — create domains, seed the p2m, guest accesses, ioreq handlers and
 * inspection — and the records these calls exchange. The daemon's control frames carry them (docs/protocol.md).
 */
import type { HypercallOutcome, XenBackend } from '@xenmem/abi-types';

/** A domain as a simulator creates it. */
export interface DomainConfig {
  /** Domain id to create; must not be in use. */
  domid: number;
  /** Highest guest frame backed by RAM; frames above are holes (p2m_invalid). Up to 2^32−1. */
  maxGpfn: number;
  /** Hardware-assisted paging (default true). */
  hap?: boolean;
  /** An HVM guest (default true). */
  hvm?: boolean;
  /** Number of vCPUs (default 1). */
  vcpus?: number;
  /** The device-model domain allowed to operate on it besides domain 0 (default: none). */
  dm?: number;
}

/** A guest memory or port access, as the simulator's guest performs it. */
export interface GuestAccess {
  /** The guest domain. */
  domid: number;
  /** The vCPU that makes the access; its ioreq slot carries any request. */
  vcpu: number;
  /** Memory read or write at a guest physical address, or port in/out (I/O port space). */
  kind: 'read' | 'write' | 'in' | 'out';
  /** Guest physical address (read/write) or port (in/out). */
  addr: bigint;
  /** Bytes per item: 1, 2, 4 or 8. */
  size: number;
  /** Items (rep prefix), default 1. */
  count?: number;
  /** Direction flag: items run downwards from addr. */
  df?: boolean;
  /** Data written (write/out). */
  value?: bigint;
  /**
   * A rep string access with its data in guest RAM (`rep outs`/`rep ins`, `rep movs` to or from MMIO): the guest
   * physical address of the buffer. Requests then carry data_is_ptr = 1 and data = the buffer's address (the
   * device model reads or writes the RAM itself); `value` must be absent. Each request's buffer lies in one page.
   */
  buffer?: bigint;
}

/** How Xen dealt with a guest access. */
export type GuestAccessOutcome = 'ram' | 'discarded' | 'ioreq' | 'null' | 'retry' | 'crash';

/** What a guest access through a backend returned: the value read (for a read) and how Xen routed it. */
export interface GuestAccessResult {
  /** What happened to the access (see GuestAccessOutcome). */
  outcome: GuestAccessOutcome;
  /** What a read returned (read/in), else null. */
  value: bigint | null;
  /** Every request the access caused, in order. */
  ioreqs: IoreqRecord[];
}

/** Kinds of ioreq (IOREQ_TYPE_*), by their short names. */
export type IoreqTypeName = 'pio' | 'copy' | 'pci_config' | 'timeoffset' | 'invalidate';

/** A request Xen sent a device model, as a simulator reports it (the fields of ioreq_t that matter). */
export interface IoreqRecord {
  /** Id of the ioreq server it went to. */
  server: number;
  /** The request type: IOREQ_TYPE_PIO, _COPY (MMIO), _PCI_CONFIG, _TIMEOFFSET or _INVALIDATE. */
  type: IoreqTypeName;
  /** IOREQ_READ (the device model supplies data) or IOREQ_WRITE. */
  dir: 'read' | 'write';
  /** Address, port, or for pci_config `SBDF << 32 | register`. */
  addr: bigint;
  /** Bytes per repetition: 1, 2, 4 or 8. */
  size: number;
  /** Repetitions (rep instructions); 1 for a single access. */
  count: number;
  /** The data written, or (after the response) read. */
  data: bigint;
  /** EFLAGS.DF: repetitions go downwards. */
  df: boolean;
  /** Sent through the buffered ring (never answered). */
  buffered: boolean;
  /** data_is_ptr: `data` is the guest physical address of the data in RAM (rep string accesses); absent when not. */
  dataIsPtr?: true;
}

/** Where a request handed to an IoreqHandler comes from and goes to. */
export interface IoreqHandlerContext {
  /** The guest's vCPU that sent it (for a synchronous request, blocked until the answer). */
  vcpu: number;
  /** The server's emulator (s->emulator): the domain that created it. */
  emulator: number;
}

/**
 * Plays the device model for requests to servers the client created: returns the data for a read
 * (undefined: all ones of the access size), or a promise of it. Writes need no answer. The hypervisor awaits
 * the answer: the sending vCPU stays blocked meanwhile (its request shows as pending), other vCPUs and
 * clients go on. `context` tells which vCPU sent it (0 for a broadcast outside a guest access) and the
 * server's emulator. A handler that throws or rejects fails the guest access that sent the request.
 */
export type IoreqHandler = (domid: number, request: IoreqRecord, context: IoreqHandlerContext) => bigint | undefined | Promise<bigint | undefined>;

/** One run of equal internal p2m type, for inspection. */
export interface P2mRunView {
  /** First guest frame number of the run. */
  first: bigint;
  /** Number of consecutive frames in the run. */
  count: bigint;
  /** Internal p2m type number and its name at the simulator's release. */
  type: number;
  /** The p2m type's name in the backend's release, e.g. "p2m_ram_rw". */
  name: string;
}

/**
 * A domain's configuration once resolved: a {@link DomainConfig} with its defaults filled in and no device model
 * written as null. A simulator's domain, its inspection and its state-file entry all carry these fields.
 */
export type DomainRecord = Required<Omit<DomainConfig, 'dm'>> & {
  /** Domain id of its device model (the domain allowed to issue DM ops on it besides domain 0), or null when there is none. */
  dm: number | null;
};

/** A domain's state as a simulator shows it: its resolved configuration and what it holds now. */
export interface DomainInspection extends DomainRecord {
  /** The ioreq_server claim (4.9+): owning server id, claimed flags, and p2m_ioreq_server pages. */
  ioreqClaim: {
    /** Id of the ioreq server that claimed HVMMEM_ioreq_server pages (map_mem_type_to_ioreq_server), or null. */
    owner: number | null;
    /** The claim's flags: XEN_DMOP_IOREQ_MEM_ACCESS_READ (1) and/or _WRITE (2); 0 when unclaimed. */
    flags: number;
    /** Number of p2m entries of type p2m_ioreq_server (Xen's `p2m->ioreq.entry_count`). */
    entryCount: number;
  };
  /** The p2m as runs of equal type, in frame order. */
  p2m: P2mRunView[];
  /** Ops recorded but outside the model (interrupts, events, shutdown, …). */
  events: {
    /** The op that changed the domain, e.g. "set_mem_type". */
    op: string;
    /** Its arguments as the simulator recorded them. */
    args: Record<string, unknown>;
  }[];
  /** The domain's ioreq servers, by id (absent from backends that do not report them). */
  servers?: IoreqServerView[];
  /** vCPUs blocked on a synchronous ioreq, waiting for a device model (absent: not reported). */
  pending?: PendingIoreqView[];
  /** The domain crashed (domain_crash): its vCPUs no longer run; it stays until destroyed. */
  crashed?: boolean;
}

/** An ioreq server as a simulator shows it. */
export interface IoreqServerView {
  /** Server id (ioservid_t). */
  id: number;
  /** The domain that created it, its device model (s->emulator). */
  emulator: number;
  /** handle_bufioreq: 0 off, 1 legacy, 2 atomic. */
  bufioreq: number;
  /** Whether set_ioreq_server_state enabled it; a disabled server receives no requests. */
  enabled: boolean;
  /** Inclusive ranges per XEN_DMOP_IO_RANGE_* type, as ["0x…", "0x…"] pairs (PCI: SBDFs). */
  ranges: {
    /** I/O port ranges (XEN_DMOP_IO_RANGE_PORT). */
    port: [string, string][];
    /** MMIO ranges (XEN_DMOP_IO_RANGE_MEMORY), guest physical addresses. */
    memory: [string, string][];
    /** PCI config-space ranges (XEN_DMOP_IO_RANGE_PCI), SBDFs as XEN_DMOP_PCI_SBDF packs them. */
    pci: [string, string][];
  };
  /** Event channels in the target domain: one per vCPU (index = vCPU), and the buffered ring's. */
  ports: {
    /** One unbound port per vCPU (index = vCPU id), notified for each synchronous request. */
    vcpu: number[];
    /** The buffered ring's port, or null when the server has no buffered page (bufioreq 0). */
    bufioreq: number | null;
  };
  /** How its pages were set up: not yet, as guest gfns (get_info), or as acquire_resource frames. */
  pages: 'none' | 'gfns' | 'resource';
}

/** A vCPU waiting for a device model's answer. */
export interface PendingIoreqView {
  /** The blocked vCPU. */
  vcpu: number;
  /** Id of the server the request went to. */
  server: number;
  /** The request. */
  request: IoreqRecord;
}

/** The simulator-control part. */
export interface SimulatorBackend extends XenBackend {
  /** Creates a domain with the given configuration. */
  createDomain(config: DomainConfig): Promise<void>;
  /** Destroys the domain `domid`. */
  destroyDomain(domid: number): Promise<void>;
  /** Sets internal p2m types directly (paged, shared, log-dirty, …) within 0…maxGpfn. */
  seedP2m(domid: number, firstPfn: bigint, nr: number, p2mType: number): Promise<void>;
  /** Performs a guest memory or port access, as the guest would. */
  guestAccess(access: GuestAccess): Promise<GuestAccessResult>;
  /**
   * `HYPERVISOR_sched_op(cmd, arg)` on behalf of domain `caller` (SCHEDOP_remote_shutdown); absent from
   * backends without it (the daemon then answers ENOSYS).
   */
  schedOp?(caller: number, cmd: number, arg: Uint8Array): Promise<HypercallOutcome>;
  /** Who answers ioreqs (null: the default, which answers every read with all ones). */
  setIoreqHandler(handler: IoreqHandler | null): void;
  /** Inspects the domain `domid`: its p2m, ioreq servers and events. */
  inspect(domid: number): Promise<DomainInspection>;
  /** The live domains' ids other than domain 0, ascending (`xenmem sim list`). */
  listDomains(): Promise<number[]>;
  /**
   * `XENMEM_populate_physmap` on behalf of `caller`: each gpfn starts an extent of 2^extentOrder pages that
   * becomes fresh zeroed RAM (p2m_ram_rw), or populate-on-demand with XENMEMF_populate_on_demand in `memFlags`.
   * rc is the number of extents populated, as Xen's memory_op returns it (never an errno: a refused call
   * returns 0); when it falls short, the simulator's `reason` says why.
   */
  populatePhysmap(caller: number, domid: number, extentOrder: number, memFlags: number, gpfns: bigint[]): Promise<HypercallOutcome>;
  /** Guest RAM bytes [gpa, gpa + length) (1 … 65536 bytes within frames 0 … maxGpfn), as they are now. */
  guestRamRead(domid: number, gpa: bigint, length: number): Promise<Uint8Array>;
  /** Writes guest RAM bytes at gpa (1 … 65536 bytes within frames 0 … maxGpfn). */
  guestRamWrite(domid: number, gpa: bigint, bytes: Uint8Array): Promise<void>;
}
