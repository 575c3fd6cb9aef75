//! A dense chunk: one aligned stretch of the p2m (4096 pages by default, see types.rs) stored as one
//! byte per page, for stretches too fragmented for runs to pay. Beside the bytes it keeps the pages of
//! each type (`counts`) and the number of type changes between neighbouring pages (`transitions`, so
//! the chunk holds transitions+1 runs), both updated by every write, so that:
//! - a retype or count that covers the whole chunk reads `counts` and touches no page (O(16));
//! - runCount stays exact without scanning pages;
//! - the chunk knows when it has become uniform (or nearly) and should go back to runs.
//!
//! Per-page work is done by loops the compiler vectorises on the x86-64 baseline (SSE2): a count of
//! the pages equal to one type (compare, subtract, in fixed blocks of 240 so the byte lanes cannot
//! overflow), a count of unequal neighbours, a fill (memset), a select (`from` → `to`), and searches
//! for the first page of a set of types or not of a type (an OR of compares per 64-page block, then a
//! scalar look inside the one block that hit). No per-page branch and no per-page table look-up: a
//! 16-entry outcome table would need a byte shuffle (SSSE3), so the loops compare against the types
//! actually present (bits of `counts`), usually one or two, and the last type's count is what remains.
//! Measured on the 2-core build machine (release, 2^20 pages alternating two types, cache-resident;
//! `cargo test --release -- --ignored --nocapture kernels_run_near_memory_speed`), ns per page:
//! memset 0.013–0.014, count of one type 0.025, unequal neighbours 0.031–0.034, first of a set
//! 0.027–0.038, select plus recount 0.07; against ~1.8 ns per run for a run list.
//!
//! The pages live in one arena per table, not one allocation per chunk: retyping a fragmented table
//! whole then reads the chunks' metadata in order and frees nothing per chunk (first measured with a
//! Box per chunk, the frees and cold headers cost ~200 ns a chunk from Node; now ~15 ns).
//! The bulk path measured by `fragmented_retype_runs_near_memory_speed`: 2^20 alternating pages
//! retyped whole in 6–11 µs (a warm memset of 2^20 bytes takes ~14 µs), 2^24 pages in 60 µs. The
//! per-page path (a retype stopping at a refused page inside every chunk: search, count, fill,
//! recount, back to runs) costs ~0.3 ns/page: several passes, bounded by the ≤ 2 partly covered chunks
//! of an operation.

/// Internal p2m types, as many as the schema lists; the bit masks of type sets are u16.
pub const TYPES: usize = xenmem_abi::P2M_TYPE_COUNT;
const _: () = assert!(TYPES <= u16::BITS as usize, "a set of p2m types is a u16 mask");

/// Pages per block when counting into byte lanes (≤ 255, so a lane cannot overflow; a multiple of 16).
const COUNT_BLOCK: usize = 240;
/// Pages per block when searching: the search tests a block at once, then looks inside the one that hit.
const SEARCH_BLOCK: usize = 64;

/// What a dense chunk knows besides its pages; kept in one vector, so that a pass over many whole
/// chunks reads 80 bytes each, in order, and touches neither their pages nor the allocator.
#[derive(Debug, Clone)]
pub struct ChunkMeta {
    /// The first page of the chunk (chunk-aligned).
    pub first: u64,
    /// Pages in the chunk: a full chunk except at the end of the table; 0 for a free slot.
    len: u32,
    /// Pages i (1 ≤ i < len) whose type differs from page i−1's.
    transitions: u32,
    /// Pages of each type.
    counts: [u32; TYPES],
}

impl ChunkMeta {
    /// Where the chunk ends (exclusive).
    pub fn end(&self) -> u64 {
        self.first + u64::from(self.len)
    }

    /// Pages in the chunk.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Runs of equal type inside the chunk.
    pub fn run_count(&self) -> u32 {
        self.transitions + 1
    }

    /// Type changes between neighbouring pages inside the chunk.
    pub fn transitions(&self) -> u32 {
        self.transitions
    }

    /// Types present (bit t set when some page is of type t).
    fn present(&self) -> u16 {
        self.counts
            .iter()
            .enumerate()
            .fold(0, |m, (t, &n)| m | (u16::from(n > 0) << t))
    }
}

/// The dense chunks of one table: their metadata by slot, and their pages in one arena (slot s at
/// s·chunk_pages), so that making a chunk dense or dropping it allocates and frees nothing once the
/// arena has grown; free slots are reused. The arena is given back when no chunk is left, and
/// compacted when fewer than a quarter of its slots are live (see `compact`).
#[derive(Debug, Clone)]
pub struct DenseStore {
    chunk_pages: usize,
    metas: Vec<ChunkMeta>,
    pages: Vec<u8>,
    free: Vec<u32>,
}

