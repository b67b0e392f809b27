//! Share links: the learner makes a link to one credential that expires when they choose
//! and can be withdrawn (`services::shares`); a visitor of `/s/{token}` sees the credential
//! and the way to verify it while the link lives, and `410 Gone` after.

use askama::Template;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::wallet::{ShareForm, WalletItem, item_page};
use super::{bare_id, learner, tr};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::models::credentials as m;
use crate::pages::certificate::qr_svg;
use crate::pages::ctx::{CsrfForm, Ctx, PageResult, render};
use crate::pages::i18n::{self, Lang};
use crate::pages::layout::{Chrome, FieldErrors};
use crate::services::shares::{self, Opened, ShareExpiry, ShareLinkView, ShareState};

/// One share link on the credential's page.
#[derive(Debug, Clone)]
pub(crate) struct ShareRow {
    /// Id (to withdraw it).
    pub(crate) id: String,
    /// The whole link.
    pub(crate) url: String,
    /// Its QR code (inline SVG) while it is live; empty after.
    pub(crate) qr: String,
    /// `live`, `expired` or `withdrawn` (the `data-share-state` attribute).
    pub(crate) state: &'static str,
    /// Message key of the state.
    pub(crate) state_key: &'static str,
    /// Badge class.
    pub(crate) state_class: &'static str,
    /// Made on (formatted).
    pub(crate) created: String,
    /// Stops working at (formatted, with the time).
    pub(crate) expires: String,
}

/// `2026年12月8日 18:00` / `2026-12-08 18:00`, in China Standard Time (the time links are
/// chosen in).
fn when(lang: Lang, rfc3339: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => {
            let cst = t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap_or(*t.offset()));
            format!("{} {}", i18n::format_date(lang, &cst.format("%Y-%m-%d").to_string()), cst.format("%H:%M"))
        }
        Err(_) => rfc3339.to_string(),
    }
}

/// Most links listed on a credential's page (newest first), and most of them drawn with
/// their QR code (about 10 KB each): the page stays light however many links were made.
const LISTED: usize = 50;
const WITH_QR: usize = 5;

impl ShareRow {
    /// The page's rows for a credential's links (newest first): the first [`LISTED`], the
    /// first [`WITH_QR`] live ones with their QR code.
    pub(crate) fn rows(links: Vec<ShareLinkView>, lang: Lang) -> AppResult<Vec<ShareRow>> {
        let mut live = 0;
        links
            .into_iter()
            .take(LISTED)
            .map(|l| {
                live += usize::from(l.state == ShareState::Live);
                ShareRow::new(l, lang, live <= WITH_QR)
            })
            .collect()
    }

    /// The page's view of a link; a live one's QR code when `with_qr`.
    fn new(v: ShareLinkView, lang: Lang, with_qr: bool) -> AppResult<ShareRow> {
        let (state, state_key, state_class) = match v.state {
            ShareState::Live => ("live", tr("learner.share.state.live"), "ok"),
            ShareState::Expired => ("expired", tr("learner.share.state.expired"), "warn"),
            ShareState::Withdrawn => ("withdrawn", tr("learner.share.state.withdrawn"), "bad"),
        };
        let qr = if v.state == ShareState::Live && with_qr { qr_svg(&v.url)? } else { String::new() };
        Ok(ShareRow {
            created: i18n::format_date(lang, &v.created_at),
            expires: when(lang, v.withdrawn_at.as_deref().unwrap_or(&v.expires_at)),
            id: v.id,
            url: v.url,
            qr,
            state,
            state_key,
            state_class,
        })
    }

    /// True while the link works.
    pub(crate) fn live(&self) -> bool {
        self.state == "live"
    }
}

/// The share form's fields.
#[derive(Debug, Default, Deserialize)]
pub struct ShareInput {
    /// `1`, `7`, `30` or `custom`.
    #[serde(default)]
    expires: String,
    /// The last day, for `custom` (`YYYY-MM-DD`).
    #[serde(default)]
    expires_on: String,
}

