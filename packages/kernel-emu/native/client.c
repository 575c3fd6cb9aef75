/*
 * The daemon connection: framing (u32 length | u8 kind | u32 id | payload, little-endian), hello/welcome,
 * request ids matched by a reader thread, pushed events handed to the event sink.
 */
#define _GNU_SOURCE
#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <xenmem/sim_protocol.h>

#include "kernel-abi.h"

#include "doorbell.h"
#include "real.h"

struct waiter {
    uint32_t id;
    int done;
    int error; /* -errno when the connection broke */
    struct client_reply reply;
    struct waiter *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;   /* state, waiters */
static pthread_mutex_t send_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t replied = PTHREAD_COND_INITIALIZER;
static int sock = -1;
static int broken;
static int warned;
static uint32_t next_id = 1;
static struct waiter *waiters;
static struct client_welcome welcome;
static void (*event_sink)(uint32_t port);
static int atfork_done;
static int arena_fd = -1;

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int read_full(int fd, void *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = read(fd, (char *)buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        done += (size_t)n;
    }
    return 0;
}

static int send_frame(int fd, uint8_t kind, uint32_t id, const struct client_part *parts, int nparts)
{
    uint8_t header[XENMEM_SIM_FRAME_HEADER_SIZE];
    struct iovec iov[1 + 40];
    size_t total = 0;
    int n = 0;
    if (nparts > 40)
        return -EINVAL;
    iov[n++] = (struct iovec){ header, sizeof header };
    for (int i = 0; i < nparts; i++) {
        iov[n++] = (struct iovec){ (void *)parts[i].data, parts[i].len };
        total += parts[i].len;
    }
    if (total + XENMEM_SIM_FRAME_HEADER_SIZE - XENMEM_SIM_FRAME_HEADER_KIND_OFFSET > XENMEM_SIM_MAX_FRAME_LENGTH)
        return -E2BIG;
    put_u32(header + XENMEM_SIM_FRAME_HEADER_LENGTH_OFFSET,
            (uint32_t)(total + XENMEM_SIM_FRAME_HEADER_SIZE - XENMEM_SIM_FRAME_HEADER_KIND_OFFSET));
    header[XENMEM_SIM_FRAME_HEADER_KIND_OFFSET] = kind;
    put_u32(header + XENMEM_SIM_FRAME_HEADER_ID_OFFSET, id);
    int first = 0;
    while (first < n) {
        ssize_t w = writev(fd, iov + first, n - first);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -EIO;
        while (first < n && (size_t)w >= iov[first].iov_len)
            w -= (ssize_t)iov[first++].iov_len;
        if (first < n)
            iov[first].iov_base = (char *)iov[first].iov_base + w, iov[first].iov_len -= (size_t)w;
    }
    return 0;
}

/* Reads one frame: 0, or -1 at the end of the stream or on a malformed prefix. */
static int recv_frame(int fd, uint8_t *kind, uint32_t *id, uint8_t **payload, uint32_t *len)
{
    uint8_t header[XENMEM_SIM_FRAME_HEADER_SIZE];
    if (read_full(fd, header, sizeof header))
        return -1;
    uint32_t length = get_u32(header + XENMEM_SIM_FRAME_HEADER_LENGTH_OFFSET);
    uint32_t head = XENMEM_SIM_FRAME_HEADER_SIZE - XENMEM_SIM_FRAME_HEADER_KIND_OFFSET;
    if (length < head || length > XENMEM_SIM_MAX_FRAME_LENGTH)
        return -1;
    *kind = header[XENMEM_SIM_FRAME_HEADER_KIND_OFFSET];
    *id = get_u32(header + XENMEM_SIM_FRAME_HEADER_ID_OFFSET);
    *len = length - head;
    *payload = malloc(*len + 1); /* + 1: JSON bodies are read as strings */
    if (!*payload || read_full(fd, *payload, *len)) {
        free(*payload);
        return -1;
    }
    (*payload)[*len] = 0;
    return 0;
}

static void *reader(void *arg)
{
    int fd = (int)(intptr_t)arg;
    for (;;) {
        uint8_t kind;
        uint32_t id, len;
        uint8_t *payload;
        if (recv_frame(fd, &kind, &id, &payload, &len))
            break;
        if (kind == XENMEM_SIM_FRAME_EVENT && len >= XENMEM_SIM_LOCAL_PORT_SIZE) {
            void (*sink)(uint32_t) = event_sink;
            if (sink)
                sink(get_u32(payload + XENMEM_SIM_LOCAL_PORT_PORT_OFFSET));
            free(payload);
            continue;
        }
        /* Other pushes (page_update of pages the emulation maps from the arena) are not for us. */
        pthread_mutex_lock(&lock);
        struct waiter *w = waiters;
        while (w && (w->id != id || w->done))
            w = w->next;
        if (w && id != 0) {
            w->reply = (struct client_reply){ kind, payload, len };
            w->done = 1;
            pthread_cond_broadcast(&replied);
        } else {
            free(payload);
        }
        pthread_mutex_unlock(&lock);
    }
    pthread_mutex_lock(&lock);
    if (sock == fd) {
        broken = 1;
        for (struct waiter *w = waiters; w; w = w->next)
            if (!w->done)
                w->done = 1, w->error = -EIO;
        pthread_cond_broadcast(&replied);
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

/* After fork the child has no reader thread: it forgets the parent's connection and connects on demand. */
static void before_fork(void)
{
    pthread_mutex_lock(&lock);
}

static void after_fork_parent(void)
{
    pthread_mutex_unlock(&lock);
}

static void after_fork_child(void)
{
    pthread_mutex_init(&lock, NULL);
    pthread_mutex_init(&send_lock, NULL);
    pthread_cond_init(&replied, NULL);
    if (sock >= 0)
        real_close(sock);
    sock = -1;
    broken = 0;
    if (arena_fd >= 0)
        real_close(arena_fd);
    arena_fd = -1; /* the doorbell is the parent connection's */
    waiters = NULL; /* the parent's waiting threads do not exist here */
}

static void warn_once(const char *why)
{
    if (warned)
        return;
    warned = 1;
    fprintf(stderr, "xenmem kernel-emu: /dev/xen is not available: %s (set XENMEM_SOCKET to a running `xenmem sim serve` socket)\n", why);
}

static int parse_welcome(const struct client_reply *r)
{
    char release[32];
    if (client_json_string(r, "release", release, sizeof release))
        return -EPROTO;
    unsigned patch = 0;
    int n = sscanf(release, "%u.%u.%u", &welcome.major, &welcome.minor, &patch);
    if (n < 2)
        return -EPROTO;
    /* The simulator models each release at its first tag (RELEASE-x.y.0), whose extraversion is ".0". */
    snprintf(welcome.extraversion, sizeof welcome.extraversion, ".%u", patch);
    welcome.shm = strstr((const char *)r->payload, "\"shm\":true") != NULL;
    return 0;
}

/* $XENMEM_CALLER as a domid (default 0): 0, or -EINVAL when it is not a number below DOMID_FIRST_RESERVED. */
static int caller_domid(uint16_t *caller)
{
    const char *env = getenv("XENMEM_CALLER");
    *caller = 0;
    if (!env || !*env)
        return 0;
    char *end;
    unsigned long v = strtoul(env, &end, 0);
    if (*end || v >= DOMID_FIRST_RESERVED)
        return -EINVAL;
    *caller = (uint16_t)v;
    return 0;
}

static int hello(int fd, uint16_t caller)
{
    struct xenmem_sim_hello h = { XENMEM_SIM_PROTOCOL_VERSION, caller, 0 };
    struct client_part part = { &h, sizeof h };
    if (send_frame(fd, XENMEM_SIM_FRAME_HELLO, 1, &part, 1))
        return -EIO;
    struct client_reply r;
    uint32_t id;
    if (recv_frame(fd, &r.kind, &id, &r.payload, &r.len))
        return -EIO;
    int rc = r.kind == XENMEM_SIM_FRAME_WELCOME ? parse_welcome(&r) : -EPROTO;
    free(r.payload);
    return rc;
}

int client_connect(void)
{
    pthread_mutex_lock(&lock);
    if (!atfork_done) {
        pthread_atfork(before_fork, after_fork_parent, after_fork_child);
        atfork_done = 1;
    }
    int rc = 0;
    if (sock >= 0 && !broken)
        goto out;
    const char *path = getenv("XENMEM_SOCKET");
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    if (!path || !*path) {
        warn_once("XENMEM_SOCKET is not set");
        rc = -ENOENT;
        goto out;
    }
    if (strlen(path) >= sizeof addr.sun_path) {
        warn_once("XENMEM_SOCKET is longer than a unix socket path may be");
        rc = -ENOENT;
        goto out;
    }
    strcpy(addr.sun_path, path);
    uint16_t caller;
    if (caller_domid(&caller)) {
        warn_once("XENMEM_CALLER is not a domain id below the reserved ones (DOMID_FIRST_RESERVED)");
        rc = -ENOENT;
        goto out;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) || (rc = hello(fd, caller))) {
        char why[160];
        if (rc)
            snprintf(why, sizeof why, "the daemon at XENMEM_SOCKET=%s did not welcome the hello", path);
        else
            snprintf(why, sizeof why, "no simulator daemon answers on XENMEM_SOCKET=%s (%s)", path, strerror(errno));
        warn_once(why);
        if (fd >= 0)
            real_close(fd);
        rc = -ENOENT;
        goto out;
    }
    if (sock >= 0)
        real_close(sock);
    sock = fd;
    broken = 0;
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, reader, (void *)(intptr_t)fd)) {
        real_close(fd);
        sock = -1;
        rc = -ENOENT;
    }
    pthread_attr_destroy(&attr);
out:
    pthread_mutex_unlock(&lock);
    return rc;
}

