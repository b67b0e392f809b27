//! Matching (issue 3): the six operations of the skills graph over the API.
//!
//! Every handler gets the current snapshot from the app's [`SnapshotCache`](crate::services::matching::snapshot::SnapshotCache)
//! (rebuilt only when `data_version` moved), checks the caller's rights, runs the operation on
//! the blocking pool (a ranking or path over a provincial snapshot is CPU work, not I/O), and
//! answers with a [`MatchingAnswer`]: the result with its reasons, the snapshot's figures, the
//! query time and labels. Parameters, rights and the text of errors are shared with the CLI in
//! [`crate::services::matching`].

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{AppError, AppJson, AppQuery, AppResult, ErrorBody};
use crate::services::matching::snapshot::{Current, Snapshot, SnapshotInfo};
use crate::services::matching::{
    self as svc, AlignmentParams, CandidatesParams, CoverageParams, LearnerParams, MatchingAnswer, Op, Outcome, SupplyParams,
};

/// Runs an operation on the blocking pool and wraps its outcome.
async fn run<F>(current: Current, f: F) -> AppResult<AppJson<MatchingAnswer>>
where
    F: FnOnce(&Snapshot) -> AppResult<Outcome> + Send + 'static,
{
    tokio::task::spawn_blocking(move || {
        let snap: &Snapshot = &current.snapshot;
        let (outcome, ms) = svc::timed(|| f(snap))?;
        svc::answer(snap, &outcome, ms, current.stale()).map(AppJson)
    })
    .await
    .map_err(|e| AppError::Internal(format!("matching task: {e}")))?
}

/// Demand coverage: which published courses teach what a demand list, one position, or a
/// region's published demand asks for, weighted by headcount, with the gaps no course closes.
/// Public: it aggregates published demand and courses (a draft list only for its enterprise).
#[utoipa::path(get, path = "/matching/coverage", tag = "matching", params(CoverageParams), responses((status = 200, body = MatchingAnswer), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn find_coverage(state: AppState, caller: Caller, AppQuery(p): AppQuery<CoverageParams>) -> AppResult<AppJson<MatchingAnswer>> {
    let snap = state.matching.get(&state.db).await?;
    svc::authorize(Some(&caller), &snap.snapshot, Op::Coverage(&p))?;
    run(snap, move |s| svc::coverage(s, &p)).await
}

/// A learner's gap to a demand item or occupation: requirements met and by which evidence
/// (completion records), missing ones essential first, level shortfalls. For the learner
/// and the admins of the learner's region.
#[utoipa::path(get, path = "/matching/gap", tag = "matching", params(LearnerParams), responses((status = 200, body = MatchingAnswer), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn find_gap(state: AppState, caller: Caller, AppQuery(p): AppQuery<LearnerParams>) -> AppResult<AppJson<MatchingAnswer>> {
    caller.require()?;
    let snap = state.matching.get(&state.db).await?;
    svc::authorize(Some(&caller), &snap.snapshot, Op::Learner(&p))?;
    run(snap, move |s| svc::gap(s, &p)).await
}

/// A learning path: the cheapest set of published micro-courses (by hours or credits) that
/// closes the learner's gap to a target, closed under prerequisites and ordered, each course
/// with the gap skills it closes, and the skills no course can close with the reason.
#[utoipa::path(get, path = "/matching/path", tag = "matching", params(LearnerParams), responses((status = 200, body = MatchingAnswer), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn find_path(state: AppState, caller: Caller, AppQuery(p): AppQuery<LearnerParams>) -> AppResult<AppJson<MatchingAnswer>> {
    caller.require()?;
    let snap = state.matching.get(&state.db).await?;
    svc::authorize(Some(&caller), &snap.snapshot, Op::Learner(&p))?;
    run(snap, move |s| svc::path(s, &p)).await
}

