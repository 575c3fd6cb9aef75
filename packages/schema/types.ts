/**
 * The TypeScript description of `schema/xen-abi.json`, the one place where xenmem records facts about Xen.
 *
 * `schema/xen-abi.schema.json` is generated from this file by typescript-json-schema
 * (`npm run schema:json`), and ajv validates the schema file against it at codegen time and in tests.
 *
 * Conventions:
 * - Every enumerated thing carries an explicit number; nothing is implied by array order.
 * - Enumerations are data (`{ value, name, … }`), because JSON Schema generators drop TypeScript enum names.
 * - Release names are strings ("4.10" is not 4.1). Interface versions are `0x` + 8 hex digits.
 * - A `ReleaseRange` without `to` extends to the newest release in the schema.
 */

/**
 * A Xen release, written major.minor.
 * @pattern ^4\.[0-9]+$
 */
export type ReleaseName = string;

/**
 * A `__XEN_INTERFACE_VERSION__` value.
 * @pattern ^0x[0-9a-f]{8}$
 */
export type IfaceVersionHex = string;

/**
 * A Xen errno name as in `xen/include/public/errno.h`.
 * @pattern ^E[A-Z0-9]+$
 */
export type ErrnoName = string;

/**
 * A C identifier.
 * @pattern ^[A-Za-z_][A-Za-z0-9_]*$
 */
export type CIdentifier = string;

/** Releases `from` … `to`, both inclusive. Without `to`, the range runs to the newest release in the schema. */
export interface ReleaseRange {
  // First release of the range, e.g. "4.9".
  from: ReleaseName;
  // Last release of the range (inclusive); absent: up to the newest release in the schema.
  to?: ReleaseName;
}

/** Interface versions `from` (inclusive) up to `below` (exclusive). A missing bound is open. */
export interface IfaceRange {
  // Lowest `__XEN_INTERFACE_VERSION__` of the range (inclusive); absent: from 0x00000000.
  from?: IfaceVersionHex;
  // First interface version no longer in the range (exclusive); absent: no upper bound.
  below?: IfaceVersionHex;
}

