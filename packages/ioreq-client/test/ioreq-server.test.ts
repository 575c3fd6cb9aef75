/** IoreqServer against a fake Xen that plays the hypervisor's side of the pages and event channels byte-exactly. */
import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { InputError, XenError } from '@xenmem/abi-types';
import { DeviceModel, IoreqServer, type IoreqRequest, type SyncIoreqRequest } from '../src/index.js';
import { FakeXen, GUEST } from './fake-xen/fake-xen.js';

function setup(vcpus = 2) {
  const xen = new FakeXen(vcpus);
  const dm = new DeviceModel({ backend: xen, iface: '4.22' });
  return { xen, dm };
}

/** The next request of a stream. */
async function next(it: AsyncIterator<IoreqRequest>): Promise<IoreqRequest> {
  const r = await it.next();
  if (r.done) throw new Error('the stream ended');
  return r.value;
}

/** A request without its respond function, for toEqual. */
function fields(req: IoreqRequest): Omit<IoreqRequest, 'respond'> {
  const { respond: _respond, ...rest } = req;
  return rest;
}

async function enabled(options: Parameters<typeof IoreqServer.create>[2] = {}) {
  const { xen, dm } = setup();
  const server = await IoreqServer.create(dm, GUEST, options);
  await server.enable();
  const stream = server.requests()[Symbol.asyncIterator]();
  xen.log.length = 0;
  return { xen, dm, server, stream };
}

describe('IoreqServer.create', () => {
  it('acquires the ring and the synchronous page as resource frames 0 and 1, then asks get_info for the port only', async () => {
    const { xen, dm } = setup();
    const server = await IoreqServer.create(dm, GUEST, { pages: 'resource' });
    expect({ id: server.id, domid: server.domid, bufioreqPort: server.bufioreqPort }).toEqual({ id: 0, domid: 1, bufioreqPort: 3 });
    expect(xen.log).toEqual([
      { op: 'create_ioreq_server', args: { handle_bufioreq: 2, id: 0 }, rc: 0 },
      { op: 'acquire_resource', args: { domid: 1, type: 0, id: 0, frame: 0, nrFrames: 2 }, rc: 0 },
      { op: 'get_ioreq_server_info', args: { id: 0, flags: 1 }, rc: 0 },
    ]);
  });

  it("without buffering ('off') acquires only frame 1 and has no bufioreq port", async () => {
    const { xen, dm } = setup();
    const server = await IoreqServer.create(dm, GUEST, { bufioreq: 'off' });
    expect(server.bufioreqPort).toBe(null);
    expect(xen.log[1]).toEqual({ op: 'acquire_resource', args: { domid: 1, type: 0, id: 0, frame: 1, nrFrames: 1 }, rc: 0 });
  });

  it("pages: 'gfns' maps the gfns get_info returns", async () => {
    const { xen, dm } = setup();
    const server = await IoreqServer.create(dm, GUEST, { pages: 'gfns', bufioreq: 'legacy' });
    expect(server.bufioreqPort).toBe(3);
    expect(xen.log).toEqual([
      { op: 'create_ioreq_server', args: { handle_bufioreq: 1, id: 0 }, rc: 0 },
      { op: 'get_ioreq_server_info', args: { id: 0, flags: 0 }, rc: 0 },
      { op: 'foreignmemory_map', args: { domid: 1, gfn: 0xfeff0n }, rc: 0 },
      { op: 'foreignmemory_map', args: { domid: 1, gfn: 0xfeff1n }, rc: 0 },
    ]);
  });

  it("pages: 'auto' falls back to gfns when acquire_resource is EOPNOTSUPP, as QEMU does", async () => {
    const { xen, dm } = setup();
    xen.acquireResourceSupported = false;
    await IoreqServer.create(dm, GUEST);
    expect(xen.log.map((c) => [c.op, c.rc])).toEqual([
      ['create_ioreq_server', 0],
      ['acquire_resource', -95],
      ['get_ioreq_server_info', 0],
      ['foreignmemory_map', 0],
      ['foreignmemory_map', 0],
    ]);
  });

  it("pages: 'resource' does not fall back: EOPNOTSUPP destroys the server and is rethrown", async () => {
    const { xen, dm } = setup();
    xen.acquireResourceSupported = false;
    const err = await IoreqServer.create(dm, GUEST, { pages: 'resource' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(XenError);
    expect(err).toMatchObject({ code: 'EOPNOTSUPP', errno: 95, op: 'acquire_resource' });
    expect(xen.ops()).toEqual(['create_ioreq_server', 'acquire_resource', 'destroy_ioreq_server']);
    expect(xen.servers.size).toBe(0);
  });

  it('a failure part-way (the second foreign map) destroys what it made and rethrows the XenError', async () => {
    const { xen, dm } = setup();
    xen.acquireResourceSupported = false;
    await xen.mapForeignGfn(0, 1, 0n); // logged EINVAL: nothing mapped there
    xen.log.length = 0;
    const realMap = xen.mapForeignGfn.bind(xen);
    let maps = 0;
    xen.mapForeignGfn = async (caller, domid, gfn) => (++maps === 2 ? { rc: -12, page: null } : realMap(caller, domid, gfn));
    const err = await IoreqServer.create(dm, GUEST).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'XenError', code: 'ENOMEM', op: 'foreignmemory_map' });
    expect(xen.ops()).toEqual(['create_ioreq_server', 'acquire_resource', 'get_ioreq_server_info', 'foreignmemory_map', 'destroy_ioreq_server']);
  });

  it('a failing create destroys nothing; a failing get_info destroys the server', async () => {
    const { xen, dm } = setup();
    xen.failNext('create_ioreq_server', 'ENOSPC');
    await expect(IoreqServer.create(dm, GUEST)).rejects.toMatchObject({ code: 'ENOSPC', op: 'create_ioreq_server' });
    expect(xen.ops()).toEqual(['create_ioreq_server']);
    xen.log.length = 0;
    xen.failNext('get_ioreq_server_info', 'EPERM');
    await expect(IoreqServer.create(dm, GUEST)).rejects.toMatchObject({ code: 'EPERM', op: 'get_ioreq_server_info' });
    expect(xen.ops()).toEqual(['create_ioreq_server', 'acquire_resource', 'get_ioreq_server_info', 'destroy_ioreq_server']);
  });

  it('refuses unusable options with InputError before sending anything', async () => {
    const { xen, dm } = setup();
    await expect(IoreqServer.create(dm, GUEST, { bufioreq: 'buffered' as never })).rejects.toMatchObject({ name: 'InputError', argument: 'bufioreq' });
    await expect(IoreqServer.create(dm, GUEST, { pages: 'mmap' as never })).rejects.toMatchObject({ name: 'InputError', argument: 'pages' });
    await expect(IoreqServer.create(dm, 0x10000)).rejects.toMatchObject({ name: 'InputError', argument: 'domid' });
    expect(xen.log).toEqual([]);
  });
});

