/** Reading and writing a wire layout's fields (definitions.ts) at an offset of a DataView, little-endian. */
import type { WireField, WireLayout, WireLayoutValues } from './definitions.js';

function put(view: DataView, at: number, field: WireField, value: number | bigint): void {
  switch (field.type) {
    case 'u8':
      return view.setUint8(at, value as number);
    case 'u16':
      return view.setUint16(at, value as number, true);
    case 'u32':
      return view.setUint32(at, (value as number) >>> 0, true);
    case 'i32':
      return view.setInt32(at, value as number, true);
    case 'u64':
      return view.setBigUint64(at, value as bigint, true);
  }
}

function get(view: DataView, at: number, field: WireField): number | bigint {
  switch (field.type) {
    case 'u8':
      return view.getUint8(at);
    case 'u16':
      return view.getUint16(at, true);
    case 'u32':
      return view.getUint32(at, true);
    case 'i32':
      return view.getInt32(at, true);
    case 'u64':
      return view.getBigUint64(at, true);
  }
}

/** Writes every field of `layout` from `values` at byte `at` of `view`. */
export function writeFields<L extends WireLayout>(view: DataView, at: number, layout: L, values: WireLayoutValues<L>): void {
  const byName = values as Record<string, number | bigint>;
  for (const field of layout.fields) put(view, at + field.offset, field, byName[field.name]!);
}

/** Reads every field of `layout` at byte `at` of `view` (the caller checked that `layout.size` bytes are there). */
export function readFields<L extends WireLayout>(view: DataView, at: number, layout: L): WireLayoutValues<L> {
  const out: Record<string, number | bigint> = {};
  for (const field of layout.fields) out[field.name] = get(view, at + field.offset, field);
  return out as WireLayoutValues<L>;
}

/** The byte offset of each field of `layout`, by name. */
export function fieldOffsets<L extends WireLayout>(layout: L): Record<L['fields'][number]['name'], number> {
  return Object.fromEntries(layout.fields.map((f) => [f.name, f.offset])) as Record<L['fields'][number]['name'], number>;
}
