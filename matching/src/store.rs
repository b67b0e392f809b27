//! The learner store of a [`SkillsGraph`](crate::SkillsGraph): learners in fixed-size blocks
//! behind `Arc`s, and the skill → learners postings as a shared base plus a small delta.
//!
//! Why: at provincial scale (a million learners, thirty million verified skills) a write
//! concerns one learner, but a store kept as flat columns has to be copied whole (and its
//! postings re-sorted) to make the next snapshot: seconds. Here an update
//! ([`SkillsGraph::with_learners`](crate::SkillsGraph::with_learners)) copies only the blocks
//! holding changed learners and indexes only the learners changed since the base postings
//! were built; everything else is shared with the previous snapshot.
//!
//! Learners are addressed by *slot* ([`LearnerIdx`]): the learners of the last full build
//! take slots `0..N` in id order; a learner added by an update takes the next free slot
//! (so slot order is no longer id order: ranking ties use [`SkillsGraph::order`]); a
//! removed learner keeps its slot, marked gone, until the next full build.

use crate::graph::{HoldingCols, HoldingSlices, LEVELS};
use crate::model::{CourseIdx, LearnerIdx, SkillIdx};
use crate::region::Region;
use rongtong_catalog::SkillLevel;

/// Learners per block, as a power of two (2¹¹ = 2048): an update copies ≈ 2048 × 30
/// holdings per block it touches (≈ 1 MB), and a million learners make ≈ 500 blocks.
pub(crate) const DEFAULT_BLOCK_BITS: u32 = 11;

/// One block of learners, in slot order, each learner's holdings in compressed-row form
/// with offsets local to the block.
#[derive(Clone)]
pub(crate) struct LearnerBlock {
    pub region: Vec<Region>,
    pub hold_off: Vec<u32>,
    pub hold: HoldingCols,
    pub cert_off: Vec<u32>,
    pub cert: HoldingCols,
    pub done_off: Vec<u32>,
    pub done: Vec<CourseIdx>,
}

/// One learner's columns, borrowed (from a block, or from a changed learner being written).
pub(crate) struct LearnerRef<'a> {
    pub region: Region,
    pub hold: HoldingSlices<'a>,
    pub cert: HoldingSlices<'a>,
    pub done: &'a [CourseIdx],
}

fn slices(c: &HoldingCols, r: std::ops::Range<usize>) -> HoldingSlices<'_> {
    (&c.skill[r.clone()], &c.level[r.clone()], &c.ev[r.clone()], &c.kind[r])
}

impl LearnerBlock {
    pub(crate) fn new() -> Self {
        LearnerBlock {
            region: Vec::new(),
            hold_off: vec![0],
            hold: HoldingCols::default(),
            cert_off: vec![0],
            cert: HoldingCols::default(),
            done_off: vec![0],
            done: Vec::new(),
        }
    }

    /// Learners (slots) in the block.
    pub(crate) fn len(&self) -> usize {
        self.region.len()
    }

    /// Learner `i` of the block.
    pub(crate) fn get(&self, i: usize) -> LearnerRef<'_> {
        LearnerRef {
            region: self.region[i],
            hold: slices(&self.hold, self.hold_off[i] as usize..self.hold_off[i + 1] as usize),
            cert: slices(&self.cert, self.cert_off[i] as usize..self.cert_off[i + 1] as usize),
            done: &self.done[self.done_off[i] as usize..self.done_off[i + 1] as usize],
        }
    }

    /// Appends a learner.
    pub(crate) fn push(&mut self, l: &LearnerRef<'_>) {
        self.region.push(l.region);
        self.hold.extend_from(l.hold, 0..l.hold.0.len());
        self.cert.extend_from(l.cert, 0..l.cert.0.len());
        self.done.extend_from_slice(l.done);
        self.hold_off.push(self.hold.skill.len() as u32);
        self.cert_off.push(self.cert.skill.len() as u32);
        self.done_off.push(self.done.len() as u32);
    }

    /// Gives back the spare capacity the pushes left (up to half of each column), so a
    /// block shared by many snapshots holds only its data; returns the block in an `Arc`.
    pub(crate) fn seal(mut self) -> std::sync::Arc<LearnerBlock> {
        for c in [&mut self.hold, &mut self.cert] {
            c.skill.shrink_to_fit();
            c.level.shrink_to_fit();
            c.ev.shrink_to_fit();
            c.kind.shrink_to_fit();
        }
        self.region.shrink_to_fit();
        self.hold_off.shrink_to_fit();
        self.cert_off.shrink_to_fit();
        self.done_off.shrink_to_fit();
        self.done.shrink_to_fit();
        std::sync::Arc::new(self)
    }

    /// Verified skills held in the block, all evidence.
    pub(crate) fn holdings(&self) -> usize {
        self.hold.skill.len()
    }

    /// Approximate heap bytes.
    pub(crate) fn heap_bytes(&self) -> usize {
        fn v<T>(x: &Vec<T>) -> usize {
            x.capacity() * std::mem::size_of::<T>()
        }
        let cols = |c: &HoldingCols| v(&c.skill) + v(&c.level) + v(&c.ev) + v(&c.kind);
        v(&self.region) + v(&self.hold_off) + v(&self.cert_off) + v(&self.done_off) + cols(&self.hold) + cols(&self.cert) + v(&self.done)
    }
}

