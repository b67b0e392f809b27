//! Bitstring Status List v1.0: revocation and suspension without tracking.
//!
//! A status list is a bitstring of at least 131,072 entries (16 KiB, so that one credential
//! hides in a crowd), GZIP-compressed, base64url-encoded without padding and prefixed with the
//! multibase `u`. Index 0 is the most significant bit of byte 0. Each credential carries a
//! [`StatusListEntry`] pointing at one bit of one list credential, which is itself a signed VC
//! ([`status_list_credential`]). Indexes should be allocated at random, never reused
//! ([`random_free_index`]); the registry keeps track of which are used.

use std::io::{Read, Write};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use rand::Rng;
use serde_json::{Value, json};

use crate::{Error, Result};

/// The minimum number of entries (Bitstring Status List §2.1: 16 KB uncompressed).
pub const MIN_STATUS_LIST_ENTRIES: usize = 131_072;
/// Largest list we will decompress (bomb guard): 16 MiB, 134 million entries.
pub const MAX_STATUS_LIST_BYTES: usize = 16 * 1024 * 1024;

/// Error code of a list shorter than [`MIN_STATUS_LIST_ENTRIES`] (§3.2).
pub const STATUS_LIST_LENGTH_ERROR: &str = "STATUS_LIST_LENGTH_ERROR";
/// Error code of an index past the end of the list (§3.2).
pub const RANGE_ERROR: &str = "RANGE_ERROR";
/// Error code of a list credential whose proof does not verify (§3.2).
pub const STATUS_VERIFICATION_ERROR: &str = "STATUS_VERIFICATION_ERROR";
/// Error code of a list that cannot be retrieved (§3.2).
pub const STATUS_RETRIEVAL_ERROR: &str = "STATUS_RETRIEVAL_ERROR";

/// What a list's bits mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusPurpose {
    /// Set bit: revoked for good.
    Revocation,
    /// Set bit: suspended (may be cleared again).
    Suspension,
}

impl StatusPurpose {
    /// The `statusPurpose` string.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusPurpose::Revocation => "revocation",
            StatusPurpose::Suspension => "suspension",
        }
    }

    /// Parses `revocation` / `suspension` (the only purposes we act on).
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "revocation" => Ok(StatusPurpose::Revocation),
            "suspension" => Ok(StatusPurpose::Suspension),
            other => Err(Error::Status(format!("unsupported statusPurpose `{other}`"))),
        }
    }
}

/// A status bitstring.
#[derive(Clone, PartialEq, Eq)]
pub struct StatusList {
    bytes: Vec<u8>,
}

impl std::fmt::Debug for StatusList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = self.bytes.iter().map(|b| b.count_ones() as usize).sum::<usize>();
        write!(f, "StatusList({} entries, {set} set)", self.len())
    }
}

impl StatusList {
    /// A list of `entries` zero bits; `entries` must be ≥ 131,072 and a multiple of 8.
    pub fn new(entries: usize) -> Result<Self> {
        if entries < MIN_STATUS_LIST_ENTRIES {
            return Err(Error::Status(format!("{STATUS_LIST_LENGTH_ERROR}: {entries} < {MIN_STATUS_LIST_ENTRIES} entries")));
        }
        if !entries.is_multiple_of(8) || entries / 8 > MAX_STATUS_LIST_BYTES {
            return Err(Error::Status("entries must be a multiple of 8 and ≤ 16 MiB".into()));
        }
        Ok(StatusList { bytes: vec![0; entries / 8] })
    }

    /// A list over stored bytes (bit `i` is the most significant bit first, as in
    /// `encodedList`), e.g. a registry's stored bitmap; the same length rules as [`StatusList::new`].
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self> {
        StatusList::new(bytes.len() * 8)?;
        Ok(StatusList { bytes })
    }

    /// The raw bits, most significant bit first: what a registry stores.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The raw bits, consumed.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Number of entries (bits).
    pub fn len(&self) -> usize {
        self.bytes.len() * 8
    }

    /// True when the list has no entries (never for a valid list).
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The bit at `index` (index 0 = most significant bit of byte 0), `None` past the end.
    pub fn get(&self, index: usize) -> Option<bool> {
        let byte = self.bytes.get(index / 8)?;
        Some(byte & (0x80 >> (index % 8)) != 0)
    }

    /// Sets or clears the bit at `index`.
    pub fn set(&mut self, index: usize, value: bool) -> Result<()> {
        let len = self.len();
        let byte = self.bytes.get_mut(index / 8).ok_or_else(|| Error::Status(format!("{RANGE_ERROR}: index {index} ≥ {len}")))?;
        let mask = 0x80 >> (index % 8);
        if value {
            *byte |= mask;
        } else {
            *byte &= !mask;
        }
        Ok(())
    }

