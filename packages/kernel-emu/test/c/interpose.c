/*
 * The interposers, through the built library: run under LD_PRELOAD against the daemon at $XENMEM_SOCKET
 * (domain 1, release $XENMEM_RELEASE). Which opens are emulated, dup2/dup3/close and the files they name,
 * mmap of each node, calls on other fds passed through to the kernel, and a forked child using inherited files.
 * Prints "FAIL …" per failed check and "checks N failed M"; exits 1 if any failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "kernel-abi.h"

extern int __open_2(const char *path, int flags);
extern int __open64_2(const char *path, int flags);

/* A call that must fail with errno e. */
#define CHECK_ERRNO(expr, e)                                               \
    do {                                                                   \
        errno = 0;                                                         \
        long got_ = (long)(expr);                                          \
        int errno_ = errno;                                                \
        CHECK(got_ == -1 && errno_ == (e), "%s = %ld errno %d, want -1 errno %d", #expr, got_, errno_, (e)); \
    } while (0)

static long version(int fd)
{
    struct privcmd_hypercall h = { __HYPERVISOR_xen_version, { XENVER_version, 0, 0, 0, 0 } };
    return ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &h);
}

static int probe(int fd)
{
    struct privcmd_dm_op k = { DOMID_INVALID, 0, NULL };
    return ioctl(fd, IOCTL_PRIVCMD_DM_OP, &k);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    unsigned major, minor;
    if (sscanf(getenv("XENMEM_RELEASE"), "%u.%u", &major, &minor) != 2)
        return 2;
    long want = (long)(major << 16 | minor);

    /* Nodes a host without them lacks. */
    CHECK_ERRNO(open("/dev/xen/hypercall", O_RDWR), ENOENT);
    CHECK_ERRNO(open("/dev/xen/gntdev", O_RDWR), ENOENT);
    CHECK_ERRNO(openat(AT_FDCWD, "/dev/xen/gntalloc", O_RDWR), ENOENT);
    CHECK_ERRNO(__open_2("/dev/xen/xenbus", O_RDWR), ENOENT);

    /* Every open entry point gives an emulated privcmd file. */
    int fds[5] = { open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC), open64("/dev/xen/privcmd", O_RDWR),
                   openat(AT_FDCWD, "/dev/xen/privcmd", O_RDWR), __open_2("/dev/xen/privcmd", O_RDWR),
                   __open64_2("/dev/xen/privcmd", O_RDWR) };
    for (int i = 0; i < 5; i++) {
        CHECK(fds[i] >= 0, "open #%d: %d errno %d", i, fds[i], errno);
        CHECK(version(fds[i]) == want, "xen_version on open #%d", i);
    }
    CHECK((fcntl(fds[0], F_GETFD) & FD_CLOEXEC) != 0, "O_CLOEXEC dropped");
    CHECK_ERRNO(ioctl(fds[0], IOCTL_PRIVCMD_UNIMPLEMENTED, NULL), ENOTTY);
    CHECK(probe(fds[0]) == 0, "dm_op probe");

    /* Another fd (/dev/null) passes through: the kernel's own answer. */
    int null = open("/dev/null", O_RDWR);
    CHECK_ERRNO(probe(null), ENOTTY);

    /* dup2: the copy names the same file, which outlives the original's close; dup2 over it ends that. */
    CHECK(dup2(fds[1], 100) == 100, "dup2");
    CHECK(close(fds[1]) == 0, "close");
    CHECK(version(100) == want, "xen_version through the dup2 copy after close");
    domid_t one = 1, two = 2;
    CHECK(ioctl(100, IOCTL_PRIVCMD_RESTRICT, &one) == 0, "restrict through the copy");
    CHECK(dup3(100, 101, O_CLOEXEC) == 101, "dup3");
    CHECK_ERRNO(ioctl(101, IOCTL_PRIVCMD_RESTRICT, &two), EINVAL); /* the same file: already restricted to 1 */
    CHECK(dup2(null, 100) == 100, "dup2 of /dev/null over the copy");
    CHECK_ERRNO(probe(100), ENOTTY);
    CHECK_ERRNO(version(101), EPERM);
    close(101);
    close(100);

    /* mmap: privcmd gives a reservation; evtchn has none. */
    void *r = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
    CHECK(r != MAP_FAILED && ((unsigned char *)r)[4096] == 0, "mmap of privcmd");
    int ev = open("/dev/xen/evtchn", O_RDWR | O_CLOEXEC);
    CHECK(ev >= 0, "open evtchn");
    CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, ev, 0) == MAP_FAILED && errno == ENODEV, "mmap of evtchn");
    CHECK_ERRNO(ioctl(ev, 0x4599, NULL), ENOSYS);
    CHECK(munmap(r, 2 * 4096) == 0, "munmap");

    /* A forked child uses the files it inherited through its own connection. */
    pid_t pid = fork();
    if (pid == 0) {
        int ok = version(fds[0]) == want && probe(fds[2]) == 0;
        struct ioctl_evtchn_unbind u = { 5 };
        ok = ok && ioctl(ev, IOCTL_EVTCHN_UNBIND, &u) == -1 && errno == ENOTCONN;
        _exit(ok ? 0 : 1);
    }
    int status;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0, "forked child: status 0x%x", status);
    /* The parent's connection is unaffected. */
    CHECK(version(fds[0]) == want, "xen_version in the parent after the fork");

    /* A program it starts is untouched by the library (it inherits LD_PRELOAD). */
    CHECK(system("exec true") == 0, "sh -c true");

    return check_summary();
}
