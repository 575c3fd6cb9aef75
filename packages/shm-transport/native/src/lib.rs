//! The napi-rs binding of the shared-memory transport: class `ShmRegion` (a file under /dev/shm
//! mapped MAP_SHARED, u32 atomics and futex wait/wake on its words) and class `Watcher` (a thread
//! that reports changes of one word to JS). The contract is documented in ../src/index.ts, the TS
//! wrapper. A bad argument is an `InvalidArg` error naming it; a failed system call a
//! `GenericFailure` whose message ends in `(os error N)`; use after close() a `GenericFailure` that
//! says so. Nothing here panics on input.

#![deny(clippy::all)]

mod args;
mod futex;
mod mapping;
mod region;
mod watcher;

pub use region::ShmRegion;
pub use watcher::Watcher;
