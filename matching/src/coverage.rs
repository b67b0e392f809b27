//! Operations 1 and 5: how well courses cover demand.
//!
//! Both aggregate demand the same way: every requirement of every selected demand item is
//! an *instance* weighted by the item's headcount, and instances are grouped by (skill,
//! required level), so "3 positions need PLC at 三级 and 10 need it at 四级" stay two rows.

use std::collections::BTreeMap;

use rongtong_catalog::SkillLevel;
use serde::Serialize;

use crate::SkillsGraph;
use crate::fxhash::FxMap;
use crate::model::{CourseIdx, DemandIdx, QueryError, Req, SkillIdx};
use crate::report::Evidence;
use crate::satisfaction::{Judgement, Status};

/// Which demand to analyse.
#[derive(Debug, Clone, Copy)]
pub enum DemandSelection<'a> {
    /// These demand items, by id, published or not (the caller decides who may see drafts).
    Items(&'a [&'a str]),
    /// All *published* demand items located in this GB/T 2260 region or any region inside
    /// it (a province includes its cities and counties).
    Region(&'a str),
}

/// Which courses to analyse.
#[derive(Debug, Clone, Copy)]
pub enum CourseSelection<'a> {
    /// These courses, by id, published or not (a curriculum being designed may include
    /// drafts).
    Courses(&'a [&'a str]),
    /// All *published* courses of this provider (a college's current offer).
    Provider(&'a str),
}

/// Whether a demanded skill is taught.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CoverageStatus {
    /// At least one course teaches it (or an exact match) at the level.
    Taught,
    /// Only partial credit: taught below the level, or only a narrower/close/related skill.
    PartiallyTaught,
    /// No credit from any course.
    Untaught,
}

impl From<Status> for CoverageStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::Met => CoverageStatus::Taught,
            Status::Partial => CoverageStatus::PartiallyTaught,
            Status::Missing => CoverageStatus::Untaught,
        }
    }
}

/// A course and how it teaches a demanded skill.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CourseTeaching {
    /// Course id.
    pub course: String,
    /// Credit towards the requirement (1 = teaches it to the level).
    pub credit: f64,
    /// What the course teaches that earns the credit.
    pub matched: Evidence,
    /// Teaching hours.
    pub hours: f64,
}

/// One demanded (skill, level) and the courses that teach it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkillCoverage {
    /// Skill URI.
    pub skill: String,
    /// Required level.
    pub level: SkillLevel,
    /// Headcount of items requiring it as essential.
    pub essential_headcount: u64,
    /// Headcount of items requiring it as optional.
    pub optional_headcount: u64,
    /// Number of demand items requiring it.
    pub demand_items: usize,
    /// Taught, partially taught or untaught.
    pub status: CoverageStatus,
    /// Published courses teaching it to the level (all of them, not only those listed).
    pub full_count: usize,
    /// Published courses giving partial credit only.
    pub partial_count: usize,
    /// Courses teaching it to the level: highest credit first, then fewest hours, then id;
    /// at most `max_courses`.
    pub full: Vec<CourseTeaching>,
    /// Courses giving partial credit, same order and limit.
    pub partial: Vec<CourseTeaching>,
}

/// Demand coverage by the published course catalog.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemandCoverage {
    /// The region analysed, when selected by region.
    pub region: Option<String>,
    /// Demand items included, by id.
    pub demand_items: Vec<String>,
    /// Total headcount of those items: people wanted.
    pub total_headcount: u64,
    /// Demanded (position, skill) pairs: Σ over items of headcount × required skills (an
    /// item with 5 skills and 10 people counts 50). Not a headcount: a person needing five
    /// skills is five pairs. The weight of the coverage figures below.
    pub demanded_positions_skills: u64,
    /// Part of `demanded_positions_skills` whose skill is taught to the level.
    pub taught_positions_skills: u64,
    /// Part only partially taught.
    pub partially_taught_positions_skills: u64,
    /// Part not taught at all.
    pub untaught_positions_skills: u64,
    /// `taught_positions_skills / demanded_positions_skills` (1 when nothing is demanded).
    pub taught_share: f64,
    /// Every demanded (skill, level), most demanded first (then by skill URI and level).
    pub skills: Vec<SkillCoverage>,
    /// Supply gaps: the rows of `skills` not taught to the level, in the same order.
    pub gaps: Vec<SkillGap>,
}