describe('ranges, claim, enable', () => {
  it('map/unmap calls name this server; claimMemType sends WRITE (2), releaseMemType 0', async () => {
    const { xen, dm } = setup();
    const server = await IoreqServer.create(dm, GUEST);
    xen.log.length = 0;
    await server.mapPort(0x3f8, 0x3ff);
    await server.mapMmio(0xfe000000n, 0xfe000fffn);
    await server.mapPcidev(0, 0, 3, 0);
    await server.unmapPcidev(0, 0, 3, 0);
    await server.unmapMmio(0xfe000000n, 0xfe000fffn);
    await server.unmapPort(0x3f8, 0x3ff);
    await server.claimMemType({ write: true });
    await server.releaseMemType();
    expect(xen.log).toEqual([
      { op: 'map_io_range_to_ioreq_server', args: { id: 0, type: 0, start: 0x3f8n, end: 0x3ffn }, rc: 0 },
      { op: 'map_io_range_to_ioreq_server', args: { id: 0, type: 1, start: 0xfe000000n, end: 0xfe000fffn }, rc: 0 },
      { op: 'map_io_range_to_ioreq_server', args: { id: 0, type: 2, start: 0x18n, end: 0x18n }, rc: 0 },
      { op: 'unmap_io_range_from_ioreq_server', args: { id: 0, type: 2, start: 0x18n, end: 0x18n }, rc: 0 },
      { op: 'unmap_io_range_from_ioreq_server', args: { id: 0, type: 1, start: 0xfe000000n, end: 0xfe000fffn }, rc: 0 },
      { op: 'unmap_io_range_from_ioreq_server', args: { id: 0, type: 0, start: 0x3f8n, end: 0x3ffn }, rc: 0 },
      { op: 'map_mem_type_to_ioreq_server', args: { id: 0, type: 4, flags: 2 }, rc: 0 },
      { op: 'map_mem_type_to_ioreq_server', args: { id: 0, type: 4, flags: 0 }, rc: 0 },
    ]);
    await expect(server.claimMemType({ write: true, read: true } as never)).rejects.toMatchObject({ name: 'InputError', argument: 'access' });
    await server.claimMemType({ write: true });
    await expect(server.claimMemType({ write: true })).rejects.toMatchObject({ code: 'EBUSY', op: 'map_mem_type_to_ioreq_server' });
  });

  it('enable sets state 1, then binds each vCPU vp_eport from the page and the bufioreq port', async () => {
    const { xen, dm } = setup(3);
    const server = await IoreqServer.create(dm, GUEST);
    xen.log.length = 0;
    await server.enable();
    expect(xen.log).toEqual([
      { op: 'set_ioreq_server_state', args: { id: 0, enabled: 1 }, rc: 0 },
      { op: 'bind_interdomain', args: { remoteDomid: 1, remotePort: 1, localPort: 10 }, rc: 0 },
      { op: 'bind_interdomain', args: { remoteDomid: 1, remotePort: 2, localPort: 11 }, rc: 0 },
      { op: 'bind_interdomain', args: { remoteDomid: 1, remotePort: 3, localPort: 12 }, rc: 0 },
      { op: 'bind_interdomain', args: { remoteDomid: 1, remotePort: 4, localPort: 13 }, rc: 0 },
    ]);
    // disable and enable again: the ports stay bound
    xen.log.length = 0;
    await server.disable();
    await server.enable();
    expect(xen.ops()).toEqual(['set_ioreq_server_state', 'set_ioreq_server_state']);
  });

  it('a bind failing in enable unbinds what was bound, disables again and rethrows', async () => {
    const { xen, dm } = setup();
    const server = await IoreqServer.create(dm, GUEST);
    xen.log.length = 0;
    const realBind = xen.bindInterdomain.bind(xen);
    let binds = 0;
    xen.bindInterdomain = async (caller, d, port) => (++binds === 2 ? { rc: -12, localPort: 0 } : realBind(caller, d, port));
    await expect(server.enable()).rejects.toMatchObject({ name: 'XenError', code: 'ENOMEM', op: 'bind_interdomain' });
    expect(xen.log.map((c) => [c.op, c.args])).toEqual([
      ['set_ioreq_server_state', { id: 0, enabled: 1 }],
      ['bind_interdomain', { remoteDomid: 1, remotePort: 1, localPort: 10 }],
      ['unbind', { localPort: 10 }],
      ['set_ioreq_server_state', { id: 0, enabled: 0 }],
    ]);
  });
});

