//! Who is calling, and what they may do.
//!
//! Callers present `Authorization: Bearer <token>`. Tokens are random, shown once, and
//! stored only as their SHA-256 — a leaked database does not leak usable tokens, and
//! because the tokens carry 256 bits of entropy a fast hash is enough (no password KDF).
//!
//! The rules, in one place so every handler asks the same questions:
//! - a platform admin may do anything;
//! - a region admin manages what lies in its region (a province admin: the whole
//!   province; a city admin: its city);
//! - an organization's admin and staff edit their own organization's content (a college its
//!   courses and curricula, an enterprise its demand lists); only its admin manages people;
//! - a learner sees and edits only their own records;
//! - anonymous callers read only published catalog data and published demand lists.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use diesel::prelude::*;
use rand::RngCore;
use rongtong_catalog::{OrgKind, RegionCode, ReviewStage};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

pub mod policy;
pub mod session;

use crate::app::AppState;
use crate::db::DbConnection;
use crate::error::AppError;
use crate::models::accounts;

/// What an account is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, strum::Display, strum::EnumString, strum::AsRefStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Role {
    /// Runs the platform.
    PlatformAdmin,
    /// Administers a province (省) or city (地市) sub-site.
    RegionAdmin,
    /// Administers one organization, its people and content.
    OrgAdmin,
    /// Works for one organization: edits its content.
    OrgStaff,
    /// A learner.
    Learner,
}

/// The organization an account belongs to, as authorization needs it.
#[derive(Debug, Clone)]
pub struct OrgScope {
    /// Organization id.
    pub id: String,
    /// Organization code.
    pub code: String,
    /// Kind.
    pub kind: OrgKind,
    /// Its region.
    pub region: RegionCode,
}

/// An authenticated account.
#[derive(Debug, Clone)]
pub struct Principal {
    /// User id.
    pub user_id: String,
    /// Username.
    pub username: String,
    /// Role.
    pub role: Role,
    /// The organization, for org admins, staff and learners enrolled with one.
    pub org: Option<OrgScope>,
    /// The administered region, for region admins; the home region otherwise.
    pub region: Option<RegionCode>,
}

/// The caller of a request: somebody, or anonymous.
#[derive(Debug, Clone)]
pub enum Caller {
    /// No `Authorization` header.
    Anonymous,
    /// A valid token.
    User(Principal),
}

impl Caller {
    /// The principal, or 401.
    pub fn require(&self) -> Result<&Principal, AppError> {
        match self {
            Caller::User(p) => Ok(p),
            Caller::Anonymous => Err(AppError::Unauthorized("this action needs an API token (Authorization: Bearer …)".into())),
        }
    }

    /// The principal, if any.
    pub fn principal(&self) -> Option<&Principal> {
        match self {
            Caller::User(p) => Some(p),
            Caller::Anonymous => None,
        }
    }
}

impl Principal {
    /// True for a platform admin.
    pub fn is_platform_admin(&self) -> bool {
        self.role == Role::PlatformAdmin
    }

    /// True when this principal administers `region` (it lies inside the admin's region).
    pub fn administers_region(&self, region: &RegionCode) -> bool {
        match self.role {
            Role::PlatformAdmin => true,
            Role::RegionAdmin => self.region.as_ref().is_some_and(|r| region.is_within(r)),
            _ => false,
        }
    }

    /// True when this principal may edit content owned by the organization
    /// (`org_id` in `org_region`).
    pub fn can_edit_org_content(&self, org_id: &str, org_region: &RegionCode) -> bool {
        policy::coverage(Some(self)).includes(org_id, org_region)
    }

    /// True when this principal reviews courses of a provider in `region` at `stage`: the
    /// admin of exactly that city, of exactly that province, or the platform. Each level
    /// signs off itself; a province admin does not stand in for a city.
    pub fn reviews_at(&self, stage: ReviewStage, region: &RegionCode) -> bool {
        match stage {
            ReviewStage::City => self.role == Role::RegionAdmin && region.city().is_some() && self.region == region.city(),
            ReviewStage::Province => self.role == Role::RegionAdmin && self.region.as_ref() == Some(&region.province()),
            ReviewStage::Platform => self.role == Role::PlatformAdmin,
        }
    }

    /// The review level this principal signs off at, and the region whose providers it reviews
    /// there (`None`: every region): the platform at the platform level, a province's admin at
    /// its province's, a city's admin at its city's. `None` for everybody else (a county's
    /// admin reviews nothing). Exactly the courses of providers inside that region awaiting
    /// that level are those [`Principal::reviews_at`] lets it approve: its review queue.
    pub fn review_level(&self) -> Option<(ReviewStage, Option<RegionCode>)> {
        match self.role {
            Role::PlatformAdmin => Some((ReviewStage::Platform, None)),
            Role::RegionAdmin => {
                let region = self.region.clone()?;
                match region.level() {
                    rongtong_catalog::RegionLevel::Province => Some((ReviewStage::Province, Some(region))),
                    rongtong_catalog::RegionLevel::City => Some((ReviewStage::City, Some(region))),
                    rongtong_catalog::RegionLevel::County => None,
                }
            }
            _ => None,
        }
    }

    /// True when this principal may manage the organization itself and its people.
    pub fn can_manage_org(&self, org_id: &str, org_region: &RegionCode) -> bool {
        self.administers_region(org_region) || (self.role == Role::OrgAdmin && self.org.as_ref().is_some_and(|o| o.id == org_id))
    }

