/**
 * The rules on hvmmem numbers, names and meanings: value-removed, name-removed, old-name-broken,
 * meaning-changed and burnt-reused.
 *
 * Two regions of interface versions matter:
 * - the versions the base already covered (0 … the base's latest): code was compiled there, so every name must
 *   still give the same number with the same meaning;
 * - the versions only the next schema covers (above the base's latest): a number may get a new name there, but
 *   only a placeholder (burning it, as Xen 4.7 did with HVMMEM_unused = 3, commit c858e932c1) or one with the
 *   same meaning; a burnt number never gets a real meaning again.
 */
import { formatIfaceHex } from '../model.js';
import type { XenAbiSchema } from '../types.js';
import { formatEras, Grouped, hvmmemValues, ifaceEras, isPlaceholder, latestIface, lowestFreeValue, namesAt, valuesNamed, type IfaceEra } from './abi-view.js';
import type { RuleFinding } from './rules.js';

/** What every part of this rule set needs to know about the two schemas. */
interface Pair {
  base: XenAbiSchema;
  next: XenAbiSchema;
  baseLatest: number;
  nextLatest: number;
  /** The lowest number neither schema uses, offered in fix-its. */
  free: number;
  nextValues: Set<number>;
}

export function checkHvmmemNames(base: XenAbiSchema, next: XenAbiSchema): RuleFinding[] {
  const pair: Pair = {
    base,
    next,
    baseLatest: latestIface(base),
    nextLatest: latestIface(next),
    free: lowestFreeValue(base, next),
    nextValues: new Set(hvmmemValues(next)),
  };
  return [...checkRemovedValues(pair), ...checkReleasedVersions(pair), ...checkNewVersions(pair)];
}

function checkRemovedValues({ base, nextValues }: Pair): RuleFinding[] {
  const findings: RuleFinding[] = [];
  for (const value of hvmmemValues(base)) {
    if (nextValues.has(value)) continue;
    const names = [...new Set(base.hvmmemTypes.filter((v) => v.value === value).flatMap((v) => v.names.map((n) => `HVMMEM_${n.name}`)))];
    findings.push({
      rule: 'value-removed',
      subject: `hvmmem value ${value}`,
      value,
      message: `hvmmem value ${value} (${names.join(', ')}) is in the released schema but missing here.`,
      fix: `A number keeps its meaning forever: restore its hvmmemTypes entry. To withdraw it, burn it instead: from a new interface version give it a placeholder name (a semantics tag with placeholder: true, as Xen 4.7 did with HVMMEM_unused = 3) and record that every later release rejects it.`,
    });
  }
  return findings;
}

