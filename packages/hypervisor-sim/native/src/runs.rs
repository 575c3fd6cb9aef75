//! A run map: a value per position over 0…end−1 (end ≤ 2^32), stored as the sorted start positions
//! of runs of equal value in parallel vectors (`starts`, `values`), searched by bisection.
//! Invariants: starts[0] = 0; starts ascending; neighbouring runs differ in value. So the storage,
//! and the cost of every operation, follows the number of runs, never the number of positions.
//!
//! Costs, with R runs and k runs touched: value_at O(log R); segments O(log R + k); assign and
//! assign_runs O(log R) plus one memmove of the runs after the range (so retyping a fragmented range
//! collapses it in one move, not k removals); replace_value O(R).
//!
//! The value type is generic: the log-dirty set stores `u8` (0/1); the p2m types (types.rs) store `u32`,
//! where 0–15 are p2m types and larger values name a dense chunk (dense.rs). A run costs 4 bytes of
//! start plus the value. Callers that walk runs themselves (types.rs) use `span`, `start`, `run_end`
//! and `value` rather than an iterator, to keep their per-run loop free of iterator state.

/// Runs of equal values over 0…end−1: run i covers starts[i]…starts[i+1]−1 (the last, …end−1).
#[derive(Debug, Clone)]
pub struct RunMap<V> {
    starts: Vec<u32>,
    values: Vec<V>,
    end: u64,
}

/// Capacity below which a run map never gives memory back.
const MIN_SHRINK_CAPACITY: usize = 64;

impl<V: Copy + Eq + Default> RunMap<V> {
    /// `end` positions (1…2^32), all `value`.
    pub fn new(end: u64, value: V) -> Self {
        debug_assert!((1..=1 << 32).contains(&end));
        RunMap {
            starts: vec![0],
            values: vec![value],
            end,
        }
    }

    /// Number of positions.
    pub fn end(&self) -> u64 {
        self.end
    }

    /// Number of runs. O(1).
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// Index of the run holding `pos` (< end): the last run starting at or before it. O(log runs).
    pub fn index_of(&self, pos: u64) -> usize {
        // pos < end ≤ 2^32, so it fits a u32; starts[0] = 0 ≤ pos, so the point is ≥ 1.
        let pos = pos as u32;
        // Tables are often built front to back, so the last run is checked first.
        let last = self.starts.len() - 1;
        if self.starts[last] <= pos {
            return last;
        }
        self.starts.partition_point(|&s| s <= pos) - 1
    }

    /// Index of the run holding `pos` (< end), given a run `from` starting at or before it.
    fn index_of_from(&self, from: usize, pos: u64) -> usize {
        let pos = pos as u32;
        // Ranges often end in the run they start in, or soon after: look there before bisecting.
        match self.starts.get(from + 1) {
            None => from,
            Some(&next) if next > pos => from,
            Some(_) => from + self.starts[from..].partition_point(|&s| s <= pos) - 1,
        }
    }

    /// Where run `i` ends (exclusive).
    pub fn run_end(&self, i: usize) -> u64 {
        self.starts.get(i + 1).map_or(self.end, |&s| u64::from(s))
    }

    /// Where run `i` starts.
    pub fn start(&self, i: usize) -> u64 {
        u64::from(self.starts[i])
    }

    /// The value of run `i`.
    pub fn value(&self, i: usize) -> V {
        self.values[i]
    }

    /// The indices first…last−1 of the runs covering `a`…`b`−1 (b clipped to end); empty when the
    /// range is. O(log runs), and O(1) when the range ends in the run it starts in.
    pub fn span(&self, a: u64, b: u64) -> std::ops::Range<usize> {
        let b = b.min(self.end);
        if a >= b {
            return 0..0;
        }
        let first = self.index_of(a);
        first..self.index_of_from(first, b - 1) + 1
    }

    /// Replaces the value of run `i` by one that differs from both neighbours (a renumbering).
    pub fn set_value(&mut self, i: usize, value: V) {
        debug_assert!(i == 0 || self.values[i - 1] != value);
        debug_assert!(self.values.get(i + 1) != Some(&value));
        self.values[i] = value;
    }

    /// The value at `pos` (< end). O(log runs).
    pub fn value_at(&self, pos: u64) -> V {
        debug_assert!(pos < self.end);
        self.values[self.index_of(pos)]
    }

