//! Near-duplicate skills: is a new skill the same as one already in the framework?
//!
//! Two people adding "PLC 编程" and "ＰＬＣ编程" to one framework create two skills that every
//! match then treats as unrelated. The registry refuses an **exact duplicate** (the same
//! label once normalised, see [`normalize_label`]) within a framework with a 409, and
//! returns **near duplicates** (similarity ≥ [`NEAR_DUPLICATE_THRESHOLD`]) as warnings for a
//! person to judge, since "焊接" and "钎焊" look alike and are different skills.
//!
//! Pure functions over labels: the registry fetches the candidates (the framework's skills),
//! this module judges them.

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::SkillInput;

/// Similarity (normalised Levenshtein over characters, in [0, 1]) from which two labels
/// are reported as near duplicates: at most one edit per five characters. For a five-
/// character Chinese label that is one character changed (浇注金属液 / 浇铸金属液); for
/// English, a plural or a British spelling (moulds / molds). Shorter labels would need a
/// *smaller* threshold to catch one changed character, but that would flag most pairs of
/// two-character Chinese skills, which are usually distinct; those are left to exact
/// matching.
pub const NEAR_DUPLICATE_THRESHOLD: f64 = 0.8;

/// A label folded for comparison: Unicode NFKC (so full-width `ＰＬＣ１` is `PLC1` and
/// composed and decomposed accents agree), lower case, and only letters and digits kept
/// (white space, punctuation and symbols such as `·`, `（）`, `-`, `/` are dropped).
///
/// ```
/// use rongtong_catalog::normalize_label;
/// assert_eq!(normalize_label(" ＰＬＣ 编程（基础） "), "plc编程基础");
/// assert_eq!(normalize_label("Operate a fork-lift"), "operateaforklift");
/// ```
pub fn normalize_label(label: &str) -> String {
    label.nfkc().flat_map(char::to_lowercase).filter(|c| c.is_alphanumeric()).collect()
}

/// The similarity of two labels in [0, 1] after [`normalize_label`]: 1 for the same
/// normalised label, 0 when either is empty after normalisation.
pub fn label_similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (normalize_label(a), normalize_label(b));
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    strsim::normalized_levenshtein(&a, &b)
}

/// How alike two skills' labels are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Likeness {
    /// A label of one equals a label of the other once normalised: the registry refuses it
    /// within one framework (409).
    Exact,
    /// Some pair of labels is at least [`NEAR_DUPLICATE_THRESHOLD`] similar: a warning.
    Near,
}

/// Why two skills look alike: the closest pair of labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelMatch {
    /// Exact or near.
    pub likeness: Likeness,
    /// The new skill's label, as given.
    pub label: String,
    /// The existing skill's label, as stored.
    pub existing_label: String,
    /// Similarity of the two, in [0, 1] (1 for an exact duplicate).
    pub similarity: f64,
}

/// Compares every label of a new skill with every label of an existing one (preferred
/// Chinese and English, and alternative labels: a new preferred label that is an old
/// alternative label is the same skill) and reports the closest pair if it is an exact or
/// near duplicate.
///
/// # Arguments
/// * `new`, `existing`: labels of the two skills (use [`skill_labels`] for a
///   [`SkillInput`]); blank labels are ignored.
///
/// # Returns
/// `None` when no pair reaches [`NEAR_DUPLICATE_THRESHOLD`]; otherwise the exact match if
/// there is one, else the most similar pair (ties: the first in the order given).
///
/// # Complexity
/// O(a · b · m · n) for a and b labels of lengths up to m and n: a skill has a handful of
/// labels, so checking one new skill against a framework of s skills is O(s) comparisons.
///
/// # Example
/// ```
/// use rongtong_catalog::{Likeness, compare_labels};
/// let m = compare_labels(["PLC编程"], ["ＰＬＣ 编程", "PLC programming"]).unwrap();
/// assert_eq!(m.likeness, Likeness::Exact);
/// let m = compare_labels(["manage casting moulds"], ["manage casting molds"]).unwrap();
/// assert_eq!(m.likeness, Likeness::Near);
/// assert!(compare_labels(["焊接"], ["钎焊"]).is_none());
/// ```
pub fn compare_labels<'a, 'b>(
    new: impl IntoIterator<Item = &'a str>,
    existing: impl IntoIterator<Item = &'b str> + Clone,
) -> Option<LabelMatch> {
    let mut best: Option<LabelMatch> = None;
    for a in new {
        let na = normalize_label(a);
        if na.is_empty() {
            continue;
        }
        for b in existing.clone() {
            let nb = normalize_label(b);
            if nb.is_empty() {
                continue;
            }
            let (likeness, similarity) = if na == nb {
                (Likeness::Exact, 1.0)
            } else {
                let s = strsim::normalized_levenshtein(&na, &nb);
                if s < NEAR_DUPLICATE_THRESHOLD {
                    continue;
                }
                (Likeness::Near, s)
            };
            if likeness == Likeness::Exact {
                return Some(LabelMatch { likeness, label: a.to_string(), existing_label: b.to_string(), similarity });
            }
            if best.as_ref().is_none_or(|m| similarity > m.similarity) {
                best = Some(LabelMatch { likeness, label: a.to_string(), existing_label: b.to_string(), similarity });
            }
        }
    }
    best
}

