/**
 * hvmmem.go: hvmmem_type_t names per interface version (HvmmemName, HvmmemValue) and what each release's
 * set_mem_type does with each number (HvmmemVerdict).
 */
import type { XenAbiSchema } from '@xenmem/schema';
import { formatIfaceHex } from '@xenmem/schema';
import type { GeneratedFile } from '../header.js';
import { hvmmemEras, hvmmemNameRanges } from '../bindings/hvmmem-eras.js';
import { hvmmemVerdicts } from '../bindings/verdicts.js';
import { goFile, goStr, goUint } from './text.js';

export function goHvmmem(schema: XenAbiSchema): GeneratedFile {
  const ranges = hvmmemNameRanges(schema);
  const verdicts = hvmmemVerdicts(schema);
  return goFile('hvmmem.go', [], [
    '// hvmmemName is one name of one hvmmem number: interface versions from (inclusive) to below (exclusive).',
    'type hvmmemName struct {',
    '\tvalue uint16',
    '\tname  string',
    '\tfrom  uint64',
    '\tbelow uint64',
    '}',
    '',
    'var hvmmemNames = []hvmmemName{',
    ...ranges.map((r) => `\t{${r.value}, ${goStr(r.name)}, ${formatIfaceHex(r.from)}, ${r.below === null ? '1 << 32' : formatIfaceHex(r.below)}},`),
    '}',
    '',
    '// HvmmemEraStarts are the interface versions at which hvmmem names change; each era runs to the next start.',
    `var HvmmemEraStarts = []uint32{${hvmmemEras(schema).map((e) => formatIfaceHex(e.start)).join(', ')}}`,
    '',
    '// HvmmemName gives the name of an hvmmem number at an interface version ("mmio_write_dm", "unused"),',
    '// or false when the number has no name there.',
    'func HvmmemName(value uint16, iface uint32) (string, bool) {',
    '\tfor _, n := range hvmmemNames {',
    '\t\tif n.value == value && uint64(iface) >= n.from && uint64(iface) < n.below {',
    '\t\t\treturn n.name, true',
    '\t\t}',
    '\t}',
    '\treturn "", false',
    '}',
    '',
    '// HvmmemValue gives the number of an hvmmem name at an interface version, or false when no number',
    '// has that name there.',
    'func HvmmemValue(name string, iface uint32) (uint16, bool) {',
    '\tfor _, n := range hvmmemNames {',
    '\t\tif n.name == name && uint64(iface) >= n.from && uint64(iface) < n.below {',
    '\t\t\treturn n.value, true',
    '\t\t}',
    '\t}',
    '\treturn 0, false',
    '}',
    '',
    '// Verdict is what a release\'s set_mem_type does with an hvmmem number before its per-page loop:',
    '// accepted, pages becoming p2m type P2m, or rejected with Error.',
    'type Verdict struct {',
    '\tAccepted bool',
    '\tP2m      uint32',
    '\tError    Errno',
    '}',
    '',
    '// HvmmemUnlistedError is what set_mem_type answers for a number it has no entry for.',
    `const HvmmemUnlistedError = ${schema.unlistedHvmmemError}`,
    '',
    'type releaseVerdict struct {',
    '\trelease string',
    '\tvalue   uint16',
    '\tverdict Verdict',
    '}',
    '',
    'var hvmmemVerdicts = []releaseVerdict{',
    ...verdicts.map((v) => `\t{${goStr(v.release)}, ${v.value}, Verdict{${v.accepted ? `Accepted: true, P2m: ${goUint(v.p2m)}` : `Error: ${v.error}`}}},`),
    '}',
    '',
    '// HvmmemVerdict gives what release does with an hvmmem number; false for a release the schema does',
    '// not cover.',
    'func HvmmemVerdict(value uint16, release string) (Verdict, bool) {',
    '\tif releaseIndex(release) < 0 {',
    '\t\treturn Verdict{}, false',
    '\t}',
    '\tfor _, v := range hvmmemVerdicts {',
    '\t\tif v.release == release && v.value == value {',
    '\t\t\treturn v.verdict, true',
    '\t\t}',
    '\t}',
    '\treturn Verdict{Error: HvmmemUnlistedError}, true',
    '}',
  ]);
}
