//! The extractors every route reads its input through: [`AppJson`] for bodies, [`AppQuery`]
//! for query strings, [`AppPath`] for path parameters; [`VerbatimJson`] only where a signed
//! document must be read exactly as sent.
//!
//! They hold the request-level half of input hygiene, so no route can forget it; the
//! field-level half (lengths, codes, dates) is `rongtong_catalog::validate`, shared with the
//! CSV importer:
//!
//! - every string of a body, query or path is refused with NUL or another control character
//!   (tab and line breaks are left to the field rules, which allow them in multi-line text),
//!   *before* any SQL runs, naming the field or parameter;
//! - body strings are NFC-normalised and bounded ([`rongtong_catalog::validate::clean_json`]);
//! - body fields the type does not know are refused (the input types carry
//!   `#[serde(deny_unknown_fields)]`, which also puts `additionalProperties: false` in the
//!   OpenAPI document), and a missing field, a wrong type or an unknown enum value names the
//!   field by its path (`skills[0].level`), through `serde_path_to_error`.
//!
//! Every rejection is an [`AppError`], so it leaves in the one envelope.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use rongtong_catalog::ValidationErrors;
use rongtong_catalog::validate::{clean_json, describe_char, forbidden_char};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// A JSON body, cleaned and checked as the module says; its rejection is an [`AppError`].
/// As a response, plain JSON.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppJson<T>(pub T);

impl<T: Serialize> IntoResponse for AppJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for AppJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let mut value = read_json(req, state).await?;
        let errs = clean_json(&mut value);
        if !errs.is_empty() {
            return Err(AppError::Validation(errs));
        }
        from_value(value).map(AppJson)
    }
}

/// A JSON body read as sent: no normalisation and no string checks, because its bytes are
/// covered by a signature (`POST /verify`). Malformed JSON and size limits are handled as in
/// [`AppJson`].
#[derive(Debug, Clone, Default)]
pub struct VerbatimJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for VerbatimJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        from_value(read_json(req, state).await?).map(VerbatimJson)
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(ct) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else { return false };
    let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Reads the body (413 over the body limit) and parses it as JSON (400 when it is not).
async fn read_json<S: Send + Sync>(req: Request, state: &S) -> Result<serde_json::Value, AppError> {
    if !is_json(req.headers()) {
        return Err(AppError::bad_field("body", "expected a JSON body with `Content-Type: application/json`"));
    }
    let bytes = Bytes::from_request(req, state).await.map_err(AppError::from)?;
    serde_json::from_slice(&bytes).map_err(|e| AppError::bad_field("body", format!("the body is not valid JSON: {e}")))
}

/// A body built by the server rather than sent as JSON — a web form turned into the API's
/// input — read exactly as [`AppJson`] reads a body: the same string hygiene and the same
/// errors, naming the same field paths (`skills[0].level`), so a form shows the API's errors.
pub(crate) fn json_input<T: DeserializeOwned>(mut value: serde_json::Value) -> Result<T, AppError> {
    let errs = clean_json(&mut value);
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    from_value(value)
}

/// Deserialises a checked value, naming the field at fault: its path, plus the missing or
/// unknown field's name when serde names one.
fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, AppError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        let named = ["missing field `", "unknown field `"]
            .iter()
            .find_map(|prefix| message.strip_prefix(prefix))
            .and_then(|rest| rest.split_once('`'))
            .map(|(name, _)| name.to_string());
        let field = match (path.as_str(), named) {
            (".", Some(name)) => name,
            (p, Some(name)) if !p.ends_with(&name) => format!("{p}.{name}"),
            (".", None) => "body".to_string(),
            (p, _) => p.to_string(),
        };
        AppError::Validation(ValidationErrors::single(field, message))
    })
}

/// Refuses a parameter holding NUL or another control character (tab and newline included:
/// no path or query parameter is multi-line).
fn check_param(kind: &str, name: &str, value: &str) -> Result<(), AppError> {
    match forbidden_char(value, false) {
        Some(c) => Err(AppError::bad_field(name, format!("{kind} parameter {}", describe_char(c)))),
        None => Ok(()),
    }
}

/// The longest query parameter value (and name), in characters once percent-decoded. The
/// longest a route reads is a skill URI or a search text, far shorter; without a bound a value
/// could run to the HTTP layer's 64 KiB and every route would have to think about it.
pub(crate) const MAX_QUERY_VALUE_CHARS: usize = 2_000;

/// Refuses an over-long query parameter with a 422 naming it.
fn check_length(name: &str, value: &str) -> Result<(), AppError> {
    let longest = name.chars().count().max(value.chars().count());
    if longest > MAX_QUERY_VALUE_CHARS {
        let field = if name.chars().count() > MAX_QUERY_VALUE_CHARS { "query" } else { name };
        return Err(AppError::invalid(field, format!("query parameter longer than {MAX_QUERY_VALUE_CHARS} characters")));
    }
    Ok(())
}

/// Query parameters, checked for control characters (naming the parameter) and deserialised
/// with the parameter named on a wrong type or a missing value.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for AppQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let query = parts.uri.query().unwrap_or_default();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            check_param("query", &name, &name)?;
            check_param("query", &name, &value)?;
            check_length(&name, &value)?;
        }
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de).map(AppQuery).map_err(|e| {
            let path = e.path().to_string();
            let message = e.inner().to_string();
            let field = message
                .strip_prefix("missing field `")
                .and_then(|rest| rest.split_once('`'))
                .map(|(name, _)| name.to_string())
                .unwrap_or(if path == "." { "query".to_string() } else { path });
            AppError::bad_field(field, format!("bad query parameter: {message}"))
        })
    }
}

/// Path parameters, checked for control characters (naming the parameter) before they are
/// deserialised, so no NUL ever reaches a query.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for AppPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let raw = RawPathParams::from_request_parts(parts, state).await.map_err(|r| AppError::bad_field("path", r.body_text()))?;
        for (name, value) in &raw {
            check_param("path", name, value)?;
        }
        axum::extract::Path::<T>::from_request_parts(parts, state).await.map(|p| AppPath(p.0)).map_err(AppError::from)
    }
}
