/**
 * The daemon's xenstore: the Hypervisor's xenstore contents served on their own socket (docs/protocol.md
 * "Xenstore socket"), with a home directory for every domain, and each change made durable before its reply
 * when the daemon keeps state.
 */
import type { SimulatorBackend } from '@xenmem/sim-protocol';
import { Hypervisor } from '../hypervisor.js';
import type { StateStore } from '../state/index.js';
import { domainPath } from '../xenstore/path.js';
import { serveXenstore, type XenstoreServer } from '../xenstore/server.js';
import { XsTree } from '../xenstore/tree.js';
import { Xenstore } from '../xenstore/xenstore.js';

/** The xenstore socket beside a main socket S: `S.xenstore`. */
export function xenstorePathFor(socketPath: string): string {
  return `${socketPath}.xenstore`;
}

/** Starts the xenstore on `path`: it accepts connections when this resolves. */
export async function startXenstore(hv: SimulatorBackend, path: string, state: StateStore | null): Promise<{ store: Xenstore; server: XenstoreServer }> {
  const domains = new Set(await hv.listDomains());
  domains.add(0);
  // Another backend has no xenstore of its own: the daemon keeps one for as long as it runs.
  const tree = hv instanceof Hypervisor ? hv.xenstore : new XsTree();
  const store = new Xenstore(tree, (domid) => domains.has(domid), state ? () => state.commit() : undefined);
  store.onDomains = (domid, live) => (live ? domains.add(domid) : domains.delete(domid));
  // Domains that exist without a home (created before the daemon, or restored from an older state file).
  for (const domid of domains) if (!tree.get(domainPath(domid))) store.introduceDomain(domid, undefined, false);
  const server = await serveXenstore(store, path);
  return { store, server };
}
