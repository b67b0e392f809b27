//! Operation 4: ranking the learners who opted in to be found, for a demand item.
//!
//! The score is lexicographic over three tiers, each a sum of per-requirement credits (see
//! [`credit_milli`]): (1) essential requirements met, (2) essential credit in thousandths
//! (level adequacy and partial credit on essentials), (3) optional credit in thousandths.
//! The tiers are packed into one `u64` (20 bits per credit tier, the rest for the count),
//! so a score is a single integer compare and a per-requirement credit can be *added* to a
//! learner's score as the skill → learners postings are swept.
//!
//! Because tier 1 dominates, the top k can usually be settled from the essential
//! requirements alone (see [`SkillsGraph::rank_candidates`]), touching a few thousand
//! learners out of a million. Without essentials, the postings (sorted by level within a
//! skill) are read best credit first, adding credits into partial scores, until a bound
//! shows no learner not read can enter the top k; then only the learners read whose upper
//! bound still reaches the k-th score are scored in full.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::PoisonError;

use rongtong_catalog::SkillLevel;
use serde::Serialize;

use crate::SkillsGraph;
#[cfg(doc)]
use crate::model::EvidenceKind;
use crate::model::{LearnerIdx, QueryError, Req, SkillIdx, Target, TargetRef};
use crate::report::RequirementOutcome;
use crate::satisfaction::{Via, credit_milli};

/// Most requirements one ranking accepts: 1000 × 1000 thousandths must fit a 20-bit tier.
pub const MAX_REQUIREMENTS: usize = 1000;

const ESSENTIAL_SHIFT: u32 = 40;
const ADEQUACY_SHIFT: u32 = 20;
const TIER_MASK: u64 = (1 << 20) - 1;

/// Most requirements the accumulation route takes: a learner's requirements met so far are
/// one bit each in a `u32` (demand items have about twenty; more fall back to the bound).
const ACC_MAX_REQS: usize = 32;

/// Postings the accumulation route reads before it first scores its best partial learners in
/// full (then again each time the postings read have doubled).
const SEED_AFTER: usize = 4096;

/// What scoring one learner in full costs in postings read (≈ 30 holdings, each looked up
/// among the query's sources, at random places in memory): the accumulation route reads a
/// bucket rather than score its remaining candidates when the bucket is cheaper.
const SCORE_COST: usize = 64;

/// One learner's state during a ranking, together so that reading a posting touches one
/// cache line: the packed (partial) score, a per-route stamp or requirement mask, and the
/// number of essential requirements met among the short lists.
#[derive(Clone, Copy, Default)]
struct Acc {
    key: u64,
    cur: u32,
    count: u8,
}

/// Reusable per-query arrays, one slot per learner; kept in a pool inside the graph so a
/// ranking does not zero 16 bytes × learners each time (only the touched slots are reset).
pub(crate) struct RankScratch {
    acc: Vec<Acc>,
    touched: Vec<u32>,
    /// skill → first entry in the query's reverse source list (u32::MAX: not a source).
    rev_head: Vec<u32>,
    /// Candidate bitmap (one bit per learner), so candidates are visited in id order.
    mark: Vec<u64>,
    /// The accumulation route's remaining candidates (one bit per learner): a bitmap small
    /// enough to stay in cache, so reading a long bucket skips the others cheaply.
    cand: Vec<u64>,
}

impl RankScratch {
    fn new(learners: usize, skills: usize) -> Self {
        RankScratch {
            acc: vec![Acc::default(); learners],
            touched: Vec::new(),
            rev_head: vec![u32::MAX; skills],
            mark: vec![0; learners.div_ceil(64)],
            cand: vec![0; learners.div_ceil(64)],
        }
    }
}

/// Clears the touched slots of the scratch arrays.
fn reset(scratch: &mut RankScratch) {
    for &id in &scratch.touched {
        let i = id as usize;
        scratch.acc[i] = Acc::default();
        scratch.mark[i / 64] = 0;
        scratch.cand[i / 64] = 0;
    }
    scratch.touched.clear();
}

/// The first index at or after `from` whose learner is ≥ `target` (exponential then binary
/// search: cheap when successive targets are close, as they are when visited in id order).
fn gallop(ids: &[LearnerIdx], from: usize, target: u32) -> usize {
    let mut lo = from;
    let mut step = 1;
    let mut hi = from;
    while hi < ids.len() && ids[hi].0 < target {
        lo = hi + 1;
        hi = from + step;
        step *= 2;
    }
    let hi = hi.min(ids.len());
    lo + ids[lo..hi].partition_point(|x| x.0 < target)
}

/// The query's requirements seen from the held skills: (source skill, requirement,
/// relation) sorted by skill, so a learner is scored in one pass over their holdings.
struct RevSources {
    entries: Vec<(SkillIdx, u16, Via)>,
}

/// A candidate's score. Compare with [`Score::key`]: tiers are lexicographic, so one more
/// essential requirement met outranks any amount of level adequacy or optional coverage.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Score {
    /// Essential requirements fully met (tier 1).
    pub essential_met: u32,
    /// Number of essential requirements.
    pub essential_total: u32,
    /// Sum of credits over essential requirements, in [0, essential_total] (tier 2: how close
    /// the learner is on what is not yet met, through lower levels or related skills).
    pub essential_credit: f64,
    /// Sum of credits over optional requirements, in [0, optional_total] (tier 3).
    pub optional_credit: f64,
    /// Number of optional requirements.
    pub optional_total: u32,
    /// The three tiers packed into one integer; larger is better. An internal sort key, not
    /// part of the JSON: clients compare the tiers above, or simply the rank.
    #[serde(skip)]
    pub key: u64,
}

