import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile, validateScenario } from '../../src/scenario/index.js';

const dir = mkdtempSync(join(tmpdir(), 'xenmem-scenario-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const base = { xen: '4.22', domains: [{ domid: 1, maxGpfn: '0xfffff' }] };
const problems = (doc: unknown, overrides = {}) => {
  const r = validateScenario(doc, overrides);
  return r.ok ? [] : r.problems;
};

describe('loading scenario files', () => {
  it('reads JSON and YAML alike, YAML integers exact to 64 bits', () => {
    const json = file('a.json', JSON.stringify({ ...base, steps: [{ op: 'get_mem_type', domid: 1, pfn: '0xffffffffffffffff' }] }));
    const yaml = file('a.yaml', 'xen: "4.22"\ndomains:\n  - { domid: 1, maxGpfn: 0xfffff }\nsteps:\n  - { op: get_mem_type, domid: 1, pfn: 0xffffffffffffffff }\n');
    const a = loadScenarioFile(json);
    const b = loadScenarioFile(yaml);
    expect(a.ok && b.ok).toBe(true);
    expect(b).toEqual(a);
    if (a.ok) expect(a.scenario.steps[0]!.action).toEqual({ kind: 'hypercall', plan: { family: 'hvm_op', name: 'get_mem_type', hvmop: 15, fields: { domid: 1, pfn: 0xffffffffffffffffn } } });
  });

  it('fills the defaults: iface = the release\'s latest, preempt never, hap/hvm true, 1 vCPU, no dm', () => {
    const r = validateScenario({ ...base, steps: [] });
    expect(r).toEqual({ ok: true, scenario: { kind: 'prepared-scenario', xen: '4.22', iface: 0x00041300, preempt: 'never', domains: [{ domid: 1, maxGpfn: 0xfffff, hap: true, hvm: true, vcpus: 1 }], steps: [] } });
  });

  it('an unknown memory-type name at the interface version names the step and the name', () => {
    const doc = { ...base, iface: '0x00040700', steps: [{ op: 'nr_vcpus', domid: 1 }, { op: 'nr_vcpus', domid: 1 }, { op: 'nr_vcpus', domid: 1 }, { op: 'set_mem_type', domid: 1, first_pfn: '0x100', nr: 16, type: 'mmio_write_dm' }] };
    expect(problems(doc)).toEqual([
      { path: 'steps[3].type', message: '"mmio_write_dm" is not a memory type at interface version 0x00040700 (names there: ram_rw, ram_ro, mmio_dm, unused, ioreq_server)' },
    ]);
    // The same name is fine for a 4.6-built client, by file, by step, or by --iface.
    expect(problems({ ...doc, iface: '0x00040600' })).toEqual([]);
    expect(problems(doc, { iface: '4.6' })).toEqual([]);
    expect(problems({ ...doc, steps: doc.steps.map((s) => ({ ...s, iface: '4.6' })) })).toEqual([]);
    // mem_type, and map_mem_type_to_ioreq_server's type, are checked the same way.
    expect(problems({ ...base, iface: '4.22', steps: [{ op: 'set_mem_type', domid: 1, first_pfn: 1, nr: 1, mem_type: 'ioreq' }] })).toEqual([
      { path: 'steps[0].mem_type', message: '"ioreq" is not a memory type at interface version 0x00041300 (names there: ram_rw, ram_ro, mmio_dm, unused, ioreq_server)' },
    ]);
  });

  it('reports shape problems with their JSON paths, one per place', () => {
    const doc = {
      xen: '4.22',
      domains: [{ domid: 1, maxGpfn: '0xfffff', x: 1 }],
      steps: [
        { op: 'set_mem_type', domid: 1, first_pfn: 'zz', nr: 1, type: 'ram_ro', bogus: 1 },
        { op: 'frob' },
        { domid: 1 },
        { op: 'create_ioreq_server', domid: 1, handle_bufioreq: 'atomicx' },
        { op: 'guest_read', domid: 1, vcpu: 0, gpa: 5, size: 3, expect: { ioreq: { type: 'copyx' } } },
        { op: 'set_mem_type', domid: 1, first_pfn: -1, nr: 1.5, type: 3 },
      ],
    };
    const got = problems(doc);
    expect(got.map((p) => p.path)).toEqual([
      'domains[0].x',
      'steps[0].bogus',
      'steps[0].first_pfn',
      'steps[1].op',
      'steps[2]',
      'steps[3].handle_bufioreq',
      'steps[4].size',
      'steps[4].expect.ioreq.type',
      'steps[5].first_pfn',
      'steps[5].nr',
    ]);
    expect(got[0]).toEqual({ path: 'domains[0].x', message: 'unknown property (properties here: domid, maxGpfn, hap, hvm, vcpus, dm, note)' });
    expect(got[1]).toEqual({ path: 'steps[0].bogus', message: 'unknown property (properties of a set_mem_type step: op, domid, first_pfn, nr, mem_type, type, expect, note, caller, iface)' });
    expect(got[2]).toEqual({ path: 'steps[0].first_pfn', message: '"zz" must be an integer ≥ 0 or text matching ^0x[0-9a-fA-F]{1,16}$' });
    expect(got[3]!.message).toMatch(/^"frob" is not a step \(steps: set_mem_type, get_mem_type, create_ioreq_server, .*, inspect\)$/);
    expect(got[4]).toEqual({ path: 'steps[2]', message: 'missing required property "op"' });
    expect(got[5]).toEqual({ path: 'steps[3].handle_bufioreq', message: '"atomicx" must be one of "atomic", "legacy", "off" or a number' });
    expect(got[6]).toEqual({ path: 'steps[4].size', message: '3 must be one of 1, 2, 4, 8' });
    expect(got[7]).toEqual({ path: 'steps[4].expect.ioreq.type', message: '"copyx" must be one of "copy", "invalidate", "pci_config", "pio", "timeoffset" or a number' });
    expect(got[9]).toEqual({ path: 'steps[5].nr', message: '1.5 must be an integer ≥ 0' });
    expect(problems({ domains: [], steps: [] })).toEqual([{ path: '', message: 'missing required property "xen"' }]);
  });

  it('checks what the schema cannot: domids, aliases, ranges, p2m names, access shapes, encodable values', () => {
    const doc = {
      xen: '4.22',
      domains: [{ domid: 1, maxGpfn: '0xfffff' }, { domid: 2, maxGpfn: '0x1ffffffff' }, { domid: 1, maxGpfn: 0 }],
      steps: [
        { op: 'set_mem_type', domid: 7, first_pfn: 1, nr: 1, type: 'ram_ro' },
        { op: 'set_mem_type', domid: 7, first_pfn: 1, nr: 1, type: 'ram_ro', expect: { error: 'ESRCH' } },
        { op: 'seed_p2m', domid: 1, first_pfn: '0xfffff', nr: 2, p2m: 'mmio_write_dm' },
        { op: 'destroy_ioreq_server', domid: 1, server: 'gpu' },
        { op: 'create_ioreq_server', domid: 1, as: 'gpu' },
        { op: 'destroy_ioreq_server', domid: 3, server: 'gpu', expect: { error: 'ESRCH' } },
        { op: 'guest_read', domid: 1, vcpu: 1, gpa: 4096, size: 2, value: 3 },
        { op: 'get_mem_type', domid: 1, pfn: 1, expect: { ok: true, error: 'EINVAL' } },
        { op: 'map_io_range_to_ioreq_server', domid: 1, id: 0, type: 'pci', bus: 0, device: 40 },
        { op: 'set_mem_type', domid: 1, first_pfn: '0x100', nr: 0x100000000, mem_type: 'ram_ro' },
        { op: 'set_mem_type', domid: 1, first_pfn: 2 ** 60, nr: 1, mem_type: 'ram_ro' },
        { op: 'set_ioreq_server_state', domid: 1, enabled: true },
        { op: 'set_mem_type', domid: 1, first_pfn: 1, nr: 1 },
        { op: 'guest_write', domid: 1, vcpu: 0, gpa: 0, size: 1, value: 256, respond: 1 },
        { op: 'guest_in', domid: 1, vcpu: 0, port: 0x60, size: 1, expect: { ioreq: { server: 'nobody' } } },
      ],
    };
    expect(problems(doc)).toEqual([
      { path: 'domains[1].maxGpfn', message: '"0x1ffffffff" is above 0xffffffff (a domain has at most 2^32 pages)' },
      { path: 'domains[2].domid', message: '1 is declared twice' },
      { path: 'steps[0].domid', message: `7 is not a declared domain (declared: 1, 2); to show Xen's ESRCH for a missing domain, expect { "error": "ESRCH" }` },
      { path: 'steps[2]', message: 'pages 0xfffff … 0x100000 do not lie within 0 … maxGpfn (0xfffff) of domain 1' },
      {
        path: 'steps[2].p2m',
        message:
          '"mmio_write_dm" is not an internal p2m type at Xen 4.22 (types there: ram_rw, invalid, ram_logdirty, ram_ro, mmio_dm, mmio_direct, populate_on_demand, grant_map_rw, grant_map_ro, ram_paging_out, ram_paged, ram_paging_in, ram_shared, ram_broken, map_foreign, ioreq_server)',
      },
      { path: 'steps[3].server', message: '"gpu" is not an alias an earlier create_ioreq_server step gave with "as"' },
      { path: 'steps[5].server', message: '"gpu" is a server of domain 1 (steps[4]), not of domain 3' },
      { path: 'steps[6].vcpu', message: '1 does not exist: domain 1 has 1 vCPU' },
      { path: 'steps[6].value', message: 'a read writes nothing; to choose what the device model answers, give "respond"' },
      { path: 'steps[7].expect', message: '"ok": true contradicts "error": "EINVAL"' },
      { path: 'steps[8].device', message: '40 does not fit the 5-bit device of a PCI SBDF' },
      { path: 'steps[8]', message: 'missing "function" of the PCI device' },
      { path: 'steps[9].nr', message: '4294967296 does not fit an unsigned 32-bit field' },
      { path: 'steps[10].first_pfn', message: '1152921504606847000 is not exact as a JSON number (above 2^53): write it as "0x…" text' },
      { path: 'steps[11]', message: 'missing the server: give "id" or "server" (an alias a create_ioreq_server step gave with "as")' },
      { path: 'steps[12]', message: 'missing the memory type: give "mem_type" (or its short form "type")' },
      { path: 'steps[13].respond', message: 'a write is not answered; "respond" is for reads' },
      { path: 'steps[13].value', message: '256 does not fit the 1-byte access' },
      { path: 'steps[14].expect.ioreq.server', message: '"nobody" is not an alias an earlier create_ioreq_server step gave with "as" (aliases so far: gpu)' },
    ]);
  });

  it('checks xen and iface, from the file or from --xen/--iface', () => {
    expect(problems({ ...base, xen: '4.5', steps: [] })).toEqual([{ path: 'xen', message: '"4.5" is not simulated: the simulator covers Xen 4.6–4.22' }]);
    expect(problems({ ...base, steps: [] }, { xen: '4.1' })).toEqual([{ path: '--xen', message: '"4.1" is not simulated: the simulator covers Xen 4.6–4.22' }]);
    expect(problems({ ...base, iface: '0x00050000', steps: [] })).toEqual([{ path: 'iface', message: `"0x00050000" is above the latest interface version 0x00041300: Xen's headers refuse it with #error` }]);
    expect(problems({ ...base, steps: [{ op: 'nr_vcpus', domid: 1, iface: '4.99' }] })).toEqual([{ path: 'steps[0].iface', message: '"4.99" is not a Xen release the schema knows (4.5 … 4.22)' }]);
  });

  it('plans the HVMOP up to 4.8 and the DMOP from 4.9; --xen decides', () => {
    const doc = { ...base, steps: [{ op: 'set_mem_type', domid: 1, first_pfn: '0x100', nr: 16, type: 'ram_ro' }] };
    const at = (xen: string) => {
      const r = validateScenario(doc, { xen });
      return r.ok ? r.scenario.steps[0]!.action : r.problems;
    };
    expect(at('4.8')).toEqual({ kind: 'hypercall', plan: { family: 'hvm_op', name: 'set_mem_type', hvmop: 8, fields: { domid: 1, first_pfn: 0x100n, nr: 16, hvmmem_type: 1 } } });
    expect(at('4.9')).toEqual({ kind: 'hypercall', plan: { family: 'dm_op', name: 'set_mem_type', fields: { first_pfn: 0x100n, nr: 16, mem_type: 1 } } });
    // An op with no HVMOP struct before 4.9 goes as a dm_op, which 4.8 lacks (Xen: ENOSYS).
    const claim = validateScenario({ ...base, xen: '4.8', steps: [{ op: 'map_mem_type_to_ioreq_server', domid: 1, id: 1, type: 'ioreq_server', flags: ['write'] }] });
    expect(claim.ok && claim.scenario.steps[0]!.action).toEqual({ kind: 'hypercall', plan: { family: 'dm_op', name: 'map_mem_type_to_ioreq_server', fields: { id: 1, type: 4, flags: 2, opaque: 0n } } });
    // The HVMOP has no place for flags or a second extent.
    expect(problems({ ...base, xen: '4.8', steps: [{ op: 'get_ioreq_server_info', domid: 1, id: 1, flags: ['no_gfns'] }, { op: 'modified_memory', domid: 1, extents: [{ first_pfn: 1, nr: 1 }, { first_pfn: 3, nr: 1 }] }] })).toEqual([
      { path: 'steps[0].flags', message: `HVMOP_get_ioreq_server_info (the op Xen 4.8's tools use) has no field "flags"` },
      { path: 'steps[1].extents', message: 'HVMOP_modified_memory (Xen 4.8) takes one extent, not 2' },
    ]);
  });

  it('turns names and conveniences into Xen\'s numbers: SBDF, flags, enums, booleans', () => {
    const r = validateScenario({
      ...base,
      steps: [
        { op: 'create_ioreq_server', domid: 1, handle_bufioreq: 'atomic', as: 'qemu' },
        { op: 'map_io_range_to_ioreq_server', domid: 1, server: 'qemu', type: 'pci', segment: 1, bus: 0x12, device: 3, function: 5 },
        { op: 'set_ioreq_server_state', domid: 1, server: 'qemu', enabled: true },
        { op: 'inject_event', domid: 1, vcpuid: 0, vector: 14, type: 'hw_exc', error_code: 2, cr2: '0xffff800000001000' },
        { op: 'pin_memory_cacheattr', domid: 1, start: 0, end: 15, type: 'delete' },
      ],
    });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const plans = r.scenario.steps.map((s) => (s.action.kind === 'hypercall' ? s.action.plan.fields : undefined));
    expect(plans).toEqual([
      { handle_bufioreq: 2 },
      { id: 0, type: 2, start: 0x1_12_1dn, end: 0x1_12_1dn },
      { id: 0, enabled: 1 },
      { vcpuid: 0, vector: 14, error_code: 2, cr2: 0xffff800000001000n, type: 3 },
      { start: 0n, end: 15n, type: 0xffffffff },
    ]);
    expect(r.scenario.steps.map((s) => s.server ?? s.as)).toEqual(['qemu', 'qemu', 'qemu', undefined, undefined]);
  });

  it('says what is wrong with an unreadable or unparsable file', () => {
    expect(loadScenarioFile(join(dir, 'missing.json'))).toEqual({ ok: false, problems: [{ path: '', message: `cannot read ${join(dir, 'missing.json')}: ENOENT` }] });
    expect(loadScenarioFile(file('a.txt', '{}'))).toEqual({ ok: false, problems: [{ path: '', message: `${join(dir, 'a.txt')}: a scenario file ends in .json, .yaml or .yml` }] });
    expect(loadScenarioFile(file('b.yaml', 'xen: "4.8"\ndomains: [\n'))).toEqual({
      ok: false,
      problems: [{ path: '', message: 'not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 3, column 1' }],
    });
    const bad = loadScenarioFile(file('b.json', '{ "xen": '));
    expect(bad.ok === false && bad.problems[0]!.message).toMatch(/^not valid JSON: /);
  });
});
