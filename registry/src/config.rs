//! Configuration, read from the environment once at start-up.
//!
//! | variable | default | meaning |
//! | --- | --- | --- |
//! | `DATABASE_URL` | `sqlite://data/rongtong.db` | `sqlite://PATH` (embedded) or `postgres://user@host/db` |
//! | `RONGTONG_ADDR` | `127.0.0.1:8080` | address `serve` listens on (`--addr` overrides) |
//! | `RONGTONG_BASE_URL` | `http://{addr}` | public base URL: minted skill URIs, links, DIDs |
//! | `RONGTONG_DB_POOL_SIZE` | `8` | connections per server process |
//! | `RONGTONG_MAX_BODY_BYTES` | `33554432` (32 MiB) | largest request body (CSV uploads) |
//! | `RUST_LOG` | `info` | log filter (tracing-subscriber syntax) |

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

/// Everything the service needs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The store.
    pub database: DatabaseConfig,
    /// The HTTP server.
    pub server: ServerConfig,
}

impl Config {
    /// Reads every section from the environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Config { database: DatabaseConfig::from_env()?, server: ServerConfig::from_env()? })
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
