//! Audit and repair of status-list allocation: do the lists agree with the credentials that
//! hold indexes in them?
//!
//! A revocation list row records which of its indexes are handed out (`allocated`, a bitmap,
//! and `used`, their count) and which are revoked (`bits`); its suspension twin records which
//! are suspended. All of it is derivable from the credentials: each credential names its list
//! and index and says whether it is revoked or suspended. Before allocation locked the list
//! row, two nodes on one PostgreSQL could each write back a bitmap without the other's bits;
//! the lost bits were then handed out again and issuance failed on the unique index of
//! (list, index). `rongtong audit credentials` reports every such disagreement, and
//! `rongtong repair status-lists` rewrites the lists from the credentials.
//!
//! What cannot be repaired this way is reported, not guessed at: two credentials sharing an
//! index (their signed documents name it), an index outside its list, a list that credentials
//! name but that does not exist.

use rongtong_credentials::status::StatusList;
use serde::Serialize;

use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::models::credentials as m;
use crate::services::credentials::status::suspension_twin;

/// One disagreement between a list pair and its credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListProblem {
    /// The revocation list (or the list id a credential names).
    pub list_id: String,
    /// What disagrees.
    pub detail: String,
    /// Whether `rongtong repair status-lists` can fix it (rewrite the list from the credentials).
    pub repairable: bool,
}

/// What [`repair_status_lists`] did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RepairReport {
    /// Revocation lists examined (with their suspension twins).
    pub lists: usize,
    /// The problems fixed, by list.
    pub repaired: Vec<ListProblem>,
    /// What a rewrite from the credentials cannot fix.
    pub unrepairable: Vec<ListProblem>,
}

/// The state a list pair should have, derived from the credentials holding its indexes.
struct Derived {
    allocated: StatusList,
    used: i32,
    revoked: StatusList,
    suspended: StatusList,
    /// Disagreements no rewrite fixes.
    conflicts: Vec<String>,
}

fn internal(e: rongtong_credentials::Error) -> AppError {
    AppError::Internal(e.to_string())
}

fn derive(size: usize, slots: &[(String, i64, bool, bool)]) -> AppResult<Derived> {
    let mut d = Derived {
        allocated: StatusList::new(size).map_err(internal)?,
        used: 0,
        revoked: StatusList::new(size).map_err(internal)?,
        suspended: StatusList::new(size).map_err(internal)?,
        conflicts: Vec::new(),
    };
    let mut previous: Option<(&str, i64)> = None;
    for (id, index, revoked, suspended) in slots {
        let Some(i) = usize::try_from(*index).ok().filter(|i| *i < size) else {
            d.conflicts.push(format!("credential {id} holds index {index}, outside the list's {size} entries"));
            continue;
        };
        // Slots come ordered by index, so a shared index is two neighbours.
        match previous {
            Some((other, j)) if j == *index => {
                d.conflicts.push(format!("index {index} is held by two credentials, {other} and {id}"));
            }
            _ => d.used += 1,
        }
        previous = Some((id, *index));
        d.allocated.set(i, true).map_err(internal)?;
        // Revoking clears a suspension (`status::set_status`): a revoked credential's
        // suspension bit is clear.
        if *revoked {
            d.revoked.set(i, true).map_err(internal)?;
        } else if *suspended {
            d.suspended.set(i, true).map_err(internal)?;
        }
    }
    Ok(d)
}

/// "N indexes …, e.g. 3, 17, 95" for the indexes where `stored` and `expected` differ
/// with `stored` = `value`.
fn differences(what: &str, stored: &StatusList, expected: &StatusList, value: bool, out: &mut Vec<String>) {
    let found: Vec<usize> =
        (0..expected.len()).filter(|i| stored.get(*i).unwrap_or(false) == value && expected.get(*i).unwrap_or(false) != value).collect();
    if !found.is_empty() {
        let examples: Vec<String> = found.iter().take(5).map(usize::to_string).collect();
        out.push(format!("{} {what} (e.g. {})", found.len(), examples.join(", ")));
    }
}

/// Compares a list pair as stored with the state its credentials call for; the repairable
/// disagreements, each in words.
fn compare(stored: &m::ListState, twin_bits: &StatusList, d: &Derived) -> AppResult<Vec<String>> {
    let (_, allocated, used, bits) = stored;
    let allocated = StatusList::from_bytes(allocated.clone()).map_err(internal)?;
    let bits = StatusList::from_bytes(bits.clone()).map_err(internal)?;
    let mut out = Vec::new();
    differences("credentials' indexes are not marked allocated", &allocated, &d.allocated, false, &mut out);
    differences("indexes are marked allocated but no credential holds them", &allocated, &d.allocated, true, &mut out);
    if *used != d.used {
        out.push(format!("the used count is {used}, but {} indexes are held", d.used));
    }
    differences("revoked credentials' revocation bits are clear", &bits, &d.revoked, false, &mut out);
    differences("revocation bits are set for no revoked credential", &bits, &d.revoked, true, &mut out);
    differences("suspended credentials' suspension bits are clear", twin_bits, &d.suspended, false, &mut out);
    differences("suspension bits are set for no suspended credential", twin_bits, &d.suspended, true, &mut out);
    Ok(out)
}

