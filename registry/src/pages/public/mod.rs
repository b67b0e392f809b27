//! The pages for anyone, no sign-in needed (issue 11; docs/WEB.md "Pages for anyone"): the
//! catalogue of published micro-courses ([`courses`]), skills searched in Chinese or English
//! and the skill picker's suggestions ([`skills`]), occupations ([`occupations`]), published
//! talent demand ([`demand`]), and the verifier ([`verify`]).
//!
//! What a visitor may see is decided where the JSON API decides it: the models' visibility
//! filters over `auth::policy` (published content for everyone; a draft only for those who
//! cover its owner), asked with the page's own caller, so a signed-in provider sees its own
//! draft here exactly as through the API. The pieces the pages share — paging links, labels
//! in the page's language, skill levels, region choices — are below.

mod courses;
mod demand;
mod occupations;
mod skills;
mod verify;

use std::collections::{BTreeSet, HashMap};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use rongtong_catalog::{RegionCode, SkillLevel};
use serde::de::DeserializeOwned;

use super::ctx::PageError;
use super::i18n::Lang;
use super::layout::FieldErrors;
use crate::app::AppState;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::models::pagination::PageParams;

/// Rows on one page of a public list.
const PER_PAGE: i64 = 50;

/// This area's page routes (merged into the web application by `pages::routes`). The
/// verifier does real work per request, so it sits behind the same per-address rate limit
/// as `POST /api/v1/verify`.
pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    let verifier = Router::new().route("/verify", get(verify::find_verify).post(verify::create_verify));
    let verifier: Router<AppState> =
        crate::limits::rate_limited(utoipa_axum::router::OpenApiRouter::from(verifier), &state.config.server.limits).into();
    Router::new()
        .route("/catalog/courses", get(courses::list_courses))
        .route("/catalog/courses/{id}", get(courses::find_course))
        .route("/catalog/skills", get(skills::list_skills))
        .route("/catalog/skills/suggest", get(skills::list_skill_suggestions))
        .route("/catalog/skills/{id}", get(skills::find_skill))
        .route("/catalog/occupations", get(occupations::list_occupations))
        .route("/catalog/occupations/{id}", get(occupations::find_occupation))
        .route("/demand", get(demand::list_demand))
        .route("/demand/{id}", get(demand::find_demand))
        .merge(verifier)
}

/// A page's query string as `T` (whose fields are optional strings, so only a broken
/// encoding fails — a 400 page, not axum's bare text).
fn parse_query<T: DeserializeOwned>(raw: Option<&str>) -> Result<T, PageError> {
    serde_urlencoded::from_str(raw.unwrap_or("")).map_err(|e| PageError(AppError::bad_field("query", e.to_string())))
}

/// A query value with its blanks trimmed, `None` when empty.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// `(page, per_page, offset)` of `?page=` — the API's bounds, the field named when broken.
fn page_of(page: Option<&str>) -> AppResult<(i64, i64, i64)> {
    let page = match page {
        Some(p) => Some(p.parse::<i64>().map_err(|_| AppError::bad_field("page", format!("`{p}` is not a page number")))?),
        None => None,
    };
    PageParams { page, per_page: Some(PER_PAGE) }.resolve()
}

/// One page of a list for `?page=`: `(rows, total, page)`; `list` gets the limit and offset.
fn one_page<T>(page: Option<&str>, list: impl FnOnce(i64, i64) -> AppResult<(Vec<T>, i64)>) -> AppResult<(Vec<T>, i64, i64)> {
    let (page, per_page, offset) = page_of(page)?;
    let (items, total) = list(per_page, offset)?;
    Ok((items, total, page))
}

/// What a list page shows after running its filter: the rows, or — for a filter the models
/// refused (an unknown provider, a malformed region) — no rows, the errors beside the
/// filter's fields and their status (400/422). Anything else is the error page.
fn filter_outcome<T>(listed: AppResult<T>) -> Result<(Option<T>, FieldErrors, StatusCode), PageError> {
    match listed {
        Ok(v) => Ok((Some(v), FieldErrors::none(), StatusCode::OK)),
        Err(e) => match FieldErrors::from_error(&e) {
            Some(errors) => Ok((None, errors, e.status_code())),
            None => Err(PageError(e)),
        },
    }
}

/// A URL path segment or query value, percent-encoded (a skill URI in a path, a search).
fn enc(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// `path?k=v&…` with the empty values left out.
fn link(path: &str, params: &[(&str, &str)]) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    let mut any = false;
    for (k, v) in params.iter().filter(|(_, v)| !v.is_empty()) {
        q.append_pair(k, v);
        any = true;
    }
    if any { format!("{path}?{}", q.finish()) } else { path.to_string() }
}

/// The page links under a list.
#[derive(Debug, Clone)]
pub(crate) struct Pager {
    /// This page (from 1).
    pub page: i64,
    /// How many pages there are (at least 1).
    pub pages: i64,
    /// How many rows match in all.
    pub total: i64,
    /// The previous page's address.
    pub prev: Option<String>,
    /// The next page's address.
    pub next: Option<String>,
}

