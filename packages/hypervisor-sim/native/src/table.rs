//! One domain's p2m: the internal p2m type of every gfn in 0…maxGpfn (types.rs: runs where uniform,
//! a byte per page in fragmented 4096-page chunks), and the log-dirty set (a run map, runs.rs). Plain
//! Rust without napi types, so `cargo test` exercises it. Arguments are already checked (args.rs);
//! ranges are half-open `first…end`.

use crate::runs::RunMap;
use crate::types::{Geometry, TypeMap, DEFAULT_GEOMETRY};

/// Number of internal p2m types (p2m_type_t 0 … 15), from the schema.
pub use xenmem_abi::P2M_TYPE_COUNT;
/// p2m_invalid: the type of a gfn beyond the p2m (and of an all-zero entry).
pub const P2M_INVALID: u8 = xenmem_abi::p2m_invalid;

/// Outcome of a ranged retype.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetypeResult {
    /// Pages changed, from the range's first page on.
    pub done: u64,
    /// 0, or the errno of the first page whose outcome refused it (not changed; later pages not visited).
    pub errno: u32,
    /// Pages changed, by old type (a page already of the new type counts under it).
    pub changed_from: [u64; P2M_TYPE_COUNT],
}

#[derive(Debug, Clone)]
pub struct Table {
    max_gpfn: u32,
    types: TypeMap,
    /// 1 = dirty. Log-dirty marks come in ranges, so they are runs too.
    dirty: RunMap<u8>,
}

impl Table {
    /// maxGpfn+1 pages of `initial_type`.
    pub fn new(max_gpfn: u32, initial_type: u8) -> Self {
        Self::with_geometry(max_gpfn, initial_type, DEFAULT_GEOMETRY)
    }

    /// A table with its own chunk size and thresholds (tests use small chunks).
    pub fn with_geometry(max_gpfn: u32, initial_type: u8, geometry: Geometry) -> Self {
        let pages = u64::from(max_gpfn) + 1;
        Table {
            max_gpfn,
            types: TypeMap::new(pages, initial_type, geometry),
            dirty: RunMap::new(pages, 0),
        }
    }

    pub fn max_gpfn(&self) -> u32 {
        self.max_gpfn
    }

    /// The type of `gfn`; beyond maxGpfn, p2m_invalid. O(log runs).
    pub fn get(&self, gfn: u64) -> u8 {
        if gfn > u64::from(self.max_gpfn) {
            P2M_INVALID
        } else {
            self.types.value_at(gfn)
        }
    }

    /// Sets `first…end` (within the table) to `p2m_type`. O(log runs + chunk) plus one memmove of the
    /// runs after the range.
    pub fn set(&mut self, first: u64, end: u64, p2m_type: u8) {
        self.types.assign(first, end, p2m_type);
    }

    /// Changes `first…end` (within the table) to `new_type` page by page as Xen's set_mem_type loop
    /// does, asking `outcomes[old type]` for each page: 0 changes it, an errno stops the loop there.
    /// Whole runs are decided at once, since every page of a run has the same old type; whole dense
    /// chunks by their counts of pages per type; parts of dense chunks by vectorised passes.
    /// O(log runs + runs touched + chunk) plus one memmove of the runs after the range.
    pub fn retype(&mut self, first: u64, end: u64, new_type: u8, outcomes: &[u32]) -> RetypeResult {
        let mut changed_from = [0; P2M_TYPE_COUNT];
        // The old types whose pages stop the loop, as a bit set.
        let refused = outcomes
            .iter()
            .enumerate()
            .fold(0u16, |m, (t, &o)| m | (u16::from(o != 0) << t));
        let (stop, errno) = match self.types.tally(first, end, refused, &mut changed_from) {
            Some(page) => (page, outcomes[usize::from(self.types.value_at(page))]),
            None => (end, 0),
        };
        self.types.assign(first, stop, new_type);
        RetypeResult {
            done: stop - first,
            errno,
            changed_from,
        }
    }

