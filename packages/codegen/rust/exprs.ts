/**
 * Schema values as Rust expressions: releases (`Release::Xen4_9`), release and interface-version ranges,
 * optional values, errno, and the Xen names of hvmmem and p2m numbers where the schema gives one.
 */

import type { ReleaseName, ReleaseRange } from '@xenmem/schema';
import { ifaceInRange, p2mNameAt, parseIfaceHex, releasesIn } from '@xenmem/schema';
import type { Ctx } from './context.js';
import { hex32 } from './text.js';

// The literals every table row is built from: `Xen4_9`, `Release::Xen4_9`, `Some(…)`/`None`, `Errno::EINVAL`.
export const releaseVariant = (name: ReleaseName) => `Xen${name.replace('.', '_')}`;
export const rel = (name: ReleaseName) => `Release::${releaseVariant(name)}`;
export const opt = (v: string | undefined) => (v === undefined ? 'None' : `Some(${v})`);
export const errnoExpr = (name: string) => `Errno::${name}`;

/** A `ReleaseRange` literal. */
export function rangeExpr(r: ReleaseRange): string {
  return `ReleaseRange { from: ${rel(r.from)}, to: ${opt(r.to === undefined ? undefined : rel(r.to))} }`;
}

/** An `IfaceRange` literal; a range without a lower bound starts at 0. */
export function ifaceRangeExpr(r: { from?: string; below?: string }): string {
  return `IfaceRange { from: ${hex32(r.from === undefined ? 0 : parseIfaceHex(r.from))}, below: ${opt(r.below === undefined ? undefined : hex32(parseIfaceHex(r.below)))} }`;
}

/** `__XEN_LATEST_INTERFACE_VERSION__` of a release's headers. */
function latestIface(ctx: Ctx, release: ReleaseName): number {
  return parseIfaceHex(ctx.s.releases.find((r) => r.name === release)!.latestInterfaceVersion);
}

/** The hvmmem C name of `value` at a release's own interface version, else the bare number. */
export function hvmmemExpr(ctx: Ctx, value: number, release: ReleaseName): string {
  const iface = latestIface(ctx, release);
  const name = ctx.s.hvmmemTypes.find((v) => v.value === value)?.names.find((n) => ifaceInRange(iface, n.iface));
  return name?.cName ?? String(value);
}

/** The p2m name of `value` if it is the same at every release of `range`, else the bare number. */
export function p2mExpr(ctx: Ctx, value: number, range: ReleaseRange): string {
  const names = new Set(releasesIn(ctx.s, range).map((r) => p2mNameAt(ctx.s, value, r)));
  const [only] = [...names];
  return names.size === 1 && only !== undefined ? only : String(value);
}
