//! Verifiable credentials: issuance from completion records, skill-level certificates,
//! status lists (revocation and suspension), the registry's own [`Resolver`], and the
//! evidence the matching engine may use.
//!
//! Issuance is **idempotent**: `credentials.completion_id` is unique, so issuing again for a
//! completion returns the credential already issued; skill-level certificates are unique per
//! learner × issuer × occupation × level. Every credential gets one random index, the same in
//! its issuer's revocation list and the twin suspension list (`<pair>-revocation`,
//! `<pair>-suspension`), never reused. Changing a status clears the cached signed list, so
//! the next read of `/status/{id}` reflects it at once.
//!
//! The recipient is the learner's `did:key` when they have a holder key, otherwise a salted
//! SHA-256 of their username (never a plain identity number).

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use rongtong_catalog::SkillLevel;
use rongtong_credentials::did::Resolver;
use rongtong_credentials::obv3::{self, AchievementSpec, Alignment, CertificateKind, CredentialSpec, IssuerProfile, Recipient};
use rongtong_credentials::status::{self, MIN_STATUS_LIST_ENTRIES, StatusList, StatusListEntry, StatusPurpose};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::db::{DbConnection, new_id, now};
use crate::error::{AppError, AppResult};
use crate::keystore::{self, ActiveKey, Kek, Owner};
use crate::schema::{
    completions, course_skills, courses, credentials, issuance_jobs, occupation_skills, occupations, organizations, skills, status_lists,
    users,
};

/// Entries per status list (the spec's minimum, 16 KiB).
pub const STATUS_LIST_SIZE: usize = MIN_STATUS_LIST_ENTRIES;

/// What issuing needs besides a connection: the public base URL and the KEK.
#[derive(Debug, Clone, Copy)]
pub struct IssueContext<'a> {
    /// Public base URL, without a trailing slash.
    pub base_url: &'a str,
    /// Key-encryption key.
    pub kek: &'a Kek,
}

/// The public URL of a credential's page (`/credentials/{uuid}`): the share link and the
/// QR code's target.
pub fn public_url(base_url: &str, credential_id: &str) -> String {
    format!("{base_url}/credentials/{}", credential_id.strip_prefix("urn:uuid:").unwrap_or(credential_id))
}

/// The URL of a status list.
pub fn status_list_url(base_url: &str, list_id: &str) -> String {
    format!("{base_url}/status/{list_id}")
}

fn suspension_twin(revocation_list_id: &str) -> String {
    match revocation_list_id.strip_suffix("-revocation") {
        Some(base) => format!("{base}-suspension"),
        None => format!("{revocation_list_id}-suspension"),
    }
}

// ---------------------------------------------------------------- rows and views

/// A stored credential.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = credentials)]
pub struct CredentialRow {
    /// `urn:uuid:…`.
    pub id: String,
    /// The completion it was issued for (training certificates).
    pub completion_id: Option<String>,
    /// Learner (user id).
    pub learner_id: String,
    /// Issuing organisation id.
    pub issuer_org_id: String,
    /// `training` or `skill_level`.
    pub kind: String,
    /// Display name.
    pub name: String,
    /// Occupation code (skill-level certificates).
    pub occupation_code: Option<String>,
    /// Level 1–5 (skill-level certificates).
    pub skill_level: Option<i32>,
    /// The signed credential JSON.
    pub json: String,
    /// Revocation list id.
    pub status_list_id: String,
    /// Index in both lists.
    pub status_index: i64,
    /// Revoked (final).
    pub revoked: bool,
    /// Suspended (reversible).
    pub suspended: bool,
    /// Reason of the last status change.
    pub status_reason: Option<String>,
    /// When the status last changed.
    pub status_changed_at: Option<String>,
    /// Issued at.
    pub issued_at: String,
}

impl CredentialRow {
    /// `active`, `suspended` or `revoked`.
    pub fn status(&self) -> &'static str {
        if self.revoked {
            "revoked"
        } else if self.suspended {
            "suspended"
        } else {
            "active"
        }
    }

    /// The credential JSON.
    pub fn document(&self) -> AppResult<Value> {
        serde_json::from_str(&self.json).map_err(|e| AppError::Internal(format!("stored credential {}: {e}", self.id)))
    }
}

/// A credential as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CredentialView {
    /// `urn:uuid:…`.
    pub id: String,
    /// Public page (HTML; JSON with `?format=json`): the share link.
    pub url: String,
    /// `training` (培训合格证书) or `skill_level` (职业技能等级证书).
    pub kind: String,
    /// Display name.
    pub name: String,
    /// Learner's username.
    pub learner: String,
    /// Issuing organisation code.
    pub issuer: String,
    /// Issuing organisation name.
    pub issuer_name: String,
    /// Completion record it was issued for.
    pub completion_id: Option<String>,
    /// Occupation code (skill-level).
    pub occupation_code: Option<String>,
    /// Level 1 (highest) – 5 (skill-level).
    pub skill_level: Option<i32>,
    /// `active`, `suspended` or `revoked`.
    pub status: String,
    /// Reason given for the last status change.
    pub status_reason: Option<String>,
    /// When the status last changed.
    pub status_changed_at: Option<String>,
    /// Issued at.
    pub issued_at: String,
    /// The signed credential (only when one credential is asked for).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub credential: Option<Value>,
}

