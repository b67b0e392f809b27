//! Skills taxonomy: frameworks, skills and the relations between them.
//!
//! Skills are identified by URI. ESCO skills keep their ESCO URIs
//! (`http://data.europa.eu/esco/skill/…`), so a Rongtong catalog stays joinable with any
//! other ESCO-based system; skills of a national standard or of a local framework get URIs
//! minted under the deployment's base URL (see [`mint_skill_uri`]).

use serde::{Deserialize, Serialize};

use crate::validate::{ValidationErrors, check_code, check_multiline_text, check_opt_text, check_text, is_absolute_iri};

/// The family a skill framework belongs to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::Display, strum::EnumString, strum::AsRefStr, strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum FrameworkKind {
    /// The European ESCO classification.
    Esco,
    /// A Chinese national standard (国家职业技能标准).
    National,
    /// A framework of a province, city or institution.
    Local,
}

/// A versioned skill framework, e.g. ESCO v1.2 or a provincial standard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameworkInput {
    /// Short code, e.g. `esco`.
    pub code: String,
    /// Kind of framework.
    pub kind: FrameworkKind,
    /// Display name.
    pub name: String,
    /// Version label, e.g. `1.2.0`.
    pub version: String,
    /// The framework's own URI, when it has one.
    #[serde(default)]
    pub uri: Option<String>,
}

impl FrameworkInput {
    /// Checks every field.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        check_code(&mut e, "code", &self.code);
        check_text(&mut e, "name", &self.name, 200);
        check_text(&mut e, "version", &self.version, 40);
        if let Some(uri) = &self.uri {
            e.check(is_absolute_iri(uri), "uri", "must be an absolute URI");
        }
        e.into_result()
    }
}

/// ESCO's distinction between knowledge and skills/competences.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::Display, strum::EnumString, strum::AsRefStr, strum::VariantArray,
)]
pub enum SkillType {
    /// Knowledge (知识).
    #[serde(rename = "knowledge")]
    #[strum(serialize = "knowledge")]
    Knowledge,
    /// Skill or competence (技能).
    #[serde(rename = "skill/competence")]
    #[strum(serialize = "skill/competence")]
    SkillCompetence,
}

/// A skill concept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkillInput {
    /// Absolute URI; omitted on creation to have one minted under the base URL.
    #[serde(default)]
    pub uri: Option<String>,
    /// Code of the framework the skill belongs to.
    pub framework: String,
    /// Preferred label in Chinese.
    #[serde(default)]
    pub label_zh: Option<String>,
    /// Preferred label in English.
    #[serde(default)]
    pub label_en: Option<String>,
    /// Alternative labels in any language.
    #[serde(default)]
    pub alt_labels: Vec<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Knowledge or skill/competence.
    pub skill_type: SkillType,
    /// ESCO reuse level (`transversal`, `cross-sector`, `sector-specific`, `occupation-specific`).
    #[serde(default)]
    pub reuse_level: Option<String>,
    /// Lifecycle status, `released` unless told otherwise.
    #[serde(default = "default_status")]
    pub status: String,
}

fn default_status() -> String {
    "released".to_string()
}

impl SkillInput {
    /// Checks every field. A skill needs at least one preferred label.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        if let Some(uri) = &self.uri {
            e.check(is_absolute_iri(uri), "uri", "must be an absolute URI such as http://data.europa.eu/esco/skill/…");
        }
        check_code(&mut e, "framework", &self.framework);
        let zh = self.label_zh.as_deref().map(str::trim).unwrap_or("");
        let en = self.label_en.as_deref().map(str::trim).unwrap_or("");
        if zh.is_empty() && en.is_empty() {
            e.push("label_zh", "a skill needs a preferred label in Chinese or English");
        }
        check_opt_text(&mut e, "label_zh", self.label_zh.as_deref(), 300);
        check_opt_text(&mut e, "label_en", self.label_en.as_deref(), 300);
        for (i, alt) in self.alt_labels.iter().enumerate() {
            check_text(&mut e, &format!("alt_labels[{i}]"), alt, 300);
        }
        check_multiline_text(&mut e, "description", self.description.as_deref(), 10_000);
        if let Some(level) = &self.reuse_level {
            e.check(
                level.is_empty() || REUSE_LEVELS.contains(&level.as_str()),
                "reuse_level",
                format!("must be one of {}", REUSE_LEVELS.join(", ")),
            );
        }
        e.check(STATUSES.contains(&self.status.as_str()), "status", format!("must be one of {}", STATUSES.join(", ")));
        e.into_result()
    }
}

/// ESCO's reuse levels.
pub const REUSE_LEVELS: [&str; 4] = ["transversal", "cross-sector", "sector-specific", "occupation-specific"];
/// Concept statuses as ESCO uses them.
pub const STATUSES: [&str; 3] = ["released", "draft", "deprecated"];

/// Mints the URI of a local skill: `{base}/skills/{id}`.
pub fn mint_skill_uri(base_url: &str, id: &str) -> String {
    format!("{}/skills/{id}", base_url.trim_end_matches('/'))
}

/// How two skills relate. Directed: `from` *relation* `to`.
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
pub enum SkillRelationKind {
    /// `from` is narrower than `to` (ESCO broaderRelations).
    Broader,
    /// `to` must be learned before `from`.
    Prerequisite,
    /// Loosely related (ESCO skillSkillRelations).
    Related,
    /// The same concept in another framework (skos:exactMatch): full equivalence.
    ExactMatch,
    /// A close but not identical concept (skos:closeMatch): partial equivalence.
    CloseMatch,
}

/// A relation between two skills, by URI.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkillRelation {
    /// Source skill URI.
    pub from: String,
    /// Relation kind.
    pub kind: SkillRelationKind,
    /// Target skill URI.
    pub to: String,
}

impl SkillRelation {
    /// Checks both URIs and that a skill does not relate to itself.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        e.check(is_absolute_iri(&self.from), "from", "must be an absolute skill URI");
        e.check(is_absolute_iri(&self.to), "to", "must be an absolute skill URI");
        e.check(self.from != self.to, "to", "a skill cannot relate to itself");
        e.into_result()
    }
}
