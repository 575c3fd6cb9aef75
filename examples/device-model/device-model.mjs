#!/usr/bin/env node
/**
 * A device-model process on `xenmem sim serve`: one ioreq server for one guest, with
 * - a 16550 UART on ports 0x3f8–0x3ff raising ISA IRQ 4 through set_isa_irq_level,
 * - an MMIO register bank at 0xfebf0000–0xfebf0fff,
 * - a write-protected page tracker in the XenGT style: the server claims HVMMEM_ioreq_server for writes
 *   and retypes the tracked pages to it, so every guest write to them comes here.
 * It serves requests until SIGTERM (or SIGINT), then closes the server in the safe order (release the claim,
 * disable, destroy) and prints a summary. Everything it sees is one JSON line on stdout.
 *
 *   node device-model.mjs --socket PATH --domid N [--caller N] [--take-over ID] [--track-gfn G] [--track-nr N]
 *
 * `--take-over ID` attaches to server ID that a previous device model of the same caller domain created and
 * left behind (it died or was killed): Xen knows domains, not processes, so the server, its ranges, its claim
 * and any request a vCPU is waiting on are all still there (docs/protocol.md "Disconnects").
 */
import { parseArgs } from 'node:util';
import { DeviceModel, IoreqServer, SocketBackend } from '@xenmem/ioreq-client';
import { PageTracker } from './page-tracker.mjs';
import { BANK_BASE, BANK_SIZE, RegisterBank } from './register-bank.mjs';
import { UART_BASE, UART_REGISTERS, Uart16550 } from './uart16550.mjs';

const UART_IRQ = 4; // COM1's ISA IRQ
const IFACE = '4.22';

