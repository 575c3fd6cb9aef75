/**
 * The rules on what hypervisor releases do with an hvmmem number: burnt-not-rejected and accept-tightened.
 *
 * A burnt number must be refused by every release from the burn on, or a client still using the old name would
 * silently get whatever the hypervisor now does (Xen 4.7 made set_mem_type refuse 3 with EINVAL in the same
 * commit that renamed it HVMMEM_unused, c858e932c1). A number that keeps its meaning must keep working: a new
 * release may not add requirements or stop accepting it, unless `schema.exceptions` records why (Xen 4.9 added
 * the HAP and claim requirements to 4 = ioreq_server, commit ca2b511d3f).
 */
import { compareReleases, releaseNames } from '../model.js';
import type { ReleaseName, XenAbiSchema } from '../types.js';
import { acceptanceAt, formatReleases, hvmmemValues, isPlaceholder, lowestFreeValue, namesAt, newestName, releaseIface, releasesAfter } from './abi-view.js';
import type { RuleFinding } from './rules.js';

export function checkBurntRejected(next: XenAbiSchema): RuleFinding[] {
  const findings: RuleFinding[] = [];
  for (const value of hvmmemValues(next)) {
    const newest = newestName(next, value);
    if (!newest || !isPlaceholder(next, newest.semantics)) continue;
    const burnt = next.releases.filter((r) => r.behaviourRecorded && compareReleases(r.name, newest.firstRelease) >= 0).map((r) => r.name);
    const accepting = burnt.filter((r) => acceptanceAt(next, value, r)?.accepted === true);
    const unrecorded = burnt.filter((r) => acceptanceAt(next, value, r) === undefined);
    if (accepting.length === 0 && unrecorded.length === 0) continue;
    const what = [
      accepting.length ? `${formatReleases(next, accepting)} accept${accepting.length === 1 ? 's' : ''} it` : '',
      unrecorded.length ? `${formatReleases(next, unrecorded)} record${unrecorded.length === 1 ? 's' : ''} nothing for it` : '',
    ].filter(Boolean).join(' and ');
    findings.push({
      rule: 'burnt-not-rejected',
      subject: `hvmmem value ${value}`,
      value,
      release: [...accepting, ...unrecorded].sort(compareReleases)[0]!,
      message: `hvmmem value ${value} is burnt (HVMMEM_${newest.name}, ${newest.semantics}, since ${newest.firstRelease}) but ${what}.`,
      fix: `Every hypervisor from ${newest.firstRelease} on must refuse a burnt number: record { "releases": { "from": "${newest.firstRelease}" }, "accepted": false, "error": "EINVAL" } in its hypervisor list, as Xen 4.7 refused 3 once it became HVMMEM_unused.`,
    });
  }
  return findings;
}

/** The semantics tag of `value` as a release's own headers give it (at that release's latest interface version). */
function tagAt(schema: XenAbiSchema, value: number, release: ReleaseName): string | undefined {
  return namesAt(schema, value, releaseIface(schema, release))[0]?.semantics;
}

/**
 * Compares each release the base does not have with the release before it; the first with the base's newest
 * release, as the base records it. A number new in `next` is compared from its second release on.
 */
export function checkAcceptTightened(base: XenAbiSchema, next: XenAbiSchema): RuleFinding[] {
  const findings: RuleFinding[] = [];
  const baseNewest = releaseNames(base).at(-1);
  if (baseNewest === undefined) return findings;
  const free = lowestFreeValue(base, next);
  for (const value of hvmmemValues(next)) {
    let prev: { schema: XenAbiSchema; release: ReleaseName } = { schema: base, release: baseNewest };
    for (const release of releasesAfter(next, baseNewest)) {
      const before = acceptanceAt(prev.schema, value, prev.release);
      const now = acceptanceAt(next, value, release);
      const tagBefore = tagAt(prev.schema, value, prev.release);
      const tagNow = tagAt(next, value, release);
      // A changed or burnt meaning is the other rules' business; this rule guards a meaning that stayed.
      const sameMeaning = tagBefore !== undefined && tagBefore === tagNow && !isPlaceholder(next, tagNow);
      if (before?.accepted && now && sameMeaning) {
        const added = (now.requires ?? []).filter((r) => !(before.requires ?? []).includes(r));
        const was = prev.release;
        const how = !now.accepted
          ? `${release} refuses it (${now.error ?? 'an error'}) where ${was} accepted it`
          : added.length
            ? `${release} accepts it only with ${added.join(', ')}, which ${was} did not require`
            : undefined;
        if (how) {
          findings.push({
            rule: 'accept-tightened',
            subject: `hvmmem value ${value}`,
            value,
            release,
            message: `hvmmem value ${value} (${tagNow}) is unchanged in meaning, but ${how}: a client that worked on ${was} fails on ${release}.`,
            fix: `Keep accepting it as before and give the stricter behaviour a fresh number (the lowest free is ${free}), or, if Xen really did this, record it in schema.exceptions: { "rule": "accept-tightened", "value": ${value}, "release": "${release}", "reason": "…" }.`,
          });
        }
      }
      prev = { schema: next, release };
    }
  }
  return findings;
}
