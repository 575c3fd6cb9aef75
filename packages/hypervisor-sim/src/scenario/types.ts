/**
 * The scenario file format (DESIGN.md "Scenario files (executable specs)") and the results a run gives.
 *
 * `packages/hypervisor-sim/scenario.schema.json` is generated from this file by
 * `scripts/gen-scenario-schema.mjs` (typescript-json-schema, required + no extra properties + strict null
 * checks); the loader validates every file against it with ajv, then checks what JSON Schema cannot say
 * (names at an interface version, declared domids, server aliases, …) and reports every problem with its
 * JSON path, e.g. `steps[3].type: "mmio_write_dm" is not a memory type at interface version 0x00040700`.
 *
 * Conventions (DESIGN.md "JSON conventions"):
 * - Xen's field names keep Xen's snake_case (`first_pfn`, `mem_type`, `handle_bufioreq`); our own keys are
 *   camelCase (`maxGpfn`, `expectMet`).
 * - 64-bit values (addresses, pfns, ioreq data) may be numbers (exact up to 2^53) or `"0x…"` strings; results
 *   always write them as `"0x…"` strings. Counts, sizes, ids and return codes are numbers.
 * - Enumerated values may be names (`"pci"`, `"write"`, `"atomic"`) or the raw numbers Xen takes.
 * - A memory-type name is encoded at the step's `iface`, else the scenario's; a name that does not exist
 *   there is a validation error (exit 2). A raw number is sent as is. Results decode at the same version.
 */
import type { ConstantName, ErrnoName } from '@xenmem/abi-types';
import type { GuestAccessOutcome, IoreqTypeName } from '@xenmem/sim-protocol';

// ---------------------------------------------------------------------------------------------------
// Value types

/**
 * A 64-bit unsigned value: a number (exact up to 2^53) or `"0x…"` text (1 to 16 hex digits).
 * @TJS-type ["integer", "string"]
 * @pattern ^0x[0-9a-fA-F]{1,16}$
 * @minimum 0
 */
export type U64 = number | string;

/**
 * A non-negative integer.
 * @TJS-type integer
 * @minimum 0
 */
export type Uint = number;

/**
 * A return code: 0 or −errno.
 * @TJS-type integer
 * @maximum 0
 */
export type ReturnCode = number;

/**
 * A domain id (`domid_t`). 0 is the control domain; DOMID_SELF (0x7ff0 = 32752) is accepted where Xen
 * accepts it (get_mem_type).
 * @TJS-type integer
 * @minimum 0
 * @maximum 65535
 */
export type Domid = number;

/**
 * A Xen release, written major.minor, e.g. "4.22". Release names are strings ("4.10" is not 4.1).
 * @pattern ^[0-9]+\.[0-9]+$
 */
export type ReleaseText = string;

/**
 * An interface version: `"0x00040700"`, a release name (`"4.7"`: that release's latest interface
 * version), or the number itself.
 * @TJS-type ["string", "integer"]
 * @pattern ^(0x[0-9a-fA-F]{1,8}|[0-9]+\.[0-9]+)$
 * @minimum 0
 */
export type IfaceText = string | number;

/**
 * A 64-bit value (see U64), or null.
 * @TJS-type ["integer", "string", "null"]
 * @pattern ^0x[0-9a-fA-F]{1,16}$
 * @minimum 0
 */
export type U64OrNull = number | string | null;

/**
 * A count, or null.
 * @TJS-type ["integer", "null"]
 * @minimum 0
 */
export type UintOrNull = number | null;

/**
 * A memory type (hvmmem_type_t): a name at the step's interface version, e.g. "ram_ro", "ioreq_server",
 * "mmio_write_dm" (below 0x00040700 only), "unused" (from 0x00040700), checked against the version; or
 * the number, sent as is.
 * @TJS-type ["string", "integer"]
 * @pattern ^[a-z_][a-z0-9_]*$
 * @minimum 0
 */
export type MemTypeSpec = string | number;

