//! Browser sign-in: argon2id passwords, sessions, invitations and the failed-login throttle.
//!
//! The rules, once (the web pages and the CLI both call these):
//! - a password is 8–128 characters and stored only as an argon2id PHC string with its own
//!   random salt (RustCrypto's `argon2`, default parameters: 19 MiB, 2 passes);
//! - a session is a random 256-bit cookie value, stored as its SHA-256; it lasts
//!   `RONGTONG_SESSION_HOURS` after the last request and carries its own CSRF token;
//! - setting a password (by the person, an admin, an invitation or `rongtong user passwd`)
//!   ends every session of the account;
//! - `RONGTONG_LOGIN_MAX_FAILURES` failed sign-ins for one username, or from one address,
//!   within `RONGTONG_LOGIN_LOCKOUT_MINUTES` lock that key for as long; while locked even the
//!   right password is refused, so guessing gains nothing by waiting for a success;
//! - an unknown username costs the same argon2 work as a wrong password, so timing does not
//!   tell which usernames exist.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, TimeDelta, Utc};
use rand::RngCore;

use super::{Principal, hash_token, principal_for_user};
use crate::config::WebConfig;
use crate::db::{DbConnection, write_transaction};
use crate::error::{AppError, AppResult};
use crate::models::sessions as m;

/// Shortest accepted password, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest accepted password, in characters (argon2 takes any length; this bounds the work
/// a request can ask for).
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Checks a new password against the rules; the error names `field`.
pub fn check_new_password(field: &str, password: &str) -> AppResult<()> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(AppError::invalid(field, format!("a password needs at least {MIN_PASSWORD_CHARS} characters")));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(AppError::invalid(field, format!("a password has at most {MAX_PASSWORD_CHARS} characters")));
    }
    Ok(())
}

/// The argon2id PHC string of a password, with a fresh random salt.
pub fn hash_password(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("argon2: {e}")))
}

/// True when `password` matches the stored PHC string. A malformed stored hash never matches.
pub fn verify_password(stored: &str, password: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash of a password nobody knows, verified against when the username is unknown so an
/// unknown name costs what a wrong password costs.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password(&hex::encode(random_bytes())).unwrap_or_default())
}

fn random_bytes() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn parse(t: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(t).ok().map(|t| t.with_timezone(&Utc))
}

/// Why a sign-in was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum SignInError {
    /// Unknown username, no password set, or the wrong password (never said which).
    BadCredentials,
    /// Too many failures for this username or address; try again after this time.
    Locked(DateTime<Utc>),
}

/// A new browser session: the cookie value (give it to the browser, store nothing of it)
/// and the account.
#[derive(Debug)]
pub struct NewSession {
    /// Random cookie value; only its SHA-256 is stored.
    pub cookie: String,
    /// The account signed in.
    pub principal: Principal,
}

fn throttle_keys(username: &str, ip: Option<&str>) -> Vec<String> {
    let mut keys = vec![format!("user:{}", username.to_ascii_lowercase())];
    if let Some(ip) = ip {
        keys.push(format!("ip:{ip}"));
    }
    keys
}

/// The time until which any of `keys` is locked, if one is.
fn locked_until(conn: &mut DbConnection, keys: &[String], now: DateTime<Utc>) -> AppResult<Option<DateTime<Utc>>> {
    let mut until = None;
    for key in keys {
        if let Some((_, _, Some(locked))) = m::throttle_of(conn, key)?
            && let Some(t) = parse(&locked).filter(|t| *t > now)
        {
            until = until.max(Some(t));
        }
    }
    Ok(until)
}

/// Counts one failure against each key, locking those that reach the limit.
fn record_failure(conn: &mut DbConnection, keys: &[String], now: DateTime<Utc>, cfg: &WebConfig) -> AppResult<()> {
    let window = TimeDelta::minutes(i64::from(cfg.lockout_minutes));
    write_transaction(conn, |conn| {
        for key in keys {
            let (failures, start) = match m::throttle_of(conn, key)? {
                Some((n, start, _)) if parse(&start).is_some_and(|s| now - s < window) => (n + 1, start),
                _ => (1, stamp(now)),
            };
            let locked = (failures >= cfg.max_failures as i32).then(|| stamp(now + window));
            m::put_throttle(conn, key, failures, &start, locked.as_deref())?;
        }
        Ok(())
    })
}

