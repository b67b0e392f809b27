//! DIDs: `did:key` (offline), `did:web` (through a [`Resolver`]) and DID documents.
//!
//! The verifier binds a proof to its issuer as the Controlled Identifiers spec (CID §3.3)
//! says: dereference the verification method URL without its fragment, check the document's
//! `id`, find the method with exactly that `id` whose `controller` is the document, check
//! it is listed under the requested relationship (`assertionMethod` for credentials,
//! `authentication` for presentations), and accept only `Multikey` Ed25519 keys.
//!
//! `did:web` allows key rotation: [`DidDocumentBuilder`] lists several Multikey methods and
//! old keys stay under `assertionMethod`, so credentials signed before a rotation still
//! verify; a key that must no longer be trusted is simply dropped from the document.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{OnceLock, RwLock};

use serde_json::{Value, json};

use crate::keys::PublicKey;
use crate::{Error, Result};

/// Supplies documents by URL: did:web DID documents and status-list credentials.
///
/// The registry server implements it over its own database; `rongtong verify` over files
/// given on the command line and HTTP(S), behind a [`CachingResolver`].
/// Implementations must return the parsed JSON of what the URL serves, or an error; they
/// should cache (Bitstring Status List §3.2) and must bound time themselves — verification
/// calls it synchronously.
pub trait Resolver {
    /// Fetches the JSON document at `url` (an `https://` URL).
    fn get(&self, url: &str) -> Result<Value>;
}

/// A resolver that knows nothing: only did:key issuers and status-less credentials verify.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoResolver;

impl Resolver for NoResolver {
    fn get(&self, url: &str) -> Result<Value> {
        Err(Error::Resolve { url: url.to_string(), reason: "no resolver configured".into() })
    }
}

/// A resolver over an in-memory map from URL to document (tests, caches, the registry's
/// own documents).
#[derive(Debug, Clone, Default)]
pub struct MapResolver {
    /// URL → document.
    pub documents: HashMap<String, Value>,
}

impl MapResolver {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces the document served at `url`.
    pub fn insert(&mut self, url: impl Into<String>, doc: Value) -> &mut Self {
        self.documents.insert(url.into(), doc);
        self
    }
}

impl Resolver for MapResolver {
    fn get(&self, url: &str) -> Result<Value> {
        self.documents.get(url).cloned().ok_or_else(|| Error::Resolve { url: url.to_string(), reason: "not in map".into() })
    }
}

/// Serves `https://host/…` URLs from a directory (a mirror of what the host serves), e.g.
/// for offline verification from the CLI or the test harness's `http/` folder.
#[derive(Debug, Clone)]
pub struct FileResolver {
    /// URL prefix, e.g. `https://issuer.example/`.
    pub prefix: String,
    /// Directory standing for that prefix.
    pub dir: PathBuf,
}

impl FileResolver {
    /// Maps `prefix` (ending in `/`) to `dir`.
    pub fn new(prefix: impl Into<String>, dir: impl Into<PathBuf>) -> Self {
        FileResolver { prefix: prefix.into(), dir: dir.into() }
    }
}

impl Resolver for FileResolver {
    fn get(&self, url: &str) -> Result<Value> {
        let err = |reason: String| Error::Resolve { url: url.to_string(), reason };
        let rest = url.strip_prefix(&self.prefix).ok_or_else(|| err("outside the mirrored prefix".into()))?;
        let rest = rest.split(['#', '?']).next().unwrap_or_default();
        if rest.is_empty() || rest.contains('\\') || rest.split('/').any(|seg| seg.is_empty() || seg == "." || seg == "..") {
            return Err(err("path escapes the mirror".into()));
        }
        let path = self.dir.join(rest);
        let text = std::fs::read_to_string(&path).map_err(|e| err(format!("{}: {e}", path.display())))?;
        serde_json::from_str(&text).map_err(|e| err(format!("not JSON: {e}")))
    }
}

/// Any resolver behind a reference works too.
impl<R: Resolver + ?Sized> Resolver for &R {
    fn get(&self, url: &str) -> Result<Value> {
        (**self).get(url)
    }
}

