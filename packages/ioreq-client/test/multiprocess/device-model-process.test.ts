/**
 * examples/device-model/ as separate processes against one daemon (docs/protocol.md): the daemon runs in
 * this process on a temporary socket, each device model is `node device-model.mjs` in a child process, and
 * the guest is driven by drive-guest.mjs's steps over a control connection. Proves that a device model in
 * another process answers for real (UART bytes, IRQ events, register read-back, trapped writes to
 * ioreq_server pages), that two run at once, and that a killed one's server can be taken over by a new
 * process of the same caller domain, which then completes the access the guest was blocked on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hypervisor, startDaemon } from '@xenmem/hypervisor-sim';
import type { SocketBackend } from '../../src/socket/index.js';
// Plain ESM JavaScript, run as is (no build step of its own).
import { BANK_BASE, BANK_ID as BANK_ID_VALUE, HALT_MAGIC, HALT_OFFSET, connectControl, createGuest, driveGuest, waitForDeviceModel } from '../../../../examples/device-model/drive-guest.mjs';

const DEVICE_MODEL = fileURLToPath(new URL('../../../../examples/device-model/device-model.mjs', import.meta.url));
const BANK_ID = `0x${BANK_ID_VALUE.toString(16)}`; // 'XMDM'
const WAIT_MS = 8_000;
/** Server 0 holds ioreq_server for writes (XEN_DMOP_IOREQ_MEM_ACCESS_WRITE, 1u << 1) over the 2 tracked pages. */
const CLAIMED = { owner: 0, flags: 2, entryCount: 2 };

type Line = Record<string, unknown> & { event: string };

