//! What every web page knows about its request: who is signed in, in which language, and
//! the CSRF token its forms carry — set up once by [`web_context`], the middleware around
//! the web application's routes, and taken by handlers as [`Ctx`].
//!
//! Cookies (all `HttpOnly`, `SameSite=Lax`, `Path=/`, and `Secure` when the base URL is
//! https):
//! - `rt_session`: the session's random value (only its SHA-256 is stored);
//! - `rt_csrf`: a random token for forms shown before signing in (the login form, the public
//!   verifier), checked double-submit style; a signed-in form carries the session's token;
//! - `rt_lang`: `zh-CN` or `en`, set by the language switch (not `HttpOnly`-sensitive, but
//!   set so anyway).
//!
//! Errors: a handler returns [`PageError`] (from any `AppError`); this middleware renders it
//! as a page in the visitor's language — or, for "sign in first", redirects to the login page
//! with the address to come back to.

use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use cookie::{Cookie, SameSite};
use rand::RngCore;
use serde::de::DeserializeOwned;

use super::i18n::{self, Lang};
use crate::app::AppState;
use crate::auth::session::LiveSession;
use crate::auth::{Caller, Principal};
use crate::error::AppError;

/// The session cookie.
pub const SESSION_COOKIE: &str = "rt_session";
/// The pre-sign-in CSRF cookie.
pub const CSRF_COOKIE: &str = "rt_csrf";
/// The language cookie.
pub const LANG_COOKIE: &str = "rt_lang";
/// The hidden form field every form carries.
pub const CSRF_FIELD: &str = "csrf";

/// The request as a page sees it.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Language of the page.
    pub lang: Lang,
    /// The signed-in session, if any.
    pub session: Option<LiveSession>,
    /// The token this request's forms must carry.
    pub csrf: String,
    /// Path and query of this request (for "come back here" links and the language switch).
    pub here: String,
    /// True when cookies must be `Secure` (the base URL is https).
    pub secure: bool,
    /// The peer's address, when the request came over a socket (the login throttle counts
    /// failures per address too).
    pub ip: Option<String>,
}

impl Ctx {
    /// The message for `key` in this page's language.
    pub fn t(&self, key: &str) -> &'static str {
        i18n::lookup(self.lang, key)
    }

    /// The signed-in account, if any.
    pub fn principal(&self) -> Option<&Principal> {
        self.session.as_ref().map(|s| &s.principal)
    }

    /// The signed-in account, or "sign in first" (the middleware redirects to the login page).
    pub fn require(&self) -> Result<&Principal, PageError> {
        self.principal().ok_or_else(|| PageError(AppError::Unauthorized("sign in first".into())))
    }

    /// The caller, as the JSON routes' services expect it: the pages ask the same policy.
    pub fn caller(&self) -> Caller {
        match self.principal() {
            Some(p) => Caller::User(p.clone()),
            None => Caller::Anonymous,
        }
    }

    /// A cookie with this deployment's attributes.
    pub fn cookie(&self, name: &'static str, value: String, max_age: Option<cookie::time::Duration>) -> String {
        let mut c = Cookie::build((name, value)).path("/").http_only(true).same_site(SameSite::Lax).secure(self.secure);
        if let Some(age) = max_age {
            c = c.max_age(age);
        }
        c.build().to_string()
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Ctx>().cloned().ok_or_else(|| PageError(AppError::Internal("page without web_context".into())))
    }
}

/// A page's failure: any [`AppError`], shown as a page by [`web_context`].
#[derive(Debug)]
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

/// The result of a page handler.
pub type PageResult<T> = Result<T, PageError>;

/// Carried from [`PageError::into_response`] to [`web_context`], which knows the language.
#[derive(Debug, Clone)]
struct Failure {
    status: StatusCode,
    detail: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.0.status_code();
        let detail = match &self.0 {
            // The detail of an internal failure is logged, never shown.
            AppError::Internal(d) => {
                tracing::error!(detail = %d, "page failed");
                String::new()
            }
            e => e.to_string(),
        };
        let mut resp = status.into_response();
        resp.extensions_mut().insert(Failure { status, detail });
        resp
    }
}

/// Renders a template into a page response.
pub fn render<T: Template>(page: &T) -> PageResult<Html<String>> {
    page.render().map(Html).map_err(|e| PageError(AppError::Internal(format!("template: {e}"))))
}

