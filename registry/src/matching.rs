//! The six matching operations as the registry serves them, shared by the HTTP routes
//! (`routes/matching.rs`) and the CLI (`rongtong match …`), so both resolve parameters, check
//! rights and explain answers the same way.
//!
//! Each operation takes a [`Snapshot`] and its parameter struct (which is at once the query
//! string, the OpenAPI parameter list and the CLI's flags), and returns an [`Outcome`]: the
//! matching crate's own result, which carries its reasons. [`answer`] wraps it with the
//! snapshot's figures, the query time and `labels` (names for every skill, course, occupation
//! and demand item the result mentions); [`render`] turns it into the CLI's text report.
//!
//! Rights ([`authorize`]): coverage, alignment and supply-and-demand are aggregate figures
//! over published demand and courses, open to anyone (a draft demand list only to those who
//! may edit it); a learner's gap and path are for the learner and for platform or region
//! admins of the learner's region; a candidate ranking is for the demand item's enterprise and
//! admins, and only ever lists learners who opted in to be found. The CLI is an operator tool
//! on the database host and skips these checks, like `rongtong import`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Instant;

use rongtong_catalog::{RegionCode, RegionLevel};
use rongtong_matching::{
    CostBy, CourseSelection, CurriculumAlignment, DemandCoverage, DemandSelection, LearnerGap, LearningPath, QueryError, Ranking,
    RequirementOutcome, SupplyDemand, Target, Unclosable,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Caller, Principal};
use crate::error::{AppError, AppResult};
use crate::snapshot::{Snapshot, SnapshotInfo};

/// Default and largest number of courses listed per demanded skill in a coverage answer.
pub const MAX_COURSES: (usize, usize) = (10, 100);
/// Default and largest number of candidates in a ranking.
pub const CANDIDATES: (usize, usize) = (20, 200);

/// Parameters of operation 1, demand coverage. Give exactly one of `demand_list`,
/// `demand_item` and `region`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams, clap::Args)]
#[into_params(parameter_in = Query)]
pub struct CoverageParams {
    /// A demand list id: cover its positions (a draft only for those who may edit it).
    #[arg(long)]
    pub demand_list: Option<String>,
    /// One demand item id (`items[].id` of `GET /demand-lists/{id}`).
    #[arg(long)]
    pub demand_item: Option<String>,
    /// A GB/T 2260 code: every published position located in it (a province includes its cities).
    #[arg(long)]
    pub region: Option<String>,
    /// Courses listed per demanded skill (default 10, at most 100); counts are always complete.
    #[arg(long)]
    pub max_courses: Option<usize>,
}

/// Parameters of operations 2 and 3, a learner's gap and learning path. Give `learner` and
/// exactly one of `demand_item` and `occupation`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams, clap::Args)]
#[into_params(parameter_in = Query)]
pub struct LearnerParams {
    /// The learner's username or user id.
    #[arg(long)]
    pub learner: Option<String>,
    /// Target: a demand item id.
    #[arg(long)]
    pub demand_item: Option<String>,
    /// Target: an occupation URI, id or 职业分类大典 code.
    #[arg(long)]
    pub occupation: Option<String>,
    /// Learning path only: minimise `hours` (default) or `credits`.
    #[arg(long)]
    pub cost: Option<String>,
    /// Learning path only: plan for essential requirements only.
    #[arg(long)]
    #[serde(default)]
    pub essential_only: bool,
}

/// Parameters of operation 4, candidate ranking.
#[derive(Debug, Clone, Default, Deserialize, IntoParams, clap::Args)]
#[into_params(parameter_in = Query)]
pub struct CandidatesParams {
    /// The demand item to rank learners for.
    #[arg(long)]
    pub demand_item: Option<String>,
    /// How many candidates (default 20, at most 200).
    #[arg(long)]
    pub limit: Option<usize>,
}

