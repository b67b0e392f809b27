//! The printable certificate page: what a scanned QR code or a share link opens. A4, in
//! Chinese with a full English line under each Chinese one, with the live verification
//! result; the signed JSON by content negotiation.
//!
//! **Everything printed comes from the signed document** — the learner's name, the course
//! title, hours, credits, grade, certificate number, issuer name and validity — read by
//! [`SignedCertificate::from_document`], never from today's database rows, so the page says
//! exactly what the issuer signed and what any other verifier sees. Only the live status
//! (revoked or suspended, with the reason) comes from the store, and the verdict (with its
//! `dates` check, which decides "expired") from the verifier. Certificates signed before a
//! detail existed simply lack its line. The page is rendered from
//! `registry/templates/certificate.html` (askama: checked at compile time, HTML-escaped).

use std::sync::Arc;

use askama::Template;
use axum::http::{HeaderMap, header};
use axum::response::Response;
use chrono::{Datelike, NaiveDate, Utc};
use rongtong_credentials::VerificationReport;
use rongtong_credentials::verify::{CHECK_DATES, VerifyOptions};
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::error::{AppError, AppPath, AppQuery, AppResult, ErrorBody};
use crate::models::credentials as m;
use crate::pages::cache::{ByteBoundedLru, Rendered};
use crate::services::credentials::issuance::IssueContext;
use crate::services::credentials::resolver::DbResolver;

/// `?format=json` on the public credential page.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatParam {
    /// `json` for the credential JSON instead of the HTML page.
    pub format: Option<String>,
}

/// How long a browser or CDN may show a page before revalidating it. Short, because the
/// status can change; revalidation is cheap (a `304` after one small status read).
const PAGE_CACHE_CONTROL: &str = "public, max-age=30, must-revalidate";

/// The signed JSON never changes once issued (its status lives in the status list, which
/// has its own URL), so it may be kept longer; the `ETag` still allows revalidation.
const DOCUMENT_CACHE_CONTROL: &str = "public, max-age=3600";

/// The longest a rendered page is served without rendering it again, even if its status
/// stamp has not moved: the verdict also depends on things outside the row (the issuer's DID
/// document, the clock), and a periodic fresh verification bounds how long any of them could
/// be out of date.
const PAGE_MAX_AGE: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// Bytes of rendered pages, and of credential JSON, kept in memory (each).
const PAGE_CACHE_BYTES: usize = 32 * 1024 * 1024;

/// A rendered page and what it was rendered for.
#[derive(Debug)]
struct CachedPage {
    /// The row's status when the page was rendered.
    stamp: m::CredentialStamp,
    /// When the verdict may change by itself (`validFrom` or `validUntil` reached) or
    /// [`PAGE_MAX_AGE`] runs out, whichever is first.
    fresh_until: chrono::DateTime<Utc>,
    page: Arc<Rendered>,
}

/// Certificate pages rendered once per credential and status, and credential JSON by the id
/// or number it was asked for. Every page request still reads the row's status stamp
/// ([`m::find_credential_stamp`]), so a status change — on this node or another sharing the
/// database — shows on the very next request; nothing else is read, verified or rendered
/// (no QR code, no key) while the stamp is unchanged.
pub(crate) struct PageCache {
    pages: ByteBoundedLru<String, Arc<CachedPage>>,
    documents: ByteBoundedLru<String, Arc<Rendered>>,
}

impl Default for PageCache {
    fn default() -> Self {
        PageCache { pages: ByteBoundedLru::new(PAGE_CACHE_BYTES), documents: ByteBoundedLru::new(PAGE_CACHE_BYTES) }
    }
}

impl std::fmt::Debug for PageCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageCache").finish_non_exhaustive()
    }
}

impl PageCache {
    /// The page rendered for exactly this stamp, if it is still fresh at `now`.
    fn page(&self, stamp: &m::CredentialStamp, now: chrono::DateTime<Utc>) -> Option<Arc<Rendered>> {
        self.pages.get(&stamp.id).filter(|p| p.stamp == *stamp && now < p.fresh_until).map(|p| p.page.clone())
    }

    fn insert_page(&self, page: CachedPage) {
        let size = page.page.size() + page.stamp.id.len();
        self.pages.insert(page.stamp.id.clone(), Arc::new(page), size);
    }
}

/// When a page rendered at `now` stops being fresh: the next of the document's `validFrom`
/// and `validUntil` still ahead (the verifier's `dates` check changes its verdict there), at
/// most [`PAGE_MAX_AGE`] away.
fn fresh_until(doc: &Value, now: chrono::DateTime<Utc>) -> chrono::DateTime<Utc> {
    ["validFrom", "validUntil"]
        .iter()
        .filter_map(|k| chrono::DateTime::parse_from_rfc3339(doc[*k].as_str()?).ok())
        .map(|t| t.with_timezone(&Utc))
        .filter(|t| *t > now)
        .fold(now + PAGE_MAX_AGE, std::cmp::min)
}