// The whole schema file (schema/xen-abi.json): releases, names, ops, structs, constants and rules.
export interface XenAbiSchema {
  /** Path of the JSON Schema this file follows. */
  $schema?: string;
  /** Version of this file's format (not of Xen). */
  formatVersion: 1;
  // What the file covers, for a human reader.
  description: string;
  /** Where the facts were read. */
  sources: string[];
  // The Xen releases the schema covers, oldest first.
  releases: Release[];
  /** Interface-version rules of `xen-compat.h`. */
  interfaceVersion: InterfaceVersionRules;
  // Hypercall numbers the ops travel on (hvm_op 34, dm_op 41, …).
  hypercalls: Hypercall[];
  // Xen errno values (public/errno.h) that ops and rules name.
  errno: Errno[];
  /** Semantics tags for hvmmem names; the evolution checker compares them. */
  semantics: SemanticsTag[];
  /** Preconditions set_mem_type checks once, before its loop, for some values (in check order). */
  requirements: Requirement[];
  /** What set_mem_type answers for a value that has no entry in `hvmmemTypes`. */
  unlistedHvmmemError: ErrnoName;
  // Every hvmmem_type_t number: its names by interface version and what each release does with it.
  hvmmemTypes: HvmmemValue[];
  // Xen-internal p2m_type_t numbers and their names by release (not public ABI).
  p2mTypes: P2mType[];
  // P2M_*_TYPES class masks by release.
  p2mClasses: P2mClass[];
  // Per-page outcomes of set_mem_type by release range.
  transitions: TransitionTable[];
  // How get_mem_type projects a p2m type onto an hvmmem number, by release range.
  getMemType: GetMemTypeProjection[];
  // HVMOP sub-ops of `__HYPERVISOR_hvm_op`.
  hvmops: HvmOp[];
  // DMOP sub-ops of `__HYPERVISOR_dm_op` (4.9+).
  dmops: DmOp[];
  // Struct layouts on x86_64 (little-endian), one entry per layout and release range.
  structs: Struct[];
  // Constant groups (enums as data): ioreq types, io_range types, bufioreq modes, …
  constants: ConstantGroup[];
  // Values packed from bit-fields, e.g. XEN_DMOP_PCI_SBDF.
  bitPacks: BitPack[];
  // Limits Xen enforces, by release (batch sizes, maximum ids).
  limits: Limit[];
  // How ioreq server ids are allocated, by release.
  ioreqServerIds: IoreqServerIdScheme[];
  /** How `do_dm_op` treats every call, per release (4.9+). */
  dmOpEntry: DmOpEntryRules[];
  /** Release differences of the ioreq-server ops and of routing to servers. */
  ioreqServerRules: IoreqServerRules[];
  /** What set_mem_type returns when the type check refuses a page, by release (absent in snapshots before it was recorded). */
  setMemTypeRefusal?: SetMemTypeRefusalRule[];
  /** The argument checks of inject_msi (hvm_inject_msi, vmsi_deliver), by release (absent in older snapshots). */
  injectMsi?: InjectMsiRules[];
  /** Whether track_dirty_vram turns log-dirty mode on (which modified_memory needs), by release (absent in older snapshots). */
  logDirtyByTracking?: LogDirtyByTrackingRule[];
  /** DM ops that require an exact number of buffers, by release (XSA-506; absent in older snapshots). */
  dmOpExactBufs?: DmOpExactBufsRule[];
  /** Where ioreq server pages go when the gfn pool is empty: the legacy ioreq gfns, by release (absent in older snapshots). */
  legacyIoreqGfns?: LegacyIoreqGfnRule[];
  /** The checks of XENMEM_acquire_resource before it maps a frame, by release (absent in older snapshots). */
  acquireResource?: AcquireResourceRule[];
  /** Deliberate exceptions to the evolution rules, each with its reason. */
  exceptions: EvolutionException[];
  /**
   * The error strings of the xenstore wire protocol (`xsd_errors[]` of io/xs_wire.h), in the header's order
   * (absent in snapshots before it was recorded).
   */
  xsdErrors?: XsdError[];
}

// One Xen release the schema covers: name, date, newest interface version, tools-op style.
export interface Release {
  // Release name, e.g. "4.10".
  name: ReleaseName;
  /** Date of the RELEASE-x.y.0 tag commit, YYYY-MM-DD. */
  date: string;
  /** `__XEN_LATEST_INTERFACE_VERSION__` in that release's `xen-compat.h`. */
  latestInterfaceVersion: IfaceVersionHex;
  /** Hypercall family that carries the device-model (tools) ops: HVMOP up to 4.8, DMOP from 4.9. */
  toolsOps: "hvm_op" | "dm_op";
  /** Whether the per-release behaviour data (set_mem_type, transitions, get_mem_type) covers this release. */
  behaviourRecorded: boolean;
}

// How __XEN_INTERFACE_VERSION__ selects the hvmmem names a caller sees.
export interface InterfaceVersionRules {
  /** Value when a client leaves `__XEN_INTERFACE_VERSION__` undefined. */
  undefinedValue: IfaceVersionHex;
  /** What `__XEN__` / `__XEN_TOOLS__` builds get. */
  toolsBuilds: string;
  /** What a version above the latest does. */
  aboveLatest: string;
}

// A hypercall the schema refers to: name and number.
export interface Hypercall {
  // Name without the prefix, e.g. "dm_op".
  name: string;
  // C macro, e.g. `__HYPERVISOR_dm_op`.
  cName: CIdentifier;
  // Hypercall number (public/xen.h).
  value: number;
  /**
   * What Xen's xen.h makes the macro below an interface version, when that differs: `__HYPERVISOR_sched_op` is
   * `__HYPERVISOR_sched_op_compat` (6) below 0x00030101.
   */
  legacyValue?: {
    // The older hypercall's macro, e.g. `__HYPERVISOR_sched_op_compat`.
    cName: CIdentifier;
    // Its number.
    value: number;
    // First interface version that gets `value` instead.
    below: IfaceVersionHex;
  };
}

