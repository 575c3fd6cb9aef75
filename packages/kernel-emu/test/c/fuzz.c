/*
 * Random ioctl arguments on emulated privcmd and evtchn files (built with ASan/UBSan, linked with the
 * emulation's sources): ioctl numbers, counts, sizes and pointers (NULL, unmapped, read-only, ending at a
 * page boundary, valid) drawn from a seeded generator. Every call must return a result or an errno Linux or
 * Xen gives, never fault, hang or break the daemon connection (EIO, EPROTO). Afterwards the daemon still
 * answers. argv: seed, iterations. Prints "calls N" and exits 0, or names the first bad call and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "client.h"
#include "evtchn.h"
#include "files.h"
#include "kernel-abi.h"
#include "privcmd.h"

static uint64_t state;

static uint64_t next(void)
{
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return state;
}

static uint8_t *page_rw, *page_ro, *reservation;

/* A pointer of one of the kinds a buggy or hostile program passes. */
static void *pointer(size_t len)
{
    switch (next() % 6) {
    case 0: return NULL;
    case 1: return (void *)(uintptr_t)(next() % 4096);
    case 2: return page_ro + next() % 4096;
    case 3: return page_rw + 4096 - (len < 4096 ? len : 0) / (1 + next() % 2); /* may run off the end */
    case 4: return (void *)(uintptr_t)next();
    default: return page_rw + next() % 64;
    }
}

static uint64_t number(void)
{
    switch (next() % 5) {
    case 0: return next() % 4;
    case 1: return next() % 64;
    case 2: return 1 + next() % 20;
    case 3: return (uint64_t)-1 - next() % 4;
    default: return next();
    }
}

static void fill(uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)(next() % 3 == 0 ? 0 : next());
}

static const unsigned long privcmd_ioctls[] = {
    IOCTL_PRIVCMD_HYPERCALL, IOCTL_PRIVCMD_DM_OP, IOCTL_PRIVCMD_RESTRICT, IOCTL_PRIVCMD_MMAP_RESOURCE,
    IOCTL_PRIVCMD_MMAPBATCH, IOCTL_PRIVCMD_MMAPBATCH_V2, IOCTL_PRIVCMD_UNIMPLEMENTED, IOCTL_PRIVCMD_MMAP,
};
static const unsigned long evtchn_ioctls[] = {
    IOCTL_EVTCHN_BIND_VIRQ, IOCTL_EVTCHN_BIND_INTERDOMAIN, IOCTL_EVTCHN_BIND_UNBOUND_PORT, IOCTL_EVTCHN_UNBIND,
    IOCTL_EVTCHN_NOTIFY, IOCTL_EVTCHN_RESET, IOCTL_EVTCHN_RESTRICT_DOMID,
};

/* Builds a plausible argument in page_rw (with pointers inside it of every kind), or returns a raw pointer. */
static void *argument(unsigned long request)
{
    if (next() % 4 == 0)
        return pointer(64);
    fill(page_rw, 256);
    uint64_t *w = (uint64_t *)page_rw;
    switch (request) {
    case IOCTL_PRIVCMD_HYPERCALL: {
        static const unsigned long ops[] = { __HYPERVISOR_hvm_op, __HYPERVISOR_xen_version, __HYPERVISOR_memory_op, __HYPERVISOR_multicall, __HYPERVISOR_sched_op };
        w[0] = next() % 2 ? ops[next() % 5] : number();
        w[1] = next() % 30;
        w[2] = (uintptr_t)pointer(64);
        break;
    }
    case IOCTL_PRIVCMD_DM_OP: {
        struct privcmd_dm_op *k = (struct privcmd_dm_op *)page_rw;
        k->dom = next() % 2 ? 1 : (domid_t)number();
        k->num = (uint16_t)(next() % 2 ? next() % 4 : number());
        struct privcmd_dm_op_buf *bufs = (struct privcmd_dm_op_buf *)(page_rw + 64);
        for (int i = 0; i < 4; i++)
            bufs[i] = (struct privcmd_dm_op_buf){ next() % 2 ? page_rw + 512 + i * 512 : pointer(64), next() % 2 ? next() % 512 : number() };
        k->ubufs = next() % 4 ? bufs : pointer(64);
        break;
    }
    case IOCTL_PRIVCMD_MMAP_RESOURCE: {
        struct privcmd_mmap_resource *k = (struct privcmd_mmap_resource *)page_rw;
        k->dom = next() % 2 ? 1 : (domid_t)number();
        k->type = (uint32_t)(next() % 2 ? 0 : number());
        k->id = (uint32_t)(next() % 3);
        k->idx = (uint32_t)(next() % 2 ? next() % 3 : number());
        k->num = next() % 2 ? next() % 4 : number();
        k->addr = next() % 2 ? (uintptr_t)reservation : (next() % 2 ? 0 : (uintptr_t)pointer(0));
        break;
    }
    case IOCTL_PRIVCMD_MMAPBATCH:
    case IOCTL_PRIVCMD_MMAPBATCH_V2: {
        struct privcmd_mmapbatch_v2 *k = (struct privcmd_mmapbatch_v2 *)page_rw;
        k->num = (unsigned)(next() % 2 ? 1 + next() % 4 : number());
        k->dom = next() % 2 ? 1 : (domid_t)number();
        k->addr = next() % 2 ? (uintptr_t)reservation : (uintptr_t)pointer(0);
        k->arr = next() % 2 ? (xen_pfn_t *)(page_rw + 1024) : pointer(64);
        k->err = next() % 2 ? (int *)(page_rw + 2048) : pointer(64);
        break;
    }
    default:
        w[0] = next() % 2 ? next() % 8 : number();
        w[1] = number();
        break;
    }
    return page_rw;
}

