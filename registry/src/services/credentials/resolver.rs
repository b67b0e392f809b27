//! The registry's own [`Resolver`]: DID documents and status lists served from the store.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use rongtong_credentials::VerifiedStatusLists;
use rongtong_credentials::did::Resolver;
use serde_json::Value;

use crate::db::DbConnection;
use crate::error::AppResult;
use crate::services::credentials::issuance::IssueContext;
use crate::services::credentials::keystore;
use crate::services::credentials::status::status_list_credential;

/// The registry's [`Resolver`]: serves our own DID documents and status lists from the
/// database (so the server never makes outbound HTTP requests); any other URL is "not found".
pub(crate) struct DbResolver<'c, 'a> {
    conn: RefCell<&'c mut DbConnection>,
    ctx: IssueContext<'a>,
    /// DID documents already built at the current `keys_version`, when the caller has them.
    keys: Option<Arc<KeySnapshot>>,
}

impl<'c, 'a> DbResolver<'c, 'a> {
    /// A resolver over `conn`.
    pub(crate) fn new(conn: &'c mut DbConnection, ctx: IssueContext<'a>) -> Self {
        DbResolver { conn: RefCell::new(conn), ctx, keys: None }
    }

    /// A resolver that takes DID documents from `keys` (built on first use, at most once per
    /// key version) instead of the `issuer_keys` table. Status lists are still read from the
    /// store on every call: a revocation must show at once.
    pub(crate) fn with_keys(conn: &'c mut DbConnection, ctx: IssueContext<'a>, keys: Arc<KeySnapshot>) -> Self {
        DbResolver { conn: RefCell::new(conn), ctx, keys: Some(keys) }
    }

    /// The DID document of `did`, from the key snapshot when there is one.
    fn did_document(&self, conn: &mut DbConnection, did: &str) -> AppResult<Option<Value>> {
        let Some(keys) = &self.keys else { return keystore::did_document(conn, did) };
        if let Some(doc) = keys.lock().get(did) {
            return Ok(doc.clone());
        }
        let doc = keystore::did_document(conn, did)?;
        let mut docs = keys.lock();
        // Bounded by the issuers the store knows (a DID with no key is `None`, and only DIDs
        // under this registry's base URL reach here), but a flood of made-up organisation
        // codes must not grow it: past the bound, stop remembering.
        if docs.len() < MAX_KEPT_DOCUMENTS {
            docs.insert(did.to_string(), doc.clone());
        }
        Ok(doc)
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
            keystore::platform_did(self.ctx.base_url).and_then(|did| self.did_document(conn, &did))
        } else if let Some(code) = path.strip_prefix("/orgs/").and_then(|p| p.strip_suffix("/did.json")) {
            keystore::org_did(self.ctx.base_url, code).and_then(|did| self.did_document(conn, &did))
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

/// The most DID documents one key snapshot remembers.
const MAX_KEPT_DOCUMENTS: usize = 4096;

/// What `POST /verify` reads from `issuer_keys`, as of one `keys_version` (migration
/// `000008`: triggers move it on every change to that table, on any node): the trusted
/// issuers, and the DID documents built so far.
#[derive(Debug)]
pub(crate) struct KeySnapshot {
    version: i64,
    /// The DIDs of this registry's organisations and platform (`issuer_trust`).
    pub(crate) trusted: Vec<String>,
    documents: Mutex<HashMap<String, Option<Value>>>,
}

impl KeySnapshot {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Option<Value>>> {
        // One map call per lock: a poisoned map is still consistent.
        self.documents.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The verifier's memory across requests: the key snapshot of the current `keys_version`,
/// and the status lists that verified ([`VerifiedStatusLists`], reused only while the store
/// serves the very same list document, so a revocation is read at once).
#[derive(Debug, Default)]
pub(crate) struct VerifierCache {
    keys: Mutex<Option<Arc<KeySnapshot>>>,
    /// Shared by every verification of this process.
    pub(crate) status_lists: Arc<VerifiedStatusLists>,
}

impl VerifierCache {
    /// The key snapshot for the store's current `keys_version` (one small read), built anew
    /// when the version moved. The version is read before the keys, so a snapshot is never
    /// older than its version.
    pub(crate) fn keys(&self, conn: &mut DbConnection) -> AppResult<Arc<KeySnapshot>> {
        let version = crate::models::matching::keys_version(conn)?;
        let kept = self.keys.lock().unwrap_or_else(PoisonError::into_inner).clone();
        if let Some(k) = kept.filter(|k| k.version == version) {
            return Ok(k);
        }
        let trusted = crate::models::credentials::trusted_issuers(conn)?;
        let snapshot = Arc::new(KeySnapshot { version, trusted, documents: Mutex::default() });
        *self.keys.lock().unwrap_or_else(PoisonError::into_inner) = Some(snapshot.clone());
        Ok(snapshot)
    }
}
