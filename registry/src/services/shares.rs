//! Share links (分享链接): a learner gives a verifier a link to one of their credentials that
//! works until a date they choose, and that they can withdraw at any time.
//!
//! A link is `{base}/s/{token}`, the token 192 random bits (base64url, 32 characters), so
//! links cannot be guessed or enumerated. While it is live it opens the credential — its
//! public page and the public verifier; once it has expired or been withdrawn it answers
//! `410 Gone`. Only the credential's learner makes, lists and withdraws its links
//! (`policy::may_act_as_learner`); anybody else is told "not found".
//!
//! Expiry: 1, 7 or 30 days from now, or the end of a chosen day (midnight after it, China
//! Standard Time, UTC+8) at most [`MAX_DAYS`] ahead.

use base64::Engine;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use rand::RngCore;
use serde::Serialize;

use crate::auth::{Principal, policy};
use crate::db::{DbConnection, new_id};
use crate::error::{AppError, AppResult};
use crate::models::credentials::{self as cm, CredentialRow};
use crate::models::shares::{self as m, ShareLinkRow};

/// The furthest ahead a link may expire, in days.
pub const MAX_DAYS: i64 = 365;

/// The preset lifetimes offered, in days.
pub const PRESET_DAYS: [i64; 3] = [1, 7, 30];

/// Random bytes in a token (192 bits).
const TOKEN_BYTES: usize = 24;

/// Hours China Standard Time is ahead of UTC (no daylight saving): a chosen expiry day ends
/// at the midnight after it there.
const CST_HOURS: i64 = 8;

/// How long a new link lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareExpiry {
    /// This many days from now.
    Days(i64),
    /// Until the end of this day (China Standard Time).
    Until(NaiveDate),
}

impl ShareExpiry {
    /// Reads the form's choice: `expires` is `1`, `7`, `30` or `custom`, and `custom` takes
    /// the day from `expires_on` (`YYYY-MM-DD`). Errors name the field.
    pub fn parse(expires: &str, expires_on: &str) -> AppResult<ShareExpiry> {
        match expires.trim() {
            "custom" => {
                let day = expires_on.trim();
                if day.is_empty() {
                    return Err(AppError::invalid("expires_on", "choose the last day the link works"));
                }
                NaiveDate::parse_from_str(day, "%Y-%m-%d")
                    .map(ShareExpiry::Until)
                    .map_err(|_| AppError::invalid("expires_on", format!("`{day}` is not a date (YYYY-MM-DD)")))
            }
            d => match d.parse::<i64>() {
                Ok(n) if PRESET_DAYS.contains(&n) => Ok(ShareExpiry::Days(n)),
                _ => Err(AppError::invalid("expires", "choose 1, 7 or 30 days, or a date")),
            },
        }
    }

    /// When a link made at `now` stops working. A chosen day must be today or later (China
    /// Standard Time) and at most [`MAX_DAYS`] ahead.
    pub fn expires_at(self, now: DateTime<Utc>) -> AppResult<DateTime<Utc>> {
        match self {
            ShareExpiry::Days(n) => Ok(now + Duration::days(n)),
            ShareExpiry::Until(day) => {
                let today = (now + Duration::hours(CST_HOURS)).date_naive();
                if day < today {
                    return Err(AppError::invalid("expires_on", format!("{day} has passed")));
                }
                if day > today + Duration::days(MAX_DAYS) {
                    return Err(AppError::invalid("expires_on", format!("at most {MAX_DAYS} days ahead")));
                }
                // Midnight after `day` in China is `day` 24:00 − 8 h in UTC.
                Ok((day.and_time(NaiveTime::MIN) + Duration::hours(24 - CST_HOURS)).and_utc())
            }
        }
    }
}

