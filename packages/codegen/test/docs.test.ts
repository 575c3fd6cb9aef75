import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSchemaFile, type XenAbiSchema } from '@xenmem/schema';
import { generateDocs } from '../docs.js';

// A small inline schema: four releases (4.5 without recorded behaviour), one renamed hvmmem number, one
// renamed p2m type, a class that grows, one struct with a bit-field. The generator is fed this and the
// emitted lines are asserted, so a change in what the docs say shows here first.
const schema: XenAbiSchema = {
  formatVersion: 1,
  description: 'Test schema.',
  sources: ['the tests'],
  releases: [
    { name: '4.5', date: '2015-01-12', latestInterfaceVersion: '0x00040400', toolsOps: 'hvm_op', behaviourRecorded: false },
    { name: '4.6', date: '2015-10-05', latestInterfaceVersion: '0x00040600', toolsOps: 'hvm_op', behaviourRecorded: true },
    { name: '4.7', date: '2016-06-20', latestInterfaceVersion: '0x00040700', toolsOps: 'hvm_op', behaviourRecorded: true },
    { name: '4.9', date: '2017-06-27', latestInterfaceVersion: '0x00040900', toolsOps: 'dm_op', behaviourRecorded: true },
  ],
  interfaceVersion: { undefinedValue: '0x00000000', toolsBuilds: '__XEN_TOOLS__ builds get the latest', aboveLatest: 'it is an #error' },
  hypercalls: [
    { name: 'dm_op', cName: '__HYPERVISOR_dm_op', value: 41 },
    { name: 'hvm_op', cName: '__HYPERVISOR_hvm_op', value: 34 },
  ],
  errno: [
    { name: 'EINVAL', value: 22, description: 'invalid', internal: false },
    { name: 'ERESTART', value: 85, description: 'continued', internal: true },
  ],
  semantics: [
    { tag: 'ram_rw', description: 'RAM', placeholder: false },
    { tag: 'write_dm', description: 'writes to a device model', placeholder: false },
    { tag: 'burnt', description: 'withdrawn', placeholder: true },
  ],
  requirements: [{ id: 'claim', order: 1, error: 'EINVAL', description: 'a server claimed the type' }],
  unlistedHvmmemError: 'EINVAL',
  hvmmemTypes: [
    {
      value: 3,
      names: [
        { name: 'mmio_write_dm', cName: 'HVMMEM_mmio_write_dm', semantics: 'write_dm', firstRelease: '4.6', iface: { below: '0x00040700' }, description: 'old | write-protect' },
        { name: 'unused', cName: 'HVMMEM_unused', semantics: 'burnt', firstRelease: '4.7', iface: { from: '0x00040700' }, description: 'burnt' },
      ],
      hypervisor: [
        { releases: { from: '4.6', to: '4.6' }, accepted: true, p2m: 15, why: 'maps to p2m_mmio_write_dm' },
        { releases: { from: '4.7', to: '4.7' }, accepted: false, error: 'EINVAL', why: 'refused' },
        { releases: { from: '4.9' }, accepted: true, p2m: 15, requires: ['claim'], why: 'claimed' },
      ],
    },
    {
      value: 0,
      names: [{ name: 'ram_rw', cName: 'HVMMEM_ram_rw', semantics: 'ram_rw', firstRelease: '4.5', iface: {}, description: 'RAM' }],
      hypervisor: [{ releases: { from: '4.6' }, accepted: true, p2m: 0, why: 'maps to p2m_ram_rw' }],
    },
  ],
  p2mTypes: [
    { value: 15, names: [{ name: 'p2m_mmio_write_dm', releases: { from: '4.6', to: '4.7' } }, { name: 'p2m_ioreq_server', releases: { from: '4.9' } }], description: 'write-trapped' },
    { value: 0, names: [{ name: 'p2m_ram_rw', releases: { from: '4.5' } }], description: 'RAM' },
  ],
  p2mClasses: [
    {
      name: 'P2M_RAM_TYPES',
      predicate: 'p2m_is_ram',
      byRelease: [
        { releases: { from: '4.6', to: '4.7' }, types: [0] },
        { releases: { from: '4.9' }, types: [15, 0] },
      ],
      description: 'RAM',
    },
  ],
  transitions: [
    {
      releases: { from: '4.6', to: '4.7' },
      rule: 'RAM may change.',
      populatedByLookup: [],
      rows: [
        { from: 15, to: { '0': 'ok', '3': 'EINVAL' } },
        { from: 0, to: { '0': 'ok', '3': 'ok' } },
      ],
    },
  ],
  getMemType: [
    {
      releases: { from: '4.6' },
      steps: [
        { step: 2, match: 'type', p2m: 15, result: 3 },
        { step: 1, match: 'class', class: 'P2M_RAM_TYPES', result: 0 },
        { step: 3, match: 'else', result: 3 },
      ],
    },
  ],
  hvmops: [
    {
      value: 8,
      name: 'set_mem_type',
      cName: 'HVMOP_set_mem_type',
      visibility: 'tools',
      firstRelease: '4.5',
      lastHeaderRelease: '4.7',
      dispatched: [{ from: '4.5', to: '4.7' }],
      movedToDmop: 12,
      description: 'set the type',
    },
    { value: 12, name: 'set_mem_access', cName: 'HVMOP_set_mem_access', visibility: 'tools', firstRelease: '4.5', dispatched: [], description: 'gone' },
  ],
  dmops: [
    {
      value: 12,
      name: 'set_mem_type',
      cName: 'XEN_DMOP_set_mem_type',
      firstRelease: '4.9',
      struct: 'xen_dm_op_demo',
      copyBack: true,
      arch: ['x86'],
      replacesHvmop: 8,
      description: 'set the type',
    },
  ],
  structs: [
    {
      name: 'xen_dm_op_demo',
      releases: { from: '4.9' },
      header: 'hvm/dm_op.h',
      role: 'dm_op_payload',
      visibility: 'public',
      size: 4,
      align: 2,
      fields: [
        { name: 'id', offset: 0, size: 2, type: 'uint16', cType: 'ioservid_t', dir: 'in' },
        { name: 'flags', offset: 2, size: 1, type: 'uint8', bits: { shift: 0, width: 4 } },
        { name: 'last', offset: 2, size: 1, type: 'uint8', bits: { shift: 7, width: 1 } },
        { name: 'pad', offset: 3, size: 1, type: 'uint8', mustBeZero: true },
      ],
      description: 'A demo payload.',
    },
    {
      name: 'page',
      releases: { from: '4.5', to: '4.7' },
      header: 'hvm/ioreq.h',
      role: 'ioreq',
      visibility: 'public',
      size: 8,
      align: 4,
      fields: [{ name: 'slots', offset: 0, size: 8, type: 'struct', element: 'slot', count: 2 }],
      description: 'A page.',
    },
  ],
  constants: [
    {
      name: 'cacheattr',
      header: 'hvm/dm_op.h',
      visibility: 'public',
      description: 'Cache attributes, like XEN_DMOP_MEM_CACHEATTR_*.',
      members: [
        { name: 'uc', cName: 'X_UC', value: 0, firstRelease: '4.9' },
        { name: 'delete', cName: 'X_DELETE', value: 4294967295, firstRelease: '4.9', description: 'remove' },
      ],
    },
  ],
  bitPacks: [
    {
      name: 'sbdf',
      cName: 'X_SBDF',
      header: 'hvm/dm_op.h',
      visibility: 'public',
      firstRelease: '4.9',
      parts: [
        { name: 'd', shift: 3, width: 5 },
        { name: 'f', shift: 0, width: 3 },
      ],
      description: 'Device and function.',
    },
  ],
  limits: [{ id: 'maxRanges', releases: { from: '4.6' }, value: 256, cName: 'MAX_NR_IO_RANGES', error: 'ENOMEM', description: 'ranges' }],
  ioreqServerIds: [{ releases: { from: '4.9' }, scheme: 'slots', firstSlot: 0, lastSlot: 7, exhausted: 'ENOSPC', description: 'slots' }],
  dmOpEntry: [],
  ioreqServerRules: [],
  exceptions: [{ rule: 'accept-tightened', value: 3, release: '4.9', reason: 'kept the number' }],
};

