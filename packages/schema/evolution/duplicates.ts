/**
 * duplicate-number and duplicate-name: within one interface version a number has one name and a name one number.
 *
 * validateSchema rejects the same things; the checker reports them under rule ids instead, because they are
 * the evolution mistakes Xen's own libxl IDL never caught (it checked neither uniqueness nor evolution).
 * They need only the hvmmem part of the schema, so they run even when validation failed on them.
 */
import { hvmmemEraStarts, parseIfaceHex } from '../model.js';
import type { XenAbiSchema } from '../types.js';
import { formatEras, Grouped, hvmmemValues, namesAt, type IfaceEra } from './abi-view.js';
import type { RuleFinding } from './rules.js';

/**
 * Eras of `schema` alone. validateSchema checks every era start, even one above the newest release's interface
 * version, so this does too; the last era is written as ending at the newest release's version (or its own start).
 */
function allEras(schema: XenAbiSchema): IfaceEra[] {
  const starts = hvmmemEraStarts(schema);
  const latest = Math.max(0, ...schema.releases.map((r) => parseIfaceHex(r.latestInterfaceVersion)));
  return starts.map((first, i) => ({ first, last: i + 1 < starts.length ? starts[i + 1]! - 1 : Math.max(first, latest) }));
}

export function checkDuplicates(next: XenAbiSchema): RuleFinding[] {
  const findings: RuleFinding[] = [];
  const eras = allEras(next);

  for (const value of hvmmemValues(next)) {
    const entries = next.hvmmemTypes.filter((v) => v.value === value).length;
    if (entries > 1) {
      findings.push({
        rule: 'duplicate-number',
        subject: `hvmmem value ${value}`,
        value,
        message: `hvmmem value ${value} has ${entries} entries in hvmmemTypes.`,
        fix: `Each number has exactly one entry: merge their names (each with its own iface range) and hypervisor lists into one.`,
      });
    }
  }

  const byNumber = new Grouped<{ value: number; names: string[] }, IfaceEra>();
  const byName = new Grouped<{ name: string; values: number[] }, IfaceEra>();
  for (const era of eras) {
    const owners = new Map<string, Set<number>>();
    for (const value of hvmmemValues(next)) {
      const names = [...new Set(namesAt(next, value, era.first).map((n) => n.name))];
      if (names.length > 1) byNumber.add({ value, names }, era);
      for (const name of names) owners.set(name, (owners.get(name) ?? new Set()).add(value));
    }
    for (const [name, values] of owners) if (values.size > 1) byName.add({ name, values: [...values] }, era);
  }

  for (const { key, items } of byNumber.entries()) {
    findings.push({
      rule: 'duplicate-number',
      subject: `hvmmem value ${key.value}`,
      value: key.value,
      message: `hvmmem value ${key.value} has ${key.names.length} names (${key.names.join(', ')}) at interface versions ${formatEras(items)}.`,
      fix: `A number has one name per interface version: make their iface ranges disjoint (a new spelling starts at a new interface version, as HVMMEM_unused did at 0x00040700) or drop the extra name.`,
    });
  }
  for (const { key, items } of byName.entries()) {
    findings.push({
      rule: 'duplicate-name',
      subject: `hvmmem name ${key.name}`,
      message: `HVMMEM_${key.name} names ${key.values.join(' and ')} at interface versions ${formatEras(items)}.`,
      fix: `A name resolves to one number per interface version: keep it on the number it had first and give the other number its own name.`,
    });
  }
  return findings;
}
