/**
 * How a DeviceModel's calls reach the hypervisor: the hypercall family the release carries tools ops in
 * (schema: releases[].toolsOps — HVMOP up to 4.8, DMOP from 4.9), the byte buffers of each, the privcmd
 * restriction, and return codes turned into XenErrors.
 *
 * A DM op is sent as libxendevicemodel sends it: buf[0] is a zeroed 32-byte `struct xen_dm_op` holding the
 * op number and its payload, buf[1] the extra data where the op has some. Payload layouts are the ones of
 * the backend's release (4.9/4.10 name get_ioreq_server_info's fields differently).
 */
import {
  DMOPS,
  HVMOPS,
  RELEASES,
  STRUCTS,
  XenError,
  DM_OP_HEADER,
  decodeStruct,
  encodeDmOp,
  encodeStructAt,
  layoutAt,
  hvmOpDispatchedAt,
  releaseIndex,
  resolveRelease,
  type DmOpName,
  type HvmOpName,
  type LayoutId,
  type ReleaseName,
  type HypercallBackend,
} from '@xenmem/abi-types';

type DmOpInfo = (typeof DMOPS)[number];
type HvmOpInfo = (typeof HVMOPS)[number];

/** What a DM op sent and got back. */
export interface DmOpReply {
  /** The op's payload as copied back into buf[0]. */
  payload: Record<string, unknown>;
  /** Pages processed (set_mem_type, modified_memory), when the backend reports it. */
  progress: number | null;
}

function dmOpInfo(name: DmOpName): DmOpInfo {
  return DMOPS.find((o) => o.name === name)!;
}

function hvmOpInfo(name: HvmOpName): HvmOpInfo {
  return HVMOPS.find((o) => o.name === name)!;
}

export class Hypercalls {
  readonly release: ReleaseName;
  /** True up to 4.8, where the tools ops are HVMOPs (libxenctrl's xc_hvm_* calls). */
  readonly legacy: boolean;
  /** The one domain this handle may name, once `restrict` has been called (IOCTL_PRIVCMD_RESTRICT). */
  restrictedTo: number | null = null;

  constructor(
    readonly backend: HypercallBackend,
    readonly caller: number,
  ) {
    this.release = resolveRelease(backend.release);
    this.legacy = RELEASES.find((r) => r.name === this.release)!.toolsOps === 'hvm_op';
  }

  /** Whether the backend's release is `release` or newer (for constants with a first release). */
  releaseAtLeast(release: string): boolean {
    return releaseIndex(this.release) >= releaseIndex(release as ReleaseName);
  }

  /** The privcmd restriction: once restricted, naming another domain is EPERM (Linux privcmd_ioctl_dm_op). */
  checkRestriction(op: string, domid: number): void {
    if (this.restrictedTo !== null && domid !== this.restrictedTo)
      throw new XenError('EPERM', op, `this handle is restricted to domain ${this.restrictedTo}`);
  }

  /** Sends a DMOP; returns its payload as copied back. `extra` is buf[1], updated in place by the hypervisor. */
  async dmOp(name: DmOpName, domid: number, payload: Record<string, unknown>, extra?: Uint8Array): Promise<DmOpReply> {
    this.checkRestriction(name, domid);
    const info = dmOpInfo(name);
    const layout = layoutAt(info.struct, this.release);
    const buf0 = encodeDmOp(name, payload as never, this.release);
    const outcome = await this.backend.dmOp(this.caller, domid, extra === undefined ? [buf0] : [buf0, extra]);
    if (outcome.rc < 0) throw XenError.fromReturnCode(outcome.rc, name, failureDetail(name, outcome.progress), outcome.reason);
    return { payload: decodeStruct(layout, buf0, DM_OP_HEADER) as unknown as Record<string, unknown>, progress: outcome.progress };
  }

  /**
   * Sends the HVMOP form (≤4.8) of a tools op, named by its DMOP. `arg` builds the HVMOP struct; it is
   * null where this client has no encoding. Where the release has no usable HVMOP form the answer is
   * ENOSYS, what the hypervisor gives for a hypercall or sub-op it does not have:
   *  - no HVMOP replaced by the DMOP (it is new in 4.9+), or the HVMOP is not dispatched at the release;
   *  - the schema records no struct for the HVMOP (set_pci_intx_level, inject_trap, …);
   *  - the struct passes memory by guest handle (track_dirty_vram's bitmap): HypercallBackend.hvmOp carries one buffer.
   */
  async legacyHvmOp(name: DmOpName, domid: number, arg: (() => Record<string, unknown>) | null): Promise<Record<string, unknown>> {
    this.checkRestriction(name, domid);
    const replaced = dmOpInfo(name).replacesHvmop;
    const op = replaced === null ? undefined : HVMOPS.find((o) => o.value === replaced);
    if (op === undefined || !hvmOpDispatchedAt(op, this.release))
      throw new XenError('ENOSYS', name, `Xen ${this.release} has no dm_op hypercall and no HVMOP form of ${name}`);
    if (op.struct === null) throw new XenError('ENOSYS', name, `the HVMOP form of ${name} (${op.cName}) has no struct in the schema`);
    if (STRUCTS[op.struct as LayoutId].fields.some((f) => f.type === 'handle'))
      throw new XenError('ENOSYS', name, `${op.cName} passes memory by guest handle, which a backend's hvm_op cannot carry`);
    if (arg === null) throw new XenError('ENOSYS', name, `this client has no encoding of ${op.cName}`);
    return this.sendHvmOp(op, name, arg());
  }

  /** Sends an HVMOP that is public in every release (get_mem_type). */
  async hvmOp(name: HvmOpName, domid: number, arg: Record<string, unknown>): Promise<Record<string, unknown>> {
    this.checkRestriction(name, domid);
    return this.sendHvmOp(hvmOpInfo(name), name, arg);
  }

  private async sendHvmOp(op: HvmOpInfo, errorOp: string, arg: Record<string, unknown>): Promise<Record<string, unknown>> {
    const layout = op.struct as LayoutId;
    const buf = new Uint8Array(STRUCTS[layout].size);
    encodeStructAt(layout, arg as never, buf, 0);
    const outcome = await this.backend.hvmOp(this.caller, op.value, buf);
    if (outcome.rc < 0) throw XenError.fromReturnCode(outcome.rc, errorOp, failureDetail(errorOp, outcome.progress), outcome.reason);
    return decodeStruct(layout, buf, 0) as unknown as Record<string, unknown>;
  }
}

/** Partial progress of a per-page loop, for the error message (the pages before the failing one stay changed). */
function failureDetail(op: string, progress: number | null): string | undefined {
  if ((op === 'set_mem_type' || op === 'modified_memory') && progress !== null) return `${progress} pages processed before the error`;
  return undefined;
}
