/**
 * hvmmem.py: hvmmem_type_t names per interface version (hvmmem_name, hvmmem_value, one IntEnum per era) and
 * what each release's set_mem_type does with each number (hvmmem_verdict).
 */
import type { XenAbiSchema } from '@xenmem/schema';
import { formatIfaceHex } from '@xenmem/schema';
import type { GeneratedFile } from '../header.js';
import { hvmmemEras, hvmmemNameRanges } from '../bindings/hvmmem-eras.js';
import { hvmmemVerdicts } from '../bindings/verdicts.js';
import type { PyModule } from './project.js';
import { PY_PACKAGE, pyFile, pyStr } from './text.js';

/** The IntEnum class of an era, e.g. `HvmmemTypeIface00040700`. */
export const eraClass = (hex: string): string => `HvmmemTypeIface${hex}`;

export function pyHvmmem(schema: XenAbiSchema): { file: GeneratedFile; exports: PyModule } {
  const eras = hvmmemEras(schema);
  const eraClasses = eras.flatMap((e) => [
    '',
    '',
    `class ${eraClass(e.hex)}(IntEnum):`,
    `    """hvmmem_type_t at interface versions ${formatIfaceHex(e.start)}${e.end === null ? ' and above' : ` up to (not including) ${formatIfaceHex(e.end)}`}."""`,
    '',
    ...e.names.map((n) => `    ${n.name} = ${n.value}`),
  ]);
  const file = pyFile(`${PY_PACKAGE}/hvmmem.py`, 'hvmmem_type_t names by interface version, and what each release does with each number.', ['from dataclasses import dataclass', 'from enum import IntEnum', 'from typing import Optional, Tuple, Type', '', 'from .releases import RELEASES, Errno'], [
    '#: (value, name, first interface version, first interface version past it or None).',
    '_NAMES: Tuple[Tuple[int, str, int, Optional[int]], ...] = (',
    ...hvmmemNameRanges(schema).map((r) => `    (${r.value}, ${pyStr(r.name)}, ${formatIfaceHex(r.from)}, ${r.below === null ? 'None' : formatIfaceHex(r.below)}),`),
    ')',
    '',
    '',
    'def hvmmem_name(value: int, iface: int) -> Optional[str]:',
    '    """The name of an hvmmem number at an interface version ("mmio_write_dm", "unused"), or None."""',
    '    for v, name, first, below in _NAMES:',
    '        if v == value and iface >= first and (below is None or iface < below):',
    '            return name',
    '    return None',
    '',
    '',
    'def hvmmem_value(name: str, iface: int) -> Optional[int]:',
    '    """The number of an hvmmem name at an interface version, or None when no number has it there."""',
    '    for v, n, first, below in _NAMES:',
    '        if n == name and iface >= first and (below is None or iface < below):',
    '            return v',
    '    return None',
    ...eraClasses,
    '',
    '',
    '#: (first interface version, the era\'s IntEnum), oldest first.',
    '_ERAS: Tuple[Tuple[int, Type[IntEnum]], ...] = (',
    ...eras.map((e) => `    (${formatIfaceHex(e.start)}, ${eraClass(e.hex)}),`),
    ')',
    '',
    '',
    'def hvmmem_types_at(iface: int) -> Type[IntEnum]:',
    '    """The IntEnum of hvmmem names at an interface version."""',
    '    found = _ERAS[0][1]',
    '    for first, enum in _ERAS:',
    '        if iface >= first:',
    '            found = enum',
    '    return found',
    '',
    '',
    '@dataclass(frozen=True)',
    'class Verdict:',
    '    """What a release\'s set_mem_type does with a number before its per-page loop: accepted (pages',
    '    become p2m type ``p2m``) or rejected with ``error``."""',
    '',
    '    accepted: bool',
    '    p2m: Optional[int] = None',
    '    error: Optional[Errno] = None',
    '',
    '',
    '#: What set_mem_type answers for a number it has no entry for.',
    `UNLISTED_ERROR = Errno.${schema.unlistedHvmmemError}`,
    '',
    '_VERDICTS = {',
    ...hvmmemVerdicts(schema).map((v) => `    (${pyStr(v.release)}, ${v.value}): Verdict(${v.accepted ? `True, p2m=${v.p2m}` : `False, error=Errno.${v.error}`}),`),
    '}',
    '',
    '',
    'def hvmmem_verdict(value: int, release: str) -> Optional[Verdict]:',
    '    """What a release does with an hvmmem number, or None for a release the schema does not cover."""',
    '    if release not in RELEASES:',
    '        return None',
    '    return _VERDICTS.get((release, value), Verdict(False, error=UNLISTED_ERROR))',
  ]);
  return { file, exports: { module: 'hvmmem', names: ['hvmmem_name', 'hvmmem_value', 'hvmmem_types_at', 'Verdict', 'UNLISTED_ERROR', 'hvmmem_verdict', ...eras.map((e) => eraClass(e.hex))] } };
}
