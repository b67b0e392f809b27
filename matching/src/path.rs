//! Operation 3: the cheapest set of published courses that closes a skill gap.
//!
//! This is weighted set cover with precedence constraints (a course drags in its
//! prerequisites), NP-hard in general. The planner:
//!
//! 1. finds the *candidates*: available published courses that fully close at least one gap
//!    skill (same satisfaction rule as everywhere: the skill or an exact match at the level),
//!    and each candidate's *bundle*: itself plus its prerequisites, transitively, stopping
//!    at completed courses;
//!    Per (skill, level) segment of the index, sorted by cost, at most [`SEGMENT_LIMIT`]
//!    courses are taken;
//! 2. with more than [`EXACT_LIMIT`] candidates, keeps for every distinct set of gap skills
//!    the [`KEEP_PER_COVER`] cheapest bundles (a course covering the same gap skills as three
//!    cheaper ones is never worth it unless prerequisites are shared, which the heuristic
//!    accepts to miss);
//! 3. runs greedy weighted set cover over bundles (best newly-closed-skills per marginal cost),
//!    a pruning pass that drops redundant courses (most expensive first), and a local
//!    improvement pass (add one cheap bundle, prune, keep if cheaper);
//! 4. with at most [`EXACT_LIMIT`] candidates, runs an exact branch and bound seeded with the
//!    greedy cost, so small instances are solved optimally.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rongtong_catalog::SkillLevel;
use serde::{Deserialize, Serialize};

use crate::SkillsGraph;
use crate::fxhash::FxMap;
use crate::model::{CourseIdx, QueryError, SkillIdx, SkillNeed, Target, TargetRef};

/// With at most this many candidate courses, the planner searches exhaustively (branch and
/// bound) and the result is optimal.
pub const EXACT_LIMIT: usize = 20;
/// Cheapest bundles kept per distinct covered-skill set when the candidates are reduced.
pub const KEEP_PER_COVER: usize = 3;
/// Bundles tried by the local improvement pass (cheapest first).
pub const IMPROVE_LIMIT: usize = 64;
/// Courses considered per (source skill, level) segment of the index: the cheapest ones,
/// prerequisites included. Segments are small in practice; the cap only bites for very
/// popular skills, where the 33rd-cheapest course teaching the same skill at the same level
/// is a poor buy unless it also closes other gap skills cheaply (a case the heuristic
/// accepts to miss). Instances where no segment exceeds it are searched in full.
pub const SEGMENT_LIMIT: usize = 32;
/// Node budget of the branch and bound; past it the best solution found so far is returned
/// and the method is reported as heuristic.
pub const SEARCH_BUDGET: usize = 200_000;

const EPS: f64 = 1e-9;

/// What a learning path minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostBy {
    /// Teaching hours (学时): the learner's time.
    Hours,
    /// Credits (学分): what a college programme counts.
    Credits,
}

/// How a path was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathMethod {
    /// Exhaustive search over all candidates: the cost is optimal.
    Exact,
    /// Greedy set cover with pruning and local improvement (and possibly a bounded exact
    /// search over reduced candidates): near-optimal, not proven optimal.
    Heuristic,
}

/// Which planner to run; [`PathStrategy::Auto`] is what the service should use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathStrategy {
    /// Exact search when there are few candidates, heuristic otherwise.
    Auto,
    /// Greedy, pruning and local improvement only, for comparison and benchmarking.
    Heuristic,
}

/// One course of a path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathStep {
    /// Course id.
    pub course: String,
    /// Teaching hours.
    pub hours: f64,
    /// Credits.
    pub credits: f64,
    /// The cost counted for this course (its hours or credits).
    pub cost: f64,
    /// Its direct prerequisites (each earlier in the path or already completed).
    pub prerequisites: Vec<String>,
    /// Gap skills this course closes (it teaches them, or an exact match, at the level).
    pub closes: Vec<SkillNeed>,
    /// Later courses of the path that need this one; set for courses that are in the path
    /// only as prerequisites.
    pub required_by: Vec<String>,
}

