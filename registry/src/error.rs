//! One error type for the whole service, and the one JSON envelope every error leaves in:
//!
//! ```json
//! {"errors": [{"code": "validation", "detail": "must not be empty", "field": "title_zh"}]}
//! ```
//!
//! Handlers return [`AppResult<T>`]; `?` converts diesel, pool and validation errors.
//! Internal errors are logged with their detail and shown to the client without it.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rongtong_catalog::ValidationErrors;
use rongtong_catalog::csvio::RowError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbError;

/// The result type of every handler.
pub type AppResult<T> = Result<T, AppError>;

/// Everything that can go wrong in a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the request cannot be read (malformed JSON, bad query string).
    #[error("{detail}")]
    BadRequest {
        /// What is wrong.
        detail: String,
        /// The field, when one is to blame.
        field: Option<String>,
    },
    /// 401: no token, or one we do not know.
    #[error("authentication required: {0}")]
    Unauthorized(String),
    /// 403: known caller, forbidden action.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404.
    #[error("{0} not found")]
    NotFound(String),
    /// 409: duplicates and illegal state transitions.
    #[error("{detail}")]
    Conflict {
        /// What clashes.
        detail: String,
        /// The field, when one is to blame.
        field: Option<String>,
    },
    /// 422: well-formed but invalid values, every field named.
    #[error("{0}")]
    Validation(ValidationErrors),
    /// 422: a CSV file with bad rows, every row named; nothing was stored.
    #[error("{} bad rows", .0.len())]
    CsvRows(Vec<RowError>),
    /// 413.
    #[error("request body too large")]
    PayloadTooLarge,
    /// 503: the database is unreachable or the pool is exhausted.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// 500: a bug or an unexpected failure; the detail is logged, not shown.
    #[error("internal error: {0}")]
    Internal(String),
}

/// One entry of the error envelope.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorItem {
    /// Stable machine-readable code: `bad_request`, `unauthorized`, `forbidden`,
    /// `not_found`, `method_not_allowed`, `conflict`, `validation`, `csv_row`, `payload_too_large`,
    /// `unavailable`, `internal`.
    pub code: &'static str,
    /// Human-readable explanation.
    pub detail: String,
    /// The JSON field (dotted path) or CSV column at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The CSV row (1-based, header = row 1) at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// At least one error.
    pub errors: Vec<ErrorItem>,
}

impl AppError {
    /// A 400 naming a field.
    pub fn bad_field(field: impl Into<String>, detail: impl Into<String>) -> Self {
        AppError::BadRequest { detail: detail.into(), field: Some(field.into()) }
    }

    /// A 422 naming a field.
    pub fn invalid(field: impl Into<String>, detail: impl Into<String>) -> Self {
        AppError::Validation(ValidationErrors::single(field, detail))
    }

    /// A 409 naming a field.
    pub fn conflict(field: impl Into<String>, detail: impl Into<String>) -> Self {
        AppError::Conflict { detail: detail.into(), field: Some(field.into()) }
    }

    /// The HTTP status this error maps to.
    pub fn status_code(&self) -> StatusCode {
        match self {
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Validation(_) | AppError::CsvRows(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The envelope's entries.
    pub fn items(&self) -> Vec<ErrorItem> {
        let one = |code, detail: String, field: Option<String>| vec![ErrorItem { code, detail, field, row: None }];
        match self {
            AppError::BadRequest { detail, field } => one("bad_request", detail.clone(), field.clone()),
            AppError::Unauthorized(d) => one("unauthorized", d.clone(), None),
            AppError::Forbidden(d) => one("forbidden", d.clone(), None),
            AppError::NotFound(what) => one("not_found", format!("{what} not found"), None),
            AppError::Conflict { detail, field } => one("conflict", detail.clone(), field.clone()),
            AppError::Validation(errs) => errs
                .errors
                .iter()
                .map(|e| ErrorItem { code: "validation", detail: e.message.clone(), field: Some(e.field.clone()), row: None })
                .collect(),
            AppError::CsvRows(rows) => rows
                .iter()
                .map(|r| ErrorItem { code: "csv_row", detail: r.reason.clone(), field: Some(r.column.clone()), row: Some(r.row) })
                .collect(),
            AppError::PayloadTooLarge => one("payload_too_large", "the request body is too large".into(), None),
            AppError::Unavailable(_) => one("unavailable", "the service is temporarily unavailable; try again".into(), None),
            AppError::Internal(_) => one("internal", "internal server error".into(), None),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        (status, Json(ErrorBody { errors: self.items() })).into_response()
    }
}

impl From<ValidationErrors> for AppError {
    fn from(e: ValidationErrors) -> Self {
        AppError::Validation(e)
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match &e {
            Error::NotFound => AppError::NotFound("record".into()),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                AppError::Conflict { detail: format!("already exists: {}", info.message()), field: None }
            }
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                AppError::Conflict { detail: "refers to a record that does not exist or is still referenced".into(), field: None }
            }
            _ => AppError::Internal(e.to_string()),
        }
    }
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Query(q) => q.into(),
            DbError::Pool(p) => AppError::Unavailable(p.to_string()),
            DbError::Connection(c) => AppError::Unavailable(c.to_string()),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<axum::extract::rejection::BytesRejection> for AppError {
    fn from(r: axum::extract::rejection::BytesRejection) -> Self {
        use axum::extract::rejection::BytesRejection;
        match r {
            // The body limit (`DefaultBodyLimit`) answers through here.
            BytesRejection::FailedToBufferBody(_) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
            other => AppError::bad_field("body", other.body_text()),
        }
    }
}

impl From<PathRejection> for AppError {
    fn from(r: PathRejection) -> Self {
        AppError::BadRequest { detail: r.body_text(), field: Some("path".into()) }
    }
}

/// Gives the envelope to the few error responses axum or tower write themselves, without
/// going through [`AppError`]: a body over the limit read by an extractor that is not ours
/// (`Bytes`, `Multipart` on the import routes) answers a bare 413. Applied once around every
/// route (`router.rs`). A 414 or 431 for an over-long URI or headers is written by hyper
/// before any route runs (see docs/API.md), so it cannot be reached here. A web page's own
/// answer (`text/html`, e.g. the verify form shown again with "too large" beside the field)
/// is not bare and is left as it is.
pub async fn envelope_bare_errors(resp: Response) -> Response {
    let is_json = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json") || ct.starts_with("text/html"));
    match resp.status() {
        StatusCode::PAYLOAD_TOO_LARGE if !is_json => AppError::PayloadTooLarge.into_response(),
        StatusCode::URI_TOO_LONG | StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE if !is_json => {
            let status = resp.status();
            let detail = if status == StatusCode::URI_TOO_LONG { "the URI is too long" } else { "the request headers are too large" };
            let (code, field) = if status == StatusCode::URI_TOO_LONG { ("uri_too_long", "uri") } else { ("headers_too_large", "headers") };
            (status, Json(ErrorBody { errors: vec![ErrorItem { code, detail: detail.into(), field: Some(field.into()), row: None }] }))
                .into_response()
        }
        _ => resp,
    }
}

pub use crate::extract::{AppJson, AppPath, AppQuery, VerbatimJson};
