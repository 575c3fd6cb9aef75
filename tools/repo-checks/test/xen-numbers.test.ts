import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import {
  XEN_NUMBER_EXCEPTIONS,
  findBareXenNumbers,
  literalValue,
  scanRepository,
  scannedFiles,
  unexplained,
  xenVocabulary,
  type SchemaNumbers,
} from '../src/xen-numbers.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

// A small schema: one constant group, one limit, one hvmmem and two p2m types, one struct.
const schema: SchemaNumbers = {
  constants: [{ members: [{ cName: 'XEN_DMOP_IO_RANGE_PORT', value: 0 }, { cName: 'XEN_DMOP_IO_RANGE_PCI', value: 2 }] }],
  limits: [{ id: 'maxTrackDirtyVramPages', value: 262144 }],
  hypercalls: [],
  hvmops: [{ cName: 'HVMOP_op_mask_is_not_an_op', value: 99 }],
  dmops: [],
  errno: [{ name: 'EINVAL', value: 22 }],
  hvmmemTypes: [{ value: 4, names: [{ cName: 'HVMMEM_ioreq_server' }] }],
  p2mTypes: [
    { value: 0, names: [{ name: 'p2m_ram_rw' }] },
    { value: 15, names: [{ name: 'p2m_ioreq_server' }] },
  ],
  structs: [{ name: 'xen_dm_op', size: 32, fields: [{ name: 'op', offset: 0 }, { name: 'u', offset: 8 }] }],
};
const xen = xenVocabulary(schema);
const found = (text: string) => findBareXenNumbers('planted.ts', text, xen).map((f) => ({ line: f.line, literal: f.literal, why: f.why }));

describe('bare Xen numbers: the definition', () => {
  it('names every value the schema gives a name to, and the C names with their tails', () => {
    expect([...xen.numbers.keys()].sort((a, b) => a - b)).toEqual([0, 2, 4, 8, 15, 22, 32, 99, 262144]);
    expect(xen.numbers.get(2)).toEqual(['XEN_DMOP_IO_RANGE_PCI', 'the count of p2m types']);
    expect(xen.names.has('HVMMEM_IOREQ_SERVER')).toBe(true);
    expect(xen.names.has('RANGE_PORT')).toBe(true);
    expect(xen.names.has('RAM_RW')).toBe(true);
    expect(xen.names.has('PORT')).toBe(false); // one word names nothing on its own
  });

  it('evaluates literal expressions: hex, shifts, powers, bigints', () => {
    const value = (text: string) =>
      literalValue(((ts.createSourceFile('x.ts', `x = ${text};`, ts.ScriptTarget.Latest).statements[0] as ts.ExpressionStatement).expression as ts.BinaryExpression).right);
    expect(value('0xff')).toBe(255);
    expect(value('1 << 18')).toBe(262144);
    expect(value('2 ** 32 - 1')).toBe(4294967295);
    expect(value('0xfeff7n')).toBe(0xfeff7);
    expect(value('-(3)')).toBe(-3);
    expect(value('n + 1')).toBeUndefined();
  });

  it('finds a hand-written Xen number in a binding named as Xen names it, whatever its value', () => {
    expect(found('const HVMMEM_IOREQ_SERVER = 4;\nconst RANGE_PORT = 0;\nconst RAM_RW = 0;')).toEqual([
      { line: 1, literal: '4', why: 'the binding is named HVMMEM_IOREQ_SERVER' },
      { line: 2, literal: '0', why: 'the binding is named RANGE_PORT' },
      { line: 3, literal: '0', why: 'the binding is named RAM_RW' },
    ]);
  });

  it('finds a binding whose value is a Xen number ≥ 2, and a static readonly one', () => {
    expect(found('const HEADER = 8;\nconst MAX_VRAM_PAGES = 1 << 18;\nclass Pool {\n  static readonly SIZE = 32;\n}')).toEqual([
      { line: 1, literal: '8', why: 'offsetof(xen_dm_op, u)' },
      { line: 2, literal: '1 << 18', why: 'limit maxTrackDirtyVramPages' },
      { line: 4, literal: '32', why: 'sizeof(xen_dm_op)' },
    ]);
  });

  it('finds a compared Xen number that is not a power of two', () => {
    expect(found('if (type > 15 || errno === 22) fail();')).toEqual([
      { line: 1, literal: '15', why: 'p2m_ioreq_server' },
      { line: 1, literal: '22', why: 'EINVAL' },
    ]);
  });

  it('leaves alone 0 and 1 by value, powers of two and width bounds compared, masks, arguments, and names read from the schema', () => {
    const clean = [
      'const ZERO = 0;',
      'const ONE = 1;',
      'if (size === 8 || bits > 32) grow();',
      'if (id > 0xffff || n >= 0xffffffff) fail();',
      'const low = value & 0xff;',
      'send(4, 15);',
      'const self = CONST.domid.self;',
      'let counter = 22;',
      'const text = "15";',
    ].join('\n');
    expect(found(clean)).toEqual([]);
  });
});

describe('bare Xen numbers in this repository', () => {
  const findings = scanRepository(ROOT);

  it('a planted HVMMEM_IOREQ_SERVER = 4 in a simulator file would fail the check', () => {
    const real = xenVocabulary(JSON.parse(readFileSync(`${ROOT}/schema/xen-abi.json`, 'utf8')) as SchemaNumbers);
    const planted = findBareXenNumbers('packages/hypervisor-sim/src/dmop/ioreq-server.ts', 'const HVMMEM_IOREQ_SERVER = 4;\nif (p2mType > 15) bad();', real);
    expect(unexplained(planted, XEN_NUMBER_EXCEPTIONS).map((f) => [f.line, f.literal])).toEqual([
      [1, '4'],
      [2, '15'],
    ]);
  });

  it('has none outside generated code but the listed exceptions', () => {
    expect(unexplained(findings, XEN_NUMBER_EXCEPTIONS).map((f) => `${f.file}:${f.line}: ${f.text} (${f.literal} is ${f.why})`)).toEqual([]);
  });

  it('lists no exception that covers nothing (a fixed number takes its exception with it)', () => {
    const stale = XEN_NUMBER_EXCEPTIONS.filter((e) => !findings.some((f) => f.file === e.file && e.line.test(f.text)));
    expect(stale.map((e) => `${e.file} ${e.line}`)).toEqual([]);
  });

  it('says why for every exception', () => {
    for (const e of XEN_NUMBER_EXCEPTIONS) expect(e.why.length, `${e.file} ${e.line}`).toBeGreaterThan(20);
  });

  it('scans hand-written sources and tools, not generated code or tests', () => {
    const files = scannedFiles(ROOT);
    expect(files).toContain('packages/abi-types/src/ops.ts');
    expect(files).toContain('packages/codegen/ts.ts');
    expect(files).not.toContain('packages/abi-types/src/generated/constants.ts');
    expect(files.filter((f) => f.includes('/test/') || f.endsWith('.test.ts'))).toEqual([]);
  });
});
