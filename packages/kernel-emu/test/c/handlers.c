/*
 * Drives every handler of the emulation directly (linked with the sources of native/ but not the interposers, and built
 * with -fsanitize=address,undefined) against the daemon at $XENMEM_SOCKET, serving domain 1 with one vCPU at
 * release $XENMEM_RELEASE. Checks exact results, errnos and copied-back bytes; prints one line per failed
 * check and "checks N failed M" at the end; exits 1 if any failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xenmem/sim_protocol.h>

#include "client.h"
#include "evtchn.h"
#include "files.h"
#include "kernel-abi.h"
#include "privcmd.h"
#include <xenmem/dm_op.h>
#include <xenmem/ioreq.h>
#include <xenmem/params.h>

#include "check.h"
#include "legacy-args.h"

#define CHECK_RC(expr, want)                                               \
    do {                                                                   \
        long got_ = (expr);                                                \
        CHECK(got_ == (want), "%s = %ld, want %ld", #expr, got_, (long)(want)); \
    } while (0)

/* An address that is never mapped: the first page. */
#define BAD ((void *)16)
#define DOM 1

static struct emu_file *privcmd(void)
{
    int fd = privcmd_open(O_RDWR | O_CLOEXEC);
    CHECK(fd >= 0, "privcmd_open: %d", fd);
    return files_get(fd);
}

static long dm_op(struct emu_file *f, domid_t dom, void *op, size_t len)
{
    struct privcmd_dm_op_buf buf = { op, len };
    struct privcmd_dm_op k = { dom, 1, &buf };
    return privcmd_ioctl(f, IOCTL_PRIVCMD_DM_OP, &k);
}

static long hypercall(struct emu_file *f, unsigned long op, unsigned long a0, void *a1)
{
    struct privcmd_hypercall h = { op, { a0, (uint64_t)(uintptr_t)a1, 0, 0, 0 } };
    return privcmd_ioctl(f, IOCTL_PRIVCMD_HYPERCALL, &h);
}

static void test_dm_op_errors(struct emu_file *f)
{
    struct privcmd_dm_op probe = { DOMID_INVALID, 0, NULL };
    CHECK_RC(privcmd_ioctl(f, IOCTL_PRIVCMD_DM_OP, &probe), 0);
    CHECK_RC(privcmd_ioctl(f, IOCTL_PRIVCMD_DM_OP, BAD), -EFAULT);
    CHECK_RC(privcmd_ioctl(f, IOCTL_PRIVCMD_DM_OP, NULL), -EFAULT);
    struct privcmd_dm_op bad_bufs = { DOM, 1, BAD };
    CHECK_RC(privcmd_ioctl(f, IOCTL_PRIVCMD_DM_OP, &bad_bufs), -EFAULT);
    struct privcmd_dm_op_buf bufs[17];
    memset(bufs, 0, sizeof bufs);
    struct privcmd_dm_op many = { DOM, 17, bufs };
    CHECK_RC(privcmd_ioctl(f, IOCTL_PRIVCMD_DM_OP, &many), -E2BIG);
    static uint8_t big[4097];
    CHECK_RC(dm_op(f, DOM, big, sizeof big), -E2BIG);
    CHECK_RC(dm_op(f, DOM, BAD, 32), -EFAULT);
    CHECK_RC(privcmd_ioctl(f, IOCTL_PRIVCMD_UNIMPLEMENTED, NULL), -ENOTTY);
    CHECK_RC(privcmd_ioctl(f, 0x12345678, NULL), -ENOTTY);
}

