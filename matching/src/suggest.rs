//! Recognition suggestions (issue 10, part 2): which outcomes a learner may already hold
//! that cover a target, judged on the skills graph.
//!
//! A *target* is a list of (skill, level) requirements: a course's taught skills at their
//! levels, an occupation's standard at one level (its essential skills at that level), or an
//! inline list. A *source* is anything a learner can hold that proves skills at levels: a
//! skill standard at a level (a 职业技能等级证书 proves every skill of the standard at the
//! certified level), a published course (a 培训合格证书 proves its taught skills), later an
//! external achievement. Sources are kept generic ([`SourceSpec`]) so that new kinds need no
//! new code here.
//!
//! Each target requirement is judged against each source with *the* satisfaction function
//! (`SkillsGraph::judge`, rules in `docs/MATCHING.md`): the source is the holder. A source's
//! score is the mean credit over the target's requirements, so it is 1.0 exactly when every
//! requirement is met (the skill or an exact match at the level or higher), and adding a
//! skill to a source never lowers it (each credit is a maximum over held sources).
//!
//! Candidates come from an inverted index skill → sources ([`SourceSet`]): only sources that
//! hold at least one credit source of at least one target skill are judged, never a scan of
//! all sources. The reverse question, which *sets* of courses cover a target, is the
//! learning-path planner's weighted set cover (module `path`) run for an empty learner.

use rongtong_catalog::SkillLevel;
use serde::{Deserialize, Serialize};

use crate::SkillsGraph;
use crate::fxhash::FxMap;
use crate::graph::dedup_reqs;
use crate::model::{QueryError, Req, SkillIdx, SkillNeed, TargetRef};
use crate::path::{CostBy, LearningPath, PathStrategy};
use crate::report::RequirementOutcome;
use crate::satisfaction::credit_milli;

/// Default number of suggestions returned.
pub const SUGGESTIONS: usize = 20;

/// What kind of outcome a source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A published course (its training certificate).
    Course,
    /// An occupation's skill standard at one level (its skill-level certificate).
    Standard,
    /// An achievement of a trusted external issuer.
    External,
}

/// A candidate source: an outcome a learner can hold, with the skills it proves at levels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceSpec {
    /// Stable key, unique in a set (e.g. `course:ZNZZ-01`, `standard:6-18-02-01:4`). Ties in
    /// a ranking are broken by key, so keys decide the order of equal scores.
    pub key: String,
    /// What it is.
    pub kind: SourceKind,
    /// Who it belongs with (a course's provider, a standard's occupation, an issuer): a
    /// query can leave out the target's own family (a college's own courses, the other
    /// levels of the same standard).
    #[serde(default)]
    pub family: Option<String>,
    /// Skills proven, each at a level; a skill listed twice keeps its highest level.
    pub skills: Vec<SkillNeed>,
}

/// Candidate sources over one [`SkillsGraph`], with the inverted index skill → sources.
///
/// Built once per graph snapshot with [`SourceSetBuilder`]; its skill indexes are those of
/// that graph, so a set must only be queried with the graph it was built from (checked:
/// a mismatched skill count panics in debug builds and returns no candidates otherwise).
#[derive(Debug)]
pub struct SourceSet {
    skill_count: usize,
    keys: Vec<Box<str>>,
    kinds: Vec<SourceKind>,
    families: Vec<Option<Box<str>>>,
    key_map: FxMap<Box<str>, u32>,
    held_off: Vec<u32>,
    held: Vec<(SkillIdx, SkillLevel)>,
    post_off: Vec<u32>,
    post: Vec<(u32, SkillLevel)>,
}

/// One source as collected: key, kind, family, skills at levels.
type RawSource = (Box<str>, SourceKind, Option<Box<str>>, Vec<(SkillIdx, SkillLevel)>);

/// Collects sources for a [`SourceSet`].
#[derive(Debug)]
pub struct SourceSetBuilder<'g> {
    graph: &'g SkillsGraph,
    sources: Vec<RawSource>,
}

impl<'g> SourceSetBuilder<'g> {
    /// An empty set over `graph`.
    pub fn new(graph: &'g SkillsGraph) -> Self {
        SourceSetBuilder { graph, sources: Vec::new() }
    }

