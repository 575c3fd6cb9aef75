/*
 * /dev/xen/privcmd as Linux's drivers/xen/privcmd.c implements it, forwarding to the daemon.
 */
#ifndef XENMEM_KERNEL_EMU_PRIVCMD_H
#define XENMEM_KERNEL_EMU_PRIVCMD_H

#include <stddef.h>
#include <stdint.h>

#include "files.h"

/* Opens an emulated privcmd file: its fd (a real fd of /dev/null, so poll, dup and close work), or -errno. */
int privcmd_open(int flags);
/* One ioctl on a privcmd file: the ioctl's result, or -errno. */
long privcmd_ioctl(struct emu_file *file, unsigned long request, void *arg);

/* mmap() of a privcmd fd: an anonymous reservation that MMAP_RESOURCE and MMAPBATCH map over. */
void *privcmd_mmap(void *addr, size_t len, int prot, int flags);
/* munmap() of any range: forgets the reservations it covers. */
void privcmd_munmap(void *addr, size_t len);

/* A call on `dom` through `file`: 0, or -EPERM when IOCTL_PRIVCMD_RESTRICT restricted the file to another domain. */
long privcmd_check_domain(const struct emu_file *file, uint16_t dom);

/* The ioctls, one per file (privcmd-*.c, hypercall.c). */
long privcmd_dm_op(struct emu_file *file, void *arg);
long privcmd_hypercall(struct emu_file *file, void *arg);
long privcmd_mmap_resource(struct emu_file *file, void *arg);
long privcmd_mmapbatch(struct emu_file *file, void *arg, int v2);

#endif
