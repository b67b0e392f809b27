//! Issuer and holder keys: generated here, stored encrypted, loaded only to sign.
//!
//! Every Ed25519 secret is sealed with **XChaCha20-Poly1305** (the `chacha20poly1305` crate,
//! RustCrypto) under a 32-byte key-encryption key (KEK) that never enters the database:
//! `RONGTONG_KEK` (base64) or `RONGTONG_KEK_FILE`, or — for the demo and development only — a
//! key file generated under the data folder with a warning (see [`KekSource`]). Each sealed
//! secret has its own random 24-byte nonce, and the AAD binds it to its verification method
//! (`did#fragment`), so a ciphertext copied onto another key's row does not open.
//!
//! Organisations issue with `did:web` DIDs under the public base URL
//! (`did:web:rongtong.example:orgs:jxou` → `/orgs/jxou/did.json`); the platform's DID is the
//! bare host (`/.well-known/did.json`). **Rotation** adds `key-N+1` and retires the old key:
//! new credentials use the new key, retired keys stay under `assertionMethod` so the
//! credentials they signed keep verifying. Learners get a `did:key` holder key the first time
//! they sign a presentation.
//!
//! Secrets never leave this module except inside a [`SigningKey`] (zeroized on drop, `Debug`
//! without the secret); decrypted seeds live in `Zeroizing` buffers.

use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use rongtong_credentials::did::DidDocumentBuilder;
use rongtong_credentials::{PublicKey, SigningKey};
use serde_json::Value;
use zeroize::Zeroizing;

use crate::db::{DbConnection, new_id, now};
use crate::error::{AppError, AppResult};
use crate::models::keys;
pub use crate::models::keys::{KeyRow, Owner};

/// The key-encryption key. `Debug` prints no key material; zeroized on drop.
#[derive(Clone)]
pub struct Kek(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kek(…)")
    }
}

/// Why a KEK could not be loaded or a secret not opened. Never carries key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The KEK text is not base64 of 32 bytes.
    #[error("the key-encryption key must be base64 of exactly 32 bytes ({0})")]
    Format(&'static str),
    /// The key file could not be read or written.
    #[error("key file {path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A sealed secret did not open: wrong KEK or tampered row.
    #[error("a stored key does not open with this key-encryption key (wrong RONGTONG_KEK, or the row was altered)")]
    Open,
}

impl From<KeyError> for AppError {
    fn from(e: KeyError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl Kek {
    /// A fresh random KEK (tests, and the generated development key file).
    pub fn generate() -> Kek {
        let mut k = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(&mut k[..]);
        Kek(k)
    }

    /// Parses base64 (standard or URL-safe, padding optional) of 32 bytes.
    pub fn from_base64(text: &str) -> Result<Kek, KeyError> {
        let t = text.trim();
        let bytes = Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(t)
                .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(t.trim_end_matches('=')))
                .map_err(|_| KeyError::Format("not base64"))?,
        );
        if bytes.len() != 32 {
            return Err(KeyError::Format("wrong length"));
        }
        let mut k = Zeroizing::new([0u8; 32]);
        k.copy_from_slice(&bytes);
        Ok(Kek(k))
    }

    /// The KEK as standard base64, for writing the development key file.
    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(&self.0[..]))
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&*self.0).into())
    }

    /// Seals `secret` with a fresh random nonce; `aad` binds it to its owner. Returns
    /// (ciphertext, nonce).
    pub fn seal(&self, secret: &[u8], aad: &[u8]) -> Result<(Vec<u8>, Vec<u8>), KeyError> {
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ct = self.cipher().encrypt(XNonce::from_slice(&nonce), Payload { msg: secret, aad }).map_err(|_| KeyError::Open)?;
        Ok((ct, nonce.to_vec()))
    }

    /// Opens what [`Kek::seal`] sealed; the plaintext is wiped when dropped.
    pub fn open(&self, ciphertext: &[u8], nonce: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        if nonce.len() != 24 {
            return Err(KeyError::Open);
        }
        self.cipher().decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad }).map(Zeroizing::new).map_err(|_| KeyError::Open)
    }
}

/// Where the KEK comes from.
#[derive(Debug, Clone)]
pub enum KekSource {
    /// Given directly (`RONGTONG_KEK`, or tests).
    Key(Arc<Kek>),
    /// Read from a file holding base64 (`RONGTONG_KEK_FILE`); never created.
    File(PathBuf),
    /// Development fallback: the file under the data folder, generated (with a warning) when
    /// missing. Anyone who can read it can decrypt every key: not for production.
    DevFile(PathBuf),
}

