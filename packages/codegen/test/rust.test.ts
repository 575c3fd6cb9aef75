import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Struct, XenAbiSchema } from '@xenmem/schema';
import { loadSchemaFile } from '@xenmem/schema';
import { generateRust, RUST_OUT, rustIdent, rustStr } from '../rust/index.js';

// A small inline schema: three releases, a renamed hvmmem number, a renamed p2m type whose classes change,
// one struct of each kind (plain, bit-fields sharing storage with a plain field, union, older variant,
// implicit padding). The generator is fed this and the emitted lines are asserted.
const payload: Struct = {
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
  description: 'Payload of XEN_DMOP_set_mem_type (in buf[0]).',
};

const schema: XenAbiSchema = {
  formatVersion: 1,
  description: 'test',
  sources: [],
  releases: [
    { name: '4.6', date: '2015-10-05', latestInterfaceVersion: '0x00040600', toolsOps: 'hvm_op', behaviourRecorded: true },
    { name: '4.7', date: '2016-06-20', latestInterfaceVersion: '0x00040700', toolsOps: 'hvm_op', behaviourRecorded: true },
    { name: '4.9', date: '2017-06-27', latestInterfaceVersion: '0x00040900', toolsOps: 'dm_op', behaviourRecorded: true },
  ],
  interfaceVersion: { undefinedValue: '0x00000000', toolsBuilds: '', aboveLatest: '' },
  hypercalls: [
    { name: 'hvm_op', cName: '__HYPERVISOR_hvm_op', value: 34 },
    { name: 'dm_op', cName: '__HYPERVISOR_dm_op', value: 41 },
  ],
  errno: [
    { name: 'EINVAL', value: 22, description: 'invalid argument', internal: false },
    { name: 'ERESTART', value: 85, description: 'continued', internal: true },
  ],
  semantics: [
    { tag: 'ram_rw', description: '', placeholder: false },
    { tag: 'write_dm', description: '', placeholder: false },
    { tag: 'burnt', description: '', placeholder: true },
  ],
  requirements: [{ id: 'hap', order: 1, error: 'EINVAL', description: 'HAP is on' }],
  unlistedHvmmemError: 'EINVAL',
  hvmmemTypes: [
    { value: 0, names: [{ name: 'ram_rw', cName: 'HVMMEM_ram_rw', semantics: 'ram_rw', firstRelease: '4.6', iface: {}, description: 'RAM' }], hypervisor: [{ releases: { from: '4.6' }, accepted: true, p2m: 0, why: 'ram' }] },
    {
      value: 3,
      names: [
        { name: 'mmio_write_dm', cName: 'HVMMEM_mmio_write_dm', semantics: 'write_dm', firstRelease: '4.6', iface: { below: '0x00040700' }, description: 'old' },
        { name: 'unused', cName: 'HVMMEM_unused', semantics: 'burnt', firstRelease: '4.7', iface: { from: '0x00040700' }, description: 'burnt' },
      ],
      hypervisor: [
        { releases: { from: '4.6', to: '4.6' }, accepted: true, p2m: 1, why: 'write_dm' },
        { releases: { from: '4.7' }, accepted: false, error: 'EINVAL', why: 'burnt' },
      ],
    },
  ],
  p2mTypes: [
    { value: 0, names: [{ name: 'p2m_ram_rw', releases: { from: '4.6' } }], description: 'ordinary RAM' },
    {
      value: 1,
      names: [
        { name: 'p2m_mmio_write_dm', releases: { from: '4.6', to: '4.7' } },
        { name: 'p2m_ioreq_server', releases: { from: '4.9' } },
      ],
      description: 'write-trapped',
    },
  ],
  p2mClasses: [
    {
      name: 'P2M_RAM_TYPES',
      predicate: 'p2m_is_ram',
      byRelease: [
        { releases: { from: '4.6', to: '4.7' }, types: [0] },
        { releases: { from: '4.9' }, types: [0, 1] },
      ],
      description: 'RAM',
    },
    { name: 'P2M_RO_TYPES', byRelease: [{ releases: { from: '4.6' }, types: [1] }], description: 'read-only' },
  ],
  transitions: [
    {
      releases: { from: '4.6', to: '4.7' },
      rule: 'r',
      populatedByLookup: [],
      rows: [
        { from: 0, to: { '0': 'ok', '3': 'ok' } },
        { from: 1, to: { '3': 'EINVAL', '0': 'ok' } },
      ],
    },
  ],
  getMemType: [
    {
      releases: { from: '4.6' },
      steps: [
        { step: 2, match: 'else', result: 3 },
        { step: 1, match: 'class', class: 'P2M_RAM_TYPES', result: 0 },
      ],
    },
  ],
  hvmops: [{ value: 8, name: 'set_mem_type', cName: 'HVMOP_set_mem_type', visibility: 'tools', firstRelease: '4.6', lastHeaderRelease: '4.7', dispatched: [{ from: '4.6', to: '4.7' }], movedToDmop: 12, description: 'set memory types' }],
  dmops: [{ value: 12, name: 'set_mem_type', cName: 'XEN_DMOP_set_mem_type', firstRelease: '4.9', struct: 'xen_dm_op_set_mem_type', copyBack: true, arch: ['x86'], replacesHvmop: 8, description: 'set memory types' }],
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
      description: 'op',
    },
    payload,
    {
      name: 'buf_ioreq',
      releases: { from: '4.6' },
      header: 'hvm/ioreq.h',
      role: 'ioreq',
      visibility: 'public',
      size: 8,
      align: 4,
      fields: [
        { name: 'type', offset: 0, size: 1, type: 'uint8' },
        { name: 'dir', offset: 1, size: 1, type: 'uint8', bits: { shift: 1, width: 1 } },
        { name: 'addr', offset: 0, size: 4, type: 'uint32', bits: { shift: 12, width: 20 } },
        { name: 'data', offset: 4, size: 4, type: 'uint32' },
      ],
      description: 'slot',
    },
    {
      name: 'xen_hvm_param',
      releases: { from: '4.6', to: '4.7' },
      header: 'hvm/hvm_op.h',
      role: 'hvm_op',
      visibility: 'public',
      size: 16,
      align: 8,
      fields: [
        { name: 'domid', offset: 0, size: 2, type: 'uint16', cType: 'domid_t' },
        { name: 'value', offset: 8, size: 8, type: 'uint64' },
      ],
      description: 'param',
    },
    {
      name: 'xen_hvm_param',
      releases: { from: '4.9' },
      header: 'hvm/hvm_op.h',
      role: 'hvm_op',
      visibility: 'public',
      size: 16,
      align: 8,
      fields: [
        { name: 'domid', offset: 0, size: 2, type: 'uint16', cType: 'domid_t' },
        { name: 'pad', offset: 2, size: 6, type: 'uint16', count: 3 },
        { name: 'value', offset: 8, size: 8, type: 'uint64' },
      ],
      description: 'param',
    },
  ],
  constants: [
    {
      name: 'mem_cacheattr',
      header: 'hvm/dm_op.h',
      visibility: 'public',
      description: 'cache attributes',
      members: [
        { name: 'wb', cName: 'XEN_DMOP_MEM_CACHEATTR_WB', value: 6, firstRelease: '4.9' },
        { name: 'delete', cName: 'XEN_DMOP_DELETE_MEM_CACHEATTR', value: 0xffffffff, firstRelease: '4.9' },
      ],
    },
  ],
  bitPacks: [
    {
      name: 'pci_sbdf',
      cName: 'XEN_DMOP_PCI_SBDF',
      header: 'hvm/dm_op.h',
      visibility: 'public',
      firstRelease: '4.9',
      parts: [
        { name: 's', shift: 16, width: 16 },
        { name: 'b', shift: 8, width: 8 },
        { name: 'd', shift: 3, width: 5 },
        { name: 'f', shift: 0, width: 3 },
      ],
      description: 'sbdf',
    },
  ],
  limits: [{ id: 'maxIoRanges', releases: { from: '4.6' }, value: 256, cName: 'MAX_NR_IO_RANGES', error: 'EINVAL', description: 'ranges' }],
  ioreqServerIds: [{ releases: { from: '4.9' }, scheme: 'slots', firstSlot: 0, lastSlot: 7, exhausted: 'EINVAL', description: 'slots' }],
  exceptions: [],
};

