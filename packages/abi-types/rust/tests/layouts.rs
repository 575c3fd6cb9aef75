//! Struct layouts and bit-fields, byte for byte as Xen's headers lay them out on x86_64 (xen/include/public/hvm/hvm_op.h,
//! xen/include/public/hvm/dm_op.h and xen/include/public/hvm/ioreq.h at the release tags). Sizes and offsets are written out here, not read from the schema.

use core::mem::{align_of, offset_of, size_of};
use xenmem_abi::*;

/// The bytes of a value that has no padding (every struct read this way here has none).
fn bytes<T: Copy>(value: &T) -> Vec<u8> {
    // SAFETY: `T` is a repr(C) struct of integers without padding, so every byte is initialised.
    unsafe { core::slice::from_raw_parts((value as *const T).cast::<u8>(), size_of::<T>()) }
        .to_vec()
}

#[test]
fn dm_op_header_and_buffer() {
    assert_eq!((size_of::<xen_dm_op>(), align_of::<xen_dm_op>()), (32, 8));
    assert_eq!(
        (
            offset_of!(xen_dm_op, op),
            offset_of!(xen_dm_op, pad),
            offset_of!(xen_dm_op, u)
        ),
        (0, 4, 8)
    );
    assert_eq!(size_of::<xen_dm_op_u>(), 24);
    assert_eq!(
        (size_of::<xen_dm_op_buf>(), offset_of!(xen_dm_op_buf, size)),
        (16, 8)
    );
}

