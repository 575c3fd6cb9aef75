//! The p2m types of one domain, stored as runs where the table is uniform and as bytes where it is
//! fragmented: a run map (runs.rs) of u32 values over 0…end−1, where a value 0–15 is a p2m type and a
//! value 16+s names dense chunk s (dense.rs), one byte per page. The gfn space is cut into aligned
//! chunks of 2^chunk_shift pages (4096); a dense chunk is exactly one chunk and one run-map entry.
//!
//! Invariants: the run map's own (neighbouring entries differ; a dense value names a live chunk whose
//! `first` is the entry's start and whose length the entry's); a chunk not held dense has at most
//! `dense_above` runs in it (a run crossing its edge counts once); a dense chunk holds more than
//! `sparse_at_most` runs. So a uniform or lightly fragmented table is runs only, as before.
//!
//! When: after a set/retype/assign, the chunks holding its first and last page (the only ones that can
//! gain runs) become dense when they hold more than `dense_above` runs; a dense chunk written by an
//! operation goes back to runs when it holds `sparse_at_most` runs or fewer (uniform or nearly).
//! The gap between the two (128 and 32) is hysteresis: a chunk that keeps crossing one threshold is
//! not converted back and forth (a conversion is a pass over the chunk plus one memmove of the
//! entries after it, as much as ~100 runs' changes).
//!
//! Why 4096 pages and 128 runs: measured on the 2-core build machine (release build, 2^20-page tables
//! with k runs in every chunk held as runs only or dense only; `cargo test --release -- --ignored
//! --nocapture runs_and_dense_cross_over`), per chunk:
//!
//! | runs/chunk | whole-chunk retype: runs / dense | count of a partial chunk: runs / dense |
//! |-----------:|---------------------------------:|---------------------------------------:|
//! |         32 |                   102 ns / 18 ns |                        140 ns / 181 ns |
//! |         64 |                   118 ns / 12 ns |                        145 ns / 136 ns |
//! |        128 |                   236 ns / 13 ns |                        229 ns / 137 ns |
//! |        256 |                   437 ns / 15 ns |                        412 ns / 145 ns |
//! |       1024 |                  2314 ns / 19 ns |                       1803 ns / 164 ns |
//!
//! - time: a run costs ~1.8 ns (bisection, tally, memmove); a dense chunk covered whole costs its 16
//!   counts (no page touched unless a refused type is present), one covered in part a pass per type
//!   present at ~0.03 ns/page (dense.rs). Dense work breaks even at ~64 runs and wins above.
//! - memory: a run costs 8 bytes (4 of start, 4 of value), a dense chunk 4 KiB + 80 bytes. At 128 runs
//!   dense storage costs at most 4× the runs it replaces (8× at 64), and less above 512 runs; a table
//!   with ≤ 1,000 runs holds at most 7 dense chunks (28 KiB).
//! - 128 keeps memory within 4× at the switch while dense is already 1.7× (partial) to 18× (whole)
//!   faster there. 4096 pages: small enough that a partly covered chunk's passes stay well under a
//!   microsecond, large enough that a fragmented 2^24-page table is 4096 entries: retyping it whole
//!   walks 4096 entries' counts (~60 µs), below a memset of its 2^24 bytes (~260 µs).
//!
//! Costs, with R run-map entries, D dense chunks, C = chunk pages, k entries touched:
//! value_at O(log R); tally (retype, countByType) O(log R + k) plus O(C) for each of ≤ 2 partially
//! covered dense chunks (and for the chunk where a refused page stops it); assign O(log R + k + C) plus
//! one memmove of the entries after the range; replace_value O(R + D·C); run_count O(D log R);
//! runs O(log R + k + pages in dense chunks of the range).

use crate::dense::{DenseStore, TYPES};
use crate::runs::RunMap;

/// Values from here on name dense chunks (value − DENSE is the slot).
const DENSE: u32 = TYPES as u32;

/// The chunk size and the conversion thresholds (see the header).
#[derive(Debug, Clone, Copy)]
pub struct Geometry {
    /// Chunks are 2^chunk_shift pages, aligned.
    pub chunk_shift: u32,
    /// A chunk with more runs than this becomes dense.
    pub dense_above: u32,
    /// A dense chunk with this many runs or fewer goes back to runs.
    pub sparse_at_most: u32,
}

