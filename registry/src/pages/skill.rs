//! A skill's own URI: `{base}/skills/{id}`, the URI minted for skills created here, answers
//! with the skill as SKOS in JSON-LD (for machines) or as a small HTML page (for people),
//! chosen by the `Accept` header (or `?format=jsonld`).

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use rongtong_catalog::skill::mint_skill_uri;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;

use crate::app::AppState;
use crate::error::{AppError, AppPath, AppQuery, AppResult, ErrorBody};
use crate::models::catalog::{self as m, FrameworkView, SkillView};

/// `?format=` on a skill's page.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SkillFormat {
    /// `jsonld` (or `json`) for the JSON-LD document whatever the `Accept` header says.
    pub format: Option<String>,
}

/// A skill by the URI minted for it (`{base}/skills/{id}`; the skill's id is accepted too):
/// SKOS JSON-LD (`application/ld+json`: `@id` the URI, `@type` `skos:Concept`, `prefLabel`
/// in `zh` and `en`, `altLabel`, `definition`, `inScheme` the framework) by default and for
/// `Accept: application/ld+json` or `application/json`; an HTML page when the client prefers
/// `text/html` (a browser). Public, like the catalog.
#[utoipa::path(get, path = "/skills/{id}", tag = "public", params(("id" = String, Path, description = "the id in the skill's minted URI, or the skill's id"), SkillFormat), responses((status = 200, description = "the skill as JSON-LD (application/ld+json) or an HTML page (text/html)"), (status = 404, body = ErrorBody), (status = 429, description = "over the per-address rate limit; `Retry-After` says when", body = ErrorBody)))]
pub async fn find_public_skill(
    state: AppState,
    headers: HeaderMap,
    AppPath(id): AppPath<String>,
    AppQuery(q): AppQuery<SkillFormat>,
) -> AppResult<Response> {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let html = match q.format.as_deref() {
        Some("jsonld" | "json") => false,
        Some(other) => return Err(AppError::bad_field("format", format!("`{other}`: use jsonld"))),
        None => prefers_html(accept),
    };
    let uri = mint_skill_uri(state.base_url(), &id);
    let (skill, framework) = state
        .db
        .run(move |c| {
            let row = match m::find_skill_row(c, &uri) {
                Err(AppError::NotFound(_)) => m::find_skill_row(c, &id)?,
                other => other?,
            };
            let skill = m::find_skill(c, &row.id)?;
            let framework = m::find_framework(c, &skill.framework)?;
            Ok::<_, AppError>((skill, framework))
        })
        .await?;
    let scheme = scheme_iri(state.base_url(), &framework);
    let mut response = if html {
        Html(skill_html(&skill, &framework, &scheme)).into_response()
    } else {
        ([(header::CONTENT_TYPE, "application/ld+json")], skill_jsonld(&skill, &scheme).to_string()).into_response()
    };
    response.headers_mut().insert(header::VARY, HeaderValue::from_static("accept"));
    Ok(response)
}

/// True when the `Accept` header ranks `text/html` above the JSON types (q-values and
/// wildcards honoured; a tie, a missing header or `*/*` means JSON-LD).
fn prefers_html(accept: Option<&str>) -> bool {
    let (mut html, mut json, mut any) = (None::<f32>, None::<f32>, None::<f32>);
    for range in accept.unwrap_or("").split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts.filter_map(|p| p.trim().strip_prefix("q=").and_then(|v| v.trim().parse::<f32>().ok())).next().unwrap_or(1.0);
        let slot = match media.as_str() {
            "text/html" | "application/xhtml+xml" => &mut html,
            "application/ld+json" | "application/json" => &mut json,
            "*/*" | "text/*" | "application/*" => &mut any,
            _ => continue,
        };
        *slot = Some(slot.map_or(q, |old: f32| old.max(q)));
    }
    let html = html.or(any).unwrap_or(0.0);
    let json = json.or(any).unwrap_or(0.0);
    html > json
}

/// The framework as a SKOS concept scheme IRI: its own URI, or one under the base URL.
fn scheme_iri(base: &str, fw: &FrameworkView) -> String {
    fw.uri.clone().unwrap_or_else(|| format!("{}/frameworks/{}", base.trim_end_matches('/'), fw.code))
}

