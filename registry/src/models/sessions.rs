//! Browser sign-in: password hashes, sessions, invitations and the failed-login throttle
//! (migration `000012_web_sessions`). Rows only; the rules (how long, how many failures,
//! what a password change revokes) live in `auth::session`.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{invitations, login_throttle, users, web_sessions};

/// The stored password hash of an account, by username: `(user id, hash)`; `None` when the
/// account does not exist, `Some((id, None))` when it has no password.
pub fn password_of(conn: &mut DbConnection, username: &str) -> QueryResult<Option<(String, Option<String>)>> {
    users::table.filter(users::username.eq(username)).select((users::id, users::password_hash)).first(conn).optional()
}

/// Which of the accounts `user_ids` have a password (one query per 30,000 ids): a list of
/// accounts shows who has yet to choose one.
pub fn with_password(conn: &mut DbConnection, user_ids: &[String]) -> QueryResult<std::collections::HashSet<String>> {
    let mut out = std::collections::HashSet::new();
    for chunk in super::bind_chunks(user_ids, 1) {
        let ids: Vec<String> =
            users::table.filter(users::id.eq_any(chunk)).filter(users::password_hash.is_not_null()).select(users::id).load(conn)?;
        out.extend(ids);
    }
    Ok(out)
}

/// Sets an account's password hash, stamps the change and ends every session the account
/// had (a changed password must lock out whoever knew the old one).
pub fn set_password(conn: &mut DbConnection, user_id: &str, hash: &str, now: &str) -> QueryResult<usize> {
    let n = diesel::update(users::table.filter(users::id.eq(user_id)))
        .set((users::password_hash.eq(hash), users::password_changed_at.eq(now)))
        .execute(conn)?;
    delete_sessions_of(conn, user_id)?;
    Ok(n)
}

/// A stored session: the account and the session's CSRF token.
#[derive(Debug, Clone, Queryable)]
pub struct SessionRow {
    /// The account.
    pub user_id: String,
    /// The token every form of this session carries.
    pub csrf: String,
    /// When the session ends.
    pub expires_at: String,
    /// Last request seen (refreshed at most once a minute).
    pub last_seen_at: String,
}

/// Stores a new session under the hash of its cookie value.
pub fn insert_session(
    conn: &mut DbConnection,
    id_hash: &str,
    user_id: &str,
    csrf: &str,
    now: &str,
    expires_at: &str,
) -> QueryResult<usize> {
    diesel::insert_into(web_sessions::table)
        .values((
            web_sessions::id.eq(id_hash),
            web_sessions::user_id.eq(user_id),
            web_sessions::csrf.eq(csrf),
            web_sessions::created_at.eq(now),
            web_sessions::expires_at.eq(expires_at),
            web_sessions::last_seen_at.eq(now),
        ))
        .execute(conn)
}

/// The session stored under this hash, if any (expired ones included: the caller decides).
pub fn find_session(conn: &mut DbConnection, id_hash: &str) -> QueryResult<Option<SessionRow>> {
    web_sessions::table
        .filter(web_sessions::id.eq(id_hash))
        .select((web_sessions::user_id, web_sessions::csrf, web_sessions::expires_at, web_sessions::last_seen_at))
        .first(conn)
        .optional()
}

/// Slides a session's expiry forward.
pub fn touch_session(conn: &mut DbConnection, id_hash: &str, now: &str, expires_at: &str) -> QueryResult<usize> {
    diesel::update(web_sessions::table.filter(web_sessions::id.eq(id_hash)))
        .set((web_sessions::last_seen_at.eq(now), web_sessions::expires_at.eq(expires_at)))
        .execute(conn)
}

/// Ends one session (sign out, or found expired).
pub fn delete_session(conn: &mut DbConnection, id_hash: &str) -> QueryResult<usize> {
    diesel::delete(web_sessions::table.filter(web_sessions::id.eq(id_hash))).execute(conn)
}

/// Ends every session of an account.
pub fn delete_sessions_of(conn: &mut DbConnection, user_id: &str) -> QueryResult<usize> {
    diesel::delete(web_sessions::table.filter(web_sessions::user_id.eq(user_id))).execute(conn)
}

