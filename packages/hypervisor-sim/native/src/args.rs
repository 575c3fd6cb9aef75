//! The p2m core's argument checks, over the integer check both addons share (xenmem-napi's `int_in`).
//! A failed check names the argument and its range in the same words as the TypeScript core
//! (src/p2m/ts-core.ts), so both cores throw the same message; the napi layer turns these messages into
//! `InvalidArg` errors, which the wrapper rethrows as RangeError.

use xenmem_napi::{int_in, MAX_SAFE_INTEGER};

/// A gfn or page count of a call that clips to the table (any safe integer ≥ 0).
pub fn safe_index(name: &str, v: f64) -> Result<u64, String> {
    int_in(name, v, MAX_SAFE_INTEGER, "")
}

/// A p2m type number.
pub fn p2m_type(name: &str, v: f64, type_count: usize) -> Result<u8, String> {
    int_in(name, v, type_count as u64 - 1, " (a p2m type)").map(|t| t as u8)
}

/// A range `first`, `count` that must lie in 0…`max_gpfn`; returns (first, end) with end exclusive.
/// `count` may be 0 (an empty range at a valid gfn).
pub fn range_in_table(first: f64, count: f64, max_gpfn: u32) -> Result<(u64, u64), String> {
    let max_gpfn = u64::from(max_gpfn);
    let first = int_in("first", first, max_gpfn, " (maxGpfn)")?;
    let room = max_gpfn + 1 - first;
    let count = int_in(
        "count",
        count,
        room,
        &format!(" (the range must end at maxGpfn {max_gpfn} or below)"),
    )?;
    Ok((first, first + count))
}

/// A range `first`, `count` that is clipped to the table later; returns (first, end) with end exclusive.
pub fn range_clipped(first: f64, count: f64) -> Result<(u64, u64), String> {
    let first = safe_index("first", first)?;
    let count = safe_index("count", count)?;
    Ok((first, first + count))
}

/// The per-old-type outcome table of a retype: 0 or a positive errno per type.
pub fn outcome_table(outcomes: &[i32], type_count: usize) -> Result<Vec<u32>, String> {
    if outcomes.len() != type_count {
        return Err(format!(
            "outcomes must have {type_count} entries (one per p2m type), got {}",
            outcomes.len()
        ));
    }
    outcomes
        .iter()
        .enumerate()
        .map(|(i, &o)| {
            u32::try_from(o)
                .map_err(|_| format!("outcomes[{i}] must be 0 or a positive errno, got {o}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_ranges_end_at_max_gpfn() {
        assert_eq!(
            range_in_table(0.0, 4294967296.0, u32::MAX),
            Ok((0, 1 << 32))
        );
        assert_eq!(
            range_in_table(4294967295.0, 1.0, u32::MAX),
            Ok((u32::MAX as u64, 1 << 32))
        );
        assert_eq!(range_in_table(5.0, 0.0, 5), Ok((5, 5)));
        assert_eq!(
            range_in_table(6.0, 0.0, 5),
            Err("first must be an integer in 0…5 (maxGpfn), got 6".to_owned())
        );
        assert_eq!(
            range_in_table(4.0, 3.0, 5),
            Err(
                "count must be an integer in 0…2 (the range must end at maxGpfn 5 or below), got 3"
                    .to_owned()
            )
        );
    }

    #[test]
    fn outcome_tables_have_one_non_negative_entry_per_type() {
        assert_eq!(outcome_table(&[0, 22], 2), Ok(vec![0, 22]));
        assert_eq!(
            outcome_table(&[0; 15], 16),
            Err("outcomes must have 16 entries (one per p2m type), got 15".to_owned())
        );
        assert_eq!(
            outcome_table(&[0, -22], 2),
            Err("outcomes[1] must be 0 or a positive errno, got -22".to_owned())
        );
    }
}
