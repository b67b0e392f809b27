//! Micro-courses and curricula.
//!
//! A micro-course (微课程) is a small, separately certifiable module that teaches named
//! skills to a target level. A curriculum is a college programme: an ordered list of
//! modules. Courses go through review before they are public: draft → in_review →
//! published → archived.

use serde::{Deserialize, Serialize};

use crate::SkillLevel;
use crate::validate::{ValidationErrors, check_code, check_multiline_text, check_opt_text, check_text, check_valid_months};

/// Where a course sits in its review lifecycle.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::Display, strum::EnumString, strum::AsRefStr, strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum CourseStatus {
    /// Being written by its provider; visible only to the provider.
    Draft,
    /// Submitted for review.
    InReview,
    /// Public in the shared catalog.
    Published,
    /// Withdrawn; kept for the records of learners who completed it.
    Archived,
}

impl CourseStatus {
    /// The statuses a course may move to from `self`.
    pub fn next(self) -> &'static [CourseStatus] {
        use CourseStatus::*;
        match self {
            Draft => &[InReview, Archived],
            InReview => &[Draft, Published, Archived],
            Published => &[Archived],
            Archived => &[Draft],
        }
    }

    /// True when moving from `self` to `to` is allowed.
    pub fn can_move_to(self, to: CourseStatus) -> bool {
        self.next().contains(&to)
    }
}

/// How a course is delivered.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::Display, strum::EnumString, strum::AsRefStr, strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum DeliveryMode {
    /// 线上.
    Online,
    /// 线下 (classroom or workshop).
    Offline,
    /// 混合式.
    Blended,
}

/// A skill a course teaches, to a target level, with a weight (its share of the course).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CourseSkill {
    /// Skill URI.
    pub skill: String,
    /// The level a learner reaches by completing the course.
    pub level: SkillLevel,
    /// Relative weight in (0, 1]; 1 when omitted.
    #[serde(default = "one")]
    pub weight: f64,
}

fn one() -> f64 {
    1.0
}

/// A micro-course as submitted for creation or update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CourseInput {
    /// Course code, unique per provider and version, e.g. `ZNZZ-01`.
    pub code: String,
    /// Version label, e.g. `2026.1`.
    #[serde(default = "default_version")]
    pub version: String,
    /// Chinese title.
    pub title_zh: String,
    /// English title.
    #[serde(default)]
    pub title_en: Option<String>,
    /// Chinese description.
    #[serde(default)]
    pub description_zh: Option<String>,
    /// English description.
    #[serde(default)]
    pub description_en: Option<String>,
    /// Code of the providing organization (a college or training centre).
    pub provider: String,
    /// Teaching hours (学时).
    pub hours: f64,
    /// Credits (学分).
    pub credits: f64,
    /// Delivery mode.
    #[serde(default = "default_mode")]
    pub delivery_mode: DeliveryMode,
    /// Skills taught.
    #[serde(default)]
    pub skills: Vec<CourseSkill>,
    /// Codes of courses that must be completed first.
    #[serde(default)]
    pub prerequisites: Vec<String>,
    /// How long the course's training certificate stays valid, in months (1–600); `None`
    /// (the default) when it does not expire.
    #[serde(default)]
    pub valid_months: Option<u32>,
}

fn default_version() -> String {
    "1".to_string()
}

fn default_mode() -> DeliveryMode {
    DeliveryMode::Blended
}

impl CourseInput {
    /// Checks every field (skill and prerequisite references are resolved by the store).
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        check_code(&mut e, "code", &self.code);
        check_text(&mut e, "version", &self.version, 40);
        check_text(&mut e, "title_zh", &self.title_zh, 300);
        check_opt_text(&mut e, "title_en", self.title_en.as_deref(), 300);
        check_multiline_text(&mut e, "description_zh", self.description_zh.as_deref(), 20_000);
        check_multiline_text(&mut e, "description_en", self.description_en.as_deref(), 20_000);
        check_code(&mut e, "provider", &self.provider);
        e.check(
            self.hours.is_finite() && self.hours > 0.0 && self.hours <= 10_000.0,
            "hours",
            "must be a number of hours above 0 and at most 10000",
        );
        e.check(self.credits.is_finite() && self.credits >= 0.0 && self.credits <= 1_000.0, "credits", "must be between 0 and 1000");
        check_valid_months(&mut e, "valid_months", self.valid_months);
        let mut seen = std::collections::HashSet::new();
        for (i, s) in self.skills.iter().enumerate() {
            check_text(&mut e, &format!("skills[{i}].skill"), &s.skill, 500);
            e.check(
                s.weight.is_finite() && s.weight > 0.0 && s.weight <= 1.0,
                format!("skills[{i}].weight"),
                "must be above 0 and at most 1",
            );
            e.check(seen.insert(s.skill.as_str()), format!("skills[{i}].skill"), format!("skill {} is listed twice", s.skill));
        }
        for (i, p) in self.prerequisites.iter().enumerate() {
            check_code(&mut e, &format!("prerequisites[{i}]"), p);
            e.check(p != &self.code, format!("prerequisites[{i}]"), "a course cannot be its own prerequisite");
        }
        e.into_result()
    }
}

/// A curriculum (专业教学方案): a college programme of ordered modules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurriculumInput {
    /// Code, unique per provider.
    pub code: String,
    /// Chinese title.
    pub title_zh: String,
    /// English title.
    #[serde(default)]
    pub title_en: Option<String>,
    /// Providing organization code.
    pub provider: String,
    /// Course codes, in teaching order.
    pub modules: Vec<String>,
}

impl CurriculumInput {
    /// Checks every field.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        check_code(&mut e, "code", &self.code);
        check_text(&mut e, "title_zh", &self.title_zh, 300);
        check_opt_text(&mut e, "title_en", self.title_en.as_deref(), 300);
        check_code(&mut e, "provider", &self.provider);
        e.check(!self.modules.is_empty(), "modules", "a curriculum needs at least one module");
        let mut seen = std::collections::HashSet::new();
        for (i, m) in self.modules.iter().enumerate() {
            check_code(&mut e, &format!("modules[{i}]"), m);
            e.check(seen.insert(m.as_str()), format!("modules[{i}]"), format!("module {m} is listed twice"));
        }
        e.into_result()
    }
}
