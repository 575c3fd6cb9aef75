/**
 * set_mem_type's per-page transitions: for each range of releases, what happens to a page of each internal
 * p2m type for each hvmmem number that reaches the loop.
 */

import { formatRange, releasesIn } from '@xenmem/schema';
import type { Ctx } from './context.js';
import { errnoExpr, hvmmemExpr, p2mExpr, rangeExpr } from './exprs.js';
import { maskExpr } from './p2m-masks.js';
import { rustStr } from './text.js';

/** The `TRANSITIONS` tables, one per release range (looked up by the crate's hand-written `p2m_transition`). */
export function transitionsPart(ctx: Ctx): string[] {
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
  out.push('];', '');
  return out;
}
