//! Ed25519 keys in the Multikey encoding.
//!
//! * Public key: `publicKeyMultibase` = `z` + base58btc(`0xed 0x01` ‖ 32 bytes), always
//!   `z6Mk…`; any other multicodec prefix is refused (Data Integrity EdDSA §2.1.1).
//! * Secret key: `z` + base58btc(`0x80 0x26` ‖ 32-byte seed), `z3u2…`; never published.
//!
//! [`SigningKey`] wraps `ed25519_dalek::SigningKey`, which zeroizes its secret on drop (the
//! crate's `zeroize` feature); our `Debug` prints only the public key, so a key that ends
//! up in a log line or a panic message leaks nothing.

use std::fmt;

use ed25519_dalek::{Signature, Signer};
use zeroize::Zeroizing;

use crate::{Error, Result};

/// Multicodec prefix of an Ed25519 public key (`ed25519-pub`, varint 0xed).
pub const ED25519_PUB_PREFIX: [u8; 2] = [0xed, 0x01];
/// Multicodec prefix of an Ed25519 secret seed (`ed25519-priv`, varint 0x1300).
pub const ED25519_PRIV_PREFIX: [u8; 2] = [0x80, 0x26];

/// An issuer's or holder's Ed25519 signing key. Debug hides the secret; zeroized on drop.
pub struct SigningKey {
    inner: ed25519_dalek::SigningKey,
}

impl SigningKey {
    /// Builds a key from its 32-byte seed (RFC 8032 secret key), e.g. loaded from storage.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        SigningKey { inner: ed25519_dalek::SigningKey::from_bytes(seed) }
    }

    /// Generates a fresh key from the operating system's random source.
    pub fn generate() -> Self {
        let mut rng = rand::rngs::OsRng;
        SigningKey { inner: ed25519_dalek::SigningKey::generate(&mut rng) }
    }

    /// Parses a secret `z3u2…` multibase key (`privateKeyMultibase`).
    pub fn from_multibase(secret: &str) -> Result<Self> {
        let body = secret.strip_prefix('z').ok_or_else(|| Error::Key("secret key must be multibase base58btc ('z')".into()))?;
        let bytes = Zeroizing::new(bs58::decode(body).into_vec().map_err(|e| Error::Key(format!("base58: {e}")))?);
        if bytes.len() != 34 || bytes[..2] != ED25519_PRIV_PREFIX {
            return Err(Error::Key("not an Ed25519 secret key (0x8026 prefix)".into()));
        }
        let mut seed = Zeroizing::new([0u8; 32]);
        seed.copy_from_slice(&bytes[2..]);
        Ok(Self::from_seed(&seed))
    }

    /// The secret as `z3u2…` multibase, for storage; wiped when the returned value drops.
    pub fn to_multibase(&self) -> Zeroizing<String> {
        let mut bytes = Zeroizing::new(Vec::with_capacity(34));
        bytes.extend_from_slice(&ED25519_PRIV_PREFIX);
        bytes.extend_from_slice(self.inner.as_bytes());
        Zeroizing::new(format!("z{}", bs58::encode(&bytes[..]).into_string()))
    }

    /// The 32-byte seed, for storage; wiped when the returned value drops.
    pub fn seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(*self.inner.as_bytes())
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.inner.verifying_key())
    }

    /// Signs `message` with pure Ed25519 (RFC 8032); deterministic.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.inner.sign(message).to_bytes()
    }

    /// `did:key` of this key (`did:key:z6Mk…`).
    pub fn did_key(&self) -> String {
        self.public_key().did_key()
    }
}

/// The secret is wiped when the key drops: the inner `ed25519_dalek::SigningKey` zeroizes
/// itself in its `Drop` (crate feature `zeroize`), and we hold no other copy.
impl zeroize::ZeroizeOnDrop for SigningKey {}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey").field("public", &self.public_key().to_multibase()).finish_non_exhaustive()
    }
}

/// An Ed25519 public key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(pub ed25519_dalek::VerifyingKey);

