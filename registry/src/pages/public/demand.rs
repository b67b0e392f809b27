//! Published talent demand (人才需求清单): `/demand` (filter by region and skill, 50 a page)
//! and one list with its positions, `/demand/{id}`.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, RawQuery};
use axum::response::{IntoResponse, Response};
use rongtong_catalog::DemandStatus;
use serde::Deserialize;

use super::{Choice, Pager, SkillLine, given, one_page, parse_query, pick, region_choices, region_filter, region_names, skill_filter};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::models::catalog::occupation_labels;
use crate::models::demand::{self as m, DemandFilter, DemandListView};
use crate::pages::ctx::{Ctx, PageResult, render};
use crate::pages::i18n::Lang;
use crate::pages::layout::{Chrome, FieldErrors};

/// `?region=&skill=&page=` of the demand list.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct DemandParams {
    region: Option<String>,
    skill: Option<String>,
    page: Option<String>,
}

/// One demand list in the list.
#[derive(Debug, Clone)]
pub(crate) struct DemandLine {
    /// Its page.
    pub href: String,
    /// Title.
    pub title: String,
    /// The enterprise's name.
    pub enterprise: String,
    /// The region's name.
    pub region: String,
    /// Industry (国民经济行业分类).
    pub industry: String,
    /// Deadline (ISO date; empty when none).
    pub deadline: String,
    /// Positions.
    pub positions: i64,
    /// People wanted in all.
    pub headcount: i64,
}

/// The published demand page.
#[derive(Template)]
#[template(path = "web/public/demand_lists.html")]
pub(crate) struct DemandListsPage {
    c: Chrome,
    skill: String,
    skill_label: String,
    regions: Vec<Choice>,
    items: Vec<DemandLine>,
    pager: Pager,
    errors: FieldErrors,
}

/// `GET /demand`: published demand lists — enterprise, region, industry, deadline, positions
/// and headcount — newest first, filtered by region (a province includes its cities) and by
/// skill (id or URI). The lists are the API's (`models::demand::list_lists`, status
/// published, for the page's caller): an enterprise's drafts are never among them.
pub(crate) async fn list_demand(state: AppState, ctx: Ctx, RawQuery(raw): RawQuery) -> PageResult<Response> {
    let p: DemandParams = parse_query(raw.as_deref())?;
    let (lang, caller) = (ctx.lang, ctx.caller());
    let (region, skill) = (given(&p.region).unwrap_or("").to_string(), given(&p.skill).unwrap_or("").to_string());
    let rg = region.clone();
    let (regions, listed) = state
        .db
        .run(move |c| {
            let published = m::published_regions(c)?;
            let regions = region_choices(c, lang, published, &rg)?;
            let listed = (|| -> AppResult<_> {
                let region = region_filter(given(&p.region))?;
                let skill = skill_filter(c, lang, given(&p.skill))?;
                let f = DemandFilter {
                    region,
                    skill: skill.as_ref().map(|(uri, _)| uri.clone()),
                    status: Some(DemandStatus::Published),
                    ..Default::default()
                };
                let (items, total, page) = one_page(given(&p.page), |limit, offset| m::list_lists(c, &caller, &f, limit, offset))?;
                Ok((items, total, page, skill.map(|(_, label)| label).unwrap_or_default()))
            })();
            Ok::<_, AppError>((regions, listed))
        })
        .await?;
    let (listed, errors, status) = super::filter_outcome(listed)?;
    let names = region_names(&regions);
    let (items, pager, skill_label) = match listed {
        Some((items, total, page, label)) => (
            items.iter().map(|v| line(v, &names)).collect(),
            Pager::new("/demand", &[("region", region.as_str()), ("skill", skill.as_str())], page, total),
            label,
        ),
        None => (Vec::new(), Pager::empty(), String::new()),
    };
    let page = DemandListsPage { c: Chrome::new(&ctx, "public.demand.title"), skill, skill_label, regions, items, pager, errors };
    Ok((status, render(&page)?).into_response())
}

