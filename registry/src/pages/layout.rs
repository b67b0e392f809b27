//! The frame around every page (`templates/web/base.html`): header, the navigation the
//! signed-in role needs, the language switch, the sign-out form; and the pieces forms share
//! (field errors shown beside their field, flash notices).
//!
//! Every page template extends `web/base.html` and has a field `c: Chrome`.

use askama::Template;
use rongtong_catalog::OrgKind;

use super::ctx::Ctx;
use super::i18n::{self, Lang};
use crate::auth::Role;
use crate::error::AppError;

/// One entry of the navigation.
#[derive(Debug, Clone)]
pub struct NavItem {
    /// Where it goes.
    pub href: &'static str,
    /// Its message key.
    pub key: &'static str,
    /// True when the current page lies under it.
    pub active: bool,
}

/// What the frame shows: the language, the page title, the signed-in person, the
/// navigation and the CSRF token for the forms in it.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// Language.
    pub lang: Lang,
    /// Message key of the page title.
    pub title_key: &'static str,
    /// A title that is data, not a message (a course's name), shown after the key's text.
    pub title_extra: String,
    /// The signed-in person's display name (username), if any.
    pub user: Option<String>,
    /// The role's message key, if signed in.
    pub role_key: Option<&'static str>,
    /// Public navigation.
    pub public_nav: Vec<NavItem>,
    /// The role's own navigation.
    pub role_nav: Vec<NavItem>,
    /// The token forms carry.
    pub csrf: String,
    /// This page's address, for the language switch to come back to.
    pub here: String,
    /// A notice to show once (after a redirect), as a message key.
    pub notice: Option<&'static str>,
}

const PUBLIC_NAV: &[(&str, &str)] = &[
    ("/", "nav.home"),
    ("/catalog/courses", "nav.courses"),
    ("/catalog/skills", "nav.skills"),
    ("/catalog/occupations", "nav.occupations"),
    ("/demand", "nav.demand"),
    ("/verify", "nav.verify"),
];

/// The role's navigation: what each user's job needs (issue 11's list of pages).
fn role_nav(ctx: &Ctx) -> Vec<(&'static str, &'static str)> {
    let Some(p) = ctx.principal() else { return Vec::new() };
    let org_kind = p.org.as_ref().map(|o| o.kind);
    let mut nav = Vec::new();
    match p.role {
        Role::Learner => nav.extend([
            ("/my/wallet", "nav.my.wallet"),
            ("/my/gap", "nav.my.gap"),
            ("/my/recognition", "nav.my.recognition"),
            ("/my/account", "nav.my.account"),
        ]),
        Role::OrgAdmin | Role::OrgStaff => match org_kind {
            Some(OrgKind::Enterprise) => nav.push(("/org/demand", "nav.org.demand")),
            Some(OrgKind::College | OrgKind::TrainingCenter) => nav.extend([
                ("/org/courses", "nav.org.courses"),
                ("/org/curricula", "nav.org.curricula"),
                ("/org/completions", "nav.org.completions"),
                ("/org/credentials", "nav.org.credentials"),
                ("/org/alignment", "nav.org.alignment"),
                ("/org/recognition", "nav.org.recognition"),
            ]),
            Some(OrgKind::EvaluationOrg) => {
                nav.extend([("/org/credentials", "nav.org.credentials"), ("/org/recognition", "nav.org.recognition")])
            }
            _ => {}
        },
        Role::RegionAdmin | Role::PlatformAdmin => nav.extend([
            ("/admin/reviews", "nav.admin.reviews"),
            ("/admin/organizations", "nav.admin.organizations"),
            ("/admin/dashboard", "nav.admin.dashboard"),
            // Province admins edit the list too; a city's admin reads it.
            ("/admin/trusted-issuers", "nav.admin.trusted"),
        ]),
    }
    nav.push(("/me/password", "nav.me.password"));
    nav
}

fn is_under(here: &str, href: &str) -> bool {
    let path = here.split('?').next().unwrap_or(here);
    if href == "/" { path == "/" } else { path == href || path.starts_with(&format!("{href}/")) }
}