static void test_hypercalls(struct emu_file *f, unsigned major, unsigned minor)
{
    CHECK_RC(hypercall(f, __HYPERVISOR_xen_version, XENVER_version, NULL), (long)(major << 16 | minor));
    char extra[XEN_EXTRAVERSION_LEN]; /* Xen's xen_extraversion_t */
    memset(extra, 0x55, sizeof extra);
    CHECK_RC(hypercall(f, __HYPERVISOR_xen_version, XENVER_extraversion, extra), 0);
    char want[XEN_EXTRAVERSION_LEN] = ".0";
    CHECK(!memcmp(extra, want, sizeof want), "extraversion %.16s", extra);
    CHECK_RC(hypercall(f, __HYPERVISOR_xen_version, XENVER_extraversion, BAD), -EFAULT);
    CHECK_RC(hypercall(f, __HYPERVISOR_xen_version, XENVER_compile_info, NULL), -ENOSYS);
    CHECK_RC(hypercall(f, __HYPERVISOR_console_io, 0, NULL), -ENOSYS);
    CHECK_RC(privcmd_ioctl(f, IOCTL_PRIVCMD_HYPERCALL, BAD), -EFAULT);
    CHECK_RC(hypercall(f, __HYPERVISOR_hvm_op, HVMOP_get_param, BAD), -EFAULT);
    /* The simulator models no HVM parameters: its answer (ENOSYS) comes back, and nothing is copied back. */
    struct xen_hvm_param p = { .domid = DOM, .index = HVM_PARAM_BUFIOREQ_EVTCHN, .value = 0x1234 };
    CHECK_RC(hypercall(f, __HYPERVISOR_hvm_op, HVMOP_get_param, &p), -ENOSYS);
    CHECK(p.value == 0x1234 && p.domid == DOM, "get_param changed its argument");
}

/* sched_op: SCHEDOP_remote_shutdown of domain 1 is recorded; Xen's ESRCH, EFAULT and ENOSYS otherwise. */
static void test_sched_op(struct emu_file *f)
{
    struct sched_remote_shutdown shutdown = { .domain_id = DOM, .reason = SHUTDOWN_reboot };
    CHECK_RC(hypercall(f, __HYPERVISOR_sched_op, SCHEDOP_remote_shutdown, &shutdown), 0);
    CHECK(shutdown.domain_id == DOM && shutdown.reason == SHUTDOWN_reboot, "remote_shutdown changed its argument");
    struct sched_remote_shutdown nobody = { .domain_id = 9, .reason = SHUTDOWN_poweroff };
    CHECK_RC(hypercall(f, __HYPERVISOR_sched_op, SCHEDOP_remote_shutdown, &nobody), -ESRCH);
    CHECK_RC(hypercall(f, __HYPERVISOR_sched_op, SCHEDOP_remote_shutdown, BAD), -EFAULT);
    CHECK_RC(hypercall(f, __HYPERVISOR_sched_op, SCHEDOP_yield, NULL), -ENOSYS);
}

/*
 * memory_op(XENMEM_populate_physmap), direct and inside a multicall as libxenctrl issues it: the number of
 * extents populated; EFAULT, ENOSYS for other commands and for other hypercalls inside the multicall.
 */
static void test_populate_physmap(struct emu_file *f)
{
    xen_pfn_t extents[2] = { 0x2000, 0x2001 };
    struct xen_memory_reservation res = { .nr_extents = 2, .extent_order = 0, .mem_flags = 0, .domid = DOM };
    set_xen_guest_handle(res.extent_start, extents);
    struct multicall_entry call = { .op = __HYPERVISOR_memory_op, .result = 0x55, .args = { XENMEM_populate_physmap, (uintptr_t)&res } };
    CHECK_RC(hypercall(f, __HYPERVISOR_multicall, (uintptr_t)&call, (void *)1), 0);
    CHECK(call.result == 2, "multicall populate_physmap result %lu", (unsigned long)call.result);
    xen_pfn_t beyond[1] = { 0x100000 };
    struct xen_memory_reservation past = { .nr_extents = 1, .domid = DOM };
    set_xen_guest_handle(past.extent_start, beyond);
    CHECK_RC(hypercall(f, __HYPERVISOR_memory_op, XENMEM_populate_physmap, &past), 0);
    CHECK_RC(hypercall(f, __HYPERVISOR_memory_op, XENMEM_populate_physmap, BAD), -EFAULT);
    struct xen_memory_reservation bad_list = { .nr_extents = 1, .domid = DOM };
    set_xen_guest_handle(bad_list.extent_start, (xen_pfn_t *)BAD);
    CHECK_RC(hypercall(f, __HYPERVISOR_memory_op, XENMEM_populate_physmap, &bad_list), -EFAULT);
    CHECK_RC(hypercall(f, __HYPERVISOR_memory_op, XENMEM_decrease_reservation, &res), -ENOSYS);
    struct multicall_entry other = { .op = __HYPERVISOR_console_io, .result = 0 };
    CHECK_RC(hypercall(f, __HYPERVISOR_multicall, (uintptr_t)&other, (void *)1), 0);
    CHECK((long)other.result == -ENOSYS, "multicall of console_io result %ld", (long)other.result);
    CHECK_RC(hypercall(f, __HYPERVISOR_multicall, (uintptr_t)BAD, (void *)1), -EFAULT);
}