/** Interface versions the base covers: names and meanings are frozen there. */
function checkReleasedVersions({ base, next, baseLatest, free, nextValues }: Pair): RuleFinding[] {
  const findings: RuleFinding[] = [];
  const removed = new Grouped<{ name: string; value: number }, IfaceEra>();
  const broken = new Grouped<{ name: string; value: number; now: number[] }, IfaceEra>();
  const changed = new Grouped<{ value: number; name: string; was: string; now: string; nowName: string }, IfaceEra>();
  for (const era of ifaceEras([base, next], 0, baseLatest)) {
    for (const value of hvmmemValues(base)) {
      if (!nextValues.has(value)) continue; // reported as value-removed
      const nextNames = namesAt(next, value, era.first);
      for (const old of namesAt(base, value, era.first)) {
        const now = valuesNamed(next, old.name, era.first);
        if (now.length === 0) removed.add({ name: old.name, value }, era);
        else if (!now.includes(value)) broken.add({ name: old.name, value, now }, era);
        const successor = nextNames.find((n) => n.name === old.name) ?? nextNames[0];
        if (successor && successor.semantics !== old.semantics) {
          changed.add({ value, name: old.name, was: old.semantics, now: successor.semantics, nowName: successor.name }, era);
        }
      }
    }
  }
  for (const { key, items } of removed.entries()) {
    findings.push({
      rule: 'name-removed',
      subject: `hvmmem name ${key.name}`,
      value: key.value,
      message: `HVMMEM_${key.name} (${key.value}) no longer exists at interface versions ${formatEras(items)}, where the released schema defines it; code built at those versions still uses it.`,
      fix: `Keep the name there (its iface range must still cover them). To retire it, end its range at a new interface version above ${formatIfaceHex(baseLatest)}, as Xen 4.7 ended mmio_write_dm below 0x00040700.`,
    });
  }
  for (const { key, items } of broken.entries()) {
    findings.push({
      rule: 'old-name-broken',
      subject: `hvmmem name ${key.name}`,
      value: key.value,
      message: `HVMMEM_${key.name} was ${key.value} at interface versions ${formatEras(items)} but is now ${key.now.join(', ')} there, so code built at those versions would send another number.`,
      fix: `Give ${key.name} back to ${key.value} at those versions; a name can only move from a new interface version above ${formatIfaceHex(baseLatest)} on.`,
    });
  }
  for (const { key, items } of changed.entries()) {
    const burning = isPlaceholder(next, key.now);
    const fix = burning
      ? `A number is burnt only from a new interface version: keep ${key.was} at the versions already released and give the placeholder name an iface range starting above ${formatIfaceHex(baseLatest)}, as Xen 4.7 did with HVMMEM_unused from 0x00040700.`
      : `A number keeps its meaning forever: restore the tag ${key.was}. Give the new meaning a fresh number (the lowest free is ${free}); to withdraw ${key.value}, burn it from a new interface version with a placeholder name.`;
    findings.push({
      rule: 'meaning-changed',
      subject: `hvmmem value ${key.value}`,
      value: key.value,
      message: `hvmmem value ${key.value} meant ${key.was} (HVMMEM_${key.name}) at interface versions ${formatEras(items)} and now means ${key.now} (HVMMEM_${key.nowName}).`,
      fix,
    });
  }
  return findings;
}

/** Interface versions only the next schema covers: a number may be renamed there, but not given a new meaning. */
function checkNewVersions({ base, next, baseLatest, nextLatest, free, nextValues }: Pair): RuleFinding[] {
  const findings: RuleFinding[] = [];
  const reused = new Grouped<{ value: number; was: string; name: string; now: string }, IfaceEra>();
  const newMeaning = new Grouped<{ value: number; was: string; name: string; now: string }, IfaceEra>();
  for (const value of hvmmemValues(base)) {
    const newestBase = namesAt(base, value, baseLatest)[0];
    if (!newestBase || !nextValues.has(value)) continue;
    const wasBurnt = isPlaceholder(base, newestBase.semantics);
    for (const era of ifaceEras([next], baseLatest + 1, nextLatest)) {
      for (const n of namesAt(next, value, era.first)) {
        if (isPlaceholder(next, n.semantics)) continue; // burning is allowed; burnt-not-rejected checks the releases
        const key = { value, was: newestBase.semantics, name: n.name, now: n.semantics };
        if (wasBurnt) reused.add(key, era);
        else if (n.semantics !== newestBase.semantics) newMeaning.add(key, era);
      }
    }
  }
  for (const { key, items } of reused.entries()) {
    findings.push({
      rule: 'burnt-reused',
      subject: `hvmmem value ${key.value}`,
      value: key.value,
      message: `hvmmem value ${key.value} is burnt (${key.was}) in the released schema but is named HVMMEM_${key.name} with the meaning ${key.now} at interface versions ${formatEras(items)}.`,
      fix: `A burnt number is never reused: old hypervisors and clients still treat it as withdrawn. Keep ${key.value} a placeholder and give ${key.now} a fresh number (the lowest free is ${free}).`,
    });
  }
  for (const { key, items } of newMeaning.entries()) {
    findings.push({
      rule: 'meaning-changed',
      subject: `hvmmem value ${key.value}`,
      value: key.value,
      message: `hvmmem value ${key.value} means ${key.was} in the released schema but HVMMEM_${key.name} gives it the meaning ${key.now} at interface versions ${formatEras(items)}.`,
      fix: `A number keeps its meaning forever: give ${key.now} a fresh number (the lowest free is ${free}). To withdraw ${key.value}, burn it: a placeholder name from a new interface version and a rejection by every later release, as Xen 4.7 did with 3 (HVMMEM_unused) before 4.8 added ioreq_server as 4.`,
    });
  }
  return findings;
}
