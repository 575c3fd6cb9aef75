/**
 * Rust vectors generator: packages/abi-types/rust/tests/vectors.rs, the cross-language vectors
 * (bindings/vector-cases.ts, the same cases as schema/vectors.json) checked against the `xenmem-abi` crate's
 * `#[repr(C)]` structs in both directions: a struct built from the vector's values has the vector's bytes,
 * and the vector's bytes read as the struct give the values back.
 *
 * Names follow the crate: the newest layout keeps Xen's name, an older one gets `_<release>`; a field
 * inside a bit-field storage unit (a C bit-field, or a plain field sharing the unit's bytes, like
 * buf_ioreq.type) is reached through its accessors `name()` / `set_name()`, other fields directly.
 */
import type { Field, Struct, XenAbiSchema } from '@xenmem/schema';
import type { GeneratedFile } from './header.js';
import { generatedMarker } from './header.js';
import { codecLayouts, type CodecLayout } from './bindings/layouts.js';
import { vectorCases, type VectorValue } from './bindings/vector-cases.js';
import { rustIdent } from './rust/index.js';

export const RUST_VECTORS_OUT = 'packages/abi-types/rust/tests/vectors.rs';

const RUST_INT = { uint8: 'u8', uint16: 'u16', uint32: 'u32', uint64: 'u64', handle: 'u64' } as const;

function rustType(l: CodecLayout): string {
  const at = l.id.indexOf('@');
  return at < 0 ? l.struct.name : `${l.struct.name}_${l.id.slice(at + 1).replace('.', '_')}`;
}

/** Whether a field lives in a bit-field storage unit: it is a bit-field, or shares a unit's bytes. */
function inBitUnit(st: Struct, f: Field): boolean {
  if (f.bits !== undefined) return true;
  return st.fields.some((u) => u.bits !== undefined && u.offset < f.offset + f.size && f.offset < u.offset + u.size);
}

function literal(f: Field, v: VectorValue): string {
  if (v instanceof Uint8Array) return `[${[...v].join(', ')}]`;
  const t = f.type === 'union' || f.type === 'struct' ? 'u8' : RUST_INT[f.type];
  const one = (x: bigint): string => `0x${x.toString(16)}_${t}`;
  return Array.isArray(v) ? `[${v.map(one).join(', ')}]` : one(v);
}

function caseLines(l: CodecLayout, name: string, values: [Field, VectorValue][], bytes: Uint8Array): string[] {
  const t = rustType(l);
  const set = values.map(([f, v]) => {
    if (f.type === 'union') return `    unsafe { core::ptr::copy_nonoverlapping(${literal(f, v)}.as_ptr(), core::ptr::addr_of_mut!(s.${rustIdent(f.name)}).cast::<u8>(), ${f.size}) };`;
    return inBitUnit(l.struct, f) ? `    s.set_${f.name}(${literal(f, v)});` : `    s.${rustIdent(f.name)} = ${literal(f, v)};`;
  });
  const check = values.map(([f, v]) => {
    if (f.type === 'union')
      return `    assert_eq!(unsafe { core::slice::from_raw_parts(core::ptr::addr_of!(t.${rustIdent(f.name)}).cast::<u8>(), ${f.size}) }, &${literal(f, v)}, "{}", ${JSON.stringify(`${name}: ${f.name}`)});`;
    const got = inBitUnit(l.struct, f) ? `t.${rustIdent(f.name)}()` : `{ t.${rustIdent(f.name)} }`;
    return `    assert_eq!(${got}, ${literal(f, v)}, "{}", ${JSON.stringify(`${name}: ${f.name}`)});`;
  });
  return [
    '#[test]',
    `fn ${name.replace(/\W/g, '_')}() {`,
    `    let want: [u8; ${bytes.length}] = [${[...bytes].join(', ')}];`,
    `    let mut s = ${t}::ZERO;`,
    ...set,
    '    assert_eq!(bytes(&s), want);',
    `    let t: ${t} = unsafe { core::ptr::read_unaligned(want.as_ptr().cast()) };`,
    ...check,
    '}',
    '',
  ];
}

export function generateRustVectors(schema: XenAbiSchema): GeneratedFile[] {
  const lines = [
    generatedMarker('rust-vectors.ts', 'rust'),
    '//! The cross-language vectors of schema/vectors.json, through the crate\'s repr(C) structs both ways.',
    '#![allow(unused_unsafe)]',
    '',
    'use xenmem_abi::*;',
    '',
    '/// The bytes of a struct without implicit padding (the crate makes every gap an explicit field).',
    'fn bytes<T: Copy>(value: &T) -> Vec<u8> {',
    '    // SAFETY: every byte of these repr(C) structs belongs to a field, so all are initialised.',
    '    unsafe { core::slice::from_raw_parts((value as *const T).cast::<u8>(), core::mem::size_of::<T>()) }.to_vec()',
    '}',
    '',
    ...vectorCases(codecLayouts(schema)).flatMap((c) => caseLines(c.layout, `${c.layout.id.replace('@', '_at_')}_${c.name}`, c.values, c.bytes)),
  ];
  return [{ path: RUST_VECTORS_OUT, contents: `${lines.join('\n').replace(/\n+$/, '')}\n` }];
}
