/**
 * p2m_type_t numbers (xen/arch/x86/include/asm/p2m.h; asm-x86/p2m.h before 4.16) and errno values the p2m core tests use, written out as literals
 * on purpose: the tests check the cores against these numbers, not against the schema the cores read.
 */
export const RAM_RW = 0;
export const INVALID = 1;
export const LOGDIRTY = 2;
export const RAM_RO = 3;
export const MMIO_DM = 4;
export const SHARED = 12;
export const IOREQ_SERVER = 15;
export const EAGAIN = 11;
export const EINVAL = 22;