const files = Object.fromEntries(generateDocs(schema).map((f) => [f.path, f.contents]));
const lines = (path: string) => files[path]!.split('\n');

describe('docs generator', () => {
  it('writes the index and the five tables under docs/abi', () => {
    expect(Object.keys(files)).toEqual(['docs/abi/README.md', 'docs/abi/hvmmem.md', 'docs/abi/ops.md', 'docs/abi/structs.md', 'docs/abi/p2m.md', 'docs/abi/constants.md']);
  });

  it('marks every file as generated on its first line and ends it with a newline', () => {
    for (const text of Object.values(files)) {
      expect(text.split('\n')[0]).toBe('<!-- @generated by packages/codegen/docs.ts from schema/xen-abi.json — DO NOT EDIT -->');
      expect(text.endsWith('\n')).toBe(true);
    }
  });

  it('is deterministic: the order of the schema\'s numbered lists does not matter', () => {
    const shuffled: XenAbiSchema = {
      ...schema,
      releases: [...schema.releases].reverse(),
      hvmmemTypes: [...schema.hvmmemTypes].reverse(),
      p2mTypes: [...schema.p2mTypes].reverse(),
      hvmops: [...schema.hvmops].reverse(),
      errno: [...schema.errno].reverse(),
      hypercalls: [...schema.hypercalls].reverse(),
      structs: [...schema.structs].reverse(),
    };
    expect(generateDocs(shuffled)).toEqual(generateDocs(schema));
  });

  it('README: the release table and the interface-version rules, with C identifiers as code', () => {
    expect(lines('docs/abi/README.md')).toEqual(
      expect.arrayContaining([
        '| Release | Date | `__XEN_LATEST_INTERFACE_VERSION__` | Tools ops | Behaviour recorded |',
        '| 4.5 | 2015-01-12 | `0x00040400` | hvm_op | no |',
        '| 4.9 | 2017-06-27 | `0x00040900` | dm_op | yes |',
        '- Tools builds: `__XEN_TOOLS__` builds get the latest.',
        '- Above the latest: it is an `#error`.',
        '| [hvmmem.md](hvmmem.md) | `hvmmem_type_t`: every value, its names per interface version and per release, and what each hypervisor release does with it |',
      ]),
    );
  });

  it('hvmmem: names per interface-version era and per release', () => {
    expect(lines('docs/abi/hvmmem.md')).toEqual(
      expect.arrayContaining([
        '| Value | below 0x00040700 | 0x00040700 and later |',
        '| 0 | ram_rw | ram_rw |',
        '| 3 | mmio_write_dm | unused |',
        '| Release | Interface version | 0 | 3 |',
        '| (undefined) | `0x00000000` | ram_rw | mmio_write_dm |',
        '| 4.6 | `0x00040600` | ram_rw | mmio_write_dm |',
        '| 4.7 | `0x00040700` | ram_rw | unused |',
      ]),
    );
  });

  it('hvmmem: what each release does with each value (p2m type and requirements, or errno)', () => {
    expect(lines('docs/abi/hvmmem.md')).toEqual(
      expect.arrayContaining([
        '| Release | 0 ram_rw | 3 mmio_write_dm / unused | other |',
        '| 4.5 | — | — | — |',
        '| 4.6 | → p2m_ram_rw | → p2m_mmio_write_dm | EINVAL |',
        '| 4.7 | → p2m_ram_rw | EINVAL | EINVAL |',
        '| 4.9 | → p2m_ram_rw | → p2m_ioreq_server, needs claim | EINVAL |',
        '| `claim` | 1 | EINVAL | a server claimed the type |',
      ]),
    );
  });

  it('hvmmem: each value with its C names, semantics and reasons; pipes in prose are escaped', () => {
    expect(lines('docs/abi/hvmmem.md')).toEqual(
      expect.arrayContaining([
        '### 3',
        '| mmio_write_dm | `HVMMEM_mmio_write_dm` | write_dm | below 0x00040700 | 4.6 | old \\| write-protect |',
        '| unused | `HVMMEM_unused` | burnt (placeholder) | 0x00040700 and later | 4.7 | burnt |',
        '| 4.6 | → p2m_mmio_write_dm | maps to p2m_mmio_write_dm |',
        '| 4.9+ | → p2m_ioreq_server, needs claim | claimed |',
        '| `accept-tightened` | 3 | 4.9 | kept the number |',
      ]),
    );
  });

  it('ops: HVMOP and DMOP numbers with releases and replacements', () => {
    expect(lines('docs/abi/ops.md')).toEqual(
      expect.arrayContaining([
        '| 34 | hvm_op | `__HYPERVISOR_hvm_op` |',
        '| 8 | set_mem_type | `HVMOP_set_mem_type` | tools | 4.5 | 4.5–4.7 | 4.5–4.7 | DMOP 12 set_mem_type | — | set the type |',
        '| 12 | set_mem_access | `HVMOP_set_mem_access` | tools | 4.5 | 4.5+ | never | — | — | gone |',
        '| 12 | set_mem_type | `XEN_DMOP_set_mem_type` | 4.9 | `xen_dm_op_demo` | yes | x86 | HVMOP 8 set_mem_type | set the type |',
      ]),
    );
  });

  it('structs: index, layouts with offset/size/type/dir, bit-fields by bit', () => {
    expect(lines('docs/abi/structs.md')).toEqual(
      expect.arrayContaining([
        '| [xen_dm_op_demo](#xen_dm_op_demo-49) | 4.9+ | `hvm/dm_op.h` | dm_op_payload | public | 4 | 2 |',
        '## DMOP payloads',
        '### xen_dm_op_demo (4.9+)',
        'A demo payload. Size 4, alignment 2; `hvm/dm_op.h`, public.',
        '| Offset | Size | Bits | Field | Type | Dir | Notes |',
        '| 0 | 2 |  | `id` | ioservid_t (uint16) | in |  |',
        '| 2 | 1 | 0–3 | `flags` | uint8 |  |  |',
        '| 2 | 1 | 7 | `last` | uint8 |  |  |',
        '| 3 | 1 |  | `pad` | uint8 |  | must be 0 |',
        '### page (4.5–4.7)',
        '| 0 | 8 |  | `slots` | struct slot[2] |  |  |',
      ]),
    );
    // Sections follow the protocol: DMOP payloads before the ioreq pages.
    const text = files['docs/abi/structs.md']!;
    expect(text.indexOf('## DMOP payloads')).toBeLessThan(text.indexOf('## The ioreq protocol'));
  });

  it('p2m: types per release, classes per release range', () => {
    expect(lines('docs/abi/p2m.md')).toEqual(
      expect.arrayContaining([
        '| Value | 4.5 | 4.6–4.7 | 4.9+ | Description |',
        '| 0 | p2m_ram_rw | p2m_ram_rw | p2m_ram_rw | RAM |',
        '| 15 | — | p2m_mmio_write_dm | p2m_ioreq_server | write-trapped |',
        '| `P2M_RAM_TYPES` | `p2m_is_ram` | 4.6–4.7 | 0 p2m_ram_rw | RAM |',
        '| `P2M_RAM_TYPES` | `p2m_is_ram` | 4.9+ | 0 p2m_ram_rw, 15 p2m_ioreq_server | RAM |',
      ]),
    );
  });

  it('p2m: the transition matrix per release range, with names and what is refused before the loop', () => {
    expect(lines('docs/abi/p2m.md')).toEqual(
      expect.arrayContaining([
        '### 4.6–4.7',
        'RAM may change.',
        'Before the loop: 3 unused: EINVAL (4.7).',
        '| Old type | 0 ram_rw | 3 mmio_write_dm |',
        '| 0 p2m_ram_rw | ✓ | ✓ |',
        '| 15 p2m_mmio_write_dm | ✓ | EINVAL |',
      ]),
    );
  });

  it('p2m: the get_mem_type steps in order, and the projection per release', () => {
    const p2m = lines('docs/abi/p2m.md');
    expect(p2m).toEqual(
      expect.arrayContaining([
        '| 1 | `p2m_is_ram` (`P2M_RAM_TYPES`) | 0 ram_rw |',
        '| 2 | type is 15 p2m_mmio_write_dm (4.6–4.7) / p2m_ioreq_server (4.9+) | 3 mmio_write_dm |',
        '| 3 | anything else | 3 mmio_write_dm |',
        '| Internal type | 4.6–4.7 | 4.9+ |',
        '| 0 p2m_ram_rw | 0 ram_rw | 0 ram_rw |',
        // 4.9 counts p2m type 15 as RAM, and the class test comes first.
        '| 15 p2m_mmio_write_dm (4.6–4.7) / p2m_ioreq_server (4.9+) | 3 mmio_write_dm | 0 ram_rw |',
      ]),
    );
    expect(p2m.indexOf('| 1 | `p2m_is_ram` (`P2M_RAM_TYPES`) | 0 ram_rw |')).toBeLessThan(p2m.indexOf('| 3 | anything else | 3 mmio_write_dm |'));
  });

  it('constants: groups, bit packings with their formula, errno, limits and server ids', () => {
    expect(lines('docs/abi/constants.md')).toEqual(
      expect.arrayContaining([
        '### cacheattr',
        'Cache attributes, like `XEN_DMOP_MEM_CACHEATTR_*`. `hvm/dm_op.h`, public.',
        '| uc | `X_UC` | 0 | 4.9 |  |',
        '| delete | `X_DELETE` | 4294967295 (0xffffffff) | 4.9 | remove |',
        'Device and function. `X_SBDF(d,f)` = `((d & 0x1f) << 3) | (f & 0x7)`; `hvm/dm_op.h`, public, 4.9+.',
        '| d | 3–7 | 5 |',
        '| EINVAL | 22 | yes | invalid |',
        '| ERESTART | 85 | no | continued |',
        '| `maxRanges` | `MAX_NR_IO_RANGES` | 4.6+ | 256 | ENOMEM | ranges |',
        '| 4.9+ | slots | 0–7 | ENOSPC | slots |',
      ]),
    );
  });
});

