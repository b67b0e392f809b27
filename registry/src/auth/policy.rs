//! Who may see or do what: every such rule of the registry, written once.
//!
//! Routes, pages, services and the models' visibility filters call these functions; none of
//! them re-derives a rule from roles. The rules:
//!
//! * **Coverage** ([`coverage`]): the organisations whose records (unpublished content,
//!   completions, certificates, people) a principal covers — the platform everything, a
//!   region admin every organisation inside their region (a province its cities), an
//!   organisation's admins and staff their own organisation, learners and anonymous callers
//!   none. Learners see their own records by a separate rule ([`is_self`]).
//! * **Unpublished content** ([`may_see_unpublished`]): a draft or a course in review exists
//!   only for those who cover its owner; for everybody else it is "not found".
//! * **Learners' data** ([`may_see_learner`]): the learner themself and the admins of the
//!   learner's region.
//! * **Owning a recognition rule's target** ([`may_own_rule_target`]): a course's rules belong
//!   to its provider, a skill standard's to an evaluation organisation (评价组织; the registry
//!   keeps no accreditation list yet, so any evaluation organisation may own rules for any
//!   occupation's standard), and either to an authority (主管部门) whose region contains the
//!   provider (for a standard: any authority).
//! * **Acting for a learner** ([`may_act_as_learner`]): only the learner. Administrators manage
//!   accounts but never sign or present for a learner.
//! * **A wallet** ([`has_wallet`]): only learner accounts hold credentials, present them,
//!   share them and have a credit account page.
//! * **Certificates** ([`is_staff_of`], [`may_read_credential`]): only the issuing
//!   organisation's admins and staff issue, revoke or suspend its certificates (not region or
//!   platform admins: a certificate is the organisation's signature); a certificate is read by
//!   its learner, its issuer's people and the platform's admins.
//! * **The trusted-issuer list** ([`may_edit_trusted_issuers`]): the platform's admins and
//!   province-level region admins (the authorities whose registry it is); anyone may read it.
//! * **Invitations** ([`may_invite`]): an administrator who manages an account may send it a
//!   one-time link to choose a password only while it has none (onboarding): a link signs in
//!   whoever opens it, so for an account in use it would be a way to take it over — a
//!   learner's above all ([`may_act_as_learner`]). The operator resets forgotten passwords.
//! * **The administrators' pages** ([`admin_scope`]): the region admins (over their region)
//!   and the platform's admins (over everything); nobody else.

use rongtong_catalog::{OrgKind, RegionCode};

use crate::auth::{Principal, Role};

/// The organisations a principal covers (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Coverage {
    /// Every organisation (platform admins).
    Everything,
    /// Every organisation inside a region (region admins).
    Region(RegionCode),
    /// One organisation (its admins and staff).
    Org(String),
    /// None (learners, anonymous callers, accounts missing their region or organisation).
    Nothing,
}

/// The organisations `who` covers.
pub fn coverage(who: Option<&Principal>) -> Coverage {
    let Some(p) = who else { return Coverage::Nothing };
    match p.role {
        Role::PlatformAdmin => Coverage::Everything,
        Role::RegionAdmin => p.region.clone().map_or(Coverage::Nothing, Coverage::Region),
        Role::OrgAdmin | Role::OrgStaff => p.org.as_ref().map_or(Coverage::Nothing, |o| Coverage::Org(o.id.clone())),
        Role::Learner => Coverage::Nothing,
    }
}

impl Coverage {
    /// Whether an organisation (`org_id` in `org_region`) is covered.
    pub fn includes(&self, org_id: &str, org_region: &RegionCode) -> bool {
        match self {
            Coverage::Everything => true,
            Coverage::Region(r) => org_region.is_within(r),
            Coverage::Org(id) => id == org_id,
            Coverage::Nothing => false,
        }
    }
}

/// Whether `who` may see (and so edit, subject to the action's own rule) unpublished content
/// — a draft course or demand list, a course in review — owned by `org_id` in `org_region`.
pub fn may_see_unpublished(who: Option<&Principal>, org_id: &str, org_region: &RegionCode) -> bool {
    coverage(who).includes(org_id, org_region)
}

/// Whether `who` is the learner `learner_id`.
pub fn is_self(who: &Principal, learner_id: &str) -> bool {
    who.user_id == learner_id
}