    /// Adds one source; its skills must be in the graph.
    pub fn add_source(&mut self, spec: &SourceSpec) -> Result<(), QueryError> {
        let mut skills = Vec::with_capacity(spec.skills.len());
        for s in &spec.skills {
            skills.push((self.graph.skill_idx(&s.skill).ok_or_else(|| QueryError::UnknownSkill(s.skill.clone()))?, s.level));
        }
        self.sources.push((spec.key.as_str().into(), spec.kind, spec.family.as_deref().map(Into::into), skills));
        Ok(())
    }

    /// Adds every published course of the graph for which `key` gives a key (return `None`
    /// to leave a course out, e.g. an older published version), family = its provider.
    pub fn add_published_courses(&mut self, mut key: impl FnMut(&str) -> Option<String>) {
        for c in 0..self.graph.course_count() {
            if !self.graph.course_published[c] {
                continue;
            }
            let ci = crate::model::CourseIdx(c as u32);
            let Some(k) = key(self.graph.course_id(ci)) else { continue };
            let family = self.graph.course_provider[c].clone();
            self.sources.push((k.into(), SourceKind::Course, family, self.graph.teaches(ci).to_vec()));
        }
    }

    /// Adds every occupation's standard at every level for which `key(occupation id, level)`
    /// gives a key: the source proves every skill the standard lists (essential and
    /// optional) at that level, as a skill-level certificate does in the registry's
    /// snapshot. Family = the occupation id.
    pub fn add_standards(&mut self, mut key: impl FnMut(&str, SkillLevel) -> Option<String>) {
        for (o, id) in self.graph.occ.ids.iter().enumerate() {
            for level in SkillLevel::ALL_ASCENDING {
                let Some(k) = key(id, level) else { continue };
                let skills = self.graph.occ.reqs[o].iter().map(|r| (r.skill, level)).collect();
                self.sources.push((k.into(), SourceKind::Standard, Some(id.clone()), skills));
            }
        }
    }

    /// Builds the set: sources sorted by key (so results never depend on insertion order),
    /// skills deduplicated per source (highest level), postings per skill in key order.
    ///
    /// # Errors
    /// [`QueryError::DuplicateSource`] when two sources share a key.
    ///
    /// # Complexity
    /// O(N log N + H) for N sources holding H skills in all.
    pub fn build(self) -> Result<SourceSet, QueryError> {
        let mut sources = self.sources;
        sources.sort_by(|a, b| a.0.cmp(&b.0));
        for w in sources.windows(2) {
            if w[0].0 == w[1].0 {
                return Err(QueryError::DuplicateSource(w[0].0.to_string()));
            }
        }
        let n_skills = self.graph.skill_count();
        let mut held_off = Vec::with_capacity(sources.len() + 1);
        let mut held: Vec<(SkillIdx, SkillLevel)> = Vec::new();
        let mut post_off = vec![0u32; n_skills + 1];
        held_off.push(0u32);
        let mut keys = Vec::with_capacity(sources.len());
        let mut kinds = Vec::with_capacity(sources.len());
        let mut families = Vec::with_capacity(sources.len());
        for (key, kind, family, mut skills) in sources {
            skills.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
            skills.dedup_by_key(|s| s.0);
            for s in &skills {
                post_off[s.0.index() + 1] += 1;
            }
            held.extend(skills);
            held_off.push(held.len() as u32);
            keys.push(key);
            kinds.push(kind);
            families.push(family);
        }
        for i in 0..n_skills {
            post_off[i + 1] += post_off[i];
        }
        let mut fill = post_off.clone();
        let mut post = vec![(0u32, SkillLevel::LOWEST); held.len()];
        for src in 0..keys.len() {
            for &(s, level) in &held[held_off[src] as usize..held_off[src + 1] as usize] {
                let at = &mut fill[s.index()];
                post[*at as usize] = (src as u32, level);
                *at += 1;
            }
        }
        let key_map = keys.iter().enumerate().map(|(i, k)| (k.clone(), i as u32)).collect();
        Ok(SourceSet { skill_count: n_skills, keys, kinds, families, key_map, held_off, held, post_off, post })
    }
}

impl SourceSet {
    /// Number of sources.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when the set holds no source.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// True when a source has this key.
    pub fn contains(&self, key: &str) -> bool {
        self.key_map.contains_key(key)
    }

