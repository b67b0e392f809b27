//! Skill cells (`SKILL@LEVEL;SKILL@LEVEL`) and how their labels become URIs.
//!
//! Spreadsheet authors write skills by name (`铸造工艺@3`), the catalog stores them by URI.
//! The mapping needs the skills table, which lives in the registry's database, so it goes
//! through the [`SkillResolver`] trait; [`SkillIndex`] is the in-memory implementation the
//! registry fills once per import (one `SELECT uri, label_zh, label_en FROM skills`), which keeps
//! resolution a hash lookup and the import fast.
//!
//! # Cell grammar
//! A cell is a list separated by `;` or `；` (blanks around items are ignored). Each item is
//!
//! * `SKILL@LEVEL` in every skills column, or
//! * `SKILL@LEVEL@WEIGHT` in a course's `skills` column, where WEIGHT is the skill's share of
//!   the course in (0, 1]; omitted means 1.
//!
//! SKILL is a known skill URI or an exact preferred label (Chinese or English); LEVEL is `1`–`5`
//! or a Chinese level name (`三级`, `高级工`, see [`SkillLevel`]'s `FromStr`). The item is split
//! at its *last* `@` (or last two, when the tail reads as `LEVEL@WEIGHT`), so a SKILL that
//! itself contains `@` still works.

use std::collections::HashMap;

use crate::{SkillInput, SkillLevel};

/// What a skill reference (URI or label) resolved to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Resolution {
    /// Exactly one skill: its URI.
    Found(String),
    /// No skill has this URI or preferred label.
    NotFound,
    /// Several skills share this label; the candidates' URIs, so the user can pick one.
    Ambiguous(Vec<String>),
}

/// Turns the SKILL part of a cell into a skill URI.
///
/// A trait rather than a concrete map so that the registry may back it with whatever it likes
/// (an in-memory [`SkillIndex`] is recommended: the importer calls `resolve` once per skill
/// per row, so a database round trip per call would dominate a 100 000-row import).
pub trait SkillResolver {
    /// Resolves a trimmed, non-empty reference: a URI (known skills only) or an exact
    /// preferred label.
    fn resolve(&self, reference: &str) -> Resolution;
}

impl<T: SkillResolver + ?Sized> SkillResolver for &T {
    fn resolve(&self, reference: &str) -> Resolution {
        (**self).resolve(reference)
    }
}

/// An in-memory [`SkillResolver`] built from `(uri, label_zh, label_en)` triples.
///
/// Labels match exactly after trimming (no case folding: `CAD` and `cad` may be different
/// skills, and Chinese has no case); a URI matches itself only when it was inserted, so a
/// mistyped URI is reported instead of being stored as a dangling reference. A label shared by
/// several skills is [`Resolution::Ambiguous`], never a guess.
///
/// ```
/// use rongtong_catalog::csvio::{Resolution, SkillIndex, SkillResolver};
/// let mut index = SkillIndex::new();
/// index.insert("http://data.europa.eu/esco/skill/e17d2415", Some("铸造工艺"), Some("casting processes"));
/// assert_eq!(index.resolve("铸造工艺"), Resolution::Found("http://data.europa.eu/esco/skill/e17d2415".into()));
/// assert_eq!(index.resolve("http://data.europa.eu/esco/skill/nope"), Resolution::NotFound);
/// ```
#[derive(Debug, Clone, Default)]
pub struct SkillIndex {
    uris: Vec<String>,
    by_uri: HashMap<String, u32>,
    by_label: HashMap<String, Vec<u32>>,
}

