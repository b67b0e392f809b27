//! 差距与学习路径: the learner picks a target — an occupation (职业) or a published demand
//! position (岗位) — and sees what they already meet (and by which evidence), what is missing
//! or held too low, and the smallest set of published courses that closes the gap, in order,
//! each with the skills it closes and why it is there.
//!
//! The same matching operations as `GET /api/v1/matching/gap` and `/path`
//! (`services::matching::{authorize, gap, path}`) on the same snapshot; the same errors,
//! shown beside the target fields.

use std::collections::{BTreeSet, HashSet};

use askama::Template;
use axum::Json;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rongtong_catalog::{RequirementKind, SkillLevel};
use rongtong_matching::{EvidenceKind, LearnerGap, LearningPath, PathMethod, RequirementOutcome, Status, Unclosable, Via};
use serde::{Deserialize, Serialize};

use super::{learner, level_name, num, tr};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::pages::ctx::{Ctx, PageResult, render};
use crate::pages::i18n::Lang;
use crate::pages::layout::{Chrome, FieldErrors};
use crate::services::matching::snapshot::Snapshot;
use crate::services::matching::{self as svc, LearnerParams, Op, Outcome, present};

/// Most occupations listed in the page's own picker (the rest are found by typing).
const LISTED_OCCUPATIONS: usize = 500;
/// Most suggestions per keystroke.
const SUGGESTIONS: usize = 20;

/// The target chosen.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct GapQuery {
    /// An occupation: its 职业分类大典 code, URI or id.
    #[serde(default)]
    occupation: Option<String>,
    /// A published demand position (item id).
    #[serde(default)]
    demand_item: Option<String>,
    /// Minimise `hours` (default) or `credits`.
    #[serde(default)]
    cost: Option<String>,
}

/// One choice in a picker.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Choice {
    /// What the form sends.
    pub(crate) value: String,
    /// What people read.
    pub(crate) label: String,
}

/// The targets a learner can pick: published positions and occupations.
fn positions(snap: &Snapshot) -> Vec<Choice> {
    let mut out: Vec<Choice> = snap
        .items
        .iter()
        .filter(|(_, item)| snap.lists.get(&item.list_id).is_some_and(|l| l.status == "published"))
        .map(|(id, item)| Choice { value: id.clone(), label: snap.labels.get(id).cloned().unwrap_or_else(|| item.position.clone()) })
        .collect();
    out.sort_by(|a, b| a.label.cmp(&b.label).then_with(|| a.value.cmp(&b.value)));
    out
}

/// Every occupation once, by code (those without one last), with `matches` deciding which.
fn occupations(snap: &Snapshot, matches: impl Fn(&Choice) -> bool, limit: usize) -> Vec<Choice> {
    let uris: BTreeSet<&String> = snap.occupations.values().collect::<HashSet<_>>().into_iter().collect();
    let mut out: Vec<(bool, Choice)> = uris
        .into_iter()
        .map(|uri| {
            let name = snap.labels.get(uri).cloned().unwrap_or_else(|| uri.clone());
            match snap.occupation_codes.get(uri) {
                Some(code) => (false, Choice { value: code.clone(), label: format!("{name} ({code})") }),
                None => (true, Choice { value: uri.clone(), label: name }),
            }
        })
        .filter(|(_, c)| matches(c))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.value.cmp(&b.1.value)));
    out.into_iter().take(limit).map(|(_, c)| c).collect()
}

/// A requirement, met or not, as the page explains it.
#[derive(Debug, Clone)]
pub(crate) struct ReqRow {
    /// The skill's name.
    pub(crate) skill: String,
    /// Essential (必备) or optional.
    pub(crate) essential: bool,
    /// The level required.
    pub(crate) level: &'static str,
    /// Message key: met, partly met, missing.
    pub(crate) status_key: &'static str,
    /// Badge class.
    pub(crate) status_class: &'static str,
    /// The level held, when it is held too low.
    pub(crate) held: Option<&'static str>,
    /// How what is held relates to the requirement (message key), when not the skill itself.
    pub(crate) via_key: Option<&'static str>,
    /// The skill actually held, when it is another one.
    pub(crate) via_skill: Option<String>,
    /// What kind of record proves it (message key), when it is met by one.
    pub(crate) evidence_key: Option<&'static str>,
    /// What proves it: the record's own words (course, date, result; occupation, level).
    pub(crate) evidence: Option<String>,
}

/// One course of the path.
#[derive(Debug, Clone)]
pub(crate) struct StepRow {
    /// Position (from 1).
    pub(crate) n: usize,
    /// The course's name.
    pub(crate) course: String,
    /// `CODE@VERSION`.
    pub(crate) id: String,
    /// Hours.
    pub(crate) hours: String,
    /// Credits.
    pub(crate) credits: String,
    /// The gap skills it closes, with the level.
    pub(crate) closes: Vec<String>,
    /// Its prerequisites (earlier in the path or done).
    pub(crate) prerequisites: Vec<String>,
    /// The later courses that need it (when it is here only as a prerequisite).
    pub(crate) required_by: Vec<String>,
}

