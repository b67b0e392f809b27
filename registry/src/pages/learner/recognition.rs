//! 学分互认: the learner's recognition applications — the target, the rule cited, where the
//! decision stands and why — and the form to apply: a target outcome with evidence from the
//! wallet. Applying is `services::applications::apply`, as `POST
//! /api/v1/recognition-applications`: every piece of evidence verified, the published rules
//! evaluated, an automatic rule decided at once; a refusal is shown beside its field and
//! stores nothing.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rongtong_catalog::OutcomeKey;
use rongtong_catalog::recognition::RuleStatus;
use serde::Deserialize;

use super::wallet::{WalletItem, own_items};
use super::{Pager, bare_id, learner, num, tr};
use crate::app::AppState;
use crate::auth::{Caller, Principal};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::models::applications::{self as am, ApplicationScope, ApplicationState};
use crate::models::recognition::{self as rm, RuleFilter};
use crate::pages::ctx::{CsrfForm, Ctx, PageResult, render};
use crate::pages::i18n::{self, Lang};
use crate::pages::layout::{Chrome, FieldErrors};
use crate::services::applications::{self as svc, ApplicationInput, ApplicationView, EvidenceInput};
use crate::services::credentials::issuance::IssueContext;

/// Most published rules and wallet credentials offered in the form.
const OFFERED: i64 = 200;

/// One application as the list shows it.
#[derive(Debug, Clone)]
pub(crate) struct AppRow {
    /// Id.
    pub(crate) id: String,
    /// Target outcome key.
    pub(crate) target: String,
    /// `pending`, `approved`, `rejected` or `suspended` (the `data-state` attribute).
    pub(crate) state: String,
    /// Message key of the state.
    pub(crate) state_key: &'static str,
    /// Badge class.
    pub(crate) state_class: &'static str,
    /// `CODE` v`VERSION`: title.
    pub(crate) rule: String,
    /// Credits the rule grants.
    pub(crate) credits: String,
    /// Decided without a reviewer.
    pub(crate) automatic: bool,
    /// The organisation whose reviewers decide.
    pub(crate) owner_name: String,
    /// Applied on (formatted).
    pub(crate) applied: String,
    /// Decided on (formatted) and by whom.
    pub(crate) decided: Option<String>,
    pub(crate) decided_by: Option<String>,
    /// The reviewer's comment.
    pub(crate) comment: Option<String>,
    /// Why an approved recognition is suspended.
    pub(crate) status_reason: Option<String>,
    /// The recognition credential (bare UUID), once approved.
    pub(crate) credential: Option<String>,
    /// The evidence's names.
    pub(crate) evidence: Vec<String>,
}

impl AppRow {
    fn new(v: ApplicationView, lang: Lang) -> AppRow {
        let (state_key, state_class) = match v.state.parse::<ApplicationState>() {
            Ok(ApplicationState::Pending) => (tr("learner.recognition.state.pending"), "warn"),
            Ok(ApplicationState::Approved) => (tr("learner.recognition.state.approved"), "ok"),
            Ok(ApplicationState::Rejected) => (tr("learner.recognition.state.rejected"), "bad"),
            Ok(ApplicationState::Suspended) | Err(_) => (tr("learner.recognition.state.suspended"), "bad"),
        };
        AppRow {
            rule: format!("{} v{}: {}", v.rule.code, v.rule.version, v.rule.title),
            credits: num(v.rule.credits),
            automatic: v.rule.automatic,
            owner_name: v.owner_name,
            applied: i18n::format_date(lang, &v.created_at),
            decided: v.decided_at.as_deref().map(|d| i18n::format_date(lang, d)),
            decided_by: v.decided_by,
            comment: v.comment.filter(|c| !c.trim().is_empty()),
            status_reason: v.status_reason,
            credential: v.credential.as_deref().map(|c| bare_id(c).to_string()),
            evidence: v.evidence.into_iter().map(|e| e.name).collect(),
            state_key,
            state_class,
            target: v.target,
            state: v.state,
            id: v.id,
        }
    }
}

/// A target outcome the form offers, with the published rules that grant it.
#[derive(Debug, Clone)]
pub(crate) struct TargetChoice {
    /// Outcome key.
    pub(crate) key: String,
    /// The rules' titles.
    pub(crate) label: String,
}

/// A published rule the form offers (to cite one rule rather than the best that is met).
#[derive(Debug, Clone)]
pub(crate) struct RuleChoice {
    /// Code.
    pub(crate) code: String,
    /// `CODE: title → target`.
    pub(crate) label: String,
}

/// What was typed into the form, and the errors.
#[derive(Debug, Clone, Default)]
pub(crate) struct ApplyForm {
    /// Target outcome key.
    pub(crate) target: String,
    /// Rule code, or empty for the best rule met.
    pub(crate) rule: String,
    /// Credentials (bare UUIDs) ticked as evidence.
    pub(crate) evidence: Vec<String>,
    /// Errors by the API's field names (`target`, `rule`, `evidence`, `evidence[0].credential`).
    pub(crate) errors: FieldErrors,
}

impl ApplyForm {
    /// True when the credential `id` is ticked.
    pub(crate) fn is_checked(&self, id: &str) -> bool {
        self.evidence.iter().any(|e| e == id)
    }
}

/// 学分互认.
#[derive(Template)]
#[template(path = "web/learner/recognition.html")]
pub struct RecognitionPage {
    c: Chrome,
    applications: Vec<AppRow>,
    total: i64,
    pager: Pager,
    targets: Vec<TargetChoice>,
    rules: Vec<RuleChoice>,
    wallet: Vec<WalletItem>,
    form: ApplyForm,
}