describe('requests', () => {
  it('a synchronous MMIO read: READY → INPROCESS when handed out; respond writes data, IORESP_READY, notifies; the guest sees it', async () => {
    const { xen, server, stream } = await enabled();
    const guest = xen.ioreq(0, 1, { type: 'copy', dir: 'read', addr: 0xfe000010n, size: 4 });
    const req = await next(stream);
    expect(fields(req)).toEqual({ vcpu: 1, type: 'copy', dir: 'read', addr: 0xfe000010n, size: 4, count: 1, data: 0n, df: false, dataIsPtr: false, buffered: false });
    expect(xen.slotState(0, 1)).toBe(2); // STATE_IOREQ_INPROCESS
    await (req as SyncIoreqRequest).respond(0xdeadbeefn);
    expect(await guest).toBe(0xdeadbeefn);
    expect(xen.slotState(0, 1)).toBe(0); // Xen took the response and reset the slot to NONE
    expect(xen.log.filter((c) => c.op === 'notify')).toEqual([{ op: 'notify', args: { localPort: 11 }, rc: 0 }]);
    await server.close();
  });

  it('a PIO write (rep, df) arrives with its data; respond() completes it', async () => {
    const { xen, server, stream } = await enabled();
    const guest = xen.ioreq(0, 0, { type: 'pio', dir: 'write', addr: 0x3f8n, size: 1, count: 3, data: 0x41n, df: true });
    const req = await next(stream);
    expect(fields(req)).toEqual({ vcpu: 0, type: 'pio', dir: 'write', addr: 0x3f8n, size: 1, count: 3, data: 0x41n, df: true, dataIsPtr: false, buffered: false });
    if (req.buffered) throw new Error('expected a synchronous request');
    await expect(req.respond(1n)).rejects.toMatchObject({ name: 'InputError', argument: 'value' });
    await req.respond();
    expect(await guest).toBe(0x41n);
    await expect(req.respond()).rejects.toMatchObject({ name: 'InputError', argument: 'request' });
    await server.close();
  });

  it('a PCI config read (SBDF << 32 | register); no value answers all ones of the size', async () => {
    const { xen, server, stream } = await enabled();
    const addr = (0x18n << 32n) | 0x4n; // 0000:00:03.0, register 4
    const guest = xen.ioreq(0, 0, { type: 'pci_config', dir: 'read', addr, size: 2 });
    const req = await next(stream);
    expect(fields(req)).toMatchObject({ vcpu: 0, type: 'pci_config', dir: 'read', addr: 0x1800000004n, size: 2 });
    if (req.dir !== 'read') throw new Error('expected a read');
    await expect(req.respond(0x10000n)).rejects.toMatchObject({ name: 'InputError', argument: 'value' });
    await req.respond();
    expect(await guest).toBe(0xffffn);
    const second = xen.ioreq(0, 0, { type: 'pci_config', dir: 'read', addr, size: 2 });
    await ((await next(stream)) as SyncIoreqRequest).respond(0x1234n);
    expect(await second).toBe(0x1234n);
    await server.close();
  });

  it('buffered writes of 1 slot and 2 slots arrive flagged, before the vCPU slot, with read_pointer advanced', async () => {
    const { xen, server, stream } = await enabled();
    expect(xen.buffered(0, { type: 'copy', addr: 0xa0000n, size: 4, data: 0x11223344n })).toBe(true);
    expect(xen.buffered(0, { type: 'copy', addr: 0xa0008n, size: 8, data: 0x0102030405060708n })).toBe(true);
    expect(xen.ringPointers(0)).toEqual({ read: 0, write: 3 });
    const a = await next(stream);
    const b = await next(stream);
    expect([fields(a), fields(b)]).toEqual([
      { buffered: true, type: 'copy', dir: 'write', addr: 0xa0000n, size: 4, count: 1, data: 0x11223344n, df: false, dataIsPtr: false },
      { buffered: true, type: 'copy', dir: 'write', addr: 0xa0008n, size: 8, count: 1, data: 0x0102030405060708n, df: false, dataIsPtr: false },
    ]);
    expect(xen.ringPointers(0)).toEqual({ read: 3, write: 3 });
    expect(() => a.respond()).toThrow(InputError);
    expect(xen.log.filter((c) => c.op === 'notify')).toEqual([]);
    await server.close();
  });

  it('the ring wraps: ATOMIC canonicalisation by Xen and a 2-slot entry across slot 510/0', async () => {
    const { xen, server, stream } = await enabled();
    for (let i = 0; i < 510; i++) {
      xen.buffered(0, { type: 'pio', addr: 0x80n, size: 1, data: BigInt(i & 0xff) });
      await next(stream);
    }
    expect(xen.ringPointers(0)).toEqual({ read: 510, write: 510 });
    xen.buffered(0, { type: 'copy', addr: 0xb8000n, size: 8, data: 0xaaaabbbbccccddddn });
    expect(xen.ringPointers(0)).toEqual({ read: 510, write: 512 });
    expect(fields(await next(stream))).toMatchObject({ addr: 0xb8000n, size: 8, data: 0xaaaabbbbccccddddn });
    expect(xen.ringPointers(0)).toEqual({ read: 512, write: 512 });
    xen.buffered(0, { type: 'pio', addr: 0x80n, size: 2, data: 0xbeefn });
    expect(xen.ringPointers(0)).toEqual({ read: 1, write: 2 }); // Xen subtracted 511 from both
    expect(fields(await next(stream))).toMatchObject({ type: 'pio', addr: 0x80n, size: 2, data: 0xbeefn });
    expect(xen.ringPointers(0)).toEqual({ read: 2, write: 2 });
    await server.close();
  });

  it('a slot not in STATE_IOREQ_READY when its port fires is ignored', async () => {
    const { xen, server, stream } = await enabled();
    xen.kick(0, 0); // spurious: slot in NONE
    xen.setSlotState(0, 1, 3);
    xen.kick(0, 1); // IORESP_READY already: not ours to take
    xen.setSlotState(0, 1, 0);
    const guest = xen.ioreq(0, 1, { type: 'copy', dir: 'write', addr: 0xfe000000n, size: 8, data: 7n });
    const req = await next(stream);
    expect(fields(req)).toMatchObject({ vcpu: 1, dir: 'write', data: 7n });
    await req.respond();
    expect(await guest).toBe(7n);
    await server.close();
  });

  it('one stream per server; misuse after close is an InputError', async () => {
    const { server } = await enabled();
    expect(() => server.requests()).toThrow(expect.objectContaining({ name: 'InputError', argument: 'requests' }));
    await server.close();
    expect(() => server.requests()).toThrow(expect.objectContaining({ name: 'InputError', argument: 'server' }));
    await expect(server.mapMmio(0, 1)).rejects.toMatchObject({ name: 'InputError', argument: 'server' });
    await expect(server.enable()).rejects.toMatchObject({ name: 'InputError', argument: 'server' });
  });
});