impl DenseStore {
    pub fn new(chunk_pages: usize) -> Self {
        DenseStore {
            chunk_pages,
            metas: Vec::new(),
            pages: Vec::new(),
            free: Vec::new(),
        }
    }

    /// Chunks held.
    pub fn live(&self) -> usize {
        self.metas.len() - self.free.len()
    }

    /// The live chunks: (slot, metadata).
    pub fn chunks(&self) -> impl Iterator<Item = (u32, &ChunkMeta)> {
        self.metas
            .iter()
            .enumerate()
            .filter(|(_, m)| m.len > 0)
            .map(|(s, m)| (s as u32, m))
    }

    pub fn meta(&self, slot: u32) -> &ChunkMeta {
        &self.metas[slot as usize]
    }

    /// The pages of chunk `slot`.
    pub fn pages(&self, slot: u32) -> &[u8] {
        let at = slot as usize * self.chunk_pages;
        &self.pages[at..at + self.metas[slot as usize].len()]
    }

    /// The metadata and pages of chunk `slot`, to change.
    fn parts(&mut self, slot: u32) -> (&mut ChunkMeta, &mut [u8]) {
        let meta = &mut self.metas[slot as usize];
        let at = slot as usize * self.chunk_pages;
        let len = meta.len as usize;
        (meta, &mut self.pages[at..at + len])
    }

    /// The type of page `offset` of chunk `slot`.
    pub fn get(&self, slot: u32, offset: usize) -> u8 {
        self.pages[slot as usize * self.chunk_pages + offset]
    }

    /// The type of the last page of chunk `slot`.
    pub fn last(&self, slot: u32) -> u8 {
        self.get(slot, self.metas[slot as usize].len() - 1)
    }

    /// A chunk from `first` on (len ≤ chunk_pages pages), from its runs (start offset, type) in
    /// order; returns its slot.
    pub fn alloc(&mut self, first: u64, len: usize, runs: &[(usize, u8)]) -> u32 {
        debug_assert!(0 < len && len <= self.chunk_pages);
        let slot = self.free.pop().unwrap_or_else(|| {
            self.metas.push(ChunkMeta {
                first: 0,
                len: 0,
                transitions: 0,
                counts: [0; TYPES],
            });
            self.pages.resize(self.metas.len() * self.chunk_pages, 0);
            (self.metas.len() - 1) as u32
        });
        self.metas[slot as usize] = ChunkMeta {
            first,
            len: len as u32,
            transitions: runs.len() as u32 - 1,
            counts: [0; TYPES],
        };
        let (meta, pages) = self.parts(slot);
        for (k, &(start, t)) in runs.iter().enumerate() {
            let end = runs.get(k + 1).map_or(len, |r| r.0);
            pages[start..end].fill(t);
            meta.counts[usize::from(t)] += (end - start) as u32;
        }
        slot
    }

    /// Frees chunk `slot` (its run-map entry must be overwritten by the caller).
    pub fn free(&mut self, slot: u32) {
        self.metas[slot as usize].len = 0;
        self.free.push(slot);
    }

    /// Gives memory back: all of it when no chunk is left; when fewer than a quarter of the slots
    /// (and more than 64) are live, moves the live chunks to the lowest slots and returns the moves
    /// (old slot, new slot), which the caller applies to its run map. O(live chunks · chunk pages).
    pub fn compact(&mut self) -> Vec<(u32, u32)> {
        if self.live() == 0 {
            *self = DenseStore::new(self.chunk_pages);
            return vec![];
        }
        if self.metas.len() <= 64 || self.live() * 4 >= self.metas.len() {
            return vec![];
        }
        let mut moves = vec![];
        let mut to = 0;
        for from in 0..self.metas.len() {
            if self.metas[from].len == 0 {
                continue;
            }
            if from != to {
                self.metas.swap(from, to);
                let c = self.chunk_pages;
                self.pages.copy_within(from * c..(from + 1) * c, to * c);
                moves.push((from as u32, to as u32));
            }
            to += 1;
        }
        self.metas.truncate(to);
        self.metas.shrink_to_fit();
        self.pages.truncate(to * self.chunk_pages);
        self.pages.shrink_to_fit();
        self.free.clear();
        self.free.shrink_to_fit();
        moves
    }

