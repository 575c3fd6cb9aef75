/**
 * TypeScript generator: packages/abi-types/src/generated/*.ts.
 *
 * The output is data (`as const` tables that mirror the schema, with numbers made explicit) plus the
 * literal types that make misuse a compile error: `HvmmemNameAt<0x00040700>` has no `mmio_write_dm`.
 * The hand-written runtime in packages/abi-types/src reads these tables; nothing here has behaviour.
 */
import type { BitField, Field, ReleaseRange, Struct, XenAbiSchema } from '@xenmem/schema';
import { formatIfaceHex, hvmmemEraStarts, ifaceInRange, parseIfaceHex, releaseNames } from '@xenmem/schema';
import { generatedMarker, type GeneratedFile } from './header.js';

const OUT = 'packages/abi-types/src/generated';
const HEADER = generatedMarker('ts.ts', 'ts');

const hex = (n: number) => formatIfaceHex(n);
const lit = (v: unknown) => JSON.stringify(v);

/** `xen_dm_op_set_mem_type` → `XenDmOpSetMemType` */
export function pascal(cName: string): string {
  return cName
    .split('_')
    .filter(Boolean)
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join('');
}

function file(name: string, doc: string, body: string[]): GeneratedFile {
  return { path: `${OUT}/${name}`, contents: [HEADER, `/** ${doc} */`, '', ...body, ''].join('\n') };
}

function range(r: ReleaseRange): string {
  return `{ from: ${lit(r.from)}, to: ${r.to === undefined ? 'null' : lit(r.to)} }`;
}

function releasesFile(s: XenAbiSchema): GeneratedFile {
  const names = releaseNames(s);
  const rel = names.map((n) => s.releases.find((r) => r.name === n)!);
  const body = [
    '/** Xen releases the schema covers, oldest first. schema: releases[] */',
    'export const RELEASES = [',
    ...rel.map(
      (r) =>
        `  { name: ${lit(r.name)}, date: ${lit(r.date)}, latestInterfaceVersion: ${hex(parseIfaceHex(r.latestInterfaceVersion))}, toolsOps: ${lit(r.toolsOps)}, behaviourRecorded: ${r.behaviourRecorded} },`,
    ),
    '] as const;',
    '',
    '/** A Xen release name, e.g. "4.9". Always a string: "4.10" is not 4.1. */',
    'export type ReleaseName = (typeof RELEASES)[number]["name"];',
    '',
    '/** Each release\'s `__XEN_LATEST_INTERFACE_VERSION__`. schema: releases[].latestInterfaceVersion */',
    'export interface ReleaseIfaceMap {',
    ...rel.flatMap((r) => [
      `  /** Xen ${r.name} (${r.date}): the interface version its public headers define. schema: releases[name=${r.name}] */`,
      `  ${lit(r.name)}: ${hex(parseIfaceHex(r.latestInterfaceVersion))};`,
    ]),
    '}',
    '',
    ...rel.map(
      (r) =>
        `/** Interface version of Xen ${r.name}'s headers. schema: releases[name=${r.name}] */\nexport const IFACE_${r.name.replace('.', '_')} = ${hex(parseIfaceHex(r.latestInterfaceVersion))} as const;`,
    ),
    '',
    `/** The newest interface version any release defines. */`,
    `export const LATEST_INTERFACE_VERSION = ${hex(Math.max(...rel.map((r) => parseIfaceHex(r.latestInterfaceVersion))))} as const;`,
    `/** What an undefined \`__XEN_INTERFACE_VERSION__\` means. schema: interfaceVersion.undefinedValue */`,
    `export const IFACE_UNDEFINED = ${hex(parseIfaceHex(s.interfaceVersion.undefinedValue))} as const;`,
    '',
    '/** Hypercall numbers. schema: hypercalls[] */',
    'export const HYPERCALLS = [',
    ...s.hypercalls.map((h) => `  { name: ${lit(h.name)}, cName: ${lit(h.cName)}, value: ${h.value} },`),
    '] as const;',
  ];
  return file('releases.ts', 'Xen releases and their interface versions.', body);
}

