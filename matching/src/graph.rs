//! Building the immutable [`SkillsGraph`] snapshot.
//!
//! The registry reads its database, feeds a [`GraphBuilder`], calls [`GraphBuilder::build`]
//! and swaps the result into an `Arc`. Every query then runs on dense integer arrays:
//!
//! * the skill relation graph (a petgraph [`Graph`]) and, derived from it once, each skill's
//!   list of credit *sources* (itself, exact matches, narrower, close and related skills);
//! * courses in compressed-row (CSR) form, prerequisites checked acyclic with petgraph;
//! * inverted indexes: skill → published courses sorted by level (highest first), then by
//!   cost including prerequisites (one copy per cost measure), and
//!   skill → learners by level (highest first), each level's holders sorted by learner
//!   index, over *credential-backed* holdings only (the candidate ranking is its only reader, and it scores only credentials).
//!
//! A learner's holdings are kept twice: all verified evidence (gap, path, supply figures)
//! and the credential-backed subset (ranking), each deduplicated per skill to its highest
//! level, a credential preferred over a bare completion at the same level.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use petgraph::Graph;
use petgraph::algo::toposort;
use petgraph::graph::NodeIndex;
use petgraph::unionfind::UnionFind;
use rongtong_catalog::{RequirementKind, SkillLevel, SkillRelationKind, SkillRequirement};

use crate::fxhash::FxMap;
use crate::model::{
    BuildError, CourseIdx, CourseSpec, DemandIdx, DemandSpec, EvidenceKind, LearnerIdx, LearnerSpec, OccupationIdx, OccupationSpec,
    QueryError, Req, SkillIdx, Target, TargetRef,
};
use crate::rank::RankScratch;
use crate::region::Region;
use crate::satisfaction::Via;
use crate::store::{DEFAULT_BLOCK_BITS, LearnerBlock, LearnerRef, Postings, bit};

/// Longest evidence text kept per verified skill (bytes); longer text is cut at a character
/// boundary. Evidence is a certificate id or a short note, not a document.
pub const MAX_EVIDENCE_BYTES: usize = 1024;

/// Evidence text as the graph keeps it: cut to [`MAX_EVIDENCE_BYTES`] at a character boundary.
pub(crate) fn graph_evidence_text(ev: &str) -> &str {
    if ev.len() <= MAX_EVIDENCE_BYTES {
        return ev;
    }
    let mut cut = MAX_EVIDENCE_BYTES;
    while !ev.is_char_boundary(cut) {
        cut -= 1;
    }
    &ev[..cut]
}

struct CourseRaw {
    id: String,
    provider: Option<String>,
    region: Option<Region>,
    hours: f64,
    credits: f64,
    published: bool,
    teaches: Vec<(SkillIdx, SkillLevel)>,
    prerequisites: Vec<String>,
}

struct ReqsRaw {
    id: String,
    region: Option<Region>,
    headcount: u32,
    published: bool,
    reqs: Vec<Req>,
}

/// Collects skills, relations, courses, occupations, demand and learners, then builds an
/// immutable [`SkillsGraph`].
///
/// Skills must be added before anything that refers to them, so a misspelt URI is reported
/// at the call that made it ([`BuildError::UnknownSkill`]). Course ids (prerequisites,
/// completed courses) may be referred to before they are added; they are resolved by
/// [`build`](Self::build). Insertion order does not matter for any result: courses, demand
/// items, occupations and learners are sorted by id when the graph is built.
#[derive(Default)]
pub struct GraphBuilder {
    skill_uris: Vec<Box<str>>,
    skill_map: FxMap<Box<str>, SkillIdx>,
    relations: Vec<(SkillIdx, SkillRelationKind, SkillIdx)>,
    courses: Vec<CourseRaw>,
    occupations: Vec<ReqsRaw>,
    demands: Vec<ReqsRaw>,
    // Learners, flat in insertion order.
    l_ids: Vec<Box<str>>,
    l_region: Vec<Region>,
    l_opted: Vec<bool>,
    l_hold_off: Vec<usize>,
    h_skill: Vec<SkillIdx>,
    h_level: Vec<SkillLevel>,
    h_ev: Vec<(u32, u16)>,
    h_kind: Vec<EvidenceKind>,
    ev_arena: String,
    l_done_off: Vec<usize>,
    done_names: Vec<Box<str>>,
    block_bits: Option<u32>,
}

impl fmt::Debug for GraphBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphBuilder")
            .field("skills", &self.skill_uris.len())
            .field("relations", &self.relations.len())
            .field("courses", &self.courses.len())
            .field("occupations", &self.occupations.len())
            .field("demands", &self.demands.len())
            .field("learners", &self.l_ids.len())
            .finish()
    }
}

