//! Conversion rules (转换规则) and the outcome catalogue they cite (issue 10 part 1).
//!
//! Outcomes are not a table: `course:{code}` is a code with a published (or archived)
//! version, `standard:{occupation}:{level}` an occupation with a 职业分类大典 code at one of
//! the five levels. [`list_outcomes`] derives the catalogue from those tables on each call,
//! so it can never disagree with them.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use rongtong_catalog::{OutcomeKey, RuleEffect, RuleInput, RuleSource, RuleStatus, SkillLevel};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Caller, Principal, policy};
use crate::db::schema::{
    courses, occupations, organizations, recognition_rule_reviews, recognition_rule_sources, recognition_rules, users,
};
use crate::db::{DbConnection, is_unique_violation, new_id, now};
use crate::error::{AppError, AppResult};
use crate::models::courses::ReviewView;
use rongtong_catalog::ReviewStage;

/// A rule as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = recognition_rules)]
pub struct RuleRow {
    /// Id.
    pub id: String,
    /// Code.
    pub code: String,
    /// Version.
    pub version: String,
    /// Owning organisation id.
    pub owner_id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Target outcome key.
    pub target: String,
    /// Effect (wire form).
    pub effect: String,
    /// Credits granted.
    pub credits: f64,
    /// Decided without a reviewer.
    pub automatic: bool,
    /// Status.
    pub status: String,
    /// While in review: the level that must act next.
    pub review_stage: Option<String>,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

impl RuleRow {
    /// The status as a type.
    pub fn status(&self) -> RuleStatus {
        self.status.parse().unwrap_or(RuleStatus::Draft)
    }

    /// True for rules everybody may see (published or retired).
    pub fn is_public(&self) -> bool {
        matches!(self.status(), RuleStatus::Published | RuleStatus::Retired)
    }
}

/// One source of a rule, as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RuleSourceView {
    /// Outcome key.
    pub outcome: String,
    /// Minimum level (external achievements), 1 (highest) to 5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_level: Option<u8>,
    /// Issued within this many years.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub within_years: Option<u32>,
}

/// A rule as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RuleView {
    /// Id.
    pub id: String,
    /// Code.
    pub code: String,
    /// Version.
    pub version: String,
    /// Owning organisation code.
    pub owner: String,
    /// Owner's Chinese name.
    pub owner_name: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Target outcome key.
    pub target: String,
    /// `exempt_course`, `assessment_eligibility`, `exempt_assessment_part:theory` or
    /// `exempt_assessment_part:practical`.
    pub effect: String,
    /// Every source must be held.
    pub sources: Vec<RuleSourceView>,
    /// Credits granted.
    pub credits: f64,
    /// Decided without a reviewer.
    pub automatic: bool,
    /// `draft`, `in_review`, `published` or `retired`.
    pub status: String,
    /// While `in_review`: the level that must act next.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_stage: Option<String>,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

