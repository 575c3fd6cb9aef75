/** Guest RAM under the daemon: RAM files, populate_physmap and map_foreign_batch frames, guest RAM control frames, data_is_ptr. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeSync, existsSync, mkdtempSync, openSync, readSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FrameKind,
  decodeHypercallDone,
  decodeJson,
  decodeRamMappings,
  encodeJson,
  encodeMapForeignBatch,
  encodePopulatePhysmap,
  type IoreqRecord,
} from '@xenmem/sim-protocol';
import { Hypervisor } from '../../src/hypervisor.js';
import { startDaemon, type Daemon } from '../../src/daemon/index.js';
import { RawClient } from './raw-client.js';

let dir: string;
let daemon: Daemon | null = null;
const clients: RawClient[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'xenmem-ram-'));
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.socket.destroy();
  await daemon?.close();
  daemon = null;
  rmSync(dir, { recursive: true, force: true });
});

const ramFiles = () => readdirSync('/dev/shm').filter((n) => n.startsWith(`xenmem-${process.pid}-`) && /-dom\d+$/.test(n));

async function serve(release: string, domains: { domid: number; maxGpfn: number; dm?: number }[] = [{ domid: 1, maxGpfn: 0xfffff, dm: 5 }]) {
  const hv = new Hypervisor({ release });
  for (const d of domains) await hv.createDomain(d);
  daemon = await startDaemon({ socketPath: join(dir, 'sock'), hypervisor: hv });
  return hv;
}

async function client(caller = 0) {
  const c = await RawClient.open(join(dir, 'sock'), caller);
  clients.push(c);
  return c;
}

async function control(c: RawClient, kind: number, body: unknown) {
  const f = await c.request(kind, encodeJson(body));
  return { kind: f.kind, body: decodeJson(f.payload, 'reply') };
}

describe.each(['4.17', '4.22'])('guest RAM on the daemon (Xen %s)', (release) => {
  it('lives in a 0600 sparse file of (maxGpfn+1) × 4096 bytes: what guest_ram_write wrote is in the file, and what the file holds the guest reads', async () => {
    await serve(release);
    const c = await client();
    const [name] = ramFiles();
    const path = join('/dev/shm', name!);
    expect(statSync(path).size).toBe(0x100000 * 4096);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await control(c, FrameKind.guestRamWrite, { domid: 1, gpa: '0x1ffe', hex: 'A1b2c3d4' })).toEqual({ kind: FrameKind.json, body: null });
    const fd = openSync(path, 'r+');
    const bytes = Buffer.alloc(6);
    readSync(fd, bytes, 0, 6, 0x1ffd);
    expect([...bytes]).toEqual([0, 0xa1, 0xb2, 0xc3, 0xd4, 0]);
    writeSync(fd, Uint8Array.from([0x78, 0x56, 0x34, 0x12]), 0, 4, 0x3000);
    closeSync(fd);
    const read = await control(c, FrameKind.guestAccess, { domid: 1, vcpu: 0, kind: 'read', addr: '0x3000', size: 4 });
    expect(read.body).toEqual({ outcome: 'ram', value: '0x12345678', ioreqs: [] });
    expect(await control(c, FrameKind.guestRamRead, { domid: 1, gpa: '0x1ffe', length: 4 })).toEqual({ kind: FrameKind.json, body: { hex: 'a1b2c3d4' } });
  });

  it('guest_ram_read/write refuse bad input with an error frame naming the argument, and leave RAM alone', async () => {
    await serve(release, [{ domid: 1, maxGpfn: 0xf }]);
    const c = await client();
    const past = await control(c, FrameKind.guestRamWrite, { domid: 1, gpa: '0xffff', hex: '0102' });
    expect(past.kind).toBe(FrameKind.error);
    expect(past.body).toMatchObject({ errno: 0, argument: 'gpa' });
    expect((await control(c, FrameKind.guestRamRead, { domid: 1, gpa: '0x0', length: 65537 })).body).toMatchObject({ argument: 'length' });
    expect((await control(c, FrameKind.guestRamWrite, { domid: 1, gpa: '0x0', hex: 'abc' })).body).toMatchObject({ errno: 22 });
    expect((await control(c, FrameKind.guestRamRead, { domid: 7, gpa: '0x0', length: 1 })).body).toMatchObject({ errno: 3 });
    expect((await control(c, FrameKind.guestRamRead, { domid: 1, gpa: '0xfffe', length: 2 })).body).toEqual({ hex: '0000' });
  });

  it('a 16 TiB domain costs no disk: the file is 16 TiB long with 0 blocks, and one written page costs one page', async () => {
    await serve(release, [{ domid: 1, maxGpfn: 0xffffffff }]);
    const c = await client();
    const path = join('/dev/shm', ramFiles()[0]!);
    expect(statSync(path).size).toBe(2 ** 44);
    expect(statSync(path).blocks).toBe(0);
    await control(c, FrameKind.guestRamWrite, { domid: 1, gpa: '0xfffffff000', hex: 'ff' });
    expect(statSync(path).blocks).toBe(8); // 512-byte blocks: one 4 KiB page
  });

  it('files are removed when the domain is destroyed and when the daemon closes; RAM bytes stay in the hypervisor after close', async () => {
    const hv = await serve(release, [{ domid: 1, maxGpfn: 0xff }, { domid: 2, maxGpfn: 0xff }]);
    const c = await client();
    expect(ramFiles()).toHaveLength(2);
    const [one] = ramFiles().filter((n) => n.endsWith('-dom1'));
    await control(c, FrameKind.guestRamWrite, { domid: 2, gpa: '0x10', hex: '5a' });
    await control(c, FrameKind.destroyDomain, { domid: 1 });
    expect(existsSync(join('/dev/shm', one!))).toBe(false);
    expect(ramFiles()).toHaveLength(1);
    await daemon!.close();
    daemon = null;
    expect(ramFiles()).toEqual([]);
    expect([...(await hv.guestRamRead(2, 0x10n, 1))]).toEqual([0x5a]);
  });

  it('populate_physmap: hypercall_done with rc = extents populated, exact bytes; EPERM on a restricted connection', async () => {
    const hv = await serve(release);
    await hv.seedP2m(1, 0x7800n, 0x800, 1); // p2m_invalid, above "main RAM"
    const c = await client();
    const done = await c.request(FrameKind.populatePhysmap, encodePopulatePhysmap({ domid: 1, extentOrder: 0, memFlags: 0, gpfns: [0x7800n, 0x7801n] }));
    expect(done.kind).toBe(FrameKind.hypercallDone);
    expect([...done.payload]).toEqual([2, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0]);
    const typeAt = async (gfn: bigint) => (await hv.inspect(1)).p2m.find((r) => gfn >= r.first && gfn < r.first + r.count)!.type;
    expect([await typeAt(0x7800n), await typeAt(0x7801n), await typeAt(0x7802n)]).toEqual([0, 0, 1]);
    const refused = await (await client(6)).request(FrameKind.populatePhysmap, encodePopulatePhysmap({ domid: 1, extentOrder: 0, memFlags: 0, gpfns: [0x7900n] }));
    expect(decodeHypercallDone(refused.payload).rc).toBe(0);
    const r = await client(0);
    await r.request(FrameKind.restrict, Uint8Array.from([1, 0]));
    expect(decodeHypercallDone((await r.request(FrameKind.populatePhysmap, encodePopulatePhysmap({ domid: 1, extentOrder: 0, memFlags: 0, gpfns: [0x7900n] }))).payload).rc).toBe(-1);
    // nr_extents must match the gpfns carried.
    const short = encodePopulatePhysmap({ domid: 1, extentOrder: 0, memFlags: 0, gpfns: [0x7900n] });
    short[10] = 2;
    expect((await c.request(FrameKind.populatePhysmap, short)).kind).toBe(FrameKind.error);
  });

  it('map_foreign_batch: the RAM file and per gfn its offset or the errno MMAPBATCH_V2 reports; whole-call errors', async () => {
    const hv = await serve(release);
    await hv.seedP2m(1, 0x20n, 1, 10); // p2m_ram_paged
    await hv.seedP2m(1, 0x30n, 1, 4); // p2m_mmio_dm
    const c = await client();
    await control(c, FrameKind.guestRamWrite, { domid: 1, gpa: '0x10000', hex: 'c0ffee' });
    const f = await c.request(FrameKind.mapForeignBatch, encodeMapForeignBatch({ domid: 1, gfns: [0x10n, 0x20n, 0x30n, 0x100000n, 0xfffffn] }));
    expect(f.kind).toBe(FrameKind.ramMappings);
    const m = decodeRamMappings(f.payload);
    expect(m.rc).toBe(0);
    expect(m.path).toBe(join('/dev/shm', ramFiles()[0]!));
    expect(m.mappings).toEqual([
      { offset: 0x10000n, err: 0 },
      { offset: 0n, err: -2 }, // paged out: ENOENT
      { offset: 0n, err: -22 }, // emulated MMIO: EINVAL
      { offset: 0n, err: -22 }, // past maxGpfn, a hole: EINVAL
      { offset: 0xfffff000n, err: 0 },
    ]);
    const fd = openSync(m.path, 'r');
    const b = Buffer.alloc(3);
    readSync(fd, b, 0, 3, Number(m.mappings[0]!.offset));
    closeSync(fd);
    expect(b.toString('hex')).toBe('c0ffee');
    const rcOf = async (cl: RawClient, domid: number, gfns: bigint[]) => decodeRamMappings((await cl.request(FrameKind.mapForeignBatch, encodeMapForeignBatch({ domid, gfns }))).payload);
    expect(await rcOf(c, 9, [0x10n])).toEqual({ rc: -3, path: '', mappings: [] });
    expect((await rcOf(await client(6), 1, [0x10n])).rc).toBe(-1);
    expect((await rcOf(await client(5), 1, [0x10n])).rc).toBe(0);
    expect((await rcOf(c, 1, [])).rc).toBe(-22);
    expect((await rcOf(c, 1, new Array<bigint>(65537).fill(0n))).rc).toBe(-22);
  });

  it('rep outsb from guest RAM: data_is_ptr = 1, data = the buffer, one request per buffer page', async () => {
    const hv = await serve(release);
    const seen: IoreqRecord[] = [];
    const c = await client();
    const { encodeDmOp, decodeDmOp } = await import('@xenmem/abi-types');
    const create = encodeDmOp('create_ioreq_server', { handle_bufioreq: 0 });
    await hv.dmOp(0, 1, [create]);
    const id = decodeDmOp(create).payload.id as number;
    await hv.dmOp(0, 1, [encodeDmOp('map_io_range_to_ioreq_server', { id, type: 0, start: 0x3f8n, end: 0x3ffn })]);
    await hv.dmOp(0, 1, [encodeDmOp('set_ioreq_server_state', { id, enabled: 1 })]);
    expect((await c.request(FrameKind.setIoreqHandler, encodeJson({ enabled: true }))).kind).toBe(FrameKind.status);
    c.frames.length = 0;
    await control(c, FrameKind.guestRamWrite, { domid: 1, gpa: '0x1ffe', hex: '48692121' });
    const out = c.request(FrameKind.guestAccess, encodeJson({ domid: 1, vcpu: 0, kind: 'out', addr: '0x3f8', size: 1, count: 4, buffer: '0x1ffe' }));
    for (let i = 0; i < 2; i++) {
      const req = await c.take((f) => f.kind === FrameKind.ioreqRequest);
      const body = decodeJson(req!.payload, 'ioreq_request')!;
      seen.push(body.request as IoreqRecord);
      c.send(FrameKind.ioreqAnswer, encodeJson({ id: body.id }));
    }
    const result = decodeJson((await out).payload, 'guest_access')!;
    expect(result.outcome).toBe('ioreq');
    expect(seen).toEqual([
      { server: id, type: 'pio', dir: 'write', addr: '0x3f8', size: 1, count: 2, data: '0x1ffe', df: false, buffered: false, dataIsPtr: true },
      { server: id, type: 'pio', dir: 'write', addr: '0x3f8', size: 1, count: 2, data: '0x2000', df: false, buffered: false, dataIsPtr: true },
    ]);
  });
});

describe('RAM files on a daemon that fails to start', () => {
  it('are removed with everything else start-up created', async () => {
    // Start-up fails after the RAM files and the arena exist: when the daemon takes the ioreq handler.
    let made: string[] = [];
    class Failing extends Hypervisor {
      override setIoreqHandler(handler: Parameters<Hypervisor['setIoreqHandler']>[0]): void {
        if (handler !== null) {
          made = ramFiles();
          throw new Error('refused');
        }
        super.setIoreqHandler(handler);
      }
    }
    const hv = new Failing({ release: '4.22' });
    await hv.createDomain({ domid: 1, maxGpfn: 0xff });
    await expect(startDaemon({ socketPath: join(dir, 'sock'), hypervisor: hv })).rejects.toThrow('refused');
    expect(made).toHaveLength(1);
    expect(ramFiles()).toEqual([]);
    // The domain's RAM went back to plain memory and still works.
    await hv.guestRamWrite(1, 0n, Uint8Array.of(1));
    expect([...(await hv.guestRamRead(1, 0n, 1))]).toEqual([1]);
  });
});