impl Pager {
    /// Links for page `page` of `total` rows at `path` with the list's other `params`.
    fn new(path: &str, params: &[(&str, &str)], page: i64, total: i64) -> Pager {
        let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
        let at = |n: i64| {
            let n = n.to_string();
            let mut all: Vec<(&str, &str)> = params.to_vec();
            all.push(("page", if n == "1" { "" } else { n.as_str() }));
            link(path, &all)
        };
        Pager { page, pages, total, prev: (page > 1).then(|| at(page - 1)), next: (page < pages).then(|| at(page + 1)) }
    }

    /// No list shown (its filter was refused).
    fn empty() -> Pager {
        Pager { page: 1, pages: 1, total: 0, prev: None, next: None }
    }
}

/// A label in the page's language, else the other one, else empty.
fn pick(lang: Lang, zh: Option<&str>, en: Option<&str>) -> String {
    let (first, second) = match lang {
        Lang::Zh => (zh, en),
        Lang::En => (en, zh),
    };
    first.filter(|s| !s.is_empty()).or(second).unwrap_or("").to_string()
}

/// The label in the other language when it differs from [`pick`]'s (shown smaller beside it).
fn other(lang: Lang, zh: Option<&str>, en: Option<&str>) -> String {
    let shown = pick(lang, zh, en);
    let rest = pick(lang.other(), zh, en);
    if rest == shown { String::new() } else { rest }
}

/// Both labels, `中文 / English` (the skill picker's suggestions).
fn both(zh: Option<&str>, en: Option<&str>) -> String {
    match (zh.filter(|s| !s.is_empty()), en.filter(|s| !s.is_empty())) {
        (Some(z), Some(e)) if z != e => format!("{z} / {e}"),
        (Some(z), _) => z.to_string(),
        (None, Some(e)) => e.to_string(),
        (None, None) => String::new(),
    }
}

/// A national skill level's name, 五级/初级工 … 一级/高级技师, in the page's language.
fn level_name(lang: Lang, number: u8) -> &'static str {
    match (SkillLevel::new(number), lang) {
        (Ok(l), Lang::Zh) => l.name_zh(),
        (Ok(l), Lang::En) => l.name_en(),
        (Err(_), _) => "?",
    }
}

/// A number of hours or credits as people write it: `32`, `2.5`.
fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 { format!("{}", x as i64) } else { format!("{x}") }
}

/// The address of a skill's page in the catalogue (by id or URI).
fn skill_href(id_or_uri: &str) -> String {
    format!("/catalog/skills/{}", enc(id_or_uri))
}

/// One skill as a course, an occupation or a position lists it.
#[derive(Debug, Clone)]
pub(crate) struct SkillLine {
    /// The skill's page.
    pub href: String,
    /// The published courses that teach it.
    pub courses_href: String,
    /// Its label in the page's language.
    pub label: String,
    /// The level taught or required (五级 … 一级).
    pub level: &'static str,
}

impl SkillLine {
    /// The line of skill `uri` at `level`.
    fn new(lang: Lang, uri: &str, zh: Option<&str>, en: Option<&str>, level: u8) -> SkillLine {
        let label = pick(lang, zh, en);
        SkillLine {
            href: skill_href(uri),
            courses_href: link("/catalog/courses", &[("skill", uri)]),
            label: if label.is_empty() { uri.to_string() } else { label },
            level: level_name(lang, level),
        }
    }
}

/// A requirement's parts: skill URI, Chinese and English labels, `essential`/`optional`, level.
type Requirement<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a str, u8);

/// An occupation's or a position's requirements as lines: `(essential, optional)`.
fn requirement_lines<'a>(lang: Lang, reqs: impl Iterator<Item = Requirement<'a>>) -> (Vec<SkillLine>, Vec<SkillLine>) {
    let (mut essential, mut optional) = (Vec::new(), Vec::new());
    for (uri, zh, en, kind, level) in reqs {
        let line = SkillLine::new(lang, uri, zh, en, level);
        if kind == "essential" { essential.push(line) } else { optional.push(line) }
    }
    (essential, optional)
}

/// One option of a filter's `<select>`.
#[derive(Debug, Clone)]
pub(crate) struct Choice {
    /// Its value.
    pub value: String,
    /// What the visitor reads.
    pub label: String,
    /// True when it is the current filter.
    pub selected: bool,
}

