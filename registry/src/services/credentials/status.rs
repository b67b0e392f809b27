//! Status lists in the registry: handing out indexes when credentials are issued, revoking,
//! suspending and reinstating, and publishing each list as a signed
//! `BitstringStatusListCredential`.
//!
//! Every credential gets one random index, the same in its issuer's revocation list and the
//! twin suspension list (`<pair>-revocation`, `<pair>-suspension`), never reused. Changing a
//! status clears the cached signed list, so the next read of `/status/{id}` reflects it at
//! once. Every bit is read and written through `rongtong_credentials::status::StatusList`,
//! the one implementation of the bitstring's layout.

use rongtong_credentials::status::{self, MIN_STATUS_LIST_ENTRIES, StatusList, StatusListEntry, StatusPurpose};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::db::{DbConnection, now};
use crate::error::{AppError, AppResult};
use crate::models::credentials::{self as m, CredentialRow, status_list_url};
use crate::services::credentials::issuance::IssueContext;
use crate::services::credentials::keystore::{self, ActiveKey, Owner};

/// Entries per status list (the spec's minimum, 16 KiB).
pub const STATUS_LIST_SIZE: usize = MIN_STATUS_LIST_ENTRIES;

/// A list stops handing out indexes at 7/8 full: random probing gets slow when a list is
/// nearly full.
const LIST_FILL_LIMIT: usize = STATUS_LIST_SIZE * 7 / 8;

fn internal(e: rongtong_credentials::Error) -> AppError {
    AppError::Internal(e.to_string())
}

/// The suspension list paired with a revocation list.
pub(crate) fn suspension_twin(revocation_list_id: &str) -> String {
    match revocation_list_id.strip_suffix("-revocation") {
        Some(base) => format!("{base}-suspension"),
        None => format!("{revocation_list_id}-suspension"),
    }
}

/// An open pair of lists (revocation + suspension) with its allocation bitmap, used to hand
/// out fresh indexes; [`StatusAllocator::flush`] writes it back.
struct StatusAllocator {
    revocation_id: String,
    allocated: StatusList,
    used: i32,
    dirty: bool,
}

impl StatusAllocator {
    fn open(conn: &mut DbConnection, issuer_did: &str) -> AppResult<Self> {
        if let Some((revocation_id, allocated, used)) = m::lock_open_revocation_list(conn, issuer_did, LIST_FILL_LIMIT as i32)? {
            let allocated = StatusList::from_bytes(allocated).map_err(internal)?;
            return Ok(StatusAllocator { revocation_id, allocated, used, dirty: false });
        }
        let pair = uuid::Uuid::new_v4().simple().to_string();
        let revocation_id = format!("{pair}-revocation");
        m::insert_status_list(conn, &revocation_id, issuer_did, "revocation", STATUS_LIST_SIZE)?;
        m::insert_status_list(conn, &format!("{pair}-suspension"), issuer_did, "suspension", STATUS_LIST_SIZE)?;
        Ok(StatusAllocator { revocation_id, allocated: StatusList::new(STATUS_LIST_SIZE).map_err(internal)?, used: 0, dirty: false })
    }

    fn full(&self) -> bool {
        self.used as usize >= LIST_FILL_LIMIT
    }

    fn allocate(&mut self) -> AppResult<Option<u64>> {
        let bits = &self.allocated;
        let Some(i) = status::random_free_index(STATUS_LIST_SIZE, |i| bits.get(i as usize).unwrap_or(true)) else { return Ok(None) };
        self.allocated.set(i as usize, true).map_err(internal)?;
        self.used += 1;
        self.dirty = true;
        Ok(Some(i))
    }

    fn flush(&mut self, conn: &mut DbConnection) -> AppResult<()> {
        if self.dirty {
            m::update_allocation(conn, &self.revocation_id, self.allocated.as_bytes(), self.used)?;
            self.dirty = false;
        }
        Ok(())
    }
}

/// Allocates `n` indexes for an issuer, opening new list pairs as lists fill up. Returns
/// (revocation list id, index) per credential. Run it in the issuing transaction.
pub(crate) fn allocate_many(conn: &mut DbConnection, issuer_did: &str, n: usize) -> AppResult<Vec<(String, u64)>> {
    let mut out = Vec::with_capacity(n);
    let mut a = StatusAllocator::open(conn, issuer_did)?;
    while out.len() < n {
        if a.full() {
            a.flush(conn)?;
            a = StatusAllocator::open(conn, issuer_did)?;
        }
        let i = a.allocate()?.ok_or_else(|| AppError::Internal("status list full".into()))?;
        out.push((a.revocation_id.clone(), i));
    }
    a.flush(conn)?;
    Ok(out)
}

/// The `credentialStatus` entries of a credential at `index` of a list pair.
pub(crate) fn status_entries(base_url: &str, list_id: &str, index: u64) -> Vec<StatusListEntry> {
    vec![
        StatusListEntry::new(StatusPurpose::Revocation, index, status_list_url(base_url, list_id)),
        StatusListEntry::new(StatusPurpose::Suspension, index, status_list_url(base_url, &suspension_twin(list_id))),
    ]
}