/// One list pair: its problems, and (when `repair`) the rewrite. Locks the pair when repairing.
fn examine(conn: &mut DbConnection, list_id: &str, repair: bool) -> AppResult<Vec<ListProblem>> {
    let twin_id = suspension_twin(list_id);
    let problem = |detail: String, repairable: bool| ListProblem { list_id: list_id.to_string(), detail, repairable };
    let Some(stored) = m::list_state(conn, list_id, repair)? else { return Ok(Vec::new()) };
    let Some((_, _, _, twin_bits)) = m::list_state(conn, &twin_id, repair)? else {
        return Ok(vec![problem(format!("its suspension list {twin_id} does not exist"), false)]);
    };
    let twin_bits = StatusList::from_bytes(twin_bits).map_err(internal)?;
    let size = usize::try_from(stored.0).unwrap_or(0);
    let derived = derive(size, &m::credential_slots(conn, list_id)?)?;
    let mut problems: Vec<ListProblem> = derived.conflicts.iter().map(|c| problem(c.clone(), false)).collect();
    let fixable = compare(&stored, &twin_bits, &derived)?;
    if repair && !fixable.is_empty() {
        m::write_list_state(conn, list_id, derived.allocated.as_bytes(), derived.used, derived.revoked.as_bytes())?;
        m::update_status_bits(conn, &twin_id, derived.suspended.as_bytes())?;
    }
    problems.extend(fixable.into_iter().map(|d| problem(d, true)));
    Ok(problems)
}

/// Every disagreement between the status lists and the credentials (the allocation part of
/// `rongtong audit credentials`). Reads only.
pub fn check_status_lists(conn: &mut DbConnection) -> AppResult<Vec<ListProblem>> {
    let mut problems: Vec<ListProblem> = m::missing_status_lists(conn)?
        .into_iter()
        .map(|id| ListProblem { list_id: id, detail: "credentials name this status list, but it does not exist".into(), repairable: false })
        .collect();
    for id in m::revocation_list_ids(conn)? {
        problems.extend(examine(conn, &id, false)?);
    }
    Ok(problems)
}

/// Rewrites every list pair that disagrees with its credentials: the allocation bitmap and
/// used count from the indexes the credentials hold, the revocation and suspension bits from
/// their recorded status (the store is the truth; the signed lists are re-issued on their
/// next read). Each pair in its own write transaction, its rows locked, so it runs safely
/// beside live servers.
pub fn repair_status_lists(conn: &mut DbConnection) -> AppResult<RepairReport> {
    let mut report = RepairReport::default();
    report.unrepairable.extend(m::missing_status_lists(conn)?.into_iter().map(|id| ListProblem {
        list_id: id,
        detail: "credentials name this status list, but it does not exist".into(),
        repairable: false,
    }));
    for id in m::revocation_list_ids(conn)? {
        report.lists += 1;
        let problems = crate::db::write_transaction(conn, |c| examine(c, &id, true))?;
        let (fixed, left): (Vec<_>, Vec<_>) = problems.into_iter().partition(|p| p.repairable);
        report.repaired.extend(fixed);
        report.unrepairable.extend(left);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::credentials::status::STATUS_LIST_SIZE as N;

    fn slot(id: &str, index: i64, revoked: bool, suspended: bool) -> (String, i64, bool, bool) {
        (id.to_string(), index, revoked, suspended)
    }

    #[test]
    fn derived_state_follows_the_credentials() {
        let d = derive(N, &[slot("a", 3, false, false), slot("b", 5, true, false), slot("c", 9, false, true)]).expect("derive");
        assert_eq!(d.used, 3);
        assert!(d.conflicts.is_empty());
        assert_eq!((0..N).filter(|i| d.allocated.get(*i) == Some(true)).collect::<Vec<_>>(), vec![3, 5, 9]);
        assert_eq!(d.revoked.get(5), Some(true));
        assert_eq!(d.revoked.get(9), Some(false));
        assert_eq!(d.suspended.get(9), Some(true));
    }

    #[test]
    fn a_shared_or_out_of_range_index_is_not_repairable() {
        let d = derive(N, &[slot("a", 3, false, false), slot("b", 3, false, false), slot("c", N as i64, false, false)]).expect("derive");
        assert_eq!(d.conflicts.len(), 2, "{:?}", d.conflicts);
        assert!(d.conflicts[0].contains("held by two credentials, a and b"));
        assert!(d.conflicts[1].contains("outside the list"));
    }

    #[test]
    fn a_lost_allocation_bit_and_a_wrong_count_are_found() {
        let d = derive(N, &[slot("a", 3, false, false), slot("b", 7, false, false)]).expect("derive");
        let mut allocated = StatusList::new(N).expect("list");
        allocated.set(3, true).expect("set");
        let stored: m::ListState = (N as i32, allocated.as_bytes().to_vec(), 1, vec![0; N / 8]);
        let found = compare(&stored, &StatusList::new(N).expect("list"), &d).expect("compare");
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("1 credentials' indexes are not marked allocated (e.g. 7)"), "{found:?}");
        assert!(found[1].contains("used count is 1, but 2"), "{found:?}");
    }
}
