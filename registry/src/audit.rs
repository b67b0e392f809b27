//! `rongtong audit credentials`: re-verify every stored credential against this registry's
//! own DID documents and status lists, and compare each verdict with the store.
//!
//! Why an operator runs it: after restoring a backup, migrating between SQLite and
//! PostgreSQL, rotating or dropping a key, or editing rows by hand, it proves that what the
//! registry serves still verifies — and that every status bit says what the store says
//! (a credential recorded as revoked must fail `status`; an active one must pass). Stored
//! credentials are checked a page at a time with one Ed25519 batch equation per page
//! ([`rongtong_credentials::verify_batch`]); DID documents and status lists come from the
//! database through [`DbResolver`], each asked once per run ([`CachingResolver`]).

use std::collections::BTreeMap;

use rongtong_credentials::did::CachingResolver;
use rongtong_credentials::verify::{CHECK_ISSUER_TRUST, CHECK_STATUS, VerifyOptions};
use serde::Serialize;
use serde_json::Value;

use crate::db::DbConnection;
use crate::error::AppResult;
use crate::models::credentials::{self as m, CredentialRow, DbResolver, IssueContext};

/// Credentials verified per batch equation. Larger batches gain little (the per-signature
/// cost flattens out near 64) and hold more documents in memory.
pub const PAGE: i64 = 500;

/// What one stored credential turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Verifies, and the store says active.
    Valid,
    /// Fails only `status` as revoked, and the store says revoked.
    Revoked,
    /// Fails only `status` as suspended, and the store says suspended.
    Suspended,
    /// Anything else: a check failed that should not have, or the status list disagrees
    /// with the store.
    Problem,
}

/// One credential whose verdict is [`Verdict::Problem`].
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// Credential id.
    pub id: String,
    /// What the store records: `active`, `revoked` or `suspended`.
    pub recorded: &'static str,
    /// `name: detail` of every failed check, or why a passing one is wrong.
    pub failures: Vec<String>,
}

/// The outcome of an audit.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AuditReport {
    /// Credentials examined.
    pub total: usize,
    /// Count per verdict.
    pub counts: BTreeMap<Verdict, usize>,
    /// Every problem found.
    pub problems: Vec<Problem>,
}

impl AuditReport {
    /// No problems.
    pub fn clean(&self) -> bool {
        self.problems.is_empty()
    }
}

fn recorded(row: &CredentialRow) -> &'static str {
    match (row.revoked, row.suspended) {
        (true, _) => "revoked",
        (false, true) => "suspended",
        (false, false) => "active",
    }
}

/// Compares one verification report with what the store records.
pub fn judge(row: &CredentialRow, report: &rongtong_credentials::VerificationReport) -> Result<Verdict, Problem> {
    let failed: Vec<_> = report.checks.iter().filter(|c| !c.passed && c.name != CHECK_ISSUER_TRUST).collect();
    let untrusted = report.trusted == Some(false);
    let state = recorded(row);
    let status_says = match failed.as_slice() {
        [] => Some("active"),
        [only] if only.name == CHECK_STATUS && only.detail.starts_with("revoked") => Some("revoked"),
        [only] if only.name == CHECK_STATUS && only.detail.starts_with("suspended") => Some("suspended"),
        _ => None,
    };
    let problem = |failures: Vec<String>| Problem { id: row.id.clone(), recorded: state, failures };
    match status_says {
        _ if untrusted => Err(problem(vec!["issuer_trust: not issued by one of this registry's DIDs".into()])),
        Some(s) if s == state => Ok(match s {
            "revoked" => Verdict::Revoked,
            "suspended" => Verdict::Suspended,
            _ => Verdict::Valid,
        }),
        Some(s) => Err(problem(vec![format!("status: the status lists say {s}, the store says {state}")])),
        None => Err(problem(failed.iter().map(|c| format!("{}: {}", c.name, c.detail)).collect())),
    }
}

/// Audits every stored credential. `rows` pages through the credentials table and
/// `resolver_conn` serves DID documents and status lists (two connections, because the
/// resolver holds its own for the whole run). `progress(done, total)` is called after
/// each page.
pub fn audit_credentials(
    rows: &mut DbConnection,
    resolver_conn: &mut DbConnection,
    ctx: IssueContext<'_>,
    mut progress: impl FnMut(usize, usize),
) -> AppResult<AuditReport> {
    use diesel::prelude::*;
    let total: i64 = crate::schema::credentials::table.count().get_result(rows)?;
    let total = usize::try_from(total).unwrap_or(0);
    let options = VerifyOptions { trusted_issuers: Some(m::trusted_issuers(rows)?), ..VerifyOptions::obv3() };
    let resolver = CachingResolver::new(DbResolver::new(resolver_conn, ctx));
    let now = chrono::Utc::now();
    let mut report = AuditReport::default();
    let mut after: Option<String> = None;
    loop {
        let page = m::all_credentials(rows, after.as_deref(), PAGE)?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        let docs: Vec<Value> = page.iter().map(|r| serde_json::from_str(&r.json).unwrap_or(Value::Null)).collect();
        let verdicts = rongtong_credentials::verify_batch(&docs, &resolver, now, &options);
        for (row, v) in page.iter().zip(&verdicts) {
            match judge(row, v) {
                Ok(verdict) => *report.counts.entry(verdict).or_default() += 1,
                Err(p) => {
                    *report.counts.entry(Verdict::Problem).or_default() += 1;
                    report.problems.push(p);
                }
            }
        }
        report.total += page.len();
        progress(report.total, total.max(report.total));
    }
    Ok(report)
}