// An errno value: its name and number.
export interface Errno {
  // Errno name, e.g. "EINVAL".
  name: ErrnoName;
  // Xen's number for it (public/errno.h; equal to Linux's on x86).
  value: number;
  // What the errno means, in Xen's words.
  description: string;
  /** True for values that never reach a caller (ERESTART becomes a continuation). */
  internal: boolean;
}

// A semantics tag: a named behaviour an op or rule can refer to.
export interface SemanticsTag {
  // Tag name an hvmmem name refers to, e.g. "ram_rw".
  tag: string;
  // The behaviour the tag stands for.
  description: string;
  /** A placeholder: the number is burnt and every hypervisor from its first release rejects it. */
  placeholder: boolean;
}

// A requirement an op places on its caller or target (privilege, domain kind, …).
export interface Requirement {
  // Requirement id the hvmmem acceptance entries list in `requires`.
  id: string;
  /** Position in Xen's check order (1 is checked first). */
  order: number;
  // Errno set_mem_type returns when the requirement fails.
  error: ErrnoName;
  // What Xen checks, and where (function in the hypervisor source).
  description: string;
}

/** One number of `hvmmem_type_t`. */
export interface HvmmemValue {
  // The hvmmem_type_t number, as passed in set_mem_type's `mem_type`.
  value: number;
  /** Names this number has had. At one interface version at most one applies. */
  names: HvmmemName[];
  /** What each hypervisor release does when set_mem_type is given this number. */
  hypervisor: HvmmemAcceptance[];
}

// One hvmmem name: its value and the interface versions and releases that have it.
export interface HvmmemName {
  /** The name without its `HVMMEM_` prefix. */
  name: string;
  // C enumerator, e.g. `HVMMEM_ioreq_server`.
  cName: CIdentifier;
  /** Semantics tag (see `semantics`). */
  semantics: string;
  /** First release whose headers define this name. */
  firstRelease: ReleaseName;
  /** Interface versions at which the newest headers give this name to this number. */
  iface: IfaceRange;
  // What the name means for a guest page.
  description: string;
}

// Which hvmmem values a release accepts, per op.
export interface HvmmemAcceptance {
  // Releases this entry covers.
  releases: ReleaseRange;
  // Whether set_mem_type accepts the number in these releases.
  accepted: boolean;
  /** The errno set_mem_type returns before its loop when the value is not accepted. */
  error?: ErrnoName;
  /** Internal p2m type (its number) the value becomes when accepted. */
  p2m?: number;
  /** Requirement ids checked before the loop (see `requirements`). */
  requires?: string[];
  /** Why, in a few words. */
  why: string;
}

/** One number of the internal `p2m_type_t`. Not public ABI: Xen renames these freely. */
export interface P2mType {
  // p2m_type_t number inside Xen.
  value: number;
  // Xen's names for the number, by release (Xen renames internal types).
  names: {
    // C enumerator inside Xen, e.g. `p2m_ioreq_server`.
    name: CIdentifier;
    // Releases that use this name for the number.
    releases: ReleaseRange;
  }[];
  // What pages of this type are.
  description: string;
}

// A class of p2m types that behave alike for memory-type changes.
export interface P2mClass {
  /** Xen's macro name, e.g. P2M_RAM_TYPES. */
  name: CIdentifier;
  /** The predicate built on it, e.g. p2m_is_ram. */
  predicate?: CIdentifier;
  /** Members per release range (p2m type numbers). Releases without an entry are not recorded. */
  byRelease: {
    // Releases with this membership.
    releases: ReleaseRange;
    // p2m_type_t numbers in the class for those releases.
    types: number[];
  }[];
  // What the class groups and where Xen tests it.
  description: string;
}

/**
 * Per-page outcome of set_mem_type for a release range: for each old internal type (row), each
 * accepted hvmmem number (key) gives "ok" or the errno of that page.
 */
export interface TransitionTable {
  // Releases this table covers.
  releases: ReleaseRange;
  /** Xen's rule, in our words. */
  rule: string;
  /** Internal types the per-page lookup turns into ram_rw before the check (P2M_ALLOC populates PoD). */
  populatedByLookup: number[];
  // One row per old p2m type.
  rows: TransitionRow[];
}

