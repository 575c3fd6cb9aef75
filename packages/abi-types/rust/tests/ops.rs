//! Op numbers, hypercalls, constants, errno, limits and releases. Expected values are Xen's (xen/include/public/hvm/hvm_op.h,
//! dm_op.h, ioreq.h and xen-compat.h at the release tags; xen/common/dm.c do_dm_op()), written out here, not read from the schema.

use xenmem_abi::*;

#[test]
fn hypercalls() {
    assert_eq!(
        (
            __HYPERVISOR_memory_op,
            __HYPERVISOR_hvm_op,
            __HYPERVISOR_dm_op
        ),
        (12, 34, 41)
    );
}

#[test]
fn dmop_numbers() {
    let expected: [(u32, &str); 20] = [
        (XEN_DMOP_create_ioreq_server, "XEN_DMOP_create_ioreq_server"),
        (
            XEN_DMOP_get_ioreq_server_info,
            "XEN_DMOP_get_ioreq_server_info",
        ),
        (
            XEN_DMOP_map_io_range_to_ioreq_server,
            "XEN_DMOP_map_io_range_to_ioreq_server",
        ),
        (
            XEN_DMOP_unmap_io_range_from_ioreq_server,
            "XEN_DMOP_unmap_io_range_from_ioreq_server",
        ),
        (
            XEN_DMOP_set_ioreq_server_state,
            "XEN_DMOP_set_ioreq_server_state",
        ),
        (
            XEN_DMOP_destroy_ioreq_server,
            "XEN_DMOP_destroy_ioreq_server",
        ),
        (XEN_DMOP_track_dirty_vram, "XEN_DMOP_track_dirty_vram"),
        (XEN_DMOP_set_pci_intx_level, "XEN_DMOP_set_pci_intx_level"),
        (XEN_DMOP_set_isa_irq_level, "XEN_DMOP_set_isa_irq_level"),
        (XEN_DMOP_set_pci_link_route, "XEN_DMOP_set_pci_link_route"),
        (XEN_DMOP_modified_memory, "XEN_DMOP_modified_memory"),
        (XEN_DMOP_set_mem_type, "XEN_DMOP_set_mem_type"),
        (XEN_DMOP_inject_event, "XEN_DMOP_inject_event"),
        (XEN_DMOP_inject_msi, "XEN_DMOP_inject_msi"),
        (
            XEN_DMOP_map_mem_type_to_ioreq_server,
            "XEN_DMOP_map_mem_type_to_ioreq_server",
        ),
        (XEN_DMOP_remote_shutdown, "XEN_DMOP_remote_shutdown"),
        (XEN_DMOP_relocate_memory, "XEN_DMOP_relocate_memory"),
        (
            XEN_DMOP_pin_memory_cacheattr,
            "XEN_DMOP_pin_memory_cacheattr",
        ),
        (XEN_DMOP_set_irq_level, "XEN_DMOP_set_irq_level"),
        (XEN_DMOP_nr_vcpus, "XEN_DMOP_nr_vcpus"),
    ];
    for (i, (value, c_name)) in expected.iter().enumerate() {
        assert_eq!(*value, i as u32 + 1, "{c_name}");
        assert_eq!(dmop(*value).map(|o| o.c_name), Some(*c_name));
    }
    assert_eq!(XEN_DMOP_set_mem_type, 12);
    assert_eq!(XEN_DMOP_nr_vcpus, 20);
    assert_eq!(dmop(21), None);
}

#[test]
fn dmop_details() {
    let set_mem_type = dmop(XEN_DMOP_set_mem_type).unwrap();
    assert_eq!(
        (
            set_mem_type.payload_size,
            set_mem_type.copy_back,
            set_mem_type.replaces_hvmop
        ),
        (16, true, Some(HVMOP_set_mem_type))
    );
    assert_eq!(set_mem_type.first_release, Release::Xen4_9);
    let nr_vcpus = dmop(XEN_DMOP_nr_vcpus).unwrap();
    assert_eq!(
        (nr_vcpus.payload_size, nr_vcpus.first_release, nr_vcpus.arch),
        (4, Release::Xen4_15, &[Arch::X86, Arch::Arm][..])
    );
    assert_eq!(dmop(XEN_DMOP_set_irq_level).unwrap().arch, [Arch::Arm]);
    assert_eq!(
        dmop(XEN_DMOP_pin_memory_cacheattr).unwrap().replaces_other,
        Some("XEN_DOMCTL_pin_mem_cacheattr")
    );
    // The const ops are not copied back.
    assert!(
        !dmop(XEN_DMOP_map_io_range_to_ioreq_server)
            .unwrap()
            .copy_back
    );
    // Every payload fits the 24-byte union.
    assert!(DMOPS.iter().all(|o| o.payload_size <= 24));
}