/// The public page of a credential (its share link and QR target), found by its UUID or its
/// certificate number (证书编号, e.g. `JX-PXOU-2026-000123`): a printable A4 certificate in
/// Chinese and English, printed from the signed document, with a QR code and the live
/// verification result; the signed credential JSON with `Accept: application/ld+json` (or
/// `application/vc`, `application/json`) or `?format=json`. Anyone holding the link may see
/// it. Both come with an `ETag` (answer `If-None-Match` with `304`) and `Cache-Control`:
/// the page for 30 seconds then revalidated, the immutable JSON for an hour.
#[utoipa::path(get, path = "/credentials/{id}", tag = "public", params(("id" = String, Path, description = "credential UUID or certificate number"), FormatParam), responses((status = 200, description = "HTML page or credential JSON"), (status = 304, description = "not modified (If-None-Match)"), (status = 404, body = ErrorBody), (status = 429, description = "over the per-address rate limit; `Retry-After` says when", body = ErrorBody)))]
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
    if wants_json {
        let (media, variant) =
            if accept.contains("application/ld+json") { ("application/ld+json", "ld") } else { ("application/json", "json") };
        let doc = match state.certificates.documents.get(&id) {
            Some(doc) => doc,
            None => {
                let key = id.clone();
                let body = state.db.run(move |c| Ok::<_, AppError>(m::find_credential(c, &id)?.document()?.to_string())).await?;
                let doc = Arc::new(Rendered::new(body));
                state.certificates.documents.insert(key.clone(), doc.clone(), doc.size() + key.len());
                doc
            }
        };
        return Ok(doc.respond(&headers, media, variant, DOCUMENT_CACHE_CONTROL));
    }
    let st = state.clone();
    let page = state
        .db
        .run(move |c| {
            let now = Utc::now();
            let stamp = m::find_credential_stamp(c, &id)?;
            if let Some(page) = st.certificates.page(&stamp, now) {
                return Ok(page);
            }
            let row = m::find_credential(c, &stamp.id)?;
            let doc = row.document()?;
            let ctx = IssueContext { base_url: st.base_url(), kek: &st.kek };
            let report = rongtong_credentials::verify(&doc, &DbResolver::new(c, ctx), now, &VerifyOptions::obv3());
            let url = m::public_url(st.base_url(), &row.id);
            let live = LiveStatus { status: row.status(), reason: row.status_reason.clone() };
            let html = CertificatePage::new(&row.id, &doc, &live, Some(&report), &url, now)?
                .render()
                .map_err(|e| AppError::Internal(format!("certificate page: {e}")))?;
            let page = Arc::new(Rendered::new(html));
            st.certificates.insert_page(CachedPage { stamp: row.stamp(), fresh_until: fresh_until(&doc, now), page: page.clone() });
            Ok::<_, AppError>(page)
        })
        .await?;
    Ok(page.respond(&headers, "text/html; charset=utf-8", "html", PAGE_CACHE_CONTROL))
}

// ---------------------------------------------------------------- the signed content

/// Which wording the page uses, from the signed `achievementType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wording {
    /// 培训合格证书: a completed course (`Certificate`, and anything not below).
    Training,
    /// 职业技能等级证书: a passed assessment (`Certification`).
    SkillLevel,
    /// A micro-credential (`MicroCredential`).
    Micro,
    /// A recognition (互认) under a conversion rule: it has `evidence` of the recognition
    /// genre, whatever its achievement type — it must never read as a completion.
    Recognition,
}

/// A grade as signed: the value and its OB `resultType`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SignedGrade {
    value: String,
    result_type: String,
}

impl SignedGrade {
    /// The grade as printed in Chinese and in English (`优秀` / `excellent (优秀)`, `85 分` /
    /// `score 85`).
    fn texts(&self) -> (String, String) {
        let v = self.value.trim();
        match self.result_type.as_str() {
            "RawScore" => (format!("{v} 分"), format!("score {v}")),
            "Percent" => (format!("{v}%"), format!("{v}%")),
            _ => match grade_word_en(v) {
                Some(en) => (v.to_string(), format!("{en} ({v})")),
                None => (v.to_string(), v.to_string()),
            },
        }
    }
}

/// English for the grade words of China's usual scales; `None` for anything else (printed
/// as awarded).
fn grade_word_en(word: &str) -> Option<&'static str> {
    Some(match word {
        "优秀" => "excellent",
        "良好" => "good",
        "中等" => "fair",
        "及格" | "合格" | "通过" => "pass",
        "不及格" | "不合格" => "fail",
        _ => return None,
    })
}

