/**
 * An MMIO register bank: 32-bit registers at base … base+size-1. A read returns what was last written, except
 * the identification register at offset 0, which reads a fixed magic and ignores writes. Offset
 * `HALT_OFFSET` is a test hook: writing `HALT_MAGIC` there makes the device model stop taking requests,
 * as a hung device model would (the guest's next access then waits in STATE_IOREQ_READY).
 */
export const BANK_BASE = 0xfebf0000n;
export const BANK_SIZE = 0x1000n;
/** 'XMDM' (xenmem device model), little-endian. */
export const BANK_ID = 0x4d444d58n;
export const HALT_OFFSET = 0xffcn;
export const HALT_MAGIC = 0x48414c54n; // 'HALT'

export class RegisterBank {
  /** offset → value. */
  registers = new Map();
  /** Every write the guest made, in order: { offset, value }. */
  writes = [];

  constructor(base = BANK_BASE, size = BANK_SIZE) {
    this.base = base;
    this.size = size;
  }

  contains(addr, size) {
    return addr >= this.base && addr + BigInt(size) <= this.base + this.size;
  }

  /** A read of `size` bytes at guest physical `addr`; registers are 32-bit, narrower reads take the low bytes. */
  read(addr, size) {
    const offset = addr - this.base;
    const reg = offset & ~3n;
    const word = reg === 0n ? BANK_ID : (this.registers.get(reg) ?? 0n);
    const shift = (offset & 3n) * 8n;
    return (word >> shift) & ((1n << BigInt(8 * size)) - 1n);
  }

  /** A write; returns true when it was the halt request. */
  write(addr, size, value) {
    const offset = addr - this.base;
    this.writes.push({ offset, value });
    if (offset === HALT_OFFSET && value === HALT_MAGIC) return true;
    if (offset < 4n) return false; // the ID register is read-only
    const reg = offset & ~3n;
    const shift = (offset & 3n) * 8n;
    const mask = ((1n << BigInt(8 * Math.min(size, 4))) - 1n) << shift;
    const old = this.registers.get(reg) ?? 0n;
    this.registers.set(reg, ((old & ~mask) | ((value << shift) & mask)) & 0xffffffffn);
    return false;
  }
}