/// The skill as a `skos:Concept` in JSON-LD (compact form with an inline context).
fn skill_jsonld(skill: &SkillView, scheme: &str) -> Value {
    let mut pref = serde_json::Map::new();
    if let Some(zh) = &skill.label_zh {
        pref.insert("zh".into(), json!(zh));
    }
    if let Some(en) = &skill.label_en {
        pref.insert("en".into(), json!(en));
    }
    let mut doc = json!({
        "@context": {
            "skos": "http://www.w3.org/2004/02/skos/core#",
            "prefLabel": {"@id": "skos:prefLabel", "@container": "@language"},
            "altLabel": {"@id": "skos:altLabel"},
            "definition": {"@id": "skos:definition"},
            "inScheme": {"@id": "skos:inScheme", "@type": "@id"}
        },
        "@id": skill.uri,
        "@type": "skos:Concept",
        "prefLabel": pref,
        "inScheme": scheme,
    });
    if !skill.alt_labels.is_empty() {
        doc["altLabel"] = json!(skill.alt_labels);
    }
    if let Some(d) = &skill.description {
        doc["definition"] = json!(d);
    }
    doc
}

/// Escapes text for HTML content and attribute values.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// A small bilingual page: labels, description, type, framework and the URI.
fn skill_html(skill: &SkillView, fw: &FrameworkView, scheme: &str) -> String {
    let title = skill.label_zh.as_deref().or(skill.label_en.as_deref()).unwrap_or(&skill.uri);
    let row = |zh: &str, en: &str, value: String| format!("<tr><th>{zh} <span class=\"en\">{en}</span></th><td>{value}</td></tr>\n");
    let mut rows = String::new();
    if let Some(zh) = &skill.label_zh {
        rows.push_str(&row("中文名称", "Chinese label", esc(zh)));
    }
    if let Some(en) = &skill.label_en {
        rows.push_str(&row("英文名称", "English label", esc(en)));
    }
    if !skill.alt_labels.is_empty() {
        rows.push_str(&row("别名", "Also known as", skill.alt_labels.iter().map(|l| esc(l)).collect::<Vec<_>>().join("、")));
    }
    if let Some(d) = &skill.description {
        rows.push_str(&row("描述", "Description", esc(d)));
    }
    let kind = if skill.skill_type == "knowledge" { "知识 knowledge" } else { "技能/能力 skill or competence" };
    rows.push_str(&row("类型", "Type", kind.to_string()));
    rows.push_str(&row(
        "技能框架",
        "Framework",
        format!("{} <span class=\"en\">{} {}</span>", esc(&fw.name), esc(&fw.code), esc(&fw.version)),
    ));
    rows.push_str(&row("状态", "Status", esc(&skill.status)));
    rows.push_str(&row("URI", "", format!("<code>{}</code>", esc(&skill.uri))));
    format!(
        r#"<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title} · 融通技能目录</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="alternate" type="application/ld+json" href="?format=jsonld">
<style>
body {{ font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; max-width: 48rem; margin: 2rem auto; padding: 0 1rem; color: #222; }}
h1 {{ margin-bottom: .2rem; }} .en {{ color: #666; font-weight: normal; font-size: .9em; }}
table {{ border-collapse: collapse; width: 100%; margin-top: 1rem; }}
th, td {{ text-align: left; vertical-align: top; padding: .4rem .6rem; border-bottom: 1px solid #ddd; }}
th {{ width: 12rem; }} code {{ word-break: break-all; }}
</style></head>
<body>
<h1>{title}</h1>
<p class="en">技能 Skill · {scheme_label}</p>
<table>
{rows}</table>
<p class="en">机器可读 Machine-readable: <a href="?format=jsonld">SKOS JSON-LD</a></p>
</body></html>"#,
        title = esc(title),
        scheme_label = esc(scheme),
        rows = rows,
    )
}

#[cfg(test)]
mod tests {
    use super::prefers_html;

    #[test]
    fn browsers_get_html_and_everyone_else_json_ld() {
        assert!(prefers_html(Some("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")));
        assert!(prefers_html(Some("text/html")));
        assert!(!prefers_html(None));
        assert!(!prefers_html(Some("*/*")));
        assert!(!prefers_html(Some("application/ld+json")));
        assert!(!prefers_html(Some("application/json, text/html;q=0.5")));
        assert!(prefers_html(Some("application/json;q=0.4, text/html")));
    }
}