class DeviceModelProcess {
  readonly lines: Line[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly child: ChildProcess) {
    let partial = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      partial += chunk;
      const parts = partial.split('\n');
      partial = parts.pop()!;
      for (const p of parts) if (p.trim()) this.lines.push(JSON.parse(p) as Line);
      for (const w of this.waiters.splice(0)) w();
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => (resolve({ code, signal }), this.waiters.splice(0).forEach((w) => w()))));
  }

  /** The first line of `event` (optionally matching `where`), waiting at most WAIT_MS: a hang fails the test. */
  async waitFor(event: string, where: (l: Line) => boolean = () => true): Promise<Line> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const found = this.lines.find((l) => l.event === event && where(l));
      if (found) return found;
      if (this.child.exitCode !== null || this.child.signalCode !== null || Date.now() > deadline)
        throw new Error(`device model ${this.child.pid}: no "${event}" line (exit ${this.child.exitCode ?? this.child.signalCode}); stdout ${JSON.stringify(this.lines)}; stderr ${this.stderr}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }

  /** SIGTERM, then the summary it prints while closing its server. */
  async stop(): Promise<Line> {
    this.child.kill('SIGTERM');
    const exit = await withTimeout(this.exited, 'device model exit');
    expect(exit, this.stderr).toEqual({ code: 0, signal: null });
    return this.waitFor('closed');
  }
}

function withTimeout<T>(p: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'xenmem-dm-process-'));
  const daemon = await startDaemon({ socketPath: join(dir, 'sim.sock'), hypervisor: new Hypervisor({ release: '4.22' }) });
  const control: SocketBackend = await connectControl(daemon.address);
  const children: DeviceModelProcess[] = [];
  cleanup.push(async () => {
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    await control.close();
    await daemon.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const start = async (args: string[]) => {
    const p = new DeviceModelProcess(spawn(process.execPath, [DEVICE_MODEL, '--socket', daemon.address, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
    children.push(p);
    await p.waitFor('ready');
    return p;
  };
  return { daemon, control, start };
}

type Access = { kind: string; addr: string; outcome: string; value: string | null; ioreqs: { server: number; type: string; dir: string; addr: string; size: number; data: string; buffered: boolean }[] };
const brief = (a: Access) => [a.kind, a.addr, a.outcome, a.value];

/** What drive-guest's program sees from a device model serving it, exactly. */
function expectServed(result: { uart: Access[]; bank: Access[]; tracked: Access[]; irq: unknown[] }, message: string, server: number) {
  const thr = [...Buffer.from(message, 'latin1')].map((b) => ['out', '0x3f8', 'ioreq', null]);
  expect(result.uart.map(brief)).toEqual([
    ['out', '0x3fb', 'ioreq', null], // LCR 8N1
    ['out', '0x3f9', 'ioreq', null], // IER: THR-empty interrupt on
    ['in', '0x3fa', 'ioreq', '0x2'], // IIR: THRI (and acknowledged)
    ['in', '0x3fa', 'ioreq', '0x1'], // IIR: nothing pending
    ...thr,
    ['in', '0x3fd', 'ioreq', '0x60'], // LSR: THRE | TEMT
    ['out', '0x3ff', 'ioreq', null],
    ['in', '0x3ff', 'ioreq', '0x5a'], // scratch read back
    ['out', '0x3f9', 'ioreq', null], // IER off
  ]);
  expect(result.uart.flatMap((a) => a.ioreqs.map((q) => [q.server, q.type, q.buffered]))).toEqual(result.uart.map(() => [server, 'pio', false]));
  // ISA IRQ 4: up when enabled, down when IIR acknowledged it, up with the first byte sent, down when disabled.
  expect(result.irq).toEqual([
    { isa_irq: 4, level: 1 },
    { isa_irq: 4, level: 0 },
    { isa_irq: 4, level: 1 },
    { isa_irq: 4, level: 0 },
  ]);
  expect(result.bank.map(brief)).toEqual([
    ['read', '0xfebf0000', 'ioreq', BANK_ID],
    ['write', '0xfebf0010', 'ioreq', null],
    ['write', '0xfebf0014', 'ioreq', null],
    ['read', '0xfebf0010', 'ioreq', '0xdeadbeef'],
    ['read', '0xfebf0014', 'ioreq', '0x12345678'],
    ['write', '0xfebf0000', 'ioreq', null],
    ['read', '0xfebf0000', 'ioreq', BANK_ID], // the ID register ignores writes
  ]);
  expect(result.bank[3]!.ioreqs).toEqual([{ server, type: 'copy', dir: 'read', addr: '0xfebf0010', size: 4, data: '0xdeadbeef', buffered: false }]);
  expect(result.tracked.map(brief)).toEqual([
    ['write', '0x100008', 'ioreq', null], // trapped: the page is ioreq_server, claimed for writes
    ['write', '0x101010', 'ioreq', null],
    ['read', '0x100008', 'ram', '0x11223344'], // reads are not trapped: RAM, as the device model completed it
    ['read', '0x101010', 'ram', '0x123456789abcdef'],
    ['write', '0x102000', 'ram', null], // the next page is not tracked
    ['read', '0x102000', 'ram', '0xcafef00d'],
  ]);
  expect(result.tracked.slice(0, 2).map((a) => a.ioreqs)).toEqual([
    [{ server, type: 'copy', dir: 'write', addr: '0x100008', size: 4, data: '0x11223344', buffered: false }],
    [{ server, type: 'copy', dir: 'write', addr: '0x101010', size: 8, data: '0x123456789abcdef', buffered: false }],
  ]);
  expect(result.tracked.slice(2).flatMap((a) => a.ioreqs)).toEqual([]);
}

const TRACKED_WRITES = [
  { gfn: '0x100', offset: 8, size: 4, value: '0x11223344' },
  { gfn: '0x101', offset: 16, size: 8, value: '0x123456789abcdef' },
];

describe('examples/device-model as processes on one daemon', () => {
  it('serves a guest: UART bytes and IRQ 4, register read-back, trapped writes to tracked pages; closes in the safe order', { timeout: 20_000 }, async () => {
    const { control, start } = await setup();
    await createGuest(control, { domid: 1, dm: 7 });
    const dm = await start(['--domid', '1', '--caller', '7']);
    expect(dm.lines[0]).toMatchObject({ event: 'ready', domid: 1, caller: 7, server: 0, takeOver: false, release: '4.22' });
    const view = await waitForDeviceModel(control, 1);
    expect(view.ioreqClaim).toEqual(CLAIMED);
    expect(view.servers.map((s) => [s.id, s.emulator, s.enabled, s.pages, s.ranges])).toEqual([
      [0, 7, true, 'resource', { port: [['0x3f8', '0x3ff']], memory: [['0xfebf0000', '0xfebf0fff']], pci: [] }],
    ]);

    const result = await withTimeout(driveGuest(control, { domid: 1, message: 'Hi\n' }), 'driving the guest');
    expectServed(result, 'Hi\n', 0);

    const summary = await dm.stop();
    expect(summary).toMatchObject({ signal: 'SIGTERM', closeError: null, transmitted: 'Hi\n', trackedWrites: TRACKED_WRITES });
    expect(dm.lines.filter((l) => l.event === 'irq').map((l) => l.level)).toEqual([1, 0, 1, 0]);
    // Released the claim (Xen swept the pages back to ram_rw), disabled, destroyed.
    const after = await control.inspect(1);
    expect(after.servers).toEqual([]);
    expect(after.ioreqClaim).toEqual({ owner: null, flags: 0, entryCount: 0 });
    expect(after.p2m.map((r) => r.name)).toEqual(['p2m_ram_rw']);
  });

  it('runs two device-model processes at once, one per domain, both answering', { timeout: 20_000 }, async () => {
    const { control, start } = await setup();
    await createGuest(control, { domid: 1, dm: 7 });
    await createGuest(control, { domid: 2, dm: 8 });
    const [a, b] = await Promise.all([start(['--domid', '1', '--caller', '7']), start(['--domid', '2', '--caller', '8'])]);
    expect(a.child.pid).not.toBe(b.child.pid);
    await Promise.all([waitForDeviceModel(control, 1), waitForDeviceModel(control, 2)]);

    // Interleaved: both guests' accesses are in flight on the daemon at the same time.
    const [r1, r2] = await withTimeout(
      Promise.all([driveGuest(control, { domid: 1, message: 'one' }), driveGuest(control, { domid: 2, message: 'two!' })]),
      'driving both guests',
    );
    expectServed(r1, 'one', 0);
    expectServed(r2, 'two!', 0);
    const [sa, sb] = await Promise.all([a.stop(), b.stop()]);
    expect([sa.transmitted, sb.transmitted]).toEqual(['one', 'two!']);
    expect([sa.trackedWrites, sb.trackedWrites]).toEqual([TRACKED_WRITES, TRACKED_WRITES]);
    expect((await control.inspect(1)).servers).toEqual([]);
    expect((await control.inspect(2)).servers).toEqual([]);
  });

  it('a killed device model leaves its server and the blocked access; a new process takes the server over and completes it', { timeout: 20_000 }, async () => {
    const { daemon, control, start } = await setup();
    await createGuest(control, { domid: 1, dm: 7 });
    const first = await start(['--domid', '1', '--caller', '7']);
    await waitForDeviceModel(control, 1);
    // Its first writes go through; then the guest hangs it (it stops taking requests, as a hung one would).
    await control.guestAccess({ domid: 1, vcpu: 0, kind: 'write', addr: 0x100000n, size: 4, value: 0xa5a5a5a5n });
    await control.guestAccess({ domid: 1, vcpu: 0, kind: 'write', addr: BANK_BASE + HALT_OFFSET, size: 4, value: HALT_MAGIC });
    await first.waitFor('halted');

    let settled = false;
    const blocked = control.guestAccess({ domid: 1, vcpu: 0, kind: 'read', addr: BANK_BASE, size: 4 });
    void blocked.then(() => (settled = true), () => (settled = true));
    const pendingRead = { vcpu: 0, server: 0, request: { server: 0, type: 'copy', dir: 'read', addr: BANK_BASE, size: 4, count: 1, data: 0n, df: false, buffered: false } };
    const deadline = Date.now() + WAIT_MS;
    while ((await control.inspect(1)).pending.length === 0) {
      if (Date.now() > deadline) throw new Error('the read never became pending');
      await new Promise((r) => setTimeout(r, 10));
    }

    first.child.kill('SIGKILL');
    expect(await withTimeout(first.exited, 'SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    // Xen knows domains, not processes: the server, its claim and the waiting vCPU are all still there.
    // The daemon has seen the disconnect (and unbound the dead process's ports) once only `control` is left.
    while (daemon.connections > 1) {
      if (Date.now() > deadline) throw new Error('the daemon never saw the killed device model disconnect');
      await new Promise((r) => setTimeout(r, 10));
    }
    const orphaned = await control.inspect(1);
    expect(orphaned.pending).toEqual([pendingRead]);
    expect(orphaned.servers.map((s) => [s.id, s.emulator, s.enabled])).toEqual([[0, 7, true]]);
    expect(orphaned.ioreqClaim).toEqual(CLAIMED);
    expect(settled).toBe(false);

    const second = await start(['--domid', '1', '--caller', '7', '--take-over', '0']);
    expect(second.lines[0]).toMatchObject({ event: 'ready', server: 0, takeOver: true });
    // The new process finds the slot still READY when it binds the ports, and answers it.
    const done = await withTimeout(blocked, 'the blocked read after take-over');
    expect(done).toEqual({ outcome: 'ioreq', value: BANK_ID_VALUE, ioreqs: [{ ...pendingRead.request, data: BANK_ID_VALUE }] });
    expect((await control.inspect(1)).pending).toEqual([]);
    await second.waitFor('bank', (l) => l.dir === 'read' && l.offset === '0x0' && l.value === BANK_ID);

    // It now serves everything the first one did: ranges and claim carried over, the tracked pages' RAM too.
    const result = await withTimeout(driveGuest(control, { domid: 1, message: 'back' }), 'driving the guest after take-over');
    expectServed(result, 'back', 0);
    expect((await control.guestAccess({ domid: 1, vcpu: 0, kind: 'read', addr: 0x100000n, size: 4 })).value).toBe(0xa5a5a5a5n);

    const summary = await second.stop();
    expect(summary).toMatchObject({ closeError: null, transmitted: 'back', trackedWrites: TRACKED_WRITES });
    const after = await control.inspect(1);
    expect(after.servers).toEqual([]);
    expect(after.ioreqClaim).toEqual({ owner: null, flags: 0, entryCount: 0 });
  });
});