pub const DEFAULT_GEOMETRY: Geometry = Geometry {
    chunk_shift: 12,
    dense_above: 128,
    sparse_at_most: 32,
};

#[derive(Debug, Clone)]
pub struct TypeMap {
    runs: RunMap<u32>,
    /// The dense chunks, by slot (a run-map value minus DENSE).
    dense: DenseStore,
    geometry: Geometry,
}

impl TypeMap {
    /// `end` pages (1…2^32), all `value`.
    pub fn new(end: u64, value: u8, geometry: Geometry) -> Self {
        debug_assert!(geometry.sparse_at_most < geometry.dense_above);
        TypeMap {
            runs: RunMap::new(end, u32::from(value)),
            dense: DenseStore::new(1 << geometry.chunk_shift),
            geometry,
        }
    }

    fn end(&self) -> u64 {
        self.runs.end()
    }

    /// The type at `pos` (< end). O(log R).
    pub fn value_at(&self, pos: u64) -> u8 {
        let v = self.runs.value_at(pos);
        if v < DENSE {
            v as u8
        } else {
            let slot = v - DENSE;
            self.dense
                .get(slot, (pos - self.dense.meta(slot).first) as usize)
        }
    }

    /// Dense chunks held.
    #[cfg(test)]
    pub fn dense_count(&self) -> usize {
        self.dense.live()
    }

    /// Runs of equal type in the whole table: entries, plus the transitions inside dense chunks, minus
    /// the entry boundaries next to a dense chunk where the types on both sides are equal. O(D log R).
    pub fn run_count(&self) -> u64 {
        let mut n = self.runs.len() as u64;
        for (slot, c) in self.dense.chunks() {
            n += u64::from(c.transitions());
            // Each boundary counted once: at a chunk's start, and at its end unless a chunk follows.
            if c.first > 0 && self.value_at(c.first - 1) == self.dense.get(slot, 0) {
                n -= 1;
            }
            if c.end() < self.end() {
                let next = self.runs.value_at(c.end());
                if next < DENSE && next as u8 == self.dense.last(slot) {
                    n -= 1;
                }
            }
        }
        n
    }

    /// Calls `f(first, end, type)` for the runs covering `a`…`b`−1, clipped to the table, merged
    /// across entries and dense pages, in order.
    pub fn for_each_run(&self, a: u64, b: u64, mut f: impl FnMut(u64, u64, u8)) {
        let mut pending: Option<(u64, u64, u8)> = None;
        let mut emit = |s: u64, e: u64, t: u8| match &mut pending {
            Some((_, pe, pt)) if *pt == t => *pe = e,
            _ => {
                if let Some((ps, pe, pt)) = pending.replace((s, e, t)) {
                    f(ps, pe, pt);
                }
            }
        };
        let b = b.min(self.end());
        for i in self.runs.span(a, b) {
            let (s, e) = (self.runs.start(i).max(a), self.runs.run_end(i).min(b));
            let v = self.runs.value(i);
            if v < DENSE {
                emit(s, e, v as u8);
            } else {
                let slot = v - DENSE;
                let first = self.dense.meta(slot).first;
                let (x, y) = ((s - first) as usize, (e - first) as usize);
                self.dense.for_each_run(slot, x, y, |x, y, t| {
                    emit(first + x as u64, first + y as u64, t)
                });
            }
        }
        if let Some((ps, pe, pt)) = pending {
            f(ps, pe, pt);
        }
    }

    /// Adds the pages of each type in `a`…`b`−1 (clipped to the table) to `counts`, in order, up to
    /// the first page whose type is in `stops` (a bit set); returns that page, or None.
    /// Runs are counted whole (four interleaved tallies, so that neighbouring runs' additions do not
    /// wait on each other); dense chunks by their counts, or by vectorised passes where partly covered.
    pub fn tally(&self, a: u64, b: u64, stops: u16, counts: &mut [u64; TYPES]) -> Option<u64> {
        let b = b.min(self.end());
        let mut lanes = [[0u64; 4]; TYPES];
        let mut stopped = None;
        for i in self.runs.span(a, b) {
            let (s, e) = (self.runs.start(i).max(a), self.runs.run_end(i).min(b));
            let v = self.runs.value(i);
            if v < DENSE {
                if stops >> v & 1 != 0 {
                    stopped = Some(s);
                    break;
                }
                lanes[v as usize][i & 3] += e - s;
            } else {
                let slot = v - DENSE;
                let first = self.dense.meta(slot).first;
                let (x, y) = ((s - first) as usize, (e - first) as usize);
                if let Some(p) = self.dense.tally(slot, x, y, stops, counts) {
                    stopped = Some(first + p as u64);
                    break;
                }
            }
        }
        for (count, lane) in counts.iter_mut().zip(&lanes) {
            *count += lane.iter().sum::<u64>();
        }
        stopped
    }

