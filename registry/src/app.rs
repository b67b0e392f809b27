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
    /// The key-encryption key, read once at start-up (a request never touches the key file).
    /// `Kek` is zeroized when the last handle drops; its `Debug` prints no key material.
    pub kek: Arc<Kek>,
    /// Rendered certificate pages and credential JSON, so a scanned QR code costs one small
    /// status read rather than a verification and a render (`pages::certificate`).
    pub(crate) certificates: PageCache,
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
        Ok(App {
            db,
            config,
            matching: crate::services::matching::snapshot::SnapshotCache::default(),
            metrics: crate::metrics::Metrics::new(),
            kek,
            certificates: PageCache::default(),
        })
    }

    /// The public base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.config.server.base_url
    }
}