    /// Adds the pages of each type in offsets x…y−1 of chunk `slot` to `counts`, up to the first page
    /// whose type is in `stops` (a bit set); returns that page's offset, or None. The whole chunk
    /// without a stopping type present costs O(16); otherwise a search and a count per present type,
    /// at memory speed.
    pub fn tally(
        &self,
        slot: u32,
        x: usize,
        y: usize,
        stops: u16,
        counts: &mut [u64; TYPES],
    ) -> Option<usize> {
        let meta = self.meta(slot);
        let present = meta.present();
        if x == 0 && y == meta.len() && present & stops == 0 {
            for (c, &n) in counts.iter_mut().zip(&meta.counts) {
                *c += u64::from(n);
            }
            return None;
        }
        let pages = &self.pages(slot)[x..y];
        let stop = if present & stops != 0 {
            first_of(pages, present & stops)
        } else {
            None
        };
        let histogram = histogram(&pages[..stop.unwrap_or(pages.len())], present);
        for (c, &n) in counts.iter_mut().zip(&histogram) {
            *c += u64::from(n);
        }
        stop.map(|p| x + p)
    }

    /// Sets offsets x…y−1 (x < y ≤ len) of chunk `slot` to type `t`, keeping counts and transitions.
    pub fn fill(&mut self, slot: u32, x: usize, y: usize, t: u8) {
        let (meta, pages) = self.parts(slot);
        let old = histogram(&pages[x..y], meta.present());
        for (c, &n) in meta.counts.iter_mut().zip(&old) {
            *c -= n;
        }
        meta.counts[usize::from(t)] += (y - x) as u32;
        // Transitions between pages x−1…y (those the fill can change): before and after.
        let lo = x.saturating_sub(1);
        let hi = (y + 1).min(pages.len());
        let before = count_transitions(&pages[lo..hi]);
        pages[x..y].fill(t);
        let after =
            u64::from(x > 0 && pages[x - 1] != t) + u64::from(y < pages.len() && pages[y] != t);
        meta.transitions = (u64::from(meta.transitions) + after - before) as u32;
    }

    /// Every page of type `from` in chunk `slot` becomes `to` (from ≠ to); returns the pages changed.
    pub fn replace(&mut self, slot: u32, from: u8, to: u8) -> u64 {
        let (meta, pages) = self.parts(slot);
        let n = meta.counts[usize::from(from)];
        if n == 0 {
            return 0;
        }
        for b in pages.iter_mut() {
            // A select, not a branch: compare, and, or.
            let hit = u8::from(*b == from).wrapping_neg();
            *b = (*b & !hit) | (to & hit);
        }
        meta.counts[usize::from(from)] = 0;
        meta.counts[usize::from(to)] += n;
        meta.transitions = count_transitions(pages) as u32;
        u64::from(n)
    }

    /// Calls `f(first offset, end offset, type)` for each run in offsets x…y−1 of chunk `slot`.
    pub fn for_each_run(&self, slot: u32, x: usize, y: usize, mut f: impl FnMut(usize, usize, u8)) {
        let pages = self.pages(slot);
        let mut i = x;
        while i < y {
            let t = pages[i];
            let j = i + first_not(&pages[i..y], t).unwrap_or(y - i);
            f(i, j, t);
            i = j;
        }
    }

    /// Checks a chunk's counts and transitions against its pages (tests only).
    #[cfg(test)]
    pub fn check(&self, slot: u32) {
        let mut counts = [0u32; TYPES];
        for &b in self.pages(slot) {
            counts[usize::from(b)] += 1;
        }
        let meta = self.meta(slot);
        assert_eq!(counts, meta.counts);
        assert_eq!(
            meta.transitions,
            self.pages(slot).windows(2).filter(|w| w[0] != w[1]).count() as u32
        );
    }
}

/// Pages of type `t` in `types`. Vectorised: compares and byte-lane sums over fixed-size blocks
/// (a block of COUNT_BLOCK pages cannot overflow a byte lane).
pub fn count_equal(types: &[u8], t: u8) -> u64 {
    let blocks = types.chunks_exact(COUNT_BLOCK);
    let tail = blocks.remainder();
    let count = |block: &[u8]| u64::from(block.iter().fold(0u8, |n, &b| n + u8::from(b == t)));
    blocks.map(count).sum::<u64>() + count(tail)
}

/// Neighbouring pages of different types in `types`. Vectorised like count_equal.
pub fn count_transitions(types: &[u8]) -> u64 {
    if types.len() < 2 {
        return 0;
    }
    let (left, right) = (&types[..types.len() - 1], &types[1..]);
    let count = |l: &[u8], r: &[u8]| {
        u64::from(
            l.iter()
                .zip(r)
                .fold(0u8, |n, (&a, &b)| n + u8::from(a != b)),
        )
    };
    let (lb, rb) = (
        left.chunks_exact(COUNT_BLOCK),
        right.chunks_exact(COUNT_BLOCK),
    );
    let (lt, rt) = (lb.remainder(), rb.remainder());
    lb.zip(rb).map(|(l, r)| count(l, r)).sum::<u64>() + count(lt, rt)
}

