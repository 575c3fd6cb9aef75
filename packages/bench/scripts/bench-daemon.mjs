#!/usr/bin/env node
/**
 * The simulator daemon of `xenmem bench`'s daemon workloads (src/ioreq-workloads.ts) in a process of its
 * own, so that neither the benchmark's client nor its device model shares its event loop: startDaemon on a
 * Hypervisor of the given release, {"event":"ready"} on stdout once listening, then served until SIGTERM.
 *
 *   node bench-daemon.mjs --socket PATH --release 4.22 [--shm-poll-us N]
 */
import { parseArgs } from 'node:util';
import { Hypervisor, startDaemon } from '@xenmem/hypervisor-sim';

const emit = (event, fields = {}) => process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);

async function main() {
  const { values } = parseArgs({ options: { socket: { type: 'string' }, release: { type: 'string' }, 'shm-poll-us': { type: 'string', default: '0' } } });
  const daemon = await startDaemon({ socketPath: values.socket, hypervisor: new Hypervisor({ release: values.release }), shmPollUs: Number(values['shm-poll-us']) });
  emit('ready', { pid: process.pid });
  await new Promise((resolve) => process.once('SIGTERM', resolve));
  await daemon.close(); // removes the socket file
  emit('closed');
}

main().catch((error) => {
  emit('error', { message: error?.message ?? String(error) });
  process.exit(1);
});
