import { describe, expect, it } from 'vitest';
import type { GuestAccess, SimulatorBackend } from '@xenmem/sim-protocol';
import { Hypervisor, tsP2mCore } from '../../src/index.js';
import { hypervisorForScenario, runScenario, ScenarioError, validateScenario, type PreparedScenario } from '../../src/scenario/index.js';

function prepare(doc: unknown, overrides = {}): PreparedScenario {
  const r = validateScenario(doc, overrides);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.scenario;
}

type Call = { kind: 'dm_op'; caller: number; domid: number; bufs: string[] } | { kind: 'hvm_op'; caller: number; op: number; buf: string } | { kind: 'guest'; access: GuestAccess };

/** The in-process hypervisor behind a recorder: what the runner sent, byte for byte (hex, before the call). */
function recording(hv: Hypervisor): SimulatorBackend & { calls: Call[] } {
  const calls: Call[] = [];
  const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');
  return {
    calls,
    release: hv.release,
    dmOp: (caller, domid, bufs) => (calls.push({ kind: 'dm_op', caller, domid, bufs: bufs.map(hexOf) }), hv.dmOp(caller, domid, bufs)),
    hvmOp: (caller, op, buf) => (calls.push({ kind: 'hvm_op', caller, op, buf: hexOf(buf) }), hv.hvmOp(caller, op, buf)),
    createDomain: (c) => hv.createDomain(c),
    destroyDomain: (d) => hv.destroyDomain(d),
    seedP2m: (d, f, n, t) => hv.seedP2m(d, f, n, t),
    guestAccess: (a) => (calls.push({ kind: 'guest', access: a }), hv.guestAccess(a)),
    setIoreqHandler: (h) => hv.setIoreqHandler(h),
    inspect: (d) => hv.inspect(d),
    listDomains: () => hv.listDomains(),
    populatePhysmap: (c, d, o, f, g) => hv.populatePhysmap(c, d, o, f, g),
    guestRamRead: (d, g, l) => hv.guestRamRead(d, g, l),
    guestRamWrite: (d, g, b) => hv.guestRamWrite(d, g, b),
  };
}

const dom = { domid: 1, maxGpfn: '0xfffff' };

