/**
 * The simulated Xen host as every handler sees it: the release it behaves as, its domains, their event
 * channels, how long hypercalls are preempted, set_mem_type's outcome tables, where ioreq pages are
 * allocated, and the device-model side of the ioreq path. The DMOP and HVMOP handlers, guest accesses
 * and the ioreq protocol receive a Host; `Hypervisor` (hypervisor.ts) is the entry point over it.
 */
import { CONST, InputError, STRUCTS, limitAt, resolveRelease, type LayoutId, type ReleaseName } from '@xenmem/abi-types';
import { type DomainRecord, type IoreqHandler } from '@xenmem/sim-protocol';
import { Domain } from './domain.js';
import { EventChannels } from './ioreq/evtchn.js';
import { PAGE_SIZE, type IoreqPageStore } from './ioreq/pages.js';
import { copyRam, MemoryRam, type GuestRam, type GuestRamStore } from './ram/guest-ram.js';
import { P2M_INVALID, type OutcomeTable, type P2mCore } from './p2m/core.js';
import { selectP2mCore } from './p2m/select.js';
import { P2M_RAM_RW } from './p2m-types.js';
import { makePreemptor, type PreemptPolicy, type Preemptor } from './preempt.js';
import { isSimulatedRelease, NOT_SIMULATED } from './simulated-releases.js';
import { outcomeTable } from './transitions.js';

/** How to build a {@link Hypervisor}: which Xen release it behaves as, and how its long hypercalls are preempted. */
export interface HypervisorOptions {
  /** Xen release to model, "4.6" … "4.22". */
  release: string;
  /** When long hypercalls are preempted (default "never"). */
  preempt?: PreemptPolicy;
  /** The p2m core to use (default: native if it loads, else TS; XENMEM_P2M forces one). */
  p2m?: P2mCore;
}

/** Called when one of Xen's own ports of a live domain is notified (a vCPU may be waiting on it). */
export type XenPortListener = (domain: Domain, port: number) => void;

const DOMID_SELF = CONST.domid.self;

/** Answers every read with all ones of the access size, as a device model that knows nothing would. */
const defaultIoreqHandler: IoreqHandler = () => undefined;

export class Host {
  /** The Xen release modelled, resolved from {@link HypervisorOptions.release} (e.g. "4.22"). */
  readonly release: ReleaseName;
  /**
   * Decides at each preemption point (`hypercall_preempt_check()`, every {@link preemptInterval} pages) whether a
   * long hypercall is preempted, from {@link HypervisorOptions.preempt}.
   */
  readonly preemptor: Preemptor;
  /**
   * The p2m implementation every domain's table uses: {@link HypervisorOptions.p2m}, else what `selectP2mCore()`
   * chose (the native core if it loads, else the TS one; XENMEM_P2M=native|ts forces one).
   */
  readonly p2mCore: P2mCore;
  /** Pages between preemption checks (256). */
  readonly preemptInterval: number;
  /** Every domain's event channels; a notification on one of Xen's own ports goes to the XenPortListener. */
  readonly evtchn: EventChannels;
  /** The device-model side of the ioreq path (the scenario runner installs one that records requests). */
  ioreqHandler: IoreqHandler = defaultIoreqHandler;
  /**
   * Who the call being started is for: set by the caller just before a call (the daemon's state store sets its
   * request's mark) and cleared after; a call keeps the value it began with and hands it to {@link onPause}.
   */
  callOwner: unknown = undefined;
  /**
   * Told, with the call's {@link callOwner}, each time a call lets other calls run before it completes: between
   * continuation chunks, and when a vCPU waits for a device model. The daemon's state store records there what
   * changed so far (docs/reliability.md "Disk full").
   */
  onPause: ((owner: unknown) => void) | null = null;
  private readonly domains = new Map<number, Domain>();
  private pageStore: IoreqPageStore | null = null;
  private ramStore: GuestRamStore | null = null;
  private readonly outcomeCache = new Map<number, OutcomeTable>();

  /**
   * A host with only domain 0 (the control domain, not HVM).
   * @param options - The release (required), preemption policy and p2m core.
   * @param onXenPort - Told of every notification of one of Xen's own ports of a live domain.
   * @throws InputError (argument `release`) for a release the schema does not know, or one whose behaviour is not
   *   recorded (not simulated).
   */
  constructor(options: HypervisorOptions, onXenPort: XenPortListener) {
    // One refusal, one range, for a release the schema does not know and for one it knows but does not simulate.
    const release = isSimulatedRelease(String(options.release)) ? resolveRelease(options.release) : undefined;
    if (release === undefined) throw new InputError('release', options.release, NOT_SIMULATED);
    this.release = release;
    this.preemptor = makePreemptor(options.preempt);
    this.p2mCore = options.p2m ?? selectP2mCore();
    this.preemptInterval = limitAt('setMemTypePreemptInterval', release)!.value;
    this.evtchn = new EventChannels((domid, port) => {
      const d = this.lookupDomain(domid);
      if (d) onXenPort(d, port);
    });
    // Domain 0, the control domain: always present, not HVM.
    this.addDomain({ domid: 0, maxGpfn: 0, hap: false, hvm: false, vcpus: 1, dm: null });
  }

