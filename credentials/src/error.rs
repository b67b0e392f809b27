//! The crate's error type.

/// Everything that can go wrong while building, signing, canonicalising or verifying.
///
/// Verification reports most problems as failed [`crate::Check`]s instead; an `Error`
/// means the input could not be processed at all (or, when signing, that we refuse to sign
/// something a verifier would reject).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is not JSON, or not the JSON shape expected.
    #[error("malformed document: {0}")]
    Malformed(String),
    /// JSON-LD processing failed: undefined term or type, bad context, relative IRI …
    #[error("JSON-LD: {0}")]
    JsonLd(String),
    /// An `@context` outside the allow-list (Data Integrity §4.6).
    #[error("context not allowed: {0}")]
    ContextNotAllowed(String),
    /// RDFC-1.0 canonicalisation failed (e.g. the dataset-poisoning limit tripped).
    #[error("canonicalisation: {0}")]
    Canonicalization(String),
    /// Key material is malformed (wrong multicodec prefix, length, encoding).
    #[error("key: {0}")]
    Key(String),
    /// A DID or DID URL is malformed or its document does not fit.
    #[error("DID: {0}")]
    Did(String),
    /// A proof is missing fields or uses an unsupported cryptosuite.
    #[error("proof: {0}")]
    Proof(String),
    /// A status list is malformed or too short.
    #[error("status list: {0}")]
    Status(String),
    /// The resolver could not supply a document (network, file, registry lookup).
    #[error("resolve {url}: {reason}")]
    Resolve {
        /// The URL asked for.
        url: String,
        /// Why it failed.
        reason: String,
    },
}

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
