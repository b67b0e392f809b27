//! Skills: search by a Chinese or English label (`/catalog/skills?q=`, the home page's search
//! box), one skill with the courses that teach it and the occupations that need it
//! (`/catalog/skills/{id}`), and the skill picker's suggestions (`/catalog/skills/suggest`).

use askama::Template;
use axum::Json;
use axum::extract::{Path, RawQuery};
use axum::response::{IntoResponse, Response};
use rongtong_catalog::{CourseStatus, DemandStatus};
use serde::{Deserialize, Serialize};

use super::courses::CourseLine;
use super::{Pager, given, link, parse_query, pick};
use crate::app::AppState;
use crate::error::AppError;
use crate::models::catalog::{self as m, SkillFilter, SkillView};
use crate::models::courses::{self as courses_m, CourseFilter};
use crate::models::demand::{self as demand_m, DemandFilter};
use crate::pages::ctx::{Ctx, PageResult, render};
use crate::pages::i18n::Lang;
use crate::pages::layout::{Chrome, FieldErrors};

/// The most suggestions the skill picker gets.
const MAX_SUGGESTIONS: i64 = 20;

/// The longest search text looked for (a longer one is cut: no label is that long).
const MAX_QUERY_CHARS: usize = 100;

/// `?q=&page=` of the skill search.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct SkillParams {
    q: Option<String>,
    page: Option<String>,
}

/// The search text: trimmed, at most [`MAX_QUERY_CHARS`] characters.
fn search_text(q: &Option<String>) -> String {
    given(q).unwrap_or("").chars().take(MAX_QUERY_CHARS).collect()
}

/// One skill found.
#[derive(Debug, Clone)]
pub(crate) struct SkillItem {
    /// Its page here.
    pub href: String,
    /// Its label in the page's language.
    pub label: String,
    /// Its label in the other language.
    pub other: String,
    /// Its framework's code.
    pub framework: String,
    /// Message key of its type.
    pub type_key: &'static str,
}

fn type_key(skill_type: &str) -> &'static str {
    if skill_type == "knowledge" { "public.skill.type.knowledge" } else { "public.skill.type.skill" }
}

impl SkillItem {
    fn of(lang: Lang, v: &SkillView) -> SkillItem {
        SkillItem {
            href: super::skill_href(&v.id),
            label: pick(lang, v.label_zh.as_deref(), v.label_en.as_deref()),
            other: super::other(lang, v.label_zh.as_deref(), v.label_en.as_deref()),
            framework: v.framework.clone(),
            type_key: type_key(&v.skill_type),
        }
    }
}

/// The skill search page.
#[derive(Template)]
#[template(path = "web/public/skills.html")]
pub(crate) struct SkillsPage {
    c: Chrome,
    q: String,
    items: Vec<SkillItem>,
    pager: Pager,
    errors: FieldErrors,
}

/// `GET /catalog/skills?q=`: skills whose Chinese, English or alternative label contains the
/// text — the API's search (`models::catalog::list_skills`: case-insensitive, exact label
/// matches first), 50 a page; without `q`, every skill.
pub(crate) async fn list_skills(state: AppState, ctx: Ctx, RawQuery(raw): RawQuery) -> PageResult<Response> {
    let p: SkillParams = parse_query(raw.as_deref())?;
    let q = search_text(&p.q);
    let f = SkillFilter { q: (!q.is_empty()).then(|| q.clone()), ..Default::default() };
    let listed = state
        .db
        .run(move |c| Ok::<_, AppError>(super::one_page(given(&p.page), |limit, offset| m::list_skills(c, &f, limit, offset))))
        .await?;
    let (listed, errors, status) = super::filter_outcome(listed)?;
    let (items, pager) = match listed {
        Some((items, total, page)) => {
            (items.iter().map(|v| SkillItem::of(ctx.lang, v)).collect(), Pager::new("/catalog/skills", &[("q", q.as_str())], page, total))
        }
        None => (Vec::new(), Pager::empty()),
    };
    let page = SkillsPage { c: Chrome::new(&ctx, "public.skills.title"), q, items, pager, errors };
    Ok((status, render(&page)?).into_response())
}

/// One suggestion of the skill picker.
#[derive(Debug, Serialize)]
pub(crate) struct Suggestion {
    /// The skill's id (what the picker's input receives).
    value: String,
    /// `中文 / English`.
    label: String,
}

