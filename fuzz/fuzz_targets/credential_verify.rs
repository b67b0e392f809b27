//! Credential and presentation verification (`rongtong_credentials::verify`, behind the
//! public `POST /api/v1/verify` and `rongtong verify`): any JSON text is verified twice, with
//! the fast-path canonicaliser (`Canonicalizer::Auto`) and the generic JSON-LD one, and both
//! must reach the same verdict on every check. A presentation (`type` includes
//! `VerifiablePresentation`) goes through `verify_presentation`, with its own challenge.
//! The test harness's issuer (`https://issuer.example/`: a DID document and status lists)
//! is served from memory, embedded at compile time, so status checks run too.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use rongtong_credentials::did::MapResolver;
use rongtong_credentials::proof::Canonicalizer;
use rongtong_credentials::verify::{PresentationOptions, VerificationReport, VerifyOptions, parse_now, verify, verify_presentation};
use serde_json::Value;

static RESOLVER: LazyLock<MapResolver> = LazyLock::new(|| {
    let mut r = MapResolver::default();
    let docs = [
        (
            "https://issuer.example/.well-known/did.json",
            include_str!("../../credentials/tests/vectors/obv3-harness/http/.well-known/did.json"),
        ),
        ("https://issuer.example/status/1", include_str!("../../credentials/tests/vectors/obv3-harness/http/status/1")),
        ("https://issuer.example/status/short", include_str!("../../credentials/tests/vectors/obv3-harness/http/status/short")),
    ];
    for (url, text) in docs {
        r.documents.insert(url.to_string(), serde_json::from_str(text).expect("harness documents are JSON"));
    }
    r
});

/// What must agree between the two canonicalisers: the verdict and each check's outcome
/// (details are prose and may name the path taken).
fn verdict(r: &VerificationReport) -> (bool, Vec<(&'static str, bool)>) {
    (r.verified, r.checks.iter().map(|c| (c.name, c.passed)).collect())
}

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = serde_json::from_slice::<Value>(data) else { return };
    let now = parse_now("2026-06-01T00:00:00Z").expect("fixed time");
    let generic = VerifyOptions { canonicalizer: Canonicalizer::Generic, ..VerifyOptions::obv3() };
    let is_vp = match doc.get("type") {
        Some(Value::String(t)) => t == "VerifiablePresentation",
        Some(Value::Array(a)) => a.iter().any(|t| t == "VerifiablePresentation"),
        _ => false,
    };
    if is_vp {
        let challenge = doc.pointer("/proof/challenge").and_then(Value::as_str).unwrap_or("fuzz").to_string();
        let domain = doc.pointer("/proof/domain").and_then(Value::as_str).map(str::to_string);
        let auto = PresentationOptions { challenge: challenge.clone(), domain: domain.clone(), credentials: VerifyOptions::obv3() };
        let gen_ = PresentationOptions { challenge, domain, credentials: generic };
        let a = verify_presentation(&doc, &*RESOLVER, now, &auto);
        let g = verify_presentation(&doc, &*RESOLVER, now, &gen_);
        let checks = |r: &rongtong_credentials::verify::PresentationReport| {
            (
                r.verified,
                r.checks.iter().map(|c| (c.name, c.passed)).collect::<Vec<_>>(),
                r.credentials.iter().map(verdict).collect::<Vec<_>>(),
            )
        };
        assert_eq!(checks(&a), checks(&g), "fast path and generic path disagree on a presentation\nauto: {a:?}\ngeneric: {g:?}");
    } else {
        let a = verify(&doc, &*RESOLVER, now, &VerifyOptions::obv3());
        let g = verify(&doc, &*RESOLVER, now, &generic);
        assert_eq!(verdict(&a), verdict(&g), "fast path and generic path disagree\nauto: {a:?}\ngeneric: {g:?}");
    }
});
