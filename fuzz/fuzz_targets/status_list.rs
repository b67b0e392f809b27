//! Bitstring status lists (`rongtong_credentials::status`): decoding any `encodedList`
//! (what a verifier fetches from a stranger's server) never panics and stays within
//! `MAX_STATUS_LIST_BYTES`; whatever decodes re-encodes to the same bits, and every index
//! answers consistently.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rongtong_credentials::status::{MAX_STATUS_LIST_BYTES, StatusList};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(list) = StatusList::decode(text) else { return };
    assert!(list.as_bytes().len() <= MAX_STATUS_LIST_BYTES);
    let _ = list.check_length();
    let again = StatusList::decode(&list.encode().expect("encode")).expect("our own encoding decodes");
    assert_eq!(list.as_bytes(), again.as_bytes(), "encode → decode changed the bits");
    let n = list.len();
    assert_eq!(list.get(n), None, "index {n} is past the end");
    for i in [0, n / 2, n.saturating_sub(1)] {
        if i < n {
            let byte = list.as_bytes()[i / 8];
            // Bits are numbered from the most significant bit of the first byte (the spec's order).
            assert_eq!(list.get(i), Some(byte & (0x80 >> (i % 8)) != 0), "bit {i}");
        }
    }
});
