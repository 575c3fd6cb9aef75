//! Lookups over the generated hvmmem tables: a number's name at an interface version, a name's number,
//! and what set_mem_type at a release does with a number before its loop. The tables come from the
//! schema (`generated.rs`); the generated test module checks these lookups against the schema's data.

use crate::generated::{
    HvmmemAcceptance, Release, HVMMEM_ACCEPTANCE, HVMMEM_NAMES, HVMMEM_UNLISTED_ERROR,
    XEN_LATEST_INTERFACE_VERSION,
};

/// The name of hvmmem number `value` at interface version `iface`, as the newest headers give it when
/// `__XEN_INTERFACE_VERSION__` is `iface` (so 3 is "mmio_write_dm" below 0x00040700 and "unused" from it).
/// `None` if the number has no name there, or `iface` is above [`XEN_LATEST_INTERFACE_VERSION`].
///
/// schema: `hvmmemTypes[].names[].iface`
pub const fn hvmmem_name_at(iface: u32, value: u16) -> Option<&'static str> {
    if iface > XEN_LATEST_INTERFACE_VERSION {
        return None;
    }
    // A `while` loop: iterators are not available in a const fn.
    let mut i = 0;
    while i < HVMMEM_NAMES.len() {
        let n = &HVMMEM_NAMES[i];
        if n.value == value && n.iface.contains(iface) {
            return Some(n.name);
        }
        i += 1;
    }
    None
}

/// The hvmmem number called `name` at interface version `iface`. Takes the short name ("unused") or the C
/// name ("HVMMEM_unused"). `None` if no number has that name there, or `iface` is above
/// [`XEN_LATEST_INTERFACE_VERSION`].
///
/// schema: `hvmmemTypes[].names[].iface`
pub fn hvmmem_value_at(iface: u32, name: &str) -> Option<u16> {
    if iface > XEN_LATEST_INTERFACE_VERSION {
        return None;
    }
    HVMMEM_NAMES
        .iter()
        .find(|n| (n.name == name || n.c_name == name) && n.iface.contains(iface))
        .map(|n| n.value)
}

/// What set_mem_type at `release` does with hvmmem number `value` before its loop. `None` when the
/// schema does not record that release's behaviour for the number; a number no header ever named is
/// refused with [`HVMMEM_UNLISTED_ERROR`].
///
/// schema: `hvmmemTypes[].hypervisor`, `unlistedHvmmemError`
pub fn hvmmem_acceptance(release: Release, value: u16) -> Option<HvmmemAcceptance> {
    if !release.info().behaviour_recorded {
        return None;
    }
    if let Some(entry) = HVMMEM_ACCEPTANCE
        .iter()
        .find(|e| e.value == value && e.releases.contains(release))
    {
        return Some(entry.acceptance);
    }
    if HVMMEM_NAMES.iter().any(|n| n.value == value) {
        None
    } else {
        Some(HvmmemAcceptance::Refused(HVMMEM_UNLISTED_ERROR))
    }
}
