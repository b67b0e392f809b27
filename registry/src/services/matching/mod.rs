//! The six matching operations as the registry serves them, shared by the HTTP routes
//! (`routes/matching.rs`) and the CLI (`rongtong match …`), so both resolve parameters, check
//! rights and explain answers the same way.
//!
//! Each operation takes a [`Snapshot`] and its parameter struct (which is at once the query
//! string, the OpenAPI parameter list and the CLI's flags), and returns an [`Outcome`]: the
//! matching crate's own result, which carries its reasons. [`answer`] wraps it with the
//! snapshot's figures, the query time and `labels` (names for every skill, course, occupation
//! and demand item the result mentions); `cli::matching` turns it into a text report.
//!
//! Rights ([`authorize`]): coverage, alignment and supply-and-demand are aggregate figures
//! over published demand and courses, open to anyone (a draft demand list only to those who
//! may edit it); a learner's gap and path are for the learner and for platform or region
//! admins of the learner's region; a candidate ranking is for the demand item's enterprise and
//! admins, and only ever lists learners who opted in to be found. The CLI is an operator tool
//! on the database host and skips these checks, like `rongtong import`.

pub mod snapshot;
pub mod suggest;

use std::collections::BTreeMap;
use std::time::Instant;

use rongtong_catalog::{RegionCode, RegionLevel};
use rongtong_matching::{
    CostBy, CourseSelection, CurriculumAlignment, DemandCoverage, DemandSelection, LearnerGap, LearningPath, QueryError, Ranking,
    SupplyDemand, Target,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Caller, Principal, policy};
use crate::error::{AppError, AppResult};
use crate::services::matching::snapshot::{Snapshot, SnapshotInfo};

/// Default and largest number of courses listed per demanded skill in a coverage answer.
pub const MAX_COURSES: (usize, usize) = (10, 100);
/// Default and largest number of candidates in a ranking.
pub const CANDIDATES: (usize, usize) = (20, 200);

/// Parameters of operation 1, demand coverage. Give exactly one of `demand_list`,
/// `demand_item` and `region`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoverageParams {
    /// A demand list id: cover its positions (a draft only for those who may edit it).
    pub demand_list: Option<String>,
    /// One demand item id (`items[].id` of `GET /demand-lists/{id}`).
    pub demand_item: Option<String>,
    /// A GB/T 2260 code: every published position located in it (a province includes its cities).
    pub region: Option<String>,
    /// Courses listed per demanded skill (default 10, at most 100); counts are always complete.
    pub max_courses: Option<usize>,
}

/// Parameters of operations 2 and 3, a learner's gap and learning path. Give `learner` and
/// exactly one of `demand_item` and `occupation`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LearnerParams {
    /// The learner's username or user id.
    pub learner: Option<String>,
    /// Target: a demand item id.
    pub demand_item: Option<String>,
    /// Target: an occupation URI, id or 职业分类大典 code.
    pub occupation: Option<String>,
    /// Learning path only: minimise `hours` (default) or `credits`.
    pub cost: Option<String>,
    /// Learning path only: plan for essential requirements only.
    #[serde(default)]
    pub essential_only: bool,
}

/// Parameters of operation 4, candidate ranking.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CandidatesParams {
    /// The demand item to rank learners for.
    pub demand_item: Option<String>,
    /// How many candidates (default 20, at most 200).
    pub limit: Option<usize>,
}

/// Parameters of operation 5, curriculum alignment.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlignmentParams {
    /// The college (organization code): all its published courses, unless `curriculum` is given.
    pub provider: Option<String>,
    /// A curriculum id: its modules (codes resolve to their latest published version) instead;
    /// `provider` then defaults to the curriculum's.
    pub curriculum: Option<String>,
    /// The region whose published demand to align with; defaults to the provider's city.
    pub region: Option<String>,
}

/// Parameters of operation 6, regional supply and demand.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SupplyParams {
    /// Only regions inside this GB/T 2260 code (the whole country when omitted).
    pub region: Option<String>,
    /// Row granularity: `province`, `city` (default) or `county`.
    pub level: Option<String>,
    /// Also list skills that are taught or held but demanded nowhere in the region.
    #[serde(default)]
    pub include_undemanded: bool,
}

