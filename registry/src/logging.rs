//! Logs: set up once for every command, and one line per HTTP request.
//!
//! `RONGTONG_LOG_FORMAT=json` writes one JSON object per line (for a log shipper); the default
//! is text for people, coloured only when standard error is a terminal. `RUST_LOG` filters
//! (default `info`). Logs go to standard error; standard output is the commands' own output.
//!
//! Each request gets an `info` line when its response is ready, inside a `request` span that
//! carries `method`, `route` (the route template, `/api/v1/courses/{id}`, so ids and query
//! strings stay out of the logs; `unmatched` when no route matched) and `request_id`; the line
//! adds `status` and `latency_ms`. The request id is the caller's `x-request-id` or a new
//! UUID, and it is returned in the response's `x-request-id` (see `router.rs`), so a client's
//! report can be found in the logs.

use std::io::IsTerminal;
use std::time::Duration;

use axum::extract::MatchedPath;
use axum::http::{Request, Response};
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{DefaultOnRequest, MakeSpan, OnResponse, TraceLayer};
use tracing::Span;
use tracing_subscriber::EnvFilter;

use crate::config::{LogConfig, LogFormat};

/// Installs the global subscriber (once; later calls do nothing).
pub(crate) fn init(config: &LogConfig) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match config.format {
        // The request span's fields go in `span`; the list of enclosing spans would repeat them.
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(false).try_init(),
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).try_init(),
    };
}

/// The request-logging layer `router.rs` puts around every route.
pub(crate) type RequestTrace = TraceLayer<SharedClassifier<ServerErrorsAsFailures>, RequestSpan, DefaultOnRequest, RequestLine>;

/// See the module docs.
pub(crate) fn request_trace() -> RequestTrace {
    TraceLayer::new_for_http().make_span_with(RequestSpan).on_response(RequestLine)
}

/// Opens the `request` span (at `info`, so `RUST_LOG=info` keeps its fields).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestSpan;

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, request: &Request<B>) -> Span {
        let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str);
        let request_id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
        tracing::info_span!("request", method = %request.method(), route, request_id)
    }
}

/// Writes the one `info` line per request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestLine;

impl<B> OnResponse<B> for RequestLine {
    fn on_response(self, response: &Response<B>, latency: Duration, _span: &Span) {
        tracing::info!(status = response.status().as_u16(), latency_ms = latency.as_secs_f64() * 1000.0, "request");
    }
}
