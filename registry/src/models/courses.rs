//! Micro-courses, curricula and completion records.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use rongtong_catalog::{CourseInput, CourseStatus, CurriculumInput};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Caller, Principal, policy};
use crate::db::schema::{
    completions, course_prerequisites, course_reviews, course_skills, courses, curricula, curriculum_modules, organizations, skills, users,
};
use crate::db::{DbConnection, is_unique_violation, new_id, now};
use crate::error::{AppError, AppResult};
use crate::models::accounts::region_prefix_pattern;
use rongtong_catalog::ReviewStage;

/// A course as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = courses)]
pub struct CourseRow {
    /// Id.
    pub id: String,
    /// Code.
    pub code: String,
    /// Version.
    pub version: String,
    /// Provider organization id.
    pub provider_id: String,
    /// Chinese title.
    pub title_zh: String,
    /// English title.
    pub title_en: Option<String>,
    /// Chinese description.
    pub description_zh: Option<String>,
    /// English description.
    pub description_en: Option<String>,
    /// Hours.
    pub hours: f64,
    /// Credits.
    pub credits: f64,
    /// Delivery mode.
    pub delivery_mode: String,
    /// Status.
    pub status: String,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
    /// While in review: the level that must act next.
    pub review_stage: Option<String>,
    /// Months the training certificate stays valid; `None` = does not expire.
    pub valid_months: Option<i32>,
}

impl CourseRow {
    /// The status as a type.
    pub fn status(&self) -> CourseStatus {
        self.status.parse().unwrap_or(CourseStatus::Draft)
    }
}

/// A skill a course teaches, as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CourseSkillView {
    /// Skill URI.
    pub skill: String,
    /// Chinese label.
    pub label_zh: Option<String>,
    /// English label.
    pub label_en: Option<String>,
    /// Target level, 1 (highest) to 5.
    pub level: u8,
    /// Weight in (0, 1].
    pub weight: f64,
}

/// A course as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CourseView {
    /// Id.
    pub id: String,
    /// Code.
    pub code: String,
    /// Version.
    pub version: String,
    /// Provider organization code.
    pub provider: String,
    /// Provider's Chinese name.
    pub provider_name: String,
    /// Chinese title.
    pub title_zh: String,
    /// English title.
    pub title_en: Option<String>,
    /// Chinese description.
    pub description_zh: Option<String>,
    /// English description.
    pub description_en: Option<String>,
    /// Teaching hours (学时).
    pub hours: f64,
    /// Credits (学分).
    pub credits: f64,
    /// `online`, `offline` or `blended`.
    pub delivery_mode: String,
    /// Months the course's training certificate stays valid (1–600); `null` when it does
    /// not expire.
    pub valid_months: Option<u32>,
    /// `draft`, `in_review`, `published` or `archived`.
    pub status: String,
    /// While `in_review`: the level that must act next — `city`, `province` or `platform`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_stage: Option<String>,
    /// Skills taught.
    pub skills: Vec<CourseSkillView>,
    /// Codes of prerequisite courses.
    pub prerequisites: Vec<String>,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

/// Turns rows into views, loading skills, prerequisites and provider names in three queries.
pub fn course_views(conn: &mut DbConnection, rows: Vec<CourseRow>) -> QueryResult<Vec<CourseView>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut skill_map: HashMap<String, Vec<CourseSkillView>> = HashMap::new();
    let mut prereq_map: HashMap<String, Vec<String>> = HashMap::new();
    let mut providers: HashMap<String, (String, String)> = HashMap::new();
    for chunk in ids.chunks(500) {
        type Taught = (String, String, Option<String>, Option<String>, i32, f64);
        let s: Vec<Taught> = course_skills::table
            .inner_join(skills::table)
            .filter(course_skills::course_id.eq_any(chunk))
            .order((course_skills::course_id, skills::uri))
            .select((
                course_skills::course_id,
                skills::uri,
                skills::label_zh,
                skills::label_en,
                course_skills::level,
                course_skills::weight,
            ))
            .load(conn)?;
        for (cid, skill, label_zh, label_en, level, weight) in s {
            skill_map.entry(cid).or_default().push(CourseSkillView { skill, label_zh, label_en, level: level as u8, weight });
        }
        let p: Vec<(String, String)> = course_prerequisites::table
            .filter(course_prerequisites::course_id.eq_any(chunk))
            .order((course_prerequisites::course_id, course_prerequisites::prerequisite_code))
            .select((course_prerequisites::course_id, course_prerequisites::prerequisite_code))
            .load(conn)?;
        for (cid, code) in p {
            prereq_map.entry(cid).or_default().push(code);
        }
    }
    let provider_ids: HashSet<&String> = rows.iter().map(|r| &r.provider_id).collect();
    let provider_ids: Vec<String> = provider_ids.into_iter().cloned().collect();
    for (id, code, name) in organizations::table
        .filter(organizations::id.eq_any(&provider_ids))
        .select((organizations::id, organizations::code, organizations::name_zh))
        .load::<(String, String, String)>(conn)?
    {
        providers.insert(id, (code, name));
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let (provider, provider_name) = providers.get(&r.provider_id).cloned().unwrap_or_default();
            CourseView {
                skills: skill_map.remove(&r.id).unwrap_or_default(),
                prerequisites: prereq_map.remove(&r.id).unwrap_or_default(),
                id: r.id,
                code: r.code,
                version: r.version,
                provider,
                provider_name,
                title_zh: r.title_zh,
                title_en: r.title_en,
                description_zh: r.description_zh,
                description_en: r.description_en,
                hours: r.hours,
                credits: r.credits,
                delivery_mode: r.delivery_mode,
                valid_months: r.valid_months.and_then(|m| u32::try_from(m).ok()),
                status: r.status,
                review_stage: r.review_stage,
                created_at: r.created_at,
                updated_at: r.updated_at,
            }
        })
        .collect())
}