  /** Creates the domain `record` describes, its p2m all p2m_ram_rw; InputError if its domid is taken. */
  addDomain(record: DomainRecord): Domain {
    if (this.domains.has(record.domid)) throw new InputError('domid', record.domid, 'already exists');
    const p2m = this.p2mCore.createTable(record.maxGpfn, P2M_RAM_RW);
    let ram: GuestRam;
    try {
      ram = this.newRam(record.domid, record.maxGpfn);
    } catch (e) {
      p2m.dispose();
      throw e;
    }
    const d = new Domain(record, p2m, ram);
    this.domains.set(record.domid, d);
    return d;
  }

  private newRam(domid: number, maxGpfn: number): GuestRam {
    return this.ramStore && domid !== 0 ? this.ramStore.create(domid, maxGpfn) : new MemoryRam();
  }

  /**
   * Puts guests' RAM in backings `store` makes from now on (null: plain memory). The RAM of existing guests moves
   * at once (the pages that may hold bytes are copied; the old backing is freed).
   */
  useRamStore(store: GuestRamStore | null): void {
    this.ramStore = store;
    for (const d of this.domains.values()) {
      if (d.domid === 0 || d.dying) continue;
      const ram = this.newRam(d.domid, d.maxGpfn);
      copyRam(d.ram, ram);
      d.ram.dispose();
      d.ram = ram;
    }
  }

  /** Marks a domain dying and forgets it (its vCPUs, pages, channels and p2m are the caller's to end). */
  removeDomain(domid: number): Domain | undefined {
    const d = this.domains.get(domid);
    if (!d) return undefined;
    d.dying = true;
    this.domains.delete(domid);
    return d;
  }

  /** The live domains' ids other than domain 0 (the control domain), ascending. */
  domainIds(): number[] {
    return [...this.domains.keys()].filter((domid) => domid !== 0 && this.lookupDomain(domid) !== undefined).sort((a, b) => a - b);
  }

  /** A live domain, or undefined (dying domains are not found, as rcu_lock_domain_by_id refuses them). */
  lookupDomain(domid: number): Domain | undefined {
    const d = this.domains.get(domid);
    return d && !d.dying ? d : undefined;
  }

  /** Every live guest domain (domain 0 excluded), by domid. */
  guests(): Domain[] {
    return [...this.domains.values()].filter((d) => d.domid !== 0 && !d.dying).sort((a, b) => a.domid - b.domid);
  }

  /** The domain DOMID_SELF stands for, for ops that accept it. */
  resolveDomid(domid: number, caller: number): number {
    return domid === DOMID_SELF ? caller : domid;
  }

  /** Internal type of a gfn (above maxGpfn: p2m_invalid). */
  p2mTypeAt(domid: number, gfn: bigint): number {
    const d = this.lookupDomain(domid);
    if (!d || gfn > BigInt(d.maxGpfn)) return P2M_INVALID;
    return d.p2m.get(Number(gfn));
  }

  /** The per-page outcome table of set_mem_type for an hvmmem value at this release. */
  outcomeTable(hvmmemValue: number): OutcomeTable {
    let t = this.outcomeCache.get(hvmmemValue);
    if (!t) this.outcomeCache.set(hvmmemValue, (t = outcomeTable(this.release, hvmmemValue)));
    return t;
  }

  /** Size of a struct layout (for the HVMOP copy checks). */
  structSize(layout: LayoutId): number {
    return STRUCTS[layout].size;
  }

  /** Sets the device-model side of the ioreq path (null: the default, all ones for every read). */
  setIoreqHandler(handler: IoreqHandler | null): void {
    this.ioreqHandler = handler ?? defaultIoreqHandler;
  }

  /**
   * Puts ioreq servers' pages in `store` from now on (null: plain memory for new pages). The pages of existing
   * servers move into it at once (their bytes copied; page views handed out earlier follow them). A page the
   * store has no room for stays where it is.
   */
  usePageStore(store: IoreqPageStore | null): void {
    const old = this.pageStore;
    this.pageStore = store;
    for (const d of this.domains.values())
      for (const s of d.servers.values()) {
        s.ioreqPage = this.movePage(s.ioreqPage, old);
        if (s.bufioreqPage) s.bufioreqPage = this.movePage(s.bufioreqPage, old);
      }
  }

  private movePage(page: Uint8Array, from: IoreqPageStore | null): Uint8Array {
    const moved = this.pageStore?.adopt(page) ?? (from ? page.slice() : page);
    if (moved !== page) from?.release(page);
    return moved;
  }

  /** A zeroed 4 KiB page for an ioreq server, in the page store when there is one with room. */
  allocIoreqPage(): Uint8Array {
    const page = new Uint8Array(PAGE_SIZE);
    return this.pageStore?.adopt(page) ?? page;
  }

  /** Gives an ioreq server's page back to the page store (a page outside it is left to the garbage collector). */
  releaseIoreqPage(page: Uint8Array | null): void {
    if (page) this.pageStore?.release(page);
  }
}
