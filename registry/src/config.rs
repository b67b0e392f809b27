//! Configuration, read from the environment once at start-up.
//!
//! | variable | default | meaning |
//! | --- | --- | --- |
//! | `DATABASE_URL` | `sqlite://data/rongtong.db` | `sqlite://PATH` (embedded) or `postgres://user@host/db` |
//! | `RONGTONG_ADDR` | `127.0.0.1:8080` | address `serve` listens on (`--addr` overrides) |
//! | `RONGTONG_BASE_URL` | `http://{addr}` | public base URL: minted skill URIs, links, DIDs |
//! | `RONGTONG_DB_POOL_SIZE` | `8` | connections per server process |
//! | `RONGTONG_MAX_BODY_BYTES` | `33554432` (32 MiB) | largest request body (CSV uploads) |
//! | `RONGTONG_HEADER_TIMEOUT_SECS` | `10` | a connection must send a complete request head within this long of waiting for one (slowloris; also the keep-alive idle timeout) |
//! | `RONGTONG_REQUEST_TIMEOUT_SECS` | `30` | a request (body read and handler) taking longer is answered 408 with the envelope |
//! | `RONGTONG_MAX_CONNECTIONS` | `1024` | open connections at most; more wait in the kernel's backlog |
//! | `RONGTONG_SHUTDOWN_GRACE_SECS` | `30` | on SIGTERM/Ctrl-C, how long in-flight requests may take to finish |
//! | `RONGTONG_VERIFY_MAX_BYTES` | `1048576` (1 MiB) | largest anonymous `POST /api/v1/verify` body: a presentation or CLR transcript (a lone credential: 256 KiB) |
//! | `RONGTONG_VERIFY_AUTH_MAX_BYTES` | `8388608` (8 MiB) | the same for an authenticated caller (large CLRs) |
//! | `RONGTONG_VERIFY_WORKERS` | CPU cores | verifications running at once; the rest queue |
//! | `RONGTONG_RATE_LIMIT_PER_MINUTE` | `600` | requests per client IP and minute to the public endpoints (`0`: no limit) |
//! | `RONGTONG_RATE_LIMIT_BURST` | `60` | requests a client may send at once before the rate applies |
//! | `RONGTONG_KEK` | – | key-encryption key for issuer and holder keys: base64 of 32 random bytes (`openssl rand -base64 32`) |
//! | `RONGTONG_KEK_FILE` | – | a file holding that base64 key instead (e.g. a mounted secret); `RONGTONG_KEK` wins |
//! | (neither set) | `<data folder>/rongtong.kek` | development only: generated on first use with a warning, mode 0600 |
//! | `RONGTONG_NODE_ID` | `{host name}/{listen address}` | this server node's name, recorded as the owner of the issuance jobs it runs; keep it stable across restarts and unique among nodes |
//! | `RONGTONG_JOB_LEASE_SECS` | `60` | how long a job's lease lasts after its last heartbeat (renewed every third of it); a job cut off by a crash reads `failed` once it expires |
//! | `RONGTONG_TRUST_MIRRORS` | – | staging and tests only: comma-separated `PREFIX=BASE` pairs; a trusted issuer's URL starting with `PREFIX` is fetched from `BASE` instead (e.g. `https://a.example/=http://127.0.0.1:8081/`) |
//! | `RONGTONG_TRUST_TIMEOUT_SECS` | `5` | time allowed for one fetch of a trusted issuer's DID document or status list |
//! | `RONGTONG_TRUST_MAX_BYTES` | `1048576` (1 MiB) | largest such document |
//! | `RONGTONG_TRUST_CACHE_SECS` | `60` | how long a fetched document is reused (a re-check always fetches afresh) |
//! | `RONGTONG_TRUST_RECHECK_MINUTES` | `0` (off) | `serve` re-checks the stored external credentials this often |
//! | `RONGTONG_SESSION_HOURS` | `12` | a web session ends this long after its last request |
//! | `RONGTONG_LOGIN_MAX_FAILURES` | `5` | failed sign-ins for one username, or from one address, before it is locked |
//! | `RONGTONG_LOGIN_LOCKOUT_MINUTES` | `15` | the window those failures are counted in, and how long the lock lasts |
//! | `RONGTONG_INVITATION_HOURS` | `72` | how long a one-time set-your-password link stays valid |
//! | `RUST_LOG` | `info` | log filter (tracing-subscriber syntax) |
//! | `RONGTONG_LOG_FORMAT` | `text` | `text` (for people; coloured only on a terminal) or `json` (one object per line, for log shippers) |
//!
//! [`LogConfig`] is read on its own, before the rest: logging is set up first, for every
//! command, so that what goes wrong reading the other variables can be logged.