/// Where a link is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::Display, strum::AsRefStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ShareState {
    /// Opens the credential.
    Live,
    /// Past its expiry.
    Expired,
    /// Withdrawn by the learner.
    Withdrawn,
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A link's state at `now` (withdrawal wins over expiry; an unreadable expiry counts as
/// expired: a link never works by accident).
pub fn state_of(row: &ShareLinkRow, now: DateTime<Utc>) -> ShareState {
    if row.withdrawn_at.is_some() {
        return ShareState::Withdrawn;
    }
    match DateTime::parse_from_rfc3339(&row.expires_at) {
        Ok(t) if t.with_timezone(&Utc) > now => ShareState::Live,
        _ => ShareState::Expired,
    }
}

/// A link as its learner sees it.
#[derive(Debug, Clone, Serialize)]
pub struct ShareLinkView {
    /// Id (to withdraw it).
    pub id: String,
    /// The whole link, `{base}/s/{token}`.
    pub url: String,
    /// Made at.
    pub created_at: String,
    /// Stops working at.
    pub expires_at: String,
    /// Withdrawn at.
    pub withdrawn_at: Option<String>,
    /// Live, expired or withdrawn.
    pub state: ShareState,
}

/// The URL of a link.
pub fn share_url(base_url: &str, token: &str) -> String {
    format!("{base_url}/s/{token}")
}

fn view(base_url: &str, row: ShareLinkRow, now: DateTime<Utc>) -> ShareLinkView {
    ShareLinkView {
        state: state_of(&row, now),
        url: share_url(base_url, &row.token),
        id: row.id,
        created_at: row.created_at,
        expires_at: row.expires_at,
        withdrawn_at: row.withdrawn_at,
    }
}

