//! Certificates in the registry: what an issuer's people do with them (`actions`), issuer
//! keys (`keystore`), issuance from completions and skill-level assessments (`issuance`), a
//! learner's presentations (`presentation`), revocation and status lists (`status`),
//! resolving DIDs and status lists from the store (`resolver`) or the web (`fetch`),
//! verifying what a visitor hands in (`verification`), re-verifying the store (`reverify`),
//! auditing and repairing status-list allocation (`allocation`).

pub(crate) mod actions;
pub mod allocation;
pub mod fetch;
pub mod issuance;
pub mod keystore;
pub mod presentation;
pub(crate) mod resolver;
pub mod reverify;
pub mod status;
pub(crate) mod verification;