/**
 * A memory type as get_mem_type reports it: its name at the step's interface version, null when the
 * number has no name there, or a number (compared with `mem_type`).
 * @TJS-type ["string", "integer", "null"]
 * @pattern ^[a-z_][a-z0-9_]*$
 * @minimum 0
 */
export type MemTypeResultSpec = string | number | null;

/**
 * An internal p2m type: a name at the scenario's release, with or without the `p2m_` prefix
 * ("ram_shared", "p2m_ram_paged", "mmio_write_dm" at 4.6/4.7, "ioreq_server" from 4.8), or its number 0–15.
 * @TJS-type ["string", "integer"]
 * @pattern ^[a-z_][a-z0-9_]*$
 * @minimum 0
 */
export type P2mTypeSpec = string | number;

/**
 * The alias a `create_ioreq_server` step gave its server with `as`.
 * @pattern ^[A-Za-z_][A-Za-z0-9_.-]*$
 */
export type ServerAlias = string;

/**
 * An ioreq server in an expectation: the alias a create step gave it, or its id.
 * @TJS-type ["string", "integer"]
 * @pattern ^[A-Za-z_][A-Za-z0-9_.-]*$
 * @minimum 0
 */
export type ServerSpec = string | number;

/**
 * An ioreq server's alias or id, or null for none.
 * @TJS-type ["string", "integer", "null"]
 * @pattern ^[A-Za-z_][A-Za-z0-9_.-]*$
 * @minimum 0
 */
export type ServerSpecOrNull = string | number | null;

/**
 * An I/O port, 0 … 0xffff: a number or `"0x…"` text.
 * @TJS-type ["integer", "string"]
 * @pattern ^0x[0-9a-fA-F]{1,4}$
 * @minimum 0
 * @maximum 65535
 */
export type Port = number | string;

/** Bytes per access item. */
export type AccessSize = 1 | 2 | 4 | 8;

// ---------------------------------------------------------------------------------------------------
// The file

/** When long hypercalls are preempted: Xen checks every 256 pages; the simulator makes that a policy. */
export type PreemptSpec = 'never' | 'always' | PreemptRandom;

/** Seeded random preemption: the same seed gives the same continuations on every run. */
export interface PreemptRandom {
  /** @TJS-type integer */
  seed: number;
  /**
   * Probability that a preemption point fires.
   * @minimum 0
   * @maximum 1
   */
  probability: number;
}

/** A domain the runner creates before the first step. */
export interface DomainSpec {
  /**
   * 1 … 32751.
   * @TJS-type integer
   * @minimum 1
   * @maximum 32751
   */
  domid: number;
  /** Highest guest frame backed by RAM (up to 0xffffffff). Pages 0 … maxGpfn start as ram_rw; above are holes (p2m_invalid). */
  maxGpfn: U64;
  /** Hardware-assisted paging (default true). */
  hap?: boolean;
  /** An HVM guest (default true). */
  hvm?: boolean;
  /**
   * vCPUs (default 1).
   * @TJS-type integer
   * @minimum 1
   * @maximum 128
   */
  vcpus?: number;
  /** Its device-model domain, which may operate on it besides domain 0 (default: none). */
  dm?: Domid;
  // A note for the reader; the runner ignores it.
  note?: string;
}

/** A scenario: one hypervisor release, its domains, and the steps to run against it. */
export interface Scenario {
  /** Path or URL of this JSON Schema, for editors. */
  $schema?: string;
  /** What the scenario shows, and the reference § it comes from. */
  note?: string;
  // What the scenario shows, for the reader; the runner ignores it.
  description?: string;
  /** The hypervisor release to model (4.6 … 4.22). `--xen` overrides it. */
  xen: ReleaseText;
  /** The client's interface version (default: the latest of `xen`). `--iface` overrides it. */
  iface?: IfaceText;
  /** Preemption policy (default "never"). */
  preempt?: PreemptSpec;
  // Domains to create before the first step.
  domains: DomainSpec[];
  // Steps to run in order.
  steps: Step[];
}

// ---------------------------------------------------------------------------------------------------
// Steps