/// What one operation computed: the matching crate's result, reasons included.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Outcome {
    /// Operation 1.
    Coverage(DemandCoverage),
    /// Operation 2.
    Gap(LearnerGap),
    /// Operation 3.
    Path(LearningPath),
    /// Operation 4.
    Candidates(Ranking),
    /// Operation 5.
    Alignment(CurriculumAlignment),
    /// Operation 6.
    Supply(SupplyDemand),
    /// Recognition suggestions (issue 10): sources ranked for a target outcome.
    Suggestions(suggest::RecognitionSuggestions),
}

impl Outcome {
    /// The operation's name, as in the URL.
    pub fn operation(&self) -> &'static str {
        match self {
            Outcome::Coverage(_) => "coverage",
            Outcome::Gap(_) => "gap",
            Outcome::Path(_) => "path",
            Outcome::Candidates(_) => "candidates",
            Outcome::Alignment(_) => "alignment",
            Outcome::Supply(_) => "supply-demand",
            Outcome::Suggestions(_) => "suggestions",
        }
    }
}

/// The body of every matching answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatchingAnswer {
    /// `coverage`, `gap`, `path`, `candidates`, `alignment`, `supply-demand` or `suggestions`.
    pub operation: &'static str,
    /// The snapshot the answer was computed on.
    pub snapshot: SnapshotInfo,
    /// True when the store changed after this snapshot was built and the rebuild took longer
    /// than the request was willing to wait (`RONGTONG_MATCHING_MAX_WAIT_MS`): the answer is
    /// correct for `snapshot.version`, and the next requests will see the new data.
    pub stale: bool,
    /// Milliseconds the operation took on the snapshot.
    pub query_ms: f64,
    /// The result with its reasons (see docs/MATCHING.md, "API: matching").
    #[schema(value_type = Object)]
    pub result: serde_json::Value,
    /// Names of the skills (by URI), courses (`CODE@VERSION`), occupations and demand items
    /// (by id) that `result` mentions.
    pub labels: BTreeMap<String, String>,
}

/// Wraps an outcome for the API and `--json`: snapshot figures, timing and labels.
pub fn answer(snap: &Snapshot, outcome: &Outcome, query_ms: f64, stale: bool) -> AppResult<MatchingAnswer> {
    let result = serde_json::to_value(outcome).map_err(|e| AppError::Internal(format!("serializing a matching result: {e}")))?;
    let mut labels = BTreeMap::new();
    collect_labels(snap, &result, &mut labels);
    Ok(MatchingAnswer { operation: outcome.operation(), snapshot: snap.info.clone(), stale, query_ms, result, labels })
}

fn collect_labels(snap: &Snapshot, v: &serde_json::Value, out: &mut BTreeMap<String, String>) {
    match v {
        serde_json::Value::String(s) => {
            if let Some(l) = snap.labels.get(s) {
                out.entry(s.clone()).or_insert_with(|| l.clone());
            } else if (s.starts_with("course:") || s.starts_with("standard:"))
                && !out.contains_key(s)
                && let Some(l) = suggest::key_label(snap, s)
            {
                out.insert(s.clone(), l);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_labels(snap, x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| collect_labels(snap, x, out)),
        _ => {}
    }
}

/// Runs `f` and times it in milliseconds.
pub fn timed<T>(f: impl FnOnce() -> AppResult<T>) -> AppResult<(T, f64)> {
    let t = Instant::now();
    let v = f()?;
    Ok((v, t.elapsed().as_secs_f64() * 1000.0))
}

/// Maps a matching query error to a 4xx naming the parameter at fault.
fn query_error(e: QueryError) -> AppError {
    let field = match &e {
        QueryError::UnknownLearner(_) => "learner",
        QueryError::UnknownDemand(_) | QueryError::TooManyRequirements(_) => "demand_item",
        QueryError::UnknownOccupation(_) => "occupation",
        QueryError::InvalidRegion(_) => "region",
        QueryError::UnknownCourse(_) => "curriculum",
        QueryError::UnknownSkill(_) => "skill",
        QueryError::DuplicateSource(_) => "target",
    };
    AppError::invalid(field, e.to_string())
}

pub(crate) fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn region_param(field: &str, v: &str) -> AppResult<String> {
    v.parse::<RegionCode>()
        .map(|r| r.as_str().to_string())
        .map_err(|_| AppError::invalid(field, format!("`{v}` is not a six-digit GB/T 2260 region code")))
}

/// A demand item id that exists in the snapshot.
fn demand_item<'a>(snap: &Snapshot, id: &'a str) -> AppResult<&'a str> {
    if snap.items.contains_key(id) { Ok(id) } else { Err(AppError::invalid("demand_item", format!("no demand item {id}"))) }
}