impl SkillIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a skill, or more labels for a skill already present. Blank labels are ignored.
    pub fn insert(&mut self, uri: impl Into<String>, label_zh: Option<&str>, label_en: Option<&str>) {
        let uri = uri.into();
        let id = match self.by_uri.get(&uri) {
            Some(&id) => id,
            None => {
                let id = u32::try_from(self.uris.len()).unwrap_or(u32::MAX);
                self.by_uri.insert(uri.clone(), id);
                self.uris.push(uri);
                id
            }
        };
        for label in [label_zh, label_en].into_iter().flatten() {
            let label = label.trim();
            if label.is_empty() {
                continue;
            }
            let ids = self.by_label.entry(label.to_string()).or_default();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }

    /// Builds an index from skills about to be imported (e.g. an [`EscoBundle`](super::EscoBundle)),
    /// skipping those without a URI since nothing could refer to them.
    pub fn from_skills<'a>(skills: impl IntoIterator<Item = &'a SkillInput>) -> Self {
        let mut index = Self::new();
        for s in skills {
            if let Some(uri) = &s.uri {
                index.insert(uri.clone(), s.label_zh.as_deref(), s.label_en.as_deref());
            }
        }
        index
    }

    /// Number of distinct skills.
    pub fn len(&self) -> usize {
        self.uris.len()
    }

    /// True when no skill was inserted.
    pub fn is_empty(&self) -> bool {
        self.uris.is_empty()
    }
}

impl<U: Into<String>, Z: AsRef<str>, E: AsRef<str>> FromIterator<(U, Option<Z>, Option<E>)> for SkillIndex {
    fn from_iter<I: IntoIterator<Item = (U, Option<Z>, Option<E>)>>(iter: I) -> Self {
        let mut index = Self::new();
        for (uri, zh, en) in iter {
            index.insert(uri, zh.as_ref().map(AsRef::as_ref), en.as_ref().map(AsRef::as_ref));
        }
        index
    }
}

impl SkillResolver for SkillIndex {
    fn resolve(&self, reference: &str) -> Resolution {
        let reference = reference.trim();
        if self.by_uri.contains_key(reference) {
            return Resolution::Found(reference.to_string());
        }
        match self.by_label.get(reference).map(Vec::as_slice) {
            None | Some([]) => Resolution::NotFound,
            Some([id]) => Resolution::Found(self.uris[*id as usize].clone()),
            Some(ids) => {
                let mut uris: Vec<String> = ids.iter().map(|&id| self.uris[id as usize].clone()).collect();
                uris.sort();
                Resolution::Ambiguous(uris)
            }
        }
    }
}

/// One resolved item of a skills cell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SkillItem {
    pub uri: String,
    pub level: SkillLevel,
    /// `Some` only when written (`SKILL@LEVEL@WEIGHT`).
    pub weight: Option<f64>,
    /// 1-based position of the item in the cell, so later errors can name it even when
    /// earlier items were dropped.
    pub position: usize,
}

