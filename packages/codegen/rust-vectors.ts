/**
 * Rust vectors generator: packages/abi-types/rust/tests/vectors.rs, which reads the cross-language vectors at
 * test time from tests/vectors.json (a byte-identical copy of schema/vectors.json, written beside it) and checks
 * them against the `xenmem-abi` crate's `#[repr(C)]` structs in both directions: a struct built from the
 * vector's values has the vector's bytes, and the vector's bytes read as the struct give the values back.
 * The crate has no dependencies, so the test carries a reader for the little JSON vectors.ts writes.
 *
 * Names follow the crate: the newest layout keeps Xen's name, an older one gets `_<release>`; a field
 * inside a bit-field storage unit (a C bit-field, or a plain field sharing the unit's bytes, like
 * buf_ioreq.type) is reached through its accessors `name()` / `set_name()`, other fields directly.
 */
import type { Field, Struct, XenAbiSchema } from '@xenmem/schema';
import type { GeneratedFile } from './header.js';
import { generatedMarker } from './header.js';
import { codecLayouts, type CodecLayout } from './bindings/layouts.js';
import { rustIdent } from './rust/index.js';
import { vectorsJson } from './vectors.js';

export const RUST_VECTORS_OUT = 'packages/abi-types/rust/tests/vectors.rs';
const RUST_VECTORS_JSON = 'packages/abi-types/rust/tests/vectors.json';

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

/** The field's value in the vector `fields`, as the Rust type of the field. */
function valueOf(f: Field): string {
  const json = `fields.get(${JSON.stringify(f.name)})`;
  if (f.type === 'union' || f.type === 'struct') throw new Error(`field ${f.name} is not an integer`);
  return f.count === undefined ? `int::<${RUST_INT[f.type]}>(${json})` : `ints::<${RUST_INT[f.type]}, ${f.count}>(${json})`;
}

/** The function checking one layout's vectors: build from the values, compare bytes, read back, compare values. */
function checkLines(l: CodecLayout): string[] {
  const t = rustType(l);
  const fields = l.struct.fields;
  const set = fields.map((f) => {
    if (f.type === 'union')
      return [
        `    let ${rustIdent(f.name)} = fields.get(${JSON.stringify(f.name)}).hex();`,
        `    assert_eq!(${rustIdent(f.name)}.len(), ${f.size}, "{name}: ${f.name}");`,
        `    unsafe { core::ptr::copy_nonoverlapping(${rustIdent(f.name)}.as_ptr(), core::ptr::addr_of_mut!(s.${rustIdent(f.name)}).cast::<u8>(), ${f.size}) };`,
      ];
    return [inBitUnit(l.struct, f) ? `    s.set_${f.name}(${valueOf(f)});` : `    s.${rustIdent(f.name)} = ${valueOf(f)};`];
  });
  const check = fields.map((f) => {
    if (f.type === 'union')
      return `    assert_eq!(unsafe { core::slice::from_raw_parts(core::ptr::addr_of!(t.${rustIdent(f.name)}).cast::<u8>(), ${f.size}) }, &fields.get(${JSON.stringify(f.name)}).hex()[..], "{name}: ${f.name}");`;
    const got = inBitUnit(l.struct, f) ? `t.${rustIdent(f.name)}()` : `{ t.${rustIdent(f.name)} }`;
    return `    assert_eq!(${got}, ${valueOf(f)}, "{name}: ${f.name}");`;
  });
  return [
    `fn check_${t}(name: &str, fields: &Json, want: &[u8]) {`,
    `    assert_eq!(fields.len(), ${fields.length}, "{name}: fields");`,
    `    let mut s = ${t}::ZERO;`,
    ...set.flat(),
    '    assert_eq!(bytes(&s), want, "{name}");',
    `    let t: ${t} = unsafe { core::ptr::read_unaligned(want.as_ptr().cast()) };`,
    ...check,
    '}',
    '',
  ];
}