fn set_list_bit(conn: &mut DbConnection, list_id: &str, index: i64, value: bool) -> AppResult<()> {
    let mut list = StatusList::from_bytes(m::lock_status_bits(conn, list_id)?).map_err(internal)?;
    list.set(index as usize, value).map_err(|e| AppError::Internal(format!("list {list_id}: {e}")))?;
    m::update_status_bits(conn, list_id, list.as_bytes())?;
    Ok(())
}

/// The signed `BitstringStatusListCredential` of a list, signed with the issuer's active
/// key when the cached one was invalidated by a status change. `None` if no such list.
pub fn status_list_credential(conn: &mut DbConnection, ctx: IssueContext<'_>, list_id: &str) -> AppResult<Option<Value>> {
    let Some((issuer_did, purpose, bits, cached, updated_at)) = m::find_status_list(conn, list_id)? else { return Ok(None) };
    if let Some(text) = cached
        && let Ok(v) = serde_json::from_str(&text)
    {
        return Ok(Some(v));
    }
    let key = issuer_key_for_did(conn, ctx, &issuer_did)?;
    let list = StatusList::from_bytes(bits).map_err(internal)?;
    let purpose = StatusPurpose::parse(&purpose).map_err(internal)?;
    let vc = status::issue_status_list_credential(
        &status_list_url(ctx.base_url, list_id),
        &issuer_did,
        &key.key,
        &key.verification_method,
        purpose,
        &list,
        &updated_at,
        &now(),
    )
    .map_err(|e| AppError::Internal(format!("signing status list: {e}")))?;
    m::cache_status_list_credential(conn, list_id, &vc.to_string())?;
    Ok(Some(vc))
}

/// The active key of the organisation (or platform) that controls `did`.
fn issuer_key_for_did(conn: &mut DbConnection, ctx: IssueContext<'_>, did: &str) -> AppResult<ActiveKey> {
    if did == keystore::platform_did(ctx.base_url)? {
        return keystore::active_issuer_key(conn, ctx.kek, Owner::Platform, did);
    }
    let code = did.rsplit(':').next().unwrap_or_default().to_string();
    let org = crate::models::accounts::find_org(conn, &code)?;
    keystore::active_issuer_key(conn, ctx.kek, Owner::Org(&org.id), did)
}

/// Revoke (final), suspend, or reinstate (lift a suspension).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusAction {
    /// Permanently invalid.
    Revoke,
    /// Temporarily invalid.
    Suspend,
    /// Lift a suspension.
    Reinstate,
}

/// Changes a credential's status and its bit in the status list (the signed list is
/// re-issued on its next read). 409 for transitions that make no sense (anything on a
/// revoked credential; reinstating one that is not suspended).
///
/// Run it in a write transaction. It first locks the pair's revocation row — the row every
/// allocation and status change of the pair locks first, so they queue in one order — and
/// then reads the credential again: `row` may have been read before another node changed it.
pub fn set_status(conn: &mut DbConnection, row: &CredentialRow, action: StatusAction, reason: &str) -> AppResult<()> {
    m::lock_status_bits(conn, &row.status_list_id)?;
    let row = &m::find_credential(conn, &row.id)?;
    if row.revoked {
        return Err(AppError::conflict("action", "this credential is revoked; revocation is final"));
    }
    match action {
        StatusAction::Revoke => {
            set_list_bit(conn, &row.status_list_id, row.status_index, true)?;
            if row.suspended {
                set_list_bit(conn, &suspension_twin(&row.status_list_id), row.status_index, false)?;
            }
        }
        StatusAction::Suspend => {
            if row.suspended {
                return Err(AppError::conflict("action", "already suspended"));
            }
            set_list_bit(conn, &suspension_twin(&row.status_list_id), row.status_index, true)?;
        }
        StatusAction::Reinstate => {
            if !row.suspended {
                return Err(AppError::conflict("action", "only a suspended credential can be reinstated"));
            }
            set_list_bit(conn, &suspension_twin(&row.status_list_id), row.status_index, false)?;
        }
    }
    m::set_credential_status(conn, &row.id, action == StatusAction::Revoke, action == StatusAction::Suspend, reason)?;
    // The cascade, in this same transaction: recognitions resting on this credential are
    // suspended with it, or reinstated once every source is in force again. A recognition
    // never grounds another, so this does not recurse beyond one level.
    if row.kind() != crate::models::credentials::CredentialKind::Recognition {
        let kind = crate::models::applications::SourceKind::Credential;
        let why = match action {
            StatusAction::Revoke => format!("{} 已撤销 (revoked): {reason}", row.name),
            StatusAction::Suspend => format!("{} 已暂停 (suspended): {reason}", row.name),
            StatusAction::Reinstate => String::new(),
        };
        crate::services::applications::source_status_changed(conn, kind, &row.id, action == StatusAction::Reinstate, &why)?;
    }
    Ok(())
}