/// A demanded skill that no course teaches to the level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkillGap {
    /// Skill URI.
    pub skill: String,
    /// Required level.
    pub level: SkillLevel,
    /// Headcount weight (essential + optional).
    pub headcount: u64,
    /// Partially taught or untaught.
    pub status: CoverageStatus,
}

/// How a set of courses aligns with regional demand.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurriculumAlignment {
    /// The region's code.
    pub region: String,
    /// Courses analysed, by id.
    pub courses: Vec<String>,
    /// Published demand items in the region.
    pub demand_items: usize,
    /// Total headcount of those items: people wanted.
    pub total_headcount: u64,
    /// Demanded (position, skill) pairs: Σ over items of headcount × required skills (see
    /// [`DemandCoverage::demanded_positions_skills`]); not a headcount.
    pub demanded_positions_skills: u64,
    /// Part of it the courses teach to the level.
    pub covered_positions_skills: u64,
    /// `covered_positions_skills / demanded_positions_skills` (1 when nothing is demanded).
    pub covered_share: f64,
    /// Headcount-weighted mean credit, counting partial credit (≥ `covered_share`).
    pub credit_share: f64,
    /// Every demanded (skill, level), with the course set's best match; most demanded first.
    pub demanded: Vec<AlignedSkill>,
    /// Demanded but not taught to the level: the rows of `demanded` that are not met.
    pub demanded_not_taught: Vec<AlignedSkill>,
    /// Taught but demanded nowhere in the region (not even through a relation).
    pub taught_not_demanded: Vec<TaughtSkill>,
}

/// A demanded (skill, level) against a course set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlignedSkill {
    /// Skill URI.
    pub skill: String,
    /// Required level.
    pub level: SkillLevel,
    /// Headcount weight.
    pub headcount: u64,
    /// Taught, partially taught, untaught.
    pub status: CoverageStatus,
    /// Credit in [0, 1].
    pub credit: f64,
    /// The course (and taught skill) giving the credit.
    pub matched: Option<Evidence>,
}

/// A skill the course set teaches that no regional demand asks for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaughtSkill {
    /// Skill URI.
    pub skill: String,
    /// Highest level taught.
    pub level: SkillLevel,
    /// Courses teaching it.
    pub courses: Vec<String>,
}

#[derive(Default)]
struct Agg {
    essential: u64,
    optional: u64,
    items: usize,
}

impl SkillsGraph {
    /// Groups the requirements of demand items by (skill, level) with headcounts.
    fn aggregate(&self, items: &[DemandIdx]) -> BTreeMap<(SkillIdx, Reverse8), Agg> {
        let mut m: BTreeMap<(SkillIdx, Reverse8), Agg> = BTreeMap::new();
        for &d in items {
            let hc = u64::from(self.dem.headcount[d.index()]);
            let mut reqs = self.dem.reqs[d.index()].clone();
            crate::graph::dedup_reqs(&mut reqs);
            for r in reqs {
                let a = m.entry((r.skill, Reverse8(r.level.number()))).or_default();
                if r.essential {
                    a.essential += hc;
                } else {
                    a.optional += hc;
                }
                a.items += 1;
            }
        }
        m
    }

    fn select_demand(&self, sel: DemandSelection<'_>) -> Result<(Option<String>, Vec<DemandIdx>), QueryError> {
        match sel {
            DemandSelection::Items(ids) => {
                let mut v = ids
                    .iter()
                    .map(|id| self.demand_idx(id).ok_or_else(|| QueryError::UnknownDemand(id.to_string())))
                    .collect::<Result<Vec<_>, _>>()?;
                v.sort_unstable();
                v.dedup();
                Ok((None, v))
            }
            DemandSelection::Region(code) => {
                let r = self.parse_region(code)?;
                Ok((Some(r.code()), self.published_demand_in(r)))
            }
        }
    }

