//! Web pages on the demo data (issue 11): every page of every role rendered through the real
//! router (session lookup, queries, template) many times; prints p50 / p99 latency and the
//! page weight (the HTML plus the embedded stylesheet and script it loads — the pages load
//! nothing else but the QR codes inlined in them).
//!
//! Run: `cargo bench -p rongtong-registry --bench pages` (add `-- 500` for more rounds; the
//! default is 200). Targets: every page ≤ 50 ms at p99, ≤ 300 KB. Figures go in
//! docs/PERFORMANCE.md ("Web pages").

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use rongtong_registry::config::{Config, CredentialsConfig, DatabaseConfig, ServerConfig};
use rongtong_registry::db::Db;
use rongtong_registry::services::credentials::keystore::Kek;
use rongtong_registry::services::demo;
use rongtong_registry::{App, AppState, build_router};
use tower::ServiceExt;

/// `(account or "" for anonymous, path)`: each role's pages. Paths with `{cred}` take one of
/// the learner's certificates.
const PAGES: &[(&str, &str)] = &[
    ("", "/"),
    ("", "/login"),
    ("", "/catalog/courses"),
    ("", "/catalog/skills?q=焊接"),
    ("", "/catalog/occupations"),
    ("", "/demand"),
    ("", "/verify"),
    ("", "/credentials/{cred}"),
    ("learner-wang", "/my/wallet"),
    ("learner-wang", "/my/wallet/{cred}"),
    ("learner-wang", "/my/gap"),
    ("learner-wang", "/my/recognition"),
    ("learner-wang", "/my/account"),
    ("pxcast-admin", "/org/demand"),
    ("pxcast-admin", "/org/demand/new"),
    ("pxou-admin", "/org/courses"),
    ("pxou-admin", "/org/courses/new"),
    ("pxou-admin", "/org/completions"),
    ("pxou-admin", "/org/credentials"),
    ("pxou-admin", "/org/alignment"),
    ("jxeval-admin", "/org/recognition"),
    ("jx-admin", "/admin/reviews"),
    ("jx-admin", "/admin/organizations"),
    ("jx-admin", "/admin/dashboard"),
    ("admin", "/admin/dashboard"),
    ("admin", "/admin/trusted-issuers"),
];

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rounds: usize = std::env::args().skip(1).find(|a| !a.starts_with('-')).and_then(|a| a.parse().ok()).unwrap_or(200);
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("pages.db").display());
    let db = Db::open(&url, 8).expect("open");
    let kek = Kek::generate();
    let base = "http://127.0.0.1:8080";
    {
        let mut conn = db.conn().expect("conn");
        demo::seed(&mut conn).expect("seed").expect("empty database");
        demo::seed_credentials(&mut conn, base, &kek).expect("demo certificates");
    }
    let config = Config {
        database: DatabaseConfig { url, pool_size: 8 },
        // No per-address rate limit: every request here comes from one "address".
        server: ServerConfig {
            addr: "127.0.0.1:0".into(),
            base_url: base.into(),
            max_body_bytes: 32 << 20,
            limits: rongtong_registry::config::ServerLimits { rate_per_minute: 0, ..Default::default() },
        },
        credentials: CredentialsConfig::with_kek(kek),
        jobs: Default::default(),
        web: Default::default(),
    };
    let state = AppState(std::sync::Arc::new(App::new(db.clone(), config.clone()).expect("app")));
    let router = build_router(state.clone());

    // One session per account, through the same sign-in the login form uses.
    let mut cookies = std::collections::HashMap::new();
    for (user, _) in PAGES.iter().filter(|(u, _)| !u.is_empty()) {
        if cookies.contains_key(user) {
            continue;
        }
        let s = rongtong_registry::auth::session::sign_in(&state.db, &config.web, user, demo::DEMO_PASSWORD, None)
            .await
            .expect("sign in")
            .unwrap_or_else(|e| panic!("{user}: {e:?}"));
        cookies.insert(*user, format!("rt_session={}", s.cookie));
    }
    let cred = {
        let mut conn = db.conn().expect("conn");
        let wang = rongtong_registry::models::accounts::find_user(&mut conn, "learner-wang").expect("learner-wang");
        use diesel::prelude::*;
        use rongtong_registry::db::schema::credentials;
        credentials::table
            .filter(credentials::learner_id.eq(&wang.id))
            .order(credentials::issued_at)
            .select(credentials::id)
            .first::<String>(&mut conn)
            .expect("learner-wang has a certificate")
    };

    let get = |path: String, cookie: Option<String>| {
        let router = router.clone();
        async move {
            let mut req = Request::get(&path).header(header::ACCEPT, "text/html");
            if let Some(c) = cookie {
                req = req.header(header::COOKIE, c);
            }
            let resp = router.oneshot(req.body(Body::empty()).expect("request")).await.expect("infallible");
            let status = resp.status();
            let bytes = resp.into_body().collect().await.expect("body").to_bytes();
            (status, bytes.len())
        }
    };
    let (_, css) = get("/assets/app.css".into(), None).await;
    let (_, js) = get("/assets/app.js".into(), None).await;
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "pages on the demo data, {rounds} rounds each; load average {}",
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
    println!("{:<14} {:<26} {:>9} {:>9} {:>9} {:>10}", "account", "page", "p50 ms", "p99 ms", "max ms", "weight KB");
    let (mut worst_p99, mut worst_weight) = (Duration::ZERO, 0usize);
    for (user, path) in PAGES {
        let path = path.replace("{cred}", &cred);
        let cookie = cookies.get(user).cloned();
        let (status, size) = get(path.clone(), cookie.clone()).await;
        assert_eq!(status, StatusCode::OK, "{user} {path}");
        let mut times = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let t = Instant::now();
            let (status, _) = get(path.clone(), cookie.clone()).await;
            times.push(t.elapsed());
            assert_eq!(status, StatusCode::OK, "{user} {path}");
        }
        times.sort();
        let weight = size + css + js;
        let (p50, p99) = (percentile(&times, 0.5), percentile(&times, 0.99));
        worst_p99 = worst_p99.max(p99);
        worst_weight = worst_weight.max(weight);
        println!(
            "{:<14} {:<26} {:>9.2} {:>9.2} {:>9.2} {:>10.1}",
            if user.is_empty() { "(anyone)" } else { user },
            path.chars().take(26).collect::<String>(),
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3,
            times[times.len() - 1].as_secs_f64() * 1e3,
            weight as f64 / 1024.0
        );
    }
    println!(
        "worst p99 {:.2} ms (target ≤ 50), heaviest page {:.1} KB (target ≤ 300), stylesheet {css} B, script {js} B",
        worst_p99.as_secs_f64() * 1e3,
        worst_weight as f64 / 1024.0
    );
}