/// Parameters of operation 5, curriculum alignment.
#[derive(Debug, Clone, Default, Deserialize, IntoParams, clap::Args)]
#[into_params(parameter_in = Query)]
pub struct AlignmentParams {
    /// The college (organization code): all its published courses, unless `curriculum` is given.
    #[arg(long)]
    pub provider: Option<String>,
    /// A curriculum id: its modules (codes resolve to their latest published version) instead.
    #[arg(long)]
    pub curriculum: Option<String>,
    /// The region whose published demand to align with; defaults to the provider's city.
    #[arg(long)]
    pub region: Option<String>,
}

/// Parameters of operation 6, regional supply and demand.
#[derive(Debug, Clone, Default, Deserialize, IntoParams, clap::Args)]
#[into_params(parameter_in = Query)]
pub struct SupplyParams {
    /// Only regions inside this GB/T 2260 code (the whole country when omitted).
    #[arg(long)]
    pub region: Option<String>,
    /// Row granularity: `province`, `city` (default) or `county`.
    #[arg(long)]
    pub level: Option<String>,
    /// Also list skills that are taught or held but demanded nowhere in the region.
    #[arg(long)]
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
        }
    }
}

/// The body of every matching answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatchingAnswer {
    /// `coverage`, `gap`, `path`, `candidates`, `alignment` or `supply-demand`.
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
    };
    AppError::invalid(field, e.to_string())
}

fn present(v: &Option<String>) -> Option<&str> {
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

fn learner<'a>(snap: &'a Snapshot, p: &LearnerParams) -> AppResult<&'a crate::snapshot::LearnerInfo> {
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
    caller.principal().is_some_and(|p| may_edit_enterprise(p, &list.enterprise_id, &list.enterprise_region))
}

