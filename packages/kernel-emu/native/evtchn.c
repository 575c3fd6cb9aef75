/*
 * Event channels (drivers/xen/evtchn.c @ v6.1): each bound port belongs to one file; an event masks its port
 * and puts it in the file's ring (here: writes it to the socket pair), a write() of the port unmasks it, and
 * an event that comes while the port is masked stays pending (Xen's pending bit) until the unmask.
 */
#define _GNU_SOURCE
#include "evtchn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <xenmem/sim_protocol.h>

#include "client.h"
#include "kernel-abi.h"
#include "usermem.h"
#include "real.h"

/* evtchn.c's UNRESTRICTED_DOMID: the file may bind to any domain. */
#define UNRESTRICTED_DOMID ((domid_t)-1)
/* xen_evtchn_nr_channels() with the FIFO ABI Xen offers since 4.4: an UNBIND of a larger port is EINVAL. */
#define NR_CHANNELS EVTCHN_FIFO_NR_CHANNELS
/* Events that came before their bind's reply was handled (at most a few: one per bind in flight). */
#define EARLY_MAX 64

struct evtchn_file {
    int peer;       /* our end of the socket pair */
    int user;       /* a dup of the program's end, to empty it on IOCTL_EVTCHN_RESET */
    domid_t restrict_domid;
    uint8_t partial[4]; /* a port the program has written only part of */
    unsigned partial_len;
    struct evtchn_file *next;
};

struct bound_port {
    uint32_t port;
    struct evtchn_file *file;
    int masked, pending;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct evtchn_file *files;
static struct bound_port *ports;
static size_t nports, cap;
static uint32_t early[EARLY_MAX];
static size_t nearly;
static int wake[2] = { -1, -1 };
static int thread_running;

static struct bound_port *find(uint32_t port)
{
    for (size_t i = 0; i < nports; i++)
        if (ports[i].port == port)
            return &ports[i];
    return NULL;
}

/* Puts the port in its file's ring and masks it (evtchn_interrupt()). Called with the lock held. */
static void raise_port(struct bound_port *p)
{
    if (p->masked) {
        p->pending = 1;
        return;
    }
    p->masked = 1;
    uint32_t port = p->port;
    /* A full ring loses the event, as an overflowing ring does (the program reads more slowly than events come). */
    ssize_t n = send(p->file->peer, &port, sizeof port, MSG_DONTWAIT | MSG_NOSIGNAL);
    (void)n;
}

void evtchn_deliver(uint32_t port)
{
    pthread_mutex_lock(&lock);
    struct bound_port *p = find(port);
    if (p)
        raise_port(p);
    else if (nearly < EARLY_MAX)
        early[nearly++] = port;
    pthread_mutex_unlock(&lock);
}

/* The program wrote ports (evtchn_write()): each one of this file that is masked is unmasked. */
static void unmask(struct evtchn_file *f, uint32_t port)
{
    struct bound_port *p = find(port);
    if (!p || p->file != f || !p->masked)
        return;
    p->masked = 0;
    if (p->pending) {
        p->pending = 0;
        raise_port(p);
    }
}

static void read_unmasks(struct evtchn_file *f)
{
    uint8_t buf[256];
    ssize_t n = recv(f->peer, buf, sizeof buf, MSG_DONTWAIT);
    for (ssize_t i = 0; i < n; i++) {
        f->partial[f->partial_len++] = buf[i];
        if (f->partial_len == sizeof f->partial) {
            uint32_t port;
            memcpy(&port, f->partial, sizeof port);
            f->partial_len = 0;
            unmask(f, port);
        }
    }
}

static void *unmask_thread(void *arg)
{
    (void)arg;
    struct pollfd *fds = NULL;
    size_t cap_fds = 0;
    for (;;) {
        pthread_mutex_lock(&lock);
        size_t n = 1;
        for (struct evtchn_file *f = files; f; f = f->next)
            n++;
        if (n > cap_fds) {
            struct pollfd *grown = realloc(fds, n * sizeof *fds);
            if (grown)
                fds = grown, cap_fds = n;
            else
                n = cap_fds;
        }
        size_t i = 0;
        if (cap_fds)
            fds[i++] = (struct pollfd){ wake[0], POLLIN, 0 };
        for (struct evtchn_file *f = files; f && i < n; f = f->next)
            fds[i++] = (struct pollfd){ f->peer, POLLIN, 0 };
        pthread_mutex_unlock(&lock);
        if (poll(fds, i, -1) < 0 && errno != EINTR)
            break;
        if (fds[0].revents & POLLIN) {
            char drain[64];
            ssize_t r = read(wake[0], drain, sizeof drain);
            (void)r;
        }
        pthread_mutex_lock(&lock);
        for (size_t k = 1; k < i; k++) {
            if (!(fds[k].revents & POLLIN))
                continue;
            /* The file may have gone meanwhile: only a file still listed is read. */
            for (struct evtchn_file *f = files; f; f = f->next)
                if (f->peer == fds[k].fd)
                    read_unmasks(f);
        }
        pthread_mutex_unlock(&lock);
    }
    free(fds);
    return NULL;
}

static void poke(void)
{
    char c = 0;
    ssize_t r = write(wake[1], &c, 1);
    (void)r;
}

static void after_fork_child(void)
{
    /* The unmask thread does not exist in the child; the next open starts one. */
    pthread_mutex_init(&lock, NULL);
    thread_running = 0;
}

static int start_thread(void)
{
    if (thread_running)
        return 0;
    if (wake[0] < 0) {
        if (pipe2(wake, O_CLOEXEC | O_NONBLOCK))
            return -errno;
        pthread_atfork(NULL, NULL, after_fork_child);
    }
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, unmask_thread, NULL);
    pthread_attr_destroy(&attr);
    if (rc)
        return -rc;
    thread_running = 1;
    return 0;
}

