/*
 * The schema's HVMOP structs (the generated headers of @xenmem/abi-types): hvm_op's argument is a guest
 * handle to one of them, so the emulation reads exactly that many bytes, as do_hvm_op()'s copy_from_guest does.
 * This file includes the schema's headers alone (their xen.h and Debian's must not meet in one translation unit).
 */
#include "hvm-op-args.h"

#include <xenmem/hvm_op.h>
#include <xenmem/hvm_op_legacy.h>

static const size_t sizes[] = {
    [HVMOP_set_param] = sizeof(struct xen_hvm_param),
    [HVMOP_get_param] = sizeof(struct xen_hvm_param),
    [HVMOP_track_dirty_vram] = sizeof(struct xen_hvm_track_dirty_vram),
    [HVMOP_modified_memory] = sizeof(struct xen_hvm_modified_memory),
    [HVMOP_set_mem_type] = sizeof(struct xen_hvm_set_mem_type),
    [HVMOP_pagetable_dying] = sizeof(struct xen_hvm_pagetable_dying),
    [HVMOP_get_mem_type] = sizeof(struct xen_hvm_get_mem_type),
    [HVMOP_inject_msi] = sizeof(struct xen_hvm_inject_msi),
    [HVMOP_create_ioreq_server] = sizeof(struct xen_hvm_create_ioreq_server),
    [HVMOP_get_ioreq_server_info] = sizeof(struct xen_hvm_get_ioreq_server_info),
    [HVMOP_map_io_range_to_ioreq_server] = sizeof(struct xen_hvm_io_range),
    [HVMOP_unmap_io_range_from_ioreq_server] = sizeof(struct xen_hvm_io_range),
    [HVMOP_destroy_ioreq_server] = sizeof(struct xen_hvm_destroy_ioreq_server),
    [HVMOP_set_ioreq_server_state] = sizeof(struct xen_hvm_set_ioreq_server_state),
};

size_t hvm_op_arg_size(unsigned op)
{
    return op < sizeof sizes / sizeof sizes[0] ? sizes[op] : 0;
}
