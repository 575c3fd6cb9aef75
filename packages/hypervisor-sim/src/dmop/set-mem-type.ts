/**
 * XEN_DMOP_set_mem_type (4.9+; xen/arch/x86/hvm/dm.c set_mem_type() @ RELEASE-4.22.0). Checks in Xen's order: pad, range
 * (wrap includes nr == 0), the value (burnt or outside the table), then for ioreq_server HAP and a
 * claiming server, once, before the loop. The loop stops at the first failing page, leaving the pages
 * before it changed; on error nothing is copied back. Every 256 pages, if preemption is pending,
 * first_pfn/nr are rewritten to the remaining region and the hypercall continues.
 */
import { hvmmemVerdict } from '@xenmem/abi-types';
import { fail, OK } from '../errno.js';
import { checkRequirements, refusalReason, retypeLoop } from '../retype.js';
import type { DmOpContext, DmOpStep } from './context.js';

export function setMemType(ctx: DmOpContext): DmOpStep {
  const { hv, domain, payload } = ctx;
  const nr = payload.nr as number;
  const firstPfn = payload.first_pfn as bigint;
  const memType = payload.mem_type as number;
  if (payload.pad !== 0) return { rc: fail('EINVAL', 'pad-nonzero') };
  const lastPfn = (firstPfn + BigInt(nr) - 1n) & 0xffffffffffffffffn;
  if (firstPfn > lastPfn || lastPfn > BigInt(domain.maxGpfn)) return { rc: fail('EINVAL', 'pfn-range'), progress: 0 };
  const verdict = hvmmemVerdict(memType, ctx.release);
  if (!verdict.accepted) return { rc: fail(verdict.error, refusalReason(memType)), progress: 0 };
  const req = checkRequirements(domain, verdict.requires);
  if (req !== OK) return { rc: req, progress: 0 };

  const r = retypeLoop(hv, domain, Number(firstPfn), nr, 0, verdict.p2m, memType);
  if (r.preempted) {
    payload.first_pfn = firstPfn + BigInt(r.iter);
    payload.nr = nr - r.iter;
    return { rc: OK, restart: true, progress: r.iter };
  }
  return { rc: r.rc, progress: r.iter };
}
