//! `/metrics`: the service's figures in the Prometheus text exposition format (version 0.0.4).
//!
//! | metric | type | labels | meaning |
//! | --- | --- | --- | --- |
//! | `rongtong_http_requests_total` | counter | `method`, `route`, `status` | requests answered; `route` is the route template (`/api/v1/courses/{id}`, `unmatched` for a 404 of the router), `status` the class (`2xx` … `5xx`) |
//! | `rongtong_http_request_duration_seconds` | histogram | `method`, `route`, `status` | time until the response head was ready |
//! | `rongtong_matching_snapshot_version` | gauge | – | `data_version` the matching snapshot was built at (0: none built yet; built on the first matching request) |
//! | `rongtong_matching_snapshot_built_timestamp_seconds` | gauge | – | when that snapshot was built (Unix time) |
//! | `rongtong_matching_snapshot_load_seconds` | gauge | – | its last rebuild: reading the store |
//! | `rongtong_matching_snapshot_build_seconds` | gauge | – | its last rebuild: building the graph |
//! | `rongtong_issuance_jobs` | gauge | `state` | issuance jobs per state (`queued`, `running`, `done`, `failed`), counted in the store |
//! | `rongtong_db_pool_connections` | gauge | – | pooled connections open (idle or in use) |
//! | `rongtong_db_pool_idle_connections` | gauge | – | of those, idle |
//! | `rongtong_db_pool_max_connections` | gauge | – | the pool's size (`RONGTONG_DB_POOL_SIZE`) |
//!
//! Request figures are counted by the [`track`] middleware, which `router.rs` puts around every
//! route. The others are gauges read when `/metrics` is scraped (one `GROUP BY` on
//! `issuance_jobs`), so they are never stale and cost nothing between scrapes.
//!
//! `/metrics` needs no token, like Prometheus endpoints generally: the figures name routes,
//! never records or people. Keep the listen address private (the default is 127.0.0.1) or
//! let the proxy in front refuse `/metrics`.

use std::sync::atomic::AtomicU64;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

use crate::app::AppState;
use crate::db::PoolState;
use crate::models::credentials::JobState;
use crate::services::matching::snapshot::SnapshotInfo;

/// `Content-Type` of [`Metrics::render`]'s text.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Latency buckets in seconds: 1 ms to 10 s, about ×2.5 apart.
const LATENCY_BUCKETS: [f64; 13] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The labels of the request metrics. Every value comes from a short, fixed set, so the
/// number of series stays bounded whatever clients send.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    state: &'static str,
}

type FloatGauge = Gauge<f64, AtomicU64>;

/// The service's metrics registry, one per [`App`](crate::App).
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RequestLabels, Histogram, fn() -> Histogram>,
    snapshot_version: Gauge,
    snapshot_built: FloatGauge,
    snapshot_load: FloatGauge,
    snapshot_build: FloatGauge,
    jobs: Family<JobLabels, Gauge>,
    pool_connections: Gauge,
    pool_idle: Gauge,
    pool_max: Gauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// What a scrape reads besides the request counters.
#[derive(Debug, Clone)]
pub struct Figures {
    /// The matching snapshot held now, if one was built.
    pub snapshot: Option<SnapshotInfo>,
    /// Issuance jobs per state; `None` when the store could not be asked (the gauges then
    /// keep their previous values).
    pub jobs: Option<Vec<(JobState, i64)>>,
    /// The connection pool.
    pub pool: PoolState,
}

