//! The JSON-LD contexts we accept, embedded at compile time.
//!
//! Data Integrity 1.0 §2.4 asks implementations to treat well-known context URLs as already
//! resolved and §4.6 to compare `@context` against a known list before doing anything else.
//! We go further: the [`EmbeddedLoader`] serves *only* these files, so JSON-LD processing can
//! never reach the network, and a document whose `@context` is not on the allow-list is
//! refused before it is expanded ([`check_contexts`]).

use std::sync::OnceLock;

use json_ld::syntax::Parse;
use json_ld::{Iri, IriBuf};
use json_ld::{LoadError, Loader, RemoteDocument};

use crate::{Error, Result};

/// URL of the W3C Verifiable Credentials 2.0 context (always item 0).
pub const VC_V2: &str = "https://www.w3.org/ns/credentials/v2";
/// URL of the Open Badges 3.0.3 context (item 1 of every OBv3 credential we issue).
pub const OB_V3P0_3_0_3: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
/// URL of the 1EdTech CLR 2.0 context (item 1 of a `ClrCredential`, before OB 3.0.3).
pub const CLR_V2P0_2_0_1: &str = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json";
/// URL of the W3C examples context, used only by the W3C test vectors.
pub const VC_EXAMPLES_V2: &str = "https://www.w3.org/ns/credentials/examples/v2";

/// The VC 2.0 context file, byte for byte as published (SHA-256 `59955ced…92734`).
pub const VC_V2_JSON: &str = include_str!("../contexts/credentials-v2.jsonld");
/// The OB 3.0.3 context file.
pub const OB_V3P0_3_0_3_JSON: &str = include_str!("../contexts/ob-v3p0-context-3.0.3.json");
/// The CLR 2.0.1 context file.
pub const CLR_V2P0_2_0_1_JSON: &str = include_str!("../contexts/clr-v2p0-context-2.0.1.json");
/// The W3C examples context file.
pub const VC_EXAMPLES_V2_JSON: &str = include_str!("../contexts/credentials-examples-v2.jsonld");

/// Which `@context` lists a caller accepts.
///
/// Production code uses [`ContextPolicy::OpenBadges`]; the W3C examples context defines an
/// `@vocab`, which would silently accept any term, so it is only for the W3C vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ContextPolicy {
    /// Credentials: exactly `[VC v2, OB 3.0.3]`. Status-list credentials and presentations:
    /// exactly `[VC v2]`. CLR 2.0 transcripts: exactly `[VC v2, CLR 2.0.1, OB 3.0.3]` (the
    /// order 1EdTech's examples and validator use).
    #[default]
    OpenBadges,
    /// Additionally `[VC v2, examples v2]` (W3C test vectors only).
    W3cExamples,
}

/// The allowed `@context` lists, in order, for a policy.
pub fn allowed_context_lists(policy: ContextPolicy) -> &'static [&'static [&'static str]] {
    const OB: &[&[&str]] = &[&[VC_V2, OB_V3P0_3_0_3], &[VC_V2], CLR_LIST];
    const W3C: &[&[&str]] = &[&[VC_V2, OB_V3P0_3_0_3], &[VC_V2], CLR_LIST, &[VC_V2, VC_EXAMPLES_V2]];
    match policy {
        ContextPolicy::OpenBadges => OB,
        ContextPolicy::W3cExamples => W3C,
    }
}

/// The `@context` of a CLR 2.0 `ClrCredential`.
pub const CLR_LIST: &[&str] = &[VC_V2, CLR_V2P0_2_0_1, OB_V3P0_3_0_3];

/// Returns the document's `@context` as a list of URLs if it is exactly one of the allowed
/// lists, else an error naming what was found.
///
/// Arguments: `doc` a JSON object; `policy` the allow-list.
/// Returns the context URLs (borrowed from the static allow-list).
pub fn check_contexts(doc: &serde_json::Value, policy: ContextPolicy) -> Result<&'static [&'static str]> {
    let ctx = doc.get("@context").ok_or_else(|| Error::ContextNotAllowed("missing @context".into()))?;
    let items = ctx.as_array().ok_or_else(|| Error::ContextNotAllowed("@context must be an ordered list".into()))?;
    for allowed in allowed_context_lists(policy) {
        if items.len() == allowed.len() && items.iter().zip(allowed.iter()).all(|(a, b)| a.as_str() == Some(*b)) {
            return Ok(allowed);
        }
    }
    Err(Error::ContextNotAllowed(format!("@context {ctx} is not one of the allowed lists")))
}