fn may_edit_enterprise(p: &Principal, org_id: &str, region: &str) -> bool {
    region.parse::<RegionCode>().is_ok_and(|r| p.can_edit_org_content(org_id, &r))
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
            let own = principal.user_id == l.user_id;
            let admin = l.region.parse::<RegionCode>().is_ok_and(|r| principal.administers_region(&r));
            principal.ensure(own || admin, &format!("see the gap or learning path of learner {}", l.username))?;
            hidden_item(c, snap, present(&p.demand_item))
        }
        Op::Candidates(p) => {
            let principal = c.require()?;
            let id = present(&p.demand_item).ok_or_else(|| AppError::bad_field("demand_item", "demand_item is required"))?;
            let item = snap.items.get(id).ok_or_else(|| AppError::invalid("demand_item", format!("no demand item {id}")))?;
            principal.ensure(
                may_edit_enterprise(principal, &item.enterprise_id, &item.enterprise_region),
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

/// Operation 5: a college's courses (or one curriculum's modules, `modules` being its course
/// codes as stored) against a region's published demand.
pub fn alignment(snap: &Snapshot, p: &AlignmentParams, modules: Option<&[String]>) -> AppResult<Outcome> {
    let provider = present(&p.provider);
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

// ------------------------------------------------------------------ text reports (CLI)

fn name(a: &MatchingAnswer, id: &str) -> String {
    match a.labels.get(id) {
        Some(l) => format!("{l} <{id}>"),
        None => id.to_string(),
    }
}

fn outcome_line(a: &MatchingAnswer, o: &RequirementOutcome) -> String {
    let mut line = format!("{} [{}, level {}]", name(a, &o.skill), o.kind.as_ref(), o.min_level);
    if let Some(m) = &o.matched {
        let via = format!("{:?}", m.via).to_lowercase();
        let what = if m.skill == o.skill { "it".to_string() } else { name(a, &m.skill) };
        let _ = write!(line, " — credit {:.2}: holds {what} ({via}) at level {}", o.credit, m.level);
        if let Some(ev) = &m.evidence {
            let _ = write!(line, "; evidence: {ev}");
        }
    }
    if let Some(s) = &o.shortfall {
        let _ = write!(line, "; holds level {}, needs {} ({} step(s) short)", s.held, s.required, s.steps);
    }
    line
}

/// The CLI's readable report of an answer, reasons included.
pub fn render(a: &MatchingAnswer, outcome: &Outcome) -> String {
    let mut s = String::new();
    match outcome {
        Outcome::Coverage(c) => {
            let _ = writeln!(
                s,
                "Demand coverage{}: {} position(s), {} people; {:.0}% of demanded skill-headcount taught to the level ({} of {}), {} partially, {} untaught",
                c.region.as_ref().map(|r| format!(" in {r}")).unwrap_or_default(),
                c.demand_items.len(),
                c.total_headcount,
                c.taught_share * 100.0,
                c.taught_headcount,
                c.demanded_headcount,
                c.partially_taught_headcount,
                c.untaught_headcount
            );
            for row in &c.skills {
                let _ = writeln!(
                    s,
                    "  {} level {} — {} (essential ×{}, optional ×{}): {:?}",
                    name(a, &row.skill),
                    row.level,
                    row.demand_items,
                    row.essential_headcount,
                    row.optional_headcount,
                    row.status
                );
                for t in &row.full {
                    let _ = writeln!(
                        s,
                        "      taught by {} ({} h) via {:?} {} at level {}",
                        name(a, &t.course),
                        t.hours,
                        t.matched.via,
                        name(a, &t.matched.skill),
                        t.matched.level
                    );
                }
                for t in row.partial.iter().take(3) {
                    let _ = writeln!(
                        s,
                        "      partly by {} (credit {:.2}) via {:?} {}",
                        name(a, &t.course),
                        t.credit,
                        t.matched.via,
                        name(a, &t.matched.skill)
                    );
                }
            }
        }
        Outcome::Gap(g) => {
            let _ = writeln!(
                s,
                "Gap of {} for {}: {} — essential {}/{}, optional {}/{}",
                g.learner,
                target_name(a, &g.target),
                if g.qualifies { "qualifies" } else { "does not qualify yet" },
                g.essential_met,
                g.essential_total,
                g.optional_met,
                g.optional_total
            );
            let _ = writeln!(s, "Met:");
            for o in &g.met {
                let _ = writeln!(s, "  ✓ {}", outcome_line(a, o));
            }
            let _ = writeln!(s, "Missing (essential first):");
            for o in &g.missing {
                let _ = writeln!(s, "  ✗ {}", outcome_line(a, o));
            }
        }
        Outcome::Path(p) => {
            let _ = writeln!(
                s,
                "Learning path{}: {} course(s), {} h, {} credits (minimising {:?}, {:?})",
                p.target.as_ref().map(|t| format!(" for {}", target_name(a, t))).unwrap_or_default(),
                p.steps.len(),
                p.total_hours,
                p.total_credits,
                p.cost_by,
                p.method
            );
            for (i, step) in p.steps.iter().enumerate() {
                let closes: Vec<String> = step.closes.iter().map(|n| format!("{} @{}", name(a, &n.skill), n.level)).collect();
                let _ = writeln!(s, "  {}. {} — {} h, {} credits", i + 1, name(a, &step.course), step.hours, step.credits);
                if !step.prerequisites.is_empty() {
                    let _ = writeln!(s, "       after: {}", step.prerequisites.join(", "));
                }
                if !closes.is_empty() {
                    let _ = writeln!(s, "       closes: {}", closes.join("; "));
                }
                if !step.required_by.is_empty() {
                    let _ = writeln!(s, "       prerequisite of: {}", step.required_by.join(", "));
                }
            }
            for u in &p.unclosable {
                let why = match u {
                    Unclosable::NotTaught { skill, level } => format!("{} @{level}: no published course teaches it", name(a, skill)),
                    Unclosable::OnlyBelowLevel { skill, level, best_taught } => {
                        format!("{} @{level}: taught only up to level {best_taught}", name(a, skill))
                    }
                    Unclosable::PrerequisitesUnavailable { skill, level, course } => {
                        format!("{} @{level}: {course} teaches it but needs an unpublished course", name(a, skill))
                    }
                    Unclosable::AlreadyCompleted { skill, level, course } => {
                        format!("{} @{level}: only {course}, already completed, teaches it", name(a, skill))
                    }
                };
                let _ = writeln!(s, "  unclosable: {why}");
            }
        }
        Outcome::Candidates(r) => {
            let _ = writeln!(s, "Candidates for {} ({} scored, opted-in learners only):", target_name(a, &r.target), r.candidates_scored);
            for c in &r.candidates {
                let _ = writeln!(
                    s,
                    "  #{} {} ({}): essential met {}/{}, essential credit {:.2}, optional credit {:.2}/{}",
                    c.rank,
                    c.learner,
                    c.region,
                    c.score.essential_met,
                    c.score.essential_total,
                    c.score.essential_credit,
                    c.score.optional_credit,
                    c.score.optional_total
                );
                for o in &c.breakdown {
                    let _ = writeln!(s, "       {}", outcome_line(a, o));
                }
            }
        }
        Outcome::Alignment(al) => {
            let _ = writeln!(
                s,
                "Alignment of {} course(s) with {} published position(s) in {}: {:.0}% of demanded skill-headcount covered ({} of {}), credit share {:.0}%",
                al.courses.len(),
                al.demand_items,
                al.region,
                al.covered_share * 100.0,
                al.covered_headcount,
                al.demanded_headcount,
                al.credit_share * 100.0
            );
            let _ = writeln!(s, "Demanded but not taught to the level:");
            for d in &al.demanded_not_taught {
                let _ = writeln!(s, "  {} @{} ×{}: {:?} (credit {:.2})", name(a, &d.skill), d.level, d.headcount, d.status, d.credit);
            }
            let _ = writeln!(s, "Taught but not demanded:");
            for t in &al.taught_not_demanded {
                let _ = writeln!(s, "  {} @{} by {}", name(a, &t.skill), t.level, t.courses.join(", "));
            }
        }
        Outcome::Supply(sd) => {
            let _ = writeln!(
                s,
                "Supply and demand by {:?}{}:",
                sd.granularity,
                sd.within.as_ref().map(|w| format!(" within {w}")).unwrap_or_default()
            );
            let _ = writeln!(s, "  region  demanded(essential)  items  courses  holders  skill");
            for r in &sd.rows {
                let _ = writeln!(
                    s,
                    "  {}  {:>8}({:>5})  {:>5}  {:>7}  {:>7}  {}",
                    r.region,
                    r.demanded_headcount,
                    r.essential_headcount,
                    r.demand_items,
                    r.courses_teaching,
                    r.learners_holding,
                    name(a, &r.skill)
                );
            }
        }
    }
    let _ = writeln!(
        s,
        "(snapshot v{} built {}{}, query {:.2} ms)",
        a.snapshot.version,
        a.snapshot.built_at,
        if a.stale { ", STALE: a rebuild is running" } else { "" },
        a.query_ms
    );
    s
}

fn target_name(a: &MatchingAnswer, t: &rongtong_matching::TargetRef) -> String {
    match t {
        rongtong_matching::TargetRef::Demand(id) => format!("demand item {}", name(a, id)),
        rongtong_matching::TargetRef::Occupation(id) => format!("occupation {}", name(a, id)),
        rongtong_matching::TargetRef::Requirements => "the given requirements".into(),
    }
}

// ------------------------------------------------------------------ CLI

/// `rongtong match …`: the six operations from the command line, on the database named by
/// `DATABASE_URL`, with the same parameters as the API and a readable report (or `--json`,
/// the API's body).
#[derive(Debug, clap::Subcommand)]
pub enum MatchCommand {
    /// Demand coverage by published courses: --demand-list ID | --demand-item ID | --region CODE.
    Coverage {
        /// Parameters.
        #[command(flatten)]
        params: CoverageParams,
        /// Print the API's JSON body instead of the report.
        #[arg(long)]
        json: bool,
    },
    /// A learner's gap: --learner NAME and --demand-item ID | --occupation URI/CODE.
    Gap {
        /// Parameters.
        #[command(flatten)]
        params: LearnerParams,
        /// Print the API's JSON body instead of the report.
        #[arg(long)]
        json: bool,
    },
    /// A learning path closing a learner's gap: as `gap`, plus --cost hours|credits.
    Path {
        /// Parameters.
        #[command(flatten)]
        params: LearnerParams,
        /// Print the API's JSON body instead of the report.
        #[arg(long)]
        json: bool,
    },
    /// Opted-in learners ranked for a demand item: --demand-item ID [--limit N].
    Candidates {
        /// Parameters.
        #[command(flatten)]
        params: CandidatesParams,
        /// Print the API's JSON body instead of the report.
        #[arg(long)]
        json: bool,
    },
    /// A college's courses or curriculum against regional demand: --provider CODE [--curriculum ID] [--region CODE].
    Alignment {
        /// Parameters.
        #[command(flatten)]
        params: AlignmentParams,
        /// Print the API's JSON body instead of the report.
        #[arg(long)]
        json: bool,
    },
    /// Per skill and region: demanded headcount, courses, holders: [--region CODE] [--level province|city|county].
    Supply {
        /// Parameters.
        #[command(flatten)]
        params: SupplyParams,
        /// Print the API's JSON body instead of the report.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `rongtong match …`: loads a snapshot straight from the store (no server needed),
/// runs the operation as the operator (no rights check, like `rongtong import`) and prints
/// the report or the JSON body. Errors carry the same text as the API's envelope.
pub fn cli_match(config: &crate::config::Config, cmd: MatchCommand) -> Result<std::process::ExitCode, Box<dyn std::error::Error>> {
    let db = crate::db::Db::open(&config.database.url, 1)?;
    let mut conn = db.conn()?;
    let snap = crate::snapshot::load_snapshot(&mut conn).map_err(AppError::from).map_err(cli_error)?;
    eprintln!(
        "snapshot v{}: {} skills, {} courses, {} learners, {} demand items; loaded in {:.1} ms, built in {:.1} ms",
        snap.info.version,
        snap.info.skills,
        snap.info.courses,
        snap.info.learners,
        snap.info.demand_items,
        snap.info.load_ms,
        snap.info.build_ms
    );
    for w in &snap.info.warnings {
        eprintln!("warning: {w}");
    }
    let (result, json) = match cmd {
        MatchCommand::Coverage { params, json } => (timed(|| coverage(&snap, &params)), json),
        MatchCommand::Gap { params, json } => (timed(|| gap(&snap, &params)), json),
        MatchCommand::Path { params, json } => (timed(|| path(&snap, &params)), json),
        MatchCommand::Candidates { params, json } => (timed(|| candidates(&snap, &params)), json),
        MatchCommand::Alignment { params, json } => {
            let modules = match present(&params.curriculum) {
                Some(id) => Some(crate::models::courses::find_curriculum(&mut conn, id).map_err(cli_error)?.0.modules),
                None => None,
            };
            (timed(|| alignment(&snap, &params, modules.as_deref())), json)
        }
        MatchCommand::Supply { params, json } => (timed(|| supply(&snap, &params)), json),
    };
    let (outcome, ms) = result.map_err(cli_error)?;
    let a = answer(&snap, &outcome, ms, false).map_err(cli_error)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&a)?);
    } else {
        print!("{}", render(&a, &outcome));
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// An [`AppError`] as the CLI shows it: the envelope's detail with the parameter named as a flag.
fn cli_error(e: AppError) -> Box<dyn std::error::Error> {
    let text = e
        .items()
        .into_iter()
        .map(|i| match i.field {
            Some(f) => format!("--{}: {}", f.replace('_', "-"), i.detail),
            None => i.detail,
        })
        .collect::<Vec<_>>()
        .join("; ");
    text.into()
}