static int acceptable(long rc)
{
    if (rc >= 0)
        return 1;
    return rc > -4096 && rc != -EIO && rc != -EPROTO;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    state = strtoull(argv[1], NULL, 0) | 1;
    long iterations = strtol(argv[2], NULL, 0);
    int trace = getenv("XENMEM_FUZZ_TRACE") != NULL; /* each call on stderr, before it is made */
    /*
     * Each page is followed by an inaccessible one: a size that runs past it must be EFAULT, not a copy-back
     * into whatever the process has mapped next (which Linux would do just the same).
     */
    page_rw = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    page_ro = mmap(NULL, 2 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mprotect(page_rw + 4096, 4096, PROT_NONE);
    mprotect(page_ro + 4096, 4096, PROT_NONE);
    if (client_connect())
        return 2;
    struct emu_file *priv = NULL, *ev = NULL;
    int privfd = -1, evfd = -1;
    for (long i = 0; i < iterations; i++) {
        if (i % 200 == 0) {
            /* Fresh files now and then: a restrict or a bound port would otherwise decide everything after. */
            if (priv)
                files_put(priv), files_forget(privfd), close(privfd);
            if (ev)
                files_put(ev), files_forget(evfd), close(evfd);
            privfd = privcmd_open(O_RDWR), evfd = evtchn_open(O_RDWR);
            priv = files_get(privfd), ev = files_get(evfd);
            reservation = privcmd_mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED);
        }
        int on_evtchn = next() % 3 == 0;
        unsigned long request = on_evtchn ? (next() % 8 ? evtchn_ioctls[next() % 7] : (unsigned long)number())
                                          : (next() % 8 ? privcmd_ioctls[next() % 8] : (unsigned long)number());
        void *arg = argument(request);
        if (trace)
            fprintf(stderr, "%ld %s 0x%lx %p\n", i, on_evtchn ? "evtchn" : "privcmd", request, arg), fflush(stderr);
        long rc = on_evtchn ? evtchn_ioctl(ev, request, arg) : privcmd_ioctl(priv, request, arg);
        if (!acceptable(rc)) {
            printf("call %ld: ioctl 0x%lx on %s returned %ld\n", i, request, on_evtchn ? "evtchn" : "privcmd", rc);
            return 1;
        }
    }
    /* The connection and the daemon still work: a fresh unrestricted file gets xen_version. */
    int fd = privcmd_open(O_RDWR);
    struct emu_file *f = files_get(fd);
    struct privcmd_hypercall h = { __HYPERVISOR_xen_version, { XENVER_version, 0, 0, 0, 0 } };
    long version = privcmd_ioctl(f, IOCTL_PRIVCMD_HYPERCALL, &h);
    if (version <= 0) {
        printf("xen_version after the fuzz: %ld\n", version);
        return 1;
    }
    printf("calls %ld\n", iterations);
    return 0;
}
