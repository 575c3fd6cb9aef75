/** Guest RAM contents: sparse 4 KiB pages, little-endian values that may cross a page boundary. */
import type { Domain } from '../domain.js';

const PAGE = 4096;

export function readRam(domain: Domain, gpa: bigint, size: number): bigint {
  let value = 0n;
  for (let i = size - 1; i >= 0; i--) {
    const a = gpa + BigInt(i);
    const page = domain.memory.get(Number(a >> 12n));
    value = (value << 8n) | BigInt(page ? page[Number(a & 0xfffn)]! : 0);
  }
  return value;
}

export function writeRam(domain: Domain, gpa: bigint, size: number, value: bigint): void {
  for (let i = 0; i < size; i++) {
    const a = gpa + BigInt(i);
    const gfn = Number(a >> 12n);
    let page = domain.memory.get(gfn);
    if (!page) domain.memory.set(gfn, (page = new Uint8Array(PAGE)));
    page[Number(a & 0xfffn)] = Number((value >> BigInt(8 * i)) & 0xffn);
  }
}