use std::env;

/// Every variable `rongtong` reads: name, default, meaning. `rongtong --help` lists them all,
/// each command's `--help` the ones it reads ([`env_help`]), so the help cannot forget one
/// the code reads from here.
pub const ENV_VARS: &[(&str, &str, &str)] = &[
    ("DATABASE_URL", DEFAULT_DATABASE_URL, "sqlite://PATH (relative to the current folder) or postgres://user@host/db"),
    ("RONGTONG_ADDR", "127.0.0.1:8080", "address `serve` listens on (--addr overrides)"),
    ("RONGTONG_BASE_URL", "http://{RONGTONG_ADDR}", "the server's public base URL: DIDs, status lists, links"),
    ("RONGTONG_KEK", "-", "key-encryption key for signing keys: base64 of 32 random bytes"),
    ("RONGTONG_KEK_FILE", "-", "a file holding that key instead"),
    ("(neither KEK set)", "<database folder>/rongtong.kek", "development key, generated on first use"),
    ("RONGTONG_DB_POOL_SIZE", "8", "database connections per server process"),
    ("RONGTONG_MAX_BODY_BYTES", "33554432", "largest request body"),
    ("RONGTONG_HEADER_TIMEOUT_SECS", "10", "time to send a request head (also the keep-alive idle timeout)"),
    ("RONGTONG_REQUEST_TIMEOUT_SECS", "30", "a longer request is answered 408"),
    ("RONGTONG_MAX_CONNECTIONS", "1024", "open connections at most"),
    ("RONGTONG_SHUTDOWN_GRACE_SECS", "30", "time in-flight requests get after SIGTERM"),
    ("RONGTONG_VERIFY_MAX_BYTES", "1048576", "largest anonymous POST /verify body"),
    ("RONGTONG_VERIFY_AUTH_MAX_BYTES", "8388608", "the same with an API token"),
    ("RONGTONG_VERIFY_WORKERS", "CPU cores", "verifications running at once"),
    ("RONGTONG_RATE_LIMIT_PER_MINUTE", "600", "public requests per client IP and minute (0: off)"),
    ("RONGTONG_RATE_LIMIT_BURST", "60", "requests a client may send at once"),
    ("RONGTONG_MATCHING_MAX_WAIT_MS", "2000", "longest wait for a matching snapshot rebuild"),
    ("RONGTONG_NODE_ID", "{host name}/{listen address}", "this node's name on the issuance jobs it runs"),
    ("RONGTONG_JOB_LEASE_SECS", "60", "an issuance job's lease"),
    ("RONGTONG_TRUST_MIRRORS", "-", "staging and tests: PREFIX=BASE pairs a trusted issuer's URLs are fetched from"),
    ("RONGTONG_TRUST_TIMEOUT_SECS", "5", "time for one fetch of a trusted issuer's document"),
    ("RONGTONG_TRUST_MAX_BYTES", "1048576", "largest such document"),
    ("RONGTONG_TRUST_CACHE_SECS", "60", "how long a fetched document is reused"),
    ("RONGTONG_TRUST_RECHECK_MINUTES", "0 (off)", "serve re-checks stored external credentials this often"),
    ("MALLOC_ARENA_MAX", "one per core, at least 2", "glibc malloc arenas of serve"),
    ("RONGTONG_SESSION_HOURS", "12", "a web session ends this long after its last request"),
    ("RONGTONG_LOGIN_MAX_FAILURES", "5", "failed sign-ins per username or address before a lockout"),
    ("RONGTONG_LOGIN_LOCKOUT_MINUTES", "15", "the failure window and the lockout's length"),
    ("RONGTONG_INVITATION_HOURS", "72", "how long a set-your-password link stays valid"),
    ("RUST_LOG", "info", "log filter"),
    ("RONGTONG_LOG_FORMAT", "text", "text, or json for one object per line"),
];