function hvmmemFile(s: XenAbiSchema): GeneratedFile {
  const starts = hvmmemEraStarts(s);
  const eras = starts.map((from, i) => ({ from, below: starts[i + 1] }));
  const known = [...new Set([parseIfaceHex(s.interfaceVersion.undefinedValue), ...s.releases.map((r) => parseIfaceHex(r.latestInterfaceVersion))])].sort((a, b) => a - b);
  const namesAt = (iface: number) =>
    [...s.hvmmemTypes]
      .sort((a, b) => a.value - b.value)
      .flatMap((v) => v.names.filter((n) => ifaceInRange(iface, n.iface)).map((n) => n.name));
  const body: string[] = [
    "import type { ReleaseIfaceMap, ReleaseName } from './releases.js';",
    '',
    '/**',
    ' * Interface-version eras: ranges of `__XEN_INTERFACE_VERSION__` within which every hvmmem number has',
    ' * the same name. Derived from schema: hvmmemTypes[].names[].iface',
    ' */',
    'export const HVMMEM_ERAS = [',
    ...eras.map((e) => `  { from: ${hex(e.from)}, below: ${e.below === undefined ? 'null' : hex(e.below)}, names: ${lit(namesAt(e.from))} },`),
    '] as const;',
    '',
  ];
  eras.forEach((e, i) => {
    const ifaces = known.filter((k) => k >= e.from && (e.below === undefined || k < e.below));
    body.push(
      `/** Known interface versions in era ${i} (${hex(e.from)} … ${e.below === undefined ? 'latest' : `below ${hex(e.below)}`}). */`,
      `export type IfaceEra${i} = ${ifaces.map(hex).join(' | ')};`,
      `/** hvmmem names a client built in era ${i} can use. */`,
      `export type HvmmemNameEra${i} = ${namesAt(e.from).map(lit).join(' | ')};`,
      '',
    );
  });
  const conditional = eras.map((_, i) => `V extends IfaceEra${i} ? HvmmemNameEra${i} : `).join('');
  body.push(
    '/** Every hvmmem name of any interface version. */',
    `export type HvmmemName = ${eras.map((_, i) => `HvmmemNameEra${i}`).join(' | ')};`,
    '/** Every interface version named by a release (plus the undefined version). */',
    `export type KnownIface = ${eras.map((_, i) => `IfaceEra${i}`).join(' | ')};`,
    '',
    '/**',
    ' * The hvmmem names a client built at interface version `V` (a number or a release name) may use.',
    ' * A version the schema does not name (e.g. 0x00040650) allows every name and is checked at run time.',
    ' */',
    `export type HvmmemNameAt<V> = ${conditional}V extends ReleaseName ? HvmmemNameAt<ReleaseIfaceMap[V]> : HvmmemName;`,
    '',
    '/** Semantics tags; a placeholder tag marks a burnt number. schema: semantics[] */',
    'export const SEMANTICS = [',
    ...s.semantics.map((t) => `  { tag: ${lit(t.tag)}, placeholder: ${t.placeholder}, description: ${lit(t.description)} },`),
    '] as const;',
    '',
    '/** Checks set_mem_type makes once, before its loop, in Xen\'s order. schema: requirements[] */',
    'export const REQUIREMENTS = [',
    ...[...s.requirements].sort((a, b) => a.order - b.order).map((r) => `  { id: ${lit(r.id)}, error: ${lit(r.error)}, description: ${lit(r.description)} },`),
    '] as const;',
    '',
    '/** What set_mem_type answers for a number with no entry below. schema: unlistedHvmmemError */',
    `export const HVMMEM_UNLISTED_ERROR = ${lit(s.unlistedHvmmemError)};`,
    '',
    '/** Every number of hvmmem_type_t: its names by interface version and what each release does with it. schema: hvmmemTypes[] */',
    'export const HVMMEM_VALUES = [',
  );
  for (const v of [...s.hvmmemTypes].sort((a, b) => a.value - b.value)) {
    body.push(`  {`, `    value: ${v.value},`, `    names: [`);
    for (const n of v.names)
      body.push(
        `      { name: ${lit(n.name)}, cName: ${lit(n.cName)}, semantics: ${lit(n.semantics)}, firstRelease: ${lit(n.firstRelease)}, ifaceFrom: ${n.iface.from ?? 'null'}, ifaceBelow: ${n.iface.below ?? 'null'}, description: ${lit(n.description)} },`,
      );
    body.push(`    ],`, `    hypervisor: [`);
    for (const h of v.hypervisor)
      body.push(
        `      { releases: ${range(h.releases)}, accepted: ${h.accepted}, error: ${h.error === undefined ? 'null' : lit(h.error)}, p2m: ${h.p2m ?? 'null'}, requires: ${lit(h.requires ?? [])}, why: ${lit(h.why)} },`,
      );
    body.push(`    ],`, `  },`);
  }
  body.push('] as const;');
  return file('hvmmem.ts', 'hvmmem_type_t: numbers, names per interface version, and what each release accepts.', body);
}