/// The embedded context text for a URL, if we have it.
pub fn embedded(url: &str) -> Option<&'static str> {
    match url {
        VC_V2 => Some(VC_V2_JSON),
        OB_V3P0_3_0_3 => Some(OB_V3P0_3_0_3_JSON),
        CLR_V2P0_2_0_1 => Some(CLR_V2P0_2_0_1_JSON),
        VC_EXAMPLES_V2 => Some(VC_EXAMPLES_V2_JSON),
        _ => None,
    }
}

/// A JSON-LD document loader that serves only the embedded contexts.
///
/// Any other URL fails with a load error: contexts are never fetched (Data Integrity §2.4),
/// so a document cannot make the verifier talk to the network or change meaning because a
/// remote context changed.
#[derive(Debug, Clone, Copy, Default)]
pub struct EmbeddedLoader;

#[derive(Debug, thiserror::Error)]
#[error("context {0} is not embedded; contexts are never fetched")]
struct NotEmbedded(String);

fn parsed(url: &str) -> Option<&'static RemoteDocument> {
    static DOCS: OnceLock<Vec<(&'static str, RemoteDocument)>> = OnceLock::new();
    let docs = DOCS.get_or_init(|| {
        [VC_V2, OB_V3P0_3_0_3, CLR_V2P0_2_0_1, VC_EXAMPLES_V2]
            .into_iter()
            .filter_map(|u| {
                let text = embedded(u)?;
                let iri = IriBuf::new(u.to_string()).ok()?;
                let (value, _) = json_ld::syntax::Value::parse_str(text).ok()?;
                Some((u, RemoteDocument::new(Some(iri), Some("application/ld+json".parse().ok()?), value)))
            })
            .collect()
    });
    docs.iter().find(|(u, _)| *u == url).map(|(_, d)| d)
}

impl Loader for EmbeddedLoader {
    async fn load(&self, url: &Iri) -> Result<RemoteDocument<IriBuf>, LoadError> {
        parsed(url.as_str()).cloned().ok_or_else(|| LoadError::new(url.to_owned(), NotEmbedded(url.as_str().to_string())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn vc_v2_context_has_the_published_sha256() {
        assert_eq!(hex(&Sha256::digest(VC_V2_JSON.as_bytes())), "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734");
    }

    #[test]
    fn other_contexts_have_the_pinned_sha256() {
        assert_eq!(hex(&Sha256::digest(OB_V3P0_3_0_3_JSON.as_bytes())), "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761");
        assert_eq!(
            hex(&Sha256::digest(CLR_V2P0_2_0_1_JSON.as_bytes())),
            "30e8c666adf9fd720c118ce0bafe65dbd2a88f6d2acf362f34bfb0f4753804d1"
        );
        assert_eq!(
            hex(&Sha256::digest(VC_EXAMPLES_V2_JSON.as_bytes())),
            "57393fbc69d6efb9b9b5dc9cb6b9880b0944360abfe2eaf459c9e58cf2279d7c"
        );
    }

    #[test]
    fn loader_serves_only_embedded_contexts() {
        let loader = EmbeddedLoader;
        let ok = IriBuf::new(VC_V2.to_string()).expect("iri");
        assert!(pollster::block_on(loader.load(&ok)).is_ok());
        let other = IriBuf::new("https://example.com/ctx".to_string()).expect("iri");
        assert!(pollster::block_on(loader.load(&other)).is_err());
    }

    #[test]
    fn allow_list_is_exact_and_ordered() {
        let ok = serde_json::json!({"@context": [VC_V2, OB_V3P0_3_0_3]});
        assert!(check_contexts(&ok, ContextPolicy::OpenBadges).is_ok());
        let swapped = serde_json::json!({"@context": [OB_V3P0_3_0_3, VC_V2]});
        assert!(check_contexts(&swapped, ContextPolicy::OpenBadges).is_err());
        let extra = serde_json::json!({"@context": [VC_V2, OB_V3P0_3_0_3, {"x": "urn:x"}]});
        assert!(check_contexts(&extra, ContextPolicy::OpenBadges).is_err());
        let clr = serde_json::json!({"@context": [VC_V2, CLR_V2P0_2_0_1, OB_V3P0_3_0_3]});
        assert_eq!(check_contexts(&clr, ContextPolicy::OpenBadges).ok(), Some(CLR_LIST));
        let clr_swapped = serde_json::json!({"@context": [VC_V2, OB_V3P0_3_0_3, CLR_V2P0_2_0_1]});
        assert!(check_contexts(&clr_swapped, ContextPolicy::OpenBadges).is_err());
        let ex = serde_json::json!({"@context": [VC_V2, VC_EXAMPLES_V2]});
        assert!(check_contexts(&ex, ContextPolicy::OpenBadges).is_err());
        assert!(check_contexts(&ex, ContextPolicy::W3cExamples).is_ok());
    }
}
