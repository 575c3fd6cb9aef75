/**
 * IoreqServer over the socket backend: the device model's connection maps the ioreq pages and binds the
 * ports through the daemon, the guest's accesses come from another connection and block until it responds.
 * Once with the socket alone (page sync: page_update before event; page writes before the notify that
 * follows), once on the shared-memory transport (pages mapped from the arena, doorbell notifications).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hypervisor, startDaemon, type Daemon } from '@xenmem/hypervisor-sim';
import { DeviceModel, IoreqServer, type IoreqRequest } from '../../src/index.js';
import { SocketBackend } from '../../src/socket/index.js';
import { loadShmTransport } from '../../src/socket/shm.js';

const shmReason = await loadShmTransport().then((l) => ('reason' in l ? l.reason : null));

const simulatorHasPages = 'acquireResource' in Hypervisor.prototype;
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup(transport: 'socket' | 'shm') {
  const dir = mkdtempSync(join(tmpdir(), 'xenmem-ioreq-socket-'));
  const hv = new Hypervisor({ release: '4.22' });
  await hv.createDomain({ domid: 1, maxGpfn: 0xfffff, vcpus: 2 });
  const trace = join(dir, 'trace.jsonl');
  const daemon: Daemon = await startDaemon({ socketPath: join(dir, 'sim.sock'), hypervisor: hv, trace });
  const dmBackend = await SocketBackend.connect(daemon.address, { transport });
  const guest = await SocketBackend.connect(daemon.address);
  cleanup.push(async () => {
    await dmBackend.close();
    await guest.close();
    await daemon.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const traced = async () => {
    await daemon.close();
    return readFileSync(trace, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  };
  return { hv, daemon, dmBackend, guest, traced, dm: new DeviceModel({ backend: dmBackend, iface: '4.22' }) };
}

async function next(it: AsyncIterator<IoreqRequest>): Promise<IoreqRequest> {
  const r = await it.next();
  if (r.done) throw new Error('the stream ended');
  return r.value;
}

const TRANSPORTS = ['socket', ...(shmReason === null ? ['shm' as const] : [])] as const;

describe.skipIf(!simulatorHasPages).each(TRANSPORTS)('IoreqServer over the socket backend, transport %s', (transport) => {
  it('answers a guest port read and a port write made through another connection', async () => {
    const { guest, dm, dmBackend, traced } = await setup(transport);
    expect(dmBackend.transport).toBe(transport);
    const server = await IoreqServer.create(dm, 1);
    await server.mapMmio(0xfe000000n, 0xfe000fffn);
    await server.mapPort(0x3f8, 0x3ff);
    await server.enable();
    const stream = server.requests()[Symbol.asyncIterator]();

    const read = guest.guestAccess({ domid: 1, vcpu: 1, kind: 'in', addr: 0x3fcn, size: 4 });
    const r1 = await next(stream);
    expect(r1).toMatchObject({ vcpu: 1, type: 'pio', dir: 'read', addr: 0x3fcn, size: 4, buffered: false });
    await r1.respond(0xcafef00dn as never);
    expect(await read).toMatchObject({ outcome: 'ioreq', value: 0xcafef00dn });

    const out = guest.guestAccess({ domid: 1, vcpu: 0, kind: 'out', addr: 0x3f8n, size: 1, value: 0x41n });
    const r2 = await next(stream);
    expect(r2).toMatchObject({ vcpu: 0, type: 'pio', dir: 'write', data: 0x41n });
    await r2.respond();
    expect(await out).toMatchObject({ outcome: 'ioreq', value: null });
    await server.close();
    // The two responses' notifications: through the doorbell on shm, as notify frames on the socket.
    const notifies = (await traced()).filter((l) => l.call === 'notify');
    expect(notifies.map((l) => l.via ?? 'frame')).toEqual(transport === 'shm' ? ['doorbell', 'doorbell'] : ['frame', 'frame']);
    expect(notifies.map((l) => l.rc)).toEqual([0, 0]);
  });

  it("serves a hundred accesses in a row, reads returning the device model's values", async () => {
    const { guest, dm } = await setup(transport);
    const server = await IoreqServer.create(dm, 1);
    await server.mapPort(0x3f8, 0x3ff);
    await server.enable();
    const served = (async () => {
      let n = 0;
      for await (const r of server.requests()) {
        if (r.buffered) throw new Error('no buffered request expected');
        await r.respond(r.dir === 'read' ? (BigInt(r.addr) * 3n + BigInt(n)) & 0xffffn : undefined);
        if (++n === 100) break;
      }
    })();
    const values: bigint[] = [];
    for (let i = 0; i < 100; i++) values.push((await guest.guestAccess({ domid: 1, vcpu: i % 2, kind: 'in', addr: 0x3f8n + BigInt((i % 4) * 2), size: 2 })).value!);
    await served;
    expect(values).toEqual(Array.from({ length: 100 }, (_, i) => ((0x3f8n + BigInt((i % 4) * 2)) * 3n + BigInt(i)) & 0xffffn));
    await server.close();
  });

  it("requests({ wait: 'block' }) serves the same accesses (blocking in the doorbell on shm, awaiting on the socket)", async () => {
    const { guest, dm } = await setup(transport);
    const server = await IoreqServer.create(dm, 1);
    await server.mapPort(0x3f8, 0x3ff);
    await server.enable();
    const served = (async () => {
      let n = 0;
      for await (const r of server.requests({ wait: 'block', blockMs: 1 })) {
        if (r.buffered) throw new Error('no buffered request expected');
        await r.respond(0x1234n + BigInt(n));
        if (++n === 10) break;
      }
    })();
    const values: bigint[] = [];
    for (let i = 0; i < 10; i++) values.push((await guest.guestAccess({ domid: 1, vcpu: 0, kind: 'in', addr: 0x3f8n, size: 2 })).value!);
    await served;
    expect(values).toEqual(Array.from({ length: 10 }, (_, i) => 0x1234n + BigInt(i)));
    await server.close();
  });

  it('refuses bad wait options, naming them', async () => {
    const { dm } = await setup(transport);
    const server = await IoreqServer.create(dm, 1);
    expect(() => server.requests({ wait: 'spin' as never })).toThrow(/^wait "spin" must be 'event-loop' or 'block'/);
    expect(() => server.requests({ wait: 'block', blockMs: -1 })).toThrow(/^blockMs -1 must be 0 … 60000 ms/);
    expect(() => server.requests({ wait: 'block', spinUs: -5 })).toThrow(/^spinUs -5 must be 0 … 1000000 µs/);
    await server.close();
  });
});
