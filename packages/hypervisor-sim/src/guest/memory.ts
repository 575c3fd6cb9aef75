/** Guest RAM values: little-endian, of 1 … 8 bytes, that may cross a page boundary (the bytes live in domain.ram). */
import type { Domain } from '../domain.js';

export function readRam(domain: Domain, gpa: bigint, size: number): bigint {
  const bytes = domain.ram.read(Number(gpa), size);
  let value = 0n;
  for (let i = size - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  return value;
}

export function writeRam(domain: Domain, gpa: bigint, size: number, value: bigint): void {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  domain.ram.write(Number(gpa), bytes);
}
