//! `rongtong serve` and `rongtong migrate`.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use crate::app::{App, AppState};
use crate::config::Config;

use super::CliResult;

pub(crate) fn serve(mut config: Config, addr: Option<String>, demo: bool) -> CliResult<ExitCode> {
    limit_malloc_arenas();
    if let Some(a) = addr {
        if std::env::var("RONGTONG_BASE_URL").is_err() {
            config.server.base_url = format!("http://{a}");
        }
        config.server.addr = a;
    }
    let addr: SocketAddr = config.server.addr.parse().map_err(|e| format!("listen address {}: {e}", config.server.addr))?;
    let db = crate::services::upgrade::open(&config.database.url, config.database.pool_size)?;
    if demo {
        // The key first: a bad RONGTONG_KEK_FILE must stop us before the catalog is seeded,
        // or a rerun would find "data already there" and never issue the certificates.
        let kek = config.credentials.kek.load()?;
        let mut conn = db.conn()?;
        match crate::services::demo::seed(&mut conn)? {
            Some(token) => {
                let n = crate::services::demo::seed_credentials(&mut conn, &config.server.base_url, &kek)?;
                println!(
                    "demo data loaded ({n} credentials issued, one revoked). Admin token (shown once):\n\n    export RONGTONG_TOKEN={token}\n"
                );
                println!("web sign-in at {}/login (demo accounts; username, password, role, name):\n", config.server.base_url);
                for line in crate::services::demo::logins(&mut conn)? {
                    println!("    {line}");
                }
                println!();
            }
            None => println!("database already has data: demo seeding skipped (mint a token with `rongtong token create --user admin`)"),
        }
    }
    let limits = config.server.limits.clone();
    // Trusted-issuer fetching: a bad RONGTONG_TRUST_* value stops start-up here.
    let trust = crate::config::TrustConfig::from_env()?;
    crate::services::trust::init(&trust);
    let state = AppState(Arc::new(App::new(db, config)?));
    // Jobs this node held when it stopped, and any whose lease lapsed, were cut off.
    let cut_off = crate::models::credentials::expire_job_leases(&mut *state.db.conn()?, &state.node_id)?;
    if cut_off > 0 {
        tracing::warn!(jobs = cut_off, node = %state.node_id, "issuance jobs cut off by a stop marked failed");
    }
    let base = state.base_url().to_string();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let shutdown = shutdown_signal();
        println!("Rongtong listening on http://{addr} (public base URL {base}); try {base}/api/v1/health");
        if let Some(every) = trust.recheck_every {
            tokio::spawn(recheck_periodically(state.clone(), every));
        }
        let router = crate::build_router(state);
        accept_loop(listener, router, &limits, shutdown).await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Re-checks the external credentials learners keep every `every`
/// (`RONGTONG_TRUST_RECHECK_MINUTES`), logging what changed; a failed run is logged and the
/// next one tried.
async fn recheck_periodically(state: AppState, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    tick.tick().await; // the first tick is immediate: wait a whole period first
    loop {
        tick.tick().await;
        match state.db.run(crate::services::trust::recheck).await {
            Ok(r) => tracing::info!(
                checked = r.checked,
                changed = r.changed,
                unreachable = r.unreachable,
                suspended = r.suspended,
                reinstated = r.reinstated,
                "external credentials re-checked"
            ),
            Err(e) => tracing::warn!(error = %e, "re-checking external credentials failed"),
        }
    }
}

/// The number of glibc malloc arenas the server runs with, unless `MALLOC_ARENA_MAX` is set:
/// one per core, at least two.
pub(crate) fn malloc_arenas() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()).max(2)
}