static void unbind_remote(uint32_t port)
{
    struct xenmem_sim_local_port q = { port };
    struct client_part part = { &q, sizeof q };
    struct client_reply r;
    if (!client_call(XENMEM_SIM_FRAME_UNBIND_PORT, &part, 1, &r))
        client_reply_free(&r);
}

/* The last fd of the file closed (evtchn_release()): its ports are unbound. */
static void release(struct emu_file *ef)
{
    struct evtchn_file *f = ef->evtchn;
    uint32_t *gone = NULL;
    size_t ngone = 0;
    pthread_mutex_lock(&lock);
    gone = malloc((nports + 1) * sizeof *gone);
    for (size_t i = 0; i < nports;) {
        if (ports[i].file == f) {
            if (gone)
                gone[ngone++] = ports[i].port;
            ports[i] = ports[--nports];
        } else {
            i++;
        }
    }
    for (struct evtchn_file **p = &files; *p; p = &(*p)->next)
        if (*p == f) {
            *p = f->next;
            break;
        }
    pthread_mutex_unlock(&lock);
    poke();
    for (size_t i = 0; i < ngone; i++)
        unbind_remote(gone[i]);
    free(gone);
    real_close(f->peer);
    real_close(f->user);
    free(f);
}

int evtchn_open(int flags)
{
    int sv[2];
    int type = SOCK_STREAM | (flags & O_CLOEXEC ? SOCK_CLOEXEC : 0);
    if (socketpair(AF_UNIX, type, 0, sv))
        return -errno;
    if (flags & O_NONBLOCK)
        fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
    fcntl(sv[1], F_SETFD, FD_CLOEXEC);
    struct emu_file *ef = calloc(1, sizeof *ef);
    struct evtchn_file *f = calloc(1, sizeof *f);
    int user = fcntl(sv[0], F_DUPFD_CLOEXEC, 0);
    int rc = !ef || !f ? -ENOMEM : user < 0 ? -errno : 0;
    if (!rc) {
        pthread_mutex_lock(&lock);
        rc = start_thread();
        pthread_mutex_unlock(&lock);
    }
    if (rc) {
        free(ef), free(f);
        real_close(sv[0]), real_close(sv[1]);
        if (user >= 0)
            real_close(user);
        return rc;
    }
    client_set_event_sink(evtchn_deliver);
    *f = (struct evtchn_file){ .peer = sv[1], .user = user, .restrict_domid = UNRESTRICTED_DOMID };
    *ef = (struct emu_file){ .node = EMU_EVTCHN, .evtchn = f, .release = release };
    rc = files_install(sv[0], ef);
    if (rc) {
        free(ef), free(f);
        real_close(sv[0]), real_close(sv[1]), real_close(user);
        return rc;
    }
    pthread_mutex_lock(&lock);
    f->next = files;
    files = f;
    pthread_mutex_unlock(&lock);
    poke();
    return sv[0];
}

static long bind_interdomain(struct evtchn_file *f, void *arg)
{
    struct ioctl_evtchn_bind_interdomain b;
    if (usermem_read(&b, arg, sizeof b))
        return -EFAULT;
    if (f->restrict_domid != UNRESTRICTED_DOMID && f->restrict_domid != b.remote_domain)
        return -EACCES;
    /* The daemon's frame has a 16-bit domid: a larger one names no domain (Xen: ESRCH). */
    if (b.remote_domain > UINT16_MAX)
        return -ESRCH;
    struct xenmem_sim_bind_interdomain q = { (uint16_t)b.remote_domain, b.remote_port };
    struct client_part part = { &q, sizeof q };
    struct client_reply r;
    long rc = client_call(XENMEM_SIM_FRAME_BIND_INTERDOMAIN, &part, 1, &r);
    if (rc)
        return rc;
    struct xenmem_sim_port reply;
    rc = client_expect(&r, XENMEM_SIM_FRAME_PORT, sizeof reply);
    if (rc) {
        client_reply_free(&r);
        return rc;
    }
    memcpy(&reply, r.payload, sizeof reply);
    client_reply_free(&r);
    if (reply.rc)
        return reply.rc;
    pthread_mutex_lock(&lock);
    if (nports == cap) {
        size_t grown = cap ? cap * 2 : 16;
        struct bound_port *p = realloc(ports, grown * sizeof *p);
        if (!p) {
            pthread_mutex_unlock(&lock);
            unbind_remote(reply.local_port);
            return -ENOMEM;
        }
        ports = p, cap = grown;
    }
    struct bound_port *p = &ports[nports++];
    *p = (struct bound_port){ reply.local_port, f, 0, 0 };
    for (size_t i = 0; i < nearly; i++)
        if (early[i] == reply.local_port) {
            early[i--] = early[--nearly];
            raise_port(p);
        }
    pthread_mutex_unlock(&lock);
    return reply.local_port;
}

