//! Recognition suggestions (issue 10, part 2), shared by `GET
//! /api/v1/recognition-rules/suggestions` and `rongtong recognition suggest`.
//!
//! A target outcome (`course:{code}` or `standard:{occupation}:{level}`) is turned into
//! requirements by the matching crate, and every candidate source — the latest published
//! version of each course, each occupation's standard at each level — is ranked by how well
//! its skills at levels cover them ([`rongtong_matching::SkillsGraph::suggest_sources`], the
//! satisfaction rules of docs/MATCHING.md). For a standard, the sets of courses that cover it
//! together come from the learning-path planner ([`rongtong_matching::SkillsGraph::course_covers`]).
//! Nothing is stored: a reviewer turns a suggestion into a draft rule.
//!
//! The candidate set ([`SourceSet`]) is built once per snapshot, on the first request.

use std::sync::Arc;

use rongtong_catalog::recognition::MAX_OUTCOME_KEY;
use rongtong_catalog::{OutcomeKey, SkillLevel};
use rongtong_matching::{
    CourseCovers, Exclude, LearningPath, SUGGESTIONS, SkillNeed, SourceSet, SourceSetBuilder, SuggestTarget, Suggestion, Suggestions,
};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::error::{AppError, AppResult};
use crate::services::matching::snapshot::Snapshot;
use crate::services::matching::{Outcome, present};

/// Largest number of suggestions per answer.
pub const MAX_SUGGESTIONS: usize = 100;
/// A suggestion target: an outcome key as the rules use it ([`OutcomeKey`], whose parser is
/// the one place its syntax is defined), with one lookup convenience for people asking: a
/// standard's occupation may also be named by its URI or id (occupations imported from ESCO
/// have no 职业分类大典 code), and its level by number or in words (`三级`).
fn parse_target(raw: &str) -> Result<OutcomeKey, String> {
    let strict = match raw.parse::<OutcomeKey>() {
        Ok(key) => return Ok(key),
        Err(e) => e.0,
    };
    let relaxed = raw.strip_prefix("standard:").and_then(|rest| rest.rsplit_once(':')).and_then(|(occupation, level)| {
        let plain = !occupation.is_empty()
            && !occupation.contains(char::is_whitespace)
            && raw.chars().count() <= MAX_OUTCOME_KEY
            && rongtong_catalog::validate::forbidden_char(raw, false).is_none();
        let level = level.parse::<SkillLevel>().ok()?;
        plain.then(|| OutcomeKey::Standard { occupation: occupation.to_string(), level })
    });
    relaxed.ok_or_else(|| format!("`{raw}`: {strict}"))
}

/// Parameters of a suggestion request.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestParams {
    /// The target outcome: `course:{code}` (a published course) or
    /// `standard:{occupation_code}:{level}` (an occupation's standard at level 1 (一级,
    /// highest) to 5 (五级); the occupation may also be given by URI or id).
    pub target: Option<String>,
    /// How many ranked sources (default 20, at most 100).
    pub limit: Option<usize>,
}

/// What a suggestion request answers.
#[derive(Debug, Clone, Serialize)]
pub struct RecognitionSuggestions {
    /// The target's key, as resolved (a standard keyed by its code when it has one).
    pub target: String,
    /// The target's requirements: a course's taught skills at their levels, a standard's
    /// essential skills at its level.
    pub requirements: Vec<SkillNeed>,
    /// Sources judged (those holding a credit source of at least one requirement).
    pub candidates: usize,
    /// Of those, how many cover every requirement on their own.
    pub covering: usize,
    /// Ranked sources, best first (score, then key), each with one outcome per requirement.
    pub suggestions: Vec<Suggestion>,
    /// Standards only: sets of published courses that together cover the target (cheapest in
    /// hours, then in credits if different), each course with the requirements it closes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub course_sets: Option<Vec<LearningPath>>,
}

/// The key of a standard source: by code when the occupation has one, else by URI.
fn standard_key(snap: &Snapshot, uri: &str, level: SkillLevel) -> String {
    let occ = snap.occupation_codes.get(uri).map_or(uri, String::as_str);
    format!("standard:{occ}:{}", level.number())
}

/// The candidate sources of a snapshot, built on first use: the latest published version of
/// each course code (`course:{code}`, family = its provider) and every occupation's standard
/// at each level (family = the occupation).
pub fn source_set(snap: &Snapshot) -> AppResult<&SourceSet> {
    if let Some(s) = snap.sources.get() {
        return Ok(s.as_ref());
    }
    let mut b = SourceSetBuilder::new(&snap.graph);
    b.add_published_courses(|id| {
        let (code, _) = id.rsplit_once('@')?;
        (snap.course_by_code.get(code).map(String::as_str) == Some(id)).then(|| format!("course:{code}"))
    });
    b.add_standards(|uri, level| Some(standard_key(snap, uri, level)));
    let set = b.build().map_err(|e| AppError::Internal(format!("recognition sources: {e}")))?;
    // Another request may have won the race; either set is the same.
    Ok(snap.sources.get_or_init(|| Arc::new(set)).as_ref())
}

