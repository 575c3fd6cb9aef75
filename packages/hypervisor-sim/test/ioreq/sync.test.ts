import { describe, expect, it } from 'vitest';
import type { IoreqRecord } from '@xenmem/sim-protocol';
import { CORES, dm, hypervisor } from '../hypervisor/harness.js';
import { DM, DOMAIN, attach, setData, setState, settle, slot } from './dm.js';

const [NONE, READY, INPROCESS, IORESP_READY] = [0, 1, 2, 3];

// The synchronous protocol, xen/common/ioreq.c (ioreq_send / wait_for_io) and QEMU's hw/xen/xen-hvm-common.c
// (cpu_handle_ioreq) on the other side.
describe.each(CORES)('synchronous ioreqs (%s core)', (_name, core) => {
  const setup = async (release = '4.22') => {
    const hv = await hypervisor(core, release, 'never', [DOMAIN]);
    await dm(hv, 'set_mem_type', { nr: 1, mem_type: 2, first_pfn: 0xe0000n }, { caller: DM }); // hole → mmio_dm either way
    return hv;
  };

  it('a read blocks until the device model answers: READY in the slot with the exact ioreq_t, INPROCESS, data, IORESP_READY, notify', async () => {
    const hv = await setup();
    const s = await attach(hv);
    let done = false;
    const access = hv.guestAccess({ domid: 1, vcpu: 1, kind: 'read', addr: 0xe0000010n, size: 4 }).then((r) => ((done = true), r));
    expect(await hv.pending(DM)).toBe(s.ports[1]);
    expect(slot(s.sync, 1)).toEqual({ addr: 0xe0000010n, data: 0n, count: 1, size: 4, vp_eport: 2, _pad0: 0, state: READY, data_is_ptr: 0, dir: 1, df: 0, _pad1: 0, type: 1 });
    expect(s.sync.read(32 + 30, 2)).toEqual(Uint8Array.of(0x21, 0x01)); // state 1 | dir 0x20; type COPY
    expect(slot(s.sync, 0).state).toBe(NONE);
    expect((await hv.inspect(1)).pending).toEqual([{ vcpu: 1, server: s.id, request: expect.objectContaining({ addr: 0xe0000010n, dir: 'read', size: 4 }) }]);
    setState(s.sync, 1, INPROCESS);
    setData(s.sync, 1, 0x1122334455667788n);
    await settle();
    expect(done).toBe(false); // no notification yet
    setState(s.sync, 1, IORESP_READY);
    expect(await hv.notify(DM, s.ports[1]!)).toBe(0);
    const r = await access;
    expect(r).toEqual({ outcome: 'ioreq', value: 0x55667788n, ioreqs: [{ server: s.id, type: 'copy', dir: 'read', addr: 0xe0000010n, size: 4, count: 1, data: 0x55667788n, df: false, buffered: false }] });
    expect(slot(s.sync, 1).state).toBe(NONE); // Xen took the answer and reset the slot
    expect((await hv.inspect(1)).pending).toEqual([]);
  });

  it('a write carries its data; a notification with the state unchanged leaves the vCPU waiting', async () => {
    const hv = await setup();
    const s = await attach(hv);
    const access = hv.guestAccess({ domid: 1, vcpu: 0, kind: 'write', addr: 0xe0000ff8n, size: 8, value: 0xfedcba9876543210n });
    await hv.pending(DM);
    expect(slot(s.sync, 0)).toMatchObject({ addr: 0xe0000ff8n, data: 0xfedcba9876543210n, size: 8, dir: 0, state: READY });
    await hv.notify(DM, s.ports[0]!); // still READY: nothing changes
    await settle();
    expect((await hv.inspect(1)).pending).toHaveLength(1);
    setState(s.sync, 0, IORESP_READY);
    await hv.notify(DM, s.ports[0]!);
    expect((await access).outcome).toBe('ioreq');
  });

  it('a state going backwards crashes the domain: the access ends with crash, later accesses too; hypercalls still work', async () => {
    const hv = await setup();
    const s = await attach(hv);
    const access = hv.guestAccess({ domid: 1, vcpu: 0, kind: 'read', addr: 0xe0000000n, size: 2 });
    await hv.pending(DM);
    setState(s.sync, 0, INPROCESS);
    await hv.notify(DM, s.ports[0]!);
    await settle();
    setState(s.sync, 0, READY);
    await hv.notify(DM, s.ports[0]!);
    const r = await access;
    expect(r.outcome).toBe('crash');
    expect(r.ioreqs).toHaveLength(1);
    const view = await hv.inspect(1);
    expect(view.crashed).toBe(true);
    expect(view.events).toEqual([{ op: 'domain_crash', args: { reason: 'Weird HVM ioreq state transition 2 -> 1' } }]);
    expect(await hv.guestAccess({ domid: 1, vcpu: 1, kind: 'read', addr: 0x1000n, size: 4 })).toEqual({ outcome: 'crash', value: null, ioreqs: [] });
    expect((await dm(hv, 'destroy_ioreq_server', { id: s.id }, { caller: DM })).rc).toBe(0);
  });

  it('an unknown state crashes the domain; NONE ends the wait with all ones (the emulator died)', async () => {
    const hv = await setup();
    const s = await attach(hv);
    const first = hv.guestAccess({ domid: 1, vcpu: 0, kind: 'read', addr: 0xe0000000n, size: 4 });
    await hv.pending(DM);
    setState(s.sync, 0, NONE);
    await hv.notify(DM, s.ports[0]!);
    expect((await first).value).toBe(0xffffffffn);
    const second = hv.guestAccess({ domid: 1, vcpu: 0, kind: 'read', addr: 0xe0000000n, size: 4 });
    await hv.pending(DM);
    setState(s.sync, 0, 9);
    await hv.notify(DM, s.ports[0]!);
    expect((await second).outcome).toBe('crash');
    expect((await hv.inspect(1)).events[0]!.args.reason).toBe('Weird HVM iorequest state 9');
  });

  it('a second access on a blocked vCPU waits its turn; another vCPU goes ahead', async () => {
    const hv = await setup();
    const s = await attach(hv);
    const order: string[] = [];
    const a = hv.guestAccess({ domid: 1, vcpu: 0, kind: 'write', addr: 0xe0000000n, size: 4, value: 1n }).then((r) => (order.push('a'), r));
    const b = hv.guestAccess({ domid: 1, vcpu: 0, kind: 'write', addr: 0xe0000004n, size: 4, value: 2n }).then((r) => (order.push('b'), r));
    const ram = await hv.guestAccess({ domid: 1, vcpu: 1, kind: 'read', addr: 0x1000n, size: 4 });
    expect(ram.outcome).toBe('ram');
    expect(await hv.pending(DM)).toBe(s.ports[0]);
    await settle();
    expect(slot(s.sync, 0).data).toBe(1n); // b has not touched the slot
    setState(s.sync, 0, IORESP_READY);
    await hv.notify(DM, s.ports[0]!);
    expect(await hv.pending(DM)).toBe(s.ports[0]);
    expect(slot(s.sync, 0)).toMatchObject({ data: 2n, addr: 0xe0000004n, state: READY });
    setState(s.sync, 0, IORESP_READY);
    await hv.notify(DM, s.ports[0]!);
    await Promise.all([a, b]);
    expect(order).toEqual(['a', 'b']);
  });

  it('without an attached device model the handler answers at once, through the same slot bytes', async () => {
    const hv = await setup();
    const s = await attach(hv, { bind: false }); // pages mapped, ports never bound
    const seen: number[] = [];
    hv.setIoreqHandler((_d, req) => {
      seen.push(slot(s.sync, 0).state);
      return req.dir === 'read' ? 0xabn : undefined;
    });
    const r = await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'read', addr: 0xe0000020n, size: 1 });
    expect(r.value).toBe(0xabn);
    expect(seen).toEqual([INPROCESS]);
    expect(slot(s.sync, 0)).toMatchObject({ addr: 0xe0000020n, data: 0xabn, size: 1, state: NONE, vp_eport: 1 });
  });

  it('a port I/O send Xen refuses (bad state left in the slot) crashes the domain; MMIO only fails the access', async () => {
    const hv = await setup();
    const s = await attach(hv, { bind: false });
    await dm(hv, 'map_io_range_to_ioreq_server', { id: s.id, type: 0, start: 0x80n, end: 0x80n }, { caller: DM });
    setState(s.sync, 0, INPROCESS);
    expect((await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'write', addr: 0xe0000000n, size: 4, value: 1n })).outcome).toBe('crash');
    expect((await hv.inspect(1)).crashed).toBe(false);
    expect((await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'out', addr: 0x80n, size: 1, value: 1n })).outcome).toBe('crash');
    expect((await hv.inspect(1)).crashed).toBe(true);
  });

  it('destroying the server while a vCPU waits completes the access as if the emulator died', async () => {
    const hv = await setup();
    const s = await attach(hv);
    const access = hv.guestAccess({ domid: 1, vcpu: 0, kind: 'read', addr: 0xe0000000n, size: 2 });
    await hv.pending(DM);
    await dm(hv, 'destroy_ioreq_server', { id: s.id }, { caller: DM });
    expect((await access).value).toBe(0xffffn);
  });

  it('4.10 with gfn pages: foreign-mapped page + bound port is an attached device model', async () => {
    const hv = await setup('4.10');
    const id = (await dm(hv, 'create_ioreq_server', {}, { caller: DM })).out.id as number;
    await dm(hv, 'map_io_range_to_ioreq_server', { id, type: 1, start: 0xe0000000n, end: 0xe0000fffn }, { caller: DM });
    const page = (await hv.mapForeignGfn(DM, 1, 0xfeff0n)).page!;
    await dm(hv, 'set_ioreq_server_state', { id, enabled: 1 }, { caller: DM });
    const port = (await hv.bindInterdomain(DM, 1, slot(page, 0).vp_eport)).localPort;
    const access = hv.guestAccess({ domid: 1, vcpu: 0, kind: 'read', addr: 0xe0000000n, size: 4 });
    expect(await hv.pending(DM)).toBe(port);
    setData(page, 0, 7n);
    setState(page, 0, IORESP_READY);
    await hv.notify(DM, port);
    expect((await access).value).toBe(7n);
  });

  it('INVALIDATE goes to every enabled server synchronously (data ~0); the vCPU waits for the attached one', async () => {
    const hv = await setup();
    const s = await attach(hv);
    const other = (await dm(hv, 'create_ioreq_server', {}, { caller: DM })).out.id as number;
    await dm(hv, 'set_ioreq_server_state', { id: other, enabled: 1 }, { caller: DM });
    await dm(hv, 'create_ioreq_server', {}, { caller: DM }); // never enabled: not sent
    const handled: IoreqRecord[] = [];
    hv.setIoreqHandler((_d, req) => void handled.push(req));
    const broadcast = hv.broadcastInvalidate(1);
    expect(await hv.pending(DM)).toBe(s.ports[0]);
    expect(slot(s.sync, 0)).toEqual({ addr: 0n, data: 0xffffffffffffffffn, count: 0, size: 4, vp_eport: 1, _pad0: 0, state: READY, data_is_ptr: 0, dir: 0, df: 0, _pad1: 0, type: 8 });
    setState(s.sync, 0, IORESP_READY);
    await hv.notify(DM, s.ports[0]!);
    const r = await broadcast;
    const record = (server: number): IoreqRecord => ({ server, type: 'invalidate', dir: 'write', addr: 0n, size: 4, count: 0, data: 0xffffffffffffffffn, df: false, buffered: false });
    expect(r).toEqual({ outcome: 'ioreq', value: null, ioreqs: [record(other), record(s.id)] });
    expect(handled).toEqual([record(other)]);
  });
});
