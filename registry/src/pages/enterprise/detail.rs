//! `/org/demand/{id}`: one demand list as its enterprise works on it — its fields, status and
//! actions — and per position the courses that teach what it asks for (matching operation 1,
//! coverage) and the opted-in learners ranked for it (operation 4, candidates), each score
//! broken down by requirement with the reason: which certificate met it, through which
//! relation, how many levels short, what is completed but not yet certified.
//!
//! `/org/demand/{id}/positions/{item}` shows one position with more candidates and courses.
//! Both run the matching service's own operations and authorisation on the current snapshot
//! (`services::matching`), as `GET /api/v1/matching/coverage` and `/candidates` do.

use std::collections::HashMap;

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rongtong_matching::{CoverageStatus, Evidence, EvidenceKind, RequirementOutcome, Status, Via};

use super::lists::{Move, moves};
use super::{desk, level_name, skill_label, status_class, status_key};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::models::demand::{self as m, DemandItemView, DemandListView};
use crate::pages::ctx::{Ctx, PageResult, render};
use crate::pages::i18n::{self, Lang};
use crate::pages::layout::Chrome;
use crate::services::demand as svc;
use crate::services::matching::snapshot::Snapshot;
use crate::services::matching::{self as matching, CandidatesParams, CoverageParams, Op, Outcome};

/// Candidates and courses per skill on the list's page, and on a position's own page.
const LIST_LIMITS: (usize, usize) = (5, 3);
const POSITION_LIMITS: (usize, usize) = (50, 10);

/// A required skill of a position.
pub struct Requirement {
    /// `中文 / English`.
    pub label: String,
    /// 三级/高级工 …
    pub level: &'static str,
    /// Essential or optional, as a message key.
    pub kind_key: &'static str,
}

/// How the published courses cover one required skill.
pub struct CoverRow {
    /// The skill.
    pub label: String,
    /// The required level.
    pub level: &'static str,
    /// Taught, partially taught, untaught: message key.
    pub status_key: &'static str,
    /// Badge class.
    pub status_class: &'static str,
    /// Courses teaching it to the level (all of them).
    pub full_count: i64,
    /// Courses giving partial credit (all of them).
    pub partial_count: i64,
    /// The first few teaching it to the level: `title (CODE@VERSION)`.
    pub full: Vec<String>,
    /// The first few giving partial credit.
    pub partial: Vec<String>,
}

/// One requirement of a candidate's score.
pub struct ReasonRow {
    /// The required skill.
    pub label: String,
    /// Essential or optional: message key.
    pub kind_key: &'static str,
    /// Required level.
    pub level: &'static str,
    /// Met, partial, missing: message key.
    pub status_key: &'static str,
    /// Badge class.
    pub status_class: &'static str,
    /// Credit in [0, 1], two decimals.
    pub credit: String,
    /// Why: the evidence and relation, the shortfall, what is not yet certified.
    pub reason: String,
    /// The evidence records behind it, as stored (certificate id: what it attests).
    pub evidence: Vec<String>,
}

/// A ranked learner.
pub struct CandidateRow {
    /// 1-based rank.
    pub rank: u32,
    /// Username.
    pub learner: String,
    /// Region code.
    pub region: String,
    /// Essential requirements met.
    pub essential_met: u32,
    /// Essential requirements.
    pub essential_total: u32,
    /// Essential credit, two decimals.
    pub essential_credit: String,
    /// Optional credit, two decimals.
    pub optional_credit: String,
    /// Optional requirements.
    pub optional_total: u32,
    /// Per requirement.
    pub reasons: Vec<ReasonRow>,
}

/// One position with its coverage and candidates.
pub struct PositionMatch {
    /// Item id.
    pub id: String,
    /// The list's id.
    pub list_id: String,
    /// Title.
    pub position: String,
    /// Headcount.
    pub headcount: i64,
    /// Occupation, region, deadline of the position, when set.
    pub occupation: String,
    /// Region, when it differs from the list's.
    pub region: String,
    /// Deadline, when it differs from the list's.
    pub deadline: String,
    /// Required skills, essential first.
    pub requirements: Vec<Requirement>,
    /// True when the matching snapshot does not have this position yet (just saved; the
    /// rebuild is running): no coverage or candidates to show until a reload.
    pub pending: bool,
    /// Per required skill.
    pub coverage: Vec<CoverRow>,
    /// Best first.
    pub candidates: Vec<CandidateRow>,
    /// Opted-in learners scored.
    pub scored: i64,
    /// True on the list's page (a link to the position's own page).
    pub summary: bool,
}