/* ≤ 4.8: the ioreq server through hvm_op (the struct from the schema), its id copied back. */
static void test_legacy_hvm_op(struct emu_file *f)
{
    uint8_t args[64], before[64];
    size_t len = legacy_create_args(args, DOM, HVM_IOREQSRV_BUFIOREQ_ATOMIC);
    memcpy(before, args, len);
    CHECK_RC(hypercall(f, __HYPERVISOR_hvm_op, legacy_create_op(), args), 0);
    /* Xen ≤ 4.8 numbers servers from 1 (next_ioservid() skips the default server's 0). */
    size_t at = legacy_create_id_offset();
    CHECK(args[at] == 1 && args[at + 1] == 0, "legacy create id %02x%02x", args[at + 1], args[at]);
    CHECK(!memcmp(args, before, at), "legacy create: bytes before id changed");
}

struct access {
    char json[160];
    char reply[256];
};

static void *guest_access(void *arg)
{
    struct access *a = arg;
    struct client_part part = { a->json, strlen(a->json) };
    struct client_reply r;
    if (client_call(XENMEM_SIM_FRAME_GUEST_ACCESS, &part, 1, &r) == 0) {
        snprintf(a->reply, sizeof a->reply, "%.*s", (int)r.len, (const char *)r.payload);
        client_reply_free(&r);
    }
    return NULL;
}

static int readable(int fd, int ms)
{
    struct pollfd p = { fd, POLLIN, 0 };
    return poll(&p, 1, ms);
}

static void answer(ioreq_t *req, int evfd, uint32_t local)
{
    CHECK(req->state == STATE_IOREQ_READY, "ioreq state %u", req->state);
    req->state = STATE_IORESP_READY;
    struct ioctl_evtchn_notify n = { local };
    struct emu_file *e = files_get(evfd);
    CHECK_RC(evtchn_ioctl(e, IOCTL_EVTCHN_NOTIFY, &n), 0);
    files_put(e);
}

