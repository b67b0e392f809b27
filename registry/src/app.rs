//! The application state every handler receives.

use std::ops::Deref;
use std::sync::Arc;

use crate::config::Config;
use crate::db::Db;
use crate::pages::certificate::PageCache;
use crate::services::credentials::keystore::{Kek, KeyError};

/// Everything a request may need, built once at start-up.
#[derive(Debug)]
pub struct App {
    /// The store.
    pub db: Db,
    /// Configuration read from the environment.
    pub config: Config,
    /// The matching snapshot, rebuilt lazily when the store's `data_version` moves.
    pub matching: crate::services::matching::snapshot::SnapshotCache,
    /// Request counters and the `/metrics` registry.
    pub metrics: crate::metrics::Metrics,
    /// This server node's name, the owner recorded on the jobs it runs
    /// ([`crate::config::JobsConfig::node_id`]).
    pub node_id: String,
    /// The verifier's bounded pool: one permit per verification running on a blocking
    /// thread (`RONGTONG_VERIFY_WORKERS`), so a flood of heavy documents queues behind
    /// itself and leaves the runtime and the database pool to everyone else.
    pub verify_slots: Arc<tokio::sync::Semaphore>,
    /// The key-encryption key, read once at start-up (a request never touches the key file).
    /// `Kek` is zeroized when the last handle drops; its `Debug` prints no key material.
    pub kek: Arc<Kek>,
    /// Rendered certificate pages and credential JSON, so a scanned QR code costs one small
    /// status read rather than a verification and a render (`pages::certificate`).
    pub(crate) certificates: PageCache,
    /// Public list bodies by `catalog_version`, so a list costs one small version read while
    /// the catalog stands still (`routes::cached`).
    pub(crate) lists: crate::routes::cached::ListCache,
    /// What `POST /verify` keeps between requests: trusted issuers and DID documents per key
    /// version, and the status lists that verified (`services::credentials::resolver`).
    pub(crate) verifier: crate::services::credentials::resolver::VerifierCache,
}

/// Cheap-to-clone handle on [`App`]. It is an extractor itself (through axum's `State`), so a
/// handler simply takes `state: AppState`.
#[derive(Debug, Clone, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::State))]
pub struct AppState(pub Arc<App>);

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

impl App {
    /// The app over a store and a configuration, with an empty matching snapshot (built on
    /// the first matching request) and empty page caches. Loads the key-encryption key now,
    /// once: a missing or malformed key file stops start-up instead of failing requests.
    /// Use this rather than a struct literal, so adding state does not touch every caller.
    pub fn new(db: Db, config: Config) -> Result<App, KeyError> {
        let kek = config.credentials.kek.load()?;
        let node_id = config.jobs.node_id(&config.server.addr);
        let verify_slots = Arc::new(tokio::sync::Semaphore::new(config.server.limits.verify_workers));
        Ok(App {
            db,
            config,
            matching: crate::services::matching::snapshot::SnapshotCache::default(),
            metrics: crate::metrics::Metrics::new(),
            node_id,
            verify_slots,
            kek,
            certificates: PageCache::default(),
            lists: Default::default(),
            verifier: Default::default(),
        })
    }

    /// The lease this node holds on the jobs it runs.
    pub fn job_lease(&self) -> crate::models::credentials::JobLease<'_> {
        crate::models::credentials::JobLease { owner: &self.node_id, duration: self.config.jobs.lease }
    }

    /// The public base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.config.server.base_url
    }
}
