//! 我的证书: the learner's wallet — every credential issued to them (training certificates,
//! skill-level certificates, recognitions) with its live status; one credential with its
//! public page, its signed JSON, its share links; and the presentation maker.
//!
//! Reads go through the same models as `GET /api/v1/credentials` (a learner's scope is
//! their own credentials); presentations through `services::credentials::presentation`,
//! as `POST /api/v1/presentations`.

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::share::ShareRow;
use super::{PageQuery, Pager, bare_id, json_download, learner, tr};
use crate::app::AppState;
use crate::auth::Principal;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::models::credentials::{self as m, CredentialKind, CredentialScope, CredentialStatus, CredentialView};
use crate::pages::ctx::{CsrfForm, Ctx, PageResult, render};
use crate::pages::layout::{Chrome, FieldErrors};
use crate::services::credentials::presentation::{self, PresentationInput};
use crate::services::shares;

/// Most credentials offered in the presentation maker (a presentation holds at most 50).
const PRESENTABLE: i64 = 200;

/// One credential as the wallet shows it.
#[derive(Debug, Clone)]
pub(crate) struct WalletItem {
    /// The bare UUID (page URLs).
    pub(crate) id: String,
    /// Display name.
    pub(crate) name: String,
    /// Message key of its kind.
    pub(crate) kind_key: &'static str,
    /// Certificate number (证书编号).
    pub(crate) number: Option<String>,
    /// The issuer's name.
    pub(crate) issuer_name: String,
    /// Issued at (RFC 3339).
    pub(crate) issued_at: String,
    /// `active`, `suspended` or `revoked` (the `data-status` attribute).
    pub(crate) status: &'static str,
    /// Message key of its status.
    pub(crate) status_key: &'static str,
    /// Badge class: `ok`, `warn` or `bad`.
    pub(crate) status_class: &'static str,
    /// Why it was revoked or suspended.
    pub(crate) reason: Option<String>,
    /// A recognition (never evidence for another application).
    pub(crate) recognition: bool,
}

impl WalletItem {
    /// The wallet's view of a credential.
    pub(crate) fn from_view(v: &CredentialView) -> WalletItem {
        let kind_key = match v.kind {
            CredentialKind::Training => tr("learner.kind.training"),
            CredentialKind::SkillLevel => tr("learner.kind.skill_level"),
            CredentialKind::Recognition => tr("learner.kind.recognition"),
        };
        let (status, status_key, status_class) = match v.status {
            CredentialStatus::Active => ("active", tr("learner.status.active"), "ok"),
            CredentialStatus::Suspended => ("suspended", tr("learner.status.suspended"), "warn"),
            CredentialStatus::Revoked => ("revoked", tr("learner.status.revoked"), "bad"),
        };
        WalletItem {
            id: bare_id(&v.id).to_string(),
            name: v.name.clone(),
            kind_key,
            number: v.certificate_number.clone(),
            issuer_name: v.issuer_name.clone(),
            issued_at: v.issued_at.clone(),
            status,
            status_key,
            status_class,
            reason: v.status_reason.clone().filter(|r| !r.trim().is_empty() && v.status != CredentialStatus::Active),
            recognition: v.kind == CredentialKind::Recognition,
        }
    }
}

/// The learner's credentials, newest first: `(items, total)`.
pub(crate) fn own_items(conn: &mut DbConnection, base: &str, p: &Principal, limit: i64, offset: i64) -> AppResult<(Vec<WalletItem>, i64)> {
    let scope = CredentialScope { learner_id: Some(p.user_id.clone()), issuer_org_ids: None };
    let (rows, total) = m::list_credentials(conn, &scope, limit, offset)?;
    let views = m::credential_views(conn, base, rows, false)?;
    Ok((views.iter().map(WalletItem::from_view).collect(), total))
}

/// 我的证书.
#[derive(Template)]
#[template(path = "web/learner/wallet.html")]
pub struct WalletPage {
    c: Chrome,
    items: Vec<WalletItem>,
    total: i64,
    pager: Pager,
}

