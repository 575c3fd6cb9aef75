/**
 * Internal p2m types as bits: the check that they number 0 … n-1, the integer type of a class mask, and
 * masks written as Xen writes its `P2M_*_TYPES` macros (`1 << p2m_ram_rw | …`).
 */

import type { ReleaseName, ReleaseRange } from '@xenmem/schema';
import { entryFor } from '@xenmem/schema';
import type { Ctx } from './context.js';
import { p2mExpr } from './exprs.js';

/**
 * p2m type numbers must run 0 … n-1: the get_mem_type tables are arrays indexed by type, and the class
 * masks need a bit per type.
 */
export function p2mCount(ctx: Ctx): number {
  const values = ctx.s.p2mTypes.map((t) => t.value).sort((a, b) => a - b);
  values.forEach((v, i) => {
    if (v !== i) throw new Error(`p2mTypes must number 0 … ${values.length - 1} without gaps; found ${v} at position ${i}`);
  });
  return values.length;
}

/** The narrowest unsigned Rust integer with a bit per p2m type. */
export function p2mMaskType(count: number): 'u16' | 'u32' | 'u64' {
  if (count <= 16) return 'u16';
  if (count <= 32) return 'u32';
  if (count <= 64) return 'u64';
  throw new Error(`${count} p2m types do not fit a 64-bit class mask`);
}

/** `1 << p2m_ram_rw | 1 << p2m_ram_logdirty`, as Xen writes its P2M_*_TYPES macros. */
export function maskExpr(ctx: Ctx, types: number[], range: ReleaseRange): string {
  if (types.length === 0) return '0';
  return [...types]
    .sort((a, b) => a - b)
    .map((t) => `1 << ${p2mExpr(ctx, t, range)}`)
    .join(' | ');
}

export const maskOf = (types: number[]) => types.reduce((m, t) => m | (1 << t), 0) >>> 0;

/** The class mask of `className` at `release`, or undefined when the schema does not record it there. */
export function classAt(ctx: Ctx, className: string, release: ReleaseName): number[] | undefined {
  return entryFor(ctx.s.p2mClasses.find((c) => c.name === className)?.byRelease ?? [], release)?.types;
}
