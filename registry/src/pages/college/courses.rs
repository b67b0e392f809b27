//! `/org/courses`: the organisation's courses in every status, with the review stage; a
//! course's page with its skills and review trail; creating and editing drafts; submitting
//! for review and withdrawing. Writes go through `services::courses` — the API's checks.

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use rongtong_catalog::{CourseInput, CourseStatus, SkillLevel};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::form::{self, Fields};
use super::{Pager, Part, key, member, notice, page_of};
use crate::app::AppState;
use crate::auth::{Caller, OrgScope, Principal};
use crate::error::AppError;
use crate::models::courses::{self as m, CourseFilter, CourseView, ReviewView};
use crate::pages::ctx::{CsrfForm, Ctx, PageResult, render};
use crate::pages::i18n::Lang;
use crate::pages::layout::{Chrome, FieldErrors};
use crate::services::courses as svc;

/// Blank skill rows a form offers beyond those filled in (the form works without script: a
/// course with more skills is saved and edited again).
const SPARE_SKILL_ROWS: usize = 3;
/// The most skill rows a form reads.
const MAX_SKILL_ROWS: usize = 100;

/// `?status=&page=` of the course list.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// `draft`, `in_review`, `published` or `archived`; anything else lists all.
    pub status: Option<String>,
    /// Page (from 1).
    pub page: Option<i64>,
}

/// The course list.
#[derive(Template)]
#[template(path = "web/college/courses.html")]
pub struct CoursesPage {
    c: Chrome,
    org: OrgScope,
    courses: Vec<CourseView>,
    total: i64,
    status: String,
    statuses: Vec<(&'static str, &'static str)>,
    pager: Pager,
}

impl CoursesPage {
    /// A status or review stage in the page's language.
    pub fn status_label(&self, s: &str) -> &'static str {
        self.c.t(status_key(s))
    }
}

/// The statuses a course may have, with their message keys.
fn statuses() -> Vec<(&'static str, &'static str)> {
    vec![
        ("draft", "college.status.draft"),
        ("in_review", "college.status.in_review"),
        ("published", "college.status.published"),
        ("archived", "college.status.archived"),
    ]
}

/// The message key of a status, or of a review stage.
pub(super) fn status_key(status: &str) -> &'static str {
    match status {
        "draft" => "college.status.draft",
        "in_review" => "college.status.in_review",
        "published" => "college.status.published",
        "archived" => "college.status.archived",
        "retired" => "college.status.retired",
        "city" => "college.stage.city",
        "province" => "college.stage.province",
        "platform" => "college.stage.platform",
        _ => "college.status.unknown",
    }
}

/// `GET /org/courses`: the organisation's courses, any status, 50 a page.
pub async fn list_courses(state: AppState, ctx: Ctx, Query(q): Query<ListQuery>) -> PageResult<Response> {
    let (p, org) = member(&ctx, Part::Teaching)?;
    let (page, offset) = page_of(q.page);
    let status = q.status.as_deref().and_then(|s| s.parse::<CourseStatus>().ok());
    let filter = CourseFilter { provider: Some(org.code.clone()), status, ..Default::default() };
    let caller = Caller::User(p);
    let (courses, total) = state.db.run(move |c| m::list_courses(c, &caller, &filter, super::PER_PAGE, offset)).await?;
    let status = status.map(|s| s.as_ref().to_string()).unwrap_or_default();
    let pager = Pager::new(page, total, &[("status", &status)]);
    let c = Chrome::new(&ctx, "college.courses.title").with_notice(notice(&ctx));
    Ok(render(&CoursesPage { c, org, courses, total, status, statuses: statuses(), pager })?.into_response())
}

/// One skill row of the course form, as typed.
#[derive(Debug, Clone, Default)]
pub struct SkillRow {
    /// Skill URI.
    pub skill: String,
    /// Level number as typed (`1`–`5`).
    pub level: String,
    /// Weight as typed.
    pub weight: String,
}

/// The course form's fields, as typed.
#[derive(Debug, Clone, Default)]
pub struct CourseForm {
    code: String,
    version: String,
    title_zh: String,
    title_en: String,
    description_zh: String,
    description_en: String,
    hours: String,
    credits: String,
    delivery_mode: String,
    valid_months: String,
    prerequisites: String,
    skills: Vec<SkillRow>,
}