/// One ranked learner, with a per-requirement breakdown that explains the score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankedCandidate {
    /// 1-based rank.
    pub rank: u32,
    /// Learner id.
    pub learner: String,
    /// Learner's region code.
    pub region: String,
    /// The score.
    pub score: Score,
    /// One outcome per requirement, in target order, judged on credentials; it recomputes
    /// the score exactly.
    pub breakdown: Vec<RequirementOutcome>,
}

/// The top candidates for a target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranking {
    /// What was ranked against.
    pub target: TargetRef,
    /// How many were asked for.
    pub k: usize,
    /// Opted-in learners whose score was computed. Candidates are generated through the
    /// essential requirements (see `docs/MATCHING.md`), so this is usually far fewer than
    /// the learners holding any required skill.
    pub candidates_scored: usize,
    /// The best `k` (or fewer), best first; ties broken by learner id, ascending.
    pub candidates: Vec<RankedCandidate>,
}

/// A bounded top-k heap of (score, Reverse(id order), slot), worst on top.
type TopHeap = BinaryHeap<Reverse<(u64, Reverse<u64>, u32)>>;

/// A top-k heap's entries, best first: score descending, then id order ascending; as
/// (score, slot).
fn sorted_top(heap: TopHeap) -> Vec<(u64, u32)> {
    let mut top: Vec<(u64, u64, u32)> = heap.into_iter().map(|Reverse((kv, Reverse(o), id))| (kv, o, id)).collect();
    top.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    top.into_iter().map(|(kv, _, id)| (kv, id)).collect()
}

/// One run of postings in the bucket lists: requirement, credit, postings, whether from the
/// base postings (whose stale slots are skipped).
type Seg<'a> = (u16, u32, &'a [LearnerIdx], bool);

/// The packed contribution of one requirement's credit.
fn pack(essential: bool, milli: u32) -> u64 {
    if essential { (u64::from(milli == 1000) << ESSENTIAL_SHIFT) | (u64::from(milli) << ADEQUACY_SHIFT) } else { u64::from(milli) }
}

impl Score {
    fn from_key(key: u64, essential_total: u32, optional_total: u32) -> Score {
        Score {
            essential_met: (key >> ESSENTIAL_SHIFT) as u32,
            essential_total,
            essential_credit: ((key >> ADEQUACY_SHIFT) & TIER_MASK) as f64 / 1000.0,
            optional_credit: (key & TIER_MASK) as f64 / 1000.0,
            optional_total,
            key,
        }
    }
}

