/**
 * The simulated hypervisor: one Xen release's behaviour (4.6–4.22, SIMULATED_RANGE) for domains, their p2m, the DM
 * ops and HVMOPs. Its boundary is Xen's own ABI: `dmOp`/`hvmOp` take the byte buffers Xen takes,
 * return Xen's return code and copy results back into the buffers as Xen does. What differs by
 * release is read from the schema's generated tables, not decided here. The state every call works on
 * is a {@link Host} (host.ts); this class is the entry point that hands it to the handlers.
 */
import { type AcquiredResource, type ForeignMapping, type InterdomainBinding, InputError, RELEASES, p2mName, type HypercallOutcome, type LayoutId, type ReleaseName, type XenErrorReason } from '@xenmem/abi-types';
import { type DomainConfig, type DomainInspection, type GuestAccess, type GuestAccessResult, type IoreqHandler, type SimulatorBackend, xenReason } from '@xenmem/sim-protocol';
import { validateDomainConfig, type Domain } from './domain.js';
import { clearReason, fail, takeReason } from './errno.js';
import { Host, type HypervisorOptions } from './host.js';
import { dmOpOnce } from './dmop/dispatch.js';
import { hvmOpOnce } from './hvmop/dispatch.js';
import { guestAccess } from './guest/access.js';
import { broadcastInvalidate, broadcastTimeoffset } from './guest/broadcast.js';
import { abandonWaits, xenEvent } from './guest/ioreq-send.js';
import { inspectDomain } from './inspect.js';
import type { EventChannels } from './ioreq/evtchn.js';
import type { IoreqPageStore } from './ioreq/pages.js';
import type { GuestRamStore } from './ram/guest-ram.js';
import { P2M_TYPE_COUNT, type OutcomeTable, type P2mCore } from './p2m/core.js';
import { P2M_IOREQ_SERVER } from './p2m-types.js';
import { yieldToOthers, type Preemptor } from './preempt.js';
import { XsTree } from './xenstore/tree.js';
import { acquireResource, mapForeignGfn } from './resource.js';
import { guestRamRead, guestRamWrite, mapForeignBatch, type ForeignBatch } from './foreign-batch.js';
import { populatePhysmapOnce } from './memop/populate-physmap.js';
import { schedOpOnce } from './sched-op.js';

export type { HypervisorOptions } from './host.js';

