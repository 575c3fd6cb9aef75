/**
 * The daemon's xenstore: the Hypervisor's xenstore contents served on their own socket (docs/protocol.md
 * "Xenstore socket"), with a home directory for every domain, and each change made durable before its reply
 * when the daemon keeps state.
 */
import { InputError } from '@xenmem/abi-types';
import type { SimulatorBackend } from '@xenmem/sim-protocol';
import { Hypervisor } from '../hypervisor.js';
import type { StateStore } from '../state/index.js';
import { domainPath } from '../xenstore/path.js';
import { SOCKET_PATH_MAX } from '../socket-path.js';
import { serveXenstore, type XenstoreServer } from '../xenstore/server.js';
import { XsTree } from '../xenstore/tree.js';
import { Xenstore } from '../xenstore/xenstore.js';

/** The xenstore socket beside a main socket S: `S.xenstore`. */
export function xenstorePathFor(socketPath: string): string {
  return `${socketPath}.xenstore`;
}

/**
 * Runs a start-up step of the xenstore socket, naming its path problems after the option that chose the path:
 * `xenstorePath` when given; otherwise the main socket's (the path is derived from it), with the main socket's
 * path for a bind(2) failure, which the main socket in the same directory would meet too.
 */
export async function xenstoreStep<T>(socketPath: string, explicit: boolean, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (!(e instanceof InputError) || e.argument !== 'socketPath') throw e;
    if (explicit) throw e.renamed('xenstorePath');
    if (e.problem.startsWith('cannot be created')) throw new InputError('socketPath', socketPath, e.problem);
    throw e;
  }
}

/** Refuses a main socket path whose default xenstore path beside it would be too long for a Unix socket. */
export function checkDefaultXenstorePath(socketPath: string): void {
  const xs = xenstorePathFor(socketPath);
  const bytes = Buffer.byteLength(xs);
  if (bytes > SOCKET_PATH_MAX && Buffer.byteLength(socketPath) <= SOCKET_PATH_MAX)
    throw new InputError(
      'socketPath',
      socketPath,
      `leaves no room for the xenstore socket beside it (${xs} is ${bytes} bytes; a Unix socket path holds at most ${SOCKET_PATH_MAX}): choose a path of at most ${SOCKET_PATH_MAX - (bytes - Buffer.byteLength(socketPath))} bytes, or give the xenstore socket its own path (xenstorePath; xenmem sim serve --xenstore)`,
    );
}

/** Starts the xenstore on `path`: it accepts connections when this resolves. */
export async function startXenstore(hv: SimulatorBackend, path: string, state: StateStore | null): Promise<{ store: Xenstore; server: XenstoreServer }> {
  const domains = new Set(await hv.listDomains());
  domains.add(0);
  // Another backend has no xenstore of its own: the daemon keeps one for as long as it runs.
  const tree = hv instanceof Hypervisor ? hv.xenstore : new XsTree();
  const store = new Xenstore(tree, (domid) => domains.has(domid), state ? () => state.commit() : undefined);
  store.onDomains = (domid, live) => (live ? domains.add(domid) : domains.delete(domid));
  // A failed journal write set the domains back (state/rollback.ts): the tree came back with them, the set follows.
  if (state)
    state.onRollback = () => {
      domains.clear();
      for (const domid of [0, ...state.hv.host.domainIds()]) domains.add(domid);
    };
  // Domains that exist without a home (created before the daemon, or restored from an older state file).
  for (const domid of domains) if (!tree.get(domainPath(domid))) store.introduceDomain(domid, undefined, false);
  const server = await serveXenstore(store, path);
  return { store, server };
}
