//! The JSON request bodies of every write endpoint, read through the registry's own
//! extractor and field rules (`rongtong_registry::fuzzing::json_body`, feature `fuzzing`):
//! the first byte picks the body type, the rest is the body. Any refusal must be a 4xx in
//! the one error envelope, never a panic or a 5xx.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, body)) = data.split_first() else { return };
    rongtong_registry::fuzzing::json_body(kind, body);
});
