#!/usr/bin/env node
/**
 * The device model of `xenmem bench`'s ioreq-roundtrip-daemon workload (src/ioreq-workloads.ts): connects
 * to the daemon with the given transport ('socket' or 'shm'), creates an ioreq server for the domain (no
 * buffering: every access is a synchronous request), maps the port range FIRST…LAST, enables it and answers
 * every request at once (reads with VALUE). Prints {"event":"ready"} once serving, {"event":"error", message}
 * and exits 1 when the set-up fails (e.g. the transport is not available), and closes the server on SIGTERM.
 *
 *   node bench-device-model.mjs --socket PATH --transport socket|shm [--wait event-loop|block [--spin-us 200]] --domid N --first 0xc000 --last 0xc00f [--value 0x…]
 */
import { parseArgs } from 'node:util';
import { DeviceModel, IoreqServer, SocketBackend } from '@xenmem/ioreq-client';

const emit = (event, fields = {}) => process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);

async function main() {
  const { values } = parseArgs({
    options: { socket: { type: 'string' }, transport: { type: 'string' }, wait: { type: 'string', default: 'event-loop' }, 'spin-us': { type: 'string', default: '0' }, domid: { type: 'string' }, first: { type: 'string' }, last: { type: 'string' }, value: { type: 'string', default: '0x0' } },
  });
  const backend = await SocketBackend.connect(values.socket, { caller: 0, transport: values.transport });
  const dm = new DeviceModel({ backend, iface: backend.release, caller: 0 });
  const server = await IoreqServer.create(dm, Number(values.domid), { bufioreq: 'off' });
  await server.mapPort(BigInt(values.first), BigInt(values.last));
  await server.enable();
  const value = BigInt(values.value);
  let answered = 0;
  const serve = (async () => {
    for await (const req of server.requests({ wait: values.wait, spinUs: values.wait === 'block' ? Number(values['spin-us']) : 0 })) {
      answered++;
      if (!req.buffered) await req.respond(req.dir === 'read' ? value : undefined);
    }
  })();
  emit('ready', { pid: process.pid, server: server.id, transport: backend.transport ?? values.transport });
  await new Promise((resolve) => process.once('SIGTERM', resolve));
  await server.close().catch(() => undefined);
  await serve.catch(() => undefined);
  await backend.close();
  emit('closed', { answered });
}

main().catch((error) => {
  emit('error', { message: error?.message ?? String(error) });
  process.exit(1);
});