impl SkillsGraph {
    /// Ranks the learners who opted in to be found against a target and returns the top
    /// `k`, each with a per-requirement breakdown.
    ///
    /// Only skills backed by a credential in force count ([`EvidenceKind::is_credential`]:
    /// skill-level and training certificates, recognitions); a skill evidenced only by a
    /// completion without a certificate is shown in the breakdown as `no_certificate_yet` and
    /// does not score. Scores are lexicographic (essential requirements met, then
    /// essential credit, then optional credit; see `docs/MATCHING.md`), so adding a verified
    /// skill never lowers a score, and a learner meeting more essentials always ranks higher.
    /// Ties go to the smaller learner id.
    ///
    /// Candidates are found through the skill → learners index, never by a scan of all
    /// learners: first through the essential requirements (a learner meeting `m` of `E`
    /// essentials is in the postings of at least one of any `E − m + 1` of them, so the
    /// shortest lists are read first and the longer ones only probed); when there is no
    /// essential requirement, or fewer than `k` learners meet any, by reading each
    /// requirement's holders best credit first and accumulating partial scores until no
    /// learner not yet read can reach the k-th score, then scoring only the learners read
    /// whose upper bound still can (targets of at most 32 requirements; larger ones score each
    /// learner read in full, and fall back to sweeping the postings of every credit source of
    /// every requirement when that would cost more).
    ///
    /// # Arguments
    /// * `target`: a demand item, an occupation or inline requirements.
    /// * `k`: how many candidates to return.
    ///
    /// # Returns
    /// A [`Ranking`]. Errors when the target is unknown or has more than
    /// [`MAX_REQUIREMENTS`] requirements.
    ///
    /// # Complexity
    /// Essential route: O(Σ_short P + C · (E + log g) + S · h + S log k) for the postings P of
    /// the essential lists read as candidates, C candidates each probed in the E longer lists
    /// by galloping search (gap g), S learners scored in full (h skills each). Accumulation
    /// route: O(r · s · 5 · log + P_read + T · r + S · h + S log k) for the postings read, T
    /// learners met and S scored in full; at most about one sweep plus the seeding. Bound
    /// route (over 32 requirements): O(r · s · 5 + P_read + S · h + S log k), never more than
    /// about twice the sweep. Sweep: O(P_all + T log k) over all postings of all sources, T
    /// learners touched. Plus O(k · r · s · log h) for the breakdowns. Scratch memory
    /// (pooled): ≈ 16 bytes per learner slot, plus two bitmaps. After incremental updates
    /// every route also reads the delta postings and skips stale base entries (a bitmap test).
    ///
    /// # Example
    /// ```
    /// use rongtong_catalog::{RequirementKind, SkillLevel, SkillRequirement};
    /// use rongtong_matching::{EvidenceKind, GraphBuilder, LearnerSpec, Target, VerifiedSkill};
    ///
    /// let mut b = GraphBuilder::new();
    /// b.add_skill("https://ex.cn/skills/plc");
    /// for (id, level) in [("ann", SkillLevel::L2), ("bo", SkillLevel::L4), ("cy", SkillLevel::L2)] {
    ///     b.add_learner(&LearnerSpec {
    ///         id: id.into(),
    ///         region: "360300".into(),
    ///         opted_in_to_be_found: id != "cy",
    ///         skills: vec![VerifiedSkill { skill: "https://ex.cn/skills/plc".into(), level, evidence: format!("cert-{id}"), kind: EvidenceKind::SkillCertificate }],
    ///         completed_courses: vec![],
    ///     })?;
    /// }
    /// let g = b.build()?;
    /// let reqs = [SkillRequirement { skill: "https://ex.cn/skills/plc".into(), kind: RequirementKind::Essential, min_level: SkillLevel::L3 }];
    /// let ranking = g.rank_candidates(Target::Requirements(&reqs), 10)?;
    /// let ids: Vec<_> = ranking.candidates.iter().map(|c| c.learner.as_str()).collect();
    /// assert_eq!(ids, ["ann", "bo"]); // cy did not opt in
    /// assert_eq!(ranking.candidates[0].score.essential_met, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rank_candidates(&self, target: Target<'_>, k: usize) -> Result<Ranking, QueryError> {
        let (tref, reqs) = self.resolve_target(target)?;
        if reqs.len() > MAX_REQUIREMENTS {
            return Err(QueryError::TooManyRequirements(reqs.len()));
        }
        let mut scratch = self
            .rank_pool
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
            .unwrap_or_else(|| RankScratch::new(self.slot_count(), self.skill_count()));
        let rev = self.reverse_sources(&reqs, &mut scratch.rev_head);
        let (top, scored) = match self.rank_by_essentials(&reqs, &rev, k, &mut scratch) {
            Some(found) => found,
            None => {
                reset(&mut scratch);
                match self.rank_by_accumulation(&reqs, &rev, k, &mut scratch) {
                    Some(found) => found,
                    None => {
                        reset(&mut scratch);
                        match self.rank_by_bound(&reqs, &rev, k, &mut scratch) {
                            Some(found) => found,
                            None => {
                                reset(&mut scratch);
                                self.rank_by_sweep(&reqs, k, &mut scratch)
                            }
                        }
                    }
                }
            }
        };
        reset(&mut scratch);
        for (s, _, _) in &rev.entries {
            scratch.rev_head[s.index()] = u32::MAX;
        }
        self.rank_pool.lock().unwrap_or_else(PoisonError::into_inner).push(scratch);