/// Whether `who` may see a learner's records, gap and learning path: the learner and the
/// admins of the learner's home region.
pub fn may_see_learner(who: &Principal, learner_id: &str, learner_region: Option<&RegionCode>) -> bool {
    is_self(who, learner_id) || learner_region.is_some_and(|r| who.administers_region(r))
}

/// Whether `who` may act as the learner — mint their tokens, sign a presentation with their
/// holder key: only the learner. An administrator who could would be able to present a
/// learner's certificates as the learner.
pub fn may_act_as_learner(who: &Principal, learner_id: &str) -> bool {
    is_self(who, learner_id)
}

/// Whether `who` holds a wallet of their own — credentials issued to them, a holder key to
/// present them with, share links, a credit account: learner accounts only. The people of
/// an organisation or a region see credentials by [`coverage`], never as their holder.
pub fn has_wallet(who: &Principal) -> bool {
    who.role == Role::Learner
}

/// Whether `who` works for organisation `org_id` (its admin or staff): who issues, revokes and
/// suspends its certificates and follows its issuance jobs.
pub fn is_staff_of(who: &Principal, org_id: &str) -> bool {
    matches!(who.role, Role::OrgAdmin | Role::OrgStaff) && who.org.as_ref().is_some_and(|o| o.id == org_id)
}

/// Whether `who` may read a certificate of `learner_id` issued by `issuer_org_id`: the
/// learner, the issuer's people, or a platform admin.
pub fn may_read_credential(who: &Principal, learner_id: &str, issuer_org_id: &str) -> bool {
    who.is_platform_admin() || is_self(who, learner_id) || is_staff_of(who, issuer_org_id)
}

/// Whether `who` may edit the trusted-issuer list (and run its re-check): platform admins and
/// the admins of a province. The list is the whole registry's — which other systems'
/// certificates it recognises — so, like the shared skills catalogue, a city's admins do
/// not change it for the province.
pub fn may_edit_trusted_issuers(who: &Principal) -> bool {
    match who.role {
        Role::PlatformAdmin => true,
        Role::RegionAdmin => who.region.as_ref().is_some_and(|r| r.level() == rongtong_catalog::RegionLevel::Province),
        _ => false,
    }
}

/// Whether `who`, who manages the account `target_id` (checked by the caller), may mint an
/// invitation link for it: not for their own account, and only while it has no password.
pub fn may_invite(who: &Principal, target_id: &str, target_has_password: bool) -> bool {
    !is_self(who, target_id) && !target_has_password
}

/// The region a principal administers through the administrators' pages: `Some(None)` for the
/// platform (every region), `Some(Some(region))` for a region admin, `None` for everybody else
/// (learners, organisations' people, a region admin missing its region) — they may not open
/// those pages.
pub fn admin_scope(who: &Principal) -> Option<Option<RegionCode>> {
    match coverage(Some(who)) {
        Coverage::Everything => Some(None),
        Coverage::Region(r) => Some(Some(r)),
        Coverage::Org(_) | Coverage::Nothing => None,
    }
}

/// Whether `who` may decide a recognition application to a rule owned by `owner_id` in
/// `owner_region`: the owner's reviewers — its admins and staff, the admins of its region,
/// the platform. Never a learner account.
pub fn may_decide_recognition(who: &Principal, owner_id: &str, owner_region: &RegionCode) -> bool {
    who.role != Role::Learner && coverage(Some(who)).includes(owner_id, owner_region)
}

/// Who owns a rule's target, as [`may_own_rule_target`] needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetOwner {
    /// A course of this provider.
    Course {
        /// The provider's id.
        provider_id: String,
        /// The provider's region.
        provider_region: RegionCode,
    },
    /// An occupation standard (its assessment).
    Standard,
}