/// `GET /my/wallet`: the learner's credentials with their status, 50 a page.
pub async fn list_wallet(state: AppState, ctx: Ctx, Query(q): Query<PageQuery>) -> PageResult<Response> {
    let p = learner(&ctx)?;
    let (page, offset) = Pager::resolve(q.page.as_deref());
    let base = state.base_url().to_string();
    let (items, total) = state.db.run(move |c| own_items(c, &base, &p, super::PER_PAGE, offset)).await?;
    let pager = Pager { base: "/my/wallet", page, total };
    Ok(render(&WalletPage { c: Chrome::new(&ctx, tr("learner.wallet.title")), items, total, pager })?.into_response())
}

/// The presentation maker's form: the learner's credentials to pick from, what was typed,
/// and the errors.
#[derive(Debug, Clone, Default)]
pub(crate) struct PresentForm {
    /// The learner's credentials.
    pub(crate) items: Vec<WalletItem>,
    /// Ids (bare UUIDs) ticked.
    pub(crate) checked: Vec<String>,
    /// The verifier's challenge.
    pub(crate) challenge: String,
    /// The verifier's domain.
    pub(crate) domain: String,
    /// Errors by field (`challenge`, `credentials`).
    pub(crate) errors: FieldErrors,
}

impl PresentForm {
    /// True when the credential `id` is ticked.
    pub(crate) fn is_checked(&self, id: &str) -> bool {
        self.checked.iter().any(|c| c == id)
    }
}

/// The share-link form: the expiry chosen and the errors.
#[derive(Debug, Clone)]
pub(crate) struct ShareForm {
    /// `1`, `7`, `30` or `custom`.
    pub(crate) expires: String,
    /// The chosen day (`custom`).
    pub(crate) expires_on: String,
    /// Errors by field (`expires`, `expires_on`).
    pub(crate) errors: FieldErrors,
}

impl Default for ShareForm {
    fn default() -> Self {
        ShareForm { expires: "7".into(), expires_on: String::new(), errors: FieldErrors::none() }
    }
}

impl ShareForm {
    /// True when `choice` is the one selected.
    pub(crate) fn is(&self, choice: &str) -> bool {
        self.expires == choice
    }
}

/// One credential.
#[derive(Template)]
#[template(path = "web/learner/item.html")]
pub struct ItemPage {
    c: Chrome,
    item: WalletItem,
    shares: Vec<ShareRow>,
    share: ShareForm,
    present: PresentForm,
    /// The link just made (its id), highlighted.
    new_share: String,
}

/// After a share link was made or withdrawn.
#[derive(Debug, Default, Deserialize)]
pub struct ItemQuery {
    /// The id of the link just made.
    #[serde(default)]
    shared: Option<String>,
    /// Set after a withdrawal.
    #[serde(default)]
    withdrawn: Option<String>,
}

/// Renders one credential's page (also with a refused share form's errors).
pub(crate) async fn item_page(state: &AppState, ctx: &Ctx, id: String, share: ShareForm, new_share: String) -> PageResult<ItemPage> {
    let p = learner(ctx)?;
    let base = state.base_url().to_string();
    let lang = ctx.lang;
    let (item, shares, items) = state
        .db
        .run(move |c| {
            let row = shares::own_credential(c, &p, &id)?;
            let links = shares::list_shares(c, &base, &p, &row)?;
            let view =
                m::credential_views(c, &base, vec![row], false)?.pop().ok_or_else(|| AppError::Internal("credential view".into()))?;
            let (items, _) = own_items(c, &base, &p, PRESENTABLE, 0)?;
            let shares = ShareRow::rows(links, lang)?;
            Ok::<_, AppError>((WalletItem::from_view(&view), shares, items))
        })
        .await?;
    let present = PresentForm { items, checked: vec![item.id.clone()], ..Default::default() };
    let c = Chrome::new(ctx, tr("learner.item.title")).titled(item.name.clone());
    Ok(ItemPage { c, item, shares, share, present, new_share })
}

