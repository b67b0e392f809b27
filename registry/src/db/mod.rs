//! The store: one diesel connection type over SQLite and PostgreSQL, a pool, and the
//! [`Db::run`] facade.
//!
//! Queries are plain synchronous diesel; `Db::run` moves them onto tokio's blocking pool so
//! the async server never blocks on I/O. Keeping every query behind that one facade means a
//! later move to diesel-async stays inside this module.
//!
//! The backend is chosen by the URL scheme: `sqlite://PATH` (the embedded default; `PATH`
//! may be `:memory:`) or `postgres://…` / `postgresql://…`. We write the r2d2 manager by
//! hand rather than use `diesel::r2d2::ConnectionManager` because the derived
//! `MultiConnection::establish` tries every backend in turn, and SQLite happily treats a
//! PostgreSQL URL as a file name.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

/// Migrations for each backend, embedded in the binary.
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
/// See [`SQLITE_MIGRATIONS`].
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

pub use connection::DbConnection;

pub mod fresh;
pub mod schema;

mod connection {
    use diesel::pg::PgConnection;
    use diesel::sqlite::SqliteConnection;

    /// A connection to either backend. Queries written against it run on both.
    #[derive(diesel::MultiConnection)]
    pub enum DbConnection {
        /// PostgreSQL: many stateless server nodes share one database.
        Postgres(PgConnection),
        /// Embedded SQLite: one process, zero set-up.
        Sqlite(SqliteConnection),
    }
}

/// Which backend a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `sqlite://…`
    Sqlite,
    /// `postgres://…` or `postgresql://…`
    Postgres,
}

impl Backend {
    /// Reads the scheme of a database URL.
    pub fn from_url(url: &str) -> Result<Backend, DbError> {
        if url.starts_with("sqlite://") || url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(DbError::Url(url.split(':').next().unwrap_or("").to_string()))
        }
    }
}

/// Problems opening or using the store.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL has a scheme we do not speak.
    #[error("DATABASE_URL must start with sqlite:// or postgres:// (got scheme `{0}`)")]
    Url(String),
    /// Could not connect.
    #[error("cannot connect to the database: {0}")]
    Connection(#[from] diesel::ConnectionError),
    /// The pool could not hand out a connection in time.
    #[error("database pool: {0}")]
    Pool(#[from] r2d2::PoolError),
    /// A query failed.
    #[error("database query: {0}")]
    Query(#[from] diesel::result::Error),
    /// Migrations failed.
    #[error("migrations: {0}")]
    Migration(String),
    /// A command that needs an existing store found no SQLite file (it creates none).
    #[error(
        "no database at {path} (DATABASE_URL={url}{default}); this command never creates one: start `rongtong serve` (or `rongtong migrate`) on it first, or set DATABASE_URL to the server's database"
    )]
    Missing {
        /// The file looked for.
        path: String,
        /// The URL it came from.
        url: String,
        /// `", the default, relative to this folder"` when DATABASE_URL is unset.
        default: &'static str,
    },
    /// Creating the data folder for SQLite failed.
    #[error("cannot create the data folder {path}: {source}")]
    DataDir {
        /// The folder.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// The r2d2 manager that picks the backend from the URL and prepares each new connection.
#[derive(Debug, Clone)]
pub struct Manager {
    url: String,
    backend: Backend,
    queries: Arc<AtomicU64>,
}

/// Counts every statement a connection sends (diesel's instrumentation: one `StartQuery`
/// event per statement, prepared-cache hits included). It is how the tests prove that a list
/// costs the same number of queries whatever its length ([`Db::queries_run`]); the cost is one
/// relaxed atomic add per statement.
fn count_queries(conn: &mut impl Connection, queries: &Arc<AtomicU64>) {
    let queries = queries.clone();
    conn.set_instrumentation(move |event: diesel::connection::InstrumentationEvent<'_>| {
        if let diesel::connection::InstrumentationEvent::StartQuery { .. } = event {
            queries.fetch_add(1, Ordering::Relaxed);
        }
    });
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        match self.backend {
            Backend::Postgres => {
                let mut conn = PgConnection::establish(&self.url).map_err(r2d2::Error::ConnectionError)?;
                count_queries(&mut conn, &self.queries);
                Ok(DbConnection::Postgres(conn))
            }
            Backend::Sqlite => {
                let path = sqlite_path(&self.url);
                let mut conn = SqliteConnection::establish(path).map_err(r2d2::Error::ConnectionError)?;
                // busy_timeout makes a second writer wait instead of failing; SQLite leaves
                // foreign keys off unless asked. WAL is set once per file in `Db::open`
                // (it persists), because switching it needs a lock another connection may hold.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536;",
                )
                .map_err(r2d2::Error::QueryError)?;
                count_queries(&mut conn, &self.queries);
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        r2d2::R2D2Connection::is_broken(conn)
    }
}

/// The path part of a `sqlite://` URL.
fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url)
}

