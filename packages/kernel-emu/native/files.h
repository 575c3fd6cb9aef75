/*
 * The emulated device files: which fds of the process are /dev/xen/privcmd or /dev/xen/evtchn, with each
 * open file's state. A file may be shared by several fds (dup2/dup3), as an open file description is; it is
 * released when its last fd is closed.
 */
#ifndef XENMEM_KERNEL_EMU_FILES_H
#define XENMEM_KERNEL_EMU_FILES_H

#include <stdint.h>

enum emu_node { EMU_PRIVCMD = 1, EMU_EVTCHN = 2 };

struct evtchn_file;

struct emu_file {
    enum emu_node node;
    int refs;                  /* fds naming it, plus calls in progress */
    uint16_t restrict_domid;   /* privcmd: IOCTL_PRIVCMD_RESTRICT's domain, DOMID_INVALID when unrestricted */
    struct evtchn_file *evtchn; /* evtchn: the ports and the socket pair */
    void (*release)(struct emu_file *file); /* frees what the node keeps; called once, after the last put */
};

/* A new file for fd (taking one reference for the fd): 0, or -EMFILE when fd is beyond the table. */
int files_install(int fd, struct emu_file *file);
/* The file of fd with a reference taken for the caller (files_put), or NULL when fd is not emulated. */
struct emu_file *files_get(int fd);
void files_put(struct emu_file *file);
/* fd no longer names its file (close, or dup2 over it): drops the fd's reference. */
void files_forget(int fd);
/* newfd names oldfd's file too. */
void files_dup(int oldfd, int newfd);

#endif
