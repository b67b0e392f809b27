//! The catalogue of published micro-courses: `/catalog/courses` (search, filters by provider,
//! region and skill, 50 a page) and one course, `/catalog/courses/{id}` — by id, `code`
//! (its latest version the visitor may see) or `code@version`.

use askama::Template;
use axum::extract::{Path, RawQuery};
use axum::response::{IntoResponse, Response};
use rongtong_catalog::{CourseStatus, OrgKind};
use serde::Deserialize;

use super::{Choice, Pager, SkillLine, given, num, one_page, parse_query, pick, region_choices, region_filter, skill_filter};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::models::accounts::{self, OrgFilter};
use crate::models::courses::{self as m, CourseFilter, CourseView};
use crate::pages::ctx::{Ctx, PageResult, render};
use crate::pages::i18n::Lang;
use crate::pages::layout::{Chrome, FieldErrors};

/// `?q=&provider=&region=&skill=&page=` of the catalogue.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CourseParams {
    q: Option<String>,
    provider: Option<String>,
    region: Option<String>,
    skill: Option<String>,
    page: Option<String>,
}

/// One course in the list (and on a skill's page).
#[derive(Debug, Clone)]
pub(crate) struct CourseLine {
    /// The course's page.
    pub href: String,
    /// Its code.
    pub code: String,
    /// Its title in the page's language.
    pub title: String,
    /// The provider's name.
    pub provider: String,
    /// Hours.
    pub hours: String,
    /// Credits.
    pub credits: String,
    /// The skills it teaches, with levels.
    pub skills: Vec<SkillLine>,
}

impl CourseLine {
    /// The line of a course view.
    pub(crate) fn of(lang: Lang, v: &CourseView) -> CourseLine {
        CourseLine {
            href: format!("/catalog/courses/{}", super::enc(&v.id)),
            code: v.code.clone(),
            title: pick(lang, Some(&v.title_zh), v.title_en.as_deref()),
            provider: v.provider_name.clone(),
            hours: num(v.hours),
            credits: num(v.credits),
            skills: course_skills(lang, v),
        }
    }
}

fn course_skills(lang: Lang, v: &CourseView) -> Vec<SkillLine> {
    v.skills.iter().map(|s| SkillLine::new(lang, &s.skill, s.label_zh.as_deref(), s.label_en.as_deref(), s.level)).collect()
}

/// The catalogue page.
#[derive(Template)]
#[template(path = "web/public/courses.html")]
pub(crate) struct CoursesPage {
    c: Chrome,
    q: String,
    skill: String,
    /// The skill filtered on, by name (empty without one).
    skill_label: String,
    providers: Vec<Choice>,
    regions: Vec<Choice>,
    items: Vec<CourseLine>,
    pager: Pager,
    errors: FieldErrors,
}

/// The providers that publish courses (colleges and training centres), as filter options.
fn provider_choices(c: &mut crate::db::DbConnection, lang: Lang, selected: &str) -> AppResult<(Vec<Choice>, Vec<String>)> {
    let mut orgs = Vec::new();
    for kind in [OrgKind::College, OrgKind::TrainingCenter] {
        let f = OrgFilter { kind: Some(kind), ..Default::default() };
        orgs.extend(accounts::list_orgs(c, &f, crate::models::pagination::MAX_PER_PAGE, 0)?.0);
    }
    orgs.sort_by(|a, b| a.code.cmp(&b.code));
    let regions = orgs.iter().map(|o| o.region.clone()).collect();
    let choices = orgs
        .into_iter()
        .map(|o| Choice { selected: o.code == selected, label: pick(lang, Some(&o.name_zh), o.name_en.as_deref()), value: o.code })
        .collect();
    Ok((choices, regions))
}

