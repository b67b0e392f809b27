//! The application state every handler receives.

use std::ops::Deref;
use std::sync::Arc;

use crate::config::Config;
use crate::db::Db;

/// Everything a request may need, built once at start-up.
#[derive(Debug)]
pub struct App {
    /// The store.
    pub db: Db,
    /// Configuration read from the environment.
    pub config: Config,
}

/// Cheap-to-clone handle on [`App`]; handlers take `State(state): State<AppState>` or use
/// it through extractors.
#[derive(Debug, Clone)]
pub struct AppState(pub Arc<App>);

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

impl App {
    /// The public base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.config.server.base_url
    }
}
