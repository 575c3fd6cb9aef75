/* libc's definitions behind the interposed names, found once with dlsym(RTLD_NEXT) (see real.h). */
#define _GNU_SOURCE
#include "real.h"

int real_open(const char *path, int flags, mode_t mode)
{
    LIBC_NEXT(open, int(const char *, int, ...));
    return libc_open(path, flags, mode);
}

int real_close(int fd)
{
    LIBC_NEXT(close, int(int));
    return libc_close(fd);
}

void *real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    LIBC_NEXT(mmap, void *(void *, size_t, int, int, int, off_t));
    return libc_mmap(addr, len, prot, flags, fd, off);
}

int real_munmap(void *addr, size_t len)
{
    LIBC_NEXT(munmap, int(void *, size_t));
    return libc_munmap(addr, len);
}
