/*
 * The LD_PRELOAD entry points: open/openat (and their fortified and 64-bit names), close, dup2/dup3,
 * mmap/munmap and ioctl. Only /dev/xen paths and the fds this library created are handled; every other call
 * goes to the next definition (libc's) untouched, so programs the emulated program execs are unaffected.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

#include "client.h"
#include "evtchn.h"
#include "files.h"
#include "privcmd.h"
#include "real.h"

#define EXPORT __attribute__((visibility("default")))

/* The nodes Linux's Xen drivers create; of these only privcmd and evtchn exist here. */
static const char XEN_DIR[] = "/dev/xen/";

/* 1 when path is a /dev/xen node (errno and fd set in *result), 0 to pass the call on. */
static int open_xen(const char *path, int flags, int *result)
{
    if (!path || strncmp(path, XEN_DIR, sizeof XEN_DIR - 1))
        return 0;
    const char *node = path + sizeof XEN_DIR - 1;
    int rc;
    if (strcmp(node, "privcmd") && strcmp(node, "evtchn"))
        rc = -ENOENT; /* hypercall, gntdev, gntalloc, xenbus…: a host without them */
    else if ((rc = client_connect()) == 0)
        rc = strcmp(node, "privcmd") ? evtchn_open(flags) : privcmd_open(flags);
    if (rc < 0) {
        errno = -rc;
        *result = -1;
    } else {
        *result = rc;
    }
    return 1;
}

static mode_t mode_arg(int flags, va_list ap)
{
    return flags & (O_CREAT | O_TMPFILE) ? (mode_t)va_arg(ap, unsigned) : 0;
}

EXPORT int open(const char *path, int flags, ...)
{
    int fd;
    if (open_xen(path, flags, &fd))
        return fd;
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    return real_open(path, flags, mode);
}

EXPORT int open64(const char *path, int flags, ...)
{
    LIBC_NEXT(open64, int(const char *, int, ...));
    int fd;
    if (open_xen(path, flags, &fd))
        return fd;
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    return libc_open64(path, flags, mode);
}

/* The fortified opens (_FORTIFY_SOURCE with non-constant flags): libxenevtchn calls __open_2. */
EXPORT int __open_2(const char *path, int flags)
{
    LIBC_NEXT(__open_2, int(const char *, int));
    int fd;
    return open_xen(path, flags, &fd) ? fd : libc___open_2(path, flags);
}

EXPORT int __open64_2(const char *path, int flags)
{
    LIBC_NEXT(__open64_2, int(const char *, int));
    int fd;
    return open_xen(path, flags, &fd) ? fd : libc___open64_2(path, flags);
}

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
    LIBC_NEXT(openat, int(int, const char *, int, ...));
    int fd;
    if (open_xen(path, flags, &fd))
        return fd;
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    return libc_openat(dirfd, path, flags, mode);
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
    LIBC_NEXT(openat64, int(int, const char *, int, ...));
    int fd;
    if (open_xen(path, flags, &fd))
        return fd;
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    return libc_openat64(dirfd, path, flags, mode);
}

EXPORT int close(int fd)
{
    files_forget(fd);
    return real_close(fd);
}

EXPORT int dup2(int oldfd, int newfd)
{
    LIBC_NEXT(dup2, int(int, int));
    int rc = libc_dup2(oldfd, newfd);
    if (rc >= 0 && oldfd != newfd)
        files_dup(oldfd, newfd);
    return rc;
}

EXPORT int dup3(int oldfd, int newfd, int flags)
{
    LIBC_NEXT(dup3, int(int, int, int));
    int rc = libc_dup3(oldfd, newfd, flags);
    if (rc >= 0)
        files_dup(oldfd, newfd);
    return rc;
}

static void *map(void *addr, size_t len, int prot, int flags, int fd, off_t off, void *(*real)(void *, size_t, int, int, int, off_t))
{
    struct emu_file *f = fd >= 0 ? files_get(fd) : NULL;
    if (!f)
        return real(addr, len, prot, flags, fd, off);
    void *p;
    if (f->node == EMU_PRIVCMD) {
        p = privcmd_mmap(addr, len, prot, flags);
    } else {
        errno = ENODEV; /* evtchn has no mmap */
        p = MAP_FAILED;
    }
    files_put(f);
    return p;
}

EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    return map(addr, len, prot, flags, fd, off, real_mmap);
}

EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    LIBC_NEXT(mmap64, void *(void *, size_t, int, int, int, off_t));
    return map(addr, len, prot, flags, fd, off, libc_mmap64);
}

EXPORT int munmap(void *addr, size_t len)
{
    int rc = real_munmap(addr, len);
    if (rc == 0)
        privcmd_munmap(addr, len);
    return rc;
}

EXPORT int ioctl(int fd, unsigned long request, ...)
{
    LIBC_NEXT(ioctl, int(int, unsigned long, ...));
    va_list ap;
    va_start(ap, request);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    struct emu_file *f = files_get(fd);
    if (!f)
        return libc_ioctl(fd, request, arg);
    long rc = f->node == EMU_PRIVCMD ? privcmd_ioctl(f, request, arg) : evtchn_ioctl(f, request, arg);
    files_put(f);
    if (rc < 0) {
        errno = (int)-rc;
        return -1;
    }
    return (int)rc;
}