/// Parses a skills cell; every bad item is passed to `on_error` (with the item quoted) and
/// left out, the good ones are returned in order.
pub(crate) fn parse_skill_cell<R: SkillResolver + ?Sized>(
    cell: &str,
    allow_weight: bool,
    resolver: &R,
    mut on_error: impl FnMut(String),
) -> Vec<SkillItem> {
    let mut items = Vec::new();
    for (n, item) in super::split_list(cell).enumerate() {
        let Some((head, last)) = item.rsplit_once('@') else {
            let example = if allow_weight { "SKILL@LEVEL or SKILL@LEVEL@WEIGHT" } else { "SKILL@LEVEL" };
            on_error(format!("`{item}`: expected {example}, e.g. 铸造工艺@3"));
            continue;
        };
        let weighted = head
            .rsplit_once('@')
            .filter(|(_, lvl)| lvl.parse::<SkillLevel>().is_ok())
            .and_then(|(skill, lvl)| last.trim().parse::<f64>().ok().map(|w| (skill, lvl, w)));
        if weighted.is_some() && !allow_weight {
            on_error(format!("`{item}`: a weight (@WEIGHT) is only allowed for course skills; write SKILL@LEVEL"));
            continue;
        }
        let (skill, level_text, weight) = match weighted {
            Some((skill, lvl, w)) => (skill.trim(), lvl, Some(w)),
            None => (head.trim(), last, None),
        };
        let level = match level_text.parse::<SkillLevel>() {
            Ok(level) => Some(level),
            Err(e) => {
                on_error(format!("`{item}`: {e}"));
                None
            }
        };
        if skill.is_empty() {
            on_error(format!("`{item}`: the skill before `@` is empty"));
            continue;
        }
        let uri = match resolver.resolve(skill) {
            Resolution::Found(uri) => Some(uri),
            Resolution::NotFound => {
                on_error(format!("`{item}`: unknown skill `{skill}`: use a known skill URI or its exact preferred label"));
                None
            }
            Resolution::Ambiguous(candidates) => {
                on_error(format!(
                    "`{item}`: the label `{skill}` matches {} skills ({}); write the URI instead",
                    candidates.len(),
                    candidates.join(", ")
                ));
                None
            }
        };
        if let (Some(uri), Some(level)) = (uri, level) {
            items.push(SkillItem { uri, level, weight, position: n + 1 });
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> SkillIndex {
        [
            ("http://x/s/1", Some("铸造工艺"), Some("casting processes")),
            ("http://x/s/2", Some("熔炼"), Some("smelting")),
            ("http://x/s/3", Some("熔炼"), None),
            ("http://x/s/4", Some("same"), Some("same")),
        ]
        .into_iter()
        .collect()
    }

    fn parse(cell: &str, weight: bool) -> (Vec<SkillItem>, Vec<String>) {
        let mut errors = Vec::new();
        let items = parse_skill_cell(cell, weight, &index(), |e| errors.push(e));
        (items, errors)
    }

    #[test]
    fn resolves_uris_and_labels_in_both_languages() {
        let idx = index();
        assert_eq!(idx.resolve("http://x/s/2"), Resolution::Found("http://x/s/2".into()));
        assert_eq!(idx.resolve(" casting processes "), Resolution::Found("http://x/s/1".into()));
        assert_eq!(idx.resolve("铸造工艺"), Resolution::Found("http://x/s/1".into()));
        assert_eq!(idx.resolve("Casting processes"), Resolution::NotFound, "labels are case-sensitive");
        assert_eq!(idx.resolve("http://x/s/9"), Resolution::NotFound, "unknown URIs are not trusted");
        assert_eq!(idx.resolve("same"), Resolution::Found("http://x/s/4".into()), "one skill with equal zh/en labels");
        assert_eq!(idx.resolve("熔炼"), Resolution::Ambiguous(vec!["http://x/s/2".into(), "http://x/s/3".into()]));
        assert_eq!(idx.len(), 4);
    }

    #[test]
    fn parses_levels_weights_and_both_separators() {
        let (items, errors) = parse("铸造工艺@三级；http://x/s/2@2@0.5; ", true);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            items,
            vec![
                SkillItem { uri: "http://x/s/1".into(), level: SkillLevel::L3, weight: None, position: 1 },
                SkillItem { uri: "http://x/s/2".into(), level: SkillLevel::L2, weight: Some(0.5), position: 2 },
            ]
        );
    }

    #[test]
    fn weight_is_not_accepted_where_not_allowed() {
        let (items, errors) = parse("http://x/s/2@2@0.5", false);
        assert!(items.is_empty());
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("a weight (@WEIGHT) is only allowed for course skills"), "{errors:?}");
    }

    #[test]
    fn every_bad_item_is_reported() {
        let (items, errors) = parse("铸造工艺; 熔炼@3; nothing@3; 铸造工艺@9; @3; smelting@4", true);
        assert_eq!(items, vec![SkillItem { uri: "http://x/s/2".into(), level: SkillLevel::L4, weight: None, position: 6 }]);
        assert_eq!(errors.len(), 5, "{errors:?}");
        assert!(errors[0].contains("expected SKILL@LEVEL"));
        assert!(errors[1].contains("matches 2 skills (http://x/s/2, http://x/s/3)"));
        assert!(errors[2].contains("unknown skill `nothing`"));
        assert!(errors[3].contains("`9` is not a skill level"));
        assert!(errors[4].contains("empty"));
    }
}
