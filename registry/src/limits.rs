//! What one client may cost the server (issue 9): per-client rate limits on the public
//! endpoints, a time limit on every request, and the shape checks a document passes before
//! the verifier parses it. Every refusal leaves in the one error envelope.
//!
//! The limits themselves are configuration ([`crate::config::ServerLimits`]); the accept
//! loop's connection cap and header timeout are in `cli/serve.rs`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_governor::GovernorError;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::KeyExtractor;

use crate::config::ServerLimits;
use crate::error::{ErrorBody, ErrorItem};

fn envelope(status: StatusCode, code: &'static str, detail: String) -> Response {
    (status, axum::Json(ErrorBody { errors: vec![ErrorItem { code, detail, field: None, row: None }] })).into_response()
}

/// The client a rate limit counts against: the peer's IP address (the accept loop stores it
/// as `ConnectInfo`). Requests that reach the router without one — in-process callers such
/// as the tests' `oneshot` — share one bucket, so the limit still applies to them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PeerIp;

impl KeyExtractor for PeerIp {
    type Key = IpAddr;

    fn extract<T>(&self, req: &axum::http::Request<T>) -> Result<Self::Key, GovernorError> {
        Ok(req.extensions().get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip()))
    }
}

/// `routes` behind the per-client rate limit, or unchanged when it is turned off
/// (`RONGTONG_RATE_LIMIT_PER_MINUTE=0`). Each call makes its own limiter, so the verifier and
/// the public documents keep separate budgets.
pub(crate) fn rate_limited<S: Clone + Send + Sync + 'static>(
    routes: utoipa_axum::router::OpenApiRouter<S>,
    limits: &ServerLimits,
) -> utoipa_axum::router::OpenApiRouter<S> {
    if limits.rate_per_minute == 0 {
        return routes;
    }
    // One request replenished every `60 s / rate`.
    let period = Duration::from_nanos((60_000_000_000 / u64::from(limits.rate_per_minute)).max(1));
    let Some(config) = GovernorConfigBuilder::default().key_extractor(PeerIp).period(period).burst_size(limits.rate_burst).finish() else {
        return routes; // unreachable: period and burst are positive
    };
    let config = std::sync::Arc::new(config);
    // The limiter keeps one entry per client IP; forget the idle ones now and then, or the
    // map grows with every address ever seen. Only where a runtime runs (not in `openapi`).
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        let limiter = std::sync::Arc::downgrade(config.limiter());
        rt.spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                let Some(l) = limiter.upgrade() else { break };
                l.retain_recent();
                l.shrink_to_fit();
            }
        });
    }
    routes.layer(tower_governor::GovernorLayer::new(config).error_handler(too_many_requests))
}

/// The 429 answer: the envelope and `Retry-After` in whole seconds (at least 1).
pub(crate) fn too_many_requests(e: GovernorError) -> Response {
    match e {
        GovernorError::TooManyRequests { wait_time, .. } => {
            let wait = wait_time.max(1);
            let mut r = envelope(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many requests from this address; retry after {wait} s"),
            );
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
            r
        }
        other => envelope(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("rate limiter: {other}")),
    }
}

/// Answers 408 with the envelope when a request (reading its body and running its handler)
/// takes longer than `RONGTONG_REQUEST_TIMEOUT_SECS`. Written as a middleware rather than
/// tower-http's `TimeoutLayer`, whose 408 has an empty body.
pub(crate) async fn request_timeout(limit: Duration, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(r) => r,
        Err(_) => envelope(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            format!("the request took longer than {} s and was abandoned", limit.as_secs()),
        ),
    }
}

/// Nesting depth a document to verify may have (an OBv3 CLR needs about 8).
pub(crate) const MAX_JSON_DEPTH: usize = 32;
/// Elements one array of a document to verify may have.
pub(crate) const MAX_JSON_ARRAY: usize = 10_000;

/// Why a document's shape was refused before parsing.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ShapeError {
    /// Nested deeper than [`MAX_JSON_DEPTH`].
    TooDeep,
    /// An array longer than [`MAX_JSON_ARRAY`].
    ArrayTooLong,
}

impl std::fmt::Display for ShapeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShapeError::TooDeep => write!(f, "the document is nested more than {MAX_JSON_DEPTH} levels deep"),
            ShapeError::ArrayTooLong => write!(f, "an array of the document has more than {MAX_JSON_ARRAY} elements"),
        }
    }
}

/// Checks the nesting depth and array lengths of JSON text in one pass over its bytes,
/// before `serde_json` builds a `Value` (which costs ~30× the text for small arrays and
/// recurses up to 128 levels). Malformed JSON passes here and is refused by the parser.
///
/// Hand-written because serde_json has no per-array limit and its depth limit is fixed; it
/// only tracks strings, brackets and commas, so it is a few lines and allocation-free up to
/// the depth limit.
pub(crate) fn check_json_shape(text: &[u8]) -> Result<(), ShapeError> {
    // Per open container: `Some(elements so far)` for an array, `None` for an object.
    let mut stack: Vec<Option<usize>> = Vec::with_capacity(MAX_JSON_DEPTH);
    let mut in_string = false;
    let mut escaped = false;
    for &b in text {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                if stack.len() == MAX_JSON_DEPTH {
                    return Err(ShapeError::TooDeep);
                }
                stack.push((b == b'[').then_some(1));
            }
            b']' | b'}' => {
                stack.pop();
            }
            b',' => {
                if let Some(Some(n)) = stack.last_mut() {
                    *n += 1;
                    if *n > MAX_JSON_ARRAY {
                        return Err(ShapeError::ArrayTooLong);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_refuses_deep_nesting_and_long_arrays_only() {
        let deep = format!("{}{}", "[".repeat(MAX_JSON_DEPTH + 1), "]".repeat(MAX_JSON_DEPTH + 1));
        assert_eq!(check_json_shape(deep.as_bytes()), Err(ShapeError::TooDeep));
        let ok_deep = format!("{}{}", "[".repeat(MAX_JSON_DEPTH), "]".repeat(MAX_JSON_DEPTH));
        assert_eq!(check_json_shape(ok_deep.as_bytes()), Ok(()));
        let long = format!("[{}]", vec!["0"; MAX_JSON_ARRAY + 1].join(","));
        assert_eq!(check_json_shape(long.as_bytes()), Err(ShapeError::ArrayTooLong));
        let ok_long = format!("[{}]", vec!["0"; MAX_JSON_ARRAY].join(","));
        assert_eq!(check_json_shape(ok_long.as_bytes()), Ok(()));
        // Brackets and commas inside strings (with escaped quotes) do not count.
        let strings = format!("{{\"a\":\"{}\\\"{}\"}}", "[".repeat(100), ",".repeat(MAX_JSON_ARRAY * 2));
        assert_eq!(check_json_shape(strings.as_bytes()), Ok(()));
        // Commas of an object do not count as array elements.
        let obj = format!("{{{}}}", (0..MAX_JSON_ARRAY + 5).map(|i| format!("\"k{i}\":1")).collect::<Vec<_>>().join(","));
        assert_eq!(check_json_shape(obj.as_bytes()), Ok(()));
    }
}
