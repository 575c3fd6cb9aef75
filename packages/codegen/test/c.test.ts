import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Struct, XenAbiSchema } from '@xenmem/schema';
import { cLiteral, generateC, ifaceCondition } from '../c.js';

// A small inline schema: three releases, a renamed hvmmem number, a guarded, a tools-only and a dropped HVMOP,
// one DMOP with its payload and the xen_dm_op union, a bit-field struct, constants of each visibility and a bit
// pack. The generator is fed this and the emitted lines are asserted.
const setMemType: Struct = {
  name: 'xen_dm_op_set_mem_type',
  releases: { from: '4.9' },
  header: 'hvm/dm_op.h',
  role: 'dm_op_payload',
  visibility: 'public',
  size: 16,
  align: 8,
  fields: [
    { name: 'nr', offset: 0, size: 4, type: 'uint32', dir: 'inout' },
    { name: 'mem_type', offset: 4, size: 2, type: 'uint16' },
    { name: 'pad', offset: 6, size: 2, type: 'uint16', mustBeZero: true },
    { name: 'first_pfn', offset: 8, size: 8, type: 'uint64', cType: 'uint64_aligned_t', dir: 'inout' },
  ],
  description: 'Payload of XEN_DMOP_set_mem_type.',
};

const schema: XenAbiSchema = {
  formatVersion: 1,
  description: 'test',
  sources: [],
  releases: [
    { name: '4.6', date: '2015-10-05', latestInterfaceVersion: '0x00040600', toolsOps: 'hvm_op', behaviourRecorded: true },
    { name: '4.8', date: '2016-12-05', latestInterfaceVersion: '0x00040800', toolsOps: 'hvm_op', behaviourRecorded: true },
    { name: '4.9', date: '2017-06-27', latestInterfaceVersion: '0x00040900', toolsOps: 'dm_op', behaviourRecorded: true },
  ],
  interfaceVersion: { undefinedValue: '0x00000000', toolsBuilds: '', aboveLatest: '' },
  hypercalls: [{ name: 'dm_op', cName: '__HYPERVISOR_dm_op', value: 41 }],
  errno: [],
  semantics: [],
  requirements: [],
  unlistedHvmmemError: 'EINVAL',
  hvmmemTypes: [
    {
      value: 0,
      names: [{ name: 'ram_rw', cName: 'HVMMEM_ram_rw', semantics: 'ram_rw', firstRelease: '4.6', iface: {}, description: 'RAM' }],
      hypervisor: [],
    },
    {
      value: 3,
      names: [
        { name: 'mmio_write_dm', cName: 'HVMMEM_mmio_write_dm', semantics: 'write_dm', firstRelease: '4.6', iface: { below: '0x00040700' }, description: 'old' },
        { name: 'unused', cName: 'HVMMEM_unused', semantics: 'burnt', firstRelease: '4.8', iface: { from: '0x00040700' }, description: 'burnt' },
      ],
      hypervisor: [],
    },
    {
      value: 5,
      names: [{ name: 'window', cName: 'HVMMEM_window', semantics: 'w', firstRelease: '4.8', iface: { from: '0x00040600', below: '0x00040800' }, description: 'x' }],
      hypervisor: [],
    },
  ],
  p2mTypes: [],
  p2mClasses: [],
  transitions: [],
  getMemType: [],
  hvmops: [
    { value: 2, name: 'set_pci_intx_level', cName: 'HVMOP_set_pci_intx_level', visibility: 'public', firstRelease: '4.6', iface: { below: '0x00040900' }, dispatched: [{ from: '4.6', to: '4.8' }], description: 'set INTx' },
    { value: 5, name: 'flush_tlbs', cName: 'HVMOP_flush_tlbs', visibility: 'public', firstRelease: '4.6', dispatched: [{ from: '4.6' }], description: 'flush' },
    { value: 8, name: 'set_mem_type', cName: 'HVMOP_set_mem_type', visibility: 'tools', firstRelease: '4.6', lastHeaderRelease: '4.8', dispatched: [{ from: '4.6', to: '4.8' }], struct: 'xen_hvm_set_mem_type', movedToDmop: 12, description: 'set types' },
    { value: 12, name: 'set_mem_access', cName: 'HVMOP_set_mem_access', visibility: 'tools', firstRelease: '4.6', dispatched: [], description: 'gone' },
  ],
  dmops: [
    { value: 12, name: 'set_mem_type', cName: 'XEN_DMOP_set_mem_type', firstRelease: '4.9', struct: 'xen_dm_op_set_mem_type', copyBack: true, arch: ['x86'], replacesHvmop: 8, description: 'set types' },
  ],
  structs: [
    {
      name: 'xen_dm_op',
      releases: { from: '4.9' },
      header: 'hvm/dm_op.h',
      role: 'dm_op',
      visibility: 'public',
      size: 24,
      align: 8,
      fields: [
        { name: 'op', offset: 0, size: 4, type: 'uint32' },
        { name: 'pad', offset: 4, size: 4, type: 'uint32', mustBeZero: true },
        { name: 'u', offset: 8, size: 16, type: 'union' },
      ],
      description: 'A DM op.',
    },
    setMemType,
    {
      name: 'xen_hvm_set_mem_type',
      releases: { from: '4.6', to: '4.8' },
      header: 'hvm/hvm_op.h',
      role: 'hvm_op',
      visibility: 'removed',
      size: 16,
      align: 8,
      fields: [
        { name: 'domid', offset: 0, size: 2, type: 'uint16', cType: 'domid_t' },
        { name: 'hvmmem_type', offset: 2, size: 2, type: 'uint16' },
        { name: 'nr', offset: 4, size: 4, type: 'uint32' },
        { name: 'first_pfn', offset: 8, size: 8, type: 'uint64', cType: 'uint64_aligned_t' },
      ],
      description: 'Argument of HVMOP_set_mem_type.',
    },
    {
      name: 'slot',
      releases: { from: '4.6' },
      header: 'hvm/ioreq.h',
      role: 'ioreq',
      visibility: 'public',
      size: 8,
      align: 4,
      // Listed out of declaration order on purpose: the generator orders by bit position.
      fields: [
        { name: 'addr', offset: 0, size: 4, type: 'uint32', bits: { shift: 12, width: 20 } },
        { name: 'type', offset: 0, size: 1, type: 'uint8' },
        { name: 'dir', offset: 1, size: 1, type: 'uint8', bits: { shift: 1, width: 1 } },
        { name: 'pad', offset: 1, size: 1, type: 'uint8', bits: { shift: 0, width: 1 } },
        { name: 'size', offset: 1, size: 1, type: 'uint8', bits: { shift: 2, width: 2 } },
        { name: 'data', offset: 4, size: 4, type: 'uint32' },
      ],
      description: 'A bit-field slot.',
    },
  ],
  constants: [
    { name: 'flags', header: 'hvm/dm_op.h', visibility: 'public', description: 'Flags.', members: [
      { name: 'all', cName: 'XEN_DMOP_ALL', value: 4294967295, firstRelease: '4.9' },
      { name: 'one', cName: 'XEN_DMOP_ONE', value: 1, firstRelease: '4.9', description: 'the first' },
    ] },
    { name: 'bufioreq', header: 'hvm/hvm_op.h', visibility: 'tools', description: 'Modes.', members: [{ name: 'atomic', cName: 'HVM_IOREQSRV_BUFIOREQ_ATOMIC', value: 2, firstRelease: '4.6' }] },
    { name: 'old_range', header: 'hvm/hvm_op.h', visibility: 'removed', lastHeaderRelease: '4.8', description: 'Old.', members: [{ name: 'pci', cName: 'HVMOP_IO_RANGE_PCI', value: 2, firstRelease: '4.6' }] },
  ],
  bitPacks: [
    { name: 'sbdf', cName: 'XEN_DMOP_PCI_SBDF', header: 'hvm/dm_op.h', visibility: 'public', firstRelease: '4.9', description: 'Packs a PCI address.', parts: [
      { name: 's', shift: 16, width: 16 },
      { name: 'b', shift: 8, width: 8 },
      { name: 'd', shift: 3, width: 5 },
      { name: 'f', shift: 0, width: 3 },
    ] },
  ],
  limits: [],
  ioreqServerIds: [],
  dmOpEntry: [],
  ioreqServerRules: [],
  exceptions: [],
};