    /// `encodedList`: `u` + base64url-no-pad(GZIP(bits)).
    pub fn encode(&self) -> Result<String> {
        let mut gz = GzEncoder::new(Vec::new(), Compression::best());
        gz.write_all(&self.bytes).map_err(|e| Error::Status(format!("gzip: {e}")))?;
        let compressed = gz.finish().map_err(|e| Error::Status(format!("gzip: {e}")))?;
        Ok(format!("u{}", URL_SAFE_NO_PAD.encode(compressed)))
    }

    /// Decodes `encodedList` (any length; the caller checks the minimum, see
    /// [`StatusList::check_length`]). Refuses lists over [`MAX_STATUS_LIST_BYTES`].
    pub fn decode(encoded: &str) -> Result<Self> {
        let body = encoded.strip_prefix('u').ok_or_else(|| Error::Status("encodedList must be multibase base64url ('u')".into()))?;
        let compressed = URL_SAFE_NO_PAD.decode(body.trim_end_matches('=')).map_err(|e| Error::Status(format!("base64url: {e}")))?;
        let mut bytes = Vec::new();
        GzDecoder::new(&compressed[..])
            .take(MAX_STATUS_LIST_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::Status(format!("gunzip: {e}")))?;
        if bytes.len() > MAX_STATUS_LIST_BYTES {
            return Err(Error::Status("status list too large".into()));
        }
        Ok(StatusList { bytes })
    }

    /// Err([`STATUS_LIST_LENGTH_ERROR`]) when shorter than 131,072 entries.
    pub fn check_length(&self) -> Result<()> {
        if self.len() < MIN_STATUS_LIST_ENTRIES {
            return Err(Error::Status(format!(
                "{STATUS_LIST_LENGTH_ERROR}: list has {} entries, minimum {MIN_STATUS_LIST_ENTRIES}",
                self.len()
            )));
        }
        Ok(())
    }
}

/// A `credentialStatus` entry of type `BitstringStatusListEntry`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusListEntry {
    /// Optional `id`; must differ from `status_list_credential` (we use `list#index`).
    pub id: Option<String>,
    /// Revocation or suspension.
    pub purpose: StatusPurpose,
    /// The bit index.
    pub index: u64,
    /// URL of the status list credential.
    pub status_list_credential: String,
}

impl StatusListEntry {
    /// An entry with `id` = `{list}#{index}`.
    pub fn new(purpose: StatusPurpose, index: u64, status_list_credential: impl Into<String>) -> Self {
        let list = status_list_credential.into();
        StatusListEntry { id: Some(format!("{list}#{index}")), purpose, index, status_list_credential: list }
    }

    /// The JSON object (`statusListIndex` is a base-10 string, as the spec requires).
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "type": "BitstringStatusListEntry",
            "statusPurpose": self.purpose.as_str(),
            "statusListIndex": self.index.to_string(),
            "statusListCredential": self.status_list_credential,
        });
        if let (Some(id), Some(obj)) = (&self.id, v.as_object_mut()) {
            obj.insert("id".into(), id.clone().into());
        }
        v
    }

    /// Parses and checks an entry.
    pub fn from_json(v: &Value) -> Result<Self> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).ok_or_else(|| Error::Status(format!("credentialStatus.{k} missing")));
        if s("type")? != "BitstringStatusListEntry" {
            return Err(Error::Status("credentialStatus.type must be BitstringStatusListEntry".into()));
        }
        let index_str = s("statusListIndex")?;
        if index_str.is_empty() || !index_str.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::Status("statusListIndex must be a base-10 integer string".into()));
        }
        let index = index_str.parse::<u64>().map_err(|e| Error::Status(format!("statusListIndex: {e}")))?;
        let list = s("statusListCredential")?.to_string();
        let id = v.get("id").and_then(Value::as_str).map(str::to_string);
        if id.as_deref() == Some(list.as_str()) {
            return Err(Error::Status("credentialStatus.id must differ from statusListCredential".into()));
        }
        Ok(StatusListEntry { id, purpose: StatusPurpose::parse(s("statusPurpose")?)?, index, status_list_credential: list })
    }
}

