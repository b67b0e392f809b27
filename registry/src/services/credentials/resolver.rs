//! The registry's own [`Resolver`]: DID documents and status lists served from the store.

use std::cell::RefCell;

use rongtong_credentials::did::Resolver;
use serde_json::Value;

use crate::db::DbConnection;
use crate::services::credentials::issuance::IssueContext;
use crate::services::credentials::keystore;
use crate::services::credentials::status::status_list_credential;

/// The registry's [`Resolver`]: serves our own DID documents and status lists from the
/// database (so the server never makes outbound HTTP requests); any other URL is "not found".
pub(crate) struct DbResolver<'c, 'a> {
    conn: RefCell<&'c mut DbConnection>,
    ctx: IssueContext<'a>,
}

impl<'c, 'a> DbResolver<'c, 'a> {
    /// A resolver over `conn`.
    pub(crate) fn new(conn: &'c mut DbConnection, ctx: IssueContext<'a>) -> Self {
        DbResolver { conn: RefCell::new(conn), ctx }
    }

    /// The path of `url` if it is under our base URL (either scheme: DIDs always resolve
    /// over https, a development server may run on http).
    fn local_path<'u>(&self, url: &'u str) -> Option<&'u str> {
        let base = self.ctx.base_url;
        let https = base.strip_prefix("http://").map(|r| format!("https://{r}"));
        url.strip_prefix(base).or_else(|| https.as_deref().and_then(|h| url.strip_prefix(h))).filter(|p| p.starts_with('/'))
    }
}

impl Resolver for DbResolver<'_, '_> {
    fn get(&self, url: &str) -> rongtong_credentials::Result<Value> {
        let not_found = |reason: &str| rongtong_credentials::Error::Resolve { url: url.to_string(), reason: reason.to_string() };
        let path = self.local_path(url).ok_or_else(|| not_found("not hosted by this registry (the server fetches nothing)"))?;
        let path = path.split(['#', '?']).next().unwrap_or_default();
        let mut conn = self.conn.try_borrow_mut().map_err(|_| not_found("resolver busy"))?;
        let conn: &mut DbConnection = &mut conn;
        let result = if path == "/.well-known/did.json" {
            keystore::platform_did(self.ctx.base_url).and_then(|did| keystore::did_document(conn, &did))
        } else if let Some(code) = path.strip_prefix("/orgs/").and_then(|p| p.strip_suffix("/did.json")) {
            keystore::org_did(self.ctx.base_url, code).and_then(|did| keystore::did_document(conn, &did))
        } else if let Some(id) = path.strip_prefix("/status/") {
            status_list_credential(conn, self.ctx, id)
        } else {
            Ok(None)
        };
        match result {
            Ok(Some(v)) => Ok(v),
            Ok(None) => Err(not_found("not found")),
            Err(e) => Err(not_found(&e.to_string())),
        }
    }
}
