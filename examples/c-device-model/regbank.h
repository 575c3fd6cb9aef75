/*
 * The emulated device of the example, apart from Xen: a bank of 32-bit registers on a port range, and a log
 * of the guest's writes to the pages whose type the device model claimed (HVMMEM_ioreq_server).
 *
 * Port offsets from the first port of the range (each register is 4 ports wide, little-endian, and answers
 * 1-, 2- and 4-byte accesses at any offset inside it):
 *   0x00 0x04 0x08 0x0c  scratch registers: reads return what was last written (0 at start)
 *   0x10  WRITES    read-only: how many guest writes to the claimed pages arrived
 *   0x14  LAST_GPA  read-only: the guest physical address of the last one (low 32 bits)
 *   0x18  LAST_DATA read-only: the value it wrote (low 32 bits)
 *   0x1c  LAST_SIZE read-only: its size in bytes
 * Writes to the read-only registers are ignored, as a device's status registers ignore them.
 */
#ifndef REGBANK_H
#define REGBANK_H

#include <stdint.h>

/** Ports the bank occupies. */
#define REGBANK_PORTS 0x20u
#define REGBANK_SCRATCH_REGS 4u
#define REGBANK_REG_WRITES 0x10u
#define REGBANK_REG_LAST_GPA 0x14u
#define REGBANK_REG_LAST_DATA 0x18u
#define REGBANK_REG_LAST_SIZE 0x1cu

struct regbank {
    uint32_t scratch[REGBANK_SCRATCH_REGS];
    uint32_t writes;
    uint64_t last_gpa;
    uint64_t last_data;
    uint32_t last_size;
};

/** The value a guest read of `size` bytes at `offset` into the bank returns (all ones past the bank's end). */
uint32_t regbank_read(const struct regbank *bank, uint32_t offset, uint32_t size);

/** A guest write of `size` bytes of `value` at `offset` into the bank. */
void regbank_write(struct regbank *bank, uint32_t offset, uint32_t size, uint32_t value);

/** A guest write to a claimed page: counted and remembered for the read-only registers. */
void regbank_page_write(struct regbank *bank, uint64_t gpa, uint32_t size, uint64_t data);

#endif