impl Chrome {
    /// The frame for a page titled by the message `title_key`.
    pub fn new(ctx: &Ctx, title_key: &'static str) -> Chrome {
        let item = |(href, key): (&'static str, &'static str)| NavItem { href, key, active: is_under(&ctx.here, href) };
        Chrome {
            lang: ctx.lang,
            title_key,
            title_extra: String::new(),
            user: ctx.principal().map(|p| p.username.clone()),
            role_key: ctx.principal().map(|p| match p.role {
                Role::PlatformAdmin => "role.platform_admin",
                Role::RegionAdmin => "role.region_admin",
                Role::OrgAdmin => "role.org_admin",
                Role::OrgStaff => "role.org_staff",
                Role::Learner => "role.learner",
            }),
            public_nav: PUBLIC_NAV.iter().copied().map(item).collect(),
            role_nav: role_nav(ctx).into_iter().map(item).collect(),
            csrf: ctx.csrf.clone(),
            here: ctx.here.clone(),
            notice: None,
        }
    }

    /// The same frame with a data title after the key's text (a course's or list's name).
    pub fn titled(mut self, extra: impl Into<String>) -> Chrome {
        self.title_extra = extra.into();
        self
    }

    /// The same frame with a one-time notice.
    pub fn with_notice(mut self, key: Option<&'static str>) -> Chrome {
        self.notice = key;
        self
    }

    /// The message for `key` in the page's language.
    pub fn t(&self, key: &str) -> &'static str {
        i18n::lookup(self.lang, key)
    }

    /// A date in the page's conventions.
    pub fn date(&self, iso: &str) -> String {
        i18n::format_date(self.lang, iso)
    }

    /// A count with thousands separators.
    pub fn count(&self, n: &i64) -> String {
        i18n::format_count(*n)
    }

    /// The `lang` attribute.
    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    /// The language switch's target: `/lang/{code}?next=…`.
    pub fn switch_href(&self) -> String {
        let next: String = form_urlencoded::byte_serialize(self.here.as_bytes()).collect();
        format!("/lang/{}?next={next}", self.lang.other().code())
    }

    /// The switch's label: the other language's own name.
    pub fn switch_label(&self) -> &'static str {
        match self.lang.other() {
            Lang::Zh => "中文",
            Lang::En => "English",
        }
    }

    /// The `?v=` of the embedded stylesheet and script, so browsers cache them for good.
    pub fn asset_version(&self) -> &'static str {
        super::assets::version()
    }
}

/// The errors of a submitted form, by field, as the API names them; shown beside each field.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors {
    /// `(field, message)` pairs; field `""` for errors that name no field.
    pub items: Vec<(String, String)>,
}

impl FieldErrors {
    /// No errors.
    pub fn none() -> FieldErrors {
        FieldErrors::default()
    }

    /// The errors of a refused write: a validation error's fields, a conflict's field, or one
    /// general message. `None` for errors that are not the form's fault (403, 404, 500):
    /// those are pages of their own.
    pub fn from_error(e: &AppError) -> Option<FieldErrors> {
        let items = match e {
            AppError::Validation(v) => v.errors.iter().map(|f| (f.field.clone(), f.message.clone())).collect(),
            AppError::Conflict { detail, field } | AppError::BadRequest { detail, field } => {
                vec![(field.clone().unwrap_or_default(), detail.clone())]
            }
            AppError::CsvRows(rows) => rows.iter().map(|r| (r.column.clone(), format!("row {}: {}", r.row, r.reason))).collect(),
            _ => return None,
        };
        Some(FieldErrors { items })
    }

    /// True when there is any error.
    pub fn any(&self) -> bool {
        !self.items.is_empty()
    }

    /// True when `field` (or a path under it, `skills[0].level` under `skills`) has an error.
    pub fn has(&self, field: &str) -> bool {
        self.items.iter().any(|(f, _)| f == field || f.starts_with(&format!("{field}.")) || f.starts_with(&format!("{field}[")))
    }

    /// The messages for `field` (and paths under it), joined.
    pub fn of(&self, field: &str) -> String {
        let msgs: Vec<&str> = self
            .items
            .iter()
            .filter(|(f, _)| f == field || f.starts_with(&format!("{field}.")) || f.starts_with(&format!("{field}[")))
            .map(|(_, m)| m.as_str())
            .collect();
        msgs.join("; ")
    }
}

/// An error page.
#[derive(Template)]
#[template(path = "web/error.html")]
pub struct ErrorPage {
    /// Frame.
    pub c: Chrome,
    /// Message key of the explanation.
    pub explain: &'static str,
    /// The error's own words (empty for internal errors).
    pub detail: String,
    /// HTTP status.
    pub status: u16,
}
