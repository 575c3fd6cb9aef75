/**
 * The cross-language test vectors: for every layout with a codec, field values chosen by a fixed rule and
 * the bytes Xen's x86_64 layout gives them (little-endian; bit-fields at their shift inside their storage
 * unit). Nothing is random: the same schema always gives the same vectors.
 *
 * Two cases per layout:
 * - "pattern": byte k of element j of field i (counting fields from 0) is (0x11·(i+1) + 0x05·j + 0x1d·k)
 *   mod 256, read little-endian and cut to the field's width; fields Xen requires to be zero stay zero.
 * - "ones": every field, padding included, at its largest value (all bits set).
 */
import type { Field } from '@xenmem/schema';
import { fieldBits, isWide, type CodecLayout } from './layouts.js';

/** A field's value: an integer, an array of integers, or a union's bytes. */
export type VectorValue = bigint | bigint[] | Uint8Array;

/** One vector: a layout, its field values by name (in layout order), and the encoded bytes. */
export interface VectorCase {
  layout: CodecLayout;
  name: 'pattern' | 'ones';
  values: [Field, VectorValue][];
  bytes: Uint8Array;
}

export const VECTOR_RULE =
  'pattern: byte k of element j of field i is (0x11*(i+1) + 0x05*j + 0x1d*k) mod 256, little-endian, cut to the field width; must-be-zero fields are 0. ones: every field at its largest value.';

function patternBytes(i: number, j: number, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, k) => (0x11 * (i + 1) + 0x05 * j + 0x1d * k) & 0xff);
}

function littleEndian(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let k = bytes.length - 1; k >= 0; k--) v = (v << 8n) | BigInt(bytes[k]!);
  return v;
}

function valueOf(f: Field, i: number, name: VectorCase['name']): VectorValue {
  const bits = fieldBits(f);
  const max = (1n << BigInt(bits)) - 1n;
  if (f.type === 'union') return name === 'ones' ? new Uint8Array(f.size).fill(0xff) : f.mustBeZero ? new Uint8Array(f.size) : patternBytes(i, 0, f.size);
  const element = (j: number): bigint => (name === 'ones' ? max : f.mustBeZero ? 0n : littleEndian(patternBytes(i, j, Math.ceil(bits / 8))) & max);
  return f.count === undefined ? element(0) : Array.from({ length: f.count }, (_, j) => element(j));
}

function encode(layout: CodecLayout, values: [Field, VectorValue][]): Uint8Array {
  const bytes = new Uint8Array(layout.struct.size);
  const orInto = (offset: number, size: number, v: bigint): void => {
    for (let k = 0; k < size; k++) bytes[offset + k]! |= Number((v >> BigInt(8 * k)) & 0xffn);
  };
  for (const [f, value] of values) {
    if (value instanceof Uint8Array) bytes.set(value, f.offset);
    else if (Array.isArray(value)) value.forEach((v, j) => orInto(f.offset + j * (f.size / value.length), f.size / value.length, v));
    else orInto(f.offset, f.size, f.bits === undefined ? value : value << BigInt(f.bits.shift));
  }
  return bytes;
}

/** The vectors of every layout, layouts in schema order, "pattern" before "ones". */
export function vectorCases(layouts: readonly CodecLayout[]): VectorCase[] {
  return layouts.flatMap((layout) =>
    (['pattern', 'ones'] as const).map((name) => {
      const values = layout.struct.fields.map((f, i): [Field, VectorValue] => [f, valueOf(f, i, name)]);
      return { layout, name, values, bytes: encode(layout, values) };
    }),
  );
}

/** Bytes as lowercase hex, two digits a byte. */
export const hexOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** A value as JSON: numbers up to 32 bits, "0x…" (16 digits) for 64-bit fields, hex for union bytes. */
export function jsonValue(f: Field, v: VectorValue): unknown {
  if (v instanceof Uint8Array) return hexOf(v);
  const one = (x: bigint): unknown => (isWide(f) ? `0x${x.toString(16).padStart(16, '0')}` : Number(x));
  return Array.isArray(v) ? v.map(one) : one(v);
}
