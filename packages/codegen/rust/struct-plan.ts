/**
 * Planning one struct as `#[repr(C)]`: the Rust type, size and alignments of each field on 32- and 64-bit
 * targets, the `xen_dm_op.u` union, explicit padding and `align(N)` where a target with 4-aligned u64 would
 * otherwise differ from the schema. Whatever repr(C) cannot reproduce throws.
 */

import type { Field, Struct } from '@xenmem/schema';
import { bitUnits } from './bit-fields.js';
import type { Ctx } from './context.js';
import type { LayoutLookup, RustField, StructPlan, UnionPlan } from './struct-shapes.js';
import { doc, rustIdent } from './text.js';

/** A plain integer type of the schema as Rust: its name, size, and alignment on 32- and 64-bit targets. */
const SCALARS: Record<'uint8' | 'uint16' | 'uint32' | 'uint64' | 'handle', { rust: string; size: number; alignMin: number; alignMax: number }> = {
  uint8: { rust: 'u8', size: 1, alignMin: 1, alignMax: 1 },
  uint16: { rust: 'u16', size: 2, alignMin: 2, alignMax: 2 },
  uint32: { rust: 'u32', size: 4, alignMin: 4, alignMax: 4 },
  // Rust's u64 is 4-aligned on i686 but 8-aligned on x86_64; Xen's uint64_aligned_t is 8 everywhere. The
  // layout is planned so that both place every field where the schema says (see `planStruct`).
  uint64: { rust: 'u64', size: 8, alignMin: 4, alignMax: 8 },
  // A guest handle is a 64-bit guest address in these structs.
  handle: { rust: 'u64', size: 8, alignMin: 4, alignMax: 8 },
};

const STORAGE: Record<number, string> = { 1: 'u8', 2: 'u16', 4: 'u32', 8: 'u64' };

const roundUp = (n: number, align: number) => Math.ceil(n / align) * align;

/** The Rust type, size, alignments and zero value of one plain (non-bit-field) field. */
function plainField(ctx: Ctx, layouts: LayoutLookup, st: Struct, f: Field, owner: string): Omit<Extract<RustField, { kind: 'plain' }>, 'kind' | 'field' | 'name' | 'offset'> & { union?: UnionPlan } {
  const where = `structs[name=${st.name}].fields[${f.name}]`;
  const count = f.count ?? 1;
  const array = (rust: string, zero: string) => (f.count === undefined ? { rust, zero } : { rust: `[${rust}; ${count}]`, zero: `[${zero}; ${count}]` });
  if (f.type === 'struct') {
    if (f.element === undefined) throw new Error(`${where} is a struct field without an element`);
    const el = layouts.at(f.element, st.releases.from);
    if (el === undefined) throw new Error(`${where} names element struct ${f.element}, which structs[] does not list`);
    const t = array(el.rustName, `${el.rustName}::ZERO`);
    return { ...t, size: el.struct.size * count, alignMin: el.struct.align, alignMax: el.struct.align };
  }
  if (f.type === 'union') {
    const u = planUnion(ctx, layouts, st, f, owner);
    if (u === undefined) {
      // No member list for this union: keep its bytes. (Only xen_dm_op's union is described, by dmops[].)
      return { rust: `[u8; ${f.size}]`, zero: `[0; ${f.size}]`, size: f.size, alignMin: 1, alignMax: 1 };
    }
    return { rust: u.rustName, zero: `${u.rustName}::ZERO`, size: u.size, alignMin: u.align, alignMax: u.align, union: u };
  }
  const scalar = SCALARS[f.type];
  const t = array(scalar.rust, '0');
  return { ...t, size: scalar.size * count, alignMin: scalar.alignMin, alignMax: scalar.alignMax };
}

/**
 * `xen_dm_op.u`: the schema records the union's size, and dmops[] records which payload struct each op
 * carries in it, so the members are the ops (named as in Xen: `u.set_mem_type`), each with its payload.
 */
function planUnion(ctx: Ctx, layouts: LayoutLookup, st: Struct, f: Field, owner: string): UnionPlan | undefined {
  if (st.role !== 'dm_op') return undefined;
  const members = [...ctx.s.dmops]
    .sort((a, b) => a.value - b.value)
    .map((o) => {
      const payload = layouts.latest(o.struct);
      if (payload === undefined) throw new Error(`dmops[value=${o.value}] names payload struct ${o.struct}, which structs[] does not list`);
      return { name: rustIdent(o.name), rust: payload.rustName, size: payload.struct.size, align: payload.struct.align, doc: doc('    ', [`The payload of \`${o.cName}\` (${o.value}).`], `dmops[value=${o.value}]`) };
    });
  if (members.length === 0) return undefined;
  const size = Math.max(...members.map((m) => m.size));
  if (size !== f.size) throw new Error(`structs[name=${st.name}].fields[${f.name}] is ${f.size} bytes, but its largest DMOP payload is ${size}`);
  const align = Math.max(...members.map((m) => m.align));
  return { rustName: `${owner}_${f.name}`, size, align, members, zeroMember: members.find((m) => m.size === size)!.name };
}