/// What a certificate says, read only from its signed JSON. Every field is optional except
/// the title: certificates signed before a detail existed lack it, and the page leaves its
/// line out.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SignedCertificate {
    wording: Wording,
    /// `credentialSubject.identifier[]` with `identityType` `name`, `hashed` false.
    learner_name: Option<String>,
    /// The achievement's Chinese name (the part of `achievement.name` before ` (English)`).
    title_zh: String,
    /// The achievement's English name, when it has one.
    title_en: Option<String>,
    /// Hours completed (`ext:LearningHours` result), else the course's hours (`valueMax`).
    hours: Option<String>,
    /// `credentialSubject.creditsEarned`.
    credits: Option<String>,
    grade: Option<SignedGrade>,
    /// `credentialSubject.licenseNumber`.
    number: Option<String>,
    issuer_name: Option<String>,
    issuer_did: Option<String>,
    valid_from: Option<NaiveDate>,
    valid_until: Option<NaiveDate>,
    /// Skill level: occupation name and code (the `ext:Occupation` alignment).
    occupation: Option<(String, Option<String>)>,
    /// Skill level: the achieved level's name, Chinese and English (`四级/中级工`,
    /// `Level 4 (intermediate worker)`).
    level: Option<(String, Option<String>)>,
    /// Names of the aligned skills.
    skills: Vec<String>,
    /// Recognition: the rule's code and version (from the signed criteria) and the names of
    /// the source credentials (the signed `evidence`).
    recognition: Option<(String, String, Vec<String>)>,
}

/// Splits OB's one-string name `中文名 (English name)` into its parts. The English part is
/// the last balanced parenthesised group after a space, and only when it holds no CJK
/// characters — so `铸造工（四级/中级工） (Foundry worker, Level 4 (intermediate worker))`
/// splits at the outer group, and `Python (入门)` is all Chinese title.
fn split_name(name: &str) -> (String, Option<String>) {
    let name = name.trim();
    let Some(inner_end) = name.strip_suffix(')') else { return (name.to_string(), None) };
    let mut depth = 0usize;
    for (i, ch) in inner_end.char_indices().rev() {
        match ch {
            ')' => depth += 1,
            '(' if depth > 0 => depth -= 1,
            '(' => {
                let (zh, en) = (inner_end[..i].trim_end(), &inner_end[i + 1..]);
                let spaced = inner_end[..i].ends_with(' ');
                let cjk = en.chars().any(|c| matches!(c as u32, 0x3000..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF));
                return if spaced && !zh.is_empty() && !en.trim().is_empty() && !cjk {
                    (zh.to_string(), Some(en.trim().to_string()))
                } else {
                    (name.to_string(), None)
                };
            }
            _ => {}
        }
    }
    (name.to_string(), None)
}

/// A JSON number or numeric string as printed: `2`, `1.5`.
fn amount(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => Some(format!("{}", f as i64)),
            Some(f) => Some(format!("{f}")),
            None => Some(n.to_string()),
        },
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// `YYYY-MM-DD` at the start of an RFC 3339 date-time, as written (our certificates are
/// dated at midnight UTC, so the written day is the day meant).
fn date_of(v: Option<&str>) -> Option<NaiveDate> {
    v?.get(..10)?.parse().ok()
}

fn as_list(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or_default()
}

