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
  from: ReleaseName;
  to?: ReleaseName;
}

/** Interface versions `from` (inclusive) up to `below` (exclusive). A missing bound is open. */
export interface IfaceRange {
  from?: IfaceVersionHex;
  below?: IfaceVersionHex;
}

// The whole schema file (schema/xen-abi.json): releases, names, ops, structs, constants and rules.
export interface XenAbiSchema {
  /** Path of the JSON Schema this file follows. */
  $schema?: string;
  /** Version of this file's format (not of Xen). */
  formatVersion: 1;
  description: string;
  /** Where the facts were read. */
  sources: string[];
  releases: Release[];
  /** Interface-version rules of `xen-compat.h`. */
  interfaceVersion: InterfaceVersionRules;
  hypercalls: Hypercall[];
  errno: Errno[];
  /** Semantics tags for hvmmem names; the evolution checker compares them. */
  semantics: SemanticsTag[];
  /** Preconditions set_mem_type checks once, before its loop, for some values (in check order). */
  requirements: Requirement[];
  /** What set_mem_type answers for a value that has no entry in `hvmmemTypes`. */
  unlistedHvmmemError: ErrnoName;
  hvmmemTypes: HvmmemValue[];
  p2mTypes: P2mType[];
  p2mClasses: P2mClass[];
  transitions: TransitionTable[];
  getMemType: GetMemTypeProjection[];
  hvmops: HvmOp[];
  dmops: DmOp[];
  structs: Struct[];
  constants: ConstantGroup[];
  bitPacks: BitPack[];
  limits: Limit[];
  ioreqServerIds: IoreqServerIdScheme[];
  /** How `do_dm_op` treats every call, per release (4.9+). */
  dmOpEntry: DmOpEntryRules[];
  /** Release differences of the ioreq-server ops and of routing to servers. */
  ioreqServerRules: IoreqServerRules[];
  /** Deliberate exceptions to the evolution rules, each with its reason. */
  exceptions: EvolutionException[];
}

// One Xen release the schema covers: name, date, newest interface version, tools-op style.
export interface Release {
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
  name: string;
  cName: CIdentifier;
  value: number;
}

// An errno value: its name and number.
export interface Errno {
  name: ErrnoName;
  value: number;
  description: string;
  /** True for values that never reach a caller (ERESTART becomes a continuation). */
  internal: boolean;
}

// A semantics tag: a named behaviour an op or rule can refer to.
export interface SemanticsTag {
  tag: string;
  description: string;
  /** A placeholder: the number is burnt and every hypervisor from its first release rejects it. */
  placeholder: boolean;
}

// A requirement an op places on its caller or target (privilege, domain kind, …).
export interface Requirement {
  id: string;
  /** Position in Xen's check order (1 is checked first). */
  order: number;
  error: ErrnoName;
  description: string;
}

/** One number of `hvmmem_type_t`. */
export interface HvmmemValue {
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
  cName: CIdentifier;
  /** Semantics tag (see `semantics`). */
  semantics: string;
  /** First release whose headers define this name. */
  firstRelease: ReleaseName;
  /** Interface versions at which the newest headers give this name to this number. */
  iface: IfaceRange;
  description: string;
}

// Which hvmmem values a release accepts, per op.
export interface HvmmemAcceptance {
  releases: ReleaseRange;
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
  value: number;
  names: { name: CIdentifier; releases: ReleaseRange }[];
  description: string;
}

// A class of p2m types that behave alike for memory-type changes.
export interface P2mClass {
  /** Xen's macro name, e.g. P2M_RAM_TYPES. */
  name: CIdentifier;
  /** The predicate built on it, e.g. p2m_is_ram. */
  predicate?: CIdentifier;
  /** Members per release range (p2m type numbers). Releases without an entry are not recorded. */
  byRelease: { releases: ReleaseRange; types: number[] }[];
  description: string;
}

/**
 * Per-page outcome of set_mem_type for a release range: for each old internal type (row), each
 * accepted hvmmem number (key) gives "ok" or the errno of that page.
 */
export interface TransitionTable {
  releases: ReleaseRange;
  /** Xen's rule, in our words. */
  rule: string;
  /** Internal types the per-page lookup turns into ram_rw before the check (P2M_ALLOC populates PoD). */
  populatedByLookup: number[];
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
  releases: ReleaseRange;
  steps: GetMemTypeStep[];
}

// One step of how get_mem_type projects a p2m type onto an hvmmem value.
export interface GetMemTypeStep {
  step: number;
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
  value: number;
  name: string;
  cName: CIdentifier;
  /** Header visibility while the op was in the header: public, or tools-only (__XEN__/__XEN_TOOLS__). */
  visibility: "public" | "tools";
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
  description: string;
}

