/**
 * HVMOP_set_mem_type (8), the tools op of 4.6–4.8 (xen/arch/x86/hvm/hvm.c hvmop_set_mem_type() @ RELEASE-4.8.0). Checks in order: the copy (EFAULT),
 * the domain (ESRCH; itself → EPERM), HVM (EINVAL), privilege (EPERM), the range (nr < start_iter,
 * wrap, or past the maximum gpfn → EINVAL), the value (outside the table, or burnt 3 from 4.7 → EINVAL).
 * The loop runs from first_pfn + start_iter; on preemption Xen re-issues the call as `op | iter` and
 * leaves the struct in guest memory untouched. A page the type check refuses ends the call with EINVAL only
 * when it is the first page of the pass; after a changed page the call returns 0.
 */
import { ERRNO, HVMOP, SET_MEM_TYPE_REFUSAL, STRUCTS, decodeStruct, entryAt, hvmmemVerdict, type ReleaseName } from '@xenmem/abi-types';
import { fail, OK } from '../errno.js';
import type { Host } from '../host.js';
import { checkRequirements, refusalReason, retypeLoop } from '../retype.js';
import type { HvmOpStep } from './context.js';

const HVMOP_SET_MEM_TYPE = HVMOP.set_mem_type.value;

/**
 * What the call returns when the loop ended with `rc`: 4.6–4.8 leave the loop on a refused page without
 * setting rc, so after a page of this pass changed the call returns that page's 0 (schema: setMemTypeRefusal[]).
 */
function refusalRc(release: ReleaseName, rc: number, afterChangedPage: boolean): number {
  const rule = entryAt(SET_MEM_TYPE_REFUSAL, release)!;
  return rc === -ERRNO[rule.refusal].value && afterChangedPage && rule.afterFirstPage === 'previous-rc' ? OK : rc;
}

export function legacySetMemType(hv: Host, caller: number, buf: Uint8Array, startIter: number): HvmOpStep {
  if (buf.byteLength < STRUCTS.xen_hvm_set_mem_type.size) return { rc: fail('EFAULT', 'copy-fault') };
  const arg = decodeStruct('xen_hvm_set_mem_type', buf);
  const domain = hv.lookupDomain(arg.domid);
  if (!domain) return { rc: fail('ESRCH', 'domain-missing') };
  if (domain.domid === caller) return { rc: fail('EPERM', 'target-is-caller') };
  if (!domain.hvm) return { rc: fail('EINVAL', 'target-not-hvm') };
  if (!domain.isPrivilegedFor(caller)) return { rc: fail('EPERM', 'not-privileged') };
  const last = (arg.first_pfn + BigInt(arg.nr) - 1n) & 0xffffffffffffffffn;
  if (arg.nr < startIter || last < arg.first_pfn || last > BigInt(domain.maxGpfn)) return { rc: fail('EINVAL', 'pfn-range'), progress: 0 };
  const verdict = hvmmemVerdict(arg.hvmmem_type, hv.release);
  if (!verdict.accepted) return { rc: fail(verdict.error, refusalReason(arg.hvmmem_type)), progress: 0 };
  const req = checkRequirements(domain, verdict.requires);
  if (req !== OK) return { rc: req, progress: 0 };
  const r = retypeLoop(hv, domain, Number(arg.first_pfn), arg.nr, startIter, verdict.p2m, arg.hvmmem_type);
  if (r.preempted) return { rc: OK, restart: HVMOP_SET_MEM_TYPE + r.iter, progress: r.iter - startIter };
  return { rc: refusalRc(hv.release, r.rc, r.iter > startIter), progress: r.iter - startIter };
}
