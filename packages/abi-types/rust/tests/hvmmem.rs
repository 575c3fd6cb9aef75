//! hvmmem_type_t: names per interface version and what each hypervisor release does with each number.
//! Expected values are Xen's (xen/include/public/hvm/hvm_op.h hvmmem_type_t; xen/arch/x86/hvm/hvm.c hvmop_set_mem_type() @ RELEASE-4.6.0–4.8.0; xen/arch/x86/hvm/dm.c set_mem_type() @ RELEASE-4.9.0 and later), written out here, not read from the schema.

use xenmem_abi::*;

#[test]
fn every_number_has_a_constant_and_three_has_both_names() {
    assert_eq!(HVMMEM_ram_rw, 0);
    assert_eq!(HVMMEM_ram_ro, 1);
    assert_eq!(HVMMEM_mmio_dm, 2);
    assert_eq!(HVMMEM_mmio_write_dm, 3);
    assert_eq!(HVMMEM_unused, 3);
    assert_eq!(HVMMEM_ioreq_server, 4);
}

#[test]
fn three_is_mmio_write_dm_below_0x00040700_and_unused_from_it() {
    // hvm_op.h: #if __XEN_INTERFACE_VERSION__ < 0x00040700 gives mmio_write_dm, #else unused.
    assert_eq!(hvmmem_name_at(0x00040600, 3), Some("mmio_write_dm"));
    assert_eq!(hvmmem_name_at(0x000406ff, 3), Some("mmio_write_dm"));
    assert_eq!(hvmmem_name_at(0x00040700, 3), Some("unused"));
    assert_eq!(hvmmem_name_at(0x00041300, 3), Some("unused"));
    // An undefined __XEN_INTERFACE_VERSION__ is 0x00000000: the legacy name.
    assert_eq!(
        hvmmem_name_at(XEN_INTERFACE_VERSION_UNDEFINED, 3),
        Some("mmio_write_dm")
    );
}

#[test]
fn ioreq_server_is_four_at_every_version() {
    for iface in [
        0x00000000, 0x00040600, 0x00040700, 0x00040800, 0x00040900, 0x00041300,
    ] {
        assert_eq!(
            hvmmem_name_at(iface, 4),
            Some("ioreq_server"),
            "{iface:#010x}"
        );
        assert_eq!(
            hvmmem_value_at(iface, "ioreq_server"),
            Some(4),
            "{iface:#010x}"
        );
    }
}

#[test]
fn names_resolve_only_where_the_headers_define_them() {
    assert_eq!(hvmmem_value_at(0x00040600, "mmio_write_dm"), Some(3));
    assert_eq!(hvmmem_value_at(0x00040700, "mmio_write_dm"), None);
    assert_eq!(hvmmem_value_at(0x00040600, "unused"), None);
    assert_eq!(hvmmem_value_at(0x00040700, "HVMMEM_unused"), Some(3));
    assert_eq!(hvmmem_value_at(0x00040700, "ram_ro"), Some(1));
    assert_eq!(hvmmem_value_at(0x00040700, "no_such_type"), None);
    assert_eq!(hvmmem_name_at(0x00040700, 5), None);
}

#[test]
fn a_version_above_the_latest_has_no_names() {
    // Xen 4.22's headers stop the build with #error above 0x00041300.
    assert_eq!(XEN_LATEST_INTERFACE_VERSION, 0x00041300);
    assert_eq!(hvmmem_name_at(0x00041400, 0), None);
    assert_eq!(hvmmem_value_at(0x00041400, "ram_rw"), None);
}