/// `GET /catalog/courses`: published micro-courses, searched by code or title, filtered by
/// provider, region (a province includes its cities) and skill (its id or URI). The courses
/// are the API's (`models::courses::list_courses`, status published, for the page's caller);
/// a filter it refuses is shown beside the filter (400), never a 500.
pub(crate) async fn list_courses(state: AppState, ctx: Ctx, RawQuery(raw): RawQuery) -> PageResult<Response> {
    let p: CourseParams = parse_query(raw.as_deref())?;
    let (lang, caller) = (ctx.lang, ctx.caller());
    let q = given(&p.q).unwrap_or("").to_string();
    let (provider, region, skill) = (
        given(&p.provider).unwrap_or("").to_string(),
        given(&p.region).unwrap_or("").to_string(),
        given(&p.skill).unwrap_or("").to_string(),
    );
    let (pv, rg, qq) = (provider.clone(), region.clone(), q.clone());
    let (providers, regions, listed) = state
        .db
        .run(move |c| {
            let (providers, provider_regions) = provider_choices(c, lang, &pv)?;
            let regions = region_choices(c, lang, provider_regions, &rg)?;
            let listed = (|| -> AppResult<_> {
                let region = region_filter(given(&p.region))?;
                let skill = skill_filter(c, lang, given(&p.skill))?;
                let f = CourseFilter {
                    provider: (!pv.is_empty()).then(|| pv.clone()),
                    status: Some(CourseStatus::Published),
                    skill: skill.as_ref().map(|(uri, _)| uri.clone()),
                    region,
                    q: (!qq.is_empty()).then(|| qq.clone()),
                    ..Default::default()
                };
                let (items, total, page) = one_page(given(&p.page), |limit, offset| m::list_courses(c, &caller, &f, limit, offset))?;
                Ok((items, total, page, skill.map(|(_, label)| label).unwrap_or_default()))
            })();
            Ok::<_, AppError>((providers, regions, listed))
        })
        .await?;
    let c = Chrome::new(&ctx, "public.courses.title");
    let params = [("q", q.as_str()), ("provider", provider.as_str()), ("region", region.as_str()), ("skill", skill.as_str())];
    let (listed, errors, status) = super::filter_outcome(listed)?;
    let (items, pager, skill_label) = match listed {
        Some((items, total, page, label)) => {
            (items.iter().map(|v| CourseLine::of(lang, v)).collect(), Pager::new("/catalog/courses", &params, page, total), label)
        }
        None => (Vec::new(), Pager::empty(), String::new()),
    };
    let page = CoursesPage { c, q, skill, skill_label, providers, regions, items, pager, errors };
    Ok((status, render(&page)?).into_response())
}

/// One course's page.
#[derive(Template)]
#[template(path = "web/public/course.html")]
pub(crate) struct CoursePage {
    c: Chrome,
    code: String,
    version: String,
    title: String,
    /// The title in the other language.
    title_other: String,
    provider: String,
    hours: String,
    credits: String,
    /// Message key of the delivery mode.
    mode_key: &'static str,
    /// Months a certificate stays valid (0: no expiry).
    valid_months: u32,
    description: String,
    /// Message key of a status other than published (a provider's own draft, archived).
    status_key: Option<&'static str>,
    skills: Vec<SkillLine>,
    /// Prerequisites: (address, code).
    prerequisites: Vec<(String, String)>,
}

/// `GET /catalog/courses/{id}`: one course — provider, hours, credits, delivery, the skills it
/// teaches at their levels (五级 … 一级) and its prerequisites. Visible as through
/// `GET /api/v1/courses/{id}` (`models::courses::find_visible_course`): a draft or a course in
/// review is "not found" (404) for anyone who does not cover its provider.
pub(crate) async fn find_course(state: AppState, ctx: Ctx, Path(id): Path<String>) -> PageResult<Response> {
    let who = ctx.principal().cloned();
    let v = state.db.run(move |c| m::find_visible_course(c, who.as_ref(), &id)).await?;
    let lang = ctx.lang;
    let title = pick(lang, Some(&v.title_zh), v.title_en.as_deref());
    let status_key = match v.status.parse::<CourseStatus>() {
        Ok(CourseStatus::Published) => None,
        Ok(CourseStatus::Archived) => Some("public.course.status.archived"),
        Ok(CourseStatus::InReview) => Some("public.course.status.in_review"),
        _ => Some("public.course.status.draft"),
    };
    let page = CoursePage {
        c: Chrome::new(&ctx, "public.course.title").titled(title.clone()),
        title_other: super::other(lang, Some(&v.title_zh), v.title_en.as_deref()),
        title,
        code: v.code.clone(),
        version: v.version.clone(),
        provider: v.provider_name.clone(),
        hours: num(v.hours),
        credits: num(v.credits),
        mode_key: match v.delivery_mode.as_str() {
            "online" => "public.course.mode.online",
            "offline" => "public.course.mode.offline",
            _ => "public.course.mode.blended",
        },
        valid_months: v.valid_months.unwrap_or(0),
        description: pick(lang, v.description_zh.as_deref(), v.description_en.as_deref()),
        status_key,
        skills: course_skills(lang, &v),
        prerequisites: v.prerequisites.iter().map(|p| (format!("/catalog/courses/{}", super::enc(p)), p.clone())).collect(),
    };
    Ok(render(&page)?.into_response())
}
