/**
 * `do_hvm_op`: the HVMOPs the model covers. Up to 4.8 the op word's upper bits carry a continuation's
 * progress (`op | start_iter`, HVMOP_op_mask = 0xff) for set_mem_type; from 4.9 the op word is taken
 * whole. An HVMOP the release does not dispatch returns ENOSYS (the tools ops moved to DMOPs in 4.9).
 */
import { HVMOPS, hvmOpDispatchedAt, limitAt } from '@xenmem/abi-types';
import { fail } from '../errno.js';
import type { Host } from '../host.js';
import type { HvmOpHandler, HvmOpStep } from './context.js';
import { getMemType } from './get-mem-type.js';
import { legacySetMemType } from './set-mem-type.js';
import { LEGACY_IOREQ_SERVER_HANDLERS } from './ioreq-server.js';

const HANDLERS: Record<string, HvmOpHandler> = {
  set_mem_type: legacySetMemType,
  get_mem_type: getMemType,
  ...LEGACY_IOREQ_SERVER_HANDLERS,
};

export function hvmOpOnce(hv: Host, caller: number, command: number, buf: unknown): HvmOpStep {
  if (!Number.isInteger(command) || command < 0) return { rc: fail('ENOSYS', 'hvmop-unknown') };
  const mask = limitAt('hvmopOpMask', hv.release)?.value;
  const opNumber = mask === undefined ? command : command & mask;
  const startIter = mask === undefined ? 0 : command - opNumber;
  const op = HVMOPS.find((o) => o.value === opNumber);
  if (!op || !hvmOpDispatchedAt(op, hv.release)) return { rc: fail('ENOSYS', 'hvmop-unknown') };
  const handler = HANDLERS[op.name];
  // Dispatched HVMOPs outside the model (params, TLB flush, altp2m, …) are refused; see docs/simulator.md.
  if (!handler) return { rc: fail('ENOSYS', 'hvmop-unknown') };
  // Only set_mem_type (and modified_memory) carry progress in the op word; others see a bad op number.
  if (startIter !== 0 && op.name !== 'set_mem_type') return { rc: fail('ENOSYS', 'hvmop-unknown') };
  if (!(buf instanceof Uint8Array)) return { rc: fail('EFAULT', 'copy-fault') };
  return handler(hv, caller, buf, startIter);
}