impl GraphBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        let mut b = Self::default();
        b.l_hold_off.push(0);
        b.l_done_off.push(0);
        b
    }

    /// Sets how many learners the built graph keeps per block of its learner store (rounded
    /// up to a power of two; default 2048). An incremental update
    /// ([`SkillsGraph::with_learners`]) copies the blocks of the learners it changes, so
    /// smaller blocks make updates cheaper and add a little per-block overhead. Results never
    /// depend on it; tests use tiny blocks to exercise block boundaries.
    pub fn learner_block_size(&mut self, learners: usize) -> &mut Self {
        self.block_bits = Some(learners.max(1).next_power_of_two().trailing_zeros());
        self
    }

    /// Adds a skill by URI and returns its dense index; adding the same URI again returns
    /// the same index (so callers need not deduplicate).
    pub fn add_skill(&mut self, uri: &str) -> SkillIdx {
        if let Some(&i) = self.skill_map.get(uri) {
            return i;
        }
        let i = SkillIdx(self.skill_uris.len() as u32);
        self.skill_uris.push(uri.into());
        self.skill_map.insert(uri.into(), i);
        i
    }

    /// The index of an already added skill.
    pub fn skill_idx(&self, uri: &str) -> Option<SkillIdx> {
        self.skill_map.get(uri).copied()
    }

    fn skill(&self, context: impl FnOnce() -> String, uri: &str) -> Result<SkillIdx, BuildError> {
        self.skill_idx(uri).ok_or_else(|| BuildError::UnknownSkill { context: context(), uri: uri.to_string() })
    }

    /// Adds a directed relation `from kind to` (see [`SkillRelationKind`] for the direction
    /// of each kind). Exact, close and related matches are symmetric and may be given in
    /// either direction; self-relations are ignored.
    pub fn add_relation(&mut self, from: &str, kind: SkillRelationKind, to: &str) -> Result<(), BuildError> {
        let a = self.skill(|| format!("relation {from} {kind} {to}"), from)?;
        let b = self.skill(|| format!("relation {from} {kind} {to}"), to)?;
        if a != b {
            self.relations.push((a, kind, b));
        }
        Ok(())
    }

    /// Adds a course. Its skills must already exist; its prerequisites are resolved by
    /// [`build`](Self::build).
    pub fn add_course(&mut self, course: &CourseSpec) -> Result<(), BuildError> {
        let ok = |x: f64| x.is_finite() && x >= 0.0;
        if !ok(course.hours) || !ok(course.credits) {
            return Err(BuildError::InvalidCost { course: course.id.clone() });
        }
        let region = match &course.region {
            Some(code) => Some(
                Region::parse(code)
                    .ok_or_else(|| BuildError::InvalidRegion { context: format!("course {}", course.id), code: code.clone() })?,
            ),
            None => None,
        };
        let mut teaches = Vec::with_capacity(course.teaches.len());
        for t in &course.teaches {
            teaches.push((self.skill(|| format!("course {}", course.id), &t.skill)?, t.level));
        }
        self.courses.push(CourseRaw {
            id: course.id.clone(),
            provider: course.provider.clone(),
            region,
            // `+ 0.0` turns -0.0 (which passes the check above) into 0.0, so no cost or
            // total derived from it is ever serialised as `-0.0`.
            hours: course.hours + 0.0,
            credits: course.credits + 0.0,
            published: course.published,
            teaches,
            prerequisites: course.prerequisites.clone(),
        });
        Ok(())
    }

    fn reqs(&self, context: &str, reqs: &[SkillRequirement]) -> Result<Vec<Req>, BuildError> {
        reqs.iter()
            .map(|r| {
                Ok(Req {
                    skill: self.skill(|| context.to_string(), &r.skill)?,
                    essential: r.kind == RequirementKind::Essential,
                    level: r.min_level,
                })
            })
            .collect()
    }

    /// Adds an occupation and its required skills.
    pub fn add_occupation(&mut self, occupation: &OccupationSpec) -> Result<(), BuildError> {
        let reqs = self.reqs(&format!("occupation {}", occupation.id), &occupation.requirements)?;
        self.occupations.push(ReqsRaw { id: occupation.id.clone(), region: None, headcount: 0, published: true, reqs });
        Ok(())
    }

    /// Adds a demand item with its region, headcount and required skills.
    pub fn add_demand(&mut self, demand: &DemandSpec) -> Result<(), BuildError> {
        let region = Region::parse(&demand.region)
            .ok_or_else(|| BuildError::InvalidRegion { context: format!("demand {}", demand.id), code: demand.region.clone() })?;
        let reqs = self.reqs(&format!("demand {}", demand.id), &demand.requirements)?;
        self.demands.push(ReqsRaw {
            id: demand.id.clone(),
            region: Some(region),
            headcount: demand.headcount,
            published: demand.published,
            reqs,
        });
        Ok(())
    }

    /// Adds a learner with their verified skills and completed courses. A skill listed twice
    /// keeps its highest level (and that level's evidence, a credential preferred over a
    /// bare completion); separately, the highest level a *credential* proves is kept for
    /// rankings.
    pub fn add_learner(&mut self, learner: &LearnerSpec) -> Result<(), BuildError> {
        let region = Region::parse(&learner.region)
            .ok_or_else(|| BuildError::InvalidRegion { context: format!("learner {}", learner.id), code: learner.region.clone() })?;
        let start = self.h_skill.len();
        // Consecutive skills with the same evidence (every skill one certificate or one course
        // completion proves) share one copy of its text in the arena.
        let mut last: Option<(&str, u32)> = None;
        for v in &learner.skills {
            let Some(s) = self.skill_idx(&v.skill) else {
                self.h_skill.truncate(start);
                self.h_level.truncate(start);
                self.h_ev.truncate(start);
                self.h_kind.truncate(start);
                return Err(BuildError::UnknownSkill { context: format!("learner {}", learner.id), uri: v.skill.clone() });
            };
            let ev = graph_evidence_text(&v.evidence);
            let at = match last {
                Some((prev, at)) if prev == ev => at,
                _ => {
                    let at = u32::try_from(self.ev_arena.len()).map_err(|_| BuildError::TooLarge("evidence text exceeds 4 GiB"))?;
                    self.ev_arena.push_str(ev);
                    last = Some((ev, at));
                    at
                }
            };
            self.h_skill.push(s);
            self.h_level.push(v.level);
            self.h_ev.push((at, ev.len() as u16));
            self.h_kind.push(v.kind);
        }
        self.l_ids.push(learner.id.as_str().into());
        self.l_region.push(region);
        self.l_opted.push(learner.opted_in_to_be_found);
        self.l_hold_off.push(self.h_skill.len());
        self.done_names.extend(learner.completed_courses.iter().map(|c| c.as_str().into()));
        self.l_done_off.push(self.done_names.len());
        Ok(())
    }

    /// Builds the immutable graph: sorts records by id, checks ids are unique and every
    /// course reference resolves, rejects prerequisite cycles, derives each skill's credit
    /// sources and fills the inverted indexes.
    ///
    /// # Complexity
    /// O(S + E + C log C + L log L + H log h) for S skills, E relations, C courses, L
    /// learners and H verified skills in all (h per learner).
    pub fn build(self) -> Result<SkillsGraph, BuildError> {
        let n_skills = self.skill_uris.len();
        let (relations, src_off, src) = build_sources(n_skills, &self.relations);

        // ---- courses ----
        let mut courses = self.courses;
        courses.sort_by(|a, b| a.id.cmp(&b.id));
        for w in courses.windows(2) {
            if w[0].id == w[1].id {
                return Err(BuildError::DuplicateId { kind: "course", id: w[0].id.clone() });
            }
        }
        let course_map: FxMap<Box<str>, CourseIdx> =
            courses.iter().enumerate().map(|(i, c)| (c.id.as_str().into(), CourseIdx(i as u32))).collect();
        let n_courses = courses.len();
        let mut prereq_off = Vec::with_capacity(n_courses + 1);
        let mut prereq = Vec::new();
        prereq_off.push(0u32);
        let mut pg: Graph<(), ()> = Graph::with_capacity(n_courses, 0);
        for _ in 0..n_courses {
            pg.add_node(());
        }
        for (i, c) in courses.iter().enumerate() {
            let mut ps: Vec<CourseIdx> = Vec::with_capacity(c.prerequisites.len());
            for p in &c.prerequisites {
                let pi = course_map
                    .get(p.as_str())
                    .copied()
                    .ok_or_else(|| BuildError::UnknownCourse { context: format!("prerequisite of course {}", c.id), course: p.clone() })?;
                ps.push(pi);
            }
            ps.sort_unstable();
            ps.dedup();
            for &p in &ps {
                // Edge prerequisite → course, so a topological order lists prerequisites first.
                pg.add_edge(NodeIndex::new(p.index()), NodeIndex::new(i), ());
            }
            prereq.extend(ps);
            prereq_off.push(prereq.len() as u32);
        }
        if toposort(&pg, None).is_err() {
            // The catalog's check names the whole loop, in order, as the API and the importer
            // do; toposort only knows one node on it.
            let (courses, prereq, prereq_off) = (&courses, &prereq, &prereq_off);
            let edges = courses.iter().enumerate().flat_map(|(i, c)| {
                prereq[prereq_off[i] as usize..prereq_off[i + 1] as usize]
                    .iter()
                    .map(move |p| (c.id.as_str(), courses[p.index()].id.as_str()))
            });
            let first = rongtong_catalog::prerequisite_cycles(edges).into_iter().next();
            let mut cycle = first.map(|c| c.path).unwrap_or_default();
            let course = cycle.first().cloned().unwrap_or_default();
            cycle.push(course.clone());
            return Err(BuildError::PrerequisiteCycle { course, cycle });
        }
        drop(pg);
        // Taught skills per course, deduplicated (highest level wins).
        let mut teach_off = Vec::with_capacity(n_courses + 1);
        let mut teach: Vec<(SkillIdx, SkillLevel)> = Vec::new();
        teach_off.push(0u32);
        for c in &courses {
            let start = teach.len();
            teach.extend(c.teaches.iter().copied());
            teach[start..].sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
            let mut v = teach.split_off(start);
            v.dedup_by_key(|t| t.0);
            teach.extend(v);
            teach_off.push(teach.len() as u32);
        }
        // Cost of each course with all its prerequisites (transitively), by DFS with a visit
        // stamp: the order in which the planner meets courses of one skill and level.
        let mut closure_cost = vec![(0.0f64, 0.0f64); n_courses];
        let mut stamp = vec![u32::MAX; n_courses];
        let mut stack = Vec::new();
        for (i, cc) in closure_cost.iter_mut().enumerate() {
            stack.push(i);
            stamp[i] = i as u32;
            while let Some(c) = stack.pop() {
                cc.0 += courses[c].hours;
                cc.1 += courses[c].credits;
                for p in &prereq[prereq_off[c] as usize..prereq_off[c + 1] as usize] {
                    if stamp[p.index()] != i as u32 {
                        stamp[p.index()] = i as u32;
                        stack.push(p.index());
                    }
                }
            }
        }
        drop(stamp);
        // skill → published courses: highest level first, then cheapest closure, then index;
        // one copy ordered by hours, one by credits.
        let mut tix_off = vec![0u32; n_skills + 1];
        for (ci, c) in courses.iter().enumerate() {
            if c.published {
                for t in &teach[teach_off[ci] as usize..teach_off[ci + 1] as usize] {
                    tix_off[t.0.index() + 1] += 1;
                }
            }
        }
        for i in 0..n_skills {
            tix_off[i + 1] += tix_off[i];
        }
        let mut fill = tix_off.clone();
        let mut tix = vec![(CourseIdx(0), SkillLevel::LOWEST); tix_off[n_skills] as usize];
        for (ci, c) in courses.iter().enumerate() {
            if c.published {
                for t in &teach[teach_off[ci] as usize..teach_off[ci + 1] as usize] {
                    let at = &mut fill[t.0.index()];
                    tix[*at as usize] = (CourseIdx(ci as u32), t.1);
                    *at += 1;
                }
            }
        }
        drop(fill);
        let mut tix_credits = tix.clone();
        for s in 0..n_skills {
            let r = tix_off[s] as usize..tix_off[s + 1] as usize;
            tix[r.clone()].sort_by(|a, b| {
                b.1.cmp(&a.1).then(closure_cost[a.0.index()].0.total_cmp(&closure_cost[b.0.index()].0)).then(a.0.cmp(&b.0))
            });
            tix_credits[r].sort_by(|a, b| {
                b.1.cmp(&a.1).then(closure_cost[a.0.index()].1.total_cmp(&closure_cost[b.0.index()].1)).then(a.0.cmp(&b.0))
            });
        }
        drop(closure_cost);
        let course_ids: Vec<Box<str>> = courses.iter().map(|c| c.id.as_str().into()).collect();
        let course_provider: Vec<Option<Box<str>>> = courses.iter().map(|c| c.provider.as_deref().map(Into::into)).collect();
        let course_region: Vec<Option<Region>> = courses.iter().map(|c| c.region).collect();
        let course_hours: Vec<f64> = courses.iter().map(|c| c.hours).collect();
        let course_credits: Vec<f64> = courses.iter().map(|c| c.credits).collect();
        let course_published: Vec<bool> = courses.iter().map(|c| c.published).collect();
        drop(courses);

        // ---- occupations and demand ----
        let (occ, occ_map) = sort_reqs(self.occupations, "occupation")?;
        let (dem, dem_map) = sort_reqs(self.demands, "demand")?;

        // ---- learners ----
        let n_learners = self.l_ids.len();
        let mut perm: Vec<u32> = (0..n_learners as u32).collect();
        perm.sort_unstable_by(|&a, &b| self.l_ids[a as usize].cmp(&self.l_ids[b as usize]));
        for w in perm.windows(2) {
            if self.l_ids[w[0] as usize] == self.l_ids[w[1] as usize] {
                return Err(BuildError::DuplicateId { kind: "learner", id: self.l_ids[w[0] as usize].to_string() });
            }
        }
        let n_hold = self.h_skill.len();
        if u32::try_from(n_hold).is_err() {
            return Err(BuildError::TooLarge("more than 4 billion verified skills"));
        }
        let block_bits = self.block_bits.unwrap_or(DEFAULT_BLOCK_BITS);
        let mut blocks: Vec<Arc<LearnerBlock>> = Vec::with_capacity(n_learners.div_ceil(1 << block_bits));
        let mut block = LearnerBlock::new();
        let mut opted = vec![0u64; n_learners.div_ceil(64)];
        let mut learner_ids: Vec<Arc<str>> = Vec::with_capacity(n_learners);
        let mut tmp: Vec<RawHolding> = Vec::new();
        let (mut hold, mut cert) = (HoldingCols::default(), HoldingCols::default());
        let mut done: Vec<CourseIdx> = Vec::new();
        for (new, &old) in perm.iter().enumerate() {
            let old = old as usize;
            tmp.clear();
            for h in self.l_hold_off[old]..self.l_hold_off[old + 1] {
                tmp.push((self.h_skill[h], self.h_level[h], self.h_kind[h], self.h_ev[h]));
            }
            hold.clear();
            cert.clear();
            push_holdings(&mut tmp, &mut hold, &mut cert);
            done.clear();
            for name in &self.done_names[self.l_done_off[old]..self.l_done_off[old + 1]] {
                let c = course_map.get(name).copied().ok_or_else(|| BuildError::UnknownCourse {
                    context: format!("completed course of learner {}", self.l_ids[old]),
                    course: name.to_string(),
                })?;
                done.push(c);
            }
            sort_dedup_tail(&mut done, 0);
            if block.len() == 1 << block_bits {
                blocks.push(std::mem::replace(&mut block, LearnerBlock::new()).seal());
            }
            block.push(&LearnerRef { region: self.l_region[old], hold: hold.all(), cert: cert.all(), done: &done });
            if self.l_opted[old] {
                opted[new / 64] |= 1 << (new % 64);
            }
            learner_ids.push(Arc::from(&*self.l_ids[old]));
        }
        if block.len() > 0 {
            blocks.push(block.seal());
        }
        drop(self.l_ids);
        drop(self.h_skill);
        drop(self.h_level);
        drop(self.h_ev);
        drop(self.h_kind);
        let postings = Postings::build(n_skills, || all_certs(&blocks, block_bits));

        Ok(SkillsGraph {
            skill_uris: Arc::new(self.skill_uris),
            skill_map: Arc::new(self.skill_map),
            relations: Arc::new(relations),
            src_off: Arc::new(src_off),
            src: Arc::new(src),
            course_ids: Arc::new(course_ids),
            course_map: Arc::new(course_map),
            course_provider: Arc::new(course_provider),
            course_region: Arc::new(course_region),
            course_hours: Arc::new(course_hours),
            course_credits: Arc::new(course_credits),
            course_published: Arc::new(course_published),
            teach_off: Arc::new(teach_off),
            teach: Arc::new(teach),
            prereq_off: Arc::new(prereq_off),
            prereq: Arc::new(prereq),
            tix_off: Arc::new(tix_off),
            tix: Arc::new(tix),
            tix_credits: Arc::new(tix_credits),
            occ: Arc::new(occ),
            occ_map: Arc::new(occ_map),
            dem: Arc::new(dem),
            dem_map: Arc::new(dem_map),
            block_bits,
            blocks,
            base_ids: Arc::new(learner_ids),
            new_ids: Vec::new(),
            new_order: Vec::new(),
            new_sorted: Vec::new(),
            gone: Vec::new(),
            live: n_learners,
            opted,
            postings: Arc::new(postings),
            stale: Vec::new(),
            delta: Postings::default(),
            changed: Vec::new(),
            ev_arena: Arc::new(self.ev_arena),
            ev_extra: String::new(),
            rank_pool: Mutex::new(Vec::new()),
            path_pool: Mutex::new(Vec::new()),
        })
    }
}

