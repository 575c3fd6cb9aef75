/**
 * C bit-fields in Rust: grouping them into storage integers (with any plain field that shares the storage),
 * and the getter and setter of each, which read and write the bits Xen's compiler would.
 */

import type { Field, Struct } from '@xenmem/schema';
import type { BitMember, RustField, StructPlan } from './struct-shapes.js';
import { capital, doc, hexMask, rustIdent } from './text.js';

/**
 * Groups bit-fields into storage units. A unit is the storage of one or more C bit-fields; units that
 * overlap merge, and a plain field inside a unit joins it (buf_ioreq: `type` shares the first u32 with
 * `addr:20`), because Rust cannot overlap a field with another's storage.
 */
export function bitUnits(st: Struct): { offset: number; size: number; fields: Field[] }[] {
  const units = st.fields.filter((f) => f.bits).map((f) => ({ offset: f.offset, size: f.size, fields: [f] }));
  const overlaps = (a: { offset: number; size: number }, b: { offset: number; size: number }) => a.offset < b.offset + b.size && b.offset < a.offset + a.size;
  let merged = true;
  while (merged) {
    merged = false;
    for (let i = 0; i < units.length && !merged; i++)
      for (let j = i + 1; j < units.length && !merged; j++) {
        const a = units[i]!;
        const b = units[j]!;
        if (!overlaps(a, b)) continue;
        const start = Math.min(a.offset, b.offset);
        units.splice(j, 1);
        units[i] = { offset: start, size: Math.max(a.offset + a.size, b.offset + b.size) - start, fields: [...a.fields, ...b.fields] };
        merged = true;
      }
  }
  for (const u of units) {
    for (const f of st.fields) if (!f.bits && !u.fields.includes(f) && overlaps(u, f)) {
      if (f.offset < u.offset || f.offset + f.size > u.offset + u.size) throw new Error(`structs[name=${st.name}]: field ${f.name} straddles the bit-field storage at byte ${u.offset}`);
      u.fields.push(f);
    }
    // In bit order: byte first, then the position inside the field's own storage unit.
    u.fields.sort((a, b) => a.offset * 8 + (a.bits?.shift ?? 0) - (b.offset * 8 + (b.bits?.shift ?? 0)));
  }
  return units.sort((a, b) => a.offset - b.offset);
}

/** "bit 4" or "bits 12–31" (inclusive, as Xen's comments count them). */
export function bitRange(m: BitMember): string {
  return m.width === 1 ? `bit ${m.shift}` : `bits ${m.shift}–${m.shift + m.width - 1}`;
}

/** Getter and setter of one bit-field (or of a plain field that shares its storage). */
export function accessors(plan: StructPlan, unit: Extract<RustField, { kind: 'bits' }>, m: BitMember): string[] {
  const bits = unit.size * 8;
  const mask = m.width >= 53 ? undefined : 2 ** m.width - 1;
  if (mask === undefined) throw new Error(`${plan.schemaPath}: bit-field ${m.field.name} is wider than 52 bits`);
  if (bits > 32) throw new Error(`${plan.schemaPath}: 64-bit bit-field storage is not generated`);
  const shifted = m.shift === 0 ? `self.${unit.name}` : `(self.${unit.name} >> ${m.shift})`;
  const masked = m.width === bits ? shifted : `${shifted} & ${hexMask(mask, 1)}`;
  const read = m.rust === unit.rust ? masked : `(${masked}) as ${m.rust}`;
  const value = m.rust === unit.rust ? 'value' : `value as ${unit.rust}`;
  const write = m.shift === 0 ? `(${value} & ${hexMask(mask, 1)})` : `((${value} & ${hexMask(mask, 1)}) << ${m.shift})`;
  // Every bit of the storage except this field's, written at the storage's full width.
  const keep = (2 ** bits - 1 - mask * 2 ** m.shift) >>> 0;
  const getter = rustIdent(m.field.name);
  const what = m.field.bits ? `the \`${m.field.name}\` bit-field` : `\`${m.field.name}\` (a plain field that shares the bit-fields' storage)`;
  const schemaPath = `${plan.schemaPath}.fields[${m.field.name}]`;
  return [
    '',
    ...doc('    ', [capital(`${what}: ${bitRange(m)} of \`${unit.name}\``)], schemaPath),
    '    #[inline]',
    `    pub const fn ${getter}(&self) -> ${m.rust} {`,
    `        ${read}`,
    '    }',
    '',
    ...doc('    ', [`Sets ${what}; bits of \`value\` above its width are dropped, as C does.`], schemaPath),
    '    #[inline]',
    `    pub const fn set_${m.field.name}(&mut self, value: ${m.rust}) {`,
    `        self.${unit.name} = (self.${unit.name} & ${hexMask(keep, unit.size * 2)}) | ${write};`,
    '    }',
  ];
}
