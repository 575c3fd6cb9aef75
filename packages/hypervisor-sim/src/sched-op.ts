/**
 * `do_sched_op` for another domain: SCHEDOP_remote_shutdown (xen/common/sched/core.c do_sched_op() @
 * RELEASE-4.17.0), as a device model's `xc_domain_shutdown` issues it (QEMU's fallback when
 * xendevicemodel_shutdown fails). Xen's checks: the argument must be readable (EFAULT), the domain must exist
 * (ESRCH), and the caller needs device-model privilege over it (xsm_schedop_shutdown, XSM_DM_PRIV: EPERM).
 * What domain_shutdown() then does (vCPUs paused, the toolstack told) lies outside the model: the call is
 * recorded in the domain's event log, as XEN_DMOP_remote_shutdown is. The other SCHEDOPs act on the calling
 * vCPU, which the simulator does not run: ENOSYS, as for a command Xen does not have.
 */
import { CONST, decodeStruct } from '@xenmem/abi-types';
import { fail, OK } from './errno.js';
import type { Host } from './host.js';

export function schedOpOnce(hv: Host, caller: number, cmd: number, buf: Uint8Array): { rc: number } {
  if (cmd !== CONST.sched_op.remote_shutdown) return { rc: fail('ENOSYS', 'schedop-unknown') };
  if (buf.byteLength < hv.structSize('sched_remote_shutdown')) return { rc: fail('EFAULT', 'copy-fault') };
  const arg = decodeStruct('sched_remote_shutdown', buf);
  const domain = hv.lookupDomain(arg.domain_id);
  if (!domain) return { rc: fail('ESRCH', 'domain-missing') };
  if (!domain.isPrivilegedFor(caller)) return { rc: fail('EPERM', 'not-privileged') };
  domain.events.push({ op: 'remote_shutdown', args: { domain_id: arg.domain_id, reason: arg.reason } });
  return { rc: OK };
}
