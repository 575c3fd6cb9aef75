#!/usr/bin/env node
/**
 * Drives a guest against device-model.mjs through the daemon. It starts nothing: it connects to
 * `xenmem sim serve` as the control domain (caller 0), creates the guest domain if asked, waits until a
 * device model serves it, performs guest accesses (SimulatorBackend.guestAccess over SocketBackend) on the
 * UART, the register bank and the tracked pages, and prints what the guest saw as one JSON document.
 *
 *   node drive-guest.mjs --socket PATH --domid N [--create --dm N --max-gpfn 0x3ffff]
 *                        [--message TEXT] [--track-gfn G] [--timeout MS]
 *
 * The module also exports the steps, for tests: connectControl, createGuest, waitForDeviceModel, driveGuest.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { SocketBackend } from '@xenmem/ioreq-client';
import { BANK_BASE } from './register-bank.mjs';
import { UART_BASE } from './uart16550.mjs';

export { BANK_BASE, BANK_ID, HALT_MAGIC, HALT_OFFSET } from './register-bank.mjs';
const UART = { THR: 0, IER: 1, IIR: 2, LCR: 3, LSR: 5, SCR: 7 };
const PAGE = 4096n;
/** 1 GiB of RAM: the bank at 0xfebf0000 then lies in the MMIO hole above it, where accesses are emulated. */
export const GUEST_MAX_GPFN = 0x3ffff;

const hex = (v) => (v === null || v === undefined ? null : `0x${v.toString(16)}`);

/** The control domain's connection to the daemon. */
export function connectControl(socket) {
  return SocketBackend.connect(socket, { caller: 0 });
}

/** Creates the guest, with `dm` as its device-model domain (the caller device-model.mjs runs as). */
export async function createGuest(backend, { domid, dm, maxGpfn = GUEST_MAX_GPFN, vcpus = 1 }) {
  await backend.createDomain({ domid, maxGpfn, vcpus, ...(dm === undefined || dm === 0 ? {} : { dm }) });
}

/**
 * Waits until a device model serves the domain: device-model.mjs retypes its tracked pages to ioreq_server as
 * its last set-up step, after binding its ports, so that type at `trackGfn` means requests will be answered.
 */
export async function waitForDeviceModel(backend, domid, { trackGfn = 0x100n, timeoutMs = 10_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await backend.inspect(domid);
    const run = view.p2m.find((r) => r.first <= trackGfn && trackGfn < r.first + r.count);
    if (run?.name === 'p2m_ioreq_server' || run?.name === 'ioreq_server') return view;
    if (Date.now() > deadline) throw new Error(`no device model retyped gfn ${hex(trackGfn)} of domain ${domid} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** One guest access on vCPU 0, reported as JSON-ready values. */
async function access(backend, domid, kind, addr, size, value) {
  const r = await backend.guestAccess({ domid, vcpu: 0, kind, addr, size, ...(value === undefined ? {} : { value }) });
  return {
    kind,
    addr: hex(addr),
    size,
    ...(value === undefined ? {} : { wrote: hex(value) }),
    outcome: r.outcome,
    value: hex(r.value),
    ioreqs: r.ioreqs.map((q) => ({ server: q.server, type: q.type, dir: q.dir, addr: hex(q.addr), size: q.size, data: hex(q.data), buffered: q.buffered })),
  };
}

/**
 * The guest's program. UART: 8N1, enable the THR-empty interrupt (IRQ 4 rises), read IIR (THRI, which
 * acknowledges it: IRQ 4 falls), transmit `message` (IRQ 4 rises with the first byte), LSR, scratch,
 * disable interrupts (IRQ 4 falls). Bank: the ID register, two registers written and read back, a write to
 * the read-only ID. Tracked pages: a 4-byte and an 8-byte write (each trapped to the device model), read back
 * from RAM; a write beside them, to an untracked page, goes straight to RAM.
 */
export async function driveGuest(backend, { domid, message = 'Hi', trackGfn = 0x100n }) {
  const pio = (kind, reg, value) => access(backend, domid, kind, UART_BASE + BigInt(reg), 1, value);
  const mmio = (kind, offset, size, value) => access(backend, domid, kind, BANK_BASE + BigInt(offset), size, value);
  const uart = [];
  uart.push(await pio('out', UART.LCR, 0x03n));
  uart.push(await pio('out', UART.IER, 0x02n));
  uart.push(await pio('in', UART.IIR));
  uart.push(await pio('in', UART.IIR));
  for (const byte of Buffer.from(message, 'latin1')) uart.push(await pio('out', UART.THR, BigInt(byte)));
  uart.push(await pio('in', UART.LSR));
  uart.push(await pio('out', UART.SCR, 0x5an));
  uart.push(await pio('in', UART.SCR));
  uart.push(await pio('out', UART.IER, 0x00n));

  const bank = [];
  bank.push(await mmio('read', 0x0, 4));
  bank.push(await mmio('write', 0x10, 4, 0xdeadbeefn));
  bank.push(await mmio('write', 0x14, 4, 0x12345678n));
  bank.push(await mmio('read', 0x10, 4));
  bank.push(await mmio('read', 0x14, 4));
  bank.push(await mmio('write', 0x0, 4, 0xffffffffn));
  bank.push(await mmio('read', 0x0, 4));

  const page0 = trackGfn * PAGE;
  const page1 = (trackGfn + 1n) * PAGE;
  const untracked = (trackGfn + 2n) * PAGE;
  const tracked = [];
  tracked.push(await access(backend, domid, 'write', page0 + 0x8n, 4, 0x11223344n));
  tracked.push(await access(backend, domid, 'write', page1 + 0x10n, 8, 0x0123456789abcdefn));
  tracked.push(await access(backend, domid, 'read', page0 + 0x8n, 4));
  tracked.push(await access(backend, domid, 'read', page1 + 0x10n, 8));
  tracked.push(await access(backend, domid, 'write', untracked, 4, 0xcafef00dn));
  tracked.push(await access(backend, domid, 'read', untracked, 4));

  const view = await backend.inspect(domid);
  const irq = view.events.filter((e) => e.op === 'set_isa_irq_level').map((e) => e.args);
  return { domid, uart, bank, tracked, irq };
}

async function main() {
  const { values } = parseArgs({
    options: {
      socket: { type: 'string' },
      domid: { type: 'string' },
      create: { type: 'boolean', default: false },
      dm: { type: 'string', default: '0' },
      'max-gpfn': { type: 'string', default: '0x3ffff' },
      message: { type: 'string', default: 'Hi' },
      'track-gfn': { type: 'string', default: '0x100' },
      timeout: { type: 'string', default: '10000' },
    },
  });
  if (!values.socket || values.domid === undefined) throw new Error('usage: drive-guest.mjs --socket PATH --domid N [--create --dm N]');
  const domid = Number(values.domid);
  const trackGfn = BigInt(values['track-gfn']);
  const backend = await connectControl(values.socket);
  try {
    if (values.create) await createGuest(backend, { domid, dm: Number(values.dm), maxGpfn: Number(values['max-gpfn']) });
    await waitForDeviceModel(backend, domid, { trackGfn, timeoutMs: Number(values.timeout) });
    const result = await driveGuest(backend, { domid, message: values.message, trackGfn });
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await backend.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error) => {
    process.stderr.write(`drive-guest: ${error?.message ?? error}\n`);
    process.exitCode = 1;
  });
}
