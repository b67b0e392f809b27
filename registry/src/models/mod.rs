//! Rows, queries and response types, one module per resource.
//!
//! Query functions take `&mut DbConnection` and return `QueryResult` or `AppResult`; they
//! run inside `Db::run` (handlers) or directly (CLI, demo seeder, importers). Rows are kept
//! apart from the JSON the API returns, so the schema can evolve without breaking clients.

pub mod accounts;
pub mod catalog;
pub(crate) mod courses;
pub mod credentials;
pub(crate) mod demand;
pub mod keys;
pub(crate) mod matching;
pub(crate) mod pagination;
