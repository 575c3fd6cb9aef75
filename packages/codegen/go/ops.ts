/** ops.go: hypercall numbers, and every HVMOP and DMOP with its number and releases. */
import type { XenAbiSchema } from '@xenmem/schema';
import type { GeneratedFile } from '../header.js';
import { exported } from '../bindings/layouts.js';
import { goDoc, goFile, goStr } from './text.js';


export function goOps(schema: XenAbiSchema): GeneratedFile {
  const table = (name: string, ops: { name: string; cName: string; value: number; firstRelease: string; lastHeaderRelease?: string; struct?: string }[]) => [
    `var ${name} = []Op{`,
    ...ops.map((o) => `\t{${goStr(o.name)}, ${goStr(o.cName)}, ${o.value}, ${goStr(o.firstRelease)}, ${goStr(o.lastHeaderRelease ?? '')}, ${goStr(o.struct ?? '')}},`),
    '}',
  ];
  return goFile('ops.go', [], [
    ...schema.hypercalls.flatMap((h) => [`// ${exported(h.cName)} is the number of the ${h.name} hypercall.`, `const ${exported(h.cName)} uint32 = ${h.value}`, '']),
    ...schema.hvmops.flatMap((o) => [...goDoc(`${o.cName}: ${o.description}.`), `const ${o.cName} uint32 = ${o.value}`, '']),
    ...schema.dmops.flatMap((o) => [...goDoc(`${o.cName}: ${o.description}.`), `const ${o.cName} uint32 = ${o.value}`, '']),
    '// Op is one HVMOP or DMOP: its short name, C name, number, the first release whose headers define it,',
    '// the last one (LastRelease "": still defined) and its argument struct ("" when not recorded).',
    'type Op struct {',
    '\tName         string',
    '\tCName        string',
    '\tValue        uint32',
    '\tFirstRelease string',
    '\tLastRelease  string',
    '\tStruct       string',
    '}',
    '',
    '// Hvmops are the sub-ops of the hvm_op hypercall.',
    ...table('Hvmops', schema.hvmops),
    '',
    '// Dmops are the sub-ops of the dm_op hypercall (Xen 4.9+).',
    ...table('Dmops', schema.dmops),
  ]);
}
