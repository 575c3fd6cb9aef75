/**
 * The simulated hypervisor: one Xen release's behaviour (4.6–4.22, SIMULATED_RANGE) for domains, their p2m, the DM
 * ops and HVMOPs. Its boundary is Xen's own ABI: `dmOp`/`hvmOp` take the byte buffers Xen takes,
 * return Xen's return code and copy results back into the buffers as Xen does. What differs by
 * release is read from the schema's generated tables, not decided here.
 */
import {
  type AcquiredResource,
  type ForeignMapping,
  type InterdomainBinding,
  CONSTANTS,
  InputError,
  limitAt,
  RELEASES,
  STRUCTS,
  p2mName,
  resolveRelease,
  type DomainConfig,
  type DomainInspection,
  type GuestAccess,
  type GuestAccessResult,
  type HypercallOutcome,
  type LayoutId,
  type ReleaseName,
  type SimulatorBackend,
} from '@xenmem/abi-types';
import { Domain } from './domain.js';
import { isSimulatedRelease, NOT_SIMULATED } from './simulated-releases.js';
import { fail } from './errno.js';
import { dmOpOnce } from './dmop/dispatch.js';
import { hvmOpOnce } from './hvmop/dispatch.js';
import { guestAccess } from './guest/access.js';
import { defaultIoreqHandler, type IoreqHandler } from './guest/ioreq.js';
import { makePreemptor, yieldToOthers, type PreemptPolicy, type Preemptor } from './preempt.js';
import { outcomeTable } from './transitions.js';
import { P2M_INVALID, type OutcomeTable, type P2mCore } from './p2m/core.js';
import { P2M_IOREQ_SERVER, P2M_RAM_RW } from './p2m-types.js';
import { selectP2mCore } from './p2m/select.js';
import { EventChannels } from './ioreq/evtchn.js';
import { abandonWaits, xenEvent } from './ioreq/protocol.js';
import { PAGE_SIZE, type IoreqPageStore } from './ioreq/pages.js';
import { acquireResource, mapForeignGfn } from './ioreq/resource.js';
import { broadcastInvalidate, broadcastTimeoffset } from './ioreq/broadcast.js';
import { pendingView, serverView } from './ioreq/inspect.js';

/** How to build a {@link Hypervisor}: which Xen release it behaves as, and how its long hypercalls are preempted. */
export interface HypervisorOptions {
  /** Xen release to model, "4.6" … "4.22". */
  release: string;
  /** When long hypercalls are preempted (default "never"). */
  preempt?: PreemptPolicy;
  /** The p2m core to use (default: native if it loads, else TS; XENMEM_P2M forces one). */
  p2m?: P2mCore;
}

const DOMID_FIRST_RESERVED = CONSTANTS.domid.members.find((m) => m.name === 'first_reserved')!.value;
const DOMID_SELF = CONSTANTS.domid.members.find((m) => m.name === 'self')!.value;
const MAX_GPFN_LIMIT = 2 ** 32 - 1;

/**
 * One simulated Xen host of one release: domain 0 plus the domains created on it, their p2m, ioreq servers
 * and event channels. It is a {@link SimulatorBackend}: `dmOp`/`hvmOp` take the bytes Xen takes and return
 * Xen's rc, copying results back into the buffers; the simulator-control calls (createDomain, seedP2m,
 * guestAccess, inspect) stand in for the guest and the toolstack. `startDaemon` serves one to other processes.
 */
export class Hypervisor implements SimulatorBackend {
  /** The Xen release modelled, resolved from {@link HypervisorOptions.release} (e.g. "4.22"). */
  readonly release: ReleaseName;
  /**
   * Decides at each preemption point (`hypercall_preempt_check()`, every {@link preemptInterval} pages) whether a
   * long hypercall is preempted, from {@link HypervisorOptions.preempt}.
   * @internal
   */
  readonly preemptor: Preemptor;
  /**
   * The p2m implementation every domain's table uses: {@link HypervisorOptions.p2m}, else what `selectP2mCore()`
   * chose (the native core if it loads, else the TS one; XENMEM_P2M=native|ts forces one).
   */
  readonly p2mCore: P2mCore;
  /** Pages between preemption checks (256). */
  readonly preemptInterval: number;
  private readonly domains = new Map<number, Domain>();
  private pageStore: IoreqPageStore | null = null;
  private readonly outcomeCache = new Map<number, OutcomeTable>();
  /**
   * Every domain's event channels; a notification on one of Xen's own ports wakes the vCPU waiting on it.
   * @internal
   */
  readonly evtchn = new EventChannels((domid, port) => {
    const d = this.lookupDomain(domid);
    if (d) xenEvent(d, port);
  });

