/**
 * Rust generator: packages/abi-types/rust/src/generated.rs, the tables and layouts of the `xenmem-abi` crate.
 *
 * Everything the crate knows about Xen is written here from the schema: releases, errno, hvmmem names per
 * interface version and what each release does with each number, op numbers, constants, `#[repr(C)]`
 * structs with compile-time size/offset/align checks, and the per-release p2m behaviour (type names,
 * classes, transitions, the get_mem_type projection). Names are Xen's own (`HVMMEM_unused`,
 * `XEN_DMOP_set_mem_type`, `xen_dm_op_set_mem_type`) so a reader of Xen's headers recognises them.
 * The file ends with a test module generated from the same schema, so `cargo test` checks the tables and
 * their lookups against the data they came from. The hand-written lib.rs re-exports it and adds helpers.
 *
 * Every problem the Rust output could not represent faithfully (a field repr(C) cannot place, a union
 * whose members do not fill it, a get_mem_type step naming a class not recorded at a release) throws:
 * a generator that guessed would hide a schema mistake behind a compile error or, worse, a wrong table.
 */
import type { Field, ReleaseName, ReleaseRange, Struct, XenAbiSchema } from '@xenmem/schema';
import {
  compareReleases,
  entryFor,
  formatIfaceHex,
  formatRange,
  hvmmemEraStarts,
  ifaceInRange,
  newestRelease,
  p2mNameAt,
  parseIfaceHex,
  releaseKey,
  releaseNames,
  releasesIn,
} from '@xenmem/schema';
import { generatedMarker, type GeneratedFile } from './header.js';

export const RUST_OUT = 'packages/abi-types/rust/src/generated.rs';

// ---------------------------------------------------------------------------------------------------
// Rust text

