/**
 * The ioreq-server HVMOPs of 4.6–4.8 (17–22). Same semantics as their DMOP successors, reached through
 * do_hvm_op: the struct carries the domid, the domain must be another HVM domain (ESRCH/EPERM/EINVAL),
 * the caller needs device-model privilege (EPERM), and there are no pad fields to check.
 */
import { decodeStruct, encodeStructAt, type LayoutId } from '@xenmem/abi-types';
import { fail } from '../errno.js';
import type { Host } from '../host.js';
import { IOREQ_SERVER_HANDLERS } from '../dmop/ioreq-server.js';
import type { HvmOpHandler, HvmOpStep } from './context.js';

interface Mapping {
  struct: LayoutId;
  dmop: string;
  /** HVMOP struct fields → DMOP payload fields (the DMOP pads are zero). */
  toPayload: (arg: Record<string, unknown>) => Record<string, unknown>;
  /** Fields copied back into the HVMOP struct. */
  fromPayload?: (payload: Record<string, unknown>, arg: Record<string, unknown>) => void;
}

const MAPPINGS: Record<string, Mapping> = {
  create_ioreq_server: {
    struct: 'xen_hvm_create_ioreq_server',
    dmop: 'create_ioreq_server',
    toPayload: (a) => ({ handle_bufioreq: a.handle_bufioreq, pad: [0, 0, 0], id: 0 }),
    fromPayload: (p, a) => void (a.id = p.id),
  },
  get_ioreq_server_info: {
    struct: 'xen_hvm_get_ioreq_server_info',
    dmop: 'get_ioreq_server_info',
    toPayload: (a) => ({ id: a.id, pad: 0, bufioreq_port: a.bufioreq_port, ioreq_pfn: a.ioreq_pfn, bufioreq_pfn: a.bufioreq_pfn }),
    fromPayload: (p, a) => Object.assign(a, { bufioreq_port: p.bufioreq_port, ioreq_pfn: p.ioreq_pfn, bufioreq_pfn: p.bufioreq_pfn }),
  },
  map_io_range_to_ioreq_server: { struct: 'xen_hvm_io_range', dmop: 'map_io_range_to_ioreq_server', toPayload: (a) => ({ id: a.id, pad: 0, type: a.type, start: a.start, end: a.end }) },
  unmap_io_range_from_ioreq_server: { struct: 'xen_hvm_io_range', dmop: 'unmap_io_range_from_ioreq_server', toPayload: (a) => ({ id: a.id, pad: 0, type: a.type, start: a.start, end: a.end }) },
  destroy_ioreq_server: { struct: 'xen_hvm_destroy_ioreq_server', dmop: 'destroy_ioreq_server', toPayload: (a) => ({ id: a.id, pad: 0 }) },
  set_ioreq_server_state: { struct: 'xen_hvm_set_ioreq_server_state', dmop: 'set_ioreq_server_state', toPayload: (a) => ({ id: a.id, enabled: a.enabled, pad: 0 }) },
};

function legacy(name: string): HvmOpHandler {
  const m = MAPPINGS[name]!;
  return (hv: Host, caller: number, buf: Uint8Array): HvmOpStep => {
    const size = hv.structSize(m.struct);
    if (buf.byteLength < size) return { rc: fail('EFAULT', 'copy-fault') };
    const arg = decodeStruct(m.struct, buf) as unknown as Record<string, unknown>;
    const domain = hv.lookupDomain(arg.domid as number);
    if (!domain) return { rc: fail('ESRCH', 'domain-missing') };
    if (domain.domid === caller) return { rc: fail('EPERM', 'target-is-caller') };
    if (!domain.hvm) return { rc: fail('EINVAL', 'target-not-hvm') };
    if (!domain.isPrivilegedFor(caller)) return { rc: fail('EPERM', 'not-privileged') };
    const payload = m.toPayload(arg);
    const step = IOREQ_SERVER_HANDLERS[m.dmop]!({ hv, release: hv.release, caller, domain, payload, bufs: [buf] });
    if (step.rc === 0 && m.fromPayload) {
      m.fromPayload(payload, arg);
      encodeStructAt(m.struct, arg as never, buf, 0);
    }
    return { rc: step.rc };
  };
}

export const LEGACY_IOREQ_SERVER_HANDLERS: Record<string, HvmOpHandler> = Object.fromEntries(Object.keys(MAPPINGS).map((name) => [name, legacy(name)]));
