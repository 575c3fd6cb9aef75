/*
 * regbank-dm: a device model for one HVM domain, written against Xen's own libraries (libxendevicemodel,
 * libxenforeignmemory, libxenevtchn) as any device model is. It emulates the register bank of regbank.h on a
 * port range, and claims the ioreq_server page type for a few guest pages so that the guest's writes to them
 * come to it as ioreqs (as a GPU mediator write-protects guest page tables).
 *
 *   regbank-dm --domid N --port P --gfn G [--pages N] [--vcpus N]
 *
 * It prints one "ready …" line on stdout once the server is enabled and bound, serves until SIGTERM or
 * SIGINT, then disables and destroys its server. The set-up follows what Xen expects of a device model:
 * - create the server (xen/arch/x86/hvm/dm.c dm_op() XEN_DMOP_create_ioreq_server @ RELEASE-4.17.0);
 * - map its synchronous ioreq page as a resource (xen/common/memory.c acquire_resource() @ RELEASE-4.17.0:
 *   frame 1 is the first ioreq page, XENMEM_resource_ioreq_server_frame_ioreq(0));
 * - claim the page type before any page takes it (xen/arch/x86/hvm/dm.c set_mem_type() @ RELEASE-4.17.0
 *   refuses HVMMEM_ioreq_server while no server has claimed it), then retype the pages from ram_rw;
 * - enable, then bind each vCPU's event channel (vp_eport in the vCPU's slot).
 * On Xen a claimed page is read directly from RAM; only writes reach the device model
 * (XEN_DMOP_IOREQ_MEM_ACCESS_WRITE is the only flag Xen accepts).
 */
#define _POSIX_C_SOURCE 200809L
#define __XEN_TOOLS__ 1

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xen/hvm/ioreq.h>
#include <xen/memory.h>

#include "regbank.h"

/** The most vCPUs one ioreq page has slots for. */
#define MAX_VCPUS 128u

struct options {
    domid_t domid;
    uint64_t port;
    uint64_t gfn;
    uint32_t pages;
    uint32_t vcpus;
};

struct dm {
    struct options o;
    xendevicemodel_handle *dmod;
    xenforeignmemory_handle *fmem;
    xenevtchn_handle *xce;
    xenforeignmemory_resource_handle *resource;
    shared_iopage_t *page;
    ioservid_t id;
    int created;
    int enabled;
    evtchn_port_t local_port[MAX_VCPUS];
    struct regbank bank;
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

static int usage(const char *why)
{
    fprintf(stderr, "regbank-dm: %s\nusage: regbank-dm --domid N --port P --gfn G [--pages N] [--vcpus N]\n", why);
    return 2;
}

/** Parses "--name value" pairs; numbers in C notation (0x… for hex). Returns 0, or the exit status. */
static int parse(int argc, char **argv, struct options *o)
{
    int have_domid = 0, have_port = 0, have_gfn = 0;
    o->pages = 2;
    o->vcpus = 1;
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc)
            return usage("every option takes a value");
        char *end;
        errno = 0;
        unsigned long long v = strtoull(argv[i + 1], &end, 0);
        if (errno || *end || end == argv[i + 1])
            return usage("option values are numbers (0x… for hex)");
        if (!strcmp(argv[i], "--domid") && v < DOMID_FIRST_RESERVED)
            o->domid = (domid_t)v, have_domid = 1;
        else if (!strcmp(argv[i], "--port") && v + REGBANK_PORTS - 1 <= 0xffff)
            o->port = v, have_port = 1;
        else if (!strcmp(argv[i], "--gfn"))
            o->gfn = v, have_gfn = 1;
        else if (!strcmp(argv[i], "--pages") && v >= 1 && v <= 0xffffffffull)
            o->pages = (uint32_t)v;
        else if (!strcmp(argv[i], "--vcpus") && v >= 1 && v <= MAX_VCPUS)
            o->vcpus = (uint32_t)v;
        else
            return usage("unknown option or value out of range");
    }
    return have_domid && have_port && have_gfn ? 0 : usage("--domid, --port and --gfn are required");
}

/** Prints what failed with errno's name and returns 1 (the exit status). */
static int failed(const char *what)
{
    fprintf(stderr, "regbank-dm: %s: %s\n", what, strerror(errno));
    return 1;
}

