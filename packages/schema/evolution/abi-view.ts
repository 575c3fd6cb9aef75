/**
 * The view of a schema that the evolution rules compare: which names the newest headers give each hvmmem number
 * at an interface version, what those names mean, what a release does with a number, and how a set of interface
 * versions or releases is written in a message.
 *
 * Names only change at interface-version boundaries (Xen 4.7 switched 3 from mmio_write_dm to unused at
 * 0x00040700), so comparing two schemas at the start of every era of either is comparing them everywhere.
 */
import { compareReleases, entryFor, formatIfaceHex, hvmmemEraStarts, ifaceInRange, newestRelease, parseIfaceHex, releaseNames } from '../model.js';
import type { HvmmemAcceptance, HvmmemName, ReleaseName, XenAbiSchema } from '../types.js';

/** An interval of interface versions, both ends inclusive. */
export interface IfaceEra {
  first: number;
  last: number;
}

/** `__XEN_LATEST_INTERFACE_VERSION__` of a release; versions above the newest release's do not exist. */
export function releaseIface(schema: XenAbiSchema, release: ReleaseName): number {
  const r = schema.releases.find((x) => x.name === release);
  if (r === undefined) throw new RangeError(`release ${release} is not in the schema`);
  return parseIfaceHex(r.latestInterfaceVersion);
}

export function latestIface(schema: XenAbiSchema): number {
  return releaseIface(schema, newestRelease(schema));
}

/**
 * The eras of `first … last` in which no schema of `schemas` changes any hvmmem name: every boundary of
 * either cuts, so a name resolved at `era.first` holds for the whole era.
 */
export function ifaceEras(schemas: readonly XenAbiSchema[], first: number, last: number): IfaceEra[] {
  if (last < first) return [];
  const cuts = new Set<number>([first]);
  for (const s of schemas) for (const c of hvmmemEraStarts(s)) if (c > first && c <= last) cuts.add(c);
  const starts = [...cuts].sort((a, b) => a - b);
  return starts.map((start, i) => ({ first: start, last: i + 1 < starts.length ? starts[i + 1]! - 1 : last }));
}

/** The names of `value` at an interface version (more than one only in a broken schema; several entries merge). */
export function namesAt(schema: XenAbiSchema, value: number, iface: number): HvmmemName[] {
  return schema.hvmmemTypes.filter((v) => v.value === value).flatMap((v) => v.names.filter((n) => ifaceInRange(iface, n.iface)));
}

/** The numbers that carry `name` at an interface version. */
export function valuesNamed(schema: XenAbiSchema, name: string, iface: number): number[] {
  return schema.hvmmemTypes.filter((v) => v.names.some((n) => n.name === name && ifaceInRange(iface, n.iface))).map((v) => v.value);
}

/** The name the newest headers give `value` at the schema's latest interface version, if any. */
export function newestName(schema: XenAbiSchema, value: number): HvmmemName | undefined {
  return namesAt(schema, value, latestIface(schema))[0];
}

/** Whether a semantics tag marks a burnt number. An unknown tag is not a placeholder. */
export function isPlaceholder(schema: XenAbiSchema, tag: string): boolean {
  return schema.semantics.find((t) => t.tag === tag)?.placeholder === true;
}

export function hvmmemValues(schema: XenAbiSchema): number[] {
  return [...new Set(schema.hvmmemTypes.map((v) => v.value))].sort((a, b) => a - b);
}

/** What set_mem_type does with `value` at `release`, from the first entry of that number that covers it. */
export function acceptanceAt(schema: XenAbiSchema, value: number, release: ReleaseName): HvmmemAcceptance | undefined {
  const entry = schema.hvmmemTypes.find((v) => v.value === value);
  return entry && entryFor(entry.hypervisor, release);
}

/** The lowest number neither schema uses: where a new meaning belongs. */
export function lowestFreeValue(...schemas: XenAbiSchema[]): number {
  const used = new Set(schemas.flatMap(hvmmemValues));
  let n = 0;
  while (used.has(n)) n++;
  return n;
}

/** `0x00000000–0x000406ff, 0x00040900` from a list of eras, merging neighbours. */
export function formatEras(eras: readonly IfaceEra[]): string {
  const merged: IfaceEra[] = [];
  for (const e of [...eras].sort((a, b) => a.first - b.first)) {
    const prev = merged[merged.length - 1];
    if (prev && e.first <= prev.last + 1) prev.last = Math.max(prev.last, e.last);
    else merged.push({ ...e });
  }
  return merged.map((e) => (e.first === e.last ? formatIfaceHex(e.first) : `${formatIfaceHex(e.first)}–${formatIfaceHex(e.last)}`)).join(', ');
}

/** `4.7–4.9, 4.12` from a list of releases, with runs taken from the schema's release order. */
export function formatReleases(schema: XenAbiSchema, releases: readonly ReleaseName[]): string {
  const order = releaseNames(schema);
  const idx = [...new Set(releases)].map((r) => order.indexOf(r)).filter((i) => i >= 0).sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const i of idx) {
    const last = runs[runs.length - 1];
    if (last && i === last[1] + 1) last[1] = i;
    else runs.push([i, i]);
  }
  return runs.map(([a, b]) => (a === b ? order[a]! : `${order[a]!}–${order[b]!}`)).join(', ');
}

/** Releases of `schema` after `release`, oldest first. */
export function releasesAfter(schema: XenAbiSchema, release: ReleaseName): ReleaseName[] {
  return releaseNames(schema).filter((r) => compareReleases(r, release) > 0);
}

/**
 * Collects findings under a key, so that one problem seen at many eras or releases is reported once.
 * Insertion order is kept, which keeps reports stable.
 */
export class Grouped<K, T> {
  private readonly groups = new Map<string, { key: K; items: T[] }>();
  add(key: K, item: T): void {
    const k = JSON.stringify(key);
    const g = this.groups.get(k);
    if (g) g.items.push(item);
    else this.groups.set(k, { key, items: [item] });
  }
  entries(): { key: K; items: T[] }[] {
    return [...this.groups.values()];
  }
}