/// One verified skill before deduplication: skill, level, kind, evidence (arena offset, length).
pub(crate) type RawHolding = (SkillIdx, SkillLevel, EvidenceKind, (u32, u16));

/// Borrowed holding columns: skill, level, evidence reference, kind.
pub(crate) type HoldingSlices<'a> = (&'a [SkillIdx], &'a [SkillLevel], &'a [(u32, u16)], &'a [EvidenceKind]);

/// Holdings in column form (what the graph keeps per learner, in CSR with an offsets array).
#[derive(Default, Clone)]
pub(crate) struct HoldingCols {
    pub skill: Vec<SkillIdx>,
    pub level: Vec<SkillLevel>,
    pub ev: Vec<(u32, u16)>,
    pub kind: Vec<EvidenceKind>,
}

impl HoldingCols {
    pub(crate) fn clear(&mut self) {
        self.skill.clear();
        self.level.clear();
        self.ev.clear();
        self.kind.clear();
    }

    /// All rows, borrowed.
    pub(crate) fn all(&self) -> HoldingSlices<'_> {
        (&self.skill, &self.level, &self.ev, &self.kind)
    }

    pub(crate) fn push(&mut self, s: SkillIdx, l: SkillLevel, e: (u32, u16), k: EvidenceKind) {
        self.skill.push(s);
        self.level.push(l);
        self.ev.push(e);
        self.kind.push(k);
    }

    /// Appends another column set's range `r` (a run of learners copied unchanged).
    pub(crate) fn extend_from(&mut self, other: HoldingSlices<'_>, r: std::ops::Range<usize>) {
        self.skill.extend_from_slice(&other.0[r.clone()]);
        self.level.extend_from_slice(&other.1[r.clone()]);
        self.ev.extend_from_slice(&other.2[r.clone()]);
        self.kind.extend_from_slice(&other.3[r]);
    }
}