/// The regions named by `codes` and the regions enclosing them (a city's province), with
/// their names in the page's language, in code order — one query. A region filter matches
/// everything inside the region chosen.
fn region_choices(conn: &mut DbConnection, lang: Lang, codes: impl IntoIterator<Item = String>, selected: &str) -> AppResult<Vec<Choice>> {
    let mut all = BTreeSet::new();
    for code in codes {
        if let Ok(r) = code.parse::<RegionCode>() {
            let mut at = Some(r);
            while let Some(r) = at {
                at = r.parent();
                all.insert(r.to_string());
            }
        }
    }
    let all: Vec<String> = all.into_iter().collect();
    Ok(crate::models::accounts::find_regions(conn, &all)?
        .into_iter()
        .map(|r| {
            let name = pick(lang, Some(&r.name_zh), Some(&r.name_en));
            let indent = if r.parent.is_some() { "　" } else { "" };
            Choice { selected: r.code == selected, label: format!("{indent}{name}"), value: r.code }
        })
        .collect())
}

/// Region names by code, in the page's language, from [`region_choices`]' options.
fn region_names(choices: &[Choice]) -> HashMap<String, String> {
    choices.iter().map(|c| (c.value.clone(), c.label.trim_start_matches('　').to_string())).collect()
}

/// The `region` filter: a GB/T 2260 code, or a 400 naming the field.
fn region_filter(value: Option<&str>) -> AppResult<Option<RegionCode>> {
    value.map(|r| r.parse::<RegionCode>().map_err(|e| AppError::bad_field("region", e.to_string()))).transpose()
}

/// The `skill` filter, by the skill's id or URI: the skill's URI and label, or a 400 naming
/// the field.
fn skill_filter(conn: &mut DbConnection, lang: Lang, value: Option<&str>) -> AppResult<Option<(String, String)>> {
    let Some(key) = value else { return Ok(None) };
    let row = crate::models::catalog::find_skill_row(conn, key).map_err(|_| AppError::bad_field("skill", format!("no skill {key}")))?;
    let label = pick(lang, row.label_zh.as_deref(), row.label_en.as_deref());
    Ok(Some((row.uri, label)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_leave_out_empty_values_and_encode_the_rest() {
        assert_eq!(
            link("/catalog/courses", &[("q", ""), ("skill", "http://x/s?a=1")]),
            "/catalog/courses?skill=http%3A%2F%2Fx%2Fs%3Fa%3D1"
        );
        assert_eq!(link("/demand", &[("region", "")]), "/demand");
    }

    #[test]
    fn pages_link_back_and_forth_and_page_one_has_no_number() {
        let p = Pager::new("/catalog/skills", &[("q", "焊接")], 2, 120);
        assert_eq!(p.pages, 3);
        assert_eq!(p.prev.as_deref(), Some("/catalog/skills?q=%E7%84%8A%E6%8E%A5"));
        assert_eq!(p.next.as_deref(), Some("/catalog/skills?q=%E7%84%8A%E6%8E%A5&page=3"));
        let one = Pager::new("/demand", &[], 1, 0);
        assert_eq!((one.pages, one.prev, one.next), (1, None, None));
    }

    #[test]
    fn labels_follow_the_page_language_and_fall_back() {
        assert_eq!(pick(Lang::En, Some("焊接"), Some("welding")), "welding");
        assert_eq!(pick(Lang::En, Some("焊接"), None), "焊接");
        assert_eq!(other(Lang::Zh, Some("焊接"), Some("welding")), "welding");
        assert_eq!(both(Some("焊接"), Some("welding")), "焊接 / welding");
        assert_eq!(both(None, Some("welding")), "welding");
        assert_eq!(level_name(Lang::Zh, 5), "五级/初级工");
        assert_eq!(level_name(Lang::En, 1), "Level 1 (senior technician)");
        assert_eq!((num(32.0), num(2.5)), ("32".to_string(), "2.5".to_string()));
    }

    #[test]
    fn every_message_chosen_in_code_is_in_the_catalogue() {
        // Keys a handler or a template's `let` picks: the catalogue test sees only literal calls.
        for key in [
            "public.course.mode.online",
            "public.course.mode.offline",
            "public.course.mode.blended",
            "public.course.status.draft",
            "public.course.status.in_review",
            "public.course.status.archived",
            "public.demand.status.closed",
            "public.demand.status.draft",
            "public.skill.type.knowledge",
            "public.skill.type.skill",
            "public.verify.kind.credential",
            "public.verify.kind.presentation",
            "public.verify.kind.clr",
            "public.verify.verdict.ok",
            "public.verify.verdict.bad",
            "public.verify.verdict.revoked",
            "public.verify.verdict.suspended",
            "public.skills.search",
            "home.search.placeholder",
            "public.occupations.search",
            "public.occupations.search.placeholder",
        ] {
            assert_ne!(crate::pages::i18n::lookup(Lang::Zh, key), "??", "{key}");
        }
    }

    #[test]
    fn a_page_number_is_checked_like_the_api_does() {
        assert_eq!(page_of(None).ok(), Some((1, PER_PAGE, 0)));
        assert_eq!(page_of(Some("3")).ok(), Some((3, PER_PAGE, 2 * PER_PAGE)));
        assert!(page_of(Some("x")).is_err());
        assert!(page_of(Some("0")).is_err());
    }
}
