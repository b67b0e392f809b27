//! HTTP handlers, one module per resource, named `list_*`, `find_*`, `create_*`,
//! `update_*`, `delete_*`. [`crate::router`] lists them all.

pub(crate) mod accounts;
pub(crate) mod applications;
pub(crate) mod cached;
pub(crate) mod catalog;
pub(crate) mod courses;
pub(crate) mod credentials;
pub(crate) mod demand;
pub(crate) mod health;
pub(crate) mod imports;
pub(crate) mod learners;
pub(crate) mod matching;
pub(crate) mod metrics;
pub(crate) mod recognition;
pub(crate) mod trust;