/** Reads tests/vectors.json: objects keep their order, numbers are unsigned integers, strings carry no escapes. */
const JSON_READER = `/// A value of tests/vectors.json: objects keep their members' order; numbers are unsigned integers.
enum Json {
    Object(Vec<(String, Json)>),
    Array(Vec<Json>),
    Str(String),
    Uint(u64),
}

/// Reads the JSON that vectors.ts writes (no escapes in strings, no signs, fractions or literals).
struct Reader<'a> {
    text: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn peek(&mut self) -> u8 {
        while self.text[self.at].is_ascii_whitespace() {
            self.at += 1;
        }
        self.text[self.at]
    }

    fn eat(&mut self, c: u8) {
        assert_eq!(self.peek(), c, "vectors.json: {:?} expected at byte {}", c as char, self.at);
        self.at += 1;
    }

    fn items<T>(&mut self, close: u8, mut item: impl FnMut(&mut Self) -> T) -> Vec<T> {
        let mut out = Vec::new();
        if self.peek() != close {
            out.push(item(self));
            while self.peek() == b',' {
                self.eat(b',');
                out.push(item(self));
            }
        }
        self.eat(close);
        out
    }

    fn string(&mut self) -> String {
        self.eat(b'"');
        let start = self.at;
        while self.text[self.at] != b'"' {
            assert_ne!(self.text[self.at], b'\\\\', "vectors.json: escapes are not expected");
            self.at += 1;
        }
        self.at += 1;
        String::from_utf8(self.text[start..self.at - 1].to_vec()).expect("vectors.json: UTF-8")
    }

    fn value(&mut self) -> Json {
        match self.peek() {
            b'{' => {
                self.eat(b'{');
                Json::Object(self.items(b'}', |r| {
                    let key = r.string();
                    r.eat(b':');
                    (key, r.value())
                }))
            }
            b'[' => {
                self.eat(b'[');
                Json::Array(self.items(b']', Self::value))
            }
            b'"' => Json::Str(self.string()),
            _ => {
                let start = self.at;
                while self.text[self.at].is_ascii_digit() {
                    self.at += 1;
                }
                let digits = core::str::from_utf8(&self.text[start..self.at]).unwrap();
                Json::Uint(digits.parse().unwrap_or_else(|_| panic!("vectors.json: a value expected at byte {start}")))
            }
        }
    }
}

impl Json {
    fn get(&self, key: &str) -> &Json {
        match self {
            Json::Object(members) => &members.iter().find(|(k, _)| k == key).unwrap_or_else(|| panic!("vectors.json: no member {key}")).1,
            _ => panic!("vectors.json: {key} looked up in something that is not an object"),
        }
    }

    fn len(&self) -> usize {
        match self {
            Json::Object(members) => members.len(),
            Json::Array(items) => items.len(),
            _ => panic!("vectors.json: not an object or array"),
        }
    }

    fn str(&self) -> &str {
        match self {
            Json::Str(s) => s,
            _ => panic!("vectors.json: not a string"),
        }
    }

    /// A number, or "0x…" (a 64-bit number).
    fn uint(&self) -> u64 {
        match self {
            Json::Uint(n) => *n,
            Json::Str(s) if s.starts_with("0x") => u64::from_str_radix(&s[2..], 16).expect("vectors.json: hex number"),
            _ => panic!("vectors.json: not a number"),
        }
    }

    /// A union's bytes, written as hex.
    fn hex(&self) -> Vec<u8> {
        let s = self.str();
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("vectors.json: hex bytes")).collect()
    }
}

fn int<T: TryFrom<u64>>(v: &Json) -> T {
    T::try_from(v.uint()).unwrap_or_else(|_| panic!("vectors.json: {} does not fit its field", v.uint()))
}

fn ints<T: TryFrom<u64>, const N: usize>(v: &Json) -> [T; N] {
    assert_eq!(v.len(), N, "vectors.json: an array of {N} expected");
    let Json::Array(items) = v else { unreachable!() };
    core::array::from_fn(|i| int(&items[i]))
}`;


export function generateRustVectors(schema: XenAbiSchema): GeneratedFile[] {
  const layouts = codecLayouts(schema);
  const lines = [
    generatedMarker('rust-vectors.ts', 'rust'),
    "//! The cross-language vectors of tests/vectors.json (a copy of schema/vectors.json), through the crate's repr(C)",
    '//! structs both ways.',
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
    JSON_READER,
    '',
    ...layouts.flatMap(checkLines),
    '/// Every layout with a struct, by its id in vectors.json, and the function checking its vectors.',
    'type Check = fn(&str, &Json, &[u8]);',
    'const LAYOUTS: &[(&str, Check)] = &[',
    ...layouts.map((l) => `    (${JSON.stringify(l.id)}, check_${rustType(l)}),`),
    '];',
    '',
    '#[test]',
    'fn vectors() {',
    '    let file = Reader { text: include_bytes!("vectors.json"), at: 0 }.value();',
    '    let Json::Array(vectors) = file.get("vectors") else { panic!("vectors.json: vectors is not an array") };',
    '    let mut seen = Vec::new();',
    '    for v in vectors {',
    '        let layout = v.get("layout").str();',
    '        let name = format!("{layout}/{}", v.get("case").str());',
    '        let check = LAYOUTS.iter().find(|(id, _)| *id == layout).unwrap_or_else(|| panic!("{name}: no struct has this layout")).1;',
    '        check(&name, v.get("fields"), &v.get("hex").hex());',
    '        seen.push(name);',
    '    }',
    '    let want: Vec<String> = LAYOUTS.iter().flat_map(|(id, _)| [format!("{id}/pattern"), format!("{id}/ones")]).collect();',
    '    assert_eq!(seen, want, "two vectors for every layout, in order");',
    '}',
  ];
  return [
    { path: RUST_VECTORS_OUT, contents: `${lines.join('\n').replace(/\n+$/, '')}\n` },
    { path: RUST_VECTORS_JSON, contents: vectorsJson(schema) },
  ];
}
