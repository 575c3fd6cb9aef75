//! JavaScript numbers as integers: the check every argument of both addons goes through first.

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

/// `v` as an integer in 0…`max`; otherwise a message naming `name`, the range (`note` appended to it)
/// and the value.
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
}