    /// Sets `a`…`b`−1 (a ≤ b ≤ end) to type `t`. Dense chunks wholly inside are dropped; a dense
    /// chunk at either edge is written in place (and goes back to runs if it has become nearly
    /// uniform); the chunks at the edges become dense if they now hold too many runs.
    pub fn assign(&mut self, a: u64, b: u64, t: u8) {
        if a >= b {
            return;
        }
        let (mut lo, mut hi) = (a, b);
        let mut written = [None; 2];
        let va = self.runs.value_at(a);
        if va >= DENSE {
            let c = self.dense.meta(va - DENSE);
            let (first, end) = (c.first, c.end());
            if a > first || b < end {
                let e = b.min(end);
                self.dense
                    .fill(va - DENSE, (a - first) as usize, (e - first) as usize, t);
                written[0] = Some(va);
                lo = e;
            }
        }
        if lo < hi {
            let vb = self.runs.value_at(hi - 1);
            if vb >= DENSE {
                let c = self.dense.meta(vb - DENSE);
                let (first, end) = (c.first, c.end());
                if hi < end {
                    // lo ≤ first: a chunk holding lo partly was written above.
                    self.dense.fill(vb - DENSE, 0, (hi - first) as usize, t);
                    written[1] = Some(vb);
                    hi = first;
                }
            }
        }
        let mut freed = false;
        if lo < hi {
            for i in self.runs.span(lo, hi) {
                let v = self.runs.value(i);
                if v >= DENSE {
                    self.dense.free(v - DENSE);
                    freed = true;
                }
            }
            self.runs.assign(lo, hi, u32::from(t));
        }
        for v in written.into_iter().flatten() {
            freed |= self.sparsify_if_few(v);
        }
        self.densify_if_many(a);
        self.densify_if_many(b - 1);
        if freed {
            self.give_back();
        }
    }

    /// Lets the dense store give memory back, renumbering the entries of the chunks it moves.
    fn give_back(&mut self) {
        for (from, to) in self.dense.compact() {
            let i = self.runs.index_of(self.dense.meta(to).first);
            debug_assert_eq!(self.runs.value(i), DENSE + from);
            self.runs.set_value(i, DENSE + to);
        }
    }

    /// Every page of type `from` becomes `to`; returns the pages changed (0 when from == to).
    /// O(R + D·C): the dense chunks left with few runs go back to runs in one rebuild of the run map,
    /// not one splice each (which would move the entries after every chunk: O(D·R)).
    pub fn replace_value(&mut self, from: u8, to: u8) -> u64 {
        if from == to {
            return 0;
        }
        let mut changed = self.runs.replace_value(u32::from(from), u32::from(to));
        let slots: Vec<u32> = self.dense.chunks().map(|(slot, _)| slot).collect();
        let mut sparse = Vec::new();
        for slot in slots {
            let n = self.dense.replace(slot, from, to);
            changed += n;
            // An unchanged chunk still holds more than sparse_at_most runs (the invariant).
            if n > 0 && self.dense.meta(slot).run_count() <= self.geometry.sparse_at_most {
                sparse.push(slot);
            }
        }
        if !sparse.is_empty() {
            let (dense, sparse_at_most) = (&self.dense, self.geometry.sparse_at_most);
            self.runs.rebuild(|start, _, v, out| {
                if v >= DENSE && dense.meta(v - DENSE).run_count() <= sparse_at_most {
                    push_chunk_runs(dense, v - DENSE, out);
                } else {
                    out.push((start, v));
                }
            });
            for slot in sparse {
                self.dense.free(slot);
            }
            self.give_back();
        }
        changed
    }

    /// The chunk holding `pos`: (first, end).
    fn chunk_bounds(&self, pos: u64) -> (u64, u64) {
        let first = pos >> self.geometry.chunk_shift << self.geometry.chunk_shift;
        (
            first,
            (first + (1 << self.geometry.chunk_shift)).min(self.end()),
        )
    }

