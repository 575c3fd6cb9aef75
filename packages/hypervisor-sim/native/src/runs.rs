//! A run map: a value per position over 0…end−1 (end ≤ 2^32), stored as the sorted start positions
//! of runs of equal value. Invariants: a run starts at 0; neighbouring runs differ in value. So the
//! storage, and the cost of every operation, follows the number of runs, never the number of positions.

use std::collections::BTreeMap;

/// Runs of equal `u8` values over 0…end−1, keyed by start position.
#[derive(Debug, Clone)]
pub struct RunMap {
    starts: BTreeMap<u32, u8>,
    end: u64,
}

impl RunMap {
    /// `end` positions (1…2^32), all `value`.
    pub fn new(end: u64, value: u8) -> Self {
        debug_assert!((1..=1 << 32).contains(&end));
        RunMap {
            starts: BTreeMap::from([(0, value)]),
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

    /// The value at `pos` (< end). O(log runs).
    pub fn value_at(&self, pos: u64) -> u8 {
        debug_assert!(pos < self.end);
        // Position 0 always starts a run, so a run at or before `pos` exists.
        self.starts
            .range(..=pos as u32)
            .next_back()
            .map_or(0, |(_, &v)| v)
    }

    /// The runs covering `a`…`b`−1, clipped to it, in order: (first, end, value). O(log runs + runs yielded).
    pub fn segments(&self, a: u64, b: u64) -> impl Iterator<Item = (u64, u64, u8)> + '_ {
        let b = b.min(self.end);
        let from = if a < b {
            self.starts
                .range(..=a as u32)
                .next_back()
                .map_or(0, |(&s, _)| s)
        } else {
            0
        };
        let mut runs = self.starts.range(from..).peekable();
        let end = self.end;
        std::iter::from_fn(move || {
            if a >= b {
                return None;
            }
            let (&start, &value) = runs.next()?;
            let start = u64::from(start);
            if start >= b {
                return None;
            }
            let next = runs.peek().map_or(end, |&(&s, _)| u64::from(s));
            Some((start.max(a), next.min(b), value))
        })
    }

    /// Sets positions `a`…`b`−1 (a ≤ b ≤ end) to `value`, merging with equal neighbours.
    /// O((1 + k) · log runs) for the k runs starting inside a…b (O(runs) = O(k) when k ≥ runs/2).
    pub fn assign(&mut self, a: u64, b: u64, value: u8) {
        debug_assert!(a <= b && b <= self.end);
        if a == b {
            return;
        }
        // The run that continues past the range keeps its value from b on.
        let after = (b < self.end).then(|| self.value_at(b));
        // The runs starting inside a…b go. Few: remove them one by one, O(k log runs). Most of
        // the map (k ≥ runs/2): cut the map at a and b and join the outer parts, O(runs) = O(k).
        let half = self.starts.len() / 2;
        let inside: Vec<u32> = self
            .starts
            .range(a as u32..)
            .map(|(&s, _)| s)
            .take_while(|&s| u64::from(s) < b)
            .take(half.max(1))
            .collect();
        if inside.len() >= half.max(1) {
            let mut middle = self.starts.split_off(&(a as u32));
            if b < self.end {
                let mut tail = middle.split_off(&(b as u32));
                self.starts.append(&mut tail);
            }
        } else {
            for start in inside {
                self.starts.remove(&start);
            }
        }
        if let Some(after) = after {
            if after == value {
                self.starts.remove(&(b as u32));
            } else {
                self.starts.insert(b as u32, after);
            }
        }
        // Position 0 always starts a run; elsewhere, a range equal to the run before it extends that run.
        if a == 0 || self.value_at(a - 1) != value {
            self.starts.insert(a as u32, value);
        }
    }

    /// Replaces every run of value `from` by `to` and merges; returns the positions changed
    /// (0 when `from == to`). O(runs).
    pub fn replace_value(&mut self, from: u8, to: u8) -> u64 {
        if from == to {
            return 0;
        }
        let end = self.end;
        let mut changed = 0;
        let mut runs = self.starts.iter_mut().peekable();
        while let Some((&start, value)) = runs.next() {
            if *value == from {
                let next = runs.peek().map_or(end, |&(&s, _)| u64::from(s));
                changed += next - u64::from(start);
                *value = to;
            }
        }
        if changed > 0 {
            self.merge_all();
        }
        changed
    }

    /// Restores the invariant that neighbouring runs differ. O(runs).
    fn merge_all(&mut self) {
        let mut previous: Option<u8> = None;
        self.starts.retain(|_, value| {
            let keep = previous != Some(*value);
            previous = Some(*value);
            keep
        });
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
}