    /// Every page of type `from` becomes `to` (p2m_change_entry_type_global, done eagerly).
    /// Returns the pages changed; 0 when `from == to` (Xen asserts they differ). O(runs).
    pub fn change_type_global(&mut self, from: u8, to: u8) -> u64 {
        self.types.replace_value(from, to)
    }

    /// Pages of each type in `first…end`, clipped to the table. O(log runs + runs in range + chunk).
    pub fn count_by_type(&self, first: u64, end: u64) -> [u64; P2M_TYPE_COUNT] {
        let mut counts = [0; P2M_TYPE_COUNT];
        self.types.tally(first, end, 0, &mut counts);
        counts
    }

    /// Calls `f(first, end, type)` for the runs covering `first…end`, clipped to the table, merged, in
    /// order. O(log runs + runs in range + pages of dense chunks in range).
    pub fn for_each_run(&self, first: u64, end: u64, f: impl FnMut(u64, u64, u8)) {
        self.types.for_each_run(first, end, f)
    }

    /// Runs of equal type in the whole table. O(dense chunks · log runs).
    pub fn run_count(&self) -> u64 {
        self.types.run_count()
    }

    /// Marks `first…end` (within the table) dirty. O(log dirty runs) plus one memmove.
    pub fn mark_dirty(&mut self, first: u64, end: u64) {
        self.dirty.assign(first, end, 1);
    }

    /// The dirty bitmap of `first…end` (within the table): bit i of byte i/8 is page first+i, least
    /// significant bit first. The range is clean afterwards.
    /// O(pages/8 + log dirty runs + dirty runs in range).
    pub fn take_dirty(&mut self, first: u64, end: u64) -> Vec<u8> {
        let mut bitmap =
            vec![0u8; usize::try_from((end - first).div_ceil(8)).unwrap_or(usize::MAX)];
        for (start, run_end, dirty) in self.dirty.segments(first, end) {
            if dirty == 1 {
                set_bits(&mut bitmap, start - first, run_end - first);
            }
        }
        self.dirty.assign(first, end, 0);
        bitmap
    }

    /// Runs in the dirty set (clean and dirty). O(1).
    #[cfg(test)]
    pub fn dirty_run_count(&self) -> usize {
        self.dirty.len()
    }
}

