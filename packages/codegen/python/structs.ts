/**
 * structs.py: one dataclass per layout with a codec (bindings/layouts.ts), with pack() and unpack() writing
 * and reading Xen's x86_64 bytes through the struct module, little-endian. A bit-field is an int placed
 * with shifts and masks in its storage unit; a value that does not fit its field is a ValueError.
 */
import type { Field, XenAbiSchema } from '@xenmem/schema';
import { formatRange } from '@xenmem/schema';
import type { GeneratedFile } from '../header.js';
import { codecLayouts, fieldBits, pascalCase, type CodecLayout } from '../bindings/layouts.js';
import type { PyModule } from './project.js';
import { PY_PACKAGE, pyFile, pyStr } from './text.js';

const FORMAT = { uint8: 'B', uint16: 'H', uint32: 'I', uint64: 'Q', handle: 'Q' } as const;

function fmt(f: Field): string {
  if (f.type === 'union' || f.type === 'struct') throw new Error(`field ${f.name} is not an integer`);
  return FORMAT[f.type];
}

/** The Python type and default of a field. */
function pyField(f: Field): { type: string; init: string } {
  if (f.type === 'union') return { type: 'bytes', init: `bytes(${f.size})` };
  if (f.count === undefined) return { type: 'int', init: '0' };
  return { type: `Tuple[${Array(f.count).fill('int').join(', ')}]`, init: `(${Array(f.count).fill('0').join(', ')}${f.count === 1 ? ',' : ''})` };
}

function packField(st: string, f: Field): string[] {
  const v = `self.${f.name}`;
  const where = pyStr(`${st}.${f.name}`);
  if (f.type === 'union') return [`_check_bytes(${where}, ${v}, ${f.size})`, `buf[${f.offset}:${f.offset + f.size}] = ${v}`];
  if (f.count !== undefined) return [`_check_ints(${where}, ${v}, ${f.count}, ${fieldBits(f)})`, `struct.pack_into("<${f.count}${fmt(f)}", buf, ${f.offset}, *${v})`];
  if (f.bits === undefined) return [`_check_int(${where}, ${v}, ${fieldBits(f)})`, `struct.pack_into("<${fmt(f)}", buf, ${f.offset}, ${v})`];
  return [
    `_check_int(${where}, ${v}, ${f.bits.width})`,
    `struct.pack_into("<${fmt(f)}", buf, ${f.offset}, struct.unpack_from("<${fmt(f)}", buf, ${f.offset})[0] | ${v} << ${f.bits.shift})`,
  ];
}

function unpackField(f: Field): string {
  if (f.type === 'union') return `${f.name}=bytes(data[${f.offset}:${f.offset + f.size}])`;
  if (f.count !== undefined) return `${f.name}=struct.unpack_from("<${f.count}${fmt(f)}", data, ${f.offset})`;
  const read = `struct.unpack_from("<${fmt(f)}", data, ${f.offset})[0]`;
  return f.bits === undefined ? `${f.name}=${read}` : `${f.name}=${read} >> ${f.bits.shift} & ${(1n << BigInt(f.bits.width)) - 1n}`;
}

function classLines(layout: CodecLayout): string[] {
  const { struct: st, typeName } = layout;
  const plain = st.fields.filter((f) => f.bits === undefined);
  const bitFields = st.fields.filter((f) => f.bits !== undefined);
  const unpacked = st.fields.map(unpackField);
  return [
    '',
    '',
    '@dataclass',
    `class ${typeName}:`,
    `    """struct ${st.name} (Xen ${formatRange(st.releases)}, ${st.size} bytes): ${st.description.replace(/\n/g, ' ').replace(/\\/g, '\\\\')}"""`,
    '',
    `    SIZE: ClassVar[int] = ${st.size}`,
    '',
    ...st.fields.map((f) => {
      const { type, init } = pyField(f);
      return `    ${f.name}: ${type} = ${init}`;
    }),
    '',
    '    def pack(self) -> bytes:',
    `        """The ${st.size} bytes of struct ${st.name}; ValueError when a field does not fit."""`,
    `        buf = bytearray(${st.size})`,
    ...[...plain, ...bitFields].flatMap((f) => packField(st.name, f)).map((l) => `        ${l}`),
    '        return bytes(buf)',
    '',
    '    @classmethod',
    `    def unpack(cls, data: bytes) -> ${typeName}:`,
    `        """Reads struct ${st.name} from exactly ${st.size} bytes; ValueError for another length."""`,
    `        _check_size(${pyStr(st.name)}, data, ${st.size})`,
    '        return cls(',
    ...unpacked.map((u) => `            ${u},`),
    '        )',
  ];
}

export function pyStructs(schema: XenAbiSchema): { file: GeneratedFile; exports: PyModule } {
  const layouts = codecLayouts(schema);
  const file = pyFile(`${PY_PACKAGE}/structs.py`, 'Struct codecs: Xen\'s x86_64 layouts, little-endian, byte for byte.', ['import struct', 'from dataclasses import dataclass', 'from typing import ClassVar, Tuple'], [
    'def _check_int(where: str, value: int, bits: int) -> None:',
    '    if not 0 <= value < 1 << bits:',
    '        raise ValueError(f"{where} = {value} does not fit an unsigned {bits}-bit field")',
    '',
    '',
    'def _check_ints(where: str, values: Tuple[int, ...], count: int, bits: int) -> None:',
    '    if len(values) != count:',
    '        raise ValueError(f"{where} must have {count} elements, has {len(values)}")',
    '    for i, value in enumerate(values):',
    '        _check_int(f"{where}[{i}]", value, bits)',
    '',
    '',
    'def _check_bytes(where: str, value: bytes, size: int) -> None:',
    '    if len(value) != size:',
    '        raise ValueError(f"{where} must be {size} bytes, is {len(value)}")',
    '',
    '',
    'def _check_size(name: str, data: bytes, size: int) -> None:',
    '    if len(data) != size:',
    '        raise ValueError(f"struct {name} is {size} bytes, got {len(data)}")',
    ...layouts.flatMap(classLines),
  ]);
  return { file, exports: { module: 'structs', names: layouts.map((l) => l.typeName) } };
}
