/*
 * The caller's memory as Xen's copy_from_guest/copy_to_guest and Linux's copy_from_user/copy_to_user see it:
 * a pointer that is not mapped (or not writable) is an error value, never a fault of the emulation.
 */
#ifndef XENMEM_KERNEL_EMU_USERMEM_H
#define XENMEM_KERNEL_EMU_USERMEM_H

#include <stddef.h>

/* Copies len bytes from the caller's address src into dst: 0, or -EFAULT when any byte is not readable. */
int usermem_read(void *dst, const void *src, size_t len);
/* Copies len bytes from src to the caller's address dst: 0, or -EFAULT when any byte is not writable. */
int usermem_write(void *dst, const void *src, size_t len);

#endif
