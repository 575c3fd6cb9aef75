import { describe, expect, it } from 'vitest';
import type { IoreqRecord } from '@xenmem/sim-protocol';
import { CORES, claim, dm, hypervisor } from './harness.js';

// Guest accesses routed as Xen routes them, as xen/arch/x86/hvm/emulate.c hvmemul_do_io() and ioreq.c hvm_select_ioreq_server()
// (xen/common/ioreq.c ioreq_server_select() from 4.15) do.
describe.each(CORES)('guest accesses (%s core)', (_name, core) => {
  it('RAM keeps what the guest writes; ram_ro drops writes; holes read all ones', async () => {
    const hv = await hypervisor(core, '4.22');
    const w = await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'write', addr: 0x2ffen, size: 4, value: 0x11223344n });
    expect(w).toEqual({ outcome: 'ram', value: null, ioreqs: [] });
    expect((await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'read', addr: 0x2ffen, size: 4 })).value).toBe(0x11223344n);
    await dm(hv, 'set_mem_type', { nr: 1, mem_type: 1, first_pfn: 0x2n });
    expect((await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'write', addr: 0x2ffen, size: 2, value: 0n })).outcome).toBe('discarded');
    expect((await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'read', addr: 0x2ffen, size: 2 })).value).toBe(0x3344n);
    expect(await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'read', addr: 0x100000000n, size: 8 })).toEqual({ outcome: 'null', value: 0xffffffffffffffffn, ioreqs: [] });
  });

  it('ioreq_server pages: writes to the owner (no rangeset needed), reads from RAM', async () => {
    const hv = await hypervisor(core, '4.22');
    const id = await claim(hv);
    await dm(hv, 'set_ioreq_server_state', { id, enabled: 1 });
    await dm(hv, 'set_mem_type', { nr: 16, mem_type: 4, first_pfn: 0x100n });
    const w = await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'write', addr: 0x100010n, size: 4, value: 0xdeadbeefn });
    expect(w.outcome).toBe('ioreq');
    expect(w.ioreqs).toEqual([{ server: id, type: 'copy', dir: 'write', addr: 0x100010n, size: 4, count: 1, data: 0xdeadbeefn, df: false, buffered: false }]);
    expect(await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'read', addr: 0x100010n, size: 4 })).toEqual({ outcome: 'ram', value: 0n, ioreqs: [] });
  });

  it('4.8: ioreq_server writes go by MMIO rangeset like any MMIO write', async () => {
    const hv = await hypervisor(core, '4.8');
    const { encodeHvmOpArg, decodeHvmOpArg } = await import('@xenmem/abi-types');
    const create = encodeHvmOpArg('create_ioreq_server', { domid: 1 });
    await hv.hvmOp(0, 17, create);
    const id = decodeHvmOpArg('create_ioreq_server', create).id as number;
    await hv.hvmOp(0, 22, encodeHvmOpArg('set_ioreq_server_state', { domid: 1, id, enabled: 1 }));
    await hv.hvmOp(0, 8, encodeHvmOpArg('set_mem_type', { domid: 1, hvmmem_type: 4, nr: 1, first_pfn: 0x100n }));
    expect((await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'write', addr: 0x100000n, size: 4, value: 1n })).outcome).toBe('null');
    await hv.hvmOp(0, 19, encodeHvmOpArg('map_io_range_to_ioreq_server', { domid: 1, id, type: 1, start: 0x100000n, end: 0x100fffn }));
    expect((await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'write', addr: 0x100000n, size: 4, value: 1n })).outcome).toBe('ioreq');
  });

  it('MMIO by rangeset: most recent enabled server first; reads answered by the device model; rep cut at the page', async () => {
    const hv = await hypervisor(core, '4.22');
    const seen: IoreqRecord[] = [];
    hv.setIoreqHandler((_d, req) => (seen.push(req), req.dir === 'read' ? 0x5an : undefined));
    const a = (await dm(hv, 'create_ioreq_server', {})).out.id as number;
    const b = (await dm(hv, 'create_ioreq_server', {})).out.id as number;
    for (const id of [a, b]) {
      await dm(hv, 'map_io_range_to_ioreq_server', { id, type: 1, start: 0x2fe000000n, end: 0x2fe001fffn });
      await dm(hv, 'set_ioreq_server_state', { id, enabled: 1 });
    }
    await dm(hv, 'set_ioreq_server_state', { id: b, enabled: 0 });
    const r = await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'read', addr: 0x2fe000ffcn, size: 4, count: 3 });
    expect(r.value).toBe(0x5an);
    expect(r.ioreqs.map((q) => [q.server, q.addr, q.count])).toEqual([
      [a, 0x2fe000ffcn, 1],
      [a, 0x2fe001000n, 2],
    ]);
    expect(seen).toHaveLength(2);
  });

  it('PCI config through 0xcf8/0xcfc becomes IOREQ_TYPE_PCI_CONFIG for the server owning the SBDF', async () => {
    const hv = await hypervisor(core, '4.22');
    const id = (await dm(hv, 'create_ioreq_server', {})).out.id as number;
    const sbdf = (0n << 16n) | (0n << 8n) | (3n << 3n) | 0n; // 00:03.0
    await dm(hv, 'map_io_range_to_ioreq_server', { id, type: 2, start: sbdf, end: sbdf });
    await dm(hv, 'set_ioreq_server_state', { id, enabled: 1 });
    const cf8 = await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'out', addr: 0xcf8n, size: 4, value: 0x80001810n });
    expect(cf8.outcome).toBe('null'); // the latch is Xen's; no server has the port
    const r = await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'in', addr: 0xcfen, size: 2 });
    expect(r.ioreqs).toEqual([{ server: id, type: 'pci_config', dir: 'read', addr: (sbdf << 32n) | 0x12n, size: 2, count: 1, data: 0xffffn, df: false, buffered: false }]);
  });

  it('paged pages retry, broken pages crash, bad arguments are refused', async () => {
    const hv = await hypervisor(core, '4.22');
    await hv.seedP2m(1, 0x10n, 1, 10);
    await hv.seedP2m(1, 0x11n, 1, 13);
    expect((await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'read', addr: 0x10000n, size: 4 })).outcome).toBe('retry');
    expect((await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'read', addr: 0x11000n, size: 4 })).outcome).toBe('crash');
    await expect(hv.guestAccess({ domid: 1, vcpu: 1, kind: 'read', addr: 0n, size: 4 })).rejects.toThrow(/vcpu 1 does not exist in domain 1/);
    await expect(hv.guestAccess({ domid: 1, vcpu: 0, kind: 'read', addr: 0n, size: 3 })).rejects.toThrow(/size 3 is not 1, 2, 4 or 8/);
  });
});