#[test]
fn hvmop_numbers_and_dispatch() {
    assert_eq!(
        (
            HVMOP_set_param,
            HVMOP_get_param,
            HVMOP_set_pci_intx_level,
            HVMOP_flush_tlbs
        ),
        (0, 1, 2, 5)
    );
    assert_eq!(
        (
            HVMOP_track_dirty_vram,
            HVMOP_modified_memory,
            HVMOP_set_mem_type,
            HVMOP_pagetable_dying
        ),
        (6, 7, 8, 9)
    );
    assert_eq!(
        (
            HVMOP_set_mem_access,
            HVMOP_get_mem_access,
            HVMOP_inject_trap,
            HVMOP_get_mem_type
        ),
        (12, 13, 14, 15)
    );
    assert_eq!(
        (
            HVMOP_create_ioreq_server,
            HVMOP_set_ioreq_server_state,
            HVMOP_altp2m
        ),
        (17, 22, 25)
    );
    let set_mem_type = hvmop(HVMOP_set_mem_type).unwrap();
    assert!(set_mem_type.dispatched_at(Release::Xen4_8));
    assert!(!set_mem_type.dispatched_at(Release::Xen4_9));
    assert_eq!(
        (set_mem_type.visibility, set_mem_type.moved_to_dmop),
        (Visibility::Tools, Some(XEN_DMOP_set_mem_type))
    );
    // get_mem_type stayed an HVMOP.
    let get_mem_type = hvmop(HVMOP_get_mem_type).unwrap();
    assert!(get_mem_type.dispatched_at(Release::Xen4_22));
    assert_eq!(
        (get_mem_type.visibility, get_mem_type.moved_to_dmop),
        (Visibility::Public, None)
    );
    // 4.6+ has no case for set_mem_access: ENOSYS everywhere.
    assert!(!hvmop(HVMOP_set_mem_access)
        .unwrap()
        .dispatched_at(Release::Xen4_6));
    // Kept in the header below 0x00040900 only.
    assert_eq!(
        hvmop(HVMOP_set_pci_intx_level).unwrap().iface,
        Some(IfaceRange {
            from: 0,
            below: Some(0x00040900)
        })
    );
}

#[test]
fn ioreq_constants() {
    assert_eq!((IOREQ_WRITE, IOREQ_READ), (0, 1));
    assert_eq!(
        (
            STATE_IOREQ_NONE,
            STATE_IOREQ_READY,
            STATE_IOREQ_INPROCESS,
            STATE_IORESP_READY
        ),
        (0, 1, 2, 3)
    );
    assert_eq!(
        (
            IOREQ_TYPE_PIO,
            IOREQ_TYPE_COPY,
            IOREQ_TYPE_PCI_CONFIG,
            IOREQ_TYPE_TIMEOFFSET,
            IOREQ_TYPE_INVALIDATE
        ),
        (0, 1, 2, 7, 8)
    );
    assert_eq!(
        (
            HVM_IOREQSRV_BUFIOREQ_OFF,
            HVM_IOREQSRV_BUFIOREQ_LEGACY,
            HVM_IOREQSRV_BUFIOREQ_ATOMIC
        ),
        (0, 1, 2)
    );
    assert_eq!(
        (
            HVM_PARAM_IOREQ_PFN,
            HVM_PARAM_BUFIOREQ_PFN,
            HVM_PARAM_BUFIOREQ_EVTCHN
        ),
        (5, 6, 26)
    );
    assert_eq!(
        (HVM_PARAM_IOREQ_SERVER_PFN, HVM_PARAM_NR_IOREQ_SERVER_PAGES),
        (32, 33)
    );
    assert_eq!(
        constant_group("ioreq_type").map(|g| g.members.len()),
        Some(5)
    );
}