// One row of the memory-type transition table: from, to and the result.
export interface TransitionRow {
  /** Old internal p2m type. */
  from: number;
  /** hvmmem number (as a decimal string) → "ok" or an errno name. */
  to: { [hvmmemValue: string]: string };
}

/** How get_mem_type projects an internal type onto an hvmmem number: the first matching step wins. */
export interface GetMemTypeProjection {
  // Releases this projection covers.
  releases: ReleaseRange;
  // Ordered steps; the first that matches gives the hvmmem number.
  steps: GetMemTypeStep[];
}

// One step of how get_mem_type projects a p2m type onto an hvmmem value.
export interface GetMemTypeStep {
  // Position of the step (1 first).
  step: number;
  // What the step tests: membership of `class`, equality with `p2m`, or "else" (always matches).
  match: "class" | "type" | "else";
  /** For match "class": the class name (see `p2mClasses`). */
  class?: CIdentifier;
  /** For match "type": the internal type number. */
  p2m?: number;
  /** hvmmem number returned. */
  result: number;
}

// One HVMOP: name, number, releases, argument struct and errors.
export interface HvmOp {
  // Sub-op number of `__HYPERVISOR_hvm_op`.
  value: number;
  // Name without the prefix, e.g. "set_mem_type".
  name: string;
  // C macro, e.g. `HVMOP_set_mem_type`.
  cName: CIdentifier;
  /** Header visibility while the op was in the header: public, or tools-only (__XEN__/__XEN_TOOLS__). */
  visibility: "public" | "tools";
  // First release in the schema whose headers define the op.
  firstRelease: ReleaseName;
  /** Last release whose headers define it; absent while still defined. */
  lastHeaderRelease?: ReleaseName;
  /** Interface versions at which the newest headers define it, when guarded. */
  iface?: IfaceRange;
  /** Releases whose `do_hvm_op` handles it; elsewhere the hypervisor returns ENOSYS. */
  dispatched: ReleaseRange[];
  /** Argument struct, when recorded. */
  struct?: CIdentifier;
  /** The DMOP that replaced it. */
  movedToDmop?: number;
  // What the op does.
  description: string;
}

// One DM op: name, number, releases, argument struct and errors.
export interface DmOp {
  // Sub-op number of `__HYPERVISOR_dm_op` (the `op` field of `struct xen_dm_op`).
  value: number;
  // Name without the prefix, e.g. "set_mem_type".
  name: string;
  // C macro, e.g. `XEN_DMOP_set_mem_type`.
  cName: CIdentifier;
  // First release that has the op (4.9 or later).
  firstRelease: ReleaseName;
  /** The payload struct in `xen_dm_op.u`. */
  struct: CIdentifier;
  /** Whether Xen copies the payload back to buf[0] on success (false for Xen's "const" ops). */
  copyBack: boolean;
  /** Architectures whose hypervisor implements it. */
  arch: ("x86" | "arm")[];
  // Number of the HVMOP this op took over in 4.9, if any.
  replacesHvmop?: number;
  // What else the op replaced (an HVMOP of another name, a domctl), in words.
  replacesOther?: string;
  // What the op does.
  description: string;
}

// The type of a struct field: an integer of a width, an array, or another struct.
export type FieldType =
  | "uint8"
  | "uint16"
  | "uint32"
  | "uint64"
  | "handle"
  | "union"
  | "struct";

// A struct's layout: its size, alignment and fields.
export interface Struct {
  /** C struct tag, e.g. xen_dm_op_set_mem_type. */
  name: CIdentifier;
  // Releases with this layout; an older layout of the same struct is a separate entry.
  releases: ReleaseRange;
  /**
   * Header that defines it: a Xen public header relative to xen/include/public, or, for Linux's Xen driver
   * interface, `sys/<name>.h` as installed under /usr/include/xen (Xen's tools/include/xen-sys/Linux/<name>.h).
   */
  header: string;
  /**
   * Where it is used: a DMOP payload, an HVMOP argument, the ioreq protocol, another hypercall's argument
   * ("hypercall"), an ioctl argument of Linux's Xen drivers ("kernel"), or the xenstore wire protocol ("xenstore").
   */
  role: "dm_op" | "dm_op_payload" | "dm_op_extra" | "hvm_op" | "ioreq" | "hypercall" | "kernel" | "xenstore";
  /** Visible in the newest headers without __XEN_TOOLS__. */
  visibility: "public" | "tools" | "removed";
  // sizeof the struct on x86_64, in bytes.
  size: number;
  // Alignment of the struct on x86_64, in bytes.
  align: number;
  // Fields in offset order.
  fields: Field[];
  // What the struct carries.
  description: string;
}