    /// Makes the chunk holding `pos` dense if it is not and holds more than `dense_above` runs.
    /// O(log R), plus O(C) when it converts.
    fn densify_if_many(&mut self, pos: u64) {
        let (first, end) = self.chunk_bounds(pos);
        let span = self.runs.span(first, end);
        // A chunk's entries are all types unless it is dense, when it is one entry.
        if span.len() <= self.geometry.dense_above as usize {
            return;
        }
        let runs: Vec<(usize, u8)> = span
            .map(|i| {
                let start = self.runs.start(i).max(first);
                ((start - first) as usize, self.runs.value(i) as u8)
            })
            .collect();
        let slot = self.dense.alloc(first, (end - first) as usize, &runs);
        self.runs.assign(first, end, DENSE + slot);
    }

    /// Turns dense chunk `v` back into runs if it holds `sparse_at_most` runs or fewer; returns
    /// whether it did.
    fn sparsify_if_few(&mut self, v: u32) -> bool {
        let slot = v - DENSE;
        let c = self.dense.meta(slot);
        if c.run_count() > self.geometry.sparse_at_most {
            return false;
        }
        let (first, end) = (c.first, c.end());
        let mut runs = Vec::with_capacity(c.run_count() as usize);
        push_chunk_runs(&self.dense, slot, &mut runs);
        self.dense.free(slot);
        self.runs.assign_runs(first, end, &runs);
        true
    }

    /// Checks the invariants (tests only).
    #[cfg(test)]
    pub fn check(&self) {
        let mut live = 0;
        for i in 0..self.runs.len() {
            let v = self.runs.value(i);
            if v >= DENSE {
                self.dense.check(v - DENSE);
                let c = self.dense.meta(v - DENSE);
                assert_eq!(
                    (c.first, c.end()),
                    (self.runs.start(i), self.runs.run_end(i))
                );
                assert_eq!(c.first, self.chunk_bounds(c.first).0);
                assert_eq!(c.end(), self.chunk_bounds(c.first).1);
                assert!(c.run_count() > self.geometry.sparse_at_most);
                live += 1;
            }
        }
        assert_eq!(live, self.dense_count());
        let mut first = 0;
        while first < self.end() {
            let (f, e) = self.chunk_bounds(first);
            if self.runs.value_at(f) < DENSE {
                assert!(self.runs.span(f, e).len() <= self.geometry.dense_above as usize);
            }
            first = e;
        }
    }
}