// One DM op: name, number, releases, argument struct and errors.
export interface DmOp {
  value: number;
  name: string;
  cName: CIdentifier;
  firstRelease: ReleaseName;
  /** The payload struct in `xen_dm_op.u`. */
  struct: CIdentifier;
  /** Whether Xen copies the payload back to buf[0] on success (false for Xen's "const" ops). */
  copyBack: boolean;
  /** Architectures whose hypervisor implements it. */
  arch: ("x86" | "arm")[];
  replacesHvmop?: number;
  replacesOther?: string;
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
  releases: ReleaseRange;
  /** Xen header that defines it, relative to xen/include/public. */
  header: string;
  /** Where it is used: a DMOP payload, an HVMOP argument, the ioreq protocol, … */
  role: "dm_op" | "dm_op_payload" | "dm_op_extra" | "hvm_op" | "ioreq";
  /** Visible in the newest headers without __XEN_TOOLS__. */
  visibility: "public" | "tools" | "removed";
  size: number;
  align: number;
  fields: Field[];
  description: string;
}

// One struct field: name, type and offset.
export interface Field {
  name: CIdentifier;
  /** Byte offset of the field, or of the storage unit holding a bit-field. */
  offset: number;
  /** Size in bytes of the field (all elements), or of the storage unit holding a bit-field. */
  size: number;
  type: FieldType;
  /** Xen's C type when it is a typedef (domid_t, ioservid_t, uint64_aligned_t, …). */
  cType?: string;
  /** Element count for arrays. */
  count?: number;
  /** Element struct for type "struct". */
  element?: CIdentifier;
  /** Bit position inside the storage unit, for bit-fields. */
  bits?: { shift: number; width: number };
  /** Direction for op payloads. */
  dir?: "in" | "out" | "inout";
  /** Xen requires zero here (explicit padding). */
  mustBeZero?: boolean;
  description?: string;
}

// A group of related constants (e.g. the ioreq types).
export interface ConstantGroup {
  /** Group id, e.g. ioreq_type. */
  name: string;
  header: string;
  /** Visible without __XEN_TOOLS__ in the newest headers ("removed": gone from the newest headers). */
  visibility: "public" | "tools" | "removed";
  /** Last release whose headers define the group, when it was removed. */
  lastHeaderRelease?: ReleaseName;
  description: string;
  members: Constant[];
}

// One constant: name, value and the releases that have it.
export interface Constant {
  /** Short name used in JSON and the CLI, e.g. "pio", "atomic", "write". */
  name: string;
  cName: CIdentifier;
  value: number;
  firstRelease: ReleaseName;
  /** Xen writes it as an unsigned literal (`1u << n`, `xen_mk_uint(…)`), so expressions on it are unsigned in C. */
  cUnsigned?: boolean;
  description?: string;
}

/** A value packed from bit-fields, e.g. XEN_DMOP_PCI_SBDF(s,b,d,f). */
export interface BitPack {
  name: string;
  cName: CIdentifier;
  header: string;
  visibility: "public" | "tools" | "removed";
  firstRelease: ReleaseName;
  lastHeaderRelease?: ReleaseName;
  parts: { name: string; shift: number; width: number }[];
  description: string;
}

// A limit Xen enforces (e.g. a batch size), per release.
export interface Limit {
  id: string;
  releases: ReleaseRange;
  value: number;
  /** Xen's name for it, when it has one. */
  cName?: CIdentifier;
  /** Errno when the limit is hit, when there is one. */
  error?: ErrnoName;
  description: string;
}

// How ioreq server ids are allocated, per release.
export interface IoreqServerIdScheme {
  releases: ReleaseRange;
  scheme: "counter" | "slots";
  /** For slots: first and last slot a created server may take. */
  firstSlot?: number;
  lastSlot?: number;
  /** Error when no id is free. */
  exhausted: ErrnoName;
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
  reason: string;
}

/** The generic dm_op path of a release range (reference §6.5). */
export interface DmOpEntryRules {
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
  description: string;
}

/** ioreq-server behaviour of a release range (reference §6.4–6.7). */
export interface IoreqServerRules {
  releases: ReleaseRange;
  /** map/unmap_io_range with start > end: "ok" (accepted) or the errno (EINVAL from 4.10). */
  rangeStartAfterEnd: string;
  /** Only the domain that created a server may operate on it (EPERM otherwise; 4.11+). */
  emulatorOnly: boolean;
  /** The u16 at offset 2 of get_ioreq_server_info: "pad" (must be 0; 4.9/4.10) or "flags" (XEN_DMOP_no_gfns; 4.11+). */
  getInfoField: "pad" | "flags";
  /** destroy of id 0: "ok" (an ordinary id) or the errno (EPERM at 4.11, where slot 0 is the default server's). */
  destroyIdZero: string;
  /** When a server's pages are set up: at create from the gfn pool (≤4.10), or on demand (4.11+). */
  pages: "at-create" | "on-demand";
  /** Whether MMIO range matching honours the direction flag (4.12+, commit 60a56dc006). */
  honourDf: boolean;
  /** Writes to p2m_ioreq_server pages: routed by MMIO rangeset like any MMIO (≤4.8), or to the claiming server (4.9+). */
  ioreqServerPages: "rangeset" | "owner";
  description: string;
}