/// Pages of each type in `types`, given the types that may be present (a bit set): a counting pass
/// per present type but the last, whose count is what remains.
pub fn histogram(types: &[u8], present: u16) -> [u32; TYPES] {
    let mut counts = [0u32; TYPES];
    let mut rest = types.len() as u32;
    let mut mask = present;
    while mask != 0 {
        let t = mask.trailing_zeros() as u8;
        mask &= mask - 1;
        if mask == 0 {
            counts[usize::from(t)] = rest;
        } else {
            let n = count_equal(types, t) as u32;
            counts[usize::from(t)] = n;
            rest -= n;
        }
    }
    counts
}

/// The offset of the first page in `types` whose type is in `set` (a bit set), or None.
pub fn first_of(types: &[u8], set: u16) -> Option<usize> {
    let mut wanted = [0u8; TYPES];
    let mut n = 0;
    for t in 0..TYPES as u8 {
        if set >> t & 1 != 0 {
            wanted[n] = t;
            n += 1;
        }
    }
    let wanted = &wanted[..n];
    // One vectorised OR of compares per wanted type over a fixed-size block.
    let block_hits = |block: &[u8; SEARCH_BLOCK]| {
        wanted.iter().fold(0u8, |acc, &t| {
            acc | block.iter().fold(0u8, |h, &b| h | u8::from(b == t))
        })
    };
    let inside = |block: &[u8]| block.iter().position(|b| wanted.contains(b));
    let blocks = types.chunks_exact(SEARCH_BLOCK);
    let tail = blocks.remainder();
    for (k, block) in blocks.enumerate() {
        let block: &[u8; SEARCH_BLOCK] = block.try_into().expect("chunks_exact");
        if block_hits(block) != 0 {
            return inside(block).map(|p| k * SEARCH_BLOCK + p);
        }
    }
    inside(tail).map(|p| types.len() - tail.len() + p)
}