/** A Rust string literal. (JSON.stringify would emit `\uXXXX`, which Rust does not accept.) */
export function rustStr(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\u{${code.toString(16)}}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * Schema prose as rustdoc markdown: C identifiers (anything with an underscore) become code spans, and
 * the rest is escaped, since `buf[1]` would be read as a link and `<x>` as HTML.
 */
function prose(text: string): string {
  return text
    .split(/([A-Za-z0-9_]*_[A-Za-z0-9_]*)/)
    .map((part, i) => (i % 2 === 1 ? `\`${part}\`` : part.replace(/([\\[\]<>`])/g, '\\$1')))
    .join('');
}

/** Markdown as a sentence: capital first letter, closing period. */
function capital(markdown: string): string {
  const t = markdown.trim();
  if (t === '') return t;
  return (/^[a-z]/.test(t) ? t[0]!.toUpperCase() + t.slice(1) : t) + (/[.!?]$/.test(t) ? '' : '.');
}

/** Schema prose as a doc sentence: "ordinary RAM" → "Ordinary RAM." */
function sentence(text: string): string {
  return capital(prose(text));
}

/**
 * Doc-comment lines: the given lines ('' makes a paragraph break), then the schema entry the item comes
 * from, so every generated symbol points back to its source.
 */
function doc(indent: string, lines: string[], schemaPath: string): string[] {
  const body = lines.map((l) => (l === '' ? `${indent}///` : `${indent}/// ${l}`));
  return [...body, ...(lines.length ? [`${indent}///`] : []), `${indent}/// schema: \`${schemaPath}\``];
}

const hex32 = (n: number) => formatIfaceHex(n);
const hexMask = (n: number, digits: number) => `0x${n.toString(16).padStart(digits, '0')}`;

const RUST_KEYWORDS = new Set(
  'as async await break const continue crate dyn else enum extern false fn for gen if impl in let loop match mod move mut pub ref return self Self static struct super trait true type unsafe use where while abstract become box do final macro override priv try typeof unsized virtual yield'.split(
    ' ',
  ),
);

/** A schema name as a Rust identifier: keywords become raw identifiers (`type` → `r#type`). */
export function rustIdent(name: string): string {
  if (['self', 'Self', 'super', 'crate'].includes(name)) throw new Error(`"${name}" cannot be a Rust identifier, not even a raw one`);
  return RUST_KEYWORDS.has(name) ? `r#${name}` : name;
}

/** `map_mem_type` → `MapMemType`, for Rust-side names the schema has no Xen spelling for. */
function pascal(name: string): string {
  return name
    .split(/[_\-.]/)
    .filter(Boolean)
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join('');
}

/**
 * Names of items at module level. Xen's own names go into one Rust namespace here, so a schema that gave
 * two things the same C name (or one that clashes with a helper of this file) fails generation, not rustc.
 */
class ItemNames {
  private readonly owners = new Map<string, string>();
  claim(name: string, owner: string): string {
    const prev = this.owners.get(name);
    if (prev !== undefined) throw new Error(`Rust item "${name}" would be defined twice: by ${prev} and by ${owner}`);
    this.owners.set(name, owner);
    return name;
  }
}

// ---------------------------------------------------------------------------------------------------
// Reading the schema

/** What every section needs: the schema, its releases in order, and the item-name registry. */
interface Ctx {
  s: XenAbiSchema;
  releases: ReleaseName[];
  newest: ReleaseName;
  items: ItemNames;
}

const releaseVariant = (name: ReleaseName) => `Xen${name.replace('.', '_')}`;
const rel = (name: ReleaseName) => `Release::${releaseVariant(name)}`;
const opt = (v: string | undefined) => (v === undefined ? 'None' : `Some(${v})`);
const errnoExpr = (name: string) => `Errno::${name}`;

function rangeExpr(r: ReleaseRange): string {
  return `ReleaseRange { from: ${rel(r.from)}, to: ${opt(r.to === undefined ? undefined : rel(r.to))} }`;
}

function ifaceRangeExpr(r: { from?: string; below?: string }): string {
  return `IfaceRange { from: ${hex32(r.from === undefined ? 0 : parseIfaceHex(r.from))}, below: ${opt(r.below === undefined ? undefined : hex32(parseIfaceHex(r.below)))} }`;
}

function latestIface(ctx: Ctx, release: ReleaseName): number {
  return parseIfaceHex(ctx.s.releases.find((r) => r.name === release)!.latestInterfaceVersion);
}

/** The hvmmem C name of `value` at a release's own interface version, else the bare number. */
function hvmmemExpr(ctx: Ctx, value: number, release: ReleaseName): string {
  const iface = latestIface(ctx, release);
  const name = ctx.s.hvmmemTypes.find((v) => v.value === value)?.names.find((n) => ifaceInRange(iface, n.iface));
  return name?.cName ?? String(value);
}

/** The p2m name of `value` if it is the same at every release of `range`, else the bare number. */
function p2mExpr(ctx: Ctx, value: number, range: ReleaseRange): string {
  const names = new Set(releasesIn(ctx.s, range).map((r) => p2mNameAt(ctx.s, value, r)));
  const [only] = [...names];
  return names.size === 1 && only !== undefined ? only : String(value);
}

/**
 * p2m type numbers must run 0 … n-1: the get_mem_type tables are arrays indexed by type, and the class
 * masks need a bit per type.
 */
function p2mCount(ctx: Ctx): number {
  const values = ctx.s.p2mTypes.map((t) => t.value).sort((a, b) => a - b);
  values.forEach((v, i) => {
    if (v !== i) throw new Error(`p2mTypes must number 0 … ${values.length - 1} without gaps; found ${v} at position ${i}`);
  });
  return values.length;
}

/** The narrowest unsigned Rust integer with a bit per p2m type. */
function p2mMaskType(count: number): 'u16' | 'u32' | 'u64' {
  if (count <= 16) return 'u16';
  if (count <= 32) return 'u32';
  if (count <= 64) return 'u64';
  throw new Error(`${count} p2m types do not fit a 64-bit class mask`);
}

/** `1 << p2m_ram_rw | 1 << p2m_ram_logdirty`, as Xen writes its P2M_*_TYPES macros. */
function maskExpr(ctx: Ctx, types: number[], range: ReleaseRange): string {
  if (types.length === 0) return '0';
  return [...types]
    .sort((a, b) => a - b)
    .map((t) => `1 << ${p2mExpr(ctx, t, range)}`)
    .join(' | ');
}

const maskOf = (types: number[]) => types.reduce((m, t) => m | (1 << t), 0) >>> 0;

/** The class mask of `className` at `release`, or undefined when the schema does not record it there. */
function classAt(ctx: Ctx, className: string, release: ReleaseName): number[] | undefined {
  return entryFor(ctx.s.p2mClasses.find((c) => c.name === className)?.byRelease ?? [], release)?.types;
}

// ---------------------------------------------------------------------------------------------------
// Module head and shared types

function moduleHead(ctx: Ctx): string[] {
  return [
    generatedMarker('rust.ts', 'rust'),
    `//! Xen's HVM memory-type ABI as Rust data, generated from \`schema/xen-abi.json\`.`,
    '//!',
    `//! ${sentence(ctx.s.description)}`,
    '//!',
    "//! Names are Xen's own (`HVMMEM_unused`, `XEN_DMOP_set_mem_type`, `xen_dm_op_set_mem_type`), so the usual",
    '//! Rust case lints are off here. Struct layouts are those of x86_64, on every target: each is checked at',
    "//! compile time against the schema's size, alignment and field offsets.",
    '#![allow(non_camel_case_types, non_upper_case_globals, non_snake_case)]',
    '',
    '/// Releases `from` … `to`, both inclusive.',
    '///',
    '/// schema: `ReleaseRange`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    'pub struct ReleaseRange {',
    '    /// The first release of the range.',
    '    pub from: Release,',
    '    /// The last release of the range; `None` while the range still holds at the newest release.',
    '    pub to: Option<Release>,',
    '}',
    '',
    'impl ReleaseRange {',
    '    /// Whether `release` lies in this range.',
    '    pub const fn contains(&self, release: Release) -> bool {',
    '        let key = release as u16;',
    '        key >= self.from as u16',
    '            && match self.to {',
    '                Some(to) => key <= to as u16,',
    '                None => true,',
    '            }',
    '    }',
    '}',
    '',
    '/// Interface versions `from` (inclusive) up to `below` (exclusive).',
    '///',
    '/// schema: `IfaceRange`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    'pub struct IfaceRange {',
    '    /// The first interface version of the range (0 when the schema gives no lower bound).',
    '    pub from: u32,',
    '    /// The first interface version past the range; `None` for no upper bound.',
    '    pub below: Option<u32>,',
    '}',
    '',
    'impl IfaceRange {',
    '    /// Whether interface version `iface` lies in this range.',
    '    pub const fn contains(&self, iface: u32) -> bool {',
    '        iface >= self.from',
    '            && match self.below {',
    '                Some(below) => iface < below,',
    '                None => true,',
    '            }',
    '    }',
    '}',
    '',
    "/// Where a name is visible in the newest Xen headers.",
    '///',
    '/// schema: `visibility`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    'pub enum Visibility {',
    '    /// Visible to every includer.',
    '    Public,',
    '    /// Visible only to `__XEN__` and `__XEN_TOOLS__` builds.',
    '    Tools,',
    '    /// No longer in the newest headers.',
    '    Removed,',
    '}',
    '',
    '/// An architecture whose hypervisor implements a DM op.',
    '///',
    '/// schema: `dmops[].arch`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    'pub enum Arch {',
    '    /// x86 (HVM and PVH guests).',
    '    X86,',
    '    /// Arm.',
    '    Arm,',
    '}',
  ];
}

const VISIBILITY: Record<'public' | 'tools' | 'removed', string> = { public: 'Visibility::Public', tools: 'Visibility::Tools', removed: 'Visibility::Removed' };
const ARCH: Record<'x86' | 'arm', string> = { x86: 'Arch::X86', arm: 'Arch::Arm' };

// ---------------------------------------------------------------------------------------------------
// Releases, interface versions, hypercalls

function releasesSection(ctx: Ctx): string[] {
  const { s, items } = ctx;
  const infos = ctx.releases.map((n) => s.releases.find((r) => r.name === n)!);
  items.claim('Release', 'the release enum');
  items.claim('ToolsOps', 'releases[].toolsOps');
  items.claim('ReleaseInfo', 'releases[]');
  items.claim('RELEASES', 'releases[]');
  const families = [...new Set(infos.map((r) => r.toolsOps))];
  const hypercallOf = (family: string) => {
    const h = s.hypercalls.find((c) => c.name === family);
    if (h === undefined) throw new Error(`releases name the tools-op family "${family}", which hypercalls[] does not list`);
    return h;
  };
  const out: string[] = [
    '',
    '// ---------------------------------------------------------------------------------------------------',
    '// Releases and interface versions',
    '',
    '/// A Xen release the schema covers. The number is major × 1000 + minor, so releases order as Xen\'s do',
    '/// ("4.10" comes after "4.9").',
    '///',
    '/// schema: `releases`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]',
    '#[repr(u16)]',
    'pub enum Release {',
  ];
  for (const r of infos)
    out.push(
      ...doc('    ', [`Xen ${r.name}, tagged ${r.date}; its headers are at interface version ${r.latestInterfaceVersion}.`], `releases[name=${r.name}]`),
      `    ${releaseVariant(r.name)} = ${releaseKey(r.name)},`,
    );
  out.push(
    '}',
    '',
    '/// The hypercall family that carries the device-model ("tools") ops of a release. The number is the',
    "/// hypercall's.",
    '///',
    '/// schema: `releases[].toolsOps`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    '#[repr(u32)]',
    'pub enum ToolsOps {',
  );
  for (const f of families) {
    const h = hypercallOf(f);
    out.push(...doc('    ', [`The ops travel as \`${h.cName}\`.`], `hypercalls[name=${h.name}]`), `    ${pascal(f)} = ${h.value},`);
  }
  out.push(
    '}',
    '',
    'impl ToolsOps {',
    '    /// The hypercall number (`__HYPERVISOR_*`).',
    '    pub const fn hypercall(self) -> u32 {',
    '        self as u32',
    '    }',
    '}',
    '',
    '/// What the schema records about one release.',
    '///',
    '/// schema: `releases[]`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    'pub struct ReleaseInfo {',
    '    /// The release.',
    '    pub release: Release,',
    '    /// Its name, e.g. "4.9". Always a string: "4.10" is not 4.1.',
    '    pub name: &\'static str,',
    '    /// Date of the RELEASE-x.y.0 tag commit, YYYY-MM-DD.',
    '    pub date: &\'static str,',
    "    /// `__XEN_LATEST_INTERFACE_VERSION__` in that release's `xen-compat.h`.",
    '    pub latest_interface_version: u32,',
    '    /// The hypercall family that carries the tools ops.',
    '    pub tools_ops: ToolsOps,',
    '    /// Whether the per-release behaviour tables (set_mem_type, transitions, get_mem_type) cover it.',
    '    pub behaviour_recorded: bool,',
    '}',
    '',
    '/// Every release of the schema, oldest first.',
    '///',
    '/// schema: `releases`',
    'pub const RELEASES: &[ReleaseInfo] = &[',
  );
  for (const r of infos)
    out.push(
      `    ReleaseInfo { release: ${rel(r.name)}, name: ${rustStr(r.name)}, date: ${rustStr(r.date)}, latest_interface_version: ${hex32(parseIfaceHex(r.latestInterfaceVersion))}, tools_ops: ToolsOps::${pascal(r.toolsOps)}, behaviour_recorded: ${r.behaviourRecorded} },`,
    );
  out.push(
    '];',
    '',
    'impl Release {',
    '    /// Every release, oldest first.',
    `    pub const ALL: &'static [Release] = &[${infos.map((r) => rel(r.name)).join(', ')}];`,
    '',
    '    /// The newest release of the schema.',
    `    pub const LATEST: Release = ${rel(ctx.newest)};`,
    '',
    '    /// What the schema records about this release.',
    "    pub const fn info(self) -> &'static ReleaseInfo {",
    '        &RELEASES[match self {',
    ...infos.map((r, i) => `            ${rel(r.name)} => ${i},`),
    '        }]',
    '    }',
    '',
    '    /// The release name, e.g. "4.9".',
    "    pub const fn name(self) -> &'static str {",
    '        self.info().name',
    '    }',
    '',
    "    /// `__XEN_LATEST_INTERFACE_VERSION__` of this release's headers.",
    '    pub const fn latest_interface_version(self) -> u32 {',
    '        self.info().latest_interface_version',
    '    }',
    '',
    '    /// The hypercall family that carries the tools ops in this release.',
    '    pub const fn tools_ops(self) -> ToolsOps {',
    '        self.info().tools_ops',
    '    }',
    '',
    '    /// The release called `name` ("4.9"), if the schema has it.',
    '    pub fn from_name(name: &str) -> Option<Release> {',
    '        match name {',
    ...infos.map((r) => `            ${rustStr(r.name)} => Some(${rel(r.name)}),`),
    '            _ => None,',
    '        }',
    '    }',
    '}',
    '',
    'impl core::fmt::Display for Release {',
    "    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {",
    '        f.write_str(self.name())',
    '    }',
    '}',
    '',
  );
  const latest = Math.max(...infos.map((r) => parseIfaceHex(r.latestInterfaceVersion)));
  const newestWithLatest = infos.find((r) => parseIfaceHex(r.latestInterfaceVersion) === latest)!;
  out.push(
    ...doc(
      '',
      ['The newest interface version any release defines. A version above it is an error (Xen\'s headers stop the build).'],
      `releases[name=${newestWithLatest.name}].latestInterfaceVersion`,
    ),
    `pub const ${items.claim('XEN_LATEST_INTERFACE_VERSION', 'releases[].latestInterfaceVersion')}: u32 = ${hex32(latest)};`,
    '',
    ...doc('', [`What an undefined \`__XEN_INTERFACE_VERSION__\` means: ${prose(s.interfaceVersion.undefinedValue)}, the legacy interface.`], 'interfaceVersion.undefinedValue'),
    `pub const ${items.claim('XEN_INTERFACE_VERSION_UNDEFINED', 'interfaceVersion.undefinedValue')}: u32 = ${hex32(parseIfaceHex(s.interfaceVersion.undefinedValue))};`,
    '',
  );
  for (const h of s.hypercalls)
    out.push(...doc('', [`Hypercall number of \`${h.name}\`.`], `hypercalls[name=${h.name}]`), `pub const ${items.claim(h.cName, `hypercalls[name=${h.name}]`)}: u32 = ${h.value};`, '');
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Errno

function errnoSection(ctx: Ctx): string[] {
  const { s, items } = ctx;
  items.claim('Errno', 'errno[]');
  const all = [...s.errno].sort((a, b) => a.value - b.value);
  const out = [
    '',
    '// ---------------------------------------------------------------------------------------------------',
    '// Errno',
    '',
    "/// A Xen errno (`xen/include/public/errno.h`). Hypercalls return it negated.",
    '///',
    '/// schema: `errno`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]',
    '#[repr(i32)]',
    'pub enum Errno {',
  ];
  for (const e of all) out.push(...doc('    ', [sentence(e.description)], `errno[name=${e.name}]`), `    ${e.name} = ${e.value},`);
  out.push(
    '}',
    '',
    'impl Errno {',
    '    /// Every errno of the schema, by value.',
    `    pub const ALL: &'static [Errno] = &[${all.map((e) => errnoExpr(e.name)).join(', ')}];`,
    '',
    '    /// The positive errno value; Xen returns it negated.',
    '    pub const fn value(self) -> i32 {',
    '        self as i32',
    '    }',
    '',
    '    /// The errno name, e.g. "EINVAL".',
    "    pub const fn name(self) -> &'static str {",
    '        match self {',
    ...all.map((e) => `            ${errnoExpr(e.name)} => ${rustStr(e.name)},`),
    '        }',
    '    }',
    '',
    '    /// What the errno means in the ops this crate describes.',
    "    pub const fn description(self) -> &'static str {",
    '        match self {',
    ...all.map((e) => `            ${errnoExpr(e.name)} => ${rustStr(e.description)},`),
    '        }',
    '    }',
    '',
    '    /// True for values that never reach a caller (ERESTART becomes a continuation).',
    '    pub const fn is_internal(self) -> bool {',
    `        matches!(self, ${all.filter((e) => e.internal).map((e) => errnoExpr(e.name)).join(' | ') || '_ if false'})`,
    '    }',
    '',
    '    /// The errno with this (positive) value.',
    '    pub const fn from_value(value: i32) -> Option<Errno> {',
    '        match value {',
    ...all.map((e) => `            ${e.value} => Some(${errnoExpr(e.name)}),`),
    '            _ => None,',
    '        }',
    '    }',
    '',
    '    /// The errno called `name` ("EINVAL").',
    '    pub fn from_name(name: &str) -> Option<Errno> {',
    '        match name {',
    ...all.map((e) => `            ${rustStr(e.name)} => Some(${errnoExpr(e.name)}),`),
    '            _ => None,',
    '        }',
    '    }',
    '}',
    '',
    'impl core::fmt::Display for Errno {',
    "    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {",
    '        write!(f, "{} ({}): {}", self.name(), self.value(), self.description())',
    '    }',
    '}',
    '',
    'impl core::error::Error for Errno {}',
  );
  return out;
}

// ---------------------------------------------------------------------------------------------------
// hvmmem_type_t: names per interface version, and what each release accepts

function hvmmemSection(ctx: Ctx): string[] {
  const { s, items } = ctx;
  for (const n of ['SemanticsTag', 'SEMANTICS', 'Requirement', 'HvmmemName', 'HVMMEM_NAMES', 'HVMMEM_ERA_STARTS', 'hvmmem_name_at', 'hvmmem_value_at', 'HvmmemAcceptance', 'HvmmemAcceptanceEntry', 'HVMMEM_ACCEPTANCE', 'HVMMEM_UNLISTED_ERROR', 'hvmmem_acceptance'])
    items.claim(n, 'the hvmmem section');
  const values = [...s.hvmmemTypes].sort((a, b) => a.value - b.value);
  const requirements = [...s.requirements].sort((a, b) => a.order - b.order);
  const out = [
    '',
    '// ---------------------------------------------------------------------------------------------------',
    '// hvmmem_type_t',
    '',
  ];
  // One constant per name: both names of a renamed number exist, as in Xen's header at different versions.
  for (const v of values)
    for (const n of v.names) {
      const where =
        n.iface.from === undefined && n.iface.below === undefined
          ? 'Named so at every interface version'
          : `Named so at interface versions ${n.iface.from === undefined ? '' : `from ${n.iface.from}`}${n.iface.from !== undefined && n.iface.below !== undefined ? ' ' : ''}${n.iface.below === undefined ? '' : `below ${n.iface.below}`}`;
      out.push(
        ...doc('', [sentence(n.description), '', `${where}; first in Xen ${n.firstRelease}'s headers. Semantics: \`${n.semantics}\`.`], `hvmmemTypes[value=${v.value}].names[${n.name}]`),
        `pub const ${items.claim(n.cName, `hvmmemTypes[value=${v.value}].names[${n.name}]`)}: u16 = ${v.value};`,
        '',
      );
    }
  out.push(
    '/// A semantics tag of hvmmem names; a placeholder tag marks a burnt number.',
    '///',
    '/// schema: `semantics[]`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    'pub struct SemanticsTag {',
    '    /// The tag, e.g. "ioreq_server".',
    "    pub tag: &'static str,",
    '    /// What a number with this tag does.',
    "    pub description: &'static str,",
    '    /// The number is burnt: every hypervisor from its first release rejects it.',
    '    pub placeholder: bool,',
    '}',
    '',
    '/// Every semantics tag.',
    '///',
    '/// schema: `semantics`',
    'pub const SEMANTICS: &[SemanticsTag] = &[',
    ...s.semantics.map((t) => `    SemanticsTag { tag: ${rustStr(t.tag)}, description: ${rustStr(t.description)}, placeholder: ${t.placeholder} },`),
    '];',
    '',
    '/// A precondition set_mem_type checks once, before its loop, for some numbers. The number is the',
    "/// position in Xen's check order.",
    '///',
    '/// schema: `requirements`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]',
    '#[repr(u8)]',
    'pub enum Requirement {',
  );
  for (const r of requirements) out.push(...doc('    ', [sentence(r.description), '', `Fails with ${r.error}.`], `requirements[id=${r.id}]`), `    ${pascal(r.id)} = ${r.order},`);
  out.push(
    '}',
    '',
    'impl Requirement {',
    '    /// The schema id, e.g. "hap".',
    "    pub const fn id(self) -> &'static str {",
    '        match self {',
    ...requirements.map((r) => `            Requirement::${pascal(r.id)} => ${rustStr(r.id)},`),
    '        }',
    '    }',
    '',
    '    /// The errno set_mem_type returns when this requirement does not hold.',
    '    pub const fn error(self) -> Errno {',
    '        match self {',
    ...requirements.map((r) => `            Requirement::${pascal(r.id)} => ${errnoExpr(r.error)},`),
    '        }',
    '    }',
    '',
    '    /// What must hold.',
    "    pub const fn description(self) -> &'static str {",
    '        match self {',
    ...requirements.map((r) => `            Requirement::${pascal(r.id)} => ${rustStr(r.description)},`),
    '        }',
    '    }',
    '}',
    '',
    '/// One name of an hvmmem number, and the interface versions at which the newest headers give it.',
    '///',
    '/// schema: `hvmmemTypes[].names[]`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    'pub struct HvmmemName {',
    '    /// The number, as every struct carries it (`uint16_t`).',
    '    pub value: u16,',
    '    /// The name without its `HVMMEM_` prefix, e.g. "ioreq_server".',
    "    pub name: &'static str,",
    '    /// The C name, e.g. "HVMMEM_ioreq_server".',
    "    pub c_name: &'static str,",
    '    /// The semantics tag (see [`SEMANTICS`]).',
    "    pub semantics: &'static str,",
    "    /// The first release whose headers define the name.",
    '    pub first_release: Release,',
    '    /// Interface versions at which the newest headers give this name to this number.',
    '    pub iface: IfaceRange,',
    '    /// What the number means under this name.',
    "    pub description: &'static str,",
    '}',
    '',
    '/// Every name of every hvmmem number. At one interface version a number has at most one name.',
    '///',
    '/// schema: `hvmmemTypes[].names`',
    'pub const HVMMEM_NAMES: &[HvmmemName] = &[',
  );
  for (const v of values)
    for (const n of v.names)
      out.push(
        `    // schema: hvmmemTypes[value=${v.value}].names[${n.name}]`,
        `    HvmmemName { value: ${n.cName}, name: ${rustStr(n.name)}, c_name: ${rustStr(n.cName)}, semantics: ${rustStr(n.semantics)}, first_release: ${rel(n.firstRelease)}, iface: ${ifaceRangeExpr(n.iface)}, description: ${rustStr(n.description)} },`,
      );
  out.push(
    '];',
    '',
    ...doc('', ['Interface versions at which some hvmmem name starts or stops. Each era runs from one start to the next;', 'within an era every number keeps its name.'], 'hvmmemTypes[].names[].iface'),
    `pub const HVMMEM_ERA_STARTS: &[u32] = &[${hvmmemEraStarts(s).map(hex32).join(', ')}];`,
    '',
    '/// The name of hvmmem number `value` at interface version `iface`, as the newest headers give it when',
    '/// `__XEN_INTERFACE_VERSION__` is `iface` (so 3 is "mmio_write_dm" below 0x00040700 and "unused" from it).',
    '/// `None` if the number has no name there, or `iface` is above [`XEN_LATEST_INTERFACE_VERSION`].',
    '///',
    '/// schema: `hvmmemTypes[].names[].iface`',
    "pub const fn hvmmem_name_at(iface: u32, value: u16) -> Option<&'static str> {",
    '    if iface > XEN_LATEST_INTERFACE_VERSION {',
    '        return None;',
    '    }',
    '    let mut i = 0;',
    '    while i < HVMMEM_NAMES.len() {',
    '        let n = &HVMMEM_NAMES[i];',
    '        if n.value == value && n.iface.contains(iface) {',
    '            return Some(n.name);',
    '        }',
    '        i += 1;',
    '    }',
    '    None',
    '}',
    '',
    '/// The hvmmem number called `name` at interface version `iface`. Takes the short name ("unused") or the C',
    '/// name ("HVMMEM_unused"). `None` if no number has that name there, or `iface` is above',
    '/// [`XEN_LATEST_INTERFACE_VERSION`].',
    '///',
    '/// schema: `hvmmemTypes[].names[].iface`',
    'pub fn hvmmem_value_at(iface: u32, name: &str) -> Option<u16> {',
    '    if iface > XEN_LATEST_INTERFACE_VERSION {',
    '        return None;',
    '    }',
    '    HVMMEM_NAMES',
    '        .iter()',
    '        .find(|n| (n.name == name || n.c_name == name) && n.iface.contains(iface))',
    '        .map(|n| n.value)',
    '}',
    '',
    '/// What set_mem_type does with an hvmmem number at one release, before it looks at any page.',
    '///',
    '/// schema: `hvmmemTypes[].hypervisor[]`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    'pub enum HvmmemAcceptance {',
    '    /// The number becomes internal type `p2m`, once `requires` hold (in Xen\'s check order).',
    '    Accepted {',
    '        /// The internal p2m type pages take.',
    '        p2m: u8,',
    '        /// Preconditions checked once, before the loop.',
    "        requires: &'static [Requirement],",
    '    },',
    '    /// set_mem_type fails with this errno before touching any page.',
    '    Refused(Errno),',
    '}',
    '',
    '/// What the releases of one range do with one hvmmem number.',
    '///',
    '/// schema: `hvmmemTypes[].hypervisor[]`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    'pub struct HvmmemAcceptanceEntry {',
    '    /// The hvmmem number.',
    '    pub value: u16,',
    '    /// The releases this entry covers.',
    '    pub releases: ReleaseRange,',
    '    /// What they do with the number.',
    '    pub acceptance: HvmmemAcceptance,',
    '    /// Why, in a few words.',
    "    pub why: &'static str,",
    '}',
    '',
    '/// What each release does with each listed hvmmem number.',
    '///',
    '/// schema: `hvmmemTypes[].hypervisor`',
    'pub const HVMMEM_ACCEPTANCE: &[HvmmemAcceptanceEntry] = &[',
  );
  for (const v of values)
    v.hypervisor.forEach((h, i) => {
      const acceptance = h.accepted
        ? `HvmmemAcceptance::Accepted { p2m: ${p2mExpr(ctx, h.p2m!, h.releases)}, requires: &[${(h.requires ?? [])
            .map((id) => `Requirement::${pascal(id)}`)
            .join(', ')}] }`
        : `HvmmemAcceptance::Refused(${errnoExpr(h.error!)})`;
      out.push(
        `    // schema: hvmmemTypes[value=${v.value}].hypervisor[${i}] (${formatRange(h.releases)})`,
        `    HvmmemAcceptanceEntry { value: ${v.value}, releases: ${rangeExpr(h.releases)}, acceptance: ${acceptance}, why: ${rustStr(h.why)} },`,
      );
    });
  out.push(
    '];',
    '',
    ...doc('', ['What set_mem_type answers for a number with no entry in [`HVMMEM_NAMES`].'], 'unlistedHvmmemError'),
    `pub const HVMMEM_UNLISTED_ERROR: Errno = ${errnoExpr(s.unlistedHvmmemError)};`,
    '',
    '/// What set_mem_type at `release` does with hvmmem number `value` before its loop. `None` when the',
    '/// schema does not record that release\'s behaviour for the number.',
    '///',
    '/// schema: `hvmmemTypes[].hypervisor`, `unlistedHvmmemError`',
    'pub fn hvmmem_acceptance(release: Release, value: u16) -> Option<HvmmemAcceptance> {',
    '    if !release.info().behaviour_recorded {',
    '        return None;',
    '    }',
    '    if let Some(entry) = HVMMEM_ACCEPTANCE.iter().find(|e| e.value == value && e.releases.contains(release)) {',
    '        return Some(entry.acceptance);',
    '    }',
    '    if HVMMEM_NAMES.iter().any(|n| n.value == value) {',
    '        None',
    '    } else {',
    '        Some(HvmmemAcceptance::Refused(HVMMEM_UNLISTED_ERROR))',
    '    }',
    '}',
  );
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Internal p2m types, classes, transitions, get_mem_type

/**
 * get_mem_type's ordered steps evaluated at one release: for each p2m type, the result of the first step
 * that matches. A class step needs the class recorded at that release, else the projection is undefined.
 */
export function evaluateGetMemType(s: XenAbiSchema, steps: XenAbiSchema['getMemType'][number]['steps'], release: ReleaseName, p2mCount: number): number[] {
  const ordered = [...steps].sort((a, b) => a.step - b.step);
  const result: number[] = [];
  for (let t = 0; t < p2mCount; t++) {
    const hit = ordered.find((st) => {
      if (st.match === 'else') return true;
      if (st.match === 'type') return st.p2m === t;
      const types = entryFor(s.p2mClasses.find((c) => c.name === st.class)?.byRelease ?? [], release)?.types;
      if (types === undefined) throw new Error(`get_mem_type step ${st.step} tests class ${st.class ?? '(none)'}, which the schema does not record at ${release}`);
      return types.includes(t);
    });
    if (hit === undefined) throw new Error(`get_mem_type at ${release} has no step for p2m type ${t} (the last step must be "else")`);
    result.push(hit.result);
  }
  return result;
}

/** Consecutive releases of one projection whose evaluated tables are equal, as one table. */
interface GetMemTypeGroup {
  index: number;
  range: ReleaseRange;
  table: number[];
}

function getMemTypeGroups(ctx: Ctx): GetMemTypeGroup[] {
  const count = p2mCount(ctx);
  const groups: GetMemTypeGroup[] = [];
  ctx.s.getMemType.forEach((g, index) => {
    let current: { from: ReleaseName; to: ReleaseName; table: number[] } | undefined;
    const flush = () => {
      if (!current) return;
      const open = g.releases.to === undefined && current.to === ctx.newest;
      groups.push({ index, range: open ? { from: current.from } : { from: current.from, to: current.to }, table: current.table });
    };
    for (const r of releasesIn(ctx.s, g.releases)) {
      const table = evaluateGetMemType(ctx.s, g.steps, r, count);
      if (current && table.every((v, i) => v === current!.table[i])) current.to = r;
      else {
        flush();
        current = { from: r, to: r, table };
      }
    }
    flush();
  });
  return groups;
}

function p2mSection(ctx: Ctx): string[] {
  const { s, items } = ctx;
  const count = p2mCount(ctx);
  const maskType = p2mMaskType(count);
  for (const n of ['P2M_TYPE_COUNT', 'P2mTypeMask', 'P2mTypeName', 'P2M_TYPE_NAMES', 'p2m_name_at', 'p2m_value_at', 'P2mClass', 'P2mClassEntry', 'P2M_CLASSES', 'TransitionTable', 'TransitionRow', 'TRANSITIONS', 'p2m_transition', 'GetMemTypeTable', 'GET_MEM_TYPE', 'get_mem_type'])
    items.claim(n, 'the p2m section');
  const types = [...s.p2mTypes].sort((a, b) => a.value - b.value);
  const out = [
    '',
    '// ---------------------------------------------------------------------------------------------------',
    "// Internal p2m_type_t (not public ABI: Xen renames these freely)",
    '',
    ...doc('', ['How many internal p2m types the schema lists; they number 0 … P2M_TYPE_COUNT - 1.'], 'p2mTypes'),
    `pub const P2M_TYPE_COUNT: usize = ${count};`,
    '',
    ...doc('', ['A set of internal p2m types, bit `1 << type` per type, as Xen\'s `P2M_*_TYPES` masks.'], 'p2mClasses[].byRelease[].types'),
    `pub type P2mTypeMask = ${maskType};`,
    '',
  ];
  // A constant per name; number 15 has two (p2m_mmio_write_dm, then p2m_ioreq_server).
  for (const t of types)
    for (const n of t.names)
      out.push(
        ...doc('', [sentence(t.description), '', `Named so in Xen ${formatRange(n.releases)}.`], `p2mTypes[value=${t.value}].names[${n.name}]`),
        `pub const ${items.claim(n.name, `p2mTypes[value=${t.value}].names[${n.name}]`)}: u8 = ${t.value};`,
        '',
      );
  out.push(
    '/// One name of an internal p2m type and the releases that use it.',
    '///',
    '/// schema: `p2mTypes[].names[]`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    'pub struct P2mTypeName {',
    '    /// The type number.',
    '    pub value: u8,',
    '    /// Xen\'s name, e.g. "p2m_ioreq_server".',
    "    pub name: &'static str,",
    '    /// The releases whose `p2m_type_t` has this name.',
    '    pub releases: ReleaseRange,',
    '}',
    '',
    '/// Every name of every internal p2m type.',
    '///',
    '/// schema: `p2mTypes[].names`',
    'pub const P2M_TYPE_NAMES: &[P2mTypeName] = &[',
    ...types.flatMap((t) => t.names.map((n) => `    P2mTypeName { value: ${n.name}, name: ${rustStr(n.name)}, releases: ${rangeExpr(n.releases)} },`)),
    '];',
    '',
    '/// The name of internal p2m type `value` at `release`, if the type exists there.',
    '///',
    '/// schema: `p2mTypes[].names`',
    "pub fn p2m_name_at(release: Release, value: u8) -> Option<&'static str> {",
    '    P2M_TYPE_NAMES.iter().find(|n| n.value == value && n.releases.contains(release)).map(|n| n.name)',
    '}',
    '',
    '/// The internal p2m type called `name` at `release`.',
    '///',
    '/// schema: `p2mTypes[].names`',
    'pub fn p2m_value_at(release: Release, name: &str) -> Option<u8> {',
    '    P2M_TYPE_NAMES.iter().find(|n| n.name == name && n.releases.contains(release)).map(|n| n.value)',
    '}',
    '',
    '/// The members of a p2m type class over one range of releases.',
    '///',
    '/// schema: `p2mClasses[].byRelease[]`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    'pub struct P2mClassEntry {',
    '    /// The releases this entry covers.',
    '    pub releases: ReleaseRange,',
    '    /// The member types, bit `1 << type` each.',
    '    pub types: P2mTypeMask,',
    '}',
    '',
    "/// A class of internal p2m types: one of Xen's `P2M_*_TYPES` masks, whose members change by release.",
    '///',
    '/// schema: `p2mClasses[]`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    'pub struct P2mClass {',
    "    /// Xen's macro name, e.g. \"P2M_RAM_TYPES\".",
    "    pub name: &'static str,",
    '    /// The predicate built on it, e.g. "p2m_is_ram".',
    "    pub predicate: Option<&'static str>,",
    '    /// What the class holds.',
    "    pub description: &'static str,",
    '    /// Members per release range; releases without an entry are not recorded.',
    "    pub by_release: &'static [P2mClassEntry],",
    '}',
    '',
    'impl P2mClass {',
    '    /// The members at `release`, or `None` when the schema does not record the class there.',
    '    pub fn at(&self, release: Release) -> Option<P2mTypeMask> {',
    '        self.by_release.iter().find(|e| e.releases.contains(release)).map(|e| e.types)',
    '    }',
    '',
    '    /// Whether internal type `p2m` belongs to the class at `release` (Xen\'s predicate), or `None` when',
    '    /// the class is not recorded there.',
    '    pub fn contains(&self, release: Release, p2m: u8) -> Option<bool> {',
    `        self.at(release).map(|mask| u32::from(p2m) < P2mTypeMask::BITS && mask & (1 << p2m) != 0)`,
    '    }',
    '}',
    '',
  );
  for (const c of s.p2mClasses) {
    out.push(
      ...doc('', [sentence(c.description), ...(c.predicate ? ['', `Tested by \`${c.predicate}\`.`] : [])], `p2mClasses[name=${c.name}]`),
      `pub const ${items.claim(c.name, `p2mClasses[name=${c.name}]`)}: P2mClass = P2mClass {`,
      `    name: ${rustStr(c.name)},`,
      `    predicate: ${opt(c.predicate === undefined ? undefined : rustStr(c.predicate))},`,
      `    description: ${rustStr(c.description)},`,
      '    by_release: &[',
    );
    c.byRelease.forEach((e, i) =>
      out.push(
        `        // schema: p2mClasses[name=${c.name}].byRelease[${i}] (${formatRange(e.releases)}) = ${hexMask(maskOf(e.types), count > 16 ? 8 : 4)}`,
        `        P2mClassEntry { releases: ${rangeExpr(e.releases)}, types: ${maskExpr(ctx, e.types, e.releases)} },`,
      ),
    );
    out.push('    ],', '};', '');
  }
  out.push(
    '/// Every p2m type class of the schema.',
    '///',
    '/// schema: `p2mClasses`',
    `pub const P2M_CLASSES: &[P2mClass] = &[${s.p2mClasses.map((c) => c.name).join(', ')}];`,
    '',
  );
  out.push(...transitionsPart(ctx), ...getMemTypePart(ctx));
  return out;
}

function transitionsPart(ctx: Ctx): string[] {
  const out = [
    '/// One row of a transition table: what set_mem_type does to a page of internal type `from`, per hvmmem',
    '/// number that reaches the loop.',
    '///',
    '/// schema: `transitions[].rows[]`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    'pub struct TransitionRow {',
    '    /// The old internal p2m type of the page.',
    '    pub from: u8,',
    '    /// Per hvmmem number: `Ok(())` if the page changes, else the errno of that page.',
    "    pub to: &'static [(u16, Result<(), Errno>)],",
    '}',
    '',
    '/// The per-page outcome of set_mem_type over a range of releases.',
    '///',
    '/// schema: `transitions[]`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    'pub struct TransitionTable {',
    '    /// The releases this table covers.',
    '    pub releases: ReleaseRange,',
    "    /// Xen's rule, in words.",
    "    pub rule: &'static str,",
    '    /// Types the per-page lookup turns into `p2m_ram_rw` before the check (P2M_ALLOC populates PoD).',
    '    pub populated_by_lookup: P2mTypeMask,',
    '    /// One row per old type.',
    "    pub rows: &'static [TransitionRow],",
    '}',
    '',
    '/// The transition tables, one per release range.',
    '///',
    '/// schema: `transitions`',
    'pub const TRANSITIONS: &[TransitionTable] = &[',
  ];
  ctx.s.transitions.forEach((t, i) => {
    const first = releasesIn(ctx.s, t.releases)[0] ?? t.releases.from;
    out.push(
      `    // schema: transitions[${i}] (${formatRange(t.releases)})`,
      '    TransitionTable {',
      `        releases: ${rangeExpr(t.releases)},`,
      `        rule: ${rustStr(t.rule)},`,
      `        populated_by_lookup: ${maskExpr(ctx, t.populatedByLookup, t.releases)},`,
      '        rows: &[',
    );
    for (const row of [...t.rows].sort((a, b) => a.from - b.from)) {
      const cells = Object.entries(row.to)
        .map(([value, outcome]) => ({ value: Number(value), outcome }))
        .sort((a, b) => a.value - b.value)
        .map(({ value, outcome }) => `(${hvmmemExpr(ctx, value, first)}, ${outcome === 'ok' ? 'Ok(())' : `Err(${errnoExpr(outcome)})`})`);
      out.push(`            TransitionRow { from: ${p2mExpr(ctx, row.from, t.releases)}, to: &[${cells.join(', ')}] },`);
    }
    out.push('        ],', '    },');
  });
  out.push(
    '];',
    '',
    '/// The per-page outcome of set_mem_type at `release` for a page of internal type `from` and hvmmem number',
    '/// `to`, as the table has it: `Ok(())` if the page changes, else its errno. `None` when the schema has no',
    '/// entry: the release is not recorded, or the number never reaches the loop (see [`hvmmem_acceptance`]).',
    '///',
    '/// schema: `transitions`',
    'pub fn p2m_transition(release: Release, from: u8, to: u16) -> Option<Result<(), Errno>> {',
    '    let table = TRANSITIONS.iter().find(|t| t.releases.contains(release))?;',
    '    let row = table.rows.iter().find(|r| r.from == from)?;',
    '    row.to.iter().find(|(value, _)| *value == to).map(|(_, outcome)| *outcome)',
    '}',
    '',
  );
  return out;
}

function getMemTypePart(ctx: Ctx): string[] {
  const out = [
    '/// get_mem_type\'s answer for every internal p2m type over a range of releases: the schema\'s ordered',
    '/// steps (first match wins), evaluated against the classes of those releases when this file was generated.',
    '///',
    '/// schema: `getMemType[]`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    'pub struct GetMemTypeTable {',
    '    /// The releases this table covers.',
    '    pub releases: ReleaseRange,',
    '    /// The hvmmem number returned, indexed by internal p2m type.',
    '    pub by_p2m: [u16; P2M_TYPE_COUNT],',
    '}',
    '',
    '/// The get_mem_type projection, one table per range of releases that answer alike.',
    '///',
    '/// schema: `getMemType`',
    'pub const GET_MEM_TYPE: &[GetMemTypeTable] = &[',
  ];
  for (const g of getMemTypeGroups(ctx)) {
    const steps = ctx.s.getMemType[g.index]!;
    out.push(
      `    // schema: getMemType[${g.index}] (${formatRange(steps.releases)}), steps evaluated at ${formatRange(g.range)}`,
      '    GetMemTypeTable {',
      `        releases: ${rangeExpr(g.range)},`,
      '        by_p2m: [',
      ...g.table.map((v, t) => `            ${hvmmemExpr(ctx, v, g.range.from)}, // ${p2mExpr(ctx, t, g.range)}`),
      '        ],',
      '    },',
    );
  }
  out.push(
    '];',
    '',
    '/// The hvmmem number get_mem_type reports at `release` for a page of internal type `p2m`; `None` when the',
    '/// schema does not record that release or the type is unknown. The projection is lossy: log-dirty and',
    '/// shared pages report ram_ro, holes report mmio_dm.',
    '///',
    '/// schema: `getMemType`',
    'pub fn get_mem_type(release: Release, p2m: u8) -> Option<u16> {',
    '    let table = GET_MEM_TYPE.iter().find(|t| t.releases.contains(release))?;',
    '    table.by_p2m.get(usize::from(p2m)).copied()',
    '}',
  );
  return out;
}

// ---------------------------------------------------------------------------------------------------
// HVMOP and DMOP numbers

function opsSection(ctx: Ctx, layouts: StructLayouts): string[] {
  const { s, items } = ctx;
  for (const n of ['HvmOp', 'HVMOPS', 'hvmop', 'DmOp', 'DMOPS', 'dmop']) items.claim(n, 'the ops section');
  const hvmops = [...s.hvmops].sort((a, b) => a.value - b.value);
  const dmops = [...s.dmops].sort((a, b) => a.value - b.value);
  const dmopName = (value: number | undefined) => (value === undefined ? undefined : dmops.find((d) => d.value === value)?.cName ?? String(value));
  const hvmopName = (value: number | undefined) => (value === undefined ? undefined : hvmops.find((h) => h.value === value)?.cName ?? String(value));
  const out = [
    '',
    '// ---------------------------------------------------------------------------------------------------',
    '// HVMOP and DMOP numbers',
    '',
  ];
  for (const o of hvmops) {
    const life = `${o.visibility === 'tools' ? 'Tools-only' : 'Public'} HVMOP since Xen ${o.firstRelease}${o.lastHeaderRelease ? `, in the headers up to ${o.lastHeaderRelease}` : ''}${o.iface?.below ? ` (below interface version ${o.iface.below})` : ''}.`;
    const dispatched = o.dispatched.length ? `Dispatched by Xen ${o.dispatched.map(formatRange).join(', ')}; ENOSYS elsewhere.` : 'No release dispatches it: ENOSYS.';
    const moved = o.movedToDmop !== undefined ? ` Replaced by \`${dmopName(o.movedToDmop)}\`.` : '';
    out.push(...doc('', [sentence(o.description), '', life, dispatched + moved], `hvmops[value=${o.value}]`), `pub const ${items.claim(o.cName, `hvmops[value=${o.value}]`)}: u32 = ${o.value};`, '');
  }
  for (const o of dmops) {
    const replaces = o.replacesHvmop !== undefined ? ` Replaces \`${hvmopName(o.replacesHvmop)}\`.` : o.replacesOther ? ` Replaces \`${o.replacesOther}\`.` : '';
    out.push(
      ...doc('', [sentence(o.description), '', `DMOP since Xen ${o.firstRelease}; payload \`${o.struct}\`.${replaces}`], `dmops[value=${o.value}]`),
      `pub const ${items.claim(o.cName, `dmops[value=${o.value}]`)}: u32 = ${o.value};`,
      '',
    );
  }
  out.push(
    '/// An HVMOP (`__HYPERVISOR_hvm_op` sub-op) as the schema records it.',
    '///',
    '/// schema: `hvmops[]`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    'pub struct HvmOp {',
    '    /// The op number.',
    '    pub value: u32,',
    '    /// The name without prefix, e.g. "set_mem_type".',
    "    pub name: &'static str,",
    '    /// The C name, e.g. "HVMOP_set_mem_type".',
    "    pub c_name: &'static str,",
    '    /// Header visibility while the op was in the header.',
    '    pub visibility: Visibility,',
    '    /// The first release whose headers define it.',
    '    pub first_release: Release,',
    '    /// The last release whose headers define it; `None` while still defined.',
    '    pub last_header_release: Option<Release>,',
    '    /// Interface versions at which the newest headers define it, when guarded.',
    '    pub iface: Option<IfaceRange>,',
    '    /// Releases whose `do_hvm_op` handles it; elsewhere the hypervisor returns ENOSYS.',
    "    pub dispatched: &'static [ReleaseRange],",
    '    /// The argument struct, when recorded.',
    "    pub struct_name: Option<&'static str>,",
    '    /// The DMOP that replaced it.',
    '    pub moved_to_dmop: Option<u32>,',
    '    /// What it does.',
    "    pub description: &'static str,",
    '}',
    '',
    'impl HvmOp {',
    '    /// Whether `release`\'s hypervisor handles this op (else it answers ENOSYS).',
    '    pub fn dispatched_at(&self, release: Release) -> bool {',
    '        self.dispatched.iter().any(|r| r.contains(release))',
    '    }',
    '}',
    '',
    '/// Every HVMOP of the schema, by number.',
    '///',
    '/// schema: `hvmops`',
    'pub const HVMOPS: &[HvmOp] = &[',
  );
  for (const o of hvmops)
    out.push(
      `    // schema: hvmops[value=${o.value}]`,
      `    HvmOp { value: ${o.cName}, name: ${rustStr(o.name)}, c_name: ${rustStr(o.cName)}, visibility: ${VISIBILITY[o.visibility]}, first_release: ${rel(o.firstRelease)}, last_header_release: ${opt(o.lastHeaderRelease === undefined ? undefined : rel(o.lastHeaderRelease))}, iface: ${opt(o.iface === undefined ? undefined : ifaceRangeExpr(o.iface))}, dispatched: &[${o.dispatched.map(rangeExpr).join(', ')}], struct_name: ${opt(o.struct === undefined ? undefined : rustStr(o.struct))}, moved_to_dmop: ${opt(dmopName(o.movedToDmop))}, description: ${rustStr(o.description)} },`,
    );
  out.push(
    '];',
    '',
    '/// The HVMOP with number `value`.',
    '///',
    '/// schema: `hvmops`',
    "pub fn hvmop(value: u32) -> Option<&'static HvmOp> {",
    '    HVMOPS.iter().find(|o| o.value == value)',
    '}',
    '',
    '/// A DM op (`__HYPERVISOR_dm_op`, `xen_dm_op.op`) as the schema records it.',
    '///',
    '/// schema: `dmops[]`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    'pub struct DmOp {',
    '    /// The op number.',
    '    pub value: u32,',
    '    /// The name without prefix, e.g. "set_mem_type".',
    "    pub name: &'static str,",
    '    /// The C name, e.g. "XEN_DMOP_set_mem_type".',
    "    pub c_name: &'static str,",
    '    /// The first release that has it.',
    '    pub first_release: Release,',
    '    /// The payload struct in `xen_dm_op.u`.',
    "    pub struct_name: &'static str,",
    '    /// The payload size in bytes (what Xen copies in after the 8-byte op header).',
    '    pub payload_size: usize,',
    '    /// Whether Xen copies the payload back to buf\\[0\\] on success (false for Xen\'s "const" ops).',
    '    pub copy_back: bool,',
    '    /// Architectures whose hypervisor implements it.',
    "    pub arch: &'static [Arch],",
    '    /// The HVMOP it replaced.',
    '    pub replaces_hvmop: Option<u32>,',
    '    /// Another interface it replaced.',
    "    pub replaces_other: Option<&'static str>,",
    '    /// What it does.',
    "    pub description: &'static str,",
    '}',
    '',
    '/// Every DM op of the schema, by number.',
    '///',
    '/// schema: `dmops`',
    'pub const DMOPS: &[DmOp] = &[',
  );
  for (const o of dmops) {
    const payload = layouts.latest(o.struct);
    if (payload === undefined) throw new Error(`dmops[value=${o.value}] names payload struct ${o.struct}, which structs[] does not list`);
    out.push(
      `    // schema: dmops[value=${o.value}]`,
      `    DmOp { value: ${o.cName}, name: ${rustStr(o.name)}, c_name: ${rustStr(o.cName)}, first_release: ${rel(o.firstRelease)}, struct_name: ${rustStr(o.struct)}, payload_size: core::mem::size_of::<${payload.rustName}>(), copy_back: ${o.copyBack}, arch: &[${o.arch.map((a) => ARCH[a]).join(', ')}], replaces_hvmop: ${opt(hvmopName(o.replacesHvmop))}, replaces_other: ${opt(o.replacesOther === undefined ? undefined : rustStr(o.replacesOther))}, description: ${rustStr(o.description)} },`,
    );
  }
  out.push(
    '];',
    '',
    '/// The DM op with number `value`.',
    '///',
    '/// schema: `dmops`',
    "pub fn dmop(value: u32) -> Option<&'static DmOp> {",
    '    DMOPS.iter().find(|o| o.value == value)',
    '}',
  );
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Constant groups, bit packs, limits, ioreq server ids

function constantsSection(ctx: Ctx): string[] {
  const { s, items } = ctx;
  for (const n of ['Constant', 'ConstantGroup', 'CONSTANT_GROUPS', 'constant_group']) items.claim(n, 'the constants section');
  const out = [
    '',
    '// ---------------------------------------------------------------------------------------------------',
    '// Constants (ioreq types and states, bufioreq modes, range types, access flags, …), all u32 like the',
    "// C #defines they mirror: cast where a struct field is narrower (`req.r#type == IOREQ_TYPE_PIO as u8`).",
    '',
  ];
  for (const g of s.constants)
    for (const m of g.members) {
      if (!Number.isInteger(m.value) || m.value < 0 || m.value > 0xffffffff) throw new Error(`constants[name=${g.name}].members[${m.name}] = ${m.value} does not fit a u32`);
      out.push(
        ...doc('', [...(m.description ? [sentence(m.description), ''] : []), `${sentence(g.description)} Since Xen ${m.firstRelease}, \`${g.header}\`.`], `constants[name=${g.name}].members[${m.name}]`),
        `pub const ${items.claim(m.cName, `constants[name=${g.name}].members[${m.name}]`)}: u32 = ${m.value > 0xffff ? hexMask(m.value, 8) : m.value};`,
        '',
      );
    }
  out.push(
    '/// One member of a constant group.',
    '///',
    '/// schema: `constants[].members[]`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    'pub struct Constant {',
    '    /// The short name used in JSON and the CLI, e.g. "atomic".',
    "    pub name: &'static str,",
    '    /// The C name, e.g. "HVM_IOREQSRV_BUFIOREQ_ATOMIC".',
    "    pub c_name: &'static str,",
    '    /// The value.',
    '    pub value: u32,',
    '    /// The first release whose headers define it.',
    '    pub first_release: Release,',
    '}',
    '',
    '/// A group of related constants from one header.',
    '///',
    '/// schema: `constants[]`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    'pub struct ConstantGroup {',
    '    /// The group id, e.g. "ioreq_type".',
    "    pub name: &'static str,",
    '    /// The header, relative to `xen/include/public`.',
    "    pub header: &'static str,",
    '    /// Visibility in the newest headers.',
    '    pub visibility: Visibility,',
    '    /// The last release whose headers define the group, when it was removed.',
    '    pub last_header_release: Option<Release>,',
    '    /// What the group is for.',
    "    pub description: &'static str,",
    '    /// Its members.',
    "    pub members: &'static [Constant],",
    '}',
    '',
    '/// Every constant group.',
    '///',
    '/// schema: `constants`',
    'pub const CONSTANT_GROUPS: &[ConstantGroup] = &[',
  );
  for (const g of s.constants) {
    out.push(
      `    // schema: constants[name=${g.name}]`,
      '    ConstantGroup {',
      `        name: ${rustStr(g.name)},`,
      `        header: ${rustStr(g.header)},`,
      `        visibility: ${VISIBILITY[g.visibility]},`,
      `        last_header_release: ${opt(g.lastHeaderRelease === undefined ? undefined : rel(g.lastHeaderRelease))},`,
      `        description: ${rustStr(g.description)},`,
      '        members: &[',
      ...g.members.map((m) => `            Constant { name: ${rustStr(m.name)}, c_name: ${rustStr(m.cName)}, value: ${m.cName}, first_release: ${rel(m.firstRelease)} },`),
      '        ],',
      '    },',
    );
  }
  out.push(
    '];',
    '',
    '/// The constant group with id `name` ("ioreq_type").',
    '///',
    '/// schema: `constants`',
    "pub fn constant_group(name: &str) -> Option<&'static ConstantGroup> {",
    '    CONSTANT_GROUPS.iter().find(|g| g.name == name)',
    '}',
  );
  return out;
}

/** Packing functions with Xen's macro names, e.g. `XEN_DMOP_PCI_SBDF(s, b, d, f)`. */
function bitPacksSection(ctx: Ctx): string[] {
  const out = ['', '// ---------------------------------------------------------------------------------------------------', '// Bit packs', ''];
  for (const p of ctx.s.bitPacks) {
    const top = Math.max(0, ...p.parts.map((q) => q.shift + q.width));
    if (top > 32) throw new Error(`bitPacks[name=${p.name}] needs ${top} bits; only 32-bit packs are generated`);
    const lines = [sentence(p.description), '', `\`${p.header}\`, since Xen ${p.firstRelease}${p.lastHeaderRelease ? `, in the headers up to ${p.lastHeaderRelease}` : ''}. Bits: ${p.parts.map((q) => `${q.name} ${q.shift + q.width - 1}..${q.shift}`).join(', ')}.`];
    const body = p.parts.map((q) => {
      const masked = `(${rustIdent(q.name)} & ${hexMask(2 ** q.width - 1, 1)})`;
      return q.shift === 0 ? masked : `(${masked} << ${q.shift})`;
    });
    out.push(
      ...doc('', lines, `bitPacks[name=${p.name}]`),
      `pub const fn ${ctx.items.claim(p.cName, `bitPacks[name=${p.name}]`)}(${p.parts.map((q) => `${rustIdent(q.name)}: u32`).join(', ')}) -> u32 {`,
      `    ${body.join(' | ') || '0'}`,
      '}',
      '',
    );
  }
  return out;
}

function limitsSection(ctx: Ctx): string[] {
  const { s, items } = ctx;
  for (const n of ['Limit', 'LIMITS', 'limit', 'IoreqServerIds', 'IoreqServerIdScheme', 'IOREQ_SERVER_ID_SCHEMES', 'ioreq_server_id_scheme']) items.claim(n, 'the limits section');
  const out = ['// ---------------------------------------------------------------------------------------------------', '// Limits and ioreq server ids', ''];
  // A Xen-named constant only where the name has one value at every release; otherwise the table answers.
  const byCName = new Map<string, typeof s.limits>();
  for (const l of s.limits) if (l.cName) byCName.set(l.cName, [...(byCName.get(l.cName) ?? []), l]);
  for (const [cName, entries] of byCName) {
    if (entries.length !== 1) continue;
    const l = entries[0]!;
    out.push(
      ...doc('', [`${sentence(l.description)} Xen ${formatRange(l.releases)}${l.error ? `; exceeding it gives ${l.error}` : ''}.`], `limits[id=${l.id}]`),
      `pub const ${items.claim(cName, `limits[id=${l.id}]`)}: u32 = ${l.value};`,
      '',
    );
  }
  out.push(
    '/// A limit of the hypervisor over a range of releases.',
    '///',
    '/// schema: `limits[]`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    'pub struct Limit {',
    '    /// The schema id, e.g. "maxIoRanges".',
    "    pub id: &'static str,",
    '    /// The releases it holds for.',
    '    pub releases: ReleaseRange,',
    '    /// The value.',
    '    pub value: u32,',
    "    /// Xen's name for it, when it has one.",
    "    pub c_name: Option<&'static str>,",
    '    /// The errno when the limit is hit, when there is one.',
    '    pub error: Option<Errno>,',
    '    /// What it limits.',
    "    pub description: &'static str,",
    '}',
    '',
    '/// Every limit of the schema.',
    '///',
    '/// schema: `limits`',
    'pub const LIMITS: &[Limit] = &[',
    ...s.limits.map(
      (l) =>
        `    Limit { id: ${rustStr(l.id)}, releases: ${rangeExpr(l.releases)}, value: ${l.value}, c_name: ${opt(l.cName === undefined ? undefined : rustStr(l.cName))}, error: ${opt(l.error === undefined ? undefined : errnoExpr(l.error))}, description: ${rustStr(l.description)} },`,
    ),
    '];',
    '',
    '/// The value of limit `id` at `release`, if recorded.',
    '///',
    '/// schema: `limits`',
    'pub fn limit(id: &str, release: Release) -> Option<u32> {',
    '    LIMITS.iter().find(|l| l.id == id && l.releases.contains(release)).map(|l| l.value)',
    '}',
    '',
    '/// How a release numbers the ioreq servers it creates.',
    '///',
    '/// schema: `ioreqServerIds[].scheme`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    'pub enum IoreqServerIds {',
    '    /// A counter that skips ids in use.',
    '    Counter,',
    '    /// Array slots `first` … `last`, lowest free first.',
    '    Slots {',
    '        /// The first slot a created server may take.',
    '        first: u16,',
    '        /// The last slot a created server may take.',
    '        last: u16,',
    '    },',
    '}',
    '',
    '/// The ioreq server id scheme of a range of releases.',
    '///',
    '/// schema: `ioreqServerIds[]`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    'pub struct IoreqServerIdScheme {',
    '    /// The releases it holds for.',
    '    pub releases: ReleaseRange,',
    '    /// How ids are chosen.',
    '    pub scheme: IoreqServerIds,',
    '    /// The errno when no id is free.',
    '    pub exhausted: Errno,',
    '    /// The details.',
    "    pub description: &'static str,",
    '}',
    '',
    '/// Every ioreq server id scheme.',
    '///',
    '/// schema: `ioreqServerIds`',
    'pub const IOREQ_SERVER_ID_SCHEMES: &[IoreqServerIdScheme] = &[',
  );
  s.ioreqServerIds.forEach((e, i) => {
    if (e.scheme === 'slots' && (e.firstSlot === undefined || e.lastSlot === undefined)) throw new Error(`ioreqServerIds[${i}] uses slots but gives no firstSlot/lastSlot`);
    const scheme = e.scheme === 'counter' ? 'IoreqServerIds::Counter' : `IoreqServerIds::Slots { first: ${e.firstSlot}, last: ${e.lastSlot} }`;
    out.push(`    // schema: ioreqServerIds[${i}]`, `    IoreqServerIdScheme { releases: ${rangeExpr(e.releases)}, scheme: ${scheme}, exhausted: ${errnoExpr(e.exhausted)}, description: ${rustStr(e.description)} },`);
  });
  out.push(
    '];',
    '',
    '/// The ioreq server id scheme of `release`, if recorded.',
    '///',
    '/// schema: `ioreqServerIds`',
    "pub fn ioreq_server_id_scheme(release: Release) -> Option<&'static IoreqServerIdScheme> {",
    '    IOREQ_SERVER_ID_SCHEMES.iter().find(|e| e.releases.contains(release))',
    '}',
  );
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Struct layouts

/** A plain integer type of the schema as Rust: its name, size, and alignment on 32- and 64-bit targets. */
const SCALARS: Record<'uint8' | 'uint16' | 'uint32' | 'uint64' | 'handle', { rust: string; size: number; alignMin: number; alignMax: number }> = {
  uint8: { rust: 'u8', size: 1, alignMin: 1, alignMax: 1 },
  uint16: { rust: 'u16', size: 2, alignMin: 2, alignMax: 2 },
  uint32: { rust: 'u32', size: 4, alignMin: 4, alignMax: 4 },
  // Rust's u64 is 4-aligned on i686 but 8-aligned on x86_64; Xen's uint64_aligned_t is 8 everywhere. The
  // layout is planned so that both place every field where the schema says (see `planStruct`).
  uint64: { rust: 'u64', size: 8, alignMin: 4, alignMax: 8 },
  // A guest handle is a 64-bit guest address in these structs.
  handle: { rust: 'u64', size: 8, alignMin: 4, alignMax: 8 },
};

const STORAGE: Record<number, string> = { 1: 'u8', 2: 'u16', 4: 'u32', 8: 'u64' };

/** One member of a bit-field storage unit: a C bit-field, or a plain field the unit overlaps. */
interface BitMember {
  field: Field;
  /** Bit position inside the storage integer (little-endian: byte k holds bits 8k … 8k+7). */
  shift: number;
  width: number;
  rust: string;
}

/** One field of the Rust struct. */
type RustField =
  | { kind: 'plain'; field: Field; name: string; rust: string; offset: number; size: number; alignMin: number; alignMax: number; zero: string }
  | { kind: 'bits'; name: string; rust: string; offset: number; size: number; members: BitMember[] }
  | { kind: 'pad'; name: string; offset: number; size: number };

/** A struct of the schema, planned as a Rust `#[repr(C)]` struct. */
interface StructPlan {
  struct: Struct;
  rustName: string;
  schemaPath: string;
  fields: RustField[];
  /** `align(N)` to add to `repr(C)`, when the fields alone would align less on some target. */
  forceAlign: number | undefined;
  /** Unions have no PartialEq/Eq/Hash, so neither do the structs that hold one. */
  holdsUnion: boolean;
  /** The union type this struct defines for a `union` field, if any. */
  union?: UnionPlan;
}

interface UnionPlan {
  rustName: string;
  size: number;
  /** Alignment on every target: the largest of the members' (each forced to the schema's). */
  align: number;
  members: { name: string; rust: string; doc: string[]; size: number; align: number }[];
  /** The member `ZERO` initialises: one that spans the whole union, so no byte is left undefined. */
  zeroMember: string;
}

/** Structs by name and release: the newest layout of a name keeps Xen's name, older ones get `_<from>`. */
class StructLayouts {
  readonly plans: StructPlan[] = [];
  private readonly byName = new Map<string, Struct[]>();
  constructor(private readonly ctx: Ctx) {
    for (const st of ctx.s.structs) this.byName.set(st.name, [...(this.byName.get(st.name) ?? []), st]);
    for (const variants of this.byName.values()) variants.sort((a, b) => compareReleases(a.releases.from, b.releases.from));
  }

  rustName(st: Struct): string {
    const variants = this.byName.get(st.name)!;
    return variants[variants.length - 1] === st ? st.name : `${st.name}_${st.releases.from.replace('.', '_')}`;
  }

  schemaPath(st: Struct): string {
    return this.byName.get(st.name)!.length > 1 ? `structs[name=${st.name}, releases=${formatRange(st.releases)}]` : `structs[name=${st.name}]`;
  }

  /** The newest layout of `name`. */
  latest(name: string): StructPlan | undefined {
    const variants = this.byName.get(name);
    const st = variants?.[variants.length - 1];
    return st && this.plan(st);
  }

  /** The layout of `name` that holds at `release`, else the newest. */
  at(name: string, release: ReleaseName): StructPlan | undefined {
    const variants = this.byName.get(name) ?? [];
    const st = variants.find((v) => releasesIn(this.ctx.s, v.releases).includes(release)) ?? variants[variants.length - 1];
    return st && this.plan(st);
  }

  plan(st: Struct): StructPlan {
    const done = this.plans.find((p) => p.struct === st);
    return done ?? planStruct(this.ctx, this, st);
  }

  /**
   * Every struct, in name order (code-unit order, not the locale's, so every machine writes the same file).
   * A struct is planned after the structs it holds, so `plans` lists those first.
   */
  planAll(): StructPlan[] {
    const byName = (a: Struct, b: Struct) => (a.name < b.name ? -1 : a.name > b.name ? 1 : compareReleases(a.releases.from, b.releases.from));
    for (const st of [...this.ctx.s.structs].sort(byName)) this.plan(st);
    return this.plans;
  }
}

/**
 * Groups bit-fields into storage units. A unit is the storage of one or more C bit-fields; units that
 * overlap merge, and a plain field inside a unit joins it (buf_ioreq: `type` shares the first u32 with
 * `addr:20`), because Rust cannot overlap a field with another's storage.
 */
function bitUnits(st: Struct): { offset: number; size: number; fields: Field[] }[] {
  const units = st.fields.filter((f) => f.bits).map((f) => ({ offset: f.offset, size: f.size, fields: [f] }));
  const overlaps = (a: { offset: number; size: number }, b: { offset: number; size: number }) => a.offset < b.offset + b.size && b.offset < a.offset + a.size;
  let merged = true;
  while (merged) {
    merged = false;
    for (let i = 0; i < units.length && !merged; i++)
      for (let j = i + 1; j < units.length && !merged; j++) {
        const a = units[i]!;
        const b = units[j]!;
        if (!overlaps(a, b)) continue;
        const start = Math.min(a.offset, b.offset);
        units.splice(j, 1);
        units[i] = { offset: start, size: Math.max(a.offset + a.size, b.offset + b.size) - start, fields: [...a.fields, ...b.fields] };
        merged = true;
      }
  }
  for (const u of units) {
    for (const f of st.fields) if (!f.bits && !u.fields.includes(f) && overlaps(u, f)) {
      if (f.offset < u.offset || f.offset + f.size > u.offset + u.size) throw new Error(`structs[name=${st.name}]: field ${f.name} straddles the bit-field storage at byte ${u.offset}`);
      u.fields.push(f);
    }
    // In bit order: byte first, then the position inside the field's own storage unit.
    u.fields.sort((a, b) => a.offset * 8 + (a.bits?.shift ?? 0) - (b.offset * 8 + (b.bits?.shift ?? 0)));
  }
  return units.sort((a, b) => a.offset - b.offset);
}

const roundUp = (n: number, align: number) => Math.ceil(n / align) * align;

/** The Rust type, size, alignments and zero value of one plain (non-bit-field) field. */
function plainField(ctx: Ctx, layouts: StructLayouts, st: Struct, f: Field, owner: string): Omit<Extract<RustField, { kind: 'plain' }>, 'kind' | 'field' | 'name' | 'offset'> & { union?: UnionPlan } {
  const where = `structs[name=${st.name}].fields[${f.name}]`;
  const count = f.count ?? 1;
  const array = (rust: string, zero: string) => (f.count === undefined ? { rust, zero } : { rust: `[${rust}; ${count}]`, zero: `[${zero}; ${count}]` });
  if (f.type === 'struct') {
    if (f.element === undefined) throw new Error(`${where} is a struct field without an element`);
    const el = layouts.at(f.element, st.releases.from);
    if (el === undefined) throw new Error(`${where} names element struct ${f.element}, which structs[] does not list`);
    const t = array(el.rustName, `${el.rustName}::ZERO`);
    return { ...t, size: el.struct.size * count, alignMin: el.struct.align, alignMax: el.struct.align };
  }
  if (f.type === 'union') {
    const u = planUnion(ctx, layouts, st, f, owner);
    if (u === undefined) {
      // No member list for this union: keep its bytes. (Only xen_dm_op's union is described, by dmops[].)
      return { rust: `[u8; ${f.size}]`, zero: `[0; ${f.size}]`, size: f.size, alignMin: 1, alignMax: 1 };
    }
    return { rust: u.rustName, zero: `${u.rustName}::ZERO`, size: u.size, alignMin: u.align, alignMax: u.align, union: u };
  }
  const scalar = SCALARS[f.type];
  const t = array(scalar.rust, '0');
  return { ...t, size: scalar.size * count, alignMin: scalar.alignMin, alignMax: scalar.alignMax };
}

/**
 * `xen_dm_op.u`: the schema records the union's size, and dmops[] records which payload struct each op
 * carries in it, so the members are the ops (named as in Xen: `u.set_mem_type`), each with its payload.
 */
function planUnion(ctx: Ctx, layouts: StructLayouts, st: Struct, f: Field, owner: string): UnionPlan | undefined {
  if (st.role !== 'dm_op') return undefined;
  const members = [...ctx.s.dmops]
    .sort((a, b) => a.value - b.value)
    .map((o) => {
      const payload = layouts.latest(o.struct);
      if (payload === undefined) throw new Error(`dmops[value=${o.value}] names payload struct ${o.struct}, which structs[] does not list`);
      return { name: rustIdent(o.name), rust: payload.rustName, size: payload.struct.size, align: payload.struct.align, doc: doc('    ', [`The payload of \`${o.cName}\` (${o.value}).`], `dmops[value=${o.value}]`) };
    });
  if (members.length === 0) return undefined;
  const size = Math.max(...members.map((m) => m.size));
  if (size !== f.size) throw new Error(`structs[name=${st.name}].fields[${f.name}] is ${f.size} bytes, but its largest DMOP payload is ${size}`);
  const align = Math.max(...members.map((m) => m.align));
  return { rustName: `${owner}_${f.name}`, size, align, members, zeroMember: members.find((m) => m.size === size)!.name };
}

/**
 * Plans one struct as `#[repr(C)]`: fields in offset order, bit-fields grouped into storage integers,
 * explicit padding only where a target with 4-aligned u64 would place a field earlier than the schema,
 * and `align(N)` where the fields alone would align less than the schema on such a target. Anything
 * repr(C) cannot reproduce (a field earlier than its alignment allows, a struct aligned less than its
 * fields) throws.
 */
function planStruct(ctx: Ctx, layouts: StructLayouts, st: Struct): StructPlan {
  const rustName = layouts.rustName(st);
  const plan: StructPlan = { struct: st, rustName, schemaPath: layouts.schemaPath(st), fields: [], forceAlign: undefined, holdsUnion: false };
  layouts.plans.push(plan);
  const units = bitUnits(st);
  const inUnit = new Set(units.flatMap((u) => u.fields));
  type Item = { offset: number; make: () => RustField };
  const items: Item[] = [];
  for (const u of units) {
    const storage = STORAGE[u.size];
    if (storage === undefined || u.offset % u.size !== 0) throw new Error(`structs[name=${st.name}]: bit-field storage of ${u.size} bytes at offset ${u.offset} is not an aligned 1, 2, 4 or 8-byte integer`);
    items.push({
      offset: u.offset,
      make: () => ({
        kind: 'bits',
        name: `bitfield_${u.offset}`,
        rust: storage,
        offset: u.offset,
        size: u.size,
        members: u.fields.map((f) => {
          const base = (f.offset - u.offset) * 8;
          const m = f.bits ? { shift: base + f.bits.shift, width: f.bits.width } : { shift: base, width: f.size * 8 };
          if (f.type === 'struct' || f.type === 'union' || f.count !== undefined) throw new Error(`structs[name=${st.name}].fields[${f.name}] shares bit-field storage but is not a scalar`);
          return { field: f, ...m, rust: SCALARS[f.type].rust };
        }),
      }),
    });
  }
  for (const f of st.fields)
    if (!inUnit.has(f))
      items.push({
        offset: f.offset,
        make: () => {
          const p = plainField(ctx, layouts, st, f, rustName);
          if (p.size !== f.size) throw new Error(`structs[name=${st.name}].fields[${f.name}] is ${f.size} bytes in the schema but ${p.size} as ${p.rust}`);
          if (p.union) plan.union = p.union;
          if (p.union || (f.type === 'struct' && layouts.at(f.element!, st.releases.from)?.holdsUnion)) plan.holdsUnion = true;
          return { kind: 'plain', field: f, name: rustIdent(f.name), rust: p.rust, offset: f.offset, size: p.size, alignMin: p.alignMin, alignMax: p.alignMax, zero: p.zero };
        },
      });
  items.sort((a, b) => a.offset - b.offset);

  let cursor = 0;
  let alignMin = 1;
  let alignMax = 1;
  const padTo = (offset: number) => {
    if (offset > cursor) plan.fields.push({ kind: 'pad', name: `_pad_at_${cursor}`, offset: cursor, size: offset - cursor });
    cursor = offset;
  };
  for (const item of items) {
    const f = item.make();
    const [aMin, aMax] = f.kind === 'plain' ? [f.alignMin, f.alignMax] : [f.size, f.size];
    if (f.offset % aMax !== 0 || f.offset < roundUp(cursor, aMax)) throw new Error(`${plan.schemaPath}: field ${f.name} at offset ${f.offset} cannot be placed by repr(C) (it needs ${aMax}-byte alignment after byte ${cursor})`);
    // Where the weaker alignment would place the field earlier, say where it goes.
    if (roundUp(cursor, aMin) < f.offset) padTo(f.offset);
    plan.fields.push(f);
    cursor = f.offset + f.size;
    alignMin = Math.max(alignMin, aMin);
    alignMax = Math.max(alignMax, aMax);
  }
  if (st.align < alignMax) throw new Error(`${plan.schemaPath}: aligned to ${st.align} in the schema, but its fields need ${alignMax} (would need repr(packed))`);
  if (st.align > alignMin) plan.forceAlign = st.align;
  if (roundUp(cursor, st.align) < st.size) padTo(st.size);
  if (roundUp(cursor, st.align) !== st.size) throw new Error(`${plan.schemaPath}: the fields end at byte ${cursor}, which does not round up to the schema's size ${st.size}`);
  return plan;
}

const ROLE: Record<Struct['role'], string> = {
  dm_op: 'Part of the dm_op hypercall itself',
  dm_op_payload: 'A DM op payload (in `xen_dm_op.u`)',
  dm_op_extra: 'Extra data of a DM op (in dm_op buf\\[1\\])',
  hvm_op: 'An HVMOP argument',
  ioreq: 'Part of the ioreq protocol',
};

const DIR = { in: 'IN', out: 'OUT', inout: 'IN and OUT' } as const;

function fieldDoc(f: Field): string[] {
  const notes = [f.dir ? DIR[f.dir] : undefined, f.cType ? `C type \`${f.cType}\`` : undefined, f.mustBeZero ? 'must be zero' : undefined].filter((n): n is string => n !== undefined);
  return [...(f.description ? [sentence(f.description)] : []), ...(notes.length ? [capital(notes.join('; '))] : [])];
}

/** "bit 4" or "bits 12–31" (inclusive, as Xen's comments count them). */
function bitRange(m: BitMember): string {
  return m.width === 1 ? `bit ${m.shift}` : `bits ${m.shift}–${m.shift + m.width - 1}`;
}

function emitStruct(plan: StructPlan, layouts: StructLayouts): string[] {
  const st = plan.struct;
  const out: string[] = [];
  if (plan.union) out.push(...emitUnion(plan.union, plan));
  const lines = [
    sentence(st.description),
    '',
    `${ROLE[st.role]}; \`${st.header}\`, Xen ${formatRange(st.releases)}${st.visibility === 'tools' ? ', tools-only' : st.visibility === 'removed' ? ', gone from the newest headers' : ''}. ${st.size} bytes, aligned to ${st.align}.`,
  ];
  const newest = layouts.latest(st.name)!;
  if (newest !== plan) lines.push('', `This is the layout of Xen ${formatRange(st.releases)}; the newest is [\`${newest.rustName}\`].`);
  out.push(
    ...doc('', lines, plan.schemaPath),
    plan.forceAlign ? `#[repr(C, align(${plan.forceAlign}))]` : '#[repr(C)]',
    `#[derive(${plan.holdsUnion ? 'Clone, Copy, Debug' : 'Clone, Copy, Debug, PartialEq, Eq, Hash'})]`,
    `pub struct ${plan.rustName} {`,
  );
  for (const f of plan.fields) {
    if (f.kind === 'plain') out.push(...doc('    ', fieldDoc(f.field), `${plan.schemaPath}.fields[${f.field.name}]`), `    pub ${f.name}: ${f.rust},`);
    else if (f.kind === 'pad') out.push(`    /// Bytes the schema leaves between fields (C pads here); explicit so that every target, even one with a 4-aligned u64, puts the next field at its offset.`, `    pub ${f.name}: [u8; ${f.size}],`);
    else
      out.push(
        `    /// Storage of ${f.members.map((m) => `\`${m.field.name}\` (${bitRange(m)})`).join(', ')}; use the accessor methods.`,
        '    ///',
        `    /// schema: \`${plan.schemaPath}.fields[${f.members.map((m) => m.field.name).join(', ')}]\``,
        `    pub ${f.name}: ${f.rust},`,
      );
  }
  out.push('}', '', `impl ${plan.rustName} {`, '    /// All fields zero.', '    pub const ZERO: Self = Self {');
  for (const f of plan.fields) out.push(`        ${f.name}: ${f.kind === 'plain' ? f.zero : f.kind === 'pad' ? `[0; ${f.size}]` : '0'},`);
  out.push('    };');
  for (const f of plan.fields) if (f.kind === 'bits') for (const m of f.members) out.push(...accessors(plan, f, m));
  out.push(
    '}',
    '',
    `impl Default for ${plan.rustName} {`,
    '    fn default() -> Self {',
    '        Self::ZERO',
    '    }',
    '}',
    '',
    `const _: () = assert!(core::mem::size_of::<${plan.rustName}>() == ${st.size});`,
    `const _: () = assert!(core::mem::align_of::<${plan.rustName}>() == ${st.align});`,
    ...plan.fields.map((f) => `const _: () = assert!(core::mem::offset_of!(${plan.rustName}, ${f.name}) == ${f.offset});`),
    '',
  );
  return out;
}

/** Getter and setter of one bit-field (or of a plain field that shares its storage). */
function accessors(plan: StructPlan, unit: Extract<RustField, { kind: 'bits' }>, m: BitMember): string[] {
  const bits = unit.size * 8;
  const mask = m.width >= 53 ? undefined : 2 ** m.width - 1;
  if (mask === undefined) throw new Error(`${plan.schemaPath}: bit-field ${m.field.name} is wider than 52 bits`);
  if (bits > 32) throw new Error(`${plan.schemaPath}: 64-bit bit-field storage is not generated`);
  const shifted = m.shift === 0 ? `self.${unit.name}` : `(self.${unit.name} >> ${m.shift})`;
  const masked = m.width === bits ? shifted : `${shifted} & ${hexMask(mask, 1)}`;
  const read = m.rust === unit.rust ? masked : `(${masked}) as ${m.rust}`;
  const value = m.rust === unit.rust ? 'value' : `value as ${unit.rust}`;
  const write = m.shift === 0 ? `(${value} & ${hexMask(mask, 1)})` : `((${value} & ${hexMask(mask, 1)}) << ${m.shift})`;
  // Every bit of the storage except this field's, written at the storage's full width.
  const keep = (2 ** bits - 1 - mask * 2 ** m.shift) >>> 0;
  const getter = rustIdent(m.field.name);
  const what = m.field.bits ? `the \`${m.field.name}\` bit-field` : `\`${m.field.name}\` (a plain field that shares the bit-fields' storage)`;
  const schemaPath = `${plan.schemaPath}.fields[${m.field.name}]`;
  return [
    '',
    ...doc('    ', [capital(`${what}: ${bitRange(m)} of \`${unit.name}\``)], schemaPath),
    '    #[inline]',
    `    pub const fn ${getter}(&self) -> ${m.rust} {`,
    `        ${read}`,
    '    }',
    '',
    ...doc('    ', [`Sets ${what}; bits of \`value\` above its width are dropped, as C does.`], schemaPath),
    '    #[inline]',
    `    pub const fn set_${m.field.name}(&mut self, value: ${m.rust}) {`,
    `        self.${unit.name} = (self.${unit.name} & ${hexMask(keep, unit.size * 2)}) | ${write};`,
    '    }',
  ];
}

function emitUnion(u: UnionPlan, owner: StructPlan): string[] {
  return [
    ...doc(
      '',
      [`The payload union \`u\` of [\`${owner.rustName}\`]: one member per DM op, named as in Xen. Which member is live depends on \`op\`.`],
      `${owner.schemaPath}.fields[u]`,
    ),
    '#[repr(C)]',
    '#[derive(Clone, Copy)]',
    `pub union ${u.rustName} {`,
    ...u.members.flatMap((m) => [...m.doc, `    pub ${m.name}: ${m.rust},`]),
    '}',
    '',
    `impl ${u.rustName} {`,
    '    /// All bytes zero (through the member that spans the whole union).',
    `    pub const ZERO: Self = Self { ${u.zeroMember}: ${u.members.find((m) => m.name === u.zeroMember)!.rust}::ZERO };`,
    '}',
    '',
    `impl Default for ${u.rustName} {`,
    '    fn default() -> Self {',
    '        Self::ZERO',
    '    }',
    '}',
    '',
    `impl core::fmt::Debug for ${u.rustName} {`,
    "    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {",
    '        // The live member depends on the op number next to the union, so the union alone cannot print it.',
    `        f.write_str(${rustStr(`${u.rustName} { .. }`)})`,
    '    }',
    '}',
    '',
    `const _: () = assert!(core::mem::size_of::<${u.rustName}>() == ${u.size});`,
    `const _: () = assert!(core::mem::align_of::<${u.rustName}>() == ${u.align});`,
    '',
  ];
}

function structsSection(ctx: Ctx, layouts: StructLayouts): string[] {
  const plans = layouts.planAll();
  for (const p of plans) {
    ctx.items.claim(p.rustName, p.schemaPath);
    if (p.union) ctx.items.claim(p.union.rustName, `${p.schemaPath}.fields[u]`);
  }
  return [
    '',
    '// ---------------------------------------------------------------------------------------------------',
    '// Struct layouts (x86_64), checked at compile time',
    '',
    ...plans.flatMap((p) => emitStruct(p, layouts)),
  ];
}

// ---------------------------------------------------------------------------------------------------
// The generated test module: every lookup against the schema's own data

function testsSection(ctx: Ctx, layouts: StructLayouts): string[] {
  const { s } = ctx;
  const count = p2mCount(ctx);
  const out = ['', '#[cfg(test)]', 'mod tests {', '    use super::*;', ''];
  const test = (name: string, body: string[]) => out.push('    #[test]', `    fn ${name}() {`, ...body.map((l) => (l === '' ? l : `        ${l}`)), '    }', '');

  test('releases_round_trip', [
    `assert_eq!(Release::ALL.len(), ${s.releases.length});`,
    ...ctx.releases.map((n) => {
      const r = s.releases.find((x) => x.name === n)!;
      return `assert_eq!(Release::from_name(${rustStr(n)}).map(|r| (r.name(), r.latest_interface_version(), r.tools_ops().hypercall())), Some((${rustStr(n)}, ${hex32(parseIfaceHex(r.latestInterfaceVersion))}, ${s.hypercalls.find((h) => h.name === r.toolsOps)!.value})));`;
    }),
    'assert_eq!(Release::from_name("4.1"), None);',
  ]);

  test('errno_round_trip', [
    `assert_eq!(Errno::ALL.len(), ${s.errno.length});`,
    ...s.errno.map((e) => `assert_eq!((Errno::from_value(${e.value}), Errno::from_name(${rustStr(e.name)}).map(Errno::value), ${errnoExpr(e.name)}.is_internal()), (Some(${errnoExpr(e.name)}), Some(${e.value}), ${e.internal}));`),
  ]);

  // Every name at every interface version that matters: the era starts, the last version before each,
  // every release's own version, and the undefined version.
  const ifaces = [
    ...new Set([
      parseIfaceHex(s.interfaceVersion.undefinedValue),
      ...hvmmemEraStarts(s).flatMap((v) => (v > 0 ? [v - 1, v] : [v])),
      ...s.releases.map((r) => parseIfaceHex(r.latestInterfaceVersion)),
    ]),
  ].sort((a, b) => a - b);
  const latest = Math.max(...s.releases.map((r) => parseIfaceHex(r.latestInterfaceVersion)));
  const values = [...s.hvmmemTypes].sort((a, b) => a.value - b.value);
  const allNames = [...new Set(values.flatMap((v) => v.names.map((n) => n.name)))];
  const nameAt = (iface: number, v: (typeof values)[number]) => v.names.find((n) => ifaceInRange(iface, n.iface))?.name;
  const nameRows = ifaces
    .filter((i) => i <= latest)
    .flatMap((iface) => values.map((v) => `(${hex32(iface)}, ${v.value}, ${opt(nameAt(iface, v) === undefined ? undefined : rustStr(nameAt(iface, v)!))}),`));
  const valueRows = ifaces
    .filter((i) => i <= latest)
    .flatMap((iface) => allNames.map((name) => `(${hex32(iface)}, ${rustStr(name)}, ${opt(values.find((v) => v.names.some((n) => n.name === name && ifaceInRange(iface, n.iface)))?.value.toString())}),`));
  test('hvmmem_names_per_interface_version', [
    "let names: &[(u32, u16, Option<&str>)] = &[",
    ...nameRows.map((r) => `    ${r}`),
    '];',
    'for &(iface, value, name) in names {',
    '    assert_eq!(hvmmem_name_at(iface, value), name, "name of {value} at {iface:#010x}");',
    '}',
    "let values: &[(u32, &str, Option<u16>)] = &[",
    ...valueRows.map((r) => `    ${r}`),
    '];',
    'for &(iface, name, value) in values {',
    '    assert_eq!(hvmmem_value_at(iface, name), value, "value of {name} at {iface:#010x}");',
    '}',
    ...values.flatMap((v) => v.names.map((n) => `assert_eq!(hvmmem_value_at(${hex32(n.iface.from === undefined ? 0 : parseIfaceHex(n.iface.from))}, ${rustStr(n.cName)}), Some(${v.value}));`)),
    `assert_eq!(hvmmem_name_at(${hex32(latest + 1)}, ${values[0]?.value ?? 0}), None);`,
  ]);

  const maxValue = Math.max(0, ...values.map((v) => v.value));
  const acceptRows: string[] = [];
  for (const r of ctx.releases) {
    const info = s.releases.find((x) => x.name === r)!;
    for (let value = 0; value <= maxValue + 1; value++) {
      const listed = values.find((v) => v.value === value);
      const h = listed && entryFor(listed.hypervisor, r);
      let expected: string | undefined;
      if (!info.behaviourRecorded) expected = undefined;
      else if (!listed) expected = `Refused(${errnoExpr(s.unlistedHvmmemError)})`;
      else if (h === undefined) expected = undefined;
      else expected = h.accepted ? `Accepted(${h.p2m}, &[${(h.requires ?? []).map((id) => `Requirement::${pascal(id)}`).join(', ')}])` : `Refused(${errnoExpr(h.error!)})`;
      acceptRows.push(`(${rel(r)}, ${value}, ${opt(expected)}),`);
    }
  }
  test('hvmmem_acceptance_per_release', [
    '#[derive(Debug, PartialEq)]',
    "enum Expect { Accepted(u8, &'static [Requirement]), Refused(Errno) }",
    'use Expect::*;',
    'let rows: &[(Release, u16, Option<Expect>)] = &[',
    ...acceptRows.map((r) => `    ${r}`),
    '];',
    'for (release, value, expected) in rows {',
    '    let got = hvmmem_acceptance(*release, *value).map(|a| match a {',
    '        HvmmemAcceptance::Accepted { p2m, requires } => Accepted(p2m, requires),',
    '        HvmmemAcceptance::Refused(e) => Refused(e),',
    '    });',
    '    assert_eq!(&got, expected, "{release} value {value}");',
    '}',
  ]);

  const p2mRows = ctx.releases.flatMap((r) => Array.from({ length: count }, (_, t) => `(${rel(r)}, ${t}, ${opt(p2mNameAt(s, t, r) === undefined ? undefined : rustStr(p2mNameAt(s, t, r)!))}),`));
  test('p2m_names_per_release', [
    "let rows: &[(Release, u8, Option<&str>)] = &[",
    ...p2mRows.map((r) => `    ${r}`),
    '];',
    'for &(release, value, name) in rows {',
    '    assert_eq!(p2m_name_at(release, value), name, "{release} p2m {value}");',
    '    if let Some(name) = name {',
    '        assert_eq!(p2m_value_at(release, name), Some(value));',
    '    }',
    '}',
  ]);

  const classRows = s.p2mClasses.flatMap((c) => ctx.releases.map((r) => `(${c.name}, ${rel(r)}, ${opt(classAt(ctx, c.name, r) === undefined ? undefined : hexMask(maskOf(classAt(ctx, c.name, r)!), count > 16 ? 8 : 4))}),`));
  test('p2m_classes_per_release', [
    'let rows: &[(P2mClass, Release, Option<P2mTypeMask>)] = &[',
    ...classRows.map((r) => `    ${r}`),
    '];',
    'for (class, release, mask) in rows {',
    '    assert_eq!(class.at(*release), *mask, "{} at {release}", class.name);',
    '}',
  ]);

  const transitionRows: string[] = [];
  for (const r of ctx.releases) {
    const t = entryFor(s.transitions, r);
    for (let from = 0; from < count; from++)
      for (let to = 0; to <= maxValue + 1; to++) {
        const outcome = t?.rows.find((row) => row.from === from)?.to[String(to)];
        transitionRows.push(`(${rel(r)}, ${from}, ${to}, ${opt(outcome === undefined ? undefined : outcome === 'ok' ? 'Ok(())' : `Err(${errnoExpr(outcome)})`)}),`);
      }
  }
  test('transitions_per_release', [
    '// (release, old p2m type, hvmmem number, outcome)',
    'type Row = (Release, u8, u16, Option<Result<(), Errno>>);',
    'let rows: &[Row] = &[',
    ...transitionRows.map((r) => `    ${r}`),
    '];',
    'for &(release, from, to, outcome) in rows {',
    '    assert_eq!(p2m_transition(release, from, to), outcome, "{release} p2m {from} -> hvmmem {to}");',
    '}',
  ]);

  const gmtRows: string[] = [];
  for (const r of ctx.releases) {
    const g = entryFor(s.getMemType, r);
    const table = g && evaluateGetMemType(s, g.steps, r, count);
    for (let t = 0; t <= count; t++) gmtRows.push(`(${rel(r)}, ${t}, ${opt(table?.[t]?.toString())}),`);
  }
  test('get_mem_type_per_release', [
    'let rows: &[(Release, u8, Option<u16>)] = &[',
    ...gmtRows.map((r) => `    ${r}`),
    '];',
    'for &(release, p2m, value) in rows {',
    '    assert_eq!(get_mem_type(release, p2m), value, "{release} p2m {p2m}");',
    '}',
  ]);

  test('op_tables', [
    ...[...s.hvmops].sort((a, b) => a.value - b.value).map((o) => `assert_eq!(hvmop(${o.value}).map(|o| o.c_name), Some(${rustStr(o.cName)}));`),
    ...[...s.dmops]
      .sort((a, b) => a.value - b.value)
      .map((o) => `assert_eq!(dmop(${o.value}).map(|o| (o.c_name, o.payload_size)), Some((${rustStr(o.cName)}, ${layouts.latest(o.struct)!.struct.size})));`),
  ]);

  test(
    'constants',
    s.constants.flatMap((g) => g.members.map((m) => `assert_eq!(constant_group(${rustStr(g.name)}).and_then(|g| g.members.iter().find(|m| m.name == ${rustStr(m.name)})).map(|m| m.value), Some(${m.value > 0xffff ? hexMask(m.value, 8) : m.value}));`)),
  );

  // Each part of a pack alone, all ones: it must land on its own bits and nowhere else.
  test(
    'bit_packs',
    ctx.s.bitPacks.flatMap((p) =>
      p.parts.map((q) => `assert_eq!(${p.cName}(${p.parts.map((x) => (x === q ? 'u32::MAX' : '0')).join(', ')}), ${hexMask(((2 ** q.width - 1) * 2 ** q.shift) >>> 0, 8)});`),
    ),
  );

  // Each bit-field set to all ones in a zero struct, as the reference measured them: the bytes in memory
  // must be exactly the bits the schema gives (field byte offset, then shift and width inside it). Then
  // set to zero in all-ones storage, it must clear exactly those bits.
  const bitBody: string[] = [];
  for (const p of layouts.plans)
    for (const f of p.fields) {
      if (f.kind !== 'bits') continue;
      for (const m of f.members) {
        // Bit `bit` of storage byte k is bit (k - fieldByte) * 8 + bit of the field's own storage unit.
        const fieldByte = m.field.offset - f.offset;
        const start = m.field.bits?.shift ?? 0;
        const width = m.field.bits?.width ?? m.field.size * 8;
        const bytes = Array.from({ length: f.size }, (_, k) => {
          let byte = 0;
          for (let bit = 0; bit < 8; bit++) {
            const inField = (k - fieldByte) * 8 + bit;
            if (inField >= start && inField < start + width) byte |= 1 << bit;
          }
          return byte;
        });
        bitBody.push(
          `let mut v = ${p.rustName}::ZERO;`,
          `v.set_${m.field.name}(${m.rust}::MAX);`,
          `assert_eq!(v.${f.name}.to_ne_bytes(), [${bytes.map((b) => hexMask(b, 2)).join(', ')}], "${p.rustName}.${m.field.name}");`,
          `assert_eq!(v.${rustIdent(m.field.name)}(), ${hexMask(2 ** m.width - 1, 1)});`,
          `v.${f.name} = ${f.rust}::MAX;`,
          `v.set_${m.field.name}(0);`,
          `assert_eq!(v.${f.name}.to_ne_bytes(), [${bytes.map((b) => hexMask(255 - b, 2)).join(', ')}]);`,
        );
      }
    }
  if (bitBody.length) test('bit_fields', bitBody);
  out.push('}');
  return out;
}

// ---------------------------------------------------------------------------------------------------

/** The Rust crate's generated module, from a validated schema. */
export function generateRust(schema: XenAbiSchema): GeneratedFile[] {
  const releases = releaseNames(schema);
  const ctx: Ctx = { s: schema, releases, newest: newestRelease(schema), items: new ItemNames() };
  for (const n of ['ReleaseRange', 'IfaceRange', 'Visibility', 'Arch']) ctx.items.claim(n, 'the shared types');
  const layouts = new StructLayouts(ctx);
  const structs = structsSection(ctx, layouts);
  const lines = [
    ...moduleHead(ctx),
    ...releasesSection(ctx),
    ...errnoSection(ctx),
    ...hvmmemSection(ctx),
    ...p2mSection(ctx),
    ...opsSection(ctx, layouts),
    ...constantsSection(ctx),
    ...bitPacksSection(ctx),
    ...limitsSection(ctx),
    ...structs,
    ...testsSection(ctx, layouts),
  ];
  return [{ path: RUST_OUT, contents: `${lines.join('\n')}\n` }];
}