impl KekSource {
    /// Loads the KEK.
    pub fn load(&self) -> Result<Arc<Kek>, KeyError> {
        let read = |path: &PathBuf| -> Result<Arc<Kek>, KeyError> {
            let text = Zeroizing::new(
                std::fs::read_to_string(path).map_err(|e| KeyError::File { path: path.display().to_string(), reason: e.to_string() })?,
            );
            Kek::from_base64(&text).map(Arc::new)
        };
        match self {
            KekSource::Key(k) => Ok(k.clone()),
            KekSource::File(path) => read(path),
            KekSource::DevFile(path) => {
                if path.exists() {
                    return read(path);
                }
                let kek = Kek::generate();
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| KeyError::File { path: dir.display().to_string(), reason: e.to_string() })?;
                }
                write_private(path, kek.to_base64().as_bytes())
                    .map_err(|e| KeyError::File { path: path.display().to_string(), reason: e.to_string() })?;
                tracing::warn!(
                    path = %path.display(),
                    "generated a development key-encryption key; set RONGTONG_KEK or RONGTONG_KEK_FILE in production"
                );
                Ok(Arc::new(kek))
            }
        }
    }
}

fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.write_all(b"\n")
}

// ---------------------------------------------------------------- DIDs

/// The `https://` form of the base URL (did:web always resolves over HTTPS; a development
/// server on `http://127.0.0.1:8080` still gets `did:web:127.0.0.1%3A8080`).
fn https_base(base_url: &str) -> String {
    match base_url.strip_prefix("http://") {
        Some(rest) => format!("https://{rest}"),
        None => base_url.to_string(),
    }
}

/// The platform's DID: `did:web:<host>` (document at `/.well-known/did.json`).
pub fn platform_did(base_url: &str) -> AppResult<String> {
    rongtong_credentials::did::did_web_from_url(&https_base(base_url)).map_err(|e| AppError::Internal(format!("RONGTONG_BASE_URL: {e}")))
}

/// An organisation's DID: `did:web:<host>:orgs:<code>` (document at `/orgs/<code>/did.json`).
pub fn org_did(base_url: &str, org_code: &str) -> AppResult<String> {
    rongtong_credentials::did::did_web_from_url(&format!("{}/orgs/{org_code}", https_base(base_url)))
        .map_err(|e| AppError::Internal(format!("DID of {org_code}: {e}")))
}

/// A key ready to sign: the verification method and the key (zeroized on drop).
#[derive(Debug)]
pub struct ActiveKey {
    /// The controller DID.
    pub did: String,
    /// `did#fragment`.
    pub verification_method: String,
    /// The secret key.
    pub key: SigningKey,
}

fn insert_key(conn: &mut DbConnection, kek: &Kek, owner: Owner<'_>, did: &str, fragment: &str, key: &SigningKey) -> AppResult<KeyRow> {
    let aad = format!("{did}#{fragment}");
    let seed = key.seed();
    let (ct, nonce) = kek.seal(&seed[..], aad.as_bytes())?;
    let row = KeyRow {
        id: new_id(),
        did: did.to_string(),
        fragment: fragment.to_string(),
        public_multibase: key.public_key().to_multibase(),
        created_at: now(),
        retired: false,
    };
    keys::insert_key(conn, owner, &row, &ct, &nonce)?;
    Ok(row)
}

/// Decrypts a stored key.
pub fn load_secret(conn: &mut DbConnection, kek: &Kek, row: &KeyRow) -> AppResult<SigningKey> {
    let (ct, nonce) = keys::sealed_secret(conn, &row.id)?;
    let seed = kek.open(&ct, &nonce, row.verification_method().as_bytes())?;
    let arr: Zeroizing<[u8; 32]> = Zeroizing::new(seed.as_slice().try_into().map_err(|_| KeyError::Open)?);
    let key = SigningKey::from_seed(&arr);
    if key.public_key().to_multibase() != row.public_multibase {
        return Err(KeyError::Open.into());
    }
    Ok(key)
}

/// The newest non-retired key of an issuer (organisation or platform) with DID `did`,
/// generating `key-1` on first use.
pub fn active_issuer_key(conn: &mut DbConnection, kek: &Kek, owner: Owner<'_>, did: &str) -> AppResult<ActiveKey> {
    let keys = keys::list_keys(conn, owner)?;
    let row = match keys.into_iter().rev().find(|k| !k.retired && k.did == did) {
        Some(r) => r,
        None => {
            let fresh = SigningKey::generate();
            let n = keys::list_keys(conn, owner)?.len() + 1;
            insert_key(conn, kek, owner, did, &format!("key-{n}"), &fresh)?
        }
    };
    let key = load_secret(conn, kek, &row)?;
    Ok(ActiveKey { did: row.did.clone(), verification_method: row.verification_method(), key })
}

