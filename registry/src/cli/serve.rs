//! `rongtong serve` and `rongtong migrate`.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use crate::app::{App, AppState};
use crate::config::Config;

use super::CliResult;

pub(crate) fn serve(mut config: Config, addr: Option<String>, demo: bool) -> CliResult<ExitCode> {
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
            }
            None => println!("database already has data: demo seeding skipped (mint a token with `rongtong token create --user admin`)"),
        }
    }
    let state = AppState(Arc::new(App::new(db, config)?));
    let base = state.base_url().to_string();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        println!("Rongtong listening on http://{addr} (public base URL {base}); try {base}/api/v1/health");
        axum::serve(listener, crate::build_router(state)).with_graceful_shutdown(shutdown_signal()).await?;
        Ok::<_, std::io::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
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
