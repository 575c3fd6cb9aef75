//! The napi-rs binding of a real Xen host: class `Privcmd` (/dev/xen/privcmd: dm_op, hvm_op, xen_version,
//! restrict, MMAP_RESOURCE, MMAPBATCH_V2), class `Evtchn` (/dev/xen/evtchn and its polling thread) and
//! class `ForeignPages` (mapped frames). The contract is documented in ../src, the TS wrapper. A bad
//! argument is an `InvalidArg` error naming it; a failed open or mmap a `GenericFailure` ending in
//! `(os error N)`; a failed hypercall or ioctl is a return code (−errno), as Xen gives it.

#![deny(clippy::all)]

mod evtchn;
mod hypercall_buffer;
mod pages;
mod privcmd;
mod sys;

pub use evtchn::Evtchn;
pub use pages::ForeignPages;
pub use privcmd::Privcmd;