/// A skill's labels for [`compare_labels`]: preferred Chinese, preferred English, then the
/// alternative labels.
pub fn skill_labels(skill: &SkillInput) -> impl Iterator<Item = &str> + Clone {
    skill.label_zh.iter().chain(skill.label_en.iter()).chain(skill.alt_labels.iter()).map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SkillType;

    fn skill(zh: &str, en: &str, alt: &[&str]) -> SkillInput {
        SkillInput {
            uri: None,
            framework: "gb".into(),
            label_zh: Some(zh.into()).filter(|s: &String| !s.is_empty()),
            label_en: Some(en.into()).filter(|s: &String| !s.is_empty()),
            alt_labels: alt.iter().map(|s| s.to_string()).collect(),
            description: None,
            skill_type: SkillType::SkillCompetence,
            reuse_level: None,
            status: "released".into(),
        }
    }

    #[test]
    fn normalisation() {
        assert_eq!(normalize_label("工业机器人 · 编程"), "工业机器人编程");
        assert_eq!(normalize_label("ＣＮＣ　加工"), "cnc加工"); // full-width letters and ideographic space
        assert_eq!(normalize_label("Café"), normalize_label("Cafe\u{301}"));
        assert_eq!(normalize_label("—— ，。"), "");
    }

    #[test]
    fn exact_duplicates_in_chinese_and_english() {
        let old = skill("浇注金属液", "pour molten metal into moulds", &["浇注"]);
        for (zh, en, alt) in [
            ("浇注 金属液", "", &[][..]),
            ("", "Pour molten metal into moulds.", &[][..]),
            ("铸造浇注", "", &["浇注"][..]), // a new alternative label equal to an old one
        ] {
            let new = skill(zh, en, alt);
            let m = compare_labels(skill_labels(&new), skill_labels(&old)).unwrap();
            assert_eq!(m.likeness, Likeness::Exact, "{zh}/{en}");
            assert_eq!(m.similarity, 1.0);
        }
    }

    #[test]
    fn near_duplicates() {
        let old = skill("浇注金属液", "pour molten metal into moulds", &[]);
        let m = compare_labels(["浇铸金属液"], skill_labels(&old)).unwrap();
        assert_eq!((m.likeness, m.existing_label.as_str()), (Likeness::Near, "浇注金属液"));
        let m = compare_labels(["pour molten metal into molds"], skill_labels(&old)).unwrap();
        assert_eq!(m.likeness, Likeness::Near);
        assert!(m.similarity >= NEAR_DUPLICATE_THRESHOLD && m.similarity < 1.0);
    }

    #[test]
    fn distinct_skills_are_not_flagged() {
        for (a, b) in [("焊接", "钎焊"), ("PLC编程", "数控编程"), ("operate forklift", "operate crane"), ("熔炼", "")] {
            assert!(compare_labels([a], [b]).is_none(), "{a} / {b}");
        }
        assert_eq!(label_similarity("", "焊接"), 0.0);
        assert_eq!(label_similarity("ＰＬＣ", "plc"), 1.0);
    }
}