/// `GET /my/wallet/{id}`: one of the learner's credentials — open or print its public page,
/// check it on the public verifier, download the signed JSON, share it, present it. Another
/// learner's credential is "not found".
pub async fn find_wallet_item(state: AppState, ctx: Ctx, Path(id): Path<String>, Query(q): Query<ItemQuery>) -> PageResult<Response> {
    let new_share = q.shared.clone().unwrap_or_default();
    let notice = if q.shared.is_some() {
        Some(tr("learner.share.created"))
    } else if q.withdrawn.is_some() {
        Some(tr("learner.share.withdrawn_notice"))
    } else {
        None
    };
    let mut page = item_page(&state, &ctx, id, ShareForm::default(), new_share).await?;
    page.c = page.c.with_notice(notice);
    Ok(render(&page)?.into_response())
}

/// `GET /my/wallet/{id}/download`: the signed credential JSON, exactly as issued, as a file.
pub async fn find_wallet_download(state: AppState, ctx: Ctx, Path(id): Path<String>) -> PageResult<Response> {
    let p = learner(&ctx)?;
    let row = state.db.run(move |c| shares::own_credential(c, &p, &id)).await?;
    let name = row.certificate_number.clone().unwrap_or_else(|| bare_id(&row.id).to_string());
    let safe: String = name.chars().map(|ch| if ch.is_ascii_alphanumeric() || ch == '-' { ch } else { '_' }).collect();
    json_download(row.json, &format!("{safe}.json"))
}

/// The presentation maker on its own.
#[derive(Template)]
#[template(path = "web/learner/present.html")]
pub struct PresentPage {
    c: Chrome,
    present: PresentForm,
}

/// `?credential=` preselects one.
#[derive(Debug, Default, Deserialize)]
pub struct PresentQuery {
    /// A credential to tick.
    #[serde(default)]
    credential: Option<String>,
}

async fn present_page(state: &AppState, ctx: &Ctx, mut form: PresentForm) -> PageResult<PresentPage> {
    let p = learner(ctx)?;
    let base = state.base_url().to_string();
    let (items, _) = state.db.run(move |c| own_items(c, &base, &p, PRESENTABLE, 0)).await?;
    form.items = items;
    Ok(PresentPage { c: Chrome::new(ctx, tr("learner.present.title")), present: form })
}

/// `GET /my/wallet/present`: make a Verifiable Presentation for a verifier — their
/// challenge and domain, and which credentials.
pub async fn find_presentation_form(state: AppState, ctx: Ctx, Query(q): Query<PresentQuery>) -> PageResult<Response> {
    let form = PresentForm { checked: q.credential.into_iter().collect(), ..Default::default() };
    Ok(render(&present_page(&state, &ctx, form).await?)?.into_response())
}

/// `POST /my/wallet/present` (`challenge`, `domain`, `credentials` repeated): signs the
/// presentation with the learner's holder key — the same service as
/// `POST /api/v1/presentations` — and sends it as a JSON file. A refused form comes back
/// with the API's errors beside its fields (422); nothing is stored but the holder key.
pub async fn create_presentation(state: AppState, ctx: Ctx, CsrfForm(fields): CsrfForm<Vec<(String, String)>>) -> PageResult<Response> {
    let p = learner(&ctx)?;
    let mut form = PresentForm::default();
    for (k, v) in fields {
        match k.as_str() {
            "challenge" => form.challenge = v,
            "domain" => form.domain = v,
            "credentials" if !v.trim().is_empty() => form.checked.push(v.trim().to_string()),
            _ => {}
        }
    }
    let input = PresentationInput {
        credentials: form.checked.clone(),
        challenge: form.challenge.trim().to_string(),
        domain: Some(form.domain.trim().to_string()).filter(|d| !d.is_empty()),
    };
    let kek = state.kek.clone();
    match state.db.run(move |c| presentation::create_presentation(c, &kek, &p, &input)).await {
        Ok(vp) => {
            let day = chrono::Utc::now().format("%Y%m%d");
            json_download(vp.to_string(), &format!("presentation-{day}.json"))
        }
        Err(e) => {
            form.errors = FieldErrors::from_error(&e).ok_or(e)?;
            let page = present_page(&state, &ctx, form).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}
