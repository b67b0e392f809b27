//! Talent-demand lists (人才需求清单) published by enterprises.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::RegionCode;
use crate::requirement::{SkillRequirement, validate_requirements};
use crate::validate::{ValidationErrors, check_opt_text, check_text};

/// Lifecycle of a demand list: only published lists are public.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::Display, strum::EnumString, strum::AsRefStr, strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum DemandStatus {
    /// Being prepared by the enterprise.
    Draft,
    /// Public.
    Published,
    /// No longer recruiting; kept for reports.
    Closed,
}

impl DemandStatus {
    /// True when moving from `self` to `to` is allowed.
    pub fn can_move_to(self, to: DemandStatus) -> bool {
        use DemandStatus::*;
        matches!((self, to), (Draft, Published) | (Published, Closed) | (Published, Draft) | (Closed, Published))
    }
}

/// One position an enterprise wants to fill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemandItemInput {
    /// Position title, e.g. 工业机器人运维技术员.
    pub position: String,
    /// Occupation URI or 职业分类大典 code, when known.
    #[serde(default)]
    pub occupation: Option<String>,
    /// How many people.
    pub headcount: u32,
    /// Where the job is, when it differs from the list's region.
    #[serde(default)]
    pub region: Option<RegionCode>,
    /// Deadline for this position, when it differs from the list's.
    #[serde(default, with = "crate::validate::iso_date::option")]
    pub deadline: Option<NaiveDate>,
    /// Required skills.
    #[serde(default)]
    pub skills: Vec<SkillRequirement>,
}

impl DemandItemInput {
    /// Checks every field.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        check_text(&mut e, "position", &self.position, 200);
        check_opt_text(&mut e, "occupation", self.occupation.as_deref(), 500);
        e.check((1..=100_000).contains(&self.headcount), "headcount", "must be between 1 and 100000");
        e.check(!self.skills.is_empty(), "skills", "a position needs at least one required skill");
        validate_requirements("skills", &self.skills, &mut e);
        e.into_result()
    }
}

/// A demand list as submitted for creation or update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemandListInput {
    /// Title, e.g. 2026年工业机器人运维人才需求.
    pub title: String,
    /// Code of the publishing enterprise.
    pub enterprise: String,
    /// Region the demand is for.
    pub region: RegionCode,
    /// Industry, free text or a GB/T 4754 code.
    #[serde(default)]
    pub industry: Option<String>,
    /// Last day applications are wanted.
    #[serde(default, with = "crate::validate::iso_date::option")]
    pub deadline: Option<NaiveDate>,
    /// The positions.
    #[serde(default)]
    pub items: Vec<DemandItemInput>,
}

impl DemandListInput {
    /// Checks every field, items included.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        check_text(&mut e, "title", &self.title, 300);
        check_text(&mut e, "enterprise", &self.enterprise, 64);
        check_opt_text(&mut e, "industry", self.industry.as_deref(), 200);
        for (i, item) in self.items.iter().enumerate() {
            if let Err(inner) = item.validate() {
                e.nest(&format!("items[{i}]"), inner);
            }
        }
        e.into_result()
    }
}
