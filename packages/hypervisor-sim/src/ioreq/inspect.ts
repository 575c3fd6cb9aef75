/** How inspect() shows a domain's ioreq servers and the vCPUs waiting on them. */
import type { IoreqServerView, PendingIoreqView } from '@xenmem/sim-protocol';
import type { Domain } from '../domain.js';
import type { IoreqServer, Range } from './server.js';

const hex = (v: bigint) => `0x${v.toString(16)}`;
const pairs = (set: Range[]): [string, string][] => set.map((r) => [hex(r.start), hex(r.end)]);

export function serverView(s: IoreqServer): IoreqServerView {
  return {
    id: s.id,
    emulator: s.emulator,
    bufioreq: s.bufioreq,
    enabled: s.enabled,
    ranges: { port: pairs(s.ranges[0]), memory: pairs(s.ranges[1]), pci: pairs(s.ranges[2]) },
    ports: { vcpu: [...s.vcpuPorts], bufioreq: s.bufioreqPort },
    pages: s.pages.kind,
  };
}

export function pendingView(domain: Domain): PendingIoreqView[] {
  return domain.ioreqWaits.map((w) => ({ vcpu: w.vcpu, server: w.server.id, request: { ...w.record } })).sort((a, b) => a.vcpu - b.vcpu || a.server - b.server);
}