describe('docs generator on schema/xen-abi.json', () => {
  const loaded = loadSchemaFile(fileURLToPath(new URL('../../../schema/xen-abi.json', import.meta.url)));
  const real = loaded.ok ? generateDocs(loaded.schema) : [];

  it('loads the schema', () => {
    expect(loaded.ok).toBe(true);
  });

  it('every table row has as many cells as its header, and no cell reads undefined, NaN or [object Object]', () => {
    for (const f of real) {
      let width = 0;
      for (const line of f.contents.split('\n')) {
        if (!line.startsWith('|')) {
          width = 0;
          continue;
        }
        const cells = line.replace(/\\\|/g, '').split('|').length - 2;
        if (width === 0) width = cells;
        expect(cells, `${f.path}: ${line}`).toBe(width);
      }
      expect(f.contents, f.path).not.toMatch(/\| undefined \||\bNaN\b|\[object Object\]/);
    }
  });

  it('covers every hvmmem value, op number, struct, p2m type and constant', () => {
    const text = Object.fromEntries(real.map((f) => [f.path, f.contents]));
    const s = loaded.ok ? loaded.schema : undefined;
    for (const v of s?.hvmmemTypes ?? []) expect(text['docs/abi/hvmmem.md']).toContain(`### ${v.value}\n`);
    for (const o of s?.hvmops ?? []) expect(text['docs/abi/ops.md']).toContain(`\`${o.cName}\``);
    for (const o of s?.dmops ?? []) expect(text['docs/abi/ops.md']).toContain(`\`${o.cName}\``);
    for (const st of s?.structs ?? []) expect(text['docs/abi/structs.md']).toContain(`### ${st.name} (`);
    for (const t of s?.p2mTypes ?? []) expect(text['docs/abi/p2m.md']).toContain(`\n| ${t.value} | `);
    for (const g of s?.constants ?? []) for (const m of g.members) expect(text['docs/abi/constants.md']).toContain(`\`${m.cName}\``);
  });
});