function p2mFile(s: XenAbiSchema): GeneratedFile {
  const body: string[] = [
    '/** Internal p2m_type_t (not public ABI: Xen renames these). schema: p2mTypes[] */',
    'export const P2M_TYPES = [',
    ...[...s.p2mTypes]
      .sort((a, b) => a.value - b.value)
      .map((t) => `  { value: ${t.value}, names: [${t.names.map((n) => `{ name: ${lit(n.name)}, releases: ${range(n.releases)} }`).join(', ')}], description: ${lit(t.description)} },`),
    '] as const;',
    '',
    '/** Type classes (Xen\'s P2M_*_TYPES masks) per release range. schema: p2mClasses[] */',
    'export const P2M_CLASSES = [',
    ...s.p2mClasses.map(
      (c) =>
        `  { name: ${lit(c.name)}, predicate: ${c.predicate === undefined ? 'null' : lit(c.predicate)}, byRelease: [${c.byRelease.map((e) => `{ releases: ${range(e.releases)}, types: ${lit(e.types)} }`).join(', ')}], description: ${lit(c.description)} },`,
    ),
    '] as const;',
    '',
    '/** Per-page outcome of set_mem_type: old p2m type × hvmmem number → "ok" or errno. schema: transitions[] */',
    'export const TRANSITIONS = [',
  ];
  for (const t of s.transitions) {
    body.push(`  {`, `    releases: ${range(t.releases)},`, `    rule: ${lit(t.rule)},`, `    populatedByLookup: ${lit(t.populatedByLookup)},`, `    rows: [`);
    for (const row of t.rows) body.push(`      { from: ${row.from}, to: { ${Object.entries(row.to).map(([k, v]) => `${k}: ${lit(v)}`).join(', ')} } },`);
    body.push(`    ],`, `  },`);
  }
  body.push(
    '] as const;',
    '',
    '/** get_mem_type: ordered steps, the first match gives the hvmmem number. schema: getMemType[] */',
    'export const GET_MEM_TYPE = [',
    ...s.getMemType.map(
      (g) =>
        `  { releases: ${range(g.releases)}, steps: [${g.steps
          .map((st) => `{ step: ${st.step}, match: ${lit(st.match)}, class: ${st.class === undefined ? 'null' : lit(st.class)}, p2m: ${st.p2m ?? 'null'}, result: ${st.result} }`)
          .join(', ')}] },`,
    ),
    '] as const;',
  );
  return file('p2m.ts', 'Internal p2m types, their classes, set_mem_type transitions and the get_mem_type projection, per release.', body);
}

function opsFile(s: XenAbiSchema): GeneratedFile {
  const body = [
    '/** HVMOP numbers (`__HYPERVISOR_hvm_op`). schema: hvmops[] */',
    'export const HVMOPS = [',
    ...[...s.hvmops]
      .sort((a, b) => a.value - b.value)
      .map(
        (o) =>
          `  { value: ${o.value}, name: ${lit(o.name)}, cName: ${lit(o.cName)}, visibility: ${lit(o.visibility)}, firstRelease: ${lit(o.firstRelease)}, lastHeaderRelease: ${o.lastHeaderRelease === undefined ? 'null' : lit(o.lastHeaderRelease)}, ifaceBelow: ${o.iface?.below ?? 'null'}, dispatched: [${o.dispatched.map(range).join(', ')}], struct: ${o.struct === undefined ? 'null' : lit(o.struct)}, movedToDmop: ${o.movedToDmop ?? 'null'}, description: ${lit(o.description)} },`,
      ),
    '] as const;',
    '',
    '/** DMOP numbers (`__HYPERVISOR_dm_op`, 4.9+). schema: dmops[] */',
    'export const DMOPS = [',
    ...[...s.dmops]
      .sort((a, b) => a.value - b.value)
      .map(
        (o) =>
          `  { value: ${o.value}, name: ${lit(o.name)}, cName: ${lit(o.cName)}, firstRelease: ${lit(o.firstRelease)}, struct: ${lit(o.struct)}, copyBack: ${o.copyBack}, arch: ${lit(o.arch)}, replacesHvmop: ${o.replacesHvmop ?? 'null'}, description: ${lit(o.description)} },`,
      ),
    '] as const;',
    '',
    '/** A DMOP name, e.g. "set_mem_type". */',
    'export type DmOpName = (typeof DMOPS)[number]["name"];',
    '/** An HVMOP name, e.g. "get_mem_type". */',
    'export type HvmOpName = (typeof HVMOPS)[number]["name"];',
  ];
  return file('ops.ts', 'HVMOP and DMOP numbers.', body);
}