/// A course row by id, or by `code` (latest version) / `code@version`.
pub fn find_course_row(conn: &mut DbConnection, key: &str) -> AppResult<CourseRow> {
    let by_id = courses::table.find(key).select(CourseRow::as_select()).first(conn).optional()?;
    if let Some(r) = by_id {
        return Ok(r);
    }
    let (code, version) = key.split_once('@').map_or((key, None), |(c, v)| (c, Some(v)));
    let mut q = courses::table.filter(courses::code.eq(code)).into_boxed();
    if let Some(v) = version {
        q = q.filter(courses::version.eq(v.to_string()));
    }
    // Timestamps have whole seconds; ids (UUID v7) break ties in creation order.
    q.order((courses::created_at.desc(), courses::id.desc()))
        .select(CourseRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("course {key}")))
}

/// The latest published (or archived) version of a course code: what `code` means to those
/// who may not see the provider's newer drafts.
pub fn find_public_course_row(conn: &mut DbConnection, code: &str) -> QueryResult<Option<CourseRow>> {
    courses::table
        .filter(courses::code.eq(code))
        .filter(courses::status.eq_any([CourseStatus::Published.as_ref(), CourseStatus::Archived.as_ref()]))
        .order((courses::created_at.desc(), courses::id.desc()))
        .select(CourseRow::as_select())
        .first(conn)
        .optional()
}

/// One course as the API shows it.
pub fn find_course(conn: &mut DbConnection, key: &str) -> AppResult<CourseView> {
    let row = find_course_row(conn, key)?;
    Ok(course_views(conn, vec![row])?.remove(0))
}

/// True when `caller` may see a course of this provider in this status.
pub fn can_see_course(conn: &mut DbConnection, who: Option<&Principal>, row: &CourseRow) -> AppResult<bool> {
    if row.status() == CourseStatus::Published || row.status() == CourseStatus::Archived {
        return Ok(true);
    }
    let Some(p) = who else { return Ok(false) };
    let region: String = organizations::table.find(&row.provider_id).select(organizations::region).first(conn)?;
    let region = region.parse().map_err(|e: rongtong_catalog::RegionCodeError| AppError::Internal(e.to_string()))?;
    Ok(policy::may_see_unpublished(Some(p), &row.provider_id, &region))
}

/// A course `who` may see, by id, `code` or `code@version`; another tenant's draft (or
/// course in review) is "not found", exactly like a course that does not exist.
pub fn find_visible_course_row(conn: &mut DbConnection, who: Option<&Principal>, key: &str) -> AppResult<CourseRow> {
    let row = find_course_row(conn, key)?;
    if can_see_course(conn, who, &row)? { Ok(row) } else { Err(AppError::NotFound(format!("course {key}"))) }
}

/// A course as `who` may see it, by id, `code` or `code@version` (`GET /courses/{id}` and the
/// public course page). Unpublished courses do not exist for outsiders: for them a bare code
/// is the latest published version, not a provider's draft of the next one; anything else
/// they may not see is "not found".
pub fn find_visible_course(conn: &mut DbConnection, who: Option<&Principal>, key: &str) -> AppResult<CourseView> {
    let mut row = find_course_row(conn, key)?;
    if !can_see_course(conn, who, &row)? {
        let public = if row.id != key && !key.contains('@') { find_public_course_row(conn, &row.code)? } else { None };
        row = public.ok_or_else(|| AppError::NotFound(format!("course {key}")))?;
    }
    Ok(course_views(conn, vec![row])?.remove(0))
}

