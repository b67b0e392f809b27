//! `/org/demand`: an enterprise's demand lists, every status, with the actions each allows
//! (publish a draft, close a published list, reopen a closed one, delete a draft); and the
//! POST handlers behind those buttons, which change a list exactly as
//! `POST /api/v1/demand-lists/{id}/status` and `DELETE /api/v1/demand-lists/{id}` do.

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use rongtong_catalog::DemandStatus;
use serde::Deserialize;

use super::{Desk, desk, status_class, status_key};
use crate::app::AppState;
use crate::error::AppError;
use crate::models::demand::{self as m, DemandFilter, DemandListView};
use crate::pages::ctx::{CsrfForm, Ctx, PageResult, render};
use crate::pages::layout::Chrome;
use crate::services::demand as svc;

/// Lists shown per page.
const PER_PAGE: i64 = 50;

/// `?page=` and, for admins, `?enterprise=`.
#[derive(Debug, Default, Deserialize)]
pub struct ListsQuery {
    /// Page number from 1 (anything else is page 1).
    #[serde(default)]
    pub page: Option<String>,
    /// Admins: only this enterprise's lists (its code).
    #[serde(default)]
    pub enterprise: Option<String>,
}

/// One row of the table.
pub struct ListRow {
    /// The list.
    pub list: DemandListView,
    /// The status changes it allows.
    pub moves: Vec<Move>,
    /// Number of positions.
    pub positions: i64,
}

/// The page.
#[derive(Template)]
#[template(path = "web/enterprise/lists.html")]
pub struct ListsPage {
    c: Chrome,
    /// True for region and platform admins (the table names each list's enterprise).
    admin: bool,
    /// The enterprise the page is about, when one is.
    enterprise: String,
    rows: Vec<ListRow>,
    total: i64,
    page: i64,
    pages: i64,
}

impl ListsPage {
    /// `?enterprise=…` for the new-list and upload links of an admin looking at one enterprise.
    fn enterprise_query(&self) -> String {
        if self.admin && !self.enterprise.is_empty() {
            format!("?{}", form_urlencoded::Serializer::new(String::new()).append_pair("enterprise", &self.enterprise).finish())
        } else {
            String::new()
        }
    }

    /// The query string of page `n`, keeping the enterprise.
    fn page_href(&self, n: i64) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        if self.admin && !self.enterprise.is_empty() {
            q.append_pair("enterprise", &self.enterprise);
        }
        q.append_pair("page", &n.to_string());
        format!("/org/demand?{}", q.finish())
    }

    /// The previous page number.
    fn prev(&self) -> i64 {
        self.page - 1
    }

    /// The next page number.
    fn next(&self) -> i64 {
        self.page + 1
    }
}

/// A status button: the status it moves to, its label's key and its element id.
#[derive(Debug, Clone, Copy)]
pub struct Move {
    /// `published`, `closed` or `draft`.
    pub to: &'static str,
    /// The button's message key.
    pub key: &'static str,
    /// The button's `id` (browser tests click it).
    pub id: &'static str,
}

/// The status buttons a list shows: what [`DemandStatus::can_move_to`] allows from its status.
pub(crate) fn moves(status: &str) -> Vec<Move> {
    use DemandStatus::{Closed, Draft, Published};
    let from: DemandStatus = status.parse().unwrap_or(Draft);
    let mut out = Vec::new();
    if from.can_move_to(Published) {
        out.push(match from {
            Closed => Move { to: "published", key: "enterprise.action.reopen", id: "demand-reopen" },
            _ => Move { to: "published", key: "enterprise.action.publish", id: "demand-publish" },
        });
    }
    if from.can_move_to(Closed) {
        out.push(Move { to: "closed", key: "enterprise.action.close", id: "demand-close" });
    }
    if from.can_move_to(Draft) {
        out.push(Move { to: "draft", key: "enterprise.action.unpublish", id: "demand-unpublish" });
    }
    out
}

