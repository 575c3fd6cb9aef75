/**
 * Return codes as Xen gives them: 0 or −errno, from the generated errno table. Every −errno names the check that
 * failed (a reason id of @xenmem/sim-protocol's XEN_REASONS). The handlers return only the number, as Xen does;
 * `fail` notes the reason beside it, and the Hypervisor collects it with {@link takeReason} as soon as the
 * (synchronous) handler returns, before any other call can run.
 */
import { ERRNO, type ErrnoName, type XenErrorReason } from '@xenmem/abi-types';
import { xenReason, type ReasonId } from '@xenmem/sim-protocol';

let last: { rc: number; reason: ReasonId } | undefined;

/** −errno for `code`, noting `reason` as the check that failed. */
export function fail(code: ErrnoName, reason: ReasonId): number {
  const rc = -ERRNO[code].value;
  last = { rc, reason };
  return rc;
}

/** Forgets a noted reason (before a handler runs, so a stale one is never reported). */
export function clearReason(): void {
  last = undefined;
}

/**
 * The reason noted by the latest `fail` if it gave `rc` (undefined for rc ≥ 0 or an rc no `fail` produced), and
 * forgets it. Call it right after the handler returns.
 */
export function takeReason(rc: number): XenErrorReason | undefined {
  const noted = last;
  last = undefined;
  return rc < 0 && noted !== undefined && noted.rc === rc ? xenReason(noted.reason) : undefined;
}

export const OK = 0;
