/**
 * Docs generator: docs/abi/*.md, the ABI as Markdown tables.
 *
 * Everything shown is read from the schema or computed from it the way Xen computes it (names at an
 * interface version, class membership at a release, the get_mem_type projection); nothing is written here
 * by hand. Output is deterministic: every list is ordered by its explicit number or by release.
 */
import type { Field, HvmmemAcceptance, ReleaseName, ReleaseRange, Struct, XenAbiSchema } from '@xenmem/schema';
import {
  compareReleases,
  entryFor,
  formatIfaceHex,
  formatRange,
  hvmmemEraStarts,
  ifaceInRange,
  p2mNameAt,
  parseIfaceHex,
  releaseInRange,
  releaseNames,
  releasesIn,
} from '@xenmem/schema';
import { generatedMarker, type GeneratedFile } from './header.js';

const OUT = 'docs/abi';
const HEADER = generatedMarker('docs.ts', 'markdown');
const NONE = '—';

// ---------------------------------------------------------------------------------------------------------
// Markdown helpers.

/**
 * Schema prose as Markdown: identifiers that Markdown would read as emphasis or a heading
 * (`__XEN_TOOLS__`, `XEN_DMOP_IO_RANGE_*`, `#error`) become code.
 */
function prose(text: string): string {
  return text.replace(/(?<![\w`])(_{1,2}[A-Za-z0-9_]*|[A-Za-z0-9_]+\*)|(?<=^|\s)(#[A-Za-z]\w*)/g, (_m, ident: string | undefined, hash: string | undefined) => `\`${ident ?? hash}\``);
}

/** A table cell: prose escaped, pipes escaped, line breaks flattened. Missing is a dash; '' stays blank. */
function cell(text: string | number | undefined): string {
  if (text === undefined) return NONE;
  return prose(String(text)).replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function table(headers: string[], rows: (string | number | undefined)[][]): string[] {
  return [`| ${headers.map(cell).join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)];
}

const code = (text: string) => `\`${text}\``;
const hex = (n: number) => `0x${n.toString(16)}`;

function file(name: string, title: string, intro: string[], body: string[]): GeneratedFile {
  return { path: `${OUT}/${name}`, contents: [HEADER, '', `# ${title}`, '', ...intro, ...(intro.length ? [''] : []), ...body, ''].join('\n') };
}

// ---------------------------------------------------------------------------------------------------------
// Reading the schema.

const byValue = <T extends { value: number }>(xs: readonly T[]) => [...xs].sort((a, b) => a.value - b.value);

function ifaceOf(s: XenAbiSchema, release: ReleaseName): number {
  return parseIfaceHex(s.releases.find((r) => r.name === release)!.latestInterfaceVersion);
}

/** The hvmmem name of `value` at an interface version, if it has one there. */
function hvmmemNameAt(s: XenAbiSchema, value: number, iface: number): string | undefined {
  return s.hvmmemTypes.find((v) => v.value === value)?.names.find((n) => ifaceInRange(iface, n.iface))?.name;
}

/** `2 mmio_dm`: a number with its name at a release's interface version. */
function hvmmemLabel(s: XenAbiSchema, value: number, release: ReleaseName): string {
  const name = hvmmemNameAt(s, value, ifaceOf(s, release));
  return name === undefined ? String(value) : `${value} ${name}`;
}

/** A range as text; a range that reaches the newest release is written open ("4.9+"). */
function rangeText(s: XenAbiSchema, releases: readonly ReleaseName[]): string {
  const names = releaseNames(s);
  const last = releases[releases.length - 1]!;
  return formatRange({ from: releases[0]!, ...(last === names[names.length - 1] ? {} : { to: last }) });
}

/** Consecutive releases for which `key` gives the same text, each with that text. */
function groupReleases(releases: readonly ReleaseName[], key: (r: ReleaseName) => string): { releases: ReleaseName[]; key: string }[] {
  const groups: { releases: ReleaseName[]; key: string }[] = [];
  for (const r of releases) {
    const k = key(r);
    const last = groups[groups.length - 1];
    if (last && last.key === k) last.releases.push(r);
    else groups.push({ releases: [r], key: k });
  }
  return groups;
}

/** A p2m type's name over a range: one name, or each name with the releases that give it. */
function p2mNameOver(s: XenAbiSchema, value: number, range: ReleaseRange): string {
  const named = groupReleases(releasesIn(s, range), (r) => p2mNameAt(s, value, r) ?? '').filter((g) => g.key !== '');
  if (named.length === 0) return String(value);
  if (named.length === 1) return named[0]!.key;
  return named.map((g) => `${g.key} (${rangeText(s, g.releases)})`).join(' / ');
}

/** `15 p2m_ioreq_server`: a p2m number with its name over a range. */
function p2mLabel(s: XenAbiSchema, value: number, range: ReleaseRange): string {
  return `${value} ${p2mNameOver(s, value, range)}`;
}

function recordedReleases(s: XenAbiSchema): ReleaseName[] {
  return releaseNames(s).filter((r) => s.releases.find((x) => x.name === r)!.behaviourRecorded);
}

function eraLabel(from: number, below: number | undefined): string {
  if (from === 0 && below !== undefined) return `below ${formatIfaceHex(below)}`;
  if (below === undefined) return `${formatIfaceHex(from)} and later`;
  return `${formatIfaceHex(from)} to below ${formatIfaceHex(below)}`;
}

function ifaceRangeText(range: { from?: string; below?: string }): string {
  if (range.from === undefined && range.below === undefined) return 'all';
  return eraLabel(range.from === undefined ? 0 : parseIfaceHex(range.from), range.below === undefined ? undefined : parseIfaceHex(range.below));
}

/** What set_mem_type does with an accepted or refused value over `range`, in a few words. */
function acceptanceText(s: XenAbiSchema, h: HvmmemAcceptance | undefined, range: ReleaseRange): string {
  if (h === undefined) return NONE;
  if (!h.accepted) return h.error ?? NONE;
  const p2m = `→ ${p2mNameOver(s, h.p2m!, range)}`;
  return h.requires?.length ? `${p2m}, needs ${h.requires.join(' and ')}` : p2m;
}

/** get_mem_type of a page of internal type `p2m` at `release`, by the schema's steps over its classes. */
function getMemTypeAt(s: XenAbiSchema, p2m: number, release: ReleaseName): number | undefined {
  const proj = entryFor(s.getMemType, release);
  if (!proj) return undefined;
  for (const st of [...proj.steps].sort((a, b) => a.step - b.step)) {
    if (st.match === 'else') return st.result;
    if (st.match === 'type' && st.p2m === p2m) return st.result;
    if (st.match === 'class' && entryFor(s.p2mClasses.find((c) => c.name === st.class)?.byRelease ?? [], release)?.types.includes(p2m)) return st.result;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// docs/abi/README.md

function readme(s: XenAbiSchema): GeneratedFile {
  const names = releaseNames(s);
  const release = (n: ReleaseName) => s.releases.find((r) => r.name === n)!;
  return file(
    'README.md',
    'Xen HVM memory-type ABI: tables',
    [
      `Generated from \`schema/xen-abi.json\` by \`packages/codegen/docs.ts\`; run \`npm run codegen\` after changing the schema. ${prose(s.description)}`,
    ],
    [
      ...table(
        ['Table', 'What it lists'],
        [
          ['[hvmmem.md](hvmmem.md)', '`hvmmem_type_t`: every value, its names per interface version and per release, and what each hypervisor release does with it'],
          ['[ops.md](ops.md)', 'HVMOP and DMOP numbers, first and last release, replacements'],
          ['[structs.md](structs.md)', 'struct layouts per release range: fields with offset, size, type and direction, bit-fields'],
          ['[p2m.md](p2m.md)', 'internal p2m types and classes per release, the set_mem_type transition matrix, the get_mem_type projection'],
          ['[constants.md](constants.md)', 'constants, bit packings, errno values, xenstore error strings, limits and ioreq server ids'],
        ],
      ),
      '',
      '## Releases',
      '',
      ...table(
        ['Release', 'Date', '`__XEN_LATEST_INTERFACE_VERSION__`', 'Tools ops', 'Behaviour recorded'],
        names.map((n) => {
          const r = release(n);
          return [n, r.date, code(r.latestInterfaceVersion), r.toolsOps, r.behaviourRecorded ? 'yes' : 'no'];
        }),
      ),
      '',
      '## Interface versions',
      '',
      `A release name stands for its latest interface version. A client that leaves \`__XEN_INTERFACE_VERSION__\` undefined gets ${code(s.interfaceVersion.undefinedValue)}.`,
      '',
      `- Tools builds: ${prose(s.interfaceVersion.toolsBuilds)}.`,
      `- Above the latest: ${prose(s.interfaceVersion.aboveLatest)}.`,
      '',
      '## Sources',
      '',
      ...s.sources.map((src) => `- ${prose(src)}`),
    ],
  );
}

// ---------------------------------------------------------------------------------------------------------
// docs/abi/hvmmem.md

function hvmmem(s: XenAbiSchema): GeneratedFile {
  const values = byValue(s.hvmmemTypes);
  const starts = hvmmemEraStarts(s);
  const eras = starts.map((from, i) => ({ from, below: starts[i + 1] }));
  const names = releaseNames(s);
  const undefinedIface = parseIfaceHex(s.interfaceVersion.undefinedValue);
  const semantics = (tag: string) => (s.semantics.find((t) => t.tag === tag)?.placeholder ? `${tag} (placeholder)` : tag);

  const body: string[] = [
    '## Names by interface-version era',
    '',
    'Within an era every number has the same name. Names are what the newest headers give at that interface version, as `__XEN_INTERFACE_VERSION__` selects them.',
    '',
    ...table(
      ['Value', ...eras.map((e) => eraLabel(e.from, e.below))],
      values.map((v) => [v.value, ...eras.map((e) => hvmmemNameAt(s, v.value, e.from))]),
    ),
    '',
    "## Names at each release's interface version",
    '',
    ...table(
      ['Release', 'Interface version', ...values.map((v) => String(v.value))],
      [
        ['(undefined)', code(formatIfaceHex(undefinedIface)), ...values.map((v) => hvmmemNameAt(s, v.value, undefinedIface))],
        ...names.map((r) => [r, code(formatIfaceHex(ifaceOf(s, r))), ...values.map((v) => hvmmemNameAt(s, v.value, ifaceOf(s, r)))]),
      ],
    ),
    '',
    '## What each hypervisor release does with each value',
    '',
    `set_mem_type checks the value once, before its loop: \`→ type\` means accepted and turned into that internal p2m type (after the checks named), an errno means refused. Any other number: ${s.unlistedHvmmemError}. Releases whose behaviour is not recorded show ${NONE}.`,
    '',
    ...table(
      ['Release', ...values.map((v) => `${v.value} ${v.names.map((n) => n.name).join(' / ')}`), 'other'],
      names.map((r) => {
        const recorded = s.releases.find((x) => x.name === r)!.behaviourRecorded;
        return [r, ...values.map((v) => (recorded ? acceptanceText(s, entryFor(v.hypervisor, r), { from: r, to: r }) : NONE)), recorded ? s.unlistedHvmmemError : NONE];
      }),
    ),
    '',
    'Checks made before the loop, in order:',
    '',
    ...table(
      ['Check', 'Order', 'Errno', 'Requires'],
      [...s.requirements].sort((a, b) => a.order - b.order).map((q) => [code(q.id), q.order, q.error, q.description]),
    ),
    '',
    '## Values',
  ];
  for (const v of values) {
    body.push(
      '',
      `### ${v.value}`,
      '',
      ...table(
        ['Name', 'C name', 'Semantics', 'Interface versions', 'First release', 'Description'],
        v.names.map((n) => [n.name, code(n.cName), semantics(n.semantics), ifaceRangeText(n.iface), n.firstRelease, n.description]),
      ),
      '',
      ...table(
        ['Releases', 'set_mem_type', 'Why'],
        v.hypervisor.map((h) => [formatRange(h.releases), acceptanceText(s, h, h.releases), h.why]),
      ),
    );
  }
  if (s.exceptions.length) {
    body.push('', '## Recorded exceptions to the evolution rules', '', ...table(['Rule', 'Value', 'From release', 'Reason'], s.exceptions.map((e) => [code(e.rule), e.value, e.release, e.reason])));
  }
  body.push('', '## Semantics tags', '', ...table(['Tag', 'Placeholder', 'Meaning'], s.semantics.map((t) => [t.tag, t.placeholder ? 'yes' : 'no', t.description])));
  return file('hvmmem.md', '`hvmmem_type_t`', ['The memory types a device model asks for with set_mem_type and reads back with get_mem_type. Numbers are ABI; names depend on the interface version.'], body);
}

// ---------------------------------------------------------------------------------------------------------
// docs/abi/ops.md

function ops(s: XenAbiSchema): GeneratedFile {
  const dmopLabel = (n: number) => `DMOP ${n} ${s.dmops.find((d) => d.value === n)?.name ?? ''}`.trim();
  const hvmopLabel = (n: number) => `HVMOP ${n} ${s.hvmops.find((o) => o.value === n)?.name ?? ''}`.trim();
  const body = [
    '## Hypercalls',
    '',
    // The last column only when Xen's headers give some hypercall macro another number at old interface versions.
    ...(s.hypercalls.some((h) => h.legacyValue !== undefined)
      ? table(
          ['Number', 'Name', 'C name', 'Old interface versions'],
          byValue(s.hypercalls).map((h) => [
            h.value,
            h.name,
            code(h.cName),
            h.legacyValue === undefined ? '' : `below ${h.legacyValue.below}: ${h.legacyValue.value} (${code(h.legacyValue.cName)})`,
          ]),
        )
      : table(['Number', 'Name', 'C name'], byValue(s.hypercalls).map((h) => [h.value, h.name, code(h.cName)]))),
    '',
    '## HVMOPs',
    '',
    '"In headers" is where the newest headers still define the number (and under which interface versions); "Handled" is where `do_hvm_op` has a case for it. Elsewhere the hypervisor returns ENOSYS.',
    '',
    ...table(
      ['Number', 'Name', 'C name', 'Visibility', 'First release', 'In headers', 'Handled', 'Replaced by', 'Argument', 'Description'],
      byValue(s.hvmops).map((o) => [
        o.value,
        o.name,
        code(o.cName),
        o.visibility,
        o.firstRelease,
        `${formatRange({ from: o.firstRelease, ...(o.lastHeaderRelease ? { to: o.lastHeaderRelease } : {}) })}${o.iface ? ` (interface versions ${ifaceRangeText(o.iface)})` : ''}`,
        o.dispatched.length ? o.dispatched.map(formatRange).join(', ') : 'never',
        o.movedToDmop === undefined ? undefined : dmopLabel(o.movedToDmop),
        o.struct === undefined ? undefined : code(o.struct),
        o.description,
      ]),
    ),
    '',
    '## DMOPs',
    '',
    '"Copied back" says whether Xen writes the payload back into `buf[0]` on success.',
    '',
    ...table(
      ['Number', 'Name', 'C name', 'First release', 'Payload', 'Copied back', 'Arch', 'Replaces', 'Description'],
      byValue(s.dmops).map((o) => [
        o.value,
        o.name,
        code(o.cName),
        o.firstRelease,
        code(o.struct),
        o.copyBack ? 'yes' : 'no',
        o.arch.join(', '),
        o.replacesHvmop !== undefined ? hvmopLabel(o.replacesHvmop) : o.replacesOther,
        o.description,
      ]),
    ),
  ];
  return file('ops.md', 'HVMOP and DMOP numbers', ['Tools ops were HVMOPs up to 4.8 and are DMOPs from 4.9 (see the release table in [README.md](README.md)).'], body);
}

// ---------------------------------------------------------------------------------------------------------
// docs/abi/structs.md

function fieldType(f: Field): string {
  const base = f.type === 'struct' ? `struct ${f.element ?? '?'}` : f.cType !== undefined && f.type !== 'handle' ? `${f.cType} (${f.type})` : (f.cType ?? f.type);
  return f.count !== undefined ? `${base}[${f.count}]` : base;
}

function fieldBits(f: Field): string | undefined {
  if (!f.bits) return undefined;
  const last = f.bits.shift + f.bits.width - 1;
  return last === f.bits.shift ? String(last) : `${f.bits.shift}–${last}`;
}

/** Struct roles in the order the document shows them, with their section titles. */
const ROLES: { role: Struct['role']; title: string }[] = [
  { role: 'dm_op', title: 'The dm_op hypercall' },
  { role: 'dm_op_payload', title: 'DMOP payloads' },
  { role: 'dm_op_extra', title: 'DMOP extra buffers' },
  { role: 'hvm_op', title: 'HVMOP arguments' },
  { role: 'ioreq', title: 'The ioreq protocol' },
  { role: 'hypercall', title: 'Other hypercall arguments' },
  { role: 'kernel', title: "Linux's Xen driver ioctls" },
  { role: 'xenstore', title: 'The xenstore wire protocol' },
];

function structs(s: XenAbiSchema): GeneratedFile {
  const roleOrder = (st: Struct) => ROLES.findIndex((r) => r.role === st.role);
  const ordered = [...s.structs].sort(
    (a, b) => roleOrder(a) - roleOrder(b) || (a.name === b.name ? compareReleases(a.releases.from, b.releases.from) : a.name < b.name ? -1 : 1),
  );
  const title = (st: Struct) => `${st.name} (${formatRange(st.releases)})`;
  // GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens.
  const anchor = (st: Struct) => title(st).toLowerCase().replace(/[^a-z0-9_ -]/g, '').replace(/ /g, '-');
  const body: string[] = [
    ...table(
      ['Struct', 'Releases', 'Header', 'Role', 'Visibility', 'Size', 'Align'],
      ordered.map((st) => [`[${st.name}](#${anchor(st)})`, formatRange(st.releases), code(st.header), st.role, st.visibility, st.size, st.align]),
    ),
  ];
  for (const { role, title: sectionTitle } of ROLES) {
    const inRole = ordered.filter((st) => st.role === role);
    if (!inRole.length) continue;
    body.push('', `## ${sectionTitle}`);
    for (const st of inRole) {
      body.push(
        '',
        `### ${title(st)}`,
        '',
        `${prose(st.description)} Size ${st.size}, alignment ${st.align}; \`${st.header}\`, ${st.visibility}.`,
        '',
        ...table(
          ['Offset', 'Size', 'Bits', 'Field', 'Type', 'Dir', 'Notes'],
          st.fields.map((f) => [f.offset, f.size, fieldBits(f) ?? '', code(f.name), fieldType(f), f.dir ?? '', [f.mustBeZero ? 'must be 0' : '', f.description ?? ''].filter(Boolean).join('; ')]),
        ),
      );
    }
  }
  return file('structs.md', 'Struct layouts', ['x86_64 layouts, little-endian. Offsets and sizes are in bytes; a bit-field gives the offset and size of its storage unit and its bits within it (0 is the least significant).'], body);
}

// ---------------------------------------------------------------------------------------------------------
// docs/abi/p2m.md

function p2m(s: XenAbiSchema): GeneratedFile {
  const names = releaseNames(s);
  const recorded = recordedReleases(s);
  const types = byValue(s.p2mTypes);
  const nameGroups = groupReleases(names, (r) => types.map((t) => p2mNameAt(s, t.value, r) ?? '').join(','));

  const body: string[] = [
    '## Types per release',
    '',
    ...table(
      ['Value', ...nameGroups.map((g) => rangeText(s, g.releases)), 'Description'],
      types.map((t) => [t.value, ...nameGroups.map((g) => p2mNameAt(s, t.value, g.releases[0]!)), t.description]),
    ),
    '',
    '## Classes per release',
    '',
    "Xen's `P2M_*_TYPES` masks and the predicates built on them. Releases without an entry are not recorded.",
    '',
    ...table(
      ['Class', 'Predicate', 'Releases', 'Members', 'Description'],
      s.p2mClasses.flatMap((c) =>
        c.byRelease.map((e) => [code(c.name), c.predicate === undefined ? undefined : code(c.predicate), formatRange(e.releases), [...e.types].sort((a, b) => a - b).map((t) => p2mLabel(s, t, e.releases)).join(', '), c.description]),
      ),
    ),
    '',
    '## set_mem_type transitions',
    '',
    'For a page of the old internal type (row) asked to become an hvmmem value (column): ✓ or the errno of that page. Values refused before the loop never reach the table.',
  ];
  for (const t of s.transitions) {
    const first = releasesIn(s, t.releases)[0] ?? t.releases.from;
    const columns = [...new Set(t.rows.flatMap((r) => Object.keys(r.to).map(Number)))].sort((a, b) => a - b);
    const preLoop = byValue(s.hvmmemTypes).flatMap((v) =>
      v.hypervisor
        .filter((h) => releasesIn(s, h.releases).some((r) => releaseInRange(r, t.releases)))
        .filter((h) => !h.accepted || h.requires?.length)
        .map((h) => `${hvmmemLabel(s, v.value, h.releases.from)}: ${h.accepted ? `needs ${h.requires!.join(' and ')}` : h.error} (${formatRange(h.releases)})`),
    );
    body.push(
      '',
      `### ${formatRange(t.releases)}`,
      '',
      prose(t.rule),
      '',
      ...(t.populatedByLookup.length
        ? [`The lookup populates ${t.populatedByLookup.map((v) => code(p2mNameAt(s, v, first) ?? String(v))).join(', ')} first, so such a page normally takes the row of the type it becomes; the row below is for a raw page of that type.`, '']
        : []),
      ...(preLoop.length ? [`Before the loop: ${preLoop.join('; ')}.`, ''] : []),
      ...table(
        ['Old type', ...columns.map((v) => hvmmemLabel(s, v, first))],
        [...t.rows].sort((a, b) => a.from - b.from).map((r) => [p2mLabel(s, r.from, t.releases), ...columns.map((v) => (r.to[String(v)] === 'ok' ? '✓' : r.to[String(v)]))]),
      ),
    );
  }
  body.push('', '## get_mem_type', '', 'The first step that matches gives the hvmmem value returned.');
  for (const g of s.getMemType) {
    const first = releasesIn(s, g.releases)[0] ?? g.releases.from;
    body.push(
      '',
      `### ${formatRange(g.releases)}`,
      '',
      ...table(
        ['Step', 'Test', 'Returns'],
        [...g.steps].sort((a, b) => a.step - b.step).map((st) => {
          const cls = s.p2mClasses.find((c) => c.name === st.class);
          const test = st.match === 'else' ? 'anything else' : st.match === 'type' ? `type is ${p2mLabel(s, st.p2m!, g.releases)}` : `${code(cls?.predicate ?? st.class!)} (${code(st.class!)})`;
          return [st.step, test, hvmmemLabel(s, st.result, first)];
        }),
      ),
    );
  }
  const projGroups = groupReleases(recorded, (r) => types.map((t) => String(getMemTypeAt(s, t.value, r) ?? '')).join(','));
  body.push(
    '',
    '### Result by internal type',
    '',
    ...table(
      ['Internal type', ...projGroups.map((g) => rangeText(s, g.releases))],
      types.map((t) => [
        p2mLabel(s, t.value, { from: recorded[0]!, to: recorded[recorded.length - 1]! }),
        ...projGroups.map((g) => {
          const r = g.releases[0]!;
          const result = getMemTypeAt(s, t.value, r);
          return p2mNameAt(s, t.value, r) === undefined || result === undefined ? undefined : hvmmemLabel(s, result, r);
        }),
      ]),
    ),
  );
  return file('p2m.md', 'Internal p2m types', ["Xen's internal `p2m_type_t` is not ABI (Xen renames it freely) but decides what set_mem_type and get_mem_type do."], body);
}

// ---------------------------------------------------------------------------------------------------------
// docs/abi/constants.md

function constants(s: XenAbiSchema): GeneratedFile {
  const value = (n: number) => (n > 0xffff ? `${n} (${hex(n)})` : String(n));
  const body: string[] = ['## Constants', ''];
  for (const g of s.constants) {
    body.push(
      `### ${g.name}`,
      '',
      `${prose(g.description)} \`${g.header}\`, ${g.visibility}${g.lastHeaderRelease ? ` (last in ${g.lastHeaderRelease})` : ''}.`,
      '',
      ...table(['Name', 'C name', 'Value', 'First release', 'Description'], g.members.map((m) => [m.name, code(m.cName), value(m.value), m.firstRelease, m.description ?? ''])),
      '',
    );
  }
  body.push('## Bit packings', '');
  for (const b of s.bitPacks) {
    const formula = [...b.parts].sort((x, y) => y.shift - x.shift).map((p) => (p.shift ? `((${p.name} & ${hex(2 ** p.width - 1)}) << ${p.shift})` : `(${p.name} & ${hex(2 ** p.width - 1)})`)).join(' | ');
    body.push(
      `### ${b.name}`,
      '',
      `${prose(b.description)} ${code(`${b.cName}(${b.parts.map((p) => p.name).join(',')})`)} = ${code(formula)}; \`${b.header}\`, ${b.visibility}, ${formatRange({ from: b.firstRelease, ...(b.lastHeaderRelease ? { to: b.lastHeaderRelease } : {}) })}.`,
      '',
      ...table(['Part', 'Bits', 'Width'], b.parts.map((p) => [p.name, p.width === 1 ? String(p.shift) : `${p.shift}–${p.shift + p.width - 1}`, p.width])),
      '',
    );
  }
  body.push(
    '## Errno',
    '',
    ...table(['Name', 'Value', 'Reaches the caller', 'Description'], byValue(s.errno).map((e) => [e.name, e.value, e.internal ? 'no' : 'yes', e.description])),
    '',
    ...((s.xsdErrors ?? []).length
      ? [
          '## xenstore error strings',
          '',
          "An `XS_ERROR` reply carries the errno's name, NUL-terminated; xs_wire.h lists them in this order (`xsd_errors[]`) and only ever appends.",
          '',
          ...table(['Index', 'String', 'Errno', 'Since'], (s.xsdErrors ?? []).map((e) => [e.index, code(e.errno), s.errno.find((x) => x.name === e.errno)?.value, e.firstRelease])),
          '',
        ]
      : []),
    '## Limits',
    '',
    ...table(['Limit', 'C name', 'Releases', 'Value', 'Errno when hit', 'Description'], s.limits.map((l) => [code(l.id), l.cName === undefined ? '' : code(l.cName), formatRange(l.releases), l.value, l.error ?? '', l.description])),
    '',
    '## ioreq server ids',
    '',
    ...table(
      ['Releases', 'Scheme', 'Slots', 'Errno when none is free', 'Description'],
      s.ioreqServerIds.map((e) => [formatRange(e.releases), e.scheme, e.firstSlot === undefined ? undefined : `${e.firstSlot}–${e.lastSlot ?? '?'}`, e.exhausted, e.description]),
    ),
  );
  return file('constants.md', 'Constants, errno and limits', [], body);
}

export function generateDocs(schema: XenAbiSchema): GeneratedFile[] {
  return [readme(schema), hvmmem(schema), ops(schema), structs(schema), p2m(schema), constants(schema)];
}
