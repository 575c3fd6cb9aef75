#!/usr/bin/env node
/**
 * The simulator daemon of `xenmem bench`'s daemon workloads (src/ioreq-workloads.ts) in a process of its
 * own, so that neither the benchmark's client nor its device model shares its event loop: startDaemon on a
 * Hypervisor of the given release, {"event":"ready"} on stdout once listening, then served until SIGTERM.
 *
 *   node bench-daemon.mjs --socket PATH --release 4.22 [--shm-poll-us N] [--state FILE] [--domain-runs N]
 *
 * --state FILE: the daemon's state file (DaemonOptions.statePath). --domain-runs N: domain 1 (max gpfn 0xfffff,
 * 1 vCPU) is created before the daemon starts, with N one-page p2m_ram_ro runs at pfns 0x40000 + 2i (N = 0: one
 * p2m_ram_rw run), so a fragmented domain costs no requests and is in the state's first snapshot.
 */
import { parseArgs } from 'node:util';
import { P2M_TYPES } from '@xenmem/abi-types';
import { Hypervisor, startDaemon } from '@xenmem/hypervisor-sim';

/** p2m_ram_ro's number, from the generated p2m type table. */
const P2M_RAM_RO = P2M_TYPES.find((t) => t.names.some((n) => n.name === 'p2m_ram_ro')).value;

const emit = (event, fields = {}) => process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);

async function main() {
  const { values } = parseArgs({
    options: { socket: { type: 'string' }, release: { type: 'string' }, 'shm-poll-us': { type: 'string', default: '0' }, state: { type: 'string' }, 'domain-runs': { type: 'string' } },
  });
  const hypervisor = new Hypervisor({ release: values.release });
  if (values['domain-runs'] !== undefined) {
    await hypervisor.createDomain({ domid: 1, maxGpfn: 0xfffff, vcpus: 1 });
    for (let i = 0; i < Number(values['domain-runs']); i++) await hypervisor.seedP2m(1, BigInt(0x40000 + 2 * i), 1, P2M_RAM_RO);
  }
  const daemon = await startDaemon({
    socketPath: values.socket,
    hypervisor,
    shmPollUs: Number(values['shm-poll-us']),
    ...(values.state !== undefined && { statePath: values.state }),
  });
  emit('ready', { pid: process.pid });
  await new Promise((resolve) => process.once('SIGTERM', resolve));
  await daemon.close(); // removes the socket file
  emit('closed');
}

main().catch((error) => {
  emit('error', { message: error?.message ?? String(error) });
  process.exit(1);
});
