/* The argument struct of each HVMOP, from the schema (packages/abi-types/include/xenmem/hvm_op*.h). */
#ifndef XENMEM_KERNEL_EMU_HVM_OP_ARGS_H
#define XENMEM_KERNEL_EMU_HVM_OP_ARGS_H

#include <stddef.h>

/* Bytes of the argument struct of HVMOP op (without continuation bits), or 0 when the schema has none. */
size_t hvm_op_arg_size(unsigned op);

#endif