    /// For a set of demand items, which published courses teach each required skill to the
    /// required level (and which only partially), and where supply is missing, weighted by
    /// headcount.
    ///
    /// # Arguments
    /// * `selection`: demand items by id, or all published demand of a region (sub-regions
    ///   included).
    /// * `max_courses`: how many courses to list per skill and kind (counts are always
    ///   complete).
    ///
    /// # Returns
    /// A [`DemandCoverage`]; every (skill, level) required by a selected item appears in
    /// `skills` exactly once. Errors on an unknown item or a malformed region code.
    ///
    /// # Complexity
    /// O(D·r + Σ_k Σ_sources |courses teaching source| · log t) for D items with r
    /// requirements, summed over the distinct (skill, level) rows k, with t skills per course.
    ///
    /// # Example
    /// ```
    /// use rongtong_catalog::{CourseSkill, RequirementKind, SkillLevel, SkillRequirement};
    /// use rongtong_matching::{CourseSpec, DemandSelection, DemandSpec, GraphBuilder};
    ///
    /// let mut b = GraphBuilder::new();
    /// b.add_skill("https://ex.cn/skills/plc");
    /// b.add_skill("https://ex.cn/skills/cnc");
    /// b.add_course(&CourseSpec {
    ///     id: "plc-101".into(), provider: None, region: None, hours: 32.0, credits: 2.0, published: true,
    ///     teaches: vec![CourseSkill { skill: "https://ex.cn/skills/plc".into(), level: SkillLevel::L3, weight: 1.0 }],
    ///     prerequisites: vec![],
    /// })?;
    /// let req = |s: &str| SkillRequirement { skill: format!("https://ex.cn/skills/{s}"), kind: RequirementKind::Essential, min_level: SkillLevel::L4 };
    /// b.add_demand(&DemandSpec { id: "d1".into(), region: "360302".into(), headcount: 10, published: true, requirements: vec![req("plc"), req("cnc")] })?;
    /// let g = b.build()?;
    /// let cov = g.demand_coverage(DemandSelection::Region("360000"), 10)?; // Jiangxi includes 360302
    /// assert_eq!(cov.total_headcount, 10); // people
    /// assert_eq!(cov.demanded_positions_skills, 20); // 10 people × 2 skills
    /// assert_eq!(cov.taught_positions_skills, 10);
    /// assert_eq!(cov.gaps[0].skill, "https://ex.cn/skills/cnc");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn demand_coverage(&self, selection: DemandSelection<'_>, max_courses: usize) -> Result<DemandCoverage, QueryError> {
        let (region, items) = self.select_demand(selection)?;
        let agg = self.aggregate(&items);
        let mut skills = Vec::with_capacity(agg.len());
        for (&(skill, Reverse8(lv)), a) in &agg {
            let level = SkillLevel::new(lv).unwrap_or(SkillLevel::LOWEST);
            let req = Req { skill, essential: a.essential > 0, level };
            let mut seen: FxMap<CourseIdx, ()> = FxMap::default();
            let mut full = Vec::new();
            let mut partial = Vec::new();
            for &(t, _) in self.sources(skill) {
                for &(c, _) in self.courses_teaching(t) {
                    if seen.insert(c, ()).is_some() {
                        continue;
                    }
                    let j = self.course_judgement(&req, c);
                    match j.status {
                        Status::Met => full.push((c, j)),
                        Status::Partial => partial.push((c, j)),
                        Status::Missing => {}
                    }
                }
            }
            let status = if !full.is_empty() {
                CoverageStatus::Taught
            } else if !partial.is_empty() {
                CoverageStatus::PartiallyTaught
            } else {
                CoverageStatus::Untaught
            };
            let (full_count, partial_count) = (full.len(), partial.len());
            skills.push(SkillCoverage {
                skill: self.skill_uri(skill).to_string(),
                level,
                essential_headcount: a.essential,
                optional_headcount: a.optional,
                demand_items: a.items,
                status,
                full_count,
                partial_count,
                full: self.teachings(full, max_courses),
                partial: self.teachings(partial, max_courses),
            });
        }
        skills.sort_by(|a, b| {
            (b.essential_headcount + b.optional_headcount)
                .cmp(&(a.essential_headcount + a.optional_headcount))
                .then_with(|| a.skill.cmp(&b.skill))
                .then(b.level.cmp(&a.level))
        });
        let hc = |s: &SkillCoverage| s.essential_headcount + s.optional_headcount;
        let sum = |st: CoverageStatus| skills.iter().filter(|s| s.status == st).map(hc).sum::<u64>();
        let demanded: u64 = skills.iter().map(hc).sum();
        let taught = sum(CoverageStatus::Taught);
        let gaps = skills
            .iter()
            .filter(|s| s.status != CoverageStatus::Taught)
            .map(|s| SkillGap { skill: s.skill.clone(), level: s.level, headcount: hc(s), status: s.status })
            .collect();
        Ok(DemandCoverage {
            region,
            demand_items: items.iter().map(|d| self.dem.ids[d.index()].to_string()).collect(),
            total_headcount: items.iter().map(|d| u64::from(self.dem.headcount[d.index()])).sum(),
            demanded_positions_skills: demanded,
            taught_positions_skills: taught,
            partially_taught_positions_skills: sum(CoverageStatus::PartiallyTaught),
            untaught_positions_skills: sum(CoverageStatus::Untaught),
            taught_share: if demanded == 0 { 1.0 } else { taught as f64 / demanded as f64 },
            skills,
            gaps,
        })
    }

    fn teachings(&self, mut v: Vec<(CourseIdx, Judgement)>, max: usize) -> Vec<CourseTeaching> {
        v.sort_by(|a, b| {
            b.1.credit_milli
                .cmp(&a.1.credit_milli)
                .then(self.course_hours[a.0.index()].total_cmp(&self.course_hours[b.0.index()]))
                .then(a.0.cmp(&b.0))
        });
        v.truncate(max);
        v.into_iter()
            .filter_map(|(c, j)| {
                let (s, via, level, _) = j.best?;
                Some(CourseTeaching {
                    course: self.course_id(c).to_string(),
                    credit: f64::from(j.credit_milli) / 1000.0,
                    matched: Evidence {
                        skill: self.skill_uri(s).to_string(),
                        via,
                        level,
                        evidence: None,
                        course: Some(self.course_id(c).to_string()),
                        kind: None,
                    },
                    hours: self.course_hours[c.index()],
                })
            })
            .collect()
    }

    /// Measures a set of courses (a curriculum, or a college's published offer) against the
    /// published demand of a region: the headcount-weighted share of demanded skills it
    /// teaches to the level, what is demanded but not taught, and what is taught but not
    /// demanded.
    ///
    /// The course set is judged as one holder: for each skill, its best level over the set.
    ///
    /// # Arguments
    /// * `courses`: course ids, or all published courses of a provider.
    /// * `region`: GB/T 2260 code; demand in sub-regions is included.
    ///
    /// # Returns
    /// A [`CurriculumAlignment`]. Errors on an unknown course or a malformed region.
    ///
    /// # Complexity
    /// O(C·t + D·r + k·s) for C courses with t skills, D demand items with r requirements,
    /// k distinct demanded (skill, level) rows with s sources each.
    ///
    /// # Example
    /// ```
    /// use rongtong_catalog::{CourseSkill, RequirementKind, SkillLevel, SkillRequirement};
    /// use rongtong_matching::{CourseSelection, CourseSpec, DemandSpec, GraphBuilder};
    ///
    /// let mut b = GraphBuilder::new();
    /// for s in ["plc", "cnc", "art"] { b.add_skill(&format!("https://ex.cn/skills/{s}")); }
    /// let teach = |s: &str| CourseSkill { skill: format!("https://ex.cn/skills/{s}"), level: SkillLevel::L3, weight: 1.0 };
    /// b.add_course(&CourseSpec {
    ///     id: "m1".into(), provider: Some("pvtc".into()), region: Some("360300".into()), hours: 32.0, credits: 2.0,
    ///     published: true, teaches: vec![teach("plc"), teach("art")], prerequisites: vec![],
    /// })?;
    /// let req = |s: &str| SkillRequirement { skill: format!("https://ex.cn/skills/{s}"), kind: RequirementKind::Essential, min_level: SkillLevel::L4 };
    /// b.add_demand(&DemandSpec { id: "d1".into(), region: "360300".into(), headcount: 3, published: true, requirements: vec![req("plc")] })?;
    /// b.add_demand(&DemandSpec { id: "d2".into(), region: "360300".into(), headcount: 1, published: true, requirements: vec![req("cnc")] })?;
    /// let g = b.build()?;
    /// let a = g.curriculum_alignment(CourseSelection::Provider("pvtc"), "360300")?;
    /// assert_eq!(a.covered_share, 0.75);
    /// assert_eq!(a.demanded_not_taught[0].skill, "https://ex.cn/skills/cnc");
    /// assert_eq!(a.taught_not_demanded[0].skill, "https://ex.cn/skills/art");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn curriculum_alignment(&self, courses: CourseSelection<'_>, region: &str) -> Result<CurriculumAlignment, QueryError> {
        let r = self.parse_region(region)?;
        let mut set: Vec<CourseIdx> = match courses {
            CourseSelection::Courses(ids) => ids
                .iter()
                .map(|id| self.course_idx(id).ok_or_else(|| QueryError::UnknownCourse(id.to_string())))
                .collect::<Result<_, _>>()?,
            CourseSelection::Provider(p) => (0..self.course_count())
                .filter(|&i| self.course_published[i] && self.course_provider[i].as_deref() == Some(p))
                .map(|i| CourseIdx(i as u32))
                .collect(),
        };
        set.sort_unstable();
        set.dedup();
        // The set as one holder: best level per skill (ties: lowest course index).
        let mut held: FxMap<SkillIdx, (SkillLevel, CourseIdx)> = FxMap::default();
        let mut taught_by: BTreeMap<SkillIdx, Vec<CourseIdx>> = BTreeMap::new();
        for &c in &set {
            for &(s, lv) in self.teaches(c) {
                let e = held.entry(s).or_insert((lv, c));
                if lv > e.0 {
                    *e = (lv, c);
                }
                taught_by.entry(s).or_default().push(c);
            }
        }
        let items = self.published_demand_in(r);
        let agg = self.aggregate(&items);
        let mut reach: FxMap<SkillIdx, ()> = FxMap::default();
        let mut demanded = Vec::with_capacity(agg.len());
        for (&(skill, Reverse8(lv)), a) in &agg {
            for &(t, _) in self.sources(skill) {
                reach.insert(t, ());
            }
            let level = SkillLevel::new(lv).unwrap_or(SkillLevel::LOWEST);
            let j = self.judge(skill, level, |s| held.get(&s).map(|&(l, c)| (l, c.0)));
            demanded.push(AlignedSkill {
                skill: self.skill_uri(skill).to_string(),
                level,
                headcount: a.essential + a.optional,
                status: j.status.into(),
                credit: f64::from(j.credit_milli) / 1000.0,
                matched: j.best.map(|(s, via, level, c)| Evidence {
                    skill: self.skill_uri(s).to_string(),
                    via,
                    level,
                    evidence: None,
                    course: Some(self.course_id(CourseIdx(c)).to_string()),
                    kind: None,
                }),
            });
        }
        demanded.sort_by(|a, b| b.headcount.cmp(&a.headcount).then_with(|| a.skill.cmp(&b.skill)).then(b.level.cmp(&a.level)));
        let total: u64 = demanded.iter().map(|d| d.headcount).sum();
        let covered: u64 = demanded.iter().filter(|d| d.status == CoverageStatus::Taught).map(|d| d.headcount).sum();
        let credit: f64 = demanded.iter().map(|d| d.credit * d.headcount as f64).sum();
        let mut taught_not_demanded: Vec<TaughtSkill> = taught_by
            .into_iter()
            .filter(|(s, _)| !reach.contains_key(s))
            .map(|(s, cs)| TaughtSkill {
                skill: self.skill_uri(s).to_string(),
                level: held.get(&s).map_or(SkillLevel::LOWEST, |h| h.0),
                courses: cs.iter().map(|&c| self.course_id(c).to_string()).collect(),
            })
            .collect();
        taught_not_demanded.sort_by(|a, b| a.skill.cmp(&b.skill));
        Ok(CurriculumAlignment {
            region: r.code(),
            courses: set.iter().map(|&c| self.course_id(c).to_string()).collect(),
            demand_items: items.len(),
            total_headcount: items.iter().map(|d| u64::from(self.dem.headcount[d.index()])).sum(),
            demanded_positions_skills: total,
            covered_positions_skills: covered,
            covered_share: if total == 0 { 1.0 } else { covered as f64 / total as f64 },
            credit_share: if total == 0 { 1.0 } else { credit / total as f64 },
            demanded_not_taught: demanded.iter().filter(|d| d.status != CoverageStatus::Taught).cloned().collect(),
            demanded,
            taught_not_demanded,
        })
    }
}

/// A level number sorted so that higher proficiency (smaller number) comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Reverse8(u8);
