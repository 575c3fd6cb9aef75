//! The shm transport's argument checks. Every number arrives from JavaScript as an f64, so each one is
//! proved to be an integer in its range before it is used (xenmem-napi's `int_in`, which both addons
//! share). A failed check names the argument and the value it got; the napi layer turns these messages
//! into `InvalidArg` errors, which the TS wrapper rethrows as RangeError.

use xenmem_napi::{int_in, js_number};

/// Xen's page size: regions hold whole pages (the ioreq page, the buffered ioreq ring).
pub const PAGE_SIZE: u64 = 4096;
/// The largest region `create` makes: far above the few pages an ioreq server maps.
pub const MAX_CREATE_SIZE: u64 = 1 << 30;

/// The byte offset of a 32-bit word inside a region of `size` bytes: an integer, a multiple of 4,
/// with the whole word inside the region.
pub fn word_offset(v: f64, size: usize) -> Result<usize, String> {
    let last = size.saturating_sub(4);
    if v >= 0.0 && v.fract() == 0.0 && v <= last as f64 && (v as usize).is_multiple_of(4) {
        Ok(v as usize)
    } else {
        Err(format!(
            "offset must be a multiple of 4 in 0…{last} (a 32-bit word inside the {size}-byte region), got {}",
            js_number(v)
        ))
    }
}

/// A 32-bit word value: an integer in 0…2^32 − 1.
pub fn word_value(name: &str, v: f64) -> Result<u32, String> {
    int_in(name, v, u64::from(u32::MAX), " (a 32-bit word)").map(|w| w as u32)
}

/// The size of a new region: a positive multiple of 4096 up to 1 GiB.
pub fn create_size(v: f64) -> Result<usize, String> {
    if v > 0.0 && v.fract() == 0.0 && v <= MAX_CREATE_SIZE as f64 && (v as u64).is_multiple_of(PAGE_SIZE) {
        Ok(v as usize)
    } else {
        Err(format!(
            "size must be a positive multiple of 4096 up to 1073741824 (1 GiB), got {}",
            js_number(v)
        ))
    }
}

/// How many waiters `wake` may wake: an integer in 0…2^31 − 1 (FUTEX_WAKE takes an int).
pub fn wake_count(v: f64) -> Result<i32, String> {
    int_in("count", v, i32::MAX as u64, "").map(|n| n as i32)
}

/// A timeout in milliseconds: a number ≥ 0 (fractions allowed); Infinity waits forever (None).
pub fn timeout_ms(v: f64) -> Result<Option<std::time::Duration>, String> {
    if v == f64::INFINITY {
        Ok(None)
    } else if v >= 0.0 && v.is_finite() {
        Ok(Some(std::time::Duration::from_secs_f64(v / 1000.0)))
    } else {
        Err(format!(
            "timeoutMs must be a number ≥ 0 (Infinity waits forever), got {}",
            js_number(v)
        ))
    }
}

/// A spin time in microseconds: a number in 0…1000000 (a spin longer than a second is a bug).
pub fn spin_us(v: f64) -> Result<std::time::Duration, String> {
    if (0.0..=1e6).contains(&v) {
        Ok(std::time::Duration::from_secs_f64(v / 1e6))
    } else {
        Err(format!(
            "spinUs must be a number in 0…1000000 (microseconds), got {}",
            js_number(v)
        ))
    }
}

/// A file path: non-empty, without NUL bytes (it becomes a C string).
pub fn path(v: &str) -> Result<std::ffi::CString, String> {
    if v.is_empty() {
        return Err("path must be a non-empty file path, got ''".to_owned());
    }
    std::ffi::CString::new(v).map_err(|_| format!("path must not contain NUL bytes, got {v:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_offset_accepts_aligned_words_inside_the_region() {
        assert_eq!(word_offset(0.0, 8192), Ok(0));
        assert_eq!(word_offset(8188.0, 8192), Ok(8188));
        assert_eq!(
            word_offset(8192.0, 8192),
            Err("offset must be a multiple of 4 in 0…8188 (a 32-bit word inside the 8192-byte region), got 8192".to_owned())
        );
        for bad in [-4.0, 2.0, 4.5, f64::NAN, f64::INFINITY] {
            assert!(word_offset(bad, 8192).unwrap_err().starts_with("offset must be"), "{bad}");
        }
    }

    #[test]
    fn word_value_is_a_u32() {
        assert_eq!(word_value("value", 4294967295.0), Ok(u32::MAX));
        assert_eq!(
            word_value("value", 4294967296.0),
            Err("value must be an integer in 0…4294967295 (a 32-bit word), got 4294967296".to_owned())
        );
        assert!(word_value("bits", -1.0).is_err());
    }

    #[test]
    fn create_size_is_whole_pages_up_to_1_gib() {
        assert_eq!(create_size(4096.0), Ok(4096));
        assert_eq!(create_size(1073741824.0), Ok(1 << 30));
        for bad in [0.0, 4095.0, 6144.0, 1073745920.0, -4096.0, f64::NAN] {
            assert!(create_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn timeouts_and_spins() {
        assert_eq!(timeout_ms(f64::INFINITY), Ok(None));
        assert_eq!(timeout_ms(1.5), Ok(Some(std::time::Duration::from_micros(1500))));
        assert!(timeout_ms(-1.0).is_err());
        assert!(timeout_ms(f64::NAN).is_err());
        assert_eq!(spin_us(20.0), Ok(std::time::Duration::from_micros(20)));
        assert!(spin_us(1e6 + 1.0).is_err());
    }
}