impl Metrics {
    /// A registry with every metric of the module table, at zero.
    pub fn new() -> Metrics {
        let mut m = Metrics {
            registry: Registry::with_prefix("rongtong"),
            requests: Family::default(),
            latency: Family::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS.iter().copied())),
            snapshot_version: Gauge::default(),
            snapshot_built: FloatGauge::default(),
            snapshot_load: FloatGauge::default(),
            snapshot_build: FloatGauge::default(),
            jobs: Family::default(),
            pool_connections: Gauge::default(),
            pool_idle: Gauge::default(),
            pool_max: Gauge::default(),
        };
        let registry = &mut m.registry;
        registry.register("http_requests", "HTTP requests answered, by method, route template and status class", m.requests.clone());
        registry.register_with_unit(
            "http_request_duration",
            "Time until the response head was ready, by method, route template and status class",
            Unit::Seconds,
            m.latency.clone(),
        );
        registry.register(
            "matching_snapshot_version",
            "data_version the matching snapshot was built at (0: none yet)",
            m.snapshot_version.clone(),
        );
        registry.register_with_unit(
            "matching_snapshot_built_timestamp",
            "When the matching snapshot was built, Unix time (0: none yet)",
            Unit::Seconds,
            m.snapshot_built.clone(),
        );
        registry.register_with_unit(
            "matching_snapshot_load",
            "Last matching snapshot rebuild: time reading the store",
            Unit::Seconds,
            m.snapshot_load.clone(),
        );
        registry.register_with_unit(
            "matching_snapshot_build",
            "Last matching snapshot rebuild: time building the graph",
            Unit::Seconds,
            m.snapshot_build.clone(),
        );
        registry.register("issuance_jobs", "Credential issuance jobs in the store, by state", m.jobs.clone());
        registry.register("db_pool_connections", "Pooled database connections open, idle or in use", m.pool_connections.clone());
        registry.register("db_pool_idle_connections", "Pooled database connections open and idle", m.pool_idle.clone());
        registry.register("db_pool_max_connections", "Largest number of pooled database connections", m.pool_max.clone());
        m
    }

    /// Counts one answered request.
    fn observe(&self, method: &Method, route: &str, status: u16, seconds: f64) {
        let labels = RequestLabels { method: method_label(method), route: route.to_string(), status: status_class(status) };
        self.requests.get_or_create(&labels).inc();
        self.latency.get_or_create(&labels).observe(seconds);
    }

    /// Sets the gauges from `figures` and renders every metric as Prometheus text.
    pub fn render(&self, figures: &Figures) -> String {
        let info = figures.snapshot.as_ref();
        self.snapshot_version.set(info.map_or(0, |i| i.version));
        let built = info.and_then(|i| chrono::DateTime::parse_from_rfc3339(&i.built_at).ok());
        self.snapshot_built.set(built.map_or(0.0, |t| t.timestamp_millis() as f64 / 1000.0));
        self.snapshot_load.set(info.map_or(0.0, |i| i.load_ms / 1000.0));
        self.snapshot_build.set(info.map_or(0.0, |i| i.build_ms / 1000.0));
        for (state, n) in figures.jobs.iter().flatten() {
            self.jobs.get_or_create(&JobLabels { state: job_label(*state) }).set(*n);
        }
        self.pool_connections.set(figures.pool.connections.into());
        self.pool_idle.set(figures.pool.idle.into());
        self.pool_max.set(figures.pool.max_size.into());
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry);
        text
    }
}

/// The middleware that counts every request by route template: `router.rs` adds it with
/// `axum::middleware::from_fn_with_state`. A request the router matched no route for is
/// counted under `route="unmatched"`, so scanners cannot add series.
pub async fn track(state: AppState, request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let response = next.run(request).await;
    state.metrics.observe(&method, &route, response.status().as_u16(), start.elapsed().as_secs_f64());
    response
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

fn status_class(status: u16) -> &'static str {
    match status / 100 {
        1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        _ => "5xx",
    }
}

fn job_label(state: JobState) -> &'static str {
    match state {
        JobState::Queued => "queued",
        JobState::Running => "running",
        JobState::Done => "done",
        JobState::Failed => "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text_with_route_labels() {
        let m = Metrics::new();
        m.observe(&Method::GET, "/api/v1/courses/{id}", 404, 0.003);
        let text = m.render(&Figures {
            snapshot: None,
            jobs: Some(vec![(JobState::Done, 2)]),
            pool: PoolState { connections: 2, idle: 1, max_size: 8 },
        });
        assert!(text.contains(r#"rongtong_http_requests_total{method="GET",route="/api/v1/courses/{id}",status="4xx"} 1"#), "{text}");
        assert!(
            text.contains(
                r#"rongtong_http_request_duration_seconds_bucket{method="GET",route="/api/v1/courses/{id}",status="4xx",le="0.005"} 1"#
            ),
            "{text}"
        );
        assert!(text.contains(r#"rongtong_issuance_jobs{state="done"} 2"#), "{text}");
        assert!(text.contains("rongtong_db_pool_max_connections 8"), "{text}");
        assert!(text.contains("rongtong_matching_snapshot_version 0"), "{text}");
        assert!(!text.contains("# EOF"), "Prometheus 0.0.4 text has no OpenMetrics EOF marker");
    }
}