/// Connection pool figures ([`Db::pool_state`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolState {
    /// Connections open, in use or idle.
    pub connections: u32,
    /// Connections open and idle.
    pub idle: u32,
    /// The most the pool will open.
    pub max_size: u32,
}

/// The store handle shared by every request: cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: Pool<Manager>,
    backend: Backend,
    queries: Arc<AtomicU64>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: never print it.
        f.debug_struct("Db").field("backend", &self.backend).finish()
    }
}

/// What [`Db::migrate`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationReport {
    /// The migrations applied, by directory name (e.g. `2026-12-01-000005_certificate_details`),
    /// in the order they ran; empty when the schema was up to date.
    pub applied: Vec<String>,
    /// GB/T 2260 regions inserted because they were missing.
    pub regions_seeded: usize,
}

impl Db {
    /// Opens a pool of `pool_size` connections to `url`, creating the SQLite file's folder
    /// when needed, and migrates it ([`Db::migrate`]).
    pub fn open(url: &str, pool_size: u32) -> Result<Db, DbError> {
        let db = Db::connect(url, pool_size)?;
        db.migrate()?;
        Ok(db)
    }

    /// Checks that the store `url` names exists, for the commands that work on an existing
    /// one: a SQLite file that is not there is [`DbError::Missing`], so the caller can stop
    /// before [`Db::open`] creates an empty database (issue 13: a CLI command run in the
    /// wrong folder must say so, not create `data/rongtong.db` and report "user not found").
    pub fn check_exists(url: &str) -> Result<(), DbError> {
        let path = sqlite_path(url);
        if Backend::from_url(url)? == Backend::Sqlite && path != ":memory:" && !std::path::Path::new(path).exists() {
            let default = if std::env::var_os("DATABASE_URL").is_none() { ", the default, relative to this folder" } else { "" };
            return Err(DbError::Missing { path: path.to_string(), url: url.to_string(), default });
        }
        Ok(())
    }

    /// Opens the pool like [`Db::open`] without migrating: for `rongtong migrate`, which
    /// migrates itself to report what it did.
    pub fn connect(url: &str, pool_size: u32) -> Result<Db, DbError> {
        let backend = Backend::from_url(url)?;
        if backend == Backend::Sqlite {
            let path = sqlite_path(url);
            if path != ":memory:"
                && let Some(dir) = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir).map_err(|source| DbError::DataDir { path: dir.display().to_string(), source })?;
            }
        }
        // An in-memory SQLite database exists once per connection: keep it to one.
        let size = if sqlite_path(url) == ":memory:" { 1 } else { pool_size.max(1) };
        let queries = Arc::new(AtomicU64::new(0));
        // r2d2 tests every connection on checkout (`SELECT 1`, one more statement per
        // request). A PostgreSQL connection can die behind the pool's back (a server restart,
        // a proxy's idle timeout), so it keeps the test there; a SQLite connection is a handle
        // on a local file that nothing can close under it, so the test finds nothing and only
        // costs time on every request (measured: docs/PERFORMANCE.md, "Public pages and lists").
        let pool = Pool::builder()
            .max_size(size)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            .test_on_check_out(backend != Backend::Sqlite)
            .build(Manager { url: url.to_string(), backend, queries: queries.clone() })?;
        let db = Db { pool, backend, queries };
        if backend == Backend::Sqlite && sqlite_path(url) != ":memory:" {
            // WAL lets readers run beside the writer.
            db.conn()?.batch_execute("PRAGMA journal_mode = WAL;")?;
        }
        Ok(db)
    }

    /// Which backend this store uses.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs pending migrations, then the one post-migration step: the reference data a fresh
    /// schema needs, i.e. the GB/T 2260 regions that are missing
    /// ([`crate::models::accounts::insert_missing_divisions`]). Idempotent, and run by every
    /// path that opens the store (`serve`, `migrate`, the CLI commands, the tests' `TestApp`).
    ///
    /// This is the one place `db/` calls up into `models/`: seeding reference data is part of
    /// bringing a schema up to date, and its SQL stays with the other region queries.
    pub fn migrate(&self) -> Result<MigrationReport, DbError> {
        let mut conn = self.pool.get()?;
        let applied = run_migrations(&mut conn)?;
        let regions_seeded = crate::models::accounts::insert_missing_divisions(&mut conn)?;
        Ok(MigrationReport { applied, regions_seeded })
    }

    /// How many statements this pool's connections have sent since it opened (the pool's
    /// own `SELECT 1` check on checkout included, on PostgreSQL). Tests read it before and after a request.
    pub fn queries_run(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    /// The pool's figures now, for `/metrics`.
    pub fn pool_state(&self) -> PoolState {
        let s = self.pool.state();
        PoolState { connections: s.connections, idle: s.idle_connections, max_size: self.pool.max_size() }
    }

    /// A connection for synchronous code (the CLI, tests, the demo seeder).
    pub fn conn(&self) -> Result<PooledConnection<Manager>, DbError> {
        Ok(self.pool.get()?)
    }

    /// Runs `f` with a pooled connection on the blocking thread pool.
    ///
    /// This is the only way async code touches the database. `E` is the caller's error
    /// type; pool trouble converts into it through `From<DbError>`.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(|e| E::from(DbError::Pool(e)))?;
            f(&mut conn)
        })
        .await
        .unwrap_or_else(|join| std::panic::resume_unwind(join.into_panic()))
    }
}