/** TS type of one field's value in decoded form. */
function fieldTsType(f: Field): string {
  const scalar = f.type === 'uint64' || f.type === 'handle' ? 'bigint' : f.type === 'union' ? 'Uint8Array' : f.type === 'struct' ? pascal(f.element ?? '') : 'number';
  return f.count !== undefined ? `${scalar}[]` : scalar;
}

/** Layout id: the struct name for its newest layout, `name@from` for older ones. */
export function layoutIds(s: XenAbiSchema): Map<Struct, string> {
  const ids = new Map<Struct, string>();
  const byName = new Map<string, Struct[]>();
  for (const st of s.structs) byName.set(st.name, [...(byName.get(st.name) ?? []), st]);
  for (const [name, variants] of byName) {
    const newest = variants.find((v) => v.releases.to === undefined) ?? variants[variants.length - 1]!;
    for (const v of variants) ids.set(v, v === newest ? name : `${name}@${v.releases.from}`);
  }
  return ids;
}

function structsFile(s: XenAbiSchema): GeneratedFile {
  const ids = layoutIds(s);
  const body: string[] = ['/** Struct layouts (x86_64; little-endian). schema: structs[] */', 'export const STRUCTS = {'];
  for (const st of s.structs) {
    body.push(
      `  ${lit(ids.get(st))}: {`,
      `    name: ${lit(st.name)}, releases: ${range(st.releases)}, header: ${lit(st.header)}, role: ${lit(st.role)}, visibility: ${lit(st.visibility)}, size: ${st.size}, align: ${st.align},`,
      `    description: ${lit(st.description)},`,
      `    fields: [`,
      ...st.fields.map(
        (f) =>
          `      { name: ${lit(f.name)}, offset: ${f.offset}, size: ${f.size}, type: ${lit(f.type)}, cType: ${f.cType === undefined ? 'null' : lit(f.cType)}, count: ${f.count ?? 'null'}, element: ${f.element === undefined ? 'null' : lit(f.element)}, bits: ${f.bits === undefined ? 'null' : `{ shift: ${f.bits.shift}, width: ${f.bits.width} }`}, dir: ${f.dir === undefined ? 'null' : lit(f.dir)}, mustBeZero: ${f.mustBeZero === true} },`,
      ),
      `    ],`,
      `  },`,
    );
  }
  body.push('} as const;', '', '/** A struct layout id: the C struct name, or `name@firstRelease` for an older layout. */', 'export type LayoutId = keyof typeof STRUCTS;', '');
  const seen = new Set<string>();
  for (const st of s.structs) {
    const id = ids.get(st)!;
    const tsName = id === st.name ? pascal(st.name) : `${pascal(st.name)}_${st.releases.from.replace('.', '_')}`;
    if (seen.has(tsName)) continue;
    seen.add(tsName);
    body.push(`/** Decoded \`struct ${st.name}\` (${st.header}, ${st.releases.from}${st.releases.to ? `–${st.releases.to}` : '+'}). schema: structs[${lit(id)}] */`, `export interface ${tsName} {`);
    for (const f of st.fields) body.push(`  /** ${fieldDoc(f)} schema: structs[${lit(id)}].fields[name=${f.name}] */`, `  ${f.name}: ${fieldTsType(f)};`);
    body.push('}', '');
  }
  body.push('/** Decoded value type of each layout. */', 'export interface StructValues {');
  for (const st of s.structs) {
    const id = ids.get(st)!;
    body.push(
      `  /** \`struct ${st.name}\`, ${st.size} bytes, Xen ${st.releases.from}${st.releases.to ? `–${st.releases.to}` : '+'}. schema: structs[${lit(id)}] */`,
      `  ${lit(id)}: ${id === st.name ? pascal(st.name) : `${pascal(st.name)}_${st.releases.from.replace('.', '_')}`};`,
    );
  }
  body.push('}', '', '/** The payload struct of each DMOP, by DMOP name. schema: dmops[].struct */', 'export interface DmOpPayloads {');
  for (const o of [...s.dmops].sort((a, b) => a.value - b.value)) {
    body.push(`  /** ${o.cName} (${o.value}, Xen ${o.firstRelease}+): \`struct ${o.struct}\`. schema: dmops[name=${o.name}] */`, `  ${o.name}: ${pascal(o.struct)};`);
  }
  body.push('}');
  return file('structs.ts', 'Struct layouts and the decoded shape of each struct.', body);
}

