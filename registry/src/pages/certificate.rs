//! The printable certificate page: what a scanned QR code or a share link opens. A4, in
//! Chinese and English, with the live verification result; the signed JSON by content
//! negotiation.

use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use rongtong_credentials::verify::VerifyOptions;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::error::{AppError, AppPath, AppQuery, AppResult, ErrorBody};
use crate::models::{accounts, credentials as m};
use crate::routes::credentials::{kek, ld_json};
use crate::services::credentials::issuance::IssueContext;
use crate::services::credentials::resolver::DbResolver;

/// `?format=json` on the public credential page.
#[derive(Debug, Deserialize, IntoParams)]
pub struct FormatParam {
    /// `json` for the credential JSON instead of the HTML page.
    pub format: Option<String>,
}

/// The public page of a credential (its share link and QR target): a printable A4
/// certificate in Chinese and English with a QR code and the live verification result; the
/// signed credential JSON with `Accept: application/ld+json` (or `application/vc`,
/// `application/json`) or `?format=json`. Anyone holding the link may see it.
#[utoipa::path(get, path = "/credentials/{id}", tag = "public", params(("id" = String, Path), FormatParam), responses((status = 200, description = "HTML page or credential JSON"), (status = 404, body = ErrorBody)))]
pub async fn find_public_credential(
    state: AppState,
    headers: HeaderMap,
    AppPath(id): AppPath<String>,
    AppQuery(q): AppQuery<FormatParam>,
) -> AppResult<Response> {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let wants_json = q.format.as_deref() == Some("json")
        || accept.contains("application/ld+json")
        || accept.contains("application/vc")
        || (accept.contains("application/json") && !accept.contains("text/html"));
    let kek = kek(&state)?;
    let base = state.base_url().to_string();
    let (row, learner_name, issuer_name, report) = state
        .db
        .run(move |c| {
            let row = m::find_credential(c, &id)?;
            let learner = accounts::find_user(c, &row.learner_id)?.display_name;
            let issuer = accounts::find_org(c, &row.issuer_org_id)?;
            let report = if wants_json {
                None
            } else {
                let doc = row.document()?;
                let ctx = IssueContext { base_url: &base, kek: &kek };
                let resolver = DbResolver::new(c, ctx);
                Some(rongtong_credentials::verify(&doc, &resolver, chrono::Utc::now(), &VerifyOptions::obv3()))
            };
            Ok::<_, AppError>((row, learner, (issuer.name_zh, issuer.name_en), report))
        })
        .await?;
    if wants_json {
        let media = if accept.contains("application/ld+json") { "application/ld+json" } else { "application/json" };
        return Ok(ld_json(row.document()?, media));
    }
    let url = m::public_url(state.base_url(), &row.id);
    Ok(Html(certificate_html(&row, &learner_name, &issuer_name, report.as_ref(), &url)?).into_response())
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn qr_svg(url: &str) -> AppResult<String> {
    let code = qrcode::QrCode::new(url.as_bytes()).map_err(|e| AppError::Internal(format!("QR code: {e}")))?;
    Ok(code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(150, 150).quiet_zone(true).build())
}

fn certificate_html(
    row: &m::CredentialRow,
    learner: &str,
    issuer: &(String, Option<String>),
    report: Option<&rongtong_credentials::VerificationReport>,
    url: &str,
) -> AppResult<String> {
    let doc = row.document()?;
    let ach = &doc["credentialSubject"]["achievement"];
    let name = ach["name"].as_str().unwrap_or(&row.name);
    let (name_zh, name_en) = match name.split_once(" (") {
        Some((zh, en)) => (zh.to_string(), en.trim_end_matches(')').to_string()),
        None => (name.to_string(), String::new()),
    };
    let (title_zh, title_en) = if row.kind() == m::CredentialKind::SkillLevel {
        ("职业技能等级证书", "Vocational Skill Level Certificate")
    } else {
        ("培训合格证书", "Training Certificate")
    };
    let valid_from = doc["validFrom"].as_str().unwrap_or("").get(..10).unwrap_or("");
    let (badge, badge_class) = match (row.status(), report) {
        (m::CredentialStatus::Revoked, _) => (format!("已撤销 Revoked — {}", esc(row.status_reason.as_deref().unwrap_or(""))), "bad"),
        (m::CredentialStatus::Suspended, _) => (format!("已暂停 Suspended — {}", esc(row.status_reason.as_deref().unwrap_or(""))), "bad"),
        (_, Some(r)) if r.verified => ("✓ 已验证 Verified: signature, issuer key, dates and status all check out".to_string(), "ok"),
        (_, Some(r)) => {
            let failed: Vec<&str> = r.checks.iter().filter(|c| !c.passed).map(|c| c.name).collect();
            (format!("✗ 验证未通过 Not verified ({})", failed.join(", ")), "bad")
        }
        _ => (String::new(), "ok"),
    };
    let skills: Vec<String> =
        ach["alignment"].as_array().map(|a| a.iter().filter_map(|x| x["targetName"].as_str()).map(esc).collect()).unwrap_or_default();
    let qr = qr_svg(url)?;
    Ok(format!(
        r#"<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title_zh} · {name_zh}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
@page {{ size: A4 portrait; margin: 0; }}
body {{ margin: 0; background: #eee; font-family: "Noto Serif CJK SC", "Songti SC", SimSun, serif; color: #222; }}
.sheet {{ box-sizing: border-box; width: 210mm; min-height: 297mm; margin: 10mm auto; padding: 22mm 20mm; background: #fff; border: 3mm double #9c1c1c; position: relative; }}
h1 {{ text-align: center; font-size: 30pt; letter-spacing: .4em; color: #9c1c1c; margin: 0; }}
h2 {{ text-align: center; font-size: 13pt; font-weight: normal; margin: 2mm 0 14mm; }}
.holder {{ font-size: 20pt; text-align: center; margin: 8mm 0; }}
.body {{ font-size: 13pt; line-height: 1.9; }}
.en {{ color: #555; font-size: 10.5pt; }}
.meta {{ margin-top: 12mm; font-size: 10pt; }}
.qr {{ position: absolute; right: 20mm; bottom: 20mm; text-align: center; font-size: 8pt; }}
.status {{ padding: 2mm 4mm; margin-top: 8mm; font-size: 10pt; }}
.ok {{ background: #e7f5e9; color: #1b5e20; }} .bad {{ background: #fde8e8; color: #9c1c1c; }}
@media print {{ body {{ background: #fff; }} .sheet {{ margin: 0; }} }}
</style></head>
<body><div class="sheet">
<h1>{title_zh}</h1><h2>{title_en}</h2>
<div class="holder">{learner}</div>
<div class="body">
<p>完成并通过：<strong>{name_zh}</strong><br><span class="en">has successfully completed: {name_en}</span></p>
<p>{skills_line}</p>
<p>颁发机构 Issuer：<strong>{issuer_zh}</strong> <span class="en">{issuer_en}</span><br>
生效日期 Valid from：{valid_from}</p>
</div>
<div class="status {badge_class}">{badge}</div>
<div class="meta">证书编号 Credential ID：{id}<br>签发者 Issuer DID：{issuer_did}<br>
本证书为开放徽章 3.0 可验证凭证，可离线验证。 This is an Open Badges 3.0 verifiable credential; <a href="{url}?format=json">JSON</a>.</div>
<div class="qr">{qr}<br>扫码验证 Scan to verify</div>
</div></body></html>"#,
        title_zh = title_zh,
        title_en = title_en,
        learner = esc(learner),
        name_zh = esc(&name_zh),
        name_en = esc(&name_en),
        skills_line = if skills.is_empty() { String::new() } else { format!("相关技能 Skills：{}", skills.join("、")) },
        issuer_zh = esc(&issuer.0),
        issuer_en = esc(issuer.1.as_deref().unwrap_or("")),
        valid_from = esc(valid_from),
        badge_class = badge_class,
        badge = badge,
        id = esc(&row.id),
        issuer_did = esc(doc["issuer"]["id"].as_str().unwrap_or("")),
        url = esc(url),
        qr = qr,
    ))
}