/// Remembers every answer of the resolver it wraps (errors too), keyed by URL without its
/// fragment, for the life of the wrapper: one verification run or one audit.
///
/// Bitstring Status List §3.2 asks verifiers to cache, and re-verifying many credentials
/// from few issuers asks the same DID document and status lists over and over; a status
/// list served by a registry may even be re-signed on each request. Unbounded on purpose:
/// a run touches a handful of issuers and lists, and a fresh wrapper starts a fresh run.
#[derive(Debug, Default)]
pub struct CachingResolver<R> {
    inner: R,
    answers: std::sync::Mutex<HashMap<String, std::result::Result<Value, String>>>,
}

impl<R: Resolver> CachingResolver<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        CachingResolver { inner, answers: std::sync::Mutex::new(HashMap::new()) }
    }

    /// The resolver inside.
    pub fn inner(&self) -> &R {
        &self.inner
    }

    /// The URLs asked so far, sorted, each with whether it was answered.
    pub fn asked(&self) -> Vec<(String, bool)> {
        let mut urls: Vec<(String, bool)> =
            self.answers.lock().map(|a| a.iter().map(|(u, r)| (u.clone(), r.is_ok())).collect()).unwrap_or_default();
        urls.sort();
        urls
    }
}

impl<R: Resolver> Resolver for CachingResolver<R> {
    fn get(&self, url: &str) -> Result<Value> {
        let key = url.split('#').next().unwrap_or_default();
        let known = self.answers.lock().ok().and_then(|a| a.get(key).cloned());
        let answer = known.unwrap_or_else(|| {
            let fresh = self.inner.get(key).map_err(|e| match e {
                Error::Resolve { reason, .. } => reason,
                other => other.to_string(),
            });
            if let Ok(mut a) = self.answers.lock() {
                a.insert(key.to_string(), fresh.clone());
            }
            fresh
        });
        answer.map_err(|reason| Error::Resolve { url: url.to_string(), reason })
    }
}

/// Parses a `publicKeyMultibase`, remembering recent results.
///
/// Decoding an Ed25519 key decompresses a curve point (≈9 µs); a registry re-verifies many
/// credentials from few issuers, so a small cache saves that on every verification. Bounded:
/// cleared when it reaches 4,096 keys.
pub fn cached_multikey(multibase: &str) -> Result<PublicKey> {
    static CACHE: OnceLock<RwLock<HashMap<String, PublicKey>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| RwLock::new(HashMap::new()));
    if let Some(k) = cache.read().ok().and_then(|c| c.get(multibase).copied()) {
        return Ok(k);
    }
    let key = PublicKey::from_multibase(multibase)?;
    if let Ok(mut c) = cache.write() {
        if c.len() >= 4096 {
            c.clear();
        }
        c.insert(multibase.to_string(), key);
    }
    Ok(key)
}

/// The public key inside a `did:key:z6Mk…` (fragment ignored).
pub fn did_key_public_key(did: &str) -> Result<PublicKey> {
    let did = did.split('#').next().unwrap_or_default();
    let mb = did.strip_prefix("did:key:").ok_or_else(|| Error::Did(format!("`{did}` is not a did:key")))?;
    cached_multikey(mb)
}

/// The DID document of a did:key (did:key "Document Creation Algorithm"): one Multikey
/// method `did#z6Mk…`, listed under all four verification relationships.
pub fn did_key_document(did: &str) -> Result<Value> {
    let key = did_key_public_key(did)?;
    let mb = key.to_multibase();
    let vm = format!("{did}#{mb}");
    Ok(json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [{
            "id": vm, "type": "Multikey", "controller": did, "publicKeyMultibase": mb
        }],
        "authentication": [vm],
        "assertionMethod": [vm],
        "capabilityInvocation": [vm],
        "capabilityDelegation": [vm],
    }))
}