#[test]
fn dm_op_constants() {
    assert_eq!(
        (
            XEN_DMOP_IO_RANGE_PORT,
            XEN_DMOP_IO_RANGE_MEMORY,
            XEN_DMOP_IO_RANGE_PCI
        ),
        (0, 1, 2)
    );
    assert_eq!(
        (
            HVMOP_IO_RANGE_PORT,
            HVMOP_IO_RANGE_MEMORY,
            HVMOP_IO_RANGE_PCI
        ),
        (0, 1, 2)
    );
    assert_eq!(
        (
            XEN_DMOP_IOREQ_MEM_ACCESS_READ,
            XEN_DMOP_IOREQ_MEM_ACCESS_WRITE
        ),
        (1 << 0, 1 << 1)
    );
    assert_eq!(XEN_DMOP_no_gfns, 1);
    assert_eq!(
        [
            XEN_DMOP_EVENT_ext_int,
            XEN_DMOP_EVENT_nmi,
            XEN_DMOP_EVENT_hw_exc,
            XEN_DMOP_EVENT_sw_int,
            XEN_DMOP_EVENT_pri_sw_exc,
            XEN_DMOP_EVENT_sw_exc
        ],
        [0, 2, 3, 4, 5, 6]
    );
    assert_eq!(
        [
            XEN_DMOP_MEM_CACHEATTR_UC,
            XEN_DMOP_MEM_CACHEATTR_WC,
            XEN_DMOP_MEM_CACHEATTR_WT,
            XEN_DMOP_MEM_CACHEATTR_WP,
            XEN_DMOP_MEM_CACHEATTR_WB,
            XEN_DMOP_MEM_CACHEATTR_UCM
        ],
        [0, 1, 4, 5, 6, 7]
    );
    assert_eq!(XEN_DMOP_DELETE_MEM_CACHEATTR, !0u32);
    assert_eq!(
        (
            XENMEM_resource_ioreq_server,
            XENMEM_resource_ioreq_server_frame_bufioreq
        ),
        (0, 0)
    );
    let removed = constant_group("hvmop_io_range").unwrap();
    assert_eq!(
        (removed.visibility, removed.last_header_release),
        (Visibility::Removed, Some(Release::Xen4_8))
    );
}

#[test]
fn pci_sbdf() {
    // ((s & 0xffff) << 16) | ((b & 0xff) << 8) | ((d & 0x1f) << 3) | (f & 7)
    assert_eq!(XEN_DMOP_PCI_SBDF(0, 0, 3, 0), 0x18);
    assert_eq!(XEN_DMOP_PCI_SBDF(0x1234, 0x56, 0x1f, 7), 0x1234_56ff);
    assert_eq!(XEN_DMOP_PCI_SBDF(0x1_0000, 0x100, 0x20, 8), 0);
    assert_eq!(HVMOP_PCI_SBDF(1, 2, 3, 4), XEN_DMOP_PCI_SBDF(1, 2, 3, 4));
}

#[test]
fn errno_values() {
    let expected = [
        (Errno::EPERM, 1),
        (Errno::ENOENT, 2),
        (Errno::ESRCH, 3),
        (Errno::E2BIG, 7),
        (Errno::EAGAIN, 11),
        (Errno::ENOMEM, 12),
        (Errno::EFAULT, 14),
        (Errno::EBUSY, 16),
        (Errno::EEXIST, 17),
        (Errno::EINVAL, 22),
        (Errno::ENOSPC, 28),
        (Errno::ENOSYS, 38),
        (Errno::ENODATA, 61),
        (Errno::ERESTART, 85),
        (Errno::EOPNOTSUPP, 95),
    ];
    for (errno, value) in expected {
        assert_eq!(errno.value(), value);
        assert_eq!(Errno::from_value(value), Some(errno));
        assert_eq!(Errno::from_name(errno.name()), Some(errno));
    }
    assert!(Errno::ERESTART.is_internal());
    assert!(!Errno::EINVAL.is_internal());
    assert_eq!(Errno::from_value(4), None);
    assert_eq!(Errno::EINVAL.to_string(), "EINVAL (22): invalid argument");
}

