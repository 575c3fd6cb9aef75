/** constants.go: every constant group of the schema, one Go constant per member under Xen's name. */
import type { XenAbiSchema } from '@xenmem/schema';
import type { GeneratedFile } from '../header.js';
import { goDoc, goFile, goUint } from './text.js';

export function goConstants(schema: XenAbiSchema): GeneratedFile {
  const seen = new Set<string>();
  const body = schema.constants.flatMap((g) => [
    ...goDoc(`${g.name} (${g.header}): ${g.description}`),
    '//',
    ...g.members.flatMap((m, i) => {
      if (seen.has(m.cName)) throw new Error(`constants[name=${g.name}]: ${m.cName} is defined twice`);
      seen.add(m.cName);
      return [...(i > 0 ? [''] : []), ...goDoc(`${m.cName}: ${m.description ?? `${g.name} ${m.name}`} (Xen ${m.firstRelease}+).`), `const ${m.cName} = ${goUint(m.value)}`];
    }),
    '',
  ]);
  return goFile('constants.go', [], body);
}
