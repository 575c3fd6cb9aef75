/* The register bank and the claimed-page write log (regbank.h): plain C, no Xen. */
#include "regbank.h"

/** The 32 bits of the register that holds `offset`. */
static uint32_t register_at(const struct regbank *bank, uint32_t reg)
{
    switch (reg) {
    case REGBANK_REG_WRITES:
        return bank->writes;
    case REGBANK_REG_LAST_GPA:
        return (uint32_t)bank->last_gpa;
    case REGBANK_REG_LAST_DATA:
        return (uint32_t)bank->last_data;
    case REGBANK_REG_LAST_SIZE:
        return bank->last_size;
    default:
        return bank->scratch[reg / 4u];
    }
}

static uint32_t size_mask(uint32_t size)
{
    return size >= 4u ? 0xffffffffu : (1u << (8u * size)) - 1u;
}

uint32_t regbank_read(const struct regbank *bank, uint32_t offset, uint32_t size)
{
    if (offset >= REGBANK_PORTS)
        return size_mask(size);
    uint32_t shift = 8u * (offset % 4u);
    return (register_at(bank, offset & ~3u) >> shift) & size_mask(size);
}

void regbank_write(struct regbank *bank, uint32_t offset, uint32_t size, uint32_t value)
{
    uint32_t reg = offset & ~3u;
    if (offset >= REGBANK_PORTS || reg / 4u >= REGBANK_SCRATCH_REGS)
        return;
    uint32_t shift = 8u * (offset % 4u);
    uint32_t mask = size_mask(size) << shift;
    uint32_t *r = &bank->scratch[reg / 4u];
    *r = (*r & ~mask) | ((value << shift) & mask);
}

void regbank_page_write(struct regbank *bank, uint64_t gpa, uint32_t size, uint64_t data)
{
    bank->writes++;
    bank->last_gpa = gpa;
    bank->last_data = data;
    bank->last_size = size;
}