/*
 * The connection a request goes out on: 0 with `lock` held, the socket in *fd and the request's id (never 0) in
 * *id; -EIO, unlocked, when there is none. A forked child's first call connects on its own (files it inherited
 * keep working).
 */
static int lock_for_request(int *fd, uint32_t *id)
{
    pthread_mutex_lock(&lock);
    if (sock < 0 && !broken) {
        pthread_mutex_unlock(&lock);
        if (client_connect())
            return -EIO;
        pthread_mutex_lock(&lock);
    }
    if (sock < 0 || broken) {
        pthread_mutex_unlock(&lock);
        return -EIO;
    }
    *fd = sock;
    *id = next_id++;
    if (next_id == 0)
        next_id = 1;
    return 0;
}

int client_call(uint8_t kind, const struct client_part *parts, int nparts, struct client_reply *reply)
{
    struct waiter w = { 0 };
    int fd;
    if (lock_for_request(&fd, &w.id))
        return -EIO;
    w.next = waiters;
    waiters = &w;
    pthread_mutex_unlock(&lock);

    pthread_mutex_lock(&send_lock);
    int rc = send_frame(fd, kind, w.id, parts, nparts);
    pthread_mutex_unlock(&send_lock);

    pthread_mutex_lock(&lock);
    while (!rc && !w.done)
        pthread_cond_wait(&replied, &lock);
    for (struct waiter **p = &waiters; *p; p = &(*p)->next)
        if (*p == &w) {
            *p = w.next;
            break;
        }
    pthread_mutex_unlock(&lock);
    if (rc)
        return rc;
    if (w.error)
        return w.error;
    *reply = w.reply;
    return 0;
}