/// One learner's verified skills, deduplicated: by skill, highest level first, then
/// credentials before bare completions, then insertion order (stable sort); the first of each
/// skill goes to `hold`, the first *credential* of each skill to `cert`. The one rule for both
/// a full build and an incremental update, so both give the same holdings.
pub(crate) fn push_holdings(tmp: &mut [RawHolding], hold: &mut HoldingCols, cert: &mut HoldingCols) {
    tmp.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.is_credential().cmp(&b.2.is_credential()).reverse()));
    let mut last: Option<SkillIdx> = None;
    let mut last_cert: Option<SkillIdx> = None;
    for &(s, l, k, e) in tmp.iter() {
        if last != Some(s) {
            last = Some(s);
            hold.push(s, l, e, k);
        }
        if k.is_credential() && last_cert != Some(s) {
            last_cert = Some(s);
            cert.push(s, l, e, k);
        }
    }
}

/// Sorts and deduplicates `v[from..]` in place (a learner's completed courses).
pub(crate) fn sort_dedup_tail<T: Ord + Copy>(v: &mut Vec<T>, from: usize) {
    v[from..].sort_unstable();
    let mut d = v.split_off(from);
    d.dedup();
    v.extend(d);
}

/// Level segments per skill in the postings: one per level, highest (一级, number 1) first.
pub(crate) const LEVELS: usize = 5;