#[test]
fn names_at_lists_one_name_per_number() {
    let legacy: Vec<(u16, &str)> = hvmmem_names_at(0x00040600)
        .map(|n| (n.value, n.name))
        .collect();
    assert_eq!(
        legacy,
        [
            (0, "ram_rw"),
            (1, "ram_ro"),
            (2, "mmio_dm"),
            (3, "mmio_write_dm"),
            (4, "ioreq_server")
        ]
    );
    let current: Vec<(u16, &str)> = hvmmem_names_at(0x00041300)
        .map(|n| (n.value, n.name))
        .collect();
    assert_eq!(
        current,
        [
            (0, "ram_rw"),
            (1, "ram_ro"),
            (2, "mmio_dm"),
            (3, "unused"),
            (4, "ioreq_server")
        ]
    );
    assert_eq!(hvmmem_names_at(0x00041400).count(), 0);
}

#[test]
fn value_three_is_accepted_only_by_4_6() {
    assert_eq!(
        hvmmem_acceptance(Release::Xen4_6, 3),
        Some(HvmmemAcceptance::Accepted {
            p2m: p2m_mmio_write_dm,
            requires: &[]
        })
    );
    for release in [
        Release::Xen4_7,
        Release::Xen4_8,
        Release::Xen4_9,
        Release::Xen4_22,
    ] {
        assert_eq!(
            hvmmem_acceptance(release, 3),
            Some(HvmmemAcceptance::Refused(Errno::EINVAL)),
            "{release}"
        );
    }
}

#[test]
fn value_four_outside_the_table_before_4_8_then_without_checks_then_with_hap_and_claim() {
    // 4.6 and 4.7 translate only 4 numbers.
    assert_eq!(
        hvmmem_acceptance(Release::Xen4_6, 4),
        Some(HvmmemAcceptance::Refused(Errno::EINVAL))
    );
    assert_eq!(
        hvmmem_acceptance(Release::Xen4_7, 4),
        Some(HvmmemAcceptance::Refused(Errno::EINVAL))
    );
    // 4.8: p2m_ioreq_server (15), no HAP or claim check.
    assert_eq!(
        hvmmem_acceptance(Release::Xen4_8, 4),
        Some(HvmmemAcceptance::Accepted {
            p2m: 15,
            requires: &[]
        })
    );
    // 4.9+: HAP first (EOPNOTSUPP), then a claiming server (EINVAL).
    for release in [Release::Xen4_9, Release::Xen4_15, Release::Xen4_22] {
        let Some(HvmmemAcceptance::Accepted { p2m, requires }) = hvmmem_acceptance(release, 4)
        else {
            panic!("{release} should accept 4");
        };
        assert_eq!(p2m, 15);
        assert_eq!(requires, [Requirement::Hap, Requirement::Claim]);
        assert_eq!(
            requires.iter().map(|r| r.error()).collect::<Vec<_>>(),
            [Errno::EOPNOTSUPP, Errno::EINVAL]
        );
    }
}

#[test]
fn plain_ram_types_map_to_their_p2m_types_everywhere() {
    for release in [Release::Xen4_6, Release::Xen4_9, Release::Xen4_22] {
        assert_eq!(
            hvmmem_acceptance(release, HVMMEM_ram_rw),
            Some(HvmmemAcceptance::Accepted {
                p2m: 0,
                requires: &[]
            })
        );
        assert_eq!(
            hvmmem_acceptance(release, HVMMEM_ram_ro),
            Some(HvmmemAcceptance::Accepted {
                p2m: 3,
                requires: &[]
            })
        );
        assert_eq!(
            hvmmem_acceptance(release, HVMMEM_mmio_dm),
            Some(HvmmemAcceptance::Accepted {
                p2m: 4,
                requires: &[]
            })
        );
    }
}

#[test]
fn unlisted_numbers_are_einval_and_unrecorded_releases_are_unknown() {
    // 4.9+: mem_type >= 5 is EINVAL.
    assert_eq!(
        hvmmem_acceptance(Release::Xen4_22, 5),
        Some(HvmmemAcceptance::Refused(Errno::EINVAL))
    );
    assert_eq!(
        hvmmem_acceptance(Release::Xen4_9, 0xffff),
        Some(HvmmemAcceptance::Refused(Errno::EINVAL))
    );
    assert_eq!(hvmmem_acceptance(Release::Xen4_5, 0), None);
}