/// The single target of a gap or path.
fn target<'a>(snap: &'a Snapshot, p: &'a LearnerParams) -> AppResult<Target<'a>> {
    match (present(&p.demand_item), present(&p.occupation)) {
        (Some(d), None) => Ok(Target::Demand(demand_item(snap, d)?)),
        (None, Some(o)) => snap
            .occupation(o)
            .map(Target::Occupation)
            .ok_or_else(|| AppError::invalid("occupation", format!("no occupation {o} (give its URI, id or code)"))),
        (Some(_), Some(_)) => Err(AppError::bad_field("occupation", "give either demand_item or occupation, not both")),
        (None, None) => Err(AppError::bad_field("demand_item", "a target is required: demand_item or occupation")),
    }
}

fn learner<'a>(snap: &'a Snapshot, p: &LearnerParams) -> AppResult<&'a crate::services::matching::snapshot::LearnerInfo> {
    let key = present(&p.learner).ok_or_else(|| AppError::bad_field("learner", "learner (username or id) is required"))?;
    snap.learner(key).ok_or_else(|| {
        AppError::invalid("learner", format!("no learner {key} (learners are accounts with role learner and a home region)"))
    })
}

/// Who may see a demand item or list: published and closed lists are public, drafts are for
/// those who may edit the enterprise's content.
fn can_see_demand(caller: Option<&Caller>, snap: &Snapshot, list_id: &str) -> bool {
    let Some(caller) = caller else { return true };
    let Some(list) = snap.lists.get(list_id) else { return false };
    if list.status != "draft" {
        return true;
    }
    may_see_enterprise_unpublished(caller.principal(), &list.enterprise_id, &list.enterprise_region)
}

/// [`policy::may_see_unpublished`] over the snapshot's region text.
fn may_see_enterprise_unpublished(p: Option<&Principal>, org_id: &str, region: &str) -> bool {
    region.parse::<RegionCode>().is_ok_and(|r| policy::may_see_unpublished(p, org_id, &r))
}

/// Checks the caller's right to run an operation; `None` is the CLI operator.
///
/// Fails with 401 when an operation needs an account and there is none, 403 when the account
/// may not see this learner or rank for this demand item, and with the same 422 as an unknown
/// id when a draft demand item is invisible to the caller (its existence is not disclosed).
pub fn authorize(caller: Option<&Caller>, snap: &Snapshot, op: Op<'_>) -> AppResult<()> {
    let Some(c) = caller else { return Ok(()) };
    match op {
        Op::Coverage(p) => {
            if let Some(list) = present(&p.demand_list).filter(|l| !can_see_demand(Some(c), snap, l)) {
                return Err(AppError::invalid("demand_list", format!("no demand list {list}")));
            }
            hidden_item(c, snap, present(&p.demand_item))
        }
        Op::Learner(p) => {
            let principal = c.require()?;
            let l = learner(snap, p)?;
            let region = l.region.parse::<RegionCode>().ok();
            principal.ensure(
                policy::may_see_learner(principal, &l.user_id, region.as_ref()),
                &format!("see the gap or learning path of learner {}", l.username),
            )?;
            hidden_item(c, snap, present(&p.demand_item))
        }
        Op::Candidates(p) => {
            let principal = c.require()?;
            let id = present(&p.demand_item).ok_or_else(|| AppError::bad_field("demand_item", "demand_item is required"))?;
            let item = snap.items.get(id).ok_or_else(|| AppError::invalid("demand_item", format!("no demand item {id}")))?;
            principal.ensure(
                may_see_enterprise_unpublished(Some(principal), &item.enterprise_id, &item.enterprise_region),
                &format!("rank candidates for a position of {}", item.enterprise),
            )
        }
        Op::Public => Ok(()),
    }
}