/**
 * What every step may carry. A step's `domid` must be a declared domain (or 0, the control domain; or
 * DOMID_SELF for get_mem_type), unless the step expects `{ "error": "ESRCH" }`: then it may name a domain
 * that does not exist, to show Xen's answer for one.
 */
export interface StepBase {
  /** Why the step is there; cite the reference § whose answer `expect` gives. */
  note?: string;
  /** The calling domain (default 0, the control domain). */
  caller?: Domid;
  /** The client's interface version for this step (default: the scenario's). */
  iface?: IfaceText;
}

/**
 * A step that names an ioreq server: by `id`, or by `server`, the alias a create_ioreq_server step gave
 * with `as` (exactly one of the two).
 */
export interface ServerRef {
  // The server's id (ioservid_t), as create_ioreq_server returned it.
  id?: Uint;
  // The alias a create_ioreq_server step gave with `as`.
  server?: ServerAlias;
}

/** `ok`, `error` and `rc` hold for every step; only the fields listed are compared. */
export interface ExpectBase {
  /** true: rc is 0; false: rc is an error. */
  ok?: boolean;
  /** The errno name Xen returns (e.g. "EINVAL"), or null for success. */
  error?: ErrnoName | null;
  /** The return code itself: 0 or −errno. */
  rc?: ReturnCode;
}

/** Expectations on a per-page loop (set_mem_type, modified_memory). */
export interface LoopExpect extends ExpectBase {
  /** Pages the loop processed successfully, as Xen counts its iterations, including progress before a failure. */
  changed?: Uint;
  /** Continuations taken (preemption points that fired). */
  continuations?: Uint;
}

/** `XEN_DMOP_set_mem_type` (4.9+) or `HVMOP_set_mem_type` (≤4.8). Give the type as `mem_type` or `type`. */
export interface SetMemTypeStep extends StepBase {
  // The op: set_mem_type.
  op: 'set_mem_type';
  // The target domain.
  domid: Domid;
  // First gfn of the range (`first_pfn`).
  first_pfn: U64;
  // Number of pages from `first_pfn` (`nr`).
  nr: Uint;
  // The hvmmem type: a name at the step's interface version, or the number.
  mem_type?: MemTypeSpec;
  /** Short for `mem_type`. */
  type?: MemTypeSpec;
  // What the step must give; only the fields listed are compared.
  expect?: LoopExpect;
}

/** `HVMOP_get_mem_type` (15), an HVMOP in every release. */
export interface GetMemTypeStep extends StepBase {
  // The op: get_mem_type.
  op: 'get_mem_type';
  /** The target; DOMID_SELF (32752) stands for the caller. */
  domid: Domid;
  // The gfn to read the type of (`xen_hvm_get_mem_type.pfn`).
  pfn: U64;
  // What the step must give; only the fields listed are compared.
  expect?: GetMemTypeExpect;
}

export interface GetMemTypeExpect extends ExpectBase {
  /** The name at the step's interface version (null: the number has no name there), or a number compared with `mem_type`. */
  type?: MemTypeResultSpec;
  // The hvmmem_type_t number Xen returns.
  mem_type?: Uint;
}

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

