/*
 * libc's own open, close, mmap and munmap, for the library's internal files and mappings (its daemon socket, the
 * daemon's arena and RAM files, the /dev/null behind a privcmd fd). Calling the plain names from inside the
 * library would enter its own interposers (interpose.c), which sit above every other file here.
 */
#ifndef XENMEM_KERNEL_EMU_REAL_H
#define XENMEM_KERNEL_EMU_REAL_H

#include <dlfcn.h>
#include <stddef.h>
#include <sys/types.h>

/* Declares `libc_<name>`, the definition after this library's (dlsym(RTLD_NEXT)), found on first use. */
#define LIBC_NEXT(name, type) \
    static __typeof__(type) *libc_##name; \
    if (!libc_##name) \
        libc_##name = (__typeof__(type) *)dlsym(RTLD_NEXT, #name)

int real_open(const char *path, int flags, mode_t mode);
int real_close(int fd);
void *real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int real_munmap(void *addr, size_t len);

#endif