static void test_server_and_events(struct emu_file *f)
{
    uint8_t op[sizeof(struct xen_dm_op)], want[sizeof(struct xen_dm_op)];
    struct xen_dm_op create = { .op = XEN_DMOP_create_ioreq_server };
    create.u.create_ioreq_server.handle_bufioreq = HVM_IOREQSRV_BUFIOREQ_ATOMIC;
    create.u.create_ioreq_server.id = 0xffff;
    memcpy(op, &create, sizeof op);
    create.u.create_ioreq_server.id = 0;
    memcpy(want, &create, sizeof want);
    CHECK_RC(dm_op(f, DOM, op, sizeof op), 0);
    CHECK(!memcmp(op, want, sizeof op), "create_ioreq_server copy-back differs");

    struct xen_dm_op range = { .op = XEN_DMOP_map_io_range_to_ioreq_server };
    range.u.map_io_range_to_ioreq_server = (struct xen_dm_op_ioreq_server_range){ .id = 0, .type = XEN_DMOP_IO_RANGE_PORT, .start = 0x3f8, .end = 0x3ff };
    CHECK_RC(dm_op(f, DOM, &range, sizeof range), 0);
    struct xen_dm_op state = { .op = XEN_DMOP_set_ioreq_server_state };
    state.u.set_ioreq_server_state.id = 0;
    state.u.set_ioreq_server_state.enabled = 1;
    CHECK_RC(dm_op(f, DOM, &state, sizeof state), 0);

    /* MMAP_RESOURCE: the size query, bad pointers and ranges, then the pages mapped from the arena. */
    struct privcmd_mmap_resource q = { .dom = DOM, .type = XENMEM_resource_ioreq_server, .id = 0 };
    CHECK_RC(privcmd_ioctl(f, IOCTL_PRIVCMD_MMAP_RESOURCE, &q), 0);
    CHECK(q.num == 2, "resource size %llu", (unsigned long long)q.num);
    CHECK_RC(privcmd_ioctl(f, IOCTL_PRIVCMD_MMAP_RESOURCE, BAD), -EFAULT);
    uint8_t *plain = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct privcmd_mmap_resource not_ours = { .dom = DOM, .type = XENMEM_resource_ioreq_server, .num = 2, .addr = (uintptr_t)plain };
    CHECK_RC(privcmd_ioctl(f, IOCTL_PRIVCMD_MMAP_RESOURCE, &not_ours), -EINVAL);
    uint8_t *a = privcmd_mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED);
    uint8_t *b = privcmd_mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED);
    struct privcmd_mmap_resource too_long = { .dom = DOM, .type = XENMEM_resource_ioreq_server, .num = 3, .addr = (uintptr_t)a };
    CHECK_RC(privcmd_ioctl(f, IOCTL_PRIVCMD_MMAP_RESOURCE, &too_long), -EINVAL);
    struct privcmd_mmap_resource m = { .dom = DOM, .type = XENMEM_resource_ioreq_server, .num = 2, .addr = (uintptr_t)a };
    CHECK_RC(privcmd_ioctl(f, IOCTL_PRIVCMD_MMAP_RESOURCE, &m), 0);
    m.addr = (uintptr_t)b;
    CHECK_RC(privcmd_ioctl(f, IOCTL_PRIVCMD_MMAP_RESOURCE, &m), 0);
    /* Both mappings are the daemon's page: a byte written through one is seen through the other. */
    a[4096 + 4000] = 0xa5;
    CHECK(b[4096 + 4000] == 0xa5, "the two mappings of the ioreq page do not share bytes");
    a[4096 + 4000] = 0;
    shared_iopage_t *shared = (shared_iopage_t *)(a + 4096);
    uint32_t remote = shared->vcpu_ioreq[0].vp_eport;
    CHECK(remote != 0, "vp_eport 0");

    /* Event channels. */
    int evfd = evtchn_open(O_RDWR | O_CLOEXEC);
    CHECK(evfd >= 0, "evtchn_open %d", evfd);
    struct emu_file *e = files_get(evfd);
    CHECK_RC(evtchn_ioctl(e, IOCTL_EVTCHN_BIND_INTERDOMAIN, BAD), -EFAULT);
    struct ioctl_evtchn_bind_interdomain bind = { DOM, remote };
    long local = evtchn_ioctl(e, IOCTL_EVTCHN_BIND_INTERDOMAIN, &bind);
    CHECK(local > 0, "bind_interdomain %ld", local);
    struct ioctl_evtchn_unbind unknown = { (uint32_t)local + 100 };
    CHECK_RC(evtchn_ioctl(e, IOCTL_EVTCHN_UNBIND, &unknown), -ENOTCONN);
    struct ioctl_evtchn_unbind huge = { EVTCHN_FIFO_NR_CHANNELS };
    CHECK_RC(evtchn_ioctl(e, IOCTL_EVTCHN_UNBIND, &huge), -EINVAL);
    struct ioctl_evtchn_notify notify_unknown = { (uint32_t)local + 100 };
    CHECK_RC(evtchn_ioctl(e, IOCTL_EVTCHN_NOTIFY, &notify_unknown), -ENOTCONN);
    CHECK_RC(evtchn_ioctl(e, IOCTL_EVTCHN_NOTIFY, BAD), -EFAULT);
    struct ioctl_evtchn_bind_virq virq = { 0 };
    CHECK_RC(evtchn_ioctl(e, IOCTL_EVTCHN_BIND_VIRQ, &virq), -ENOSYS);
    CHECK_RC(evtchn_ioctl(e, 0x4599, NULL), -ENOSYS);

    /* An event: the port is readable once, masked until written back. */
    struct access first = { .json = "{\"domid\":1,\"vcpu\":0,\"kind\":\"out\",\"addr\":\"0x3f8\",\"size\":1,\"value\":\"0x41\"}" };
    pthread_t t;
    pthread_create(&t, NULL, guest_access, &first);
    CHECK(readable(evfd, 5000) == 1, "no event for the first access");
    uint32_t port = 0;
    CHECK_RC(read(evfd, &port, sizeof port), 4);
    CHECK(port == (uint32_t)local, "event port %u, want %ld", port, local);
    ioreq_t *req = &shared->vcpu_ioreq[0];
    CHECK(req->addr == 0x3f8 && req->data == 0x41 && req->size == 1 && req->dir == IOREQ_WRITE, "ioreq %llx %llx", (unsigned long long)req->addr, (unsigned long long)req->data);
    answer(req, evfd, (uint32_t)local);
    pthread_join(t, NULL);
    CHECK(strstr(first.reply, "\"outcome\":\"ioreq\"") != NULL, "first access: %s", first.reply);

    /* A second event while the port is masked stays pending: nothing to read until the unmask. */
    struct access second = { .json = "{\"domid\":1,\"vcpu\":0,\"kind\":\"in\",\"addr\":\"0x3f9\",\"size\":1}" };
    pthread_create(&t, NULL, guest_access, &second);
    CHECK(readable(evfd, 300) == 0, "an event came through a masked port");
    CHECK_RC(write(evfd, &port, sizeof port), 4);
    CHECK(readable(evfd, 5000) == 1, "the pending event did not come at the unmask");
    CHECK_RC(read(evfd, &port, sizeof port), 4);
    CHECK(port == (uint32_t)local, "pending event port %u", port);
    CHECK(req->dir == IOREQ_READ && req->addr == 0x3f9, "second ioreq dir %u addr %llx", req->dir, (unsigned long long)req->addr);
    req->data = 0x77;
    answer(req, evfd, (uint32_t)local);
    pthread_join(t, NULL);
    CHECK(strstr(second.reply, "\"value\":\"0x77\"") != NULL, "second access: %s", second.reply);
    CHECK_RC(write(evfd, &port, sizeof port), 4);

    /* restrict_domid: 0 and reserved ids are EINVAL; then only that domain; a second restrict EACCES. */
    struct ioctl_evtchn_restrict_domid r0 = { 0 }, r1 = { DOM }, r2 = { 2 };
    CHECK_RC(evtchn_ioctl(e, IOCTL_EVTCHN_RESTRICT_DOMID, &r0), -EINVAL);
    CHECK_RC(evtchn_ioctl(e, IOCTL_EVTCHN_RESTRICT_DOMID, &r1), 0);
    CHECK_RC(evtchn_ioctl(e, IOCTL_EVTCHN_RESTRICT_DOMID, &r2), -EACCES);
    struct ioctl_evtchn_bind_interdomain other = { 2, 1 };
    CHECK_RC(evtchn_ioctl(e, IOCTL_EVTCHN_BIND_INTERDOMAIN, &other), -EACCES);
    CHECK_RC(evtchn_ioctl(e, IOCTL_EVTCHN_BIND_VIRQ, &virq), -EACCES);
    CHECK_RC(evtchn_ioctl(e, IOCTL_EVTCHN_RESET, NULL), 0);
    struct ioctl_evtchn_unbind unbind = { (uint32_t)local };
    CHECK_RC(evtchn_ioctl(e, IOCTL_EVTCHN_UNBIND, &unbind), 0);
    CHECK_RC(evtchn_ioctl(e, IOCTL_EVTCHN_UNBIND, &unbind), -ENOTCONN);
    files_put(e);
    files_forget(evfd);
    close(evfd);

    /* MMAPBATCH: bad arguments; RAM frames are not in the arena: ENOENT per frame and as the result. */
    xen_pfn_t gfns[2] = { 0x10, 0x11 };
    int errs[2] = { 7, 7 };
    uint8_t *batch = privcmd_mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED);
    struct privcmd_mmapbatch_v2 v2 = { 2, DOM, (uintptr_t)batch, gfns, errs };
    struct privcmd_mmapbatch_v2 zero = v2, bad_arr = v2, bad_err = v2, wrong_addr = v2;
    zero.num = 0, bad_arr.arr = BAD, bad_err.err = BAD, wrong_addr.addr = (uintptr_t)batch + 4096;
    CHECK_RC(privcmd_ioctl(f, IOCTL_PRIVCMD_MMAPBATCH_V2, BAD), -EFAULT);
    CHECK_RC(privcmd_ioctl(f, IOCTL_PRIVCMD_MMAPBATCH_V2, &zero), -EINVAL);
    CHECK_RC(privcmd_ioctl(f, IOCTL_PRIVCMD_MMAPBATCH_V2, &bad_arr), -EFAULT);
    CHECK_RC(privcmd_ioctl(f, IOCTL_PRIVCMD_MMAPBATCH_V2, &bad_err), -EFAULT);
    CHECK_RC(privcmd_ioctl(f, IOCTL_PRIVCMD_MMAPBATCH_V2, &wrong_addr), -EINVAL);
    /* Guest RAM is the daemon's RAM file: two mappings of the same frames share their bytes. */
    CHECK_RC(privcmd_ioctl(f, IOCTL_PRIVCMD_MMAPBATCH_V2, &v2), 0);
    CHECK(errs[0] == 0 && errs[1] == 0, "mmapbatch_v2 errs %d %d", errs[0], errs[1]);
    uint8_t *again = privcmd_mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED);
    struct privcmd_mmapbatch_v2 v2b = { 2, DOM, (uintptr_t)again, gfns, errs };
    CHECK_RC(privcmd_ioctl(f, IOCTL_PRIVCMD_MMAPBATCH_V2, &v2b), 0);
    batch[4096 + 7] = 0x3c;
    CHECK(again[4096 + 7] == 0x3c, "the two mappings of gfn 0x11 do not share bytes");
    /* Version 1 marks a frame beyond the domain (EINVAL from Xen) with the top nibble; the others stay. */
    xen_pfn_t v1gfns[2] = { 0x10, 0x100000 };
    uint8_t *v1map = privcmd_mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED);
    struct privcmd_mmapbatch v1 = { 2, DOM, (uintptr_t)v1map, v1gfns };
    CHECK_RC(privcmd_ioctl(f, IOCTL_PRIVCMD_MMAPBATCH, &v1), 0);
    CHECK(v1gfns[0] == 0x10 && v1gfns[1] == (0x100000 | PRIVCMD_MMAPBATCH_MFN_ERROR), "mmapbatch v1 arr %lx %lx", v1gfns[0], v1gfns[1]);
    munmap(plain, 2 * 4096);
}

