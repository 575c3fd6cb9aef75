import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { captureIo } from '../src/io.js';

async function run(...argv: string[]) {
  const io = captureIo();
  const code = await runCli(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr, json: () => JSON.parse(io.stdout) as Record<string, unknown> };
}

describe('xenmem abi types', () => {
  it('lists 3 as mmio_write_dm at 0x00040600', async () => {
    const r = await run('abi', 'types', '--iface', '0x00040600', '--json');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const doc = r.json() as { iface: string; types: { value: number; name: string; cName: string }[] };
    expect(doc.iface).toBe('0x00040600');
    expect(doc.types.map((t) => [t.value, t.name, t.cName])).toEqual([
      [0, 'ram_rw', 'HVMMEM_ram_rw'],
      [1, 'ram_ro', 'HVMMEM_ram_ro'],
      [2, 'mmio_dm', 'HVMMEM_mmio_dm'],
      [3, 'mmio_write_dm', 'HVMMEM_mmio_write_dm'],
      [4, 'ioreq_server', 'HVMMEM_ioreq_server'],
    ]);
  });

  it('lists 3 as unused at 0x00040700 and by default (latest)', async () => {
    for (const argv of [['--iface', '0x00040700'], []]) {
      const doc = (await run('abi', 'types', ...argv, '--json')).json() as { types: { value: number; name: string }[] };
      expect(doc.types.find((t) => t.value === 3)!.name).toBe('unused');
    }
    expect((await run('abi', 'types', '--json')).json().iface).toBe('0x00041300');
  });

  it('exits 2 for a version above the latest, naming it', async () => {
    const r = await run('abi', 'types', '--iface', '0x00041400', '--json');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('xenmem abi types: iface "0x00041400" is above the latest interface version 0x00041300: Xen\'s headers refuse it with #error\n');
  });

  it('prints a table for people', async () => {
    const r = await run('abi', 'types', '--iface', '4.6');
    expect(r.stdout).toMatch(/^hvmmem_type_t at interface version 0x00040600\n/);
    expect(r.stdout).toMatch(/\n3      mmio_write_dm  HVMMEM_mmio_write_dm  mmio_write_dm/);
  });
});

describe('xenmem abi diff', () => {
  it('4.6 → 4.7 renames value 3 and nothing else', async () => {
    const doc = (await run('abi', 'diff', '4.6', '4.7', '--json')).json();
    expect(doc).toEqual({ from: '0x00040600', to: '0x00040700', changes: [{ kind: 'hvmmem', value: 3, change: 'renamed', before: 'HVMMEM_mmio_write_dm', after: 'HVMMEM_unused' }] });
  });

  it('4.8 → 4.9 hides the three HVMOPs that moved to DMOPs', async () => {
    const doc = (await run('abi', 'diff', '4.8', '4.9', '--json')).json() as { changes: unknown[] };
    expect(doc.changes).toEqual([
      { kind: 'hvmop', value: 2, change: 'disappeared', before: 'HVMOP_set_pci_intx_level', after: null },
      { kind: 'hvmop', value: 3, change: 'disappeared', before: 'HVMOP_set_isa_irq_level', after: null },
      { kind: 'hvmop', value: 4, change: 'disappeared', before: 'HVMOP_set_pci_link_route', after: null },
    ]);
  });

  it('the same version twice changes nothing', async () => {
    const r = await run('abi', 'diff', '4.10', '0x00040900');
    expect(r.stdout).toBe('Recompiling at 0x00040900 instead of 0x00040900: no name changes\n');
  });
});

