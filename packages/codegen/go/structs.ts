/**
 * structs.go and codec.go: one Go struct per layout with a codec (bindings/layouts.ts), with Marshal and
 * Unmarshal writing and reading Xen's x86_64 bytes through encoding/binary, little-endian. A bit-field is a
 * field of its storage unit's type, placed with shifts and masks; a value wider than the bit-field is an
 * error, never silently cut.
 */
import type { Field, XenAbiSchema } from '@xenmem/schema';
import { formatRange } from '@xenmem/schema';
import type { GeneratedFile } from '../header.js';
import { codecLayouts, pascalCase, type CodecLayout } from '../bindings/layouts.js';
import { goDoc, goFile, goStr, goUint } from './text.js';

const GO_INT = { uint8: 'uint8', uint16: 'uint16', uint32: 'uint32', uint64: 'uint64', handle: 'uint64' } as const;
const PUT = { uint16: 'PutUint16', uint32: 'PutUint32', uint64: 'PutUint64', handle: 'PutUint64' } as const;
const GET = { uint16: 'Uint16', uint32: 'Uint32', uint64: 'Uint64', handle: 'Uint64' } as const;

type IntType = keyof typeof GO_INT;

function intType(f: Field): IntType {
  if (f.type === 'union' || f.type === 'struct') throw new Error(`field ${f.name} is not an integer`);
  return f.type;
}

/** The Go type of a field. */
export function goFieldType(f: Field): string {
  if (f.type === 'union') return `[${f.size}]byte`;
  return f.count === undefined ? GO_INT[intType(f)] : `[${f.count}]${GO_INT[intType(f)]}`;
}

/** Write an integer of type t at byte offset `at` (a Go expression) of b. */
function put(t: IntType, at: string, value: string): string {
  return t === 'uint8' ? `b[${at}] = ${value}` : `binary.LittleEndian.${PUT[t]}(b[${at}:], ${value})`;
}

function get(t: IntType, at: string): string {
  return t === 'uint8' ? `b[${at}]` : `binary.LittleEndian.${GET[t]}(b[${at}:])`;
}

function marshalField(layout: CodecLayout, f: Field): string[] {
  const name = `s.${pascalCase(f.name)}`;
  if (f.type === 'union' || (f.count !== undefined && f.type === 'uint8')) return [`copy(b[${f.offset}:${f.offset + f.size}], ${name}[:])`];
  const t = intType(f);
  if (f.count !== undefined) return [`for i, v := range ${name} {`, `\t${put(t, `${f.offset}+${f.size / f.count}*i`, 'v')}`, '}'];
  if (f.bits === undefined) return [put(t, `${f.offset}`, name)];
  const mask = (1n << BigInt(f.bits.width)) - 1n;
  const check =
    f.bits.width < f.size * 8
      ? [`if ${name} > ${goUint(mask)} {`, `\treturn nil, &FieldRangeError{${goStr(layout.struct.name)}, ${goStr(f.name)}, uint64(${name}), ${f.bits.width}}`, '}']
      : [];
  // gofmt drops the spaces around | inside a call's arguments and keeps them in an assignment.
  const or = t === 'uint8' ? ' | ' : '|';
  return [...check, put(t, `${f.offset}`, `${get(t, `${f.offset}`)}${or}${name}<<${f.bits.shift}`)];
}

function unmarshalField(f: Field): string[] {
  const name = `s.${pascalCase(f.name)}`;
  if (f.type === 'union' || (f.count !== undefined && f.type === 'uint8')) return [`copy(${name}[:], b[${f.offset}:${f.offset + f.size}])`];
  const t = intType(f);
  if (f.count !== undefined) return [`for i := range ${name} {`, `\t${name}[i] = ${get(t, `${f.offset}+${f.size / f.count}*i`)}`, '}'];
  if (f.bits === undefined) return [`${name} = ${get(t, `${f.offset}`)}`];
  return [`${name} = ${get(t, `${f.offset}`)} >> ${f.bits.shift} & ${goUint((1n << BigInt(f.bits.width)) - 1n)}`];
}

function structLines(layout: CodecLayout): string[] {
  const { struct: st, typeName } = layout;
  const width = Math.max(...st.fields.map((f) => pascalCase(f.name).length));
  const bitFields = st.fields.filter((f) => f.bits !== undefined);
  const plain = st.fields.filter((f) => f.bits === undefined);
  return [
    ...goDoc(`${typeName} is struct ${st.name} (Xen ${formatRange(st.releases)}, ${st.size} bytes): ${st.description}`),
    `type ${typeName} struct {`,
    ...st.fields.map((f) => `\t${pascalCase(f.name).padEnd(width)} ${goFieldType(f)}`),
    '}',
    '',
    `// ${typeName}Size is sizeof(struct ${st.name}) on x86_64.`,
    `const ${typeName}Size = ${st.size}`,
    '',
    `// Marshal gives the ${st.size} bytes of struct ${st.name}.`,
    `func (s *${typeName}) Marshal() ([]byte, error) {`,
    `\tb := make([]byte, ${st.size})`,
    ...[...plain, ...bitFields].flatMap((f) => marshalField(layout, f)).map((l) => `\t${l}`),
    '\treturn b, nil',
    '}',
    '',
    `// Unmarshal reads struct ${st.name} from exactly ${st.size} bytes.`,
    `func (s *${typeName}) Unmarshal(b []byte) error {`,
    `\tif len(b) != ${st.size} {`,
    `\t\treturn &SizeError{${goStr(st.name)}, ${st.size}, len(b)}`,
    '\t}',
    ...st.fields.flatMap(unmarshalField).map((l) => `\t${l}`),
    '\treturn nil',
    '}',
    '',
  ];
}

export function goStructs(schema: XenAbiSchema): GeneratedFile[] {
  const codec = goFile('codec.go', ['fmt'], [
    '// FieldRangeError is a bit-field value too wide for its bits; Marshal refuses it rather than cut it.',
    'type FieldRangeError struct {',
    '\tStruct string',
    '\tField  string',
    '\tValue  uint64',
    '\tBits   int',
    '}',
    '',
    'func (e *FieldRangeError) Error() string {',
    '\treturn fmt.Sprintf("xenabi: struct %s: %s = %d does not fit %d bits", e.Struct, e.Field, e.Value, e.Bits)',
    '}',
    '',
    '// SizeError is a buffer whose length is not the size of the struct read from it.',
    'type SizeError struct {',
    '\tStruct string',
    '\tWant   int',
    '\tGot    int',
    '}',
    '',
    'func (e *SizeError) Error() string {',
    '\treturn fmt.Sprintf("xenabi: struct %s is %d bytes, got %d", e.Struct, e.Want, e.Got)',
    '}',
  ]);
  const layouts = codecLayouts(schema);
  const needsBinary = layouts.some((l) => l.struct.fields.some((f) => f.size / (f.count ?? 1) > 1 && f.type !== 'union'));
  return [codec, goFile('structs.go', needsBinary ? ['encoding/binary'] : [], layouts.flatMap(structLines))];
}