/// Every stored prerequisite edge, as (course code, prerequisite code): what the one cycle
/// check (`rongtong_catalog::prerequisite_cycles`) runs over, loaded in one query.
pub fn prerequisite_edges(conn: &mut DbConnection) -> QueryResult<Vec<(String, String)>> {
    course_prerequisites::table.inner_join(courses::table).select((courses::code, course_prerequisites::prerequisite_code)).load(conn)
}

/// Checks a course's prerequisites: each is a known course code (or one in `batch`), and
/// none leads back to the course (no cycles). Errors name `prerequisites[i]`.
pub fn check_prerequisites(conn: &mut DbConnection, input: &CourseInput, batch: &HashMap<String, Vec<String>>) -> AppResult<()> {
    let mut errs = rongtong_catalog::ValidationErrors::new();
    for (i, p) in input.prerequisites.iter().enumerate() {
        let known: i64 = courses::table.filter(courses::code.eq(p)).count().get_result(conn)?;
        if known == 0 && !batch.contains_key(p) {
            errs.push(format!("prerequisites[{i}]"), format!("no course with code {p}"));
        }
    }
    errs.into_result()?;
    let stored = prerequisite_edges(conn)?;
    let edges = stored
        .iter()
        .map(|(c, p)| (c.as_str(), p.as_str()))
        .chain(batch.iter().flat_map(|(c, ps)| ps.iter().map(move |p| (c.as_str(), p.as_str()))))
        .chain(input.prerequisites.iter().map(|p| (input.code.as_str(), p.as_str())));
    if let Some(cycle) = rongtong_catalog::prerequisite_cycles(edges).into_iter().find(|c| c.courses.contains(&input.code)) {
        return Err(AppError::invalid("prerequisites", format!("course {} would (indirectly) require itself: {cycle}", input.code)));
    }
    Ok(())
}

/// Writes skills and prerequisites of course `id`, replacing what was there.
fn write_course_links(conn: &mut DbConnection, id: &str, input: &CourseInput, skill_ids: &[String]) -> QueryResult<()> {
    diesel::delete(course_skills::table.filter(course_skills::course_id.eq(id))).execute(conn)?;
    diesel::delete(course_prerequisites::table.filter(course_prerequisites::course_id.eq(id))).execute(conn)?;
    let skill_rows: Vec<_> = input
        .skills
        .iter()
        .zip(skill_ids)
        .map(|(s, sid)| {
            (
                course_skills::course_id.eq(id.to_string()),
                course_skills::skill_id.eq(sid.clone()),
                course_skills::level.eq(i32::from(s.level.number())),
                course_skills::weight.eq(s.weight),
            )
        })
        .collect();
    for chunk in super::bind_chunks(&skill_rows, 4) {
        crate::insert_batch!(conn, course_skills::table, chunk)?;
    }
    let prereq_rows: Vec<_> = input
        .prerequisites
        .iter()
        .map(|p| (course_prerequisites::course_id.eq(id.to_string()), course_prerequisites::prerequisite_code.eq(p.clone())))
        .collect();
    for chunk in super::bind_chunks(&prereq_rows, 2) {
        crate::insert_batch!(conn, course_prerequisites::table, chunk)?;
    }
    Ok(())
}

/// A validity in months as the `valid_months` column holds it (validated inputs are at
/// most 600, so the conversion cannot fail; anything larger would be stored as NULL).
pub fn valid_months_column(months: Option<u32>) -> Option<i32> {
    months.and_then(|m| i32::try_from(m).ok())
}

