/**
 * set_mem_type's shared machinery, used by the DMOP (4.9+) and the HVMOP (4.6–4.8) forms: the
 * preconditions checked once before the loop, and the per-page loop with its preemption points.
 */
import { errnoName, HVMMEM_VALUES } from '@xenmem/abi-types';
import type { ReasonId } from '@xenmem/sim-protocol';
import { fail, OK } from './errno.js';
import type { Domain } from './domain.js';
import type { Host } from './host.js';
import { P2M_IOREQ_SERVER } from './p2m-types.js';

/** Whether the claim-related preconditions hold; returns 0 or −errno (shared with the HVMOP form). */
export function checkRequirements(domain: Domain, requires: readonly { id: string; error: string }[]): number {
  for (const r of requires) {
    // hap: hap_enabled(d). claim: p2m_get_ioreq_server() returns a server.
    const holds = r.id === 'hap' ? domain.hap : r.id === 'claim' ? domain.ioreq.owner !== null : false;
    if (!holds) return fail(r.error as never, r.id === 'hap' ? 'hvmmem-needs-hap' : 'hvmmem-needs-claim');
  }
  return OK;
}

/** Why hvmmemVerdict refused a value: the burnt HVMMEM_unused, or a value outside the translation table. */
export function refusalReason(hvmmemValue: number): ReasonId {
  const burnt = HVMMEM_VALUES.some((v) => v.value === hvmmemValue && v.names.some((n) => n.semantics === 'burnt'));
  return burnt ? 'hvmmem-unused' : 'hvmmem-unlisted';
}

/**
 * Runs the per-page loop over `nr` pages from `first`, starting at iteration `iter`, in 256-page pieces
 * when preemption is possible. Returns the new iteration count, an errno if a page failed, and whether
 * preemption fired (with pages remaining).
 */
export function retypeLoop(
  hv: Host,
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
    if (r.errno !== 0) return { iter, rc: fail(errnoName(r.errno)!, 'page-transition-refused'), preempted: false };
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

