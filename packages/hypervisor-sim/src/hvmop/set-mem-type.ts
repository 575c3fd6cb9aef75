/**
 * HVMOP_set_mem_type (8), the tools op of 4.6–4.8 (xen/arch/x86/hvm/hvm.c hvmop_set_mem_type() @ RELEASE-4.8.0). Checks in order: the copy (EFAULT),
 * the domain (ESRCH; itself → EPERM), HVM (EINVAL), privilege (EPERM), the range (nr < start_iter,
 * wrap, or past the maximum gpfn → EINVAL), the value (outside the table, or burnt 3 from 4.7 → EINVAL).
 * The loop runs from first_pfn + start_iter; on preemption Xen re-issues the call as `op | iter` and
 * leaves the struct in guest memory untouched.
 */
import { HVMOPS, STRUCTS, decodeStruct, hvmmemVerdict } from '@xenmem/abi-types';
import { fail, OK } from '../errno.js';
import type { Host } from '../host.js';
import { checkRequirements, retypeLoop } from '../retype.js';
import type { HvmOpStep } from './context.js';

const HVMOP_SET_MEM_TYPE = HVMOPS.find((o) => o.name === 'set_mem_type')!.value;

export function legacySetMemType(hv: Host, caller: number, buf: Uint8Array, startIter: number): HvmOpStep {
  if (buf.byteLength < STRUCTS.xen_hvm_set_mem_type.size) return { rc: fail('EFAULT') };
  const arg = decodeStruct('xen_hvm_set_mem_type', buf);
  const domain = hv.lookupDomain(arg.domid);
  if (!domain) return { rc: fail('ESRCH') };
  if (domain.domid === caller) return { rc: fail('EPERM') };
  if (!domain.hvm) return { rc: fail('EINVAL') };
  if (!domain.isPrivilegedFor(caller)) return { rc: fail('EPERM') };
  const last = (arg.first_pfn + BigInt(arg.nr) - 1n) & 0xffffffffffffffffn;
  if (arg.nr < startIter || last < arg.first_pfn || last > BigInt(domain.maxGpfn)) return { rc: fail('EINVAL'), progress: 0 };
  const verdict = hvmmemVerdict(arg.hvmmem_type, hv.release);
  if (!verdict.accepted) return { rc: fail(verdict.error), progress: 0 };
  const req = checkRequirements(domain, verdict.requires);
  if (req !== OK) return { rc: req, progress: 0 };
  const r = retypeLoop(hv, domain, Number(arg.first_pfn), arg.nr, startIter, verdict.p2m, arg.hvmmem_type);
  if (r.preempted) return { rc: OK, restart: HVMOP_SET_MEM_TYPE + r.iter, progress: r.iter - startIter };
  return { rc: r.rc, progress: r.iter - startIter };
}
