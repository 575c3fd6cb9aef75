//! Internal p2m types, their classes, set_mem_type's per-page transitions and get_mem_type, per release.
//! Expected values are Xen's (p2m_type_t in xen/arch/x86/include/asm/p2m.h, asm-x86/p2m.h before 4.16;
//! hvm.c hvmop_set_mem_type() and hvmop_get_mem_type(); dm.c set_mem_type() at the release tags), written out here, not read from the schema.

use xenmem_abi::*;

const AFTER_4_9: [Release; 14] = [
    Release::Xen4_9,
    Release::Xen4_10,
    Release::Xen4_11,
    Release::Xen4_12,
    Release::Xen4_13,
    Release::Xen4_14,
    Release::Xen4_15,
    Release::Xen4_16,
    Release::Xen4_17,
    Release::Xen4_18,
    Release::Xen4_19,
    Release::Xen4_20,
    Release::Xen4_21,
    Release::Xen4_22,
];

const OK: Option<Result<(), Errno>> = Some(Ok(()));
const EINVAL: Option<Result<(), Errno>> = Some(Err(Errno::EINVAL));
const EAGAIN: Option<Result<(), Errno>> = Some(Err(Errno::EAGAIN));

#[test]
fn type_fifteen_is_renamed_in_4_8() {
    assert_eq!(p2m_name_at(Release::Xen4_5, 15), None);
    assert_eq!(p2m_name_at(Release::Xen4_6, 15), Some("p2m_mmio_write_dm"));
    assert_eq!(p2m_name_at(Release::Xen4_7, 15), Some("p2m_mmio_write_dm"));
    assert_eq!(p2m_name_at(Release::Xen4_8, 15), Some("p2m_ioreq_server"));
    assert_eq!(p2m_name_at(Release::Xen4_22, 15), Some("p2m_ioreq_server"));
    assert_eq!(p2m_value_at(Release::Xen4_7, "p2m_ioreq_server"), None);
    assert_eq!(p2m_value_at(Release::Xen4_9, "p2m_ioreq_server"), Some(15));
    assert_eq!((p2m_mmio_write_dm, p2m_ioreq_server), (15, 15));
}

#[test]
fn types_zero_to_fourteen_never_change() {
    let names = [
        "p2m_ram_rw",
        "p2m_invalid",
        "p2m_ram_logdirty",
        "p2m_ram_ro",
        "p2m_mmio_dm",
        "p2m_mmio_direct",
        "p2m_populate_on_demand",
        "p2m_grant_map_rw",
        "p2m_grant_map_ro",
        "p2m_ram_paging_out",
        "p2m_ram_paged",
        "p2m_ram_paging_in",
        "p2m_ram_shared",
        "p2m_ram_broken",
        "p2m_map_foreign",
    ];
    for release in [Release::Xen4_5, Release::Xen4_8, Release::Xen4_22] {
        for (value, name) in names.iter().enumerate() {
            assert_eq!(p2m_name_at(release, value as u8), Some(*name), "{release}");
        }
    }
}

#[test]
fn ioreq_server_moves_between_classes_in_4_9() {
    let bit = 1 << p2m_ioreq_server;
    // P2M_RAM_TYPES: ram_rw, logdirty, ram_ro, paging_out, paged, paging_in, shared; + ioreq_server from 4.9.
    let ram: P2mTypeMask = 1 << 0 | 1 << 2 | 1 << 3 | 1 << 9 | 1 << 10 | 1 << 11 | 1 << 12;
    assert_eq!(P2M_RAM_TYPES.at(Release::Xen4_8), Some(ram));
    assert_eq!(P2M_RAM_TYPES.at(Release::Xen4_9), Some(ram | bit));
    // P2M_RO_TYPES: logdirty, ram_ro, grant_map_ro, shared, and type 15 until 4.8.
    let ro: P2mTypeMask = 1 << 2 | 1 << 3 | 1 << 8 | 1 << 12;
    assert_eq!(P2M_RO_TYPES.at(Release::Xen4_6), Some(ro | bit));
    assert_eq!(P2M_RO_TYPES.at(Release::Xen4_8), Some(ro | bit));
    assert_eq!(P2M_RO_TYPES.at(Release::Xen4_9), Some(ro));
    // P2M_CHANGEABLE_TYPES: ram_rw, logdirty; + ioreq_server from 4.9.
    assert_eq!(
        P2M_CHANGEABLE_TYPES.at(Release::Xen4_8),
        Some(1 << 0 | 1 << 2)
    );
    assert_eq!(
        P2M_CHANGEABLE_TYPES.at(Release::Xen4_22),
        Some(1 << 0 | 1 << 2 | bit)
    );
    assert_eq!(
        P2M_RAM_TYPES.contains(Release::Xen4_9, p2m_ioreq_server),
        Some(true)
    );
    assert_eq!(P2M_RAM_TYPES.contains(Release::Xen4_5, p2m_ram_rw), None);
    assert_eq!(
        P2M_HOLE_TYPES.contains(Release::Xen4_22, p2m_invalid),
        Some(true)
    );
    assert_eq!(
        P2M_CLASSES
            .iter()
            .find(|c| c.predicate == Some("p2m_is_ram"))
            .map(|c| c.name),
        Some("P2M_RAM_TYPES")
    );
}