const MARKER = '/* @generated by packages/codegen/c.ts from schema/xen-abi.json — DO NOT EDIT */';
const files = Object.fromEntries(generateC(schema).map((f) => [f.path, f.contents]));
const file = (name: string) => {
  const text = files[`packages/abi-types/include/xenmem/${name}`];
  if (text === undefined) throw new Error(`no ${name} among ${Object.keys(files).join(', ')}`);
  return text;
};
/** C text's lines without comments, so assertions read like the C a compiler sees. */
const withoutComments = (text: string) =>
  text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '');
const code = (name: string) => withoutComments(file(name));
const block = (lines: string[], first: string, count: number) => {
  const at = lines.indexOf(first);
  expect(at, `${first} not found`).toBeGreaterThanOrEqual(0);
  return lines.slice(at, at + count);
};

describe('generateC', () => {
  it('writes one header per Xen header, xen.h, xen-compat.h and the umbrella, each marked generated', () => {
    expect(Object.keys(files).sort()).toEqual(
      ['dm_op.h', 'hvm_op.h', 'hvm_op_legacy.h', 'ioreq.h', 'xen-compat.h', 'xen.h', 'xenmem.h'].map((f) => `packages/abi-types/include/xenmem/${f}`),
    );
    for (const [path, text] of Object.entries(files)) expect(text.split('\n')[0], path).toBe(MARKER);
  });

  it('xen-compat.h: undefined means the schema\'s undefinedValue, above the latest is an #error, no tools forcing', () => {
    expect(code('xen-compat.h')).toEqual([
      '#ifndef XENMEM_XEN_COMPAT_H',
      '#define XENMEM_XEN_COMPAT_H',
      '#define __XEN_LATEST_INTERFACE_VERSION__ 0x00040900',
      '#if !defined(__XEN_INTERFACE_VERSION__)',
      '#define __XEN_INTERFACE_VERSION__ 0x00000000',
      '#endif',
      '#if __XEN_INTERFACE_VERSION__ > __XEN_LATEST_INTERFACE_VERSION__',
      '#error "xenmem: __XEN_INTERFACE_VERSION__ is above 0x00040900, the latest interface version these headers describe (schema/xen-abi.json)"',
      '#endif',
      '#endif',
    ]);
  });

  it('hvmmem_type_t: complementary iface ranges become #if/#else, a bounded range an #if with both bounds', () => {
    expect(block(code('hvm_op.h'), 'typedef enum {', 11)).toEqual([
      'typedef enum {',
      '    HVMMEM_ram_rw = 0,',
      '#if __XEN_INTERFACE_VERSION__ < 0x00040700',
      '    HVMMEM_mmio_write_dm = 3,',
      '#else',
      '    HVMMEM_unused = 3,',
      '#endif',
      '#if __XEN_INTERFACE_VERSION__ >= 0x00040600 && __XEN_INTERFACE_VERSION__ < 0x00040800',
      '    HVMMEM_window = 5,',
      '#endif',
      '} hvmmem_type_t;',
    ]);
  });

  it('HVMOPs: guards from the schema, tools-only ones unconditional, dropped ones only in hvm_op_legacy.h', () => {
    const hvm = code('hvm_op.h');
    expect(block(hvm, '#if __XEN_INTERFACE_VERSION__ < 0x00040900', 3)).toEqual([
      '#if __XEN_INTERFACE_VERSION__ < 0x00040900',
      '#define HVMOP_set_pci_intx_level 2',
      '#endif',
    ]);
    expect(hvm).toContain('#define HVMOP_flush_tlbs 5');
    expect(hvm).toContain('#define HVMOP_set_mem_access 12');
    expect(hvm).toContain('#define HVM_IOREQSRV_BUFIOREQ_ATOMIC 2');
    expect(hvm.join('\n')).not.toMatch(/__XEN_TOOLS__|HVMOP_set_mem_type|HVMOP_IO_RANGE_PCI/);
    const legacy = code('hvm_op_legacy.h');
    expect(legacy).toContain('#define HVMOP_set_mem_type 8');
    expect(legacy).toContain('#define HVMOP_IO_RANGE_PCI 2');
    expect(legacy).toContain('struct xen_hvm_set_mem_type {');
    expect(legacy.join('\n')).not.toMatch(/^#if __XEN_INTERFACE_VERSION__/m);
    expect(file('hvm_op_legacy.h')).toContain('talking to hypervisors up to Xen 4.8');
  });

  it('the umbrella includes every header but the legacy one', () => {
    expect(code('xenmem.h').filter((l) => l.startsWith('#include'))).toEqual([
      '#include "xen-compat.h"',
      '#include "xen.h"',
      '#include "dm_op.h"',
      '#include "hvm_op.h"',
      '#include "ioreq.h"',
    ]);
  });

  it('structs: Xen\'s names and C types, a _t typedef, and static assertions (C and C++) on size, alignment and every field', () => {
    expect(block(code('dm_op.h'), 'struct xen_dm_op_set_mem_type {', 17)).toEqual([
      'struct xen_dm_op_set_mem_type {',
      '    uint32_t nr;',
      '    uint16_t mem_type;',
      '    uint16_t pad;',
      '    uint64_aligned_t first_pfn;',
      '};',
      'typedef struct xen_dm_op_set_mem_type xen_dm_op_set_mem_type_t;',
      'XENMEM_STATIC_ASSERT(sizeof(struct xen_dm_op_set_mem_type) == 16, "struct xen_dm_op_set_mem_type: sizeof must be 16, as schema/xen-abi.json records");',
      'XENMEM_STATIC_ASSERT(XENMEM_ALIGNOF(struct xen_dm_op_set_mem_type) == 8, "struct xen_dm_op_set_mem_type: alignment must be 8, as schema/xen-abi.json records");',
      'XENMEM_STATIC_ASSERT(offsetof(struct xen_dm_op_set_mem_type, nr) == 0, "struct xen_dm_op_set_mem_type: nr must be at offset 0, as schema/xen-abi.json records");',
      'XENMEM_STATIC_ASSERT(sizeof(((struct xen_dm_op_set_mem_type *)0)->nr) == 4, "struct xen_dm_op_set_mem_type: nr must be 4 bytes, as schema/xen-abi.json records");',
      'XENMEM_STATIC_ASSERT(offsetof(struct xen_dm_op_set_mem_type, mem_type) == 4, "struct xen_dm_op_set_mem_type: mem_type must be at offset 4, as schema/xen-abi.json records");',
      'XENMEM_STATIC_ASSERT(sizeof(((struct xen_dm_op_set_mem_type *)0)->mem_type) == 2, "struct xen_dm_op_set_mem_type: mem_type must be 2 bytes, as schema/xen-abi.json records");',
      'XENMEM_STATIC_ASSERT(offsetof(struct xen_dm_op_set_mem_type, pad) == 6, "struct xen_dm_op_set_mem_type: pad must be at offset 6, as schema/xen-abi.json records");',
      'XENMEM_STATIC_ASSERT(sizeof(((struct xen_dm_op_set_mem_type *)0)->pad) == 2, "struct xen_dm_op_set_mem_type: pad must be 2 bytes, as schema/xen-abi.json records");',
      'XENMEM_STATIC_ASSERT(offsetof(struct xen_dm_op_set_mem_type, first_pfn) == 8, "struct xen_dm_op_set_mem_type: first_pfn must be at offset 8, as schema/xen-abi.json records");',
      'XENMEM_STATIC_ASSERT(sizeof(((struct xen_dm_op_set_mem_type *)0)->first_pfn) == 8, "struct xen_dm_op_set_mem_type: first_pfn must be 8 bytes, as schema/xen-abi.json records");',
    ]);
    // Field notes come from the schema: direction and must-be-zero.
    expect(file('dm_op.h')).toContain('    uint16_t pad; /* must be zero */');
    expect(file('dm_op.h')).toContain('    uint64_aligned_t first_pfn; /* IN/OUT */');
  });

  it('xen_dm_op: the union has one member per DMOP, after the payload structs', () => {
    const dm = code('dm_op.h');
    expect(block(dm, 'struct xen_dm_op {', 7)).toEqual([
      'struct xen_dm_op {',
      '    uint32_t op;',
      '    uint32_t pad;',
      '    union {',
      '        struct xen_dm_op_set_mem_type set_mem_type;',
      '    } u;',
      '};',
    ]);
    expect(dm.indexOf('struct xen_dm_op_set_mem_type {')).toBeLessThan(dm.indexOf('struct xen_dm_op {'));
    expect(dm).toContain('XENMEM_STATIC_ASSERT(sizeof(((struct xen_dm_op *)0)->u) == 16, "struct xen_dm_op: u must be 16 bytes, as schema/xen-abi.json records");');
    expect(dm).toContain('#define XEN_DMOP_set_mem_type 12');
  });

  it('bit-fields: declared by bit position, with no offsetof assert', () => {
    const io = code('ioreq.h');
    expect(block(io, 'struct slot {', 8)).toEqual([
      'struct slot {',
      '    uint8_t type;',
      '    uint8_t pad:1;',
      '    uint8_t dir:1;',
      '    uint8_t size:2;',
      '    uint32_t addr:20;',
      '    uint32_t data;',
      '};',
    ]);
    const asserts = io.filter((l) => l.startsWith('XENMEM_STATIC_ASSERT(offsetof(struct slot'));
    expect(asserts.map((l) => /struct slot, (\w+)\)/.exec(l)?.[1])).toEqual(['type', 'data']);
  });

  it('constants, bit packs and base types', () => {
    const dm = code('dm_op.h');
    expect(dm).toContain('#define XEN_DMOP_ONE 1');
    expect(dm).toContain('#define XEN_DMOP_ALL 0xffffffffu');
    expect(block(dm, '#define XEN_DMOP_PCI_SBDF(s, b, d, f) \\', 2)).toEqual([
      '#define XEN_DMOP_PCI_SBDF(s, b, d, f) \\',
      '    ((((s) & 0xffffu) << 16) | (((b) & 0xffu) << 8) | (((d) & 0x1fu) << 3) | ((f) & 0x7u))',
    ]);
    const xen = code('xen.h');
    expect(xen).toContain('#define __HYPERVISOR_dm_op 41');
    expect(xen).toContain('typedef uint16_t domid_t;');
    expect(block(xen, '#ifndef uint64_aligned_t', 3)).toEqual(['#ifndef uint64_aligned_t', '#if defined(__GNUC__)', '#define uint64_aligned_t uint64_t __attribute__((__aligned__(8)))']);
  });

  it('literals and guards', () => {
    expect([cLiteral(0), cLiteral(0x7fffffff), cLiteral(0x80000000), cLiteral(2 ** 40), cLiteral(-1)]).toEqual(['0', '2147483647', '0x80000000u', '0x10000000000ull', '(-1)']);
    expect(ifaceCondition({})).toBeUndefined();
    expect(ifaceCondition({ from: '0x40700' })).toBe('__XEN_INTERFACE_VERSION__ >= 0x00040700');
  });

  it('refuses schemas it cannot express', () => {
    const broken = (patch: (s: XenAbiSchema) => void) => {
      const s = structuredClone(schema);
      patch(s);
      return () => generateC(s);
    };
    expect(broken((s) => s.structs.find((x) => x.name === 'slot')!.fields.push({ name: 'x', offset: 1, size: 1, type: 'uint8', bits: { shift: 1, width: 1 } }))).toThrow(
      /struct slot: fields dir and x start at the same bit/,
    );
    expect(broken((s) => (s.structs.find((x) => x.name === 'slot')!.fields[5]!.type = 'union'))).toThrow(/union members only for xen_dm_op/);
    expect(broken((s) => s.structs[1]!.fields.push({ name: 'other', offset: 16, size: 4, type: 'uint32', cType: 'domid_t' }))).toThrow(/domid_t is uint32_t at xen_dm_op_set_mem_type.other but uint16_t at xen_hvm_set_mem_type.domid/);
    expect(broken((s) => (s.constants[0]!.header = 'other/dm_op.h'))).toThrow(/would share our dm_op.h/);
    expect(broken((s) => (s.structs[2]!.visibility = 'public'))).toThrow(/ends at Xen 4.8 but is not marked "removed"/);
  });
});

