//! A run map: a value per position over 0…end−1 (end ≤ 2^32), stored as the sorted start positions
//! of runs of equal value in parallel vectors (`starts`, `values`), searched by bisection.
//! Invariants: starts[0] = 0; starts ascending; neighbouring runs differ in value. So the storage,
//! and the cost of every operation, follows the number of runs, never the number of positions.
//!
//! Costs, with R runs and k runs touched: value_at O(log R); segments and tally O(log R + k); assign
//! O(log R) plus one memmove of the runs after the range (so retyping a fragmented range collapses
//! it in one move, not k removals); replace_value O(R).

/// Runs of equal `u8` values over 0…end−1: run i covers starts[i]…starts[i+1]−1 (the last, …end−1).
#[derive(Debug, Clone)]
pub struct RunMap {
    starts: Vec<u32>,
    values: Vec<u8>,
    end: u64,
}

/// Capacity below which a run map never gives memory back.
const MIN_SHRINK_CAPACITY: usize = 64;

impl RunMap {
    /// `end` positions (1…2^32), all `value`.
    pub fn new(end: u64, value: u8) -> Self {
        debug_assert!((1..=1 << 32).contains(&end));
        RunMap {
            starts: vec![0],
            values: vec![value],
            end,
        }
    }

    /// Number of positions.
    #[cfg(test)]
    pub fn end(&self) -> u64 {
        self.end
    }

    /// Number of runs. O(1).
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// Index of the run holding `pos` (< end): the last run starting at or before it. O(log runs).
    fn index_of(&self, pos: u64) -> usize {
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
    fn run_end(&self, i: usize) -> u64 {
        self.starts.get(i + 1).map_or(self.end, |&s| u64::from(s))
    }

    /// The value at `pos` (< end). O(log runs).
    pub fn value_at(&self, pos: u64) -> u8 {
        debug_assert!(pos < self.end);
        self.values[self.index_of(pos)]
    }

    /// The runs covering `a`…`b`−1, clipped to it, in order: (first, end, value). O(log runs + runs yielded).
    pub fn segments(&self, a: u64, b: u64) -> impl Iterator<Item = (u64, u64, u8)> + '_ {
        let b = b.min(self.end);
        // Runs first…last−1 cover the range; none when it is empty.
        let (first, last) = if a < b {
            let first = self.index_of(a);
            (first, self.index_of_from(first, b - 1) + 1)
        } else {
            (0, 0)
        };
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

    /// Adds the length of each run in `a`…`b`−1 (clipped to it) to `counts[value]`, in order, stopping
    /// at the first run whose value `stops`; returns where that run starts (clipped), or None.
    /// Values must index `counts`. O(log runs + runs visited), per run, never per position.
    pub fn tally(
        &self,
        a: u64,
        b: u64,
        counts: &mut [u64],
        stops: impl Fn(u8) -> bool,
    ) -> Option<u64> {
        let b = b.min(self.end);
        if a >= b {
            return None;
        }
        let first = self.index_of(a);
        let last = self.index_of_from(first, b - 1) + 1;
        let starts = &self.starts[first..last];
        let values = &self.values[first..last];
        // Four interleaved tallies, so that neighbouring runs' additions do not wait on each other.
        let mut lanes = [[0u64; 4]; 256];
        let mut stopped = None;
        for (i, (w, &v)) in starts.windows(2).zip(values).enumerate() {
            if stops(v) {
                stopped = Some(i);
                break;
            }
            lanes[usize::from(v)][i & 3] += u64::from(w[1] - w[0]);
        }
        // The last run covering the range ends at b; the first starts at a.
        let n = starts.len() - 1;
        if stopped.is_none() {
            if stops(values[n]) {
                stopped = Some(n);
            } else {
                lanes[usize::from(values[n])][n & 3] += b;
                lanes[usize::from(values[n])][n & 3] -= u64::from(starts[n]);
            }
        }
        // Clip the first run to a (it was counted from its start, unless it stopped).
        if stopped != Some(0) {
            lanes[usize::from(values[0])][0] -= a - u64::from(starts[0]);
        }
        for (count, lane) in counts.iter_mut().zip(&lanes) {
            *count += lane.iter().sum::<u64>();
        }
        stopped.map(|i| u64::from(starts[i]).max(a))
    }

    /// Sets positions `a`…`b`−1 (a ≤ b ≤ end) to `value`, merging with equal neighbours.
    /// O(log runs) plus one memmove of the runs after the range.
    pub fn assign(&mut self, a: u64, b: u64, value: u8) {
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
        let mut new_values = [0u8; 5];
        let mut n = 0;
        let mut push = |start: u64, v: u8| {
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

    /// Replaces runs lo…hi−1 by the given ones, moving the runs after them once.
    fn replace_runs(&mut self, lo: usize, hi: usize, starts: &[u32], values: &[u8]) {
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
    pub fn replace_value(&mut self, from: u8, to: u8) -> u64 {
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

    fn dump(map: &RunMap) -> Vec<(u64, u64, u8)> {
        map.segments(0, map.end()).collect()
    }

    #[test]
    fn a_new_map_is_one_run() {
        let map = RunMap::new(1 << 32, 0);
        assert_eq!(map.len(), 1);
        assert_eq!(dump(&map), vec![(0, 1 << 32, 0)]);
        assert_eq!(map.value_at((1 << 32) - 1), 0);
    }

    #[test]
    fn assign_splits_and_merges() {
        let mut map = RunMap::new(100, 0);
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
        let mut map = RunMap::new(1000, 0);
        for i in 0..500 {
            map.assign(2 * i, 2 * i + 1, 1);
        }
        assert_eq!(map.len(), 1000);
        map.assign(1, 999, 5);
        assert_eq!(dump(&map), vec![(0, 1, 1), (1, 999, 5), (999, 1000, 0)]);
    }

    #[test]
    fn segments_clip_to_the_range_and_the_end() {
        let mut map = RunMap::new(100, 0);
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
        let mut map = RunMap::new(100, 0);
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
            let mut map = RunMap::new(end, 0);
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
                // tally: counts up to the first position of a stopping value.
                let stop_value = (lcg(&mut state) % 5) as u8;
                let mut counts = [0u64; 4];
                let stopped = map.tally(c, d, &mut counts, |v| v == stop_value);
                let mut want_counts = [0u64; 4];
                let mut want_stop = None;
                for (p, &v) in want.iter().enumerate() {
                    if v == stop_value {
                        want_stop = Some(c + p as u64);
                        break;
                    }
                    want_counts[usize::from(v)] += 1;
                }
                assert_eq!((stopped, counts), (want_stop, want_counts));
            }
        }
    }

    #[test]
    fn a_fragmented_range_collapses_and_gives_memory_back() {
        let mut map = RunMap::new(1 << 20, 0);
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
