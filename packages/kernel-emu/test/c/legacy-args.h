#ifndef XENMEM_KERNEL_EMU_TEST_LEGACY_ARGS_H
#define XENMEM_KERNEL_EMU_TEST_LEGACY_ARGS_H
#include <stddef.h>
#include <stdint.h>
unsigned legacy_create_op(void);
/* Writes the struct (id preset to 0xffff, so the copy-back shows) and returns its size. */
size_t legacy_create_args(void *buf, uint16_t domid, uint8_t handle_bufioreq);
size_t legacy_create_id_offset(void);
#endif