/// `POST /my/wallet/{id}/shares`: makes a share link to the learner's credential, then back
/// to the credential's page with the new link (its URL and QR code) highlighted. A bad
/// expiry comes back beside its field (422) and stores nothing.
pub async fn create_share(
    state: AppState,
    ctx: Ctx,
    Path(id): Path<String>,
    CsrfForm(input): CsrfForm<ShareInput>,
) -> PageResult<Response> {
    let p = learner(&ctx)?;
    let base = state.base_url().to_string();
    let (expires, expires_on) = (input.expires.clone(), input.expires_on.clone());
    let cred = id.clone();
    let made = state
        .db
        .run(move |c| {
            let expiry = ShareExpiry::parse(&expires, &expires_on)?;
            shares::create_share(c, &base, &p, &cred, expiry, chrono::Utc::now())
        })
        .await;
    match made {
        Ok(link) => Ok(Redirect::to(&format!("/my/wallet/{}?shared={}#shares", bare_id(&id), link.id)).into_response()),
        Err(e) => {
            let errors = FieldErrors::from_error(&e).ok_or(e)?;
            let form = ShareForm { expires: input.expires, expires_on: input.expires_on, errors };
            let page = item_page(&state, &ctx, id, form, String::new()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

/// The withdraw button carries only its CSRF token.
#[derive(Debug, Deserialize)]
pub struct WithdrawInput {}

/// `POST /my/wallet/{id}/shares/{share}/withdraw`: the link stops working at once (its
/// visitors get 410 Gone). Another learner's link is "not found".
pub async fn update_share_withdrawn(
    state: AppState,
    ctx: Ctx,
    Path((id, share)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<WithdrawInput>,
) -> PageResult<Response> {
    let p = learner(&ctx)?;
    state.db.run(move |c| shares::withdraw_share(c, &p, &share)).await?;
    Ok(Redirect::to(&format!("/my/wallet/{}?withdrawn=1#shares", bare_id(&id))).into_response())
}

/// What a share link opens.
#[derive(Template)]
#[template(path = "web/learner/shared.html")]
pub struct SharedPage {
    c: Chrome,
    item: WalletItem,
    /// The link works until (formatted).
    until: String,
}

/// A link that no longer works.
#[derive(Template)]
#[template(path = "web/learner/share_gone.html")]
pub struct GonePage {
    c: Chrome,
    /// Message key: expired or withdrawn.
    why: &'static str,
}

/// `GET /s/{token}` (public): while the link lives, the credential it shares — name, issuer,
/// number, live status — with its printable certificate page (`/credentials/{id}`), the
/// public verifier (`/verify?credential={id}`) and the signed JSON; an expired or withdrawn
/// link is `410 Gone`, a token never issued `404`. Never cached, never indexed.
pub async fn find_shared(state: AppState, ctx: Ctx, Path(token): Path<String>) -> PageResult<Response> {
    let base = state.base_url().to_string();
    let opened = state
        .db
        .run(move |c| {
            Ok::<_, AppError>(match shares::open_share(c, &token, chrono::Utc::now())? {
                Opened::Live { credential, link } => {
                    let view =
                        m::credential_views(c, &base, vec![*credential], false)?.pop().ok_or_else(|| AppError::Internal("view".into()))?;
                    Ok((WalletItem::from_view(&view), link.expires_at))
                }
                Opened::Gone(why) => Err(why),
            })
        })
        .await?;
    let mut resp = match opened {
        Ok((item, expires_at)) => {
            let c = Chrome::new(&ctx, tr("learner.shared.title")).titled(item.name.clone());
            render(&SharedPage { c, until: when(ctx.lang, &expires_at), item })?.into_response()
        }
        Err(why) => {
            let why = if why == ShareState::Withdrawn { tr("learner.gone.withdrawn") } else { tr("learner.gone.expired") };
            (StatusCode::GONE, render(&GonePage { c: Chrome::new(&ctx, tr("learner.gone.title")), why })?).into_response()
        }
    };
    resp.headers_mut().insert("x-robots-tag", HeaderValue::from_static("noindex, nofollow"));
    Ok(resp)
}
