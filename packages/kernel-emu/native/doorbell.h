/*
 * The daemon's doorbell (docs/protocol.md "Shared memory"): once a connection has opened the arena, the
 * daemon posts its events as bits of a page of the arena instead of event frames. A thread waits on the
 * page's sequence word and hands each posted port to the event sink.
 */
#ifndef XENMEM_KERNEL_EMU_DOORBELL_H
#define XENMEM_KERNEL_EMU_DOORBELL_H

#include <stdint.h>
#include <sys/types.h>

/* Maps the doorbell page at offset of the arena fd and starts its thread: 0, or -errno. */
int doorbell_start(int arena_fd, off_t offset, void (*sink)(uint32_t port));

#endif
