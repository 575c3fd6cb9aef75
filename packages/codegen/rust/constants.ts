/**
 * Constant groups (ioreq types and states, bufioreq modes, range types, access flags, …) as `u32` constants
 * and the `CONSTANT_GROUPS` table, and bit packs as `const fn`s with Xen's macro names.
 */

import type { Ctx } from './context.js';
import { opt, rel } from './exprs.js';
import { VISIBILITY } from './shared-types.js';
import { doc, hexMask, rustIdent, rustStr, sentence } from './text.js';

/** A `u32` constant per member of each constant group, and `CONSTANT_GROUPS` with its lookup. */
export function constantsSection(ctx: Ctx): string[] {
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
export function bitPacksSection(ctx: Ctx): string[] {
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
