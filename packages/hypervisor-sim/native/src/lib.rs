//! The napi-rs binding of the p2m core: class `P2mTable`, one instance per domain. The contract is
//! `P2mTable` in packages/hypervisor-sim/src/p2m/core.ts; src/p2m/native-core.ts adapts this class
//! to it. Every number arrives as an f64 and is checked here (args.rs, over crates/xenmem-napi, which
//! both addons share); a bad one is an `InvalidArg` error, use after dispose() a `GenericFailure`. Bulk
//! data crosses as one typed array per call.
//! A panic is caught and returned as an error, never unwound into Node; a table that panicked while
//! changing is dropped, since it may be half-changed.

#![deny(clippy::all)]

mod args;
mod dense;
mod runs;
mod table;
mod types;

use std::panic::{catch_unwind, AssertUnwindSafe};

use napi::bindgen_prelude::*;
use napi_derive::napi;

use xenmem_napi::{generic_failure, int_in, invalid_arg};

use table::{Table, P2M_TYPE_COUNT};

/// Why a table is gone: disposed, or dropped after an internal error.
fn gone(reason: &str) -> Error {
    generic_failure(reason.to_owned())
}

const DISPOSED: &str = "p2m table used after dispose()";
const BROKEN: &str = "p2m table unusable after an internal error (reported by an earlier call)";
const INTERNAL_ERROR: &str = "p2m core internal error";

/// Runs `f`, turning a panic into an error.
fn unwind_to_error<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        Err(generic_failure(format!("{INTERNAL_ERROR}: {what}")))
    })
}

/// Length of `retype`'s result array: done, errno, then pages changed by old type (16 entries).
const RETYPE_RESULT_LEN: usize = 2 + P2M_TYPE_COUNT;

/// One domain's p2m: internal p2m types of gfns 0…maxGpfn and its log-dirty set, stored as runs (and
/// fragmented chunks as a byte per page).
#[napi(js_name = "P2mTable")]
pub struct P2mTable {
    /// Err: why the table is gone.
    table: std::result::Result<Table, &'static str>,
    max_gpfn: u32,
}

impl P2mTable {
    fn table(&self) -> Result<&Table> {
        self.table.as_ref().map_err(|reason| gone(reason))
    }

    /// Runs a change on the table; if it panics, the table is dropped (it may be half-changed).
    fn change<T>(&mut self, f: impl FnOnce(&mut Table) -> Result<T>) -> Result<T> {
        let table = self.table.as_mut().map_err(|reason| gone(reason))?;
        let result = unwind_to_error(|| f(table));
        if matches!(&result, Err(e) if e.reason.starts_with(INTERNAL_ERROR)) {
            self.table = Err(BROKEN);
        }
        result
    }
}

#[napi]
impl P2mTable {
    /// maxGpfn+1 pages (maxGpfn ≤ 2^32−1), all of `initialType`.
    #[napi(constructor)]
    pub fn new(max_gpfn: f64, initial_type: f64) -> Result<Self> {
        unwind_to_error(|| {
            let max_gpfn = int_in("maxGpfn", max_gpfn, u64::from(u32::MAX), "")
                .map_err(invalid_arg)? as u32;
            let initial_type =
                args::p2m_type("initialType", initial_type, P2M_TYPE_COUNT).map_err(invalid_arg)?;
            Ok(P2mTable {
                table: Ok(Table::new(max_gpfn, initial_type)),
                max_gpfn,
            })
        })
    }

    /// Highest gfn the table holds.
    #[napi(getter)]
    pub fn max_gpfn(&self) -> f64 {
        f64::from(self.max_gpfn)
    }

    /// Type of one gfn (any safe integer ≥ 0; beyond maxGpfn, p2m_invalid).
    #[napi]
    pub fn get(&self, gfn: f64) -> Result<u32> {
        let table = self.table()?;
        unwind_to_error(|| {
            let gfn = args::safe_index("gfn", gfn).map_err(invalid_arg)?;
            Ok(u32::from(table.get(gfn)))
        })
    }

    /// Types of many gfns, one byte each.
    #[napi]
    pub fn get_many(&self, gfns: &[f64]) -> Result<Uint8Array> {
        let table = self.table()?;
        unwind_to_error(|| {
            let types = gfns
                .iter()
                .enumerate()
                .map(|(i, &gfn)| {
                    args::safe_index(&format!("gfns[{i}]"), gfn).map(|gfn| table.get(gfn))
                })
                .collect::<std::result::Result<Vec<u8>, String>>()
                .map_err(invalid_arg)?;
            Ok(Uint8Array::new(types))
        })
    }

    /// Sets `count` pages from `first` (within 0…maxGpfn) to `type`.
    #[napi(ts_args_type = "first: number, count: number, type: number")]
    pub fn set(&mut self, first: f64, count: f64, p2m_type: f64) -> Result<()> {
        self.change(|table| {
            let (first, end) =
                args::range_in_table(first, count, table.max_gpfn()).map_err(invalid_arg)?;
            let p2m_type = args::p2m_type("type", p2m_type, P2M_TYPE_COUNT).map_err(invalid_arg)?;
            table.set(first, end, p2m_type);
            Ok(())
        })
    }