impl RuleView {
    /// The rule as its owner would write it again (CSV export, new versions).
    pub fn to_input(&self) -> AppResult<RuleInput> {
        let bad = |e: String| AppError::Internal(format!("stored rule {}: {e}", self.id));
        let sources = self
            .sources
            .iter()
            .map(|s| {
                Ok(RuleSource {
                    outcome: s.outcome.parse().map_err(|e: rongtong_catalog::recognition::OutcomeKeyError| bad(e.0))?,
                    min_level: s.min_level.map(SkillLevel::new).transpose().map_err(|e| bad(e.to_string()))?,
                    within_years: s.within_years,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        Ok(RuleInput {
            code: self.code.clone(),
            version: self.version.clone(),
            owner: self.owner.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            target: self.target.parse().map_err(|e: rongtong_catalog::recognition::OutcomeKeyError| bad(e.0))?,
            effect: self.effect.parse().map_err(bad)?,
            sources,
            credits: Some(self.credits),
            automatic: self.automatic,
        })
    }
}

/// Turns rows into views: sources and owners in two queries per 500 rules.
pub fn rule_views(conn: &mut DbConnection, rows: Vec<RuleRow>) -> QueryResult<Vec<RuleView>> {
    let mut sources: HashMap<String, Vec<RuleSourceView>> = HashMap::new();
    let mut owners: HashMap<String, (String, String)> = HashMap::new();
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let owner_ids: Vec<String> = rows.iter().map(|r| r.owner_id.clone()).collect::<HashSet<_>>().into_iter().collect();
    for chunk in ids.chunks(500) {
        type Src = (String, String, Option<i32>, Option<i32>);
        let got: Vec<Src> = recognition_rule_sources::table
            .filter(recognition_rule_sources::rule_id.eq_any(chunk))
            .order((recognition_rule_sources::rule_id, recognition_rule_sources::position))
            .select((
                recognition_rule_sources::rule_id,
                recognition_rule_sources::outcome,
                recognition_rule_sources::min_level,
                recognition_rule_sources::within_years,
            ))
            .load(conn)?;
        for (rule, outcome, min_level, within_years) in got {
            sources.entry(rule).or_default().push(RuleSourceView {
                outcome,
                min_level: min_level.and_then(|l| u8::try_from(l).ok()),
                within_years: within_years.and_then(|y| u32::try_from(y).ok()),
            });
        }
    }
    for chunk in owner_ids.chunks(500) {
        let got: Vec<(String, String, String)> = organizations::table
            .filter(organizations::id.eq_any(chunk))
            .select((organizations::id, organizations::code, organizations::name_zh))
            .load(conn)?;
        owners.extend(got.into_iter().map(|(id, code, name)| (id, (code, name))));
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let (owner, owner_name) = owners.get(&r.owner_id).cloned().unwrap_or_default();
            RuleView {
                sources: sources.remove(&r.id).unwrap_or_default(),
                id: r.id,
                code: r.code,
                version: r.version,
                owner,
                owner_name,
                title: r.title,
                description: r.description,
                target: r.target,
                effect: r.effect,
                credits: r.credits,
                automatic: r.automatic,
                status: r.status,
                review_stage: r.review_stage,
                created_at: r.created_at,
                updated_at: r.updated_at,
            }
        })
        .collect())
}

/// A rule row by id, or by `code` (latest version) / `code@version`.
pub fn find_rule_row(conn: &mut DbConnection, key: &str) -> AppResult<RuleRow> {
    if let Some(r) = recognition_rules::table.find(key).select(RuleRow::as_select()).first(conn).optional()? {
        return Ok(r);
    }
    let (code, version) = key.split_once('@').map_or((key, None), |(c, v)| (c, Some(v)));
    let mut q = recognition_rules::table.filter(recognition_rules::code.eq(code)).into_boxed();
    if let Some(v) = version {
        q = q.filter(recognition_rules::version.eq(v.to_string()));
    }
    q.order((recognition_rules::created_at.desc(), recognition_rules::id.desc()))
        .select(RuleRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("recognition rule {key}")))
}

/// The latest published (or retired) version of a code: what a bare code means to those who
/// may not see its owner's drafts.
fn find_public_rule_row(conn: &mut DbConnection, code: &str) -> QueryResult<Option<RuleRow>> {
    recognition_rules::table
        .filter(recognition_rules::code.eq(code))
        .filter(recognition_rules::status.eq_any([RuleStatus::Published.as_ref(), RuleStatus::Retired.as_ref()]))
        .order((recognition_rules::created_at.desc(), recognition_rules::id.desc()))
        .select(RuleRow::as_select())
        .first(conn)
        .optional()
}

/// The owner's organisation row of a rule, with its region.
fn owner_region(conn: &mut DbConnection, owner_id: &str) -> AppResult<rongtong_catalog::RegionCode> {
    let region: String = organizations::table.find(owner_id).select(organizations::region).first(conn)?;
    region.parse().map_err(|e: rongtong_catalog::RegionCodeError| AppError::Internal(e.to_string()))
}

/// A rule `who` may see by id, `code` or `code@version`: drafts and rules in review exist
/// only for those who cover the owner (`policy::may_see_unpublished`); for everybody else
/// they are "not found", and a bare code means the latest public version.
pub fn find_visible_rule_row(conn: &mut DbConnection, who: Option<&Principal>, key: &str) -> AppResult<RuleRow> {
    let row = find_rule_row(conn, key)?;
    if row.is_public() || policy::may_see_unpublished(who, &row.owner_id, &owner_region(conn, &row.owner_id)?) {
        return Ok(row);
    }
    let public = if row.id != key && !key.contains('@') { find_public_rule_row(conn, &row.code)? } else { None };
    public.ok_or_else(|| AppError::NotFound(format!("recognition rule {key}")))
}

/// One rule as the API shows it.
pub fn find_rule(conn: &mut DbConnection, id: &str) -> AppResult<RuleView> {
    let row = find_rule_row(conn, id)?;
    Ok(rule_views(conn, vec![row])?.remove(0))
}

/// Rules by id, for the given ids (a list's worth: one query for the rows, then
/// [`rule_views`]' batched sources and owners).
pub fn rules_by_id(conn: &mut DbConnection, ids: &[String]) -> QueryResult<HashMap<String, RuleView>> {
    let mut rows = Vec::new();
    for chunk in ids.chunks(500) {
        rows.extend(recognition_rules::table.filter(recognition_rules::id.eq_any(chunk)).select(RuleRow::as_select()).load(conn)?);
    }
    Ok(rule_views(conn, rows)?.into_iter().map(|v| (v.id.clone(), v)).collect())
}

/// The owner of a rule code (any version), if the code is taken.
pub fn code_owner(conn: &mut DbConnection, code: &str) -> QueryResult<Option<String>> {
    recognition_rules::table.filter(recognition_rules::code.eq(code)).select(recognition_rules::owner_id).first(conn).optional()
}

fn write_sources(conn: &mut DbConnection, rule_id: &str, sources: &[RuleSource]) -> QueryResult<()> {
    diesel::delete(recognition_rule_sources::table.filter(recognition_rule_sources::rule_id.eq(rule_id))).execute(conn)?;
    for (i, s) in sources.iter().enumerate() {
        diesel::insert_into(recognition_rule_sources::table)
            .values((
                recognition_rule_sources::rule_id.eq(rule_id),
                recognition_rule_sources::position.eq(i as i32),
                recognition_rule_sources::outcome.eq(s.outcome.to_string()),
                recognition_rule_sources::family.eq(s.outcome.family()),
                recognition_rule_sources::min_level.eq(s.min_level.map(|l| i32::from(l.number()))),
                recognition_rule_sources::within_years.eq(s.within_years.map(|y| y as i32)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Stores a new rule (its sources with it); 409 when the code and version exist.
pub fn insert_rule(conn: &mut DbConnection, owner_id: &str, input: &RuleInput, credits: f64, status: RuleStatus) -> AppResult<String> {
    let id = new_id();
    let ts = now();
    diesel::insert_into(recognition_rules::table)
        .values((
            recognition_rules::id.eq(&id),
            recognition_rules::code.eq(&input.code),
            recognition_rules::version.eq(&input.version),
            recognition_rules::owner_id.eq(owner_id),
            recognition_rules::title.eq(&input.title),
            recognition_rules::description.eq(&input.description),
            recognition_rules::target.eq(input.target.to_string()),
            recognition_rules::effect.eq(input.effect.to_string()),
            recognition_rules::credits.eq(credits),
            recognition_rules::automatic.eq(input.automatic),
            recognition_rules::status.eq(status.as_ref()),
            recognition_rules::created_at.eq(&ts),
            recognition_rules::updated_at.eq(&ts),
        ))
        .execute(conn)
        .map_err(|e| {
            if is_unique_violation(&e) {
                AppError::conflict("version", format!("rule {} version {} exists; give a new version", input.code, input.version))
            } else {
                e.into()
            }
        })?;
    write_sources(conn, &id, &input.sources)?;
    Ok(id)
}

/// Replaces a draft rule's content (code, version and owner stay).
pub fn update_rule(conn: &mut DbConnection, id: &str, input: &RuleInput, credits: f64) -> AppResult<()> {
    diesel::update(recognition_rules::table.find(id))
        .set((
            recognition_rules::title.eq(&input.title),
            recognition_rules::description.eq(&input.description),
            recognition_rules::target.eq(input.target.to_string()),
            recognition_rules::effect.eq(input.effect.to_string()),
            recognition_rules::credits.eq(credits),
            recognition_rules::automatic.eq(input.automatic),
            recognition_rules::updated_at.eq(now()),
        ))
        .execute(conn)?;
    write_sources(conn, id, &input.sources)?;
    Ok(())
}

/// Deletes a rule (drafts only; the caller checks).
pub fn delete_rule(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(recognition_rules::table.find(id)).execute(conn)
}

/// Moves a rule to `to` and records who did it at which level (409 for a transition the
/// lifecycle does not allow). Publishing a version retires the version of the same code
/// published before it, so one version of a code is in force.
pub fn set_rule_status(
    conn: &mut DbConnection,
    row: &RuleRow,
    to: RuleStatus,
    actor_id: Option<&str>,
    comment: Option<&str>,
    acted_as: Option<ReviewStage>,
    review_stage: Option<ReviewStage>,
) -> AppResult<()> {
    let from = row.status();
    let advancing = from == RuleStatus::InReview && to == RuleStatus::InReview && acted_as.is_some() && review_stage.is_some();
    if !advancing && !from.can_move_to(to) {
        return Err(AppError::conflict("status", format!("a {from} rule cannot move to {to}")));
    }
    apply_status(conn, row, to, actor_id, comment, acted_as, review_stage)
}

/// Publishes a draft (or a rule in review) at once, skipping the review levels: for the
/// platform's import with `publish=true` (`stage` = platform, recorded) and the local
/// operator (`actor_id` = `None`, nothing recorded). `services::review::direct_publish`
/// decides who may.
pub fn publish_directly(conn: &mut DbConnection, row: &RuleRow, actor_id: Option<&str>, stage: Option<ReviewStage>) -> AppResult<()> {
    if !matches!(row.status(), RuleStatus::Draft | RuleStatus::InReview) {
        return Err(AppError::conflict("status", format!("a {} rule cannot be published", row.status)));
    }
    let comment = Some(crate::services::review::DIRECT_PUBLISH_COMMENT);
    apply_status(conn, row, RuleStatus::Published, actor_id, comment, stage, None)
}

fn apply_status(
    conn: &mut DbConnection,
    row: &RuleRow,
    to: RuleStatus,
    actor_id: Option<&str>,
    comment: Option<&str>,
    acted_as: Option<ReviewStage>,
    review_stage: Option<ReviewStage>,
) -> AppResult<()> {
    let from = row.status();
    let ts = now();
    if to == RuleStatus::Published {
        let older: Vec<String> = recognition_rules::table
            .filter(recognition_rules::code.eq(&row.code))
            .filter(recognition_rules::status.eq(RuleStatus::Published.as_ref()))
            .filter(recognition_rules::id.ne(&row.id))
            .select(recognition_rules::id)
            .load(conn)?;
        for id in older {
            diesel::update(recognition_rules::table.find(&id))
                .set((recognition_rules::status.eq(RuleStatus::Retired.as_ref()), recognition_rules::updated_at.eq(&ts)))
                .execute(conn)?;
            if let Some(actor) = actor_id {
                record_review(
                    conn,
                    &id,
                    actor,
                    RuleStatus::Published,
                    RuleStatus::Retired,
                    Some("superseded by a newer version"),
                    acted_as,
                )?;
            }
        }
    }
    let stage = review_stage.filter(|_| to == RuleStatus::InReview).map(|s| s.as_ref().to_string());
    diesel::update(recognition_rules::table.find(&row.id))
        .set((recognition_rules::status.eq(to.as_ref()), recognition_rules::review_stage.eq(stage), recognition_rules::updated_at.eq(&ts)))
        .execute(conn)?;
    if let Some(actor) = actor_id {
        record_review(conn, &row.id, actor, from, to, comment, acted_as)?;
    }
    Ok(())
}

fn record_review(
    conn: &mut DbConnection,
    rule_id: &str,
    actor: &str,
    from: RuleStatus,
    to: RuleStatus,
    comment: Option<&str>,
    acted_as: Option<ReviewStage>,
) -> QueryResult<usize> {
    diesel::insert_into(recognition_rule_reviews::table)
        .values((
            recognition_rule_reviews::id.eq(new_id()),
            recognition_rule_reviews::rule_id.eq(rule_id),
            recognition_rule_reviews::reviewer_id.eq(actor),
            recognition_rule_reviews::from_status.eq(from.as_ref()),
            recognition_rule_reviews::to_status.eq(to.as_ref()),
            recognition_rule_reviews::comment.eq(comment),
            recognition_rule_reviews::stage.eq(acted_as.map(|s| s.as_ref().to_string())),
            recognition_rule_reviews::created_at.eq(now()),
        ))
        .execute(conn)
}

/// A rule's review history, oldest first.
pub fn review_history(conn: &mut DbConnection, rule_id: &str) -> QueryResult<Vec<ReviewView>> {
    Ok(review_histories(conn, &[rule_id.to_string()])?.remove(rule_id).unwrap_or_default())
}

/// The review histories of many rules, oldest step first, by rule id: one query per 500 rules.
pub fn review_histories(conn: &mut DbConnection, rule_ids: &[String]) -> QueryResult<HashMap<String, Vec<ReviewView>>> {
    type Step = (String, String, String, Option<String>, String, Option<String>, String);
    let mut out: HashMap<String, Vec<ReviewView>> = HashMap::new();
    for chunk in super::bind_chunks(rule_ids, 1) {
        let rows: Vec<Step> = recognition_rule_reviews::table
            .inner_join(users::table.on(users::id.eq(recognition_rule_reviews::reviewer_id)))
            .filter(recognition_rule_reviews::rule_id.eq_any(chunk))
            .order((recognition_rule_reviews::rule_id, recognition_rule_reviews::created_at, recognition_rule_reviews::id))
            .select((
                recognition_rule_reviews::rule_id,
                recognition_rule_reviews::from_status,
                recognition_rule_reviews::to_status,
                recognition_rule_reviews::stage,
                users::username,
                recognition_rule_reviews::comment,
                recognition_rule_reviews::created_at,
            ))
            .load(conn)?;
        for (id, from_status, to_status, stage, by, comment, at) in rows {
            out.entry(id).or_default().push(ReviewView { from_status, to_status, stage, by, comment, at });
        }
    }
    Ok(out)
}

/// Filters for listing rules.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RuleFilter {
    /// Owning organisation code.
    pub owner: Option<String>,
    /// Status; outsiders see only published and retired rules.
    #[param(value_type = Option<String>)]
    pub status: Option<RuleStatus>,
    /// Only rules with this target outcome key.
    pub target: Option<String>,
    /// Only rules citing this outcome key as a source (for a standard, any level).
    pub source: Option<String>,
    /// Only rules of this effect.
    #[param(value_type = Option<String>)]
    pub effect: Option<RuleEffect>,
    /// Only rules in review awaiting this level (a reviewer's queue).
    #[param(value_type = Option<String>)]
    pub review_stage: Option<ReviewStage>,
    /// Only rules of owners inside this region.
    #[param(value_type = Option<String>)]
    pub region: Option<rongtong_catalog::RegionCode>,
    /// Text in the code or title.
    pub q: Option<String>,
    /// Page number (from 1).
    pub page: Option<i64>,
    /// Page size (1–500).
    pub per_page: Option<i64>,
}

/// Lists the rules `caller` may see; returns `(views, total)`.
pub fn list_rules(conn: &mut DbConnection, caller: &Caller, f: &RuleFilter, limit: i64, offset: i64) -> AppResult<(Vec<RuleView>, i64)> {
    let owner_id = match &f.owner {
        Some(code) => Some(
            organizations::table
                .filter(organizations::code.eq(code))
                .select(organizations::id)
                .first::<String>(conn)
                .optional()?
                .ok_or_else(|| AppError::bad_field("owner", format!("no organization {code}")))?,
        ),
        None => None,
    };
    let private_scope = crate::models::accounts::covered_org_ids(conn, &policy::coverage(caller.principal()))?;
    let region_orgs: Option<Vec<String>> = match &f.region {
        Some(r) => Some(
            organizations::table
                .filter(organizations::region.like(crate::models::accounts::region_prefix_pattern(r)))
                .select(organizations::id)
                .load(conn)?,
        ),
        None => None,
    };
    let source_family = match &f.source {
        Some(s) => Some(s.parse::<OutcomeKey>().map_err(|e| AppError::bad_field("source", e.0))?.family()),
        None => None,
    };
    if let Some(t) = &f.target {
        t.parse::<OutcomeKey>().map_err(|e| AppError::bad_field("target", e.0))?;
    }
    let build = || {
        let mut q = recognition_rules::table.into_boxed();
        if let Some(scope) = &private_scope {
            q = q.filter(
                recognition_rules::status
                    .eq_any([RuleStatus::Published.as_ref(), RuleStatus::Retired.as_ref()])
                    .or(recognition_rules::owner_id.eq_any(scope.clone())),
            );
        }
        if let Some(id) = &owner_id {
            q = q.filter(recognition_rules::owner_id.eq(id.clone()));
        }
        if let Some(s) = f.status {
            q = q.filter(recognition_rules::status.eq(s.as_ref().to_string()));
        }
        if let Some(t) = &f.target {
            q = q.filter(recognition_rules::target.eq(t.clone()));
        }
        if let Some(e) = f.effect {
            q = q.filter(recognition_rules::effect.eq(e.to_string()));
        }
        if let Some(stage) = f.review_stage {
            q = q.filter(recognition_rules::review_stage.eq(stage.as_ref().to_string()));
        }
        if let Some(ids) = &region_orgs {
            q = q.filter(recognition_rules::owner_id.eq_any(ids.clone()));
        }
        if let Some(family) = &source_family {
            q = q.filter(
                recognition_rules::id.eq_any(
                    recognition_rule_sources::table
                        .filter(recognition_rule_sources::family.eq(family.clone()))
                        .select(recognition_rule_sources::rule_id),
                ),
            );
        }
        if let Some(text) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            use crate::models::catalog::{like_escape, lower};
            let pat = format!("%{}%", like_escape(&text.to_lowercase()));
            q = q.filter(
                lower(recognition_rules::code.nullable())
                    .like(pat.clone())
                    .escape('\\')
                    .or(lower(recognition_rules::title.nullable()).like(pat).escape('\\')),
            );
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows = build()
        .order((recognition_rules::code.asc(), recognition_rules::created_at.asc(), recognition_rules::id.asc()))
        .limit(limit)
        .offset(offset)
        .select(RuleRow::as_select())
        .load(conn)?;
    Ok((rule_views(conn, rows)?, total))
}

/// The published rules granting a target (an outcome key), by code.
pub fn published_rules_for_target(conn: &mut DbConnection, target: &str) -> AppResult<Vec<RuleView>> {
    let rows: Vec<RuleRow> = recognition_rules::table
        .filter(recognition_rules::status.eq(RuleStatus::Published.as_ref()))
        .filter(recognition_rules::target.eq(target))
        .order((recognition_rules::code, recognition_rules::id))
        .select(RuleRow::as_select())
        .load(conn)?;
    Ok(rule_views(conn, rows)?)
}

/// Every published rule (optionally of one owner), for the CSV and JSON-LD exports.
pub fn published_rules(conn: &mut DbConnection, owner: Option<&str>) -> AppResult<Vec<RuleView>> {
    let mut q = recognition_rules::table.filter(recognition_rules::status.eq(RuleStatus::Published.as_ref())).into_boxed();
    if let Some(code) = owner {
        let id =
            crate::models::accounts::find_org(conn, code).map_err(|_| AppError::bad_field("owner", format!("no organization {code}")))?.id;
        q = q.filter(recognition_rules::owner_id.eq(id));
    }
    let rows = q.order((recognition_rules::code.asc(), recognition_rules::version.asc())).select(RuleRow::as_select()).load(conn)?;
    Ok(rule_views(conn, rows)?)
}

// ------------------------------------------------------------------ outcomes

/// What the store knows of a course outcome: its provider and credits (latest public version).
#[derive(Debug, Clone)]
pub struct CourseOutcome {
    /// Provider organisation id.
    pub provider_id: String,
    /// Credits of the latest published version.
    pub credits: f64,
}

/// The published (or archived) courses among `codes`, by code: what `course:{code}` may cite.
pub fn public_courses(conn: &mut DbConnection, codes: &[String]) -> QueryResult<HashMap<String, CourseOutcome>> {
    let mut out: HashMap<String, (String, CourseOutcome)> = HashMap::new();
    for chunk in super::bind_chunks(codes, 1) {
        let rows: Vec<(String, String, f64, String)> = courses::table
            .filter(courses::code.eq_any(chunk))
            .filter(courses::status.eq_any(["published", "archived"]))
            .select((courses::code, courses::provider_id, courses::credits, courses::created_at))
            .load(conn)?;
        for (code, provider_id, credits, created) in rows {
            let newer = out.get(&code).is_none_or(|(at, _)| *at < created);
            if newer {
                out.insert(code, (created, CourseOutcome { provider_id, credits }));
            }
        }
    }
    Ok(out.into_iter().map(|(k, (_, v))| (k, v)).collect())
}

/// The occupation codes among `codes` the catalogue knows: what `standard:{code}:{level}` may cite.
pub fn known_occupations(conn: &mut DbConnection, codes: &[String]) -> QueryResult<HashSet<String>> {
    let mut out = HashSet::new();
    for chunk in super::bind_chunks(codes, 1) {
        let got: Vec<Option<String>> = occupations::table.filter(occupations::code.eq_any(chunk)).select(occupations::code).load(conn)?;
        out.extend(got.into_iter().flatten());
    }
    Ok(out)
}

/// An outcome of the catalogue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutcomeView {
    /// The key rules cite, e.g. `course:ZNZZ-01` or `standard:6-18-02-01:4`.
    pub key: String,
    /// `course` or `standard`.
    pub kind: String,
    /// Chinese title (course title, or occupation label with the level's name).
    pub title_zh: Option<String>,
    /// English title.
    pub title_en: Option<String>,
    /// The organisation that owns the outcome (a course's provider); absent for standards.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Course credits (latest published version).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credits: Option<f64>,
    /// Course hours.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hours: Option<f64>,
    /// A standard's level, 1 (highest) to 5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<u8>,
    /// The course version or occupation URI the outcome stands for now.
    pub reference: String,
}

/// Filters of the outcome catalogue.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutcomeFilter {
    /// `course` or `standard`.
    #[param(value_type = Option<String>)]
    pub kind: Option<rongtong_catalog::OutcomeKind>,
    /// Text in the key or title.
    pub q: Option<String>,
    /// Page number (from 1).
    pub page: Option<i64>,
    /// Page size (1–500).
    pub per_page: Option<i64>,
}

/// The outcome catalogue, one page: courses (one per code with a published version, code
/// order), then standards (occupations with a 职业分类大典 code × levels 5 to 1, code order).
pub fn list_outcomes(conn: &mut DbConnection, f: &OutcomeFilter, limit: i64, offset: i64) -> AppResult<(Vec<OutcomeView>, i64)> {
    use crate::models::catalog::{like_escape, lower};
    use rongtong_catalog::OutcomeKind;
    if f.kind == Some(OutcomeKind::External) {
        return Ok((Vec::new(), 0));
    }
    let pat = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(|t| format!("%{}%", like_escape(&t.to_lowercase())));
    let want_courses = f.kind.is_none_or(|k| k == OutcomeKind::Course);
    let want_standards = f.kind.is_none_or(|k| k == OutcomeKind::Standard);
    let course_q = || {
        let mut q = courses::table.filter(courses::status.eq_any(["published", "archived"])).into_boxed();
        if let Some(p) = &pat {
            q = q.filter(
                lower(courses::code.nullable())
                    .like(p.clone())
                    .escape('\\')
                    .or(lower(courses::title_zh.nullable()).like(p.clone()).escape('\\'))
                    .or(lower(courses::title_en).like(p.clone()).escape('\\')),
            );
        }
        q
    };
    let occupation_q = || {
        let mut q = occupations::table.filter(occupations::code.is_not_null()).into_boxed();
        if let Some(p) = &pat {
            q = q.filter(
                lower(occupations::code)
                    .like(p.clone())
                    .escape('\\')
                    .or(lower(occupations::label_zh).like(p.clone()).escape('\\'))
                    .or(lower(occupations::label_en).like(p.clone()).escape('\\')),
            );
        }
        q
    };
    let n_courses: i64 =
        if want_courses { course_q().select(diesel::dsl::count(courses::code).aggregate_distinct()).first(conn)? } else { 0 };
    let n_occupations: i64 = if want_standards { occupation_q().count().get_result(conn)? } else { 0 };
    let total = n_courses + n_occupations * 5;
    let mut items = Vec::new();
    if offset < n_courses {
        let codes: Vec<String> =
            course_q().select(courses::code).distinct().order(courses::code.asc()).limit(limit).offset(offset).load(conn)?;
        type CourseLine = (String, String, String, Option<String>, f64, f64, String);
        let rows: Vec<CourseLine> = courses::table
            .inner_join(organizations::table)
            .filter(courses::code.eq_any(&codes))
            .filter(courses::status.eq_any(["published", "archived"]))
            .order((courses::code.asc(), courses::created_at.desc(), courses::id.desc()))
            .select((
                courses::code,
                courses::version,
                courses::title_zh,
                courses::title_en,
                courses::credits,
                courses::hours,
                organizations::code,
            ))
            .load(conn)?;
        let mut seen = HashSet::new();
        for (code, version, title_zh, title_en, credits, hours, owner) in rows {
            if seen.insert(code.clone()) {
                items.push(OutcomeView {
                    key: format!("course:{code}"),
                    kind: "course".into(),
                    title_zh: Some(title_zh),
                    title_en,
                    owner: Some(owner),
                    credits: Some(credits),
                    hours: Some(hours),
                    level: None,
                    reference: format!("{code}@{version}"),
                });
            }
        }
    }
    let remaining = limit - items.len() as i64;
    if remaining > 0 && n_occupations > 0 {
        let start = (offset - n_courses).max(0);
        let (first_occ, skip_levels) = (start / 5, start % 5);
        let occ_limit = (remaining + skip_levels + 4) / 5;
        type OccupationLine = (Option<String>, Option<String>, Option<String>, String);
        let rows: Vec<OccupationLine> = occupation_q()
            .order(occupations::code.asc())
            .limit(occ_limit)
            .offset(first_occ)
            .select((occupations::code, occupations::label_zh, occupations::label_en, occupations::uri))
            .load(conn)?;
        let standards = rows.into_iter().flat_map(|(code, zh, en, uri)| {
            SkillLevel::ALL_ASCENDING.into_iter().map(move |level| OutcomeView {
                key: format!("standard:{}:{}", code.clone().unwrap_or_default(), level.number()),
                kind: "standard".into(),
                title_zh: zh.as_ref().map(|l| format!("{l}（{}）", level.name_zh())),
                title_en: en.as_ref().map(|l| format!("{l} — {}", level.name_en())),
                owner: None,
                credits: None,
                hours: None,
                level: Some(level.number()),
                reference: uri.clone(),
            })
        });
        items.extend(standards.skip(skip_levels as usize).take(remaining as usize));
    }
    Ok((items, total))
}