        let ess_total = reqs.iter().filter(|r| r.essential).count() as u32;
        let opt_total = reqs.len() as u32 - ess_total;
        let candidates = top
            .into_iter()
            .enumerate()
            .map(|(i, (kv, id))| {
                let l = LearnerIdx(id);
                RankedCandidate {
                    rank: i as u32 + 1,
                    learner: self.learner_id(l).to_string(),
                    region: self.region_of_learner(l).code(),
                    score: Score::from_key(kv, ess_total, opt_total),
                    breakdown: reqs.iter().map(|r| self.ranked_outcome(r, l)).collect(),
                }
            })
            .collect();
        Ok(Ranking { target: tref, k, candidates_scored: scored, candidates })
    }

    /// The same top k as [`Self::rank_candidates`], always by the full sweep of every posting
    /// (the first version's method): the reference the benchmarks compare the faster routes
    /// with. Not for production use; the breakdowns are left empty.
    #[doc(hidden)]
    pub fn rank_by_full_sweep(&self, target: Target<'_>, k: usize) -> Result<Ranking, QueryError> {
        let (tref, reqs) = self.resolve_target(target)?;
        if reqs.len() > MAX_REQUIREMENTS {
            return Err(QueryError::TooManyRequirements(reqs.len()));
        }
        let mut scratch = self
            .rank_pool
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
            .unwrap_or_else(|| RankScratch::new(self.slot_count(), self.skill_count()));
        let (top, scored) = self.rank_by_sweep(&reqs, k, &mut scratch);
        reset(&mut scratch);
        self.rank_pool.lock().unwrap_or_else(PoisonError::into_inner).push(scratch);
        let ess_total = reqs.iter().filter(|r| r.essential).count() as u32;
        let opt_total = reqs.len() as u32 - ess_total;
        let candidates = top
            .into_iter()
            .enumerate()
            .map(|(i, (kv, id))| RankedCandidate {
                rank: i as u32 + 1,
                learner: self.learner_id(LearnerIdx(id)).to_string(),
                region: self.region_of_learner(LearnerIdx(id)).code(),
                score: Score::from_key(kv, ess_total, opt_total),
                breakdown: Vec::new(),
            })
            .collect();
        Ok(Ranking { target: tref, k, candidates_scored: scored, candidates })
    }

    fn reverse_sources(&self, reqs: &[Req], rev_head: &mut [u32]) -> RevSources {
        let mut entries: Vec<(SkillIdx, u16, Via)> = Vec::new();
        for (r, req) in reqs.iter().enumerate() {
            entries.extend(self.sources(req.skill).iter().map(|&(t, via)| (t, r as u16, via)));
        }
        entries.sort_unstable_by_key(|e| (e.0, e.1));
        for (i, e) in entries.iter().enumerate().rev() {
            rev_head[e.0.index()] = i as u32;
        }
        RevSources { entries }
    }

    /// A learner's packed score by one pass over their holdings: per requirement, the best
    /// `credit_milli` over the sources held — the same fold as [`Self::judge`], read from
    /// the other side.
    fn score_learner(
        &self,
        l: LearnerIdx,
        reqs: &[Req],
        rev: &RevSources,
        rev_head: &[u32],
        best: &mut [u32],
        dirty: &mut Vec<u16>,
    ) -> u64 {
        let (skills, levels) = self.certs(l);
        for (s, lv) in skills.iter().zip(levels) {
            let mut e = rev_head[s.index()] as usize;
            while let Some(&(t, q, via)) = rev.entries.get(e) {
                if t != *s {
                    break;
                }
                let c = credit_milli(via, *lv, reqs[q as usize].level);
                let b = &mut best[q as usize];
                if c > *b {
                    if *b == 0 {
                        dirty.push(q);
                    }
                    *b = c;
                }
                e += 1;
            }
        }
        let mut key = 0;
        for &q in dirty.iter() {
            key += pack(reqs[q as usize].essential, best[q as usize]);
            best[q as usize] = 0;
        }
        dirty.clear();
        key
    }

    /// Exact top k through the essential requirements.
    ///
    /// A learner meeting at least `m` of the `E` essential requirements meets at least one
    /// of *any* `E − m + 1` of them (pigeonhole), so the full-credit postings of the
    /// `E − m + 1` shortest ones contain every such learner. Round `s` (s = 1, 2, …) takes the
    /// `s` shortest lists as candidates (`m = E − s + 1`), counts how many of them each
    /// candidate meets, and checks the remaining (long) lists by galloping search — the
    /// candidates are visited in id order, so each long list is walked forward once. As soon
    /// as at least `k` opted-in learners meet `m` essentials they are scored in full and the
    /// ranking is settled: every other learner meets fewer essentials and ranks below them.
    /// Returns `None` when even `m = 1` leaves fewer than `k` (or there are no essentials).
    fn rank_by_essentials(&self, reqs: &[Req], rev: &RevSources, k: usize, scratch: &mut RankScratch) -> Option<(Vec<(u64, u32)>, usize)> {
        // Per essential requirement: (holders at its level, index, number of full sources, the
        // holders' postings: one slice per full source and qualifying level, each in id order).
        // (postings, from the base: skip stale slots).
        type Lists<'a> = Vec<(&'a [LearnerIdx], bool)>;
        let mut ess: Vec<(usize, usize, usize, Lists<'_>)> = reqs
            .iter()
            .enumerate()
            .filter(|(_, r)| r.essential)
            .map(|(i, r)| {
                let full: Vec<SkillIdx> = self.sources(r.skill).iter().filter(|(_, v)| v.is_full()).map(|(t, _)| *t).collect();
                // Shortest first by the length *after* the level filter: a 一级 requirement on a
                // popular skill can be more selective than an entry-level one on a rare skill.
                let len = full.iter().map(|t| self.holders_at_least(*t, r.level)).sum::<usize>();
                let lists: Lists<'_> = full.iter().flat_map(|t| self.holders_from(*t, r.level)).filter(|l| !l.0.is_empty()).collect();
                (len, i, full.len(), lists)
            })
            .collect();
        if ess.is_empty() || k == 0 {
            return None;
        }
        ess.sort_unstable_by_key(|e| (e.0, e.1));
        let e = ess.len();
        let mut best = vec![0u32; reqs.len()];
        let mut dirty = Vec::new();
        let mut pool: Vec<u32> = Vec::new();
        let mut cursors: Vec<Vec<usize>> = ess.iter().map(|x| vec![0; x.3.len()]).collect();
        let RankScratch { acc, touched, rev_head, mark, .. } = scratch;
        for s in 1..=e {
            // Add the s-th shortest list to the candidates (its postings hold only learners at
            // the required level or higher).
            let (_, _, sources, lists) = &ess[s - 1];
            // With exact matches a learner may appear in the postings of several sources of one
            // requirement: stamp it so it is counted once. With one source (the common case) a
            // learner is in one level's slice only.
            let stamped = *sources > 1;
            for &(ids, base) in lists {
                for id in ids {
                    let i = id.index();
                    if !self.is_opted_in(*id) || base && self.is_stale(*id) {
                        continue;
                    }
                    if stamped {
                        if acc[i].cur == s as u32 {
                            continue;
                        }
                        acc[i].cur = s as u32;
                    }
                    if acc[i].count == 0 {
                        touched.push(id.0);
                        mark[i / 64] |= 1 << (i % 64);
                    }
                    acc[i].count += 1;
                }
            }
            let m = e - s + 1;
            // Which candidates meet at least m essentials? Probe the long lists in id order.
            pool.clear();
            for c in cursors.iter_mut() {
                c.fill(0);
            }
            for (wi, &word) in mark.iter().enumerate() {
                let mut bits = word;
                while bits != 0 {
                    let id = (wi * 64 + bits.trailing_zeros() as usize) as u32;
                    bits &= bits - 1;
                    let need = m.saturating_sub(usize::from(acc[id as usize].count));
                    let mut hits = 0;
                    for (j, (_, _, _, lists)) in ess.iter().enumerate().skip(s) {
                        if hits >= need || hits + (e - j) < need {
                            break;
                        }
                        let hit = lists.iter().zip(cursors[j].iter_mut()).any(|(&(ids, base), at)| {
                            *at = gallop(ids, *at, id);
                            ids.get(*at).is_some_and(|x| x.0 == id) && !(base && self.is_stale(LearnerIdx(id)))
                        });
                        hits += usize::from(hit);
                    }
                    if hits >= need {
                        pool.push(id);
                    }
                }
            }
            if pool.len() >= k {
                for &id in &pool {
                    acc[id as usize].key = self.score_learner(LearnerIdx(id), reqs, rev, rev_head, &mut best, &mut dirty);
                }
                return Some((self.top_k(&pool, acc, k), pool.len()));
            }
        }
        None
    }

    /// Every requirement's postings as *buckets* of equal credit, best first: the segments
    /// (requirement, credit, postings slice: one per source and level with holders), sorted
    /// by requirement then credit descending, and per requirement its runs of equal credit
    /// `(first segment, end segment, packed credit, postings)`; plus the number of postings.
    #[allow(clippy::type_complexity)]
    fn buckets(&self, reqs: &[Req]) -> (Vec<Seg<'_>>, Vec<Vec<(usize, usize, u64, usize)>>, usize) {
        // All (requirement, credit, postings slice, from the base), by requirement then credit descending.
        let mut segs: Vec<Seg<'_>> = Vec::new();
        for (ri, req) in reqs.iter().enumerate() {
            let start = segs.len();
            for &(t, via) in self.sources(req.skill) {
                for lv in SkillLevel::ALL_ASCENDING {
                    for (ids, base) in self.holders_at(t, lv) {
                        if !ids.is_empty() {
                            segs.push((ri as u16, credit_milli(via, lv, req.level), ids, base));
                        }
                    }
                }
            }
            segs[start..].sort_by_key(|b| Reverse(b.1));
        }
        // Buckets: runs of equal (requirement, credit): (first seg, end seg, packed credit, postings).
        let mut buckets: Vec<Vec<(usize, usize, u64, usize)>> = vec![Vec::new(); reqs.len()];
        let mut total = 0usize;
        let mut i = 0;
        while i < segs.len() {
            let (r, c, _, _) = segs[i];
            let mut j = i;
            let mut size = 0;
            while j < segs.len() && segs[j].0 == r && segs[j].1 == c {
                size += segs[j].2.len();
                j += 1;
            }
            total += size;
            buckets[r as usize].push((i, j, pack(reqs[r as usize].essential, c), size));
            i = j;
        }
        (segs, buckets, total)
    }

    /// Exact top k by accumulating partial scores from the buckets (a threshold algorithm
    /// without random access, "NRA"), for targets with at most [`ACC_MAX_REQS`]
    /// requirements that the essential route cannot settle, in particular those with no
    /// essential requirement.
    ///
    /// Buckets ([`Self::buckets`]) are read best credit first per requirement, taking next
    /// the one that lowers the bound most per posting, as [`Self::rank_by_bound`] does; but a
    /// learner met is not scored in full: its credit on that requirement is *added* to its
    /// partial score, and the requirement's bit is set in its mask (the first bucket of a
    /// requirement a learner is met in is its best, so the partial score is exact over the
    /// requirements in its mask). With `tail_r` the credit of requirement `r`'s next unread
    /// bucket (0 when all are read):
    ///
    /// * a learner never met scores at most `B = Σ tail_r`;
    /// * a learner met scores at most `partial + Σ_{r ∉ mask} tail_r`, and exactly `partial`
    ///   when that sum is 0.
    ///
    /// From time to time (whenever the postings read have doubled) the learners with the best
    /// partial scores are scored in full, which gives a k-th best score `θ` early. Reading
    /// stops as soon as `θ > B` (strictly: an unread learner cannot even tie); then only the
    /// learners met whose upper bound reaches `θ` are scored, best bound first, `θ` rising as
    /// they are. So no learner is scored in full unless it can still enter the top k, and
    /// the long lists of popular skills are read only when the rarer requirements cannot
    /// separate the top k from everybody else. Reading every bucket costs about one sweep
    /// (and then every partial score is exact), so no fallback is needed.
    fn rank_by_accumulation(
        &self,
        reqs: &[Req],
        rev: &RevSources,
        k: usize,
        scratch: &mut RankScratch,
    ) -> Option<(Vec<(u64, u32)>, usize)> {
        if reqs.len() > ACC_MAX_REQS {
            return None;
        }
        if k == 0 {
            return Some((Vec::new(), 0));
        }
        let (segs, buckets, _) = self.buckets(reqs);
        let value = |r: usize, p: usize| buckets[r].get(p).map_or(0, |b| b.2);
        let n = reqs.len();
        let mut pos = vec![0usize; n];
        let mut tail: Vec<u64> = (0..n).map(|r| value(r, 0)).collect();
        let mut bound: u64 = tail.iter().sum();
        // The top k of the learners scored so far: (score, order, learner), worst on top.
        let mut heap: TopHeap = BinaryHeap::with_capacity(k + 1);
        let mut best = vec![0u32; n];
        let mut dirty = Vec::new();
        let mut scored = 0usize;
        let mut work = 0usize;
        let mut next_seed = SEED_AFTER;
        let RankScratch { acc, touched, rev_head, mark, cand, .. } = scratch;
        let offer = |heap: &mut TopHeap, kv: u64, id: u32| {
            if kv == 0 {
                return;
            }
            let e = (kv, Reverse(self.order(LearnerIdx(id))), id);
            if heap.len() < k {
                heap.push(Reverse(e));
            } else if heap.peek().is_some_and(|Reverse(min)| e > *min) {
                heap.pop();
                heap.push(Reverse(e));
            }
        };
        let theta = |heap: &TopHeap| if heap.len() < k { 0 } else { heap.peek().map_or(0, |r| r.0.0) };
        let pick = |pos: &[usize]| {
            (0..n)
                .filter_map(|r| buckets[r].get(pos[r]).map(|b| ((b.2 - value(r, pos[r] + 1)) as f64 / (b.3 as f64 + 1.0), r)))
                .fold(None, |acc: Option<(f64, usize)>, x| if acc.is_none_or(|a| x.0 > a.0) { Some(x) } else { acc })
                .map(|(_, r)| r)
        };
        // Phase 1: read until no learner not met yet can reach the k-th score (θ > B).
        loop {
            if heap.len() == k && theta(&heap) > bound {
                break;
            }
            let next = pick(&pos);
            if work >= next_seed || next.is_none() {
                // Seed θ: score in full the learners with the best partial scores not scored yet.
                let mut best_partial: Vec<(u64, u32)> = touched
                    .iter()
                    .filter(|&&id| mark[id as usize / 64] >> (id % 64) & 1 == 0)
                    .map(|&id| (acc[id as usize].key, id))
                    .collect();
                let m = (2 * k).min(best_partial.len());
                if m > 0 && m < best_partial.len() {
                    best_partial.select_nth_unstable_by(m - 1, |a, b| b.0.cmp(&a.0));
                }
                for &(_, id) in &best_partial[..m] {
                    let i = id as usize;
                    mark[i / 64] |= 1 << (i % 64);
                    scored += 1;
                    let kv = self.score_learner(LearnerIdx(id), reqs, rev, rev_head, &mut best, &mut dirty);
                    offer(&mut heap, kv, id);
                }
                next_seed = 2 * work.max(SEED_AFTER / 2);
                if heap.len() == k && theta(&heap) > bound {
                    break;
                }
            }
            let Some(r) = next else { break };
            let (from, to, v, size) = buckets[r][pos[r]];
            let bit = 1u32 << r;
            work += size;
            for &(_, _, ids, base) in &segs[from..to] {
                for id in ids {
                    let i = id.index();
                    if acc[i].cur & bit != 0 || !self.is_opted_in(*id) || base && self.is_stale(*id) {
                        continue;
                    }
                    if acc[i].cur == 0 {
                        touched.push(id.0);
                    }
                    acc[i].cur |= bit;
                    acc[i].key += v;
                }
            }
            pos[r] += 1;
            tail[r] = value(r, pos[r]);
            bound = bound - v + tail[r];
        }
        // Phase 2: only learners met so far can still enter (everyone else scores at most B <
        // θ). Their upper bound: the partial score plus the tails of the requirements they
        // were not met on.
        let th = theta(&heap);
        let upper = |acc: &[Acc], tail: &[u64], bound: u64, id: u32| {
            let i = id as usize;
            let mut seen = acc[i].cur;
            let mut ub = acc[i].key + bound;
            while seen != 0 {
                ub -= tail[seen.trailing_zeros() as usize];
                seen &= seen - 1;
            }
            ub
        };
        let mut candidates: Vec<u32> = Vec::new();
        for &id in touched.iter() {
            let i = id as usize;
            if mark[i / 64] >> (i % 64) & 1 == 0 && acc[i].key + bound >= th && upper(acc, &tail, bound, id) >= th {
                candidates.push(id);
                cand[i / 64] |= 1 << (i % 64);
            }
        }
        let mut since = 0;
        // Reading more buckets lowers the candidates' bounds (and reads only what is needed to
        // update them); keep doing so while a bucket costs less than scoring the candidates.
        while let Some(r) = pick(&pos).filter(|&r| !candidates.is_empty() && buckets[r][pos[r]].3 < candidates.len() * SCORE_COST) {
            let (from, to, v, size) = buckets[r][pos[r]];
            let bit = 1u32 << r;
            for &(_, _, ids, base) in &segs[from..to] {
                for id in ids {
                    let i = id.index();
                    // Only candidates are updated (a learner not met in phase 1 cannot enter).
                    if cand[i / 64] >> (i % 64) & 1 == 0 || acc[i].cur & bit != 0 || base && self.is_stale(*id) {
                        continue;
                    }
                    acc[i].cur |= bit;
                    acc[i].key += v;
                }
            }
            pos[r] += 1;
            tail[r] = value(r, pos[r]);
            bound = bound - v + tail[r];
            // Drop the candidates that fell below θ once the postings read since the last pass
            // outnumber them (a pass per bucket would cost more than the reads).
            since += size;
            if since >= candidates.len() {
                since = 0;
                candidates.retain(|&id| {
                    let keep = upper(acc, &tail, bound, id) >= th;
                    if !keep {
                        cand[id as usize / 64] &= !(1 << (id % 64));
                    }
                    keep
                });
            }
        }
        let mut candidates: Vec<(u64, u32)> = candidates.into_iter().map(|id| (upper(acc, &tail, bound, id), id)).collect();
        candidates.sort_unstable_by_key(|c| Reverse(c.0));
        for (ub, id) in candidates {
            if ub < theta(&heap) {
                break;
            }
            let exact = ub == acc[id as usize].key;
            let kv = if exact { ub } else { self.score_learner(LearnerIdx(id), reqs, rev, rev_head, &mut best, &mut dirty) };
            scored += 1;
            offer(&mut heap, kv, id);
        }
        Some((sorted_top(heap), scored))
    }

    /// Exact top k by a bound on what the learners not read yet can score (a threshold
    /// algorithm over level-ordered postings). Used when the essential route cannot settle
    /// the ranking, in particular for targets with no essential requirement.
    ///
    /// A requirement's credit for a learner is the best over its sources held, and a source
    /// held at a level gives a fixed credit; so each requirement's postings split into
    /// *buckets* of equal credit (one slice per source and level), read best credit first.
    /// A learner met in a bucket is scored in full at once ([`Self::score_learner`]). While a
    /// requirement's buckets down to credit `c` are read, a learner not yet met has at most
    /// `c'` (the next bucket's credit, 0 when none is left) on it, so no unread learner scores
    /// more than `B = Σ pack(c'_r)`: as soon as the k-th best scored learner is *above* `B`
    /// (strictly, so ties by id are settled too), the top k is final. Buckets are taken in
    /// order of bound reduction per posting read, so the long, low-credit lists of popular
    /// related skills are usually never read.
    ///
    /// Returns `None` when reading and scoring would cost more than the sweep (every
    /// posting once), so the worst case stays within twice the sweep.
    fn rank_by_bound(&self, reqs: &[Req], rev: &RevSources, k: usize, scratch: &mut RankScratch) -> Option<(Vec<(u64, u32)>, usize)> {
        if k == 0 {
            return Some((Vec::new(), 0));
        }
        let (segs, buckets, total) = self.buckets(reqs);
        let value = |r: usize, p: usize| buckets[r].get(p).map_or(0, |b| b.2);
        let mut pos = vec![0usize; reqs.len()];
        let mut bound: u64 = (0..reqs.len()).map(|r| value(r, 0)).sum();
        let mut heap: TopHeap = BinaryHeap::with_capacity(k + 1);
        let mut best = vec![0u32; reqs.len()];
        let mut dirty = Vec::new();
        let mut work = 0usize;
        let RankScratch { touched, rev_head, mark, .. } = scratch;
        loop {
            if heap.len() == k && heap.peek().is_some_and(|Reverse((kv, _, _))| *kv > bound) {
                break;
            }
            // The bucket that lowers the bound most per posting read.
            let mut pick: Option<(f64, usize)> = None;
            for r in 0..reqs.len() {
                if let Some(b) = buckets[r].get(pos[r]) {
                    let gain = (b.2 - value(r, pos[r] + 1)) as f64 / (b.3 as f64 + 1.0);
                    if pick.is_none_or(|(g, _)| gain > g) {
                        pick = Some((gain, r));
                    }
                }
            }
            let Some((_, r)) = pick else { break };
            let (from, to, v, size) = buckets[r][pos[r]];
            work += size;
            for &(_, _, ids, base) in &segs[from..to] {
                for id in ids {
                    let i = id.index();
                    if mark[i / 64] >> (i % 64) & 1 == 1 || !self.is_opted_in(*id) || base && self.is_stale(*id) {
                        continue;
                    }
                    mark[i / 64] |= 1 << (i % 64);
                    touched.push(id.0);
                    work += self.certs(*id).0.len();
                    let e = (self.score_learner(*id, reqs, rev, rev_head, &mut best, &mut dirty), Reverse(self.order(*id)), id.0);
                    if heap.len() < k {
                        heap.push(Reverse(e));
                    } else if heap.peek().is_some_and(|Reverse(min)| e > *min) {
                        heap.pop();
                        heap.push(Reverse(e));
                    }
                }
            }
            if work > total {
                return None;
            }
            pos[r] += 1;
            bound = bound - v + value(r, pos[r]);
        }
        Some((sorted_top(heap), touched.len()))
    }

    /// The full sweep: every posting of every source of every requirement, adding credits
    /// into per-learner packed scores. The last resort, when the bound cannot settle the top
    /// k cheaper than this.
    fn rank_by_sweep(&self, reqs: &[Req], k: usize, scratch: &mut RankScratch) -> (Vec<(u64, u32)>, usize) {
        let RankScratch { acc, touched, .. } = scratch;
        for (ri, req) in reqs.iter().enumerate() {
            let srcs = self.sources(req.skill);
            if let [(s, via)] = srcs {
                // One source, so a learner gets at most one credit: just add it.
                for lv in SkillLevel::ALL_ASCENDING {
                    let add = pack(req.essential, credit_milli(*via, lv, req.level));
                    for (ids, base) in self.holders_at(*s, lv) {
                        for id in ids {
                            if base && self.is_stale(*id) {
                                continue;
                            }
                            let k = &mut acc[id.index()].key;
                            if *k == 0 {
                                touched.push(id.0);
                            }
                            *k += add;
                        }
                    }
                }
            } else {
                // Several sources: the credit is the best one, so track the best so far per
                // learner (stamped with the requirement) and add only increases.
                let stamp = (ri as u32 + 1) << 16;
                for (s, via) in srcs {
                    for lv in SkillLevel::ALL_ASCENDING {
                        let v = credit_milli(*via, lv, req.level);
                        for (ids, base) in self.holders_at(*s, lv) {
                            for id in ids {
                                if base && self.is_stale(*id) {
                                    continue;
                                }
                                let c = acc[id.index()].cur;
                                let old = if c & !0xFFFF == stamp { c & 0xFFFF } else { 0 };
                                if v > old {
                                    let k = &mut acc[id.index()].key;
                                    if *k == 0 {
                                        touched.push(id.0);
                                    }
                                    *k += pack(req.essential, v) - pack(req.essential, old);
                                    acc[id.index()].cur = stamp | v;
                                }
                            }
                        }
                    }
                }
            }
        }
        let scored = touched.iter().filter(|&&id| self.is_opted_in(LearnerIdx(id))).count();
        (self.top_k(touched, acc, k), scored)
    }

    /// The best `k` touched learners by (score desc, id asc), with a bounded min-heap.
    fn top_k(&self, touched: &[u32], acc: &[Acc], k: usize) -> Vec<(u64, u32)> {
        let mut heap: TopHeap = BinaryHeap::with_capacity(k + 1);
        for &id in touched {
            let kv = acc[id as usize].key;
            if kv == 0 || !self.is_opted_in(LearnerIdx(id)) {
                continue;
            }
            let e = (kv, Reverse(self.order(LearnerIdx(id))), id);
            if heap.len() < k {
                heap.push(Reverse(e));
            } else if heap.peek().is_some_and(|Reverse(min)| e > *min) {
                heap.pop();
                heap.push(Reverse(e));
            }
        }
        sorted_top(heap)
    }

    /// The score of one learner against a target, computed requirement by requirement with
    /// the satisfaction function over the learner's credentials (no index, no packing
    /// shortcuts). It is what a ranking's
    /// breakdown adds up to; exposed so callers (and tests) can check any learner, ranked
    /// or not.
    ///
    /// # Complexity
    /// O(r · s · log h).
    pub fn learner_score(&self, learner: &str, target: Target<'_>) -> Result<Score, QueryError> {
        let l = self.learner_idx(learner).ok_or_else(|| QueryError::UnknownLearner(learner.to_string()))?;
        let (_, reqs) = self.resolve_target(target)?;
        if reqs.len() > MAX_REQUIREMENTS {
            return Err(QueryError::TooManyRequirements(reqs.len()));
        }
        let key = reqs.iter().map(|r| pack(r.essential, self.judge(r.skill, r.level, |s| self.certified_level(l, s)).credit_milli)).sum();
        let ess = reqs.iter().filter(|r| r.essential).count() as u32;
        Ok(Score::from_key(key, ess, reqs.len() as u32 - ess))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::{self, SynthConfig};

    /// The accumulation and bound-based routes (and the essential route before them) give
    /// exactly the top k of the full sweep, the simple reference that reads every posting, on a synthetic graph
    /// with Zipf popularity and relations; and both usually score fewer learners than
    /// the sweep touches (that is their point).
    #[test]
    fn bound_route_matches_the_sweep_and_stops_early() {
        let cfg = SynthConfig::small(11);
        let g = synth::graph(&cfg).expect("synthetic graph");
        let mut scratch = RankScratch::new(g.slot_count(), g.skill_count());
        let (mut runs, mut early, mut acc_runs, mut acc_early) = (0, 0, 0, 0);
        for seed in 0..30 {
            for (n, essential) in [(5, 0), (20, 0), (8, 2), (3, 1)] {
                let spec = synth::requirements(&cfg, seed, n, essential);
                let (_, reqs) = g.resolve_target(Target::Requirements(&spec)).expect("known skills");
                let rev = g.reverse_sources(&reqs, &mut scratch.rev_head);
                for k in [1, 10, 100] {
                    let (sweep, swept) = g.rank_by_sweep(&reqs, k, &mut scratch);
                    reset(&mut scratch);
                    if let Some((bound, scored)) = g.rank_by_bound(&reqs, &rev, k, &mut scratch) {
                        assert_eq!(bound, sweep, "seed {seed}, {n} requirements ({essential} essential), k = {k}");
                        runs += 1;
                        early += usize::from(scored < swept);
                    }
                    reset(&mut scratch);
                    let (acc, acc_scored) = g.rank_by_accumulation(&reqs, &rev, k, &mut scratch).expect("at most 32 requirements");
                    assert_eq!(acc, sweep, "accumulation: seed {seed}, {n} requirements ({essential} essential), k = {k}");
                    acc_runs += 1;
                    acc_early += usize::from(acc_scored < swept);
                    reset(&mut scratch);
                    let ranked = g.rank_candidates(Target::Requirements(&spec), k).expect("rank");
                    let keys: Vec<(u64, u32)> =
                        ranked.candidates.iter().map(|c| (c.score.key, g.learner_idx(&c.learner).expect("ranked learner").0)).collect();
                    assert_eq!(keys, sweep, "rank_candidates: seed {seed}, {n} requirements ({essential} essential), k = {k}");
                }
                for (s, _, _) in &rev.entries {
                    scratch.rev_head[s.index()] = u32::MAX;
                }
            }
        }
        assert!(runs > 200, "the bound settled only {runs} of 360 rankings");
        assert!(early * 2 > runs, "the bound stopped early in only {early} of {runs} rankings");
        assert!(acc_early * 4 > acc_runs * 3, "the accumulation scored fewer than the sweep in only {acc_early} of {acc_runs} rankings");
    }
}