    /// True when this principal may edit the shared skills catalog (frameworks, skills,
    /// occupations): the platform admin and province admins. City sub-sites share the
    /// provincial catalog rather than forking it.
    pub fn can_edit_catalog(&self) -> bool {
        match self.role {
            Role::PlatformAdmin => true,
            Role::RegionAdmin => self.region.as_ref().is_some_and(|r| r.level() == rongtong_catalog::RegionLevel::Province),
            _ => false,
        }
    }

    /// Fails with 403 unless `ok`.
    pub fn ensure(&self, ok: bool, action: &str) -> Result<(), AppError> {
        if ok { Ok(()) } else { Err(AppError::Forbidden(format!("{} may not {action}", self.username))) }
    }
}

/// A freshly minted token: the secret (shown once) and the hash we store.
#[derive(Debug)]
pub struct NewToken {
    /// `rt_` + 64 hex characters. Show it once; it is not stored.
    pub secret: String,
    /// SHA-256 hex of the secret.
    pub hash: String,
}

/// Mints a random API token.
pub fn mint_token() -> NewToken {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = format!("rt_{}", hex::encode(bytes));
    let hash = hash_token(&secret);
    NewToken { secret, hash }
}

/// The stored form of a token.
pub fn hash_token(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The principal of an account, by id or username, as its token would give it: for the demo
/// and the CLI acting as a named person (a learner applying, a reviewer deciding).
pub fn principal_for_user(conn: &mut DbConnection, id_or_name: &str) -> crate::error::AppResult<Principal> {
    let user = accounts::find_user(conn, id_or_name)?;
    let org = match &user.org_id {
        Some(id) => accounts::org_scope_row(conn, id)?.and_then(|(code, kind, region)| {
            Some(OrgScope { id: id.clone(), code, kind: kind.parse().ok()?, region: region.parse().ok()? })
        }),
        None => None,
    };
    Ok(Principal {
        role: user.role.parse().map_err(|_| crate::error::AppError::Internal(format!("unknown role {}", user.role)))?,
        user_id: user.id,
        username: user.username,
        org,
        region: user.region.and_then(|r| r.parse().ok()),
    })
}

/// Looks a bearer token up; `None` when unknown or revoked.
pub fn principal_for_token(conn: &mut DbConnection, secret: &str) -> QueryResult<Option<Principal>> {
    let hash = hash_token(secret);
    let Some((token_id, user_id, username, role, org_id, region, last_used)) = accounts::token_account(conn, &hash)? else {
        return Ok(None);
    };
    let org = match org_id {
        Some(id) => accounts::org_scope_row(conn, &id)?
            .and_then(|(code, kind, region)| Some(OrgScope { id, code, kind: kind.parse().ok()?, region: region.parse().ok()? })),
        None => None,
    };
    accounts::touch_token(conn, &token_id, last_used.as_deref())?;
    Ok(Some(Principal {
        user_id,
        username,
        role: role.parse().map_err(|_| diesel::result::Error::DeserializationError(format!("unknown role {role}").into()))?,
        org,
        region: region.and_then(|r| r.parse().ok()),
    }))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(header) = parts.headers.get(axum::http::header::AUTHORIZATION) else { return Ok(Caller::Anonymous) };
        let value = header.to_str().map_err(|_| AppError::Unauthorized("the Authorization header is not valid text".into()))?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| AppError::Unauthorized("use `Authorization: Bearer <token>`".into()))?
            .to_string();
        let principal = state.db.run(move |c| principal_for_token(c, &token).map_err(AppError::from)).await?;
        principal.map(Caller::User).ok_or_else(|| AppError::Unauthorized("unknown or revoked token".into()))
    }
}

/// Handlers that need an account take a [`Principal`] directly: it answers 401 before the
/// request body is read, so an anonymous write with a malformed body is told to
/// authenticate rather than shown validation errors.
impl FromRequestParts<AppState> for Principal {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match Caller::from_request_parts(parts, state).await? {
            Caller::User(p) => Ok(p),
            Caller::Anonymous => Err(AppError::Unauthorized("this action needs an API token (Authorization: Bearer …)".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin(role: Role, region: Option<&str>) -> Principal {
        Principal { user_id: "u".into(), username: "u".into(), role, org: None, region: region.map(|r| r.parse().expect("region")) }
    }

    #[test]
    fn the_review_queue_is_what_reviews_at_lets_one_approve() {
        let providers: Vec<RegionCode> =
            ["360000", "360300", "360302", "360700", "440000", "440100"].iter().map(|r| r.parse().expect("region")).collect();
        let stages = [ReviewStage::City, ReviewStage::Province, ReviewStage::Platform];
        for who in [
            admin(Role::PlatformAdmin, None),
            admin(Role::RegionAdmin, Some("360000")),
            admin(Role::RegionAdmin, Some("360300")),
            admin(Role::RegionAdmin, Some("360302")),
            admin(Role::OrgAdmin, None),
        ] {
            let level = who.review_level();
            for region in &providers {
                for stage in stages {
                    // A course waits at a stage only if that stage is in its provider's chain.
                    if !crate::services::review::review_chain(region).contains(&stage) {
                        continue;
                    }
                    let in_queue = level.as_ref().is_some_and(|(s, r)| *s == stage && r.as_ref().is_none_or(|r| region.is_within(r)));
                    assert_eq!(in_queue, who.reviews_at(stage, region), "{:?} {:?} {stage} {region}", who.role, who.region);
                }
            }
        }
    }
}
