/** What inspect() shows of a domain: its configuration, claim, p2m runs, event log, ioreq servers and the vCPUs waiting on them. */
import { p2mName, type ReleaseName } from '@xenmem/abi-types';
import { type DomainInspection, type IoreqServerView, type PendingIoreqView } from '@xenmem/sim-protocol';
import type { Domain } from './domain.js';
import type { IoreqServer, Range } from './ioreq/server.js';

const hex = (v: bigint) => `0x${v.toString(16)}`;
const pairs = (set: Range[]): [string, string][] => set.map((r) => [hex(r.start), hex(r.end)]);

/** The inspection of a live domain, its p2m types named as `release` names them. */
export function inspectDomain(d: Domain, release: ReleaseName): DomainInspection {
  return {
    ...d.record(),
    ioreqClaim: { ...d.ioreq },
    p2m: d.p2m.runs(0, d.maxGpfn + 1).map((r) => ({ first: BigInt(r.first), count: BigInt(r.count), type: r.type, name: p2mName(r.type, release) ?? `type ${r.type}` })),
    events: d.events.map((e) => ({ op: e.op, args: { ...e.args } })),
    servers: [...d.servers.values()].sort((a, b) => a.id - b.id).map((s) => serverView(s)),
    pending: pendingView(d),
    crashed: d.crashed,
  };
}

function serverView(s: IoreqServer): IoreqServerView {
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

function pendingView(domain: Domain): PendingIoreqView[] {
  return domain.ioreqWaits.map((w) => ({ vcpu: w.vcpu, server: w.server.id, request: { ...w.record } })).sort((a, b) => a.vcpu - b.vcpu || a.server - b.server);
}