/** One JSON line on stdout; 64-bit values as "0x…" (docs/scenarios.md, "JSON conventions"). */
function emit(event, fields = {}) {
  const line = JSON.stringify({ event, ...fields }, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v));
  process.stdout.write(`${line}\n`);
}

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      socket: { type: 'string' },
      domid: { type: 'string' },
      caller: { type: 'string', default: '0' },
      'take-over': { type: 'string' },
      'track-gfn': { type: 'string', default: '0x100' },
      'track-nr': { type: 'string', default: '2' },
    },
  });
  const int = (name, text) => {
    const n = Number(text);
    if (text === undefined || !Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer (got ${text})`);
    return n;
  };
  if (!values.socket) throw new Error('--socket PATH is required (the socket of xenmem sim serve)');
  return {
    socket: values.socket,
    domid: int('domid', values.domid),
    caller: int('caller', values.caller),
    takeOver: values['take-over'] === undefined ? null : int('take-over', values['take-over']),
    trackGfn: BigInt(int('track-gfn', values['track-gfn'])),
    trackNr: int('track-nr', values['track-nr']),
  };
}

/**
 * Attaches to an existing server, as a restarted QEMU could: get_ioreq_server_info for the bufioreq port,
 * acquire_resource of its pages again (Xen hands the same frames to the server's emulator domain), then
 * enable (set_ioreq_server_state(1) on an enabled server is a no-op) and bind each vCPU's vp_eport, which
 * went back to unbound when the dead process's ports were closed.
 *
 * IoreqServer.attach does all of it (packages/ioreq-client/README.md, "IoreqServer"). `claimed` is set because
 * this device model always holds the claim: close() then releases it (an EINVAL "not the owner" is ignored there).
 */
async function attachIoreqServer(dm, domid, id) {
  // Take over a server a dead device model left: its ranges, claim and waiting requests are still there.
  return IoreqServer.attach(dm, domid, id, { claimed: true });
}

/** Creates the server in the order QEMU and XenGT do: create and map pages, ranges, claim, enable, then retype. */
async function createIoreqServer(dm, domid, opts) {
  const server = await IoreqServer.create(dm, domid, { bufioreq: 'atomic' });
  try {
    await server.mapPort(UART_BASE, UART_BASE + BigInt(UART_REGISTERS) - 1n);
    await server.mapMmio(BANK_BASE, BANK_BASE + BANK_SIZE - 1n);
    await server.claimMemType({ write: true });
    await server.enable();
    // 4.9+: set_mem_type(ioreq_server) needs a claiming server (xen/arch/x86/hvm/dm.c set_mem_type() @ RELEASE-4.22.0). Done last, once the ports are
    // bound, so a driver that waits for these pages to become ioreq_server knows the device model is serving.
    await dm.setMemType(domid, 'ioreq_server', opts.trackGfn, opts.trackNr);
  } catch (error) {
    await server.close().catch(() => undefined);
    throw error;
  }
  return server;
}

/** Maps the tracked pages (foreign mappings of guest RAM) and starts their shadows. */
async function trackPages(dm, backend, domid, opts) {
  const tracker = new PageTracker();
  for (let i = 0n; i < BigInt(opts.trackNr); i++) {
    const gfn = opts.trackGfn + i;
    const { rc, page } = await backend.mapForeignGfn(dm.caller, domid, gfn);
    if (rc < 0 || page === null) throw new Error(`foreign map of gfn 0x${gfn.toString(16)} failed: rc ${rc}`);
    tracker.add(gfn, page);
  }
  return tracker;
}

/** The devices, and how one request is handled. Returns 'halt' when the guest asked the device model to hang. */
function makeHandler(dm, domid, devices) {
  const { uart, bank, tracker } = devices;
  const answer = async (req, value) => {
    if (!req.buffered) await (req.dir === 'read' ? req.respond(value) : req.respond());
  };
  return async (req) => {
    if (req.dataIsPtr || req.count !== 1) {
      emit('unsupported', { type: req.type, dir: req.dir, addr: req.addr, size: req.size, count: req.count });
      return answer(req, undefined);
    }
    if (req.type === 'pio' && req.addr >= UART_BASE && req.addr < UART_BASE + BigInt(UART_REGISTERS)) {
      const offset = Number(req.addr - UART_BASE);
      const before = uart.irqLevel;
      let value;
      if (req.dir === 'read') value = BigInt(uart.read(offset));
      else uart.write(offset, req.data);
      emit('uart', { dir: req.dir, offset, value: req.dir === 'read' ? value : req.data & 0xffn });
      // The interrupt line changes before the access completes, as QEMU's serial_update_irq runs inside the I/O.
      if (uart.irqLevel !== before) {
        await dm.setIsaIrqLevel(domid, UART_IRQ, uart.irqLevel);
        emit('irq', { irq: UART_IRQ, level: uart.irqLevel });
      }
      return answer(req, value);
    }
    if (req.type === 'copy' && bank.contains(req.addr, req.size)) {
      if (req.dir === 'read') {
        const value = bank.read(req.addr, req.size);
        emit('bank', { dir: 'read', offset: req.addr - bank.base, size: req.size, value });
        return answer(req, value);
      }
      const halt = bank.write(req.addr, req.size, req.data);
      emit('bank', { dir: 'write', offset: req.addr - bank.base, size: req.size, value: req.data });
      await answer(req, undefined);
      return halt ? 'halt' : undefined;
    }
    if (req.type === 'copy' && req.dir === 'write' && tracker.contains(req.addr)) {
      const w = tracker.write(req.addr, req.size, req.data);
      emit('tracked-write', { gfn: w.gfn, offset: w.offset, size: w.size, value: w.value, buffered: req.buffered });
      return answer(req, undefined);
    }
    emit('unclaimed', { type: req.type, dir: req.dir, addr: req.addr, size: req.size });
    return answer(req, undefined);
  };
}

/** Serves until the stream ends (close) or the guest halts the device model; resolves with why it stopped. */
async function serve(server, handle) {
  const requests = server.requests()[Symbol.asyncIterator]();
  for (;;) {
    const { value: req, done } = await requests.next();
    if (done) return 'closed';
    // A halted device model stops pulling requests: the next one stays in STATE_IOREQ_READY, unanswered.
    if ((await handle(req)) === 'halt') return 'halted';
  }
}

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  const backend = await SocketBackend.connect(opts.socket, { caller: opts.caller });
  const dm = new DeviceModel({ backend, iface: IFACE, caller: opts.caller });
  const server = opts.takeOver === null ? await createIoreqServer(dm, opts.domid, opts) : await attachIoreqServer(dm, opts.domid, opts.takeOver);
  const devices = { uart: new Uart16550(), bank: new RegisterBank(), tracker: await trackPages(dm, backend, opts.domid, opts) };

  const stop = new Promise((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const served = serve(server, makeHandler(dm, opts.domid, devices)).then(
    (why) => (why === 'halted' ? emit('halted', {}) : undefined),
    (error) => {
      emit('error', { message: error?.message ?? String(error) });
      process.exitCode = 1;
    },
  );
  emit('ready', {
    pid: process.pid,
    domid: opts.domid,
    caller: opts.caller,
    server: server.id,
    takeOver: opts.takeOver !== null,
    release: dm.release,
    trackGfn: opts.trackGfn,
    trackNr: opts.trackNr,
  });

  const signal = await stop;
  let closeError = null;
  await server.close().catch((error) => (closeError = error?.message ?? String(error)));
  await served;
  emit('closed', {
    signal,
    server: server.id,
    closeError,
    transmitted: Buffer.from(devices.uart.transmitted).toString('latin1'),
    bankWrites: devices.bank.writes,
    trackedWrites: devices.tracker.writes,
  });
  await backend.close();
}

main().catch((error) => {
  emit('error', { message: error?.message ?? String(error), code: error?.code });
  process.exitCode = 1;
  process.exit();
});