    /// The family of the source with this key (`None` for an unknown key or no family).
    pub fn family(&self, key: &str) -> Option<&str> {
        self.key_map.get(key).and_then(|&i| self.families[i as usize].as_deref())
    }

    /// The skills a source proves, sorted by skill.
    fn held(&self, src: u32) -> &[(SkillIdx, SkillLevel)] {
        &self.held[self.held_off[src as usize] as usize..self.held_off[src as usize + 1] as usize]
    }

    /// The level at which a source proves a skill.
    fn level(&self, src: u32, s: SkillIdx) -> Option<SkillLevel> {
        let h = self.held(src);
        h.binary_search_by_key(&s, |x| x.0).ok().map(|i| h[i].1)
    }

    /// Sources proving `s`, in key order, with their levels.
    fn postings(&self, s: SkillIdx) -> &[(u32, SkillLevel)] {
        if s.index() >= self.skill_count {
            return &[];
        }
        &self.post[self.post_off[s.index()] as usize..self.post_off[s.index() + 1] as usize]
    }
}

/// What suggestions are computed for.
#[derive(Debug, Clone, Copy)]
pub enum SuggestTarget<'a> {
    /// A course, by graph id: its taught skills at their levels.
    Course(&'a str),
    /// An occupation's standard at a level: its essential skills at that level.
    Standard(&'a str, SkillLevel),
    /// Requirements given inline.
    Needs(&'a [SkillNeed]),
}

/// Which sources a query leaves out.
#[derive(Debug, Clone, Copy, Default)]
pub struct Exclude<'a> {
    /// Sources by key (typically the target's own key).
    pub keys: &'a [&'a str],
    /// Sources of this family (the target course's provider, the target standard's
    /// occupation).
    pub family: Option<&'a str>,
}

/// One ranked source with its per-skill explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    /// 1-based rank.
    pub rank: usize,
    /// The source's key.
    pub source: String,
    /// What it is.
    pub kind: SourceKind,
    /// Its family (provider, occupation, issuer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// Mean credit over the target's requirements, in [0, 1]; 1 exactly when all are met.
    pub score: f64,
    /// True when every target requirement is met: the source alone covers the target.
    pub covers_all: bool,
    /// Requirements met.
    pub met: usize,
    /// Requirements with partial credit.
    pub partial: usize,
    /// Requirements with no credit.
    pub missing: usize,
    /// One outcome per target requirement, in target order: which of the source's skills
    /// gives the credit, how (direct, exact match, narrower, close, related), at what level,
    /// and any level shortfall.
    pub skills: Vec<RequirementOutcome>,
}

/// Ranked sources for a target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestions {
    /// The requirements judged (deduplicated: a skill once, at its highest level).
    pub requirements: Vec<SkillNeed>,
    /// Sources that hold a credit source of at least one requirement (the ones judged).
    pub candidates: usize,
    /// Of those, how many cover every requirement.
    pub covering: usize,
    /// The best `limit`, by score (highest first), then by key.
    pub suggestions: Vec<Suggestion>,
}

/// Sets of published courses that together cover a target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CourseCovers {
    /// The requirements to cover.
    pub requirements: Vec<SkillNeed>,
    /// Distinct covers: the cheapest in hours, then the cheapest in credits when that is a
    /// different set of courses. Each is a learning path for a learner who holds nothing:
    /// its steps say which requirements each course closes, and `unclosable` which no
    /// course can close (then no set covers the target fully).
    pub alternatives: Vec<LearningPath>,
}

impl SkillsGraph {
    /// A suggestion target's requirements, deduplicated, all essential.
    fn suggest_reqs(&self, target: SuggestTarget<'_>) -> Result<(TargetRef, Vec<Req>), QueryError> {
        let (tref, mut reqs) = match target {
            SuggestTarget::Course(id) => {
                let c = self.course_idx(id).ok_or_else(|| QueryError::UnknownCourse(id.to_string()))?;
                let reqs = self.teaches(c).iter().map(|&(skill, level)| Req { skill, essential: true, level }).collect();
                (TargetRef::Requirements, reqs)
            }
            SuggestTarget::Standard(id, level) => {
                let o = self.occ_map.get(id).ok_or_else(|| QueryError::UnknownOccupation(id.to_string()))?;
                let reqs = self.occ.reqs[*o as usize]
                    .iter()
                    .filter(|r| r.essential)
                    .map(|r| Req { skill: r.skill, essential: true, level })
                    .collect();
                (TargetRef::Occupation(id.to_string()), reqs)
            }
            SuggestTarget::Needs(needs) => {
                let mut v = Vec::with_capacity(needs.len());
                for n in needs {
                    let skill = self.skill_idx(&n.skill).ok_or_else(|| QueryError::UnknownSkill(n.skill.clone()))?;
                    v.push(Req { skill, essential: true, level: n.level });
                }
                (TargetRef::Requirements, v)
            }
        };
        dedup_reqs(&mut reqs);
        Ok((tref, reqs))
    }

