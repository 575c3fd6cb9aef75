/**
 * schemaAsOfRelease: the schema as it would have been written the day a Xen release came out.
 *
 * Later releases are dropped, and with them everything they introduced: hvmmem names, ops, constants, struct
 * variants, exceptions. Ranges that ran past the release become open-ended (then, it was the newest release),
 * interface-version guards above that release's latest version disappear (4.6's hvm_op.h had no guard around
 * mmio_write_dm; the `< 0x00040700` guard came with 4.7), and whatever Xen later removed from its headers is
 * still there. The result passes validateSchema, so the evolution checker can replay Xen's own history:
 * 4.6 → 4.7 burns 3, 4.7 → 4.8 adds ioreq_server as 4, 4.8 → 4.9 tightens 4 under a recorded exception.
 */
import { compareReleases, parseIfaceHex, releaseNames } from '../model.js';
import type { IfaceRange, ReleaseName, ReleaseRange, XenAbiSchema } from '../types.js';

/** The release asked for is not one of the schema's. */
export class UnknownReleaseError extends RangeError {
  /** Stable code for callers that switch on errors: always "unknown-release". */
  readonly code = 'unknown-release';
  /** An error for `release`, which is not one of `known`. */
  constructor(
    /** The release name asked for. */
    readonly release: string,
    /** The releases the schema knows, oldest first. */
    readonly known: readonly ReleaseName[],
  ) {
    super(`Xen ${release} is not a release the schema knows (${known[0] ?? ''} … ${known[known.length - 1] ?? ''})`);
    this.name = 'UnknownReleaseError';
  }
}

