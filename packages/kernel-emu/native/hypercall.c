/*
 * IOCTL_PRIVCMD_HYPERCALL (drivers/xen/privcmd.c privcmd_ioctl_hypercall() @ v6.1): the hypercalls Xen's
 * libraries make through libxencall, answered as Xen answers them. Their arguments are read and written in
 * the caller's memory as copy_from_guest/copy_to_guest would: a bad pointer is EFAULT.
 */
#define _GNU_SOURCE
#include "privcmd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xenmem/sim_protocol.h>

#include "client.h"
#include "hvm-op-args.h"
#include "kernel-abi.h"
#include "usermem.h"

/* The largest HVMOP struct the schema has is a few dozen bytes; this bounds the buffer. */
#define HVM_OP_ARG_MAX 256

/* A hypercall_done reply: rc, and its first buffer copied back to arg when the call changed it. */
static long hypercall_done(struct client_reply *r, void *arg, const void *sent, size_t len)
{
    long rc = client_expect(r, XENMEM_SIM_FRAME_HYPERCALL_DONE, XENMEM_SIM_HYPERCALL_DONE_SIZE);
    if (rc)
        return rc;
    struct xenmem_sim_hypercall_done done;
    memcpy(&done, r->payload, sizeof done);
    rc = done.rc;
    uint32_t at = XENMEM_SIM_HYPERCALL_DONE_SIZE;
    if (len && done.nr_bufs >= 1 && r->len >= at + XENMEM_SIM_BUFFER_SIZE + len) {
        struct xenmem_sim_buffer b;
        memcpy(&b, r->payload + at, sizeof b);
        at += XENMEM_SIM_BUFFER_SIZE;
        if (b.length == len && memcmp(r->payload + at, sent, len) && usermem_write(arg, r->payload + at, len))
            rc = -EFAULT;
    }
    return rc;
}

/* hvm_op(op, arg): the op's struct as the schema lays it out, in a 0x11 hvm_op frame. */
static long hvm_op(unsigned long op, void *arg)
{
    if (op > UINT32_MAX)
        return -ENOSYS;
    size_t len = hvm_op_arg_size((unsigned)op);
    uint8_t buf[HVM_OP_ARG_MAX];
    if (len > sizeof buf)
        return -ENOSYS;
    if (usermem_read(buf, arg, len))
        return -EFAULT;
    struct xenmem_sim_hvm_op head = { (uint32_t)op };
    struct client_part parts[2] = { { &head, sizeof head }, { buf, len } };
    struct client_reply r;
    long rc = client_call(XENMEM_SIM_FRAME_HVM_OP, parts, 2, &r);
    if (rc)
        return rc;
    rc = hypercall_done(&r, arg, buf, len);
    client_reply_free(&r);
    return rc;
}

/*
 * sched_op(cmd, arg) in a 0x1c sched_op frame. SCHEDOP_remote_shutdown's struct is read (EFAULT when it cannot
 * be); the other commands act on the calling vCPU and go without bytes, for the simulator's answer.
 */
static long sched_op(unsigned long cmd, void *arg)
{
    if (cmd > UINT32_MAX)
        return -ENOSYS;
    struct sched_remote_shutdown buf;
    size_t len = cmd == SCHEDOP_remote_shutdown ? sizeof buf : 0;
    if (usermem_read(&buf, arg, len))
        return -EFAULT;
    struct xenmem_sim_sched_op head = { (uint32_t)cmd };
    struct client_part parts[2] = { { &head, sizeof head }, { &buf, len } };
    struct client_reply r;
    long rc = client_call(XENMEM_SIM_FRAME_SCHED_OP, parts, 2, &r);
    if (rc)
        return rc;
    rc = hypercall_done(&r, arg, &buf, len);
    client_reply_free(&r);
    return rc;
}

/* Extents sent to the daemon per populate_physmap frame (8 bytes each, well inside the 1 MiB frame limit). */
#define POPULATE_CHUNK 4096u

/*
 * memory_op(XENMEM_populate_physmap, struct xen_memory_reservation *): the extent list read from the caller
 * and sent in 0x1a populate_physmap frames; the result is the number of extents populated, as Xen's
 * memory_op returns it (xen/common/memory.c do_memory_op() @ RELEASE-4.17.0). Other commands: ENOSYS.
 */