#[test]
fn limits_and_server_ids() {
    assert_eq!(
        (MAX_NR_IOREQ_SERVERS, MAX_NR_IO_RANGES, HVMOP_op_mask),
        (8, 256, 0xff)
    );
    assert_eq!(limit("maxDmopBufs", Release::Xen4_9), Some(2));
    assert_eq!(limit("maxDmopBufs", Release::Xen4_8), None);
    assert_eq!(
        limit("setMemTypePreemptInterval", Release::Xen4_22),
        Some(256)
    );
    assert_eq!(
        LIMITS
            .iter()
            .find(|l| l.id == "maxIoRanges")
            .and_then(|l| l.error),
        Some(Errno::ENOMEM)
    );
    let counter = ioreq_server_id_scheme(Release::Xen4_10).unwrap();
    assert_eq!(
        (counter.scheme, counter.exhausted),
        (IoreqServerIds::Counter, Errno::ENOMEM)
    );
    assert_eq!(
        ioreq_server_id_scheme(Release::Xen4_11).unwrap().scheme,
        IoreqServerIds::Slots { first: 1, last: 7 }
    );
    let slots = ioreq_server_id_scheme(Release::Xen4_12).unwrap();
    assert_eq!(
        (slots.scheme, slots.exhausted),
        (IoreqServerIds::Slots { first: 0, last: 7 }, Errno::ENOSPC)
    );
}

#[test]
fn releases_and_interface_versions() {
    let expected = [
        ("4.5", 0x00040400, ToolsOps::HvmOp),
        ("4.6", 0x00040600, ToolsOps::HvmOp),
        ("4.7", 0x00040700, ToolsOps::HvmOp),
        ("4.8", 0x00040800, ToolsOps::HvmOp),
        ("4.9", 0x00040900, ToolsOps::DmOp),
        ("4.10", 0x00040900, ToolsOps::DmOp),
        ("4.11", 0x00040900, ToolsOps::DmOp),
        ("4.12", 0x00040a00, ToolsOps::DmOp),
        ("4.13", 0x00040d00, ToolsOps::DmOp),
        ("4.14", 0x00040e00, ToolsOps::DmOp),
        ("4.15", 0x00040e00, ToolsOps::DmOp),
        ("4.16", 0x00040e00, ToolsOps::DmOp),
        ("4.17", 0x00040e00, ToolsOps::DmOp),
        ("4.18", 0x00040e00, ToolsOps::DmOp),
        ("4.19", 0x00041300, ToolsOps::DmOp),
        ("4.20", 0x00041300, ToolsOps::DmOp),
        ("4.21", 0x00041300, ToolsOps::DmOp),
        ("4.22", 0x00041300, ToolsOps::DmOp),
    ];
    assert_eq!(Release::ALL.len(), expected.len());
    for (release, (name, iface, tools_ops)) in Release::ALL.iter().zip(expected) {
        assert_eq!(
            (
                release.name(),
                release.latest_interface_version(),
                release.tools_ops()
            ),
            (name, iface, tools_ops)
        );
        assert_eq!(Release::from_name(name), Some(*release));
    }
    assert_eq!(
        (ToolsOps::HvmOp.hypercall(), ToolsOps::DmOp.hypercall()),
        (34, 41)
    );
    // "4.10" is not 4.1, and comes after "4.9".
    assert!(Release::Xen4_10 > Release::Xen4_9);
    assert_eq!(Release::from_name("4.1"), None);
    assert_eq!(Release::LATEST, Release::Xen4_22);
    assert_eq!(Release::Xen4_9.info().date, "2017-06-27");
    assert!(!Release::Xen4_5.info().behaviour_recorded);
}

#[test]
fn parsing_interface_versions() {
    assert_eq!(parse_interface_version("0x00040700"), Ok(0x00040700));
    assert_eq!(parse_interface_version("0x0"), Ok(0));
    assert_eq!(parse_interface_version("4.7"), Ok(0x00040700));
    assert_eq!(parse_interface_version("4.10"), Ok(0x00040900));
    assert_eq!(parse_interface_version("4.22"), Ok(0x00041300));
    assert_eq!(
        parse_interface_version("0x00041400"),
        Err(InterfaceVersionError::AboveLatest(0x00041400))
    );
    for bad in [
        "",
        "0x",
        "0x123456789",
        "0xg",
        "00040700",
        "4.1",
        "4.23",
        "latest",
    ] {
        assert_eq!(
            parse_interface_version(bad),
            Err(InterfaceVersionError::Malformed),
            "{bad:?}"
        );
    }
}
