/**
 * XEN_DMOP_set_mem_type (4.9+; dm.c set_mem_type), reference §6.2. Checks in Xen's order: pad, range
 * (wrap includes nr == 0), the value (burnt or outside the table), then for ioreq_server HAP and a
 * claiming server, once, before the loop. The loop stops at the first failing page, leaving the pages
 * before it changed; on error nothing is copied back. Every 256 pages, if preemption is pending,
 * first_pfn/nr are rewritten to the remaining region and the hypercall continues.
 */
import { hvmmemVerdict } from '@xenmem/abi-types';
import { fail, OK } from '../errno.js';
import type { Domain } from '../domain.js';
import type { Hypervisor } from '../hypervisor.js';
import type { DmOpContext, DmOpStep } from './context.js';

const P2M_IOREQ_SERVER = 15;

/** Whether the claim-related preconditions hold; returns 0 or −errno (shared with the HVMOP form). */
export function checkRequirements(domain: Domain, requires: readonly { id: string; error: string }[]): number {
  for (const r of requires) {
    // hap: hap_enabled(d). claim: p2m_get_ioreq_server() returns a server.
    const holds = r.id === 'hap' ? domain.hap : r.id === 'claim' ? domain.ioreq.owner !== null : false;
    if (!holds) return fail(r.error as never);
  }
  return OK;
}

/**
 * Runs the per-page loop over `nr` pages from `first`, starting at iteration `iter`, in 256-page pieces
 * when preemption is possible. Returns the new iteration count, an errno if a page failed, and whether
 * preemption fired (with pages remaining).
 */
export function retypeLoop(
  hv: Hypervisor,
  domain: Domain,
  first: number,
  nr: number,
  iter: number,
  p2mType: number,
  hvmmemValue: number,
): { iter: number; rc: number; preempted: boolean } {
  const outcomes = hv.outcomeTable(hvmmemValue);
  const interval = hv.preemptInterval;
  while (iter < nr) {
    const chunk = hv.preemptor.possible ? Math.min(nr - iter, interval - (iter % interval)) : nr - iter;
    const r = domain.p2m.retype(first + iter, chunk, p2mType, outcomes);
    accountEntries(domain, p2mType, r.changedFrom);
    iter += r.done;
    if (r.errno !== 0) return { iter, rc: -r.errno, preempted: false };
    // Xen: after each page, if pages remain and iter is a multiple of 256, check for preemption.
    if (iter < nr && iter % interval === 0 && hv.preemptor.pending()) return { iter, rc: OK, preempted: true };
  }
  return { iter, rc: OK, preempted: false };
}

/** entry_count follows every change to or from p2m_ioreq_server. */
function accountEntries(domain: Domain, newType: number, changedFrom: number[]): void {
  if (newType === P2M_IOREQ_SERVER) {
    domain.ioreq.entryCount += changedFrom.reduce((sum, n, t) => (t === P2M_IOREQ_SERVER ? sum : sum + n), 0);
  } else {
    domain.ioreq.entryCount -= changedFrom[P2M_IOREQ_SERVER] ?? 0;
  }
}

export function setMemType(ctx: DmOpContext): DmOpStep {
  const { hv, domain, payload } = ctx;
  const nr = payload.nr as number;
  const firstPfn = payload.first_pfn as bigint;
  const memType = payload.mem_type as number;
  if (payload.pad !== 0) return { rc: fail('EINVAL') };
  const lastPfn = (firstPfn + BigInt(nr) - 1n) & 0xffffffffffffffffn;
  if (firstPfn > lastPfn || lastPfn > BigInt(domain.maxGpfn)) return { rc: fail('EINVAL'), progress: 0 };
  const verdict = hvmmemVerdict(memType, ctx.release);
  if (!verdict.accepted) return { rc: fail(verdict.error), progress: 0 };
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