/// `GET /catalog/skills/suggest?q=`: at most 20 skills matching `q` as JSON
/// `[{"value": <skill id>, "label": "中文 / English"}]`, for `input[data-suggest]` (app.js)
/// — the enterprise and college forms' skill picker. The same search as
/// [`list_skills`]; an empty `q` suggests nothing.
pub(crate) async fn list_skill_suggestions(state: AppState, RawQuery(raw): RawQuery) -> PageResult<Json<Vec<Suggestion>>> {
    let p: SkillParams = parse_query(raw.as_deref())?;
    let q = search_text(&p.q);
    if q.is_empty() {
        return Ok(Json(Vec::new()));
    }
    let (items, _) =
        state.db.run(move |c| m::list_skills(c, &SkillFilter { q: Some(q), ..Default::default() }, MAX_SUGGESTIONS, 0)).await?;
    Ok(Json(
        items.into_iter().map(|v| Suggestion { label: super::both(v.label_zh.as_deref(), v.label_en.as_deref()), value: v.id }).collect(),
    ))
}

/// An occupation needing the skill.
#[derive(Debug, Clone)]
pub(crate) struct NeedLine {
    /// The occupation's page.
    pub href: String,
    /// Its 大典 code.
    pub code: String,
    /// Its label.
    pub label: String,
    /// The level required.
    pub level: &'static str,
    /// Essential (else optional).
    pub essential: bool,
}

/// One skill's page.
#[derive(Template)]
#[template(path = "web/public/skill.html")]
pub(crate) struct SkillPage {
    c: Chrome,
    label: String,
    other: String,
    alt_labels: String,
    description: String,
    framework: String,
    type_key: &'static str,
    uri: String,
    /// The skill's own URI page (`/skills/{id}`, JSON-LD for machines).
    uri_page: String,
    courses: Vec<CourseLine>,
    courses_total: i64,
    /// Every published course teaching it.
    courses_href: String,
    occupations: Vec<NeedLine>,
    demand_total: i64,
    /// Published demand asking for it.
    demand_href: String,
}

/// `GET /catalog/skills/{id}` (the skill's id or URI): its labels and description, the
/// published courses that teach it (with the level), the occupations that need it
/// (essential or optional, at which level) and how many published demand lists ask for it.
pub(crate) async fn find_skill(state: AppState, ctx: Ctx, Path(id): Path<String>) -> PageResult<Response> {
    let caller = ctx.caller();
    let (skill, courses, courses_total, needs, demand_total) = state
        .db
        .run(move |c| {
            let skill = m::find_skill(c, &id)?;
            let f = CourseFilter { skill: Some(skill.uri.clone()), status: Some(CourseStatus::Published), ..Default::default() };
            let (courses, courses_total) = courses_m::list_courses(c, &caller, &f, super::PER_PAGE, 0)?;
            let needs = m::occupations_requiring(c, &skill.id)?;
            let f = DemandFilter { skill: Some(skill.uri.clone()), status: Some(DemandStatus::Published), ..Default::default() };
            let (_, demand_total) = demand_m::list_lists(c, &caller, &f, 1, 0)?;
            Ok::<_, AppError>((skill, courses, courses_total, needs, demand_total))
        })
        .await?;
    let lang = ctx.lang;
    let label = pick(lang, skill.label_zh.as_deref(), skill.label_en.as_deref());
    let page = SkillPage {
        c: Chrome::new(&ctx, "public.skill.title").titled(label.clone()),
        other: super::other(lang, skill.label_zh.as_deref(), skill.label_en.as_deref()),
        label,
        alt_labels: skill.alt_labels.join("、"),
        description: skill.description.clone().unwrap_or_default(),
        framework: skill.framework.clone(),
        type_key: type_key(&skill.skill_type),
        uri_page: format!("/skills/{}", super::enc(&skill.id)),
        courses: courses.iter().map(|v| CourseLine::of(lang, v)).collect(),
        courses_total,
        courses_href: link("/catalog/courses", &[("skill", &skill.id)]),
        occupations: needs
            .iter()
            .map(|n| NeedLine {
                href: format!("/catalog/occupations/{}", super::enc(&n.id)),
                code: n.code.clone().unwrap_or_default(),
                label: pick(lang, n.label_zh.as_deref(), n.label_en.as_deref()),
                level: super::level_name(lang, n.min_level),
                essential: n.kind == "essential",
            })
            .collect(),
        demand_total,
        demand_href: link("/demand", &[("skill", &skill.id)]),
        uri: skill.uri,
    };
    Ok(render(&page)?.into_response())
}