/// Turns rows into views (two lookups for usernames and organisations).
pub fn credential_views(
    conn: &mut DbConnection,
    base_url: &str,
    rows: Vec<CredentialRow>,
    with_json: bool,
) -> AppResult<Vec<CredentialView>> {
    let learner_ids: Vec<String> = rows.iter().map(|r| r.learner_id.clone()).collect::<HashSet<_>>().into_iter().collect();
    let org_ids: Vec<String> = rows.iter().map(|r| r.issuer_org_id.clone()).collect::<HashSet<_>>().into_iter().collect();
    let mut names: HashMap<String, String> = HashMap::new();
    for chunk in learner_ids.chunks(500) {
        names.extend(users::table.filter(users::id.eq_any(chunk)).select((users::id, users::username)).load::<(String, String)>(conn)?);
    }
    let orgs: HashMap<String, (String, String)> = organizations::table
        .filter(organizations::id.eq_any(&org_ids))
        .select((organizations::id, organizations::code, organizations::name_zh))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(id, code, name)| (id, (code, name)))
        .collect();
    rows.into_iter()
        .map(|r| {
            let (issuer, issuer_name) = orgs.get(&r.issuer_org_id).cloned().unwrap_or_default();
            Ok(CredentialView {
                url: public_url(base_url, &r.id),
                kind: r.kind.clone(),
                name: r.name.clone(),
                learner: names.get(&r.learner_id).cloned().unwrap_or_default(),
                issuer,
                issuer_name,
                completion_id: r.completion_id.clone(),
                occupation_code: r.occupation_code.clone(),
                skill_level: r.skill_level,
                status: r.status().into(),
                status_reason: r.status_reason.clone(),
                status_changed_at: r.status_changed_at.clone(),
                issued_at: r.issued_at.clone(),
                credential: if with_json { Some(r.document()?) } else { None },
                id: r.id,
            })
        })
        .collect()
}

/// A credential by `urn:uuid:…` or bare UUID.
pub fn find_credential(conn: &mut DbConnection, id: &str) -> AppResult<CredentialRow> {
    let full = if id.starts_with("urn:uuid:") { id.to_string() } else { format!("urn:uuid:{id}") };
    credentials::table
        .find(&full)
        .select(CredentialRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("credential {id}")))
}

/// Which credentials a listing covers.
#[derive(Debug, Clone, Default)]
pub struct CredentialScope {
    /// Only this learner's.
    pub learner_id: Option<String>,
    /// Only these issuers'.
    pub issuer_org_ids: Option<Vec<String>>,
}