    fn needs_of(&self, reqs: &[Req]) -> Vec<SkillNeed> {
        reqs.iter().map(|r| SkillNeed { skill: self.skill_uri(r.skill).to_string(), level: r.level }).collect()
    }

    /// Ranks the sources of `set` by how well their skills at levels cover the target's.
    ///
    /// # Arguments
    /// * `set`: the candidate sources, built over this graph.
    /// * `target`: a course, a standard at a level, or inline needs.
    /// * `exclude`: sources left out (the target itself, its family).
    /// * `limit`: how many suggestions to explain and return.
    ///
    /// # Returns
    /// [`Suggestions`], ordered by score (highest first) then key; each with one
    /// [`RequirementOutcome`] per requirement. Errors on an unknown target.
    ///
    /// # Complexity
    /// O(P + C · r + k · r · s · log h): P postings of the target skills' credit sources, C
    /// candidate sources found there, r requirements, and for the k sources explained, s
    /// credit sources per skill and h skills per source.
    ///
    /// # Example
    /// ```
    /// use rongtong_catalog::SkillLevel;
    /// use rongtong_matching::{Exclude, GraphBuilder, SkillNeed, SourceKind, SourceSetBuilder, SourceSpec, SuggestTarget};
    ///
    /// let mut b = GraphBuilder::new();
    /// b.add_skill("https://ex.cn/skills/plc");
    /// b.add_skill("https://ex.cn/skills/robot");
    /// let g = b.build()?;
    /// let need = |s: &str, l| SkillNeed { skill: format!("https://ex.cn/skills/{s}"), level: l };
    /// let mut sb = SourceSetBuilder::new(&g);
    /// sb.add_source(&SourceSpec { key: "standard:plc:3".into(), kind: SourceKind::Standard, family: None,
    ///     skills: vec![need("plc", SkillLevel::L3), need("robot", SkillLevel::L3)] })?;
    /// sb.add_source(&SourceSpec { key: "course:robot-101".into(), kind: SourceKind::Course, family: None,
    ///     skills: vec![need("robot", SkillLevel::L4)] })?;
    /// let set = sb.build()?;
    /// let target = [need("plc", SkillLevel::L4), need("robot", SkillLevel::L4)];
    /// let s = g.suggest_sources(&set, SuggestTarget::Needs(&target), Exclude::default(), 10)?;
    /// assert_eq!(s.suggestions[0].source, "standard:plc:3");
    /// assert_eq!(s.suggestions[0].score, 1.0);
    /// assert_eq!(s.suggestions[1].score, 0.5); // robot met, plc missing
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn suggest_sources(
        &self,
        set: &SourceSet,
        target: SuggestTarget<'_>,
        exclude: Exclude<'_>,
        limit: usize,
    ) -> Result<Suggestions, QueryError> {
        debug_assert_eq!(set.skill_count, self.skill_count(), "a source set must be queried with the graph it was built from");
        let (_, reqs) = self.suggest_reqs(target)?;
        let n = set.len();
        let r = reqs.len();
        // Source → its row in `credit` (UNSEEN, EXCLUDED, or a candidate number).
        const UNSEEN: u32 = u32::MAX;
        const EXCLUDED: u32 = u32::MAX - 1;
        let mut slot = vec![UNSEEN; n];
        for k in exclude.keys {
            if let Some(&i) = set.key_map.get(*k) {
                slot[i as usize] = EXCLUDED;
            }
        }
        // One sweep over the postings of every credit source of every requirement, keeping
        // per (candidate, requirement) the best `credit_milli`: the same fold as `judge`
        // (the maximum over the held sources of `sources(skill)`), done source-major so that
        // only postings are touched. The property tests check it against `learner_gap`.
        let mut cands: Vec<u32> = Vec::new();
        let mut credit: Vec<u32> = Vec::new();
        for (i, req) in reqs.iter().enumerate() {
            for &(t, via) in self.sources(req.skill) {
                for &(src, level) in set.postings(t) {
                    let row = match slot[src as usize] {
                        EXCLUDED => continue,
                        UNSEEN => {
                            if exclude.family.is_some_and(|f| set.families[src as usize].as_deref() == Some(f)) {
                                slot[src as usize] = EXCLUDED;
                                continue;
                            }
                            let row = cands.len();
                            slot[src as usize] = row as u32;
                            cands.push(src);
                            credit.resize(credit.len() + r, 0);
                            row
                        }
                        row => row as usize,
                    };
                    let c = credit_milli(via, level, req.level);
                    let cell = &mut credit[row * r + i];
                    if c > *cell {
                        *cell = c;
                    }
                }
            }
        }
        drop(slot);
        let full = r as u64 * 1000;
        // (credit sum, source) per candidate.
        let mut scored: Vec<(u64, u32)> =
            cands.iter().enumerate().map(|(row, &src)| (credit[row * r..(row + 1) * r].iter().map(|&c| u64::from(c)).sum(), src)).collect();
        drop(credit);
        let covering = scored.iter().filter(|&&(s, _)| s == full && full > 0).count();
        // Highest credit first, then key order (= source index order).
        let order = |a: &(u64, u32), b: &(u64, u32)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
        if limit < scored.len() {
            if limit > 0 {
                scored.select_nth_unstable_by(limit - 1, order);
            }
            scored.truncate(limit);
        }
        scored.sort_unstable_by(order);
        let suggestions = scored
            .iter()
            .enumerate()
            .map(|(i, &(sum, src))| {
                let skills: Vec<RequirementOutcome> = reqs
                    .iter()
                    .map(|r| {
                        let j = self.judge(r.skill, r.level, |t| set.level(src, t).map(|l| (l, src)));
                        self.outcome(r, &j, |_| (None, None, None))
                    })
                    .collect();
                let count = |st| skills.iter().filter(|o| o.status == st).count();
                Suggestion {
                    rank: i + 1,
                    source: set.keys[src as usize].to_string(),
                    kind: set.kinds[src as usize],
                    family: set.families[src as usize].as_deref().map(str::to_string),
                    score: if full == 0 { 0.0 } else { sum as f64 / full as f64 },
                    covers_all: full > 0 && sum == full,
                    met: count(crate::Status::Met),
                    partial: count(crate::Status::Partial),
                    missing: count(crate::Status::Missing),
                    skills,
                }
            })
            .collect();
        Ok(Suggestions { requirements: self.needs_of(&reqs), candidates: cands.len(), covering, suggestions })
    }

