//! `rongtong audit credentials`: re-verify every stored credential against this registry's
//! own DID documents and status lists, and compare each verdict with the store.
//!
//! It also checks that every status list's allocation (which indexes are handed out, and how
//! many) and bits agree with the credentials holding indexes in it
//! ([`crate::services::credentials::allocation`]).
//!
//! Why an operator runs it: after restoring a backup, migrating between SQLite and
//! PostgreSQL, rotating or dropping a key, or editing rows by hand, it proves that what the
//! registry serves still verifies — and that every status bit says what the store says
//! (a credential recorded as revoked must fail `status`; an active one must pass). Stored
//! credentials are checked a page at a time with one Ed25519 batch equation per page
//! ([`rongtong_credentials::verify_batch`]), pages spread over the cores; DID documents and
//! status lists come from the database through [`DbResolver`], each asked once per worker
//! ([`CachingResolver`]).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, mpsc};

use rongtong_credentials::did::CachingResolver;
use rongtong_credentials::verify::{CHECK_ISSUER_TRUST, CHECK_STATUS, VerifyOptions};
use serde::Serialize;
use serde_json::Value;

use crate::db::Db;
use crate::error::AppResult;
use crate::models::credentials::{self as m, CredentialRow, CredentialStatus};
use crate::services::credentials::allocation::{ListProblem, check_status_lists};
use crate::services::credentials::issuance::IssueContext;
use crate::services::credentials::resolver::DbResolver;

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
    pub recorded: CredentialStatus,
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
    /// Where the status lists' allocation or bits disagree with the credentials
    /// ([`crate::services::credentials::allocation`]).
    pub status_lists: Vec<ListProblem>,
}

impl AuditReport {
    /// No problems.
    pub fn clean(&self) -> bool {
        self.problems.is_empty() && self.status_lists.is_empty()
    }
}

/// Compares one verification report with what the store records.
pub fn judge(row: &CredentialRow, report: &rongtong_credentials::VerificationReport) -> Result<Verdict, Problem> {
    let failed: Vec<_> = report.checks.iter().filter(|c| !c.passed && c.name != CHECK_ISSUER_TRUST).collect();
    let untrusted = report.trusted == Some(false);
    let state = row.status();
    let status_says = match failed.as_slice() {
        [] => Some(CredentialStatus::Active),
        [only] if only.name == CHECK_STATUS && only.detail.starts_with("revoked") => Some(CredentialStatus::Revoked),
        [only] if only.name == CHECK_STATUS && only.detail.starts_with("suspended") => Some(CredentialStatus::Suspended),
        _ => None,
    };
    let problem = |failures: Vec<String>| Problem { id: row.id.clone(), recorded: state, failures };
    match status_says {
        _ if untrusted => Err(problem(vec!["issuer_trust: not issued by one of this registry's DIDs".into()])),
        Some(s) if s == state => Ok(match s {
            CredentialStatus::Revoked => Verdict::Revoked,
            CredentialStatus::Suspended => Verdict::Suspended,
            CredentialStatus::Active => Verdict::Valid,
        }),
        Some(s) => Err(problem(vec![format!("status: the status lists say {s}, the store says {state}")])),
        None => Err(problem(failed.iter().map(|c| format!("{}: {}", c.name, c.detail)).collect())),
    }
}

/// Audits every stored credential. The calling thread pages through the credentials table
/// (`page` rows at a time; [`PAGE`] unless testing) and `workers` threads verify the pages, each with its own database connection for DID
/// documents and status lists (a resolver holds one for its whole run) and its own cache.
/// `db` needs a pool of `workers + 1` connections. `progress(done, total)` is called as
/// pages complete. Problems are reported in id order whatever thread found them.
pub fn audit_credentials(
    db: &Db,
    ctx: IssueContext<'_>,
    workers: usize,
    page: i64,
    mut progress: impl FnMut(usize, usize),
) -> AppResult<AuditReport> {
    let mut rows = db.conn()?;
    let total = m::count_credentials(&mut rows)?;
    let total = usize::try_from(total).unwrap_or(0);
    let options = VerifyOptions { trusted_issuers: Some(m::trusted_issuers(&mut rows)?), ..VerifyOptions::obv3() };
    let now = chrono::Utc::now();
    let workers = workers.max(1);
    let (page_tx, page_rx) = mpsc::sync_channel::<Vec<CredentialRow>>(workers);
    // Only the workers hold the receiver: if they all stop (say no connection could be had),
    // it is dropped and the reader's `send` fails instead of blocking for ever.
    let page_rx = Arc::new(Mutex::new(page_rx));
    let (done_tx, done_rx) = mpsc::channel::<AppResult<Vec<Result<Verdict, Problem>>>>();
    let mut report = AuditReport { status_lists: check_status_lists(&mut rows)?, ..AuditReport::default() };
    std::thread::scope(|scope| -> AppResult<()> {
        for _ in 0..workers {
            let (page_rx, done_tx, options) = (Arc::clone(&page_rx), done_tx.clone(), &options);
            scope.spawn(move || {
                let mut conn = match db.conn() {
                    Ok(c) => c,
                    Err(e) => return drop(done_tx.send(Err(e.into()))),
                };
                let resolver = CachingResolver::new(DbResolver::new(&mut conn, ctx));
                // Take the next page while the lock is held only for the `recv`.
                while let Some(page) = page_rx.lock().ok().and_then(|rx| rx.recv().ok()) {
                    let docs: Vec<Value> = page.iter().map(|r| serde_json::from_str(&r.json).unwrap_or(Value::Null)).collect();
                    let reports = rongtong_credentials::verify_batch(&docs, &resolver, now, options);
                    let verdicts = page.iter().zip(&reports).map(|(row, r)| judge(row, r)).collect();
                    if done_tx.send(Ok(verdicts)).is_err() {
                        return;
                    }
                }
            });
        }
        drop((done_tx, page_rx));
        let mut collect = |verdicts: Vec<Result<Verdict, Problem>>, report: &mut AuditReport| {
            report.total += verdicts.len();
            for v in verdicts {
                match v {
                    Ok(verdict) => *report.counts.entry(verdict).or_default() += 1,
                    Err(p) => {
                        *report.counts.entry(Verdict::Problem).or_default() += 1;
                        report.problems.push(p);
                    }
                }
            }
            progress(report.total, total.max(report.total));
        };
        let mut after: Option<String> = None;
        loop {
            let rows = m::all_credentials(&mut rows, after.as_deref(), page.max(1))?;
            let Some(last) = rows.last() else { break };
            after = Some(last.id.clone());
            if page_tx.send(rows).is_err() {
                break; // every worker has stopped: their errors are below
            }
            while let Ok(done) = done_rx.try_recv() {
                collect(done?, &mut report);
            }
        }
        drop(page_tx);
        for done in done_rx {
            collect(done?, &mut report);
        }
        Ok(())
    })?;
    report.problems.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(report)
}