/// The "Environment:" section of a command's help: the variables of [`ENV_VARS`] whose names
/// are in `names` (all of them when `names` is empty), with their defaults.
pub fn env_help(names: &[&str]) -> String {
    let rows: Vec<_> = ENV_VARS
        .iter()
        .filter(|(n, ..)| {
            names.is_empty() || names.iter().any(|m| n == m || (n.starts_with("(neither") && names.contains(&"RONGTONG_KEK")))
        })
        .collect();
    let width = rows.iter().map(|(n, ..)| n.len()).max().unwrap_or(0);
    let mut out = String::from("Environment (default in brackets):\n");
    for (name, default, meaning) in rows {
        out.push_str(&format!("  {name:<width$}  {meaning} [{default}]\n"));
    }
    out
}

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
    /// Connection, time, size and rate limits (issue 9: bounded memory, a verifier that
    /// cannot be stalled).
    pub limits: ServerLimits,
}

/// What one client may cost the server. The defaults suit one node on a few cores; every
/// value comes from a `RONGTONG_*` variable listed in the module doc.
#[derive(Debug, Clone)]
pub struct ServerLimits {
    /// Time to send a complete request head, counted from when the connection waits for one
    /// (so it is also the keep-alive idle timeout).
    pub header_timeout: std::time::Duration,
    /// Time for a whole request: reading the body and running the handler.
    pub request_timeout: std::time::Duration,
    /// Connections open at once.
    pub max_connections: usize,
    /// Time in-flight requests get to finish after SIGTERM or Ctrl-C.
    pub shutdown_grace: std::time::Duration,
    /// Largest anonymous `POST /verify` body (a presentation or CLR transcript); a lone
    /// credential gets a quarter.
    pub verify_max_bytes: usize,
    /// Largest authenticated `POST /verify` body.
    pub verify_auth_max_bytes: usize,
    /// Verifications running at once.
    pub verify_workers: usize,
    /// Public requests per client IP and minute; 0 turns the limit off.
    pub rate_per_minute: u32,
    /// Requests a client may send at once before the rate applies.
    pub rate_burst: u32,
}

impl Default for ServerLimits {
    fn default() -> Self {
        use std::time::Duration;
        ServerLimits {
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(30),
            verify_max_bytes: 1024 * 1024,
            verify_auth_max_bytes: 8 * 1024 * 1024,
            verify_workers: std::thread::available_parallelism().map(usize::from).unwrap_or(2),
            rate_per_minute: 600,
            rate_burst: 60,
        }
    }
}

impl ServerLimits {
    /// Reads the `RONGTONG_*` limit variables (module doc); unset ones keep the default.
    pub fn from_env() -> Result<Self, ConfigError> {
        use std::time::Duration;
        let d = ServerLimits::default();
        let secs = |name, default: Duration| parse_var(name, default.as_secs()).map(Duration::from_secs);
        let positive = |name: &'static str, v: usize| {
            if v == 0 { Err(ConfigError { name, value: "0".into(), reason: "must be at least 1".into() }) } else { Ok(v) }
        };
        Ok(ServerLimits {
            header_timeout: secs("RONGTONG_HEADER_TIMEOUT_SECS", d.header_timeout)?,
            request_timeout: secs("RONGTONG_REQUEST_TIMEOUT_SECS", d.request_timeout)?,
            max_connections: positive("RONGTONG_MAX_CONNECTIONS", parse_var("RONGTONG_MAX_CONNECTIONS", d.max_connections)?)?,
            shutdown_grace: secs("RONGTONG_SHUTDOWN_GRACE_SECS", d.shutdown_grace)?,
            verify_max_bytes: parse_var("RONGTONG_VERIFY_MAX_BYTES", d.verify_max_bytes)?,
            verify_auth_max_bytes: parse_var("RONGTONG_VERIFY_AUTH_MAX_BYTES", d.verify_auth_max_bytes)?,
            verify_workers: positive("RONGTONG_VERIFY_WORKERS", parse_var("RONGTONG_VERIFY_WORKERS", d.verify_workers)?)?,
            rate_per_minute: parse_var("RONGTONG_RATE_LIMIT_PER_MINUTE", d.rate_per_minute)?,
            rate_burst: positive("RONGTONG_RATE_LIMIT_BURST", parse_var("RONGTONG_RATE_LIMIT_BURST", d.rate_burst as usize)?)? as u32,
        })
    }
}