/// Why a gap skill cannot be closed by any course.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Unclosable {
    /// No published course teaches the skill or an exact match.
    NotTaught {
        /// Skill URI.
        skill: String,
        /// Level needed.
        level: SkillLevel,
    },
    /// Published courses teach it, but only below the level needed.
    OnlyBelowLevel {
        /// Skill URI.
        skill: String,
        /// Level needed.
        level: SkillLevel,
        /// Highest level taught.
        best_taught: SkillLevel,
    },
    /// A course teaches it, but that course needs an unpublished course the learner has not
    /// completed.
    PrerequisitesUnavailable {
        /// Skill URI.
        skill: String,
        /// Level needed.
        level: SkillLevel,
        /// One such course.
        course: String,
    },
    /// Only courses the learner already completed teach it: get the skill verified instead.
    AlreadyCompleted {
        /// Skill URI.
        skill: String,
        /// Level needed.
        level: SkillLevel,
        /// The completed course.
        course: String,
    },
}

/// A learning path: courses in an order that respects prerequisites, and what is left open.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LearningPath {
    /// What the learner was measured against, when the gap came from a target.
    pub target: Option<TargetRef>,
    /// The gap that was planned for (deduplicated: a skill once, at its highest level).
    pub gap: Vec<SkillNeed>,
    /// Cost measure.
    pub cost_by: CostBy,
    /// Sum of the steps' costs.
    pub total_cost: f64,
    /// Sum of hours.
    pub total_hours: f64,
    /// Sum of credits.
    pub total_credits: f64,
    /// Exact or heuristic.
    pub method: PathMethod,
    /// How many candidate courses were considered.
    pub candidates: usize,
    /// Courses in a deterministic topological order (prerequisites first, then by id).
    pub steps: Vec<PathStep>,
    /// Gap skills no course can close, with the reason; never silently dropped.
    pub unclosable: Vec<Unclosable>,
}

/// Per-query arrays indexed by course, pooled in the graph so a query does not allocate
/// and zero them (only the entries it touched are reset).
pub(crate) struct PathScratch {
    /// course → raw candidate slot (u32::MAX: none).
    slot: Vec<u32>,
    /// course → 0 unknown, 1 available, 2 blocked by an unpublished prerequisite.
    avail: Vec<u8>,
    avail_touched: Vec<CourseIdx>,
    /// course → chosen by the greedy pass.
    in_set: Vec<bool>,
    /// skill → first entry of the query's `serves` list (u32::MAX: serves no gap skill).
    serve_head: Vec<u32>,
}

impl PathScratch {
    fn new(courses: usize, skills: usize) -> Self {
        PathScratch {
            slot: vec![u32::MAX; courses],
            avail: vec![0; courses],
            avail_touched: Vec::new(),
            in_set: vec![false; courses],
            serve_head: vec![u32::MAX; skills],
        }
    }
}

/// Compares masks word by word (most significant word last, like the integers they are).
fn cmp_mask(a: &[u64], b: &[u64]) -> std::cmp::Ordering {
    for (x, y) in a.iter().zip(b).rev() {
        if x != y {
            return x.cmp(y);
        }
    }
    std::cmp::Ordering::Equal
}

/// A working set of courses with its cost.
#[derive(Clone)]
struct Sol {
    set: Vec<CourseIdx>,
    cost: f64,
}

struct Planner<'g> {
    g: &'g SkillsGraph,
    by: CostBy,
    /// Number of gap skills and words per mask.
    n: usize,
    w: usize,
    done: &'g [CourseIdx],
    /// course → raw candidate slot (u32::MAX: none); borrowed from the pooled scratch.
    slot: Vec<u32>,
    /// own masks of raw candidates, `w` words each.
    own: Vec<u64>,
    closable: Vec<u64>,
}

fn or_into(a: &mut [u64], b: &[u64]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x |= y;
    }
}

fn gain(bundle: &[u64], covered: &[u64], closable: &[u64]) -> u32 {
    bundle.iter().zip(covered).zip(closable).map(|((b, c), k)| (b & !c & k).count_ones()).sum()
}