// One struct field: name, type and offset.
export interface Field {
  // Field name as in the C header.
  name: CIdentifier;
  /** Byte offset of the field, or of the storage unit holding a bit-field. */
  offset: number;
  /** Size in bytes of the field (all elements), or of the storage unit holding a bit-field. */
  size: number;
  /**
   * Field type: an unsigned integer, a pointer into the caller's memory (8 bytes: a guest handle, or a plain
   * user-space pointer in Linux's ioctl structs), a union (bytes) or a nested struct (`element`).
   */
  type: FieldType;
  /**
   * Xen's C type when it is a typedef (domid_t, ioservid_t, uint64_aligned_t, …). For a handle:
   * `XEN_GUEST_HANDLE(x)` / `XEN_GUEST_HANDLE_64(x)`, or a C pointer type such as `const xen_pfn_t *`.
   */
  cType?: string;
  /** For a handle whose element is a typedef (xen_pfn_t): the unsigned integer the typedef stands for. */
  pointee?: "uint8" | "uint16" | "uint32" | "uint64";
  /**
   * The name Xen's headers give the field below an interface version, when it differs
   * (xen_memory_reservation.address_bits below 0x00030209; `name` from there on). The C headers accept both
   * names below it.
   */
  legacyName?: {
    // The older name.
    name: CIdentifier;
    // First interface version that uses `name` instead.
    below: IfaceVersionHex;
  };
  /** Element count for arrays. */
  count?: number;
  /** Element struct for type "struct". */
  element?: CIdentifier;
  /** Bit position inside the storage unit, for bit-fields. */
  bits?: {
    // Bit position of the field's lowest bit in its storage unit (0 = least significant).
    shift: number;
    // Width of the field in bits.
    width: number;
  };
  /** Direction for op payloads. */
  dir?: "in" | "out" | "inout";
  /** Xen requires zero here (explicit padding). */
  mustBeZero?: boolean;
  // What the field means, when the layout alone does not say.
  description?: string;
}

// A group of related constants (e.g. the ioreq types).
export interface ConstantGroup {
  /** Group id, e.g. ioreq_type. */
  name: string;
  // Public header that defines the group, e.g. "hvm/ioreq.h".
  header: string;
  /** Visible without __XEN_TOOLS__ in the newest headers ("removed": gone from the newest headers). */
  visibility: "public" | "tools" | "removed";
  /** Last release whose headers define the group, when it was removed. */
  lastHeaderRelease?: ReleaseName;
  // What the constants select.
  description: string;
  /** The C enum whose enumerators the members are (`xsd_sockmsg_type`); absent: each member is a #define. */
  cEnum?: CIdentifier;
  // The constants, each with its explicit value.
  members: Constant[];
}

// One constant: name, value and the releases that have it.
export interface Constant {
  /** Short name used in JSON and the CLI, e.g. "pio", "atomic", "write". */
  name: string;
  // C macro, e.g. `IOREQ_TYPE_PIO`.
  cName: CIdentifier;
  // The constant's value.
  value: number;
  // First release in the schema whose headers define it.
  firstRelease: ReleaseName;
  /** Xen writes it as an unsigned literal (`1u << n`, `xen_mk_uint(…)`), so expressions on it are unsigned in C. */
  cUnsigned?: boolean;
  /**
   * The C definition has the type unsigned long: a `sizeof` expression, as in Linux's `_IOC(…, sizeof(arg))`
   * ioctl numbers and XEN_EXTRAVERSION_LEN, so the literal is written `ul`.
   */
  cUnsignedLong?: boolean;
  // What the value means.
  description?: string;
}