describe('runScenario', () => {
  it('sends HVMOP_set_mem_type (8) at 4.8 and XEN_DMOP_set_mem_type at 4.22, byte-exact; get_mem_type is HVMOP 15 at both', async () => {
    const doc = { xen: '4.8', domains: [dom], steps: [{ op: 'set_mem_type', domid: 1, first_pfn: '0x100', nr: 16, type: 'ram_ro', caller: 0 }, { op: 'get_mem_type', domid: 1, pfn: '0x10f' }] };
    const old = recording(new Hypervisor({ release: '4.8', p2m: tsP2mCore }));
    const a = await runScenario(prepare(doc), old);
    expect(old.calls).toEqual([
      // domid 1 | hvmmem_type 1 | nr 16 | first_pfn 0x100
      { kind: 'hvm_op', caller: 0, op: 8, buf: '0100' + '0100' + '10000000' + '0001000000000000' },
      // domid 1 | mem_type 0 | pad | pfn 0x10f
      { kind: 'hvm_op', caller: 0, op: 15, buf: '0100' + '0000' + '00000000' + '0f01000000000000' },
    ]);
    const now = recording(new Hypervisor({ release: '4.22', p2m: tsP2mCore }));
    const b = await runScenario(prepare(doc, { xen: '4.22' }), now);
    expect(now.calls[0]).toEqual({
      kind: 'dm_op',
      caller: 0,
      domid: 1,
      // op 12 | pad | nr 16 | mem_type 1 | pad | first_pfn 0x100 | union padding
      bufs: ['0c000000' + '00000000' + '10000000' + '0100' + '0000' + '0001000000000000' + '0000000000000000'],
    });
    expect(now.calls[1]).toEqual(old.calls[1]);
    for (const r of [a, b]) {
      expect(r.steps).toEqual([
        { index: 0, op: 'set_mem_type', rc: 0, error: null, expectMet: null, changed: 16, continuations: 0 },
        { index: 1, op: 'get_mem_type', rc: 0, error: null, expectMet: null, type: 'ram_ro', mem_type: 1 },
      ]);
    }
    expect(a).toMatchObject({ xen: '4.8', iface: '0x00040800', passed: true });
    expect(b).toMatchObject({ xen: '4.22', iface: '0x00041300', passed: true });
  });

  it('runs the GPU-claim example (examples/design-gpu-claim.json) exactly', async () => {
    const doc = {
      xen: '4.22',
      iface: '0x00041300',
      domains: [{ domid: 1, maxGpfn: '0xfffff', hap: true, vcpus: 2 }],
      steps: [
        { op: 'set_mem_type', domid: 1, first_pfn: '0x100', nr: 16, type: 'ioreq_server', expect: { error: 'EINVAL' } },
        { op: 'create_ioreq_server', domid: 1, handle_bufioreq: 'atomic', as: 'gpu' },
        { op: 'map_mem_type_to_ioreq_server', domid: 1, server: 'gpu', type: 'ioreq_server', flags: ['write'] },
        { op: 'set_ioreq_server_state', domid: 1, server: 'gpu', enabled: true },
        { op: 'set_mem_type', domid: 1, first_pfn: '0x100', nr: 16, type: 'ioreq_server', expect: { ok: true } },
        { op: 'get_mem_type', domid: 1, pfn: '0x105', expect: { type: 'ioreq_server' } },
        { op: 'guest_write', domid: 1, vcpu: 0, gpa: '0x100010', size: 4, value: '0xdeadbeef', expect: { ioreq: { server: 'gpu', type: 'copy', dir: 'write', addr: '0x100010', size: 4 } } },
        { op: 'guest_read', domid: 1, vcpu: 0, gpa: '0x100010', size: 4, expect: { ioreq: null } },
      ],
    };
    const scenario = prepare(doc);
    const result = await runScenario(scenario, hypervisorForScenario(scenario, { p2m: tsP2mCore }));
    expect(result).toEqual({
      xen: '4.22',
      iface: '0x00041300',
      passed: true,
      steps: [
        { index: 0, op: 'set_mem_type', rc: -22, error: 'EINVAL', expectMet: true, changed: 0, continuations: 0 },
        { index: 1, op: 'create_ioreq_server', rc: 0, error: null, expectMet: null, id: 0, server: 'gpu' },
        { index: 2, op: 'map_mem_type_to_ioreq_server', rc: 0, error: null, expectMet: null, continuations: 0 },
        { index: 3, op: 'set_ioreq_server_state', rc: 0, error: null, expectMet: null },
        { index: 4, op: 'set_mem_type', rc: 0, error: null, expectMet: true, changed: 16, continuations: 0 },
        { index: 5, op: 'get_mem_type', rc: 0, error: null, expectMet: true, type: 'ioreq_server', mem_type: 4 },
        {
          index: 6,
          op: 'guest_write',
          rc: 0,
          error: null,
          expectMet: true,
          outcome: 'ioreq',
          value: null,
          ioreqs: [{ server: 'gpu', type: 'copy', dir: 'write', addr: '0x100010', size: 4, count: 1, data: '0xdeadbeef', buffered: false }],
        },
        { index: 7, op: 'guest_read', rc: 0, error: null, expectMet: true, outcome: 'ram', value: '0x0', ioreqs: [] },
      ],
    });
  });

  it('reports a failed expectation with its mismatches, compares numbers with "0x…" by value, and fails the run', async () => {
    const scenario = prepare({
      xen: '4.22',
      domains: [dom],
      steps: [
        { op: 'set_mem_type', domid: 1, first_pfn: 256, nr: 16, type: 'ram_ro', expect: { ok: true, changed: 16 } },
        { op: 'set_mem_type', domid: 1, first_pfn: 256, nr: 0, type: 'ram_ro', expect: { ok: true, changed: 16 } },
        { op: 'get_mem_type', domid: 1, pfn: 256, expect: { type: 1 } },
        { op: 'get_mem_type', domid: 1, pfn: 256, expect: { type: 'mmio_dm', error: null } },
      ],
    });
    const r = await runScenario(scenario, hypervisorForScenario(scenario, { p2m: tsP2mCore }));
    expect(r.passed).toBe(false);
    expect(r.steps.map((s) => [s.expectMet, s.mismatches])).toEqual([
      [true, undefined],
      [
        false,
        [
          { field: 'ok', expected: true, actual: false },
          { field: 'changed', expected: 16, actual: 0 },
        ],
      ],
      [true, undefined],
      [false, [{ field: 'type', expected: 'mmio_dm', actual: 'ram_ro' }]],
    ]);
  });

  it('is the device model: records requests, answers reads with respond or all ones, shows aliases', async () => {
    const scenario = prepare({
      xen: '4.22',
      domains: [dom],
      steps: [
        { op: 'create_ioreq_server', domid: 1 },
        { op: 'create_ioreq_server', domid: 1, as: 'vga' },
        { op: 'map_io_range_to_ioreq_server', domid: 1, id: 0, type: 'port', start: '0x60', end: '0x64' },
        { op: 'map_io_range_to_ioreq_server', domid: 1, server: 'vga', type: 'memory', start: '0xa0000', end: '0xbffff' },
        { op: 'set_ioreq_server_state', domid: 1, id: 0, enabled: true },
        { op: 'set_ioreq_server_state', domid: 1, server: 'vga', enabled: 1 },
        { op: 'set_mem_type', domid: 1, first_pfn: '0xa0', nr: 32, type: 'mmio_dm' },
        { op: 'guest_in', domid: 1, vcpu: 0, port: '0x64', size: 1, expect: { value: 255, ioreq: { server: 0, type: 'pio', dir: 'read', data: '0xff' } } },
        { op: 'guest_read', domid: 1, vcpu: 0, gpa: '0xa0ffe', size: 2, count: 2, respond: '0x1234', expect: { ioreqs: [{ server: 'vga', addr: '0xa0ffe', count: 1 }, { server: 1, addr: '0xa1000', count: 1, data: 4660 }] } },
        { op: 'guest_write', domid: 1, vcpu: 0, gpa: '0xa0000', size: 1, value: 7, expect: { ioreq: { server: 0 } } },
      ],
    });
    const r = await runScenario(scenario, hypervisorForScenario(scenario, { p2m: tsP2mCore }));
    expect(r.steps.slice(7)).toEqual([
      { index: 7, op: 'guest_in', rc: 0, error: null, expectMet: true, outcome: 'ioreq', value: '0xff', ioreqs: [{ server: 0, type: 'pio', dir: 'read', addr: '0x64', size: 1, count: 1, data: '0xff', buffered: false }] },
      {
        index: 8,
        op: 'guest_read',
        rc: 0,
        error: null,
        expectMet: true,
        outcome: 'ioreq',
        value: '0x1234',
        ioreqs: [
          { server: 'vga', type: 'copy', dir: 'read', addr: '0xa0ffe', size: 2, count: 1, data: '0x1234', buffered: false },
          { server: 'vga', type: 'copy', dir: 'read', addr: '0xa1000', size: 2, count: 1, data: '0x1234', buffered: false },
        ],
      },
      {
        index: 9,
        op: 'guest_write',
        rc: 0,
        error: null,
        expectMet: false,
        mismatches: [{ field: 'ioreq', expected: { server: 0 }, actual: [{ server: 'vga', type: 'copy', dir: 'write', addr: '0xa0000', size: 1, count: 1, data: '0x7', buffered: false }] }],
        outcome: 'ioreq',
        value: null,
        ioreqs: [{ server: 'vga', type: 'copy', dir: 'write', addr: '0xa0000', size: 1, count: 1, data: '0x7', buffered: false }],
      },
    ]);
  });

  // 4.16: track_dirty_vram still turns log-dirty mode on, so modified_memory reads its extents (XSA-397 took
  // that out in 4.17). Only pages that are ram_rw again are reported: the guest's write, not the marked pages.
  it('passes extents and a dirty bitmap in buf[1] and lists the dirty pfns', async () => {
    const scenario = prepare({
      xen: '4.16',
      domains: [dom],
      steps: [
        { op: 'track_dirty_vram', domid: 1, first_pfn: '0xa0', nr: 12, expect: { dirtyCount: 12 } },
        { op: 'track_dirty_vram', domid: 1, first_pfn: '0xa0', nr: 12, expect: { dirty: [] } },
        { op: 'modified_memory', domid: 1, extents: [{ first_pfn: '0xa2', nr: 1 }, { first_pfn: '0xa9', nr: 2 }], expect: { ok: true, changed: 3 } },
        { op: 'guest_write', domid: 1, vcpu: 0, gpa: '0xa5008', size: 4, value: 1, expect: { outcome: 'ram' } },
        { op: 'track_dirty_vram', domid: 1, first_pfn: '0xa0', nr: 12, expect: { dirty: [165] } },
      ],
    });
    const backend = recording(new Hypervisor({ release: '4.16', p2m: tsP2mCore }));
    const r = await runScenario(scenario, backend);
    expect(r.passed).toBe(true);
    expect(r.steps[4]).toMatchObject({ dirty: ['0xa5'], dirtyCount: 1 });
    const mm = backend.calls[2] as { bufs: string[] };
    expect(mm.bufs[0]!.slice(0, 32)).toBe('0b000000' + '00000000' + '02000000' + '00000000'); // op 11, nr_extents 2, opaque 0
    expect(mm.bufs[1]).toBe('01000000' + '00000000' + 'a200000000000000' + '02000000' + '00000000' + 'a900000000000000');
    expect((backend.calls[0] as { bufs: string[] }).bufs[1]).toBe('0000'); // ⌈12/8⌉ bytes
  });

  it('shows the inspection with aliases; a step whose server was never created is skipped', async () => {
    const scenario = prepare({
      xen: '4.22',
      domains: [{ domid: 1, maxGpfn: '0xfff', vcpus: 2, dm: 3 }],
      steps: [
        { op: 'create_ioreq_server', domid: 1, handle_bufioreq: 7, as: 'bad' },
        { op: 'set_ioreq_server_state', domid: 1, server: 'bad', enabled: true, expect: { ok: true } },
        { op: 'create_ioreq_server', domid: 1, as: 'gpu', caller: 3 },
        { op: 'map_mem_type_to_ioreq_server', domid: 1, server: 'gpu', type: 'ioreq_server', flags: ['write'], caller: 3 },
        { op: 'seed_p2m', domid: 1, first_pfn: 16, nr: 4, p2m: 'ioreq_server' },
        { op: 'inject_msi', domid: 1, addr: '0xfee00000', data: 0x4041 },
        { op: 'inspect', domid: 1, expect: { ioreqClaim: { owner: 'gpu', entryCount: 4 }, p2m: [{ count: 16 }, { first: 16, name: 'p2m_ioreq_server' }, { count: 4076 }] } },
      ],
    });
    const r = await runScenario(scenario, hypervisorForScenario(scenario, { p2m: tsP2mCore }));
    expect(r.steps[0]).toMatchObject({ rc: -22, error: 'EINVAL', id: null });
    expect(r.steps[1]).toEqual({
      index: 1,
      op: 'set_ioreq_server_state',
      rc: null,
      error: null,
      expectMet: false,
      skipped: 'server "bad" does not exist: the create_ioreq_server step that named it failed',
      mismatches: [{ field: 'skipped', expected: 'the step to run', actual: 'server "bad" does not exist: the create_ioreq_server step that named it failed' }],
    });
    expect(r.steps[6]).toEqual({
      index: 6,
      op: 'inspect',
      rc: 0,
      error: null,
      expectMet: true,
      maxGpfn: '0xfff',
      hap: true,
      hvm: true,
      vcpus: 2,
      dm: 3,
      ioreqClaim: { owner: 'gpu', flags: 2, entryCount: 4 },
      p2m: [
        { first: '0x0', count: 16, type: 0, name: 'p2m_ram_rw' },
        { first: '0x10', count: 4, type: 15, name: 'p2m_ioreq_server' },
        { first: '0x14', count: 4076, type: 0, name: 'p2m_ram_rw' },
      ],
      events: [{ op: 'inject_msi', args: { data: 0x4041, addr: '0xfee00000' } }],
    });
  });

  it('honours preempt through hypervisorForScenario, and refuses a backend of another release or a domain it has', async () => {
    const scenario = prepare({ xen: '4.22', preempt: 'always', domains: [dom], steps: [{ op: 'set_mem_type', domid: 1, first_pfn: 0, nr: 1000, type: 'ram_ro' }] });
    const hv = hypervisorForScenario(scenario, { p2m: tsP2mCore });
    expect(hv.release).toBe('4.22');
    expect((await runScenario(scenario, hv)).steps[0]).toMatchObject({ changed: 1000, continuations: 3 });
    await expect(runScenario(scenario, new Hypervisor({ release: '4.21', p2m: tsP2mCore }))).rejects.toThrow(ScenarioError);
    const again = runScenario(scenario, hv); // domain 1 exists already
    await expect(again).rejects.toMatchObject({ problems: [{ path: 'domains[0]', message: 'the backend refused it: domid 1 already exists' }] });
  });
});
