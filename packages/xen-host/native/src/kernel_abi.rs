//! TEMPORARY: Linux's Xen kernel interface (include/uapi/xen/privcmd.h and evtchn.h @ v6.1) and the
//! xen_version hypercall, until the schema's generated constants (crate `xenmem-abi`) carry them under
//! these same names; then this file goes and `use xenmem_abi::…` takes its place. Nothing else in the
//! crate spells a number of the kernel interface.
#![allow(non_camel_case_types, non_upper_case_globals)]

/// `_IOC(_IOC_NONE, 'P', 0, sizeof(struct privcmd_hypercall))`.
pub const IOCTL_PRIVCMD_HYPERCALL: u32 = 0x0030_5000;
/// `_IOC(_IOC_NONE, 'P', 4, sizeof(struct privcmd_mmapbatch_v2))`.
pub const IOCTL_PRIVCMD_MMAPBATCH_V2: u32 = 0x0020_5004;
/// `_IOC(_IOC_NONE, 'P', 5, sizeof(struct privcmd_dm_op))`.
pub const IOCTL_PRIVCMD_DM_OP: u32 = 0x0010_5005;
/// `_IOC(_IOC_NONE, 'P', 6, sizeof(domid_t))`.
pub const IOCTL_PRIVCMD_RESTRICT: u32 = 0x0002_5006;
/// `_IOC(_IOC_NONE, 'P', 7, sizeof(struct privcmd_mmap_resource))`.
pub const IOCTL_PRIVCMD_MMAP_RESOURCE: u32 = 0x0020_5007;
/// `_IOC(_IOC_NONE, 'E', 1, sizeof(struct ioctl_evtchn_bind_interdomain))`.
pub const IOCTL_EVTCHN_BIND_INTERDOMAIN: u32 = 0x0008_4501;
/// `_IOC(_IOC_NONE, 'E', 3, sizeof(struct ioctl_evtchn_unbind))`.
pub const IOCTL_EVTCHN_UNBIND: u32 = 0x0004_4503;
/// `_IOC(_IOC_NONE, 'E', 4, sizeof(struct ioctl_evtchn_notify))`.
pub const IOCTL_EVTCHN_NOTIFY: u32 = 0x0004_4504;
/// `_IOC(_IOC_NONE, 'E', 6, sizeof(struct ioctl_evtchn_restrict_domid))`.
pub const IOCTL_EVTCHN_RESTRICT_DOMID: u32 = 0x0002_4506;
/// xen/include/public/xen.h.
pub const __HYPERVISOR_xen_version: u32 = 17;
/// xen/include/public/version.h: returns (major << 16) | minor.
pub const XENVER_version: u32 = 0;

/// struct privcmd_hypercall: the hypercall number and its five arguments.
#[repr(C)]
#[derive(Default)]
pub struct privcmd_hypercall {
    pub op: u64,
    pub arg: [u64; 5],
}

/// struct privcmd_dm_op_buf: one buffer of a dm_op.
#[repr(C)]
#[derive(Default)]
pub struct privcmd_dm_op_buf {
    pub uptr: u64,
    pub size: u64,
}

/// struct privcmd_dm_op: the target domain and the buffers.
#[repr(C)]
#[derive(Default)]
pub struct privcmd_dm_op {
    pub dom: u16,
    pub num: u16,
    pub _pad_at_4: [u8; 4],
    pub ubufs: u64,
}

/// struct privcmd_mmapbatch_v2: maps `num` frames of `dom` at `addr`, an errno per frame in `err`.
#[repr(C)]
#[derive(Default)]
pub struct privcmd_mmapbatch_v2 {
    pub num: u32,
    pub dom: u16,
    pub _pad_at_6: [u8; 2],
    pub addr: u64,
    pub arr: u64,
    pub err: u64,
}

/// struct privcmd_mmap_resource: maps `num` frames of a resource from frame `idx` at `addr`.
#[repr(C)]
#[derive(Default)]
pub struct privcmd_mmap_resource {
    pub dom: u16,
    pub _pad_at_2: [u8; 2],
    pub r#type: u32,
    pub id: u32,
    pub idx: u32,
    pub num: u64,
    pub addr: u64,
}

/// struct ioctl_evtchn_bind_interdomain.
#[repr(C)]
#[derive(Default)]
pub struct ioctl_evtchn_bind_interdomain {
    pub remote_domain: u32,
    pub remote_port: u32,
}

/// struct ioctl_evtchn_unbind.
#[repr(C)]
#[derive(Default)]
pub struct ioctl_evtchn_unbind {
    pub port: u32,
}

/// struct ioctl_evtchn_notify.
#[repr(C)]
#[derive(Default)]
pub struct ioctl_evtchn_notify {
    pub port: u32,
}

/// struct ioctl_evtchn_restrict_domid.
#[repr(C)]
#[derive(Default)]
pub struct ioctl_evtchn_restrict_domid {
    pub domid: u16,
}

const _: () = assert!(core::mem::size_of::<privcmd_hypercall>() == 48);
const _: () = assert!(core::mem::size_of::<privcmd_dm_op>() == 16);
const _: () = assert!(core::mem::size_of::<privcmd_mmapbatch_v2>() == 32);
const _: () = assert!(core::mem::size_of::<privcmd_mmap_resource>() == 32);
const _: () = assert!(core::mem::offset_of!(privcmd_mmap_resource, num) == 16);
