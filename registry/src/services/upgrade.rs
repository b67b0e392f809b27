//! Opening the store for the service and the command line: the schema migrations (`db`),
//! then the data repairs a release asks for, once.
//!
//! A migration that needs work SQL cannot do — re-signing, flipping bits of a status list —
//! inserts a row into `data_repairs`; [`open`] runs each pending repair and deletes its row in
//! the same transaction, so a repair runs exactly once even with many nodes starting together
//! (the second finds the row gone). Every command that opens the store goes through here.

use crate::db::{Db, DbConnection};
use crate::error::{AppError, AppResult};
use crate::models::credentials as m;
use crate::services::credentials::status::{self, StatusAction};

/// Why a certificate of a failed completion is revoked by the repair.
pub const FAILED_RESULT_REASON: &str = "颁发时考核结果为不合格 (issued for a failed result)";

/// Opens the store (pool of `pool_size`), migrates it and runs pending data repairs.
pub fn open(url: &str, pool_size: u32) -> AppResult<Db> {
    let db = Db::open(url, pool_size)?;
    let mut conn = db.conn()?;
    for (name, n) in run_data_repairs(&mut conn)? {
        tracing::info!(repair = %name, changed = n, "data repair done");
    }
    Ok(db)
}

/// Runs every pending data repair; returns (name, rows changed) for each.
pub fn run_data_repairs(conn: &mut DbConnection) -> AppResult<Vec<(String, usize)>> {
    let mut done = Vec::new();
    for name in m::pending_data_repairs(conn)? {
        let n = crate::db::write_transaction::<_, AppError, _>(conn, |c| {
            // Another node may have done it since we listed it.
            if m::finish_data_repair(c, &name)? == 0 {
                return Ok(0);
            }
            match name.as_str() {
                "revoke_certificates_of_failed_completions" => revoke_certificates_of_failed_completions(c),
                other => Err(AppError::Internal(format!("unknown data repair {other}: this binary is older than the database"))),
            }
        })?;
        done.push((name, n));
    }
    Ok(done)
}

/// Revokes every training certificate whose completion was not passed — issued before the
/// registry refused to — with [`FAILED_RESULT_REASON`], through the status lists, so every
/// verifier sees it at once. Returns how many were revoked.
pub fn revoke_certificates_of_failed_completions(conn: &mut DbConnection) -> AppResult<usize> {
    let mut n = 0;
    for (row, result) in m::unrevoked_training_certificates_with_results(conn)? {
        if !rongtong_catalog::CompletionResult::parse(&result).is_ok_and(|r| r.is_pass()) {
            status::set_status(conn, &row, StatusAction::Revoke, FAILED_RESULT_REASON)?;
            n += 1;
        }
    }
    Ok(n)
}
