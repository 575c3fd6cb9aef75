/**
 * The generated test module: every lookup of the crate (generated, or hand-written over the generated
 * tables) checked against the schema's own data, so `cargo test` proves the tables and lookups say what
 * the schema says (names per interface version, acceptance,
 * transitions and get_mem_type per release, op tables, constants, bit packs, and bit-field bytes).
 */

import { entryFor, hvmmemEraStarts, ifaceInRange, p2mNameAt, parseIfaceHex } from '@xenmem/schema';
import type { Ctx } from './context.js';
import { errnoExpr, opt, rel } from './exprs.js';
import { evaluateGetMemType } from './get-mem-type.js';
import { classAt, maskOf, p2mCount } from './p2m-masks.js';
import type { StructLayouts } from './struct-layouts.js';
import { hex32, hexMask, pascal, rustIdent, rustStr } from './text.js';

/** The `#[cfg(test)]` module: one test per table, with the expected values computed here from the schema. */
export function testsSection(ctx: Ctx, layouts: StructLayouts): string[] {
  const { s } = ctx;
  const count = p2mCount(ctx);
  // The crate root: the generated tables and the hand-written lookups over them, which these tests check.
  const out = ['', '#[cfg(test)]', 'mod tests {', '    use crate::*;', ''];
  const test = (name: string, body: string[]) => out.push('    #[test]', `    fn ${name}() {`, ...body.map((l) => (l === '' ? l : `        ${l}`)), '    }', '');

  test('releases_round_trip', [
    `assert_eq!(Release::ALL.len(), ${s.releases.length});`,
    ...ctx.releases.map((n) => {
      const r = s.releases.find((x) => x.name === n)!;
      return `assert_eq!(Release::from_name(${rustStr(n)}).map(|r| (r.name(), r.latest_interface_version(), r.tools_ops().hypercall())), Some((${rustStr(n)}, ${hex32(parseIfaceHex(r.latestInterfaceVersion))}, ${s.hypercalls.find((h) => h.name === r.toolsOps)!.value})));`;
    }),
    'assert_eq!(Release::from_name("4.1"), None);',
  ]);

  test('errno_round_trip', [
    `assert_eq!(Errno::ALL.len(), ${s.errno.length});`,
    ...s.errno.map((e) => `assert_eq!((Errno::from_value(${e.value}), Errno::from_name(${rustStr(e.name)}).map(Errno::value), ${errnoExpr(e.name)}.is_internal()), (Some(${errnoExpr(e.name)}), Some(${e.value}), ${e.internal}));`),
  ]);

  // Every name at every interface version that matters: the era starts, the last version before each,
  // every release's own version, and the undefined version.
  const ifaces = [
    ...new Set([
      parseIfaceHex(s.interfaceVersion.undefinedValue),
      ...hvmmemEraStarts(s).flatMap((v) => (v > 0 ? [v - 1, v] : [v])),
      ...s.releases.map((r) => parseIfaceHex(r.latestInterfaceVersion)),
    ]),
  ].sort((a, b) => a - b);
  const latest = Math.max(...s.releases.map((r) => parseIfaceHex(r.latestInterfaceVersion)));
  const values = [...s.hvmmemTypes].sort((a, b) => a.value - b.value);
  const allNames = [...new Set(values.flatMap((v) => v.names.map((n) => n.name)))];
  const nameAt = (iface: number, v: (typeof values)[number]) => v.names.find((n) => ifaceInRange(iface, n.iface))?.name;
  const nameRows = ifaces
    .filter((i) => i <= latest)
    .flatMap((iface) => values.map((v) => `(${hex32(iface)}, ${v.value}, ${opt(nameAt(iface, v) === undefined ? undefined : rustStr(nameAt(iface, v)!))}),`));
  const valueRows = ifaces
    .filter((i) => i <= latest)
    .flatMap((iface) => allNames.map((name) => `(${hex32(iface)}, ${rustStr(name)}, ${opt(values.find((v) => v.names.some((n) => n.name === name && ifaceInRange(iface, n.iface)))?.value.toString())}),`));
  test('hvmmem_names_per_interface_version', [
    "let names: &[(u32, u16, Option<&str>)] = &[",
    ...nameRows.map((r) => `    ${r}`),
    '];',
    'for &(iface, value, name) in names {',
    '    assert_eq!(hvmmem_name_at(iface, value), name, "name of {value} at {iface:#010x}");',
    '}',
    "let values: &[(u32, &str, Option<u16>)] = &[",
    ...valueRows.map((r) => `    ${r}`),
    '];',
    'for &(iface, name, value) in values {',
    '    assert_eq!(hvmmem_value_at(iface, name), value, "value of {name} at {iface:#010x}");',
    '}',
    ...values.flatMap((v) => v.names.map((n) => `assert_eq!(hvmmem_value_at(${hex32(n.iface.from === undefined ? 0 : parseIfaceHex(n.iface.from))}, ${rustStr(n.cName)}), Some(${v.value}));`)),
    `assert_eq!(hvmmem_name_at(${hex32(latest + 1)}, ${values[0]?.value ?? 0}), None);`,
  ]);

  const maxValue = Math.max(0, ...values.map((v) => v.value));
  const acceptRows: string[] = [];
  for (const r of ctx.releases) {
    const info = s.releases.find((x) => x.name === r)!;
    for (let value = 0; value <= maxValue + 1; value++) {
      const listed = values.find((v) => v.value === value);
      const h = listed && entryFor(listed.hypervisor, r);
      let expected: string | undefined;
      if (!info.behaviourRecorded) expected = undefined;
      else if (!listed) expected = `Refused(${errnoExpr(s.unlistedHvmmemError)})`;
      else if (h === undefined) expected = undefined;
      else expected = h.accepted ? `Accepted(${h.p2m}, &[${(h.requires ?? []).map((id) => `Requirement::${pascal(id)}`).join(', ')}])` : `Refused(${errnoExpr(h.error!)})`;
      acceptRows.push(`(${rel(r)}, ${value}, ${opt(expected)}),`);
    }
  }
  test('hvmmem_acceptance_per_release', [
    '#[derive(Debug, PartialEq)]',
    "enum Expect { Accepted(u8, &'static [Requirement]), Refused(Errno) }",
    'use Expect::*;',
    'let rows: &[(Release, u16, Option<Expect>)] = &[',
    ...acceptRows.map((r) => `    ${r}`),
    '];',
    'for (release, value, expected) in rows {',
    '    let got = hvmmem_acceptance(*release, *value).map(|a| match a {',
    '        HvmmemAcceptance::Accepted { p2m, requires } => Accepted(p2m, requires),',
    '        HvmmemAcceptance::Refused(e) => Refused(e),',
    '    });',
    '    assert_eq!(&got, expected, "{release} value {value}");',
    '}',
  ]);

  const p2mRows = ctx.releases.flatMap((r) => Array.from({ length: count }, (_, t) => `(${rel(r)}, ${t}, ${opt(p2mNameAt(s, t, r) === undefined ? undefined : rustStr(p2mNameAt(s, t, r)!))}),`));
  test('p2m_names_per_release', [
    "let rows: &[(Release, u8, Option<&str>)] = &[",
    ...p2mRows.map((r) => `    ${r}`),
    '];',
    'for &(release, value, name) in rows {',
    '    assert_eq!(p2m_name_at(release, value), name, "{release} p2m {value}");',
    '    if let Some(name) = name {',
    '        assert_eq!(p2m_value_at(release, name), Some(value));',
    '    }',
    '}',
  ]);

  const classRows = s.p2mClasses.flatMap((c) => ctx.releases.map((r) => `(${c.name}, ${rel(r)}, ${opt(classAt(ctx, c.name, r) === undefined ? undefined : hexMask(maskOf(classAt(ctx, c.name, r)!), count > 16 ? 8 : 4))}),`));
  test('p2m_classes_per_release', [
    'let rows: &[(P2mClass, Release, Option<P2mTypeMask>)] = &[',
    ...classRows.map((r) => `    ${r}`),
    '];',
    'for (class, release, mask) in rows {',
    '    assert_eq!(class.at(*release), *mask, "{} at {release}", class.name);',
    '}',
  ]);

  const transitionRows: string[] = [];
  for (const r of ctx.releases) {
    const t = entryFor(s.transitions, r);
    for (let from = 0; from < count; from++)
      for (let to = 0; to <= maxValue + 1; to++) {
        const outcome = t?.rows.find((row) => row.from === from)?.to[String(to)];
        transitionRows.push(`(${rel(r)}, ${from}, ${to}, ${opt(outcome === undefined ? undefined : outcome === 'ok' ? 'Ok(())' : `Err(${errnoExpr(outcome)})`)}),`);
      }
  }
  test('transitions_per_release', [
    '// (release, old p2m type, hvmmem number, outcome)',
    'type Row = (Release, u8, u16, Option<Result<(), Errno>>);',
    'let rows: &[Row] = &[',
    ...transitionRows.map((r) => `    ${r}`),
    '];',
    'for &(release, from, to, outcome) in rows {',
    '    assert_eq!(p2m_transition(release, from, to), outcome, "{release} p2m {from} -> hvmmem {to}");',
    '}',
  ]);

  const gmtRows: string[] = [];
  for (const r of ctx.releases) {
    const g = entryFor(s.getMemType, r);
    const table = g && evaluateGetMemType(s, g.steps, r, count);
    for (let t = 0; t <= count; t++) gmtRows.push(`(${rel(r)}, ${t}, ${opt(table?.[t]?.toString())}),`);
  }
  test('get_mem_type_per_release', [
    'let rows: &[(Release, u8, Option<u16>)] = &[',
    ...gmtRows.map((r) => `    ${r}`),
    '];',
    'for &(release, p2m, value) in rows {',
    '    assert_eq!(get_mem_type(release, p2m), value, "{release} p2m {p2m}");',
    '}',
  ]);

  test('op_tables', [
    ...[...s.hvmops].sort((a, b) => a.value - b.value).map((o) => `assert_eq!(hvmop(${o.value}).map(|o| o.c_name), Some(${rustStr(o.cName)}));`),
    ...[...s.dmops]
      .sort((a, b) => a.value - b.value)
      .map((o) => `assert_eq!(dmop(${o.value}).map(|o| (o.c_name, o.payload_size)), Some((${rustStr(o.cName)}, ${layouts.latest(o.struct)!.struct.size})));`),
  ]);

  test(
    'constants',
    s.constants.flatMap((g) => g.members.map((m) => `assert_eq!(constant_group(${rustStr(g.name)}).and_then(|g| g.members.iter().find(|m| m.name == ${rustStr(m.name)})).map(|m| m.value), Some(${m.value > 0xffff ? hexMask(m.value, 8) : m.value}));`)),
  );

  // Each part of a pack alone, all ones: it must land on its own bits and nowhere else.
  test(
    'bit_packs',
    ctx.s.bitPacks.flatMap((p) =>
      p.parts.map((q) => `assert_eq!(${p.cName}(${p.parts.map((x) => (x === q ? 'u32::MAX' : '0')).join(', ')}), ${hexMask(((2 ** q.width - 1) * 2 ** q.shift) >>> 0, 8)});`),
    ),
  );

  // Each bit-field set to all ones in a zero struct, as gcc lays them out: the bytes in memory
  // must be exactly the bits the schema gives (field byte offset, then shift and width inside it). Then
  // set to zero in all-ones storage, it must clear exactly those bits.
  const bitBody: string[] = [];
  for (const p of layouts.plans)
    for (const f of p.fields) {
      if (f.kind !== 'bits') continue;
      for (const m of f.members) {
        // Bit `bit` of storage byte k is bit (k - fieldByte) * 8 + bit of the field's own storage unit.
        const fieldByte = m.field.offset - f.offset;
        const start = m.field.bits?.shift ?? 0;
        const width = m.field.bits?.width ?? m.field.size * 8;
        const bytes = Array.from({ length: f.size }, (_, k) => {
          let byte = 0;
          for (let bit = 0; bit < 8; bit++) {
            const inField = (k - fieldByte) * 8 + bit;
            if (inField >= start && inField < start + width) byte |= 1 << bit;
          }
          return byte;
        });
        bitBody.push(
          `let mut v = ${p.rustName}::ZERO;`,
          `v.set_${m.field.name}(${m.rust}::MAX);`,
          `assert_eq!(v.${f.name}.to_ne_bytes(), [${bytes.map((b) => hexMask(b, 2)).join(', ')}], "${p.rustName}.${m.field.name}");`,
          `assert_eq!(v.${rustIdent(m.field.name)}(), ${hexMask(2 ** m.width - 1, 1)});`,
          `v.${f.name} = ${f.rust}::MAX;`,
          `v.set_${m.field.name}(0);`,
          `assert_eq!(v.${f.name}.to_ne_bytes(), [${bytes.map((b) => hexMask(255 - b, 2)).join(', ')}]);`,
        );
      }
    }
  if (bitBody.length) test('bit_fields', bitBody);
  out.push('}');
  return out;
}