fn random_hex() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// The cookies of a request, by name (the first of each).
fn cookies(parts: &axum::http::HeaderMap) -> Vec<(String, String)> {
    parts
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| Cookie::split_parse(v.to_string()).filter_map(Result::ok).map(|c| (c.name().to_string(), c.value().to_string())))
        .collect()
}

/// The middleware around every web page: reads the cookies, finds the session, picks the
/// language, hands the handler a [`Ctx`], and afterwards renders failures, sets the CSRF
/// cookie it minted and adds the pages' security headers.
pub async fn web_context(state: AppState, mut req: Request, next: Next) -> Response {
    let jar = cookies(req.headers());
    let get = |name: &str| jar.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let lang = get(LANG_COOKIE)
        .and_then(|v| Lang::parse(&v))
        .or_else(|| req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).map(Lang::from_accept))
        .unwrap_or_default();
    let session = match get(SESSION_COOKIE) {
        Some(value) if value.len() == 64 => {
            let cfg = state.config.web.clone();
            match state.db.run(move |c| crate::auth::session::find_session(c, &value, &cfg)).await {
                Ok(s) => s,
                Err(e) => return PageError(e).into_response(),
            }
        }
        _ => None,
    };
    let (csrf, minted) = match (&session, get(CSRF_COOKIE)) {
        (Some(s), _) => (s.csrf.clone(), false),
        (None, Some(v)) if v.len() == 64 => (v, false),
        (None, _) => (random_hex(), true),
    };
    let here = req.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
    let secure = state.config.server.base_url.starts_with("https://");
    let ip = req.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip().to_string());
    let ctx = Ctx { lang, session, csrf, here, secure, ip };
    req.extensions_mut().insert(ctx.clone());
    let mut resp = next.run(req).await;
    if let Some(failure) = resp.extensions_mut().remove::<Failure>() {
        resp = failure_page(&ctx, failure);
    }
    let headers = resp.headers_mut();
    // The CSRF cookie goes with pages only (a JSON 404 from the fallback needs none).
    let is_page = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/html"));
    if minted
        && is_page
        && let Ok(v) = HeaderValue::from_str(&ctx.cookie(CSRF_COOKIE, ctx.csrf.clone(), None))
    {
        headers.append(header::SET_COOKIE, v);
    }
    // Pages load only their own scripts, styles and images (all embedded), and are never
    // framed; `data:` images are the QR codes.
    headers.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    ));
    headers.entry(header::X_CONTENT_TYPE_OPTIONS).or_insert(HeaderValue::from_static("nosniff"));
    headers.entry(header::REFERRER_POLICY).or_insert(HeaderValue::from_static("same-origin"));
    if !headers.contains_key(header::CACHE_CONTROL) {
        // Pages show a person's own data: never kept by shared caches.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    }
    resp
}

/// The error page, or the redirect to sign in.
fn failure_page(ctx: &Ctx, failure: Failure) -> Response {
    if failure.status == StatusCode::UNAUTHORIZED && ctx.session.is_none() {
        let next: String = form_urlencoded::byte_serialize(ctx.here.as_bytes()).collect();
        return Redirect::to(&format!("/login?next={next}")).into_response();
    }
    let (title, explain) = match failure.status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => ("error.forbidden.title", "error.forbidden.explain"),
        StatusCode::NOT_FOUND => ("error.not_found.title", "error.not_found.explain"),
        StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => {
            ("error.invalid.title", "error.invalid.explain")
        }
        StatusCode::TOO_MANY_REQUESTS => ("error.throttled.title", "error.throttled.explain"),
        StatusCode::SERVICE_UNAVAILABLE => ("error.unavailable.title", "error.unavailable.explain"),
        _ => ("error.internal.title", "error.internal.explain"),
    };
    let page = super::layout::ErrorPage {
        c: super::layout::Chrome::new(ctx, title),
        explain,
        detail: failure.detail,
        status: failure.status.as_u16(),
    };
    match render(&page) {
        Ok(html) => (failure.status, html).into_response(),
        Err(_) => failure.status.into_response(),
    }
}