/// Fails with the unknown-id error when `item` belongs to a draft list the caller may not see.
fn hidden_item(c: &Caller, snap: &Snapshot, item: Option<&str>) -> AppResult<()> {
    match item {
        Some(id) if snap.items.get(id).is_some_and(|i| !can_see_demand(Some(c), snap, &i.list_id)) => {
            Err(AppError::invalid("demand_item", format!("no demand item {id}")))
        }
        _ => Ok(()),
    }
}

/// An operation's parameters, for [`authorize`].
#[derive(Debug, Clone, Copy)]
pub enum Op<'a> {
    /// Coverage (public unless it names a draft).
    Coverage(&'a CoverageParams),
    /// Gap or path (the learner and admins).
    Learner(&'a LearnerParams),
    /// Candidate ranking (the enterprise and admins).
    Candidates(&'a CandidatesParams),
    /// Alignment and supply-and-demand.
    Public,
}

/// Operation 1: how well the published courses cover a demand list, an item, or a region's
/// published demand.
pub fn coverage(snap: &Snapshot, p: &CoverageParams) -> AppResult<Outcome> {
    let max = p.max_courses.unwrap_or(MAX_COURSES.0);
    if max > MAX_COURSES.1 {
        return Err(AppError::invalid("max_courses", format!("at most {}", MAX_COURSES.1)));
    }
    let given = [present(&p.demand_list), present(&p.demand_item), present(&p.region)];
    let result = match given {
        [Some(list), None, None] => {
            if !snap.lists.contains_key(list) {
                return Err(AppError::invalid("demand_list", format!("no demand list {list}")));
            }
            let ids: Vec<&str> = snap.list_items.get(list).map(|v| v.iter().map(String::as_str).collect()).unwrap_or_default();
            snap.graph.demand_coverage(DemandSelection::Items(&ids), max)
        }
        [None, Some(item), None] => {
            let ids = [demand_item(snap, item)?];
            snap.graph.demand_coverage(DemandSelection::Items(&ids), max)
        }
        [None, None, Some(region)] => snap.graph.demand_coverage(DemandSelection::Region(&region_param("region", region)?), max),
        [None, None, None] => return Err(AppError::bad_field("demand_list", "give one of demand_list, demand_item or region")),
        _ => return Err(AppError::bad_field("region", "give only one of demand_list, demand_item or region")),
    };
    result.map(Outcome::Coverage).map_err(query_error)
}

/// Operation 2: a learner against a demand item or an occupation.
pub fn gap(snap: &Snapshot, p: &LearnerParams) -> AppResult<Outcome> {
    let l = learner(snap, p)?;
    let t = target(snap, p)?;
    snap.graph.learner_gap(&l.username, t).map(Outcome::Gap).map_err(query_error)
}

/// Operation 3: the cheapest set of published courses closing the learner's gap to a target.
pub fn path(snap: &Snapshot, p: &LearnerParams) -> AppResult<Outcome> {
    let cost = match present(&p.cost) {
        None | Some("hours") => CostBy::Hours,
        Some("credits") => CostBy::Credits,
        Some(other) => return Err(AppError::invalid("cost", format!("`{other}`: cost must be `hours` or `credits`"))),
    };
    let l = learner(snap, p)?;
    let t = target(snap, p)?;
    snap.graph.learning_path_for(&l.username, t, cost, p.essential_only).map(Outcome::Path).map_err(query_error)
}

/// Operation 4: opted-in learners ranked for a demand item by verified evidence.
pub fn candidates(snap: &Snapshot, p: &CandidatesParams) -> AppResult<Outcome> {
    let id = present(&p.demand_item).ok_or_else(|| AppError::bad_field("demand_item", "demand_item is required"))?;
    let id = demand_item(snap, id)?;
    let k = p.limit.unwrap_or(CANDIDATES.0);
    if k == 0 || k > CANDIDATES.1 {
        return Err(AppError::invalid("limit", format!("limit must be between 1 and {}", CANDIDATES.1)));
    }
    snap.graph.rank_candidates(Target::Demand(id), k).map(Outcome::Candidates).map_err(query_error)
}

/// The curriculum an alignment is asked for: its modules (course codes as stored) and its
/// provider, whose city is the default region.
#[derive(Debug, Clone)]
pub struct CurriculumScope {
    /// Course codes in teaching order.
    pub modules: Vec<String>,
    /// The providing organization's code.
    pub provider: String,
}

/// Loads the curriculum named by `p.curriculum`, if any: what the route and `rongtong match
/// alignment` both pass to [`alignment`]. An unknown id is a 422 naming `curriculum`.
pub fn alignment_curriculum(conn: &mut crate::db::DbConnection, p: &AlignmentParams) -> AppResult<Option<CurriculumScope>> {
    let Some(id) = present(&p.curriculum) else { return Ok(None) };
    let (view, _) = crate::models::courses::find_curriculum(conn, id).map_err(|e| match e {
        AppError::NotFound(_) => AppError::invalid("curriculum", format!("no curriculum {id}")),
        other => other,
    })?;
    Ok(Some(CurriculumScope { modules: view.modules, provider: view.provider }))
}

/// Operation 5: a college's courses (or one curriculum's modules) against a region's
/// published demand. Without `provider`, a curriculum's own provider is used, so a
/// curriculum alone is enough (its provider's city is then the default region).
pub fn alignment(snap: &Snapshot, p: &AlignmentParams, curriculum: Option<&CurriculumScope>) -> AppResult<Outcome> {
    let provider = present(&p.provider).or(curriculum.map(|c| c.provider.as_str()));
    let modules = curriculum.map(|c| c.modules.as_slice());
    let region = match (present(&p.region), provider) {
        (Some(r), _) => region_param("region", r)?,
        (None, Some(code)) => {
            let r = snap.org_regions.get(code).ok_or_else(|| AppError::invalid("provider", format!("no organization {code}")))?;
            let r: RegionCode = r.parse().map_err(|_| AppError::invalid("provider", format!("{code} has no valid region")))?;
            // Its city: the labour market a college mostly serves.
            match r.level() {
                RegionLevel::County => format!("{}00", &r.as_str()[..4]),
                _ => r.as_str().to_string(),
            }
        }
        (None, None) => return Err(AppError::bad_field("region", "give region, or provider to use the provider's city")),
    };
    let result = match (modules, provider) {
        (Some(codes), _) => {
            let mut ids = Vec::with_capacity(codes.len());
            for code in codes {
                ids.push(snap.course(code).ok_or_else(|| AppError::invalid("curriculum", format!("module {code} is not a known course")))?);
            }
            snap.graph.curriculum_alignment(CourseSelection::Courses(&ids), &region)
        }
        (None, Some(code)) => {
            if !snap.org_regions.contains_key(code) {
                return Err(AppError::invalid("provider", format!("no organization {code}")));
            }
            snap.graph.curriculum_alignment(CourseSelection::Provider(code), &region)
        }
        (None, None) => return Err(AppError::bad_field("provider", "give provider or curriculum")),
    };
    result.map(Outcome::Alignment).map_err(query_error)
}

/// Operation 6: per skill and region, demanded headcount, courses teaching it, learners holding it.
pub fn supply(snap: &Snapshot, p: &SupplyParams) -> AppResult<Outcome> {
    let level = match present(&p.level) {
        None | Some("city") => RegionLevel::City,
        Some("province") => RegionLevel::Province,
        Some("county") => RegionLevel::County,
        Some(other) => return Err(AppError::invalid("level", format!("`{other}`: level must be province, city or county"))),
    };
    let within = present(&p.region).map(|r| region_param("region", r)).transpose()?;
    snap.graph.supply_and_demand(within.as_deref(), level, p.include_undemanded).map(Outcome::Supply).map_err(query_error)
}