/** A value packed from bit-fields, e.g. XEN_DMOP_PCI_SBDF(s,b,d,f). */
export interface BitPack {
  // Pack id, e.g. "pci_sbdf".
  name: string;
  // C macro that packs the value, e.g. `XEN_DMOP_PCI_SBDF`.
  cName: CIdentifier;
  // Public header that defines the macro.
  header: string;
  // Visible without `__XEN_TOOLS__` ("public"), only to tools ("tools"), or gone from the newest headers ("removed").
  visibility: "public" | "tools" | "removed";
  // First release in the schema whose headers define the macro.
  firstRelease: ReleaseName;
  // Last release whose headers define it, when it was removed.
  lastHeaderRelease?: ReleaseName;
  // The bit-fields of the packed value, lowest first.
  parts: {
    // Part name, e.g. "bus".
    name: string;
    // Bit position of the part's lowest bit in the packed value.
    shift: number;
    // Width of the part in bits.
    width: number;
  }[];
  // What the packed value identifies.
  description: string;
}

// A limit Xen enforces (e.g. a batch size), per release.
export interface Limit {
  // Limit id the code looks up, e.g. "set_mem_type_batch".
  id: string;
  // Releases with this value.
  releases: ReleaseRange;
  // The limit (a count or a maximum id).
  value: number;
  /** Xen's name for it, when it has one. */
  cName?: CIdentifier;
  /** Errno when the limit is hit, when there is one. */
  error?: ErrnoName;
  // What the limit bounds and what Xen does at it.
  description: string;
  /** Where Xen enforces it: source file, function(s), then "@ " and the release tag read, e.g. "xen/arch/x86/hvm/dm.c track_dirty_vram @ RELEASE-4.9.0". */
  source?: string;
}

// How ioreq server ids are allocated, per release.
export interface IoreqServerIdScheme {
  // Releases with this scheme.
  releases: ReleaseRange;
  // "counter": ids increase per domain; "slots": ids are slot numbers `firstSlot`…`lastSlot`, reused after destroy.
  scheme: "counter" | "slots";
  /** For slots: first and last slot a created server may take. */
  firstSlot?: number;
  // Last slot number, for "slots" (MAX_NR_IOREQ_SERVERS - 1).
  lastSlot?: number;
  /** Error when no id is free. */
  exhausted: ErrnoName;
  // How the scheme behaves, with its Xen source.
  description: string;
}

// A recorded exception to an evolution rule: what changed, where, and why (a change Xen itself made).
export interface EvolutionException {
  /** Rule id the exception applies to. */
  rule: string;
  /** The hvmmem value concerned. */
  value: number;
  /** First release where the exceptional change applies. */
  release: ReleaseName;
  // Why the change is allowed: the Xen commit or header change that made it.
  reason: string;
}

/** The generic dm_op path of a release range (xen/arch/x86/hvm/dm.c dm_op() @ RELEASE-4.22.0). */
export interface DmOpEntryRules {
  // Releases with these rules.
  releases: ReleaseRange;
  /** A target that is not HVM: "ok" (returns 0 doing nothing, 4.9–4.14) or the errno (EINVAL from 4.15). */
  nonHvmTarget: string;
  /**
   * How the op is copied from buf[0]: "whole" (the 32-byte xen_dm_op must fit, 4.9/4.10) or "perOp"
   * (the 8-byte header, then only the op's payload; op numbers past the release's table are EOPNOTSUPP; 4.11+).
   */
  opCopy: "whole" | "perOp";
  /** No buffers at all: the errno (ENODATA since XSA-506; earlier code read an uninitialised buffer). */
  zeroBuffers: ErrnoName;
  // The rules in words, with their Xen source.
  description: string;
}