static long memory_op(unsigned long cmd, void *arg)
{
    if (cmd != XENMEM_populate_physmap)
        return -ENOSYS;
    struct xen_memory_reservation res;
    if (usermem_read(&res, arg, sizeof res))
        return -EFAULT;
    uint64_t gpfns[POPULATE_CHUNK];
    long done = 0;
    while ((uint64_t)done < res.nr_extents) {
        uint32_t n = res.nr_extents - done < POPULATE_CHUNK ? (uint32_t)(res.nr_extents - done) : POPULATE_CHUNK;
        xen_pfn_t *list = res.extent_start.p;
        if (usermem_read(gpfns, list + done, n * sizeof gpfns[0]))
            return done ? done : -EFAULT;
        struct xenmem_sim_populate_physmap q = { res.domid, res.extent_order, res.mem_flags, n };
        struct client_part parts[2] = { { &q, sizeof q }, { gpfns, n * sizeof gpfns[0] } };
        struct client_reply r;
        long rc = client_call(XENMEM_SIM_FRAME_POPULATE_PHYSMAP, parts, 2, &r);
        if (rc)
            return rc;
        rc = hypercall_done(&r, NULL, NULL, 0);
        client_reply_free(&r);
        if (rc < 0)
            return done ? done : rc;
        done += rc;
        if ((uint32_t)rc < n)
            break;
    }
    return done;
}

/* Entries of one multicall the emulation takes (libxenctrl issues one). */
#define MULTICALL_MAX 64u

/*
 * multicall(calls, nr): libxenctrl wraps memory_op in a one-entry multicall on Linux x86-64 so that the
 * full result is kept (tools/libs/ctrl/xc_private.c xc_memory_op). Each entry's result is written back;
 * entries other than memory_op get ENOSYS. The call itself returns 0 (xen/common/multicall.c do_multicall()).
 */
static long multicall(void *calls, unsigned long nr)
{
    if (nr > MULTICALL_MAX)
        return -EINVAL;
    struct multicall_entry entries[MULTICALL_MAX];
    if (usermem_read(entries, calls, nr * sizeof entries[0]))
        return -EFAULT;
    for (unsigned long i = 0; i < nr; i++) {
        long result = entries[i].op == __HYPERVISOR_memory_op
                          ? memory_op(entries[i].args[0], (void *)(uintptr_t)entries[i].args[1])
                          : -ENOSYS;
        xen_ulong_t value = (xen_ulong_t)result;
        if (usermem_write((char *)calls + i * sizeof entries[0] + offsetof(struct multicall_entry, result), &value, sizeof value))
            return -EFAULT;
    }
    return 0;
}

/* xen_version (xen/common/kernel.c do_xen_version() @ RELEASE-4.17.0): the daemon's release. */
static long xen_version(unsigned long cmd, void *arg)
{
    const struct client_welcome *w = client_welcome();
    switch (cmd) {
    case XENVER_version:
        return (long)(w->major << 16 | w->minor);
    case XENVER_extraversion: {
        /* Xen's xen_extraversion_t: char[XEN_EXTRAVERSION_LEN], NUL-terminated. */
        char extra[XEN_EXTRAVERSION_LEN];
        memset(extra, 0, sizeof extra);
        memcpy(extra, w->extraversion, strnlen(w->extraversion, sizeof extra - 1));
        return usermem_write(arg, extra, sizeof extra) ? -EFAULT : 0;
    }
    default:
        return -ENOSYS;
    }
}

long privcmd_hypercall(struct emu_file *f, void *arg)
{
    /* A restricted file may only make dm_ops (privcmd_ioctl_hypercall()). */
    if (f->restrict_domid != DOMID_INVALID)
        return -EPERM;
    struct privcmd_hypercall h;
    if (usermem_read(&h, arg, sizeof h))
        return -EFAULT;
    switch (h.op) {
    case __HYPERVISOR_hvm_op:
        return hvm_op(h.arg[0], (void *)(uintptr_t)h.arg[1]);
    case __HYPERVISOR_xen_version:
        return xen_version(h.arg[0], (void *)(uintptr_t)h.arg[1]);
    case __HYPERVISOR_sched_op:
        return sched_op(h.arg[0], (void *)(uintptr_t)h.arg[1]);
    case __HYPERVISOR_memory_op:
        return memory_op(h.arg[0], (void *)(uintptr_t)h.arg[1]);
    case __HYPERVISOR_multicall:
        return multicall((void *)(uintptr_t)h.arg[0], h.arg[1]);
    default:
        /* Xen's answer to a hypercall it does not have (or the simulator does not model). */
        return -ENOSYS;
    }
}