impl SignedCertificate {
    /// Reads what a certificate says from its signed JSON. Never fails: what is missing or
    /// of an unexpected shape is left out.
    pub(crate) fn from_document(doc: &Value) -> Self {
        let subject = &doc["credentialSubject"];
        let ach = &subject["achievement"];
        let recognition = rongtong_credentials::recognition::is_recognition(doc).then(|| {
            // The narrative starts `依据互认规则 {code} 第 {n} 版认定` (credentials::recognition).
            let narrative = ach["criteria"]["narrative"].as_str().unwrap_or_default();
            let (code, version) = narrative
                .strip_prefix("依据互认规则 ")
                .and_then(|r| r.split_once(" 版认定"))
                .and_then(|(rule, _)| rule.split_once(" 第 "))
                .map(|(c, v)| (c.trim().to_string(), v.trim().to_string()))
                .unwrap_or_default();
            let sources = as_list(&doc["evidence"])
                .iter()
                .filter(|e| e["genre"] == rongtong_credentials::recognition::RECOGNITION_EVIDENCE_GENRE)
                .filter_map(|e| text(&e["name"]))
                .collect();
            (code, version, sources)
        });
        let wording = match ach["achievementType"].as_str() {
            _ if recognition.is_some() => Wording::Recognition,
            Some("Certification") => Wording::SkillLevel,
            Some("MicroCredential") => Wording::Micro,
            _ => Wording::Training,
        };
        let learner_name = as_list(&subject["identifier"])
            .iter()
            .find(|i| i["identityType"] == "name" && i["hashed"] == false)
            .and_then(|i| text(&i["identityHash"]));
        let name = text(&ach["name"]).or_else(|| text(&doc["name"])).unwrap_or_default();
        let (title_zh, title_en) = split_name(&name);
        let descriptions = as_list(&ach["resultDescription"]);
        let results = as_list(&subject["result"]);
        // The result pointing at the description with this `resultType`, and the description.
        let result_of = |result_type: &str| {
            let d = descriptions.iter().find(|d| d["resultType"] == result_type)?;
            let id = d["id"].as_str();
            Some((d, results.iter().find(|r| id.is_some() && r["resultDescription"].as_str() == id)))
        };
        let hours =
            result_of("ext:LearningHours").and_then(|(d, r)| r.and_then(|r| amount(&r["value"])).or_else(|| amount(&d["valueMax"])));
        let grade = ["LetterGrade", "RawScore", "Percent", "PerformanceLevel"].iter().find_map(|t| {
            let (_, r) = result_of(t)?;
            Some(SignedGrade { value: text(&r?["value"])?, result_type: (*t).to_string() })
        });
        let level = result_of("RubricCriterionLevel").and_then(|(d, r)| {
            let achieved = r?["achievedLevel"].as_str()?;
            let l = as_list(&d["rubricCriterionLevel"]).iter().find(|l| l["id"].as_str() == Some(achieved))?;
            Some(split_name(&text(&l["name"])?))
        });
        let alignments = as_list(&ach["alignment"]);
        let occupation = alignments
            .iter()
            .find(|a| a["targetType"] == "ext:Occupation")
            .and_then(|a| Some((text(&a["targetName"])?, text(&a["targetCode"]))));
        let skills = alignments.iter().filter(|a| a["targetType"] != "ext:Occupation").filter_map(|a| text(&a["targetName"])).collect();
        let (issuer_name, issuer_did) = match &doc["issuer"] {
            Value::String(did) => (None, Some(did.clone())),
            issuer => (text(&issuer["name"]), text(&issuer["id"])),
        };
        SignedCertificate {
            wording,
            learner_name,
            title_zh,
            title_en,
            hours,
            credits: amount(&subject["creditsEarned"]),
            grade,
            number: text(&subject["licenseNumber"]),
            issuer_name,
            issuer_did,
            valid_from: date_of(doc["validFrom"].as_str()),
            valid_until: date_of(doc["validUntil"].as_str()),
            occupation,
            level,
            skills,
            recognition,
        }
    }

    /// The occupation's English name: the English title less its `, Level …` ending.
    fn occupation_en(&self) -> Option<String> {
        let en = self.title_en.as_deref()?;
        let level_en = self.level.as_ref()?.1.as_deref()?;
        en.strip_suffix(level_en).map(|o| o.trim_end_matches([',', ' ']).to_string()).filter(|o| !o.is_empty())
    }