/// Ranks the sources for a target, with the course sets covering a standard.
pub fn suggest(snap: &Snapshot, p: &SuggestParams) -> AppResult<Outcome> {
    let limit = p.limit.unwrap_or(SUGGESTIONS);
    if limit == 0 || limit > MAX_SUGGESTIONS {
        return Err(AppError::invalid("limit", format!("limit must be between 1 and {MAX_SUGGESTIONS}")));
    }
    let raw = present(&p.target)
        .ok_or_else(|| AppError::bad_field("target", "target is required: course:{code} or standard:{occupation_code}:{level}"))?;
    let key = parse_target(raw).map_err(|e| AppError::invalid("target", e))?;
    let set = source_set(snap)?;
    let graph = &snap.graph;
    let query = |e| AppError::invalid("target", format!("{e}"));
    let result = match &key {
        OutcomeKey::Course { code } => {
            let k = key.to_string();
            let Some(id) = snap.course_by_code.get(code.as_str()).filter(|_| set.contains(&k)) else {
                return Err(AppError::invalid("target", format!("no published course {code}")));
            };
            let keys = [k.as_str()];
            let exclude = Exclude { keys: &keys, family: set.family(&k) };
            let s = graph.suggest_sources(set, SuggestTarget::Course(id), exclude, limit).map_err(query)?;
            answer(k, s, None)
        }
        OutcomeKey::Standard { occupation, level } => {
            let uri = snap
                .occupation(occupation)
                .ok_or_else(|| AppError::invalid("target", format!("no occupation {occupation} (give its code, URI or id)")))?;
            let exclude = Exclude { keys: &[], family: Some(uri) };
            let s = graph.suggest_sources(set, SuggestTarget::Standard(uri, *level), exclude, limit).map_err(query)?;
            let covers: CourseCovers = graph.course_covers(SuggestTarget::Standard(uri, *level)).map_err(query)?;
            answer(standard_key(snap, uri, *level), s, Some(covers.alternatives))
        }
        OutcomeKey::External { .. } => {
            return Err(AppError::invalid("target", "external achievements cannot be suggestion targets yet: use course:… or standard:…"));
        }
    };
    Ok(Outcome::Suggestions(result))
}

fn answer(target: String, s: Suggestions, course_sets: Option<Vec<LearningPath>>) -> RecognitionSuggestions {
    RecognitionSuggestions {
        target,
        requirements: s.requirements,
        candidates: s.candidates,
        covering: s.covering,
        suggestions: s.suggestions,
        course_sets,
    }
}

/// A label for an outcome key met in a result (`course:CODE` → the course's title,
/// `standard:X:L` → the occupation's name and level), for the answer's `labels`.
pub(crate) fn key_label(snap: &Snapshot, key: &str) -> Option<String> {
    match parse_target(key).ok()? {
        OutcomeKey::Course { code } => {
            let id = snap.course_by_code.get(&code)?;
            snap.labels.get(id).cloned()
        }
        OutcomeKey::Standard { occupation, level } => {
            let uri = snap.occupation(&occupation)?;
            let name = snap.labels.get(uri).cloned().unwrap_or_else(|| uri.to_string());
            Some(format!("{name} {}", level_words(level)))
        }
        OutcomeKey::External { .. } => None,
    }
}

/// `三级/高级工`: a level as people read it.
pub(crate) fn level_words(level: SkillLevel) -> &'static str {
    match level.number() {
        1 => "一级/高级技师",
        2 => "二级/技师",
        3 => "三级/高级工",
        4 => "四级/中级工",
        _ => "五级/初级工",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_refuse_what_they_should() {
        for k in
            ["course:ZNZZ-01", "standard:6-18-02-01:4", "standard:http://data.europa.eu/esco/occupation/x:3", "external:did:web:a.cn#b-1"]
        {
            let parsed = parse_target(k).unwrap_or_else(|e| panic!("{k}: {e}"));
            assert_eq!(parsed.to_string(), k);
        }
        assert_eq!(parse_target("standard:6-18-02-01:三级").map(|k| k.to_string()), Ok("standard:6-18-02-01:3".into()));
        for bad in
            ["", "course:", "course:a b", "standard:6-18", "standard:6-18:9", "standard::3", "external:x", "lesson:1", "course:a\u{0}"]
        {
            assert!(parse_target(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(parse_target(&format!("course:{}", "x".repeat(MAX_OUTCOME_KEY))).is_err());
        assert!(parse_target(&format!("standard:{}:3", "x".repeat(MAX_OUTCOME_KEY))).is_err());
    }
}
