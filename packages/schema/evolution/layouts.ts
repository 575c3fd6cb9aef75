/**
 * struct-layout-changed: the bytes of a struct (and the bits of a bit pack) at a release never change.
 *
 * Compatible means: same size and alignment, every field of the older layout still at its offset with its
 * size (and bit position), and any new field only in bytes that were implicit padding. Field names may change:
 * Xen 4.11 renamed pad→flags and ioreq_pfn/bufioreq_pfn→ioreq_gfn/bufioreq_gfn in
 * xen_dm_op_get_ioreq_server_info with identical offsets, and 4.14 made xen_hvm_param's implicit pad explicit
 * (commit 24ea7abcdc). Field types are not compared: uint16_t[2] and uint32_t are the same four bytes.
 *
 * Two comparisons:
 * - every release the base covers: the next schema must give the same layout there;
 * - every release only the next schema has: the layout must be compatible with the release before it (the
 *   first with the base's newest release). A struct may disappear in a new release (the HVMOP structs did at
 *   4.9, when their ops moved to DMOPs); the reserved-number rules keep the op numbers.
 */
import { entryFor, releaseNames } from '../model.js';
import type { BitPack, Field, ReleaseName, Struct, XenAbiSchema } from '../types.js';
import { formatReleases, Grouped, releasesAfter } from './abi-view.js';
import type { RuleFinding } from './rules.js';

function describeField(f: Field): string {
  const bits = f.bits ? `, bits ${f.bits.shift}+${f.bits.width}` : '';
  return `${f.name}@${f.offset}/${f.size}${bits}`;
}

function sameSlot(a: Field, b: Field): boolean {
  return a.offset === b.offset && a.size === b.size && a.bits?.shift === b.bits?.shift && a.bits?.width === b.bits?.width;
}

/** Differences that break `older` → `newer`, in words; empty when compatible. */
export function layoutDifferences(older: Struct, newer: Struct): string[] {
  const diffs: string[] = [];
  if (newer.size !== older.size) diffs.push(`size ${older.size} → ${newer.size}`);
  if (newer.align !== older.align) diffs.push(`alignment ${older.align} → ${newer.align}`);
  for (const f of older.fields) {
    if (!newer.fields.some((g) => sameSlot(f, g))) diffs.push(`field ${describeField(f)} is no longer at that offset with that size`);
  }
  for (const g of newer.fields) {
    if (older.fields.some((f) => sameSlot(f, g))) continue;
    const overlaps = older.fields.filter((f) => g.offset < f.offset + f.size && f.offset < g.offset + g.size);
    if (overlaps.length) diffs.push(`new field ${describeField(g)} overlaps ${overlaps.map(describeField).join(', ')}`);
  }
  return diffs;
}

function structAt(schema: XenAbiSchema, name: string, release: ReleaseName): Struct | undefined {
  return entryFor(schema.structs.filter((s) => s.name === name), release);
}

function checkStructs(base: XenAbiSchema, next: XenAbiSchema): RuleFinding[] {
  const gone = new Grouped<{ name: string }, ReleaseName>();
  const changed = new Grouped<{ name: string; against: string; diffs: string[] }, ReleaseName>();
  const names = [...new Set([...base.structs, ...next.structs].map((s) => s.name))];
  const baseReleases = releaseNames(base);
  for (const name of names) {
    for (const release of baseReleases) {
      const was = structAt(base, name, release);
      if (!was) continue;
      const now = structAt(next, name, release);
      if (!now) gone.add({ name }, release);
      else {
        const diffs = layoutDifferences(was, now);
        if (diffs.length) changed.add({ name, against: 'the released layout', diffs }, release);
      }
    }
    const baseNewest = baseReleases.at(-1);
    if (baseNewest === undefined) continue;
    let prev: { schema: XenAbiSchema; release: ReleaseName } = { schema: base, release: baseNewest };
    for (const release of releasesAfter(next, baseNewest)) {
      const was = structAt(prev.schema, name, prev.release);
      const now = structAt(next, name, release);
      if (was && now) {
        const diffs = layoutDifferences(was, now);
        if (diffs.length) changed.add({ name, against: `its layout at ${prev.release}`, diffs }, release);
      }
      prev = { schema: next, release };
    }
  }
  const findings: RuleFinding[] = [];
  for (const { key, items } of gone.entries()) {
    findings.push({
      rule: 'struct-layout-changed',
      subject: `struct ${key.name}`,
      message: `struct ${key.name} has no layout at ${formatReleases(base, items)} any more, where the released schema records one.`,
      fix: `Released layouts are facts: restore the variant that covers those releases (where Xen dropped the struct, end its releases.to there; do not delete it).`,
    });
  }
  for (const { key, items } of changed.entries()) {
    findings.push({
      rule: 'struct-layout-changed',
      subject: `struct ${key.name}`,
      message: `struct ${key.name} at ${formatReleases(next, items)} differs from ${key.against}: ${key.diffs.join('; ')}.`,
      fix: `A layout never changes once released; only names may (as Xen 4.11 renamed the fields of xen_dm_op_get_ioreq_server_info in place). Restore the offsets and sizes; a new layout needs a new struct for a new op number.`,
    });
  }
  return findings;
}

/** A bit pack (e.g. XEN_DMOP_PCI_SBDF) is a layout of bits inside a number; it never changes either. */
function checkBitPacks(base: XenAbiSchema, next: XenAbiSchema): RuleFinding[] {
  const findings: RuleFinding[] = [];
  const describe = (p: BitPack['parts'][number]) => `${p.name} at bit ${p.shift}, ${p.width} wide`;
  for (const old of base.bitPacks) {
    const now = next.bitPacks.find((p) => p.name === old.name);
    const subject = `bit pack ${old.cName}`;
    if (!now) {
      findings.push({
        rule: 'struct-layout-changed',
        subject,
        message: `${old.cName} is gone.`,
        fix: 'Restore it; if Xen dropped it from its headers, set visibility "removed" and lastHeaderRelease instead (as for HVMOP_PCI_SBDF after 4.8).',
      });
      continue;
    }
    const diffs = old.parts.filter((p) => !now.parts.some((q) => q.name === p.name && q.shift === p.shift && q.width === p.width)).map(describe);
    if (diffs.length || now.cName !== old.cName) {
      findings.push({
        rule: 'struct-layout-changed',
        subject,
        message: `${old.cName} no longer packs ${diffs.length ? diffs.join(', ') : 'under its old name'}${now.cName !== old.cName ? ` (now called ${now.cName})` : ''}.`,
        fix: `A released encoding never changes: restore it, and add a new bit pack for a new encoding.`,
      });
    }
  }
  return findings;
}

export function checkLayouts(base: XenAbiSchema, next: XenAbiSchema): RuleFinding[] {
  return [...checkStructs(base, next), ...checkBitPacks(base, next)];
}