/// Sessions an account has open.
pub fn count_sessions_of(conn: &mut DbConnection, user_id: &str) -> QueryResult<i64> {
    web_sessions::table.filter(web_sessions::user_id.eq(user_id)).count().get_result(conn)
}

/// Stores an invitation under the hash of its link token.
pub fn insert_invitation(
    conn: &mut DbConnection,
    id_hash: &str,
    user_id: &str,
    created_by: Option<&str>,
    now: &str,
    expires_at: &str,
) -> QueryResult<usize> {
    diesel::insert_into(invitations::table)
        .values((
            invitations::id.eq(id_hash),
            invitations::user_id.eq(user_id),
            invitations::created_by.eq(created_by),
            invitations::created_at.eq(now),
            invitations::expires_at.eq(expires_at),
        ))
        .execute(conn)
}

/// An unused invitation: `(user id, expires_at)`.
pub fn find_open_invitation(conn: &mut DbConnection, id_hash: &str) -> QueryResult<Option<(String, String)>> {
    invitations::table
        .filter(invitations::id.eq(id_hash).and(invitations::used_at.is_null()))
        .select((invitations::user_id, invitations::expires_at))
        .first(conn)
        .optional()
}

/// Marks an invitation used; returns 0 when it already was (a second use loses the race).
pub fn use_invitation(conn: &mut DbConnection, id_hash: &str, now: &str) -> QueryResult<usize> {
    diesel::update(invitations::table.filter(invitations::id.eq(id_hash).and(invitations::used_at.is_null())))
        .set(invitations::used_at.eq(now))
        .execute(conn)
}

/// The throttle row of a key: `(failures, window_start, locked_until)`.
pub fn throttle_of(conn: &mut DbConnection, key: &str) -> QueryResult<Option<(i32, String, Option<String>)>> {
    login_throttle::table
        .filter(login_throttle::key.eq(key))
        .select((login_throttle::failures, login_throttle::window_start, login_throttle::locked_until))
        .first(conn)
        .optional()
}

/// Writes a key's throttle row (insert or replace).
pub fn put_throttle(conn: &mut DbConnection, key: &str, failures: i32, window_start: &str, locked_until: Option<&str>) -> QueryResult<()> {
    let update = |conn: &mut DbConnection| {
        diesel::update(login_throttle::table.filter(login_throttle::key.eq(key)))
            .set((
                login_throttle::failures.eq(failures),
                login_throttle::window_start.eq(window_start),
                login_throttle::locked_until.eq(locked_until),
            ))
            .execute(conn)
    };
    if update(conn)? > 0 {
        return Ok(());
    }
    let inserted = diesel::insert_into(login_throttle::table)
        .values((
            login_throttle::key.eq(key),
            login_throttle::failures.eq(failures),
            login_throttle::window_start.eq(window_start),
            login_throttle::locked_until.eq(locked_until),
        ))
        .execute(conn);
    match inserted {
        // Another node inserted the row first: ours is the later count.
        Err(e) if crate::db::is_unique_violation(&e) => update(conn).map(|_| ()),
        other => other.map(|_| ()),
    }
}

/// Forgets a key's failures (a successful sign-in).
pub fn clear_throttle(conn: &mut DbConnection, key: &str) -> QueryResult<usize> {
    diesel::delete(login_throttle::table.filter(login_throttle::key.eq(key))).execute(conn)
}

/// Gives every account that has no password this hash (the demo's one shared password).
pub fn set_missing_passwords(conn: &mut DbConnection, hash: &str, now: &str) -> QueryResult<usize> {
    diesel::update(users::table.filter(users::password_hash.is_null()))
        .set((users::password_hash.eq(hash), users::password_changed_at.eq(now)))
        .execute(conn)
}

/// Every account with a password: `(username, display name, role)`, by role then username.
pub fn accounts_with_passwords(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, String)>> {
    users::table
        .filter(users::password_hash.is_not_null())
        .order((users::role, users::username))
        .select((users::username, users::display_name, users::role))
        .load(conn)
}
