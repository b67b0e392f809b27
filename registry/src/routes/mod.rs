//! HTTP handlers, one module per resource, named `list_*`, `find_*`, `create_*`,
//! `update_*`, `delete_*`. [`crate::router`] lists them all.

pub mod accounts;
pub mod catalog;
pub mod courses;
pub mod credentials;
pub mod demand;
pub mod health;
pub mod imports;
pub mod matching;