/// Lists credentials, newest first.
pub fn list_credentials(
    conn: &mut DbConnection,
    scope: &CredentialScope,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<CredentialRow>, i64)> {
    let build = || {
        let mut q = credentials::table.into_boxed();
        if let Some(l) = &scope.learner_id {
            q = q.filter(credentials::learner_id.eq(l.clone()));
        }
        if let Some(o) = &scope.issuer_org_ids {
            q = q.filter(credentials::issuer_org_id.eq_any(o.clone()));
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows = build()
        .order((credentials::issued_at.desc(), credentials::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(CredentialRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// Every credential, in batches, for `rongtong export credentials`.
pub fn all_credentials(conn: &mut DbConnection, after: Option<&str>, limit: i64) -> QueryResult<Vec<CredentialRow>> {
    let mut q = credentials::table.into_boxed();
    if let Some(a) = after {
        q = q.filter(credentials::id.gt(a.to_string()));
    }
    q.order(credentials::id.asc()).limit(limit).select(CredentialRow::as_select()).load(conn)
}

// ---------------------------------------------------------------- status lists

/// An open pair of lists (revocation + suspension) with its allocation bitmap, used to hand
/// out fresh indexes; [`StatusAllocator::flush`] writes it back.
struct StatusAllocator {
    revocation_id: String,
    allocated: Vec<u8>,
    used: i32,
    dirty: bool,
}

impl StatusAllocator {
    fn open(conn: &mut DbConnection, issuer_did: &str) -> AppResult<Self> {
        let open: Option<(String, Vec<u8>, i32)> = status_lists::table
            .filter(status_lists::issuer_did.eq(issuer_did))
            .filter(status_lists::purpose.eq("revocation"))
            // Leave headroom: random probing gets slow when a list is nearly full.
            .filter(status_lists::used.lt((STATUS_LIST_SIZE * 7 / 8) as i32))
            .order((status_lists::created_at.desc(), status_lists::id.desc()))
            .select((status_lists::id, status_lists::allocated, status_lists::used))
            .first(conn)
            .optional()?;
        if let Some((revocation_id, allocated, used)) = open {
            return Ok(StatusAllocator { revocation_id, allocated, used, dirty: false });
        }
        let pair = uuid::Uuid::new_v4().simple().to_string();
        let revocation_id = format!("{pair}-revocation");
        let zero = vec![0u8; STATUS_LIST_SIZE / 8];
        let ts = now();
        for (id, purpose) in [(revocation_id.clone(), "revocation"), (format!("{pair}-suspension"), "suspension")] {
            diesel::insert_into(status_lists::table)
                .values((
                    status_lists::id.eq(id),
                    status_lists::issuer_did.eq(issuer_did),
                    status_lists::purpose.eq(purpose),
                    status_lists::size.eq(STATUS_LIST_SIZE as i32),
                    status_lists::used.eq(0),
                    status_lists::bits.eq(&zero),
                    status_lists::allocated.eq(&zero),
                    status_lists::created_at.eq(&ts),
                    status_lists::updated_at.eq(&ts),
                ))
                .execute(conn)?;
        }
        Ok(StatusAllocator { revocation_id, allocated: zero, used: 0, dirty: false })
    }

    fn full(&self) -> bool {
        self.used as usize >= STATUS_LIST_SIZE * 7 / 8
    }

    fn allocate(&mut self) -> Option<u64> {
        let bits = &self.allocated;
        let i = status::random_free_index(STATUS_LIST_SIZE, |i| bits[(i / 8) as usize] & (0x80 >> (i % 8)) != 0)?;
        self.allocated[(i / 8) as usize] |= 0x80 >> (i % 8);
        self.used += 1;
        self.dirty = true;
        Some(i)
    }

    fn flush(&mut self, conn: &mut DbConnection) -> QueryResult<()> {
        if self.dirty {
            diesel::update(status_lists::table.find(&self.revocation_id))
                .set((status_lists::allocated.eq(&self.allocated), status_lists::used.eq(self.used), status_lists::updated_at.eq(now())))
                .execute(conn)?;
            self.dirty = false;
        }
        Ok(())
    }

    /// Allocates `n` indexes, opening new list pairs as lists fill up. Returns
    /// (revocation list id, index) per credential.
    fn allocate_many(conn: &mut DbConnection, issuer_did: &str, n: usize) -> AppResult<Vec<(String, u64)>> {
        let mut out = Vec::with_capacity(n);
        let mut a = StatusAllocator::open(conn, issuer_did)?;
        while out.len() < n {
            if a.full() {
                a.flush(conn)?;
                a = StatusAllocator::open(conn, issuer_did)?;
            }
            let i = a.allocate().ok_or_else(|| AppError::Internal("status list full".into()))?;
            out.push((a.revocation_id.clone(), i));
        }
        a.flush(conn)?;
        Ok(out)
    }
}

fn status_entries(base_url: &str, list_id: &str, index: u64) -> Vec<StatusListEntry> {
    vec![
        StatusListEntry::new(StatusPurpose::Revocation, index, status_list_url(base_url, list_id)),
        StatusListEntry::new(StatusPurpose::Suspension, index, status_list_url(base_url, &suspension_twin(list_id))),
    ]
}

fn set_list_bit(conn: &mut DbConnection, list_id: &str, index: i64, value: bool) -> AppResult<()> {
    let bits: Vec<u8> = status_lists::table.find(list_id).select(status_lists::bits).first(conn)?;
    let mut bits = bits;
    let byte = bits.get_mut((index / 8) as usize).ok_or_else(|| AppError::Internal(format!("index {index} outside list {list_id}")))?;
    let mask = 0x80u8 >> (index % 8);
    if value {
        *byte |= mask;
    } else {
        *byte &= !mask;
    }
    diesel::update(status_lists::table.find(list_id))
        .set((status_lists::bits.eq(bits), status_lists::credential.eq(None::<String>), status_lists::updated_at.eq(now())))
        .execute(conn)?;
    Ok(())
}

/// The signed `BitstringStatusListCredential` of a list, signed with the issuer's active
/// key when the cached one was invalidated by a status change. `None` if no such list.
pub fn status_list_credential(conn: &mut DbConnection, ctx: IssueContext<'_>, list_id: &str) -> AppResult<Option<Value>> {
    type ListRow = (String, String, Vec<u8>, Option<String>, String);
    let row: Option<ListRow> = status_lists::table
        .find(list_id)
        .select((status_lists::issuer_did, status_lists::purpose, status_lists::bits, status_lists::credential, status_lists::updated_at))
        .first(conn)
        .optional()?;
    let Some((issuer_did, purpose, bits, cached, updated_at)) = row else { return Ok(None) };
    if let Some(text) = cached
        && let Ok(v) = serde_json::from_str(&text)
    {
        return Ok(Some(v));
    }
    let key = issuer_key_for_did(conn, ctx, &issuer_did)?;
    let mut list = StatusList::new(bits.len() * 8).map_err(|e| AppError::Internal(e.to_string()))?;
    for (b, byte) in bits.iter().enumerate() {
        for k in 0..8 {
            if byte & (0x80 >> k) != 0 {
                list.set(b * 8 + k, true).map_err(|e| AppError::Internal(e.to_string()))?;
            }
        }
    }
    let purpose = StatusPurpose::parse(&purpose).map_err(|e| AppError::Internal(e.to_string()))?;
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
    diesel::update(status_lists::table.find(list_id)).set(status_lists::credential.eq(vc.to_string())).execute(conn)?;
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
pub fn set_status(conn: &mut DbConnection, row: &CredentialRow, action: StatusAction, reason: &str) -> AppResult<()> {
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
    diesel::update(credentials::table.find(&row.id))
        .set((
            credentials::revoked.eq(action == StatusAction::Revoke),
            credentials::suspended.eq(action == StatusAction::Suspend),
            credentials::status_reason.eq(reason),
            credentials::status_changed_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

// ---------------------------------------------------------------- issuance

struct CompletionInfo {
    completion_id: String,
    learner_id: String,
    username: String,
    course_id: String,
    code: String,
    version: String,
    title_zh: String,
    title_en: Option<String>,
    hours: f64,
    credits: f64,
    provider_id: String,
    result: String,
    completed_on: String,
}

/// The outcome of issuing for a set of completions.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct IssueReport {
    /// Credentials created now.
    pub issued: usize,
    /// Completions that already had one (returned, not re-issued).
    pub skipped: usize,
    /// (completion id, credential id) for every completion asked for.
    pub credentials: Vec<(String, String)>,
}

fn issuer_profile(conn: &mut DbConnection, ctx: IssueContext<'_>, org_id: &str) -> AppResult<(IssuerProfile, ActiveKey)> {
    let (code, name): (String, String) =
        organizations::table.find(org_id).select((organizations::code, organizations::name_zh)).first(conn)?;
    let did = keystore::org_did(ctx.base_url, &code)?;
    let key = keystore::active_issuer_key(conn, ctx.kek, Owner::Org(org_id), &did)?;
    Ok((IssuerProfile { did, name }, key))
}

fn recipients(conn: &mut DbConnection, learners: &[(String, String)]) -> QueryResult<HashMap<String, Recipient>> {
    let ids: Vec<String> = learners.iter().map(|(id, _)| id.clone()).collect();
    let mut dids: HashMap<String, String> = HashMap::new();
    for chunk in ids.chunks(500) {
        use crate::schema::issuer_keys;
        let rows: Vec<(Option<String>, String)> = issuer_keys::table
            .filter(issuer_keys::owner_kind.eq("learner"))
            .filter(issuer_keys::owner_id.eq_any(chunk))
            .select((issuer_keys::owner_id, issuer_keys::did))
            .load(conn)?;
        dids.extend(rows.into_iter().filter_map(|(o, d)| Some((o?, d))));
    }
    Ok(learners
        .iter()
        .map(|(id, username)| {
            let r = match dids.get(id) {
                Some(did) => Recipient::Did(did.clone()),
                None => Recipient::HashedIdentifier {
                    identifier: username.clone(),
                    identity_type: "identifier".into(),
                    salt: obv3::random_salt(),
                },
            };
            (id.clone(), r)
        })
        .collect())
}

/// Signs specs on every core (`std::thread::scope`; the key is shared read-only) and
/// serialises them there too. Returns the credentials' JSON text.
fn sign_all(specs: &[CredentialSpec], key: &ActiveKey, created: &str) -> AppResult<Vec<String>> {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(specs.len().max(1));
    let chunk = specs.len().div_ceil(threads).max(1);
    let results: Vec<AppResult<Vec<String>>> = std::thread::scope(|s| {
        let handles: Vec<_> = specs
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|spec| {
                            obv3::issue(spec, &key.key, &key.verification_method, created)
                                .map(|v| v.to_string())
                                .map_err(|e| AppError::Internal(format!("signing {}: {e}", spec.id)))
                        })
                        .collect::<AppResult<Vec<String>>>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(AppError::Internal("signing thread panicked".into())))).collect()
    });
    let mut out = Vec::with_capacity(specs.len());
    for r in results {
        out.extend(r?);
    }
    Ok(out)
}

fn insert_rows(conn: &mut DbConnection, rows: &[CredentialRow]) -> QueryResult<()> {
    // 16 columns per row: 1,000 rows stay under SQLite's 32,766 bound values.
    for chunk in rows.chunks(1000) {
        crate::insert_batch!(conn, credentials::table, chunk)?;
    }
    Ok(())
}

/// Issues training certificates (培训合格证书) for completion records, signed by each course
/// provider's active key. Completions that already have a credential are skipped and their
/// credential returned: a retry never creates a second one. Run it inside a transaction.
///
/// Arguments: `completion_ids` (unknown ids are a 422). Returns an [`IssueReport`].
/// Complexity: one query per 500 completions, signing spread over all cores.
pub fn issue_for_completions(conn: &mut DbConnection, ctx: IssueContext<'_>, completion_ids: &[String]) -> AppResult<IssueReport> {
    let mut report = IssueReport::default();
    let mut existing: HashMap<String, String> = HashMap::new();
    let mut infos: Vec<CompletionInfo> = Vec::new();
    for chunk in completion_ids.chunks(500) {
        let done: Vec<(Option<String>, String)> = credentials::table
            .filter(credentials::completion_id.eq_any(chunk))
            .select((credentials::completion_id, credentials::id))
            .load(conn)?;
        existing.extend(done.into_iter().filter_map(|(c, id)| Some((c?, id))));
        #[allow(clippy::type_complexity)]
        let rows: Vec<(String, String, String, String, String, String, String, Option<String>, f64, f64, String, String, String)> =
            completions::table
                .inner_join(courses::table)
                .inner_join(users::table.on(users::id.eq(completions::learner_id)))
                .filter(completions::id.eq_any(chunk))
                .select((
                    completions::id,
                    completions::learner_id,
                    users::username,
                    courses::id,
                    courses::code,
                    courses::version,
                    courses::title_zh,
                    courses::title_en,
                    courses::hours,
                    courses::credits,
                    courses::provider_id,
                    completions::result,
                    completions::completed_on,
                ))
                .load(conn)?;
        infos.extend(rows.into_iter().map(
            |(
                completion_id,
                learner_id,
                username,
                course_id,
                code,
                version,
                title_zh,
                title_en,
                hours,
                credits,
                provider_id,
                result,
                completed_on,
            )| {
                CompletionInfo {
                    completion_id,
                    learner_id,
                    username,
                    course_id,
                    code,
                    version,
                    title_zh,
                    title_en,
                    hours,
                    credits,
                    provider_id,
                    result,
                    completed_on,
                }
            },
        ));
    }
    let found: HashSet<&str> = infos.iter().map(|i| i.completion_id.as_str()).collect();
    if let Some(missing) = completion_ids.iter().find(|id| !found.contains(id.as_str())) {
        return Err(AppError::invalid("completion", format!("no completion record {missing}")));
    }
    let todo: Vec<&CompletionInfo> = infos.iter().filter(|i| !existing.contains_key(&i.completion_id)).collect();
    report.skipped = infos.len() - todo.len();

    // Skills of the courses, for the alignments.
    let course_ids: Vec<String> = todo.iter().map(|i| i.course_id.clone()).collect::<HashSet<_>>().into_iter().collect();
    let mut course_alignments: HashMap<String, Vec<Alignment>> = HashMap::new();
    for chunk in course_ids.chunks(500) {
        let rows: Vec<(String, String, Option<String>, Option<String>)> = course_skills::table
            .inner_join(skills::table)
            .filter(course_skills::course_id.eq_any(chunk))
            .order((course_skills::course_id, skills::uri))
            .select((course_skills::course_id, skills::uri, skills::label_zh, skills::label_en))
            .load(conn)?;
        for (cid, uri, zh, en) in rows {
            let mut a = Alignment::competency(zh.or(en).unwrap_or_else(|| uri.clone()), uri);
            a.target_framework = Some("融通技能图谱".into());
            course_alignments.entry(cid).or_default().push(a);
        }
    }
    let learners: Vec<(String, String)> = todo.iter().map(|i| (i.learner_id.clone(), i.username.clone())).collect();
    let mut recips = recipients(conn, &learners)?;

    let mut by_org: HashMap<String, Vec<&CompletionInfo>> = HashMap::new();
    for i in &todo {
        by_org.entry(i.provider_id.clone()).or_default().push(i);
    }
    let issued_at = now();
    for (org_id, items) in by_org {
        let (issuer, key) = issuer_profile(conn, ctx, &org_id)?;
        let slots = StatusAllocator::allocate_many(conn, &issuer.did, items.len())?;
        let specs: Vec<CredentialSpec> = items
            .iter()
            .zip(&slots)
            .map(|(i, (list, index))| {
                let recipient = recips.remove(&i.learner_id).unwrap_or_else(|| Recipient::HashedIdentifier {
                    identifier: i.username.clone(),
                    identity_type: "identifier".into(),
                    salt: obv3::random_salt(),
                });
                training_spec(
                    ctx.base_url,
                    &issuer,
                    i,
                    recipient,
                    course_alignments.get(&i.course_id).cloned().unwrap_or_default(),
                    list,
                    *index,
                )
            })
            .collect();
        // The same learner may complete several courses of one batch: recipients are reused.
        let docs = sign_all(&specs, &key, &issued_at)?;
        let rows: Vec<CredentialRow> = items
            .iter()
            .zip(specs.iter().zip(docs))
            .zip(&slots)
            .map(|((i, (spec, doc)), (list, index))| CredentialRow {
                id: spec.id.clone(),
                completion_id: Some(i.completion_id.clone()),
                learner_id: i.learner_id.clone(),
                issuer_org_id: org_id.clone(),
                kind: "training".into(),
                name: spec.achievement.name_zh.clone(),
                occupation_code: None,
                skill_level: None,
                json: doc,
                status_list_id: list.clone(),
                status_index: *index as i64,
                revoked: false,
                suspended: false,
                status_reason: None,
                status_changed_at: None,
                issued_at: issued_at.clone(),
            })
            .collect();
        insert_rows(conn, &rows)?;
        report.issued += rows.len();
        existing.extend(rows.into_iter().map(|r| (r.completion_id.unwrap_or_default(), r.id)));
    }
    report.credentials = completion_ids.iter().filter_map(|c| Some((c.clone(), existing.get(c)?.clone()))).collect();
    Ok(report)
}

fn training_spec(
    base_url: &str,
    issuer: &IssuerProfile,
    i: &CompletionInfo,
    recipient: Recipient,
    alignments: Vec<Alignment>,
    list: &str,
    index: u64,
) -> CredentialSpec {
    let credits = (i.credits.fract() == 0.0 && i.credits > 0.0).then_some(i.credits as u32);
    CredentialSpec {
        id: format!("urn:uuid:{}", uuid::Uuid::new_v4()),
        issuer: issuer.clone(),
        recipient,
        achievement: AchievementSpec {
            id: format!("{base_url}/achievements/courses/{}/{}", enc_segment(&i.code), enc_segment(&i.version)),
            kind: CertificateKind::Training,
            name_zh: format!("{}培训合格证书", i.title_zh),
            name_en: i.title_en.as_ref().map(|en| format!("{en} (training certificate)")),
            description: format!("完成微课程《{}》（{} 学时，{} 学分）的学习并考核合格。", i.title_zh, i.hours, i.credits),
            criteria_narrative: format!("完成全部 {} 学时并通过考核；考核结果：{}。", i.hours, i.result),
            alignments,
            credits_available: credits,
        },
        valid_from: format!("{}T00:00:00Z", i.completed_on),
        valid_until: None,
        status: status_entries(base_url, list, index),
    }
}

/// Percent-encodes a path segment (course codes are plain, but stay safe).
fn enc_segment(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// A skill-level certificate request.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SkillLevelInput {
    /// Learner username or id.
    pub learner: String,
    /// Occupation code, URI or id.
    pub occupation: String,
    /// Level 1 (highest) – 5.
    pub level: u8,
    /// Issuing evaluation organisation code (defaults to the caller's organisation).
    #[serde(default)]
    pub issuer: Option<String>,
    /// Date of the assessment, YYYY-MM-DD (default today).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub assessed_on: Option<chrono::NaiveDate>,
}

/// Issues a vocational skill-level certificate (职业技能等级证书) from an evaluation
/// organisation, or returns the one already issued for the same learner, occupation and
/// level (idempotent). Returns the row and whether it was created now.
pub fn issue_skill_level(
    conn: &mut DbConnection,
    ctx: IssueContext<'_>,
    org_id: &str,
    learner_id: &str,
    occupation_key: &str,
    level: SkillLevel,
    assessed_on: chrono::NaiveDate,
) -> AppResult<(CredentialRow, bool)> {
    let (occ_id, uri, code, label_zh, label_en): (String, String, Option<String>, Option<String>, Option<String>) = occupations::table
        .filter(occupations::id.eq(occupation_key).or(occupations::uri.eq(occupation_key)).or(occupations::code.eq(occupation_key)))
        .select((occupations::id, occupations::uri, occupations::code, occupations::label_zh, occupations::label_en))
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::invalid("occupation", format!("no occupation {occupation_key}")))?;
    let occ_code = code.clone().unwrap_or_else(|| uri.clone());
    let existing = credentials::table
        .filter(credentials::learner_id.eq(learner_id))
        .filter(credentials::issuer_org_id.eq(org_id))
        .filter(credentials::occupation_code.eq(&occ_code))
        .filter(credentials::skill_level.eq(level.number() as i32))
        .select(CredentialRow::as_select())
        .first(conn)
        .optional()?;
    if let Some(row) = existing {
        return Ok((row, false));
    }
    let username: String = users::table.find(learner_id).select(users::username).first(conn)?;
    let (issuer, key) = issuer_profile(conn, ctx, org_id)?;
    let slots = StatusAllocator::allocate_many(conn, &issuer.did, 1)?;
    let (list, index) = slots.into_iter().next().ok_or_else(|| AppError::Internal("no status slot".into()))?;
    let recipient = recipients(conn, &[(learner_id.to_string(), username)])?
        .remove(learner_id)
        .ok_or_else(|| AppError::Internal("no recipient".into()))?;
    let occ_name = label_zh.clone().or(label_en.clone()).unwrap_or_else(|| occ_code.clone());
    // Skills the occupation requires, as alignments after the occupation itself.
    let reqs: Vec<(String, Option<String>, Option<String>)> = occupation_skills::table
        .inner_join(skills::table)
        .filter(occupation_skills::occupation_id.eq(&occ_id))
        .order(skills::uri)
        .select((skills::uri, skills::label_zh, skills::label_en))
        .load(conn)?;
    let alignments = reqs
        .into_iter()
        .map(|(u, zh, en)| {
            let mut a = Alignment::competency(zh.or(en).unwrap_or_else(|| u.clone()), u);
            a.target_framework = Some("融通技能图谱".into());
            a
        })
        .collect();
    let ach_id = format!("{}/achievements/occupations/{}/level-{}", ctx.base_url, enc_segment(&occ_code), level.number());
    let spec = CredentialSpec {
        id: format!("urn:uuid:{}", uuid::Uuid::new_v4()),
        issuer,
        recipient,
        achievement: AchievementSpec {
            id: ach_id,
            kind: CertificateKind::SkillLevel {
                occupation_code: occ_code.clone(),
                occupation_name: occ_name.clone(),
                occupation_url: uri,
                level,
            },
            name_zh: format!("{occ_name}（{}）", level.name_zh()),
            name_en: label_en.map(|en| format!("{en}, {}", level.name_en())),
            description: format!("职业技能等级认定：{occ_name}，{}。", level.name_zh()),
            criteria_narrative: "理论知识考试与操作技能考核均合格。".into(),
            alignments,
            credits_available: None,
        },
        valid_from: format!("{assessed_on}T00:00:00Z"),
        valid_until: None,
        status: status_entries(ctx.base_url, &list, index),
    };
    let issued_at = now();
    let doc =
        obv3::issue(&spec, &key.key, &key.verification_method, &issued_at).map_err(|e| AppError::Internal(format!("signing: {e}")))?;
    let row = CredentialRow {
        id: spec.id.clone(),
        completion_id: None,
        learner_id: learner_id.to_string(),
        issuer_org_id: org_id.to_string(),
        kind: "skill_level".into(),
        name: spec.achievement.name_zh.clone(),
        occupation_code: Some(occ_code),
        skill_level: Some(level.number() as i32),
        json: doc.to_string(),
        status_list_id: list,
        status_index: index as i64,
        revoked: false,
        suspended: false,
        status_reason: None,
        status_changed_at: None,
        issued_at,
    };
    insert_rows(conn, std::slice::from_ref(&row))?;
    Ok((row, true))
}

/// The completion ids of a cohort: every completion of the course (id, `code` — every
/// version of that code from the same provider — or `code@version`), optionally only of
/// the given learners (usernames or ids). Returns (provider org id, course id, completion ids).
pub fn cohort_completions(
    conn: &mut DbConnection,
    course_key: &str,
    learners: Option<&[String]>,
) -> AppResult<(String, String, Vec<String>)> {
    let course = crate::models::courses::find_course_row(conn, course_key)
        .map_err(|_| AppError::invalid("course", format!("no course {course_key}")))?;
    let course_ids: Vec<String> = if course.id == course_key || course_key.contains('@') {
        vec![course.id.clone()]
    } else {
        courses::table
            .filter(courses::code.eq(&course.code))
            .filter(courses::provider_id.eq(&course.provider_id))
            .select(courses::id)
            .load(conn)?
    };
    let mut q = completions::table.filter(completions::course_id.eq_any(&course_ids)).into_boxed();
    if let Some(ls) = learners {
        let ids: Vec<String> = users::table.filter(users::username.eq_any(ls).or(users::id.eq_any(ls))).select(users::id).load(conn)?;
        if ids.len() < ls.len() {
            return Err(AppError::invalid("learners", "some learners are unknown"));
        }
        q = q.filter(completions::learner_id.eq_any(ids));
    }
    let ids = q.order(completions::id).select(completions::id).load(conn)?;
    Ok((course.provider_id, course.id, ids))
}

// ---------------------------------------------------------------- issuance jobs

/// A cohort issuance job and its progress.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = issuance_jobs)]
pub struct JobView {
    /// Id.
    pub id: String,
    /// Issuing organisation id.
    pub org_id: String,
    /// Course id.
    pub course_id: String,
    /// Who asked.
    pub requested_by: String,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    /// Completions in the cohort.
    pub total: i32,
    /// Processed so far.
    pub done: i32,
    /// Credentials created.
    pub issued: i32,
    /// Completions that already had a credential.
    pub skipped: i32,
    /// Why it failed.
    pub error: Option<String>,
    /// Created.
    pub created_at: String,
    /// Last progress.
    pub updated_at: String,
}

/// Records a queued job.
pub fn create_job(conn: &mut DbConnection, org_id: &str, course_id: &str, requested_by: &str, total: usize) -> QueryResult<JobView> {
    let id = new_id();
    let ts = now();
    diesel::insert_into(issuance_jobs::table)
        .values((
            issuance_jobs::id.eq(&id),
            issuance_jobs::org_id.eq(org_id),
            issuance_jobs::course_id.eq(course_id),
            issuance_jobs::requested_by.eq(requested_by),
            issuance_jobs::state.eq("queued"),
            issuance_jobs::total.eq(total as i32),
            issuance_jobs::created_at.eq(&ts),
            issuance_jobs::updated_at.eq(&ts),
        ))
        .execute(conn)?;
    find_job(conn, &id)
}

/// A queued or running job that has recorded no progress for this long was cut off — the
/// server running it stopped. Progress is written after every 200 completions (well under
/// a second of signing), so ten minutes of silence is not a slow job.
pub const JOB_STALE_AFTER_MINUTES: i64 = 10;

/// A job by id. A job found stale ([`JOB_STALE_AFTER_MINUTES`]) is marked `failed` here,
/// when somebody looks, rather than at start-up: with many server nodes on one PostgreSQL,
/// a node that starts cannot tell its own interrupted jobs from another node's running ones.
pub fn find_job(conn: &mut DbConnection, id: &str) -> QueryResult<JobView> {
    let job: JobView = issuance_jobs::table.find(id).select(JobView::as_select()).first(conn)?;
    let silent_since = chrono::DateTime::parse_from_rfc3339(&job.updated_at).map(|t| t.with_timezone(&chrono::Utc));
    let stale = matches!(job.state.as_str(), "queued" | "running")
        && silent_since.is_ok_and(|t| chrono::Utc::now() - t > chrono::Duration::minutes(JOB_STALE_AFTER_MINUTES));
    if !stale {
        return Ok(job);
    }
    let reason = format!(
        "interrupted: no progress for {JOB_STALE_AFTER_MINUTES} minutes (the server running it stopped); start the job again — \
         completions that already have a credential are skipped"
    );
    // Only if nobody recorded progress in the meantime (same state and timestamp).
    diesel::update(
        issuance_jobs::table.find(id).filter(issuance_jobs::state.eq(&job.state)).filter(issuance_jobs::updated_at.eq(&job.updated_at)),
    )
    .set((issuance_jobs::state.eq("failed"), issuance_jobs::error.eq(Some(reason)), issuance_jobs::updated_at.eq(now())))
    .execute(conn)?;
    issuance_jobs::table.find(id).select(JobView::as_select()).first(conn)
}

/// Runs a job: issues in chunks of 200 completions, each chunk in its own transaction,
/// recording progress after each. A failure marks the job `failed` with the reason;
/// credentials issued before it stay (re-running the job skips them).
pub fn run_job(conn: &mut DbConnection, ctx: IssueContext<'_>, job_id: &str, completion_ids: &[String]) -> QueryResult<()> {
    let set = |conn: &mut DbConnection, state: &str, done: usize, issued: usize, skipped: usize, error: Option<String>| {
        diesel::update(issuance_jobs::table.find(job_id))
            .set((
                issuance_jobs::state.eq(state),
                issuance_jobs::done.eq(done as i32),
                issuance_jobs::issued.eq(issued as i32),
                issuance_jobs::skipped.eq(skipped as i32),
                issuance_jobs::error.eq(error),
                issuance_jobs::updated_at.eq(now()),
            ))
            .execute(conn)
    };
    let (mut done, mut issued, mut skipped) = (0, 0, 0);
    set(conn, "running", 0, 0, 0, None)?;
    for chunk in completion_ids.chunks(200) {
        match conn.transaction(|c| issue_for_completions(c, ctx, chunk)) {
            Ok(r) => {
                done += chunk.len();
                issued += r.issued;
                skipped += r.skipped;
                set(conn, "running", done, issued, skipped, None)?;
            }
            Err(e) => {
                tracing::error!(job = job_id, error = %e, "issuance job failed");
                let shown = match e {
                    AppError::Internal(_) => "internal error (see the server log)".to_string(),
                    other => other.to_string(),
                };
                set(conn, "failed", done, issued, skipped, Some(shown))?;
                return Ok(());
            }
        }
    }
    set(conn, "done", done, issued, skipped, None)?;
    Ok(())
}

// ---------------------------------------------------------------- resolver and trust

/// The registry's [`Resolver`]: serves our own DID documents and status lists from the
/// database (so the server never makes outbound HTTP requests); any other URL is "not found".
pub struct DbResolver<'c, 'a> {
    conn: RefCell<&'c mut DbConnection>,
    ctx: IssueContext<'a>,
}

impl<'c, 'a> DbResolver<'c, 'a> {
    /// A resolver over `conn`.
    pub fn new(conn: &'c mut DbConnection, ctx: IssueContext<'a>) -> Self {
        DbResolver { conn: RefCell::new(conn), ctx }
    }

    /// The path of `url` if it is under our base URL (either scheme: DIDs always resolve
    /// over https, a development server may run on http).
    fn local_path<'u>(&self, url: &'u str) -> Option<&'u str> {
        let base = self.ctx.base_url;
        let https = base.strip_prefix("http://").map(|r| format!("https://{r}"));
        url.strip_prefix(base).or_else(|| https.as_deref().and_then(|h| url.strip_prefix(h))).filter(|p| p.starts_with('/'))
    }
}

impl Resolver for DbResolver<'_, '_> {
    fn get(&self, url: &str) -> rongtong_credentials::Result<Value> {
        let not_found = |reason: &str| rongtong_credentials::Error::Resolve { url: url.to_string(), reason: reason.to_string() };
        let path = self.local_path(url).ok_or_else(|| not_found("not hosted by this registry (the server fetches nothing)"))?;
        let path = path.split(['#', '?']).next().unwrap_or_default();
        let mut conn = self.conn.try_borrow_mut().map_err(|_| not_found("resolver busy"))?;
        let conn: &mut DbConnection = &mut conn;
        let result = if path == "/.well-known/did.json" {
            keystore::platform_did(self.ctx.base_url).and_then(|did| keystore::did_document(conn, &did))
        } else if let Some(code) = path.strip_prefix("/orgs/").and_then(|p| p.strip_suffix("/did.json")) {
            keystore::org_did(self.ctx.base_url, code).and_then(|did| keystore::did_document(conn, &did))
        } else if let Some(id) = path.strip_prefix("/status/") {
            status_list_credential(conn, self.ctx, id)
        } else {
            Ok(None)
        };
        match result {
            Ok(Some(v)) => Ok(v),
            Ok(None) => Err(not_found("not found")),
            Err(e) => Err(not_found(&e.to_string())),
        }
    }
}

/// The DIDs this registry issues with (the platform and every organisation with a key):
/// the `issuer_trust` check's list.
pub fn trusted_issuers(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    use crate::schema::issuer_keys;
    issuer_keys::table.filter(issuer_keys::owner_kind.ne("learner")).select(issuer_keys::did).distinct().load(conn)
}

// ---------------------------------------------------------------- matching evidence

/// One valid credential as evidence of skills, for the matching engine.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CredentialEvidence {
    /// Credential id.
    pub credential_id: String,
    /// `training` or `skill_level`.
    pub kind: String,
    /// Course (training certificates).
    pub course_id: Option<String>,
    /// Occupation code (skill-level certificates).
    pub occupation_code: Option<String>,
    /// Certified level (skill-level certificates), 1 = highest.
    pub skill_level: Option<u8>,
    /// (skill URI, level 1–5) the credential attests: the course's skills at their taught
    /// level, or the occupation's required skills at the certified level.
    pub skills: Vec<(String, u8)>,
}

/// Every credential of a learner that is neither revoked nor suspended, with the skills
/// it attests — what the matching snapshot should treat as evidence (certified skills
/// rather than self-declared ones). Stored credentials were verified when we signed them;
/// this trusts the store and does not re-verify signatures.
pub fn valid_credential_evidence(conn: &mut DbConnection, learner_id: &str) -> QueryResult<Vec<CredentialEvidence>> {
    type EvidenceRow = (String, String, Option<String>, Option<String>, Option<i32>);
    let rows: Vec<EvidenceRow> = credentials::table
        .left_join(completions::table.on(completions::id.nullable().eq(credentials::completion_id)))
        .filter(credentials::learner_id.eq(learner_id))
        .filter(credentials::revoked.eq(false))
        .filter(credentials::suspended.eq(false))
        .order(credentials::issued_at)
        .select((
            credentials::id,
            credentials::kind,
            completions::course_id.nullable(),
            credentials::occupation_code,
            credentials::skill_level,
        ))
        .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for (credential_id, kind, course_id, occupation_code, level) in rows {
        let skills: Vec<(String, u8)> = if let Some(cid) = &course_id {
            course_skills::table
                .inner_join(skills::table)
                .filter(course_skills::course_id.eq(cid))
                .select((skills::uri, course_skills::level))
                .load::<(String, i32)>(conn)?
                .into_iter()
                .map(|(u, l)| (u, l as u8))
                .collect()
        } else if let (Some(code), Some(l)) = (&occupation_code, level) {
            occupation_skills::table
                .inner_join(occupations::table)
                .inner_join(skills::table)
                .filter(occupations::code.eq(code).or(occupations::uri.eq(code)))
                .select(skills::uri)
                .load::<String>(conn)?
                .into_iter()
                .map(|u| (u, l as u8))
                .collect()
        } else {
            Vec::new()
        };
        out.push(CredentialEvidence { credential_id, kind, course_id, occupation_code, skill_level: level.map(|l| l as u8), skills });
    }
    Ok(out)
}
