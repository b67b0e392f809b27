//! Rongtong's domain: the shared catalog of regions, organizations, skills, occupations,
//! micro-courses, curricula and talent-demand lists, with validation and CSV import/export.
//!
//! This crate knows nothing of HTTP or SQL. The registry stores and serves these types; the
//! matching engine reasons over them; the credentials crate cites them in certificates.
//! Validation lives here so that the API, the CSV importer and the CLI reject the same
//! things with the same words.

pub mod completion;
pub mod course;
pub mod csvio;
pub mod demand;
pub mod level;
pub mod occupation;
pub mod org;
pub mod prerequisite;
pub mod recognition;
pub mod region;
pub mod requirement;
pub mod review;
pub mod similar;
pub mod skill;
pub mod validate;

pub use completion::{CompletionResult, CompletionResultError, Grade, PASS_MARK, check_result};
pub use course::{CourseInput, CourseSkill, CourseStatus, CurriculumInput, DeliveryMode};
pub use demand::{DemandItemInput, DemandListInput, DemandStatus};
pub use level::{LevelError, SkillLevel};
pub use occupation::OccupationInput;
pub use org::{OrgKind, OrganizationInput, Uscc, UsccError};
pub use prerequisite::{PrerequisiteCycle, prerequisite_cycles};
pub use recognition::{
    AssessmentPart, Evaluation, Holding, OutcomeKey, OutcomeKind, RuleEffect, RuleIndex, RuleInput, RuleSource, RuleStatus, SourceCheck,
};
pub use region::{Division, Region, RegionCode, RegionCodeError, RegionLevel, gbt2260_divisions};
pub use requirement::{RequirementKind, SkillRequirement};
pub use review::ReviewStage;
pub use similar::{LabelMatch, Likeness, NEAR_DUPLICATE_THRESHOLD, compare_labels, label_similarity, normalize_label, skill_labels};
pub use skill::{FrameworkInput, FrameworkKind, SkillInput, SkillRelation, SkillRelationKind, SkillType};
pub use validate::{FieldError, ValidationErrors};