/// The offset of the first page in `types` not of type `t`, or None: the first page checked alone
/// (runs in fragmented chunks are short), then an OR of compares per fixed-size block (vectorised).
pub fn first_not(types: &[u8], t: u8) -> Option<usize> {
    match types {
        [] => return None,
        [b, ..] if *b != t => return Some(0),
        _ => {}
    }
    let inside = |block: &[u8]| block.iter().position(|&b| b != t);
    let blocks = types.chunks_exact(SEARCH_BLOCK);
    let tail = blocks.remainder();
    for (k, block) in blocks.enumerate() {
        let block: &[u8; SEARCH_BLOCK] = block.try_into().expect("chunks_exact");
        if block.iter().fold(0u8, |h, &b| h | u8::from(b != t)) != 0 {
            return inside(block).map(|p| k * SEARCH_BLOCK + p);
        }
    }
    inside(tail).map(|p| types.len() - tail.len() + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store holding one chunk of these pages, at page 4096.
    fn chunk(types: &[u8]) -> (DenseStore, u32) {
        let mut runs = vec![];
        for (i, &t) in types.iter().enumerate() {
            if i == 0 || types[i - 1] != t {
                runs.push((i, t));
            }
        }
        let mut store = DenseStore::new(types.len().max(16));
        let slot = store.alloc(4096, types.len(), &runs);
        store.check(slot);
        (store, slot)
    }

    #[test]
    fn kernels_count_search_and_select() {
        let types: Vec<u8> = (0..1000u32).map(|i| (i % 7 % 3) as u8).collect();
        assert_eq!(
            count_equal(&types, 1),
            types.iter().filter(|&&b| b == 1).count() as u64
        );
        assert_eq!(
            count_transitions(&types),
            types.windows(2).filter(|w| w[0] != w[1]).count() as u64
        );
        let h = histogram(&types, 0b111);
        assert_eq!(h[0] + h[1] + h[2], 1000);
        assert_eq!(u64::from(h[2]), count_equal(&types, 2));
        assert_eq!(first_of(&types, 1 << 2), Some(2));
        assert_eq!(first_of(&types, 1 << 5), None);
        let mut late = vec![3u8; 700];
        late[650] = 9;
        assert_eq!(first_of(&late, (1 << 9) | (1 << 4)), Some(650));
        assert_eq!(first_not(&late, 3), Some(650));
        assert_eq!(first_not(&late[..650], 3), None);
        assert_eq!(first_not(&late[650..], 3), Some(0));
        assert_eq!(first_not(&late[..0], 3), None);
    }

    #[test]
    fn fill_keeps_counts_and_transitions() {
        let (mut c, s) = chunk(&[0, 1, 0, 1, 0, 1, 2, 2]);
        assert_eq!(c.meta(s).run_count(), 7);
        c.fill(s, 1, 4, 0); // 0 0 0 0 0 1 2 2
        c.check(s);
        assert_eq!(c.meta(s).run_count(), 3);
        c.fill(s, 0, 8, 5);
        c.check(s);
        assert_eq!(c.meta(s).run_count(), 1);
        c.fill(s, 7, 8, 1);
        c.check(s);
        assert_eq!((c.meta(s).run_count(), c.last(s)), (2, 1));
    }

    #[test]
    fn tally_stops_at_the_first_page_of_a_stopping_type() {
        let (c, s) = chunk(&[0, 1, 0, 1, 3, 1, 3]);
        let mut counts = [0; TYPES];
        assert_eq!(c.tally(s, 1, 7, 1 << 3, &mut counts), Some(4));
        assert_eq!(&counts[..4], &[1, 2, 0, 0]);
        let mut counts = [0; TYPES];
        assert_eq!(c.tally(s, 0, 7, 1 << 2, &mut counts), None);
        assert_eq!(&counts[..4], &[2, 3, 0, 2]);
    }

    #[test]
    fn replace_selects_and_recounts() {
        let (mut c, s) = chunk(&[0, 1, 0, 1, 2]);
        assert_eq!(c.replace(s, 1, 0), 2);
        c.check(s);
        assert_eq!(c.meta(s).run_count(), 2);
        assert_eq!(c.replace(s, 7, 0), 0);
    }

    #[test]
    fn slots_are_reused_and_the_arena_compacted_or_given_back() {
        let mut store = DenseStore::new(16);
        let slots: Vec<u32> = (0..100u64)
            .map(|i| store.alloc(16 * i, 16, &[(0, 1), (3, 2)]))
            .collect();
        assert_eq!(slots, (0..100).collect::<Vec<_>>());
        for &s in &slots[..90] {
            store.free(s);
        }
        assert_eq!(store.alloc(0, 16, &[(0, 3)]), 89);
        store.free(89);
        // 10 live of 100 slots: moved down to slots 0…9.
        let moves = store.compact();
        assert_eq!(moves, (90..100).zip(0..10).collect::<Vec<_>>());
        assert_eq!(store.live(), 10);
        assert_eq!(store.meta(0).first, 16 * 90);
        assert_eq!(store.pages(9), [vec![1; 3], vec![2; 13]].concat());
        (0..10).for_each(|s| store.check(s));
        for s in 0..10 {
            store.free(s);
        }
        assert_eq!(store.compact(), vec![]);
        assert_eq!((store.live(), store.pages.capacity()), (0, 0));
    }

    /// Times the kernels against a memset of the same bytes (release build; not part of `cargo test`).
    #[test]
    #[ignore]
    fn kernels_run_near_memory_speed() {
        use std::hint::black_box;
        use std::time::Instant;
        let n = 1 << 20;
        let mut types: Vec<u8> = (0..n).map(|i| (i & 1) as u8 + 2).collect();
        let time = |f: &mut dyn FnMut()| {
            let mut best = f64::MAX;
            for _ in 0..50 {
                let t = Instant::now();
                f();
                best = best.min(t.elapsed().as_secs_f64() * 1e9 / n as f64);
            }
            best
        };
        let mut buf = vec![0u8; n];
        let mut v = 0u8;
        let memset = time(&mut || {
            v = v.wrapping_add(1);
            black_box(&mut buf).fill(v);
        });
        let count = time(&mut || {
            black_box(count_equal(black_box(&types), 2));
        });
        let trans = time(&mut || {
            black_box(count_transitions(black_box(&types)));
        });
        let search = time(&mut || {
            black_box(first_of(black_box(&types), 1 << 7 | 1 << 9));
        });
        let (mut c, s) = chunk(&types);
        let select = time(&mut || {
            black_box(c.replace(s, 2, 4));
            black_box(c.replace(s, 4, 2));
        }) / 2.0;
        types[0] = 2;
        eprintln!(
            "ns/page: memset {memset:.4}, count_equal {count:.4}, transitions {trans:.4}, first_of {search:.4}, replace {select:.4}"
        );
    }
}