/// A gap skill no course closes.
#[derive(Debug, Clone)]
pub(crate) struct OpenRow {
    /// The skill's name and level.
    pub(crate) skill: String,
    /// Message key of the reason.
    pub(crate) reason_key: &'static str,
    /// The detail: the best level taught, or the course concerned.
    pub(crate) detail: String,
}

/// The answer for one target.
#[derive(Debug, Clone)]
pub(crate) struct GapResult {
    /// The target's name.
    pub(crate) target: String,
    /// Every essential requirement met.
    pub(crate) qualifies: bool,
    pub(crate) essential_met: usize,
    pub(crate) essential_total: usize,
    pub(crate) optional_met: usize,
    pub(crate) optional_total: usize,
    /// Requirements not met, essential first.
    pub(crate) missing: Vec<ReqRow>,
    /// Requirements met.
    pub(crate) met: Vec<ReqRow>,
    /// The path, in order.
    pub(crate) steps: Vec<StepRow>,
    /// What no course closes.
    pub(crate) open: Vec<OpenRow>,
    pub(crate) total_hours: String,
    pub(crate) total_credits: String,
    /// Message key: the path is optimal, or near-optimal.
    pub(crate) method_key: &'static str,
}

/// The detail of a learner's evidence note (`completion {id}: ZNZZ-02@2026.1 2026-06-30 合格`):
/// what follows the record's kind and id, which the page names itself.
fn evidence_detail(note: &str) -> String {
    note.split_once(": ").map_or(note, |(_, detail)| detail).to_string()
}

struct Labeller<'a> {
    snap: &'a Snapshot,
    lang: Lang,
}

impl Labeller<'_> {
    fn name(&self, key: &str) -> String {
        self.snap.labels.get(key).cloned().unwrap_or_else(|| key.to_string())
    }

    fn need(&self, skill: &str, level: SkillLevel) -> String {
        format!("{} · {}", self.name(skill), level_name(self.lang, level))
    }

    fn requirement(&self, r: &RequirementOutcome) -> ReqRow {
        let (status_key, status_class) = match r.status {
            Status::Met => (tr("learner.gap.status.met"), "ok"),
            Status::Partial => (tr("learner.gap.status.partial"), "warn"),
            Status::Missing => (tr("learner.gap.status.missing"), "bad"),
        };
        let m = r.matched.as_ref();
        let via_key = m.and_then(|e| match e.via {
            Via::Direct => None,
            Via::ExactMatch => Some(tr("learner.gap.via.exact_match")),
            Via::Narrower => Some(tr("learner.gap.via.narrower")),
            Via::CloseMatch => Some(tr("learner.gap.via.close_match")),
            Via::Related => Some(tr("learner.gap.via.related")),
        });
        ReqRow {
            skill: self.name(&r.skill),
            essential: r.kind == RequirementKind::Essential,
            level: level_name(self.lang, r.min_level),
            status_key,
            status_class,
            held: r.shortfall.as_ref().map(|s| level_name(self.lang, s.held)),
            via_skill: m.filter(|e| e.skill != r.skill).map(|e| self.name(&e.skill)),
            via_key,
            evidence_key: m.and_then(|e| e.kind).map(|k| match k {
                EvidenceKind::SkillCertificate => tr("learner.gap.evidence.skill_certificate"),
                EvidenceKind::TrainingCertificate => tr("learner.gap.evidence.training_certificate"),
                EvidenceKind::Recognition => tr("learner.gap.evidence.recognition"),
                EvidenceKind::Completion => tr("learner.gap.evidence.completion"),
            }),
            evidence: m.and_then(|e| e.evidence.as_deref()).map(evidence_detail),
        }
    }

    fn result(&self, target: String, gap: LearnerGap, path: LearningPath) -> GapResult {
        let steps = path
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| StepRow {
                n: i + 1,
                course: self.name(&s.course),
                id: s.course.clone(),
                hours: num(s.hours),
                credits: num(s.credits),
                closes: s.closes.iter().map(|n| self.need(&n.skill, n.level)).collect(),
                prerequisites: s.prerequisites.iter().map(|c| self.name(c)).collect(),
                required_by: s.required_by.iter().map(|c| self.name(c)).collect(),
            })
            .collect();
        let open = path
            .unclosable
            .iter()
            .map(|u| match u {
                Unclosable::NotTaught { skill, level } => {
                    OpenRow { skill: self.need(skill, *level), reason_key: tr("learner.gap.open.not_taught"), detail: String::new() }
                }
                Unclosable::OnlyBelowLevel { skill, level, best_taught } => OpenRow {
                    skill: self.need(skill, *level),
                    reason_key: tr("learner.gap.open.below_level"),
                    detail: level_name(self.lang, *best_taught).to_string(),
                },
                Unclosable::PrerequisitesUnavailable { skill, level, course } => {
                    OpenRow { skill: self.need(skill, *level), reason_key: tr("learner.gap.open.prerequisites"), detail: self.name(course) }
                }
                Unclosable::AlreadyCompleted { skill, level, course } => {
                    OpenRow { skill: self.need(skill, *level), reason_key: tr("learner.gap.open.completed"), detail: self.name(course) }
                }
            })
            .collect();
        GapResult {
            target,
            qualifies: gap.qualifies,
            essential_met: gap.essential_met,
            essential_total: gap.essential_total,
            optional_met: gap.optional_met,
            optional_total: gap.optional_total,
            missing: gap.missing.iter().map(|r| self.requirement(r)).collect(),
            met: gap.met.iter().map(|r| self.requirement(r)).collect(),
            steps,
            open,
            total_hours: num(path.total_hours),
            total_credits: num(path.total_credits),
            method_key: match path.method {
                PathMethod::Exact => tr("learner.gap.method.exact"),
                PathMethod::Heuristic => tr("learner.gap.method.heuristic"),
            },
        }
    }
}

