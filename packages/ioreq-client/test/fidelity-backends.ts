/**
 * The two ways the fidelity tests reach a simulated Xen: the Hypervisor in process, and a daemon serving it,
 * reached through SocketBackend. Both answer the same raw dm_ops; the tests assert the same results of each.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HypercallBackend } from '@xenmem/abi-types';
import { Hypervisor, startDaemon } from '@xenmem/hypervisor-sim';
import { SocketBackend } from '../src/index.js';

/** A backend for one test, and how to close what it opened. */
export interface Reached {
  backend: HypercallBackend;
  close(): Promise<void>;
}

/** A hypervisor of `release` with domain 1 (HVM, HAP, maxGpfn 0xfffff). */
export async function guestHost(release: string): Promise<Hypervisor> {
  const hv = new Hypervisor({ release });
  await hv.createDomain({ domid: 1, maxGpfn: 0xfffff });
  return hv;
}

export const BACKENDS: [string, (hv: Hypervisor) => Promise<Reached>][] = [
  ['in process', async (hv) => ({ backend: hv, close: async () => {} })],
  [
    'over the daemon',
    async (hv) => {
      const socketPath = join(mkdtempSync(join(tmpdir(), 'xenmem-fidelity-')), 's');
      const daemon = await startDaemon({ socketPath, hypervisor: hv });
      const backend = await SocketBackend.connect(socketPath, { caller: 0 });
      return {
        backend,
        close: async () => {
          await backend.close();
          await daemon.close();
        },
      };
    },
  ],
];
