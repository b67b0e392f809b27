//! 学分银行: the learner's lifelong credit account — every outcome with its credits, date,
//! provider and status, the totals by year, provider and kind, the conversions — and the
//! CLR 2.0 transcript as a download. The same service as `GET /api/v1/learners/{u}/account`
//! and `/transcript` (`services::credit_account`).

use askama::Template;
use axum::response::{IntoResponse, Response};

use super::{bare_id, json_download, learner, num, tr};
use crate::app::AppState;
use crate::pages::ctx::{Ctx, PageResult, render};
use crate::pages::i18n::{self, Lang};
use crate::pages::layout::Chrome;
use crate::services::credentials::issuance::IssueContext;
use crate::services::credit_account::{self as svc, AccountItem, AccountView, ItemKind, ItemStatus, Total};

fn kind_key(k: ItemKind) -> &'static str {
    match k {
        ItemKind::Completion => tr("learner.account.kind.completion"),
        ItemKind::TrainingCertificate => tr("learner.account.kind.training_certificate"),
        ItemKind::SkillLevelCertificate => tr("learner.account.kind.skill_level_certificate"),
        ItemKind::Recognition => tr("learner.account.kind.recognition"),
        ItemKind::ExternalCredential => tr("learner.account.kind.external_credential"),
    }
}

fn status_key(s: ItemStatus) -> (&'static str, &'static str) {
    match s {
        ItemStatus::InForce => (tr("learner.account.status.in_force"), "ok"),
        ItemStatus::NotPassed => (tr("learner.account.status.not_passed"), "warn"),
        ItemStatus::Revoked => (tr("learner.account.status.revoked"), "bad"),
        ItemStatus::Suspended => (tr("learner.account.status.suspended"), "bad"),
        ItemStatus::Expired => (tr("learner.account.status.expired"), "warn"),
        ItemStatus::Untrusted => (tr("learner.account.status.untrusted"), "warn"),
        ItemStatus::Invalid => (tr("learner.account.status.invalid"), "bad"),
    }
}

/// One outcome of the account.
#[derive(Debug, Clone)]
pub(crate) struct ItemRow {
    /// Message key of its kind.
    pub(crate) kind_key: &'static str,
    /// Name.
    pub(crate) name: String,
    /// Credits.
    pub(crate) credits: String,
    /// Earned on (formatted).
    pub(crate) date: String,
    /// Provider's name.
    pub(crate) provider: String,
    /// Message key and badge class of its status.
    pub(crate) status_key: &'static str,
    pub(crate) status_class: &'static str,
    /// Counts towards the totals.
    pub(crate) counts: bool,
    /// Why it does not count, or what to know.
    pub(crate) note: Option<String>,
    /// Certificate number.
    pub(crate) number: Option<String>,
    /// The rule of a recognition, and what it was converted from.
    pub(crate) rule: Option<String>,
    pub(crate) converted_from: Vec<String>,
    /// The wallet page of its credential (bare UUID), for credentials issued here.
    pub(crate) wallet: Option<String>,
}

impl ItemRow {
    fn new(i: AccountItem, lang: Lang) -> ItemRow {
        let (status_key, status_class) = status_key(i.status);
        let issued_here = matches!(i.kind, ItemKind::TrainingCertificate | ItemKind::SkillLevelCertificate | ItemKind::Recognition);
        ItemRow {
            kind_key: kind_key(i.kind),
            credits: num(i.credits),
            date: i18n::format_date(lang, &i.date),
            provider: if i.provider_name.is_empty() { i.provider } else { i.provider_name },
            status_key,
            status_class,
            counts: i.counts,
            note: i.note,
            number: i.certificate_number,
            rule: i.rule.map(|r| format!("{} v{}: {}", r.code, r.version, r.title)),
            converted_from: i.converted_from.into_iter().map(|s| s.name).collect(),
            wallet: issued_here.then(|| bare_id(&i.id).to_string()),
            name: i.name,
        }
    }
}

/// A line of a totals table.
#[derive(Debug, Clone)]
pub(crate) struct TotalRow {
    /// The year, the provider's name, or the kind's message key resolved.
    pub(crate) key: String,
    /// Message key, for kinds.
    pub(crate) key_msg: Option<&'static str>,
    /// Credits.
    pub(crate) credits: String,
    /// Items counted.
    pub(crate) items: i64,
}