describe('close', () => {
  it('releases the claim, disables, destroys, then unbinds; the stream ends; a second close sends nothing', async () => {
    const { xen, server, stream } = await enabled();
    await server.claimMemType({ write: true });
    xen.log.length = 0;
    const ended = stream.next();
    await server.close();
    expect(await ended).toEqual({ done: true, value: undefined });
    expect(xen.log.map((c) => [c.op, c.args])).toEqual([
      ['map_mem_type_to_ioreq_server', { id: 0, type: 4, flags: 0 }],
      ['set_ioreq_server_state', { id: 0, enabled: 0 }],
      ['destroy_ioreq_server', { id: 0 }],
      ['unbind', { localPort: 10 }],
      ['unbind', { localPort: 11 }],
      ['unbind', { localPort: 12 }],
    ]);
    await server.close();
    expect(xen.log).toHaveLength(6);
  });

  it('ignores EINVAL from the release when the claim is no longer this server’s; sends no release without a claim', async () => {
    const { xen, server } = await enabled();
    await server.claimMemType({ write: true });
    xen.claimOwner = null;
    xen.log.length = 0;
    await server.close();
    expect(xen.log.map((c) => [c.op, c.rc])).toEqual([
      ['map_mem_type_to_ioreq_server', -22],
      ['set_ioreq_server_state', 0],
      ['destroy_ioreq_server', 0],
      ['unbind', 0],
      ['unbind', 0],
      ['unbind', 0],
    ]);
    const { xen: xen2, dm } = setup();
    const idle = await IoreqServer.create(dm, GUEST);
    xen2.log.length = 0;
    await idle.close();
    expect(xen2.ops()).toEqual(['destroy_ioreq_server']);
  });

  it('tries every step and rethrows the first error', async () => {
    const { xen, server } = await enabled();
    xen.failNext('set_ioreq_server_state', 'ESRCH');
    await expect(server.close()).rejects.toMatchObject({ code: 'ESRCH', op: 'set_ioreq_server_state' });
    expect(xen.ops()).toEqual(['set_ioreq_server_state', 'destroy_ioreq_server', 'unbind', 'unbind', 'unbind']);
  });

  it('await using disposes the server at the end of the block', async () => {
    const { xen, dm } = setup();
    {
      await using server = await IoreqServer.create(dm, GUEST);
      await server.enable();
      expect(xen.servers.size).toBe(1);
    }
    expect(xen.servers.size).toBe(0);
    expect(xen.ops().slice(-5)).toEqual(['set_ioreq_server_state', 'destroy_ioreq_server', 'unbind', 'unbind', 'unbind']);
  });

  it('Symbol.asyncDispose is Node\'s (Symbol.for("nodejs.asyncDispose")), and tsc\'s own `await using` downlevel disposes', async () => {
    expect(Symbol.asyncDispose).toBe(Symbol.for('nodejs.asyncDispose'));
    const ts = createRequire(import.meta.url)('typescript') as typeof import('typescript');
    const source = 'export async function run(make: () => Promise<AsyncDisposable>) { await using s = await make(); return s; }';
    const js = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS } }).outputText;
    expect(js).toContain('__addDisposableResource');
    const module = { exports: {} as { run?: (make: () => Promise<IoreqServer>) => Promise<IoreqServer> } };
    new Function('module', 'exports', js)(module, module.exports);
    const { xen, dm } = setup();
    await module.exports.run!(() => IoreqServer.create(dm, GUEST));
    expect(xen.ops().at(-1)).toBe('destroy_ioreq_server');
  });
});
