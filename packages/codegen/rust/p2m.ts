/**
 * Internal p2m types (not public ABI: Xen renames these freely) and their classes: a constant per name,
 * the names per release, and Xen's `P2M_*_TYPES` masks per release. The section goes on with the
 * set_mem_type transitions and the get_mem_type projection, which are indexed by these types. Data only: the
 * lookups over it (`p2m_name_at`, `p2m_value_at`, `p2m_transition`, `get_mem_type`) are hand-written in the
 * crate's src/p2m.rs, as the TS runtime's are over its generated tables.
 */

import { formatRange } from '@xenmem/schema';
import type { Ctx } from './context.js';
import { opt, rangeExpr } from './exprs.js';
import { getMemTypePart } from './get-mem-type.js';
import { maskExpr, maskOf, p2mCount, p2mMaskType } from './p2m-masks.js';
import { doc, hexMask, rustStr, sentence } from './text.js';
import { transitionsPart } from './transitions.js';

/** p2m type constants and names, the class masks, then the transition tables and the get_mem_type tables. */
export function p2mSection(ctx: Ctx): string[] {
  const { s, items } = ctx;
  const count = p2mCount(ctx);
  const maskType = p2mMaskType(count);
  for (const n of ['P2M_TYPE_COUNT', 'P2mTypeMask', 'P2mTypeName', 'P2M_TYPE_NAMES', 'P2mClass', 'P2mClassEntry', 'P2M_CLASSES', 'TransitionTable', 'TransitionRow', 'TRANSITIONS', 'GetMemTypeTable', 'GET_MEM_TYPE'])
    items.claim(n, 'the p2m section');
  // The lookups over these tables are hand-written in the crate; no generated item may take their names.
  for (const n of ['p2m_name_at', 'p2m_value_at', 'p2m_transition', 'get_mem_type']) items.claim(n, "the crate's hand-written src/p2m.rs");
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
