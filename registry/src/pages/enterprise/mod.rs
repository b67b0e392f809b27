//! The enterprise pages of the web application (issue 11): an enterprise's talent-demand lists
//! (人才需求清单) — listed, written in a form with a skill picker or uploaded as CSV, published
//! and closed — and, per position, the courses that teach what it asks for and the opted-in
//! learners ranked for it with the reason for every score.
//!
//! | page | what |
//! |---|---|
//! | `GET /org/demand` | [`lists::find_lists`]: the organisation's lists, every status |
//! | `GET/POST /org/demand/new`, `/org/demand/{id}/edit` | [`form`]: the list and its positions |
//! | `GET/POST /org/demand/upload` | [`upload`]: a CSV file, every bad row shown |
//! | `GET /org/demand/{id}` | [`detail::find_list`]: positions, coverage, candidates |
//! | `GET /org/demand/{id}/positions/{item}` | [`detail::find_position`]: one position in full |
//! | `POST /org/demand/{id}/status`, `/delete` | [`lists`]: publish, close, reopen, delete |
//!
//! Every write is `services::demand`'s or `services::import`'s and every ranking
//! `services::matching`'s — what the JSON routes call — so the same rules and errors apply.
//! Who may open a page is the same policy too: an enterprise's own admins and staff, and the
//! region and platform admins covering it ([`auth::policy::coverage`](crate::auth::policy::coverage));
//! another enterprise's draft is "not found", a learner is refused.

pub(crate) mod detail;
pub(crate) mod form;
pub(crate) mod lists;
pub(crate) mod upload;

use axum::Router;
use axum::routing::{get, post};
use rongtong_catalog::{OrgKind, SkillLevel};

use super::ctx::{Ctx, PageError, PageResult};
use super::i18n::Lang;
use crate::app::AppState;
use crate::auth::Principal;
use crate::auth::policy::{self, Coverage};
use crate::error::AppError;

/// This area's page routes (merged into the web application by `pages::routes`).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/org/demand", get(lists::find_lists))
        .route("/org/demand/new", get(form::find_new).post(form::create_list))
        .route("/org/demand/upload", get(upload::find_upload).post(upload::create_upload))
        .route("/org/demand/{id}", get(detail::find_list))
        .route("/org/demand/{id}/edit", get(form::find_edit).post(form::update_list))
        .route("/org/demand/{id}/status", post(lists::update_status))
        .route("/org/demand/{id}/delete", post(lists::delete_list))
        .route("/org/demand/{id}/positions/{item}", get(detail::find_position))
}

/// Whose demand lists a signed-in person works on in these pages.
#[derive(Debug, Clone)]
pub(crate) enum Desk {
    /// An enterprise's admin or staff: their own enterprise (its code).
    Enterprise(String),
    /// A region or platform admin: any enterprise they cover, named per page.
    Admin,
}

/// The signed-in person and their [`Desk`]; "sign in first" when nobody is, 403 for anyone
/// who covers no enterprise (learners, colleges, evaluation organisations).
pub(crate) fn desk(ctx: &Ctx) -> PageResult<(&Principal, Desk)> {
    let p = ctx.require()?;
    match (policy::coverage(Some(p)), &p.org) {
        (Coverage::Org(_), Some(org)) if org.kind == OrgKind::Enterprise => Ok((p, Desk::Enterprise(org.code.clone()))),
        (Coverage::Region(_) | Coverage::Everything, _) => Ok((p, Desk::Admin)),
        _ => Err(PageError(AppError::Forbidden(format!("{} does not work for an enterprise", p.username)))),
    }
}

/// A level's name in the page's language: 三级/高级工, or Level 3 (senior worker).
pub(crate) fn level_name(lang: Lang, level: SkillLevel) -> &'static str {
    match lang {
        Lang::Zh => level.name_zh(),
        Lang::En => level.name_en(),
    }
}

/// A skill's label from its Chinese and English labels: `中文 / English`, or either alone,
/// or the URI when it has none.
pub(crate) fn skill_label(uri: &str, zh: Option<&str>, en: Option<&str>) -> String {
    match (zh.filter(|s| !s.is_empty()), en.filter(|s| !s.is_empty())) {
        (Some(z), Some(e)) => format!("{z} / {e}"),
        (Some(one), None) | (None, Some(one)) => one.to_string(),
        (None, None) => uri.to_string(),
    }
}

/// The message key of a demand list's status.
pub(crate) fn status_key(status: &str) -> &'static str {
    match status {
        "published" => "enterprise.status.published",
        "closed" => "enterprise.status.closed",
        _ => "enterprise.status.draft",
    }
}

/// The badge class of a demand list's status.
pub(crate) fn status_class(status: &str) -> &'static str {
    match status {
        "published" => "ok",
        "closed" => "bad",
        _ => "warn",
    }
}

/// The one-time notice a redirect names in `?done=`, as a message key.
pub(crate) fn done_notice(here: &str) -> Option<&'static str> {
    let query = here.split_once('?').map(|(_, q)| q).unwrap_or("");
    let done = form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "done").map(|(_, v)| v.into_owned())?;
    Some(match done.as_str() {
        "created" => "enterprise.notice.created",
        "saved" => "enterprise.notice.saved",
        "imported" => "enterprise.notice.imported",
        "published" => "enterprise.notice.published",
        "closed" => "enterprise.notice.closed",
        "draft" => "enterprise.notice.draft",
        "deleted" => "enterprise.notice.deleted",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_come_only_from_known_words() {
        assert_eq!(done_notice("/org/demand/x?done=published"), Some("enterprise.notice.published"));
        assert_eq!(done_notice("/org/demand/x?page=2&done=saved"), Some("enterprise.notice.saved"));
        assert_eq!(done_notice("/org/demand/x?done=<script>"), None);
        assert_eq!(done_notice("/org/demand/x"), None);
    }

    #[test]
    fn a_skill_is_labelled_in_both_languages_when_it_can_be() {
        assert_eq!(skill_label("u", Some("铸造工艺"), Some("casting")), "铸造工艺 / casting");
        assert_eq!(skill_label("u", Some("铸造工艺"), Some("")), "铸造工艺");
        assert_eq!(skill_label("u", None, None), "u");
    }
}
