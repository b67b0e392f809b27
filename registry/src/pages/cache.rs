//! Rendered responses kept in memory, bounded by their size in bytes, with the `ETag` and
//! `If-None-Match` handling that lets browsers and a CDN revalidate them cheaply.
//!
//! The LRU order comes from the `lru` crate; the byte budget around it is ours, because
//! `lru` bounds entries by count and pages vary in size (a certificate with many skills is
//! several times the smallest one).

use std::hash::Hash;
use std::sync::{Mutex, PoisonError};

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lru::LruCache;
use sha2::{Digest, Sha256};

/// A response body rendered once, with the digest its `ETag` is made from.
#[derive(Debug)]
pub(crate) struct Rendered {
    body: Bytes,
    /// The first 16 bytes of the body's SHA-256, in hex.
    digest: String,
}

impl Rendered {
    /// Wraps a rendered body and digests it.
    pub(crate) fn new(body: impl Into<Bytes>) -> Rendered {
        let body = body.into();
        let digest = hex::encode(&Sha256::digest(&body)[..16]);
        Rendered { body, digest }
    }

    /// Bytes held (for the cache's budget).
    pub(crate) fn size(&self) -> usize {
        self.body.len() + self.digest.len()
    }

    /// The strong `ETag` of this body served as `variant` (the same bytes served under two
    /// media types are two representations, so they get two tags).
    pub(crate) fn etag(&self, variant: &str) -> String {
        format!("\"{}-{variant}\"", self.digest)
    }

    /// The response: `304 Not Modified` (no body) when the request's `If-None-Match` names
    /// this representation, else `200` with the body. Both carry the `ETag`,
    /// `Cache-Control` and `Vary: Accept` (the same URL also serves the other media type).
    pub(crate) fn respond(&self, request: &HeaderMap, content_type: &'static str, variant: &str, cache_control: &'static str) -> Response {
        self.respond_varying(request, content_type, variant, cache_control, "Accept")
    }

    /// [`Rendered::respond`] with another `Vary` (a list differs by `Authorization`, not by
    /// `Accept`).
    pub(crate) fn respond_varying(
        &self,
        request: &HeaderMap,
        content_type: &'static str,
        variant: &str,
        cache_control: &'static str,
        vary: &'static str,
    ) -> Response {
        let etag = self.etag(variant);
        let tag = HeaderValue::from_str(&etag).unwrap_or_else(|_| HeaderValue::from_static("\"\""));
        let headers = [
            (header::ETAG, tag),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache_control)),
            (header::VARY, HeaderValue::from_static(vary)),
        ];
        if if_none_match(request, &etag) {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        (headers, [(header::CONTENT_TYPE, content_type)], self.body.clone()).into_response()
    }
}

/// True when `If-None-Match` lists `etag` (or is `*`). Comparison is weak, as RFC 9110
/// §13.1.2 asks for this header: a `W/` prefix a proxy added still matches.
fn if_none_match(request: &HeaderMap, etag: &str) -> bool {
    request.get_all(header::IF_NONE_MATCH).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|t| {
        let t = t.trim();
        t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag
    })
}

/// An LRU map whose values' total size stays under a byte budget: inserting past it evicts
/// the least recently used entries. Safe to share; each call holds the lock only for a map
/// operation.
pub(crate) struct ByteBoundedLru<K: Hash + Eq, V> {
    inner: Mutex<Inner<K, V>>,
    budget: usize,
}

struct Inner<K: Hash + Eq, V> {
    map: LruCache<K, (V, usize)>,
    bytes: usize,
}

impl<K: Hash + Eq, V: Clone> ByteBoundedLru<K, V> {
    /// An empty cache holding at most `budget` bytes of values.
    pub(crate) fn new(budget: usize) -> Self {
        ByteBoundedLru { inner: Mutex::new(Inner { map: LruCache::unbounded(), bytes: 0 }), budget }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<K, V>> {
        // A panic while holding the lock leaves the map consistent (every operation is one
        // `lru` call plus arithmetic), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The value under `key`, marked as recently used.
    pub(crate) fn get(&self, key: &K) -> Option<V> {
        self.lock().map.get(key).map(|(v, _)| v.clone())
    }

    /// Stores `value` (of `size` bytes) under `key`, replacing what was there, then evicts
    /// the least recently used entries until the total fits the budget. A value larger than
    /// the whole budget is not kept.
    pub(crate) fn insert(&self, key: K, value: V, size: usize) {
        if size > self.budget {
            return;
        }
        let mut inner = self.lock();
        if let Some((_, old)) = inner.map.put(key, (value, size)) {
            inner.bytes -= old;
        }
        inner.bytes += size;
        while inner.bytes > self.budget {
            match inner.map.pop_lru() {
                Some((_, (_, n))) => inner.bytes -= n,
                None => break,
            }
        }
    }

    /// Total bytes held and entries (tests).
    #[cfg(test)]
    pub(crate) fn usage(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.bytes, inner.map.len())
    }
}

impl<K: Hash + Eq, V> std::fmt::Debug for ByteBoundedLru<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ByteBoundedLru").field("budget", &self.budget).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_evicts_the_least_recently_used() {
        let cache = ByteBoundedLru::new(100);
        cache.insert("a", 1, 40);
        cache.insert("b", 2, 40);
        assert_eq!(cache.get(&"a"), Some(1), "touch a: b is now the oldest");
        cache.insert("c", 3, 40);
        assert_eq!((cache.get(&"a"), cache.get(&"b"), cache.get(&"c")), (Some(1), None, Some(3)));
        assert_eq!(cache.usage(), (80, 2));
        cache.insert("a", 4, 10);
        assert_eq!(cache.usage(), (50, 2), "a replaced, its old size released");
        cache.insert("huge", 5, 101);
        assert_eq!(cache.get(&"huge"), None, "larger than the budget: not kept");
        assert_eq!(cache.usage(), (50, 2));
    }

    #[test]
    fn if_none_match_matches_listed_weak_and_star() {
        let r = Rendered::new("body");
        let tag = r.etag("html");
        let headers = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::IF_NONE_MATCH, HeaderValue::from_str(v).expect("header"));
            h
        };
        assert!(if_none_match(&headers(&tag), &tag));
        assert!(if_none_match(&headers(&format!("\"x\", W/{tag}")), &tag));
        assert!(if_none_match(&headers("*"), &tag));
        assert!(!if_none_match(&headers("\"x\""), &tag));
        assert!(!if_none_match(&headers(&r.etag("json")), &tag), "another representation");
        assert!(!if_none_match(&HeaderMap::new(), &tag));
        assert_eq!(r.respond(&headers(&tag), "text/html", "html", "no-cache").status(), StatusCode::NOT_MODIFIED);
        assert_eq!(r.respond(&HeaderMap::new(), "text/html", "html", "no-cache").status(), StatusCode::OK);
    }
}
