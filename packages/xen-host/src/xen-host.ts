/**
 * `XenHost`: the backend of a real Xen host, on Linux's Xen kernel interface, as rust-vmm's xen-ioctls and
 * Xen's own libraries use it: dm_op buffers from the one encoder go through IOCTL_PRIVCMD_DM_OP unchanged,
 * HVMOPs through IOCTL_PRIVCMD_HYPERCALL in a hypercall-safe buffer, ioreq pages through
 * IOCTL_PRIVCMD_MMAP_RESOURCE, guest frames through IOCTL_PRIVCMD_MMAPBATCH_V2, event channels through
 * /dev/xen/evtchn. The release comes from the hypervisor (xen_version), so a DeviceModel over it speaks the
 * HVMOP forms up to 4.8 and DMOPs after.
 */
import {
  InputError,
  RELEASE_NAMES,
  isReleaseName,
  type AcquiredResource,
  type ForeignMapping,
  type HypercallOutcome,
  type InterdomainBinding,
  type ReleaseName,
  type SharedPage,
  type XenBackend,
} from '@xenmem/abi-types';
import { binding, reason, type Binding } from './binding.js';
import { call, XenHostError, XenHostUnavailableError } from './errors.js';
import { EventChannels } from './event-channels.js';

/** How a host is opened. */
export interface XenHostOptions {
  /**
   * The domain this process runs in (0 in dom0, the stub domain's id in a stub domain). Xen acts on behalf
   * of it whatever the calls say; calls naming another caller are refused. Default 0.
   */
  caller?: number;
}

function outcome(rc: number): HypercallOutcome {
  // Xen reports neither continuations nor per-page progress through the kernel interface.
  return { rc, continuations: 0, progress: null };
}

function sharedPage(pages: Binding.ForeignPages, index: number): SharedPage {
  return {
    read: (offset, length) => new Uint8Array(call(() => pages.read(index, offset, length))),
    write: (offset, bytes) => call(() => pages.write(index, offset, bytes)),
  };
}

/** A Xen host: the XenBackend of the domain this process runs in. */
export class XenHost implements XenBackend {
  /** The hypervisor's release, from xen_version (e.g. `"4.17"`). */
  readonly release: ReleaseName;
  /** The domain this process runs in (the caller every call is made as). */
  readonly caller: number;
  private readonly events: EventChannels;
  private readonly mapped: Binding.ForeignPages[] = [];
  private closed = false;

  private constructor(
    private readonly privcmd: Binding.Privcmd,
    private readonly native: typeof Binding,
    release: ReleaseName,
    caller: number,
  ) {
    this.release = release;
    this.caller = caller;
    this.events = new EventChannels(native);
  }

  /**
   * Opens /dev/xen/privcmd and asks Xen its release. Rejects with a {@link XenHostError} when the node
   * cannot be opened (ENOENT: no Xen here; EACCES: not root), a {@link XenHostUnavailableError} when the
   * addon did not load.
   */
  static async open(options: XenHostOptions = {}): Promise<XenHost> {
    const caller = options.caller ?? 0;
    if (!Number.isInteger(caller) || caller < 0 || caller > 0x7fef) throw new InputError('caller', caller, 'must be a domid 0 … 0x7fef');
    if (binding === null) throw new XenHostUnavailableError(reason!);
    const native = binding;
    const privcmd = call(() => native.Privcmd.open());
    const version = privcmd.xenVersion();
    if (version < 0) {
      privcmd.close();
      throw new XenHostError('query', 'xen_version', -version);
    }
    const release = `${version >>> 16}.${version & 0xffff}`;
    if (!isReleaseName(release)) {
      privcmd.close();
      throw new InputError('release', release, `(the hypervisor's, from xen_version) is not a Xen release this SDK knows (${RELEASE_NAMES[0]} … ${RELEASE_NAMES.at(-1)})`);
    }
    return new XenHost(privcmd, native, release, caller);
  }

  /** Whether hypercall arguments live in /dev/xen/hypercall pages (`'device'`) or locked anonymous memory. */
  get hypercallBuffer(): 'device' | 'locked' {
    return this.privcmd.hypercallDevice ? 'device' : 'locked';
  }

  private as(caller: number): void {
    if (this.closed) throw new InputError('host', 'closed', 'was closed');
    if (caller !== this.caller) throw new InputError('caller', caller, `is not the domain this host acts as (${this.caller}): Xen acts on behalf of the domain the process runs in`);
  }

  async dmOp(caller: number, domid: number, bufs: Uint8Array[]): Promise<HypercallOutcome> {
    this.as(caller);
    const r = call(() => this.privcmd.dmOp(domid, bufs));
    r.bufs.forEach((b, i) => bufs[i]!.set(b));
    return outcome(r.rc);
  }

  async hvmOp(caller: number, op: number, buf: Uint8Array): Promise<HypercallOutcome> {
    this.as(caller);
    const r = call(() => this.privcmd.hvmOp(op, buf));
    buf.set(r.bufs[0]!);
    return outcome(r.rc);
  }

  async acquireResource(caller: number, domid: number, type: number, id: number, frame: number, nrFrames: number): Promise<AcquiredResource> {
    this.as(caller);
    const r = call(() => this.privcmd.mapResource(domid, type, id, frame, nrFrames));
    if (r.rc !== 0 || !r.pages) return { rc: r.rc, pages: [] };
    const pages = r.pages;
    this.mapped.push(pages);
    return { rc: 0, pages: Array.from({ length: pages.count }, (_, i) => sharedPage(pages, i)) };
  }

  async mapForeignGfn(caller: number, domid: number, gfn: bigint): Promise<ForeignMapping> {
    this.as(caller);
    const r = call(() => this.privcmd.mapGfn(domid, gfn));
    if (r.rc !== 0 || !r.pages) return { rc: r.rc, page: null };
    this.mapped.push(r.pages);
    return { rc: 0, page: sharedPage(r.pages, 0) };
  }

  async bindInterdomain(caller: number, remoteDomid: number, remotePort: number): Promise<InterdomainBinding> {
    this.as(caller);
    const port = call(() => this.events.device().bindInterdomain(remoteDomid, remotePort));
    return port < 0 ? { rc: port, localPort: 0 } : { rc: 0, localPort: port };
  }

  async unbindPort(caller: number, localPort: number): Promise<number> {
    this.as(caller);
    return call(() => this.events.device().unbind(localPort));
  }

  async notify(caller: number, localPort: number): Promise<number> {
    this.as(caller);
    return call(() => this.events.device().notify(localPort));
  }

  async pending(caller: number, signal?: AbortSignal): Promise<number> {
    this.as(caller);
    return this.events.pending(signal);
  }

  /**
   * `IOCTL_PRIVCMD_RESTRICT` and `IOCTL_EVTCHN_RESTRICT_DOMID`: from now on this host may only name `domid`
   * (how a device model in dom0 drops its privilege; once only: another domid is EINVAL). 0 or −errno.
   */
  async restrict(domid: number): Promise<number> {
    if (!Number.isInteger(domid) || domid < 0 || domid > 0xffff) throw new InputError('domid', domid, 'must be a uint16');
    this.as(this.caller);
    const rc = call(() => this.privcmd.restrict(domid));
    return rc < 0 ? rc : call(() => this.events.restrict(domid));
  }

  /** Unmaps every page, closes the event channels (unbinding their ports) and /dev/xen/privcmd. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.events.close();
    for (const p of this.mapped.splice(0)) p.close();
    this.privcmd.close();
  }
}
