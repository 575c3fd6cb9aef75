/** Steps on ioreq servers: create, get_info, map/unmap io ranges, set state, destroy, map_mem_type_to_ioreq_server. */
import type { ConstantName } from '@xenmem/abi-types';
import type { U64, Uint, Domid, MemTypeSpec, ServerAlias } from '../scalars.js';
import type { StepBase, ServerRef, ExpectBase } from './base.js';

export interface CreateIoreqServerStep extends StepBase {
  // The op: create_ioreq_server.
  op: 'create_ioreq_server';
  // The target domain.
  domid: Domid;
  /** HVM_IOREQSRV_BUFIOREQ_*: "off" (default), "legacy", "atomic", or a number. */
  handle_bufioreq?: ConstantName<'bufioreq'> | Uint;
  /** An alias for the new server, which later steps may give as `server`. */
  as?: ServerAlias;
  // What the step must give; only the fields listed are compared.
  expect?: CreateIoreqServerExpect;
}

export interface CreateIoreqServerExpect extends ExpectBase {
  // The id Xen gives the new server.
  id?: Uint;
}

export interface GetIoreqServerInfoStep extends StepBase, ServerRef {
  // The op: get_ioreq_server_info.
  op: 'get_ioreq_server_info';
  // The target domain.
  domid: Domid;
  /** 4.11+: XEN_DMOP_no_gfns as ["no_gfns"], or a number (written where 4.9/4.10 have `pad`). */
  flags?: ConstantName<'get_info_flags'>[] | Uint;
  // What the step must give; only the fields listed are compared.
  expect?: GetIoreqServerInfoExpect;
}

/**
 * Field names as the release's struct has them: `ioreq_pfn`/`bufioreq_pfn` for the HVMOP (4.6–4.8) and the
 * DMOP at 4.9, `ioreq_gfn`/`bufioreq_gfn` for the DMOP from 4.10 (public/hvm/dm_op.h at the tags).
 */
export interface GetIoreqServerInfoExpect extends ExpectBase {
  // The buffered ring's event-channel port.
  bufioreq_port?: Uint;
  // DMOP 4.10+: gfn of the synchronous ioreq page.
  ioreq_gfn?: U64;
  // DMOP 4.10+: gfn of the buffered ioreq page.
  bufioreq_gfn?: U64;
  // HVMOP and DMOP 4.9: pfn of the synchronous ioreq page.
  ioreq_pfn?: U64;
  // HVMOP and DMOP 4.9: pfn of the buffered ioreq page.
  bufioreq_pfn?: U64;
}

/**
 * map_io_range_to_ioreq_server / unmap_io_range_from_ioreq_server: an inclusive range of ports, MMIO
 * addresses or PCI SBDFs. For `type: "pci"`, `segment` (default 0), `bus`, `device`, `function` may
 * stand for `start` = `end` = the SBDF (XEN_DMOP_PCI_SBDF).
 */
export interface IoRangeStep extends StepBase, ServerRef {
  // The op: map_io_range_to_ioreq_server or unmap_io_range_from_ioreq_server.
  op: 'map_io_range_to_ioreq_server' | 'unmap_io_range_from_ioreq_server';
  // The target domain.
  domid: Domid;
  // XEN_DMOP_IO_RANGE_*: "port", "memory", "pci", or a number.
  type: ConstantName<'io_range'> | Uint;
  // First port, address or SBDF of the range (inclusive).
  start?: U64;
  // Last port, address or SBDF of the range (inclusive).
  end?: U64;
  // PCI segment, for a single-device "pci" range (default 0).
  segment?: Uint;
  // PCI bus, for a single-device "pci" range.
  bus?: Uint;
  // PCI device (slot), for a single-device "pci" range.
  device?: Uint;
  // PCI function, for a single-device "pci" range.
  function?: Uint;
  // What the step must give; only the fields listed are compared.
  expect?: ExpectBase;
}

export interface SetIoreqServerStateStep extends StepBase, ServerRef {
  // The op: set_ioreq_server_state.
  op: 'set_ioreq_server_state';
  // The target domain.
  domid: Domid;
  /** true/false, or the raw byte. */
  enabled: boolean | Uint;
  // What the step must give; only the fields listed are compared.
  expect?: ExpectBase;
}

export interface DestroyIoreqServerStep extends StepBase, ServerRef {
  // The op: destroy_ioreq_server.
  op: 'destroy_ioreq_server';
  // The target domain.
  domid: Domid;
  // What the step must give; only the fields listed are compared.
  expect?: ExpectBase;
}

/** `XEN_DMOP_map_mem_type_to_ioreq_server` (4.9+): claim (flags ["write"]) or release (flags 0 or []) the type. */
export interface MapMemTypeToIoreqServerStep extends StepBase, ServerRef {
  // The op: map_mem_type_to_ioreq_server.
  op: 'map_mem_type_to_ioreq_server';
  // The target domain.
  domid: Domid;
  /** The memory type (Xen accepts only ioreq_server). */
  type: MemTypeSpec;
  /** XEN_DMOP_IOREQ_MEM_ACCESS_* names, or a number. */
  flags: ConstantName<'mem_access'>[] | Uint;
  /** The sweep cursor (default 0; non-zero skips the map/unmap step, as in Xen). */
  opaque?: U64;
  // What the step must give; only the fields listed are compared.
  expect?: MapMemTypeExpect;
}

export interface MapMemTypeExpect extends ExpectBase {
  // Continuations taken by the p2m sweep (preemption points that fired).
  continuations?: Uint;
}