/** A caller's latest failed call: which call, its −errno and the check that failed. */
export interface CallFailure {
  /** The call, as the daemon's trace names it: "dm_op", "hvm_op", "acquire_resource", "notify", … */
  readonly call: string;
  /** The −errno it returned. */
  readonly rc: number;
  /** The check that failed (XEN_REASONS of @xenmem/sim-protocol). */
  readonly reason: XenErrorReason | undefined;
}

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
  /**
   * Every domain's event channels; a notification on one of Xen's own ports wakes the vCPU waiting on it.
   * @internal
   */
  readonly evtchn: EventChannels;
  /**
   * What every handler works on: the release, domains, event channels, preemption, outcome tables, ioreq pages
   * and the ioreq handler.
   * @internal
   */
  readonly host: Host;
  private readonly failures = new Map<number, CallFailure>();
  /**
   * The host's xenstore contents (the daemon serves them on its xenstore socket; durable state keeps them).
   * @internal
   */
  readonly xenstore = new XsTree();

  /**
   * A host with only domain 0 (the control domain, not HVM); create guests with {@link createDomain}.
   * @param options - The release (required), preemption policy and p2m core.
   * @throws InputError (argument `release`) for a release the simulator does not model: one the schema does not
   *   know, or one whose behaviour it does not record (SIMULATED_RANGE).
   */
  constructor(options: HypervisorOptions) {
    this.host = new Host(options, xenEvent);
    this.release = this.host.release;
    this.preemptor = this.host.preemptor;
    this.p2mCore = this.host.p2mCore;
    this.preemptInterval = this.host.preemptInterval;
    this.evtchn = this.host.evtchn;
  }

  /**
   * Puts ioreq servers' pages in `store` from now on (null: plain memory for new pages). The pages of existing
   * servers move into it at once (their bytes copied; page views handed out earlier follow them). A page the
   * store has no room for stays where it is.
   */
  usePageStore(store: IoreqPageStore | null): void {
    this.host.usePageStore(store);
  }

  /**
   * Puts guests' RAM in backings `store` makes from now on (null: plain memory); the RAM of existing guests moves
   * at once. The daemon installs one that keeps each guest's RAM in a file device models map.
   */
  useRamStore(store: GuestRamStore | null): void {
    this.host.useRamStore(store);
  }

  /** A zeroed 4 KiB page for an ioreq server, in the page store when there is one with room. */
  allocIoreqPage(): Uint8Array {
    return this.host.allocIoreqPage();
  }

  /** Gives an ioreq server's page back to the page store (a page outside it is left to the garbage collector). */
  releaseIoreqPage(page: Uint8Array | null): void {
    this.host.releaseIoreqPage(page);
  }

  /** The per-page outcome table of set_mem_type for an hvmmem value at this release. */
  outcomeTable(hvmmemValue: number): OutcomeTable {
    return this.host.outcomeTable(hvmmemValue);
  }

  /**
   * A live domain, or undefined (dying domains are not found, as rcu_lock_domain_by_id refuses them).
   * @internal
   */
  lookupDomain(domid: number): Domain | undefined {
    return this.host.lookupDomain(domid);
  }

  /** The domain DOMID_SELF stands for, for ops that accept it. */
  resolveDomid(domid: number, caller: number): number {
    return this.host.resolveDomid(domid, caller);
  }

  /** Creates a domain with the given configuration. */
  async createDomain(config: DomainConfig): Promise<void> {
    this.host.addDomain(validateDomainConfig(config, this.release));
  }

  /** Destroys the domain `domid`. */
  async destroyDomain(domid: number): Promise<void> {
    const d = domid === 0 ? undefined : this.host.removeDomain(domid);
    if (!d) throw new InputError('domid', domid, domid === 0 ? 'is the control domain and cannot be destroyed' : 'does not exist');
    // vCPUs still waiting on a device model give up (the access ends as if the emulator had died).
    abandonWaits(d, null);
    for (const s of d.servers.values()) {
      this.host.releaseIoreqPage(s.ioreqPage);
      this.host.releaseIoreqPage(s.bufioreqPage);
    }
    this.evtchn.closeDomain(domid);
    d.p2m.dispose();
    d.ram.dispose();
  }

  async seedP2m(domid: number, firstPfn: bigint, nr: number, p2mType: number): Promise<void> {
    const d = this.host.lookupDomain(domid);
    if (!d || domid === 0) throw new InputError('domid', domid, 'does not exist');
    if (!Number.isInteger(p2mType) || p2mType < 0 || p2mType >= P2M_TYPE_COUNT || p2mName(p2mType, this.release) === undefined)
      throw new InputError('p2m', p2mType, `is not an internal p2m type at Xen ${this.release}`);
    if (!Number.isInteger(nr) || nr < 1 || firstPfn < 0n || firstPfn + BigInt(nr) - 1n > BigInt(d.maxGpfn))
      throw new InputError('first_pfn', `0x${firstPfn.toString(16)}+${nr}`, `must lie within 0 … maxGpfn (0x${d.maxGpfn.toString(16)})`);
    const first = Number(firstPfn);
    const before = d.p2m.countByType(first, nr)[P2M_IOREQ_SERVER] ?? 0;
    d.p2m.set(first, nr, p2mType);
    d.ioreq.entryCount += (p2mType === P2M_IOREQ_SERVER ? nr : 0) - before;
  }

  /**
   * The latest call of `caller` that failed, with the check that failed; undefined if none has. Every call that
   * returns an rc records it (dm_op, hvm_op, acquire_resource, map_foreign_gfn, bind_interdomain, unbind, notify).
   */
  lastFailure(caller: number): CallFailure | undefined {
    return this.failures.get(caller);
  }

  /** Records the reason `fail` noted for a call's rc (once the synchronous handler has returned). */
  private noted(caller: number, call: string, rc: number): XenErrorReason | undefined {
    const reason = takeReason(rc);
    if (rc < 0) this.failures.set(caller, { call, rc, reason });
    return reason;
  }

  async dmOp(caller: number, domid: number, bufs: Uint8Array[]): Promise<HypercallOutcome> {
    if (RELEASES.find((r) => r.name === this.release)!.toolsOps !== 'dm_op') {
      clearReason();
      const rc = fail('ENOSYS', 'no-dm-op');
      return { rc, continuations: 0, progress: null, reason: this.noted(caller, 'dm_op', rc)! };
    }
    const owner = this.host.callOwner;
    let continuations = 0;
    let progress: number | null = null;
    for (;;) {
      clearReason();
      const step = dmOpOnce(this.host, caller, domid, bufs);
      const reason = this.noted(caller, 'dm_op', step.rc);
      if (step.progress !== undefined) progress = (progress ?? 0) + step.progress;
      if (!step.restart) return { rc: step.rc, continuations, progress, ...(reason && { reason }) };
      continuations++;
      await this.pause(owner);
    }
  }

  /**
   * `XENMEM_populate_physmap` on behalf of `caller` (memop/populate-physmap.ts): rc is the number of extents
   * populated, never an errno, as Xen's memory_op returns it; when it is short of `gpfns.length`, `reason` names
   * why the op stopped. Preemptions are followed here and counted in `continuations`.
   */
  async populatePhysmap(caller: number, domid: number, extentOrder: number, memFlags: number, gpfns: bigint[]): Promise<HypercallOutcome> {
    const owner = this.host.callOwner;
    let continuations = 0;
    let done = 0;
    for (;;) {
      const step = populatePhysmapOnce(this.host, caller, { domid, extentOrder, memFlags, gpfns }, done);
      done = step.done;
      if (!step.preempted) return { rc: done, continuations, progress: null, ...(step.stop && { reason: xenReason(step.stop) }) };
      continuations++;
      await this.pause(owner);
    }
  }

  /**
   * Foreign-maps a batch of gfns as privcmd's MMAPBATCH_V2 would: the domain's RAM file and, per gfn, 0 (map the
   * page at gfn × 4096 in the file) or −errno. EOPNOTSUPP without a RAM file (see useRamStore).
   */
  async mapForeignBatch(caller: number, domid: number, gfns: bigint[]): Promise<ForeignBatch> {
    clearReason();
    const r = mapForeignBatch(this.host, caller, domid, gfns);
    this.noted(caller, 'map_foreign_batch', r.rc);
    return r;
  }

  /** Reads guest RAM bytes [gpa, gpa + length) (at most 64 KiB), whatever the p2m says of those frames. */
  async guestRamRead(domid: number, gpa: bigint, length: number): Promise<Uint8Array> {
    return guestRamRead(this.host, domid, gpa, length);
  }

  /** Writes guest RAM bytes at gpa (at most 64 KiB), whatever the p2m says of those frames. */
  async guestRamWrite(domid: number, gpa: bigint, bytes: Uint8Array): Promise<void> {
    guestRamWrite(this.host, domid, gpa, bytes);
  }

  async hvmOp(caller: number, op: number, buf: Uint8Array): Promise<HypercallOutcome> {
    const owner = this.host.callOwner;
    let continuations = 0;
    let command = op;
    let progress: number | null = null;
    for (;;) {
      clearReason();
      const step = hvmOpOnce(this.host, caller, command, buf);
      const reason = this.noted(caller, 'hvm_op', step.rc);
      if (step.progress !== undefined) progress = (progress ?? 0) + step.progress;
      if (step.restart === undefined) return { rc: step.rc, continuations, progress, ...(reason && { reason }) };
      continuations++;
      command = step.restart;
      await this.pause(owner);
    }
  }

  /**
   * Between two continuation chunks: tells the host's pause listener (with the owner the call began with), then
   * lets other calls run, as other vCPUs do on Xen.
   */
  private pause(owner: unknown): Promise<void> {
    this.host.onPause?.(owner);
    return yieldToOthers();
  }

  /** `HYPERVISOR_sched_op(cmd, arg)` for `caller`: SCHEDOP_remote_shutdown (sched-op.ts); never continued. */
  async schedOp(caller: number, cmd: number, buf: Uint8Array): Promise<HypercallOutcome> {
    clearReason();
    const step = schedOpOnce(this.host, caller, cmd, buf);
    const reason = this.noted(caller, 'sched_op', step.rc);
    return { rc: step.rc, continuations: 0, progress: null, ...(reason && { reason }) };
  }

  /** The device-model side of the ioreq path (the scenario runner installs one that records requests). */
  get ioreqHandler(): IoreqHandler {
    return this.host.ioreqHandler;
  }

  /** Installs the device-model side of the ioreq path (as {@link setIoreqHandler}, without the null default). */
  set ioreqHandler(handler: IoreqHandler) {
    this.host.ioreqHandler = handler;
  }

  setIoreqHandler(handler: IoreqHandler | null): void {
    this.host.setIoreqHandler(handler);
  }

  /**
   * Performs a guest memory or port access, as the guest would. With a device model attached to the server (its
   * synchronous page mapped and the vCPU's port bound by its emulator), the promise resolves only after the device
   * model answers through the page.
   */
  async guestAccess(access: GuestAccess): Promise<GuestAccessResult> {
    return guestAccess(this.host, access);
  }

  /** `XENMEM_acquire_resource` for XENMEM_resource_ioreq_server: frame 0 the buffered page, frame 1 the synchronous page. */
  async acquireResource(caller: number, domid: number, type: number, id: number, frame: number, nrFrames: number): Promise<AcquiredResource> {
    clearReason();
    const r = acquireResource(this.host, caller, domid, type, id, frame, nrFrames);
    this.noted(caller, 'acquire_resource', r.rc);
    return r;
  }

  /** Foreign-maps a gfn: a server's ioreq/bufioreq gfn gives its page, a RAM gfn the guest's memory. */
  async mapForeignGfn(caller: number, domid: number, gfn: bigint): Promise<ForeignMapping> {
    clearReason();
    const r = mapForeignGfn(this.host, caller, domid, gfn);
    this.noted(caller, 'map_foreign_gfn', r.rc);
    return r;
  }

  async bindInterdomain(caller: number, remoteDomid: number, remotePort: number): Promise<InterdomainBinding> {
    clearReason();
    const r = this.evtchn.bindInterdomain(caller, remoteDomid, remotePort, this.host.lookupDomain(remoteDomid) !== undefined);
    this.noted(caller, 'bind_interdomain', r.rc);
    return r;
  }

  async unbindPort(caller: number, localPort: number): Promise<number> {
    clearReason();
    const rc = this.evtchn.unbind(caller, localPort);
    this.noted(caller, 'unbind', rc);
    return rc;
  }

  async notify(caller: number, localPort: number): Promise<number> {
    clearReason();
    const rc = this.evtchn.notify(caller, localPort);
    this.noted(caller, 'notify', rc);
    return rc;
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
    return broadcastInvalidate(this.host, d, vcpu);
  }

  /** IOREQ_TYPE_TIMEOFFSET (data = offset) through the buffered ring of every enabled server that has one. */
  async broadcastTimeoffset(domid: number, offset: bigint): Promise<GuestAccessResult> {
    const d = this.runningDomain(domid, 0);
    if (typeof offset !== 'bigint') throw new InputError('offset', offset, 'must be a bigint');
    return broadcastTimeoffset(this.host, d, offset);
  }

  private runningDomain(domid: number, vcpu: number): Domain {
    const d = this.host.lookupDomain(domid);
    if (!d || !d.hvm) throw new InputError('domid', domid, 'is not a running HVM guest');
    if (!Number.isInteger(vcpu) || vcpu < 0 || vcpu >= d.vcpus) throw new InputError('vcpu', vcpu, `does not exist in domain ${domid} (it has ${d.vcpus})`);
    return d;
  }

  /** Inspects the domain `domid`: its p2m, ioreq servers and events. */
  async inspect(domid: number): Promise<DomainInspection> {
    const d = this.host.lookupDomain(domid);
    if (!d) throw new InputError('domid', domid, 'does not exist');
    return inspectDomain(d, this.release);
  }

  /** The live domains' ids other than domain 0, ascending. */
  async listDomains(): Promise<number[]> {
    return this.host.domainIds();
  }

  /** Size of a struct layout (for the HVMOP copy checks). */
  structSize(layout: LayoutId): number {
    return this.host.structSize(layout);
  }

  /**
   * The domain object itself (dying ones excluded), for in-process tests, the scenario runner and the CLI's bench
   * workloads; its shape is not part of the API.
   * @internal
   */
  domain(domid: number): Domain | undefined {
    return this.host.lookupDomain(domid);
  }

  /** Internal type of a gfn (above maxGpfn: p2m_invalid), for tests and guest accesses. */
  p2mTypeAt(domid: number, gfn: bigint): number {
    return this.host.p2mTypeAt(domid, gfn);
  }
}
