/**
 * Xen releases and interface versions as xenmem names them (docs/scenarios.md, `xen` and `iface`): an interface version is a number
 * (0x00040700) or a release name ("4.7", meaning that release's latest interface version).
 */
import { IFACE_UNDEFINED, LATEST_INTERFACE_VERSION, RELEASES, type ReleaseIfaceMap, type ReleaseName } from './generated/index.js';
import { InputError } from './errors.js';

/** A release range as generated: `to: null` runs to the newest release. */
export interface GeneratedRange {
  /** First release of the range, e.g. "4.9". */
  readonly from: string;
  /** Last release of the range (inclusive), or null: up to the newest release. */
  readonly to: string | null;
}

/** Something that names an interface version: a number, "0x…" text, or a release name. */
export type IfaceInput = number | string;

/** The number an interface-version input stands for, as a literal type where TypeScript can tell. */
export type IfaceOf<V> = V extends ReleaseName ? ReleaseIfaceMap[V] : V extends number ? V : number;

/** The names of every Xen release the schema covers, oldest first. */
export const RELEASE_NAMES: readonly ReleaseName[] = RELEASES.map((r) => r.name);
const RELEASE_INDEX = new Map<string, number>(RELEASE_NAMES.map((n, i) => [n, i]));
/** The newest Xen release the schema covers. */
export const NEWEST_RELEASE: ReleaseName = RELEASE_NAMES[RELEASE_NAMES.length - 1]!;

/** Whether `text` names a Xen release the schema covers. */
export function isReleaseName(text: string): text is ReleaseName {
  return (RELEASE_NAMES as readonly string[]).includes(text);
}

/** Checks a release name. Release names are strings; "4.10" is not "4.1". */
export function resolveRelease(name: string): ReleaseName {
  if (!isReleaseName(name)) throw new InputError('release', name, `is not a Xen release the schema knows (${RELEASE_NAMES[0]} … ${NEWEST_RELEASE})`);
  return name;
}

/** Position of a release, oldest first. */
export function releaseIndex(name: ReleaseName): number {
  return RELEASE_INDEX.get(name) ?? -1;
}

/** Whether `release` lies within the release range `range` (bounds inclusive). */
export function releaseInRange(release: ReleaseName, range: GeneratedRange): boolean {
  const i = releaseIndex(release);
  return i >= releaseIndex(range.from as ReleaseName) && (range.to === null || i <= releaseIndex(range.to as ReleaseName));
}

/** The entry of a per-release list that covers `release`. */
export function entryAt<
  T extends {
    /** The releases the entry covers. */
    readonly releases: GeneratedRange;
  },
>(entries: readonly T[], release: ReleaseName): T | undefined {
  return entries.find((e) => releaseInRange(release, e.releases));
}

/** The latest interface version of a release. */
export function releaseIface<R extends ReleaseName>(release: R): ReleaseIfaceMap[R] {
  return RELEASES.find((r) => r.name === release)!.latestInterfaceVersion as ReleaseIfaceMap[R];
}

/**
 * Reads an interface version in exactly one of its written forms: a release name ("4.10" → 0x00040900), "0x" and
 * 8 hex digits ("0x00040700"), a decimal integer ("263936"), or a number. A "0x…" of another length is refused, so
 * a dropped digit ("0x0004070") is not read as another version. A version above `latest` is an error, as
 * `xen-compat.h` makes one above its own; `latest` is this package's newest unless a tool reads a newer schema
 * (xenmem gen --schema).
 */
export function parseIface(input: IfaceInput, latest: number = LATEST_INTERFACE_VERSION): number {
  let value: number;
  if (typeof input === 'number') value = input;
  else if (isReleaseName(input)) value = releaseIface(input);
  else if (/^0x[0-9a-fA-F]{8}$/.test(input)) value = Number.parseInt(input.slice(2), 16);
  else if (/^0x[0-9a-fA-F]*$/i.test(input)) throw new InputError('iface', input, `has ${input.length - 2} hex digits; write exactly 8 (0x00040700)`);
  else if (/^[0-9]+$/.test(input)) value = Number.parseInt(input, 10);
  else if (/^\d+\.\d+$/.test(input)) throw new InputError('iface', input, `is not a Xen release the schema knows (${RELEASE_NAMES[0]} … ${NEWEST_RELEASE})`);
  else throw new InputError('iface', input, 'is not an interface version (write 0x and 8 hex digits such as 0x00040700, a release name such as "4.7", or a decimal integer)');
  if (!Number.isInteger(value) || value < IFACE_UNDEFINED) throw new InputError('iface', input, 'is not an interface version');
  if (value > latest) throw new InputError('iface', input, `is above the latest interface version ${ifaceHex(latest)}: Xen's headers refuse it with #error`);
  return value;
}

/** {@link parseIface} against this package's newest interface version, typed by what was given. */
export function resolveIface<V extends IfaceInput>(input: V): IfaceOf<V> {
  return parseIface(input) as IfaceOf<V>;
}

/** 0x00040700 → "0x00040700" */
export function ifaceHex(value: number): string {
  return '0x' + value.toString(16).padStart(8, '0');
}
