/**
 * `hvmmem_type_t`: a constant per name of each number, the names per interface version (a number can be
 * renamed, as 3 went from mmio_write_dm to unused), the semantics tags and set_mem_type's preconditions, and
 * what each release's set_mem_type does with each number before it looks at any page. Data only: the
 * lookups over it (`hvmmem_name_at`, `hvmmem_value_at`, `hvmmem_acceptance`) are hand-written in the crate's
 * src/hvmmem.rs, as the TS runtime's are over its generated tables.
 */

import { formatRange, hvmmemEraStarts } from '@xenmem/schema';
import type { Ctx } from './context.js';
import { errnoExpr, ifaceRangeExpr, p2mExpr, rangeExpr, rel } from './exprs.js';
import { doc, hex32, pascal, rustStr, sentence } from './text.js';

/** hvmmem constants, `HVMMEM_NAMES`, semantics tags, requirements, and `HVMMEM_ACCEPTANCE`. */
export function hvmmemSection(ctx: Ctx): string[] {
  const { s, items } = ctx;
  for (const n of ['SemanticsTag', 'SEMANTICS', 'Requirement', 'HvmmemName', 'HVMMEM_NAMES', 'HVMMEM_ERA_STARTS', 'HvmmemAcceptance', 'HvmmemAcceptanceEntry', 'HVMMEM_ACCEPTANCE', 'HVMMEM_UNLISTED_ERROR'])
    items.claim(n, 'the hvmmem section');
  // The lookups over these tables are hand-written in the crate; no generated item may take their names.
  for (const n of ['hvmmem_name_at', 'hvmmem_value_at', 'hvmmem_acceptance']) items.claim(n, "the crate's hand-written src/hvmmem.rs");
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
  );
  return out;
}
