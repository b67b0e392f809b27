//! The Rongtong registry: the HTTP service, its web pages, its store and its command line.
//!
//! The layers depend downwards only:
//!
//! ```text
//! cli/ (commands)   routes/ (JSON)   pages/ (HTML)     translate: parse, authorise, present
//!              \          |          /
//!               services/ (workflows: import, credentials, matching, review, demo)
//!                         |
//!               models/ (rows, views, queries — the only SQL)
//!                         |
//!               db/ (pool, connection, schema)
//! ```
//!
//! `auth/` is beside them: who the caller is (`Caller`, `Principal`) and, in `auth::policy`,
//! every rule of who may see or do what, written once. Domain rules (validation, skill levels,
//! region codes, completion results) come from `rongtong-catalog`. See docs/ARCHITECTURE.md.
//!
//! Only what the binary, the end-to-end suite and the benchmarks need is public; everything
//! else is `pub(crate)`, so the compiler reports dead code.

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod extract;
/// Entry points for `fuzz/` (feature `fuzzing`, off by default).
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod limits;
mod logging;
pub mod metrics;
pub mod models;
mod pages;
pub mod router;
mod routes;
pub mod services;

pub use app::{App, AppState};
pub use router::{build_router, openapi};