/// Everything the page shows but the form's input.
struct Loaded {
    applications: Vec<AppRow>,
    total: i64,
    targets: Vec<TargetChoice>,
    rules: Vec<RuleChoice>,
    wallet: Vec<WalletItem>,
}

fn load(conn: &mut DbConnection, base: &str, p: &Principal, lang: Lang, offset: i64) -> AppResult<Loaded> {
    let scope = ApplicationScope { learner_id: Some(p.user_id.clone()), ..Default::default() };
    let (rows, total) = am::list_applications(conn, &scope, super::PER_PAGE, offset)?;
    let applications = svc::views(conn, rows)?.into_iter().map(|v| AppRow::new(v, lang)).collect();
    let filter = RuleFilter { status: Some(RuleStatus::Published), ..Default::default() };
    let (published, _) = rm::list_rules(conn, &Caller::User(p.clone()), &filter, OFFERED, 0)?;
    let mut by_target: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut rules = Vec::with_capacity(published.len());
    for r in &published {
        by_target.entry(r.target.clone()).or_default().push(r.title.clone());
        rules.push(RuleChoice { code: r.code.clone(), label: format!("{}: {} → {}", r.code, r.title, r.target) });
    }
    let targets = by_target.into_iter().map(|(key, titles)| TargetChoice { label: titles.join("; "), key }).collect();
    let (items, _) = own_items(conn, base, p, OFFERED, 0)?;
    // A recognition never grounds another (services::applications::local_outcome).
    let wallet = items.into_iter().filter(|i| !i.recognition).collect();
    Ok(Loaded { applications, total, targets, rules, wallet })
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    page: Option<&str>,
    form: ApplyForm,
    notice: Option<&'static str>,
) -> PageResult<RecognitionPage> {
    let p = learner(ctx)?;
    let (page, offset) = Pager::resolve(page);
    let base = state.base_url().to_string();
    let lang = ctx.lang;
    let l = state.db.run(move |c| load(c, &base, &p, lang, offset)).await?;
    Ok(RecognitionPage {
        c: Chrome::new(ctx, tr("learner.recognition.title")).with_notice(notice),
        applications: l.applications,
        total: l.total,
        pager: Pager { base: "/my/recognition", page, total: l.total },
        targets: l.targets,
        rules: l.rules,
        wallet: l.wallet,
        form,
    })
}

/// `?page=` and, after applying, `?applied=approved|pending`.
#[derive(Debug, Default, Deserialize)]
pub struct RecognitionQuery {
    /// Page (from 1).
    #[serde(default)]
    page: Option<String>,
    /// The state of the application just made.
    #[serde(default)]
    applied: Option<String>,
}

/// `GET /my/recognition`: the learner's applications, newest first, and the form to apply.
pub async fn list_applications(state: AppState, ctx: Ctx, Query(q): Query<RecognitionQuery>) -> PageResult<Response> {
    let notice = match q.applied.as_deref() {
        Some("approved") => Some(tr("learner.recognition.applied.approved")),
        Some(_) => Some(tr("learner.recognition.applied.pending")),
        None => None,
    };
    Ok(render(&page(&state, &ctx, q.page.as_deref(), ApplyForm::default(), notice).await?)?.into_response())
}

/// `POST /my/recognition` (`target`, `rule`, `evidence` repeated): applies, as
/// `POST /api/v1/recognition-applications` does, then back to the list saying whether it
/// was approved at once (an automatic rule) or waits for a reviewer. A refusal comes back
/// with the API's error beside its field (422); nothing is stored.
pub async fn create_application(state: AppState, ctx: Ctx, CsrfForm(fields): CsrfForm<Vec<(String, String)>>) -> PageResult<Response> {
    let p = learner(&ctx)?;
    let mut form = ApplyForm::default();
    for (k, v) in fields {
        match k.as_str() {
            "target" => form.target = v.trim().to_string(),
            "rule" => form.rule = v.trim().to_string(),
            "evidence" if !v.trim().is_empty() => form.evidence.push(v.trim().to_string()),
            _ => {}
        }
    }
    let kek = state.kek.clone();
    let base = state.base_url().to_string();
    let (target, rule, evidence) = (form.target.clone(), form.rule.clone(), form.evidence.clone());
    let applied = state
        .db
        .run(move |c| {
            if target.is_empty() {
                return Err(AppError::invalid("target", "choose the outcome to be recognised"));
            }
            let target = target.parse::<OutcomeKey>().map_err(|e| AppError::invalid("target", e.0))?;
            let input = ApplicationInput {
                learner: None,
                target,
                rule: Some(rule).filter(|r| !r.is_empty()),
                evidence: evidence.into_iter().map(|id| EvidenceInput { credential: Some(id), ..Default::default() }).collect(),
            };
            let ctx = IssueContext { base_url: &base, kek: &kek };
            let id = crate::db::write_transaction(c, |c| svc::apply(c, ctx, &p, &input))?;
            Ok(svc::find_visible(c, &p, &id)?.state)
        })
        .await;
    match applied {
        Ok(outcome) => Ok(Redirect::to(&format!("/my/recognition?applied={outcome}")).into_response()),
        Err(e) => {
            form.errors = FieldErrors::from_error(&e).ok_or(e)?;
            let page = page(&state, &ctx, None, form, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}
