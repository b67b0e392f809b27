//! Workflows: what a request or a command asks for, over the models. A workflow that both an
//! HTTP route and a command run lives here once; routes, pages and commands only translate.

pub(crate) mod accounts;
pub(crate) mod applications;
pub(crate) mod catalog;
pub(crate) mod courses;
pub mod credentials;
pub(crate) mod credit_account;
pub(crate) mod demand;
pub mod demo;
pub mod import;
pub mod matching;
pub(crate) mod recognition;
pub(crate) mod reports;
pub(crate) mod review;
pub(crate) mod shares;
pub(crate) mod trust;
pub mod upgrade;
