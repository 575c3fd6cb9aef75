/*
 * The privcmd file: open, the ioctl switch, IOCTL_PRIVCMD_RESTRICT and IOCTL_PRIVCMD_DM_OP, as
 * drivers/xen/privcmd.c privcmd_ioctl(), privcmd_ioctl_restrict() and privcmd_ioctl_dm_op() @ v6.1.
 */
#define _GNU_SOURCE
#include "privcmd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xenmem/sim_protocol.h>

#include "client.h"
#include "kernel-abi.h"
#include "usermem.h"
#include "real.h"

/*
 * Linux's limits on a dm_op (privcmd.c module parameters dm_op_max_nr_bufs and dm_op_buf_max_size, their
 * defaults): more buffers, or a larger buffer, is E2BIG before Xen is called.
 */
#define PRIVCMD_DM_OP_MAX_NUM 16
#define PRIVCMD_DM_OP_BUF_MAX_SIZE 4096

int privcmd_open(int flags)
{
    int fd = real_open("/dev/null", O_RDWR | (flags & O_CLOEXEC), 0);
    if (fd < 0)
        return -errno;
    struct emu_file *f = calloc(1, sizeof *f);
    if (!f) {
        real_close(fd);
        return -ENOMEM;
    }
    f->node = EMU_PRIVCMD;
    f->restrict_domid = DOMID_INVALID;
    int rc = files_install(fd, f);
    if (rc) {
        free(f);
        real_close(fd);
        return rc;
    }
    return fd;
}

/* privcmd_ioctl_restrict(): a file is restricted once; again to the same domain is a no-op, to another EINVAL. */
static long privcmd_restrict(struct emu_file *f, void *arg)
{
    domid_t dom;
    if (usermem_read(&dom, arg, sizeof dom))
        return -EFAULT;
    if (f->restrict_domid == DOMID_INVALID)
        f->restrict_domid = dom;
    else if (f->restrict_domid != dom)
        return -EINVAL;
    return 0;
}

long privcmd_check_domain(const struct emu_file *f, uint16_t dom)
{
    return f->restrict_domid != DOMID_INVALID && f->restrict_domid != dom ? -EPERM : 0;
}

long privcmd_ioctl(struct emu_file *f, unsigned long request, void *arg)
{
    switch (request) {
    case IOCTL_PRIVCMD_HYPERCALL:
        return privcmd_hypercall(f, arg);
    case IOCTL_PRIVCMD_DM_OP:
        return privcmd_dm_op(f, arg);
    case IOCTL_PRIVCMD_RESTRICT:
        return privcmd_restrict(f, arg);
    case IOCTL_PRIVCMD_MMAP_RESOURCE:
        return privcmd_mmap_resource(f, arg);
    case IOCTL_PRIVCMD_MMAPBATCH:
        return privcmd_mmapbatch(f, arg, 0);
    case IOCTL_PRIVCMD_MMAPBATCH_V2:
        return privcmd_mmapbatch(f, arg, 1);
    default:
        /* IOCTL_PRIVCMD_UNIMPLEMENTED included: libxenforeignmemory learns the errno of an unknown ioctl from it. */
        return -ENOTTY;
    }
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * The buffers go to the daemon byte for byte (a 0x10 dm_op frame) and come back as Xen copies them
 * (0x90 hypercall_done); the ioctl returns Xen's rc.
 */
long privcmd_dm_op(struct emu_file *f, void *arg)
{
    struct privcmd_dm_op k;
    if (usermem_read(&k, arg, sizeof k))
        return -EFAULT;
    long denied = privcmd_check_domain(f, k.dom);
    if (denied)
        return denied;
    /* libxendevicemodel's open-time probe (DOMID_INVALID, no buffers) learns that the ioctl exists. */
    if (k.num == 0)
        return 0;
    if (k.num > PRIVCMD_DM_OP_MAX_NUM)
        return -E2BIG;
    struct privcmd_dm_op_buf bufs[PRIVCMD_DM_OP_MAX_NUM];
    if (usermem_read(bufs, k.ubufs, k.num * sizeof bufs[0]))
        return -EFAULT;
    for (unsigned i = 0; i < k.num; i++)
        if (bufs[i].size > PRIVCMD_DM_OP_BUF_MAX_SIZE)
            return -E2BIG;

    struct xenmem_sim_dm_op head = { k.dom, k.num };
    uint8_t lens[PRIVCMD_DM_OP_MAX_NUM][XENMEM_SIM_BUFFER_SIZE];
    uint8_t *data = malloc(k.num * PRIVCMD_DM_OP_BUF_MAX_SIZE + 1);
    struct client_part parts[1 + 2 * PRIVCMD_DM_OP_MAX_NUM];
    int n = 0;
    if (!data)
        return -ENOMEM;
    parts[n++] = (struct client_part){ &head, sizeof head };
    for (unsigned i = 0; i < k.num; i++) {
        uint8_t *b = data + i * PRIVCMD_DM_OP_BUF_MAX_SIZE;
        if (usermem_read(b, bufs[i].uptr, bufs[i].size)) {
            free(data);
            return -EFAULT;
        }
        struct xenmem_sim_buffer len = { (uint32_t)bufs[i].size };
        memcpy(lens[i], &len, sizeof len);
        parts[n++] = (struct client_part){ lens[i], sizeof lens[i] };
        parts[n++] = (struct client_part){ b, bufs[i].size };
    }
    struct client_reply r;
    long rc = client_call(XENMEM_SIM_FRAME_DM_OP, parts, n, &r);
    if (rc) {
        free(data);
        return rc;
    }
    rc = client_expect(&r, XENMEM_SIM_FRAME_HYPERCALL_DONE, XENMEM_SIM_HYPERCALL_DONE_SIZE);
    if (rc)
        goto out;
    struct xenmem_sim_hypercall_done done;
    memcpy(&done, r.payload, sizeof done);
    rc = done.rc;
    /* Xen's copy-back: write back only the bytes the call changed, so a read-only input buffer stays valid. */
    uint32_t at = XENMEM_SIM_HYPERCALL_DONE_SIZE;
    for (unsigned i = 0; i < done.nr_bufs && i < k.num; i++) {
        if (at + XENMEM_SIM_BUFFER_SIZE > r.len)
            break;
        uint32_t len = get_u32(r.payload + at);
        at += XENMEM_SIM_BUFFER_SIZE;
        if (len > r.len - at || len != bufs[i].size)
            break;
        if (memcmp(r.payload + at, data + i * PRIVCMD_DM_OP_BUF_MAX_SIZE, len) &&
            usermem_write(bufs[i].uptr, r.payload + at, len)) {
            rc = -EFAULT;
            break;
        }
        at += len;
    }
out:
    client_reply_free(&r);
    free(data);
    return rc;
}
