/**
 * Errno: the `Errno` enum of Xen's `errno.h` values the schema lists, with names, descriptions and lookups.
 */

import type { Ctx } from './context.js';
import { errnoExpr } from './exprs.js';
import { doc, rustStr, sentence } from './text.js';

/** The `Errno` enum with its names, descriptions and lookups. */
export function errnoSection(ctx: Ctx): string[] {
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
  const xsd = s.xsdErrors ?? [];
  if (xsd.length)
    out.push(
      '',
      ...doc(
        '',
        [
          "The error strings of the xenstore wire protocol, in xs_wire.h's order: an `XS_ERROR` reply carries the errno's",
          'name (`Errno::name`), NUL-terminated.',
        ],
        'xsdErrors',
      ),
      `pub const ${items.claim('XSD_ERRORS', 'xsdErrors')}: &[Errno] = &[${xsd.map((e) => errnoExpr(e.errno)).join(', ')}];`,
    );
  return out;
}
