#define _GNU_SOURCE
#include "doorbell.h"
#include "real.h"

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <xenmem/sim_protocol.h>

/* Bitmap words one summary bit stands for (docs/protocol.md: bit i covers words 8i … 8i+7). */
#define WORDS_PER_SUMMARY_BIT 8

struct doorbell {
    uint32_t *page;
    void (*sink)(uint32_t port);
};

static uint32_t *word(uint32_t *page, unsigned offset)
{
    return page + offset / sizeof(uint32_t);
}

/* Takes the posted ports with atomic exchanges: a port posted twice before we look is seen once. */
static void take(struct doorbell *d)
{
    uint32_t summary = __atomic_exchange_n(word(d->page, XENMEM_SIM_DOORBELL_TO_CLIENT_SUMMARY), 0, __ATOMIC_ACQ_REL);
    while (summary) {
        unsigned group = (unsigned)__builtin_ctz(summary);
        summary &= summary - 1;
        for (unsigned w = group * WORDS_PER_SUMMARY_BIT; w < (group + 1) * WORDS_PER_SUMMARY_BIT; w++) {
            uint32_t *at = word(d->page, XENMEM_SIM_DOORBELL_TO_CLIENT + w * 4);
            if (!__atomic_load_n(at, __ATOMIC_RELAXED))
                continue;
            uint32_t bits = __atomic_exchange_n(at, 0, __ATOMIC_ACQ_REL);
            while (bits) {
                unsigned bit = (unsigned)__builtin_ctz(bits);
                bits &= bits - 1;
                d->sink(w * 32 + bit);
            }
        }
    }
}

static void *watch(void *arg)
{
    struct doorbell *d = arg;
    uint32_t *seq = word(d->page, XENMEM_SIM_DOORBELL_TO_CLIENT_SEQ);
    for (;;) {
        uint32_t seen = __atomic_load_n(seq, __ATOMIC_ACQUIRE);
        take(d);
        /* Not FUTEX_PRIVATE: the daemon wakes the word through its own mapping of the file. */
        syscall(SYS_futex, seq, FUTEX_WAIT, seen, NULL, NULL, 0);
    }
    return NULL;
}

int doorbell_start(int arena_fd, off_t offset, void (*sink)(uint32_t port))
{
    static struct doorbell d;
    void *page = real_mmap(NULL, XENMEM_SIM_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, arena_fd, offset);
    if (page == MAP_FAILED)
        return -errno;
    d = (struct doorbell){ page, sink };
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, watch, &d);
    pthread_attr_destroy(&attr);
    if (rc) {
        real_munmap(page, XENMEM_SIM_PAGE_SIZE);
        return -rc;
    }
    return 0;
}
