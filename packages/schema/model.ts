/**
 * Reading the schema: release order, release ranges and interface versions.
 * Everything that compares releases goes through here, so "4.10" is never compared as a number.
 */
import type { IfaceRange, ReleaseName, ReleaseRange, XenAbiSchema } from './types.js';

/** Parses "0x00040700" (or a number) into a number. Throws on anything else. */
export function parseIfaceHex(text: string): number {
  if (!/^0x[0-9a-fA-F]{1,8}$/.test(text)) throw new Error(`not an interface version: ${JSON.stringify(text)} (expected 0x followed by up to 8 hex digits)`);
  return Number.parseInt(text.slice(2), 16);
}

/** Formats an interface version as "0x000NNNNN". */
export function formatIfaceHex(value: number): string {
  return '0x' + value.toString(16).padStart(8, '0');
}

/** major.minor → a sortable number (4.10 → 4010). */
export function releaseKey(name: ReleaseName): number {
  const m = /^(\d+)\.(\d+)$/.exec(name);
  if (!m) throw new Error(`not a release name: ${JSON.stringify(name)}`);
  return Number(m[1]) * 1000 + Number(m[2]);
}

/** Orders two release names (negative, zero or positive). */
export function compareReleases(a: ReleaseName, b: ReleaseName): number {
  return releaseKey(a) - releaseKey(b);
}

/** Release names of the schema, oldest first. */
export function releaseNames(schema: Pick<XenAbiSchema, 'releases'>): ReleaseName[] {
  return schema.releases.map((r) => r.name).sort(compareReleases);
}

/** The newest release the schema covers. */
export function newestRelease(schema: Pick<XenAbiSchema, 'releases'>): ReleaseName {
  const names = releaseNames(schema);
  const last = names[names.length - 1];
  if (last === undefined) throw new Error('the schema lists no releases');
  return last;
}

/** Whether `release` lies in `range`; an open `to` means the newest release. */
export function releaseInRange(release: ReleaseName, range: ReleaseRange): boolean {
  const k = releaseKey(release);
  return k >= releaseKey(range.from) && (range.to === undefined || k <= releaseKey(range.to));
}

/** The releases of the schema that lie in `range`. */
export function releasesIn(schema: Pick<XenAbiSchema, 'releases'>, range: ReleaseRange): ReleaseName[] {
  return releaseNames(schema).filter((r) => releaseInRange(r, range));
}

/** Whether an interface version lies within an interface-version range. */
export function ifaceInRange(iface: number, range: IfaceRange): boolean {
  return (range.from === undefined || iface >= parseIfaceHex(range.from)) && (range.below === undefined || iface < parseIfaceHex(range.below));
}

/** The entry of a per-release list that covers `release`, if any. */
export function entryFor<
  T extends {
    /** The releases the entry covers. */
    releases: ReleaseRange;
  },
>(entries: readonly T[], release: ReleaseName): T | undefined {
  return entries.find((e) => releaseInRange(release, e.releases));
}

/** Formats a release range for people (e.g. "4.9–4.22"). */
export function formatRange(range: ReleaseRange): string {
  if (range.to === undefined) return `${range.from}+`;
  return range.from === range.to ? range.from : `${range.from}–${range.to}`;
}

/** The name of an internal p2m type at a release, if it exists there. */
export function p2mNameAt(schema: Pick<XenAbiSchema, 'p2mTypes'>, value: number, release: ReleaseName): string | undefined {
  return schema.p2mTypes.find((t) => t.value === value)?.names.find((n) => releaseInRange(release, n.releases))?.name;
}

/**
 * Interface-version boundaries at which the hvmmem names change, sorted. Each era runs from one
 * boundary (inclusive) to the next (exclusive); the first era starts at 0.
 */
export function hvmmemEraStarts(schema: Pick<XenAbiSchema, 'hvmmemTypes'>): number[] {
  const cuts = new Set<number>([0]);
  for (const v of schema.hvmmemTypes) for (const n of v.names) {
    if (n.iface.from !== undefined) cuts.add(parseIfaceHex(n.iface.from));
    if (n.iface.below !== undefined) cuts.add(parseIfaceHex(n.iface.below));
  }
  return [...cuts].sort((a, b) => a - b);
}
