//! Argument checks. Every number arrives from JavaScript as an f64, so each one is proved to be an
//! integer in its range before it becomes a u64. A failed check names the argument and its range in
//! the same words as the TypeScript core (src/p2m/ts-core.ts), so both cores throw the same message;
//! the napi layer turns these messages into `InvalidArg` errors, which the wrapper rethrows as RangeError.

/// 2^53 − 1: the largest integer an f64 holds exactly (JS `Number.MAX_SAFE_INTEGER`).
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// `v` as JavaScript's `String(v)` writes it, for the values an argument check can see.
pub fn js_number(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
    } else if v == 0.0 {
        "0".to_owned() // String(-0) is "0"
    } else if v.fract() == 0.0 && v.abs() < 1e21 {
        format!("{}", v as i128)
    } else {
        format!("{v}")
    }
}

/// `v` as an integer in 0…`max`; `note` is appended to the range in the message.
pub fn int_in(name: &str, v: f64, max: u64, note: &str) -> Result<u64, String> {
    // NaN fails every comparison, so it is rejected here with the fractional and negative values.
    if v >= 0.0 && v.fract() == 0.0 && v <= max as f64 {
        Ok(v as u64)
    } else {
        Err(format!(
            "{name} must be an integer in 0…{max}{note}, got {}",
            js_number(v)
        ))
    }
}

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
    fn numbers_print_as_javascript_prints_them() {
        assert_eq!(js_number(f64::NAN), "NaN");
        assert_eq!(js_number(f64::INFINITY), "Infinity");
        assert_eq!(js_number(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(js_number(-0.0), "0");
        assert_eq!(js_number(1.5), "1.5");
        assert_eq!(js_number(-1.0), "-1");
        assert_eq!(js_number(4294967296.0), "4294967296");
        assert_eq!(js_number(9007199254740992.0), "9007199254740992");
    }

    #[test]
    fn int_in_rejects_nan_fractions_negatives_and_too_large() {
        assert_eq!(int_in("x", 7.0, 10, ""), Ok(7));
        assert_eq!(int_in("x", -0.0, 10, ""), Ok(0));
        assert_eq!(int_in("x", 10.0, 10, ""), Ok(10));
        assert_eq!(
            int_in("x", f64::NAN, 10, ""),
            Err("x must be an integer in 0…10, got NaN".to_owned())
        );
        assert_eq!(
            int_in("x", 0.5, 10, ""),
            Err("x must be an integer in 0…10, got 0.5".to_owned())
        );
        assert_eq!(
            int_in("x", -1.0, 10, ""),
            Err("x must be an integer in 0…10, got -1".to_owned())
        );
        assert_eq!(
            int_in("x", 11.0, 10, " (n)"),
            Err("x must be an integer in 0…10 (n), got 11".to_owned())
        );
        assert!(int_in("x", f64::INFINITY, MAX_SAFE_INTEGER, "").is_err());
    }

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
