//! Operability (issue 8): `/metrics`, liveness and readiness, request ids.

use axum::body::Body;
use axum::http::Request;
use diesel::connection::SimpleConnection;
use rongtong_tests::{TestApp, backend_name};

/// The value of the sample `name` (with its labels exactly as written) in Prometheus text.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines().filter(|l| !l.starts_with('#')).find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

#[tokio::test]
async fn metrics_are_prometheus_text_with_route_templates_and_the_service_gauges() {
    let (app, token) = TestApp::with_demo();
    // A templated route twice, one of them a 404: counted under the template, not the path.
    assert_eq!(app.get("/api/v1/courses/NO-SUCH-COURSE", None).await.status, 404);
    assert_eq!(app.get("/api/v1/courses/ALSO-MISSING", None).await.status, 404);
    assert_eq!(app.get("/api/v1/health", None).await.status, 200);
    assert_eq!(app.get("/no/such/route", None).await.status, 404);
    let snapshot = app.get("/api/v1/matching/snapshot", Some(&token)).await;
    assert_eq!(snapshot.status, 200, "{}", snapshot.text());
    let version = snapshot.json["version"].as_f64().expect("snapshot version");

    let resp = app.get("/metrics", None).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert!(resp.content_type.starts_with("text/plain; version=0.0.4"), "{}", resp.content_type);
    let text = resp.text();
    assert_eq!(
        sample(&text, r#"rongtong_http_requests_total{method="GET",route="/api/v1/courses/{id}",status="4xx"}"#),
        Some(2.0),
        "{text}"
    );
    assert_eq!(sample(&text, r#"rongtong_http_requests_total{method="GET",route="/api/v1/health",status="2xx"}"#), Some(1.0), "{text}");
    assert_eq!(sample(&text, r#"rongtong_http_requests_total{method="GET",route="unmatched",status="4xx"}"#), Some(1.0), "{text}");
    assert!(!text.contains("NO-SUCH-COURSE") && !text.contains("/no/such/route"), "raw paths must not become labels:\n{text}");
    assert_eq!(
        sample(&text, r#"rongtong_http_request_duration_seconds_count{method="GET",route="/api/v1/courses/{id}",status="4xx"}"#),
        Some(2.0),
        "{text}"
    );
    assert!(text.contains("# TYPE rongtong_http_request_duration_seconds histogram"), "{text}");
    assert!(text.contains("# TYPE rongtong_http_requests_total counter"), "{text}");

    assert_eq!(sample(&text, "rongtong_matching_snapshot_version"), Some(version), "{text}");
    assert!(sample(&text, "rongtong_matching_snapshot_built_timestamp_seconds").is_some_and(|t| t > 1.7e9), "{text}");
    assert!(sample(&text, "rongtong_matching_snapshot_load_seconds").is_some_and(|t| t > 0.0), "{text}");
    assert!(sample(&text, "rongtong_matching_snapshot_build_seconds").is_some(), "{text}");

    // The demo seed records no issuance job: every state is listed, at 0.
    for state in ["queued", "running", "done", "failed"] {
        assert_eq!(sample(&text, &format!(r#"rongtong_issuance_jobs{{state="{state}"}}"#)), Some(0.0), "{state}: {text}");
    }
    assert_eq!(sample(&text, "rongtong_db_pool_max_connections"), Some(4.0), "{text}");
    let open = sample(&text, "rongtong_db_pool_connections").expect("pool connections");
    let idle = sample(&text, "rongtong_db_pool_idle_connections").expect("pool idle");
    assert!(open >= 1.0 && idle <= open, "{text}");

    // /metrics is not an API route: not in the OpenAPI document.
    let doc = app.get("/api/openapi.json", None).await;
    assert!(doc.json["paths"].get("/metrics").is_none());
}

#[tokio::test]
async fn issuance_jobs_are_counted_by_state() {
    use diesel::prelude::*;
    use rongtong_registry::db::schema::{courses, users};
    use rongtong_registry::models::credentials::{self as jobs, JobProgress, JobState};
    let (app, _) = TestApp::with_demo();
    {
        // Three jobs, moved to three states (the issuing workflow itself is tested elsewhere).
        let mut conn = app.db.conn().expect("conn");
        let (course, org): (String, String) =
            courses::table.select((courses::id, courses::provider_id)).first(&mut conn).expect("a course");
        let user: String = users::table.select(users::id).first(&mut conn).expect("a user");
        let lease = jobs::JobLease { owner: "test-node", duration: std::time::Duration::from_secs(60) };
        let ids: Vec<String> = (0..3).map(|_| jobs::create_job(&mut conn, &org, &course, &user, 5, lease).expect("job").id).collect();
        jobs::update_job(&mut conn, &ids[1], lease, JobState::Running, JobProgress::default(), None).expect("running");
        jobs::update_job(&mut conn, &ids[2], lease, JobState::Done, JobProgress::default(), None).expect("done");
    }
    let text = app.get("/metrics", None).await.text();
    for (state, n) in [("queued", 1.0), ("running", 1.0), ("done", 1.0), ("failed", 0.0)] {
        assert_eq!(sample(&text, &format!(r#"rongtong_issuance_jobs{{state="{state}"}}"#)), Some(n), "{state}: {text}");
    }
}

#[tokio::test]
async fn health_is_liveness_and_ready_checks_the_database() {
    let app = TestApp::new();
    let health = app.get("/api/v1/health", None).await;
    assert_eq!(health.status, 200, "{}", health.text());
    assert_eq!(health.json["status"], "ok");
    let ready = app.get("/api/v1/ready", None).await;
    assert_eq!(ready.status, 200, "{}", ready.text());
    assert_eq!(ready.json["status"], "ready");
    assert_eq!(ready.json["database"], backend_name());

    // Forget the newest migration: the store is behind this binary, so not ready — but alive.
    app.db
        .conn()
        .expect("conn")
        .batch_execute("DELETE FROM __diesel_schema_migrations WHERE version = (SELECT MAX(version) FROM __diesel_schema_migrations)")
        .expect("forget a migration");
    let ready = app.get("/api/v1/ready", None).await;
    assert_eq!(ready.status, 503, "{}", ready.text());
    assert_eq!(ready.json["errors"][0]["code"], "unavailable", "{}", ready.text());
    assert_eq!(app.get("/api/v1/health", None).await.status, 200);

    let doc = app.get("/api/openapi.json", None).await;
    for path in ["/api/v1/health", "/api/v1/ready"] {
        assert!(doc.json["paths"][path]["get"].is_object(), "{path} is not documented");
    }
    assert!(doc.json["paths"]["/api/v1/ready"]["get"]["responses"]["503"].is_object());
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let app = TestApp::new();
    let sent = app.send(Request::get("/api/v1/health").header("x-request-id", "trace-me-42").body(Body::empty()).expect("request")).await;
    assert_eq!(sent.headers.get("x-request-id").and_then(|v| v.to_str().ok()), Some("trace-me-42"));

    let first = app.get("/api/v1/health", None).await;
    let second = app.get("/no/such/route", None).await;
    let id = |r: &rongtong_tests::TestResponse| r.headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(String::from);
    let (a, b) = (id(&first).expect("generated id"), id(&second).expect("generated id on a 404 too"));
    assert!(uuid::Uuid::parse_str(&a).is_ok(), "{a}");
    assert_ne!(a, b, "each request gets its own id");
}
