//! `/admin/dashboard`: the regional roll-up (`services::reports`) as tables with bar charts,
//! and each table as a CSV download (`/admin/dashboard/{table}.csv`, UTF-8 with a BOM so that
//! Excel reads the Chinese) with exactly the rows the page shows.
//!
//! A province's admin sees its cities side by side (and the province-level bodies as an area
//! of their own) with the province's total; a city's admin its city; the platform every
//! province. The tables: demand headcount by skill, published courses by skill, certified
//! learners by skill (the top 20 of each), certificates issued / revoked / recognised by
//! area, courses in review by level and area, and the institutions.

use askama::Template;
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::charts::{BarChart, Category};
use super::tr;
use super::{admin, kind_key};
use crate::app::AppState;
use crate::error::AppError;
use crate::pages::ctx::{Ctx, PageResult, render};
use crate::pages::i18n::{Lang, lookup};
use crate::pages::layout::Chrome;
use crate::services::reports::{self, Area, Dashboard, SkillLine};

/// One row of a table.
#[derive(Debug, Clone)]
struct Row {
    /// What the row is, as a code (skill URI, region code, organisation code; `total`).
    key: String,
    /// Its name.
    label: String,
    /// Text columns after the name.
    texts: Vec<String>,
    /// The figures.
    values: Vec<i64>,
    /// The total row (shown in bold).
    total: bool,
}

/// A table of the dashboard, as the page and its CSV download both show it.
#[derive(Debug, Clone)]
struct Table {
    /// Its id: the CSV's file name, the page's `data-table`.
    id: &'static str,
    title_key: &'static str,
    explain_key: &'static str,
    /// The name column's heading.
    label_head: String,
    /// The text columns' headings.
    text_heads: Vec<String>,
    /// The figures' headings.
    value_heads: Vec<String>,
    rows: Vec<Row>,
    /// The chart (inline SVG), if the table has one.
    chart: String,
}

/// The dashboard page.
#[derive(Template)]
#[template(path = "web/admin/dashboard.html")]
struct DashboardPage {
    c: Chrome,
    region_name: String,
    tables: Vec<Table>,
}

/// The tables' ids, in page order.
const TABLES: &[&str] = &["demand", "courses", "learners", "certificates", "reviews", "institutions"];

fn area_name(lang: Lang, a: &Area) -> String {
    let name = match lang {
        Lang::Zh => &a.name_zh,
        Lang::En => &a.name_en,
    };
    if a.province_level { format!("{name}{}", lookup(lang, tr("admin.dash.province_level"))) } else { name.clone() }
}

fn skill_label(lang: Lang, s: &SkillLine) -> String {
    let (first, second) = match lang {
        Lang::Zh => (&s.label_zh, &s.label_en),
        Lang::En => (&s.label_en, &s.label_zh),
    };
    first.clone().or_else(|| second.clone()).unwrap_or_else(|| s.uri.clone())
}

/// A table of skills: one column per area (when there are several) and the total.
fn skill_table(
    lang: Lang,
    d: &Dashboard,
    id: &'static str,
    keys: (&'static str, &'static str, &'static str),
    lines: &[SkillLine],
) -> Table {
    let t = |k| lookup(lang, k).to_string();
    let several = d.areas.len() > 1;
    let mut value_heads: Vec<String> = if several { d.areas.iter().map(|a| area_name(lang, a)).collect() } else { Vec::new() };
    value_heads.push(t(keys.2));
    let rows: Vec<Row> = lines
        .iter()
        .map(|l| {
            let mut values = if several { l.by_area.clone() } else { Vec::new() };
            values.push(l.total);
            Row { key: l.uri.clone(), label: skill_label(lang, l), texts: Vec::new(), values, total: false }
        })
        .collect();
    let chart = BarChart {
        id: id_chart(id),
        title: lookup(lang, keys.0),
        desc: lookup(lang, keys.1),
        series: vec![t(keys.2)],
        categories: rows.iter().map(|r| Category { label: r.label.clone(), values: vec![r.values.last().copied().unwrap_or(0)] }).collect(),
    }
    .to_svg();
    Table {
        id,
        title_key: keys.0,
        explain_key: keys.1,
        label_head: t(tr("admin.dash.skill")),
        text_heads: Vec::new(),
        value_heads,
        rows,
        chart,
    }
}

fn id_chart(id: &str) -> &'static str {
    match id {
        "demand" => "chart-demand",
        "courses" => "chart-courses",
        "learners" => "chart-learners",
        "certificates" => "chart-certificates",
        _ => "chart-reviews",
    }
}

