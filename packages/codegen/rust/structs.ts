/**
 * Struct layouts (x86_64), checked at compile time: each planned struct as a `#[repr(C)]` Rust struct with
 * field docs, `ZERO` and bit-field accessors, the DM op payload union, and `const` assertions of size,
 * alignment and every field offset against the schema.
 */

import type { Field, Struct } from '@xenmem/schema';
import { formatRange } from '@xenmem/schema';
import { accessors, bitRange } from './bit-fields.js';
import type { Ctx } from './context.js';
import type { StructLayouts } from './struct-layouts.js';
import type { StructPlan, UnionPlan } from './struct-shapes.js';
import { capital, doc, rustStr, sentence } from './text.js';

const ROLE: Record<Struct['role'], string> = {
  dm_op: 'Part of the dm_op hypercall itself',
  dm_op_payload: 'A DM op payload (in `xen_dm_op.u`)',
  dm_op_extra: 'Extra data of a DM op (in dm_op buf\\[1\\])',
  hvm_op: 'An HVMOP argument',
  ioreq: 'Part of the ioreq protocol',
  hypercall: 'The argument of a hypercall',
  kernel: "The argument of an ioctl of Linux's Xen drivers",
  xenstore: 'Part of the xenstore wire protocol',
};

const DIR = { in: 'IN', out: 'OUT', inout: 'IN and OUT' } as const;

/** A field's doc lines: its description, then its direction, C type and must-be-zero notes. */
function fieldDoc(f: Field): string[] {
  const notes = [f.dir ? DIR[f.dir] : undefined, f.cType ? `C type \`${f.cType}\`` : undefined, f.mustBeZero ? 'must be zero' : undefined].filter((n): n is string => n !== undefined);
  return [...(f.description ? [sentence(f.description)] : []), ...(notes.length ? [capital(notes.join('; '))] : [])];
}

/** One planned struct: its union if it defines one, the struct, `ZERO`, bit-field accessors, `Default`, and its layout assertions. */
function emitStruct(plan: StructPlan, layouts: StructLayouts): string[] {
  const st = plan.struct;
  const out: string[] = [];
  if (plan.union) out.push(...emitUnion(plan.union, plan));
  const lines = [
    sentence(st.description),
    '',
    `${ROLE[st.role]}; \`${st.header}\`, Xen ${formatRange(st.releases)}${st.visibility === 'tools' ? ', tools-only' : st.visibility === 'removed' ? ', gone from the newest headers' : ''}. ${st.size} bytes, aligned to ${st.align}.`,
  ];
  const newest = layouts.latest(st.name)!;
  if (newest !== plan) lines.push('', `This is the layout of Xen ${formatRange(st.releases)}; the newest is [\`${newest.rustName}\`].`);
  out.push(
    ...doc('', lines, plan.schemaPath),
    plan.forceAlign ? `#[repr(C, align(${plan.forceAlign}))]` : '#[repr(C)]',
    `#[derive(${plan.holdsUnion ? 'Clone, Copy, Debug' : 'Clone, Copy, Debug, PartialEq, Eq, Hash'})]`,
    `pub struct ${plan.rustName} {`,
  );
  for (const f of plan.fields) {
    if (f.kind === 'plain') out.push(...doc('    ', fieldDoc(f.field), `${plan.schemaPath}.fields[${f.field.name}]`), `    pub ${f.name}: ${f.rust},`);
    else if (f.kind === 'pad') out.push(`    /// Bytes the schema leaves between fields (C pads here); explicit so that every target, even one with a 4-aligned u64, puts the next field at its offset.`, `    pub ${f.name}: [u8; ${f.size}],`);
    else
      out.push(
        `    /// Storage of ${f.members.map((m) => `\`${m.field.name}\` (${bitRange(m)})`).join(', ')}; use the accessor methods.`,
        '    ///',
        `    /// schema: \`${plan.schemaPath}.fields[${f.members.map((m) => m.field.name).join(', ')}]\``,
        `    pub ${f.name}: ${f.rust},`,
      );
  }
  out.push('}', '', `impl ${plan.rustName} {`, '    /// All fields zero.', '    pub const ZERO: Self = Self {');
  for (const f of plan.fields) out.push(`        ${f.name}: ${f.kind === 'plain' ? f.zero : f.kind === 'pad' ? `[0; ${f.size}]` : '0'},`);
  out.push('    };');
  for (const f of plan.fields) if (f.kind === 'bits') for (const m of f.members) out.push(...accessors(plan, f, m));
  out.push(
    '}',
    '',
    `impl Default for ${plan.rustName} {`,
    '    fn default() -> Self {',
    '        Self::ZERO',
    '    }',
    '}',
    '',
    `const _: () = assert!(core::mem::size_of::<${plan.rustName}>() == ${st.size});`,
    `const _: () = assert!(core::mem::align_of::<${plan.rustName}>() == ${st.align});`,
    ...plan.fields.map((f) => `const _: () = assert!(core::mem::offset_of!(${plan.rustName}, ${f.name}) == ${f.offset});`),
    '',
  );
  return out;
}

/** The DM op payload union, with `ZERO`, `Default`, an opaque `Debug`, and its size and alignment assertions. */
function emitUnion(u: UnionPlan, owner: StructPlan): string[] {
  return [
    ...doc(
      '',
      [`The payload union \`u\` of [\`${owner.rustName}\`]: one member per DM op, named as in Xen. Which member is live depends on \`op\`.`],
      `${owner.schemaPath}.fields[u]`,
    ),
    '#[repr(C)]',
    '#[derive(Clone, Copy)]',
    `pub union ${u.rustName} {`,
    ...u.members.flatMap((m) => [...m.doc, `    pub ${m.name}: ${m.rust},`]),
    '}',
    '',
    `impl ${u.rustName} {`,
    '    /// All bytes zero (through the member that spans the whole union).',
    `    pub const ZERO: Self = Self { ${u.zeroMember}: ${u.members.find((m) => m.name === u.zeroMember)!.rust}::ZERO };`,
    '}',
    '',
    `impl Default for ${u.rustName} {`,
    '    fn default() -> Self {',
    '        Self::ZERO',
    '    }',
    '}',
    '',
    `impl core::fmt::Debug for ${u.rustName} {`,
    "    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {",
    '        // The live member depends on the op number next to the union, so the union alone cannot print it.',
    `        f.write_str(${rustStr(`${u.rustName} { .. }`)})`,
    '    }',
    '}',
    '',
    `const _: () = assert!(core::mem::size_of::<${u.rustName}>() == ${u.size});`,
    `const _: () = assert!(core::mem::align_of::<${u.rustName}>() == ${u.align});`,
    '',
  ];
}

/** Every struct layout in name order, after claiming their Rust names (and their unions') in the item registry. */
export function structsSection(ctx: Ctx, layouts: StructLayouts): string[] {
  const plans = layouts.planAll();
  for (const p of plans) {
    ctx.items.claim(p.rustName, p.schemaPath);
    if (p.union) ctx.items.claim(p.union.rustName, `${p.schemaPath}.fields[u]`);
  }
  return [
    '',
    '// ---------------------------------------------------------------------------------------------------',
    '// Struct layouts (x86_64), checked at compile time',
    '',
    ...plans.flatMap((p) => emitStruct(p, layouts)),
  ];
}