    /// Which sets of published courses cover a target: the learning-path planner's set
    /// cover (same candidates, bundles with prerequisites, exact search on small instances)
    /// for a learner who holds nothing, minimising hours and then credits; the second
    /// alternative is returned only when it is a different set of courses.
    ///
    /// Meant for standards and inline needs; for a course target the course itself (if
    /// published) is the obvious cover and will be found.
    ///
    /// # Complexity
    /// Twice that of [`learning_path`](Self::learning_path).
    pub fn course_covers(&self, target: SuggestTarget<'_>) -> Result<CourseCovers, QueryError> {
        let (tref, reqs) = self.suggest_reqs(target)?;
        let needs: Vec<(SkillIdx, SkillLevel)> = reqs.iter().map(|r| (r.skill, r.level)).collect();
        let mut alternatives: Vec<LearningPath> = Vec::with_capacity(2);
        for by in [CostBy::Hours, CostBy::Credits] {
            let p = self.plan(Some(tref.clone()), needs.clone(), &[], by, PathStrategy::Auto);
            let courses = |p: &LearningPath| {
                let mut v: Vec<&str> = p.steps.iter().map(|s| s.course.as_str()).collect();
                v.sort_unstable();
                v.iter().map(|s| s.to_string()).collect::<Vec<_>>()
            };
            if !alternatives.iter().any(|a| courses(a) == courses(&p)) {
                alternatives.push(p);
            }
        }
        Ok(CourseCovers { requirements: self.needs_of(&reqs), alternatives })
    }
}