/// Appends the runs of dense chunk `slot` to `out` as run-map entries: (start, type).
fn push_chunk_runs(dense: &DenseStore, slot: u32, out: &mut Vec<(u64, u32)>) {
    let first = dense.meta(slot).first;
    dense.for_each_run(slot, 0, dense.meta(slot).len(), |x, _, t| {
        out.push((first + x as u64, u32::from(t)))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chunks of 16 pages, dense above 4 runs, back to runs at 2 or fewer.
    const SMALL: Geometry = Geometry {
        chunk_shift: 4,
        dense_above: 4,
        sparse_at_most: 2,
    };

    fn lcg(state: &mut u64) -> u64 {
        *state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        *state >> 33
    }

    fn expand(map: &TypeMap, a: u64, b: u64) -> Vec<u8> {
        let mut pages = vec![];
        let mut last: Option<(u64, u8)> = None;
        map.for_each_run(a, b, |s, e, t| {
            // Merged: neighbouring runs differ and touch.
            if let Some((end, lt)) = last {
                assert_eq!(end, s);
                assert_ne!(lt, t);
            }
            last = Some((e, t));
            pages.extend(std::iter::repeat_n(t, (e - s) as usize));
        });
        pages
    }

    fn model_runs(model: &[u8]) -> u64 {
        1 + model.windows(2).filter(|w| w[0] != w[1]).count() as u64
    }

    #[test]
    fn alternating_pages_become_dense_and_a_uniform_write_makes_them_runs_again() {
        let mut map = TypeMap::new(100, 0, SMALL);
        for p in (1..100).step_by(2) {
            map.assign(p, p + 1, 1);
        }
        map.check();
        // Chunks 0…5 hold 16 runs each (the last, 4 pages, is never more than 4 runs).
        assert_eq!(map.dense_count(), 6);
        assert_eq!(map.run_count(), 100);
        assert_eq!(map.value_at(33), 1);
        assert_eq!(map.value_at(34), 0);
        // Whole chunks dropped, a partial one written in place (still 6 runs: it stays dense).
        map.assign(5, 100, 1);
        map.check();
        assert_eq!(map.dense_count(), 1);
        assert_eq!(
            expand(&map, 0, 100),
            [vec![0, 1, 0, 1, 0], vec![1; 95]].concat()
        );
        assert_eq!(map.run_count(), 6);
        // Down to 2 runs: back to runs, merged with the run after it.
        map.assign(0, 4, 0);
        map.check();
        assert_eq!(map.dense_count(), 0);
        assert_eq!(map.run_count(), 2);
        assert_eq!(map.runs.len(), 2);
    }

    #[test]
    fn runs_merge_across_dense_and_run_entries() {
        let mut map = TypeMap::new(64, 2, SMALL);
        // Chunk 1 (16…31) dense, ending in type 2 like the run after it; chunk 0 ends in 2 too.
        for p in [16, 18, 20, 22, 24] {
            map.assign(p, p + 1, 3);
        }
        map.check();
        assert_eq!(map.dense_count(), 1);
        let mut runs = vec![];
        map.for_each_run(0, 64, |s, e, t| runs.push((s, e, t)));
        let mut want = vec![(0, 16, 2)];
        for p in [16, 18, 20, 22] {
            want.extend([(p, p + 1, 3), (p + 1, p + 2, 2)]);
        }
        want.extend([(24, 25, 3), (25, 64, 2)]);
        assert_eq!(runs, want);
        assert_eq!(map.run_count(), 11);
        // Counting from a run into the dense chunk and out again.
        let mut counts = [0; TYPES];
        assert_eq!(map.tally(10, 40, 0, &mut counts), None);
        assert_eq!((counts[2], counts[3]), (25, 5));
    }

    #[test]
    fn a_refused_page_inside_a_dense_chunk_stops_the_tally_there() {
        let mut map = TypeMap::new(64, 0, SMALL);
        for p in (0..64).step_by(2) {
            map.assign(p, p + 1, 1);
        }
        map.assign(37, 38, 5);
        map.check();
        let mut counts = [0; TYPES];
        assert_eq!(map.tally(3, 64, 1 << 5, &mut counts), Some(37));
        assert_eq!((counts[0], counts[1]), (17, 17));
        // The retype's write up to the refused page: partial chunk 2 (32…47) written in place.
        map.assign(3, 37, 4);
        map.check();
        assert_eq!(
            expand(&map, 0, 40),
            vec![
                1, 0, 1, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
                4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 1, 0
            ]
        );
    }

    #[test]
    fn replace_value_changes_dense_pages_and_may_make_runs() {
        let mut map = TypeMap::new(48, 0, SMALL);
        for p in (0..48).step_by(2) {
            map.assign(p, p + 1, 1);
        }
        assert_eq!(map.dense_count(), 3);
        assert_eq!(map.replace_value(1, 0), 24);
        map.check();
        assert_eq!(map.dense_count(), 0);
        assert_eq!(expand(&map, 0, 48), vec![0; 48]);
        assert_eq!(map.run_count(), 1);
    }

    #[test]
    fn replace_value_turns_many_chunks_back_to_runs_in_one_rebuild() {
        // 40 chunks of 16 pages: even chunks alternate 1/2 (uniform after 1 → 2), odd chunks 3/4
        // (untouched, stay dense), every fifth chunk left as one run of 5 between them.
        let end = 40 * 16 + 7;
        let mut map = TypeMap::new(end, 5, SMALL);
        let mut model = vec![5u8; end as usize];
        for c in 0..40u64 {
            if c % 5 == 4 {
                continue;
            }
            let (a, b) = if c % 2 == 0 { (1, 2) } else { (3, 4) };
            for p in c * 16..c * 16 + 16 {
                let t = if p % 2 == 0 { a } else { b };
                map.assign(p, p + 1, t);
                model[p as usize] = t;
            }
        }
        map.check();
        assert_eq!(map.dense_count(), 32);
        // Replaces in the map and the model; checks pages, run count and invariants; returns the
        // pages changed.
        let mut replace = |from: u8, to: u8| {
            let changed = map.replace_value(from, to);
            for t in model.iter_mut().filter(|t| **t == from) {
                *t = to;
            }
            map.check();
            assert_eq!(expand(&map, 0, end), model);
            assert_eq!(map.run_count(), model_runs(&model));
            (changed, map.dense_count())
        };
        assert_eq!(replace(1, 2), (16 * 8, 16));
        // And back: the dense chunks that stayed are still written correctly.
        assert_eq!(replace(3, 4), (16 * 8, 0));
    }

    #[test]
    fn dropping_most_dense_chunks_compacts_the_store_and_renumbers_entries() {
        let end = 100 * 16 + 4; // the last 4 pages never exceed 4 runs: never dense
        let mut map = TypeMap::new(end, 0, SMALL);
        let mut model = vec![0u8; end as usize];
        for p in (0..end).step_by(2) {
            map.assign(p, p + 1, 1);
            model[p as usize] = 1;
        }
        assert_eq!(map.dense_count(), 100);
        // Chunks 0…89 dropped at once: 10 live of 100 slots, so the rest move down.
        map.assign(0, 90 * 16, 2);
        model[..90 * 16].fill(2);
        map.check();
        assert_eq!(map.dense_count(), 10);
        assert_eq!(map.dense.chunks().map(|(s, _)| s).max(), Some(9));
        assert_eq!(expand(&map, 0, end), model);
        assert_eq!(map.run_count(), model_runs(&model));
        // And everything: the store is empty and gives its arena back.
        map.assign(0, end, 3);
        map.check();
        assert_eq!(map.dense_count(), 0);
        assert_eq!(map.run_count(), 1);
    }

    #[test]
    fn random_operations_match_a_per_page_model() {
        for seed in 1..300u64 {
            let mut state = seed;
            let end = 1 + lcg(&mut state) % 150;
            let init = (lcg(&mut state) % 3) as u8;
            let mut model = vec![init; end as usize];
            let mut map = TypeMap::new(end, init, SMALL);
            let mut dense_seen = false;
            for _ in 0..200 {
                // Short ranges mostly, so that chunks fragment; now and then a long one.
                let a = lcg(&mut state) % end;
                let len = if lcg(&mut state).is_multiple_of(8) {
                    lcg(&mut state) % (end - a + 1)
                } else {
                    lcg(&mut state) % 4
                };
                let b = (a + len).min(end);
                let v = (lcg(&mut state) % 3) as u8;
                match lcg(&mut state) % 10 {
                    0 => {
                        let to = (lcg(&mut state) % 3) as u8;
                        let mut expected = 0;
                        for x in model.iter_mut().filter(|x| **x == v) {
                            if v != to {
                                *x = to;
                                expected += 1;
                            }
                        }
                        assert_eq!(map.replace_value(v, to), expected);
                    }
                    1..=3 => {
                        // A retype: tally up to the first stopping page, then assign up to it.
                        let stops = (lcg(&mut state) % 8) as u16;
                        let mut counts = [0; TYPES];
                        let stop = map.tally(a, b, stops, &mut counts);
                        let mut want = [0; TYPES];
                        let mut want_stop = None;
                        for p in a..b {
                            let t = model[p as usize];
                            if stops >> t & 1 != 0 {
                                want_stop = Some(p);
                                break;
                            }
                            want[usize::from(t)] += 1;
                        }
                        assert_eq!((stop, counts), (want_stop, want));
                        let upto = stop.unwrap_or(b);
                        map.assign(a, upto, v);
                        model[a as usize..upto as usize].fill(v);
                    }
                    _ => {
                        map.assign(a, b, v);
                        model[a as usize..b as usize].fill(v);
                    }
                }
                map.check();
                dense_seen |= map.dense_count() > 0;
                assert_eq!(expand(&map, 0, end), model);
                assert_eq!(map.run_count(), model_runs(&model));
                let (c, d) = (lcg(&mut state) % (end + 1), lcg(&mut state) % (end + 3));
                assert_eq!(
                    expand(&map, c, d),
                    if c < d.min(end) {
                        model[c as usize..d.min(end) as usize].to_vec()
                    } else {
                        vec![]
                    }
                );
                let mut counts = [0; TYPES];
                assert_eq!(map.tally(c, d, 0, &mut counts), None);
                let mut want = [0; TYPES];
                for &t in model.iter().take(d.min(end) as usize).skip(c as usize) {
                    want[usize::from(t)] += 1;
                }
                assert_eq!(counts, want);
                let p = lcg(&mut state) % end;
                assert_eq!(map.value_at(p), model[p as usize]);
            }
            if end >= 48 {
                assert!(dense_seen, "seed {seed}: no chunk ever became dense");
            }
        }
    }
}
