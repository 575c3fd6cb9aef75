//! Xen's HVM memory-type ABI as Rust data: `hvmmem_type_t` names per interface version and what each
//! hypervisor release does with each number, HVMOP and DMOP numbers, the `#[repr(C)]` structs of the DM ops,
//! the HVMOPs and the ioreq protocol (layouts checked at compile time), and the internal p2m types with
//! their classes, set_mem_type transitions and get_mem_type projection per release.
//!
//! Every Xen fact comes from the xenmem schema (`schema/xen-abi.json`) through `packages/codegen/rust/`, as
//! data: the generated module is re-exported here as is. The lookups over its tables are hand-written
//! (`hvmmem.rs`, `p2m.rs`), as the TS runtime's are, and the generated test module checks them against
//! the schema. This file adds helpers that combine the tables.
//!
//! ```
//! use xenmem_abi::*;
//!
//! // One number, two names: __XEN_INTERFACE_VERSION__ picks which.
//! assert_eq!(hvmmem_name_at(0x00040600, HVMMEM_unused), Some("mmio_write_dm"));
//! assert_eq!(hvmmem_name_at(0x00040700, HVMMEM_unused), Some("unused"));
//!
//! // From 4.9 only ram_rw pages may become ioreq_server.
//! assert_eq!(p2m_transition(Release::Xen4_8, p2m_ram_ro, HVMMEM_ioreq_server), Some(Ok(())));
//! assert_eq!(p2m_transition(Release::Xen4_9, p2m_ram_ro, HVMMEM_ioreq_server), Some(Err(Errno::EINVAL)));
//!
//! // A DM op as Xen reads it from buf[0].
//! let mut op = xen_dm_op::ZERO;
//! op.op = XEN_DMOP_set_mem_type;
//! op.u.set_mem_type = xen_dm_op_set_mem_type { nr: 16, mem_type: HVMMEM_ram_ro, pad: 0, first_pfn: 0x100 };
//! assert_eq!(core::mem::size_of_val(&op), 32);
//! ```
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

// Generated code keeps the generator's layout (one table row per line); rustfmt leaves it alone.
#[rustfmt::skip]
mod generated;
mod hvmmem;
mod p2m;

pub use generated::*;
pub use hvmmem::{hvmmem_acceptance, hvmmem_name_at, hvmmem_value_at};
pub use p2m::{get_mem_type, p2m_name_at, p2m_transition, p2m_value_at};

/// Why a text is not a usable interface version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InterfaceVersionError {
    /// Neither `0x` followed by 1 to 8 hex digits nor a release name of the schema.
    Malformed,
    /// Above [`XEN_LATEST_INTERFACE_VERSION`]: Xen's headers refuse it with `#error`.
    AboveLatest(u32),
}

impl core::fmt::Display for InterfaceVersionError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            InterfaceVersionError::Malformed => {
                f.write_str("not an interface version: expected 0x followed by up to 8 hex digits, or a release name such as \"4.7\"")
            }
            InterfaceVersionError::AboveLatest(v) => {
                write!(f, "interface version {v:#010x} is above the latest, {XEN_LATEST_INTERFACE_VERSION:#010x}")
            }
        }
    }
}

impl core::error::Error for InterfaceVersionError {}

/// Reads an interface version written as `0x00040700` or as a release name (`"4.7"`, meaning that
/// release's `__XEN_LATEST_INTERFACE_VERSION__`). A version above the latest is an error, as in Xen's
/// headers.
pub fn parse_interface_version(text: &str) -> Result<u32, InterfaceVersionError> {
    let value = match text.strip_prefix("0x") {
        Some(digits)
            if (1..=8).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            u32::from_str_radix(digits, 16).map_err(|_| InterfaceVersionError::Malformed)?
        }
        Some(_) => return Err(InterfaceVersionError::Malformed),
        None => Release::from_name(text)
            .ok_or(InterfaceVersionError::Malformed)?
            .latest_interface_version(),
    };
    if value > XEN_LATEST_INTERFACE_VERSION {
        return Err(InterfaceVersionError::AboveLatest(value));
    }
    Ok(value)
}

/// The hvmmem names in force at interface version `iface`, by number (none above the latest version).
pub fn hvmmem_names_at(iface: u32) -> impl Iterator<Item = &'static HvmmemName> {
    HVMMEM_NAMES
        .iter()
        .filter(move |n| iface <= XEN_LATEST_INTERFACE_VERSION && n.iface.contains(iface))
}

/// What set_mem_type at `release` does to one page of internal type `old` when asked for hvmmem number
/// `value`, given that the requirements it checks before its loop hold (see [`HvmmemAcceptance`]): the
/// page's new internal type, or the errno. A refused number gives its pre-loop errno, and a
/// populate-on-demand page is judged as the `p2m_ram_rw` page the lookup turns it into. `None` when the
/// schema does not record the release.
pub fn set_mem_type_page(release: Release, old: u8, value: u16) -> Option<Result<u8, Errno>> {
    let p2m = match hvmmem_acceptance(release, value)? {
        HvmmemAcceptance::Refused(errno) => return Some(Err(errno)),
        HvmmemAcceptance::Accepted { p2m, .. } => p2m,
    };
    let table = TRANSITIONS.iter().find(|t| t.releases.contains(release))?;
    let populated =
        u32::from(old) < P2mTypeMask::BITS && table.populated_by_lookup & (1 << old) != 0;
    let old = if populated { p2m_ram_rw } else { old };
    Some(p2m_transition(release, old, value)?.map(|()| p2m))
}
