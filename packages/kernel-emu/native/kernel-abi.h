/*
 * Linux's Xen kernel interface and the Xen hypercall ABI the emulation speaks, in one place: the ioctl numbers
 * and argument structs of /dev/xen/privcmd and /dev/xen/evtchn, the hypercall numbers, struct multicall_entry,
 * struct xen_memory_reservation, SCHEDOP_remote_shutdown and XENVER_*, all under Linux's and Xen's own names.
 *
 * They come from the headers @xenmem/abi-types generates from schema/xen-abi.json (its include/xenmem directory), so the
 * library builds without Xen's headers. Every other file of the emulation includes this header for them, never
 * the generated headers directly.
 *
 * The interface version is the newest the headers describe, as Xen's own xen-compat.h picks for __XEN_TOOLS__
 * builds such as libxenctrl's: the library stands in for Linux's driver, which speaks the current hypercall
 * ABI. At the default version 0 the headers give the pre-3.2 numbers instead (__HYPERVISOR_sched_op is then
 * the old sched_op_compat, 6, not 29). Defined to the macro, not its value, so it follows the schema.
 */
#ifndef XENMEM_KERNEL_EMU_KERNEL_ABI_H
#define XENMEM_KERNEL_EMU_KERNEL_ABI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#ifdef __XEN_INTERFACE_VERSION__
#error "kernel-abi.h picks the interface version itself: include it before any other Xen header"
#endif
#define __XEN_INTERFACE_VERSION__ __XEN_LATEST_INTERFACE_VERSION__
#include <xenmem/xen.h>
#include <xenmem/event_channel.h>
#include <xenmem/evtchn.h>
#include <xenmem/hvm_op.h>
#include <xenmem/memory.h>
#include <xenmem/privcmd.h>
#include <xenmem/sched.h>
#include <xenmem/version.h>

#endif