/// A skill → learners inverted index over credential-backed holdings, by level: skill `s`'s
/// holders at level number `n` are `lix_learner[lix_off[5s + n − 1]..lix_off[5s + n]]`,
/// sorted by slot. The holders at a level or higher are therefore a prefix of the skill's
/// postings (what a requirement can use without a level test), and a ranking can read a
/// skill's holders level by level, best credit first. An empty index (no offsets) has no
/// holders anywhere: the delta of a graph with no change since its base.
#[derive(Default)]
pub(crate) struct Postings {
    pub lix_off: Vec<u32>,
    pub lix_learner: Vec<LearnerIdx>,
}

impl Postings {
    /// Counting sort of the credential-backed holdings of `learners` (slots in increasing
    /// order, each with its skills and levels) by (skill, level), so each segment is sorted
    /// by slot. `learners` is called twice (count, then fill). O(S + H).
    pub(crate) fn build<'a, I>(n_skills: usize, learners: impl Fn() -> I) -> Postings
    where
        I: Iterator<Item = (u32, &'a [SkillIdx], &'a [SkillLevel])>,
    {
        let seg = |s: SkillIdx, l: SkillLevel| s.index() * LEVELS + usize::from(l.number()) - 1;
        let mut lix_off = vec![0u32; n_skills * LEVELS + 1];
        for (_, skills, levels) in learners() {
            for (s, l) in skills.iter().zip(levels) {
                lix_off[seg(*s, *l) + 1] += 1;
            }
        }
        for i in 0..n_skills * LEVELS {
            lix_off[i + 1] += lix_off[i];
        }
        let mut fill = lix_off.clone();
        let mut lix_learner = vec![LearnerIdx(0); lix_off[n_skills * LEVELS] as usize];
        for (slot, skills, levels) in learners() {
            for (s, l) in skills.iter().zip(levels) {
                let at = &mut fill[seg(*s, *l)];
                lix_learner[*at as usize] = LearnerIdx(slot);
                *at += 1;
            }
        }
        Postings { lix_off, lix_learner }
    }

    /// Segment `i` (skill × 5 + level number − 1); empty in an empty index.
    pub(crate) fn seg(&self, i: usize) -> &[LearnerIdx] {
        match (self.lix_off.get(i), self.lix_off.get(i + 1)) {
            (Some(&a), Some(&b)) => &self.lix_learner[a as usize..b as usize],
            _ => &[],
        }
    }

    /// Postings in segments `a..b`.
    pub(crate) fn count(&self, a: usize, b: usize) -> usize {
        match (self.lix_off.get(a), self.lix_off.get(b)) {
            (Some(&x), Some(&y)) => (y - x) as usize,
            _ => 0,
        }
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.lix_off.capacity() * 4 + self.lix_learner.capacity() * 4
    }
}

/// Sets bit `i`.
pub(crate) fn set_bit(bits: &mut Vec<u64>, i: usize, on: bool) {
    if bits.len() <= i / 64 {
        bits.resize(i / 64 + 1, 0);
    }
    if on {
        bits[i / 64] |= 1 << (i % 64);
    } else {
        bits[i / 64] &= !(1 << (i % 64));
    }
}

/// Bit `i` (false past the end).
pub(crate) fn bit(bits: &[u64], i: usize) -> bool {
    bits.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1)
}