/// Rotates an issuer's key: retires every current key and adds `key-N+1`. Returns the new
/// key's row. Old keys stay in the DID document so earlier credentials keep verifying.
pub fn rotate_issuer_key(conn: &mut DbConnection, kek: &Kek, owner: Owner<'_>, did: &str) -> AppResult<KeyRow> {
    let existing = keys::list_keys(conn, owner)?;
    let ids: Vec<String> = existing.iter().map(|k| k.id.clone()).collect();
    keys::retire_keys(conn, &ids)?;
    let n = existing.iter().filter_map(|k| k.fragment.strip_prefix("key-")?.parse::<usize>().ok()).max().unwrap_or(0) + 1;
    insert_key(conn, kek, owner, did, &format!("key-{n}"), &SigningKey::generate())
}

/// A learner's holder key (`did:key`), generated on first use.
pub fn holder_key(conn: &mut DbConnection, kek: &Kek, user_id: &str) -> AppResult<ActiveKey> {
    let owner = Owner::Learner(user_id);
    let row = match keys::list_keys(conn, owner)?.into_iter().next() {
        Some(r) => r,
        None => {
            let fresh = SigningKey::generate();
            let did = fresh.did_key();
            let mb = fresh.public_key().to_multibase();
            insert_key(conn, kek, owner, &did, &mb, &fresh)?
        }
    };
    let key = load_secret(conn, kek, &row)?;
    Ok(ActiveKey { did: row.did.clone(), verification_method: row.verification_method(), key })
}

/// The DID document of a did:web we host: every key, retired ones included, under
/// `assertionMethod`; the active (newest non-retired) one also under `authentication`.
/// `None` when the DID has no keys yet.
pub fn did_document(conn: &mut DbConnection, did: &str) -> AppResult<Option<Value>> {
    let keys = keys::keys_of_did(conn, did)?;
    if keys.is_empty() {
        return Ok(None);
    }
    let active = keys.iter().rev().find(|k| !k.retired).map(|k| k.id.clone());
    let mut b = DidDocumentBuilder::new(did);
    for k in &keys {
        let pk = PublicKey::from_multibase(&k.public_multibase).map_err(|e| AppError::Internal(format!("stored key {}: {e}", k.id)))?;
        b = b.key(&k.fragment, pk, Some(&k.id) == active.as_ref());
    }
    Ok(Some(b.build()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_aad_binding() {
        let kek = Kek::generate();
        let (ct, nonce) = kek.seal(b"secret seed", b"did:web:x#key-1").expect("seal");
        assert_eq!(&kek.open(&ct, &nonce, b"did:web:x#key-1").expect("open")[..], b"secret seed");
        assert!(kek.open(&ct, &nonce, b"did:web:x#key-2").is_err(), "AAD binds the row");
        assert!(Kek::generate().open(&ct, &nonce, b"did:web:x#key-1").is_err(), "another KEK fails");
        assert_eq!(format!("{kek:?}"), "Kek(…)");
    }

    #[test]
    fn kek_parsing() {
        let kek = Kek::generate();
        let text = kek.to_base64();
        assert!(Kek::from_base64(&text).is_ok());
        assert!(Kek::from_base64("c2hvcnQ=").is_err());
    }

    #[test]
    fn debug_output_never_shows_a_secret() {
        let key = SigningKey::from_seed(&[9u8; 32]);
        let secret = key.to_multibase();
        let active = ActiveKey { did: key.did_key(), verification_method: "did:web:x#key-1".into(), key };
        let shown = format!("{active:?}");
        assert!(!shown.contains(secret.as_str()), "{shown}");
        assert!(!shown.contains(&hex::encode([9u8; 32])), "{shown}");
        let source = KekSource::Key(Arc::new(Kek::generate()));
        assert!(format!("{source:?}").contains("Kek(…)"));
    }

    #[test]
    fn development_key_file_is_generated_once_and_private() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub/rongtong.kek");
        let source = KekSource::DevFile(path.clone());
        let first = source.load().expect("generated");
        let second = source.load().expect("read back");
        assert_eq!(first.to_base64().as_str(), second.to_base64().as_str());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777, 0o600);
        }
        assert!(matches!(KekSource::File(dir.path().join("missing")).load(), Err(KeyError::File { .. })));
    }

    #[test]
    fn dids() {
        assert_eq!(platform_did("https://rongtong.example").expect("did"), "did:web:rongtong.example");
        assert_eq!(org_did("http://127.0.0.1:8080", "jxou").expect("did"), "did:web:127.0.0.1%3A8080:orgs:jxou");
    }
}
