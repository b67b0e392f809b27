//! Writing skills: the duplicate check that creating and changing a skill share.
//!
//! Within one framework, a skill whose label (Chinese, English or alternative) equals a label
//! of another skill once normalised (`rongtong_catalog::normalize_label`: NFKC, case, blanks
//! and punctuation) is the same skill entered twice, and is refused with a 409. A label that
//! is only *near* another (similarity ≥ `rongtong_catalog::NEAR_DUPLICATE_THRESHOLD`) may be a
//! different skill ("焊接" and "钎焊"), so the skill is stored and the candidates are returned
//! as warnings for a person to judge. The ESCO importer does not go through this check: an
//! ESCO skill is identified by its URI, and importing it again updates it.

use rongtong_catalog::{Likeness, SkillInput, compare_labels, skill_labels};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::models::catalog::{self as catalog_m, SkillView};

/// How many near-duplicate warnings a response carries at most (the most similar first).
pub const MAX_WARNINGS: usize = 10;

/// An existing skill of the same framework whose label is close to one of the new skill's.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DuplicateWarning {
    /// The existing skill's URI.
    pub existing_uri: String,
    /// The existing skill's label that is close.
    pub existing_label: String,
    /// The new or changed skill's label, as given.
    pub label: String,
    /// Similarity of the two labels in [0, 1) (normalised Levenshtein).
    pub similarity: f64,
}

/// A skill as written, with the near duplicates found in its framework.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SkillWritten {
    /// The skill, exactly as `GET /skills/{id}` shows it.
    #[serde(flatten)]
    pub skill: SkillView,
    /// Skills of the same framework with a similar label, most similar first (at most 10);
    /// absent when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<DuplicateWarning>,
}

/// The input field a label came from, for the 409's `field`.
fn field_of(input: &SkillInput, label: &str) -> &'static str {
    if input.label_zh.as_deref() == Some(label) {
        "label_zh"
    } else if input.label_en.as_deref() == Some(label) {
        "label_en"
    } else {
        "alt_labels"
    }
}

/// Compares `input`'s labels with those of every other skill of framework `framework_id`
/// (`except_id`: the skill being changed).
///
/// # Returns
/// The near duplicates, most similar first, at most [`MAX_WARNINGS`]; or a 409 naming the
/// field, the existing skill's URI and its label when a label is an exact duplicate.
///
/// # Complexity
/// One query for the framework's labels, then O(s) label comparisons for s skills.
pub fn check_duplicates(
    conn: &mut DbConnection,
    framework_id: &str,
    input: &SkillInput,
    except_id: Option<&str>,
) -> AppResult<Vec<DuplicateWarning>> {
    let existing = catalog_m::framework_skill_labels(conn, framework_id)?;
    let mut warnings = Vec::new();
    for skill in existing.iter().filter(|s| Some(s.id.as_str()) != except_id) {
        let Some(m) = compare_labels(skill_labels(input), skill.labels()) else { continue };
        match m.likeness {
            Likeness::Exact => {
                return Err(AppError::conflict(
                    field_of(input, &m.label),
                    format!(
                        "`{}` is already a label of skill {} (`{}`) in framework {}; change that skill (PUT /api/v1/skills/{}) instead of adding it again",
                        m.label, skill.uri, m.existing_label, input.framework, skill.id
                    ),
                ));
            }
            Likeness::Near => warnings.push(DuplicateWarning {
                existing_uri: skill.uri.clone(),
                existing_label: m.existing_label,
                label: m.label,
                similarity: m.similarity,
            }),
        }
    }
    warnings.sort_by(|a, b| b.similarity.total_cmp(&a.similarity).then_with(|| a.existing_uri.cmp(&b.existing_uri)));
    warnings.truncate(MAX_WARNINGS);
    Ok(warnings)
}