static int setup(struct dm *dm)
{
    const struct options *o = &dm->o;
    dm->dmod = xendevicemodel_open(NULL, 0);
    if (!dm->dmod)
        return failed("xendevicemodel_open");
    dm->fmem = xenforeignmemory_open(NULL, 0);
    if (!dm->fmem)
        return failed("xenforeignmemory_open");
    dm->xce = xenevtchn_open(NULL, 0);
    if (!dm->xce)
        return failed("xenevtchn_open");
    if (xendevicemodel_create_ioreq_server(dm->dmod, o->domid, HVM_IOREQSRV_BUFIOREQ_OFF, &dm->id))
        return failed("xendevicemodel_create_ioreq_server");
    dm->created = 1;
    void *addr = NULL;
    dm->resource = xenforeignmemory_map_resource(dm->fmem, o->domid, XENMEM_resource_ioreq_server, dm->id,
                                                 XENMEM_resource_ioreq_server_frame_ioreq(0), 1, &addr,
                                                 PROT_READ | PROT_WRITE, 0);
    if (!dm->resource)
        return failed("xenforeignmemory_map_resource of the ioreq page");
    dm->page = addr;
    if (xendevicemodel_map_io_range_to_ioreq_server(dm->dmod, o->domid, dm->id, 0, o->port,
                                                    o->port + REGBANK_PORTS - 1))
        return failed("xendevicemodel_map_io_range_to_ioreq_server");
    if (xendevicemodel_map_mem_type_to_ioreq_server(dm->dmod, o->domid, dm->id, HVMMEM_ioreq_server,
                                                    XEN_DMOP_IOREQ_MEM_ACCESS_WRITE))
        return failed("xendevicemodel_map_mem_type_to_ioreq_server");
    if (xendevicemodel_set_mem_type(dm->dmod, o->domid, HVMMEM_ioreq_server, o->gfn, o->pages))
        return failed("xendevicemodel_set_mem_type to ioreq_server");
    if (xendevicemodel_set_ioreq_server_state(dm->dmod, o->domid, dm->id, 1))
        return failed("xendevicemodel_set_ioreq_server_state(1)");
    dm->enabled = 1;
    for (uint32_t v = 0; v < o->vcpus; v++) {
        xenevtchn_port_or_error_t port = xenevtchn_bind_interdomain(dm->xce, o->domid, dm->page->vcpu_ioreq[v].vp_eport);
        if (port < 0)
            return failed("xenevtchn_bind_interdomain of a vCPU's event channel");
        dm->local_port[v] = (evtchn_port_t)port;
    }
    printf("ready server %u ports 0x%" PRIx64 "-0x%" PRIx64 " claimed gfn 0x%" PRIx64 "+%" PRIu32 " vcpus %" PRIu32 "\n",
           (unsigned)dm->id, o->port, o->port + REGBANK_PORTS - 1, o->gfn, o->pages, o->vcpus);
    fflush(stdout);
    return 0;
}

/** Emulates one request in its slot: a port access to the bank, or a write to a claimed page. */
static void emulate(struct dm *dm, ioreq_t *req)
{
    if (req->data_is_ptr) {
        /* A rep string access names guest RAM, which this example does not map: reads return nothing. */
        fprintf(stderr, "regbank-dm: rep access at 0x%" PRIx64 " (count %" PRIu32 ") not emulated\n", req->addr, req->count);
        return;
    }
    if (req->type == IOREQ_TYPE_PIO) {
        uint32_t offset = (uint32_t)(req->addr - dm->o.port);
        if (req->dir == IOREQ_READ)
            req->data = regbank_read(&dm->bank, offset, req->size);
        else
            regbank_write(&dm->bank, offset, req->size, (uint32_t)req->data);
    } else if (req->type == IOREQ_TYPE_COPY && req->dir == IOREQ_WRITE) {
        regbank_page_write(&dm->bank, req->addr, req->size, req->data);
    } else if (req->dir == IOREQ_READ) {
        req->data = ~(uint64_t)0;
    }
}

/** Serves the slot of the vCPU whose port fired, if it holds a request (QEMU's cpu_handle_ioreq order). */
static void serve(struct dm *dm, evtchn_port_t port)
{
    for (uint32_t v = 0; v < dm->o.vcpus; v++) {
        if (dm->local_port[v] != port)
            continue;
        ioreq_t *req = &dm->page->vcpu_ioreq[v];
        if (req->state != STATE_IOREQ_READY)
            continue;
        /* The request's fields are read only after its state says READY (Xen writes them first). */
        atomic_thread_fence(memory_order_acquire);
        req->state = STATE_IOREQ_INPROCESS;
        emulate(dm, req);
        /* The response is complete before the state says so. */
        atomic_thread_fence(memory_order_release);
        req->state = STATE_IORESP_READY;
        xenevtchn_notify(dm->xce, port);
    }
}

/** How often the loop looks at the stop flag when no event comes (a signal between the check and poll). */
#define STOP_CHECK_MS 200

static int loop(struct dm *dm)
{
    struct pollfd pfd = { .fd = xenevtchn_fd(dm->xce), .events = POLLIN };
    while (!stopping) {
        int n = poll(&pfd, 1, STOP_CHECK_MS);
        if (n == 0 || (n < 0 && errno == EINTR))
            continue;
        if (n < 0)
            return failed("poll of the event channel fd");
        xenevtchn_port_or_error_t port = xenevtchn_pending(dm->xce);
        if (port < 0)
            return failed("xenevtchn_pending");
        xenevtchn_unmask(dm->xce, (evtchn_port_t)port);
        serve(dm, (evtchn_port_t)port);
    }
    return 0;
}

/** Undoes what setup did, in reverse (as QEMU does on exit); returns `status`, or 1 if a step failed. */
static int teardown(struct dm *dm, int status)
{
    if (dm->enabled && xendevicemodel_set_ioreq_server_state(dm->dmod, dm->o.domid, dm->id, 0))
        status = failed("xendevicemodel_set_ioreq_server_state(0)");
    if (dm->resource)
        xenforeignmemory_unmap_resource(dm->fmem, dm->resource);
    if (dm->created && xendevicemodel_destroy_ioreq_server(dm->dmod, dm->o.domid, dm->id))
        status = failed("xendevicemodel_destroy_ioreq_server");
    if (dm->xce)
        xenevtchn_close(dm->xce);
    if (dm->fmem)
        xenforeignmemory_close(dm->fmem);
    if (dm->dmod)
        xendevicemodel_close(dm->dmod);
    return status;
}

int main(int argc, char **argv)
{
    static struct dm dm;
    int status = parse(argc, argv, &dm.o);
    if (status)
        return status;
    struct sigaction sa = { .sa_handler = on_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    status = setup(&dm);
    if (!status)
        status = loop(&dm);
    status = teardown(&dm, status);
    if (!status)
        printf("stopped: server %u destroyed, %" PRIu32 " claimed-page writes seen\n", (unsigned)dm.id, dm.bank.writes);
    return status;
}
