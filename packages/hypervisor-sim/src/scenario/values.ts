/**
 * Values as scenario files write them and results print them: 64-bit values as numbers or "0x…" text
 * in, "0x…" text out; enumerated values as names of a constant group (from the schema) or numbers.
 */
import { CONSTANTS, type ConstantGroupName } from '@xenmem/abi-types';

const HEX = /^0x[0-9a-fA-F]{1,16}$/;

/** A 64-bit value from a file, or a reason it is unusable. */
export function parseU64(value: unknown): bigint | string {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) return `${value} is not exact as a JSON number (above 2^53): write it as "0x…" text`;
    if (value < 0) return `${value} is negative`;
    return BigInt(value);
  }
  if (typeof value === 'string' && HEX.test(value)) return BigInt(value);
  return `${JSON.stringify(value)} is not a number or "0x…" text`;
}

/** 64-bit values in results: "0x…" lower-case hex. */
export function hex(value: bigint | number): string {
  return '0x' + value.toString(16);
}

/** Bytes in results: lower-case hex byte pairs without 0x, first byte first ("" for none). */
export function hexText(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The value of a member of a constant group (e.g. bufioreq "atomic" → 2), or undefined. */
export function constantValue(group: ConstantGroupName, name: string): number | undefined {
  return (CONSTANTS[group].members as readonly { name: string; value: number }[]).find((m) => m.name === name)?.value;
}

/** The name of a value in a constant group, or undefined. */
export function constantName(group: ConstantGroupName, value: number): string | undefined {
  return (CONSTANTS[group].members as readonly { name: string; value: number }[]).find((m) => m.value === value)?.name;
}

export function constantNames(group: ConstantGroupName): string[] {
  return (CONSTANTS[group].members as readonly { name: string }[]).map((m) => m.name);
}

/** All ones of an access size: what a device model that knows nothing answers. */
export function allOnes(size: number): bigint {
  return (1n << BigInt(8 * size)) - 1n;
}

/** Converts a decoded struct or inspection for JSON: bigints become "0x…" text, arrays and objects recursively. */
export function jsonReady(value: unknown): unknown {
  if (typeof value === 'bigint') return hex(value);
  if (Array.isArray(value)) return value.map(jsonReady);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonReady(v)]));
  return value;
}
