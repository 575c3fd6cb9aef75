import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCENARIO_SCHEMA_PATH } from '@xenmem/hypervisor-sim';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { captureIo } from '../src/io.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'xenmem-run-'));
function file(name: string, doc: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return path;
}

async function run(...argv: string[]) {
  const io = captureIo();
  const code = await runCli(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

const passing = {
  xen: '4.22',
  domains: [{ domid: 1, maxGpfn: '0xfffff' }],
  steps: [
    { op: 'set_mem_type', domid: 1, first_pfn: '0x100', nr: 16, type: 'ioreq_server', expect: { error: 'EINVAL' } },
    { op: 'create_ioreq_server', domid: 1, as: 'gpu' },
    { op: 'set_mem_type', domid: 1, first_pfn: '0x100', nr: 16, type: 'ram_ro', expect: { ok: true, changed: 16 } },
    { op: 'get_mem_type', domid: 1, pfn: '0x100', expect: { type: 'ram_ro' } },
    { op: 'guest_write', domid: 1, vcpu: 0, gpa: '0x100000', size: 4, value: 1, expect: { outcome: 'discarded' } },
  ],
};

describe('xenmem run', () => {
  it('exit 0 when every expectation holds: one line per step, then a summary', async () => {
    const r = await run('run', file('pass.json', passing));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      [
        '0  set_mem_type         -EINVAL [hvmmem-needs-claim], changed 0  ✓',
        '                        why: HVMMEM_ioreq_server needs a server that claimed the type with map_mem_type_to_ioreq_server',
        '1  create_ioreq_server  ok, id 0 (gpu)                           -',
        '2  set_mem_type         ok, changed 16                           ✓',
        '3  get_mem_type         ok, type ram_ro                          ✓',
        '4  guest_write          outcome discarded                        ✓',
        'Xen 4.22, iface 0x00041300: 5 steps, 4 expectations, all held',
        '',
      ].join('\n'),
    );
  });

  it('--json prints { xen, iface, passed, steps } with 64-bit values as "0x…" text', async () => {
    const r = await run('run', file('pass.json', passing), '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { xen: string; iface: string; passed: boolean; steps: Record<string, unknown>[] };
    expect(Object.keys(doc)).toEqual(['xen', 'iface', 'passed', 'steps']);
    expect(doc).toMatchObject({ xen: '4.22', iface: '0x00041300', passed: true });
    expect(doc.steps[0]).toEqual({
      index: 0,
      op: 'set_mem_type',
      rc: -22,
      error: 'EINVAL',
      reason: { id: 'hvmmem-needs-claim', message: 'HVMMEM_ioreq_server needs a server that claimed the type with map_mem_type_to_ioreq_server' },
      expectMet: true,
      changed: 0,
      continuations: 0,
    });
    expect(doc.steps[1]).toEqual({ index: 1, op: 'create_ioreq_server', rc: 0, error: null, expectMet: null, id: 0, server: 'gpu' });
    expect(doc.steps[4]).toEqual({ index: 4, op: 'guest_write', rc: 0, error: null, expectMet: true, outcome: 'discarded', value: null, ioreqs: [] });
  });

  it('exit 1 when an expectation does not hold, saying what differed', async () => {
    const doc = { ...passing, steps: [...passing.steps, { op: 'get_mem_type', domid: 1, pfn: '0x100', expect: { type: 'mmio_dm' } }] };
    const r = await run('run', file('fail.json', doc));
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines[6]).toBe('5  get_mem_type         ok, type ram_ro                          ✗ type: expected "mmio_dm", got "ram_ro"');
    expect(lines[7]).toBe('Xen 4.22, iface 0x00041300: 6 steps, 5 expectations, 1 did not hold (step 5)');
    const json = await run('run', file('fail.json', doc), '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ passed: false, steps: { 5: { expectMet: false, mismatches: [{ field: 'type', expected: 'mmio_dm', actual: 'ram_ro' }] } } });
  });

  it('--xen and --iface override the file', async () => {
    const doc = { xen: '4.22', domains: [{ domid: 1, maxGpfn: '0xfff' }], steps: [{ op: 'set_mem_type', domid: 1, first_pfn: 1, nr: 1, type: 'mmio_write_dm', expect: { ok: true } }] };
    const path = file('mwd.json', doc);
    expect((await run('run', path, '--iface', '0x00040600')).code).toBe(1); // 4.22 refuses 3
    const r = await run('run', path, '--iface', '0x00040600', '--xen', '4.6', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ xen: '4.6', iface: '0x00040600', passed: true });
  });

  it('exit 2 for an unusable file: each problem on stderr as path: message, nothing on stdout', async () => {
    const doc = { xen: '4.22', iface: '0x00040700', domains: [{ domid: 1, maxGpfn: '0xfffff' }], steps: [{ op: 'nr_vcpus', domid: 1 }, { op: 'set_mem_type', domid: 1, first_pfn: '0x100', nr: 16, type: 'mmio_write_dm' }, { op: 'frob' }] };
    const path = file('bad.json', doc);
    const r = await run('run', path);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^xenmem run: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a usable scenario:\n {2}steps\\[2\\]\\.op: "frob" is not a step \\(steps: set_mem_type, `));
    const yaml = file('bad.yaml', 'xen: "4.22"\niface: 0x00040700\ndomains: [{ domid: 1, maxGpfn: 0xfffff }]\nsteps:\n  - { op: set_mem_type, domid: 1, first_pfn: 0x100, nr: 16, type: mmio_write_dm }\n');
    const y = await run('run', yaml, '--json');
    expect(y.code).toBe(2);
    expect(y.stdout).toBe('');
    expect(y.stderr).toBe(
      `xenmem run: ${yaml} is not a usable scenario:\n` +
        '  steps[0].type: "mmio_write_dm" is not a memory type at interface version 0x00040700 (names there: ram_rw, ram_ro, mmio_dm, unused, ioreq_server)\n' +
        `The format is described by ${SCENARIO_SCHEMA_PATH} (xenmem run --help shows an example).\n`,
    );
    expect((await run('run', join(dir, 'nope.json'))).code).toBe(2);
    expect((await run('run', file('v.json', passing), '--xen', '4.5')).stderr).toMatch(/ {2}--xen: "4\.5" is not simulated/);
  });

  it('a bad --iface or --xen is reported alone, with no format hint; so is a file that cannot be read', async () => {
    const path = file('ok.json', passing);
    for (const [iface, why] of [
      ['banana', 'is not an interface version (write 0x and 8 hex digits such as 0x00040700, a release name such as "4.7", or a decimal integer)'],
      ['0x0004070', 'has 7 hex digits; write exactly 8 (0x00040700)'],
    ])
      expect(await run('run', path, '--iface', iface)).toEqual({ code: 2, stdout: '', stderr: `xenmem run: ${path} is not a usable scenario:\n  --iface: "${iface}" ${why}\n` });
    const missing = join(dir, 'nope.json');
    expect(await run('run', missing)).toEqual({ code: 2, stdout: '', stderr: `xenmem run: ${missing} is not a usable scenario:\n  cannot read ${missing}: ENOENT\n` });
    // The decimal and 8-digit forms are accepted.
    expect((await run('run', path, '--iface', '263936', '--json')).code).toBe(0);
    expect(JSON.parse((await run('run', path, '--iface', '0x00041300', '--json')).stdout)).toMatchObject({ iface: '0x00041300' });
    // In a scenario file too: 7 hex digits are refused by the format.
    const seven = await run('run', file('seven.json', { ...passing, iface: '0x0004070' }));
    expect(seven.code).toBe(2);
    expect(seven.stderr).toMatch(/^ {2}iface: /m);
  });

  it('runs the examples: design-gpu-claim.json passes', async () => {
    const r = await run('run', join(EXAMPLES, 'design-gpu-claim.json'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^6  guest_write .* outcome ioreq \(copy write 0x100010 size 4 → gpu\)  +✓$/m);
    expect(r.stdout).toMatch(/^7  guest_read .* outcome ram, value 0x0 +✓$/m);
  });
});