/** ioreq-server behaviour of a release range (xen/arch/x86/mm/p2m.c p2m_set_ioreq_server(), xen/common/ioreq.c @ RELEASE-4.22.0). */
export interface IoreqServerRules {
  // Releases with these rules.
  releases: ReleaseRange;
  /** map/unmap_io_range with start > end: "ok" (accepted) or the errno (EINVAL from 4.10). */
  rangeStartAfterEnd: string;
  /** Only the domain that created a server may operate on it (EPERM otherwise; 4.11+). */
  emulatorOnly: boolean;
  /** The u16 at offset 2 of get_ioreq_server_info: "pad" (must be 0; 4.9/4.10) or "flags" (XEN_DMOP_no_gfns; 4.11+). */
  getInfoField: "pad" | "flags";
  /** destroy of id 0: "ok" (an ordinary id) or the errno (EPERM at 4.11, where slot 0 is the default server's). */
  destroyIdZero: string;
  /**
   * Id 0 given to get_info, map/unmap_io_range (after the start > end test), map_mem_type (before the type
   * test), set_state and acquire_resource's ioreq-server frames: "ok" (an ordinary id) or the errno
   * (EOPNOTSUPP at 4.11, where id 0 is DEFAULT_IOSERVID). Absent (snapshots before it was recorded): "ok".
   */
  idZeroOps?: string;
  /** When a server's pages are set up: at create from the gfn pool (≤4.10), or on demand (4.11+). */
  pages: "at-create" | "on-demand";
  /** Whether MMIO range matching honours the direction flag (4.12+, commit 60a56dc006). */
  honourDf: boolean;
  /** Writes to p2m_ioreq_server pages: routed by MMIO rangeset like any MMIO (≤4.8), or to the claiming server (4.9+). */
  ioreqServerPages: "rangeset" | "owner";
  // The differences in words, with their Xen source.
  description: string;
}

/** A bit-field of a value: its lowest bit and its width. */
export interface BitField {
  // Position of the field's lowest bit (0 = least significant).
  shift: number;
  // Width in bits.
  width: number;
}

/** How set_mem_type ends when its type check refuses a page, for a release range. */
export interface SetMemTypeRefusalRule {
  // Releases with this rule.
  releases: ReleaseRange;
  /** The errno of a refused page in `transitions` (the type check's, not EAGAIN's). */
  refusal: ErrnoName;
  /**
   * A refusal after a page of the same call (or continuation) changed: "previous-rc" (the call returns that
   * page's 0, 4.6–4.8) or "refusal" (the call returns the refusal errno, 4.9+). A refusal on a call's first page
   * always returns the refusal errno.
   */
  afterFirstPage: "previous-rc" | "refusal";
  // The rule in words.
  description: string;
  /** Where Xen decides it: "<file> <function>[, <function>…] @ RELEASE-<x.y.z>". */
  source: string;
}

/** The argument checks of inject_msi for a release range. */
export interface InjectMsiRules {
  // Releases with these checks.
  releases: ReleaseRange;
  /** The vector in the MSI data (MSI_DATA_VECTOR_MASK). */
  vector: BitField;
  /** The delivery mode in the MSI data (MSI_DATA_DELIVERY_MODE_MASK). */
  deliveryMode: BitField;
  /** The destination id in the low 32 bits of the MSI address (MSI_ADDR_DEST_ID_MASK). */
  destId: BitField;
  /** With vector 0 the pirq is `((addr >> 32) & pirqHighMask) | dest id`. */
  pirqHighMask: number;
  /** The errno when vector is 0 and that pirq is 0. */
  noPirq: ErrnoName;
  /** Delivery modes vmsi_deliver delivers (dest_Fixed, dest_LowestPrio). */
  deliveryModes: number[];
  /** The errno for every other delivery mode. */
  otherDeliveryMode: ErrnoName;
  // The checks in words.
  description: string;
  /** Where Xen checks: "<file> <function>[, <function>…] @ RELEASE-<x.y.z>". */
  source: string;
}

/** Whether track_dirty_vram turns on log-dirty mode, for a release range (XSA-397 took it out). */
export interface LogDirtyByTrackingRule {
  // Releases with this rule.
  releases: ReleaseRange;
  /** true: a track_dirty_vram call with nr > 0 enables paging log-dirty mode; false: it never does. */
  trackEnablesLogDirty: boolean;
  // The rule in words.
  description: string;
  /** Where Xen decides it: "<file> <function>[, <function>…] @ RELEASE-<x.y.z>". */
  source: string;
}