impl ServerConfig {
    /// Reads `RONGTONG_ADDR`, `RONGTONG_BASE_URL`, `RONGTONG_MAX_BODY_BYTES` and the limits.
    pub fn from_env() -> Result<Self, ConfigError> {
        let addr = env::var("RONGTONG_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".to_string());
        let base_url = env::var("RONGTONG_BASE_URL").unwrap_or_else(|_| format!("http://{addr}"));
        Ok(ServerConfig {
            base_url: base_url.trim_end_matches('/').to_string(),
            addr,
            max_body_bytes: parse_var("RONGTONG_MAX_BODY_BYTES", 32 * 1024 * 1024)?,
            limits: ServerLimits::from_env()?,
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

/// Background job settings (cohort issuance jobs and their leases).
#[derive(Debug, Clone)]
pub struct JobsConfig {
    /// How long a lease lasts after its last renewal.
    pub lease: std::time::Duration,
    /// `RONGTONG_NODE_ID`, if set; see [`JobsConfig::node_id`].
    pub node_id: Option<String>,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig { lease: std::time::Duration::from_secs(60), node_id: None }
    }
}

impl JobsConfig {
    /// Reads `RONGTONG_JOB_LEASE_SECS` (at least 1) and `RONGTONG_NODE_ID`.
    pub fn from_env() -> Result<Self, ConfigError> {
        let secs: u64 = parse_var("RONGTONG_JOB_LEASE_SECS", 60)?;
        if secs == 0 {
            return Err(ConfigError { name: "RONGTONG_JOB_LEASE_SECS", value: "0".into(), reason: "must be at least 1".into() });
        }
        let node_id = env::var("RONGTONG_NODE_ID").ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        Ok(JobsConfig { lease: std::time::Duration::from_secs(secs), node_id })
    }

    /// This node's name: `RONGTONG_NODE_ID`, or the host name and the listen address, which
    /// stay the same when the node restarts (so it recognises the jobs its crash cut off) and
    /// differ between nodes (no two listen on one address of one host).
    pub fn node_id(&self, listen_addr: &str) -> String {
        if let Some(id) = &self.node_id {
            return id.clone();
        }
        let host = env::var("HOSTNAME")
            .ok()
            .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "localhost".into());
        format!("{host}/{listen_addr}")
    }
}

/// Trusted external issuers (`services::trust`): how the server fetches their DID documents
/// and status lists, and how often it re-checks the external credentials it keeps.
#[derive(Debug, Clone)]
pub struct TrustConfig {
    /// `RONGTONG_TRUST_MIRRORS`: operator-configured URL rewrites, for staging and tests.
    pub mirrors: Vec<crate::services::credentials::fetch::Mirror>,
    /// Time allowed for one fetch.
    pub timeout: std::time::Duration,
    /// Largest document fetched.
    pub max_bytes: u64,
    /// How long a fetched document is reused.
    pub cache_ttl: std::time::Duration,
    /// How often `serve` re-checks the stored external credentials (`None`: never).
    pub recheck_every: Option<std::time::Duration>,
}

impl Default for TrustConfig {
    fn default() -> Self {
        TrustConfig {
            mirrors: Vec::new(),
            timeout: std::time::Duration::from_secs(5),
            max_bytes: 1 << 20,
            cache_ttl: std::time::Duration::from_secs(60),
            recheck_every: None,
        }
    }
}

impl TrustConfig {
    /// Reads the `RONGTONG_TRUST_*` variables.
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut mirrors = Vec::new();
        if let Ok(v) = env::var("RONGTONG_TRUST_MIRRORS") {
            for spec in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                mirrors.push(spec.parse().map_err(|reason| ConfigError { name: "RONGTONG_TRUST_MIRRORS", value: v.clone(), reason })?);
            }
        }
        let timeout: u64 = parse_var("RONGTONG_TRUST_TIMEOUT_SECS", 5)?;
        if timeout == 0 {
            return Err(ConfigError { name: "RONGTONG_TRUST_TIMEOUT_SECS", value: "0".into(), reason: "must be at least 1".into() });
        }
        let minutes: u64 = parse_var("RONGTONG_TRUST_RECHECK_MINUTES", 0)?;
        Ok(TrustConfig {
            mirrors,
            timeout: std::time::Duration::from_secs(timeout),
            max_bytes: parse_var("RONGTONG_TRUST_MAX_BYTES", 1 << 20)?,
            cache_ttl: std::time::Duration::from_secs(parse_var("RONGTONG_TRUST_CACHE_SECS", 60)?),
            recheck_every: (minutes > 0).then(|| std::time::Duration::from_secs(minutes * 60)),
        })
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
    /// Background jobs.
    pub jobs: JobsConfig,
    /// Web sign-in: sessions, lockouts, invitations.
    pub web: WebConfig,
}

/// Web sign-in settings (`auth::session`).
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// `RONGTONG_SESSION_HOURS`: a session ends this long after its last request.
    pub session_hours: u32,
    /// `RONGTONG_LOGIN_MAX_FAILURES`: failures before a username or address is locked.
    pub max_failures: u32,
    /// `RONGTONG_LOGIN_LOCKOUT_MINUTES`: the failure window and the lock's length.
    pub lockout_minutes: u32,
    /// `RONGTONG_INVITATION_HOURS`: how long an invitation link is valid.
    pub invitation_hours: u32,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig { session_hours: 12, max_failures: 5, lockout_minutes: 15, invitation_hours: 72 }
    }
}

