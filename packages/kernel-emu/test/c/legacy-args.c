/* The ≤ 4.8 HVMOP_create_ioreq_server argument, from the schema's header (apart from Debian's, which lacks it). */
#include <string.h>

#include <xenmem/hvm_op_legacy.h>

#include "legacy-args.h"

unsigned legacy_create_op(void)
{
    return HVMOP_create_ioreq_server;
}

size_t legacy_create_args(void *buf, uint16_t domid, uint8_t handle_bufioreq)
{
    struct xen_hvm_create_ioreq_server a;
    memset(&a, 0, sizeof a);
    a.domid = domid;
    a.handle_bufioreq = handle_bufioreq;
    a.id = 0xffff;
    memcpy(buf, &a, sizeof a);
    return sizeof a;
}

size_t legacy_create_id_offset(void)
{
    return offsetof(struct xen_hvm_create_ioreq_server, id);
}
