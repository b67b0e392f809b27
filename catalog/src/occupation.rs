//! Occupations and the skills their standards require.

use serde::{Deserialize, Serialize};

use crate::requirement::{SkillRequirement, validate_requirements};
use crate::validate::{ValidationErrors, check_multiline_text, check_opt_text, check_valid_months, is_absolute_iri};

/// An occupation: a 职业分类大典 code when known (e.g. `6-18-02-04`), an ESCO URI when
/// known, and the skills its standard requires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OccupationInput {
    /// URI; an ESCO occupation URI, or minted under the base URL when omitted.
    #[serde(default)]
    pub uri: Option<String>,
    /// 中华人民共和国职业分类大典 code, e.g. `6-18-02-04`.
    #[serde(default)]
    pub code: Option<String>,
    /// Chinese label.
    #[serde(default)]
    pub label_zh: Option<String>,
    /// English label.
    #[serde(default)]
    pub label_en: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Required skills (essential or optional, each at a minimum level).
    #[serde(default)]
    pub skills: Vec<SkillRequirement>,
    /// How long a skill-level certificate for the occupation stays valid, in months
    /// (1–600); `None` (the default) when it does not expire.
    #[serde(default)]
    pub valid_months: Option<u32>,
}

impl OccupationInput {
    /// Checks every field.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        if let Some(uri) = &self.uri {
            e.check(is_absolute_iri(uri), "uri", "must be an absolute URI");
        }
        if let Some(code) = &self.code {
            e.check(is_occupation_code(code), "code", "must look like a 职业分类大典 code, e.g. 6-18-02-04");
        }
        if self.label_zh.as_deref().unwrap_or("").trim().is_empty() && self.label_en.as_deref().unwrap_or("").trim().is_empty() {
            e.push("label_zh", "an occupation needs a label in Chinese or English");
        }
        check_opt_text(&mut e, "label_zh", self.label_zh.as_deref(), 300);
        check_opt_text(&mut e, "label_en", self.label_en.as_deref(), 300);
        check_multiline_text(&mut e, "description", self.description.as_deref(), 10_000);
        validate_requirements("skills", &self.skills, &mut e);
        check_valid_months(&mut e, "valid_months", self.valid_months);
        e.into_result()
    }
}

/// True for a 职业分类大典 code: digit groups joined by `-` (`6`, `6-18`, `6-18-02-04`).
pub fn is_occupation_code(code: &str) -> bool {
    let parts: Vec<&str> = code.split('-').collect();
    (1..=4).contains(&parts.len()) && parts.iter().all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
}