    /// The certifying sentence in Chinese and in English.
    fn statements(&self) -> (String, String) {
        let who_zh = self.learner_name.as_deref().unwrap_or("本证书持有人");
        let who_en = self.learner_name.as_deref().unwrap_or("the holder of this certificate");
        let on_zh = self.valid_from.map(|d| format!("于 {} ", date_zh(d))).unwrap_or_default();
        let on_en = self.valid_from.map(|d| format!(" on {}", date_en(d))).unwrap_or_default();
        let title_en = self.title_en.as_deref().unwrap_or(&self.title_zh);
        let (grade_zh, grade_en) = match self.grade.as_ref().map(SignedGrade::texts) {
            Some((zh, en)) => (format!("，成绩 {zh}"), format!(" with the result {en}")),
            None => (String::new(), String::new()),
        };
        let (credits_zh, credits_en) = match &self.credits {
            Some(c) => (format!("，获 {c} 学分"), format!(", earning {c} {}", plural(c, "credit", "credits"))),
            None => (String::new(), String::new()),
        };
        match self.wording {
            Wording::SkillLevel => {
                let occupation_zh = match &self.occupation {
                    Some((name, Some(code))) => format!("{name}（职业编码 {code}）"),
                    Some((name, None)) => name.clone(),
                    None => self.title_zh.clone(),
                };
                let occupation_en = match (&self.occupation, self.occupation_en()) {
                    (Some((_, Some(code))), Some(en)) => format!("{en} (occupation code {code})"),
                    (Some((name, Some(code))), None) => format!("{name} (occupation code {code})"),
                    (_, Some(en)) => en,
                    (Some((name, None)), None) => name.clone(),
                    (None, None) => title_en.to_string(),
                };
                let zh = match &self.level {
                    Some((level, _)) => {
                        format!("兹证明 {who_zh} {on_zh}经职业技能等级认定，{occupation_zh}职业技能达到 {level} 水平{grade_zh}。")
                    }
                    None => format!("兹证明 {who_zh} {on_zh}经职业技能等级认定，取得《{}》{grade_zh}。", self.title_zh),
                };
                let level_en = self.level.as_ref().map(|(zh, en)| en.clone().unwrap_or_else(|| zh.clone()));
                let en = match level_en {
                    Some(level) => format!(
                        "This is to certify that {who_en} has been assessed under the national vocational skill level system{on_en} and certified at {level}{grade_en} in the occupation {occupation_en}."
                    ),
                    None => format!(
                        "This is to certify that {who_en} has been assessed under the national vocational skill level system{on_en} and certified as “{title_en}”{grade_en}."
                    ),
                };
                (zh, en)
            }
            Wording::Recognition => {
                let (code, version, sources) = self.recognition.clone().unwrap_or_default();
                let (from_zh, from_en) = if sources.is_empty() {
                    (String::new(), String::new())
                } else {
                    (format!("，依据所持《{}》", sources.join("》《")), format!(", on the strength of “{}”", sources.join("”, “")))
                };
                (
                    format!(
                        "兹证明 {who_zh} {on_zh}经学分互认{from_zh}，依据互认规则 {code} 第 {version} 版认定《{}》{credits_zh}。此为互认认定，非课程完成。",
                        self.title_zh
                    ),
                    format!(
                        "This is to certify that {who_en}{on_en} was granted “{title_en}” by recognition under conversion rule {code} version {version}{from_en}{credits_en}. This is a recognition, not a completion."
                    ),
                )
            }
            Wording::Training | Wording::Micro => {
                let (course_zh, course_en) =
                    if self.wording == Wording::Micro { ("学习单元", "learning unit") } else { ("微课程", "micro-course") };
                let (hours_zh, hours_en) = match &self.hours {
                    Some(h) => (format!("{h} 学时"), format!(" ({h} {})", plural(h, "hour", "hours"))),
                    None => (String::new(), String::new()),
                };
                (
                    format!(
                        "兹证明 {who_zh} {on_zh}完成{course_zh}《{}》{hours_zh}的学习，考核合格{grade_zh}{credits_zh}。",
                        self.title_zh
                    ),
                    format!(
                        "This is to certify that {who_en} completed the {course_en} “{title_en}”{hours_en}{on_en} and passed the assessment{grade_en}{credits_en}."
                    ),
                )
            }
        }
    }
}

fn plural<'a>(n: &str, one: &'a str, many: &'a str) -> &'a str {
    if n == "1" { one } else { many }
}