fn totals(list: Vec<Total>, kinds: bool) -> Vec<TotalRow> {
    list.into_iter()
        .map(|t| TotalRow {
            key_msg: if kinds { Some(kind_key_of(&t.key)) } else { None },
            key: t.name.filter(|n| !n.is_empty()).unwrap_or(t.key),
            credits: num(t.credits),
            items: i64::try_from(t.items).unwrap_or(i64::MAX),
        })
        .collect()
}

/// The kind's message key from its snake_case name (as the totals carry it).
fn kind_key_of(name: &str) -> &'static str {
    [
        ItemKind::Completion,
        ItemKind::TrainingCertificate,
        ItemKind::SkillLevelCertificate,
        ItemKind::Recognition,
        ItemKind::ExternalCredential,
    ]
    .into_iter()
    .find(|k| k.as_ref() == name)
    .map(kind_key)
    .unwrap_or("learner.account.kind.completion")
}

/// A conversion (互认) of the account.
#[derive(Debug, Clone)]
pub(crate) struct ConversionRow {
    /// What it was converted from.
    pub(crate) from: Vec<String>,
    /// Into what.
    pub(crate) to: String,
    /// Under which rule.
    pub(crate) rule: String,
    /// Credits.
    pub(crate) credits: String,
    /// Message key and badge class of its status.
    pub(crate) status_key: &'static str,
    pub(crate) status_class: &'static str,
}

/// 学分银行.
#[derive(Template)]
#[template(path = "web/learner/account.html")]
pub struct AccountPage {
    c: Chrome,
    display_name: String,
    credits: String,
    counted: i64,
    items: Vec<ItemRow>,
    by_year: Vec<TotalRow>,
    by_provider: Vec<TotalRow>,
    by_kind: Vec<TotalRow>,
    conversions: Vec<ConversionRow>,
}

impl AccountPage {
    fn new(ctx: &Ctx, v: AccountView) -> AccountPage {
        let lang = ctx.lang;
        AccountPage {
            c: Chrome::new(ctx, tr("learner.account.title")),
            display_name: v.display_name,
            credits: num(v.totals.credits),
            counted: i64::try_from(v.totals.items).unwrap_or(i64::MAX),
            items: v.items.into_iter().map(|i| ItemRow::new(i, lang)).collect(),
            by_year: totals(v.totals.by_year, false),
            by_provider: totals(v.totals.by_provider, false),
            by_kind: totals(v.totals.by_kind, true),
            conversions: v
                .conversions
                .into_iter()
                .map(|c| {
                    let (status_key, status_class) = status_key(c.status);
                    ConversionRow {
                        from: c.from.into_iter().map(|s| s.name).collect(),
                        to: if c.to_name.is_empty() { c.to } else { c.to_name },
                        rule: c.rule,
                        credits: num(c.credits),
                        status_key,
                        status_class,
                    }
                })
                .collect(),
        }
    }
}

/// `GET /my/account`: the learner's credit account.
pub async fn find_account(state: AppState, ctx: Ctx) -> PageResult<Response> {
    let p = learner(&ctx)?;
    let view = state
        .db
        .run(move |c| {
            let me = svc::visible_learner(c, Some(&p), &p.user_id)?;
            svc::account(c, &me)
        })
        .await?;
    Ok(render(&AccountPage::new(&ctx, view))?.into_response())
}

/// `GET /my/account/transcript`: the learner's CLR 2.0 transcript, signed by the platform, as
/// a JSON file — the document `GET /api/v1/learners/{u}/transcript` returns. With no
/// credential in force there is nothing to sign: the error page says so (409).
pub async fn find_transcript(state: AppState, ctx: Ctx) -> PageResult<Response> {
    let p = learner(&ctx)?;
    let kek = state.kek.clone();
    let base = state.base_url().to_string();
    let username = p.username.clone();
    let doc = state
        .db
        .run(move |c| {
            let me = svc::visible_learner(c, Some(&p), &p.user_id)?;
            let ctx = IssueContext { base_url: &base, kek: &kek };
            crate::db::write_transaction(c, |c| svc::transcript(c, ctx, &me))
        })
        .await?;
    let safe: String = username.chars().map(|ch| if ch.is_ascii_alphanumeric() || ch == '-' { ch } else { '_' }).collect();
    json_download(doc.to_string(), &format!("transcript-{safe}.json"))
}
