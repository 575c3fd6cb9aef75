/**
 * The Xen backend interface: how a client reaches a hypervisor — the hypercalls as Xen takes them, byte buffers
 * in, a return code out, results copied back into the buffers — with ioreq pages and event channels. The
 * simulator-control part that only a simulator backend has (create domains, seed the p2m, guest accesses,
 * inspection) is `SimulatorBackend` in @xenmem/sim-protocol.
 */
import type { XenErrorReason } from './errors.js';

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
  /** When rc < 0 and the backend is the simulator: the check that failed. A real Xen host gives none. */
  reason?: XenErrorReason;
}

/**
 * A 4 KiB page shared between the hypervisor and a device model (an ioreq server's synchronous or buffered
 * page). In process it is the hypervisor's own memory; a remote backend keeps a mirror in step with the
 * hypervisor (docs/protocol.md). Reads and writes are byte-exact at page offsets.
 */
export interface SharedPage {
  /** Bytes [offset, offset+length) as they are now (a copy). */
  read(offset: number, length: number): Uint8Array;
  /** Stores bytes at an offset. A remote backend forwards them before any later notify() of the same client. */
  write(offset: number, bytes: Uint8Array): void;
}

/** The hypercalls alone: what a DeviceModel needs. Buffers are updated in place, as Xen copies results back. */
export interface HypercallBackend {
  /** The hypervisor release behind the backend, e.g. "4.22". */
  readonly release: string;
  /** `HYPERVISOR_dm_op(domid, nr_bufs, bufs)` on behalf of domain `caller`. */
  dmOp(caller: number, domid: number, bufs: Uint8Array[]): Promise<HypercallOutcome>;
  /** `HYPERVISOR_hvm_op(op, arg)` on behalf of domain `caller`; `op` may carry ≤4.8 continuation bits. */
  hvmOp(caller: number, op: number, buf: Uint8Array): Promise<HypercallOutcome>;
}

/** The Xen part: what every backend offers — the hypercalls, plus ioreq pages and event channels. */
export interface XenBackend extends HypercallBackend {
  /**
   * `XENMEM_acquire_resource`: maps `nrFrames` frames of a resource from `frame`. For
   * XENMEM_resource_ioreq_server (type 0, id = server id) frame 0 is the buffered page and frame 1 + n
   * synchronous page n (4.11+). Fails with −errno and no pages (EPERM when the server's pages were already
   * set up as gfns, ENOENT for no such server, EOPNOTSUPP before 4.11, EINVAL for frames that do not exist).
   */
  acquireResource(caller: number, domid: number, type: number, id: number, frame: number, nrFrames: number): Promise<AcquiredResource>;
  /** Foreign-maps one guest frame (`xenforeignmemory_map`), e.g. an ioreq page returned as a gfn by get_info. */
  mapForeignGfn(caller: number, domid: number, gfn: bigint): Promise<ForeignMapping>;
  /** `xenevtchn_bind_interdomain`: binds a local port of `caller` to `remotePort` of `remoteDomid`. */
  bindInterdomain(caller: number, remoteDomid: number, remotePort: number): Promise<InterdomainBinding>;
  /** `xenevtchn_unbind`. */
  unbindPort(caller: number, localPort: number): Promise<number>;
  /** `xenevtchn_notify` on a bound local port. Returns 0 or −errno. */
  notify(caller: number, localPort: number): Promise<number>;
  /**
   * `xenevtchn_pending`: resolves with the next local port of `caller` that was notified (in order, each
   * notification once), or rejects with an AbortError when `signal` aborts.
   */
  pending(caller: number, signal?: AbortSignal): Promise<number>;
}

/** What {@link XenBackend.acquireResource} returns: `XENMEM_acquire_resource`'s rc and the mapped frames. */
export interface AcquiredResource {
  /** 0, or −errno (then `pages` is empty). */
  rc: number;
  /** The frames asked for, in frame order: `nrFrames` pages when rc is 0. */
  pages: SharedPage[];
}

/** What {@link XenBackend.mapForeignGfn} returns: the rc of mapping one guest frame, and the page. */
export interface ForeignMapping {
  /** 0, or −errno (then `page` is null). */
  rc: number;
  /** The mapped 4 KiB page, or null when rc is not 0. */
  page: SharedPage | null;
}

/** What {@link XenBackend.bindInterdomain} returns: `EVTCHNOP_bind_interdomain`'s rc and the new local port. */
export interface InterdomainBinding {
  /** 0, or −errno (EINVAL for a remote port that is not unbound or not offered to the caller). */
  rc: number;
  /** The caller's new event-channel port bound to the remote one; meaningless when rc is not 0. */
  localPort: number;
}