/// Inserts a course of provider `provider_id` in `status`, with resolved skill ids (same
/// order as `input.skills`). The caller has validated input and prerequisites.
pub fn insert_course(
    conn: &mut DbConnection,
    provider_id: &str,
    input: &CourseInput,
    skill_ids: &[String],
    status: CourseStatus,
) -> AppResult<String> {
    let id = new_id();
    let ts = now();
    let res = diesel::insert_into(courses::table)
        .values((
            courses::id.eq(&id),
            courses::code.eq(&input.code),
            courses::version.eq(&input.version),
            courses::provider_id.eq(provider_id),
            courses::title_zh.eq(input.title_zh.trim()),
            courses::title_en.eq(input.title_en.as_deref().map(str::trim)),
            courses::description_zh.eq(&input.description_zh),
            courses::description_en.eq(&input.description_en),
            courses::hours.eq(input.hours),
            courses::credits.eq(input.credits),
            courses::delivery_mode.eq(input.delivery_mode.as_ref()),
            courses::valid_months.eq(valid_months_column(input.valid_months)),
            courses::status.eq(status.as_ref()),
            courses::created_at.eq(&ts),
            courses::updated_at.eq(&ts),
        ))
        .execute(conn);
    match res {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(AppError::conflict(
                "code",
                format!("course {} version {} exists; publish changes as a new version", input.code, input.version),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    write_course_links(conn, &id, input, skill_ids)?;
    Ok(id)
}

/// Replaces the content of course `id` (code and version must stay).
pub fn update_course(conn: &mut DbConnection, id: &str, input: &CourseInput, skill_ids: &[String]) -> AppResult<()> {
    diesel::update(courses::table.find(id))
        .set((
            courses::title_zh.eq(input.title_zh.trim()),
            courses::title_en.eq(input.title_en.as_deref().map(str::trim)),
            courses::description_zh.eq(&input.description_zh),
            courses::description_en.eq(&input.description_en),
            courses::hours.eq(input.hours),
            courses::credits.eq(input.credits),
            courses::delivery_mode.eq(input.delivery_mode.as_ref()),
            courses::valid_months.eq(valid_months_column(input.valid_months)),
            courses::updated_at.eq(now()),
        ))
        .execute(conn)?;
    write_course_links(conn, id, input, skill_ids)?;
    Ok(())
}

/// Moves a course to `to` and records who did it, and at which review level they acted.
/// `review_stage` is what the course awaits afterwards (only while `in_review`).
pub fn set_course_status(
    conn: &mut DbConnection,
    row: &CourseRow,
    to: CourseStatus,
    actor_id: &str,
    comment: Option<&str>,
    acted_as: Option<ReviewStage>,
    review_stage: Option<ReviewStage>,
) -> AppResult<()> {
    let from = row.status();
    // in_review → in_review only as one level's approval handing the course to the next.
    let advancing = from == CourseStatus::InReview && to == CourseStatus::InReview && acted_as.is_some() && review_stage.is_some();
    if !advancing && !from.can_move_to(to) {
        let allowed: Vec<&str> = from.next().iter().map(|s| s.as_ref()).collect();
        return Err(AppError::conflict("status", format!("a {from} course can move to {} only, not {to}", allowed.join(" or "))));
    }
    let stage = review_stage.filter(|_| to == CourseStatus::InReview).map(|s| s.as_ref().to_string());
    diesel::update(courses::table.find(&row.id))
        .set((courses::status.eq(to.as_ref()), courses::review_stage.eq(stage), courses::updated_at.eq(now())))
        .execute(conn)?;
    diesel::insert_into(course_reviews::table)
        .values((
            course_reviews::id.eq(new_id()),
            course_reviews::course_id.eq(&row.id),
            course_reviews::reviewer_id.eq(actor_id),
            course_reviews::from_status.eq(from.as_ref()),
            course_reviews::to_status.eq(to.as_ref()),
            course_reviews::comment.eq(comment),
            course_reviews::stage.eq(acted_as.map(|s| s.as_ref().to_string())),
            course_reviews::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records in the review trail that the given newly stored courses were published directly
/// (draft → published) by `actor_id` acting at `stage`, so the trail shows every path to
/// `published`.
pub(crate) fn record_direct_publish(
    conn: &mut DbConnection,
    course_ids: &[String],
    actor_id: &str,
    stage: ReviewStage,
    comment: &str,
) -> QueryResult<()> {
    let ts = now();
    let rows: Vec<_> = course_ids
        .iter()
        .map(|id| {
            (
                course_reviews::id.eq(new_id()),
                course_reviews::course_id.eq(id.clone()),
                course_reviews::reviewer_id.eq(actor_id.to_string()),
                course_reviews::from_status.eq(CourseStatus::Draft.as_ref().to_string()),
                course_reviews::to_status.eq(CourseStatus::Published.as_ref().to_string()),
                course_reviews::comment.eq(Some(comment.to_string())),
                course_reviews::stage.eq(Some(stage.as_ref().to_string())),
                course_reviews::created_at.eq(ts.clone()),
            )
        })
        .collect();
    for chunk in super::bind_chunks(&rows, 8) {
        crate::insert_batch!(conn, course_reviews::table, chunk)?;
    }
    Ok(())
}

/// One step of a course's review history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewView {
    /// Status before.
    pub from_status: String,
    /// Status after (`in_review` → `in_review` is an approval passed on to the next level).
    pub to_status: String,
    /// The review level the actor acted at; absent for the provider's own steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// Who (username).
    pub by: String,
    /// Their comment (the reason when a course is sent back).
    pub comment: Option<String>,
    /// When.
    pub at: String,
}

/// A course's review history, oldest first.
pub fn review_history(conn: &mut DbConnection, course_id: &str) -> QueryResult<Vec<ReviewView>> {
    Ok(review_histories(conn, &[course_id.to_string()])?.remove(course_id).unwrap_or_default())
}

/// The review histories of many courses, oldest step first, by course id (a reviewer's queue
/// shows each course's trail): one query per 500 courses.
pub fn review_histories(conn: &mut DbConnection, course_ids: &[String]) -> QueryResult<HashMap<String, Vec<ReviewView>>> {
    type Step = (String, String, String, Option<String>, String, Option<String>, String);
    let mut out: HashMap<String, Vec<ReviewView>> = HashMap::new();
    for chunk in super::bind_chunks(course_ids, 1) {
        let rows: Vec<Step> = course_reviews::table
            .inner_join(users::table.on(users::id.eq(course_reviews::reviewer_id)))
            .filter(course_reviews::course_id.eq_any(chunk))
            .order((course_reviews::course_id, course_reviews::created_at, course_reviews::id))
            .select((
                course_reviews::course_id,
                course_reviews::from_status,
                course_reviews::to_status,
                course_reviews::stage,
                users::username,
                course_reviews::comment,
                course_reviews::created_at,
            ))
            .load(conn)?;
        for (id, from_status, to_status, stage, by, comment, at) in rows {
            out.entry(id).or_default().push(ReviewView { from_status, to_status, stage, by, comment, at });
        }
    }
    Ok(out)
}

/// Filters for listing courses.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CourseFilter {
    /// Provider organization code.
    pub provider: Option<String>,
    /// Status; anonymous callers see only published courses.
    #[param(value_type = Option<String>)]
    pub status: Option<CourseStatus>,
    /// Only courses teaching this skill (URI).
    pub skill: Option<String>,
    /// Only courses of providers inside this region.
    #[param(value_type = Option<String>)]
    pub region: Option<rongtong_catalog::RegionCode>,
    /// Only courses in review awaiting this level (`city`, `province`, `platform`): a
    /// reviewer's queue, e.g. `?review_stage=city&region=360300`.
    #[param(value_type = Option<String>)]
    pub review_stage: Option<ReviewStage>,
    /// Text in the code or titles.
    pub q: Option<String>,
    /// Page number (from 1).
    pub page: Option<i64>,
    /// Page size (1–500).
    pub per_page: Option<i64>,
}

/// Lists the courses `caller` may see; returns `(views, total)`.
///
/// Published and archived courses are public; drafts and courses in review are visible to
/// their provider's people and to the admins of the provider's region.
pub fn list_courses(
    conn: &mut DbConnection,
    caller: &Caller,
    f: &CourseFilter,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<CourseView>, i64)> {
    let provider_id = match &f.provider {
        Some(code) => Some(
            organizations::table
                .filter(organizations::code.eq(code))
                .select(organizations::id)
                .first::<String>(conn)
                .optional()?
                .ok_or_else(|| AppError::bad_field("provider", format!("no organization {code}")))?,
        ),
        None => None,
    };
    // Which providers' unpublished courses the caller may see.
    let private_scope = crate::models::accounts::covered_org_ids(conn, &policy::coverage(caller.principal()))?;
    let region_orgs: Option<Vec<String>> = match &f.region {
        Some(r) => {
            Some(organizations::table.filter(organizations::region.like(region_prefix_pattern(r))).select(organizations::id).load(conn)?)
        }
        None => None,
    };
    let skill_courses: Option<Vec<String>> = match &f.skill {
        Some(uri) => {
            Some(course_skills::table.inner_join(skills::table).filter(skills::uri.eq(uri)).select(course_skills::course_id).load(conn)?)
        }
        None => None,
    };
    let build = || {
        let mut q = courses::table.into_boxed();
        if let Some(scope) = &private_scope {
            q = q.filter(courses::status.eq_any(["published", "archived"]).or(courses::provider_id.eq_any(scope.clone())));
        }
        if let Some(id) = &provider_id {
            q = q.filter(courses::provider_id.eq(id.clone()));
        }
        if let Some(s) = f.status {
            q = q.filter(courses::status.eq(s.as_ref().to_string()));
        }
        if let Some(stage) = f.review_stage {
            q = q.filter(courses::review_stage.eq(stage.as_ref().to_string()));
        }
        if let Some(ids) = &region_orgs {
            q = q.filter(courses::provider_id.eq_any(ids.clone()));
        }
        if let Some(ids) = &skill_courses {
            q = q.filter(courses::id.eq_any(ids.clone()));
        }
        if let Some(text) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            use crate::models::catalog::{like_escape, lower};
            let pat = format!("%{}%", like_escape(&text.to_lowercase()));
            q = q.filter(
                lower(courses::code.nullable())
                    .like(pat.clone())
                    .escape('\\')
                    .or(lower(courses::title_zh.nullable()).like(pat.clone()).escape('\\'))
                    .or(lower(courses::title_en).like(pat).escape('\\')),
            );
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows = build()
        .order((courses::code.asc(), courses::version.asc()))
        .limit(limit)
        .offset(offset)
        .select(CourseRow::as_select())
        .load(conn)?;
    Ok((course_views(conn, rows)?, total))
}

// ---------------------------------------------------------------- curricula

/// A curriculum as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CurriculumView {
    /// Id.
    pub id: String,
    /// Code.
    pub code: String,
    /// Provider organization code.
    pub provider: String,
    /// Chinese title.
    pub title_zh: String,
    /// English title.
    pub title_en: Option<String>,
    /// Course codes in teaching order.
    pub modules: Vec<String>,
    /// Total hours of the modules' latest versions.
    pub total_hours: f64,
    /// Total credits.
    pub total_credits: f64,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

/// Checks modules exist; errors name `modules[i]`.
pub fn check_modules(conn: &mut DbConnection, input: &CurriculumInput) -> AppResult<()> {
    let mut errs = rongtong_catalog::ValidationErrors::new();
    for (i, m) in input.modules.iter().enumerate() {
        let n: i64 = courses::table.filter(courses::code.eq(m)).count().get_result(conn)?;
        errs.check(n > 0, format!("modules[{i}]"), format!("no course with code {m}"));
    }
    errs.into_result().map_err(AppError::from)
}

/// Writes a curriculum (insert when `id` is None, else replace).
pub fn save_curriculum(conn: &mut DbConnection, id: Option<&str>, provider_id: &str, input: &CurriculumInput) -> AppResult<String> {
    let ts = now();
    let id = match id {
        Some(id) => {
            diesel::update(curricula::table.find(id))
                .set((curricula::title_zh.eq(&input.title_zh), curricula::title_en.eq(&input.title_en), curricula::updated_at.eq(&ts)))
                .execute(conn)?;
            id.to_string()
        }
        None => {
            let id = new_id();
            let res = diesel::insert_into(curricula::table)
                .values((
                    curricula::id.eq(&id),
                    curricula::code.eq(&input.code),
                    curricula::provider_id.eq(provider_id),
                    curricula::title_zh.eq(&input.title_zh),
                    curricula::title_en.eq(&input.title_en),
                    curricula::created_at.eq(&ts),
                    curricula::updated_at.eq(&ts),
                ))
                .execute(conn);
            match res {
                Ok(_) => id,
                Err(e) if is_unique_violation(&e) => return Err(AppError::conflict("code", format!("curriculum {} exists", input.code))),
                Err(e) => return Err(e.into()),
            }
        }
    };
    diesel::delete(curriculum_modules::table.filter(curriculum_modules::curriculum_id.eq(&id))).execute(conn)?;
    let rows: Vec<_> = input
        .modules
        .iter()
        .enumerate()
        .map(|(i, m)| {
            (
                curriculum_modules::curriculum_id.eq(id.clone()),
                curriculum_modules::position.eq(i as i32),
                curriculum_modules::course_code.eq(m.clone()),
            )
        })
        .collect::<Vec<_>>();
    for chunk in super::bind_chunks(&rows, 3) {
        crate::insert_batch!(conn, curriculum_modules::table, chunk)?;
    }
    Ok(id)
}

/// A curriculum by id; returns it with its provider id.
pub fn find_curriculum(conn: &mut DbConnection, id: &str) -> AppResult<(CurriculumView, String)> {
    curriculum_views(conn, &[id.to_string()])?.pop().ok_or_else(|| AppError::NotFound(format!("curriculum {id}")))
}

/// Curricula by id, in the order given (ids not found are left out), each with its provider
/// id. Four queries per 500 curricula whatever their modules: rows, modules, the modules'
/// latest versions, providers.
fn curriculum_views(conn: &mut DbConnection, ids: &[String]) -> AppResult<Vec<(CurriculumView, String)>> {
    type Row = (String, String, String, String, Option<String>, String, String);
    let mut rows: HashMap<String, Row> = HashMap::new();
    let mut modules: HashMap<String, Vec<String>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let found: Vec<Row> = curricula::table
            .filter(curricula::id.eq_any(chunk))
            .select((
                curricula::id,
                curricula::code,
                curricula::provider_id,
                curricula::title_zh,
                curricula::title_en,
                curricula::created_at,
                curricula::updated_at,
            ))
            .load(conn)?;
        rows.extend(found.into_iter().map(|r| (r.0.clone(), r)));
        let m: Vec<(String, String)> = curriculum_modules::table
            .filter(curriculum_modules::curriculum_id.eq_any(chunk))
            .order((curriculum_modules::curriculum_id, curriculum_modules::position))
            .select((curriculum_modules::curriculum_id, curriculum_modules::course_code))
            .load(conn)?;
        for (cid, code) in m {
            modules.entry(cid).or_default().push(code);
        }
    }
    // Hours and credits of each module's latest version (the first row per code, newest first).
    let codes: Vec<String> = modules.values().flatten().cloned().collect::<HashSet<_>>().into_iter().collect();
    let mut latest: HashMap<String, (f64, f64)> = HashMap::new();
    for chunk in codes.chunks(500) {
        let versions: Vec<(String, f64, f64)> = courses::table
            .filter(courses::code.eq_any(chunk))
            .order((courses::code, courses::created_at.desc()))
            .select((courses::code, courses::hours, courses::credits))
            .load(conn)?;
        for (code, h, c) in versions {
            latest.entry(code).or_insert((h, c));
        }
    }
    let provider_ids: Vec<String> = rows.values().map(|r| r.2.clone()).collect::<HashSet<_>>().into_iter().collect();
    let mut providers: HashMap<String, String> = HashMap::new();
    for chunk in provider_ids.chunks(500) {
        providers.extend(
            organizations::table.filter(organizations::id.eq_any(chunk)).select((organizations::id, organizations::code)).load::<(
                String,
                String,
            )>(
                conn
            )?,
        );
    }
    Ok(ids
        .iter()
        .filter_map(|id| rows.remove(id))
        .map(|(cid, code, provider_id, title_zh, title_en, created_at, updated_at)| {
            let modules = modules.remove(&cid).unwrap_or_default();
            let (total_hours, total_credits) =
                modules.iter().filter_map(|m| latest.get(m)).fold((0.0, 0.0), |(h, c), (mh, mc)| (h + mh, c + mc));
            let provider = providers.get(&provider_id).cloned().unwrap_or_default();
            (
                CurriculumView { id: cid, code, provider, title_zh, title_en, modules, total_hours, total_credits, created_at, updated_at },
                provider_id,
            )
        })
        .collect())
}

/// Lists curricula, optionally of one provider.
pub fn list_curricula(conn: &mut DbConnection, provider: Option<&str>, limit: i64, offset: i64) -> AppResult<(Vec<CurriculumView>, i64)> {
    let build = || {
        let mut q = curricula::table.inner_join(organizations::table).into_boxed();
        if let Some(code) = provider {
            q = q.filter(organizations::code.eq(code.to_string()));
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let ids: Vec<String> = build().order((curricula::code, curricula::id)).limit(limit).offset(offset).select(curricula::id).load(conn)?;
    let items = curriculum_views(conn, &ids)?.into_iter().map(|(v, _)| v).collect();
    Ok((items, total))
}

// ---------------------------------------------------------------- completions

/// A completion record (a learner finished a course).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompletionView {
    /// Id.
    pub id: String,
    /// Learner's username.
    pub learner: String,
    /// Course id.
    pub course_id: String,
    /// Course code.
    pub course_code: String,
    /// Course version.
    pub course_version: String,
    /// Result, e.g. 合格 / pass / a score.
    pub result: String,
    /// Date completed (YYYY-MM-DD).
    pub completed_on: String,
    /// Assessor's name.
    pub assessor: Option<String>,
    /// Recorded at.
    pub created_at: String,
}

/// A new completion record.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompletionInput {
    /// Learner username or id.
    pub learner: String,
    /// Course id, `code` or `code@version`.
    pub course: String,
    /// Result, e.g. 合格.
    pub result: String,
    /// Completion date, YYYY-MM-DD.
    #[schema(value_type = String)]
    #[serde(with = "rongtong_catalog::validate::iso_date")]
    pub completed_on: chrono::NaiveDate,
    /// Assessor's name.
    #[serde(default)]
    pub assessor: Option<String>,
}

/// Records a completion; 409 when the learner already has one for this course.
pub fn insert_completion(
    conn: &mut DbConnection,
    learner_id: &str,
    course_id: &str,
    input: &CompletionInput,
    recorded_by: &str,
) -> AppResult<String> {
    let id = new_id();
    let res = diesel::insert_into(completions::table)
        .values((
            completions::id.eq(&id),
            completions::learner_id.eq(learner_id),
            completions::course_id.eq(course_id),
            completions::result.eq(input.result.trim()),
            completions::completed_on.eq(input.completed_on.to_string()),
            completions::assessor.eq(&input.assessor),
            completions::recorded_by.eq(recorded_by),
            completions::created_at.eq(now()),
        ))
        .execute(conn);
    match res {
        Ok(_) => Ok(id),
        Err(e) if is_unique_violation(&e) => {
            Err(AppError::conflict("course", "this learner's completion of this course is already recorded"))
        }
        Err(e) => Err(e.into()),
    }
}

/// The columns of a [`CompletionView`], selected over completions ⋈ courses ⋈ users.
type CompletionColumns = (
    completions::id,
    users::username,
    courses::id,
    courses::code,
    courses::version,
    completions::result,
    completions::completed_on,
    completions::assessor,
    completions::created_at,
);
const COMPLETION_COLUMNS: CompletionColumns = (
    completions::id,
    users::username,
    courses::id,
    courses::code,
    courses::version,
    completions::result,
    completions::completed_on,
    completions::assessor,
    completions::created_at,
);
type CompletionTuple = (String, String, String, String, String, String, String, Option<String>, String);

fn completion_views(rows: Vec<CompletionTuple>) -> Vec<CompletionView> {
    rows.into_iter()
        .map(|(id, learner, course_id, course_code, course_version, result, completed_on, assessor, created_at)| CompletionView {
            id,
            learner,
            course_id,
            course_code,
            course_version,
            result,
            completed_on,
            assessor,
            created_at,
        })
        .collect()
}

/// Completion records, filtered by learner id and/or provider ids.
pub fn list_completions(
    conn: &mut DbConnection,
    learner_id: Option<&str>,
    provider_ids: Option<&[String]>,
) -> QueryResult<Vec<CompletionView>> {
    let mut q =
        completions::table.inner_join(courses::table).inner_join(users::table.on(users::id.eq(completions::learner_id))).into_boxed();
    if let Some(l) = learner_id {
        q = q.filter(completions::learner_id.eq(l.to_string()));
    }
    if let Some(p) = provider_ids {
        q = q.filter(courses::provider_id.eq_any(p.to_vec()));
    }
    let rows: Vec<CompletionTuple> =
        q.order((completions::completed_on.asc(), completions::id.asc())).select(COMPLETION_COLUMNS).load(conn)?;
    Ok(completion_views(rows))
}

/// Which of a provider's completion records a page lists.
#[derive(Debug, Clone, Default)]
pub struct ProviderCompletions {
    /// Only this course's (id).
    pub course_id: Option<String>,
    /// Only those no certificate has been issued for (a cohort still to certify).
    pub uncertified: bool,
}

/// A provider's completion records, most recently recorded first, a page at a time, and
/// their total: two queries however long the list.
pub fn provider_completions(
    conn: &mut DbConnection,
    provider_id: &str,
    f: &ProviderCompletions,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<CompletionView>, i64)> {
    use crate::db::schema::credentials;
    let build = || {
        let mut q = completions::table
            .inner_join(courses::table)
            .inner_join(users::table.on(users::id.eq(completions::learner_id)))
            .filter(courses::provider_id.eq(provider_id.to_string()))
            .into_boxed();
        if let Some(c) = &f.course_id {
            q = q.filter(completions::course_id.eq(c.clone()));
        }
        if f.uncertified {
            // NOT IN over a column without NULLs (a NULL would make it match nothing).
            let certified = credentials::table.filter(credentials::completion_id.is_not_null()).select(credentials::completion_id);
            q = q.filter(diesel::dsl::not(completions::id.nullable().eq_any(certified)));
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows: Vec<CompletionTuple> = build()
        .order((completions::created_at.desc(), completions::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(COMPLETION_COLUMNS)
        .load(conn)?;
    Ok((completion_views(rows), total))
}

/// A course with completions still to certify: (course id, code, version, Chinese title,
/// completions without a certificate).
pub type UncertifiedCount = (String, String, String, String, i64);

/// A provider's completions that have no certificate yet, counted per course, by code and
/// version — the cohorts still to certify.
pub fn uncertified_by_course(conn: &mut DbConnection, provider_id: &str) -> QueryResult<Vec<UncertifiedCount>> {
    use crate::db::schema::credentials;
    let certified = credentials::table.filter(credentials::completion_id.is_not_null()).select(credentials::completion_id);
    completions::table
        .inner_join(courses::table)
        .filter(courses::provider_id.eq(provider_id))
        .filter(diesel::dsl::not(completions::id.nullable().eq_any(certified)))
        .group_by((courses::id, courses::code, courses::version, courses::title_zh))
        .order((courses::code, courses::version))
        .select((courses::id, courses::code, courses::version, courses::title_zh, diesel::dsl::count_star()))
        .load(conn)
}

/// The provider (organisation id) of the course a completion is of, if the completion exists.
pub fn completion_provider(conn: &mut DbConnection, completion_id: &str) -> QueryResult<Option<String>> {
    completions::table
        .inner_join(courses::table)
        .filter(completions::id.eq(completion_id))
        .select(courses::provider_id)
        .first(conn)
        .optional()
}

/// How many completions a course has.
pub fn count_completions(conn: &mut DbConnection, course_id: &str) -> QueryResult<i64> {
    completions::table.filter(completions::course_id.eq(course_id)).count().get_result(conn)
}

/// Deletes a course (its skills and prerequisites go with it).
pub fn delete_course(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(courses::table.find(id)).execute(conn)
}

/// Deletes a curriculum (its modules go with it).
pub fn delete_curriculum(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(curricula::table.find(id)).execute(conn)
}