impl CourseForm {
    /// The fields of a submitted form; skill rows left blank are dropped, so the rows shown
    /// again are numbered as the API numbers `skills[i]`.
    fn from_fields(f: &Fields) -> CourseForm {
        let skills = (0..MAX_SKILL_ROWS)
            .map(|i| SkillRow {
                skill: f.get(&format!("skills[{i}].skill")).to_string(),
                level: f.get(&format!("skills[{i}].level")).to_string(),
                weight: f.get(&format!("skills[{i}].weight")).to_string(),
            })
            .filter(|r| !r.skill.is_empty())
            .collect();
        CourseForm {
            code: f.get("code").to_string(),
            version: f.get("version").to_string(),
            title_zh: f.get("title_zh").to_string(),
            title_en: f.get("title_en").to_string(),
            description_zh: f.raw("description_zh").to_string(),
            description_en: f.raw("description_en").to_string(),
            hours: f.get("hours").to_string(),
            credits: f.get("credits").to_string(),
            delivery_mode: f.get("delivery_mode").to_string(),
            valid_months: f.get("valid_months").to_string(),
            prerequisites: f.get("prerequisites").to_string(),
            skills,
        }
    }

    /// A stored course, to edit.
    fn from_view(v: &CourseView) -> CourseForm {
        CourseForm {
            code: v.code.clone(),
            version: v.version.clone(),
            title_zh: v.title_zh.clone(),
            title_en: v.title_en.clone().unwrap_or_default(),
            description_zh: v.description_zh.clone().unwrap_or_default(),
            description_en: v.description_en.clone().unwrap_or_default(),
            hours: v.hours.to_string(),
            credits: v.credits.to_string(),
            delivery_mode: v.delivery_mode.clone(),
            valid_months: v.valid_months.map(|m| m.to_string()).unwrap_or_default(),
            prerequisites: v.prerequisites.join(", "),
            skills: v
                .skills
                .iter()
                .map(|s| SkillRow { skill: s.skill.clone(), level: s.level.to_string(), weight: s.weight.to_string() })
                .collect(),
        }
    }

    /// The body `POST /courses` would receive for this form, for `provider`.
    fn body(&self, provider: &str) -> Map<String, Value> {
        let mut o = Map::new();
        o.insert("code".into(), Value::String(self.code.clone()));
        form::put_opt(&mut o, "version", &self.version);
        o.insert("title_zh".into(), Value::String(self.title_zh.clone()));
        form::put_opt(&mut o, "title_en", &self.title_en);
        form::put_opt(&mut o, "description_zh", &self.description_zh);
        form::put_opt(&mut o, "description_en", &self.description_en);
        o.insert("provider".into(), Value::String(provider.to_string()));
        o.insert("hours".into(), form::number(&self.hours));
        o.insert("credits".into(), form::number(&self.credits));
        form::put_opt(&mut o, "delivery_mode", &self.delivery_mode);
        if !self.valid_months.is_empty() {
            o.insert("valid_months".into(), form::number(&self.valid_months));
        }
        let skills = self
            .skills
            .iter()
            .map(|r| {
                let mut s = Map::new();
                s.insert("skill".into(), Value::String(r.skill.clone()));
                s.insert("level".into(), form::number(&r.level));
                if !r.weight.is_empty() {
                    s.insert("weight".into(), form::number(&r.weight));
                }
                Value::Object(s)
            })
            .collect();
        o.insert("skills".into(), Value::Array(skills));
        o.insert("prerequisites".into(), Value::Array(form::list(&self.prerequisites).into_iter().map(Value::String).collect()));
        o
    }

    /// The rows to show: those filled in, then a few blank ones (level 五级, weight 1).
    pub fn rows(&self) -> Vec<SkillRow> {
        let blank = SkillRow { skill: String::new(), level: "5".into(), weight: "1".into() };
        self.skills.iter().cloned().chain(std::iter::repeat_n(blank, SPARE_SKILL_ROWS)).collect()
    }
}

