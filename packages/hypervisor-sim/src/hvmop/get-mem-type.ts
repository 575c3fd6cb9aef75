/**
 * HVMOP_get_mem_type (15), a public HVMOP in every release (xen/arch/x86/hvm/hvm.c hvmop_get_mem_type() @ RELEASE-4.22.0). Accepts DOMID_SELF; the
 * caller must be the target, domain 0 or the target's device model. The lookup neither populates nor
 * unshares and has no range check: a pfn beyond the p2m reads as p2m_invalid. The result is the
 * release's lossy projection (logdirty and shared report ram_ro, holes and passthrough mmio_dm, …).
 */
import { STRUCTS, decodeStruct, encodeStructAt, getMemTypeResult } from '@xenmem/abi-types';
import { fail, OK } from '../errno.js';
import type { Host } from '../host.js';
import type { HvmOpStep } from './context.js';

export function getMemType(hv: Host, caller: number, buf: Uint8Array): HvmOpStep {
  if (buf.byteLength < STRUCTS.xen_hvm_get_mem_type.size) return { rc: fail('EFAULT', 'copy-fault') };
  const arg = decodeStruct('xen_hvm_get_mem_type', buf);
  const domain = hv.lookupDomain(hv.resolveDomid(arg.domid, caller));
  if (!domain) return { rc: fail('ESRCH', 'domain-missing') };
  if (domain.domid !== caller && !domain.isPrivilegedFor(caller)) return { rc: fail('EPERM', 'not-privileged') };
  if (!domain.hvm) return { rc: fail('EINVAL', 'target-not-hvm') };
  arg.mem_type = getMemTypeResult(hv.release, hv.p2mTypeAt(domain.domid, arg.pfn))!;
  encodeStructAt('xen_hvm_get_mem_type', arg, buf, 0);
  return { rc: OK };
}
