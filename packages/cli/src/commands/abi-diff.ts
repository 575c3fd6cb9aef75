/**
 * `xenmem abi diff <ifaceA> <ifaceB> [--json]`: what recompiling a client at B instead of A changes —
 * hvmmem names and guarded HVMOP names that appear, disappear or change for the same number.
 */
import { HVMOPS, hvmmemTypesAt, ifaceHex, resolveIface } from '@xenmem/abi-types';
import type { CommandOptions } from '../parsed.js';
import { EXIT_OK, type Io } from '../io.js';
import { printJson, table } from '../output.js';

export type AbiDiffOptions = CommandOptions<'abi diff'>;

export interface NameChange {
  kind: 'hvmmem' | 'hvmop';
  value: number;
  change: 'appeared' | 'disappeared' | 'renamed';
  before: string | null;
  after: string | null;
}

/** C names visible at an interface version, by number, for one kind of name. */
function namesAt(iface: number): { kind: NameChange['kind']; value: number; cName: string }[] {
  const hvmmem = hvmmemTypesAt(iface).map((t) => ({ kind: 'hvmmem' as const, value: t.value, cName: t.cName }));
  // HVMOPs still in the newest headers; some are guarded by an interface version (e.g. < 0x00040900).
  const hvmops = HVMOPS.filter((o) => o.lastHeaderRelease === null && (o.ifaceBelow === null || iface < o.ifaceBelow)).map((o) => ({
    kind: 'hvmop' as const,
    value: o.value,
    cName: o.cName,
  }));
  return [...hvmmem, ...hvmops];
}

export function diffInterfaceVersions(from: number, to: number): NameChange[] {
  const before = namesAt(from);
  const after = namesAt(to);
  const key = (n: { kind: string; value: number }) => `${n.kind}:${n.value}`;
  const keys = [...new Set([...before, ...after].map(key))];
  const changes: NameChange[] = [];
  for (const k of keys) {
    const b = before.find((n) => key(n) === k);
    const a = after.find((n) => key(n) === k);
    const ref = (b ?? a)!;
    if (b && !a) changes.push({ kind: ref.kind, value: ref.value, change: 'disappeared', before: b.cName, after: null });
    else if (!b && a) changes.push({ kind: ref.kind, value: ref.value, change: 'appeared', before: null, after: a.cName });
    else if (b && a && b.cName !== a.cName) changes.push({ kind: ref.kind, value: ref.value, change: 'renamed', before: b.cName, after: a.cName });
  }
  return changes.sort((x, y) => x.kind.localeCompare(y.kind) || x.value - y.value);
}

export function runAbiDiff(opts: AbiDiffOptions, io: Io): number {
  const from = resolveIface(opts.from);
  const to = resolveIface(opts.to);
  const changes = diffInterfaceVersions(from, to);
  if (opts.json) {
    printJson(io, { from: ifaceHex(from), to: ifaceHex(to), changes });
    return EXIT_OK;
  }
  io.out(`Recompiling at ${ifaceHex(to)} instead of ${ifaceHex(from)}: ${changes.length === 0 ? 'no name changes' : `${changes.length} name change${changes.length === 1 ? '' : 's'}`}\n`);
  if (changes.length) io.out('\n' + table(['kind', 'value', 'change', 'before', 'after'], changes.map((c) => [c.kind, c.value, c.change, c.before ?? '-', c.after ?? '-'])));
  return EXIT_OK;
}
