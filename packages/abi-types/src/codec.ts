/**
 * Byte-exact encoding and decoding of every struct in the schema, driven by the generated layouts.
 * Little-endian (x86), offsets and bit-field positions exactly as Xen's headers compile on x86_64.
 * 64-bit fields are bigints, so no value is rounded.
 */
import { STRUCTS, type LayoutId, type StructValues } from './generated/index.js';
import { InputError } from './errors.js';

/** One struct layout as STRUCTS lists it: size, alignment and fields with offsets (schema: structs[]). */
export type Layout = (typeof STRUCTS)[LayoutId];
type FieldLayout = Layout['fields'][number];

const UNIT_BITS = { uint8: 8, uint16: 16, uint32: 32 } as const;

/** The byte layout (size and field offsets) of the struct named `id`; throws for an unknown struct. */
export function layoutOf(id: string): Layout {
  const layout = (STRUCTS as Record<string, Layout | undefined>)[id];
  if (!layout) throw new InputError('struct', id, `is not a struct the schema knows (${Object.keys(STRUCTS).join(', ')})`);
  return layout;
}

/** The byte size of a struct. */
export function sizeOf(id: LayoutId): number {
  return layoutOf(id).size;
}

function readUnit(view: DataView, offset: number, type: string): number {
  switch (type) {
    case 'uint8':
      return view.getUint8(offset);
    case 'uint16':
      return view.getUint16(offset, true);
    default:
      return view.getUint32(offset, true);
  }
}

function writeUnit(view: DataView, offset: number, type: string, value: number): void {
  switch (type) {
    case 'uint8':
      return view.setUint8(offset, value);
    case 'uint16':
      return view.setUint16(offset, value, true);
    default:
      // No `>>> 0`: the value is already 0…2^32−1, and a shift would learn Smi-only feedback and deopt at the
      // first value ≥ 2^31 (a heap number), e.g. set_mem_type's nr = 2^32−1.
      return view.setUint32(offset, value, true);
  }
}

/**
 * Where a value sits, for error messages: a struct path and a field name, joined only when an error needs it
 * (encoding an ioreq_t per request would otherwise build a string per field); field null: the path says it all.
 */
const whereText = (path: string, field: string | null): string => (field === null ? path : `${path}.${field}`);

function checkInt(path: string, field: string | null, value: unknown, bits: number): number {
  // `>= -0.5`, not `>= 0` (the same for integers): a comparison with a non-Smi constant collects Number feedback,
  // so the optimised check does not deopt ("not a Smi") at the first uint32 value ≥ 2^31, which made every later
  // encode run unoptimised until TurboFan caught up again (~1.5 µs more per dm_op call for the next few hundred calls).
  if (typeof value === 'number' && value >= -0.5 && value < 2 ** bits && Number.isInteger(value)) return value;
  if (typeof value === 'bigint' && value >= 0n && value < 1n << BigInt(bits)) return Number(value);
  throw new InputError(whereText(path, field), value, `does not fit an unsigned ${bits}-bit field`);
}

const U64_LIMIT = 1n << 64n;

function checkU64(path: string, field: string | null, value: unknown): bigint {
  const v = typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : value;
  if (typeof v !== 'bigint' || v < 0n || v >= U64_LIMIT) throw new InputError(whereText(path, field), value, 'does not fit an unsigned 64-bit field (use a bigint above 2^53)');
  return v;
}

function elementSize(f: FieldLayout): number {
  return f.count === null ? f.size : f.size / f.count;
}

function writeScalar(view: DataView, at: number, f: FieldLayout, path: string, field: string | null, value: unknown): void {
  switch (f.type) {
    case 'uint64':
    case 'handle':
      view.setBigUint64(at, checkU64(path, field, value), true);
      return;
    case 'union': {
      if (!(value instanceof Uint8Array) || value.length > f.size) throw new InputError(whereText(path, field), value, `must be a Uint8Array of at most ${f.size} bytes`);
      new Uint8Array(view.buffer, view.byteOffset + at, f.size).set(value);
      return;
    }
    case 'struct':
      encodeInto(f.element as LayoutId, value as object, view, at, whereText(path, field));
      return;
    default:
      writeUnit(view, at, f.type, checkInt(path, field, value, UNIT_BITS[f.type]));
  }
}

function readScalar(view: DataView, at: number, f: FieldLayout): unknown {
  switch (f.type) {
    case 'uint64':
    case 'handle':
      return view.getBigUint64(at, true);
    case 'union':
      return new Uint8Array(view.buffer.slice(view.byteOffset + at, view.byteOffset + at + f.size));
    case 'struct':
      return decodeFrom(f.element as LayoutId, view, at);
    default:
      return readUnit(view, at, f.type);
  }
}

/** Each layout's field names, for refusing unknown fields (built once per layout: encoding is per ioreq). */
const FIELD_NAMES = new Map<LayoutId, ReadonlySet<string>>();

function fieldNames(id: LayoutId, layout: Layout): ReadonlySet<string> {
  let names = FIELD_NAMES.get(id);
  if (!names) FIELD_NAMES.set(id, (names = new Set(layout.fields.map((f) => f.name as string))));
  return names;
}