impl Planner<'_> {
    fn own_mask(&self, c: CourseIdx) -> Option<&[u64]> {
        let s = self.slot[c.index()];
        (s != u32::MAX).then(|| &self.own[s as usize * self.w..(s as usize + 1) * self.w])
    }

    fn is_done(&self, c: CourseIdx) -> bool {
        self.done.binary_search(&c).is_ok()
    }

    /// The course and its prerequisites, transitively, stopping at completed courses (a
    /// completed course's own prerequisites are evidently done too), sorted.
    fn bundle(&self, c: CourseIdx) -> Vec<CourseIdx> {
        let mut out = vec![c];
        let mut i = 0;
        while i < out.len() {
            for &q in self.g.prerequisites(out[i]) {
                if !self.is_done(q) && !out.contains(&q) {
                    out.push(q);
                }
            }
            i += 1;
        }
        out.sort_unstable();
        out
    }

    fn mask_of(&self, set: &[CourseIdx]) -> Vec<u64> {
        let mut m = vec![0u64; self.w];
        for &c in set {
            if let Some(o) = self.own_mask(c) {
                or_into(&mut m, o);
            }
        }
        m
    }

    fn cost_of(&self, set: &[CourseIdx]) -> f64 {
        set.iter().map(|&c| self.g.cost(c, self.by)).sum()
    }

    fn sol(&self, mut set: Vec<CourseIdx>) -> Sol {
        set.sort_unstable();
        set.dedup();
        let cost = self.cost_of(&set);
        Sol { set, cost }
    }

    /// Drops redundant courses, most expensive first, keeping the set prerequisite-closed
    /// and covering everything closable: a course goes when every gap skill it closes is
    /// closed by another course too and no other course of the set needs it.
    fn prune(&self, sol: &mut Sol) {
        let mut count = vec![0u32; self.n];
        for &c in &sol.set {
            if let Some(m) = self.own_mask(c) {
                for (i, x) in count.iter_mut().enumerate() {
                    *x += (m[i / 64] >> (i % 64) & 1) as u32;
                }
            }
        }
        let mut order = sol.set.clone();
        order.sort_by(|a, b| self.g.cost(*b, self.by).total_cmp(&self.g.cost(*a, self.by)).then(b.cmp(a)));
        let mut keep = vec![true; order.len()];
        loop {
            let mut changed = false;
            for (j, &c) in order.iter().enumerate() {
                if !keep[j] {
                    continue;
                }
                let needed = order.iter().zip(&keep).any(|(&d, &k)| k && d != c && self.g.prerequisites(d).contains(&c));
                if needed {
                    continue;
                }
                let redundant = self.own_mask(c).is_none_or(|m| (0..self.n).all(|i| m[i / 64] >> (i % 64) & 1 == 0 || count[i] >= 2));
                if redundant {
                    if let Some(m) = self.own_mask(c) {
                        for (i, x) in count.iter_mut().enumerate() {
                            *x -= (m[i / 64] >> (i % 64) & 1) as u32;
                        }
                    }
                    keep[j] = false;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        if keep.iter().any(|k| !k) {
            *sol = self.sol(order.iter().zip(&keep).filter(|(_, k)| **k).map(|(&c, _)| c).collect());
        }
    }
}

/// A candidate bundle: the course, its bundle members, what they close, what they cost.
struct Bundle {
    course: CourseIdx,
    members: Vec<CourseIdx>,
    mask: Vec<u64>,
    cost: f64,
}

impl SkillsGraph {
    /// Plans the cheapest set of published courses that closes a gap, ordered so that every
    /// course comes after its prerequisites.
    ///
    /// A gap skill is *closed* by a course that teaches the skill, or an exact match, at the
    /// needed level or higher (the satisfaction rule of `docs/MATCHING.md`; partial credit
    /// closes nothing). A course is only proposed if all its prerequisites, transitively, are
    /// published or completed; completed courses are never proposed again and cost nothing
    /// as prerequisites. Skills no course can close are listed in `unclosable` with a reason.
    ///
    /// # Arguments
    /// * `gap`: skills to reach, each at a level; a skill listed twice keeps its highest level.
    /// * `completed`: ids of courses the learner has completed.
    /// * `cost_by`: minimise hours or credits.
    ///
    /// # Returns
    /// A [`LearningPath`]; errors on an unknown skill or course.
    ///
    /// # Complexity
    /// Candidate discovery is O(P + C·q) for P index entries of the gap skills at or above the
    /// needed levels, C candidates and q the mean bundle size. Greedy and pruning are
    /// O(n · C' · q) and O(m³) for n gap skills, C' reduced candidates and m courses chosen.
    /// The exact search (only with at most [`EXACT_LIMIT`] candidates) is exponential in the
    /// worst case but capped at [`SEARCH_BUDGET`] nodes.
    ///
    /// # Example
    /// ```
    /// use rongtong_catalog::{CourseSkill, SkillLevel};
    /// use rongtong_matching::{CostBy, CourseSpec, GraphBuilder, SkillNeed};
    ///
    /// let mut b = GraphBuilder::new();
    /// for s in ["plc", "robot"] {
    ///     b.add_skill(&format!("https://ex.cn/skills/{s}"));
    /// }
    /// let course = |id: &str, hours: f64, skill: &str, pre: &[&str]| CourseSpec {
    ///     id: id.into(), provider: None, region: None, hours, credits: hours / 16.0, published: true,
    ///     teaches: vec![CourseSkill { skill: format!("https://ex.cn/skills/{skill}"), level: SkillLevel::L3, weight: 1.0 }],
    ///     prerequisites: pre.iter().map(|p| p.to_string()).collect(),
    /// };
    /// b.add_course(&course("plc-101", 32.0, "plc", &[]))?;
    /// b.add_course(&course("robot-201", 48.0, "robot", &["plc-101"]))?;
    /// let g = b.build()?;
    /// let gap = [SkillNeed { skill: "https://ex.cn/skills/robot".into(), level: SkillLevel::L4 }];
    /// let path = g.learning_path(&gap, &[], CostBy::Hours)?;
    /// let order: Vec<_> = path.steps.iter().map(|s| s.course.as_str()).collect();
    /// assert_eq!(order, ["plc-101", "robot-201"]);
    /// assert_eq!(path.total_cost, 80.0);
    /// assert_eq!(path.steps[0].required_by, ["robot-201"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn learning_path(&self, gap: &[SkillNeed], completed: &[&str], cost_by: CostBy) -> Result<LearningPath, QueryError> {
        self.learning_path_with(gap, completed, cost_by, PathStrategy::Auto)
    }

    /// [`learning_path`](Self::learning_path) with an explicit strategy (for comparisons).
    ///
    /// # Complexity
    /// As [`learning_path`](Self::learning_path).
    pub fn learning_path_with(
        &self,
        gap: &[SkillNeed],
        completed: &[&str],
        cost_by: CostBy,
        strategy: PathStrategy,
    ) -> Result<LearningPath, QueryError> {
        let mut needs = Vec::with_capacity(gap.len());
        for n in gap {
            let s = self.skill_idx(&n.skill).ok_or_else(|| QueryError::UnknownSkill(n.skill.clone()))?;
            needs.push((s, n.level));
        }
        let mut done = Vec::with_capacity(completed.len());
        for c in completed {
            done.push(self.course_idx(c).ok_or_else(|| QueryError::UnknownCourse(c.to_string()))?);
        }
        done.sort_unstable();
        done.dedup();
        Ok(self.plan(None, needs, &done, cost_by, strategy))
    }

    /// Plans a learning path for a learner towards a target: the gap is every requirement
    /// the learner has not met (only essential ones when `essential_only`), and the
    /// learner's completed courses count as done.
    ///
    /// # Arguments
    /// * `learner`: learner id.
    /// * `target`: demand item, occupation or inline requirements.
    /// * `cost_by`: minimise hours or credits.
    /// * `essential_only`: plan only for essential requirements.
    ///
    /// # Returns
    /// A [`LearningPath`] whose `target` is set; errors on an unknown learner or target.
    ///
    /// # Complexity
    /// That of [`learner_gap`](Self::learner_gap) plus [`learning_path`](Self::learning_path).
    ///
    /// # Example
    /// ```
    /// use rongtong_catalog::{CourseSkill, RequirementKind, SkillLevel, SkillRequirement};
    /// use rongtong_matching::{CostBy, CourseSpec, GraphBuilder, LearnerSpec, Target};
    ///
    /// let mut b = GraphBuilder::new();
    /// b.add_skill("https://ex.cn/skills/plc");
    /// b.add_course(&CourseSpec {
    ///     id: "plc-101".into(), provider: None, region: None, hours: 32.0, credits: 2.0, published: true,
    ///     teaches: vec![CourseSkill { skill: "https://ex.cn/skills/plc".into(), level: SkillLevel::L3, weight: 1.0 }],
    ///     prerequisites: vec![],
    /// })?;
    /// b.add_learner(&LearnerSpec { id: "l1".into(), region: "360300".into(), opted_in_to_be_found: false, skills: vec![], completed_courses: vec![] })?;
    /// let g = b.build()?;
    /// let reqs = [SkillRequirement { skill: "https://ex.cn/skills/plc".into(), kind: RequirementKind::Essential, min_level: SkillLevel::L3 }];
    /// let path = g.learning_path_for("l1", Target::Requirements(&reqs), CostBy::Credits, false)?;
    /// assert_eq!(path.total_cost, 2.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn learning_path_for(
        &self,
        learner: &str,
        target: Target<'_>,
        cost_by: CostBy,
        essential_only: bool,
    ) -> Result<LearningPath, QueryError> {
        let l = self.learner_idx(learner).ok_or_else(|| QueryError::UnknownLearner(learner.to_string()))?;
        let (tref, reqs) = self.resolve_target(target)?;
        let needs = self.unmet_needs(l, &reqs, essential_only);
        Ok(self.plan(Some(tref), needs, self.completed(l), cost_by, PathStrategy::Auto))
    }

    pub(crate) fn plan(
        &self,
        target: Option<TargetRef>,
        mut needs: Vec<(SkillIdx, SkillLevel)>,
        done: &[CourseIdx],
        by: CostBy,
        strategy: PathStrategy,
    ) -> LearningPath {
        // One entry per skill, at its highest level, in first-seen order.
        let mut seen: FxMap<SkillIdx, usize> = FxMap::default();
        let mut uniq: Vec<(SkillIdx, SkillLevel)> = Vec::with_capacity(needs.len());
        for (s, l) in needs.drain(..) {
            match seen.get(&s) {
                Some(&i) => uniq[i].1 = uniq[i].1.max(l),
                None => {
                    seen.insert(s, uniq.len());
                    uniq.push((s, l));
                }
            }
        }
        let needs = uniq;
        let n = needs.len();
        let w = n.div_ceil(64).max(1);
        let mut scratch = self
            .path_pool
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop()
            .unwrap_or_else(|| PathScratch::new(self.course_count(), self.skill_count()));
        let mut p = Planner { g: self, by, n, w, done, slot: std::mem::take(&mut scratch.slot), own: Vec::new(), closable: vec![0; w] };

        // ---- 1. candidates ----
        // Which gap skills each full-credit source skill serves, and at what level.
        let mut serves: Vec<(SkillIdx, usize, SkillLevel)> = Vec::new();
        for (i, &(skill, level)) in needs.iter().enumerate() {
            for &(t, via) in self.sources(skill) {
                if via.is_full() {
                    serves.push((t, i, level));
                }
            }
        }
        serves.sort_unstable_by_key(|e| (e.0, e.1));
        for (i, e) in serves.iter().enumerate().rev() {
            scratch.serve_head[e.0.index()] = i as u32;
        }
        let avail = &mut scratch.avail;
        let avail_touched = &mut scratch.avail_touched;
        let mut raw: Vec<CourseIdx> = Vec::new();
        let mut why: Vec<Option<Unclosable>> = vec![None; n];
        for (i, &(skill, level)) in needs.iter().enumerate() {
            let mut best_below: Option<SkillLevel> = None;
            let mut blocked: Option<CourseIdx> = None;
            let mut completed: Option<CourseIdx> = None;
            for &(t, via) in self.sources(skill) {
                if !via.is_full() {
                    continue;
                }
                let list = self.courses_teaching_by(t, by);
                let mut j = 0;
                while let Some(&(_, lv)) = list.get(j) {
                    if !lv.satisfies(level) {
                        best_below = best_below.max(Some(lv));
                        break;
                    }
                    let end = j + list[j..].partition_point(|x| x.1 == lv);
                    let mut taken = 0;
                    for &(c, _) in &list[j..end] {
                        if taken == SEGMENT_LIMIT {
                            break;
                        }
                        if p.is_done(c) {
                            completed = completed.or(Some(c));
                            continue;
                        }
                        let a = &mut avail[c.index()];
                        if *a == 0 {
                            let ok = self.prerequisites(c).is_empty() || p.bundle(c).iter().all(|&m| self.course_published[m.index()]);
                            *a = if ok { 1 } else { 2 };
                            avail_touched.push(c);
                        }
                        if *a == 2 {
                            blocked = blocked.or(Some(c));
                            continue;
                        }
                        taken += 1;
                        if p.slot[c.index()] == u32::MAX {
                            p.slot[c.index()] = raw.len() as u32;
                            raw.push(c);
                        }
                    }
                    j = end;
                }
            }
            let (su, lv) = (self.skill_uri(skill).to_string(), level);
            why[i] = Some(if let Some(c) = blocked {
                Unclosable::PrerequisitesUnavailable { skill: su, level: lv, course: self.course_id(c).to_string() }
            } else if let Some(c) = completed {
                Unclosable::AlreadyCompleted { skill: su, level: lv, course: self.course_id(c).to_string() }
            } else if let Some(b) = best_below {
                Unclosable::OnlyBelowLevel { skill: su, level: lv, best_taught: b }
            } else {
                Unclosable::NotTaught { skill: su, level: lv }
            });
        }
        // Each candidate's own mask, from the course's side: every gap skill it closes, even
        // those whose index segment it was not taken from.
        p.own = vec![0u64; raw.len() * w];
        for (r, &c) in raw.iter().enumerate() {
            for (t, lv) in self.teaches(c) {
                let mut e = scratch.serve_head[t.index()] as usize;
                while let Some(&(u, i, level)) = serves.get(e) {
                    if u != *t {
                        break;
                    }
                    if lv.satisfies(level) {
                        p.own[r * w + i / 64] |= 1 << (i % 64);
                    }
                    e += 1;
                }
            }
            for j in 0..w {
                p.closable[j] |= p.own[r * w + j];
            }
        }
        for e in &serves {
            scratch.serve_head[e.0.index()] = u32::MAX;
        }

        // ---- 2. bundles, reduced when there are many ----
        // Mask and cost of every candidate's bundle, in flat arrays; a course without
        // prerequisites (the common case) is its own bundle.
        let mut bmask = vec![0u64; raw.len() * w];
        let mut bcost = vec![0f64; raw.len()];
        for (r, &c) in raw.iter().enumerate() {
            if self.prerequisites(c).is_empty() {
                bmask[r * w..(r + 1) * w].copy_from_slice(&p.own[r * w..(r + 1) * w]);
                bcost[r] = self.cost(c, by);
            } else {
                let members = p.bundle(c);
                bmask[r * w..(r + 1) * w].copy_from_slice(&p.mask_of(&members));
                bcost[r] = p.cost_of(&members);
            }
        }
        let mut order: Vec<usize> = (0..raw.len()).collect();
        let reduced = raw.len() > EXACT_LIMIT;
        if reduced {
            let row = |r: usize| &bmask[r * w..(r + 1) * w];
            order.sort_by(|&a, &b| cmp_mask(row(a), row(b)).then(bcost[a].total_cmp(&bcost[b])).then(raw[a].cmp(&raw[b])));
            let mut kept: Vec<usize> = Vec::new();
            let mut run = 0usize;
            for r in order {
                run = if kept.last().is_some_and(|&k| row(k) == row(r)) { run + 1 } else { 0 };
                if run < KEEP_PER_COVER {
                    kept.push(r);
                }
            }
            order = kept;
        }
        let mut bundles: Vec<Bundle> = order
            .into_iter()
            .map(|r| Bundle {
                course: raw[r],
                members: if self.prerequisites(raw[r]).is_empty() { vec![raw[r]] } else { p.bundle(raw[r]) },
                mask: bmask[r * w..(r + 1) * w].to_vec(),
                cost: bcost[r],
            })
            .collect();
        bundles.sort_by(|a, b| a.cost.total_cmp(&b.cost).then(a.course.cmp(&b.course)));

        // ---- 3. greedy, prune, improve ----
        let mut sol = self.greedy(&p, &bundles, &mut scratch.in_set);
        p.prune(&mut sol);
        for b in bundles.iter().take(IMPROVE_LIMIT) {
            if b.cost >= sol.cost || sol.set.binary_search(&b.course).is_ok() {
                continue;
            }
            let mut trial = sol.set.clone();
            trial.extend(b.members.iter().copied());
            let mut trial = p.sol(trial);
            p.prune(&mut trial);
            if trial.cost < sol.cost - EPS {
                sol = trial;
            }
        }

        // ---- 4. exact search on small instances ----
        let mut method = PathMethod::Heuristic;
        if strategy == PathStrategy::Auto && bundles.len() <= EXACT_LIMIT {
            let mut bb = BranchAndBound { p: &p, bundles: &bundles, best: sol.clone(), nodes: 0, needs: n };
            let complete = bb.run();
            sol = bb.best;
            if complete && !reduced {
                method = PathMethod::Exact;
            }
        }

        // ---- 5. order and explain ----
        let order = self.topo_order(&sol.set, done);
        let closable = p.closable.clone();
        let steps = order
            .iter()
            .map(|&c| {
                let closes = p
                    .own_mask(c)
                    .map(|m| {
                        (0..n)
                            .filter(|&i| m[i / 64] >> (i % 64) & 1 == 1)
                            .map(|i| SkillNeed { skill: self.skill_uri(needs[i].0).to_string(), level: needs[i].1 })
                            .collect()
                    })
                    .unwrap_or_default();
                PathStep {
                    course: self.course_id(c).to_string(),
                    hours: self.course_hours[c.index()],
                    credits: self.course_credits[c.index()],
                    cost: self.cost(c, by),
                    prerequisites: self.prerequisites(c).iter().map(|&q| self.course_id(q).to_string()).collect(),
                    closes,
                    required_by: order
                        .iter()
                        .filter(|&&d| self.prerequisites(d).contains(&c))
                        .map(|&d| self.course_id(d).to_string())
                        .collect(),
                }
            })
            .collect::<Vec<_>>();
        let unclosable = (0..n).filter(|&i| closable[i / 64] >> (i % 64) & 1 == 0).filter_map(|i| why[i].take()).collect();
        for &c in &raw {
            p.slot[c.index()] = u32::MAX;
        }
        scratch.slot = std::mem::take(&mut p.slot);
        for c in scratch.avail_touched.drain(..) {
            scratch.avail[c.index()] = 0;
        }
        self.path_pool.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(scratch);
        LearningPath {
            target,
            gap: needs.iter().map(|&(s, l)| SkillNeed { skill: self.skill_uri(s).to_string(), level: l }).collect(),
            cost_by: by,
            total_cost: steps.iter().map(|s| s.cost).sum(),
            total_hours: steps.iter().map(|s| s.hours).sum(),
            total_credits: steps.iter().map(|s| s.credits).sum(),
            method,
            candidates: raw.len(),
            steps,
            unclosable,
        }
    }

    /// Greedy weighted set cover over bundles: repeatedly take the bundle with the most
    /// newly closed gap skills per unit of marginal cost (cost of its members not yet
    /// chosen). Ties: lower marginal cost, then lower course index.
    fn greedy(&self, p: &Planner<'_>, bundles: &[Bundle], in_set: &mut [bool]) -> Sol {
        let mut set: Vec<CourseIdx> = Vec::new();
        let mut covered = vec![0u64; p.w];
        loop {
            let mut best: Option<(usize, u32, f64)> = None;
            for (i, b) in bundles.iter().enumerate() {
                let g = gain(&b.mask, &covered, &p.closable);
                if g == 0 {
                    continue;
                }
                let m: f64 = b.members.iter().filter(|c| !in_set[c.index()]).map(|&c| self.cost(c, p.by)).sum();
                let better = match best {
                    None => true,
                    Some((bi, bg, bm)) => {
                        // g/m > bg/bm  ⇔  g·bm > bg·m (costs are non-negative)
                        let l = f64::from(g) * bm;
                        let r = f64::from(bg) * m;
                        if (l - r).abs() > EPS {
                            l > r
                        } else if (m - bm).abs() > EPS {
                            m < bm
                        } else {
                            b.course < bundles[bi].course
                        }
                    }
                };
                if better {
                    best = Some((i, g, m));
                }
            }
            let Some((i, _, _)) = best else { break };
            for &c in &bundles[i].members {
                if !in_set[c.index()] {
                    in_set[c.index()] = true;
                    set.push(c);
                }
            }
            or_into(&mut covered, &bundles[i].mask);
        }
        for c in &set {
            in_set[c.index()] = false;
        }
        p.sol(set)
    }

    /// Kahn's algorithm over the chosen courses, smallest course index (= id) first among
    /// those whose prerequisites are all placed or completed: a deterministic order.
    fn topo_order(&self, set: &[CourseIdx], done: &[CourseIdx]) -> Vec<CourseIdx> {
        let in_set = |c: &CourseIdx| set.binary_search(c).is_ok();
        let mut indeg: Vec<usize> =
            set.iter().map(|&c| self.prerequisites(c).iter().filter(|q| in_set(q) && done.binary_search(q).is_err()).count()).collect();
        let mut ready: BinaryHeap<Reverse<CourseIdx>> =
            set.iter().zip(&indeg).filter(|(_, d)| **d == 0).map(|(&c, _)| Reverse(c)).collect();
        let mut out = Vec::with_capacity(set.len());
        while let Some(Reverse(c)) = ready.pop() {
            out.push(c);
            for (j, &d) in set.iter().enumerate() {
                if self.prerequisites(d).contains(&c) {
                    indeg[j] -= 1;
                    if indeg[j] == 0 {
                        ready.push(Reverse(d));
                    }
                }
            }
        }
        out
    }
}

