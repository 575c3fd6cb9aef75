/**
 * The Python package's tests, generated from the schema: hvmmem names at every era boundary, every release's
 * verdict on every number, and the cross-language vectors through pack and unpack, plus the refusals (a
 * bit-field value too wide, a buffer of the wrong size). The vectors are read at test time from tests/vectors.json,
 * a byte-identical copy of schema/vectors.json (vectors.ts) written beside the tests.
 */
import type { XenAbiSchema } from '@xenmem/schema';
import { formatIfaceHex, releaseNames } from '@xenmem/schema';
import type { GeneratedFile } from '../header.js';
import { hvmmemEras, nameAt, probeIfaces } from '../bindings/hvmmem-eras.js';
import { codecLayouts } from '../bindings/layouts.js';
import { hvmmemVerdicts } from '../bindings/verdicts.js';
import { eraClass } from './hvmmem.js';
import { PY_DIR, PY_PACKAGE, pyFile, pyInt, pyStr } from './text.js';
import { vectorsJson } from '../vectors.js';

export function pyTests(schema: XenAbiSchema): GeneratedFile[] {
  const maxValue = Math.max(...schema.hvmmemTypes.map((v) => v.value));
  const nameCases = probeIfaces(schema).flatMap((iface) =>
    Array.from({ length: maxValue + 2 }, (_, value) => {
      const name = nameAt(schema, value, iface);
      return `    (${value}, ${formatIfaceHex(iface)}, ${name === undefined ? 'None' : pyStr(name)}),`;
    }),
  );
  const eras = hvmmemEras(schema);
  const hvmmem = pyFile('tests/test_hvmmem.py', 'hvmmem names, eras and verdicts against the schema.', ['from typing import Optional, Tuple', '', 'import pytest', '', `from ${PY_PACKAGE} import (`, '    Errno,', '    Verdict,', '    hvmmem_name,', '    hvmmem_types_at,', '    hvmmem_value,', '    hvmmem_verdict,', ...eras.map((e) => `    ${eraClass(e.hex)},`), ')'], [
    'NAME_CASES: Tuple[Tuple[int, int, Optional[str]], ...] = (',
    ...nameCases,
    ')',
    '',
    '',
    '@pytest.mark.parametrize("value,iface,name", NAME_CASES)',
    'def test_names_at_every_era_boundary(value: int, iface: int, name: Optional[str]) -> None:',
    '    assert hvmmem_name(value, iface) == name',
    '    if name is not None:',
    '        assert hvmmem_value(name, iface) == value',
    '        assert hvmmem_types_at(iface)[name] == value',
    '',
    '',
    'def test_short_names_only() -> None:',
    '    assert hvmmem_value("HVMMEM_ram_rw", 0) is None',
    '',
    '',
    'def test_era_enums() -> None:',
    ...eras.map((e) => `    assert {m.name: int(m) for m in ${eraClass(e.hex)}} == {${e.names.map((n) => `${pyStr(n.name)}: ${n.value}`).join(', ')}}`),
    '',
    '',
    'VERDICT_CASES: Tuple[Tuple[str, int, Verdict], ...] = (',
    ...hvmmemVerdicts(schema).map((v) => `    (${pyStr(v.release)}, ${v.value}, Verdict(${v.accepted ? `True, p2m=${v.p2m}` : `False, error=Errno.${v.error}`})),`),
    ...releaseNames(schema).map((r) => `    (${pyStr(r)}, ${maxValue + 1}, Verdict(False, error=Errno.${schema.unlistedHvmmemError})),`),
    ')',
    '',
    '',
    '@pytest.mark.parametrize("release,value,verdict", VERDICT_CASES)',
    'def test_verdict_of_every_release_and_number(release: str, value: int, verdict: Verdict) -> None:',
    '    assert hvmmem_verdict(value, release) == verdict',
    '',
    '',
    'def test_unknown_release() -> None:',
    '    assert hvmmem_verdict(0, "3.4") is None',
  ]);

  const layouts = codecLayouts(schema);
  const imports = [...new Set(layouts.map((l) => l.typeName))];
  const tooWide = layouts.flatMap((l) =>
    l.struct.fields.filter((f) => f.bits !== undefined && f.bits.width < f.size * 8).map((f) => `    (${pyStr(`${l.struct.name}.${f.name}`)}, ${l.typeName}(${f.name}=${pyInt(1n << BigInt(f.bits!.width))})),`),
  );
  const vectors = pyFile('tests/test_vectors.py', 'The vectors of tests/vectors.json (a copy of schema/vectors.json) through pack() and unpack().', ['import json', 'from pathlib import Path', 'from typing import Any, Dict, List, Tuple, Type', '', 'import pytest', '', `from ${PY_PACKAGE} import (`, ...imports.map((n) => `    ${n},`), ')'], [
    '# Every layout with a codec, by its id in vectors.json.',
    'LAYOUTS: Dict[str, Type[Any]] = {',
    ...layouts.map((l) => `    ${pyStr(l.id)}: ${l.typeName},`),
    '}',
    '',
    'VECTORS: List[Dict[str, Any]] = json.loads((Path(__file__).parent / "vectors.json").read_text(encoding="utf-8"))["vectors"]',
    '',
    '',
    'def field_value(value: Any) -> Any:',
    '    """A vector\'s JSON value as the dataclass holds it: "0x…" (64 bits) as an int, a union\'s hex as bytes."""',
    '    if isinstance(value, list):',
    '        return tuple(field_value(v) for v in value)',
    '    if isinstance(value, str):',
    '        return int(value, 16) if value.startswith("0x") else bytes.fromhex(value)',
    '    return value',
    '',
    '',
    'def test_two_vectors_for_every_layout() -> None:',
    '    assert [(v["layout"], v["case"]) for v in VECTORS] == [(layout, case) for layout in LAYOUTS for case in ("pattern", "ones")]',
    '',
    '',
    '@pytest.mark.parametrize("vector", VECTORS, ids=[v["layout"] + "/" + v["case"] for v in VECTORS])',
    'def test_vector(vector: Dict[str, Any]) -> None:',
    '    cls = LAYOUTS[vector["layout"]]',
    '    value = cls(**{name: field_value(v) for name, v in vector["fields"].items()})',
    '    data = bytes.fromhex(vector["hex"])',
    '    assert value.pack() == data',
    '    assert cls.unpack(data) == value',
    '    with pytest.raises(ValueError):',
    '        cls.unpack(data + b"\\0")',
    '',
    '',
    'TOO_WIDE: Tuple[Tuple[str, Any], ...] = (',
    ...tooWide,
    ')',
    '',
    '',
    '@pytest.mark.parametrize("field,value", TOO_WIDE)',
    'def test_pack_refuses_bit_field_overflow(field: str, value: Any) -> None:',
    '    with pytest.raises(ValueError, match=field):',
    '        value.pack()',
  ]);
  return [hvmmem, vectors, { path: `${PY_DIR}/tests/vectors.json`, contents: vectorsJson(schema) }];
}