fn two(x: f64) -> String {
    format!("{x:.2}")
}

fn via_key(via: Via) -> &'static str {
    match via {
        Via::Direct => "enterprise.via.direct",
        Via::ExactMatch => "enterprise.via.exact_match",
        Via::Narrower => "enterprise.via.narrower",
        Via::CloseMatch => "enterprise.via.close_match",
        Via::Related => "enterprise.via.related",
    }
}

fn evidence_kind_key(kind: EvidenceKind) -> &'static str {
    match kind {
        EvidenceKind::SkillCertificate => "enterprise.evidence.skill_certificate",
        EvidenceKind::TrainingCertificate => "enterprise.evidence.training_certificate",
        EvidenceKind::Recognition => "enterprise.evidence.recognition",
        EvidenceKind::Completion => "enterprise.evidence.completion",
    }
}

/// The reason for one requirement's credit in the page's language — the relation and level
/// of the source, its kind, the shortfall, what is completed but not yet certified — and the
/// evidence behind it as the registry records it (certificate ids and what they attest).
fn reason(lang: Lang, o: &RequirementOutcome, label: &dyn Fn(&str) -> String) -> (String, Vec<String>) {
    let t = |key: &str| i18n::lookup(lang, key);
    let mut evidence = Vec::new();
    let mut source = |ev: &Evidence| {
        let mut s = format!("{} {}（{}）", t(via_key(ev.via)), label(&ev.skill), level_name(lang, ev.level));
        if let Some(kind) = ev.kind {
            s.push_str(&format!(" · {}", t(evidence_kind_key(kind))));
        }
        if let Some(e) = ev.evidence.as_deref().or(ev.course.as_deref()) {
            evidence.push(e.to_string());
        }
        s
    };
    let mut parts = vec![match &o.matched {
        Some(ev) => source(ev),
        None => t("enterprise.reason.none").to_string(),
    }];
    if let Some(s) = &o.shortfall {
        parts.push(format!(
            "{} {} {}（{} {}）",
            t("enterprise.reason.short"),
            s.steps,
            t("enterprise.reason.steps"),
            t("enterprise.reason.held"),
            level_name(lang, s.held)
        ));
    }
    if let Some(ev) = &o.no_certificate_yet {
        let s = source(ev);
        parts.push(format!("{}：{s}", t("enterprise.reason.uncertified")));
    }
    (parts.join("；"), evidence)
}

fn status_of(s: Status) -> (&'static str, &'static str) {
    match s {
        Status::Met => ("enterprise.match.met", "ok"),
        Status::Partial => ("enterprise.match.partial", "warn"),
        Status::Missing => ("enterprise.match.missing", "bad"),
    }
}

fn kind_key(kind: &str) -> &'static str {
    if kind == "optional" { "enterprise.kind.optional" } else { "enterprise.kind.essential" }
}

