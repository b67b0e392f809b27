//! HTML pages, rendered by the server from the same services and policy as the JSON routes.

pub(crate) mod cache;
pub(crate) mod certificate;
pub(crate) mod skill;