const rust = (s: XenAbiSchema) => {
  const files = generateRust(s);
  expect(files.map((f) => f.path)).toEqual([RUST_OUT]);
  return files[0]!.contents;
};
const out = rust(schema);

/** A copy of the inline schema with one struct replaced or added. */
const withStruct = (st: Struct): XenAbiSchema => ({ ...schema, structs: [...schema.structs.filter((x) => x.name !== st.name), st] });

describe('Rust generator', () => {
  it('writes one marked file, the same every time', () => {
    expect(out.split('\n')[0]).toBe('// @generated by packages/codegen/rust/index.ts from schema/xen-abi.json — DO NOT EDIT');
    expect(rust(schema)).toBe(out);
    expect(out.endsWith('}\n')).toBe(true);
  });

  it('emits releases with explicit numbers and the latest interface version', () => {
    expect(out).toContain('    /// schema: `releases[name=4.9]`\n    Xen4_9 = 4009,');
    expect(out).toContain('pub const XEN_LATEST_INTERFACE_VERSION: u32 = 0x00040900;');
    expect(out).toContain('    pub const LATEST: Release = Release::Xen4_9;');
    expect(out).toContain('    HvmOp = 34,');
    expect(out).toContain('    DmOp = 41,');
    expect(out).toContain('            "4.9" => Some(Release::Xen4_9),');
  });

  it('emits a constant for every name of a renamed number, each pointing at its schema entry', () => {
    expect(out).toContain('/// schema: `hvmmemTypes[value=3].names[mmio_write_dm]`\npub const HVMMEM_mmio_write_dm: u16 = 3;');
    expect(out).toContain('/// schema: `hvmmemTypes[value=3].names[unused]`\npub const HVMMEM_unused: u16 = 3;');
    expect(out).toContain('iface: IfaceRange { from: 0x00000000, below: Some(0x00040700) }');
    expect(out).toContain('pub const HVMMEM_ERA_STARTS: &[u32] = &[0x00000000, 0x00040700];');
    expect(out).toContain(
      'HvmmemAcceptanceEntry { value: 3, releases: ReleaseRange { from: Release::Xen4_7, to: None }, acceptance: HvmmemAcceptance::Refused(Errno::EINVAL), why: "burnt" },',
    );
  });

  it('names p2m types where the name holds across the range, numbers where it does not', () => {
    expect(out).toContain('pub const p2m_mmio_write_dm: u8 = 1;');
    expect(out).toContain('pub const p2m_ioreq_server: u8 = 1;');
    expect(out).toContain('P2mClassEntry { releases: ReleaseRange { from: Release::Xen4_9, to: None }, types: 1 << p2m_ram_rw | 1 << p2m_ioreq_server },');
    // p2m type 1 is p2m_mmio_write_dm in 4.6-4.7 and p2m_ioreq_server in 4.9: no one name fits 4.6+.
    expect(out).toContain('P2mClassEntry { releases: ReleaseRange { from: Release::Xen4_6, to: None }, types: 1 << 1 },');
    expect(out).toContain('pub const P2M_CLASSES: &[P2mClass] = &[P2M_RAM_TYPES, P2M_RO_TYPES];');
  });

  it('writes transition rows with the names of their releases, in number order', () => {
    expect(out).toContain('            TransitionRow { from: p2m_mmio_write_dm, to: &[(HVMMEM_ram_rw, Ok(())), (HVMMEM_mmio_write_dm, Err(Errno::EINVAL))] },');
  });

  it('evaluates get_mem_type steps per release and merges releases that answer alike', () => {
    expect(out).toContain('    // schema: getMemType[0] (4.6+), steps evaluated at 4.6–4.7');
    expect(out).toContain('        releases: ReleaseRange { from: Release::Xen4_6, to: Some(Release::Xen4_7) },\n        by_p2m: [\n            HVMMEM_ram_rw, // p2m_ram_rw\n            HVMMEM_mmio_write_dm, // p2m_mmio_write_dm\n        ],');
    expect(out).toContain('        releases: ReleaseRange { from: Release::Xen4_9, to: None },\n        by_p2m: [\n            HVMMEM_ram_rw, // p2m_ram_rw\n            HVMMEM_ram_rw, // p2m_ioreq_server\n        ],');
  });

  it('emits the rules as tables only: their lookups are hand-written in the crate, and their names stay reserved', () => {
    for (const lookup of ['hvmmem_name_at', 'hvmmem_value_at', 'hvmmem_acceptance', 'p2m_name_at', 'p2m_value_at', 'p2m_transition', 'get_mem_type'])
      expect(out).not.toMatch(new RegExp(`^pub (const )?fn ${lookup}\\(`, 'm'));
    expect(out).toContain('pub const HVMMEM_ACCEPTANCE: &[HvmmemAcceptanceEntry] = &[');
    expect(out).toContain('pub const TRANSITIONS: &[TransitionTable] = &[');
    expect(out).toContain('pub const GET_MEM_TYPE: &[GetMemTypeTable] = &[');
    // The generated tests call the lookups through the crate root, where lib.rs re-exports them.
    expect(out).toContain('#[cfg(test)]\nmod tests {\n    use crate::*;\n');
    expect(out).toContain('    assert_eq!(p2m_transition(release, from, to), outcome, "{release} p2m {from} -> hvmmem {to}");');
    const clash = { ...schema, limits: [{ ...schema.limits[0]!, cName: 'get_mem_type' }] };
    expect(() => rust(clash)).toThrow(/Rust item "get_mem_type" would be defined twice: by the crate's hand-written src\/p2m.rs and by/);
  });

  it('emits op numbers, constants, bit packs and limits under Xen names', () => {
    expect(out).toContain('/// schema: `dmops[value=12]`\npub const XEN_DMOP_set_mem_type: u32 = 12;');
    expect(out).toContain('pub const HVMOP_set_mem_type: u32 = 8;');
    expect(out).toContain('payload_size: core::mem::size_of::<xen_dm_op_set_mem_type>()');
    expect(out).toContain('moved_to_dmop: Some(XEN_DMOP_set_mem_type)');
    expect(out).toContain('pub const XEN_DMOP_DELETE_MEM_CACHEATTR: u32 = 0xffffffff;');
    expect(out).toContain('pub const fn XEN_DMOP_PCI_SBDF(s: u32, b: u32, d: u32, f: u32) -> u32 {\n    ((s & 0xffff) << 16) | ((b & 0xff) << 8) | ((d & 0x1f) << 3) | (f & 0x7)\n}');
    expect(out).toContain('pub const MAX_NR_IO_RANGES: u32 = 256;');
  });

  it('lays out a struct with repr(C), align(8) for its u64, and a compile-time check per field', () => {
    expect(out).toContain('/// schema: `structs[name=xen_dm_op_set_mem_type]`\n#[repr(C, align(8))]\n#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]\npub struct xen_dm_op_set_mem_type {');
    expect(out).toContain('    /// IN and OUT; C type `uint64_aligned_t`.\n    ///\n    /// schema: `structs[name=xen_dm_op_set_mem_type].fields[first_pfn]`\n    pub first_pfn: u64,');
    expect(out).toContain('/// Payload of `XEN_DMOP_set_mem_type` (in buf\\[0\\]).');
    for (const line of [
      'const _: () = assert!(core::mem::size_of::<xen_dm_op_set_mem_type>() == 16);',
      'const _: () = assert!(core::mem::align_of::<xen_dm_op_set_mem_type>() == 8);',
      'const _: () = assert!(core::mem::offset_of!(xen_dm_op_set_mem_type, nr) == 0);',
      'const _: () = assert!(core::mem::offset_of!(xen_dm_op_set_mem_type, mem_type) == 4);',
      'const _: () = assert!(core::mem::offset_of!(xen_dm_op_set_mem_type, pad) == 6);',
      'const _: () = assert!(core::mem::offset_of!(xen_dm_op_set_mem_type, first_pfn) == 8);',
    ])
      expect(out).toContain(line);
  });

  it('turns bit-fields into one storage integer with accessors, absorbing a plain field that overlaps it', () => {
    expect(out).toContain('    /// Storage of `type` (bits 0–7), `dir` (bit 9), `addr` (bits 12–31); use the accessor methods.');
    expect(out).toContain('    pub bitfield_0: u32,\n');
    expect(out).toContain('    pub const fn addr(&self) -> u32 {\n        (self.bitfield_0 >> 12) & 0xfffff\n    }');
    expect(out).toContain('    pub const fn set_addr(&mut self, value: u32) {\n        self.bitfield_0 = (self.bitfield_0 & 0x00000fff) | ((value & 0xfffff) << 12);\n    }');
    expect(out).toContain('    pub const fn r#type(&self) -> u8 {\n        (self.bitfield_0 & 0xff) as u8\n    }');
    expect(out).toContain('    pub const fn set_dir(&mut self, value: u8) {\n        self.bitfield_0 = (self.bitfield_0 & 0xfffffdff) | ((value as u32 & 0x1) << 9);\n    }');
    expect(out).toContain('const _: () = assert!(core::mem::offset_of!(buf_ioreq, data) == 4);');
    // The generated test sets addr to all ones and expects exactly bits 12..31 in memory.
    expect(out).toContain('        assert_eq!(v.bitfield_0.to_ne_bytes(), [0x00, 0xf0, 0xff, 0xff], "buf_ioreq.addr");');
  });

  it('makes xen_dm_op.u a union of the DMOP payloads, size-checked', () => {
    expect(out).toContain('pub union xen_dm_op_u {\n    /// The payload of `XEN_DMOP_set_mem_type` (12).\n    ///\n    /// schema: `dmops[value=12]`\n    pub set_mem_type: xen_dm_op_set_mem_type,\n}');
    expect(out).toContain('    pub const ZERO: Self = Self { set_mem_type: xen_dm_op_set_mem_type::ZERO };');
    expect(out).toContain('const _: () = assert!(core::mem::size_of::<xen_dm_op_u>() == 16);');
    expect(out).toContain('#[repr(C)]\n#[derive(Clone, Copy, Debug)]\npub struct xen_dm_op {');
    expect(out).toContain('    pub u: xen_dm_op_u,');
  });

  it('keeps the newest layout under the Xen name and suffixes older ones with their first release', () => {
    expect(out).toContain('pub struct xen_hvm_param {');
    expect(out).toContain('/// This is the layout of Xen 4.6–4.7; the newest is [`xen_hvm_param`].');
    expect(out).toContain('/// schema: `structs[name=xen_hvm_param, releases=4.6–4.7]`\n#[repr(C, align(8))]\n#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]\npub struct xen_hvm_param_4_6 {');
    expect(out).toContain('    pub pad: [u16; 3],');
  });

  it('spells out padding that a 4-aligned u64 would otherwise skip', () => {
    const st: Struct = { ...payload, name: 'gap', role: 'hvm_op', fields: [payload.fields[0]!, payload.fields[3]!] };
    const text = rust(withStruct(st));
    expect(text).toContain([
        '    pub nr: u32,',
        '    /// Bytes the schema leaves between fields (C pads here); explicit so that every target, even one with a 4-aligned u64, puts the next field at its offset.',
        '    pub _pad_at_4: [u8; 4],',
        '    /// IN and OUT; C type `uint64_aligned_t`.',
        '    ///',
        '    /// schema: `structs[name=gap].fields[first_pfn]`',
        '    pub first_pfn: u64,',
      ].join('\n'));
    expect(text).toContain('const _: () = assert!(core::mem::offset_of!(gap, _pad_at_4) == 4);');
  });

  it('refuses what repr(C) or the tables cannot represent', () => {
    const misplaced: Struct = { ...payload, name: 'bad', role: 'hvm_op', fields: [{ name: 'a', offset: 2, size: 4, type: 'uint32' }] };
    expect(() => rust(withStruct(misplaced))).toThrow(/field a at offset 2 cannot be placed by repr\(C\)/);
    const union = schema.structs.find((s) => s.name === 'xen_dm_op')!;
    const wide = { ...union, size: 32, fields: [...union.fields.slice(0, 2), { ...union.fields[2]!, size: 24 }] };
    expect(() => rust(withStruct(wide))).toThrow(/is 24 bytes, but its largest DMOP payload is 16/);
    const unrecorded = { ...schema, p2mClasses: schema.p2mClasses.filter((c) => c.name !== 'P2M_RAM_TYPES') };
    expect(() => rust(unrecorded)).toThrow(/class P2M_RAM_TYPES, which the schema does not record at 4.6/);
    const twice = { ...schema, limits: [{ ...schema.limits[0]!, cName: 'HVMOP_set_mem_type' }] };
    expect(() => rust(twice)).toThrow(/Rust item "HVMOP_set_mem_type" would be defined twice/);
  });

  it('writes Rust string literals and identifiers', () => {
    expect(rustStr('a "b" \\ c\n\u0001 —')).toBe('"a \\"b\\" \\\\ c\\n\\u{1} —"');
    expect(rustIdent('type')).toBe('r#type');
    expect(rustIdent('first_pfn')).toBe('first_pfn');
  });
});

describe('Rust generator on the real schema', () => {
  const loaded = loadSchemaFile(fileURLToPath(new URL('../../../schema/xen-abi.json', import.meta.url)));
  if (!loaded.ok) throw new Error(`schema/xen-abi.json is invalid: ${JSON.stringify(loaded.problems)}`);
  const real = rust(loaded.schema);

  // Whether it compiles is `cargo test -p xenmem-abi`'s job.
  it('checks the size and alignment of every struct and defines every hvmmem name and op', () => {
    for (const st of loaded.schema.structs) expect(real).toMatch(new RegExp(`assert!\\(core::mem::size_of::<${st.name}(_\\d+_\\d+)?>\\(\\) == ${st.size}\\);`));
    for (const v of loaded.schema.hvmmemTypes) for (const n of v.names) expect(real).toContain(`pub const ${n.cName}: u16 = ${v.value};`);
    for (const o of loaded.schema.dmops) expect(real).toContain(`pub const ${o.cName}: u32 = ${o.value};`);
    for (const o of loaded.schema.hvmops) expect(real).toContain(`pub const ${o.cName}: u32 = ${o.value};`);
  });
});
