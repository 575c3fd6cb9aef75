/**
 * Debian's QEMU 7.2 (qemu-system-xen, unmodified, with Debian's Xen 4.17 libraries) as the device model of a
 * simulated HVM domain, at Xen 4.17 and 4.22: started under `xenmem sim exec` against `xenmem sim serve`, it
 * reports "running" in xenstore, registers its ioreq server, answers guest port and PCI config accesses and
 * rep string I/O from guest RAM; libxl's own command line starts too; SIGTERM makes it destroy its server, and
 * after SIGKILL a guest access to its ranges waits for it as a vCPU waits on Xen, with the daemon still up.
 *
 * Domain 1 is QEMU's minimal machine (`-nodefaults`), domain 2 libxl's (`-S`, cirrus VGA), domain 3 the one whose
 * QEMU is killed. Each has one vCPU:
 * QEMU binds the event channel of each of its `maxcpus` vCPUs (1 by default) and exits if one is missing
 * (hw/i386/xen/xen-hvm.c xen_hvm_init_pc() @ v7.2.0).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DomainInspection } from '@xenmem/sim-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Daemon, Program, xenmem, xenmemJson } from './harness.js';
import { findQemu, libxlArgs, minimalArgs, qmp } from './qemu.js';
import { xsRead, xsRm } from './xenstore.js';

const qemu = findQemu();
const unavailable = 'unavailable' in qemu ? qemu.unavailable : undefined;
if (unavailable !== undefined) {
  if (process.env.CI === 'true') throw new Error(`QEMU cannot be had: ${unavailable}`);
  console.warn(`skipped: QEMU cannot be had: ${unavailable}`);
} else if (!('unavailable' in qemu)) {
  console.log(`QEMU under test: ${qemu.version}; package qemu-system-xen ${qemu.packageVersion}; ${qemu.binary}`);
}

/** Where QEMU (run as domain 0's device model) writes its state: libxenstore's relative path resolved under /local/domain/0. */
const statePath = (domid: number) => `/local/domain/0/device-model/${domid}/state`;

/** A guest access through `xenmem guest`: its JSON answer, and the exit status. */
function guest(socket: string, args: string[]): { status: number | null; json: { outcome: string; value: string | null; ioreqs: number } } {
  const r = xenmem(['guest', ...args, '--socket', socket, '--json']);
  if (r.stdout.trim() === '') throw new Error(`xenmem guest ${args.join(' ')} printed nothing (exit ${r.status}): ${r.stderr.trim()}`);
  return { status: r.status, json: JSON.parse(r.stdout) };
}

