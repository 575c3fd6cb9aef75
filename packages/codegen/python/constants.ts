/** constants.py: every constant group of the schema, one module constant per member under Xen's name. */
import type { XenAbiSchema } from '@xenmem/schema';
import type { GeneratedFile } from '../header.js';
import type { PyModule } from './project.js';
import { PY_PACKAGE, pyFile, pyInt } from './text.js';

export function pyConstants(schema: XenAbiSchema): { file: GeneratedFile; exports: PyModule } {
  const seen = new Set<string>();
  const body = schema.constants.flatMap((g) => [
    `# ${g.name} (${g.header}): ${g.description.replace(/\n/g, ' ')}`,
    ...g.members.map((m) => {
      if (seen.has(m.cName)) throw new Error(`constants[name=${g.name}]: ${m.cName} is defined twice`);
      seen.add(m.cName);
      return `${m.cName} = ${pyInt(m.value)}`;
    }),
    '',
  ]);
  const file = pyFile(`${PY_PACKAGE}/constants.py`, 'Constants of the schema\'s constant groups, under Xen\'s names.', [], body);
  return { file, exports: { module: 'constants', names: [...seen] } };
}