/// Signs a person in: checks the throttle, the password (off the async runtime: argon2 is
/// tens of milliseconds of CPU), and opens a session.
pub async fn sign_in(
    db: &crate::db::Db,
    cfg: &WebConfig,
    username: &str,
    password: &str,
    ip: Option<String>,
) -> AppResult<Result<NewSession, SignInError>> {
    // A name no account can have (control characters, over-long, NUL — which PostgreSQL
    // text cannot even hold) is answered like a wrong password, before it reaches a query.
    let mut malformed = rongtong_catalog::ValidationErrors::new();
    rongtong_catalog::validate::check_username(&mut malformed, "username", username);
    if malformed.into_result().is_err() {
        return Ok(Err(SignInError::BadCredentials));
    }
    let now = Utc::now();
    let keys = throttle_keys(username, ip.as_deref());
    let name = username.to_string();
    let (locked, stored) = db
        .run({
            let keys = keys.clone();
            move |c| -> AppResult<_> { Ok((locked_until(c, &keys, now)?, m::password_of(c, &name)?)) }
        })
        .await?;
    if let Some(until) = locked {
        return Ok(Err(SignInError::Locked(until)));
    }
    let password = password.to_string();
    let (user_id, ok) = tokio::task::spawn_blocking(move || match stored {
        Some((id, Some(hash))) => {
            let ok = verify_password(&hash, &password);
            (Some(id), ok)
        }
        _ => {
            verify_password(decoy_hash(), &password);
            (None, false)
        }
    })
    .await
    .map_err(|e| AppError::Internal(format!("password check: {e}")))?;
    let cfg = cfg.clone();
    db.run(move |c| {
        let Some(user_id) = user_id.filter(|_| ok) else {
            record_failure(c, &keys, now, &cfg)?;
            // This failure may have been the one that locks the key.
            return Ok(Err(match locked_until(c, &keys, now)? {
                Some(until) => SignInError::Locked(until),
                None => SignInError::BadCredentials,
            }));
        };
        write_transaction(c, |c| {
            for key in &keys {
                m::clear_throttle(c, key)?;
            }
            let cookie = open_session(c, &user_id, now, &cfg)?;
            Ok(Ok(NewSession { cookie, principal: principal_for_user(c, &user_id)? }))
        })
    })
    .await
}

/// Stores a new session for an account and returns its cookie value.
fn open_session(conn: &mut DbConnection, user_id: &str, now: DateTime<Utc>, cfg: &WebConfig) -> AppResult<String> {
    let cookie = hex::encode(random_bytes());
    let csrf = hex::encode(random_bytes());
    m::insert_session(conn, &hash_token(&cookie), user_id, &csrf, &stamp(now), &stamp(now + cfg.session_ttl()))?;
    Ok(cookie)
}

/// A live session: who, and the CSRF token its forms carry.
#[derive(Debug, Clone)]
pub struct LiveSession {
    /// SHA-256 of the cookie value: the stored id.
    pub id_hash: String,
    /// The account.
    pub principal: Principal,
    /// The session's CSRF token.
    pub csrf: String,
}

/// The session a cookie value names, if it is live; slides its expiry forward (at most once a
/// minute, so a page view is not a write each time). An expired session is deleted.
pub fn find_session(conn: &mut DbConnection, cookie: &str, cfg: &WebConfig) -> AppResult<Option<LiveSession>> {
    let now = Utc::now();
    let id_hash = hash_token(cookie);
    let Some(row) = m::find_session(conn, &id_hash)? else { return Ok(None) };
    if parse(&row.expires_at).is_none_or(|t| t <= now) {
        m::delete_session(conn, &id_hash)?;
        return Ok(None);
    }
    if parse(&row.last_seen_at).is_none_or(|t| now - t > TimeDelta::minutes(1)) {
        m::touch_session(conn, &id_hash, &stamp(now), &stamp(now + cfg.session_ttl()))?;
    }
    let principal = principal_for_user(conn, &row.user_id)?;
    Ok(Some(LiveSession { id_hash, principal, csrf: row.csrf }))
}

