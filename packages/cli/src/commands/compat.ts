/**
 * `xenmem compat --iface V [--xen R] [--json]`: for every number a client built at V can send as a
 * memory type, its name at V and what hypervisor release R's set_mem_type does with it.
 */
import { InputError, NEWEST_RELEASE, RELEASES, hvmmemTypesAt, hvmmemVerdict, ifaceHex, resolveIface, resolveRelease, type ReleaseName } from '@xenmem/abi-types';
import type { CommandOptions } from '../parsed.js';
import { EXIT_OK, type Io } from '../io.js';
import { printJson, table } from '../output.js';

export type CompatOptions = CommandOptions<'compat'>;

export interface CompatValue {
  value: number;
  name: string;
  accepted: boolean;
  error?: string;
  p2m?: string;
  requires?: string[];
  why: string;
}

export interface CompatReport {
  iface: string;
  xen: ReleaseName;
  /** The op a toolstack uses at that release: the HVMOP up to 4.8, the DMOP from 4.9. */
  op: string;
  values: CompatValue[];
}

export function compatReport(ifaceInput: string, release: ReleaseName): CompatReport {
  const iface = resolveIface(ifaceInput);
  const info = RELEASES.find((r) => r.name === release)!;
  if (!info.behaviourRecorded) throw new InputError('xen', release, `has no recorded hypervisor behaviour (recorded: ${RELEASES.filter((r) => r.behaviourRecorded).map((r) => r.name).join(', ')})`);
  const values = hvmmemTypesAt(iface).map((t): CompatValue => {
    const v = hvmmemVerdict(t.value, release);
    return v.accepted
      ? { value: t.value, name: t.name, accepted: true, p2m: v.p2mName.replace(/^p2m_/, ''), requires: v.requires.map((r) => r.id), why: v.why }
      : { value: t.value, name: t.name, accepted: false, error: v.error, why: v.why };
  });
  return { iface: ifaceHex(iface), xen: release, op: info.toolsOps === 'dm_op' ? 'XEN_DMOP_set_mem_type' : 'HVMOP_set_mem_type', values };
}

export function runCompat(opts: CompatOptions, io: Io): number {
  const report = compatReport(opts.iface, opts.xen === undefined ? NEWEST_RELEASE : resolveRelease(opts.xen));
  if (opts.json) {
    printJson(io, report);
    return EXIT_OK;
  }
  io.out(`A client built at ${report.iface} calling ${report.op} on Xen ${report.xen}:\n\n`);
  io.out(
    table(
      ['value', 'name', 'result', 'why'],
      report.values.map((v) => [
        v.value,
        v.name,
        v.accepted ? `accepted → p2m_${v.p2m}${v.requires?.length ? ` (needs ${v.requires.join(' + ')})` : ''}` : `-${v.error}`,
        v.why,
      ]),
    ),
  );
  return EXIT_OK;
}