/// An unsigned `BitstringStatusListCredential` (sign it with [`crate::proof::add_proof`];
/// issuer = the credentials' issuer, since Digital Bazaar's verifier requires that).
///
/// Arguments: `id` its URL (= `statusListCredential` of the entries); `issuer` a DID;
/// `purpose`; `list`; `valid_from` an RFC 3339 date-time.
pub fn status_list_credential(id: &str, issuer: &str, purpose: StatusPurpose, list: &StatusList, valid_from: &str) -> Result<Value> {
    Ok(json!({
        "@context": [crate::contexts::VC_V2],
        "id": id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": format!("{id}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": purpose.as_str(),
            "encodedList": list.encode()?,
        }
    }))
}

/// Builds and signs a status-list credential (`eddsa-rdfc-2022`, `assertionMethod`) — what
/// the registry serves at `id` after every change of the list.
///
/// Arguments: `id` the list URL; `key` and `verification_method` the issuer's key (the same
/// DID that issues the credentials pointing at this list); `purpose`; `list`; `valid_from`
/// and `created` RFC 3339 date-times.
#[allow(clippy::too_many_arguments)]
pub fn issue_status_list_credential(
    id: &str,
    issuer: &str,
    key: &crate::keys::SigningKey,
    verification_method: &str,
    purpose: StatusPurpose,
    list: &StatusList,
    valid_from: &str,
    created: &str,
) -> Result<Value> {
    let vc = status_list_credential(id, issuer, purpose, list, valid_from)?;
    crate::proof::add_proof(
        &vc,
        key,
        &crate::proof::ProofOptions::assertion(verification_method, Some(created.to_string())),
        crate::contexts::ContextPolicy::OpenBadges,
    )
}

/// Picks a random index in `0..size` for which `is_used` is false (never reuse an index:
/// that would revoke someone else). Returns `None` if 64 random tries all hit used entries
/// and a linear scan from a random start finds none (the list is full).
pub fn random_free_index(size: usize, mut is_used: impl FnMut(u64) -> bool) -> Option<u64> {
    if size == 0 {
        return None;
    }
    let mut rng = rand::thread_rng();
    for _ in 0..64 {
        let i = rng.gen_range(0..size as u64);
        if !is_used(i) {
            return Some(i);
        }
    }
    let start = rng.gen_range(0..size as u64);
    (0..size as u64).map(|k| (start + k) % size as u64).find(|i| !is_used(*i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_order_is_msb_first() {
        let mut l = StatusList::new(MIN_STATUS_LIST_ENTRIES).expect("list");
        l.set(0, true).expect("set");
        l.set(9, true).expect("set");
        assert_eq!(l.bytes[0], 0x80);
        assert_eq!(l.bytes[1], 0x40);
        assert_eq!(l.get(9), Some(true));
        assert_eq!(l.get(10), Some(false));
        assert_eq!(l.get(MIN_STATUS_LIST_ENTRIES), None);
        assert!(l.set(MIN_STATUS_LIST_ENTRIES, true).is_err());
    }

    #[test]
    fn encode_decode_round_trip() {
        let mut l = StatusList::new(MIN_STATUS_LIST_ENTRIES).expect("list");
        for i in [0, 7, 42, 131_071] {
            l.set(i, true).expect("set");
        }
        let enc = l.encode().expect("encode");
        assert!(enc.starts_with('u') && !enc.contains('='));
        let back = StatusList::decode(&enc).expect("decode");
        assert_eq!(back, l);
        back.check_length().expect("long enough");
    }

    #[test]
    fn short_lists_are_rejected() {
        assert!(StatusList::new(8192).is_err());
        let short = StatusList { bytes: vec![0; 1024] };
        let err = StatusList::decode(&short.encode().expect("enc")).expect("decodes").check_length().expect_err("too short");
        assert!(err.to_string().contains(STATUS_LIST_LENGTH_ERROR));
    }

    #[test]
    fn entry_json_round_trip_and_checks() {
        let e = StatusListEntry::new(StatusPurpose::Suspension, 94567, "https://r.example/status/3");
        let j = e.to_json();
        assert_eq!(j["statusListIndex"], "94567");
        assert_eq!(StatusListEntry::from_json(&j).expect("parse"), e);
        let mut bad = j.clone();
        bad["statusListIndex"] = "-1".into();
        assert!(StatusListEntry::from_json(&bad).is_err());
        let mut same = j;
        same["id"] = "https://r.example/status/3".into();
        assert!(StatusListEntry::from_json(&same).is_err());
    }

    #[test]
    fn random_index_avoids_used() {
        let used: std::collections::HashSet<u64> = (0..1000).filter(|i| *i != 500).collect();
        assert_eq!(random_free_index(1000, |i| used.contains(&i)), Some(500));
        assert_eq!(random_free_index(10, |_| true), None);
    }
}