describe('xenmem abi layout', () => {
  it('set_mem_type at 4.22 is the DMOP payload', async () => {
    const doc = (await run('abi', 'layout', 'set_mem_type', '--json')).json() as { struct: string; size: number; fields: { name: string; offset: number; size: number }[] };
    expect(doc.struct).toBe('xen_dm_op_set_mem_type');
    expect(doc.size).toBe(16);
    expect(doc.fields.map((f) => [f.name, f.offset, f.size])).toEqual([
      ['nr', 0, 4],
      ['mem_type', 4, 2],
      ['pad', 6, 2],
      ['first_pfn', 8, 8],
    ]);
  });

  it('set_mem_type at 4.8 is the HVMOP struct', async () => {
    const doc = (await run('abi', 'layout', 'set_mem_type', '--xen', '4.8', '--json')).json() as { struct: string; fields: { name: string; offset: number }[] };
    expect(doc.struct).toBe('xen_hvm_set_mem_type');
    expect(doc.fields.map((f) => [f.name, f.offset])).toEqual([
      ['domid', 0],
      ['hvmmem_type', 2],
      ['nr', 4],
      ['first_pfn', 8],
    ]);
  });

  it('get_ioreq_server_info names its fields per release', async () => {
    const old = (await run('abi', 'layout', 'xen_dm_op_get_ioreq_server_info', '--xen', '4.9', '--json')).json() as { fields: { name: string }[] };
    const gfn = (await run('abi', 'layout', 'xen_dm_op_get_ioreq_server_info', '--xen', '4.10', '--json')).json() as { fields: { name: string }[] };
    const now = (await run('abi', 'layout', 'xen_dm_op_get_ioreq_server_info', '--xen', '4.11', '--json')).json() as { fields: { name: string }[] };
    expect(old.fields.map((f) => f.name)).toEqual(['id', 'pad', 'bufioreq_port', 'ioreq_pfn', 'bufioreq_pfn']);
    expect(gfn.fields.map((f) => f.name)).toEqual(['id', 'pad', 'bufioreq_port', 'ioreq_gfn', 'bufioreq_gfn']); // public/hvm/dm_op.h @ RELEASE-4.10.0
    expect(now.fields.map((f) => f.name)).toEqual(['id', 'flags', 'bufioreq_port', 'ioreq_gfn', 'bufioreq_gfn']);
  });

  it('shows bit-fields of ioreq_t', async () => {
    const doc = (await run('abi', 'layout', 'ioreq', '--json')).json() as { fields: { name: string; offset: number; bits: unknown }[] };
    expect(doc.fields.find((f) => f.name === 'dir')).toMatchObject({ offset: 30, bits: { shift: 5, width: 1 } });
  });

  it('exits 2 for an unknown struct or one absent at the release', async () => {
    const unknown = await run('abi', 'layout', 'xen_frob');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^xenmem abi layout: struct "xen_frob" is not a struct the schema knows; try one of: xen_dm_op, /);
    const absent = await run('abi', 'layout', 'nr_vcpus', '--xen', '4.9');
    expect(absent.code).toBe(2);
    expect(absent.stderr).toBe('xenmem abi layout: struct "nr_vcpus" has no recorded layout at Xen 4.9 (recorded: xen_dm_op_nr_vcpus 4.15+)\n');
  });
});