fn new_token() -> String {
    let mut bytes = [0u8; TOKEN_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The credential `id` when `p` holds it and may act for its learner; "not found" otherwise
/// (another learner's credential does not exist for `p`), 403 for accounts without a wallet.
pub fn own_credential(conn: &mut DbConnection, p: &Principal, id: &str) -> AppResult<CredentialRow> {
    if !policy::has_wallet(p) {
        return Err(AppError::Forbidden(format!("{} has no wallet: only learners hold credentials", p.username)));
    }
    let row = cm::find_credential(conn, id)?;
    if !policy::may_act_as_learner(p, &row.learner_id) {
        return Err(AppError::NotFound(format!("credential {id}")));
    }
    Ok(row)
}

/// Makes a link to the learner's credential `credential` that lives as `expiry` says.
pub fn create_share(
    conn: &mut DbConnection,
    base_url: &str,
    p: &Principal,
    credential: &str,
    expiry: ShareExpiry,
    now: DateTime<Utc>,
) -> AppResult<ShareLinkView> {
    let cred = own_credential(conn, p, credential)?;
    let expires_at = expiry.expires_at(now)?;
    let row = ShareLinkRow {
        id: new_id(),
        token: new_token(),
        credential_id: cred.id,
        learner_id: p.user_id.clone(),
        created_at: stamp(now),
        expires_at: stamp(expires_at),
        withdrawn_at: None,
    };
    m::insert_share(conn, &row)?;
    Ok(view(base_url, row, now))
}

/// The learner's links to one of their credentials (already found by [`own_credential`]),
/// newest first.
pub fn list_shares(conn: &mut DbConnection, base_url: &str, p: &Principal, credential: &CredentialRow) -> AppResult<Vec<ShareLinkView>> {
    let now = Utc::now();
    Ok(m::shares_of(conn, &p.user_id, &credential.id)?.into_iter().map(|r| view(base_url, r, now)).collect())
}

/// Withdraws one of the learner's links (withdrawing twice changes nothing); another's is
/// "not found".
pub fn withdraw_share(conn: &mut DbConnection, p: &Principal, share_id: &str) -> AppResult<ShareLinkRow> {
    let row = m::find_share(conn, share_id)?.ok_or_else(|| AppError::NotFound(format!("share link {share_id}")))?;
    if !policy::may_act_as_learner(p, &row.learner_id) {
        return Err(AppError::NotFound(format!("share link {share_id}")));
    }
    m::withdraw_share(conn, &row.id, &crate::db::now())?;
    Ok(row)
}

/// What a visitor of `/s/{token}` gets.
#[derive(Debug)]
pub enum Opened {
    /// A live link: the credential it opens, and until when.
    Live {
        /// The credential.
        credential: Box<CredentialRow>,
        /// The link.
        link: ShareLinkRow,
    },
    /// Expired or withdrawn: `410 Gone`.
    Gone(ShareState),
}

/// Opens a link: live, gone (expired or withdrawn), or "not found" for a token that never
/// existed.
pub fn open_share(conn: &mut DbConnection, token: &str, now: DateTime<Utc>) -> AppResult<Opened> {
    let unknown = || AppError::NotFound("share link".into());
    // Tokens are 32 base64url characters; anything else was never issued.
    if token.is_empty() || token.len() > 64 || !token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(unknown());
    }
    let link = m::find_share_by_token(conn, token)?.ok_or_else(unknown)?;
    match state_of(&link, now) {
        ShareState::Live => {
            let credential = Box::new(cm::find_credential(conn, &link.credential_id)?);
            Ok(Opened::Live { credential, link })
        }
        gone => Ok(Opened::Gone(gone)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("time").with_timezone(&Utc)
    }

    #[test]
    fn presets_and_a_chosen_day_end_when_they_say() {
        let now = at("2026-12-01T10:00:00Z");
        assert_eq!(ShareExpiry::parse("7", "").unwrap().expires_at(now).unwrap(), at("2026-12-08T10:00:00Z"));
        // A chosen day ends at the following midnight in China (16:00 UTC that day).
        let until = ShareExpiry::parse("custom", "2026-12-24").unwrap();
        assert_eq!(until.expires_at(now).unwrap(), at("2026-12-24T16:00:00Z"));
        // Today is fine (it ends tonight), yesterday is not.
        assert!(ShareExpiry::parse("custom", "2026-12-01").unwrap().expires_at(now).is_ok());
        let past = ShareExpiry::parse("custom", "2026-11-30").unwrap().expires_at(now).unwrap_err();
        assert!(past.to_string().contains("passed"), "{past}");
        assert!(ShareExpiry::parse("custom", "2028-01-01").unwrap().expires_at(now).is_err(), "more than a year ahead");
    }

    #[test]
    fn bad_choices_name_their_field() {
        for (expires, on, field) in
            [("2", "", "expires"), ("", "", "expires"), ("custom", "", "expires_on"), ("custom", "24/12/2026", "expires_on")]
        {
            let e = ShareExpiry::parse(expires, on).unwrap_err();
            let fields = crate::pages::layout::FieldErrors::from_error(&e).expect("a form error").items;
            assert_eq!(fields[0].0, field, "{expires:?} {on:?}: {e}");
        }
    }

    #[test]
    fn withdrawal_wins_and_expiry_is_exclusive() {
        let row = ShareLinkRow {
            id: "i".into(),
            token: "t".into(),
            credential_id: "c".into(),
            learner_id: "l".into(),
            created_at: "2026-12-01T00:00:00Z".into(),
            expires_at: "2026-12-02T00:00:00Z".into(),
            withdrawn_at: None,
        };
        assert_eq!(state_of(&row, at("2026-12-01T23:59:59Z")), ShareState::Live);
        assert_eq!(state_of(&row, at("2026-12-02T00:00:00Z")), ShareState::Expired);
        let withdrawn = ShareLinkRow { withdrawn_at: Some("2026-12-01T01:00:00Z".into()), ..row.clone() };
        assert_eq!(state_of(&withdrawn, at("2026-12-01T02:00:00Z")), ShareState::Withdrawn);
        let garbled = ShareLinkRow { expires_at: "soon".into(), ..row };
        assert_eq!(state_of(&garbled, at("2026-12-01T02:00:00Z")), ShareState::Expired);
    }

    #[test]
    fn tokens_carry_192_random_bits() {
        let a = new_token();
        assert_eq!(a.len(), 32);
        assert_ne!(a, new_token());
        assert!(a.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    }
}
