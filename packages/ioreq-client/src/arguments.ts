/**
 * Checks of the JavaScript arguments against the C types of libxendevicemodel's parameters and of the
 * struct fields they end up in. C would truncate silently (a domid of 0x10001 becomes domain 1); here a
 * value that does not fit is an InputError naming the argument, before anything is sent.
 */
import { CONST, CONSTANTS, InputError, type ConstantGroupName, type ConstantName } from '@xenmem/abi-types';

/** Widths of the unsigned C types used by the API (domid_t and ioservid_t are 16-bit). */
export type UintBits = 8 | 16 | 32;

/** An unsigned integer of `bits` bits, given as a number. */
export function uint(argument: string, value: unknown, bits: UintBits): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= 2 ** bits)
    throw new InputError(argument, value, `must be an integer from 0 to 0x${(2 ** bits - 1).toString(16)} (uint${bits}_t)`);
  return value;
}

/** A domain id (domid_t, 16-bit). */
export function domid(argument: string, value: unknown): number {
  return uint(argument, value, 16);
}

/** An unsigned 64-bit value (a gfn, an address): a bigint, or a number up to 2^53 − 1. */
export function uint64(argument: string, value: unknown): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'bigint' && value >= 0n && value < 1n << 64n) return value;
  throw new InputError(argument, value, 'must be an unsigned 64-bit integer (a bigint, or a number up to 2^53 − 1)');
}

export function bool(argument: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InputError(argument, value, 'must be true or false');
  return value;
}

/**
 * A member of a schema constant group given by name (`'atomic'`, `'write'`, `'wb'`) or as a raw number of
 * the field's width, which is sent as is (the hypervisor judges it).
 */
export function constant<G extends ConstantGroupName>(group: G, argument: string, value: ConstantName<G> | number, bits: UintBits): number {
  if (typeof value === 'number') return uint(argument, value, bits);
  const members: readonly { name: string; value: number }[] = CONSTANTS[group].members;
  const member = members.find((m) => m.name === value);
  if (!member) throw new InputError(argument, value, `must be one of ${members.map((m) => `'${m.name}'`).join(', ')} or a number`);
  return member.value;
}

/** The value of a schema constant, by group and name. */
export function constantValue<G extends ConstantGroupName>(group: G, name: ConstantName<G>): number {
  return (CONST[group] as Record<string, number>)[name]!;
}