/// The HTTPS URL of a did:web's document (did:web method spec §3.2).
///
/// `did:web:rongtong.example` → `https://rongtong.example/.well-known/did.json`;
/// `did:web:rongtong.example:orgs:jxou` → `https://rongtong.example/orgs/jxou/did.json`;
/// a port is percent-encoded: `did:web:localhost%3A8443` → `https://localhost:8443/…`.
pub fn did_web_to_url(did: &str) -> Result<String> {
    let did = did.split('#').next().unwrap_or_default();
    let msid = did.strip_prefix("did:web:").ok_or_else(|| Error::Did(format!("`{did}` is not a did:web")))?;
    let mut parts = msid.split(':');
    let host = parts.next().unwrap_or_default();
    let host = host.replace("%3A", ":").replace("%3a", ":");
    let host_ok = !host.is_empty()
        && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
        && !host.starts_with(['.', '-', ':']);
    if !host_ok {
        return Err(Error::Did(format!("`{did}`: bad host")));
    }
    let path: Vec<&str> = parts.collect();
    for seg in &path {
        if seg.is_empty() || *seg == "." || *seg == ".." || seg.contains(['/', '?', '#']) {
            return Err(Error::Did(format!("`{did}`: bad path segment `{seg}`")));
        }
    }
    if path.is_empty() {
        Ok(format!("https://{host}/.well-known/did.json"))
    } else {
        Ok(format!("https://{host}/{}/did.json", path.join("/")))
    }
}

/// The did:web for a base URL (`https://rongtong.example/orgs/jxou` →
/// `did:web:rongtong.example:orgs:jxou`); the inverse of [`did_web_to_url`].
pub fn did_web_from_url(url: &str) -> Result<String> {
    let rest = url.strip_prefix("https://").ok_or_else(|| Error::Did("did:web needs an https:// URL".into()))?;
    let rest = rest.strip_suffix("/.well-known/did.json").or_else(|| rest.strip_suffix("/did.json")).unwrap_or(rest).trim_end_matches('/');
    let mut segs = rest.split('/');
    let host = segs.next().unwrap_or_default().replace(':', "%3A");
    if host.is_empty() {
        return Err(Error::Did("empty host".into()));
    }
    let mut did = format!("did:web:{host}");
    for s in segs {
        if s.is_empty() || s.contains(':') {
            return Err(Error::Did(format!("bad path segment `{s}`")));
        }
        did.push(':');
        did.push_str(s);
    }
    Ok(did)
}

/// Builds a DID document (for did:web) with one or more Multikey verification methods.
///
/// Key rotation: add the new key with [`Self::key`], keep the old ones — they stay listed
/// under `assertionMethod` so credentials signed earlier keep verifying; only the newest
/// (or whichever you mark) goes under `authentication`.
#[derive(Debug, Clone)]
pub struct DidDocumentBuilder {
    did: String,
    methods: Vec<(String, PublicKey, bool)>,
}

impl DidDocumentBuilder {
    /// Starts a document for `did`.
    pub fn new(did: impl Into<String>) -> Self {
        DidDocumentBuilder { did: did.into(), methods: Vec::new() }
    }

    /// Adds a key under `did#fragment`, listed under `assertionMethod`; with `authentication`
    /// true also under `authentication`.
    pub fn key(mut self, fragment: &str, key: PublicKey, authentication: bool) -> Self {
        self.methods.push((format!("{}#{fragment}", self.did), key, authentication));
        self
    }

    /// The document as JSON.
    pub fn build(&self) -> Value {
        let vms: Vec<Value> = self
            .methods
            .iter()
            .map(|(id, k, _)| {
                json!({"id": id, "type": "Multikey", "controller": self.did,
                       "publicKeyMultibase": k.to_multibase()})
            })
            .collect();
        let assertion: Vec<&String> = self.methods.iter().map(|(id, _, _)| id).collect();
        let auth: Vec<&String> = self.methods.iter().filter(|(_, _, a)| *a).map(|(id, _, _)| id).collect();
        json!({
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": self.did,
            "verificationMethod": vms,
            "assertionMethod": assertion,
            "authentication": auth,
        })
    }
}