/// Every learner's credential-backed skills and levels, slot by slot (for the postings).
pub(crate) fn all_certs(blocks: &[Arc<LearnerBlock>], block_bits: u32) -> impl Iterator<Item = (u32, &[SkillIdx], &[SkillLevel])> {
    blocks.iter().enumerate().flat_map(move |(b, block)| {
        (0..block.len()).map(move |i| {
            let r = block.cert_off[i] as usize..block.cert_off[i + 1] as usize;
            (((b << block_bits) + i) as u32, &block.cert.skill[r.clone()], &block.cert.level[r])
        })
    })
}

type Sources = (Graph<SkillIdx, SkillRelationKind>, Vec<u32>, Vec<(SkillIdx, Via)>);

/// Builds the petgraph relation graph and, from it, every skill's credit sources.
fn build_sources(n: usize, relations: &[(SkillIdx, SkillRelationKind, SkillIdx)]) -> Sources {
    let mut g: Graph<SkillIdx, SkillRelationKind> = Graph::with_capacity(n, relations.len());
    for i in 0..n {
        g.add_node(SkillIdx(i as u32));
    }
    let mut exact = UnionFind::<usize>::new(n);
    let mut hop: Vec<Vec<(SkillIdx, Via)>> = vec![Vec::new(); n];
    for &(a, kind, b) in relations {
        g.add_edge(NodeIndex::new(a.index()), NodeIndex::new(b.index()), kind);
        match kind {
            SkillRelationKind::ExactMatch => {
                exact.union(a.index(), b.index());
            }
            // `a` is narrower than `b`: holding `a` earns narrower credit towards `b`.
            SkillRelationKind::Broader => hop[b.index()].push((a, Via::Narrower)),
            SkillRelationKind::CloseMatch => {
                hop[a.index()].push((b, Via::CloseMatch));
                hop[b.index()].push((a, Via::CloseMatch));
            }
            SkillRelationKind::Related => {
                hop[a.index()].push((b, Via::Related));
                hop[b.index()].push((a, Via::Related));
            }
            // Knowing what must come first does not make you know what comes after.
            SkillRelationKind::Prerequisite => {}
        }
    }
    let mut classes: HashMap<usize, Vec<SkillIdx>> = HashMap::new();
    for i in 0..n {
        let r = exact.find(i);
        if r != i || classes.contains_key(&r) {
            classes.entry(r).or_default().push(SkillIdx(i as u32));
        } else {
            classes.insert(r, vec![SkillIdx(i as u32)]);
        }
    }
    let mut off = Vec::with_capacity(n + 1);
    let mut src = Vec::new();
    off.push(0u32);
    let mut tmp: Vec<(SkillIdx, Via)> = Vec::new();
    for (i, h) in hop.iter_mut().enumerate() {
        tmp.clear();
        let me = SkillIdx(i as u32);
        tmp.push((me, Via::Direct));
        if let Some(class) = classes.get(&exact.find(i)) {
            tmp.extend(class.iter().filter(|&&s| s != me).map(|&s| (s, Via::ExactMatch)));
        }
        tmp.append(h);
        // Keep each skill once, with its strongest relation.
        tmp.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        tmp.dedup_by_key(|t| t.0);
        tmp.sort_unstable_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
        src.extend_from_slice(&tmp);
        off.push(src.len() as u32);
    }
    (g, off, src)
}

#[derive(Clone)]
pub(crate) struct ReqsTable {
    pub ids: Vec<Box<str>>,
    pub region: Vec<Option<Region>>,
    pub headcount: Vec<u32>,
    pub published: Vec<bool>,
    pub reqs: Vec<Vec<Req>>,
}

fn sort_reqs(mut v: Vec<ReqsRaw>, kind: &'static str) -> Result<(ReqsTable, FxMap<Box<str>, u32>), BuildError> {
    v.sort_by(|a, b| a.id.cmp(&b.id));
    for w in v.windows(2) {
        if w[0].id == w[1].id {
            return Err(BuildError::DuplicateId { kind, id: w[0].id.clone() });
        }
    }
    let map = v.iter().enumerate().map(|(i, r)| (r.id.as_str().into(), i as u32)).collect();
    let t = ReqsTable {
        ids: v.iter().map(|r| r.id.as_str().into()).collect(),
        region: v.iter().map(|r| r.region).collect(),
        headcount: v.iter().map(|r| r.headcount).collect(),
        published: v.iter().map(|r| r.published).collect(),
        reqs: v.into_iter().map(|r| r.reqs).collect(),
    };
    Ok((t, map))
}

