//! The fast-path canonicaliser against the generic JSON-LD path, as
//! `credentials/tests/fastpath.rs::compare` does on generated credentials, but on anything
//! the fuzzer writes: when the fast path takes a document, the generic path must accept it
//! too and give byte-identical canonical N-Quads. A document whose `@context` is not on the
//! allow-list gets the OBv3 list `[VC v2, OB 3.0.3]`, so every input exercises the
//! expansion; the document is compared as given and without its `proof` (what is hashed).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rongtong_credentials::contexts::{self, ContextPolicy};
use rongtong_credentials::{canon, fastpath};
use serde_json::{Value, json};

fn compare(doc: &Value) {
    let Ok(list) = contexts::check_contexts(doc, ContextPolicy::OpenBadges) else { return };
    let Some(quads) = fastpath::try_expand(doc, list) else { return };
    let Ok(fast) = canon::canonicalize(&quads) else { return };
    match canon::canonical_nquads(doc, ContextPolicy::OpenBadges) {
        Ok(generic) => assert_eq!(fast, generic, "fast path and generic path differ on {doc}"),
        Err(e) => panic!("fast path accepted what the generic path rejects ({e}): {doc}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(mut doc) = serde_json::from_slice::<Value>(data) else { return };
    let Some(obj) = doc.as_object_mut() else { return };
    if contexts::check_contexts(&Value::Object(obj.clone()), ContextPolicy::OpenBadges).is_err() {
        obj.insert("@context".into(), json!([contexts::VC_V2, contexts::OB_V3P0_3_0_3]));
    }
    compare(&doc);
    if let Some(obj) = doc.as_object_mut()
        && obj.remove("proof").is_some()
    {
        compare(&doc);
    }
});