/// Coverage and candidates of `item`, from the snapshot, under the matching service's own
/// authorisation (`limits`: candidates, courses per skill).
fn position_match(
    snap: &Snapshot,
    caller: &Caller,
    lang: Lang,
    list_id: &str,
    item: &DemandItemView,
    limits: (usize, usize),
    summary: bool,
) -> AppResult<PositionMatch> {
    let own: HashMap<&str, String> =
        item.skills.iter().map(|s| (s.skill.as_str(), skill_label(&s.skill, s.label_zh.as_deref(), s.label_en.as_deref()))).collect();
    let label = |uri: &str| own.get(uri).cloned().or_else(|| snap.labels.get(uri).cloned()).unwrap_or_else(|| uri.to_string());
    let course = |key: &str| snap.labels.get(key).map_or_else(|| key.to_string(), |t| format!("{t} ({key})"));
    let requirements = item
        .skills
        .iter()
        .map(|s| Requirement {
            label: label(&s.skill),
            level: rongtong_catalog::SkillLevel::new(s.min_level).map_or("?", |l| level_name(lang, l)),
            kind_key: kind_key(&s.kind),
        })
        .collect();
    let mut out = PositionMatch {
        id: item.id.clone(),
        list_id: list_id.to_string(),
        position: item.position.clone(),
        headcount: i64::from(item.headcount),
        occupation: item.occupation.clone().unwrap_or_default(),
        region: item.region.clone().unwrap_or_default(),
        deadline: item.deadline.clone().unwrap_or_default(),
        requirements,
        pending: !snap.items.contains_key(&item.id),
        coverage: Vec::new(),
        candidates: Vec::new(),
        scored: 0,
        summary,
    };
    if out.pending {
        return Ok(out);
    }
    let cov = CoverageParams { demand_item: Some(item.id.clone()), max_courses: Some(limits.1), ..CoverageParams::default() };
    matching::authorize(Some(caller), snap, Op::Coverage(&cov))?;
    if let Outcome::Coverage(dc) = matching::coverage(snap, &cov)? {
        out.coverage = dc
            .skills
            .iter()
            .map(|s| {
                let (status_key, status_class) = match s.status {
                    CoverageStatus::Taught => ("enterprise.cover.taught", "ok"),
                    CoverageStatus::PartiallyTaught => ("enterprise.cover.partial", "warn"),
                    CoverageStatus::Untaught => ("enterprise.cover.untaught", "bad"),
                };
                CoverRow {
                    label: label(&s.skill),
                    level: level_name(lang, s.level),
                    status_key,
                    status_class,
                    full_count: s.full_count as i64,
                    partial_count: s.partial_count as i64,
                    full: s.full.iter().map(|c| course(&c.course)).collect(),
                    partial: s.partial.iter().map(|c| course(&c.course)).collect(),
                }
            })
            .collect();
    }
    let cand = CandidatesParams { demand_item: Some(item.id.clone()), limit: Some(limits.0) };
    matching::authorize(Some(caller), snap, Op::Candidates(&cand))?;
    if let Outcome::Candidates(r) = matching::candidates(snap, &cand)? {
        out.scored = r.candidates_scored as i64;
        out.candidates = r
            .candidates
            .iter()
            .map(|c| CandidateRow {
                rank: c.rank,
                learner: c.learner.clone(),
                region: c.region.clone(),
                essential_met: c.score.essential_met,
                essential_total: c.score.essential_total,
                essential_credit: two(c.score.essential_credit),
                optional_credit: two(c.score.optional_credit),
                optional_total: c.score.optional_total,
                reasons: c
                    .breakdown
                    .iter()
                    .map(|o| {
                        let (status_key, status_class) = status_of(o.status);
                        let (reason, evidence) = reason(lang, o, &label);
                        ReasonRow {
                            label: label(&o.skill),
                            kind_key: kind_key(o.kind.as_ref()),
                            level: level_name(lang, o.min_level),
                            status_key,
                            status_class,
                            credit: two(o.credit),
                            reason,
                            evidence,
                        }
                    })
                    .collect(),
            })
            .collect();
    }
    Ok(out)
}

/// The list's page.
#[derive(Template)]
#[template(path = "web/enterprise/detail.html")]
pub struct ListPage {
    c: Chrome,
    list: DemandListView,
    moves: Vec<Move>,
    /// What went wrong with the last action, if anything (nothing was changed).
    problem: String,
    /// Headcount-weighted share of the demanded (position, skill) pairs taught to the level, in %.
    taught_share: String,
    /// True when the snapshot predates the last change (a rebuild is running).
    stale: bool,
    positions: Vec<PositionMatch>,
    /// Number of positions.
    positions_count: i64,
}

impl ListPage {
    fn status_key(&self) -> &'static str {
        status_key(&self.list.status)
    }

    fn status_class(&self) -> &'static str {
        status_class(&self.list.status)
    }
}