fn line(v: &DemandListView, regions: &HashMap<String, String>) -> DemandLine {
    DemandLine {
        href: format!("/demand/{}", super::enc(&v.id)),
        title: v.title.clone(),
        enterprise: v.enterprise_name.clone(),
        region: regions.get(&v.region).cloned().unwrap_or_else(|| v.region.clone()),
        industry: v.industry.clone().unwrap_or_default(),
        deadline: v.deadline.clone().unwrap_or_default(),
        positions: v.items.len() as i64,
        headcount: v.total_headcount,
    }
}

/// One position of a demand list.
#[derive(Debug, Clone)]
pub(crate) struct PositionLine {
    /// Position title.
    pub position: String,
    /// The occupation's page and label, when it names one.
    pub occupation: Option<(String, String)>,
    /// People wanted.
    pub headcount: i64,
    /// Region (name) of the position.
    pub region: String,
    /// Deadline (ISO date; empty when none).
    pub deadline: String,
    /// Essential skills at their levels.
    pub essential: Vec<SkillLine>,
    /// Optional skills at their levels.
    pub optional: Vec<SkillLine>,
}

/// One demand list's page.
#[derive(Template)]
#[template(path = "web/public/demand_list.html")]
pub(crate) struct DemandListPage {
    c: Chrome,
    list: DemandLine,
    /// Message key of a status other than published (closed, or the enterprise's own draft).
    status_key: Option<&'static str>,
    positions: Vec<PositionLine>,
}

/// `GET /demand/{id}`: one demand list — its positions with headcount, region and deadline,
/// and the skills each needs at their levels, essential and optional. Visible as through
/// `GET /api/v1/demand-lists/{id}` (`models::demand::find_visible_list_row`): a draft is
/// "not found" (404) for everyone but those who cover its enterprise.
pub(crate) async fn find_demand(state: AppState, ctx: Ctx, Path(id): Path<String>) -> PageResult<Response> {
    let who = ctx.principal().cloned();
    let lang = ctx.lang;
    let (view, regions, occupations) = state
        .db
        .run(move |c| {
            let row = m::find_visible_list_row(c, who.as_ref(), &id)?;
            let view = m::list_views(c, vec![row])?.remove(0);
            let codes = std::iter::once(view.region.clone()).chain(view.items.iter().filter_map(|i| i.region.clone()));
            let regions = region_choices(c, lang, codes, "")?;
            let keys: Vec<String> = view.items.iter().filter_map(|i| i.occupation.clone()).collect();
            let occupations = occupation_labels(c, &keys)?;
            Ok::<_, AppError>((view, regions, occupations))
        })
        .await?;
    let names = region_names(&regions);
    let status_key = match view.status.parse::<DemandStatus>() {
        Ok(DemandStatus::Published) => None,
        Ok(DemandStatus::Closed) => Some("public.demand.status.closed"),
        _ => Some("public.demand.status.draft"),
    };
    let positions = view
        .items
        .iter()
        .map(|i| {
            let (essential, optional) = super::requirement_lines(
                lang,
                i.skills.iter().map(|s| (s.skill.as_str(), s.label_zh.as_deref(), s.label_en.as_deref(), s.kind.as_str(), s.min_level)),
            );
            PositionLine {
                position: i.position.clone(),
                occupation: i.occupation.as_ref().map(|o| occupation_link(lang, o, &occupations)),
                headcount: i64::from(i.headcount),
                region: i.region.as_ref().map(|r| names.get(r).cloned().unwrap_or_else(|| r.clone())).unwrap_or_default(),
                deadline: i.deadline.clone().unwrap_or_default(),
                essential,
                optional,
            }
        })
        .collect();
    let list = line(&view, &names);
    let page = DemandListPage { c: Chrome::new(&ctx, "public.demand_list.title").titled(list.title.clone()), list, status_key, positions };
    Ok(render(&page)?.into_response())
}

/// The page and label of a position's occupation (by URI or code); its key when unknown here.
fn occupation_link(lang: Lang, key: &str, known: &HashMap<String, crate::models::catalog::OccupationLabels>) -> (String, String) {
    match known.get(key) {
        Some((id, zh, en)) => (format!("/catalog/occupations/{}", super::enc(id)), pick(lang, zh.as_deref(), en.as_deref())),
        None => (format!("/catalog/occupations/{}", super::enc(key)), key.to_string()),
    }
}