/// The 4.9+ matrix of xen/arch/x86/hvm/dm.c set_mem_type() @ RELEASE-4.9.0, rows by old type, columns ram_rw, ram_ro, mmio_dm, ioreq_server.
fn matrix_4_9(from: u8) -> [Option<Result<(), Errno>>; 4] {
    match from {
        0 => [OK, OK, OK, OK],
        1 => [EINVAL, EINVAL, OK, EINVAL],
        2 | 3 => [OK, OK, OK, EINVAL],
        4 => [EINVAL, EINVAL, OK, EINVAL],
        5..=8 | 13 | 14 => [EINVAL; 4],
        9..=12 => [EAGAIN; 4],
        15 => [OK, EINVAL, EINVAL, EINVAL],
        _ => unreachable!(),
    }
}

#[test]
fn transitions_from_4_9_allow_ioreq_server_only_from_and_back_to_ram_rw() {
    for release in AFTER_4_9 {
        for from in 0..16u8 {
            let got = [
                HVMMEM_ram_rw,
                HVMMEM_ram_ro,
                HVMMEM_mmio_dm,
                HVMMEM_ioreq_server,
            ]
            .map(|to| p2m_transition(release, from, to));
            assert_eq!(got, matrix_4_9(from), "{release} from p2m type {from}");
        }
        assert_eq!(
            p2m_transition(release, p2m_ram_ro, HVMMEM_ioreq_server),
            Some(Err(Errno::EINVAL))
        );
        assert_eq!(
            p2m_transition(release, p2m_ioreq_server, HVMMEM_ioreq_server),
            Some(Err(Errno::EINVAL))
        );
        // Value 3 never reaches the loop.
        assert_eq!(p2m_transition(release, p2m_ram_rw, 3), None);
    }
}

#[test]
fn transitions_in_4_8_let_any_ram_page_become_ioreq_server() {
    for from in 0..16u8 {
        let mut expected = matrix_4_9(from);
        if from == p2m_ram_logdirty || from == p2m_ram_ro {
            expected[3] = OK;
        }
        let got = [0, 1, 2, 4].map(|to| p2m_transition(Release::Xen4_8, from, to));
        assert_eq!(got, expected, "4.8 from p2m type {from}");
    }
    assert_eq!(
        p2m_transition(Release::Xen4_8, p2m_ram_ro, HVMMEM_ioreq_server),
        Some(Ok(()))
    );
}