/**
 * A struct field's doc comment: the schema's description when it has one, then the layout facts a device-model
 * author needs (C type, offset and size, bit position, element count, direction, must-be-zero).
 */
export function fieldDoc(f: Field): string {
  const ctype = f.cType ?? (f.type === 'struct' && f.element ? `struct ${f.element}` : f.type);
  const facts = [
    f.bits
      ? `${ctype} bit-field: ${f.bits.width} bit${f.bits.width === 1 ? '' : 's'} from bit ${f.bits.shift} of the ${f.size}-byte unit at offset ${f.offset}.`
      : `${f.count ? `${ctype}[${f.count}]` : ctype} at offset ${f.offset}, ${f.size} byte${f.size === 1 ? '' : 's'}.`,
    f.dir === 'out' ? 'Written by Xen (an output of the op).' : f.dir === 'inout' ? 'Read and written back by Xen.' : f.dir === 'in' ? 'Read by Xen.' : '',
    f.mustBeZero ? 'Padding: must be zero.' : '',
  ].filter(Boolean);
  return [f.description?.replace(/\.?$/, '.'), ...facts].filter(Boolean).join(' ').replace(/\*\//g, '*\\/');
}

/**
 * `CONST`: every constant as a literal, keyed by the schema's group and member names (the keys of `CONSTANTS` and
 * `ConstantName`), so `CONST.domid.self` is DOMID_SELF and a misspelt name fails to compile.
 */
function keyedConstants(s: XenAbiSchema): string[] {
  return [
    '/** Each constant by group and name, e.g. `CONST.ioreq_state.ready` is STATE_IOREQ_READY. schema: constants[] */',
    'export const CONST = {',
    ...s.constants.flatMap((g) => [
      `  /** ${g.header}: ${g.description.replace(/\*\//g, "*\\/")} schema: constants[name=${g.name}] */`,
      `  ${g.name}: {`,
      ...g.members.flatMap((m) => [`    /** ${m.cName} (Xen ${m.firstRelease}+). schema: constants[name=${g.name}].members[name=${m.name}] */`, `    ${m.name}: ${m.value},`]),
      '  },',
    ]),
    '} as const;',
    '',
    '/** The release whose headers first define each constant, keyed as `CONST`. schema: constants[].members[].firstRelease */',
    'export const CONST_FIRST_RELEASE = {',
    ...s.constants.map((g) => `  ${g.name}: { ${g.members.map((m) => `${m.name}: ${lit(m.firstRelease)}`).join(', ')} },`),
    '} as const;',
  ];
}

function constantsFile(s: XenAbiSchema): GeneratedFile {
  const body: string[] = [
    '/** Constant groups (enums as data). schema: constants[] */',
    'export const CONSTANTS = {',
    ...s.constants.map(
      (g) =>
        `  ${g.name}: { header: ${lit(g.header)}, visibility: ${lit(g.visibility)}, description: ${lit(g.description)}, members: [${g.members
          .map((m) => `{ name: ${lit(m.name)}, cName: ${lit(m.cName)}, value: ${m.value}, firstRelease: ${lit(m.firstRelease)} }`)
          .join(', ')}] },`,
    ),
    '} as const;',
    '',
    '/** A constant group name, e.g. "io_range". */',
    'export type ConstantGroupName = keyof typeof CONSTANTS;',
    '/** The member names of a group, e.g. ConstantName<"bufioreq"> = "off" | "legacy" | "atomic". */',
    'export type ConstantName<G extends ConstantGroupName> = (typeof CONSTANTS)[G]["members"][number]["name"];',
    '',
    ...keyedConstants(s),
    '',
    '/** Values packed from bit-fields, e.g. XEN_DMOP_PCI_SBDF. schema: bitPacks[] */',
    'export const BIT_PACKS = {',
    ...s.bitPacks.map((b) => `  ${b.name}: { cName: ${lit(b.cName)}, parts: [${b.parts.map((p) => `{ name: ${lit(p.name)}, shift: ${p.shift}, width: ${p.width} }`).join(', ')}] },`),
    '} as const;',
    '',
    '/** Xen errno values (public/errno.h). schema: errno[] */',
    'export const ERRNO = {',
    ...[...s.errno].sort((a, b) => a.value - b.value).map((e) => `  ${e.name}: { value: ${e.value}, internal: ${e.internal}, description: ${lit(e.description)} },`),
    '} as const;',
    '',
    '/** An errno name, e.g. "EINVAL". */',
    'export type ErrnoName = keyof typeof ERRNO;',
    '',
    '/**',
    ' * The error strings of the xenstore wire protocol in xs_wire.h\'s order: an XS_ERROR reply carries the errno\'s',
    ' * name, NUL-terminated. schema: xsdErrors[]',
    ' */',
    'export const XSD_ERRORS = [',
    ...(s.xsdErrors ?? []).map((e) => {
      const errno = s.errno.find((x) => x.name === e.errno);
      if (errno === undefined) throw new Error(`xsdErrors[${e.index}]: errno ${e.errno} is not in errno[]`);
      return `  { index: ${e.index}, errno: ${lit(e.errno)}, value: ${errno.value}, firstRelease: ${lit(e.firstRelease)} },`;
    }),
    '] as const;',
    '',
    '/** Limits by release. schema: limits[] */',
    'export const LIMITS = [',
    ...s.limits.map(
      (l) =>
        `  { id: ${lit(l.id)}, releases: ${range(l.releases)}, value: ${l.value}, cName: ${l.cName === undefined ? 'null' : lit(l.cName)}, error: ${l.error === undefined ? 'null' : lit(l.error)}, description: ${lit(l.description)}, source: ${l.source === undefined ? 'null' : lit(l.source)} },`,
    ),
    '] as const;',
    '',
    '/** A limit id, e.g. "maxDmopBufs": what `limitAt` takes. schema: limits[].id */',
    `export type LimitId = ${[...new Set(s.limits.map((l) => l.id))].map(lit).join(' | ') || 'never'};`,
    '',
    '/** How ioreq server ids are allocated, by release. schema: ioreqServerIds[] */',
    'export const IOREQ_SERVER_IDS = [',
    ...s.ioreqServerIds.map(
      (e) =>
        `  { releases: ${range(e.releases)}, scheme: ${lit(e.scheme)}, firstSlot: ${e.firstSlot ?? 'null'}, lastSlot: ${e.lastSlot ?? 'null'}, exhausted: ${lit(e.exhausted)}, description: ${lit(e.description)} },`,
    ),
    '] as const;',
  ];
  return file('constants.ts', 'Constants, bit packings, errno values and limits.', body);
}

function bitField(f: BitField): string {
  return `{ shift: ${f.shift}, width: ${f.width} }`;
}

function behaviourFile(s: XenAbiSchema): GeneratedFile {
  const body = [
    '/** How do_dm_op treats every call, by release. schema: dmOpEntry[] */',
    'export const DM_OP_ENTRY = [',
    ...s.dmOpEntry.map(
      (e) =>
        `  { releases: ${range(e.releases)}, nonHvmTarget: ${lit(e.nonHvmTarget)}, opCopy: ${lit(e.opCopy)}, zeroBuffers: ${lit(e.zeroBuffers)}, description: ${lit(e.description)} },`,
    ),
    '] as const;',
    '',
    '/** ioreq-server differences by release. schema: ioreqServerRules[] */',
    'export const IOREQ_SERVER_RULES = [',
    ...s.ioreqServerRules.map(
      (r) =>
        `  { releases: ${range(r.releases)}, rangeStartAfterEnd: ${lit(r.rangeStartAfterEnd)}, emulatorOnly: ${r.emulatorOnly}, getInfoField: ${lit(r.getInfoField)}, destroyIdZero: ${lit(r.destroyIdZero)}, idZeroOps: ${lit(r.idZeroOps ?? 'ok')}, pages: ${lit(r.pages)}, honourDf: ${r.honourDf}, ioreqServerPages: ${lit(r.ioreqServerPages)}, description: ${lit(r.description)} },`,
    ),
    '] as const;',
    '',
    '/** What set_mem_type returns when its type check refuses a page, by release. schema: setMemTypeRefusal[] */',
    'export const SET_MEM_TYPE_REFUSAL = [',
    ...(s.setMemTypeRefusal ?? []).map(
      (r) =>
        `  { releases: ${range(r.releases)}, refusal: ${lit(r.refusal)}, afterFirstPage: ${lit(r.afterFirstPage)}, description: ${lit(r.description)}, source: ${lit(r.source)} },`,
    ),
    '] as const;',
    '',
    '/** The argument checks of inject_msi, by release. schema: injectMsi[] */',
    'export const INJECT_MSI = [',
    ...(s.injectMsi ?? []).map(
      (r) =>
        `  { releases: ${range(r.releases)}, vector: ${bitField(r.vector)}, deliveryMode: ${bitField(r.deliveryMode)}, destId: ${bitField(r.destId)}, pirqHighMask: ${hex(r.pirqHighMask)}, noPirq: ${lit(r.noPirq)}, deliveryModes: [${r.deliveryModes.join(', ')}], otherDeliveryMode: ${lit(r.otherDeliveryMode)}, description: ${lit(r.description)}, source: ${lit(r.source)} },`,
    ),
    '] as const;',
    '',
    '/** Whether track_dirty_vram turns log-dirty mode on, by release (XSA-397). schema: logDirtyByTracking[] */',
    'export const LOG_DIRTY_BY_TRACKING = [',
    ...(s.logDirtyByTracking ?? []).map(
      (r) => `  { releases: ${range(r.releases)}, trackEnablesLogDirty: ${r.trackEnablesLogDirty}, description: ${lit(r.description)}, source: ${lit(r.source)} },`,
    ),
    '] as const;',
    '',
    '/** DM ops that require an exact number of buffers, by release (XSA-506). schema: dmOpExactBufs[] */',
    'export const DM_OP_EXACT_BUFS = [',
    ...(s.dmOpExactBufs ?? []).map(
      (r) => `  { op: ${lit(r.op)}, releases: ${range(r.releases)}, bufs: ${r.bufs}, error: ${lit(r.error)}, description: ${lit(r.description)}, source: ${lit(r.source)} },`,
    ),
    '] as const;',
    '',
    '/** Whether an empty ioreq gfn pool falls back to the legacy ioreq gfns, and how, by release. schema: legacyIoreqGfns[] */',
    'export const LEGACY_IOREQ_GFNS = [',
    ...(s.legacyIoreqGfns ?? []).map((r) => `  { releases: ${range(r.releases)}, fallback: ${lit(r.fallback)}, description: ${lit(r.description)}, source: ${lit(r.source)} },`),
    '] as const;',
    '',
    '/** The checks of XENMEM_acquire_resource before its frames, by release. schema: acquireResource[] */',
    'export const ACQUIRE_RESOURCE = [',
    ...(s.acquireResource ?? []).map(
      (r) =>
        `  { releases: ${range(r.releases)}, frameListMax: ${r.frameListMax === null ? 'null' : r.frameListMax}, nrFramesMax: ${r.nrFramesMax === null ? 'null' : r.nrFramesMax}, frameRangeFirst: ${r.frameRangeFirst}, sizeFirst: ${r.sizeFirst}, unknownType: ${lit(r.unknownType)}, hvmCheck: ${lit(r.hvmCheck)}, description: ${lit(r.description)}, source: ${lit(r.source)} },`,
    ),
    '] as const;',
  ];
  return file('behaviour.ts', 'Per-release behaviour of the hypercall paths the simulator models.', body);
}

function indexFile(): GeneratedFile {
  return file('index.ts', 'Everything generated from schema/xen-abi.json.', [
    "export * from './releases.js';",
    "export * from './hvmmem.js';",
    "export * from './p2m.js';",
    "export * from './ops.js';",
    "export * from './structs.js';",
    "export * from './constants.js';",
    "export * from './behaviour.js';",
  ]);
}

export function generateTypeScript(schema: XenAbiSchema): GeneratedFile[] {
  return [releasesFile(schema), hvmmemFile(schema), p2mFile(schema), opsFile(schema), structsFile(schema), constantsFile(schema), behaviourFile(schema), indexFile()];
}