// The emitted C compiles, and the static asserts hold; a wrong layout in the schema stops the build.
describe.skipIf(spawnSync('gcc', ['--version']).status !== 0)('generateC output under gcc', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xenmem-c-gen-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const compile = (s: XenAbiSchema, sub: string, define = '0x00040600') => {
    for (const f of generateC(s)) {
      const path = join(dir, sub, f.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, f.contents);
    }
    const src = join(dir, sub, 'main.c');
    writeFileSync(src, '#include <xenmem/xenmem.h>\n#include <xenmem/hvm_op_legacy.h>\nint main(void) { return HVMMEM_ram_rw; }\n');
    return spawnSync('gcc', ['-std=c11', '-Wall', '-Wextra', '-Werror', `-D__XEN_INTERFACE_VERSION__=${define}`, '-I', join(dir, sub, 'packages/abi-types/include'), '-fsyntax-only', src], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  };

  it('compiles warning-free', () => {
    const r = compile(schema, 'ok');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('a wrong offset in the schema fails the build with the static assert naming the field', () => {
    const s = structuredClone(schema);
    s.structs[1]!.fields[3]!.offset = 12;
    const r = compile(s, 'bad');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('struct xen_dm_op_set_mem_type: first_pfn must be at offset 12, as schema/xen-abi.json records');
  });
});

// Linux's Xen driver interface and the xenstore wire format: a header under sys/, pointer fields, a field Xen
// renamed at an old interface version, a hypercall whose macro was another hypercall's there, an enum group,
// ioctl numbers (unsigned long) and the xenstore error strings.
describe('generateC: the kernel interface and xenstore', () => {
  const kif = structuredClone(schema);
  kif.hypercalls.push({ name: 'sched_op', cName: '__HYPERVISOR_sched_op', value: 29, legacyValue: { cName: '__HYPERVISOR_sched_op_compat', value: 6, below: '0x00030101' } });
  kif.structs.push(
    {
      name: 'privcmd_mmapbatch_v2',
      releases: { from: '4.6' },
      header: 'sys/privcmd.h',
      role: 'kernel',
      visibility: 'public',
      size: 32,
      align: 8,
      fields: [
        { name: 'num', offset: 0, size: 4, type: 'uint32' },
        { name: 'dom', offset: 4, size: 2, type: 'uint16', cType: 'domid_t' },
        { name: 'addr', offset: 8, size: 8, type: 'uint64' },
        { name: 'arr', offset: 16, size: 8, type: 'handle', cType: 'const xen_pfn_t *', pointee: 'uint64' },
        { name: 'err', offset: 24, size: 8, type: 'handle', cType: 'int *' },
      ],
      description: 'Argument of IOCTL_PRIVCMD_MMAPBATCH_V2.',
    },
    {
      name: 'xen_memory_reservation',
      releases: { from: '4.6' },
      header: 'memory.h',
      role: 'hypercall',
      visibility: 'public',
      size: 32,
      align: 8,
      fields: [
        { name: 'extent_start', offset: 0, size: 8, type: 'handle', cType: 'XEN_GUEST_HANDLE(xen_pfn_t)', pointee: 'uint64' },
        { name: 'nr_extents', offset: 8, size: 8, type: 'uint64' },
        { name: 'extent_order', offset: 16, size: 4, type: 'uint32' },
        { name: 'mem_flags', offset: 20, size: 4, type: 'uint32', legacyName: { name: 'address_bits', below: '0x00030209' } },
        { name: 'domid', offset: 24, size: 2, type: 'uint16', cType: 'domid_t' },
      ],
      description: 'Argument of XENMEM_populate_physmap.',
    },
  );
  kif.constants.push(
    {
      name: 'privcmd_ioctl',
      header: 'sys/privcmd.h',
      visibility: 'public',
      description: 'ioctls.',
      members: [
        { name: 'dm_op', cName: 'IOCTL_PRIVCMD_DM_OP', value: 0x00105005, firstRelease: '4.9', cUnsignedLong: true },
        { name: 'unimplemented', cName: 'IOCTL_PRIVCMD_UNIMPLEMENTED', value: 0x50ff, firstRelease: '4.9', cUnsigned: true },
      ],
    },
    {
      name: 'xs_wire_type',
      header: 'io/xs_wire.h',
      visibility: 'public',
      cEnum: 'xsd_sockmsg_type',
      description: 'Message types.',
      members: [
        { name: 'read', cName: 'XS_READ', value: 2, firstRelease: '4.6' },
        { name: 'invalid', cName: 'XS_INVALID', value: 0xffff, firstRelease: '4.6' },
      ],
    },
  );
  kif.xsdErrors = [
    { index: 0, errno: 'EINVAL', firstRelease: '4.6' },
    { index: 1, errno: 'EACCES', firstRelease: '4.6' },
  ];
  const out = Object.fromEntries(generateC(kif).map((f) => [f.path.split('/').pop()!, f.contents]));
  const lines = (name: string) => withoutComments(out[name]!);

  it('puts a sys/ header in our file of its base name, which the umbrella includes', () => {
    expect(out['privcmd.h']!.split('\n')[4]).toBe(" * From Linux's Xen driver interface, sys/privcmd.h as installed under /usr/include/xen (Xen's tools/include/xen-sys/Linux/privcmd.h):");
    expect(lines('xenmem.h')).toEqual(expect.arrayContaining(['#include "privcmd.h"', '#include "xs_wire.h"']));
  });

  it('writes ioctl numbers as unsigned long, pointers as pointers, and typedefs what they point at', () => {
    const p = lines('privcmd.h');
    expect(p).toEqual(expect.arrayContaining(['#define IOCTL_PRIVCMD_DM_OP 0x00105005ul', '#define IOCTL_PRIVCMD_UNIMPLEMENTED 20735u']));
    expect(block(p, 'struct privcmd_mmapbatch_v2 {', 7)).toEqual([
      'struct privcmd_mmapbatch_v2 {',
      '    uint32_t num;',
      '    domid_t dom;',
      '    uint64_t addr;',
      '    const xen_pfn_t *arr;',
      '    int *err;',
      '};',
    ]);
    expect(lines('xen.h')).toEqual(expect.arrayContaining(['typedef uint64_t xen_pfn_t;', 'typedef struct { xen_pfn_t *p; } __guest_handle_xen_pfn_t;']));
  });

  it("follows Xen's renames by interface version: a field (both names below it) and a hypercall number", () => {
    expect(block(lines('memory.h'), '#if __XEN_INTERFACE_VERSION__ >= 0x00030209', 5)).toEqual([
      '#if __XEN_INTERFACE_VERSION__ >= 0x00030209',
      '    uint32_t mem_flags;',
      '#else',
      '    union { uint32_t mem_flags; uint32_t address_bits; };',
      '#endif',
    ]);
    expect(block(lines('xen.h'), '#if __XEN_INTERFACE_VERSION__ >= 0x00030101', 5)).toEqual([
      '#if __XEN_INTERFACE_VERSION__ >= 0x00030101',
      '#define __HYPERVISOR_sched_op 29',
      '#else',
      '#define __HYPERVISOR_sched_op 6',
      '#endif',
    ]);
  });

  it('writes a cEnum group as that enum and the xenstore errors as xs_wire.h has them', () => {
    const x = lines('xs_wire.h');
    expect(block(x, 'enum xsd_sockmsg_type {', 4)).toEqual(['enum xsd_sockmsg_type {', '    XS_READ = 2,', '    XS_INVALID = 65535,', '};']);
    expect(block(x, '#ifdef EINVAL', 10)).toEqual([
      '#ifdef EINVAL',
      '#define XSD_ERROR(x) { x, #x }',
      'static const struct xsd_errors xsd_errors[]',
      '#if defined(__GNUC__)',
      '__attribute__((unused))',
      '#endif',
      '    = {',
      '    XSD_ERROR(EINVAL),',
      '    XSD_ERROR(EACCES),',
      '};',
    ]);
  });

  it('refuses an unsigned enumerator and a pointer at an unnamed typedef', () => {
    const broken = (patch: (s: XenAbiSchema) => void) => {
      const s = structuredClone(kif);
      patch(s);
      return () => generateC(s);
    };
    expect(broken((s) => (s.constants.find((g) => g.name === 'xs_wire_type')!.members[0]!.cUnsigned = true))).toThrow(/an enumerator cannot be an unsigned literal/);
    expect(broken((s) => delete s.structs.find((x) => x.name === 'privcmd_mmapbatch_v2')!.fields[3]!.pointee)).toThrow(/points at xen_pfn_t: say what it is with "pointee"/);
  });

  it.skipIf(spawnSync('gcc', ['--version']).status !== 0)('compiles with <errno.h> at an old and a new interface version, both field names working below the rename', () => {
    const dir = mkdtempSync(join(tmpdir(), 'xenmem-c-kif-'));
    try {
      for (const f of generateC(kif)) {
        mkdirSync(dirname(join(dir, f.path)), { recursive: true });
        writeFileSync(join(dir, f.path), f.contents);
      }
      const src = join(dir, 'main.c');
      const use = 'struct xen_memory_reservation r = { .mem_flags = 1 }; struct privcmd_mmapbatch_v2 b = { .num = 1 };';
      writeFileSync(src, `#include <errno.h>\n#include <xenmem/xenmem.h>\nint main(void) { ${use} return (int)(r.mem_flags + b.num + xsd_errors[0].errnum + __HYPERVISOR_sched_op + XS_READ); }\n`);
      const gcc = (define: string, extra = '') => {
        if (extra) writeFileSync(src, `#include <errno.h>\n#include <xenmem/xenmem.h>\nint main(void) { ${use} (void)b; return (int)r.${extra}; }\n`);
        return spawnSync('gcc', ['-std=c11', '-Wall', '-Wextra', '-Werror', `-D__XEN_INTERFACE_VERSION__=${define}`, '-I', join(dir, 'packages/abi-types/include'), '-fsyntax-only', src], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
      };
      for (const define of ['0x00000000', '0x00040900']) expect(gcc(define).stderr, define).toBe('');
      expect(gcc('0x00000000', 'address_bits').status).toBe(0);
      expect(gcc('0x00040900', 'address_bits').stderr).toContain("has no member named 'address_bits'");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