#[test]
fn transitions_in_4_6_and_4_7_handle_mmio_write_dm() {
    // 4.6: RAM may become mmio_write_dm, and an mmio_write_dm page may go back to ram_rw only.
    assert_eq!(
        p2m_transition(Release::Xen4_6, p2m_ram_rw, HVMMEM_mmio_write_dm),
        OK
    );
    assert_eq!(
        p2m_transition(Release::Xen4_6, p2m_invalid, HVMMEM_mmio_write_dm),
        EINVAL
    );
    assert_eq!(
        p2m_transition(Release::Xen4_6, p2m_mmio_write_dm, HVMMEM_ram_rw),
        OK
    );
    assert_eq!(
        p2m_transition(Release::Xen4_6, p2m_mmio_write_dm, HVMMEM_ram_ro),
        EINVAL
    );
    // 4.7: leftover pages may still go back to ram_rw; value 3 is refused before the loop.
    assert_eq!(
        p2m_transition(Release::Xen4_7, p2m_mmio_write_dm, HVMMEM_ram_rw),
        OK
    );
    assert_eq!(
        p2m_transition(Release::Xen4_7, p2m_ram_rw, HVMMEM_unused),
        None
    );
    assert_eq!(
        p2m_transition(Release::Xen4_7, p2m_ram_paged, HVMMEM_ram_rw),
        EAGAIN
    );
    // No ioreq_server before 4.8.
    assert_eq!(
        p2m_transition(Release::Xen4_7, p2m_ram_rw, HVMMEM_ioreq_server),
        None
    );
    assert_eq!(
        p2m_transition(Release::Xen4_5, p2m_ram_rw, HVMMEM_ram_ro),
        None
    );
}

#[test]
fn set_mem_type_page_combines_acceptance_population_and_transition() {
    // A PoD page is populated to ram_rw by the lookup, so it may become ioreq_server in 4.9.
    assert_eq!(
        set_mem_type_page(Release::Xen4_9, p2m_populate_on_demand, HVMMEM_ioreq_server),
        Some(Ok(p2m_ioreq_server))
    );
    assert_eq!(
        p2m_transition(Release::Xen4_9, p2m_populate_on_demand, HVMMEM_ioreq_server),
        EINVAL
    );
    assert_eq!(
        set_mem_type_page(Release::Xen4_9, p2m_ram_ro, HVMMEM_ioreq_server),
        Some(Err(Errno::EINVAL))
    );
    assert_eq!(
        set_mem_type_page(Release::Xen4_8, p2m_ram_ro, HVMMEM_ioreq_server),
        Some(Ok(15))
    );
    assert_eq!(
        set_mem_type_page(Release::Xen4_9, p2m_ram_paged, HVMMEM_ram_rw),
        Some(Err(Errno::EAGAIN))
    );
    assert_eq!(
        set_mem_type_page(Release::Xen4_6, p2m_ram_rw, HVMMEM_mmio_write_dm),
        Some(Ok(p2m_mmio_write_dm))
    );
    assert_eq!(
        set_mem_type_page(Release::Xen4_7, p2m_ram_rw, HVMMEM_unused),
        Some(Err(Errno::EINVAL))
    );
    assert_eq!(
        set_mem_type_page(Release::Xen4_22, p2m_ram_rw, 9),
        Some(Err(Errno::EINVAL))
    );
    assert_eq!(
        set_mem_type_page(Release::Xen4_5, p2m_ram_rw, HVMMEM_ram_ro),
        None
    );
}

#[test]
fn get_mem_type_of_type_fifteen_per_release() {
    assert_eq!(get_mem_type(Release::Xen4_6, 15), Some(3)); // HVMMEM_mmio_write_dm
    assert_eq!(get_mem_type(Release::Xen4_7, 15), Some(1)); // leftover mmio_write_dm reports ram_ro
    for release in [
        Release::Xen4_8,
        Release::Xen4_9,
        Release::Xen4_14,
        Release::Xen4_22,
    ] {
        assert_eq!(get_mem_type(release, 15), Some(4), "{release}");
    }
    assert_eq!(get_mem_type(Release::Xen4_5, 15), None);
    assert_eq!(get_mem_type(Release::Xen4_22, 16), None);
}

#[test]
fn get_mem_type_is_lossy() {
    // xen/arch/x86/hvm/hvm.c hvmop_get_mem_type() @ RELEASE-4.8.0: the map for 4.8 and later.
    let expected: [u16; 15] = [0, 2, 1, 1, 2, 2, 0, 0, 1, 0, 0, 0, 1, 2, 2];
    for release in [
        Release::Xen4_6,
        Release::Xen4_7,
        Release::Xen4_8,
        Release::Xen4_22,
    ] {
        for (p2m, value) in expected.iter().enumerate() {
            assert_eq!(
                get_mem_type(release, p2m as u8),
                Some(*value),
                "{release} p2m {p2m}"
            );
        }
    }
}