describe('xenmem compat', () => {
  it('a 4.6 client on 4.22: 3 is EINVAL, 4 needs HAP and a claim', async () => {
    const r = await run('compat', '--iface', '4.6', '--xen', '4.22', '--json');
    expect(r.code).toBe(0);
    const doc = r.json() as { iface: string; xen: string; op: string; values: Record<string, unknown>[] };
    expect(doc.iface).toBe('0x00040600');
    expect(doc.xen).toBe('4.22');
    expect(doc.op).toBe('XEN_DMOP_set_mem_type');
    expect(doc.values.map(({ why, ...v }) => v)).toEqual([
      { value: 0, name: 'ram_rw', accepted: true, p2m: 'ram_rw', requires: [] },
      { value: 1, name: 'ram_ro', accepted: true, p2m: 'ram_ro', requires: [] },
      { value: 2, name: 'mmio_dm', accepted: true, p2m: 'mmio_dm', requires: [] },
      { value: 3, name: 'mmio_write_dm', accepted: false, error: 'EINVAL' },
      { value: 4, name: 'ioreq_server', accepted: true, p2m: 'ioreq_server', requires: ['hap', 'claim'] },
    ]);
  });

  it.each([
    ['4.6', { value: 3, accepted: true, p2m: 'mmio_write_dm' }, { value: 4, accepted: false, error: 'EINVAL' }, 'HVMOP_set_mem_type'],
    ['4.7', { value: 3, accepted: false, error: 'EINVAL' }, { value: 4, accepted: false, error: 'EINVAL' }, 'HVMOP_set_mem_type'],
    ['4.8', { value: 3, accepted: false, error: 'EINVAL' }, { value: 4, accepted: true, p2m: 'ioreq_server', requires: [] }, 'HVMOP_set_mem_type'],
    ['4.9', { value: 3, accepted: false, error: 'EINVAL' }, { value: 4, accepted: true, p2m: 'ioreq_server', requires: ['hap', 'claim'] }, 'XEN_DMOP_set_mem_type'],
  ])('a 4.6 client on Xen %s', async (xen, three, four, op) => {
    const doc = (await run('compat', '--iface', '4.6', '--xen', xen, '--json')).json() as { op: string; values: { value: number }[] };
    expect(doc.op).toBe(op);
    expect(doc.values.find((v) => v.value === 3)).toMatchObject(three);
    expect(doc.values.find((v) => v.value === 4)).toMatchObject(four);
  });

  it('exits 2 for a release without recorded behaviour or an unknown one', async () => {
    expect((await run('compat', '--iface', '4.5', '--xen', '4.5')).stderr).toBe(
      'xenmem compat: xen "4.5" has no recorded hypervisor behaviour (recorded: 4.6, 4.7, 4.8, 4.9, 4.10, 4.11, 4.12, 4.13, 4.14, 4.15, 4.16, 4.17, 4.18, 4.19, 4.20, 4.21, 4.22)\n',
    );
    const r = await run('compat', '--iface', '4.6', '--xen', '5.0', '--json');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });
});

describe('xenmem demo', () => {
  it('runs the story on the simulator across 4.6, 4.7, 4.8 and 4.22', async () => {
    const r = await run('demo');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Recompiled at 0x00040700 it would no longer build: value 3 is HVMMEM_unused, no longer HVMMEM_mmio_write_dm.');
    expect(r.stdout).toContain('Xen 4.6:\n  HVMOP_set_mem_type 16 pages at 0x100 to mmio_write_dm (3)\n    → ok, 16 pages — maps to p2m_mmio_write_dm');
    expect(r.stdout).toContain('Xen 4.7:\n  HVMOP_set_mem_type 16 pages at 0x100 to mmio_write_dm (3)\n    → -EINVAL — value 3 is HVMMEM_unused: refused before the loop');
    expect(r.stdout).toContain('  HVMOP_set_mem_type 16 pages at 0x200 to ioreq_server (4)\n    → ok, 16 pages — maps to p2m_ioreq_server, with no HAP or claim check');
    expect(r.stdout).toContain('  XEN_DMOP_set_mem_type 16 pages at 0x100 to ioreq_server (4)\n    → -EINVAL — no ioreq server has claimed the type');
    expect(r.stdout).toContain('  server 1 tries to claim ioreq_server too\n    → -EBUSY');
    expect(r.stdout).toContain('  the guest writes 0x100010 again\n    → retry');
  });

  it('--json gives the same steps as data', async () => {
    const doc = (await run('demo', '--json')).json() as { steps: { xen: string; said: string }[] };
    expect([...new Set(doc.steps.map((s) => s.xen))]).toEqual(['4.6', '4.7', '4.8', '4.22']);
    expect(doc.steps.filter((s) => s.xen === '4.22').map((s) => s.said)).toEqual([
      '-EINVAL',
      '-EINVAL',
      'id 0',
      'ok',
      'ok',
      'ok, 16 pages',
      'ioreq_server (4)',
      'ioreq to server 0 (copy write)',
      'ram',
      'id 1',
      '-EBUSY',
      'ok',
      'retry',
    ]);
  });
});
