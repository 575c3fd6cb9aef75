/*
 * Mappings of a privcmd file: mmap() reserves address space, IOCTL_PRIVCMD_MMAP_RESOURCE and
 * IOCTL_PRIVCMD_MMAPBATCH(_V2) map pages over it. The pages are the daemon's own: its shared arena (a file
 * under /dev/shm, docs/protocol.md "Shared memory") mapped MAP_SHARED at the page's offset, so both sides
 * see every byte at once, as a device model and Xen share an ioreq page.
 * Linux: drivers/xen/privcmd.c privcmd_mmap(), privcmd_ioctl_mmap_resource(), privcmd_ioctl_mmap_batch() @ v6.1.
 */
#define _GNU_SOURCE
#include "privcmd.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xenmem/sim_protocol.h>

#include "client.h"
#include "kernel-abi.h"
#include "usermem.h"
#include "real.h"

#define PAGE 4096u
/* Frames asked for in one acquire_resource frame: a pages reply of 255 pages fits the 1 MiB frame limit. */
#define FRAMES_PER_REQUEST 255u
/* Frames of one resource a size query looks for at most. */
#define SIZE_QUERY_MAX 256u

/* A privcmd mmap(): Linux's VMA of privcmd_vm_ops; `used` once a batch mapped into it. */
struct reservation {
    uintptr_t start, end;
    int prot;
    int used;
    struct reservation *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct reservation *reservations;

void *privcmd_mmap(void *addr, size_t len, int prot, int flags)
{
    void *p = real_mmap(addr, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | (flags & MAP_FIXED), -1, 0);
    if (p == MAP_FAILED)
        return p;
    struct reservation *r = malloc(sizeof *r);
    if (!r) {
        real_munmap(p, len);
        errno = ENOMEM;
        return MAP_FAILED;
    }
    privcmd_munmap(p, len); /* a MAP_FIXED reservation replaces what was there */
    pthread_mutex_lock(&lock);
    *r = (struct reservation){ (uintptr_t)p, (uintptr_t)p + ((len + PAGE - 1) & ~(size_t)(PAGE - 1)), prot, 0, reservations };
    reservations = r;
    pthread_mutex_unlock(&lock);
    return p;
}

void privcmd_munmap(void *addr, size_t len)
{
    uintptr_t a = (uintptr_t)addr, b = a + len;
    pthread_mutex_lock(&lock);
    for (struct reservation **p = &reservations; *p;) {
        struct reservation *r = *p;
        if (r->start < b && a < r->end) {
            *p = r->next;
            free(r);
        } else {
            p = &r->next;
        }
    }
    pthread_mutex_unlock(&lock);
}

/*
 * find_vma() + the privcmd_vm_ops check: the range must lie in one reservation (EINVAL otherwise). A batch
 * into a reservation never used must cover it exactly, as privcmd_ioctl_mmap_batch() requires of a new VMA.
 */
static int check_range(uint64_t addr, uint64_t pages, int batch, int *prot)
{
    int rc = -EINVAL;
    if (pages > (UINT64_MAX - addr) / PAGE)
        return rc;
    uint64_t end = addr + pages * PAGE;
    pthread_mutex_lock(&lock);
    for (struct reservation *r = reservations; r; r = r->next) {
        if (addr < r->start || addr >= r->end)
            continue;
        if (batch && !r->used ? addr == r->start && end == r->end : end <= r->end) {
            r->used |= batch;
            *prot = r->prot;
            rc = 0;
        }
        break;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

/* Maps the page behind a handle of this connection at va: the arena's page, MAP_SHARED. */
static int map_handle(uint32_t handle, uintptr_t va, int prot)
{
    int fd = client_arena();
    if (fd < 0)
        return fd;
    struct xenmem_sim_page_handle h = { handle };
    struct client_part part = { &h, sizeof h };
    struct client_reply r;
    int rc = client_call(XENMEM_SIM_FRAME_SHM_PAGE, &part, 1, &r);
    if (rc)
        return rc;
    uint64_t offset = 0;
    rc = client_expect(&r, XENMEM_SIM_FRAME_JSON, 0);
    if (!rc && client_json_u64(&r, "offset", &offset))
        rc = -EPROTO;
    client_reply_free(&r);
    if (rc)
        return rc;
    if (real_mmap((void *)va, PAGE, prot, MAP_SHARED | MAP_FIXED, fd, (off_t)offset) == MAP_FAILED)
        return -errno;
    return 0;
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * One acquire_resource frame: rc, and the page handles in handles[] (*count of them). The pages reply
 * carries each page's bytes too; they are not needed, the mapping shows them.
 */
static int acquire(uint16_t dom, uint16_t type, uint32_t id, uint32_t frame, uint32_t nr, uint32_t *handles, uint32_t *count)
{
    struct xenmem_sim_acquire_resource q = { dom, type, id, frame, nr };
    struct client_part part = { &q, sizeof q };
    struct client_reply r;
    int rc = client_call(XENMEM_SIM_FRAME_ACQUIRE_RESOURCE, &part, 1, &r);
    if (rc)
        return rc;
    *count = 0;
    rc = client_expect(&r, XENMEM_SIM_FRAME_PAGES, XENMEM_SIM_PAGES_SIZE);
    if (!rc) {
        struct xenmem_sim_pages p;
        memcpy(&p, r.payload, sizeof p);
        rc = p.rc;
        uint32_t at = XENMEM_SIM_PAGES_SIZE, entry = XENMEM_SIM_PAGE_ENTRY_SIZE + PAGE;
        for (uint32_t i = 0; i < p.count && i < nr && at + entry <= r.len; i++, at += entry)
            handles[(*count)++] = get_u32(r.payload + at + XENMEM_SIM_PAGE_ENTRY_HANDLE_OFFSET);
        if (!rc && *count != nr)
            rc = -EPROTO;
    }
    client_reply_free(&r);
    return rc;
}

/*
 * The size query (addr = num = 0): Xen 4.17 answers XENMEM_acquire_resource with nr_frames 0 by the
 * resource's frame count. The daemon's acquire_resource has no such form, so the frames are counted by
 * acquiring them one by one until Xen refuses one.
 */
static long resource_size(const struct privcmd_mmap_resource *k, uint64_t *num)
{
    uint32_t handle, count;
    uint32_t n = 0;
    long rc = 0;
    while (n < SIZE_QUERY_MAX) {
        rc = acquire(k->dom, (uint16_t)k->type, k->id, n, 1, &handle, &count);
        if (rc)
            break;
        n++;
    }
    if (n == 0)
        return rc;
    *num = n;
    return 0;
}

long privcmd_mmap_resource(struct emu_file *f, void *arg)
{
    struct privcmd_mmap_resource k;
    if (usermem_read(&k, arg, sizeof k))
        return -EFAULT;
    long denied = privcmd_check_domain(f, k.dom);
    if (denied)
        return denied;
    /* The daemon's frame carries a 16-bit type: a larger one is no type Xen knows. */
    if (k.type > UINT16_MAX)
        return -EOPNOTSUPP;
    if (!k.addr && !k.num) {
        long rc = resource_size(&k, &k.num);
        if (rc)
            return rc;
        return usermem_write(arg, &k, sizeof k) ? -EFAULT : 0;
    }
    int prot;
    if (check_range(k.addr, k.num, 0, &prot))
        return -EINVAL;
    if (k.num > UINT32_MAX || k.idx + k.num > (uint64_t)UINT32_MAX + 1)
        return -EINVAL;
    uint32_t handles[FRAMES_PER_REQUEST];
    for (uint64_t done = 0; done < k.num;) {
        uint32_t nr = k.num - done < FRAMES_PER_REQUEST ? (uint32_t)(k.num - done) : FRAMES_PER_REQUEST, count;
        long rc = acquire(k.dom, (uint16_t)k.type, k.id, (uint32_t)(k.idx + done), nr, handles, &count);
        if (rc)
            return rc;
        for (uint32_t i = 0; i < count; i++) {
            rc = map_handle(handles[i], (uintptr_t)(k.addr + (done + i) * PAGE), prot);
            if (rc)
                return rc;
        }
        done += nr;
    }
    return 0;
}

/*
 * One guest frame (map_foreign_gfn): 0 and the page mapped at va, or the frame's errno. Only pages that live
 * in the arena (ioreq pages) can be shared this way; guest RAM goes through map_foreign_batch.
 */
static int map_gfn(uint16_t dom, uint64_t gfn, uintptr_t va, int prot)
{
    struct xenmem_sim_map_foreign_gfn q = { dom, gfn };
    struct client_part part = { &q, sizeof q };
    struct client_reply r;
    int rc = client_call(XENMEM_SIM_FRAME_MAP_FOREIGN_GFN, &part, 1, &r);
    if (rc)
        return rc;
    uint32_t handle = 0;
    rc = client_expect(&r, XENMEM_SIM_FRAME_PAGES, XENMEM_SIM_PAGES_SIZE);
    if (!rc) {
        struct xenmem_sim_pages p;
        memcpy(&p, r.payload, sizeof p);
        rc = p.rc;
        if (!rc && (p.count != 1 || r.len < XENMEM_SIM_PAGES_SIZE + XENMEM_SIM_PAGE_ENTRY_SIZE))
            rc = -EPROTO;
        if (!rc)
            handle = get_u32(r.payload + XENMEM_SIM_PAGES_SIZE + XENMEM_SIM_PAGE_ENTRY_HANDLE_OFFSET);
    }
    client_reply_free(&r);
    return rc ? rc : map_handle(handle, va, prot);
}

/* Frames read from the caller's array per step: a huge count never allocates more than this. */
#define BATCH_CHUNK 256u

/* The RAM file last named by a map_foreign_batch reply, kept open: one per domain in practice. */
static char ram_path[256];
static int ram_fd = -1;

static int ram_file(const char *path)
{
    pthread_mutex_lock(&lock);
    if (ram_fd < 0 || strcmp(path, ram_path)) {
        int fd = real_open(path, O_RDWR | O_CLOEXEC, 0);
        if (fd < 0) {
            pthread_mutex_unlock(&lock);
            return -errno;
        }
        if (ram_fd >= 0)
            real_close(ram_fd);
        ram_fd = fd;
        snprintf(ram_path, sizeof ram_path, "%s", path);
    }
    int fd = ram_fd;
    pthread_mutex_unlock(&lock);
    return fd;
}

/*
 * n frames through one map_foreign_batch frame: guest RAM is the daemon's RAM file, mapped MAP_SHARED at each
 * frame's offset; errs[i] is the frame's errno (0 or negative). A frame the RAM file does not hold (EINVAL:
 * e.g. an ioreq page set up as a gfn) is tried through map_foreign_gfn. Returns 0, or the whole call's
 * -errno (ESRCH, EPERM; EOPNOTSUPP for a daemon without RAM files, then every frame goes through map_foreign_gfn).
 */
static int map_batch(uint16_t dom, const xen_pfn_t *gfns, uint32_t n, uintptr_t va, int prot, int *errs)
{
    struct xenmem_sim_map_foreign_batch q = { dom, n };
    uint64_t wire[BATCH_CHUNK];
    for (uint32_t i = 0; i < n; i++)
        wire[i] = gfns[i];
    struct client_part parts[2] = { { &q, sizeof q }, { wire, n * sizeof wire[0] } };
    struct client_reply r;
    int rc = client_call(XENMEM_SIM_FRAME_MAP_FOREIGN_BATCH, parts, 2, &r);
    if (rc)
        return rc;
    struct xenmem_sim_ram_mappings head;
    rc = client_expect(&r, XENMEM_SIM_FRAME_RAM_MAPPINGS, sizeof head);
    if (rc) {
        client_reply_free(&r);
        return rc;
    }
    memcpy(&head, r.payload, sizeof head);
    int fd = -1;
    char path[256];
    rc = head.rc;
    if (!rc && (head.count != n || head.path_length >= sizeof path ||
                r.len < sizeof head + head.path_length + (uint64_t)n * XENMEM_SIM_RAM_MAPPING_SIZE))
        rc = -EPROTO;
    if (!rc) {
        memcpy(path, r.payload + sizeof head, head.path_length);
        path[head.path_length] = 0;
        fd = ram_file(path);
        if (fd < 0)
            rc = fd;
    }
    for (uint32_t i = 0; !rc && i < n; i++) {
        struct xenmem_sim_ram_mapping m;
        memcpy(&m, r.payload + sizeof head + head.path_length + i * XENMEM_SIM_RAM_MAPPING_SIZE, sizeof m);
        errs[i] = m.err;
        if (!m.err && real_mmap((void *)(va + i * PAGE), PAGE, prot, MAP_SHARED | MAP_FIXED, fd, (off_t)m.offset) == MAP_FAILED)
            errs[i] = -errno;
        if (m.err == -EINVAL)
            errs[i] = map_gfn(dom, gfns[i], va + i * PAGE, prot) ? -EINVAL : 0;
    }
    client_reply_free(&r);
    if (rc == -EOPNOTSUPP) {
        for (uint32_t i = 0; i < n; i++)
            errs[i] = map_gfn(dom, gfns[i], va + i * PAGE, prot);
        rc = 0;
    }
    return rc;
}

long privcmd_mmapbatch(struct emu_file *f, void *arg, int v2)
{
    struct privcmd_mmapbatch_v2 m = { 0 };
    uint64_t num;
    if (v2) {
        if (usermem_read(&m, arg, sizeof m))
            return -EFAULT;
        num = m.num;
    } else {
        struct privcmd_mmapbatch m1;
        if (usermem_read(&m1, arg, sizeof m1))
            return -EFAULT;
        if (m1.num <= 0)
            return -EINVAL;
        m = (struct privcmd_mmapbatch_v2){ (unsigned)m1.num, m1.dom, m1.addr, m1.arr, NULL };
        num = (unsigned)m1.num;
    }
    long denied = privcmd_check_domain(f, m.dom);
    if (denied)
        return denied;
    if (num == 0)
        return -EINVAL;
    /* gather_array(), then clear_user() of the error array: EFAULT before anything is mapped. */
    xen_pfn_t gfns[BATCH_CHUNK];
    int errs[BATCH_CHUNK];
    memset(errs, 0, sizeof errs);
    for (uint64_t at = 0; at < num; at += BATCH_CHUNK) {
        uint64_t n = num - at < BATCH_CHUNK ? num - at : BATCH_CHUNK;
        if (usermem_read(gfns, m.arr + at, n * sizeof gfns[0]))
            return -EFAULT;
        if (v2 && usermem_write(m.err + at, errs, n * sizeof errs[0]))
            return -EFAULT;
    }
    int prot;
    if (check_range(m.addr, num, 1, &prot))
        return -EINVAL;
    int global = 0;
    for (uint64_t at = 0; at < num; at += BATCH_CHUNK) {
        uint64_t n = num - at < BATCH_CHUNK ? num - at : BATCH_CHUNK;
        if (usermem_read(gfns, m.arr + at, n * sizeof gfns[0]))
            return -EFAULT;
        int rc = map_batch(m.dom, gfns, (uint32_t)n, (uintptr_t)(m.addr + at * PAGE), prot, errs);
        if (rc)
            return rc;
        for (uint64_t i = 0; i < n; i++) {
            int err = errs[i];
            if (err == -EIO || err == -EPROTO)
                return err;
            /* mmap_batch_fn(): -ENOENT (paged out) is reported as the ioctl's result, other errors only per frame. */
            if (err == -ENOENT)
                global = -ENOENT;
            /* Version 1 marks a failed frame in its array entry (mmap_return_error()). */
            if (!v2 && err)
                gfns[i] |= err == -ENOENT ? PRIVCMD_MMAPBATCH_PAGED_ERROR : PRIVCMD_MMAPBATCH_MFN_ERROR;
        }
        if (v2 ? usermem_write(m.err + at, errs, n * sizeof errs[0]) : usermem_write((void *)(m.arr + at), gfns, n * sizeof gfns[0]))
            return -EFAULT;
    }
    return global;
}