/// An immutable snapshot of the skills graph with its indexes: build it once with
/// [`GraphBuilder`], share it in an `Arc`, rebuild it when the data changes.
///
/// All operations are methods on this type and take `&self`; they are pure and
/// deterministic (same snapshot and arguments, same result, whatever the insertion order
/// of the data). The graph is `Send + Sync`.
pub struct SkillsGraph {
    // The catalog parts (skills, relations, courses, occupations, demand) are each behind an
    // `Arc`: an incremental update (`with_learners`) replaces only learners, so the new graph
    // shares these with the old one instead of copying 100k courses and their maps.
    pub(crate) skill_uris: Arc<Vec<Box<str>>>,
    pub(crate) skill_map: Arc<FxMap<Box<str>, SkillIdx>>,
    pub(crate) relations: Arc<Graph<SkillIdx, SkillRelationKind>>,
    pub(crate) src_off: Arc<Vec<u32>>,
    pub(crate) src: Arc<Vec<(SkillIdx, Via)>>,
    pub(crate) course_ids: Arc<Vec<Box<str>>>,
    pub(crate) course_map: Arc<FxMap<Box<str>, CourseIdx>>,
    pub(crate) course_provider: Arc<Vec<Option<Box<str>>>>,
    pub(crate) course_region: Arc<Vec<Option<Region>>>,
    pub(crate) course_hours: Arc<Vec<f64>>,
    pub(crate) course_credits: Arc<Vec<f64>>,
    pub(crate) course_published: Arc<Vec<bool>>,
    pub(crate) teach_off: Arc<Vec<u32>>,
    pub(crate) teach: Arc<Vec<(SkillIdx, SkillLevel)>>,
    pub(crate) prereq_off: Arc<Vec<u32>>,
    pub(crate) prereq: Arc<Vec<CourseIdx>>,
    pub(crate) tix_off: Arc<Vec<u32>>,
    pub(crate) tix: Arc<Vec<(CourseIdx, SkillLevel)>>,
    pub(crate) tix_credits: Arc<Vec<(CourseIdx, SkillLevel)>>,
    pub(crate) occ: Arc<ReqsTable>,
    pub(crate) occ_map: Arc<FxMap<Box<str>, u32>>,
    pub(crate) dem: Arc<ReqsTable>,
    pub(crate) dem_map: Arc<FxMap<Box<str>, u32>>,
    // The learner store (see `store.rs`): learners by slot in blocks shared between
    // snapshots, the skill → learners postings of the last full build (or compaction) shared
    // too, and what updates changed since: a delta index over the changed slots, and which
    // base postings are stale.
    pub(crate) block_bits: u32,
    pub(crate) blocks: Vec<Arc<LearnerBlock>>,
    /// Ids of slots `0..N` (the last full build's learners), in id order.
    pub(crate) base_ids: Arc<Vec<Arc<str>>>,
    /// Ids of slots `N..` (learners added by updates since), by slot.
    pub(crate) new_ids: Vec<Arc<str>>,
    /// Id-order keys of slots `N..` (see [`SkillsGraph::order`]).
    pub(crate) new_order: Vec<u64>,
    /// Slots `N..` (as `slot − N`) sorted by id, for lookups.
    pub(crate) new_sorted: Vec<u32>,
    /// Slots of removed learners.
    pub(crate) gone: Vec<u64>,
    /// Learners present (slots minus gone).
    pub(crate) live: usize,
    /// Opted-in learners, one bit per slot (never set for a gone slot).
    pub(crate) opted: Vec<u64>,
    pub(crate) postings: Arc<Postings>,
    /// Slots whose entries in `postings` are out of date (changed since it was built).
    pub(crate) stale: Vec<u64>,
    /// Postings of the slots changed since `postings` was built, in their current state.
    pub(crate) delta: Postings,
    /// Slots changed since `postings` was built, sorted.
    pub(crate) changed: Vec<u32>,
    /// Evidence texts of the last full build, shared by every graph updated from it.
    pub(crate) ev_arena: Arc<String>,
    /// Evidence texts added by incremental updates since (offsets continue after
    /// `ev_arena`), so an update copies only these, not the whole arena.
    pub(crate) ev_extra: String,
    pub(crate) rank_pool: Mutex<Vec<RankScratch>>,
    pub(crate) path_pool: Mutex<Vec<crate::path::PathScratch>>,
}

impl fmt::Debug for SkillsGraph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SkillsGraph")
            .field("skills", &self.skill_count())
            .field("relations", &self.relations.edge_count())
            .field("courses", &self.course_count())
            .field("occupations", &self.occ.ids.len())
            .field("demands", &self.dem.ids.len())
            .field("learners", &self.learner_count())
            .field("verified_skills", &self.blocks.iter().map(|b| b.holdings()).sum::<usize>())
            .finish()
    }
}

fn vec_bytes<T>(v: &Vec<T>) -> usize {
    v.capacity() * std::mem::size_of::<T>()
}

fn boxed_strs(v: &[Box<str>]) -> usize {
    v.iter().map(|s| s.len()).sum::<usize>() + std::mem::size_of_val(v)
}

impl SkillsGraph {
    /// Number of skills.
    pub fn skill_count(&self) -> usize {
        self.skill_uris.len()
    }

    /// Number of courses, published or not.
    pub fn course_count(&self) -> usize {
        self.course_ids.len()
    }

    /// Number of learners, opted in or not.
    pub fn learner_count(&self) -> usize {
        self.live
    }

    /// Learner slots: learners plus those removed by updates since the last full build (a
    /// removed learner keeps its slot until then). The size of per-learner scratch arrays.
    pub(crate) fn slot_count(&self) -> usize {
        self.base_ids.len() + self.new_ids.len()
    }

    /// Whether a slot holds a learner (not removed by an update).
    pub(crate) fn is_live(&self, l: LearnerIdx) -> bool {
        !bit(&self.gone, l.index())
    }

    /// The dense index of a skill URI.
    pub fn skill_idx(&self, uri: &str) -> Option<SkillIdx> {
        self.skill_map.get(uri).copied()
    }

    /// The URI of a skill index. Panics on an index from another snapshot that is out of
    /// range, like slice indexing.
    pub fn skill_uri(&self, skill: SkillIdx) -> &str {
        &self.skill_uris[skill.index()]
    }

    /// The dense index of a course id.
    pub fn course_idx(&self, id: &str) -> Option<CourseIdx> {
        self.course_map.get(id).copied()
    }

    /// The id of a course index.
    pub fn course_id(&self, course: CourseIdx) -> &str {
        &self.course_ids[course.index()]
    }

    /// The dense index of a learner id (binary search: the full build's learners are sorted
    /// by id, and so is the list of those added since).
    pub fn learner_idx(&self, id: &str) -> Option<LearnerIdx> {
        self.slot_of(id).filter(|&l| self.is_live(l))
    }

    /// The slot of an id, live or removed.
    pub(crate) fn slot_of(&self, id: &str) -> Option<LearnerIdx> {
        let n = self.base_ids.len();
        match self.base_ids.binary_search_by(|x| (**x).cmp(id)) {
            Ok(i) => Some(LearnerIdx(i as u32)),
            Err(_) => self
                .new_sorted
                .binary_search_by(|&j| (*self.new_ids[j as usize]).cmp(id))
                .ok()
                .map(|p| LearnerIdx((n + self.new_sorted[p] as usize) as u32)),
        }
    }

    /// The id of a learner index.
    pub fn learner_id(&self, learner: LearnerIdx) -> &str {
        let n = self.base_ids.len();
        if learner.index() < n { &self.base_ids[learner.index()] } else { &self.new_ids[learner.index() - n] }
    }

    /// The dense index of a demand item id.
    pub fn demand_idx(&self, id: &str) -> Option<DemandIdx> {
        self.dem_map.get(id).map(|&i| DemandIdx(i))
    }

