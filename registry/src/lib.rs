//! The Rongtong registry: the HTTP service, its store and its command-line interface.
//!
//! A request flows `router` → a handler in `routes/` → `Db::run` → query functions in
//! `models/` → diesel (SQLite or PostgreSQL). Domain rules (validation, skill levels, region
//! codes) come from `rongtong-catalog`; the registry adds identity, tenancy, persistence and
//! HTTP. See docs/ARCHITECTURE.md.

pub mod app;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod credentials_cli;
pub mod db;
pub mod demo;
pub mod error;
pub mod fetch;
pub mod import;
pub mod keystore;
pub mod matching;
pub mod models;
pub mod router;
pub mod routes;
pub mod schema;
pub mod snapshot;

pub use app::{App, AppState};
pub use router::{build_router, openapi};