/// True when the connection's database lacks a migration this binary embeds (a round trip:
/// it reads diesel's migrations table). The readiness check uses it.
pub fn has_pending_migrations(conn: &mut DbConnection) -> Result<bool, DbError> {
    let pending = match conn {
        DbConnection::Postgres(c) => c.has_pending_migration(POSTGRES_MIGRATIONS),
        DbConnection::Sqlite(c) => c.has_pending_migration(SQLITE_MIGRATIONS),
    };
    pending.map_err(|e| DbError::Migration(e.to_string()))
}

/// Runs the pending migrations of the connection's backend, one by one; returns the names
/// of those it applied.
pub fn run_migrations(conn: &mut DbConnection) -> Result<Vec<String>, DbError> {
    fn run<B: diesel::backend::Backend, C: MigrationHarness<B>>(
        conn: &mut C,
        source: EmbeddedMigrations,
    ) -> diesel::migration::Result<Vec<String>> {
        let mut applied = Vec::new();
        for m in conn.pending_migrations(source)? {
            conn.run_migration(&*m)?;
            applied.push(m.name().to_string());
        }
        Ok(applied)
    }
    let ran = match conn {
        DbConnection::Postgres(c) => run(c, POSTGRES_MIGRATIONS),
        DbConnection::Sqlite(c) => run(c, SQLITE_MIGRATIONS),
    };
    ran.map_err(|e| DbError::Migration(e.to_string()))
}

/// Runs `f` in a write transaction: the one entry point for every transaction that writes.
///
/// On SQLite the transaction begins `IMMEDIATE`, taking the write lock before its first read.
/// A deferred transaction that reads and then writes asks SQLite to upgrade its lock, and
/// SQLite refuses that at once with "database is locked" when another connection writes
/// (waiting could deadlock, so `busy_timeout` does not apply); an immediate one waits its turn
/// under `busy_timeout` instead, so writers queue rather than fail. On PostgreSQL it is an
/// ordinary transaction; the rows a workflow must own are locked where it reads them (the
/// status-list rows, [`crate::models::credentials::lock_revocation_list`]).
///
/// Called inside another transaction, it nests as diesel does (a savepoint): the outer
/// transaction already holds the lock.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let DbConnection::Sqlite(sqlite) = conn else { return conn.transaction(f) };
    if AnsiTransactionManager::transaction_manager_status_mut(sqlite).transaction_depth()?.is_some() {
        return conn.transaction(f);
    }
    // diesel's `SqliteConnection::immediate_transaction` hands its closure the inner
    // `SqliteConnection`, but the workflows take the `DbConnection`: do what it does (begin
    // with custom SQL, then commit or roll back) — begin on the inner connection, finish
    // through `DbConnection`'s transaction manager, which delegates to that inner one.
    AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
    type Tm = <DbConnection as Connection>::TransactionManager;
    match f(conn) {
        Ok(value) => {
            Tm::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            Tm::rollback_transaction(conn)?;
            Err(e)
        }
    }
}

/// True when the error is a unique-constraint violation (a duplicate code, URI …).
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(e, diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
}

/// Now, as the RFC 3339 UTC text every timestamp column holds.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A new random id (UUID v7: time-ordered, so inserts stay index-friendly).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Multi-row `INSERT … VALUES (…), (…)` on either backend.
///
/// diesel's `MultiBackend` cannot express batch inserts (its default-keyword dialect differs
/// from SQLite's), so this is the one place that matches on the connection variant for it.
/// Each arm type-checks against its concrete backend.
#[macro_export]
macro_rules! insert_batch {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite(c) => diesel::insert_into($table).values($rows).execute(c),
            $crate::db::DbConnection::Postgres(c) => diesel::insert_into($table).values($rows).execute(c),
        }
    };
}
