//! Lookups over the generated internal p2m tables: a type's name at a release and back, set_mem_type's
//! per-page transition, and the get_mem_type projection. The tables come from the schema
//! (`generated.rs`); the generated test module checks these lookups against the schema's data.

use crate::generated::{Errno, Release, GET_MEM_TYPE, P2M_TYPE_NAMES, TRANSITIONS};

/// The name of internal p2m type `value` at `release`, if the type exists there.
///
/// schema: `p2mTypes[].names`
pub fn p2m_name_at(release: Release, value: u8) -> Option<&'static str> {
    P2M_TYPE_NAMES
        .iter()
        .find(|n| n.value == value && n.releases.contains(release))
        .map(|n| n.name)
}

/// The internal p2m type called `name` at `release`.
///
/// schema: `p2mTypes[].names`
pub fn p2m_value_at(release: Release, name: &str) -> Option<u8> {
    P2M_TYPE_NAMES
        .iter()
        .find(|n| n.name == name && n.releases.contains(release))
        .map(|n| n.value)
}

/// The per-page outcome of set_mem_type at `release` for a page of internal type `from` and hvmmem number
/// `to`, as the table has it: `Ok(())` if the page changes, else its errno. `None` when the schema has no
/// entry: the release is not recorded, or the number never reaches the loop (see
/// [`hvmmem_acceptance`](crate::hvmmem_acceptance)).
///
/// schema: `transitions`
pub fn p2m_transition(release: Release, from: u8, to: u16) -> Option<Result<(), Errno>> {
    let table = TRANSITIONS.iter().find(|t| t.releases.contains(release))?;
    let row = table.rows.iter().find(|r| r.from == from)?;
    row.to
        .iter()
        .find(|(value, _)| *value == to)
        .map(|(_, outcome)| *outcome)
}

/// The hvmmem number get_mem_type reports at `release` for a page of internal type `p2m`; `None` when the
/// schema does not record that release or the type is unknown. The projection is lossy: log-dirty and
/// shared pages report ram_ro, holes report mmio_dm.
///
/// schema: `getMemType`
pub fn get_mem_type(release: Release, p2m: u8) -> Option<u16> {
    let table = GET_MEM_TYPE.iter().find(|t| t.releases.contains(release))?;
    table.by_p2m.get(usize::from(p2m)).copied()
}
