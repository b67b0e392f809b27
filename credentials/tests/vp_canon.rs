//! Known-answer test: our canonical N-Quads of a registry presentation equal jsonld.js's
//! (vector `tests/vectors/rongtong-vp/`), on both canonicalisation paths.

use rongtong_credentials::contexts::ContextPolicy;
use rongtong_credentials::proof::{Canonicalizer, canonical_nquads};

#[test]
fn registry_presentation_canonicalises_like_jsonld_js() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/rongtong-vp/");
    let text = std::fs::read_to_string(format!("{dir}presentation.json")).expect("vector rongtong-vp/presentation.json");
    let mut vp: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    vp.as_object_mut().expect("object").remove("proof");
    let expected = std::fs::read_to_string(format!("{dir}unsecured.jsonld-js.nq")).expect("vector rongtong-vp/unsecured.jsonld-js.nq");
    for c in [Canonicalizer::Auto, Canonicalizer::Generic] {
        let got = canonical_nquads(&vp, ContextPolicy::OpenBadges, c).expect("canonicalises");
        assert_eq!(got, expected, "rongtong-vp: {c:?} differs from jsonld.js");
    }
}