/// Candidate ranking for a position: opted-in learners only, scored on verified evidence
/// (essential requirements met, then essential credit, then optional credit, then username),
/// each with a per-requirement breakdown. For the enterprise that owns the position and admins.
#[utoipa::path(get, path = "/matching/candidates", tag = "matching", params(CandidatesParams), responses((status = 200, body = MatchingAnswer), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn find_candidates(
    state: AppState,
    caller: Caller,
    AppQuery(p): AppQuery<CandidatesParams>,
) -> AppResult<AppJson<MatchingAnswer>> {
    caller.require()?;
    let snap = state.matching.get(&state.db).await?;
    svc::authorize(Some(&caller), &snap.snapshot, Op::Candidates(&p))?;
    run(snap, move |s| svc::candidates(s, &p)).await
}

/// Curriculum alignment: a college's published courses, or one curriculum (its provider then
/// being the college), against the published demand of a region (default: the college's city): the headcount-weighted share
/// covered, what is demanded but not taught, what is taught but not demanded. Public.
#[utoipa::path(get, path = "/matching/alignment", tag = "matching", params(AlignmentParams), responses((status = 200, body = MatchingAnswer), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn find_alignment(state: AppState, caller: Caller, AppQuery(p): AppQuery<AlignmentParams>) -> AppResult<AppJson<MatchingAnswer>> {
    let snap = state.matching.get(&state.db).await?;
    svc::authorize(Some(&caller), &snap.snapshot, Op::Public)?;
    let q = p.clone();
    let curriculum = state.db.run(move |c| svc::alignment_curriculum(c, &q)).await?;
    run(snap, move |s| svc::alignment(s, &p, curriculum.as_ref())).await
}

/// Regional supply and demand: per skill and region, the published demanded headcount,
/// the published courses teaching it and the learners holding it (anonymous counts). Public.
#[utoipa::path(get, path = "/matching/supply-demand", tag = "matching", params(SupplyParams), responses((status = 200, body = MatchingAnswer), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn find_supply_demand(
    state: AppState,
    caller: Caller,
    AppQuery(p): AppQuery<SupplyParams>,
) -> AppResult<AppJson<MatchingAnswer>> {
    let snap = state.matching.get(&state.db).await?;
    svc::authorize(Some(&caller), &snap.snapshot, Op::Public)?;
    run(snap, move |s| svc::supply(s, &p)).await
}

/// The current matching snapshot's figures (version, build time, memory, sizes, warnings),
/// for operators watching rebuild cost. Building it if stale is part of the answer.
#[utoipa::path(get, path = "/matching/snapshot", tag = "matching", responses((status = 200, body = SnapshotInfo)))]
pub async fn find_snapshot(state: AppState) -> AppResult<AppJson<SnapshotInfo>> {
    let snap = state.matching.get(&state.db).await?;
    Ok(AppJson(snap.snapshot.info.clone()))
}

/// Recognition suggestions (issue 10): for a target outcome — `course:{code}` (a published
/// course) or `standard:{occupation_code}:{level}` — the sources whose skills at levels
/// cover its requirements best (published courses of other providers, other occupations'
/// standards), each with the per-skill explanation (which skill of the source meets which
/// requirement, how, or what is missing); for a standard, also the sets of courses that cover
/// it together. Same satisfaction rules as matching. Public: it reads published courses and
/// standards only. Nothing is stored; a reviewer turns a suggestion into a draft rule.
#[utoipa::path(get, path = "/recognition-rules/suggestions", tag = "matching", params(crate::services::matching::suggest::SuggestParams), responses((status = 200, body = MatchingAnswer), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn find_recognition_suggestions(
    state: AppState,
    caller: Caller,
    AppQuery(p): AppQuery<crate::services::matching::suggest::SuggestParams>,
) -> AppResult<AppJson<MatchingAnswer>> {
    let snap = state.matching.get(&state.db).await?;
    svc::authorize(Some(&caller), &snap.snapshot, Op::Public)?;
    run(snap, move |s| svc::suggest::suggest(s, &p)).await
}