function encodeInto(id: LayoutId, value: object, view: DataView, base: number, path: string): void {
  const layout = layoutOf(id);
  const known = fieldNames(id, layout);
  for (const key of Object.keys(value)) if (!known.has(key)) throw new InputError(`${path}.${key}`, (value as Record<string, unknown>)[key], `is not a field of struct ${layout.name}`);
  for (const f of layout.fields) {
    const raw = (value as Record<string, unknown>)[f.name];
    if (raw === undefined) continue; // absent fields stay zero
    if (f.bits !== null) {
      const fieldValue = checkInt(path, f.name, raw, f.bits.width);
      const unitBits = UNIT_BITS[f.type as keyof typeof UNIT_BITS];
      const old = readUnit(view, base + f.offset, f.type);
      // Arithmetic instead of bit operators: a 20-bit field at shift 12 reaches bit 31.
      const cleared = old - (Math.floor(old / 2 ** f.bits.shift) % 2 ** f.bits.width) * 2 ** f.bits.shift;
      writeUnit(view, base + f.offset, f.type, (cleared + fieldValue * 2 ** f.bits.shift) % 2 ** unitBits);
      continue;
    }
    if (f.count !== null) {
      if (!Array.isArray(raw) || raw.length !== f.count) throw new InputError(whereText(path, f.name), raw, `must be an array of ${f.count} elements`);
      raw.forEach((item, i) => writeScalar(view, base + f.offset + i * elementSize(f), f, `${path}.${f.name}[${i}]`, null, item));
      continue;
    }
    writeScalar(view, base + f.offset, f, path, f.name, raw);
  }
}

type Decoder = (view: DataView, base: number) => Record<string, unknown>;
/** Per layout: a decoder compiled from its fields (scalar and bit-field layouts only), or null for the general one. */
const DECODERS = new Map<LayoutId, Decoder | null>();

/**
 * A decoder specialised to one layout: the field reads with their offsets written out and the result built as
 * one object literal, so decoding an ioreq_t per request allocates one object of one shape. Layouts with
 * arrays, unions or nested structs use the general loop.
 */
function compiledDecoder(id: LayoutId, layout: Layout): Decoder | null {
  if (DECODERS.has(id)) return DECODERS.get(id)!;
  const reads: string[] = [];
  for (const f of layout.fields) {
    if (f.count !== null || f.type === 'union' || (f.type as string) === 'struct') {
      DECODERS.set(id, null);
      return null;
    }
    const at = `base + ${f.offset}`;
    const unit = f.type === 'uint64' || f.type === 'handle' ? `view.getBigUint64(${at}, true)` : f.type === 'uint8' ? `view.getUint8(${at})` : f.type === 'uint16' ? `view.getUint16(${at}, true)` : `view.getUint32(${at}, true)`;
    const value = f.bits === null ? unit : `Math.floor(${unit} / ${2 ** f.bits.shift}) % ${2 ** f.bits.width}`;
    reads.push(`${JSON.stringify(f.name)}: ${value}`);
  }
  const decoder = new Function('view', 'base', `return { ${reads.join(', ')} };`) as Decoder;
  DECODERS.set(id, decoder);
  return decoder;
}

function decodeFrom(id: LayoutId, view: DataView, base: number): Record<string, unknown> {
  const layout = layoutOf(id);
  const compiled = compiledDecoder(id, layout);
  if (compiled) return compiled(view, base);
  const out: Record<string, unknown> = {};
  for (const f of layout.fields) {
    if (f.bits !== null) {
      out[f.name] = Math.floor(readUnit(view, base + f.offset, f.type) / 2 ** f.bits.shift) % 2 ** f.bits.width;
    } else if (f.count !== null) {
      out[f.name] = Array.from({ length: f.count }, (_, i) => readScalar(view, base + f.offset + i * elementSize(f), f));
    } else {
      out[f.name] = readScalar(view, base + f.offset, f);
    }
  }
  return out;
}

/**
 * Encodes a struct. Fields left out are zero (as libxendevicemodel zeroes its op before filling it);
 * an unknown field or a value that does not fit is an InputError naming the field.
 */
export function encodeStruct<L extends LayoutId>(id: L, value: Partial<StructValues[L]>): Uint8Array {
  const layout = layoutOf(id);
  const bytes = new Uint8Array(layout.size);
  encodeInto(id, value, new DataView(bytes.buffer), 0, layout.name);
  return bytes;
}

/** Encodes a struct into an existing buffer at an offset (e.g. an ioreq slot in a shared page). */
export function encodeStructAt<L extends LayoutId>(id: L, value: Partial<StructValues[L]>, into: Uint8Array, offset = 0): void {
  const layout = layoutOf(id);
  if (offset < 0 || offset + layout.size > into.length) throw new InputError('offset', offset, `leaves no room for the ${layout.size} bytes of struct ${layout.name}`);
  into.fill(0, offset, offset + layout.size);
  encodeInto(id, value, new DataView(into.buffer, into.byteOffset, into.byteLength), offset, layout.name);
}

/** Decodes a struct from `bytes` at `offset`. Too few bytes is an InputError (Xen would say EFAULT). */
export function decodeStruct<L extends LayoutId>(id: L, bytes: Uint8Array, offset = 0): StructValues[L] {
  const layout = layoutOf(id);
  if (offset < 0 || bytes.length - offset < layout.size) throw new InputError('bytes', bytes.length - offset, `are too few for struct ${layout.name} (${layout.size} bytes)`);
  return decodeFrom(id, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset) as unknown as StructValues[L];
}
