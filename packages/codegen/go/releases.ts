/** releases.go: the releases, the errno values and the limits that depend on the release. */
import type { XenAbiSchema } from '@xenmem/schema';
import { formatIfaceHex, parseIfaceHex, releaseNames } from '@xenmem/schema';
import type { GeneratedFile } from '../header.js';
import { goDoc, goFile, goStr, goUint } from './text.js';

export function goReleases(schema: XenAbiSchema): GeneratedFile {
  const errno = [...schema.errno].sort((a, b) => a.value - b.value);
  return goFile('releases.go', ['strconv'], [
    '// Releases are the Xen releases the schema covers, oldest first.',
    `var Releases = []string{${releaseNames(schema).map(goStr).join(', ')}}`,
    '',
    '// releaseIndex is the position of a release in Releases, or -1.',
    'func releaseIndex(release string) int {',
    '\tfor i, r := range Releases {',
    '\t\tif r == release {',
    '\t\t\treturn i',
    '\t\t}',
    '\t}',
    '\treturn -1',
    '}',
    '',
    '// IfaceUndefined is the interface version a client gets when it leaves __XEN_INTERFACE_VERSION__ undefined.',
    `const IfaceUndefined uint32 = ${formatIfaceHex(parseIfaceHex(schema.interfaceVersion.undefinedValue))}`,
    '',
    '// Errno is a Xen errno value (public/errno.h).',
    'type Errno int',
    '',
    ...errno.flatMap((e) => [...goDoc(`${e.name}: ${e.description}`), `const ${e.name} Errno = ${e.value}`, '']),
    '// String gives the errno\'s name, e.g. "EINVAL".',
    'func (e Errno) String() string {',
    '\tswitch e {',
    ...errno.flatMap((e) => [`\tcase ${e.name}:`, `\t\treturn ${goStr(e.name)}`]),
    '\t}',
    '\treturn "errno " + strconv.Itoa(int(e))',
    '}',
    '',
    ...((schema.xsdErrors ?? []).length
      ? [
          "// XsdErrors are the error strings of the xenstore wire protocol, in xs_wire.h's order: an XS_ERROR reply",
          "// carries the errno's name (Errno.String), NUL-terminated.",
          `var XsdErrors = []Errno{${(schema.xsdErrors ?? []).map((e) => e.errno).join(', ')}}`,
          '',
        ]
      : []),
    '// Limit is one value of a limit Xen enforces, for the releases From to To (To "": the newest).',
    'type Limit struct {',
    '\tID    string',
    '\tCName string',
    '\tFrom  string',
    '\tTo    string',
    '\tValue uint32',
    '}',
    '',
    '// Limits are the limits Xen enforces, by release.',
    'var Limits = []Limit{',
    ...schema.limits.map((l) => `\t{${goStr(l.id)}, ${goStr(l.cName ?? '')}, ${goStr(l.releases.from)}, ${goStr(l.releases.to ?? '')}, ${goUint(l.value)}},`),
    '}',
    '',
    '// LimitAt gives the value of limit id at a release; false when the release has no such limit.',
    'func LimitAt(id string, release string) (uint32, bool) {',
    '\tat := releaseIndex(release)',
    '\tif at < 0 {',
    '\t\treturn 0, false',
    '\t}',
    '\tfor _, l := range Limits {',
    '\t\tif l.ID == id && at >= releaseIndex(l.From) && (l.To == "" || at <= releaseIndex(l.To)) {',
    '\t\t\treturn l.Value, true',
    '\t\t}',
    '\t}',
    '\treturn 0, false',
    '}',
  ]);
}
