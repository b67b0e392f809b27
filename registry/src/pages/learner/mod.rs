//! The learner's pages of the web application (issue 11; docs/WEB.md, "The learner").
//!
//! - [`wallet`]: 我的证书 `/my/wallet` — the learner's credentials with their status; one
//!   credential (`/my/wallet/{id}`): open or print its public page, download the signed JSON,
//!   share links, and the presentation maker (`/my/wallet/present`);
//! - [`share`]: making and withdrawing share links, and the public `/s/{token}` they open;
//! - [`gap`]: 差距与学习路径 `/my/gap` — the gap to an occupation or a published position
//!   and the smallest course path, with reasons;
//! - [`recognition`]: 学分互认 `/my/recognition` — applications and applying;
//! - [`account`]: 学分银行 `/my/account` — the credit account and the CLR transcript.
//!
//! Every page is for the signed-in learner alone ([`learner`]: others get 403) and shows
//! only their own records; each calls the same service as the JSON route that does the same.

pub(crate) mod account;
pub(crate) mod gap;
pub(crate) mod recognition;
pub(crate) mod share;
pub(crate) mod wallet;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::ctx::{Ctx, PageError};
use super::i18n::Lang;
use crate::app::AppState;
use crate::auth::{Principal, policy};
use crate::error::AppError;

/// This area's page routes (merged into the web application by `pages::routes`).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/my/wallet", get(wallet::list_wallet))
        .route("/my/wallet/present", get(wallet::find_presentation_form).post(wallet::create_presentation))
        .route("/my/wallet/{id}", get(wallet::find_wallet_item))
        .route("/my/wallet/{id}/download", get(wallet::find_wallet_download))
        .route("/my/wallet/{id}/shares", post(share::create_share))
        .route("/my/wallet/{id}/shares/{share}/withdraw", post(share::update_share_withdrawn))
        .route("/s/{token}", get(share::find_shared))
        .route("/my/gap", get(gap::find_gap))
        .route("/my/gap/occupations", get(gap::list_occupation_suggestions))
        .route("/my/recognition", get(recognition::list_applications).post(recognition::create_application))
        .route("/my/account", get(account::find_account))
        .route("/my/account/transcript", get(account::find_transcript))
}

/// The signed-in learner: "sign in first" without a session, 403 for an account that holds
/// no wallet (`policy::has_wallet`: enterprise, college and admin accounts).
fn learner(ctx: &Ctx) -> Result<Principal, PageError> {
    let p = ctx.require()?;
    if !policy::has_wallet(p) {
        return Err(PageError(AppError::Forbidden(format!("{} has no wallet: these pages are for learners", p.username))));
    }
    Ok(p.clone())
}

/// Marks a message key chosen in code (a status, a kind), so the catalogue test, which reads
/// calls of `tr` with a literal key, checks that it exists.
const fn tr(key: &'static str) -> &'static str {
    key
}

/// A credential id as it appears in page URLs: the bare UUID of `urn:uuid:…`.
fn bare_id(id: &str) -> &str {
    id.strip_prefix("urn:uuid:").unwrap_or(id)
}

/// A number of hours or credits as people write it: `2`, `1.5`.
fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{:.1}", v) }
}

/// A skill level's name in the page's language (`四级/中级工`, `Level 4 (intermediate worker)`).
fn level_name(lang: Lang, level: rongtong_catalog::SkillLevel) -> &'static str {
    match lang {
        Lang::Zh => level.name_zh(),
        Lang::En => level.name_en(),
    }
}

/// A JSON document offered as a file download (`Content-Disposition: attachment`).
fn json_download(body: String, filename: &str) -> Result<Response, PageError> {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
        .map_err(|e| PageError(AppError::Internal(format!("download name: {e}"))))?;
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/json")), (header::CONTENT_DISPOSITION, disposition)], body)
        .into_response())
}

/// Page links of a list: 50 items a page.
#[derive(Debug, Clone)]
pub(crate) struct Pager {
    /// The list's path (`?page=` is appended).
    base: &'static str,
    /// This page (from 1).
    page: i64,
    /// Items in the whole list.
    total: i64,
}

/// Items per page of the learner's lists.
const PER_PAGE: i64 = 50;

impl Pager {
    /// The page asked for (from 1; anything else is page 1) and its offset.
    fn resolve(page: Option<&str>) -> (i64, i64) {
        let page = page.and_then(|p| p.trim().parse::<i64>().ok()).filter(|p| (1..=100_000).contains(p)).unwrap_or(1);
        (page, (page - 1) * PER_PAGE)
    }

    /// The previous page's link, if any.
    pub(crate) fn previous(&self) -> Option<String> {
        (self.page > 1).then(|| format!("{}?page={}", self.base, self.page - 1))
    }

    /// The next page's link, if any.
    pub(crate) fn next(&self) -> Option<String> {
        (self.page * PER_PAGE < self.total).then(|| format!("{}?page={}", self.base, self.page + 1))
    }
}

/// `?page=` (text: a page that is not a number is page 1, not an error).
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct PageQuery {
    /// Page (from 1).
    #[serde(default)]
    page: Option<String>,
}