/// A table of areas (rows) with `heads` figures each, a total row, and a chart of the areas.
fn area_table(
    lang: Lang,
    d: &Dashboard,
    id: &'static str,
    keys: (&'static str, &'static str),
    heads: &[&'static str],
    per_area: &[Vec<i64>],
    total: Vec<i64>,
) -> Table {
    let t = |k| lookup(lang, k).to_string();
    let mut rows: Vec<Row> = d
        .areas
        .iter()
        .zip(per_area)
        .map(|(a, v)| Row { key: a.code.clone(), label: area_name(lang, a), texts: Vec::new(), values: v.clone(), total: false })
        .collect();
    let chart = BarChart {
        id: id_chart(id),
        title: lookup(lang, keys.0),
        desc: lookup(lang, keys.1),
        series: heads.iter().map(|k| t(k)).collect(),
        categories: rows.iter().map(|r| Category { label: r.label.clone(), values: r.values.clone() }).collect(),
    }
    .to_svg();
    rows.push(Row { key: "total".into(), label: t(tr("admin.dash.total")), texts: Vec::new(), values: total, total: true });
    Table {
        id,
        title_key: keys.0,
        explain_key: keys.1,
        label_head: t(tr("admin.dash.area")),
        text_heads: Vec::new(),
        value_heads: heads.iter().map(|k| t(k)).collect(),
        rows,
        chart,
    }
}

/// Every table of the dashboard, in the page's language.
fn tables(lang: Lang, d: &Dashboard) -> Vec<Table> {
    let t = |k| lookup(lang, k).to_string();
    let certs: Vec<Vec<i64>> = d.certificates.iter().map(|c| vec![c.issued, c.revoked, c.recognised]).collect();
    let ct = d.certificates_total;
    let reviews: Vec<Vec<i64>> = d.reviews.iter().map(|r| vec![r.city, r.province, r.platform, r.total()]).collect();
    let rt = d.reviews_total;
    let kind = |k: &str| lookup(lang, kind_key(k)).to_string();
    let area_of = |code: &str| d.areas.iter().find(|a| a.code == code).map_or_else(|| code.to_string(), |a| area_name(lang, a));
    let institutions = Table {
        id: "institutions",
        title_key: tr("admin.dash.institutions"),
        explain_key: tr("admin.dash.institutions.explain"),
        label_head: t(tr("admin.dash.institution")),
        text_heads: vec![t(tr("admin.orgs.kind")), t(tr("admin.dash.area"))],
        value_heads: vec![
            t(tr("admin.dash.published_courses")),
            t(tr("admin.dash.in_review")),
            t(tr("admin.dash.issued")),
            t(tr("admin.dash.revoked")),
            t(tr("admin.dash.recognised")),
            t(tr("admin.dash.certified_learners")),
        ],
        rows: d
            .institutions
            .iter()
            .map(|i| Row {
                key: i.code.clone(),
                label: match lang {
                    Lang::Zh => i.name_zh.clone(),
                    Lang::En => i.name_en.clone().unwrap_or_else(|| i.name_zh.clone()),
                },
                texts: vec![kind(&i.kind), area_of(&i.area)],
                values: vec![
                    i.published_courses,
                    i.courses_in_review,
                    i.certificates.issued,
                    i.certificates.revoked,
                    i.certificates.recognised,
                    i.certified_learners,
                ],
                total: false,
            })
            .collect(),
        chart: String::new(),
    };
    vec![
        skill_table(lang, d, "demand", (tr("admin.dash.demand"), tr("admin.dash.demand.explain"), tr("admin.dash.headcount")), &d.demand),
        skill_table(
            lang,
            d,
            "courses",
            (tr("admin.dash.courses"), tr("admin.dash.courses.explain"), tr("admin.dash.published_courses")),
            &d.courses,
        ),
        skill_table(
            lang,
            d,
            "learners",
            (tr("admin.dash.learners"), tr("admin.dash.learners.explain"), tr("admin.dash.certified_learners")),
            &d.learners,
        ),
        area_table(
            lang,
            d,
            "certificates",
            (tr("admin.dash.certificates"), tr("admin.dash.certificates.explain")),
            &[tr("admin.dash.issued"), tr("admin.dash.revoked"), tr("admin.dash.recognised")],
            &certs,
            vec![ct.issued, ct.revoked, ct.recognised],
        ),
        area_table(
            lang,
            d,
            "reviews",
            (tr("admin.dash.reviews"), tr("admin.dash.reviews.explain")),
            &[tr("admin.stage.city"), tr("admin.stage.province"), tr("admin.stage.platform"), tr("admin.dash.total")],
            &reviews,
            vec![rt.city, rt.province, rt.platform, rt.total()],
        ),
        institutions,
    ]
}

/// The dashboard of the signed-in administrator's region.
async fn load(state: &AppState, ctx: &Ctx) -> PageResult<(Dashboard, String)> {
    let (_, region) = admin(ctx)?;
    let lang = ctx.lang;
    let (d, name) = state
        .db
        .run(move |c| -> crate::error::AppResult<_> {
            let d = reports::dashboard(c, region.as_ref())?;
            let name = match &region {
                Some(r) => {
                    let names = crate::models::reports::region_names(c, &[r.to_string()])?;
                    names.get(r.as_str()).map_or_else(|| r.to_string(), |(zh, en)| if lang == Lang::Zh { zh.clone() } else { en.clone() })
                }
                None => lookup(lang, tr("admin.dash.everywhere")).to_string(),
            };
            Ok((d, name))
        })
        .await?;
    Ok((d, name))
}

/// `GET /admin/dashboard`: the roll-up of my region, with charts.
pub(super) async fn find_dashboard(state: AppState, ctx: Ctx) -> PageResult<Response> {
    let (d, region_name) = load(&state, &ctx).await?;
    let page =
        DashboardPage { c: Chrome::new(&ctx, "admin.dash.title").titled(region_name.clone()), region_name, tables: tables(ctx.lang, &d) };
    Ok(render(&page)?.into_response())
}

/// A text cell as a spreadsheet should read it: one starting with `=`, `+`, `-`, `@` or a
/// control character is prefixed with `'`, so that it is never run as a formula.
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_string() }
}

