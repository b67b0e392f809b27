//! The input model: what the registry (or a test, or the synthetic generator) feeds into a
//! [`GraphBuilder`](crate::GraphBuilder), and the dense indexes the built graph hands back.
//!
//! Inputs are plain owned structs that derive `Deserialize`, so the CLI can also load a
//! snapshot from JSON. They reuse the catalog's [`SkillRequirement`] and [`CourseSkill`]
//! so that the words "skill", "level" and "essential" mean exactly what they mean there.

use rongtong_catalog::{CourseSkill, SkillLevel, SkillRequirement};
use serde::{Deserialize, Serialize};

macro_rules! dense_index {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub struct $name(pub u32);

        impl $name {
            /// The index as a `usize`, for indexing the graph's dense arrays.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

dense_index!(
    /// A skill's dense index in one [`SkillsGraph`](crate::SkillsGraph) snapshot.
    ///
    /// Skills keep the order in which they were added to the builder, so a `SkillIdx` handed
    /// out by [`GraphBuilder::add_skill`](crate::GraphBuilder::add_skill) stays valid in the
    /// built graph. It is meaningless across snapshots: persist URIs, never indexes.
    SkillIdx
);
dense_index!(
    /// A course's dense index. Courses are sorted by id when the graph is built, so index
    /// order is id order and every tie-break "by course id" is a plain integer comparison.
    CourseIdx
);
dense_index!(
    /// A learner's slot in one snapshot. A full build sorts learners by id, so there slot
    /// order is id order; a learner added by an incremental update takes the next free slot,
    /// so ranking ties compare the learners' id order, not slots (see `docs/MATCHING.md`,
    /// "The learner store").
    LearnerIdx
);
dense_index!(
    /// A demand item's dense index; demand items are sorted by id when the graph is built.
    DemandIdx
);
dense_index!(
    /// An occupation's dense index; occupations are sorted by id when the graph is built.
    OccupationIdx
);

/// A micro-course as the matching engine sees it: what it costs, what it teaches, what it
/// needs first.
///
/// Unpublished courses are kept (a learner may have completed a course that has since been
/// archived, and that completion still counts as a done prerequisite), but only published
/// courses are ever proposed or counted as supply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourseSpec {
    /// Unique course id (the registry's course code or UUID).
    pub id: String,
    /// Code of the providing organization, so a college's courses can be selected as a set.
    #[serde(default)]
    pub provider: Option<String>,
    /// GB/T 2260 code of the provider's region, for regional supply counts.
    #[serde(default)]
    pub region: Option<String>,
    /// Teaching hours (学时), one of the two cost measures of a learning path.
    pub hours: f64,
    /// Credits (学分), the other cost measure.
    pub credits: f64,
    /// Whether the course is public; only published courses are proposed or counted.
    pub published: bool,
    /// Skills taught, each to a target level.
    #[serde(default)]
    pub teaches: Vec<CourseSkill>,
    /// Ids of courses that must be completed first.
    #[serde(default)]
    pub prerequisites: Vec<String>,
}

/// An occupation and the skills it calls for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OccupationSpec {
    /// Unique occupation id (URI or 职业分类大典 code).
    pub id: String,
    /// Required skills.
    pub requirements: Vec<SkillRequirement>,
}

/// One demand item (a position in an enterprise's talent-demand list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemandSpec {
    /// Unique demand item id.
    pub id: String,
    /// GB/T 2260 code of where the job is (the item's own region, else its list's region).
    pub region: String,
    /// How many people are wanted: the weight of this item in every headcount-weighted figure.
    pub headcount: u32,
    /// Whether the item's list is published; regional reports only count published demand.
    pub published: bool,
    /// Required skills.
    pub requirements: Vec<SkillRequirement>,
}

/// What kind of record proves a verified skill, which decides where it counts.
///
/// Every kind counts for a learner's own gap and learning path (a learner who completed a
/// course need not take it again). Only credentials in force ([`EvidenceKind::is_credential`])
/// score in an enterprise's candidate ranking: an employer ranks on what the learner can
/// show, and a completion with no certificate yet is listed in the breakdown as
/// `no_certificate_yet` without scoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// A skill-level certificate (职业技能等级证书) in force.
    SkillCertificate,
    /// A training certificate (培训合格证书) in force for a passing course completion.
    TrainingCertificate,
    /// A recognition (互认) in force: a course recognised under a conversion rule (e.g. exempted
    /// for a skill-level certificate) is held like a completed course, its evidence naming
    /// the rule.
    Recognition,
    /// A passing completion record with no certificate issued (yet). The default, so that
    /// evidence whose kind nobody stated never scores in a ranking by accident.
    #[default]
    Completion,
}

impl EvidenceKind {
    /// True for credentials in force, the only evidence a candidate ranking scores.
    pub const fn is_credential(self) -> bool {
        !matches!(self, EvidenceKind::Completion)
    }
}