/// Loads a list the person may edit (another enterprise's draft: 404; its published list: 403).
async fn editable_view(state: &AppState, ctx: &Ctx, id: String) -> PageResult<DemandListView> {
    let (p, _) = desk(ctx)?;
    let p = p.clone();
    Ok(state
        .db
        .run(move |c| {
            let row = svc::editable_list(c, &p, &id, "work on this demand list")?;
            Ok::<_, AppError>(m::list_views(c, vec![row])?.remove(0))
        })
        .await?)
}

/// Renders the list's page; `problem` is a refused action's error, shown with its status.
pub(crate) async fn render_list(state: &AppState, ctx: &Ctx, id: String, problem: Option<AppError>) -> PageResult<Response> {
    let list = editable_view(state, ctx, id).await?;
    let current = state.matching.get(&state.db).await?;
    let stale = current.stale();
    let (caller, lang, view) = (ctx.caller(), ctx.lang, list.clone());
    let (positions, taught_share) = tokio::task::spawn_blocking(move || -> AppResult<_> {
        let snap: &Snapshot = &current.snapshot;
        let positions = view
            .items
            .iter()
            .map(|i| position_match(snap, &caller, lang, &view.id, i, LIST_LIMITS, true))
            .collect::<AppResult<Vec<_>>>()?;
        let share = if snap.lists.contains_key(&view.id) && !view.items.is_empty() {
            let p = CoverageParams { demand_list: Some(view.id.clone()), max_courses: Some(1), ..CoverageParams::default() };
            matching::authorize(Some(&caller), snap, Op::Coverage(&p))?;
            match matching::coverage(snap, &p)? {
                Outcome::Coverage(dc) => format!("{:.0}", dc.taught_share * 100.0),
                _ => String::new(),
            }
        } else {
            String::new()
        };
        Ok((positions, share))
    })
    .await
    .map_err(|e| AppError::Internal(format!("matching task: {e}")))??;
    let status = problem.as_ref().map_or(StatusCode::OK, AppError::status_code);
    let c = Chrome::new(ctx, "enterprise.detail.title").titled(list.title.clone()).with_notice(super::done_notice(&ctx.here));
    let page = ListPage {
        c,
        moves: moves(&list.status),
        problem: problem.map(|e| e.to_string()).unwrap_or_default(),
        taught_share,
        stale,
        positions_count: positions.len() as i64,
        positions,
        list,
    };
    Ok((status, render(&page)?).into_response())
}

/// `GET /org/demand/{id}`: the list, its actions, and per position the courses covering it
/// and the top candidates with their score breakdown.
pub async fn find_list(state: AppState, ctx: Ctx, Path(id): Path<String>) -> PageResult<Response> {
    render_list(&state, &ctx, id, None).await
}

/// One position's page.
#[derive(Template)]
#[template(path = "web/enterprise/position.html")]
pub struct PositionPage {
    c: Chrome,
    list: DemandListView,
    stale: bool,
    /// The one position (a list, for the shared partial).
    positions: Vec<PositionMatch>,
}

/// `GET /org/demand/{id}/positions/{item}`: one position with up to 50 candidates and 10
/// courses per skill. A position of another list is "not found".
pub async fn find_position(state: AppState, ctx: Ctx, Path((id, item)): Path<(String, String)>) -> PageResult<Response> {
    let list = editable_view(&state, &ctx, id).await?;
    let it = list.items.iter().find(|i| i.id == item).cloned().ok_or_else(|| AppError::NotFound(format!("position {item}")))?;
    let current = state.matching.get(&state.db).await?;
    let stale = current.stale();
    let (caller, lang, list_id) = (ctx.caller(), ctx.lang, list.id.clone());
    let position =
        tokio::task::spawn_blocking(move || position_match(&current.snapshot, &caller, lang, &list_id, &it, POSITION_LIMITS, false))
            .await
            .map_err(|e| AppError::Internal(format!("matching task: {e}")))??;
    let c = Chrome::new(&ctx, "enterprise.position.title").titled(position.position.clone());
    Ok(render(&PositionPage { c, list, stale, positions: vec![position] })?.into_response())
}
