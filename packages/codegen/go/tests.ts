/**
 * The Go package's tests, generated from the schema: hvmmem names at every era boundary, every release's
 * verdict on every number, and the cross-language vectors (bindings/vector-cases.ts) through Marshal and
 * Unmarshal, plus the refusals (a bit-field value too wide, a buffer of the wrong size).
 */
import type { Field, XenAbiSchema } from '@xenmem/schema';
import { formatIfaceHex, releaseNames } from '@xenmem/schema';
import type { GeneratedFile } from '../header.js';
import { nameAt, probeIfaces } from '../bindings/hvmmem-eras.js';
import { codecLayouts, pascalCase } from '../bindings/layouts.js';
import { hexOf, vectorCases, type VectorValue } from '../bindings/vector-cases.js';
import { hvmmemVerdicts } from '../bindings/verdicts.js';
import { goFile, goStr, goUint } from './text.js';

function goValue(f: Field, v: VectorValue): string {
  if (v instanceof Uint8Array) return `[${f.size}]byte{${[...v].map((b) => b.toString()).join(', ')}}`;
  if (Array.isArray(v)) return `[${v.length}]${f.type === 'handle' ? 'uint64' : f.type}{${v.map(goUint).join(', ')}}`;
  return goUint(v);
}

export function goTests(schema: XenAbiSchema): GeneratedFile[] {
  const maxValue = Math.max(...schema.hvmmemTypes.map((v) => v.value));
  const names = probeIfaces(schema).flatMap((iface) =>
    Array.from({ length: maxValue + 2 }, (_, value) => {
      const name = nameAt(schema, value, iface);
      return `\t{${value}, ${formatIfaceHex(iface)}, ${goStr(name ?? '')}, ${name !== undefined}},`;
    }),
  );
  const hvmmem = goFile('hvmmem_test.go', ['testing'], [
    'var hvmmemNameCases = []struct {',
    '\tvalue uint16',
    '\tiface uint32',
    '\tname  string',
    '\tok    bool',
    '}{',
    ...names,
    '}',
    '',
    'func TestHvmmemNamesAtEveryEraBoundary(t *testing.T) {',
    '\tfor _, c := range hvmmemNameCases {',
    '\t\tname, ok := HvmmemName(c.value, c.iface)',
    '\t\tif name != c.name || ok != c.ok {',
    '\t\t\tt.Errorf("HvmmemName(%d, %#08x) = %q, %v; want %q, %v", c.value, c.iface, name, ok, c.name, c.ok)',
    '\t\t}',
    '\t\tif !c.ok {',
    '\t\t\tcontinue',
    '\t\t}',
    '\t\tvalue, ok := HvmmemValue(c.name, c.iface)',
    '\t\tif value != c.value || !ok {',
    '\t\t\tt.Errorf("HvmmemValue(%q, %#08x) = %d, %v; want %d, true", c.name, c.iface, value, ok, c.value)',
    '\t\t}',
    '\t}',
    '\tif _, ok := HvmmemValue("HVMMEM_ram_rw", IfaceUndefined); ok {',
    '\t\tt.Error("HvmmemValue takes short names only")',
    '\t}',
    '}',
    '',
    'var verdictCases = []struct {',
    '\trelease string',
    '\tvalue   uint16',
    '\twant    Verdict',
    '}{',
    ...hvmmemVerdicts(schema).map((v) => `\t{${goStr(v.release)}, ${v.value}, Verdict{${v.accepted ? `Accepted: true, P2m: ${v.p2m}` : `Error: ${v.error}`}}},`),
    ...releaseNames(schema).map((r) => `\t{${goStr(r)}, ${maxValue + 1}, Verdict{Error: ${schema.unlistedHvmmemError}}},`),
    '}',
    '',
    'func TestHvmmemVerdictOfEveryReleaseAndNumber(t *testing.T) {',
    '\tfor _, c := range verdictCases {',
    '\t\tgot, ok := HvmmemVerdict(c.value, c.release)',
    '\t\tif got != c.want || !ok {',
    '\t\t\tt.Errorf("HvmmemVerdict(%d, %q) = %+v, %v; want %+v, true", c.value, c.release, got, ok, c.want)',
    '\t\t}',
    '\t}',
    '\tif _, ok := HvmmemVerdict(0, "3.4"); ok {',
    '\t\tt.Error("HvmmemVerdict answered for a release the schema does not cover")',
    '\t}',
    '}',
  ]);

  const layouts = codecLayouts(schema);
  const cases = vectorCases(layouts).map((c) => {
    const fields = c.values.map(([f, v]) => `${pascalCase(f.name)}: ${goValue(f, v)}`).join(', ');
    return `\t{${goStr(`${c.layout.id}/${c.name}`)}, &${c.layout.typeName}{${fields}}, func() codec { return &${c.layout.typeName}{} }, ${goStr(hexOf(c.bytes))}},`;
  });
  const tooWide = layouts.flatMap((l) =>
    l.struct.fields
      .filter((f) => f.bits !== undefined && f.bits.width < f.size * 8)
      .map((f) => `\t{${goStr(`${l.struct.name}.${f.name}`)}, &${l.typeName}{${pascalCase(f.name)}: ${goUint(1n << BigInt(f.bits!.width))}}},`),
  );
  const vectors = goFile('vectors_test.go', ['bytes', 'encoding/hex', 'errors', 'reflect', 'testing'], [
    'type codec interface {',
    '\tMarshal() ([]byte, error)',
    '\tUnmarshal([]byte) error',
    '}',
    '',
    '// The vectors of schema/vectors.json: field values and the bytes they encode to.',
    'var vectors = []struct {',
    '\tname  string',
    '\tvalue codec',
    '\tempty func() codec',
    '\thex   string',
    '}{',
    ...cases,
    '}',
    '',
    'func TestVectors(t *testing.T) {',
    '\tfor _, v := range vectors {',
    '\t\twant, err := hex.DecodeString(v.hex)',
    '\t\tif err != nil {',
    '\t\t\tt.Fatal(err)',
    '\t\t}',
    '\t\tgot, err := v.value.Marshal()',
    '\t\tif err != nil || !bytes.Equal(got, want) {',
    '\t\t\tt.Errorf("%s: Marshal = %x, %v; want %x", v.name, got, err, want)',
    '\t\t}',
    '\t\tback := v.empty()',
    '\t\tif err := back.Unmarshal(want); err != nil || !reflect.DeepEqual(back, v.value) {',
    '\t\t\tt.Errorf("%s: Unmarshal = %+v, %v; want %+v", v.name, back, err, v.value)',
    '\t\t}',
    '\t\tvar size *SizeError',
    '\t\tif err := back.Unmarshal(append(want, 0)); !errors.As(err, &size) {',
    '\t\t\tt.Errorf("%s: Unmarshal of %d bytes = %v; want a SizeError", v.name, len(want)+1, err)',
    '\t\t}',
    '\t}',
    '}',
    '',
    '// Each bit-field given one more than its largest value.',
    'var tooWide = []struct {',
    '\tfield string',
    '\tvalue codec',
    '}{',
    ...tooWide,
    '}',
    '',
    'func TestMarshalRefusesBitFieldOverflow(t *testing.T) {',
    '\tfor _, c := range tooWide {',
    '\t\tvar rangeErr *FieldRangeError',
    '\t\tif _, err := c.value.Marshal(); !errors.As(err, &rangeErr) || rangeErr.Struct+"."+rangeErr.Field != c.field {',
    '\t\t\tt.Errorf("%s: Marshal = %v; want a FieldRangeError for it", c.field, err)',
    '\t\t}',
    '\t}',
    '}',
  ]);
  return [hvmmem, vectors];
}
