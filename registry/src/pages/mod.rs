//! HTML pages, rendered by the server from the same services and policy as the JSON routes.
//!
//! Two kinds live here:
//! - the public documents people open from a link or QR code — the printable certificate
//!   page ([`certificate`]) and the skill URIs ([`skill`]) — registered with the API's
//!   OpenAPI routes in `router.rs`;
//! - the web application (issue 11; `docs/WEB.md`): every user's work in the browser, in
//!   zh-CN first with an English switch. Its routes are listed in [`routes`], by area; each
//!   runs inside [`ctx::web_context`] (session, language, CSRF) and renders a template from
//!   `registry/templates/web/` that extends `web/base.html` ([`layout`]). Its strings come
//!   from the one catalogue in [`i18n`].

pub(crate) mod cache;
pub(crate) mod certificate;
pub(crate) mod skill;

pub(crate) mod assets;
pub mod ctx;
pub(crate) mod home;
pub mod i18n;
pub(crate) mod layout;
pub(crate) mod signin;

pub(crate) mod admin;
pub(crate) mod college;
pub(crate) mod enterprise;
pub(crate) mod learner;
pub(crate) mod public;

use axum::Router;
use axum::http::{HeaderMap, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::app::AppState;

/// Every route of the web application, inside the page middleware; the embedded assets
/// beside them, outside it (no session lookup for a stylesheet).
pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    let app = Router::new()
        .route("/", get(home::find_home))
        .route("/login", get(signin::find_login).post(signin::create_login))
        .route("/logout", post(signin::create_logout))
        .route("/lang/{code}", get(signin::find_lang))
        .route("/invite/{token}", get(signin::find_invitation).post(signin::create_invitation_password))
        .route("/me/password", get(signin::find_password).post(signin::update_password))
        .merge(public::routes(state))
        .merge(learner::routes())
        .merge(enterprise::routes())
        .merge(college::routes())
        .merge(admin::routes())
        .layer(axum::middleware::from_fn_with_state(state.clone(), ctx::web_context));
    app.route("/assets/{name}", get(assets::find_asset))
}

/// What answers a path no route has: a page in the visitor's language for a browser (it asks
/// for `text/html`), the JSON envelope for everything else and anything under `/api/`.
pub(crate) fn fallback(state: &AppState) -> Router {
    Router::new().fallback(not_found).layer(axum::middleware::from_fn_with_state(state.clone(), ctx::web_context)).with_state(state.clone())
}

async fn not_found(headers: HeaderMap, uri: Uri) -> Response {
    let wants_html = !uri.path().starts_with("/api/")
        && headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
    if wants_html {
        ctx::PageError(crate::error::AppError::NotFound("page".into())).into_response()
    } else {
        crate::error::AppError::NotFound("route".into()).into_response()
    }
}
