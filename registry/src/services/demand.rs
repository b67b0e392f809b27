//! Writing talent-demand lists (人才需求清单): creating, replacing, changing the status of and
//! deleting a list. The JSON routes (`routes::demand`) and the enterprise's web pages
//! (`pages::enterprise`) both call these, so a list saved from a form passes exactly the checks
//! a list sent to `POST /api/v1/demand-lists` passes, and each write happens in one
//! transaction: a refused list stores nothing.

use rongtong_catalog::{DemandListInput, DemandStatus, OrgKind};

use crate::auth::Principal;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::models::accounts::{self as accounts, OrgRow};
use crate::models::demand::{self as m, DemandListRow, DemandListView};

/// The enterprise of a demand list, checked against the caller's rights: an organisation that
/// is not an enterprise is a 422 naming `enterprise`, one the caller may not edit a 403.
pub fn enterprise_for(c: &mut DbConnection, p: &Principal, code: &str) -> AppResult<OrgRow> {
    let org = accounts::find_org(c, code).map_err(|_| AppError::invalid("enterprise", format!("no organization {code}")))?;
    if org.kind() != OrgKind::Enterprise {
        return Err(AppError::invalid("enterprise", format!("{code} is a {}; only enterprises publish demand lists", org.kind)));
    }
    p.ensure(p.can_edit_org_content(&org.id, &org.region_code()?), &format!("edit demand lists of {code}"))?;
    Ok(org)
}

/// The view of one stored list.
fn view_of(c: &mut DbConnection, id: &str) -> AppResult<DemandListView> {
    let row = m::find_list_row(c, id)?;
    Ok(m::list_views(c, vec![row])?.remove(0))
}

/// A list `p` may see and may edit: another tenant's draft is "not found" (its existence is
/// not disclosed), another tenant's published list a 403 for `action`.
pub fn editable_list(c: &mut DbConnection, p: &Principal, id: &str, action: &str) -> AppResult<DemandListRow> {
    let row = m::find_visible_list_row(c, Some(p), id)?;
    let org = accounts::find_org(c, &row.enterprise_id)?;
    p.ensure(p.can_edit_org_content(&org.id, &org.region_code()?), action)?;
    Ok(row)
}

/// Creates a demand list as a draft of `input.enterprise`: the input's field checks, the
/// caller's right to edit that enterprise, known region and skills (every unknown one named,
/// `items[i].skills[j].skill`). Nothing is stored unless everything passes.
pub fn create_list(c: &mut DbConnection, p: &Principal, input: &DemandListInput) -> AppResult<DemandListView> {
    input.validate()?;
    crate::db::write_transaction(c, |c| {
        let org = enterprise_for(c, p, &input.enterprise)?;
        let id = m::insert_list(c, &org.id, input, DemandStatus::Draft)?;
        view_of(c, &id)
    })
}

/// Replaces list `id` (title, region, industry, deadline, positions) with `input`, under the
/// same checks as [`create_list`]; a list cannot move to another enterprise, and a closed
/// list is kept as it was (409 on `status`).
pub fn update_list(c: &mut DbConnection, p: &Principal, id: &str, input: &DemandListInput) -> AppResult<DemandListView> {
    input.validate()?;
    crate::db::write_transaction(c, |c| {
        let row = m::find_visible_list_row(c, Some(p), id)?;
        let org = enterprise_for(c, p, &input.enterprise)?;
        if org.id != row.enterprise_id {
            return Err(AppError::invalid("enterprise", "a demand list cannot move to another enterprise"));
        }
        if row.status() == DemandStatus::Closed {
            return Err(AppError::conflict("status", "closed demand lists cannot be edited; reopen it first"));
        }
        m::update_list(c, &row.id, input)?;
        view_of(c, &row.id)
    })
}

/// Moves list `id` to `to` — publish, close, reopen, unpublish — when the lifecycle allows it
/// ([`DemandStatus::can_move_to`], else 409 on `status`); a list is published only with at
/// least one position (422 on `items`).
pub fn set_status(c: &mut DbConnection, p: &Principal, id: &str, to: DemandStatus) -> AppResult<DemandListView> {
    let row = editable_list(c, p, id, "change this demand list")?;
    if !row.status().can_move_to(to) {
        return Err(AppError::conflict("status", format!("a {} demand list cannot become {to}", row.status)));
    }
    if to == DemandStatus::Published {
        let view = m::list_views(c, vec![row.clone()])?.remove(0);
        if view.items.is_empty() {
            return Err(AppError::invalid("items", "a demand list needs at least one position before it is published"));
        }
    }
    m::set_list_status(c, &row.id, to)?;
    view_of(c, &row.id)
}

/// Deletes draft list `id`; a published or closed list is a 409 (close it instead).
pub fn delete_list(c: &mut DbConnection, p: &Principal, id: &str) -> AppResult<()> {
    let row = editable_list(c, p, id, "delete this demand list")?;
    if row.status() != DemandStatus::Draft {
        return Err(AppError::conflict("status", "only drafts can be deleted; close the list instead"));
    }
    m::delete_list(c, &row.id)?;
    Ok(())
}
