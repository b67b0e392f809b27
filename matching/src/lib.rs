//! Rongtong's matching engine: the skills graph and the algorithms that join enterprise
//! demand, college courses and learners' verified skills.
//!
//! The crate is pure: no HTTP, no SQL, no async, no clock, no randomness outside [`synth`].
//! The registry loads its database into a [`GraphBuilder`], builds an immutable
//! [`SkillsGraph`], keeps it in an `Arc` and rebuilds it when the data changes. Each
//! operation is a method taking `&self`, deterministic, and returning a `Serialize` result
//! that carries its reasons (which evidence met a requirement, which course closes which
//! gap skill, why a skill is unclosable):
//!
//! | operation | method |
//! |-----------|--------|
//! | 1. demand coverage by courses | [`SkillsGraph::demand_coverage`] |
//! | 2. learner gap | [`SkillsGraph::learner_gap`] |
//! | 3. learning path | [`SkillsGraph::learning_path`], [`SkillsGraph::learning_path_for`] |
//! | 4. candidate ranking | [`SkillsGraph::rank_candidates`] |
//! | 5. curriculum alignment | [`SkillsGraph::curriculum_alignment`] |
//! | 6. regional supply and demand | [`SkillsGraph::supply_and_demand`] |
//! | recognition suggestions (sources covering a target; course sets covering it) | [`SkillsGraph::suggest_sources`], [`SkillsGraph::course_covers`] |
//!
//! All of them judge a requirement with one satisfaction function (module [`satisfaction`],
//! rules in `docs/MATCHING.md`): a skill held or taught at the required level or higher, or
//! an exact match of it, meets the requirement; narrower, close and related skills earn
//! partial credit only, which never makes a requirement "met".
//!
//! ```
//! use std::sync::Arc;
//! use rongtong_catalog::{RequirementKind, SkillLevel, SkillRelationKind, SkillRequirement};
//! use rongtong_matching::{EvidenceKind, GraphBuilder, LearnerSpec, Target, VerifiedSkill};
//!
//! let mut b = GraphBuilder::new();
//! b.add_skill("http://data.europa.eu/esco/skill/plc");
//! b.add_skill("https://rongtong.cn/skills/gb-plc"); // the same skill in a national standard
//! b.add_relation("https://rongtong.cn/skills/gb-plc", SkillRelationKind::ExactMatch, "http://data.europa.eu/esco/skill/plc")?;
//! b.add_learner(&LearnerSpec {
//!     id: "l1".into(), region: "360300".into(), opted_in_to_be_found: true,
//!     skills: vec![VerifiedSkill { skill: "https://rongtong.cn/skills/gb-plc".into(), level: SkillLevel::L2, evidence: "cert-1".into(), kind: EvidenceKind::SkillCertificate }],
//!     completed_courses: vec![],
//! })?;
//! let graph = Arc::new(b.build()?);
//! let reqs = [SkillRequirement { skill: "http://data.europa.eu/esco/skill/plc".into(), kind: RequirementKind::Essential, min_level: SkillLevel::L3 }];
//! assert!(graph.learner_gap("l1", Target::Requirements(&reqs))?.qualifies);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod coverage;
mod fxhash;
mod gap;
mod graph;
mod model;
mod path;
mod rank;
mod region;
mod report;
pub mod satisfaction;
mod store;
mod suggest;
mod supply;
pub mod synth;
mod update;

pub use coverage::{
    AlignedSkill, CourseSelection, CourseTeaching, CoverageStatus, CurriculumAlignment, DemandCoverage, DemandSelection, SkillCoverage,
    SkillGap, TaughtSkill,
};
pub use gap::LearnerGap;
pub use graph::{GraphBuilder, MAX_EVIDENCE_BYTES, SkillsGraph};
pub use model::{
    BuildError, CourseIdx, CourseSpec, DemandIdx, DemandSpec, EvidenceKind, LearnerIdx, LearnerSpec, OccupationIdx, OccupationSpec,
    QueryError, SkillIdx, SkillNeed, Target, TargetRef, VerifiedSkill,
};
pub use path::{
    CostBy, EXACT_LIMIT, IMPROVE_LIMIT, KEEP_PER_COVER, LearningPath, PathMethod, PathStep, PathStrategy, SEARCH_BUDGET, SEGMENT_LIMIT,
    Unclosable,
};
pub use rank::{MAX_REQUIREMENTS, RankedCandidate, Ranking, Score};
pub use report::{Evidence, RequirementOutcome, Shortfall};
pub use satisfaction::{Status, Via, credit_milli};
pub use suggest::{
    CourseCovers, Exclude, SUGGESTIONS, SourceKind, SourceSet, SourceSetBuilder, SourceSpec, SuggestTarget, Suggestion, Suggestions,
};
pub use supply::{SupplyDemand, SupplyDemandRow};
