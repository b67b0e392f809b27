//! Registering organisations and accounts, and inviting people to choose a password: the
//! workflows `POST /organizations`, `POST /users` and the administrators' pages
//! (`/admin/organizations`) share, with the tenancy rules they check.

use chrono::{DateTime, Utc};
use rongtong_catalog::OrganizationInput;

use crate::auth::{Principal, Role, policy};
use crate::config::WebConfig;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::models::accounts::{self as m, OrgRow, UserInput, UserView};

/// True when `p` may see and manage `user` (create tokens, read the record, invite): oneself;
/// the platform; a region admin for people inside its region other than its peers and
/// superiors; an organisation's admin for its own people.
pub(crate) fn can_manage_user(c: &mut DbConnection, p: &Principal, user: &UserView) -> AppResult<bool> {
    if p.user_id == user.id || p.is_platform_admin() {
        return Ok(true);
    }
    let org = m::org_of(c, user)?;
    Ok(match p.role {
        Role::RegionAdmin => {
            let home = match &org {
                Some(o) => Some(o.region_code()?),
                None => user.region.as_deref().and_then(|r| r.parse().ok()),
            };
            // A region admin manages people inside its region, but not its peers or superiors.
            home.is_some_and(|r| p.administers_region(&r))
                && user.role != Role::RegionAdmin.as_ref()
                && user.role != Role::PlatformAdmin.as_ref()
        }
        Role::OrgAdmin => org.is_some_and(|o| p.org.as_ref().is_some_and(|po| po.id == o.id)) && user.role != Role::PlatformAdmin.as_ref(),
        _ => false,
    })
}

/// Decides whether `p` may create the account `input`: the platform anyone; a region admin
/// people inside its region (region admins only of a region below its own); an organisation's
/// admin its own admins and staff (colleges and training centres also their learners).
pub(crate) fn may_create_user(c: &mut DbConnection, p: &Principal, input: &UserInput) -> AppResult<bool> {
    let org = match &input.org {
        Some(code) => Some(m::find_org(c, code).map_err(|_| AppError::invalid("org", format!("organization {code} does not exist")))?),
        None => None,
    };
    Ok(match p.role {
        Role::PlatformAdmin => true,
        Role::RegionAdmin => match input.role {
            Role::PlatformAdmin => false,
            Role::RegionAdmin => input.region.as_ref().is_some_and(|r| p.administers_region(r) && Some(r) != p.region.as_ref()),
            _ => match &org {
                Some(o) => p.administers_region(&o.region_code()?),
                None => input.region.as_ref().is_some_and(|r| p.administers_region(r)),
            },
        },
        Role::OrgAdmin => {
            let own = org.as_ref().is_some_and(|o| p.org.as_ref().is_some_and(|po| po.id == o.id));
            match input.role {
                Role::OrgAdmin | Role::OrgStaff => own,
                // Colleges and training centres enrol their own learners.
                Role::Learner => own && p.org.as_ref().is_some_and(|o| o.kind.provides_courses()),
                _ => false,
            }
        }
        _ => false,
    })
}

/// Registers an organisation as `p`: the platform anywhere, a region admin inside its region
/// (403 otherwise); the input's own checks give 422 naming each field, a taken code or USCC 409.
pub(crate) fn create_organization(c: &mut DbConnection, p: &Principal, input: &OrganizationInput) -> AppResult<OrgRow> {
    p.ensure(p.administers_region(&input.region), format!("register organizations in region {}", input.region).as_str())?;
    m::create_org(c, input)
}

/// Creates an account as `p` (see [`may_create_user`]; 403 when not allowed). The account has
/// no password: its owner chooses one through an invitation ([`invite`]).
pub(crate) fn create_user(c: &mut DbConnection, p: &Principal, input: &UserInput) -> AppResult<UserView> {
    p.ensure(may_create_user(c, p, input)?, format!("create a {} account here", input.role).as_str())?;
    m::create_user(c, input)
}

/// Mints a one-time invitation link token for the account `user_id` as `p`, who must manage it
/// ([`can_manage_user`]; 404 for an account `p` may not see, so none is revealed) and may
/// invite to it (`policy::may_invite`: only while it has no password — 409 otherwise). Returns
/// the token (shown once, stored only as its hash), when it expires, and the account.
pub(crate) fn invite(c: &mut DbConnection, cfg: &WebConfig, p: &Principal, user_id: &str) -> AppResult<(String, DateTime<Utc>, UserView)> {
    let user = m::find_user(c, user_id)?;
    if !can_manage_user(c, p, &user)? {
        return Err(AppError::NotFound(format!("user {user_id}")));
    }
    let has_password = crate::models::sessions::password_of(c, &user.username)?.is_some_and(|(_, h)| h.is_some());
    if !policy::may_invite(p, &user.id, has_password) {
        return Err(AppError::conflict(
            "user",
            format!(
                "{} has a password already: an invitation would let whoever opens it take the account over; the operator resets passwords (`rongtong user passwd`)",
                user.username
            ),
        ));
    }
    let (token, expires) = crate::auth::session::create_invitation(c, cfg, &user.id, Some(&p.user_id))?;
    Ok((token, expires, user))
}