/// A skill a learner holds with verified evidence (a certificate, a passing completion).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedSkill {
    /// Skill URI.
    pub skill: String,
    /// Verified level.
    pub level: SkillLevel,
    /// What proves it: a certificate id or a short description, echoed in every result that
    /// relies on this skill so that a decision can be traced back to its evidence.
    pub evidence: String,
    /// What kind of record the evidence is; only credentials score in rankings.
    #[serde(default)]
    pub kind: EvidenceKind,
}

/// A learner: only verified skills are given to the matching engine, so nothing it reports
/// rests on self-declared skills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearnerSpec {
    /// Unique learner id (pseudonymous is fine; the engine never needs a name).
    pub id: String,
    /// GB/T 2260 code of where the learner lives or studies.
    pub region: String,
    /// Consent to appear in enterprises' candidate rankings. Learners without it are still
    /// counted in anonymous regional supply figures and can ask for their own gap and path.
    pub opted_in_to_be_found: bool,
    /// Verified skills.
    #[serde(default)]
    pub skills: Vec<VerifiedSkill>,
    /// Ids of courses already completed: they count as done prerequisites and are never
    /// proposed again.
    #[serde(default)]
    pub completed_courses: Vec<String>,
}

/// A skill to be reached at a level: one element of a gap to close.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillNeed {
    /// Skill URI.
    pub skill: String,
    /// Level to reach.
    pub level: SkillLevel,
}

/// A resolved requirement: a [`SkillRequirement`] with its skill interned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Req {
    pub skill: SkillIdx,
    pub essential: bool,
    pub level: SkillLevel,
}

/// Something to match against: a demand item, an occupation, or an ad-hoc list of
/// requirements (e.g. a position being drafted, not yet stored).
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// A demand item, by id.
    Demand(&'a str),
    /// An occupation, by id.
    Occupation(&'a str),
    /// Requirements given inline.
    Requirements(&'a [SkillRequirement]),
}

/// What a result was computed against, echoed in results so a response is self-describing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum TargetRef {
    /// A demand item.
    Demand(String),
    /// An occupation.
    Occupation(String),
    /// Inline requirements.
    Requirements,
}

/// Why the graph could not be built: bad references in the data the registry loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// A relation, course, demand, occupation or learner names a skill never added.
    #[error("{context} refers to unknown skill `{uri}`")]
    UnknownSkill {
        /// Which record made the reference.
        context: String,
        /// The unknown skill URI.
        uri: String,
    },
    /// Two records of the same kind share an id.
    #[error("duplicate {kind} id `{id}`")]
    DuplicateId {
        /// `course`, `learner`, `demand` or `occupation`.
        kind: &'static str,
        /// The repeated id.
        id: String,
    },
    /// A prerequisite or completed course that is not in the snapshot.
    #[error("{context} refers to unknown course `{course}`")]
    UnknownCourse {
        /// Which record made the reference.
        context: String,
        /// The unknown course id.
        course: String,
    },
    /// Course prerequisites form a cycle, so no order could ever satisfy them.
    #[error("course prerequisites form a cycle: {}", cycle.join(" → "))]
    PrerequisiteCycle {
        /// The first course on the cycle (the smallest id on it).
        course: String,
        /// The cycle in order, closed: each course requires the next, and the last is
        /// `course` again (as found by [`rongtong_catalog::prerequisite_cycles`]).
        cycle: Vec<String>,
    },
    /// A region that is not a six-digit GB/T 2260 code.
    #[error("{context}: `{code}` is not a GB/T 2260 region code")]
    InvalidRegion {
        /// Which record carried it.
        context: String,
        /// The offending text.
        code: String,
    },
    /// Hours or credits that are negative or not finite, which would break cost arithmetic.
    #[error("course `{course}`: hours and credits must be finite and non-negative")]
    InvalidCost {
        /// The course id.
        course: String,
    },
    /// More evidence text than the compact 32-bit arena can address (4 GiB).
    #[error("snapshot too large: {0}")]
    TooLarge(&'static str),
}

/// Why a query could not be answered: it names something the snapshot does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// Unknown skill URI.
    #[error("unknown skill `{0}`")]
    UnknownSkill(String),
    /// Unknown course id.
    #[error("unknown course `{0}`")]
    UnknownCourse(String),
    /// Unknown learner id.
    #[error("unknown learner `{0}`")]
    UnknownLearner(String),
    /// Unknown demand item id.
    #[error("unknown demand item `{0}`")]
    UnknownDemand(String),
    /// Unknown occupation id.
    #[error("unknown occupation `{0}`")]
    UnknownOccupation(String),
    /// A region that is not a six-digit GB/T 2260 code.
    #[error("`{0}` is not a GB/T 2260 region code")]
    InvalidRegion(String),
    /// Two recognition sources with the same key.
    #[error("duplicate source key `{0}`")]
    DuplicateSource(String),
    /// More requirements than the ranking's packed score can hold.
    #[error("too many requirements ({0}); at most {max} are supported", max = crate::rank::MAX_REQUIREMENTS)]
    TooManyRequirements(usize),
}
