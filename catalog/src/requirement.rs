//! Skill requirements, as occupations and demand items state them.

use serde::{Deserialize, Serialize};

use crate::SkillLevel;
use crate::validate::{ValidationErrors, check_text};

/// Whether a required skill is a must or a plus.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
    strum::AsRefStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RequirementKind {
    /// 必备: a candidate without it does not qualify.
    Essential,
    /// 可选: improves a match but is not needed.
    Optional,
}

/// One skill that an occupation or a demand item asks for, at a minimum level.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkillRequirement {
    /// Skill URI.
    pub skill: String,
    /// Essential or optional.
    pub kind: RequirementKind,
    /// The lowest acceptable level.
    pub min_level: SkillLevel,
}

impl SkillRequirement {
    /// Checks the skill reference.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        check_text(&mut e, "skill", &self.skill, 500);
        e.into_result()
    }
}

/// Checks a list of requirements: each valid, no skill twice.
pub fn validate_requirements(field: &str, reqs: &[SkillRequirement], errs: &mut ValidationErrors) {
    let mut seen = std::collections::HashSet::new();
    for (i, r) in reqs.iter().enumerate() {
        if let Err(inner) = r.validate() {
            errs.nest(&format!("{field}[{i}]"), inner);
        }
        if !seen.insert(r.skill.as_str()) {
            errs.push(format!("{field}[{i}].skill"), format!("skill {} is listed twice", r.skill));
        }
    }
}