/**
 * Plans one struct as `#[repr(C)]`: fields in offset order, bit-fields grouped into storage integers,
 * explicit padding only where a target with 4-aligned u64 would place a field earlier than the schema,
 * and `align(N)` where the fields alone would align less than the schema on such a target. Anything
 * repr(C) cannot reproduce (a field earlier than its alignment allows, a struct aligned less than its
 * fields) throws.
 */
export function planStruct(ctx: Ctx, layouts: LayoutLookup, st: Struct): StructPlan {
  const rustName = layouts.rustName(st);
  const plan: StructPlan = { struct: st, rustName, schemaPath: layouts.schemaPath(st), fields: [], forceAlign: undefined, holdsUnion: false };
  layouts.plans.push(plan);
  const units = bitUnits(st);
  const inUnit = new Set(units.flatMap((u) => u.fields));
  type Item = { offset: number; make: () => RustField };
  const items: Item[] = [];
  for (const u of units) {
    const storage = STORAGE[u.size];
    if (storage === undefined || u.offset % u.size !== 0) throw new Error(`structs[name=${st.name}]: bit-field storage of ${u.size} bytes at offset ${u.offset} is not an aligned 1, 2, 4 or 8-byte integer`);
    items.push({
      offset: u.offset,
      make: () => ({
        kind: 'bits',
        name: `bitfield_${u.offset}`,
        rust: storage,
        offset: u.offset,
        size: u.size,
        members: u.fields.map((f) => {
          const base = (f.offset - u.offset) * 8;
          const m = f.bits ? { shift: base + f.bits.shift, width: f.bits.width } : { shift: base, width: f.size * 8 };
          if (f.type === 'struct' || f.type === 'union' || f.count !== undefined) throw new Error(`structs[name=${st.name}].fields[${f.name}] shares bit-field storage but is not a scalar`);
          return { field: f, ...m, rust: SCALARS[f.type].rust };
        }),
      }),
    });
  }
  for (const f of st.fields)
    if (!inUnit.has(f))
      items.push({
        offset: f.offset,
        make: () => {
          const p = plainField(ctx, layouts, st, f, rustName);
          if (p.size !== f.size) throw new Error(`structs[name=${st.name}].fields[${f.name}] is ${f.size} bytes in the schema but ${p.size} as ${p.rust}`);
          if (p.union) plan.union = p.union;
          if (p.union || (f.type === 'struct' && layouts.at(f.element!, st.releases.from)?.holdsUnion)) plan.holdsUnion = true;
          return { kind: 'plain', field: f, name: rustIdent(f.name), rust: p.rust, offset: f.offset, size: p.size, alignMin: p.alignMin, alignMax: p.alignMax, zero: p.zero };
        },
      });
  items.sort((a, b) => a.offset - b.offset);

  let cursor = 0;
  let alignMin = 1;
  let alignMax = 1;
  const padTo = (offset: number) => {
    if (offset > cursor) plan.fields.push({ kind: 'pad', name: `_pad_at_${cursor}`, offset: cursor, size: offset - cursor });
    cursor = offset;
  };
  for (const item of items) {
    const f = item.make();
    const [aMin, aMax] = f.kind === 'plain' ? [f.alignMin, f.alignMax] : [f.size, f.size];
    if (f.offset % aMax !== 0 || f.offset < roundUp(cursor, aMax)) throw new Error(`${plan.schemaPath}: field ${f.name} at offset ${f.offset} cannot be placed by repr(C) (it needs ${aMax}-byte alignment after byte ${cursor})`);
    // Where the weaker alignment would place the field earlier, say where it goes.
    if (roundUp(cursor, aMin) < f.offset) padTo(f.offset);
    plan.fields.push(f);
    cursor = f.offset + f.size;
    alignMin = Math.max(alignMin, aMin);
    alignMax = Math.max(alignMax, aMax);
  }
  if (st.align < alignMax) throw new Error(`${plan.schemaPath}: aligned to ${st.align} in the schema, but its fields need ${alignMax} (would need repr(packed))`);
  if (st.align > alignMin) plan.forceAlign = st.align;
  if (roundUp(cursor, st.align) < st.size) padTo(st.size);
  if (roundUp(cursor, st.align) !== st.size) throw new Error(`${plan.schemaPath}: the fields end at byte ${cursor}, which does not round up to the schema's size ${st.size}`);
  return plan;
}
