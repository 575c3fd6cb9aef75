/**
 * The get_mem_type projection: the schema's ordered steps evaluated at every release, and consecutive
 * releases that answer alike written as one table indexed by internal p2m type.
 */

import type { ReleaseName, ReleaseRange, XenAbiSchema } from '@xenmem/schema';
import { entryFor, formatRange, releasesIn } from '@xenmem/schema';
import type { Ctx } from './context.js';
import { hvmmemExpr, p2mExpr, rangeExpr } from './exprs.js';
import { p2mCount } from './p2m-masks.js';

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

/** Each projection's releases, split where the evaluated table changes. */
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

/** The `GET_MEM_TYPE` tables, one per group of releases that answer alike (looked up by the crate's hand-written `get_mem_type`). */
export function getMemTypePart(ctx: Ctx): string[] {
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
  out.push('];');
  return out;
}
