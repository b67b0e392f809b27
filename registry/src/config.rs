//! Configuration, read from the environment once at start-up.
//!
//! | variable | default | meaning |
//! | --- | --- | --- |
//! | `DATABASE_URL` | `sqlite://data/rongtong.db` | `sqlite://PATH` (embedded) or `postgres://user@host/db` |
//! | `RONGTONG_ADDR` | `127.0.0.1:8080` | address `serve` listens on (`--addr` overrides) |
//! | `RONGTONG_BASE_URL` | `http://{addr}` | public base URL: minted skill URIs, links, DIDs |
//! | `RONGTONG_DB_POOL_SIZE` | `8` | connections per server process |
//! | `RONGTONG_MAX_BODY_BYTES` | `33554432` (32 MiB) | largest request body (CSV uploads) |
//! | `RONGTONG_KEK` | – | key-encryption key for issuer and holder keys: base64 of 32 random bytes (`openssl rand -base64 32`) |
//! | `RONGTONG_KEK_FILE` | – | a file holding that base64 key instead (e.g. a mounted secret); `RONGTONG_KEK` wins |
//! | (neither set) | `<data folder>/rongtong.kek` | development only: generated on first use with a warning, mode 0600 |
//! | `RUST_LOG` | `info` | log filter (tracing-subscriber syntax) |
//! | `RONGTONG_LOG_FORMAT` | `text` | `text` (for people; coloured only on a terminal) or `json` (one object per line, for log shippers) |
//!
//! [`LogConfig`] is read on its own, before the rest: logging is set up first, for every
//! command, so that what goes wrong reading the other variables can be logged.

use std::env;

/// Database settings.
#[derive(Clone)]
pub struct DatabaseConfig {
    /// The connection URL; may contain a password, so `Debug` hides it.
    pub url: String,
    /// Pool size per process.
    pub pool_size: u32,
}

impl std::fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = self.url.split(':').next().unwrap_or("");
        f.debug_struct("DatabaseConfig").field("url", &format!("{scheme}://…")).field("pool_size", &self.pool_size).finish()
    }
}

/// The default embedded database, under a `data/` folder of the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/rongtong.db";

impl DatabaseConfig {
    /// Reads `DATABASE_URL` and `RONGTONG_DB_POOL_SIZE`.
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(DatabaseConfig {
            url: env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_string()),
            pool_size: parse_var("RONGTONG_DB_POOL_SIZE", 8)?,
        })
    }
}

/// HTTP server settings.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Listen address.
    pub addr: String,
    /// Public base URL, without a trailing slash.
    pub base_url: String,
    /// Largest accepted request body in bytes.
    pub max_body_bytes: usize,
}

impl ServerConfig {
    /// Reads `RONGTONG_ADDR`, `RONGTONG_BASE_URL` and `RONGTONG_MAX_BODY_BYTES`.
    pub fn from_env() -> Result<Self, ConfigError> {
        let addr = env::var("RONGTONG_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".to_string());
        let base_url = env::var("RONGTONG_BASE_URL").unwrap_or_else(|_| format!("http://{addr}"));
        Ok(ServerConfig {
            base_url: base_url.trim_end_matches('/').to_string(),
            addr,
            max_body_bytes: parse_var("RONGTONG_MAX_BODY_BYTES", 32 * 1024 * 1024)?,
        })
    }
}

/// Credential settings: where the key-encryption key (KEK) comes from.
#[derive(Debug, Clone)]
pub struct CredentialsConfig {
    /// The KEK source; `App::new` reads the key from it once, at start-up.
    pub kek: crate::services::credentials::keystore::KekSource,
}

impl CredentialsConfig {
    /// Reads `RONGTONG_KEK` or `RONGTONG_KEK_FILE`; with neither, a development key file
    /// `rongtong.kek` in the folder of the SQLite database (or `data/`).
    pub fn from_env(database: &DatabaseConfig) -> Result<Self, ConfigError> {
        use crate::services::credentials::keystore::{Kek, KekSource};
        if let Ok(text) = env::var("RONGTONG_KEK") {
            let kek = Kek::from_base64(&text).map_err(|e| ConfigError {
                name: "RONGTONG_KEK",
                value: "(hidden)".into(),
                reason: e.to_string(),
            })?;
            return Ok(CredentialsConfig { kek: KekSource::Key(std::sync::Arc::new(kek)) });
        }
        if let Ok(path) = env::var("RONGTONG_KEK_FILE") {
            return Ok(CredentialsConfig { kek: KekSource::File(path.into()) });
        }
        let dir = database
            .url
            .strip_prefix("sqlite://")
            .filter(|p| *p != ":memory:")
            .and_then(|p| std::path::Path::new(p).parent().map(std::path::Path::to_path_buf))
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or_else(|| "data".into());
        Ok(CredentialsConfig { kek: KekSource::DevFile(dir.join("rongtong.kek")) })
    }

    /// A fixed KEK (tests, benchmarks).
    pub fn with_kek(kek: crate::services::credentials::keystore::Kek) -> Self {
        CredentialsConfig { kek: crate::services::credentials::keystore::KekSource::Key(std::sync::Arc::new(kek)) }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable text.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Log settings (`RUST_LOG`, the filter, is read by the subscriber itself).
#[derive(Debug, Clone, Copy, Default)]
pub struct LogConfig {
    /// Text or JSON lines.
    pub format: LogFormat,
}

impl LogConfig {
    /// Reads `RONGTONG_LOG_FORMAT` (`text` or `json`, any case; unset or empty means text).
    pub fn from_env() -> Result<Self, ConfigError> {
        let format = match env::var("RONGTONG_LOG_FORMAT") {
            Err(_) => LogFormat::Text,
            Ok(v) => match v.trim().to_ascii_lowercase().as_str() {
                "" | "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                _ => return Err(ConfigError { name: "RONGTONG_LOG_FORMAT", value: v, reason: "expected `text` or `json`".into() }),
            },
        };
        Ok(LogConfig { format })
    }
}

/// Everything the service needs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The store.
    pub database: DatabaseConfig,
    /// The HTTP server.
    pub server: ServerConfig,
    /// Credential keys.
    pub credentials: CredentialsConfig,
}

impl Config {
    /// Reads every section from the environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let database = DatabaseConfig::from_env()?;
        let credentials = CredentialsConfig::from_env(&database)?;
        Ok(Config { database, server: ServerConfig::from_env()?, credentials })
    }
}

/// A variable with a value we cannot use.
#[derive(Debug, thiserror::Error)]
#[error("environment variable {name}={value:?} is invalid: {reason}")]
pub struct ConfigError {
    /// The variable.
    pub name: &'static str,
    /// Its value.
    pub value: String,
    /// Why it was rejected.
    pub reason: String,
}

fn parse_var<T: std::str::FromStr>(name: &'static str, default: T) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match env::var(name) {
        Ok(v) => v.trim().parse().map_err(|e: T::Err| ConfigError { name, value: v, reason: e.to_string() }),
        Err(_) => Ok(default),
    }
}