/// `2026年6月30日`.
fn date_zh(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// `30 June 2026`.
fn date_en(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

// ---------------------------------------------------------------- the page

/// The store's live status of a credential: the only thing on the page not from the signed
/// document or the verifier.
#[derive(Debug, Clone)]
pub(crate) struct LiveStatus {
    /// Active, suspended or revoked.
    pub(crate) status: m::CredentialStatus,
    /// The reason given for the last change.
    pub(crate) reason: Option<String>,
}

/// One line of the details table; only lines with a value are printed.
#[derive(Debug)]
struct Detail {
    label_zh: &'static str,
    label_en: &'static str,
    value_zh: String,
    value_en: String,
    /// Printed in red (an expiry that has passed).
    alert: bool,
}

/// The status box: revoked / suspended (store), expired / verified / not verified (verifier).
#[derive(Debug)]
struct StatusBox {
    class: &'static str,
    zh: String,
    en: String,
    detail: String,
}

/// The page's template context.
#[derive(Template)]
#[template(path = "certificate.html")]
struct CertificatePage {
    heading_zh: &'static str,
    heading_en: &'static str,
    title: String,
    holder: Option<String>,
    statement_zh: String,
    statement_en: String,
    details: Vec<Detail>,
    skills: String,
    status: StatusBox,
    issuer_did: Option<String>,
    credential_id: String,
    json_url: String,
    qr_svg: String,
}

/// A QR code of `url` as an inline `<svg>` element (the certificate page's, and the learner's
/// share links').
pub(crate) fn qr_svg(url: &str) -> AppResult<String> {
    let code = qrcode::QrCode::new(url.as_bytes()).map_err(|e| AppError::Internal(format!("QR code: {e}")))?;
    let svg = code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(150, 150).quiet_zone(true).build();
    // Inline in HTML the SVG element is all that is wanted, not an XML declaration.
    Ok(match svg.find("<svg") {
        Some(i) => svg[i..].to_string(),
        None => svg,
    })
}

/// True when the verifier failed the `dates` check because `validUntil` has passed.
fn expired(report: Option<&VerificationReport>, until: Option<NaiveDate>, now: chrono::DateTime<Utc>) -> bool {
    let Some(r) = report else { return false };
    let until_passed = match r.valid_until.as_deref().map(chrono::DateTime::parse_from_rfc3339) {
        Some(Ok(u)) => u <= now,
        _ => until.is_some_and(|u| u <= now.date_naive()),
    };
    r.failed(CHECK_DATES) && until_passed
}

fn status_box(live: &LiveStatus, report: Option<&VerificationReport>, expired: bool, until: Option<NaiveDate>) -> StatusBox {
    let reason = live.reason.clone().filter(|r| !r.trim().is_empty()).map(|r| format!("原因 Reason：{r}")).unwrap_or_default();
    match (live.status, report) {
        (m::CredentialStatus::Revoked, _) => {
            StatusBox {
                class: "bad", zh: "✗ 已撤销".into(), en: "Revoked: this certificate is no longer valid.".into(), detail: reason
            }
        }
        (m::CredentialStatus::Suspended, _) => StatusBox {
            class: "bad",
            zh: "✗ 已暂停".into(),
            en: "Suspended: this certificate is not in force at present.".into(),
            detail: reason,
        },
        _ if expired => StatusBox {
            class: "bad",
            zh: match until {
                Some(u) => format!("✗ 已过期（有效期至 {}）", date_zh(u)),
                None => "✗ 已过期".into(),
            },
            en: match until {
                Some(u) => format!("Expired: valid until {}.", date_en(u)),
                None => "Expired.".into(),
            },
            detail: String::new(),
        },
        (_, Some(r)) if r.verified => StatusBox {
            class: "ok",
            zh: "✓ 已验证：签名、签发者密钥、有效期与状态均核验通过。".into(),
            en: "Verified: signature, issuer key, validity dates and status all check out.".into(),
            detail: String::new(),
        },
        (_, Some(r)) => {
            let failed: Vec<&str> = r.checks.iter().filter(|c| !c.passed && c.name != "issuer_trust").map(|c| c.name).collect();
            StatusBox {
                class: "bad",
                zh: "✗ 验证未通过".into(),
                en: "Not verified.".into(),
                detail: format!("未通过的检查 Failed checks：{}", failed.join(", ")),
            }
        }
        (_, None) => StatusBox { class: "bad", zh: "未验证".into(), en: "Not checked.".into(), detail: String::new() },
    }
}

impl CertificatePage {
    fn new(
        credential_id: &str,
        doc: &Value,
        live: &LiveStatus,
        report: Option<&VerificationReport>,
        url: &str,
        now: chrono::DateTime<Utc>,
    ) -> AppResult<Self> {
        let cert = SignedCertificate::from_document(doc);
        let (heading_zh, heading_en) = match cert.wording {
            Wording::SkillLevel => ("职业技能等级证书", "Vocational Skill Level Certificate"),
            Wording::Micro => ("微证书", "Micro-credential"),
            Wording::Training => ("培训合格证书", "Training Certificate"),
            Wording::Recognition => ("学分互认证明", "Recognition Certificate"),
        };
        let (statement_zh, statement_en) = cert.statements();
        let is_expired = expired(report, cert.valid_until, now);
        let mut details = Vec::new();
        let mut add = |label_zh, label_en, value_zh: String, value_en: String, alert| {
            details.push(Detail { label_zh, label_en, value_zh, value_en, alert });
        };
        if let Some(n) = &cert.number {
            add("证书编号", "Certificate No.", n.clone(), String::new(), false);
        }
        if let Some(name) = &cert.learner_name {
            add("姓名", "Name", name.clone(), String::new(), false);
        }
        match cert.wording {
            Wording::SkillLevel => {
                if let Some((name, code)) = &cert.occupation {
                    let zh = match code {
                        Some(c) => format!("{name}（{c}）"),
                        None => name.clone(),
                    };
                    add("职业（工种）", "Occupation", zh, cert.occupation_en().unwrap_or_default(), false);
                }
                if let Some((zh, en)) = &cert.level {
                    add("等级", "Level", zh.clone(), en.clone().unwrap_or_default(), false);
                }
            }
            Wording::Training | Wording::Micro => {
                add("课程", "Course", cert.title_zh.clone(), cert.title_en.clone().unwrap_or_default(), false);
            }
            Wording::Recognition => {
                add("认定成果", "Recognised", cert.title_zh.clone(), cert.title_en.clone().unwrap_or_default(), false);
                if let Some((code, version, sources)) = &cert.recognition {
                    add("互认规则", "Conversion rule", format!("{code} 第 {version} 版"), format!("{code} version {version}"), false);
                    if !sources.is_empty() {
                        add("认定依据", "On the strength of", sources.join("；"), String::new(), false);
                    }
                }
            }
        }
        if let Some(h) = &cert.hours {
            add("学时", "Hours", h.clone(), format!("{h} {}", plural(h, "hour", "hours")), false);
        }
        if let Some(c) = &cert.credits {
            add("学分", "Credits", c.clone(), format!("{c} {}", plural(c, "credit", "credits")), false);
        }
        if let Some(g) = &cert.grade {
            let (zh, en) = g.texts();
            let en = if en == zh { String::new() } else { en };
            add("考核结果", "Result", zh, en, false);
        }
        if let Some(name) = &cert.issuer_name {
            add("发证机构", "Issued by", name.clone(), String::new(), false);
        }
        if let Some(d) = cert.valid_from {
            add("发证日期", "Date of issue", date_zh(d), date_en(d), false);
        }
        match cert.valid_until {
            Some(u) if is_expired => {
                add("有效期至", "Valid until", format!("{}（已过期）", date_zh(u)), format!("{} (expired)", date_en(u)), true)
            }
            Some(u) => add("有效期至", "Valid until", date_zh(u), date_en(u), false),
            None if cert.valid_from.is_some() => add("有效期", "Validity", "长期有效".into(), "does not expire".into(), false),
            None => {}
        }
        let status = status_box(live, report, is_expired, cert.valid_until);
        Ok(CertificatePage {
            heading_zh,
            heading_en,
            title: cert.title_zh.clone(),
            holder: cert.learner_name.clone(),
            statement_zh,
            statement_en,
            details,
            skills: cert.skills.join("、"),
            status,
            issuer_did: cert.issuer_did.clone(),
            credential_id: credential_id.to_string(),
            json_url: format!("{url}?format=json"),
            qr_svg: qr_svg(url)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_split_into_chinese_and_english() {
        for (name, zh, en) in [
            ("铸造工艺基础 (Casting process basics)", "铸造工艺基础", Some("Casting process basics")),
            ("铸造工艺基础", "铸造工艺基础", None),
            (
                "铸造工（四级/中级工） (Foundry worker, Level 4 (intermediate worker))",
                "铸造工（四级/中级工）",
                Some("Foundry worker, Level 4 (intermediate worker)"),
            ),
            ("四级/中级工 (Level 4 (intermediate worker))", "四级/中级工", Some("Level 4 (intermediate worker)")),
            ("Python (入门)", "Python (入门)", None),
            ("Python(basics)", "Python(basics)", None),
            ("a) (b", "a) (b", None),
            ("", "", None),
        ] {
            assert_eq!(split_name(name), (zh.to_string(), en.map(str::to_string)), "{name}");
        }
    }

    #[test]
    fn an_old_certificate_without_details_prints_what_it_has() {
        let doc = json!({
            "issuer": "did:web:rongtong.test:orgs:pxou",
            "validFrom": "2026-04-18T00:00:00Z",
            "credentialSubject": {"achievement": {"achievementType": "Certificate", "name": "铸造工艺基础"}},
        });
        let c = SignedCertificate::from_document(&doc);
        assert_eq!((c.learner_name.as_deref(), c.hours.as_deref(), c.credits.as_deref(), c.number.as_deref()), (None, None, None, None));
        let (zh, en) = c.statements();
        assert_eq!(zh, "兹证明 本证书持有人 于 2026年4月18日 完成微课程《铸造工艺基础》的学习，考核合格。");
        assert_eq!(
            en,
            "This is to certify that the holder of this certificate completed the micro-course “铸造工艺基础” on 18 April 2026 and passed the assessment."
        );
        // Not even a document: no panic, an empty page.
        let (zh, _) = SignedCertificate::from_document(&json!([1])).statements();
        assert!(!zh.contains("undefined") && !zh.contains("null"), "{zh}");
    }

    #[test]
    fn an_old_certificate_renders_without_empty_lines() {
        let doc = json!({
            "issuer": {"id": "did:web:rongtong.test:orgs:pxou", "name": "萍乡示范开放大学"},
            "validFrom": "2026-04-18T00:00:00Z",
            "credentialSubject": {"achievement": {"achievementType": "Certificate", "name": "铸造工艺基础 (Casting basics)"}},
        });
        let live = LiveStatus { status: m::CredentialStatus::Active, reason: None };
        let page = CertificatePage::new("urn:uuid:x", &doc, &live, None, "https://rongtong.test/credentials/x", Utc::now())
            .expect("page")
            .render()
            .expect("render");
        for absent in ["undefined", "null", "<td></td>", "学时", "学分", "证书编号", "考核结果", "<?xml"] {
            assert!(!page.contains(absent), "{absent}: {page}");
        }
        for present in ["培训合格证书", "铸造工艺基础", "Casting basics", "萍乡示范开放大学", "2026年4月18日", "本证书持有人", "<svg"]
        {
            assert!(page.contains(present), "{present}: {page}");
        }
    }

    #[test]
    fn a_skill_level_certificate_is_worded_as_an_assessment() {
        let doc = json!({
            "validFrom": "2026-06-30T00:00:00Z",
            "credentialSubject": {
                "identifier": [{"type": "IdentityObject", "hashed": false, "identityHash": "张三", "identityType": "name"}],
                "achievement": {"id": "a", "achievementType": "Certification",
                    "name": "铸造工（四级/中级工） (Foundry worker, Level 4 (intermediate worker))",
                    "alignment": [{"targetName": "铸造工", "targetCode": "6-18-02-01", "targetType": "ext:Occupation"},
                                  {"targetName": "铸造工艺", "targetType": "ceasn:Competency"}],
                    "resultDescription": [{"id": "a#skill-level", "resultType": "RubricCriterionLevel",
                        "rubricCriterionLevel": [{"id": "a#level-4", "name": "四级/中级工 (Level 4 (intermediate worker))", "level": "4"}]}]},
                "result": [{"resultDescription": "a#skill-level", "achievedLevel": "a#level-4"}],
            },
        });
        let c = SignedCertificate::from_document(&doc);
        assert_eq!(c.skills, ["铸造工艺"]);
        let (zh, en) = c.statements();
        assert_eq!(zh, "兹证明 张三 于 2026年6月30日 经职业技能等级认定，铸造工（职业编码 6-18-02-01）职业技能达到 四级/中级工 水平。");
        assert_eq!(
            en,
            "This is to certify that 张三 has been assessed under the national vocational skill level system on 30 June 2026 and certified at Level 4 (intermediate worker) in the occupation Foundry worker (occupation code 6-18-02-01)."
        );
    }

    #[test]
    fn a_recognition_reads_as_a_recognition_never_as_a_completion() {
        let doc = json!({
            "validFrom": "2026-12-01T00:00:00Z",
            "credentialSubject": {
                "identifier": [{"type": "IdentityObject", "hashed": false, "identityHash": "陈思远", "identityType": "name"}],
                "creditsEarned": 2.5,
                "achievement": {"id": "a", "achievementType": "Certificate", "name": "工业机器人维护保养",
                    "criteria": {"narrative": "依据互认规则 JXOU-R-001 第 1 版认定，非课程完成。(Recognised under conversion rule JXOU-R-001 version 1; not a completion.)"}},
            },
            "evidence": [{"id": "urn:uuid:1", "type": ["Evidence"], "name": "工业机器人系统运维员（四级/中级工）", "genre": "Recognition source"}],
        });
        let c = SignedCertificate::from_document(&doc);
        assert_eq!(c.wording, Wording::Recognition, "the recognition evidence decides, not the achievement type");
        let (zh, en) = c.statements();
        assert_eq!(
            zh,
            "兹证明 陈思远 于 2026年12月1日 经学分互认，依据所持《工业机器人系统运维员（四级/中级工）》，依据互认规则 JXOU-R-001 第 1 版认定《工业机器人维护保养》，获 2.5 学分。此为互认认定，非课程完成。"
        );
        assert!(en.contains("by recognition under conversion rule JXOU-R-001 version 1") && en.ends_with("not a completion."), "{en}");
        assert!(!zh.contains("完成微课程"), "never worded as a completion");
    }

    #[test]
    fn a_full_training_certificate_reads_in_both_languages() {
        let doc = json!({
            "issuer": {"id": "did:web:x", "name": "萍乡职业技术学院"},
            "validFrom": "2026-06-30T00:00:00Z",
            "credentialSubject": {
                "identifier": [{"type": "IdentityObject", "hashed": true, "identityHash": "sha256$00", "identityType": "identifier"},
                               {"type": "IdentityObject", "hashed": false, "identityHash": "张三", "identityType": "name"}],
                "achievement": {"achievementType": "Certificate", "name": "智能铸造基础 (Smart casting basics)", "creditsAvailable": 2,
                    "resultDescription": [{"id": "a#hours", "resultType": "ext:LearningHours", "valueMax": "32"},
                                          {"id": "a#grade", "resultType": "LetterGrade"}]},
                "result": [{"resultDescription": "a#hours", "value": "32"}, {"resultDescription": "a#grade", "value": "优秀"}],
                "creditsEarned": 2, "licenseNumber": "JX-PXOU-2026-000123",
            },
        });
        let (zh, en) = SignedCertificate::from_document(&doc).statements();
        assert_eq!(zh, "兹证明 张三 于 2026年6月30日 完成微课程《智能铸造基础》32 学时的学习，考核合格，成绩 优秀，获 2 学分。");
        assert_eq!(
            en,
            "This is to certify that 张三 completed the micro-course “Smart casting basics” (32 hours) on 30 June 2026 and passed the assessment with the result excellent (优秀), earning 2 credits."
        );
    }
}
