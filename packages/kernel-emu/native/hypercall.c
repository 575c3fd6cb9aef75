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
    long rc;
    if (r->kind != XENMEM_SIM_FRAME_HYPERCALL_DONE || r->len < XENMEM_SIM_HYPERCALL_DONE_SIZE)
        return r->kind == XENMEM_SIM_FRAME_ERROR ? -client_error_errno(r) : -EPROTO;
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

/* xen_version (xen/common/kernel.c do_xen_version() @ RELEASE-4.17.0): the daemon's release. */
static long xen_version(unsigned long cmd, void *arg)
{
    const struct client_welcome *w = client_welcome();
    switch (cmd) {
    case XENVER_version:
        return (long)(w->major << 16 | w->minor);
    case XENVER_extraversion: {
        xen_extraversion_t extra;
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
    default:
        /* Xen's answer to a hypercall it does not have (or the simulator does not model). */
        return -ENOSYS;
    }
}
