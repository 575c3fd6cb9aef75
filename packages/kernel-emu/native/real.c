/* libc's definitions behind the interposed names, found once with dlsym(RTLD_NEXT) (see real.h). */
#define _GNU_SOURCE
#include "real.h"

#include <dlfcn.h>

#define NEXT(name, type) \
    static __typeof__(type) *next_##name; \
    if (!next_##name) \
        next_##name = (__typeof__(type) *)dlsym(RTLD_NEXT, #name)

int real_open(const char *path, int flags, mode_t mode)
{
    NEXT(open, int(const char *, int, ...));
    return next_open(path, flags, mode);
}

int real_close(int fd)
{
    NEXT(close, int(int));
    return next_close(fd);
}

void *real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    NEXT(mmap, void *(void *, size_t, int, int, int, off_t));
    return next_mmap(addr, len, prot, flags, fd, off);
}

int real_munmap(void *addr, size_t len)
{
    NEXT(munmap, int(void *, size_t));
    return next_munmap(addr, len);
}