    /// Ranged retype with per-page outcomes (16 entries: 0 or a positive errno). Writes its outcome into
    /// `result` (18 entries): pages changed, the errno of the page that stopped the loop (0 if none), then
    /// pages changed by old type. An out-array rather than a returned object: building a JS object and a
    /// 16-element array through napi cost more than the retype of a uniform table itself.
    #[napi]
    pub fn retype(
        &mut self,
        first: f64,
        count: f64,
        new_type: f64,
        outcomes: Int32ArraySlice,
        mut result: Float64ArraySlice,
    ) -> Result<()> {
        self.change(|table| {
            let (first, end) =
                args::range_in_table(first, count, table.max_gpfn()).map_err(invalid_arg)?;
            let new_type =
                args::p2m_type("newType", new_type, P2M_TYPE_COUNT).map_err(invalid_arg)?;
            // Copied before `result` is borrowed: the two arrays may share one buffer.
            let outcomes = args::outcome_table(&outcomes, P2M_TYPE_COUNT).map_err(invalid_arg)?;
            if result.len() != RETYPE_RESULT_LEN {
                return Err(invalid_arg(format!(
                    "result must have {RETYPE_RESULT_LEN} entries, got {}",
                    result.len()
                )));
            }
            let outcome = table.retype(first, end, new_type, &outcomes);
            let mut out = [0f64; RETYPE_RESULT_LEN];
            out[0] = outcome.done as f64;
            out[1] = f64::from(outcome.errno);
            for (slot, &n) in out[2..].iter_mut().zip(outcome.changed_from.iter()) {
                *slot = n as f64;
            }
            // SAFETY: no other Rust reference to this memory is alive (`outcomes` was copied above),
            // and JS cannot run during the call. A SharedArrayBuffer written by another thread would
            // race, as any typed array passed to native code can; the wrapper's array is private.
            unsafe { result.as_mut() }.copy_from_slice(&out);
            Ok(())
        })
    }

    /// Every page of type `from` becomes `to`; returns the pages changed.
    #[napi]
    pub fn change_type_global(&mut self, from: f64, to: f64) -> Result<f64> {
        self.change(|table| {
            let from = args::p2m_type("from", from, P2M_TYPE_COUNT).map_err(invalid_arg)?;
            let to = args::p2m_type("to", to, P2M_TYPE_COUNT).map_err(invalid_arg)?;
            Ok(table.change_type_global(from, to) as f64)
        })
    }

    /// Pages of each type in the range, clipped to the table (16 entries).
    #[napi]
    pub fn count_by_type(&self, first: f64, count: f64) -> Result<Float64Array> {
        let table = self.table()?;
        unwind_to_error(|| {
            let (first, end) = args::range_clipped(first, count).map_err(invalid_arg)?;
            Ok(Float64Array::new(
                table
                    .count_by_type(first, end)
                    .iter()
                    .map(|&n| n as f64)
                    .collect(),
            ))
        })
    }

    /// The runs covering the range, clipped to the table, as triples (first, count, type).
    #[napi]
    pub fn runs(&self, first: f64, count: f64) -> Result<Float64Array> {
        let table = self.table()?;
        unwind_to_error(|| {
            let (first, end) = args::range_clipped(first, count).map_err(invalid_arg)?;
            let mut triples = Vec::new();
            table.for_each_run(first, end, |start, run_end, p2m_type| {
                triples.extend([start as f64, (run_end - start) as f64, f64::from(p2m_type)]);
            });
            Ok(Float64Array::new(triples))
        })
    }

    /// Runs in the whole table.
    #[napi]
    pub fn run_count(&self) -> Result<f64> {
        Ok(self.table()?.run_count() as f64)
    }

    /// Marks `count` pages from `first` (within 0…maxGpfn) dirty.
    #[napi]
    pub fn mark_dirty(&mut self, first: f64, count: f64) -> Result<()> {
        self.change(|table| {
            let (first, end) =
                args::range_in_table(first, count, table.max_gpfn()).map_err(invalid_arg)?;
            table.mark_dirty(first, end);
            Ok(())
        })
    }

    /// The dirty bitmap of the range (within 0…maxGpfn), LSB first; the range is clean afterwards.
    #[napi]
    pub fn take_dirty(&mut self, first: f64, count: f64) -> Result<Uint8Array> {
        self.change(|table| {
            let (first, end) =
                args::range_in_table(first, count, table.max_gpfn()).map_err(invalid_arg)?;
            Ok(Uint8Array::new(table.take_dirty(first, end)))
        })
    }

    /// Frees the table; later calls fail. Calling it twice is harmless.
    #[napi]
    pub fn dispose(&mut self) {
        self.table = Err(DISPOSED);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error() {
        let result: Result<()> = unwind_to_error(|| panic!("run map invariant broken"));
        let err = result.unwrap_err();
        assert_eq!(err.status, Status::GenericFailure);
        assert_eq!(
            err.reason,
            "p2m core internal error: run map invariant broken"
        );
    }

    #[test]
    fn a_table_that_panicked_while_changing_is_dropped() {
        let mut table = P2mTable::new(9.0, 0.0).unwrap();
        let result: Result<()> = table.change(|_| panic!("half-changed"));
        assert!(result.is_err());
        assert_eq!(table.get(0.0).unwrap_err().reason, BROKEN);
        table.dispose();
        assert_eq!(table.run_count().unwrap_err().reason, DISPOSED);
    }
}
