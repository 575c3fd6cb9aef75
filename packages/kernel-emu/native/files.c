#include "files.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

/* fds above this are never emulated: the libraries open their nodes early, and RLIMIT_NOFILE is 1024 by default. */
#define FILES_MAX 65536

static struct emu_file *table[FILES_MAX];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

int files_install(int fd, struct emu_file *file)
{
    if (fd < 0 || fd >= FILES_MAX)
        return -EMFILE;
    pthread_mutex_lock(&lock);
    struct emu_file *old = table[fd];
    table[fd] = file;
    file->refs = 1;
    pthread_mutex_unlock(&lock);
    if (old)
        files_put(old);
    return 0;
}

struct emu_file *files_get(int fd)
{
    if (fd < 0 || fd >= FILES_MAX)
        return NULL;
    pthread_mutex_lock(&lock);
    struct emu_file *f = table[fd];
    if (f)
        f->refs++;
    pthread_mutex_unlock(&lock);
    return f;
}

void files_put(struct emu_file *file)
{
    pthread_mutex_lock(&lock);
    int last = --file->refs == 0;
    pthread_mutex_unlock(&lock);
    if (last) {
        if (file->release)
            file->release(file);
        free(file);
    }
}

void files_forget(int fd)
{
    if (fd < 0 || fd >= FILES_MAX)
        return;
    pthread_mutex_lock(&lock);
    struct emu_file *f = table[fd];
    table[fd] = NULL;
    pthread_mutex_unlock(&lock);
    if (f)
        files_put(f);
}

void files_dup(int oldfd, int newfd)
{
    struct emu_file *f = files_get(oldfd);
    if (!f) {
        files_forget(newfd);
        return;
    }
    if (newfd < 0 || newfd >= FILES_MAX) {
        files_put(f);
        return;
    }
    pthread_mutex_lock(&lock);
    struct emu_file *old = table[newfd];
    table[newfd] = f; /* files_get counted newfd already */
    pthread_mutex_unlock(&lock);
    if (old)
        files_put(old);
}