/// Caps glibc's malloc arenas before the server starts (Linux with glibc only).
///
/// Why: glibc gives each thread that finds the heap busy an arena of its own — up to eight per
/// core — and keeps the pages those arenas freed. Under many concurrent writes the blocking
/// pool's threads each reload the matching snapshot in their own arena, and the server's RSS
/// grew with every write and was not returned (issue 9; docs/PERFORMANCE.md, "Server: memory
/// under mixed load": in one run, 236 MB with glibc's default against 90 MB with two arenas
/// for the same load).
///
/// How: glibc reads `MALLOC_ARENA_MAX` only when the process starts, and setting it from
/// inside needs `mallopt`, an `unsafe` call the workspace forbids. So when the operator has not
/// set it, `serve` executes itself again (same PID, same arguments) with it set — a safe
/// `exec`. If that fails (the binary was replaced on disk, say), it carries on with glibc's
/// default and says so.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt;
        if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
            return;
        }
        let Ok(exe) = std::env::current_exe() else { return };
        let err =
            std::process::Command::new(exe).args(std::env::args_os().skip(1)).env("MALLOC_ARENA_MAX", malloc_arenas().to_string()).exec();
        eprintln!("warning: could not restart with MALLOC_ARENA_MAX set ({err}); running with glibc's default arenas");
    }
}

/// Serves HTTP/1.1 on `listener` until `shutdown` resolves, then lets in-flight requests
/// finish within the grace period.
///
/// Hand-written over hyper and hyper-util rather than `axum::serve`, which in axum 0.8 can
/// neither set a header-read timeout nor cap connections (issue 9: 1,000 idle connections
/// held 1.9 GB, slowloris connections stayed open for ever). Per connection it keeps only
/// what hyper needs: the router is built once and each connection gets a clone (an `Arc`),
/// with the peer address as `ConnectInfo` for the rate limiter.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    limits: &crate::config::ServerLimits,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    use axum::extract::ConnectInfo;
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt as _;

    let mut http = hyper::server::conn::http1::Builder::new();
    // The header timeout runs whenever the connection waits for a request head, so it is
    // the idle keep-alive timeout too.
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).keep_alive(true);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    tokio::pin!(shutdown);
    loop {
        // A slot first, then accept: past the cap, new connections wait in the kernel's
        // backlog instead of costing memory here.
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => permit.map_err(std::io::Error::other)?,
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // EMFILE and friends: wait a little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(req.map(axum::body::Body::new))
        });
        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, %peer, "connection closed with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    tracing::info!(connections = graceful.count(), "shutting down: finishing in-flight requests");
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown()).await.is_err() {
        tracing::warn!(grace = ?limits.shutdown_grace, "grace period over: closing the remaining connections");
    }
    Ok(())
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM, what service managers (systemd, Kubernetes,
/// Docker) send to stop a process. The SIGTERM handler is installed when this is called,
/// not when the future is first polled, so a signal sent right after "listening" is not
/// lost to the default action (which kills the process).
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
    async move {
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        #[cfg(unix)]
        let term = async {
            match term {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for SIGTERM");
                    std::future::pending::<()>().await;
                }
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            () = ctrl_c => {}
            () = term => {}
        }
    }
}

/// Runs `rongtong migrate`: applies the pending migrations and seeds missing regions, and
/// says which and how many (`Db::connect` does not migrate, so the report is this run's).
pub(crate) fn migrate(config: &Config) -> CliResult<ExitCode> {
    let db = crate::db::Db::connect(&config.database.url, 1)?;
    let report = db.migrate()?;
    if report.applied.is_empty() {
        println!("no pending migrations: the schema is up to date");
    } else {
        println!("applied {} migration(s):", report.applied.len());
        for name in &report.applied {
            println!("  {name}");
        }
    }
    println!("seeded {} region(s) from GB/T 2260 (provinces and prefecture-level cities)", report.regions_seeded);
    let mut conn = db.conn()?;
    for (name, n) in crate::services::upgrade::run_data_repairs(&mut conn)? {
        println!("data repair {name}: {n} row(s) changed");
    }
    println!("database is up to date");
    Ok(ExitCode::SUCCESS)
}