    /// The dense index of an occupation id.
    pub fn occupation_idx(&self, id: &str) -> Option<OccupationIdx> {
        self.occ_map.get(id).map(|&i| OccupationIdx(i))
    }

    /// The skill relation graph: node `i` is `SkillIdx(i)`, edges carry the catalog's
    /// relation kind, directed as in [`SkillRelationKind`]. Exposed for callers that want
    /// petgraph's algorithms (e.g. a prerequisite order of skills).
    pub fn relation_graph(&self) -> &Graph<SkillIdx, SkillRelationKind> {
        &self.relations
    }

    /// An approximate count of heap bytes owned by the snapshot (vector capacities and
    /// string contents; hash-map overhead estimated). Used by the build benchmark and
    /// useful for capacity planning: the registry holds one snapshot, briefly two while
    /// swapping.
    pub fn heap_bytes(&self) -> usize {
        let map_entry = |n: usize, v: usize| n * (std::mem::size_of::<Box<str>>() + v + 8) * 8 / 7;
        let reqs = |t: &ReqsTable| {
            boxed_strs(&t.ids)
                + vec_bytes(&t.region)
                + vec_bytes(&t.headcount)
                + vec_bytes(&t.published)
                + t.reqs.iter().map(vec_bytes).sum::<usize>()
                + vec_bytes(&t.reqs)
        };
        boxed_strs(&self.skill_uris) * 2
            + map_entry(self.skill_map.len(), 4)
            + self.relations.node_count() * 24
            + self.relations.edge_count() * 24
            + vec_bytes(&self.src_off)
            + vec_bytes(&self.src)
            + boxed_strs(&self.course_ids) * 2
            + map_entry(self.course_map.len(), 4)
            + self.course_provider.iter().flatten().map(|s| s.len()).sum::<usize>()
            + vec_bytes(&self.course_provider)
            + vec_bytes(&self.course_region)
            + vec_bytes(&self.course_hours)
            + vec_bytes(&self.course_credits)
            + vec_bytes(&self.course_published)
            + vec_bytes(&self.teach_off)
            + vec_bytes(&self.teach)
            + vec_bytes(&self.prereq_off)
            + vec_bytes(&self.prereq)
            + vec_bytes(&self.tix_off)
            + vec_bytes(&self.tix)
            + vec_bytes(&self.tix_credits)
            + reqs(&self.occ)
            + map_entry(self.occ_map.len(), 4)
            + reqs(&self.dem)
            + map_entry(self.dem_map.len(), 4)
            + self.base_ids.iter().map(|s| s.len() + 16).sum::<usize>()
            + vec_bytes(&self.base_ids)
            + self.new_ids.iter().map(|s| s.len() + 16).sum::<usize>()
            + vec_bytes(&self.new_ids)
            + vec_bytes(&self.new_order)
            + vec_bytes(&self.new_sorted)
            + vec_bytes(&self.gone)
            + vec_bytes(&self.opted)
            + vec_bytes(&self.blocks)
            + self.blocks.iter().map(|b| b.heap_bytes()).sum::<usize>()
            + self.postings.heap_bytes()
            + self.delta.heap_bytes()
            + vec_bytes(&self.stale)
            + vec_bytes(&self.changed)
            + self.ev_arena.capacity()
            + self.ev_extra.capacity()
    }

    // ---- internal accessors shared by the operations ----

    pub(crate) fn teaches(&self, c: CourseIdx) -> &[(SkillIdx, SkillLevel)] {
        &self.teach[self.teach_off[c.index()] as usize..self.teach_off[c.index() + 1] as usize]
    }

    /// A course's level of a skill, by binary search over its (sorted) taught skills.
    pub(crate) fn course_level(&self, c: CourseIdx, s: SkillIdx) -> Option<SkillLevel> {
        let t = self.teaches(c);
        t.binary_search_by_key(&s, |x| x.0).ok().map(|i| t[i].1)
    }

    pub(crate) fn prerequisites(&self, c: CourseIdx) -> &[CourseIdx] {
        &self.prereq[self.prereq_off[c.index()] as usize..self.prereq_off[c.index() + 1] as usize]
    }

    /// Published courses teaching `s`, highest level first, then cheapest in hours
    /// (prerequisites included).
    pub(crate) fn courses_teaching(&self, s: SkillIdx) -> &[(CourseIdx, SkillLevel)] {
        &self.tix[self.tix_off[s.index()] as usize..self.tix_off[s.index() + 1] as usize]
    }

    /// Published courses teaching `s`, highest level first, then cheapest by `by`
    /// (prerequisites included).
    pub(crate) fn courses_teaching_by(&self, s: SkillIdx, by: crate::path::CostBy) -> &[(CourseIdx, SkillLevel)] {
        let r = self.tix_off[s.index()] as usize..self.tix_off[s.index() + 1] as usize;
        match by {
            crate::path::CostBy::Hours => &self.tix[r],
            crate::path::CostBy::Credits => &self.tix_credits[r],
        }
    }

    /// Learners holding `s` by a credential at exactly `level`: the base postings (in slot
    /// order; entries of stale slots must be skipped, see [`Self::is_stale`]) and the delta
    /// (in slot order, current).
    pub(crate) fn holders_at(&self, s: SkillIdx, level: SkillLevel) -> [(&[LearnerIdx], bool); 2] {
        let i = s.index() * LEVELS + usize::from(level.number()) - 1;
        [(self.postings.seg(i), true), (self.delta.seg(i), false)]
    }

    /// Learners holding `s` by a credential at `level` or higher: slices as
    /// [`Self::holders_at`], highest level first.
    pub(crate) fn holders_from(&self, s: SkillIdx, level: SkillLevel) -> impl Iterator<Item = (&[LearnerIdx], bool)> + Clone {
        SkillLevel::ALL_ASCENDING.into_iter().rev().filter(move |l| l.satisfies(level)).flat_map(move |l| self.holders_at(s, l))
    }

    /// About how many learners hold `s` by a credential at `level` or higher (stale base
    /// entries included: an ordering hint, not a count to rely on).
    pub(crate) fn holders_at_least(&self, s: SkillIdx, level: SkillLevel) -> usize {
        let base = s.index() * LEVELS;
        let end = base + usize::from(level.number());
        self.postings.count(base, end) + self.delta.count(base, end)
    }