/// Resolves a DID to its document: did:key offline, did:web through `resolver` (the
/// document's `id` must equal the DID).
pub fn resolve_did(did: &str, resolver: &dyn Resolver) -> Result<Value> {
    if did.starts_with("did:key:") {
        return did_key_document(did);
    }
    if did.starts_with("did:web:") {
        let url = did_web_to_url(did)?;
        let doc = resolver.get(&url)?;
        if doc.get("id").and_then(Value::as_str) != Some(did) {
            return Err(Error::Did(format!("document at {url} has another id than {did}")));
        }
        return Ok(doc);
    }
    Err(Error::Did(format!("unsupported DID method: `{did}`")))
}

/// A verification method found and checked by [`retrieve_verification_method`].
#[derive(Debug, Clone)]
pub struct VerificationMethod {
    /// The method's id (the proof's `verificationMethod`).
    pub id: String,
    /// Its controller (the DID); must equal the credential's issuer.
    pub controller: String,
    /// The Ed25519 key.
    pub key: PublicKey,
}

/// CID §3.3 "Retrieve Verification Method" for `relationship` (`assertionMethod` or
/// `authentication`).
///
/// Arguments: `vm_url` the proof's `verificationMethod`; `relationship`; `resolver` for
/// did:web. Returns the key and its controller, or why the method is not acceptable.
pub fn retrieve_verification_method(vm_url: &str, relationship: &str, resolver: &dyn Resolver) -> Result<VerificationMethod> {
    let (did, fragment) = vm_url.split_once('#').ok_or_else(|| Error::Did(format!("`{vm_url}` has no fragment")))?;
    if let Some(mb) = did.strip_prefix("did:key:") {
        // Same answer as dereferencing `did_key_document(did)`, without building it: the
        // only method is `did#<multibase>`, listed under every relationship.
        if fragment != mb {
            return Err(Error::Did(format!("{vm_url} is not in the DID document")));
        }
        return Ok(VerificationMethod { id: vm_url.to_string(), controller: did.to_string(), key: cached_multikey(mb)? });
    }
    let doc = resolve_did(did, resolver)?;
    let matches_id = |id: &str| id == vm_url || (id.starts_with('#') && &id[1..] == fragment);
    let method = doc
        .get("verificationMethod")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(doc.get(relationship).and_then(Value::as_array).into_iter().flatten().filter(|v| v.is_object()))
        .find(|m| m.get("id").and_then(Value::as_str).is_some_and(matches_id))
        .ok_or_else(|| Error::Did(format!("{vm_url} is not in the DID document")))?;
    let listed = doc.get(relationship).and_then(Value::as_array).into_iter().flatten().any(|r| match r {
        Value::String(s) => matches_id(s),
        Value::Object(_) => r.get("id").and_then(Value::as_str).is_some_and(matches_id),
        _ => false,
    });
    if !listed {
        return Err(Error::Did(format!("{vm_url} is not listed under {relationship}")));
    }
    if method.get("type").and_then(Value::as_str) != Some("Multikey") {
        return Err(Error::Did(format!("{vm_url} is not a Multikey")));
    }
    let controller = method.get("controller").and_then(Value::as_str).ok_or_else(|| Error::Did(format!("{vm_url} has no controller")))?;
    if controller != did {
        return Err(Error::Did(format!("{vm_url} is controlled by {controller}, not {did}")));
    }
    let mb = method
        .get("publicKeyMultibase")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::Did(format!("{vm_url} has no publicKeyMultibase")))?;
    let key = cached_multikey(mb)?;
    Ok(VerificationMethod { id: vm_url.to_string(), controller: controller.to_string(), key })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SigningKey;

    /// Counts the calls that reach it; knows only `https://a.example/doc`.
    struct Counting(std::cell::Cell<usize>);

    impl Resolver for Counting {
        fn get(&self, url: &str) -> Result<Value> {
            self.0.set(self.0.get() + 1);
            match url {
                "https://a.example/doc" => Ok(json!({"id": "doc"})),
                _ => Err(Error::Resolve { url: url.into(), reason: "HTTP 404".into() }),
            }
        }
    }

    #[test]
    fn caching_resolver_asks_once_per_url_and_remembers_failures() {
        let r = CachingResolver::new(Counting(std::cell::Cell::new(0)));
        assert_eq!(r.get("https://a.example/doc#key-1").expect("doc")["id"], "doc");
        assert_eq!(r.get("https://a.example/doc").expect("doc")["id"], "doc");
        let e = r.get("https://a.example/gone").expect_err("404");
        assert!(e.to_string().contains("HTTP 404") && e.to_string().contains("https://a.example/gone"), "{e}");
        assert!(r.get("https://a.example/gone").is_err());
        assert_eq!(r.inner().0.get(), 2, "one call per distinct URL");
        assert_eq!(r.asked(), vec![("https://a.example/doc".to_string(), true), ("https://a.example/gone".to_string(), false)]);
    }

    #[test]
    fn did_web_urls() {
        let cases = [
            ("did:web:rongtong.example", "https://rongtong.example/.well-known/did.json"),
            ("did:web:rongtong.example:orgs:jxou", "https://rongtong.example/orgs/jxou/did.json"),
            ("did:web:localhost%3A8443", "https://localhost:8443/.well-known/did.json"),
            ("did:web:localhost%3A8443:a:b", "https://localhost:8443/a/b/did.json"),
        ];
        for (did, url) in cases {
            assert_eq!(did_web_to_url(did).expect(did), url, "{did}");
            assert_eq!(did_web_from_url(url).expect(url), did, "{url}");
        }
        assert!(did_web_to_url("did:web:").is_err());
        assert!(did_web_to_url("did:web:a.example:..").is_err());
        assert!(did_web_to_url("did:web:a/b.example").is_err());
        assert!(did_web_to_url("did:key:z6Mk").is_err());
    }

    #[test]
    fn file_resolver_stays_inside_its_directory() {
        let r = FileResolver::new("https://issuer.example/", std::env::temp_dir());
        for url in [
            "https://issuer.example//etc/passwd",
            "https://issuer.example/../x",
            "https://issuer.example/a/../../x",
            "https://other.example/x",
            "https://issuer.example/",
        ] {
            assert!(r.get(url).is_err(), "{url}");
        }
    }

    #[test]
    fn did_key_round_trip_and_document() {
        let key = SigningKey::from_seed(&[3u8; 32]);
        let did = key.did_key();
        assert!(did.starts_with("did:key:z6Mk"));
        assert_eq!(did_key_public_key(&did).expect("decode"), key.public_key());
        let vm = key.public_key().did_key_verification_method();
        let m = retrieve_verification_method(&vm, "assertionMethod", &NoResolver).expect("vm");
        assert_eq!(m.controller, did);
        assert_eq!(m.key, key.public_key());
        let other = SigningKey::from_seed(&[4u8; 32]).public_key().to_multibase();
        assert!(retrieve_verification_method(&format!("{did}#{other}"), "assertionMethod", &NoResolver).is_err());
        assert!(retrieve_verification_method(&did, "assertionMethod", &NoResolver).is_err());
        assert!(retrieve_verification_method("did:key:zBad#zBad", "assertionMethod", &NoResolver).is_err());
        let doc = did_key_document(&did).expect("doc");
        assert_eq!(doc["assertionMethod"][0], vm.as_str());
    }

    #[test]
    fn rotation_keeps_old_keys_for_assertion() {
        let old = SigningKey::from_seed(&[1u8; 32]).public_key();
        let new = SigningKey::from_seed(&[2u8; 32]).public_key();
        let did = "did:web:rongtong.example:orgs:jxou";
        let doc = DidDocumentBuilder::new(did).key("key-1", old, false).key("key-2", new, true).build();
        let mut r = MapResolver::new();
        r.insert(did_web_to_url(did).expect("url"), doc);
        let vm1 = format!("{did}#key-1");
        assert_eq!(retrieve_verification_method(&vm1, "assertionMethod", &r).expect("old").key, old);
        assert!(retrieve_verification_method(&vm1, "authentication", &r).is_err());
        let vm2 = format!("{did}#key-2");
        assert!(retrieve_verification_method(&vm2, "authentication", &r).is_ok());
        assert!(retrieve_verification_method(&format!("{did}#key-3"), "assertionMethod", &r).is_err());
    }
}