/// `GET /org/demand`: the enterprise's lists, newest first, 50 a page; for region and platform
/// admins, the lists of the enterprises they cover (or of `?enterprise=`).
pub async fn find_lists(state: AppState, ctx: Ctx, Query(q): Query<ListsQuery>) -> PageResult<Response> {
    let (p, desk) = desk(&ctx)?;
    let page = q.page.as_deref().and_then(|s| s.trim().parse::<i64>().ok()).filter(|n| *n >= 1 && *n <= 100_000).unwrap_or(1);
    let (admin, enterprise) = match desk {
        Desk::Enterprise(code) => (false, code),
        Desk::Admin => (true, q.enterprise.as_deref().map(str::trim).unwrap_or("").to_string()),
    };
    let filter = DemandFilter {
        enterprise: (!enterprise.is_empty()).then(|| enterprise.clone()),
        // A region admin's table is about their region; the platform's about everything.
        region: if admin && enterprise.is_empty() && p.role == crate::auth::Role::RegionAdmin { p.region.clone() } else { None },
        ..DemandFilter::default()
    };
    let caller = ctx.caller();
    let (lists, total) = state
        .db
        .run(move |c| {
            // Only an enterprise the person may edit: the same check as every write.
            if let (Some(code), Some(who)) = (&filter.enterprise, caller.principal()) {
                svc::enterprise_for(c, who, code)?;
            }
            m::list_lists(c, &caller, &filter, PER_PAGE, (page - 1) * PER_PAGE)
        })
        .await?;
    let rows = lists.into_iter().map(|list| ListRow { moves: moves(&list.status), positions: list.items.len() as i64, list }).collect();
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    let c = Chrome::new(&ctx, "enterprise.lists.title").with_notice(super::done_notice(&ctx.here));
    Ok(render(&ListsPage { c, admin, enterprise, rows, total, page, pages })?.into_response())
}

/// The status form: the status to move to.
#[derive(Debug, Deserialize)]
pub struct StatusForm {
    /// `published`, `closed` or `draft`.
    #[serde(default)]
    pub status: String,
    /// Where to go afterwards: `list` for the table, else the list's page.
    #[serde(default)]
    pub back: String,
}

/// `POST /org/demand/{id}/status`: publishes, closes, reopens or unpublishes a list through
/// `services::demand::set_status` (the JSON route's), then back to the list (or the table)
/// with a notice. A refused move (a draft without positions, a move the lifecycle forbids) is
/// shown on the list's page with nothing changed.
pub async fn update_status(
    state: AppState,
    ctx: Ctx,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<StatusForm>,
) -> PageResult<Response> {
    let (p, _) = desk(&ctx)?;
    let to: DemandStatus = form
        .status
        .trim()
        .parse()
        .map_err(|_| AppError::bad_field("status", format!("`{}` is not a status: use published, closed or draft", form.status)))?;
    let principal = p.clone();
    let list_id = id.clone();
    match state.db.run(move |c| svc::set_status(c, &principal, &list_id, to)).await {
        Ok(view) => {
            let done = to.as_ref();
            let target =
                if form.back == "list" { format!("/org/demand?done={done}") } else { format!("/org/demand/{}?done={done}", view.id) };
            Ok(Redirect::to(&target).into_response())
        }
        Err(e @ (AppError::Conflict { .. } | AppError::Validation(_))) => super::detail::render_list(&state, &ctx, id, Some(e)).await,
        Err(e) => Err(e.into()),
    }
}

/// The delete form carries only its CSRF token.
#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

/// `POST /org/demand/{id}/delete`: deletes a draft (`services::demand::delete_list`, as
/// `DELETE /api/v1/demand-lists/{id}`); a published list is shown again with the reason.
pub async fn delete_list(state: AppState, ctx: Ctx, Path(id): Path<String>, CsrfForm(_): CsrfForm<EmptyForm>) -> PageResult<Response> {
    let (p, _) = desk(&ctx)?;
    let principal = p.clone();
    let list_id = id.clone();
    match state.db.run(move |c| svc::delete_list(c, &principal, &list_id)).await {
        Ok(()) => Ok(Redirect::to("/org/demand?done=deleted").into_response()),
        Err(e @ AppError::Conflict { .. }) => super::detail::render_list(&state, &ctx, id, Some(e)).await,
        Err(e) => Err(e.into()),
    }
}

impl ListRow {
    /// The status's message key.
    fn status_key(&self) -> &'static str {
        status_key(&self.list.status)
    }

    /// The status's badge class.
    fn status_class(&self) -> &'static str {
        status_class(&self.list.status)
    }

    /// True when the list can still be edited (not closed).
    fn editable(&self) -> bool {
        self.list.status != "closed"
    }
}
