//! Fetching did:web DID documents and status-list credentials over HTTP(S), for
//! `rongtong verify` and, behind the trusted-issuer list, for the server.
//!
//! The server's `POST /api/v1/verify` never uses this: its
//! [`DbResolver`](crate::services::credentials::resolver::DbResolver) answers only for its own
//! documents, so a credential posted there cannot make the server open connections on a
//! caller's behalf. The only server-side user is `services::trust`, which fetches through
//! [`HttpResolver::for_server`] (https only, no redirects, smaller limits) and only URLs
//! derived from the DID of an issuer on the trusted list. A verifier on the command
//! line is in the opposite position — it wants the issuer's *current* DID document and the
//! *current* status list, because a revocation issued a minute ago must fail the check.
//!
//! What is trusted from the network is limited by what verification already checks: the
//! status-list credential carries its own proof by the credential's issuer, and a did:web
//! document is only believed for the DID it names (its `id` must match). So plain `http`
//! (a development server's status lists) cannot be used to forge a result; it can only
//! fail one. did:web itself always resolves over `https` (the did:web spec), checked against
//! the Mozilla root store compiled into the binary.

use std::time::Duration;

use rongtong_credentials::did::Resolver;
use rongtong_credentials::{Error, Result};
use serde_json::Value;

/// Documents larger than this are refused. A 131,072-entry status list is 16 KiB before
/// compression and a DID document a few KiB; 4 MiB leaves room for large key histories
/// while keeping a hostile server from filling memory.
pub const MAX_DOCUMENT_BYTES: u64 = 4 << 20;

/// Time allowed for one request, connection to last byte.
pub const TIMEOUT: Duration = Duration::from_secs(10);

const ACCEPT: &str = "application/did+json, application/vc+ld+json, application/ld+json;q=0.9, application/json;q=0.8";

/// A [`Resolver`] that fetches documents from their URLs. It does not cache: wrap it in a
/// [`CachingResolver`](rongtong_credentials::did::CachingResolver), as the CLI does, so a
/// presentation whose credentials share a status list fetches it once.
pub struct HttpResolver {
    agent: ureq::Agent,
    mirrors: Vec<Mirror>,
    max_bytes: u64,
    /// Refuse a target that is not `https://` unless a mirror rewrote it (the server: plain
    /// http only where the operator configured a mirror).
    https_only: bool,
}

/// `prefix` is fetched from `base` instead: a staging server, a local copy of a site, or a
/// registry that is not (yet) reachable at its public address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mirror {
    /// URL prefix as it appears in DIDs and credentials, e.g. `https://rongtong.example/`.
    pub prefix: String,
    /// Where to fetch it from instead, e.g. `http://127.0.0.1:8080/`.
    pub base: String,
}

impl std::str::FromStr for Mirror {
    type Err = String;

    /// Parses `PREFIX=BASE`; both must be `http(s)://` URLs.
    fn from_str(spec: &str) -> std::result::Result<Self, String> {
        let (prefix, base) = spec.split_once('=').ok_or_else(|| format!("--mirror wants PREFIX=BASE, got `{spec}`"))?;
        for part in [prefix, base] {
            if !(part.starts_with("https://") || part.starts_with("http://")) {
                return Err(format!("--mirror: `{part}` is not an http(s) URL"));
            }
        }
        Ok(Mirror { prefix: prefix.to_string(), base: base.to_string() })
    }
}

impl Default for HttpResolver {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

impl HttpResolver {
    /// A resolver with the given mirrors (the first matching prefix wins).
    pub fn new(mirrors: Vec<Mirror>) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .max_redirects(3)
            .user_agent(concat!("rongtong-verify/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        HttpResolver { agent, mirrors, max_bytes: MAX_DOCUMENT_BYTES, https_only: false }
    }

    /// The server's fetcher (`services::trust`): `timeout` per request, bodies of at most
    /// `max_bytes`, no redirects (a trusted host must not be able to send the server to an
    /// address of its choosing), and `https://` only unless one of `mirrors` (operator
    /// configuration, never a request) rewrites the URL.
    pub fn for_server(mirrors: Vec<Mirror>, timeout: Duration, max_bytes: u64) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .max_redirects(0)
            .user_agent(concat!("rongtong-registry/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        HttpResolver { agent, mirrors, max_bytes, https_only: true }
    }

    /// The URL actually requested for `url`: mirrored if a prefix matches; the fragment
    /// (a verification-method id) is never sent.
    pub fn target(&self, url: &str) -> String {
        let url = url.split('#').next().unwrap_or_default();
        for m in &self.mirrors {
            if let Some(rest) = url.strip_prefix(&m.prefix) {
                return format!("{}{rest}", m.base);
            }
        }
        url.to_string()
    }

    fn fetch(&self, url: &str) -> std::result::Result<Value, String> {
        let target = self.target(url);
        if !(target.starts_with("https://") || target.starts_with("http://")) {
            return Err("only http(s) URLs are fetched".into());
        }
        let mirrored = target != url.split('#').next().unwrap_or_default();
        if self.https_only && !mirrored && !target.starts_with("https://") {
            return Err("only https URLs are fetched".into());
        }
        let shown = if mirrored { format!(" (from {target})") } else { String::new() };
        let mut response = self.agent.get(&target).header("Accept", ACCEPT).call().map_err(|e| format!("{e}{shown}"))?;
        let bytes =
            response.body_mut().with_config().limit(self.max_bytes).read_to_vec().map_err(|e| format!("reading the body{shown}: {e}"))?;
        serde_json::from_slice(&bytes).map_err(|e| format!("not JSON{shown}: {e}"))
    }
}

impl Resolver for HttpResolver {
    fn get(&self, url: &str) -> Result<Value> {
        self.fetch(url).map_err(|reason| Error::Resolve { url: url.to_string(), reason })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_matching_mirror_rewrites_and_fragments_are_dropped() {
        let r = HttpResolver::new(vec![
            "https://a.example/orgs/=http://127.0.0.1:1/o/".parse().expect("mirror"),
            "https://a.example/=http://127.0.0.1:2/".parse().expect("mirror"),
        ]);
        assert_eq!(r.target("https://a.example/orgs/x/did.json#key-1"), "http://127.0.0.1:1/o/x/did.json");
        assert_eq!(r.target("https://a.example/status/9"), "http://127.0.0.1:2/status/9");
        assert_eq!(r.target("https://b.example/.well-known/did.json"), "https://b.example/.well-known/did.json");
    }

    #[test]
    fn mirror_specs_must_be_two_http_urls() {
        assert!("https://a.example/".parse::<Mirror>().is_err());
        assert!("https://a.example/=/tmp/x".parse::<Mirror>().is_err());
        assert!("file:///etc/=http://x/".parse::<Mirror>().is_err());
    }

    #[test]
    fn the_server_fetches_plain_http_only_through_a_configured_mirror() {
        let r = HttpResolver::for_server(Vec::new(), Duration::from_secs(1), 1024);
        let e = r.get("http://127.0.0.1:9/x").expect_err("refused");
        assert!(e.to_string().contains("only https"), "{e}");
    }

    #[test]
    fn other_schemes_are_never_fetched() {
        let e = HttpResolver::default().get("file:///etc/passwd").expect_err("refused");
        assert!(e.to_string().contains("only http(s)"), "{e}");
        let mirrored = HttpResolver::new(vec!["https://a.example/=http://127.0.0.1:9/".parse().expect("mirror")]);
        let e = mirrored.get("ftp://a.example/x").expect_err("refused");
        assert!(e.to_string().contains("only http(s)"), "{e}");
    }
}