    /// Whether a base posting of slot `l` is out of date (the learner changed since the
    /// base postings were built; its current holdings are in the delta).
    pub(crate) fn is_stale(&self, l: LearnerIdx) -> bool {
        bit(&self.stale, l.index())
    }

    /// A learner's block and place in it.
    fn learner(&self, l: LearnerIdx) -> LearnerRef<'_> {
        let i = l.index();
        self.blocks[i >> self.block_bits].get(i & ((1 << self.block_bits) - 1))
    }

    /// A learner's verified skills (all evidence), sorted.
    pub(crate) fn held_skills(&self, l: LearnerIdx) -> &[SkillIdx] {
        self.learner(l).hold.0
    }

    /// A learner's level of a skill and the holding's place among their holdings (evidence
    /// reference for [`Self::evidence`]).
    pub(crate) fn learner_level(&self, l: LearnerIdx, s: SkillIdx) -> Option<(SkillLevel, u32)> {
        let h = self.learner(l).hold;
        h.0.binary_search(&s).ok().map(|i| (h.1[i], i as u32))
    }

    /// An evidence text by arena offset and length: in the shared arena of the last full
    /// build, or past its end in this graph's own additions.
    fn evidence_text(&self, at: u32, len: u16) -> &str {
        let (at, len, base) = (at as usize, usize::from(len), self.ev_arena.len());
        let text = if at < base { self.ev_arena.get(at..at + len) } else { self.ev_extra.get(at - base..at - base + len) };
        text.unwrap_or("")
    }

    pub(crate) fn evidence(&self, l: LearnerIdx, holding: u32) -> (&str, EvidenceKind) {
        let h = self.learner(l).hold;
        let (a, n) = h.2[holding as usize];
        (self.evidence_text(a, n), h.3[holding as usize])
    }

    /// A learner's credential-backed holdings (what a ranking scores): skills and levels.
    pub(crate) fn certs(&self, l: LearnerIdx) -> (&[SkillIdx], &[SkillLevel]) {
        let c = self.learner(l).cert;
        (c.0, c.1)
    }

    /// A learner's level of a skill as proven by a credential, and the credential's place
    /// among their credentials.
    pub(crate) fn certified_level(&self, l: LearnerIdx, s: SkillIdx) -> Option<(SkillLevel, u32)> {
        let c = self.learner(l).cert;
        c.0.binary_search(&s).ok().map(|i| (c.1[i], i as u32))
    }

    pub(crate) fn cert_evidence(&self, l: LearnerIdx, holding: u32) -> (&str, EvidenceKind) {
        let c = self.learner(l).cert;
        let (a, n) = c.2[holding as usize];
        (self.evidence_text(a, n), c.3[holding as usize])
    }

    pub(crate) fn completed(&self, l: LearnerIdx) -> &[CourseIdx] {
        self.learner(l).done
    }

    /// A learner's place in id order, for ranking tie-breaks (smaller first): the full
    /// build's learners are in id order by slot; a learner added since sorts between the
    /// full build's learners around its id, and among the other added ones by id.
    pub(crate) fn order(&self, l: LearnerIdx) -> u64 {
        let n = self.base_ids.len();
        if l.index() < n { (u64::from(l.0) << 32) | u64::from(u32::MAX) } else { self.new_order[l.index() - n] }
    }

    pub(crate) fn is_opted_in(&self, l: LearnerIdx) -> bool {
        self.opted[l.index() / 64] >> (l.index() % 64) & 1 == 1
    }

    pub(crate) fn region_of_learner(&self, l: LearnerIdx) -> Region {
        self.learner(l).region
    }

    pub(crate) fn cost(&self, c: CourseIdx, by: crate::path::CostBy) -> f64 {
        match by {
            crate::path::CostBy::Hours => self.course_hours[c.index()],
            crate::path::CostBy::Credits => self.course_credits[c.index()],
        }
    }

    /// Resolves a target to its requirements, deduplicated by skill (the strictest
    /// statement of a skill wins: essential over optional, then the higher level), in the
    /// order given.
    pub(crate) fn resolve_target(&self, target: Target<'_>) -> Result<(TargetRef, Vec<Req>), QueryError> {
        let (tref, mut reqs) = match target {
            Target::Demand(id) => {
                let i = self.dem_map.get(id).ok_or_else(|| QueryError::UnknownDemand(id.to_string()))?;
                (TargetRef::Demand(id.to_string()), self.dem.reqs[*i as usize].clone())
            }
            Target::Occupation(id) => {
                let i = self.occ_map.get(id).ok_or_else(|| QueryError::UnknownOccupation(id.to_string()))?;
                (TargetRef::Occupation(id.to_string()), self.occ.reqs[*i as usize].clone())
            }
            Target::Requirements(list) => {
                let mut v = Vec::with_capacity(list.len());
                for r in list {
                    let skill = self.skill_idx(&r.skill).ok_or_else(|| QueryError::UnknownSkill(r.skill.clone()))?;
                    v.push(Req { skill, essential: r.kind == RequirementKind::Essential, level: r.min_level });
                }
                (TargetRef::Requirements, v)
            }
        };
        dedup_reqs(&mut reqs);
        Ok((tref, reqs))
    }

    pub(crate) fn parse_region(&self, code: &str) -> Result<Region, QueryError> {
        Region::parse(code).ok_or_else(|| QueryError::InvalidRegion(code.to_string()))
    }

    /// Published demand items inside `region` (sub-regions included), in id order.
    pub(crate) fn published_demand_in(&self, region: Region) -> Vec<DemandIdx> {
        (0..self.dem.ids.len())
            .filter(|&i| self.dem.published[i] && self.dem.region[i].is_some_and(|r| r.is_within(region)))
            .map(|i| DemandIdx(i as u32))
            .collect()
    }
}

/// Keeps one requirement per skill: essential beats optional, then the higher level.
pub(crate) fn dedup_reqs(reqs: &mut Vec<Req>) {
    let mut seen: HashMap<SkillIdx, usize> = HashMap::new();
    let mut out: Vec<Req> = Vec::with_capacity(reqs.len());
    for r in reqs.drain(..) {
        match seen.get(&r.skill) {
            Some(&i) => {
                let o = &mut out[i];
                o.level = o.level.max(r.level);
                o.essential |= r.essential;
            }
            None => {
                seen.insert(r.skill, out.len());
                out.push(r);
            }
        }
    }
    *reqs = out;
}