impl PublicKey {
    /// Parses the raw 32 bytes (rejects points that are not valid curve points).
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self> {
        ed25519_dalek::VerifyingKey::from_bytes(bytes).map(PublicKey).map_err(|e| Error::Key(format!("invalid Ed25519 public key: {e}")))
    }

    /// Parses `publicKeyMultibase` (`z6Mk…`); any prefix other than `0xed01` is refused.
    pub fn from_multibase(s: &str) -> Result<Self> {
        let body = s.strip_prefix('z').ok_or_else(|| Error::Key("publicKeyMultibase must start with 'z'".into()))?;
        let bytes = bs58::decode(body).into_vec().map_err(|e| Error::Key(format!("base58: {e}")))?;
        if bytes.len() != 34 || bytes[..2] != ED25519_PUB_PREFIX {
            return Err(Error::Key("not an Ed25519 Multikey (expected 0xed01 prefix, z6Mk…)".into()));
        }
        let mut raw = [0u8; 32];
        raw.copy_from_slice(&bytes[2..]);
        Self::from_bytes(&raw)
    }

    /// `z` + base58btc(`0xed01` ‖ key): the `publicKeyMultibase` and did:key suffix.
    pub fn to_multibase(&self) -> String {
        let mut bytes = Vec::with_capacity(34);
        bytes.extend_from_slice(&ED25519_PUB_PREFIX);
        bytes.extend_from_slice(self.0.as_bytes());
        format!("z{}", bs58::encode(bytes).into_string())
    }

    /// `did:key:z6Mk…` for this key.
    pub fn did_key(&self) -> String {
        format!("did:key:{}", self.to_multibase())
    }

    /// The verification method URL of this key's did:key (`did:key:z6Mk…#z6Mk…`).
    pub fn did_key_verification_method(&self) -> String {
        let mb = self.to_multibase();
        format!("did:key:{mb}#{mb}")
    }

    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }

    /// Verifies with `verify_strict` (rejects small-order keys and malleable signatures).
    pub fn verify_strict(&self, message: &[u8], signature: &[u8]) -> Result<()> {
        let sig = Signature::from_slice(signature).map_err(|e| Error::Proof(format!("signature is not 64 bytes: {e}")))?;
        self.0.verify_strict(message, &sig).map_err(|_| Error::Proof("Ed25519 signature does not verify".into()))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_multibase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_secret() {
        let key = SigningKey::from_seed(&[7u8; 32]);
        let debug = format!("{key:?}");
        let secret = key.to_multibase();
        assert!(!debug.contains(secret.as_str()), "{debug}");
        assert!(!debug.contains("0707"), "{debug}");
        assert!(!debug.contains("[7, 7"), "{debug}");
        assert!(debug.contains(&key.public_key().to_multibase()));
    }

    #[test]
    fn signing_key_is_zeroize_on_drop() {
        fn assert_zeroize_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        assert_zeroize_on_drop::<SigningKey>();
        assert_zeroize_on_drop::<ed25519_dalek::SigningKey>();
    }

    #[test]
    fn multibase_round_trips() {
        let key = SigningKey::generate();
        let back = SigningKey::from_multibase(&key.to_multibase()).expect("secret parses");
        assert_eq!(back.public_key(), key.public_key());
        let pk = PublicKey::from_multibase(&key.public_key().to_multibase()).expect("pub");
        assert_eq!(pk, key.public_key());
        assert!(key.public_key().to_multibase().starts_with("z6Mk"));
        assert!(key.to_multibase().starts_with("z3u2"));
    }

    #[test]
    fn wrong_prefix_is_refused() {
        let mut bytes = vec![0xe7, 0x01];
        bytes.extend_from_slice(&[1u8; 33]);
        let s = format!("z{}", bs58::encode(bytes).into_string());
        assert!(PublicKey::from_multibase(&s).is_err());
        assert!(PublicKey::from_multibase("6Mk").is_err());
    }
}