/// 差距与学习路径.
#[derive(Template)]
#[template(path = "web/learner/gap.html")]
pub struct GapPage {
    c: Chrome,
    positions: Vec<Choice>,
    occupations: Vec<Choice>,
    /// What was asked.
    occupation: String,
    demand_item: String,
    cost: String,
    errors: FieldErrors,
    result: Option<GapResult>,
}

impl GapPage {
    /// True when the position `id` is the one chosen.
    fn chosen(&self, id: &str) -> bool {
        self.demand_item == id
    }
}

/// Runs gap and path for the learner on the snapshot, as the JSON routes do.
fn compute(snap: &Snapshot, caller: &crate::auth::Caller, lang: Lang, params: &LearnerParams) -> AppResult<GapResult> {
    svc::authorize(Some(caller), snap, Op::Learner(params))?;
    let (Outcome::Gap(gap), Outcome::Path(path)) = (svc::gap(snap, params)?, svc::path(snap, params)?) else {
        return Err(AppError::Internal("matching answered another operation".into()));
    };
    let target = match (present(&params.demand_item), present(&params.occupation)) {
        (Some(item), _) => snap.labels.get(item).cloned().unwrap_or_else(|| item.to_string()),
        (None, Some(o)) => {
            snap.occupation(o).map(|uri| snap.labels.get(uri).cloned().unwrap_or_else(|| uri.to_string())).unwrap_or_default()
        }
        (None, None) => String::new(),
    };
    Ok(Labeller { snap, lang }.result(target, gap, path))
}

/// `GET /my/gap?occupation=…|demand_item=…&cost=hours|credits`: pick a target; with one,
/// the gap to it and the suggested course path with reasons. A target that does not exist
/// comes back beside its field (422).
pub async fn find_gap(state: AppState, ctx: Ctx, Query(q): Query<GapQuery>) -> PageResult<Response> {
    let p = learner(&ctx)?;
    let current = state.matching.get(&state.db).await?;
    let caller = ctx.caller();
    let lang = ctx.lang;
    let params = LearnerParams {
        learner: Some(p.username.clone()),
        demand_item: present(&q.demand_item).map(str::to_string),
        occupation: present(&q.occupation).map(str::to_string),
        cost: present(&q.cost).map(str::to_string),
        essential_only: false,
    };
    let asked = params.demand_item.is_some() || params.occupation.is_some();
    let (positions, occupations, outcome) = tokio::task::spawn_blocking(move || {
        let snap: &Snapshot = &current.snapshot;
        let outcome = asked.then(|| compute(snap, &caller, lang, &params));
        (positions(snap), occupations(snap, |_| true, LISTED_OCCUPATIONS), outcome)
    })
    .await
    .map_err(|e| AppError::Internal(format!("matching task: {e}")))?;
    let (result, errors) = match outcome {
        None => (None, FieldErrors::none()),
        Some(Ok(r)) => (Some(r), FieldErrors::none()),
        Some(Err(e)) => (None, FieldErrors::from_error(&e).ok_or(e)?),
    };
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = GapPage {
        c: Chrome::new(&ctx, tr("learner.gap.title")),
        positions,
        occupations,
        occupation: q.occupation.unwrap_or_default(),
        demand_item: q.demand_item.unwrap_or_default(),
        cost: q.cost.unwrap_or_default(),
        errors,
        result,
    };
    Ok((status, render(&page)?).into_response())
}

/// `?q=`.
#[derive(Debug, Default, Deserialize)]
pub struct SuggestQuery {
    /// Text in the occupation's name or code.
    #[serde(default)]
    q: Option<String>,
}

/// `GET /my/gap/occupations?q=`: up to 20 occupations whose name or code contains the text,
/// as `[{value, label}]` for the target picker's suggestions (`data-suggest`).
pub async fn list_occupation_suggestions(state: AppState, ctx: Ctx, Query(q): Query<SuggestQuery>) -> PageResult<Json<Vec<Choice>>> {
    learner(&ctx)?;
    let current = state.matching.get(&state.db).await?;
    let needle = q.q.unwrap_or_default().trim().to_lowercase();
    let found = tokio::task::spawn_blocking(move || {
        occupations(&current.snapshot, |c| needle.is_empty() || c.label.to_lowercase().contains(&needle), SUGGESTIONS)
    })
    .await
    .map_err(|e| AppError::Internal(format!("matching task: {e}")))?;
    Ok(Json(found))
}
