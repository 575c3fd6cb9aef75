/**
 * HVMOP and DMOP numbers: a constant per op with its life and dispatch per release, the `HVMOPS` and `DMOPS`
 * tables, and their lookups. A DM op's payload size is its payload struct's, as laid out in this module.
 */

import { formatRange } from '@xenmem/schema';
import type { Ctx } from './context.js';
import { ifaceRangeExpr, opt, rangeExpr, rel } from './exprs.js';
import { ARCH, VISIBILITY } from './shared-types.js';
import type { StructLayouts } from './struct-layouts.js';
import { doc, rustStr, sentence } from './text.js';

/** HVMOP and DMOP constants, the `HVMOPS` and `DMOPS` tables, and their lookups. */
export function opsSection(ctx: Ctx, layouts: StructLayouts): string[] {
  const { s, items } = ctx;
  for (const n of ['HvmOp', 'HVMOPS', 'hvmop', 'DmOp', 'DMOPS', 'dmop']) items.claim(n, 'the ops section');
  const hvmops = [...s.hvmops].sort((a, b) => a.value - b.value);
  const dmops = [...s.dmops].sort((a, b) => a.value - b.value);
  const dmopName = (value: number | undefined) => (value === undefined ? undefined : dmops.find((d) => d.value === value)?.cName ?? String(value));
  const hvmopName = (value: number | undefined) => (value === undefined ? undefined : hvmops.find((h) => h.value === value)?.cName ?? String(value));
  const out = [
    '',
    '// ---------------------------------------------------------------------------------------------------',
    '// HVMOP and DMOP numbers',
    '',
  ];
  for (const o of hvmops) {
    const life = `${o.visibility === 'tools' ? 'Tools-only' : 'Public'} HVMOP since Xen ${o.firstRelease}${o.lastHeaderRelease ? `, in the headers up to ${o.lastHeaderRelease}` : ''}${o.iface?.below ? ` (below interface version ${o.iface.below})` : ''}.`;
    const dispatched = o.dispatched.length ? `Dispatched by Xen ${o.dispatched.map(formatRange).join(', ')}; ENOSYS elsewhere.` : 'No release dispatches it: ENOSYS.';
    const moved = o.movedToDmop !== undefined ? ` Replaced by \`${dmopName(o.movedToDmop)}\`.` : '';
    out.push(...doc('', [sentence(o.description), '', life, dispatched + moved], `hvmops[value=${o.value}]`), `pub const ${items.claim(o.cName, `hvmops[value=${o.value}]`)}: u32 = ${o.value};`, '');
  }
  for (const o of dmops) {
    const replaces = o.replacesHvmop !== undefined ? ` Replaces \`${hvmopName(o.replacesHvmop)}\`.` : o.replacesOther ? ` Replaces \`${o.replacesOther}\`.` : '';
    out.push(
      ...doc('', [sentence(o.description), '', `DMOP since Xen ${o.firstRelease}; payload \`${o.struct}\`.${replaces}`], `dmops[value=${o.value}]`),
      `pub const ${items.claim(o.cName, `dmops[value=${o.value}]`)}: u32 = ${o.value};`,
      '',
    );
  }
  out.push(
    '/// An HVMOP (`__HYPERVISOR_hvm_op` sub-op) as the schema records it.',
    '///',
    '/// schema: `hvmops[]`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    'pub struct HvmOp {',
    '    /// The op number.',
    '    pub value: u32,',
    '    /// The name without prefix, e.g. "set_mem_type".',
    "    pub name: &'static str,",
    '    /// The C name, e.g. "HVMOP_set_mem_type".',
    "    pub c_name: &'static str,",
    '    /// Header visibility while the op was in the header.',
    '    pub visibility: Visibility,',
    '    /// The first release whose headers define it.',
    '    pub first_release: Release,',
    '    /// The last release whose headers define it; `None` while still defined.',
    '    pub last_header_release: Option<Release>,',
    '    /// Interface versions at which the newest headers define it, when guarded.',
    '    pub iface: Option<IfaceRange>,',
    '    /// Releases whose `do_hvm_op` handles it; elsewhere the hypervisor returns ENOSYS.',
    "    pub dispatched: &'static [ReleaseRange],",
    '    /// The argument struct, when recorded.',
    "    pub struct_name: Option<&'static str>,",
    '    /// The DMOP that replaced it.',
    '    pub moved_to_dmop: Option<u32>,',
    '    /// What it does.',
    "    pub description: &'static str,",
    '}',
    '',
    'impl HvmOp {',
    '    /// Whether `release`\'s hypervisor handles this op (else it answers ENOSYS).',
    '    pub fn dispatched_at(&self, release: Release) -> bool {',
    '        self.dispatched.iter().any(|r| r.contains(release))',
    '    }',
    '}',
    '',
    '/// Every HVMOP of the schema, by number.',
    '///',
    '/// schema: `hvmops`',
    'pub const HVMOPS: &[HvmOp] = &[',
  );
  for (const o of hvmops)
    out.push(
      `    // schema: hvmops[value=${o.value}]`,
      `    HvmOp { value: ${o.cName}, name: ${rustStr(o.name)}, c_name: ${rustStr(o.cName)}, visibility: ${VISIBILITY[o.visibility]}, first_release: ${rel(o.firstRelease)}, last_header_release: ${opt(o.lastHeaderRelease === undefined ? undefined : rel(o.lastHeaderRelease))}, iface: ${opt(o.iface === undefined ? undefined : ifaceRangeExpr(o.iface))}, dispatched: &[${o.dispatched.map(rangeExpr).join(', ')}], struct_name: ${opt(o.struct === undefined ? undefined : rustStr(o.struct))}, moved_to_dmop: ${opt(dmopName(o.movedToDmop))}, description: ${rustStr(o.description)} },`,
    );
  out.push(
    '];',
    '',
    '/// The HVMOP with number `value`.',
    '///',
    '/// schema: `hvmops`',
    "pub fn hvmop(value: u32) -> Option<&'static HvmOp> {",
    '    HVMOPS.iter().find(|o| o.value == value)',
    '}',
    '',
    '/// A DM op (`__HYPERVISOR_dm_op`, `xen_dm_op.op`) as the schema records it.',
    '///',
    '/// schema: `dmops[]`',
    '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]',
    'pub struct DmOp {',
    '    /// The op number.',
    '    pub value: u32,',
    '    /// The name without prefix, e.g. "set_mem_type".',
    "    pub name: &'static str,",
    '    /// The C name, e.g. "XEN_DMOP_set_mem_type".',
    "    pub c_name: &'static str,",
    '    /// The first release that has it.',
    '    pub first_release: Release,',
    '    /// The payload struct in `xen_dm_op.u`.',
    "    pub struct_name: &'static str,",
    '    /// The payload size in bytes (what Xen copies in after the 8-byte op header).',
    '    pub payload_size: usize,',
    '    /// Whether Xen copies the payload back to buf\\[0\\] on success (false for Xen\'s "const" ops).',
    '    pub copy_back: bool,',
    '    /// Architectures whose hypervisor implements it.',
    "    pub arch: &'static [Arch],",
    '    /// The HVMOP it replaced.',
    '    pub replaces_hvmop: Option<u32>,',
    '    /// Another interface it replaced.',
    "    pub replaces_other: Option<&'static str>,",
    '    /// What it does.',
    "    pub description: &'static str,",
    '}',
    '',
    '/// Every DM op of the schema, by number.',
    '///',
    '/// schema: `dmops`',
    'pub const DMOPS: &[DmOp] = &[',
  );
  for (const o of dmops) {
    const payload = layouts.latest(o.struct);
    if (payload === undefined) throw new Error(`dmops[value=${o.value}] names payload struct ${o.struct}, which structs[] does not list`);
    out.push(
      `    // schema: dmops[value=${o.value}]`,
      `    DmOp { value: ${o.cName}, name: ${rustStr(o.name)}, c_name: ${rustStr(o.cName)}, first_release: ${rel(o.firstRelease)}, struct_name: ${rustStr(o.struct)}, payload_size: core::mem::size_of::<${payload.rustName}>(), copy_back: ${o.copyBack}, arch: &[${o.arch.map((a) => ARCH[a]).join(', ')}], replaces_hvmop: ${opt(hvmopName(o.replacesHvmop))}, replaces_other: ${opt(o.replacesOther === undefined ? undefined : rustStr(o.replacesOther))}, description: ${rustStr(o.description)} },`,
    );
  }
  out.push(
    '];',
    '',
    '/// The DM op with number `value`.',
    '///',
    '/// schema: `dmops`',
    "pub fn dmop(value: u32) -> Option<&'static DmOp> {",
    '    DMOPS.iter().find(|o| o.value == value)',
    '}',
  );
  return out;
}