  /**
   * A host with only domain 0 (the control domain, not HVM); create guests with {@link createDomain}.
   * @param options - The release (required), preemption policy and p2m core.
   * @throws InputError (argument `release`) for a release the simulator does not model: one the schema does not
   *   know, or one whose behaviour it does not record (SIMULATED_RANGE).
   */
  constructor(options: HypervisorOptions) {
    // One refusal, one range, for a release the schema does not know and for one it knows but does not simulate.
    const release = isSimulatedRelease(String(options.release)) ? resolveRelease(options.release) : undefined;
    if (release === undefined) throw new InputError('release', options.release, NOT_SIMULATED);
    this.release = release;
    this.preemptor = makePreemptor(options.preempt);
    this.p2mCore = options.p2m ?? selectP2mCore();
    this.preemptInterval = limitAt('setMemTypePreemptInterval', release)!.value;
    // Domain 0, the control domain: always present, not HVM.
    this.domains.set(0, new Domain({ domid: 0, maxGpfn: 0, hap: false, hvm: false, vcpus: 1, dm: null }, this.p2mCore.createTable(0, P2M_RAM_RW)));
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

  /** The per-page outcome table of set_mem_type for an hvmmem value at this release. */
  outcomeTable(hvmmemValue: number): OutcomeTable {
    let t = this.outcomeCache.get(hvmmemValue);
    if (!t) this.outcomeCache.set(hvmmemValue, (t = outcomeTable(this.release, hvmmemValue)));
    return t;
  }

  /**
   * A live domain, or undefined (dying domains are not found, as rcu_lock_domain_by_id refuses them).
   * @internal
   */
  lookupDomain(domid: number): Domain | undefined {
    const d = this.domains.get(domid);
    return d && !d.dying ? d : undefined;
  }

  /** The domain DOMID_SELF stands for, for ops that accept it. */
  resolveDomid(domid: number, caller: number): number {
    return domid === DOMID_SELF ? caller : domid;
  }

  /** Creates a domain with the given configuration. */
  async createDomain(config: DomainConfig): Promise<void> {
    const c = validateDomainConfig(config, this.release);
    if (this.domains.has(c.domid)) throw new InputError('domid', c.domid, 'already exists');
    this.domains.set(c.domid, new Domain(c, this.p2mCore.createTable(c.maxGpfn, P2M_RAM_RW)));
  }

  /** Destroys the domain `domid`. */
  async destroyDomain(domid: number): Promise<void> {
    const d = this.domains.get(domid);
    if (!d || domid === 0) throw new InputError('domid', domid, domid === 0 ? 'is the control domain and cannot be destroyed' : 'does not exist');
    d.dying = true;
    this.domains.delete(domid);
    // vCPUs still waiting on a device model give up (the access ends as if the emulator had died).
    abandonWaits(d, null);
    for (const s of d.servers.values()) {
      this.releaseIoreqPage(s.ioreqPage);
      this.releaseIoreqPage(s.bufioreqPage);
    }
    this.evtchn.closeDomain(domid);
    d.p2m.dispose();
  }

  async seedP2m(domid: number, firstPfn: bigint, nr: number, p2mType: number): Promise<void> {
    const d = this.lookupDomain(domid);
    if (!d || domid === 0) throw new InputError('domid', domid, 'does not exist');
    if (!Number.isInteger(p2mType) || p2mType < 0 || p2mType > 15 || p2mName(p2mType, this.release) === undefined)
      throw new InputError('p2m', p2mType, `is not an internal p2m type at Xen ${this.release}`);
    if (!Number.isInteger(nr) || nr < 1 || firstPfn < 0n || firstPfn + BigInt(nr) - 1n > BigInt(d.maxGpfn))
      throw new InputError('first_pfn', `0x${firstPfn.toString(16)}+${nr}`, `must lie within 0 … maxGpfn (0x${d.maxGpfn.toString(16)})`);
    const first = Number(firstPfn);
    const before = d.p2m.countByType(first, nr)[P2M_IOREQ_SERVER] ?? 0;
    d.p2m.set(first, nr, p2mType);
    d.ioreq.entryCount += (p2mType === P2M_IOREQ_SERVER ? nr : 0) - before;
  }

  async dmOp(caller: number, domid: number, bufs: Uint8Array[]): Promise<HypercallOutcome> {
    if (RELEASES.find((r) => r.name === this.release)!.toolsOps !== 'dm_op') return { rc: fail('ENOSYS'), continuations: 0, progress: null };
    let continuations = 0;
    let progress: number | null = null;
    for (;;) {
      const step = dmOpOnce(this, caller, domid, bufs);
      if (step.progress !== undefined) progress = (progress ?? 0) + step.progress;
      if (!step.restart) return { rc: step.rc, continuations, progress };
      continuations++;
      await yieldToOthers();
    }
  }

  async hvmOp(caller: number, op: number, buf: Uint8Array): Promise<HypercallOutcome> {
    let continuations = 0;
    let command = op;
    let progress: number | null = null;
    for (;;) {
      const step = hvmOpOnce(this, caller, command, buf);
      if (step.progress !== undefined) progress = (progress ?? 0) + step.progress;
      if (step.restart === undefined) return { rc: step.rc, continuations, progress };
      continuations++;
      command = step.restart;
      await yieldToOthers();
    }
  }

  /** The device-model side of the ioreq path (the scenario runner installs one that records requests). */
  ioreqHandler: IoreqHandler = defaultIoreqHandler;

  setIoreqHandler(handler: IoreqHandler | null): void {
    this.ioreqHandler = handler ?? defaultIoreqHandler;
  }

  /**
   * Performs a guest memory or port access, as the guest would. With a device model attached to the server (its
   * synchronous page mapped and the vCPU's port bound by its emulator), the promise resolves only after the device
   * model answers through the page.
   */
  async guestAccess(access: GuestAccess): Promise<GuestAccessResult> {
    return guestAccess(this, access);
  }

  /** `XENMEM_acquire_resource` for XENMEM_resource_ioreq_server: frame 0 the buffered page, frame 1 the synchronous page. */
  async acquireResource(caller: number, domid: number, type: number, id: number, frame: number, nrFrames: number): Promise<AcquiredResource> {
    return acquireResource(this, caller, domid, type, id, frame, nrFrames);
  }

  /** Foreign-maps a gfn: a server's ioreq/bufioreq gfn gives its page, a RAM gfn the guest's memory. */
  async mapForeignGfn(caller: number, domid: number, gfn: bigint): Promise<ForeignMapping> {
    return mapForeignGfn(this, caller, domid, gfn);
  }

  async bindInterdomain(caller: number, remoteDomid: number, remotePort: number): Promise<InterdomainBinding> {
    return this.evtchn.bindInterdomain(caller, remoteDomid, remotePort, this.lookupDomain(remoteDomid) !== undefined);
  }

  async unbindPort(caller: number, localPort: number): Promise<number> {
    return this.evtchn.unbind(caller, localPort);
  }

  async notify(caller: number, localPort: number): Promise<number> {
    return this.evtchn.notify(caller, localPort);
  }

  pending(caller: number, signal?: AbortSignal): Promise<number> {
    return this.evtchn.pending(caller, signal);
  }

  /**
   * IOREQ_TYPE_INVALIDATE (mapcache flush, data ~0) to every enabled server, synchronously: the vCPU waits
   * for each attached device model to answer.
   */
  async broadcastInvalidate(domid: number, vcpu = 0): Promise<GuestAccessResult> {
    const d = this.runningDomain(domid, vcpu);
    return broadcastInvalidate(this, d, vcpu);
  }

  /** IOREQ_TYPE_TIMEOFFSET (data = offset) through the buffered ring of every enabled server that has one. */
  async broadcastTimeoffset(domid: number, offset: bigint): Promise<GuestAccessResult> {
    const d = this.runningDomain(domid, 0);
    if (typeof offset !== 'bigint') throw new InputError('offset', offset, 'must be a bigint');
    return broadcastTimeoffset(this, d, offset);
  }

  private runningDomain(domid: number, vcpu: number): Domain {
    const d = this.lookupDomain(domid);
    if (!d || !d.hvm) throw new InputError('domid', domid, 'is not a running HVM guest');
    if (!Number.isInteger(vcpu) || vcpu < 0 || vcpu >= d.vcpus) throw new InputError('vcpu', vcpu, `does not exist in domain ${domid} (it has ${d.vcpus})`);
    return d;
  }

  /** Inspects the domain `domid`: its p2m, ioreq servers and events. */
  async inspect(domid: number): Promise<DomainInspection> {
    const d = this.lookupDomain(domid);
    if (!d) throw new InputError('domid', domid, 'does not exist');
    return {
      domid: d.domid,
      maxGpfn: d.maxGpfn,
      hap: d.hap,
      hvm: d.hvm,
      vcpus: d.vcpus,
      dm: d.dm,
      ioreqClaim: { ...d.ioreq },
      p2m: d.p2m.runs(0, d.maxGpfn + 1).map((r) => ({ first: BigInt(r.first), count: BigInt(r.count), type: r.type, name: p2mName(r.type, this.release) ?? `type ${r.type}` })),
      events: d.events.map((e) => ({ op: e.op, args: { ...e.args } })),
      servers: [...d.servers.values()].sort((a, b) => a.id - b.id).map((s) => serverView(s)),
      pending: pendingView(d),
      crashed: d.crashed,
    };
  }

  /** Size of a struct layout (for the HVMOP copy checks). */
  structSize(layout: LayoutId): number {
    return STRUCTS[layout].size;
  }

  /**
   * The domain object itself (dying ones excluded), for in-process tests, the scenario runner and the CLI's bench
   * workloads; its shape is not part of the API.
   * @internal
   */
  domain(domid: number): Domain | undefined {
    return this.lookupDomain(domid);
  }

  /** Internal type of a gfn (above maxGpfn: p2m_invalid), for tests and guest accesses. */
  p2mTypeAt(domid: number, gfn: bigint): number {
    const d = this.lookupDomain(domid);
    if (!d || gfn > BigInt(d.maxGpfn)) return P2M_INVALID;
    return d.p2m.get(Number(gfn));
  }
}

function validateDomainConfig(config: DomainConfig, release: ReleaseName): { domid: number; maxGpfn: number; hap: boolean; hvm: boolean; vcpus: number; dm: number | null } {
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
