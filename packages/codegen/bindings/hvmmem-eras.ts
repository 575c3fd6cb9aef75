/**
 * hvmmem names by interface-version era: the ranges in which every number keeps one name. Each era runs
 * from its start (inclusive) to the next era's start (exclusive); the last one has no end.
 */
import type { XenAbiSchema } from '@xenmem/schema';
import { formatIfaceHex, hvmmemEraStarts, ifaceInRange, parseIfaceHex } from '@xenmem/schema';

/** One name of one number, with the interface versions that have it (numbers; `below` null: no end). */
export interface HvmmemNameRange {
  value: number;
  name: string;
  from: number;
  below: number | null;
}

/** One era: its bounds and the names its numbers have there, by value. */
export interface HvmmemEra {
  start: number;
  end: number | null;
  /** `0x00040700` → `00040700`, for identifiers. */
  hex: string;
  names: { value: number; name: string }[];
}

/** Every name range, by value then start. */
export function hvmmemNameRanges(schema: XenAbiSchema): HvmmemNameRange[] {
  return [...schema.hvmmemTypes]
    .sort((a, b) => a.value - b.value)
    .flatMap((v) =>
      v.names.map((n) => ({
        value: v.value,
        name: n.name,
        from: n.iface.from === undefined ? 0 : parseIfaceHex(n.iface.from),
        below: n.iface.below === undefined ? null : parseIfaceHex(n.iface.below),
      })),
    );
}

/** The eras, oldest first. */
export function hvmmemEras(schema: XenAbiSchema): HvmmemEra[] {
  const starts = hvmmemEraStarts(schema);
  return starts.map((start, i) => ({
    start,
    end: starts[i + 1] ?? null,
    hex: formatIfaceHex(start).slice(2),
    names: [...schema.hvmmemTypes]
      .sort((a, b) => a.value - b.value)
      .flatMap((v) => {
        const n = v.names.find((x) => ifaceInRange(start, x.iface));
        return n === undefined ? [] : [{ value: v.value, name: n.name }];
      }),
  }));
}

/** The interface versions worth asking at: each era's start and the version just below it. */
export function probeIfaces(schema: XenAbiSchema): number[] {
  const out = new Set<number>();
  for (const e of hvmmemEras(schema)) {
    out.add(e.start);
    if (e.start > 0) out.add(e.start - 1);
  }
  out.add(0xffffffff);
  return [...out].sort((a, b) => a - b);
}

/** The name a number has at an interface version, per the eras. */
export function nameAt(schema: XenAbiSchema, value: number, iface: number): string | undefined {
  const era = hvmmemEras(schema).filter((e) => e.start <= iface).pop();
  return era?.names.find((n) => n.value === value)?.name;
}
