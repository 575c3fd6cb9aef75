/** ops.py: hypercall numbers, and every HVMOP and DMOP with its number and releases. */
import type { XenAbiSchema } from '@xenmem/schema';
import type { GeneratedFile } from '../header.js';
import type { PyModule } from './project.js';
import { exported } from '../bindings/layouts.js';
import { PY_PACKAGE, pyFile, pyStr } from './text.js';


interface OpLike {
  name: string;
  cName: string;
  value: number;
  firstRelease: string;
  lastHeaderRelease?: string;
  struct?: string;
}

export function pyOps(schema: XenAbiSchema): { file: GeneratedFile; exports: PyModule } {
  const opt = (s: string | undefined): string => (s === undefined ? 'None' : pyStr(s));
  const table = (name: string, ops: readonly OpLike[]): string[] => [
    `${name}: Tuple[Op, ...] = (`,
    ...ops.map((o) => `    Op(${pyStr(o.name)}, ${pyStr(o.cName)}, ${o.value}, ${pyStr(o.firstRelease)}, ${opt(o.lastHeaderRelease)}, ${opt(o.struct)}),`),
    ')',
  ];
  const consts = [...schema.hypercalls.map((h) => `${exported(h.cName)} = ${h.value}`), ...schema.hvmops.map((o) => `${o.cName} = ${o.value}`), ...schema.dmops.map((o) => `${o.cName} = ${o.value}`)];
  const file = pyFile(`${PY_PACKAGE}/ops.py`, 'Hypercall numbers and the HVMOP and DMOP sub-ops.', ['from dataclasses import dataclass', 'from typing import Optional, Tuple'], [
    ...consts,
    '',
    '',
    '@dataclass(frozen=True)',
    'class Op:',
    '    """One HVMOP or DMOP: short name, C name, number, first release whose headers define it, the last one',
    '    (None: still defined) and its argument struct (None when not recorded)."""',
    '',
    '    name: str',
    '    c_name: str',
    '    value: int',
    '    first_release: str',
    '    last_release: Optional[str]',
    '    struct: Optional[str]',
    '',
    '',
    '#: Sub-ops of the hvm_op hypercall.',
    ...table('HVMOPS', schema.hvmops),
    '',
    '#: Sub-ops of the dm_op hypercall (Xen 4.9+).',
    ...table('DMOPS', schema.dmops),
  ]);
  return { file, exports: { module: 'ops', names: ['Op', 'HVMOPS', 'DMOPS', ...consts.map((c) => c.split(' ')[0]!)] } };
}