/** A DM op that must be given exactly `bufs` buffers, for a release range (dm_op's own check, before the op runs). */
export interface DmOpExactBufsRule {
  // The DM op's name (see `dmops`).
  op: string;
  // Releases with the check.
  releases: ReleaseRange;
  /** The number of buffers the op requires. */
  bufs: number;
  /** The errno for any other number (that passed do_dm_op's 1 … maxDmopBufs). */
  error: ErrnoName;
  // The check in words.
  description: string;
  /** Where Xen checks: "<file> <function>[, <function>…] @ RELEASE-<x.y.z>". */
  source: string;
}

/**
 * Whether hvm_alloc_ioreq_gfn falls back to the legacy ioreq gfns (the pages HVM_PARAM_IOREQ_PFN and
 * HVM_PARAM_BUFIOREQ_PFN name, whose legacy_mask bits are set when the params are set), for a release range.
 */
export interface LegacyIoreqGfnRule {
  // Releases with this rule.
  releases: ReleaseRange;
  /**
   * "none": an empty pool is ENOMEM. "inverted": the fallback hands out a param's gfn when its legacy_mask bit
   * was clear (4.12–4.20, `!test_and_clear_bit`): the first fallback clears both bits and fails, later ones give
   * the IOREQ_PFN gfn without reserving it. "free-bit": it hands out the gfn whose bit was set and clears it (4.21+).
   */
  fallback: "none" | "inverted" | "free-bit";
  // The rule in words.
  description: string;
  /** Where Xen decides it: "<file> <function>[, <function>…] @ RELEASE-<x.y.z>". */
  source: string;
}

/** How XENMEM_acquire_resource checks a call before the frames, for a release range (4.11+). */
export interface AcquireResourceRule {
  // Releases with these checks.
  releases: ReleaseRange;
  /** nr_frames above this is E2BIG before the domain is looked up (the fixed frame list on Xen's stack); null: no such check. */
  frameListMax: number | null;
  /** nr_frames above this is EINVAL after the size checks (UINT_MAX >> MEMOP_EXTENT_SHIFT, the continuation's room; 4.15+); null: no such check. */
  nrFramesMax: number | null;
  /** frame ≥ 2^32 or frame + nr_frames ≥ 2^32 is EINVAL before the domain is looked up. */
  frameRangeFirst: boolean;
  /**
   * After the privilege check: resource_max_frames is 0 (an ioreq server of a non-HVM domain; an unknown type
   * where `unknownType` is "max-frames-zero") → EINVAL, then nr_frames 0 or above `nrFramesMax` → EINVAL (4.15+).
   * false: no size checks; nr_frames 0 maps nothing and returns 0.
   */
  sizeFirst: boolean;
  /**
   * A resource type Xen does not know. "dispatch": EOPNOTSUPP from the switch that hands the type to its
   * handler (arch_acquire_resource ≤4.14, _acquire_resource 4.15+), so after the size checks where there are
   * any (4.15–4.19: resource_max_frames returns -EOPNOTSUPP as an unsigned int, which is not 0).
   * "max-frames-zero": resource_max_frames returns 0, EINVAL with the size checks (4.20+, commit 9b87082900).
   */
  unknownType: "dispatch" | "max-frames-zero";
  /** Where an ioreq server's target must be HVM (EINVAL): tested for each frame (after DEFAULT_IOSERVID), or once before the frames. */
  hvmCheck: "per-frame" | "before-frames";
  // The checks in words.
  description: string;
  /** Where Xen checks: "<file> <function>[, <function>…] @ RELEASE-<x.y.z>". */
  source: string;
}

/** One error string of the xenstore wire protocol: an XS_ERROR reply carries the errno's name as its payload. */
export interface XsdError {
  /** Position in xs_wire.h's `xsd_errors[]` (new errors are only ever appended). */
  index: number;
  /** The errno whose name is the string on the wire, e.g. "ENOENT" (see `errno`). */
  errno: ErrnoName;
  // First release whose xs_wire.h lists it.
  firstRelease: ReleaseName;
}
