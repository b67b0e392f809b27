//! Public lists served from memory while the data they show stands still.
//!
//! `GET /courses`, `/skills`, `/occupations`, `/frameworks` and `/demand-lists` read only
//! tables whose every change moves `data_version.catalog_version` (database triggers, in the
//! writing transaction, whichever node, import or CLI command wrote). So a list's JSON is a
//! function of that version, the query string and what the caller may see
//! ([`policy::coverage`]: published content for everyone, drafts and review queues for the
//! organisations a caller covers). A request reads the version (one indexed read of a
//! one-row table) and serves the body rendered at that version, or renders it and keeps it.
//! A write is therefore visible on the very next request on every node: the version it
//! moved is read from the database, not remembered. Concurrent requests share that read
//! through [`FreshRead`]: a request takes the value of a read that started after it arrived,
//! never of one already running, so sharing never makes an answer older.
//!
//! The version is read before the rows, so a body kept under version V shows at least V;
//! a write landing in between only makes that body newer than its key, and the next request
//! (reading V+1) renders again.
//!
//! The bodies live in the byte-bounded LRU of [`crate::pages::cache`] with the certificate
//! pages' `ETag`/`If-None-Match` handling: `Cache-Control: no-cache` (public for anonymous
//! callers, private otherwise) lets browsers and a CDN keep a list but revalidate it on
//! every use, which costs a `304` after the version read.

use std::sync::Arc;

use axum::http::HeaderMap;
use axum::response::Response;
use serde::Serialize;

use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::policy::{self, Coverage};
use crate::db::DbConnection;
use crate::db::fresh::FreshRead;
use crate::error::{AppError, AppResult};
use crate::pages::cache::{ByteBoundedLru, Rendered};

/// The most bytes of list bodies kept (every list, page and caller kind together).
const LIST_CACHE_BYTES: usize = 16 * 1024 * 1024;

/// Anonymous lists: any cache may keep them, and must revalidate before each use.
const PUBLIC_CACHE_CONTROL: &str = "public, no-cache";
/// Lists for a token: only the caller's own cache may keep them.
const PRIVATE_CACHE_CONTROL: &str = "private, no-cache";

/// Which list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ListKind {
    /// `GET /courses`.
    Courses,
    /// `GET /skills`.
    Skills,
    /// `GET /occupations`.
    Occupations,
    /// `GET /frameworks`.
    Frameworks,
    /// `GET /demand-lists`.
    DemandLists,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ListKey {
    kind: ListKind,
    /// What the caller may see beyond published content.
    coverage: Coverage,
    /// The query string as sent (parameters in another order are another entry).
    query: String,
}

/// A body and the `catalog_version` it was rendered at.
#[derive(Debug)]
struct Entry {
    version: i64,
    body: Rendered,
}

/// Rendered list bodies, by list, caller coverage and query string.
pub(crate) struct ListCache {
    entries: ByteBoundedLru<ListKey, Arc<Entry>>,
    /// The `catalog_version` reads, shared by concurrent requests.
    version: FreshRead,
}

impl Default for ListCache {
    fn default() -> Self {
        ListCache { entries: ByteBoundedLru::new(LIST_CACHE_BYTES), version: FreshRead::default() }
    }
}

impl std::fmt::Debug for ListCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListCache").finish_non_exhaustive()
    }
}

/// Answers a list request from the cache, or with `load`'s result (then kept): `200` with
/// the JSON, or `304` when `If-None-Match` names it. `query` is the raw query string the
/// handler already parsed and checked; `load` runs only on a miss,
/// after the version was read. Errors of `load` (a 400 for an unknown filter value) are not
/// kept.
pub(crate) async fn cached_list<T, F>(
    state: &AppState,
    kind: ListKind,
    caller: &Caller,
    query: Option<String>,
    headers: &HeaderMap,
    load: F,
) -> AppResult<Response>
where
    T: Serialize,
    F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
{
    let key = ListKey { kind, coverage: policy::coverage(caller.principal()), query: query.unwrap_or_default() };
    let version = state.lists.version.get(|| state.db.run(|c| crate::models::matching::catalog_version(c).map_err(AppError::from))).await?;
    let hit = state.lists.entries.get(&key).filter(|e| e.version == version);
    let entry = match hit {
        Some(hit) => hit,
        None => {
            let app = state.clone();
            state
                .db
                .run(move |c| {
                    let body = serde_json::to_vec(&load(c)?).map_err(|e| AppError::Internal(format!("serialising a list: {e}")))?;
                    let entry = Arc::new(Entry { version, body: Rendered::new(body) });
                    let size = entry.body.size() + key.query.len() + std::mem::size_of::<ListKey>();
                    app.lists.entries.insert(key, entry.clone(), size);
                    Ok::<_, AppError>(entry)
                })
                .await?
        }
    };
    let cache_control = if matches!(caller, Caller::Anonymous) { PUBLIC_CACHE_CONTROL } else { PRIVATE_CACHE_CONTROL };
    Ok(entry.body.respond_varying(headers, "application/json", "json", cache_control, "Authorization"))
}