/// Sets bits `from…to` of an LSB-first bitmap, whole bytes at a time in the middle.
fn set_bits(bitmap: &mut [u8], from: u64, to: u64) {
    let mut bit = from;
    while bit < to && !bit.is_multiple_of(8) {
        bitmap[(bit / 8) as usize] |= 1 << (bit % 8);
        bit += 1;
    }
    let whole_bytes_end = to & !7;
    if bit < whole_bytes_end {
        bitmap[(bit / 8) as usize..(whole_bytes_end / 8) as usize].fill(0xff);
        bit = whole_bytes_end;
    }
    while bit < to {
        bitmap[(bit / 8) as usize] |= 1 << (bit % 8);
        bit += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xenmem_abi::{
        p2m_invalid, p2m_ioreq_server, p2m_mmio_dm, p2m_ram_logdirty, p2m_ram_ro, p2m_ram_rw,
        p2m_ram_shared,
    };

    const EINVAL: u32 = 22;
    const EAGAIN: u32 = 11;

    fn all_ok() -> Vec<u32> {
        vec![0; P2M_TYPE_COUNT]
    }

    fn runs(table: &Table) -> Vec<(u64, u64, u8)> {
        let mut runs = vec![];
        table.for_each_run(0, 1 << 33, |s, e, t| runs.push((s, e, t)));
        runs
    }

    #[test]
    fn the_constants_are_the_schemas() {
        assert_eq!(P2M_TYPE_COUNT, 16);
        assert_eq!(P2M_INVALID, 1);
    }

    #[test]
    fn gfns_beyond_max_gpfn_are_invalid() {
        let table = Table::new(9, p2m_ram_rw);
        assert_eq!(table.get(9), p2m_ram_rw);
        assert_eq!(table.get(10), p2m_invalid);
        assert_eq!(table.get(1 << 52), p2m_invalid);
    }

    #[test]
    fn retype_stops_at_the_first_refused_page() {
        let mut table = Table::new(99, p2m_ram_rw);
        table.set(10, 20, p2m_ram_ro);
        table.set(20, 25, p2m_ram_shared);
        let mut outcomes = all_ok();
        outcomes[usize::from(p2m_ram_shared)] = EAGAIN;
        let result = table.retype(5, 30, p2m_mmio_dm, &outcomes);
        let mut changed_from = [0; P2M_TYPE_COUNT];
        changed_from[usize::from(p2m_ram_rw)] = 5;
        changed_from[usize::from(p2m_ram_ro)] = 10;
        assert_eq!(
            result,
            RetypeResult {
                done: 15,
                errno: EAGAIN,
                changed_from
            }
        );
        assert_eq!(
            runs(&table),
            vec![
                (0, 5, p2m_ram_rw),
                (5, 20, p2m_mmio_dm),
                (20, 25, p2m_ram_shared),
                (25, 100, p2m_ram_rw)
            ]
        );
    }

    #[test]
    fn retype_refused_at_the_first_page_changes_nothing() {
        let mut table = Table::new(99, p2m_invalid);
        let mut outcomes = all_ok();
        outcomes[usize::from(p2m_invalid)] = EINVAL;
        let result = table.retype(0, 100, p2m_ram_rw, &outcomes);
        assert_eq!(
            result,
            RetypeResult {
                done: 0,
                errno: EINVAL,
                changed_from: [0; P2M_TYPE_COUNT]
            }
        );
        assert_eq!(runs(&table), vec![(0, 100, p2m_invalid)]);
    }

    #[test]
    fn retype_to_the_same_type_counts_the_pages() {
        let mut table = Table::new(99, p2m_ram_rw);
        let result = table.retype(0, 100, p2m_ram_rw, &all_ok());
        assert_eq!(result.done, 100);
        assert_eq!(result.changed_from[usize::from(p2m_ram_rw)], 100);
        assert_eq!(table.run_count(), 1);
    }

    #[test]
    fn a_2_pow_32_page_table_retypes_whole_in_one_run() {
        let mut table = Table::new(u32::MAX, p2m_ram_rw);
        let result = table.retype(0, 1 << 32, p2m_ioreq_server, &all_ok());
        assert_eq!(result.done, 1 << 32);
        assert_eq!(result.changed_from[usize::from(p2m_ram_rw)], 1 << 32);
        assert_eq!(runs(&table), vec![(0, 1 << 32, p2m_ioreq_server)]);
        assert_eq!(table.get(u64::from(u32::MAX)), p2m_ioreq_server);
        assert_eq!(table.get(1 << 32), p2m_invalid);
    }

    #[test]
    fn retype_over_many_runs_leaves_one() {
        let mut table = Table::new(u32::MAX, p2m_ram_rw);
        for i in 0..1000u64 {
            table.set(1000 + 4 * i, 1000 + 4 * i + 1 + i % 3, p2m_ram_logdirty);
        }
        assert_eq!(table.run_count(), 2001);
        let result = table.retype(1000, 5000, p2m_ram_ro, &all_ok());
        assert_eq!(result.done, 4000);
        assert_eq!(result.changed_from[usize::from(p2m_ram_logdirty)], 1999);
        assert_eq!(
            runs(&table),
            vec![
                (0, 1000, p2m_ram_rw),
                (1000, 5000, p2m_ram_ro),
                (5000, 1 << 32, p2m_ram_rw)
            ]
        );
    }

    #[test]
    fn change_type_global_merges_the_runs_it_joins() {
        let mut table = Table::new(99, p2m_ram_rw);
        table.set(10, 20, p2m_ram_logdirty);
        table.set(40, 50, p2m_ram_logdirty);
        assert_eq!(table.run_count(), 5);
        assert_eq!(table.change_type_global(p2m_ram_logdirty, p2m_ram_rw), 20);
        assert_eq!(runs(&table), vec![(0, 100, p2m_ram_rw)]);
    }

    #[test]
    fn count_by_type_clips_to_the_table() {
        let mut table = Table::new(99, p2m_ram_rw);
        table.set(90, 100, p2m_mmio_dm);
        let counts = table.count_by_type(50, 1 << 40);
        assert_eq!(counts[usize::from(p2m_ram_rw)], 40);
        assert_eq!(counts[usize::from(p2m_mmio_dm)], 10);
        assert_eq!(counts.iter().sum::<u64>(), 50);
        assert_eq!(table.count_by_type(100, 200), [0; P2M_TYPE_COUNT]);
    }

    #[test]
    fn dirty_bitmaps_are_lsb_first_and_cleared_when_taken() {
        let mut table = Table::new(1 << 20, p2m_ram_rw);
        table.mark_dirty(1, 2);
        table.mark_dirty(9, 20);
        assert_eq!(
            table.take_dirty(0, 24),
            vec![0b0000_0010, 0b1111_1110, 0b0000_1111]
        );
        assert_eq!(table.take_dirty(0, 24), vec![0, 0, 0]);
        assert_eq!(table.dirty_run_count(), 1);
    }

    #[test]
    fn dirty_bitmaps_of_part_of_a_range_leave_the_rest_dirty() {
        let mut table = Table::new(u32::MAX, p2m_ram_rw);
        table.mark_dirty(0, 1 << 32);
        assert_eq!(table.take_dirty(3, 3 + 20), vec![0xff, 0xff, 0x0f]);
        assert_eq!(table.take_dirty(0, 8), vec![0b0000_0111]);
        assert_eq!(table.take_dirty(0, 8), vec![0]);
        assert_eq!(table.take_dirty(23, 25), vec![0b11]);
        assert_eq!(table.dirty_run_count(), 2);
    }

    #[test]
    fn set_bits_fills_whole_bytes_and_edges() {
        let mut bitmap = vec![0u8; 4];
        set_bits(&mut bitmap, 3, 29);
        assert_eq!(bitmap, vec![0xf8, 0xff, 0xff, 0x1f]);
        let mut bitmap = vec![0u8; 1];
        set_bits(&mut bitmap, 2, 5);
        assert_eq!(bitmap, vec![0b0001_1100]);
    }

    /// The bench's fragmented table: `pages` pages alternating ram_rw/ram_ro page by page, built by
    /// one-page sets front to back as workloads.ts does.
    fn alternating(pages: u64) -> Table {
        let mut table = Table::new((pages - 1) as u32, p2m_ram_rw);
        for p in (1..pages).step_by(2) {
            table.set(p, p + 1, p2m_ram_ro);
        }
        table
    }

    #[test]
    fn a_page_by_page_table_is_dense_and_retypes_whole_to_one_run() {
        let mut table = alternating(1 << 16);
        assert_eq!(table.run_count(), 1 << 16);
        assert_eq!(table.types.dense_count(), 16);
        assert_eq!(table.get(4097), p2m_ram_ro);
        assert_eq!(table.get(4098), p2m_ram_rw);
        let counts = table.count_by_type(4000, 200);
        assert_eq!(counts[usize::from(p2m_ram_ro)], 0);
        let counts = table.count_by_type(4001, 4001 + 201);
        assert_eq!(
            (
                counts[usize::from(p2m_ram_rw)],
                counts[usize::from(p2m_ram_ro)]
            ),
            (100, 101)
        );
        let result = table.retype(0, 1 << 16, p2m_ram_rw, &all_ok());
        assert_eq!(result.done, 1 << 16);
        assert_eq!(result.changed_from[usize::from(p2m_ram_rw)], 1 << 15);
        assert_eq!(result.changed_from[usize::from(p2m_ram_ro)], 1 << 15);
        assert_eq!(runs(&table), vec![(0, 1 << 16, p2m_ram_rw)]);
        assert_eq!(table.types.dense_count(), 0);
    }

    #[test]
    fn a_retype_refused_inside_a_dense_chunk_stops_at_that_page() {
        let mut table = alternating(1 << 14);
        table.set(10_000, 10_001, p2m_ram_shared);
        let mut outcomes = all_ok();
        outcomes[usize::from(p2m_ram_shared)] = EAGAIN;
        // From the middle of chunk 0, across chunk 1 whole, into chunk 2 (8192…12287).
        let result = table.retype(1000, 12_000, p2m_mmio_dm, &outcomes);
        assert_eq!((result.done, result.errno), (9000, EAGAIN));
        assert_eq!(result.changed_from[usize::from(p2m_ram_rw)], 4500);
        assert_eq!(result.changed_from[usize::from(p2m_ram_ro)], 4500);
        assert_eq!(table.get(999), p2m_ram_ro);
        assert_eq!(table.get(1000), p2m_mmio_dm);
        assert_eq!(table.get(9999), p2m_mmio_dm);
        assert_eq!(table.get(10_000), p2m_ram_shared);
        assert_eq!(table.get(10_001), p2m_ram_ro);
        // 1000 runs before, one retyped, the refused page, then alternating to the end.
        assert_eq!(table.run_count(), 1000 + 1 + 1 + (16384 - 10_001));
        let r = runs(&table);
        assert_eq!(r[999], (999, 1000, p2m_ram_ro));
        assert_eq!(r[1000], (1000, 10_000, p2m_mmio_dm));
        assert_eq!(r[1001], (10_000, 10_001, p2m_ram_shared));
        assert_eq!(r.len() as u64, table.run_count());
    }

    #[test]
    fn a_dense_chunk_retyped_to_few_runs_goes_back_to_runs() {
        let mut table = alternating(3 * 4096 + 100);
        assert_eq!(table.types.dense_count(), 3);
        table.set(4096 + 100, 2 * 4096 - 3, p2m_ram_logdirty);
        assert_eq!(
            table.types.dense_count(),
            3,
            "100 + 1 + 3 runs: still dense"
        );
        table.set(4096, 4096 + 100, p2m_ram_logdirty);
        assert_eq!(table.types.dense_count(), 2, "1 + 3 runs: runs again");
        table.set(2 * 4096 - 3, 2 * 4096, p2m_ram_logdirty);
        assert_eq!(table.types.dense_count(), 2);
        assert_eq!(
            runs(&table)[4095..4098],
            [
                (4095, 4096, p2m_ram_ro),
                (4096, 2 * 4096, p2m_ram_logdirty),
                (2 * 4096, 2 * 4096 + 1, p2m_ram_rw)
            ]
        );
        assert_eq!(
            table.change_type_global(p2m_ram_ro, p2m_ram_rw),
            4096 / 2 + 4096 / 2 + 50
        );
        assert_eq!(table.types.dense_count(), 0);
        assert_eq!(
            runs(&table),
            vec![
                (0, 4096, p2m_ram_rw),
                (4096, 2 * 4096, p2m_ram_logdirty),
                (2 * 4096, 3 * 4096 + 100, p2m_ram_rw)
            ]
        );
    }

    /// Times the bench's fragmented retype against a memset of a byte per page (release build;
    /// `cargo test --release -- --ignored --nocapture fragmented_retype`).
    #[test]
    #[ignore]
    fn fragmented_retype_runs_near_memory_speed() {
        use std::time::Instant;
        for shift in [20u32, 24] {
            let pages = 1u64 << shift;
            let (mut retype, mut build, mut memset) = (f64::MAX, f64::MAX, f64::MAX);
            let mut buf = vec![0u8; pages as usize];
            for round in 0..7u8 {
                let t = Instant::now();
                let mut table = alternating(pages);
                build = build.min(t.elapsed().as_secs_f64());
                let t = Instant::now();
                std::hint::black_box(table.count_by_type(0, pages));
                if round == 6 {
                    eprintln!("count {:.1} µs", t.elapsed().as_secs_f64() * 1e6);
                }
                let t = Instant::now();
                let result = table.retype(0, pages, p2m_ram_rw, &all_ok());
                retype = retype.min(t.elapsed().as_secs_f64());
                assert_eq!(result.done, pages);
                let t = Instant::now();
                std::hint::black_box(&mut buf).fill(round);
                memset = memset.min(t.elapsed().as_secs_f64());
            }
            // The per-page path: in every chunk, a retype from its second page that stops at a
            // refused page planted at its last (search, count, fill; the chunk then goes back to runs).
            let mut table = alternating(pages);
            let mut outcomes = all_ok();
            outcomes[usize::from(p2m_ram_shared)] = EAGAIN;
            for c in (0..pages).step_by(4096) {
                table.set(c + 4095, c + 4096, p2m_ram_shared);
            }
            let t = Instant::now();
            for c in (0..pages).step_by(4096) {
                let r = table.retype(c + 1, c + 4096, p2m_ram_logdirty, &outcomes);
                assert_eq!((r.done, r.errno), (4094, EAGAIN));
            }
            let partial = t.elapsed().as_secs_f64();
            let t = Instant::now();
            std::hint::black_box(&mut buf).fill(9);
            let warm_memset = t.elapsed().as_secs_f64();
            eprintln!(
                "2^{shift} pages: stopping inside every chunk {:.1} µs ({:.3} ns/page), memset right after {:.1} µs",
                partial * 1e6,
                partial * 1e9 / pages as f64,
                warm_memset * 1e6
            );
            eprintln!(
                "2^{shift} pages: retype {:.1} µs, memset {:.1} µs (ratio {:.2}), build {:.1} ms",
                retype * 1e6,
                memset * 1e6,
                retype / memset,
                build * 1e3
            );
        }
    }

    /// Where runs and dense chunks cross over: tables of 2^20 pages with k runs in every 4096-page
    /// chunk, held as runs only or dense only, timed on a whole-table retype (the bench's shape), on a
    /// count of a partial range in every chunk (a partly covered chunk's passes), and on a one-page set
    /// in the middle of the table (a memmove of the runs after it, against a write in a chunk).
    /// `cargo test --release -- --ignored --nocapture runs_and_dense_cross_over`.
    #[test]
    #[ignore]
    fn runs_and_dense_cross_over() {
        use crate::types::Geometry;
        use std::time::Instant;
        let pages = 1u64 << 20;
        let runs_only = Geometry {
            chunk_shift: 12,
            dense_above: u32::MAX,
            sparse_at_most: 0,
        };
        let dense_only = Geometry {
            chunk_shift: 12,
            dense_above: 1,
            sparse_at_most: 0,
        };
        let build = |geometry, k: u64| {
            let mut table = Table::with_geometry((pages - 1) as u32, p2m_ram_rw, geometry);
            let len = 4096 / k;
            for r in (1..pages / len).step_by(2) {
                table.set(r * len, (r + 1) * len, p2m_ram_ro);
            }
            table
        };
        for k in [16u64, 32, 64, 128, 256, 512, 1024] {
            let mut line = format!("{k:5} runs/chunk:");
            for (name, geometry) in [("runs", runs_only), ("dense", dense_only)] {
                let (mut retype, mut count, mut set) = (f64::MAX, f64::MAX, f64::MAX);
                for _ in 0..5 {
                    let mut table = build(geometry, k);
                    let t = Instant::now();
                    for c in (0..pages).step_by(4096) {
                        std::hint::black_box(table.count_by_type(c + 1, c + 4095));
                    }
                    count = count.min(t.elapsed().as_secs_f64() / 256.0);
                    let mid = pages / 2 + 4096 / k / 2;
                    let t = Instant::now();
                    table.set(mid, mid + 1, p2m_ram_logdirty);
                    set = set.min(t.elapsed().as_secs_f64());
                    let t = Instant::now();
                    table.retype(0, pages, p2m_ram_rw, &all_ok());
                    retype = retype.min(t.elapsed().as_secs_f64() / 256.0);
                }
                line += &format!(
                    "  {name}: retype {:.0} ns/chunk, partial count {:.0} ns/chunk, 1-page set {:.0} ns",
                    retype * 1e9,
                    count * 1e9,
                    set * 1e9
                );
            }
            eprintln!("{line}");
        }
    }
}
