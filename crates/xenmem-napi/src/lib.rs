//! What xenmem's napi-rs addons share (packages/hypervisor-sim/native, packages/shm-transport/native).
//! Every number arrives from JavaScript as an f64: `int_in` proves it an integer in its range and names
//! the argument and the value, spelt as JavaScript's `String(v)` spells it, when it is not. A failed
//! check becomes an `InvalidArg` error, which each package's TS wrapper rethrows as RangeError.

#![deny(clippy::all)]

mod errors;
mod number;

pub use errors::{generic_failure, invalid_arg};
pub use number::{int_in, js_number, MAX_SAFE_INTEGER};