/// Whether an organisation (`kind`, `org_id` in `org_region`) may own recognition rules whose
/// target is `target` (see the module docs).
pub fn may_own_rule_target(kind: OrgKind, org_id: &str, org_region: &RegionCode, target: &TargetOwner) -> bool {
    match (kind, target) {
        (OrgKind::Authority, TargetOwner::Course { provider_region, .. }) => provider_region.is_within(org_region),
        (OrgKind::Authority, TargetOwner::Standard) => true,
        (OrgKind::EvaluationOrg, TargetOwner::Standard) => true,
        (k, TargetOwner::Course { provider_id, .. }) if k.provides_courses() => provider_id == org_id,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::OrgScope;

    fn principal(role: Role, region: Option<&str>, org: Option<&str>) -> Principal {
        Principal {
            user_id: "u".into(),
            username: "u".into(),
            role,
            org: org.map(|id| OrgScope {
                id: id.into(),
                code: id.into(),
                kind: rongtong_catalog::OrgKind::College,
                region: "360300".parse().expect("region"),
            }),
            region: region.map(|r| r.parse().expect("region")),
        }
    }

    #[test]
    fn a_province_admin_covers_its_cities_but_a_city_admin_not_its_neighbour() {
        let pingxiang: RegionCode = "360300".parse().expect("region");
        let province = principal(Role::RegionAdmin, Some("360000"), None);
        let ganzhou = principal(Role::RegionAdmin, Some("360700"), None);
        assert!(may_see_unpublished(Some(&province), "o", &pingxiang));
        assert!(!may_see_unpublished(Some(&ganzhou), "o", &pingxiang));
    }

    #[test]
    fn organisations_cover_only_themselves_and_learners_nothing() {
        let r: RegionCode = "360300".parse().expect("region");
        let staff = principal(Role::OrgStaff, None, Some("college"));
        assert!(may_see_unpublished(Some(&staff), "college", &r));
        assert!(!may_see_unpublished(Some(&staff), "foundry", &r));
        assert!(!may_see_unpublished(Some(&principal(Role::Learner, Some("360300"), None)), "college", &r));
        assert!(!may_see_unpublished(None, "college", &r));
    }

    #[test]
    fn rule_targets_belong_to_their_provider_an_evaluator_or_an_authority_of_the_region() {
        let px: RegionCode = "360300".parse().expect("region");
        let course = TargetOwner::Course { provider_id: "pxou".into(), provider_region: px.clone() };
        assert!(may_own_rule_target(OrgKind::College, "pxou", &px, &course));
        assert!(!may_own_rule_target(OrgKind::College, "jxou", &px, &course));
        assert!(!may_own_rule_target(OrgKind::EvaluationOrg, "eval", &px, &course));
        assert!(may_own_rule_target(OrgKind::EvaluationOrg, "eval", &px, &TargetOwner::Standard));
        assert!(!may_own_rule_target(OrgKind::College, "pxou", &px, &TargetOwner::Standard));
        assert!(may_own_rule_target(OrgKind::Authority, "auth", &"360000".parse().expect("region"), &course));
        assert!(!may_own_rule_target(OrgKind::Authority, "auth", &"360700".parse().expect("region"), &course));
    }

    #[test]
    fn only_the_platform_and_province_admins_edit_the_trusted_issuers() {
        assert!(may_edit_trusted_issuers(&principal(Role::PlatformAdmin, None, None)));
        assert!(may_edit_trusted_issuers(&principal(Role::RegionAdmin, Some("360000"), None)));
        assert!(!may_edit_trusted_issuers(&principal(Role::RegionAdmin, Some("360300"), None)), "a city's admin");
        assert!(!may_edit_trusted_issuers(&principal(Role::OrgAdmin, None, Some("college"))));
        assert!(!may_edit_trusted_issuers(&principal(Role::Learner, Some("360300"), None)));
    }

    #[test]
    fn invitations_onboard_other_accounts_without_a_password_only() {
        let admin = principal(Role::RegionAdmin, Some("360300"), None);
        assert!(may_invite(&admin, "learner-1", false));
        assert!(!may_invite(&admin, "learner-1", true), "an account in use is not taken over by a link");
        assert!(!may_invite(&admin, "u", false), "not oneself");
    }

    #[test]
    fn only_region_and_platform_admins_have_an_admin_scope() {
        assert_eq!(admin_scope(&principal(Role::PlatformAdmin, None, None)), Some(None));
        assert_eq!(admin_scope(&principal(Role::RegionAdmin, Some("360300"), None)), Some(Some("360300".parse().expect("region"))));
        assert_eq!(admin_scope(&principal(Role::RegionAdmin, None, None)), None, "a region admin without a region");
        assert_eq!(admin_scope(&principal(Role::OrgAdmin, None, Some("college"))), None);
        assert_eq!(admin_scope(&principal(Role::Learner, Some("360300"), None)), None);
    }

    #[test]
    fn only_the_learner_acts_as_the_learner() {
        let admin = principal(Role::PlatformAdmin, None, None);
        assert!(!may_act_as_learner(&admin, "learner-1"));
        let mut me = principal(Role::Learner, Some("360300"), None);
        me.user_id = "learner-1".into();
        assert!(may_act_as_learner(&me, "learner-1"));
    }
}
