/*
 * The process's one connection to the simulator daemon (docs/protocol.md): opened lazily at the first open
 * of a /dev/xen node, shared by every thread (requests carry ids; a reader thread hands each reply to its
 * waiter and each pushed event to the event sink), and opened again lazily in a forked child.
 */
#ifndef XENMEM_KERNEL_EMU_CLIENT_H
#define XENMEM_KERNEL_EMU_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "kernel-abi.h"

/* One part of a request's payload; a request is sent as the concatenation of its parts. */
struct client_part {
    const void *data;
    size_t len;
};

/* A reply frame: its kind and payload (owned: client_reply_free). */
struct client_reply {
    uint8_t kind;
    uint8_t *payload;
    uint32_t len;
};

/* What the daemon's welcome said. */
struct client_welcome {
    unsigned major, minor; /* the Xen release the daemon simulates, e.g. 4 and 17 */
    char extraversion[XEN_EXTRAVERSION_LEN]; /* its XENVER_extraversion, e.g. ".0" */
    int shm;               /* whether shm_open is offered */
};

/*
 * Connects (once per process) to $XENMEM_SOCKET and says hello as $XENMEM_CALLER (default 0). 0, or -ENOENT
 * when the daemon cannot be reached; the first failure writes one line naming XENMEM_SOCKET to stderr.
 */
int client_connect(void);
/*
 * Sends one request frame and waits for its reply. 0 with *reply filled, or -errno when the connection is
 * not open or broke (-EIO).
 */
int client_call(uint8_t kind, const struct client_part *parts, int nparts, struct client_reply *reply);
void client_reply_free(struct client_reply *reply);
/*
 * Sends one request frame without waiting: for calls whose result the caller never sees (an event channel
 * notify). Frames of a connection are handled in order, so later calls still find it done. 0, or -errno.
 */
int client_send(uint8_t kind, const struct client_part *parts, int nparts);
/*
 * The daemon's shared arena (shm_open, once per connection): an fd of its file, or -errno (-EOPNOTSUPP when
 * the daemon offers none). From then on the daemon posts events through the doorbell, which is watched too.
 */
int client_arena(void);
/* The welcome of the open connection (valid after client_connect returned 0). */
const struct client_welcome *client_welcome(void);
/* Receives the port of every pushed event frame, on the reader thread. */
void client_set_event_sink(void (*sink)(uint32_t port));
/* The errno of an error frame's JSON body (EINVAL when it names none). */
int client_error_errno(const struct client_reply *reply);
/*
 * 0 when the reply is a `kind` frame of at least `min_len` bytes; otherwise the call's -errno: the daemon's for an
 * error frame, -EPROTO for any other frame.
 */
int client_expect(const struct client_reply *reply, uint8_t kind, size_t min_len);
/* A number field of a JSON reply body ("key": 123): 0 and *out, or -EPROTO. */
int client_json_u64(const struct client_reply *reply, const char *key, uint64_t *out);
/* A string field of a JSON reply body ("key": "..."), without escapes: 0, or -EPROTO. */
int client_json_string(const struct client_reply *reply, const char *key, char *out, size_t size);

#endif
