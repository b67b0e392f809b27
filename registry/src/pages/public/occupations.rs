//! Occupations (职业): `/catalog/occupations` (search by label or 大典 code, 50 a page) and one
//! occupation with the skills it needs, `/catalog/occupations/{id}` (id, URI or code).

use askama::Template;
use axum::extract::{Path, RawQuery};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{Pager, SkillLine, given, parse_query, pick};
use crate::app::AppState;
use crate::error::AppError;
use crate::models::catalog::{self as m, OccupationFilter};
use crate::pages::ctx::{Ctx, PageResult, render};
use crate::pages::layout::{Chrome, FieldErrors};

/// `?q=&page=` of the occupation list.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct OccupationParams {
    q: Option<String>,
    page: Option<String>,
}

/// One occupation in the list.
#[derive(Debug, Clone)]
pub(crate) struct OccupationLine {
    /// Its page.
    pub href: String,
    /// Its 大典 code.
    pub code: String,
    /// Its label in the page's language.
    pub label: String,
    /// Its label in the other language.
    pub other: String,
}

/// The occupation list.
#[derive(Template)]
#[template(path = "web/public/occupations.html")]
pub(crate) struct OccupationsPage {
    c: Chrome,
    q: String,
    items: Vec<OccupationLine>,
    pager: Pager,
    errors: FieldErrors,
}

/// `GET /catalog/occupations?q=`: occupations whose label (Chinese or English) or 大典 code
/// contains the text, as the API lists them (`models::catalog::list_occupations`).
pub(crate) async fn list_occupations(state: AppState, ctx: Ctx, RawQuery(raw): RawQuery) -> PageResult<Response> {
    let p: OccupationParams = parse_query(raw.as_deref())?;
    let q: String = given(&p.q).unwrap_or("").chars().take(100).collect();
    let f = OccupationFilter { q: (!q.is_empty()).then(|| q.clone()), ..Default::default() };
    let listed = state
        .db
        .run(move |c| Ok::<_, AppError>(super::one_page(given(&p.page), |limit, offset| m::list_occupations(c, &f, limit, offset))))
        .await?;
    let (listed, errors, status) = super::filter_outcome(listed)?;
    let lang = ctx.lang;
    let (items, pager) = match listed {
        Some((items, total, page)) => (
            items
                .iter()
                .map(|o| OccupationLine {
                    href: format!("/catalog/occupations/{}", super::enc(&o.id)),
                    code: o.code.clone().unwrap_or_default(),
                    label: pick(lang, o.label_zh.as_deref(), o.label_en.as_deref()),
                    other: super::other(lang, o.label_zh.as_deref(), o.label_en.as_deref()),
                })
                .collect(),
            Pager::new("/catalog/occupations", &[("q", q.as_str())], page, total),
        ),
        None => (Vec::new(), Pager::empty()),
    };
    let page = OccupationsPage { c: Chrome::new(&ctx, "public.occupations.title"), q, items, pager, errors };
    Ok((status, render(&page)?).into_response())
}

/// One occupation's page.
#[derive(Template)]
#[template(path = "web/public/occupation.html")]
pub(crate) struct OccupationPage {
    c: Chrome,
    code: String,
    label: String,
    other: String,
    description: String,
    /// Months a skill-level certificate for it stays valid (0: no expiry).
    valid_months: u32,
    uri: String,
    essential: Vec<SkillLine>,
    optional: Vec<SkillLine>,
}

/// `GET /catalog/occupations/{id}` (id, URI or 大典 code): the occupation and the skills it
/// needs — essential and optional, each at its minimum level (五级 … 一级) — each linking to
/// the skill and to the published courses that teach it.
pub(crate) async fn find_occupation(state: AppState, ctx: Ctx, Path(id): Path<String>) -> PageResult<Response> {
    let o = state.db.run(move |c| m::find_occupation(c, &id)).await?;
    let lang = ctx.lang;
    let label = pick(lang, o.label_zh.as_deref(), o.label_en.as_deref());
    let (essential, optional) = super::requirement_lines(
        lang,
        o.skills.iter().map(|s| (s.skill.as_str(), s.label_zh.as_deref(), s.label_en.as_deref(), s.kind.as_str(), s.min_level)),
    );
    let page = OccupationPage {
        c: Chrome::new(&ctx, "public.occupation.title").titled(label.clone()),
        other: super::other(lang, o.label_zh.as_deref(), o.label_en.as_deref()),
        label,
        code: o.code.clone().unwrap_or_default(),
        description: o.description.clone().unwrap_or_default(),
        valid_months: o.valid_months.unwrap_or(0),
        essential,
        optional,
        uri: o.uri.clone(),
    };
    Ok(render(&page)?.into_response())
}
