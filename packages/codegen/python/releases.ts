/** releases.py: the releases, the errno values (an IntEnum) and the limits that depend on the release. */
import type { XenAbiSchema } from '@xenmem/schema';
import { formatIfaceHex, parseIfaceHex, releaseNames } from '@xenmem/schema';
import type { GeneratedFile } from '../header.js';
import type { PyModule } from './project.js';
import { PY_PACKAGE, pyFile, pyInt, pyStr } from './text.js';

export function pyReleases(schema: XenAbiSchema): { file: GeneratedFile; exports: PyModule } {
  const errno = [...schema.errno].sort((a, b) => a.value - b.value);
  const file = pyFile(`${PY_PACKAGE}/releases.py`, 'Xen releases, errno values and the limits Xen enforces by release.', ['from dataclasses import dataclass', 'from enum import IntEnum', 'from typing import Optional, Tuple'], [
    '#: The Xen releases the schema covers, oldest first.',
    `RELEASES: Tuple[str, ...] = (${releaseNames(schema).map(pyStr).join(', ')})`,
    '',
    '#: The interface version of a client that leaves __XEN_INTERFACE_VERSION__ undefined.',
    `IFACE_UNDEFINED = ${formatIfaceHex(parseIfaceHex(schema.interfaceVersion.undefinedValue))}`,
    '',
    '',
    'class Errno(IntEnum):',
    '    """Xen errno values (public/errno.h)."""',
    '',
    ...errno.map((e) => `    ${e.name} = ${e.value}`),
    '',
    '',
    '# The error strings of the xenstore wire protocol, in xs_wire.h\'s order: an XS_ERROR reply carries the',
    "# errno's name (Errno.name), NUL-terminated.",
    `XSD_ERRORS: Tuple[Errno, ...] = (${(schema.xsdErrors ?? []).map((e) => `Errno.${e.errno}`).join(', ')}${(schema.xsdErrors ?? []).length === 1 ? ',' : ''})`,
    '',
    '',
    '@dataclass(frozen=True)',
    'class Limit:',
    '    """One value of a limit Xen enforces, for the releases first..last (last None: the newest)."""',
    '',
    '    id: str',
    '    c_name: Optional[str]',
    '    first: str',
    '    last: Optional[str]',
    '    value: int',
    '',
    '',
    'LIMITS: Tuple[Limit, ...] = (',
    ...schema.limits.map((l) => `    Limit(${pyStr(l.id)}, ${l.cName === undefined ? 'None' : pyStr(l.cName)}, ${pyStr(l.releases.from)}, ${l.releases.to === undefined ? 'None' : pyStr(l.releases.to)}, ${pyInt(l.value)}),`),
    ')',
    '',
    '',
    'def limit_at(limit_id: str, release: str) -> Optional[int]:',
    '    """The value of a limit at a release, or None when the release has no such limit."""',
    '    if release not in RELEASES:',
    '        return None',
    '    at = RELEASES.index(release)',
    '    for limit in LIMITS:',
    '        last = len(RELEASES) - 1 if limit.last is None else RELEASES.index(limit.last)',
    '        if limit.id == limit_id and RELEASES.index(limit.first) <= at <= last:',
    '            return limit.value',
    '    return None',
  ]);
  return { file, exports: { module: 'releases', names: ['RELEASES', 'IFACE_UNDEFINED', 'Errno', 'XSD_ERRORS', 'Limit', 'LIMITS', 'limit_at'] } };
}