/// The course form (new or edit).
#[derive(Template)]
#[template(path = "web/college/course_form.html")]
pub struct CourseFormPage {
    c: Chrome,
    org: OrgScope,
    /// Where the form posts.
    action: String,
    /// True when editing (the code and version are fixed).
    editing: bool,
    form: CourseForm,
    errors: FieldErrors,
    /// The five levels, entry level first: (number, name in the page's language).
    levels: Vec<(String, &'static str)>,
    modes: Vec<(&'static str, &'static str)>,
}

/// The five levels, 五级 first, named in `lang`.
pub(super) fn levels(lang: Lang) -> Vec<(String, &'static str)> {
    SkillLevel::ALL_ASCENDING.iter().map(|l| (l.number().to_string(), if lang == Lang::En { l.name_en() } else { l.name_zh() })).collect()
}

impl CourseFormPage {
    fn new(ctx: &Ctx, org: OrgScope, action: String, editing: bool, form: CourseForm, errors: FieldErrors) -> CourseFormPage {
        let title = if editing { "college.course.edit.title" } else { "college.course.new.title" };
        CourseFormPage {
            c: Chrome::new(ctx, title),
            org,
            action,
            editing,
            form,
            errors,
            levels: levels(ctx.lang),
            modes: vec![
                ("blended", "college.course.mode.blended"),
                ("online", "college.course.mode.online"),
                ("offline", "college.course.mode.offline"),
            ],
        }
    }

    /// True when skill row `i`'s `part` (`skill`, `level`, `weight`) has an error.
    pub fn row_has(&self, i: &usize, part: &str) -> bool {
        self.errors.has(&format!("skills[{i}].{part}"))
    }

    /// The error of skill row `i`'s `part` (`skill`, `level`, `weight`).
    pub fn row_error(&self, i: &usize, part: &str) -> String {
        self.errors.of(&format!("skills[{i}].{part}"))
    }
}

/// `GET /org/courses/new`: an empty course form.
pub async fn new_course(ctx: Ctx) -> PageResult<Response> {
    let (_, org) = member(&ctx, Part::Teaching)?;
    let form = CourseForm { version: "1".into(), delivery_mode: "blended".into(), ..Default::default() };
    Ok(render(&CourseFormPage::new(&ctx, org, "/org/courses".into(), false, form, FieldErrors::none()))?.into_response())
}

/// Saves a course form with `save` (create or update); on success goes to the course's page
/// with a notice, on a refused input shows the form again with the errors beside the fields
/// (422/409, nothing stored).
async fn save_course<F>(
    state: AppState,
    ctx: Ctx,
    org: OrgScope,
    action: String,
    editing: bool,
    form: CourseForm,
    save: F,
) -> PageResult<Response>
where
    F: FnOnce(&mut crate::db::DbConnection, &CourseInput) -> crate::error::AppResult<CourseView> + Send + 'static,
{
    let body = form.body(&org.code);
    let result = match form::input::<CourseInput>(body) {
        Ok(input) => state.db.run(move |c| save(c, &input)).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(view) => {
            let done = if editing { "saved" } else { "created" };
            Ok(Redirect::to(&format!("/org/courses/{}?done={done}", view.id)).into_response())
        }
        Err(e) => match FieldErrors::from_error(&e) {
            Some(errors) => {
                let page = CourseFormPage::new(&ctx, org, action, editing, form, errors);
                Ok((e.status_code(), render(&page)?).into_response())
            }
            None => Err(e.into()),
        },
    }
}

/// `POST /org/courses`: creates a draft course of the organisation (`services::courses::create_course`).
pub async fn create_course(state: AppState, ctx: Ctx, CsrfForm(fields): CsrfForm<Vec<(String, String)>>) -> PageResult<Response> {
    let (p, org) = member(&ctx, Part::Teaching)?;
    let form = CourseForm::from_fields(&Fields(fields));
    save_course(state, ctx, org, "/org/courses".into(), false, form, move |c, input| svc::create_course(c, &p, input)).await
}

/// The organisation's course `id` (by id, `code` or `code@version`): another organisation's
/// course, published or not, is "not found" here.
fn own_course(c: &mut crate::db::DbConnection, p: &Principal, org: &OrgScope, id: &str) -> crate::error::AppResult<m::CourseRow> {
    let row = m::find_visible_course_row(c, Some(p), id)?;
    if row.provider_id != org.id {
        return Err(AppError::NotFound(format!("course {id}")));
    }
    Ok(row)
}

/// `GET /org/courses/{id}/edit`: the form of a draft, filled in.
pub async fn edit_course(state: AppState, ctx: Ctx, Path(id): Path<String>) -> PageResult<Response> {
    let (p, org) = member(&ctx, Part::Teaching)?;
    let id = key(id)?;
    let o = org.clone();
    let view = state
        .db
        .run(move |c| {
            let row = own_course(c, &p, &o, &id)?;
            Ok::<_, AppError>(m::course_views(c, vec![row])?.remove(0))
        })
        .await?;
    let errors = if view.status == CourseStatus::Draft.as_ref() {
        FieldErrors::none()
    } else {
        FieldErrors { items: vec![(String::new(), ctx.t("college.course.edit.only_drafts").to_string())] }
    };
    let page = CourseFormPage::new(&ctx, org, format!("/org/courses/{}", view.id), true, CourseForm::from_view(&view), errors);
    Ok(render(&page)?.into_response())
}

/// `POST /org/courses/{id}`: saves a draft (`services::courses::update_course`).
pub async fn update_course(
    state: AppState,
    ctx: Ctx,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let (p, org) = member(&ctx, Part::Teaching)?;
    let id = key(id)?;
    let form = CourseForm::from_fields(&Fields(fields));
    let (o, key_id) = (org.clone(), id.clone());
    let action = format!("/org/courses/{id}");
    save_course(state, ctx, org, action, true, form, move |c, input| {
        own_course(c, &p, &o, &key_id)?;
        svc::update_course(c, &p, &key_id, input)
    })
    .await
}

/// A course's page.
#[derive(Template)]
#[template(path = "web/college/course.html")]
pub struct CoursePage {
    c: Chrome,
    course: CourseView,
    reviews: Vec<ReviewView>,
    levels: Vec<(String, &'static str)>,
    /// Why the last status change was refused, if it was.
    problem: String,
}

impl CoursePage {
    /// A status or review stage in the page's language.
    pub fn status_label(&self, s: &str) -> &'static str {
        self.c.t(status_key(s))
    }

