/*
 * /dev/xen/evtchn as Linux's drivers/xen/evtchn.c implements it: the fd is one end of a socket pair, so
 * read() gives pending ports (u32 each), write() unmasks ports and poll() works natively; the emulation holds
 * the other end, writes each event's port into it and reads the unmasks back.
 */
#ifndef XENMEM_KERNEL_EMU_EVTCHN_H
#define XENMEM_KERNEL_EMU_EVTCHN_H

#include <stdint.h>

#include "files.h"

/* Opens an emulated evtchn file: its fd, or -errno. */
int evtchn_open(int flags);
/* One ioctl on an evtchn file: the ioctl's result, or -errno. */
long evtchn_ioctl(struct emu_file *file, unsigned long request, void *arg);
/* An event the daemon pushed for one of this process's ports. */
void evtchn_deliver(uint32_t port);

#endif
