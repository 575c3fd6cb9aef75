/*
 * Linux's Xen kernel interface and the Xen hypercall ABI the emulation speaks, in one place: the ioctl numbers
 * and argument structs of /dev/xen/privcmd and /dev/xen/evtchn, the hypercall numbers, struct multicall_entry,
 * struct xen_memory_reservation, SCHEDOP_remote_shutdown and XENVER_*, all under Linux's and Xen's own names.
 *
 * They come from Debian's libxen-dev headers (the copies Xen 4.17's libraries are built against; fetched by
 * `node scripts/deb-cache.mjs ensure libxen-dev` into .cache/debroot) until the schema emits them. Every other
 * file of the emulation includes this header for them, never Xen's headers directly.
 */
#ifndef XENMEM_KERNEL_EMU_KERNEL_ABI_H
#define XENMEM_KERNEL_EMU_KERNEL_ABI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#define __XEN_TOOLS__ 1
#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/version.h>
#include <xen/hvm/hvm_op.h>
#include <xen/sys/privcmd.h>
#include <xen/sys/evtchn.h>

#endif