int client_send(uint8_t kind, const struct client_part *parts, int nparts)
{
    int fd;
    uint32_t id; /* its reply finds no waiter and is dropped by the reader */
    if (lock_for_request(&fd, &id))
        return -EIO;
    pthread_mutex_unlock(&lock);

    pthread_mutex_lock(&send_lock);
    int rc = send_frame(fd, kind, id, parts, nparts);
    pthread_mutex_unlock(&send_lock);
    return rc;
}

void client_reply_free(struct client_reply *reply)
{
    free(reply->payload);
    reply->payload = NULL;
}

const struct client_welcome *client_welcome(void)
{
    return &welcome;
}

static void deliver(uint32_t port)
{
    void (*sink)(uint32_t) = event_sink;
    if (sink)
        sink(port);
}

int client_arena(void)
{
    pthread_mutex_lock(&lock);
    int rc = arena_fd;
    pthread_mutex_unlock(&lock);
    if (rc >= 0)
        return rc;
    if (!welcome.shm)
        return -EOPNOTSUPP;
    struct client_reply r;
    rc = client_call(XENMEM_SIM_FRAME_SHM_OPEN, NULL, 0, &r);
    if (rc)
        return rc;
    char path[256];
    uint64_t doorbell = 0;
    rc = client_expect(&r, XENMEM_SIM_FRAME_JSON, 0);
    if (!rc && (client_json_string(&r, "path", path, sizeof path) || client_json_u64(&r, "doorbell", &doorbell)))
        rc = -EPROTO;
    client_reply_free(&r);
    if (rc)
        return rc;
    pthread_mutex_lock(&lock);
    if (arena_fd < 0) {
        int fd = real_open(path, O_RDWR | O_CLOEXEC, 0);
        if (fd < 0)
            rc = -errno;
        else if ((rc = doorbell_start(fd, (off_t)doorbell, deliver)) != 0)
            real_close(fd);
        else
            arena_fd = fd;
    }
    if (!rc)
        rc = arena_fd;
    pthread_mutex_unlock(&lock);
    return rc;
}

void client_set_event_sink(void (*sink)(uint32_t port))
{
    event_sink = sink;
}

/* The text right after "key": in a JSON body, or NULL. */
static const char *json_value(const struct client_reply *r, const char *key)
{
    char quoted[64];
    snprintf(quoted, sizeof quoted, "\"%s\":", key);
    const char *p = strstr((const char *)r->payload, quoted);
    return p ? p + strlen(quoted) : NULL;
}

int client_error_errno(const struct client_reply *reply)
{
    uint64_t e;
    return client_json_u64(reply, "errno", &e) || e == 0 || e > 4095 ? EINVAL : (int)e;
}

int client_expect(const struct client_reply *reply, uint8_t kind, size_t min_len)
{
    if (reply->kind == kind && reply->len >= min_len)
        return 0;
    return reply->kind == XENMEM_SIM_FRAME_ERROR ? -client_error_errno(reply) : -EPROTO;
}

int client_json_u64(const struct client_reply *reply, const char *key, uint64_t *out)
{
    const char *p = json_value(reply, key);
    if (!p || *p < '0' || *p > '9')
        return -EPROTO;
    *out = strtoull(p, NULL, 10);
    return 0;
}

int client_json_string(const struct client_reply *reply, const char *key, char *out, size_t size)
{
    const char *p = json_value(reply, key);
    if (!p || *p != '"')
        return -EPROTO;
    const char *end = strchr(p + 1, '"');
    if (!end || (size_t)(end - p - 1) >= size)
        return -EPROTO;
    memcpy(out, p + 1, (size_t)(end - p - 1));
    out[end - p - 1] = 0;
    return 0;
}
