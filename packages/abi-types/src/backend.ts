/**
 * The backend interface: how a client reaches a hypervisor. It has two parts (DESIGN.md "Layout"):
 * the Xen part every backend has — the hypercalls as Xen takes them, byte buffers in, a return code
 * out, results copied back into the buffers — and the simulator-control part that only a simulator
 * backend has (create domains, seed the p2m, guest accesses, inspection).
 */

/** What a hypercall returned. */
export interface HypercallOutcome {
  /** 0, or −errno. ERESTART never appears: continuations are followed inside the hypervisor, as on Xen. */
  rc: number;
  /** Continuations taken (preemption points that fired). 0 where the backend cannot observe them. */
  continuations: number;
  /**
   * For ops with a per-page loop (set_mem_type, modified_memory): pages processed successfully, counted as
   * Xen counts its iterations, including progress before a failure; null for other ops or when unknown.
   */
  progress: number | null;
}

/** The Xen part: what every backend offers. Buffers are updated in place, as Xen copies results back. */
export interface XenBackend {
  /** The hypervisor release behind the backend, e.g. "4.22". */
  readonly release: string;
  /** `HYPERVISOR_dm_op(domid, nr_bufs, bufs)` on behalf of domain `caller`. */
  dmOp(caller: number, domid: number, bufs: Uint8Array[]): Promise<HypercallOutcome>;
  /** `HYPERVISOR_hvm_op(op, arg)` on behalf of domain `caller`; `op` may carry ≤4.8 continuation bits. */
  hvmOp(caller: number, op: number, buf: Uint8Array): Promise<HypercallOutcome>;
}

/** A domain as a simulator creates it (DESIGN.md "Scenario files"). */
export interface DomainConfig {
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
  domid: number;
  vcpu: number;
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
}

/** How Xen dealt with a guest access. */
export type GuestAccessOutcome = 'ram' | 'discarded' | 'ioreq' | 'null' | 'retry' | 'crash';

export interface GuestAccessResult {
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
  type: IoreqTypeName;
  dir: 'read' | 'write';
  /** Address, port, or for pci_config `SBDF << 32 | register`. */
  addr: bigint;
  size: number;
  count: number;
  /** The data written, or (after the response) read. */
  data: bigint;
  df: boolean;
  /** Sent through the buffered ring (never answered). */
  buffered: boolean;
}

/**
 * Plays the device model for requests to servers the client created: returns the data for a read
 * (undefined: all ones of the access size). Writes need no answer.
 */
export type IoreqHandler = (domid: number, request: IoreqRecord) => bigint | undefined;

/** One run of equal internal p2m type, for inspection. */
export interface P2mRunView {
  first: bigint;
  count: bigint;
  /** Internal p2m type number and its name at the simulator's release. */
  type: number;
  name: string;
}

/** A domain's state as a simulator shows it. */
export interface DomainInspection {
  domid: number;
  maxGpfn: number;
  hap: boolean;
  hvm: boolean;
  vcpus: number;
  dm: number | null;
  /** The ioreq_server claim (4.9+): owning server id, claimed flags, and p2m_ioreq_server pages. */
  ioreqClaim: { owner: number | null; flags: number; entryCount: number };
  p2m: P2mRunView[];
  /** Ops recorded but outside the model (interrupts, events, shutdown, …). */
  events: { op: string; args: Record<string, unknown> }[];
}

/** The simulator-control part. */
export interface SimulatorBackend extends XenBackend {
  createDomain(config: DomainConfig): Promise<void>;
  destroyDomain(domid: number): Promise<void>;
  /** Sets internal p2m types directly (paged, shared, log-dirty, …) within 0…maxGpfn. */
  seedP2m(domid: number, firstPfn: bigint, nr: number, p2mType: number): Promise<void>;
  guestAccess(access: GuestAccess): Promise<GuestAccessResult>;
  /** Who answers ioreqs (null: the default, which answers every read with all ones). */
  setIoreqHandler(handler: IoreqHandler | null): void;
  inspect(domid: number): Promise<DomainInspection>;
}