    /// The name of a level number in the page's language.
    pub fn level_name(&self, n: &u8) -> &'static str {
        self.levels.iter().find(|(k, _)| *k == n.to_string()).map(|(_, v)| *v).unwrap_or("?")
    }
}

async fn course_page(state: &AppState, ctx: &Ctx, id: String, problem: String) -> PageResult<CoursePage> {
    let (p, org) = member(ctx, Part::Teaching)?;
    let id = key(id)?;
    let (course, reviews) = state
        .db
        .run(move |c| {
            let row = own_course(c, &p, &org, &id)?;
            let reviews = m::review_history(c, &row.id)?;
            Ok::<_, AppError>((m::course_views(c, vec![row])?.remove(0), reviews))
        })
        .await?;
    let c = Chrome::new(ctx, "college.course.title").titled(format!("{} {}", course.code, course.title_zh)).with_notice(notice(ctx));
    Ok(CoursePage { c, course, reviews, levels: levels(ctx.lang), problem })
}

/// `GET /org/courses/{id}`: a course with its skills, its status and review stage, the
/// actions its status allows, and its review trail (`GET /courses/{id}/reviews`).
pub async fn find_course(state: AppState, ctx: Ctx, Path(id): Path<String>) -> PageResult<Response> {
    let page = course_page(&state, &ctx, id, String::new()).await?;
    Ok(render(&page)?.into_response())
}

/// The status form: the status asked for, and a comment.
#[derive(Debug, Deserialize)]
pub struct StatusForm {
    /// `in_review` (submit) or `draft` (withdraw).
    #[serde(default)]
    pub status: String,
    /// Why.
    #[serde(default)]
    pub comment: String,
}

/// `POST /org/courses/{id}/status`: submits a draft for review, or withdraws it
/// (`services::courses::change_status`, the API's review rules). A refused change shows the
/// course again with the reason (409).
pub async fn update_course_status(
    state: AppState,
    ctx: Ctx,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<StatusForm>,
) -> PageResult<Response> {
    let (p, org) = member(&ctx, Part::Teaching)?;
    let id = key(id)?;
    let requested = match f.status.parse::<CourseStatus>() {
        Ok(s) => s,
        Err(_) => return Err(AppError::invalid("status", format!("`{}`: not a course status", f.status)).into()),
    };
    let comment = Some(f.comment.trim().to_string()).filter(|c| !c.is_empty());
    let key_id = id.clone();
    let result = state
        .db
        .run(move |c| {
            let row = own_course(c, &p, &org, &key_id)?;
            svc::change_status(c, &p, &row.id, requested, comment.as_deref())
        })
        .await;
    match result {
        Ok(view) => {
            let done = if requested == CourseStatus::InReview { "submitted" } else { "withdrawn" };
            Ok(Redirect::to(&format!("/org/courses/{}?done={done}", view.id)).into_response())
        }
        Err(e @ (AppError::Conflict { .. } | AppError::Validation(_) | AppError::Forbidden(_))) => {
            let status = e.status_code();
            let page = course_page(&state, &ctx, id, e.to_string()).await?;
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