impl WebConfig {
    /// Reads the `RONGTONG_SESSION_*`, `RONGTONG_LOGIN_*` and `RONGTONG_INVITATION_HOURS`
    /// variables; each must be at least 1.
    pub fn from_env() -> Result<Self, ConfigError> {
        let d = WebConfig::default();
        let positive = |name: &'static str, default: u32| -> Result<u32, ConfigError> {
            let v: u32 = parse_var(name, default)?;
            if v == 0 {
                return Err(ConfigError { name, value: "0".into(), reason: "must be at least 1".into() });
            }
            Ok(v)
        };
        Ok(WebConfig {
            session_hours: positive("RONGTONG_SESSION_HOURS", d.session_hours)?,
            max_failures: positive("RONGTONG_LOGIN_MAX_FAILURES", d.max_failures)?,
            lockout_minutes: positive("RONGTONG_LOGIN_LOCKOUT_MINUTES", d.lockout_minutes)?,
            invitation_hours: positive("RONGTONG_INVITATION_HOURS", d.invitation_hours)?,
        })
    }

    /// A session's lifetime after its last request.
    pub fn session_ttl(&self) -> chrono::TimeDelta {
        chrono::TimeDelta::hours(i64::from(self.session_hours))
    }
}

impl Config {
    /// Reads every section from the environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let database = DatabaseConfig::from_env()?;
        let credentials = CredentialsConfig::from_env(&database)?;
        Ok(Config { database, server: ServerConfig::from_env()?, credentials, jobs: JobsConfig::from_env()?, web: WebConfig::from_env()? })
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
