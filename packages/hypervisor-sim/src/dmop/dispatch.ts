/**
 * `do_dm_op`: the checks every DM op goes through, in Xen's order (xen/arch/x86/hvm/dm.c dm_op() @ RELEASE-4.22.0), then the op.
 *
 *  1. no buffers → ENODATA (every release here; before XSA-506 Xen read an uninitialised buffer)
 *  2. more than 2 buffers → E2BIG; a buffer that is not readable memory → EFAULT
 *  3. no such domain → ESRCH; the target is the caller → EPERM
 *  4. a target that is not HVM → 0 without doing anything (4.9–4.14), EINVAL (4.15+)
 *  5. the caller is neither domain 0 nor the target's device model → EPERM
 *  6. copying the op: the whole 32-byte xen_dm_op (4.9/4.10), or the header then just the op's payload
 *     (4.11+: short header → EFAULT, op beyond the table → EOPNOTSUPP, short payload → EFAULT)
 *  7. header pad ≠ 0 → EINVAL; an op this release or architecture lacks → EOPNOTSUPP
 *  8. an op given another number of buffers than it requires → EINVAL (modified_memory from 4.22, XSA-506;
 *     schema dmOpExactBufs)
 *  9. the op; on 0 or ERESTART a non-const op's payload is copied back.
 */
import { DMOPS, DM_OP_ENTRY, DM_OP_EXACT_BUFS, DM_OP_HEADER, STRUCTS, decodeStruct, dmOpExistsAt, encodeStructAt, entryAt, layoutAt, limitAt, releaseInRange, type ErrnoName, type ReleaseName } from '@xenmem/abi-types';
import { fail, OK } from '../errno.js';
import type { Host } from '../host.js';
import type { DmOpContext, DmOpHandler, DmOpStep } from './context.js';
import { setMemType } from './set-mem-type.js';
import { modifiedMemory, trackDirtyVram } from './dirty.js';
import { injectEvent, injectMsi, nrVcpus, pinMemoryCacheattr, relocateMemory, remoteShutdown, setIsaIrqLevel, setPciIntxLevel, setPciLinkRoute } from './outside-model.js';
import { IOREQ_SERVER_HANDLERS } from './ioreq-server.js';

const HEADER = DM_OP_HEADER;
const WHOLE_OP = STRUCTS.xen_dm_op.size;

const HANDLERS: Record<string, DmOpHandler> = {
  ...IOREQ_SERVER_HANDLERS,
  track_dirty_vram: trackDirtyVram,
  set_pci_intx_level: setPciIntxLevel,
  set_isa_irq_level: setIsaIrqLevel,
  set_pci_link_route: setPciLinkRoute,
  modified_memory: modifiedMemory,
  set_mem_type: setMemType,
  inject_event: injectEvent,
  inject_msi: injectMsi,
  remote_shutdown: remoteShutdown,
  relocate_memory: relocateMemory,
  pin_memory_cacheattr: pinMemoryCacheattr,
  nr_vcpus: nrVcpus,
};

type DmOpInfo = (typeof DMOPS)[number];

const OPS_AT = new Map<ReleaseName, DmOpInfo[]>();

/** DMOPs a release's hypervisor knows (its op table); computed once per release (every dm_op asks). */
function opsAt(release: ReleaseName): DmOpInfo[] {
  let ops = OPS_AT.get(release);
  if (!ops) OPS_AT.set(release, (ops = DMOPS.filter((o) => dmOpExistsAt(o, release))));
  return ops;
}

/** Every buffer is readable memory (an index loop: holes in a sparse array count as bad addresses). */
function allBuffers(bufs: readonly unknown[]): bufs is Uint8Array[] {
  for (let i = 0; i < bufs.length; i++) if (!(bufs[i] instanceof Uint8Array)) return false;
  return true;
}

const isX86 = (op: DmOpInfo) => (op.arch as readonly string[]).includes('x86');

/** One pass of do_dm_op. A pass that ends in ERESTART is re-issued by the caller with the same buffers. */
export function dmOpOnce(hv: Host, caller: number, domid: number, bufs: readonly unknown[]): DmOpStep {
  const release = hv.release;
  const entry = entryAt(DM_OP_ENTRY, release)!;
  const maxBufs = limitAt('maxDmopBufs', release)!;
  if (!Array.isArray(bufs) || bufs.length === 0) return { rc: fail(entry.zeroBuffers as ErrnoName, 'dmop-no-bufs') };
  if (bufs.length > maxBufs.value) return { rc: fail(maxBufs.error as ErrnoName, 'dmop-nr-bufs') };
  if (!allBuffers(bufs)) return { rc: fail('EFAULT', 'copy-fault') };
  const domain = hv.lookupDomain(domid);
  if (!domain) return { rc: fail('ESRCH', 'domain-missing') };
  if (domain.domid === caller) return { rc: fail('EPERM', 'target-is-caller') };
  if (!domain.hvm) return { rc: entry.nonHvmTarget === 'ok' ? OK : fail(entry.nonHvmTarget as ErrnoName, 'target-not-hvm') };
  if (!domain.isPrivilegedFor(caller)) return { rc: fail('EPERM', 'not-privileged') };

  const buf0 = bufs[0]!;
  const known = opsAt(release);
  let op: number;
  if (entry.opCopy === 'whole') {
    if (buf0.byteLength < WHOLE_OP) return { rc: fail('EFAULT', 'copy-fault') };
    op = new DataView(buf0.buffer, buf0.byteOffset, buf0.byteLength).getUint32(0, true);
  } else {
    if (buf0.byteLength < HEADER) return { rc: fail('EFAULT', 'copy-fault') };
    op = new DataView(buf0.buffer, buf0.byteOffset, buf0.byteLength).getUint32(0, true);
    const tableSize = Math.max(...known.map((o) => o.value)) + 1;
    if (op >= tableSize) return { rc: fail('EOPNOTSUPP', 'dmop-op-unknown') };
    // op_size[] of this architecture: ops it does not implement (set_irq_level on x86) have size 0.
    const info = known.find((o) => o.value === op);
    const payloadSize = info && isX86(info) ? STRUCTS[layoutAt(info.struct, release)].size : 0;
    if (buf0.byteLength < HEADER + payloadSize) return { rc: fail('EFAULT', 'copy-fault') };
  }
  if (new DataView(buf0.buffer, buf0.byteOffset, buf0.byteLength).getUint32(4, true) !== 0) return { rc: fail('EINVAL', 'dmop-pad') };

  const info = known.find((o) => o.value === op);
  const handler = info && isX86(info) ? HANDLERS[info.name] : undefined;
  if (!info || !handler) return { rc: fail('EOPNOTSUPP', 'dmop-op-unknown') };
  const exact = DM_OP_EXACT_BUFS.find((r) => r.op === info.name && releaseInRange(release, r.releases));
  if (exact && bufs.length !== exact.bufs) return { rc: fail(exact.error, 'dmop-exact-bufs') };
  const layout = layoutAt(info.struct, release);
  const ctx: DmOpContext = { hv, release, caller, domain, payload: decodeStruct(layout, buf0, HEADER) as unknown as Record<string, unknown>, bufs: bufs as Uint8Array[] };
  const step = handler(ctx);
  const copyBack = step.copyBack ?? (info.copyBack && (step.rc === OK || step.restart === true));
  if (copyBack) encodeStructAt(layout, ctx.payload as never, buf0, HEADER);
  return step;
}