describe.skipIf(unavailable !== undefined).each(['4.17', '4.22'])('QEMU 7.2 as the device model of a domain at Xen %s', (release) => {
  if ('unavailable' in qemu) return;
  let daemon: Daemon;
  let dm: Program;
  let serial: string;
  const env = { ...(qemu.libraryPath && { LD_LIBRARY_PATH: qemu.libraryPath }) };
  const start = (args: string[]) => daemon.exec(qemu.binary, args, env);
  const inspect = (domid: number) => xenmemJson<DomainInspection>(['sim', 'inspect', '--socket', daemon.socket, '--domid', String(domid)]);
  const xs = () => `${daemon.socket}.xenstore`;
  const access = (args: string[]) => guest(daemon.socket, [args[0]!, '--domid', '1', ...args.slice(1)]);
  /** Waits until QEMU has written "running" for `domid` (it does on entering the run state). */
  const running = async (p: Program, domid: number) => {
    const deadline = Date.now() + 30_000;
    while ((await xsRead(xs(), statePath(domid))) !== 'running') {
      if (!p.running || Date.now() > deadline) throw new Error(`${statePath(domid)} never read running (QEMU ${p.running ? 'still running' : 'exited'})\nstderr: ${p.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  /** The serial file's contents once they include `text`. */
  const serialHas = (p: Program, file: string, text: string) => p.waitFor(`"${text}" in the serial file`, () => (existsSync(file) && readFileSync(file, 'latin1').includes(text) ? readFileSync(file, 'latin1') : undefined), 10_000);

  beforeAll(async () => {
    // Domain 2's p2m reaches past its 64 MiB of RAM: QEMU populates the VGA's RAM and BIOS there.
    daemon = await Daemon.start(release, ['domid=1,max-gpfn=0x3fff,vcpus=1', 'domid=2,max-gpfn=0x4fff,vcpus=1', 'domid=3,max-gpfn=0x3fff,vcpus=1']);
    serial = join(daemon.dir, 'serial-1.txt');
    dm = start(minimalArgs(1, serial));
    await running(dm, 1);
  });

  afterAll(async () => {
    await dm?.stop('SIGKILL');
    await daemon?.stop();
  });

  it('writes device-model/1/state = running to xenstore', async () => {
    expect(await xsRead(xs(), statePath(1))).toBe('running');
  });

  it("registers one enabled ioreq server: its port ranges, MMIO ranges and 5 PCI devices, merged as Xen's rangesets merge them", () => {
    const { servers } = inspect(1);
    expect(servers).toHaveLength(1);
    const s = servers![0]!;
    expect(s).toMatchObject({ emulator: 0, bufioreq: 2, enabled: true, pages: 'resource' });
    // QEMU maps 37 port ranges (among them 0x0-0xf DMA, 0x10-0x1f xen-platform, 0x3f8-0x3ff UART, 0xcf8-0xcff
    // PCI); adjacent ones merge into one rangeset entry (xen/common/rangeset.c rangeset_add_range() @ RELEASE-4.17.0).
    expect(s.ranges.port).toEqual([
      ['0x0', '0x1f'], ['0x60', '0x60'], ['0x64', '0x64'], ['0x70', '0x71'], ['0x80', '0x83'], ['0x87', '0x87'], ['0x89', '0x8b'], ['0x8f', '0x8f'],
      ['0x92', '0x92'], ['0xb2', '0xb3'], ['0xc0', '0xdf'], ['0xf0', '0xf0'], ['0x170', '0x177'], ['0x1f0', '0x1f7'], ['0x376', '0x376'], ['0x3f1', '0x3ff'],
      ['0xcf8', '0xcff'], ['0xae00', '0xae17'], ['0xaf00', '0xaf1f'], ['0xafe0', '0xafe3'], ['0xb100', '0xb13f'],
    ]);
    // The IOAPIC, HPET and local APIC windows (Xen would emulate these itself; docs/xen-libraries.md).
    expect(s.ranges.memory).toEqual([['0xfec00000', '0xfec00fff'], ['0xfed00000', '0xfed003ff'], ['0xfee00000', '0xfeefffff']]);
    // 00:00.0 (i440FX), 00:01.0 (PIIX3) + 00:01.1 (IDE), 00:01.3 (ACPI), 00:02.0 (xen-platform) as XEN_DMOP_PCI_SBDF packs them.
    expect(s.ranges.pci).toEqual([['0x0', '0x0'], ['0x8', '0x9'], ['0xb', '0xb'], ['0x10', '0x10']]);
  });

  it('prints the bytes the guest writes to port 0x3f8 into the serial file', async () => {
    for (const byte of Buffer.from('A\nhello\n')) expect(access(['out', '--port', '0x3f8', '--size', '1', '--value', `0x${byte.toString(16)}`]).json.outcome).toBe('ioreq');
    expect(await serialHas(dm, serial, 'hello\n')).toBe('A\nhello\n');
  });

  it('answers the PCI config mechanism: 00:00.0 reads 0x12378086 (i440FX), 00:02.0 reads 0x00015853 (xen-platform)', () => {
    expect(access(['out', '--port', '0xcf8', '--size', '4', '--value', '0x80000000']).json.outcome).toBe('ioreq');
    expect(access(['in', '--port', '0xcfc', '--size', '4']).json).toMatchObject({ outcome: 'ioreq', value: '0x12378086' });
    expect(access(['out', '--port', '0xcf8', '--size', '4', '--value', '0x80001000']).json.outcome).toBe('ioreq');
    expect(access(['in', '--port', '0xcfc', '--size', '4']).json).toMatchObject({ outcome: 'ioreq', value: '0x15853' });
  });

  it('reads 0x60 from the UART line status register (port 0x3fd: transmitter empty)', () => {
    expect(access(['in', '--port', '0x3fd', '--size', '1']).json).toMatchObject({ outcome: 'ioreq', value: '0x60' });
  });

  it('on SIGTERM disables and destroys its ioreq server, and exits 0', async () => {
    expect(await dm.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(inspect(1).servers).toEqual([]);
  });

  it("starts with libxl's command line: stopped until QMP cont, cirrus VGA's RAM populated and mapped", async () => {
    const qmpSocket = join(daemon.dir, 'qmp-2.sock');
    const libxl = start(libxlArgs(2, qmpSocket, join(daemon.dir, 'serial-2.txt'), qemu.dataDirs));
    try {
      await libxl.waitFor('the QMP socket', () => (existsSync(qmpSocket) ? true : undefined));
      const [status] = await qmp(qmpSocket, ['query-status']);
      expect(status).toMatchObject({ status: 'prelaunch', running: false });
      expect(await xsRead(xs(), statePath(2))).toBeUndefined();
      const before = inspect(2);
      expect(before.servers).toHaveLength(1);
      expect(before.servers![0]!.ranges.memory).toContainEqual(['0xa0000', '0xbffff']);
      // The VGA's 8 MiB of video RAM (2048 frames) right after the 64 MiB of RAM, then its 64 KiB BIOS, each
      // populated (xen_ram_alloc) and mapped at once.
      const trace = readFileSync(daemon.trace, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { call?: string; domid?: number; gpfns?: string[] });
      const populated = trace.filter((t) => t.call === 'populate_physmap' && t.domid === 2).map((t) => [t.gpfns![0], t.gpfns!.length]);
      expect(populated).toEqual([['0x4000', 2048], ['0x4800', 16]]);
      expect(trace.filter((t) => t.call === 'map_foreign_batch' && t.domid === 2).length).toBeGreaterThan(0);
      await qmp(qmpSocket, ['cont']);
      await running(libxl, 2);
      const [after] = await qmp(qmpSocket, ['query-status']);
      expect(after).toMatchObject({ status: 'running', running: true });
    } finally {
      await libxl.stop('SIGTERM');
    }
    expect(inspect(2).servers).toEqual([]);
  });

  it('takes a rep outsb from guest RAM to the serial file', async () => {
    await xsRm(xs(), '/local/domain/0/device-model/1');
    serial = join(daemon.dir, 'serial-3.txt');
    dm = start(minimalArgs(1, serial));
    await running(dm, 1);
    const text = Buffer.from('rep outsb from guest RAM\n');
    expect(xenmem(['guest', 'write-ram', '--socket', daemon.socket, '--domid', '1', '--gpa', '0x1000', '--hex', text.toString('hex')]).status).toBe(0);
    expect(access(['out', '--port', '0x3f8', '--size', '1', '--count', String(text.length), '--buffer-gpa', '0x1000', '--timeout', '5']).json.outcome).toBe('ioreq');
    expect(await serialHas(dm, serial, text.toString())).toBe(text.toString());
  });

  it('after SIGKILL, a guest access to its range stays pending and the daemon lives on', async () => {
    const killed = start(minimalArgs(3, join(daemon.dir, 'serial-4.txt')));
    try {
      await running(killed, 3);
      // QEMU itself, the child of `xenmem sim exec`, is killed; the wrapper then reports its death.
      const [qemuPid] = killed.children();
      process.kill(qemuPid!, 'SIGKILL');
      const exit = await killed.exited;
      expect(exit.code === 137 || exit.signal === 'SIGKILL').toBe(true);
    } finally {
      await killed.stop('SIGKILL');
    }
    expect(guest(daemon.socket, ['in', '--domid', '3', '--port', '0x3fd', '--size', '1', '--timeout', '1'])).toMatchObject({ status: 1, json: { outcome: 'pending', value: null } });
    const view = inspect(3);
    expect(view.servers).toHaveLength(1);
    expect(view.pending).toMatchObject([{ vcpu: 0, server: view.servers![0]!.id, request: { type: 'pio', dir: 'read', addr: '0x3fd', size: 1 } }]);
    expect(xenmem(['sim', 'list', '--socket', daemon.socket]).status).toBe(0);
  });
});