/// Exhaustive search: branch on the uncovered gap skill with the fewest covering bundles,
/// add one covering bundle at a time, prune on cost. Optimal because every optimal solution
/// is the union of the bundles of its members (it is prerequisite-closed).
struct BranchAndBound<'a, 'g> {
    p: &'a Planner<'g>,
    bundles: &'a [Bundle],
    best: Sol,
    nodes: usize,
    needs: usize,
}

impl BranchAndBound<'_, '_> {
    /// Returns false when the node budget ran out.
    fn run(&mut self) -> bool {
        let mut set = Vec::new();
        let covered = vec![0u64; self.p.w];
        self.search(&mut set, covered, 0.0)
    }

    fn search(&mut self, set: &mut Vec<CourseIdx>, covered: Vec<u64>, cost: f64) -> bool {
        self.nodes += 1;
        if self.nodes > SEARCH_BUDGET {
            return false;
        }
        if cost >= self.best.cost - EPS {
            return true;
        }
        // The uncovered closable skill with the fewest covering bundles.
        let mut pick: Option<(usize, usize)> = None;
        for i in 0..self.needs {
            let bit = |m: &[u64]| m[i / 64] >> (i % 64) & 1 == 1;
            if !bit(&self.p.closable) || bit(&covered) {
                continue;
            }
            let k = self.bundles.iter().filter(|b| self.p.own_mask(b.course).is_some_and(bit)).count();
            if pick.is_none_or(|(_, pk)| k < pk) {
                pick = Some((i, k));
            }
        }
        let Some((i, _)) = pick else {
            self.best = self.p.sol(set.clone());
            return true;
        };
        for b in self.bundles {
            if self.p.own_mask(b.course).is_none_or(|m| m[i / 64] >> (i % 64) & 1 == 0) {
                continue;
            }
            let added: Vec<CourseIdx> = b.members.iter().copied().filter(|c| !set.contains(c)).collect();
            let extra: f64 = added.iter().map(|&c| self.p.g.cost(c, self.p.by)).sum();
            if cost + extra >= self.best.cost - EPS {
                continue;
            }
            let mut cov = covered.clone();
            or_into(&mut cov, &b.mask);
            let n = set.len();
            set.extend(added);
            let ok = self.search(set, cov, cost + extra);
            set.truncate(n);
            if !ok {
                return false;
            }
        }
        true
    }
}
