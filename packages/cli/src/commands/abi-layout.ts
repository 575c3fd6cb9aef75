/**
 * `xenmem abi layout <struct> [--xen R] [--json]`: a struct's fields, offsets and sizes at a release.
 * The struct may be named as in C (xen_dm_op_set_mem_type) or by op (set_mem_type: the DMOP payload
 * from 4.9, the HVMOP argument before).
 */
import { InputError, NEWEST_RELEASE, STRUCTS, releaseInRange, resolveRelease, type ReleaseName } from '@xenmem/abi-types';
import type { CommandOptions } from '../parsed.js';
import { EXIT_OK, type Io } from '../io.js';
import { printJson, table } from '../output.js';

export type AbiLayoutOptions = CommandOptions<'abi layout'>;

type Layout = (typeof STRUCTS)[keyof typeof STRUCTS];

/** Finds the layout of a struct at a release, trying the C name, then the DMOP and HVMOP prefixes. */
export function findLayout(name: string, release: ReleaseName): Layout {
  const layouts = Object.values(STRUCTS) as Layout[];
  const candidates = [name, `xen_dm_op_${name}`, `xen_hvm_${name}`];
  for (const candidate of candidates) {
    const named = layouts.filter((l) => l.name === candidate);
    const hit = named.find((l) => releaseInRange(release, l.releases));
    if (hit) return hit;
    if (named.length && candidate === name) {
      const where = named.map((l) => (l.releases.to === null ? `${l.releases.from}+` : `${l.releases.from}–${l.releases.to}`)).join(', ');
      throw new InputError('struct', name, `has no recorded layout at Xen ${release} (recorded for ${where})`);
    }
  }
  const any = layouts.filter((l) => candidates.includes(l.name));
  if (any.length) {
    const where = any.map((l) => `${l.name} ${l.releases.to === null ? `${l.releases.from}+` : `${l.releases.from}–${l.releases.to}`}`).join(', ');
    throw new InputError('struct', name, `has no recorded layout at Xen ${release} (recorded: ${where})`);
  }
  throw new InputError('struct', name, `is not a struct the schema knows; try one of: ${[...new Set(layouts.map((l) => l.name))].join(', ')}`);
}

export function runAbiLayout(opts: AbiLayoutOptions, io: Io): number {
  const release = opts.xen === undefined ? NEWEST_RELEASE : resolveRelease(opts.xen);
  const layout = findLayout(opts.struct, release);
  const range = layout.releases.to === null ? `${layout.releases.from}+` : `${layout.releases.from}–${layout.releases.to}`;
  const fields = layout.fields.map((f) => ({
    name: f.name,
    offset: f.offset,
    size: f.size,
    type: f.type,
    cType: f.cType,
    count: f.count,
    element: f.element,
    bits: f.bits,
    dir: f.dir,
    mustBeZero: f.mustBeZero,
  }));
  if (opts.json) {
    printJson(io, { struct: layout.name, xen: release, releases: range, header: layout.header, size: layout.size, align: layout.align, fields });
    return EXIT_OK;
  }
  io.out(`struct ${layout.name} (${layout.header}, Xen ${range}): ${layout.size} bytes, aligned to ${layout.align}\n${layout.description}\n\n`);
  io.out(
    table(
      ['offset', 'size', 'field', 'type', 'notes'],
      fields.map((f) => [
        f.bits ? `${f.offset}:${f.bits.shift}` : f.offset,
        f.bits ? `${f.bits.width} bit${f.bits.width === 1 ? '' : 's'}` : f.size,
        f.count === null ? f.name : `${f.name}[${f.count}]`,
        f.cType ?? (f.type === 'struct' ? `struct ${f.element}` : f.type),
        [f.dir ? f.dir.toUpperCase() : '', f.mustBeZero ? 'must be 0' : ''].filter(Boolean).join(', '),
      ]),
    ),
  );
  return EXIT_OK;
}