/// The table as CSV: UTF-8 with a BOM, a heading row, then the page's rows in its order
/// (code, name, the text columns, the figures).
fn to_csv(lang: Lang, t: &Table) -> Result<Vec<u8>, AppError> {
    let bad = |e: csv::Error| AppError::Internal(format!("csv: {e}"));
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let mut head = vec![lookup(lang, tr("admin.dash.code")).to_string(), t.label_head.clone()];
    head.extend(t.text_heads.iter().cloned());
    head.extend(t.value_heads.iter().cloned());
    w.write_record(&head).map_err(bad)?;
    for r in &t.rows {
        let mut rec = vec![cell(&r.key), cell(&r.label)];
        rec.extend(r.texts.iter().map(|s| cell(s)));
        rec.extend(r.values.iter().map(i64::to_string));
        w.write_record(&rec).map_err(bad)?;
    }
    w.into_inner().map_err(|e| AppError::Internal(format!("csv: {e}")))
}

/// `GET /admin/dashboard/{table}.csv`: one table of my dashboard as CSV.
pub(super) async fn find_dashboard_csv(state: AppState, ctx: Ctx, Path(file): Path<String>) -> PageResult<Response> {
    let id = file
        .strip_suffix(".csv")
        .and_then(|stem| TABLES.iter().find(|t| **t == stem))
        .ok_or_else(|| AppError::NotFound(format!("dashboard table {file} (there are {})", TABLES.join(", "))))?;
    let (d, _) = load(&state, &ctx).await?;
    let region = d.region.as_ref().map_or_else(|| "all".to_string(), |r| r.to_string());
    let table = tables(ctx.lang, &d).into_iter().find(|t| t.id == *id).ok_or_else(|| AppError::Internal("dashboard table".into()))?;
    let bytes = to_csv(ctx.lang, &table)?;
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    let disposition = format!("attachment; filename=\"dashboard-{id}-{region}.csv\"");
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).map_err(|e| AppError::Internal(e.to_string()))?);
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_a_bom_a_heading_and_neutralised_formulas() {
        let t = Table {
            id: "demand",
            title_key: "admin.dash.demand",
            explain_key: "admin.dash.demand.explain",
            label_head: "技能".into(),
            text_heads: Vec::new(),
            value_heads: vec!["合计".into()],
            rows: vec![Row { key: "k".into(), label: "=HYPERLINK(\"x\")".into(), texts: Vec::new(), values: vec![1234], total: false }],
            chart: String::new(),
        };
        let bytes = to_csv(Lang::Zh, &t).expect("csv");
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
        let text = String::from_utf8(bytes[3..].to_vec()).expect("utf-8");
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("代码,技能,合计"));
        assert_eq!(lines.next(), Some("k,\"'=HYPERLINK(\"\"x\"\")\",1234"), "numbers plain, a formula quoted as text");
    }
}
