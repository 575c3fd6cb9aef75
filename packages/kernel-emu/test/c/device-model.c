/*
 * A device model written against Debian's unmodified Xen 4.17 libraries (libxendevicemodel,
 * libxenforeignmemory, libxenevtchn, libxenctrl), run under the emulation by device-model.test.ts: it
 * creates an ioreq server for ports 0x3f8-0x3ff of domain argv[1], maps its pages, binds its vCPU 0 port,
 * prints one JSON line once ready, answers one ioreq (a read gets 0x5a) and prints it, then tears down.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <xenctrl.h>
#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xen/hvm/ioreq.h>
#include <xen/hvm/params.h>
#include <xen/memory.h>

#define FAIL(what) do { printf("{\"error\":\"%s\",\"errno\":%d}\n", what, errno); return 1; } while (0)

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    domid_t dom = (domid_t)atoi(argv[1]);
    setvbuf(stdout, NULL, _IOLBF, 0);

    xc_interface *xch = xc_interface_open(NULL, NULL, 0);
    if (!xch)
        FAIL("xc_interface_open");
    int version = xc_version(xch, XENVER_version, NULL);
    xen_extraversion_t extra;
    if (xc_version(xch, XENVER_extraversion, &extra))
        FAIL("xc_version extraversion");

    xendevicemodel_handle *dmod = xendevicemodel_open(NULL, 0);
    xenforeignmemory_handle *fmem = xenforeignmemory_open(NULL, 0);
    xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
    if (!dmod || !fmem || !xce)
        FAIL("open");
    ioservid_t id;
    if (xendevicemodel_create_ioreq_server(dmod, dom, HVM_IOREQSRV_BUFIOREQ_ATOMIC, &id))
        FAIL("create_ioreq_server");
    if (xendevicemodel_map_io_range_to_ioreq_server(dmod, dom, id, 0, 0x3f8, 0x3ff))
        FAIL("map_io_range_to_ioreq_server");
    if (xendevicemodel_set_ioreq_server_state(dmod, dom, id, 1))
        FAIL("set_ioreq_server_state");
    void *pages = NULL;
    xenforeignmemory_resource_handle *res = xenforeignmemory_map_resource(
        fmem, dom, XENMEM_resource_ioreq_server, id, 0, 2, &pages, PROT_READ | PROT_WRITE, 0);
    if (!res)
        FAIL("map_resource");
    shared_iopage_t *shared = (shared_iopage_t *)((char *)pages + 4096);
    evtchn_port_t bufport;
    if (xendevicemodel_get_ioreq_server_info(dmod, dom, id, NULL, NULL, &bufport))
        FAIL("get_ioreq_server_info");
    evtchn_port_t remote = shared->vcpu_ioreq[0].vp_eport;
    xenevtchn_port_or_error_t local = xenevtchn_bind_interdomain(xce, dom, remote);
    if (local < 0)
        FAIL("bind_interdomain");
    printf("{\"ready\":true,\"version\":%d,\"extraversion\":\"%s\",\"id\":%u,\"remote\":%u,\"local\":%d,\"bufport\":%u}\n",
           version, extra, id, remote, local, bufport);

    struct pollfd pfd = { xenevtchn_fd(xce), POLLIN, 0 };
    if (poll(&pfd, 1, 20000) != 1)
        FAIL("poll");
    xenevtchn_port_or_error_t port = xenevtchn_pending(xce);
    if (port != local)
        FAIL("pending");
    if (xenevtchn_unmask(xce, port))
        FAIL("unmask");
    ioreq_t *req = &shared->vcpu_ioreq[0];
    if (req->state != STATE_IOREQ_READY)
        FAIL("state");
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    unsigned dir = req->dir, type = req->type, size = req->size;
    unsigned long long addr = req->addr, data = req->data;
    if (dir == IOREQ_READ)
        req->data = 0x5a;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    req->state = STATE_IORESP_READY;
    if (xenevtchn_notify(xce, local))
        FAIL("notify");
    printf("{\"ioreq\":{\"addr\":%llu,\"data\":%llu,\"size\":%u,\"dir\":%u,\"type\":%u}}\n", addr, data, size, dir, type);

    /* Teardown as QEMU does it at exit. */
    if (xendevicemodel_set_ioreq_server_state(dmod, dom, id, 0) || xendevicemodel_destroy_ioreq_server(dmod, dom, id))
        FAIL("teardown");
    xenforeignmemory_unmap_resource(fmem, res);
    xenevtchn_close(xce);
    xenforeignmemory_close(fmem);
    xendevicemodel_close(dmod);
    xc_interface_close(xch);
    printf("{\"done\":true}\n");
    return 0;
}