/// Constant-time comparison of two tokens (the CSRF check must not leak by timing).
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Refuses a form from another site: a cross-origin `Origin` (browsers send it on every
/// POST) is refused before the token is even looked at.
fn check_origin(parts: &Parts, state: &AppState) -> Result<(), PageError> {
    let Some(origin) = parts.headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return Ok(()) };
    let host = parts.headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let same_host = origin.split_once("://").is_some_and(|(_, h)| h == host);
    if same_host || origin == state.config.server.base_url {
        Ok(())
    } else {
        Err(PageError(AppError::Forbidden("this form was sent from another site".into())))
    }
}

/// A submitted `application/x-www-form-urlencoded` form whose CSRF token was checked:
/// `CsrfForm(fields)`. A missing or wrong token is 403 and the handler never runs.
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        check_origin(&parts, state)?;
        let ctx = parts.extensions.get::<Ctx>().cloned().ok_or_else(|| PageError(AppError::Internal("form without web_context".into())))?;
        let limit = state.config.server.max_body_bytes;
        let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| PageError(AppError::PayloadTooLarge))?;
        let token = form_urlencoded::parse(&bytes).find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v.into_owned()).unwrap_or_default();
        if !same_token(&token, &ctx.csrf) {
            return Err(PageError(AppError::Forbidden("the form's security token is missing or out of date; reload the page".into())));
        }
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(&bytes));
        let value = serde_path_to_error::deserialize(de)
            .map_err(|e| PageError(AppError::bad_field(e.path().to_string(), e.inner().to_string())))?;
        Ok(CsrfForm(value))
    }
}

/// A submitted `multipart/form-data` form (file uploads) whose CSRF token was checked: its
/// text fields and its files, read whole (within the server's body limit).
#[derive(Debug, Default)]
pub struct CsrfMultipart {
    /// Text fields, in order.
    pub fields: Vec<(String, String)>,
    /// Files: field name, file name, bytes.
    pub files: Vec<(String, String, Vec<u8>)>,
}

impl CsrfMultipart {
    /// The first text field of that name, trimmed; empty when absent.
    pub fn field(&self, name: &str) -> &str {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.trim()).unwrap_or("")
    }

    /// The first non-empty file of that field.
    pub fn file(&self, name: &str) -> Option<&(String, String, Vec<u8>)> {
        self.files.iter().find(|(n, _, b)| n == name && !b.is_empty())
    }
}

impl FromRequest<AppState> for CsrfMultipart {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        check_origin(&parts, state)?;
        let ctx = parts.extensions.get::<Ctx>().cloned().ok_or_else(|| PageError(AppError::Internal("form without web_context".into())))?;
        let mut multipart = Multipart::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|e| PageError(AppError::BadRequest { detail: e.body_text(), field: None }))?;
        let mut form = CsrfMultipart::default();
        while let Some(field) =
            multipart.next_field().await.map_err(|e| PageError(AppError::BadRequest { detail: e.body_text(), field: None }))?
        {
            let name = field.name().unwrap_or("").to_string();
            match field.file_name().map(str::to_string) {
                Some(file_name) => {
                    let bytes = field
                        .bytes()
                        .await
                        .map_err(|e| PageError(AppError::BadRequest { detail: e.body_text(), field: Some(name.clone()) }))?;
                    form.files.push((name, file_name, bytes.to_vec()));
                }
                None => {
                    let text = field
                        .text()
                        .await
                        .map_err(|e| PageError(AppError::BadRequest { detail: e.body_text(), field: Some(name.clone()) }))?;
                    form.fields.push((name, text));
                }
            }
        }
        if !same_token(form.field(CSRF_FIELD), &ctx.csrf) {
            return Err(PageError(AppError::Forbidden("the form's security token is missing or out of date; reload the page".into())));
        }
        Ok(form)
    }
}

/// A local path to go back to after signing in; anything else (another site, `//host`,
/// a scheme) becomes the home page, so the login page is no open redirect.
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.starts_with("/\\") && !p.contains(['\r', '\n']) => p.to_string(),
        _ => "/".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(local_path(Some("/my/wallet?x=1")), "/my/wallet?x=1");
        assert_eq!(local_path(Some("//evil.example/")), "/");
        assert_eq!(local_path(Some("https://evil.example/")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(None), "/");
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "ab"));
        assert!(!same_token("", "a"));
    }
}