describe.each(CORES)('guest access edge cases (%s core)', (_name, core) => {
  it('a claiming server never enabled has no port in its page: the write fails (crash); enabled once, it keeps receiving', async () => {
    const hv = await hypervisor(core, '4.22');
    const id = await claim(hv);
    await dm(hv, 'set_mem_type', { nr: 1, mem_type: 4, first_pfn: 0x100n });
    expect((await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'write', addr: 0x100000n, size: 4, value: 1n })).outcome).toBe('crash');
    await dm(hv, 'set_ioreq_server_state', { id, enabled: 1 });
    await dm(hv, 'set_ioreq_server_state', { id, enabled: 0 });
    expect((await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'write', addr: 0x100000n, size: 4, value: 1n })).outcome).toBe('ioreq');
  });

  it('a rep write is classified page by page: RAM, then an emulated page to its server', async () => {
    const hv = await hypervisor(core, '4.22');
    const id = (await dm(hv, 'create_ioreq_server', {})).out.id as number;
    await dm(hv, 'set_mem_type', { nr: 1, mem_type: 2, first_pfn: 0x11n });
    await dm(hv, 'map_io_range_to_ioreq_server', { id, type: 1, start: 0x11000n, end: 0x11fffn });
    await dm(hv, 'set_ioreq_server_state', { id, enabled: 1 });
    const r = await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'write', addr: 0x10ff8n, size: 4, count: 4, value: 0xabn });
    expect(r.outcome).toBe('ioreq');
    expect(r.ioreqs.map((q) => [q.addr, q.count])).toEqual([[0x11000n, 2]]);
    expect((await hv.guestAccess({ domid: 1, vcpu: 0, kind: 'read', addr: 0x10ffcn, size: 4 })).value).toBe(0xabn);
  });

  it('a rep moving more than 64 MiB is refused before anything happens', async () => {
    const hv = await hypervisor(core, '4.22');
    await expect(hv.guestAccess({ domid: 1, vcpu: 0, kind: 'write', addr: 0n, size: 8, count: 2 ** 23 + 1 })).rejects.toThrow(/count 8388609 moves more than 67108864 bytes/);
  });
});