/* Takes a port of this file out of the table: 0, or -ENOTCONN when the file did not bind it. */
static long take_port(struct evtchn_file *f, uint32_t port, int remove)
{
    long rc = -ENOTCONN;
    pthread_mutex_lock(&lock);
    struct bound_port *p = find(port);
    if (p && p->file == f) {
        rc = 0;
        if (remove)
            *p = ports[--nports];
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

static long port_op(struct evtchn_file *f, void *arg, uint8_t kind)
{
    uint32_t port;
    if (usermem_read(&port, arg, sizeof port))
        return -EFAULT;
    if (kind == XENMEM_SIM_FRAME_UNBIND_PORT && port >= NR_CHANNELS)
        return -EINVAL;
    long rc = take_port(f, port, kind == XENMEM_SIM_FRAME_UNBIND_PORT);
    if (rc)
        return rc;
    if (kind == XENMEM_SIM_FRAME_UNBIND_PORT) {
        unbind_remote(port);
        return 0;
    }
    /*
     * notify_remote_via_evtchn() has no result: the port is this file's, so the notify is sent and the ioctl
     * returns without waiting for the daemon (Linux's returns once the hypercall is issued). Saves QEMU one
     * round trip per answered ioreq.
     */
    struct xenmem_sim_local_port q = { port };
    struct client_part part = { &q, sizeof q };
    return client_send(XENMEM_SIM_FRAME_NOTIFY, &part, 1);
}

/* IOCTL_EVTCHN_RESET: the ring is emptied (ports read from it since stay as they are: masked until written). */
static long reset(struct evtchn_file *f)
{
    uint8_t buf[256];
    while (recv(f->user, buf, sizeof buf, MSG_DONTWAIT) > 0)
        ;
    return 0;
}

static long restrict_domid(struct evtchn_file *f, void *arg)
{
    if (f->restrict_domid != UNRESTRICTED_DOMID)
        return -EACCES;
    struct ioctl_evtchn_restrict_domid r;
    if (usermem_read(&r, arg, sizeof r))
        return -EFAULT;
    if (r.domid == 0 || r.domid >= DOMID_FIRST_RESERVED)
        return -EINVAL;
    f->restrict_domid = r.domid;
    return 0;
}

/*
 * EVTCHNOP_bind_virq and EVTCHNOP_alloc_unbound: the simulator models neither, so they get what Xen gives an
 * event-channel op it does not have (do_event_channel_op(): ENOSYS) after Linux's own checks.
 */
static long unmodelled(struct evtchn_file *f, void *arg, size_t len)
{
    uint8_t buf[sizeof(struct ioctl_evtchn_bind_virq) + sizeof(struct ioctl_evtchn_bind_unbound_port)];
    if (f->restrict_domid != UNRESTRICTED_DOMID)
        return -EACCES;
    if (usermem_read(buf, arg, len))
        return -EFAULT;
    return -ENOSYS;
}

long evtchn_ioctl(struct emu_file *ef, unsigned long request, void *arg)
{
    struct evtchn_file *f = ef->evtchn;
    /* In a forked child the unmask thread is started again by the first ioctl on an inherited file. */
    pthread_mutex_lock(&lock);
    int rc = start_thread();
    pthread_mutex_unlock(&lock);
    if (rc)
        return rc;
    switch (request) {
    case IOCTL_EVTCHN_BIND_INTERDOMAIN:
        return bind_interdomain(f, arg);
    case IOCTL_EVTCHN_UNBIND:
        return port_op(f, arg, XENMEM_SIM_FRAME_UNBIND_PORT);
    case IOCTL_EVTCHN_NOTIFY:
        return port_op(f, arg, XENMEM_SIM_FRAME_NOTIFY);
    case IOCTL_EVTCHN_RESET:
        return reset(f);
    case IOCTL_EVTCHN_RESTRICT_DOMID:
        return restrict_domid(f, arg);
    case IOCTL_EVTCHN_BIND_VIRQ:
        return unmodelled(f, arg, sizeof(struct ioctl_evtchn_bind_virq));
    case IOCTL_EVTCHN_BIND_UNBOUND_PORT:
        return unmodelled(f, arg, sizeof(struct ioctl_evtchn_bind_unbound_port));
    default:
        /* evtchn_ioctl()'s answer to an ioctl it does not have. */
        return -ENOSYS;
    }
}