/** Field names as the decoded struct has them: `ioreq_gfn`/`bufioreq_gfn` for the DMOP, `ioreq_pfn`/`bufioreq_pfn` for the HVMOP. */
export interface GetIoreqServerInfoExpect extends ExpectBase {
  // The buffered ring's event-channel port.
  bufioreq_port?: Uint;
  // DMOP (4.11+): gfn of the synchronous ioreq page.
  ioreq_gfn?: U64;
  // DMOP (4.11+): gfn of the buffered ioreq page.
  bufioreq_gfn?: U64;
  // HVMOP and DMOP 4.9/4.10: pfn of the synchronous ioreq page.
  ioreq_pfn?: U64;
  // HVMOP and DMOP 4.9/4.10: pfn of the buffered ioreq page.
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

/** One extent of `modified_memory` (buf[1]). */
export interface ExtentSpec {
  // First gfn of the extent.
  first_pfn: U64;
  // Number of pages in the extent.
  nr: Uint;
}

/** `XEN_DMOP_modified_memory` with its extents in buf[1] (≤4.8: `HVMOP_modified_memory`, one extent). */
export interface ModifiedMemoryStep extends StepBase {
  // The op: modified_memory.
  op: 'modified_memory';
  // The target domain.
  domid: Domid;
  // The extents, sent as an array of `xen_dm_op_modified_memory_extent` in buf[1].
  extents: ExtentSpec[];
  // What the step must give; only the fields listed are compared.
  expect?: LoopExpect;
}

/** `XEN_DMOP_track_dirty_vram`: the runner passes a bitmap of ⌈nr/8⌉ bytes as buf[1]. */
export interface TrackDirtyVramStep extends StepBase {
  // The op: track_dirty_vram.
  op: 'track_dirty_vram';
  // The target domain.
  domid: Domid;
  // First gfn of the VRAM range.
  first_pfn: U64;
  // Number of pages in the range; the bitmap has one bit per page.
  nr: Uint;
  // What the step must give; only the fields listed are compared.
  expect?: TrackDirtyVramExpect;
}

export interface TrackDirtyVramExpect extends ExpectBase {
  /** The dirty pfns, in order (a run's result lists every pfn whose bit is set). */
  dirty?: U64[] | null;
  // Number of bits set in the bitmap (null: no bitmap was returned).
  dirtyCount?: UintOrNull;
}

export interface SetPciIntxLevelStep extends StepBase {
  // The op: set_pci_intx_level.
  op: 'set_pci_intx_level';
  // The target domain.
  domid: Domid;
  /** The PCI segment (Xen's field name). */
  domain: Uint;
  // PCI bus of the device.
  bus: Uint;
  // PCI device (slot) number.
  device: Uint;
  // The INTx line: 0 … 3 for INTA … INTD.
  intx: Uint;
  // 1 asserts the line, 0 deasserts it.
  level: Uint;
  // What the step must give; only the fields listed are compared.
  expect?: ExpectBase;
}

export interface SetIsaIrqLevelStep extends StepBase {
  // The op: set_isa_irq_level.
  op: 'set_isa_irq_level';
  // The target domain.
  domid: Domid;
  // ISA IRQ number, 0 … 15.
  isa_irq: Uint;
  // 1 asserts the IRQ, 0 deasserts it.
  level: Uint;
  // What the step must give; only the fields listed are compared.
  expect?: ExpectBase;
}

export interface SetPciLinkRouteStep extends StepBase {
  // The op: set_pci_link_route.
  op: 'set_pci_link_route';
  // The target domain.
  domid: Domid;
  // PCI link number, 0 … 3.
  link: Uint;
  // The ISA IRQ to route the link to, 0 … 15 (0 disables the route).
  isa_irq: Uint;
  // What the step must give; only the fields listed are compared.
  expect?: ExpectBase;
}

export interface InjectEventStep extends StepBase {
  // The op: inject_event.
  op: 'inject_event';
  // The target domain.
  domid: Domid;
  // The vCPU to inject into.
  vcpuid: Uint;
  // The interrupt or exception vector, 0 … 255.
  vector: Uint;
  /** XEN_DMOP_EVENT_* name or number. */
  type: ConstantName<'inject_event_type'> | Uint;
  // The exception's error code (XEN_DMOP_no_error_code, ~0, for none).
  error_code?: Uint;
  // Length of the instruction, for software interrupts and exceptions.
  insn_len?: Uint;
  // CR2 to set, for a page fault.
  cr2?: U64;
  // What the step must give; only the fields listed are compared.
  expect?: ExpectBase;
}

export interface InjectMsiStep extends StepBase {
  // The op: inject_msi.
  op: 'inject_msi';
  // The target domain.
  domid: Domid;
  // The MSI address.
  addr: U64;
  // The MSI data.
  data: Uint;
  // What the step must give; only the fields listed are compared.
  expect?: ExpectBase;
}

export interface RemoteShutdownStep extends StepBase {
  // The op: remote_shutdown.
  op: 'remote_shutdown';
  // The target domain.
  domid: Domid;
  /** SHUTDOWN_* reason code. */
  reason: Uint;
  // What the step must give; only the fields listed are compared.
  expect?: ExpectBase;
}

export interface RelocateMemoryStep extends StepBase {
  // The op: relocate_memory.
  op: 'relocate_memory';
  // The target domain.
  domid: Domid;
  // Number of pages to move.
  size: Uint;
  // First gfn to move from.
  src_gfn: U64;
  // First gfn to move to.
  dst_gfn: U64;
  // What the step must give; only the fields listed are compared.
  expect?: ExpectBase;
}

export interface PinMemoryCacheattrStep extends StepBase {
  // The op: pin_memory_cacheattr.
  op: 'pin_memory_cacheattr';
  // The target domain.
  domid: Domid;
  // First gfn of the range (inclusive).
  start: U64;
  // Last gfn of the range (inclusive).
  end: U64;
  /** XEN_DMOP_MEM_CACHEATTR_* name ("wb", "uc", …, "delete") or number. */
  type: ConstantName<'mem_cacheattr'> | Uint;
  // What the step must give; only the fields listed are compared.
  expect?: ExpectBase;
}

export interface SetIrqLevelStep extends StepBase {
  // The op: set_irq_level.
  op: 'set_irq_level';
  // The target domain.
  domid: Domid;
  // The IRQ (GSI) number.
  irq: Uint;
  // 1 asserts the IRQ, 0 deasserts it.
  level: Uint;
  // What the step must give; only the fields listed are compared.
  expect?: ExpectBase;
}

export interface NrVcpusStep extends StepBase {
  // The op: nr_vcpus.
  op: 'nr_vcpus';
  // The target domain.
  domid: Domid;
  // What the step must give; only the fields listed are compared.
  expect?: NrVcpusExpect;
}

export interface NrVcpusExpect extends ExpectBase {
  // The number of vCPUs Xen reports.
  vcpus?: Uint;
}

/** Sets internal p2m types directly (paged, shared, log-dirty, grant, holes, …) within 0 … maxGpfn. */
export interface SeedP2mStep extends StepBase {
  // The op: seed_p2m (simulator control: sets p2m entries without set_mem_type's checks).
  op: 'seed_p2m';
  // The target domain.
  domid: Domid;
  // First gfn to set.
  first_pfn: U64;
  // Number of gfns to set.
  nr: Uint;
  /** The internal type: a name at the scenario's release (with or without `p2m_`), or its number 0–15. */
  p2m: P2mTypeSpec;
  // What the step must give; only the fields listed are compared.
  expect?: ExpectBase;
}

/**
 * A guest memory access. The runner is the device model for the servers the scenario created: it
 * records every request and answers a read with `respond` (default: all ones of the access size).
 */
export interface GuestMemoryStep extends StepBase {
  // The op: guest_read or guest_write.
  op: 'guest_read' | 'guest_write';
  // The target domain.
  domid: Domid;
  // The vCPU that makes the access.
  vcpu: Uint;
  // The guest physical address.
  gpa: U64;
  // Access size in bytes.
  size: AccessSize;
  /**
   * Items (a rep prefix), default 1.
   * @TJS-type integer
   * @minimum 1
   */
  count?: number;
  /** Direction flag: items run downwards from gpa. */
  df?: boolean;
  /** What a write writes. */
  value?: U64;
  /** What the device model answers to a read request. */
  respond?: U64;
  // What the step must give; only the fields listed are compared.
  expect?: GuestExpect;
}

/** A guest port access (PCI config space is reached through ports 0xcf8/0xcfc, as a guest reaches it). */
export interface GuestPortStep extends StepBase {
  // The op: guest_in or guest_out.
  op: 'guest_in' | 'guest_out';
  // The target domain.
  domid: Domid;
  // The vCPU that makes the access.
  vcpu: Uint;
  // The I/O port, 0 … 0xffff.
  port: Port;
  // Access size in bytes.
  size: AccessSize;
  // Data of an out (default 0).
  value?: U64;
  // The data the runner answers an in with (default: all ones of the access size).
  respond?: U64;
  // What the step must give; only the fields listed are compared.
  expect?: GuestExpect;
}

/** One ioreq as expected: only the fields given are compared; `server` may be the alias or the id. */
export interface IoreqExpect {
  // The server it went to: id or alias.
  server?: ServerSpec;
  // IOREQ_TYPE_* name or number.
  type?: IoreqTypeName | Uint;
  // IOREQ_READ or IOREQ_WRITE.
  dir?: 'read' | 'write';
  // Port, address, or PCI config address.
  addr?: U64;
  // Bytes per item.
  size?: AccessSize;
  // Items (rep prefix).
  count?: Uint;
  // The data written (or, for a read, the answer).
  data?: U64;
  // Whether it went on the buffered ring.
  buffered?: boolean;
}

export interface GuestExpect extends ExpectBase {
  // What happened to the access: "ram", "discarded", "ioreq", "null", "retry" or "crash".
  outcome?: GuestAccessOutcome;
  /** What a read returned (null for a write, or when nothing was read). */
  value?: U64OrNull;
  /** Some request of the access matches these fields; null: the access caused no request. */
  ioreq?: IoreqExpect | null;
  /** The exact sequence of requests, each compared on the fields given. */
  ioreqs?: IoreqExpect[];
}

/** The backend's view of a domain (p2m runs, servers' claim, entry_count, logged events). */
export interface InspectStep extends StepBase {
  // The op: inspect (simulator control: compares the domain's state).
  op: 'inspect';
  // The target domain.
  domid: Domid;
  // What the step must give; only the fields listed are compared.
  expect?: InspectExpect;
}

// One run of equal p2m type that `inspect` must show.
export interface P2mRunExpect {
  // First gfn of the run.
  first?: U64;
  // Number of gfns in the run.
  count?: Uint;
  // The run's p2m_type_t number.
  type?: Uint;
  // The p2m type's name in the release, e.g. "p2m_ioreq_server".
  name?: string;
}

export interface InspectExpect extends ExpectBase {
  // Highest gfn of the p2m.
  maxGpfn?: U64;
  // Hardware-assisted paging.
  hap?: boolean;
  // An HVM guest.
  hvm?: boolean;
  // Number of vCPUs.
  vcpus?: Uint;
  // Domain id of the device model, or null.
  dm?: UintOrNull;
  // The HVMMEM_ioreq_server claim.
  ioreqClaim?: {
    /** The owning server's alias or id, or null. */
    owner?: ServerSpecOrNull;
    // XEN_DMOP_IOREQ_MEM_ACCESS_* flags of the claim (0: unclaimed).
    flags?: Uint;
    // Number of p2m entries of type p2m_ioreq_server.
    entryCount?: Uint;
  };
  /** The exact list of p2m runs, each compared on the fields given. */
  p2m?: P2mRunExpect[];
  /** The exact list of ops recorded outside the model, each compared on the fields given. */
  events?: {
    // The op, e.g. "set_mem_type".
    op?: string;
    // Its arguments, by field name.
    args?: { [field: string]: U64 };
  }[];
}

/** One operation of a scenario, by its Xen name without prefix. */
export type Step =
  | SetMemTypeStep
  | GetMemTypeStep
  | CreateIoreqServerStep
  | GetIoreqServerInfoStep
  | IoRangeStep
  | SetIoreqServerStateStep
  | DestroyIoreqServerStep
  | MapMemTypeToIoreqServerStep
  | ModifiedMemoryStep
  | TrackDirtyVramStep
  | SetPciIntxLevelStep
  | SetIsaIrqLevelStep
  | SetPciLinkRouteStep
  | InjectEventStep
  | InjectMsiStep
  | RemoteShutdownStep
  | RelocateMemoryStep
  | PinMemoryCacheattrStep
  | SetIrqLevelStep
  | NrVcpusStep
  | SeedP2mStep
  | GuestMemoryStep
  | GuestPortStep
  | InspectStep;

/** The op name of any step, e.g. "set_mem_type" or "guest_read". */
export type StepOp = Step['op'];

// ---------------------------------------------------------------------------------------------------
// Results (`xenmem run --json` prints a ScenarioResult)

/** A request the device model received, as a result lists it. */
export interface IoreqResult {
  /** The server's alias if the scenario gave one, else its id. */
  server: string | number;
  /** The request type (IOREQ_TYPE_*): pio, copy (MMIO), pci_config, timeoffset or invalidate. */
  type: IoreqTypeName;
  /** IOREQ_READ or IOREQ_WRITE. */
  dir: 'read' | 'write';
  /** Address, port, or for pci_config `SBDF << 32 | register`. */
  addr: string;
  /** Bytes per repetition: 1, 2, 4 or 8. */
  size: number;
  /** Repetitions (rep instructions); 1 for a single access. */
  count: number;
  /** The data written, or the data the device model answered to a read. */
  data: string;
  /** Sent on the buffered page rather than the vCPU's synchronous slot. */
  buffered: boolean;
}

/** One expectation that did not hold. */
export interface Mismatch {
  /** The expectation's path within `expect`, e.g. "changed" or "ioreqClaim.entryCount". */
  field: string;
  /** The value `expect` asked for. */
  expected: unknown;
  /** The value the step gave. */
  actual: unknown;
}

/**
 * One step's result. Every step has `index`, `op`, `rc` (0 or −errno; 0 for control and guest steps),
 * `error` (errno name or null), `expectMet` (true/false, or null without `expect`), and what the op gives:
 * - set_mem_type: `changed` (pages processed successfully, counted as Xen counts its iterations,
 *   including progress before a failure; null when the backend reports none, e.g. the call failed in
 *   the checks every op goes through), `continuations`;
 * - modified_memory: `changed`, `continuations`; map_mem_type_to_ioreq_server: `continuations`;
 * - get_mem_type: `type` (name at the step's interface version, or null if unnamed there), `mem_type`;
 * - create_ioreq_server: `id` (and `server`, the alias, when given);
 * - get_ioreq_server_info: `bufioreq_port` and the gfns under the decoded struct's names ("0x…");
 * - track_dirty_vram: `dirty`, the list of dirty pfns ("0x…", in order; null on error), and `dirtyCount`;
 * - nr_vcpus: `vcpus`;
 * - guest accesses: `outcome` (ram, discarded, ioreq, null, retry, crash), `value` ("0x…" or null) and
 *   `ioreqs` (every request the access caused);
 * - inspect: the backend's inspection: `maxGpfn`, `hap`, `hvm`, `vcpus`, `dm`, `ioreqClaim`
 *   ({ owner: alias or id or null, flags, entryCount }), `p2m` ([{ first, count, type, name }]), `events`.
 * A step whose `server` alias has no server (its create failed) is not sent: `rc` and `error` are null
 * and `skipped` says why. A failed expectation lists its `mismatches`.
 */
export interface StepResult {
  /** Position of the step in `steps` (0 first). */
  index: number;
  /** The step's op. */
  op: StepOp;
  /** The hypercall's return: 0 or −errno; 0 for control and guest steps; null for a skipped step. */
  rc: number | null;
  /** The errno name of a failure, e.g. "EINVAL", or null. */
  error: string | null;
  /** Whether the result matched `expect`; null when the step has none. */
  expectMet: boolean | null;
  /** The fields that did not match `expect`. */
  mismatches?: Mismatch[];
  /** Why the step did not run (e.g. the op does not exist in the release). */
  skipped?: string;
  [field: string]: unknown;
}

/** What runScenario returns: the release and interface version it ran at, and each step's result. */
export interface ScenarioResult {
  /** The Xen release the scenario ran as. */
  xen: string;
  /** The scenario's interface version, "0x…". */
  iface: string;
  /** Every expectation held. */
  passed: boolean;
  /** One result per step, in order. */
  steps: StepResult[];
}
