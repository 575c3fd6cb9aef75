//! The napi errors an addon returns. The TS wrappers map their status: `InvalidArg` → RangeError; a
//! `GenericFailure` keeps its message (the p2m wrapper makes use after dispose() a TypeError, the shm
//! wrapper makes a message ending in `(os error N)` a ShmError).

use napi::{Error, Status};

/// A bad argument: `message` names it, its range and the value it got.
pub fn invalid_arg(message: String) -> Error {
    Error::new(Status::InvalidArg, message)
}

/// A call that could not be done: a failed system call, a closed or disposed object, an internal error.
pub fn generic_failure(message: String) -> Error {
    Error::new(Status::GenericFailure, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_carries_its_status_and_message() {
        let bad = invalid_arg("count must be an integer in 0…5, got -1".to_owned());
        assert_eq!(bad.status, Status::InvalidArg);
        assert_eq!(bad.reason, "count must be an integer in 0…5, got -1");
        let failed = generic_failure("open '/dev/shm/x': No such file or directory (os error 2)".to_owned());
        assert_eq!(failed.status, Status::GenericFailure);
        assert_eq!(failed.reason, "open '/dev/shm/x': No such file or directory (os error 2)");
    }
}