#[test]
fn dm_op_payloads() {
    assert_eq!(
        (
            size_of::<xen_dm_op_set_mem_type>(),
            align_of::<xen_dm_op_set_mem_type>()
        ),
        (16, 8)
    );
    assert_eq!(
        [
            offset_of!(xen_dm_op_set_mem_type, nr),
            offset_of!(xen_dm_op_set_mem_type, mem_type),
            offset_of!(xen_dm_op_set_mem_type, pad),
            offset_of!(xen_dm_op_set_mem_type, first_pfn),
        ],
        [0, 4, 6, 8]
    );
    assert_eq!(size_of::<xen_dm_op_map_mem_type_to_ioreq_server>(), 16);
    assert_eq!(
        [
            offset_of!(xen_dm_op_map_mem_type_to_ioreq_server, id),
            offset_of!(xen_dm_op_map_mem_type_to_ioreq_server, r#type),
            offset_of!(xen_dm_op_map_mem_type_to_ioreq_server, flags),
            offset_of!(xen_dm_op_map_mem_type_to_ioreq_server, opaque),
        ],
        [0, 2, 4, 8]
    );
    assert_eq!(
        (
            size_of::<xen_dm_op_create_ioreq_server>(),
            align_of::<xen_dm_op_create_ioreq_server>()
        ),
        (6, 2)
    );
    assert_eq!(offset_of!(xen_dm_op_create_ioreq_server, id), 4);
    assert_eq!(size_of::<xen_dm_op_get_ioreq_server_info>(), 24);
    assert_eq!(
        [
            offset_of!(xen_dm_op_get_ioreq_server_info, flags),
            offset_of!(xen_dm_op_get_ioreq_server_info, bufioreq_port),
            offset_of!(xen_dm_op_get_ioreq_server_info, ioreq_gfn),
            offset_of!(xen_dm_op_get_ioreq_server_info, bufioreq_gfn),
        ],
        [2, 4, 8, 16]
    );
    // 4.9 and 4.10 called the flags `pad` and the gfns pfns.
    assert_eq!(
        [
            offset_of!(xen_dm_op_get_ioreq_server_info_4_9, pad),
            offset_of!(xen_dm_op_get_ioreq_server_info_4_9, ioreq_pfn)
        ],
        [2, 8]
    );
    assert_eq!(size_of::<xen_dm_op_ioreq_server_range>(), 24);
    assert_eq!(offset_of!(xen_dm_op_ioreq_server_range, end), 16);
    assert_eq!(
        (
            size_of::<xen_dm_op_set_ioreq_server_state>(),
            size_of::<xen_dm_op_destroy_ioreq_server>()
        ),
        (4, 4)
    );
    assert_eq!(
        (
            size_of::<xen_dm_op_inject_event>(),
            offset_of!(xen_dm_op_inject_event, cr2)
        ),
        (24, 16)
    );
    assert_eq!(
        (
            size_of::<xen_dm_op_modified_memory>(),
            align_of::<xen_dm_op_modified_memory>()
        ),
        (8, 4)
    );
    assert_eq!(size_of::<xen_dm_op_modified_memory_extent>(), 16);
    assert_eq!(
        (
            size_of::<xen_dm_op_set_isa_irq_level>(),
            align_of::<xen_dm_op_set_isa_irq_level>()
        ),
        (2, 1)
    );
    assert_eq!(size_of::<xen_dm_op_set_pci_intx_level>(), 6);
    assert_eq!(
        (
            size_of::<xen_dm_op_pin_memory_cacheattr>(),
            offset_of!(xen_dm_op_pin_memory_cacheattr, r#type)
        ),
        (24, 16)
    );
    assert_eq!(
        (
            size_of::<xen_dm_op_set_irq_level>(),
            offset_of!(xen_dm_op_set_irq_level, level)
        ),
        (8, 4)
    );
    assert_eq!(
        (
            size_of::<xen_dm_op_nr_vcpus>(),
            size_of::<xen_dm_op_remote_shutdown>()
        ),
        (4, 4)
    );
}

#[test]
fn hvmop_arguments() {
    assert_eq!(
        (
            size_of::<xen_hvm_set_mem_type>(),
            offset_of!(xen_hvm_set_mem_type, hvmmem_type),
            offset_of!(xen_hvm_set_mem_type, first_pfn)
        ),
        (16, 2, 8)
    );
    assert_eq!(
        (
            size_of::<xen_hvm_get_mem_type>(),
            offset_of!(xen_hvm_get_mem_type, mem_type),
            offset_of!(xen_hvm_get_mem_type, pfn)
        ),
        (16, 2, 8)
    );
    // domid@0, handle_bufioreq@2, an implicit pad byte at 3, id@4.
    assert_eq!(
        (
            size_of::<xen_hvm_create_ioreq_server>(),
            offset_of!(xen_hvm_create_ioreq_server, id)
        ),
        (6, 4)
    );
    assert_eq!(size_of::<xen_hvm_get_ioreq_server_info>(), 24);
    assert_eq!(
        (
            size_of::<xen_hvm_io_range>(),
            offset_of!(xen_hvm_io_range, start)
        ),
        (24, 8)
    );
    assert_eq!(size_of::<xen_hvm_destroy_ioreq_server>(), 4);
    assert_eq!(
        (
            size_of::<xen_hvm_set_ioreq_server_state>(),
            offset_of!(xen_hvm_set_ioreq_server_state, enabled)
        ),
        (6, 4)
    );
    assert_eq!(size_of::<xen_hvm_track_dirty_vram>(), 24);
    assert_eq!(
        (
            size_of::<xen_hvm_inject_msi>(),
            offset_of!(xen_hvm_inject_msi, addr)
        ),
        (16, 8)
    );
    // The explicit pad of xen_hvm_param arrived in 4.14; the layout did not change.
    assert_eq!(
        (
            size_of::<xen_hvm_param_4_6>(),
            offset_of!(xen_hvm_param_4_6, index)
        ),
        (16, 4)
    );
    assert_eq!(
        (
            size_of::<xen_hvm_param>(),
            offset_of!(xen_hvm_param, pad),
            offset_of!(xen_hvm_param, index)
        ),
        (16, 2, 4)
    );
}

#[test]
fn ioreq_pages() {
    assert_eq!((size_of::<ioreq>(), align_of::<ioreq>()), (32, 8));
    assert_eq!(
        [
            offset_of!(ioreq, addr),
            offset_of!(ioreq, data),
            offset_of!(ioreq, count),
            offset_of!(ioreq, size),
            offset_of!(ioreq, vp_eport),
            offset_of!(ioreq, r#type)
        ],
        [0, 8, 16, 20, 24, 31]
    );
    assert_eq!(size_of::<shared_iopage>(), 32);
    // 128 vCPUs in one 4 KiB page.
    assert_eq!(4096 / size_of::<ioreq>(), 128);
    assert_eq!(size_of::<buf_ioreq>(), 8);
    assert_eq!(size_of::<buffered_iopage>(), 4096);
    assert_eq!(
        (
            offset_of!(buffered_iopage, write_pointer),
            offset_of!(buffered_iopage, buf_ioreq)
        ),
        (4, 8)
    );
    assert_eq!(IOREQ_BUFFER_SLOT_NUM, 511);
    assert_eq!(buffered_iopage::ZERO.buf_ioreq.len(), 511);
}

#[test]
fn ioreq_byte_30_holds_state_data_is_ptr_dir_df() {
    let mut req = ioreq::ZERO;
    req.set_state(STATE_IOREQ_READY as u8);
    assert_eq!(bytes(&req)[30], 0x01);
    req.set_data_is_ptr(1);
    assert_eq!(bytes(&req)[30], 0x11);
    req.set_dir(IOREQ_READ as u8);
    assert_eq!(bytes(&req)[30], 0x31);
    req.set_df(1);
    assert_eq!(bytes(&req)[30], 0x71);
    req.set_state(STATE_IORESP_READY as u8);
    assert_eq!(bytes(&req)[30], 0x73);
    req.r#type = IOREQ_TYPE_COPY as u8;
    req.addr = 0xfee0_0000;
    req.size = 4;
    let b = bytes(&req);
    assert_eq!(
        (b[31], &b[0..8], &b[20..24]),
        (
            0x01,
            &[0x00, 0x00, 0xe0, 0xfe, 0, 0, 0, 0][..],
            &[4, 0, 0, 0][..]
        )
    );
    assert_eq!(
        (
            req.state(),
            req.data_is_ptr(),
            req.dir(),
            req.df(),
            req._pad1()
        ),
        (3, 1, 1, 1, 0)
    );
    // Values wider than the field are cut, as a C bit-field assignment does.
    req.set_state(0x1f);
    assert_eq!((req.state(), req.data_is_ptr()), (0xf, 1));
}

#[test]
fn buf_ioreq_addr_sits_in_bits_12_to_31_of_the_first_word() {
    let mut slot = buf_ioreq::ZERO;
    slot.set_addr(0xfffff);
    assert_eq!(
        u32::from_le_bytes(bytes(&slot)[0..4].try_into().unwrap()),
        0xffff_f000
    );
    assert_eq!(slot.addr(), 0xfffff);
    // type in byte 0; pad, dir and size in the low nibble of byte 1.
    let mut slot = buf_ioreq::ZERO;
    slot.set_type(IOREQ_TYPE_COPY as u8);
    slot.set_dir(IOREQ_WRITE as u8);
    slot.set_size(2); // 4 bytes
    slot.set_addr(0xa0000);
    slot.data = 0xdead_beef;
    assert_eq!(
        bytes(&slot),
        [0x01, 0x08, 0x00, 0xa0, 0xef, 0xbe, 0xad, 0xde]
    );
    assert_eq!(
        (
            slot.r#type(),
            slot.pad(),
            slot.dir(),
            slot.size(),
            slot.addr()
        ),
        (1, 0, 0, 2, 0xa0000)
    );
    slot.set_dir(IOREQ_READ as u8);
    assert_eq!(bytes(&slot)[1], 0x0a);
}

#[test]
fn a_set_mem_type_op_as_xen_reads_it() {
    // Start from all-zero bytes: the payload fills only 16 of the union's 24.
    let mut op = xen_dm_op {
        op: XEN_DMOP_set_mem_type,
        ..xen_dm_op::default()
    };
    op.u.set_mem_type = xen_dm_op_set_mem_type {
        nr: 16,
        mem_type: HVMMEM_ioreq_server,
        pad: 0,
        first_pfn: 0x100,
    };
    let b = bytes(&op);
    assert_eq!(&b[0..8], [12, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(
        &b[8..24],
        [16, 0, 0, 0, 4, 0, 0, 0, 0x00, 0x01, 0, 0, 0, 0, 0, 0]
    );
    // SAFETY: `set_mem_type` is the member just written.
    assert_eq!(unsafe { op.u.set_mem_type }.first_pfn, 0x100);
}

#[test]
fn zero_and_default_agree() {
    assert_eq!(
        xen_dm_op_set_mem_type::default(),
        xen_dm_op_set_mem_type::ZERO
    );
    assert_eq!(bytes(&xen_dm_op::ZERO), [0u8; 32]);
    assert_eq!(ioreq::default(), ioreq::ZERO);
}
