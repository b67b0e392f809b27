//! Signing keys as stored: issuers' (platform, organisations) and learners' holder keys, their
//! public halves and their sealed secrets. Sealing and opening are `services::credentials::
//! keystore`'s; this module only reads and writes rows.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::issuer_keys;

/// Who owns a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner<'a> {
    /// The platform itself.
    Platform,
    /// An organisation (its id).
    Org(&'a str),
    /// A learner's holder key (user id).
    Learner(&'a str),
}

impl<'a> Owner<'a> {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Owner::Platform => "platform",
            Owner::Org(_) => "org",
            Owner::Learner(_) => "learner",
        }
    }
    pub(crate) fn id(self) -> Option<&'a str> {
        match self {
            Owner::Platform => None,
            Owner::Org(id) | Owner::Learner(id) => Some(id),
        }
    }
}

/// A key row without its secret.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = issuer_keys)]
pub struct KeyRow {
    /// Id.
    pub id: String,
    /// The controller DID.
    pub did: String,
    /// Fragment (`key-1`, … ; the multibase for did:key).
    pub fragment: String,
    /// `publicKeyMultibase`.
    pub public_multibase: String,
    /// Created.
    pub created_at: String,
    /// Retired keys sign nothing new but stay in the DID document.
    pub retired: bool,
}

impl KeyRow {
    /// The verification method URL (`did#fragment`).
    pub fn verification_method(&self) -> String {
        format!("{}#{}", self.did, self.fragment)
    }
}

fn owner_filter<'a>(owner: Owner<'a>) -> issuer_keys::BoxedQuery<'a, <DbConnection as diesel::Connection>::Backend> {
    let q = issuer_keys::table.filter(issuer_keys::owner_kind.eq(owner.kind())).into_boxed();
    match owner.id() {
        Some(id) => q.filter(issuer_keys::owner_id.eq(id)),
        None => q.filter(issuer_keys::owner_id.is_null()),
    }
}

/// Every key of an owner, oldest first (retired ones too).
pub fn list_keys(conn: &mut DbConnection, owner: Owner<'_>) -> QueryResult<Vec<KeyRow>> {
    owner_filter(owner).order((issuer_keys::created_at.asc(), issuer_keys::id.asc())).select(KeyRow::as_select()).load(conn)
}

/// Every key controlled by a DID (for its DID document), oldest first.
pub fn keys_of_did(conn: &mut DbConnection, did: &str) -> QueryResult<Vec<KeyRow>> {
    issuer_keys::table
        .filter(issuer_keys::did.eq(did))
        .order((issuer_keys::created_at.asc(), issuer_keys::id.asc()))
        .select(KeyRow::as_select())
        .load(conn)
}

/// Stores a key: its public row and its sealed secret (ciphertext and nonce).
pub fn insert_key(conn: &mut DbConnection, owner: Owner<'_>, row: &KeyRow, sealed: &[u8], nonce: &[u8]) -> QueryResult<usize> {
    diesel::insert_into(issuer_keys::table)
        .values((
            issuer_keys::id.eq(&row.id),
            issuer_keys::owner_kind.eq(owner.kind()),
            issuer_keys::owner_id.eq(owner.id()),
            issuer_keys::did.eq(&row.did),
            issuer_keys::fragment.eq(&row.fragment),
            issuer_keys::public_multibase.eq(&row.public_multibase),
            issuer_keys::secret_enc.eq(sealed),
            issuer_keys::nonce.eq(nonce),
            issuer_keys::created_at.eq(&row.created_at),
            issuer_keys::retired.eq(row.retired),
        ))
        .execute(conn)
}

/// A key's sealed secret: (ciphertext, nonce).
pub fn sealed_secret(conn: &mut DbConnection, id: &str) -> QueryResult<(Vec<u8>, Vec<u8>)> {
    issuer_keys::table.find(id).select((issuer_keys::secret_enc, issuer_keys::nonce)).first(conn)
}

/// Retires keys: they sign nothing new but stay in their DID document.
pub fn retire_keys(conn: &mut DbConnection, ids: &[String]) -> QueryResult<usize> {
    diesel::update(issuer_keys::table.filter(issuer_keys::id.eq_any(ids))).set(issuer_keys::retired.eq(true)).execute(conn)
}