static void test_restrict(struct emu_file *f)
{
    domid_t one = DOM, two = 2;
    CHECK_RC(privcmd_ioctl(f, IOCTL_PRIVCMD_RESTRICT, BAD), -EFAULT);
    CHECK_RC(privcmd_ioctl(f, IOCTL_PRIVCMD_RESTRICT, &one), 0);
    CHECK_RC(privcmd_ioctl(f, IOCTL_PRIVCMD_RESTRICT, &one), 0);
    CHECK_RC(privcmd_ioctl(f, IOCTL_PRIVCMD_RESTRICT, &two), -EINVAL);
    uint8_t op[sizeof(struct xen_dm_op)] = { 0 };
    CHECK_RC(dm_op(f, 2, op, sizeof op), -EPERM);
    struct privcmd_dm_op probe = { DOMID_INVALID, 0, NULL };
    CHECK_RC(privcmd_ioctl(f, IOCTL_PRIVCMD_DM_OP, &probe), -EPERM);
    CHECK_RC(hypercall(f, __HYPERVISOR_xen_version, XENVER_version, NULL), -EPERM);
    struct privcmd_mmap_resource m = { .dom = 2, .type = XENMEM_resource_ioreq_server, .num = 1, .addr = 4096 };
    CHECK_RC(privcmd_ioctl(f, IOCTL_PRIVCMD_MMAP_RESOURCE, &m), -EPERM);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *release = getenv("XENMEM_RELEASE");
    unsigned major = 0, minor = 0;
    if (!release || sscanf(release, "%u.%u", &major, &minor) != 2)
        return 2;
    CHECK_RC(client_connect(), 0);
    struct emu_file *f = privcmd();
    test_dm_op_errors(f);
    test_hypercalls(f, major, minor);
    test_sched_op(f);
    test_populate_physmap(f);
    if (minor <= 8 && major == 4)
        test_legacy_hvm_op(f);
    else
        test_server_and_events(f);
    struct emu_file *restricted = privcmd();
    test_restrict(restricted);
    return check_summary();
}
