/**
 * Hypervisor limits per release (a Xen-named constant where the name has one value at every release), and
 * how each release numbers the ioreq servers it creates.
 */

import { formatRange } from '@xenmem/schema';
import type { Ctx } from './context.js';
import { errnoExpr, opt, rangeExpr } from './exprs.js';
import { doc, rustStr, sentence } from './text.js';

/** Limits (a constant where the name has one value at every release, and `LIMITS`) and the ioreq server id schemes. */
export function limitsSection(ctx: Ctx): string[] {
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