/** The schema as it stood at `release`: only what that release had. */
export function schemaAsOfRelease(schema: XenAbiSchema, release: ReleaseName): XenAbiSchema {
  const known = releaseNames(schema);
  const asOf = schema.releases.find((r) => r.name === release);
  if (asOf === undefined) throw new UnknownReleaseError(release, known);
  const latest = parseIfaceHex(asOf.latestInterfaceVersion);
  const s = structuredClone(schema);

  const existed = (first: ReleaseName) => compareReleases(first, release) <= 0;
  const stillInHeaders = (last: ReleaseName | undefined) => last !== undefined && compareReleases(last, release) >= 0;
  const clip = (r: ReleaseRange): ReleaseRange | undefined =>
    !existed(r.from) ? undefined : r.to === undefined || compareReleases(r.to, release) >= 0 ? { from: r.from } : r;
  const clipAll = <T extends { releases: ReleaseRange }>(entries: T[]): T[] =>
    entries.flatMap((e) => {
      const releases = clip(e.releases);
      return releases ? [{ ...e, releases }] : [];
    });
  /** Guards above the release's latest version did not exist yet; a range starting there did not either. */
  const clipIface = (r: IfaceRange): IfaceRange | undefined => {
    if (r.from !== undefined && parseIfaceHex(r.from) > latest) return undefined;
    const out: IfaceRange = { ...r };
    if (r.below !== undefined && parseIfaceHex(r.below) > latest) delete out.below;
    return out;
  };

  s.releases = s.releases.filter((r) => existed(r.name));
  s.exceptions = s.exceptions.filter((e) => existed(e.release));

  s.hvmmemTypes = s.hvmmemTypes.flatMap((v) => {
    const names = v.names.flatMap((n) => {
      const iface = existed(n.firstRelease) ? clipIface(n.iface) : undefined;
      return iface ? [{ ...n, iface }] : [];
    });
    // A number without a name did not exist yet (4 before 4.8), whatever the hypervisor did with it.
    return names.length ? [{ ...v, names, hypervisor: clipAll(v.hypervisor) }] : [];
  });
  const hvmmemValues = new Set(s.hvmmemTypes.map((v) => v.value));

  // Internal data: clipped the same way, so that the result stays consistent.
  s.p2mTypes = s.p2mTypes.flatMap((t) => {
    const names = clipAll(t.names);
    return names.length ? [{ ...t, names }] : [];
  });
  const p2mValues = new Set(s.p2mTypes.map((t) => t.value));
  s.p2mClasses = s.p2mClasses.map((c) => ({ ...c, byRelease: clipAll(c.byRelease) }));
  s.transitions = clipAll(s.transitions).map((t) => ({
    ...t,
    populatedByLookup: t.populatedByLookup.filter((p) => p2mValues.has(p)),
    rows: t.rows
      .filter((row) => p2mValues.has(row.from))
      .map((row) => ({ ...row, to: Object.fromEntries(Object.entries(row.to).filter(([v]) => hvmmemValues.has(Number(v)))) })),
  }));
  s.getMemType = clipAll(s.getMemType);
  s.limits = clipAll(s.limits);
  s.ioreqServerIds = clipAll(s.ioreqServerIds);
  s.dmOpEntry = clipAll(s.dmOpEntry);
  s.ioreqServerRules = clipAll(s.ioreqServerRules);
  if (s.setMemTypeRefusal) s.setMemTypeRefusal = clipAll(s.setMemTypeRefusal);
  if (s.injectMsi) s.injectMsi = clipAll(s.injectMsi);
  if (s.logDirtyByTracking) s.logDirtyByTracking = clipAll(s.logDirtyByTracking);
  if (s.dmOpExactBufs) s.dmOpExactBufs = clipAll(s.dmOpExactBufs);
  if (s.legacyIoreqGfns) s.legacyIoreqGfns = clipAll(s.legacyIoreqGfns);
  if (s.acquireResource) s.acquireResource = clipAll(s.acquireResource);

  s.structs = clipAll(s.structs);
  const structNames = new Set(s.structs.map((t) => t.name));
  s.dmops = s.dmops.filter((o) => existed(o.firstRelease));
  const dmopValues = new Set(s.dmops.map((o) => o.value));
  s.hvmops = s.hvmops
    .filter((o) => existed(o.firstRelease))
    .map((o) => {
      const op = { ...o, dispatched: o.dispatched.flatMap((r) => clip(r) ?? []) };
      if (stillInHeaders(op.lastHeaderRelease)) delete op.lastHeaderRelease;
      if (op.iface !== undefined) {
        const iface = clipIface(op.iface);
        if (iface && (iface.from !== undefined || iface.below !== undefined)) op.iface = iface;
        else delete op.iface;
      }
      if (op.movedToDmop !== undefined && !dmopValues.has(op.movedToDmop)) delete op.movedToDmop;
      if (op.struct !== undefined && !structNames.has(op.struct)) delete op.struct;
      return op;
    });
  // Everything Xen dropped from hvm_op.h at 4.9 sat under its tools guard before (hvm_op.h `__XEN_TOOLS__` @ RELEASE-4.8.0), so a struct
  // still in the headers at the release (its range now open) gets back the visibility of its op, or "tools".
  s.structs = s.structs.map((t) =>
    t.visibility === 'removed' && t.releases.to === undefined ? { ...t, visibility: s.hvmops.find((o) => o.struct === t.name)?.visibility ?? 'tools' } : t,
  );

  s.constants = s.constants.flatMap((g) => {
    const members = g.members.filter((m) => existed(m.firstRelease));
    if (!members.length) return [];
    const group = { ...g, members };
    if (stillInHeaders(group.lastHeaderRelease)) {
      delete group.lastHeaderRelease;
      if (group.visibility === 'removed') group.visibility = 'tools';
    }
    return [group];
  });
  s.bitPacks = s.bitPacks.flatMap((p) => {
    if (!existed(p.firstRelease)) return [];
    const pack = { ...p };
    if (stillInHeaders(pack.lastHeaderRelease)) {
      delete pack.lastHeaderRelease;
      if (pack.visibility === 'removed') pack.visibility = 'tools';
    }
    return [pack];
  });
  if (s.xsdErrors) s.xsdErrors = s.xsdErrors.filter((e) => existed(e.firstRelease));
  return s;
}