    /// The runs covering `a`…`b`−1, clipped to it, in order: (first, end, value). O(log runs + runs yielded).
    pub fn segments(&self, a: u64, b: u64) -> impl Iterator<Item = (u64, u64, V)> + '_ {
        // Runs first…last−1 cover the range; none when it is empty.
        let std::ops::Range {
            start: first,
            end: last,
        } = self.span(a, b);
        let b = b.min(self.end);
        let starts = &self.starts[..];
        let values = &self.values[..];
        (first..last).map(move |i| {
            // A run ends where the next starts; the last one covering the range, at b (clipped).
            let end = if i + 1 < last {
                u64::from(starts[i + 1])
            } else {
                b
            };
            (u64::from(starts[i]).max(a), end, values[i])
        })
    }

    /// Sets positions `a`…`b`−1 (a ≤ b ≤ end) to `value`, merging with equal neighbours.
    /// O(log runs) plus one memmove of the runs after the range.
    pub fn assign(&mut self, a: u64, b: u64, value: V) {
        debug_assert!(a <= b && b <= self.end);
        if a == b {
            return;
        }
        let i = self.index_of(a);
        let j = self.index_of_from(i, b - 1);
        // Runs i…j are replaced; one neighbour on each side joins in, so that equal runs merge.
        let lo = i.saturating_sub(1);
        let hi = (j + 2).min(self.len());
        let mut new_starts = [0u32; 5];
        let mut new_values = [V::default(); 5];
        let mut n = 0;
        let mut push = |start: u64, v: V| {
            if n > 0 && new_values[n - 1] == v {
                return;
            }
            new_starts[n] = start as u32;
            new_values[n] = v;
            n += 1;
        };
        if lo < i {
            push(u64::from(self.starts[lo]), self.values[lo]);
        }
        if u64::from(self.starts[i]) < a {
            push(u64::from(self.starts[i]), self.values[i]);
        }
        push(a, value);
        if b < self.run_end(j) {
            push(b, self.values[j]);
        }
        if hi > j + 1 {
            push(u64::from(self.starts[j + 1]), self.values[j + 1]);
        }
        self.replace_runs(lo, hi, &new_starts[..n], &new_values[..n]);
    }

    /// Sets positions `a`…`b`−1 (a < b ≤ end) to the runs `runs` (start, value): the first starts at
    /// a, starts ascend and stay below b; equal neighbours (in `runs` or around the range) merge.
    /// O(log runs + runs given) plus one memmove of the runs after the range.
    pub fn assign_runs(&mut self, a: u64, b: u64, runs: &[(u64, V)]) {
        debug_assert!(a < b && b <= self.end && runs.first().is_some_and(|r| r.0 == a));
        let i = self.index_of(a);
        let j = self.index_of_from(i, b - 1);
        let lo = i.saturating_sub(1);
        let hi = (j + 2).min(self.len());
        let mut new_starts = Vec::with_capacity(runs.len() + 4);
        let mut new_values: Vec<V> = Vec::with_capacity(runs.len() + 4);
        let mut push = |start: u64, v: V| {
            if new_values.last() == Some(&v) {
                return;
            }
            new_starts.push(start as u32);
            new_values.push(v);
        };
        if lo < i {
            push(u64::from(self.starts[lo]), self.values[lo]);
        }
        if u64::from(self.starts[i]) < a {
            push(u64::from(self.starts[i]), self.values[i]);
        }
        for &(start, v) in runs {
            push(start, v);
        }
        if b < self.run_end(j) {
            push(b, self.values[j]);
        }
        if hi > j + 1 {
            push(u64::from(self.starts[j + 1]), self.values[j + 1]);
        }
        self.replace_runs(lo, hi, &new_starts, &new_values);
    }

    /// Replaces runs lo…hi−1 by the given ones, moving the runs after them once.
    fn replace_runs(&mut self, lo: usize, hi: usize, starts: &[u32], values: &[V]) {
        let old = hi - lo;
        let new = starts.len();
        if new <= old {
            // Overwrite in place, then close the gap with one memmove per vector.
            self.starts[lo..lo + new].copy_from_slice(starts);
            self.values[lo..lo + new].copy_from_slice(values);
            if new < old {
                self.starts.drain(lo + new..hi);
                self.values.drain(lo + new..hi);
            }
        } else {
            self.starts.splice(lo..hi, starts.iter().copied());
            self.values.splice(lo..hi, values.iter().copied());
        }
        self.shrink_after_merge();
    }

    /// Gives memory back after a large merge (e.g. a fragmented table retyped whole).
    fn shrink_after_merge(&mut self) {
        let len = self.starts.len();
        if self.starts.capacity() > MIN_SHRINK_CAPACITY && len * 4 < self.starts.capacity() {
            self.starts.shrink_to(len * 2);
            self.values.shrink_to(len * 2);
        }
    }

    /// Replaces every run of value `from` by `to` and merges; returns the positions changed
    /// (0 when `from == to`). O(runs), in place.
    pub fn replace_value(&mut self, from: V, to: V) -> u64 {
        if from == to {
            return 0;
        }
        let len = self.len();
        let mut changed = 0;
        let mut w = 0;
        for r in 0..len {
            let mut v = self.values[r];
            if v == from {
                changed += self.run_end(r) - u64::from(self.starts[r]);
                v = to;
            }
            if w > 0 && self.values[w - 1] == v {
                continue;
            }
            self.starts[w] = self.starts[r];
            self.values[w] = v;
            w += 1;
        }
        self.starts.truncate(w);
        self.values.truncate(w);
        self.shrink_after_merge();
        changed
    }

    /// Rewrites the map in one pass: `expand(start, end, value, out)` appends the runs (start, value)
    /// that replace run start…end−1 (the first at `start`, ascending, below `end`); equal neighbours
    /// merge. O(runs + runs appended), however many runs are expanded (one `assign_runs` per run
    /// would move the runs after each one).
    pub fn rebuild(&mut self, mut expand: impl FnMut(u64, u64, V, &mut Vec<(u64, V)>)) {
        let mut starts = Vec::with_capacity(self.len());
        let mut values: Vec<V> = Vec::with_capacity(self.len());
        let mut out = Vec::new();
        for r in 0..self.len() {
            out.clear();
            let start = u64::from(self.starts[r]);
            expand(start, self.run_end(r), self.values[r], &mut out);
            debug_assert!(out.first().is_some_and(|&(s, _)| s == start));
            for &(s, v) in &out {
                if values.last() != Some(&v) {
                    starts.push(s as u32);
                    values.push(v);
                }
            }
        }
        self.starts = starts;
        self.values = values;
        self.shrink_after_merge();
    }

    /// Checks the invariants (tests only).
    #[cfg(test)]
    fn check(&self) {
        assert_eq!(self.starts.len(), self.values.len());
        assert_eq!(self.starts.first(), Some(&0));
        assert!(self.starts.windows(2).all(|w| w[0] < w[1]));
        assert!(self.values.windows(2).all(|w| w[0] != w[1]));
        assert!(self.starts.last().is_some_and(|&s| u64::from(s) < self.end));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dump(map: &RunMap<u8>) -> Vec<(u64, u64, u8)> {
        map.segments(0, map.end()).collect()
    }

    #[test]
    fn a_new_map_is_one_run() {
        let map = RunMap::<u8>::new(1 << 32, 0);
        assert_eq!(map.len(), 1);
        assert_eq!(dump(&map), vec![(0, 1 << 32, 0)]);
        assert_eq!(map.value_at((1 << 32) - 1), 0);
    }

    #[test]
    fn assign_splits_and_merges() {
        let mut map = RunMap::<u8>::new(100, 0);
        map.assign(10, 20, 3);
        assert_eq!(dump(&map), vec![(0, 10, 0), (10, 20, 3), (20, 100, 0)]);
        map.assign(20, 30, 3); // extends the run before
        assert_eq!(dump(&map), vec![(0, 10, 0), (10, 30, 3), (30, 100, 0)]);
        map.assign(5, 10, 3); // extends the run after
        assert_eq!(dump(&map), vec![(0, 5, 0), (5, 30, 3), (30, 100, 0)]);
        map.assign(5, 30, 0); // joins both neighbours
        assert_eq!(dump(&map), vec![(0, 100, 0)]);
        map.assign(0, 100, 7);
        assert_eq!(dump(&map), vec![(0, 100, 7)]);
        map.assign(99, 100, 1);
        map.assign(0, 1, 1);
        assert_eq!(dump(&map), vec![(0, 1, 1), (1, 99, 7), (99, 100, 1)]);
        map.assign(50, 50, 2); // empty
        assert_eq!(map.len(), 3);
    }

    #[test]
    fn assign_over_many_runs_removes_them() {
        let mut map = RunMap::<u8>::new(1000, 0);
        for i in 0..500 {
            map.assign(2 * i, 2 * i + 1, 1);
        }
        assert_eq!(map.len(), 1000);
        map.assign(1, 999, 5);
        assert_eq!(dump(&map), vec![(0, 1, 1), (1, 999, 5), (999, 1000, 0)]);
    }

    #[test]
    fn segments_clip_to_the_range_and_the_end() {
        let mut map = RunMap::<u8>::new(100, 0);
        map.assign(10, 20, 3);
        assert_eq!(
            map.segments(15, 25).collect::<Vec<_>>(),
            vec![(15, 20, 3), (20, 25, 0)]
        );
        assert_eq!(
            map.segments(95, 1 << 40).collect::<Vec<_>>(),
            vec![(95, 100, 0)]
        );
        assert_eq!(map.segments(100, 200).count(), 0);
        assert_eq!(map.segments(12, 12).count(), 0);
    }

    #[test]
    fn replace_value_counts_and_merges() {
        let mut map = RunMap::<u8>::new(100, 0);
        map.assign(10, 20, 3);
        map.assign(30, 40, 3);
        assert_eq!(map.replace_value(3, 0), 20);
        assert_eq!(dump(&map), vec![(0, 100, 0)]);
        assert_eq!(map.replace_value(0, 0), 0);
        assert_eq!(map.replace_value(4, 5), 0);
    }

    /// A tiny deterministic generator (no dependencies).
    fn lcg(state: &mut u64) -> u64 {
        *state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        *state >> 33
    }

    #[test]
    fn random_operations_match_a_per_position_model() {
        for seed in 1..40u64 {
            let mut state = seed;
            let end = 1 + lcg(&mut state) % 200;
            let mut model = vec![0u8; end as usize];
            let mut map = RunMap::<u8>::new(end, 0);
            for _ in 0..300 {
                let a = lcg(&mut state) % (end + 1);
                let b = a + lcg(&mut state) % (end + 1 - a);
                let v = (lcg(&mut state) % 4) as u8;
                if lcg(&mut state).is_multiple_of(10) {
                    let to = (lcg(&mut state) % 4) as u8;
                    let mut expected = 0;
                    for x in model.iter_mut().filter(|x| **x == v) {
                        if v != to {
                            *x = to;
                            expected += 1;
                        }
                    }
                    assert_eq!(map.replace_value(v, to), expected);
                } else if a < b && lcg(&mut state).is_multiple_of(4) {
                    // Several runs at once, some equal to their neighbours.
                    let mut runs = vec![(a, v)];
                    for p in a + 1..b {
                        if lcg(&mut state).is_multiple_of(3) {
                            runs.push((p, (lcg(&mut state) % 4) as u8));
                        }
                    }
                    for (k, &(s, x)) in runs.iter().enumerate() {
                        let e = runs.get(k + 1).map_or(b, |r| r.0);
                        model[s as usize..e as usize].fill(x);
                    }
                    map.assign_runs(a, b, &runs);
                } else {
                    map.assign(a, b, v);
                    model[a as usize..b as usize].fill(v);
                }
                map.check();
                let expanded: Vec<u8> = dump(&map)
                    .into_iter()
                    .flat_map(|(s, e, v)| std::iter::repeat_n(v, (e - s) as usize))
                    .collect();
                assert_eq!(expanded, model);
                let runs = 1 + model.windows(2).filter(|w| w[0] != w[1]).count();
                assert_eq!(map.len(), runs);
                let (c, d) = (a.min(b), b + lcg(&mut state) % 5);
                let clipped: Vec<u8> = map
                    .segments(c, d)
                    .flat_map(|(s, e, v)| std::iter::repeat_n(v, (e - s) as usize))
                    .collect();
                let d = d.min(end);
                let want = if c < d {
                    model[c as usize..d as usize].to_vec()
                } else {
                    vec![]
                };
                assert_eq!(clipped, want);
                if a < end {
                    assert_eq!(map.value_at(a), model[a as usize]);
                }
            }
        }
    }

    #[test]
    fn a_fragmented_range_collapses_and_gives_memory_back() {
        let mut map = RunMap::<u8>::new(1 << 20, 0);
        for i in 0..(1u64 << 19) {
            map.assign(2 * i + 1, 2 * i + 2, 1);
        }
        assert_eq!(map.len(), 1 << 20);
        map.assign(0, 1 << 20, 2);
        map.check();
        assert_eq!(dump(&map), vec![(0, 1 << 20, 2)]);
        assert!(map.starts.capacity() <= MIN_SHRINK_CAPACITY.max(2) * 2);
    }
}