/// Ends the session stored under `id_hash` (sign out).
pub fn end_session(conn: &mut DbConnection, id_hash: &str) -> AppResult<()> {
    m::delete_session(conn, id_hash)?;
    Ok(())
}

/// Sets an account's password (checked against the rules, naming `field`) and ends all its
/// sessions. The hash is computed before the write transaction opens.
pub fn set_password(conn: &mut DbConnection, user_id: &str, field: &str, password: &str) -> AppResult<()> {
    check_new_password(field, password)?;
    let hash = hash_password(password)?;
    write_transaction(conn, |c| {
        m::set_password(c, user_id, &hash, &stamp(Utc::now()))?;
        Ok(())
    })
}

/// Changes one's own password from the web: checks the current one, sets the new one (which
/// ends every session), and opens a fresh session for the browser that asked. Returns the
/// new cookie value.
pub fn change_own_password(conn: &mut DbConnection, cfg: &WebConfig, principal: &Principal, current: &str, new: &str) -> AppResult<String> {
    let stored = m::password_of(conn, &principal.username)?.and_then(|(_, h)| h);
    if !stored.is_some_and(|h| verify_password(&h, current)) {
        return Err(AppError::invalid("current_password", "the current password is not right"));
    }
    set_password(conn, &principal.user_id, "new_password", new)?;
    open_session(conn, &principal.user_id, Utc::now(), cfg)
}

/// Mints a one-time invitation link token for an account (`created_by`: the admin); valid
/// `RONGTONG_INVITATION_HOURS`. Only the token's hash is stored.
pub fn create_invitation(
    conn: &mut DbConnection,
    cfg: &WebConfig,
    user_id: &str,
    created_by: Option<&str>,
) -> AppResult<(String, DateTime<Utc>)> {
    let token = hex::encode(random_bytes());
    let now = Utc::now();
    let expires = now + TimeDelta::hours(i64::from(cfg.invitation_hours));
    m::insert_invitation(conn, &hash_token(&token), user_id, created_by, &stamp(now), &stamp(expires))?;
    Ok((token, expires))
}

/// The account an invitation token is for, while it is unused and unexpired.
pub fn invitation_user(conn: &mut DbConnection, token: &str) -> AppResult<Option<String>> {
    let now = Utc::now();
    Ok(m::find_open_invitation(conn, &hash_token(token))?.filter(|(_, exp)| parse(exp).is_some_and(|t| t > now)).map(|(u, _)| u))
}

/// Uses an invitation: sets the password and signs the person in; 404 when the link is
/// unknown, used or expired (a second use of the same link loses, even concurrently).
pub fn accept_invitation(conn: &mut DbConnection, cfg: &WebConfig, token: &str, password: &str) -> AppResult<String> {
    check_new_password("password", password)?;
    let hash = hash_password(password)?;
    write_transaction(conn, |c| {
        let user_id = invitation_user(c, token)?.ok_or_else(|| AppError::NotFound("invitation".into()))?;
        let now = Utc::now();
        if m::use_invitation(c, &hash_token(token), &stamp(now))? == 0 {
            return Err(AppError::NotFound("invitation".into()));
        }
        m::set_password(c, &user_id, &hash, &stamp(now))?;
        open_session(c, &user_id, now, cfg)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_only_against_its_own_hash() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"), "argon2id PHC string: {h}");
        assert!(verify_password(&h, "correct horse"));
        assert!(!verify_password(&h, "correct horsf"));
        assert!(!verify_password("not a phc string", "correct horse"));
        assert_ne!(h, hash_password("correct horse").unwrap(), "every hash has its own salt");
    }

    #[test]
    fn password_length_rules_name_the_field() {
        assert!(check_new_password("p", "1234567").is_err());
        assert!(check_new_password("p", "12345678").is_ok());
        assert!(check_new_password("p", &"x".repeat(129)).is_err());
        let AppError::Validation(e) = check_new_password("new_password", "short").unwrap_err() else { panic!("422 expected") };
        assert_eq!(e.errors[0].field, "new_password");
    }
}
