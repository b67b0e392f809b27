//! `rongtong account` and `rongtong transcript` (issue 10 part 5), as the local operator.
//!
//! * `account LEARNER [--json]` prints the learner's lifelong credit account: every outcome
//!   with its credits and status, the totals by year, provider and kind, the conversions.
//! * `transcript LEARNER [-o FILE]` builds and signs the learner's CLR 2.0 transcript with the
//!   platform's key and writes it to FILE (default: standard output); `rongtong verify FILE`
//!   checks it.
//!
//! The work is `services::credit_account`, the same the API runs.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::config::Config;
use crate::services::credentials::issuance::IssueContext;
use crate::services::credit_account::{self as svc, AccountView};

use super::CliResult;

/// `rongtong account …`
#[derive(Debug, Args)]
pub struct AccountArgs {
    /// The learner's username (or id).
    pub learner: String,
    /// Print the account as JSON (what `GET /api/v1/learners/{username}/account` returns).
    #[arg(long)]
    pub json: bool,
}

/// `rongtong transcript …`
#[derive(Debug, Args)]
pub struct TranscriptArgs {
    /// The learner's username (or id).
    pub learner: String,
    /// Write the transcript here instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Runs `rongtong account`.
pub fn account(config: &Config, args: AccountArgs) -> CliResult<ExitCode> {
    let db = super::open_store(config, 1)?;
    let mut conn = db.conn()?;
    let learner = svc::visible_learner(&mut conn, None, &args.learner)?;
    let view = svc::account(&mut conn, &learner)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&view)?);
    } else {
        print!("{}", render(&view));
    }
    Ok(ExitCode::SUCCESS)
}

/// The account as text for people.
fn render(v: &AccountView) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "{} ({}) — 学分银行账户 (credit account)", v.display_name, v.learner);
    let _ = writeln!(out, "{:<10}  {:<23}  {:>7}  {:<10}  {:<10}  name", "date", "kind", "credits", "status", "provider");
    for i in &v.items {
        let mark = if i.counts { "" } else { "  (not counted)" };
        let _ = writeln!(out, "{:<10}  {:<23}  {:>7}  {:<10}  {:<10}  {}{mark}", i.date, i.kind, i.credits, i.status, i.provider, i.name);
        if let Some(note) = &i.note {
            let _ = writeln!(out, "{:<10}  └ {note}", "");
        }
    }
    let _ = writeln!(out, "total: {} credits from {} outcome(s) in force", v.totals.credits, v.totals.items);
    let line = |rows: &[svc::Total]| rows.iter().map(|t| format!("{} {} ({})", t.key, t.credits, t.items)).collect::<Vec<_>>().join("; ");
    let _ = writeln!(out, "by year: {}", line(&v.totals.by_year));
    let _ = writeln!(out, "by provider: {}", line(&v.totals.by_provider));
    let _ = writeln!(out, "by kind: {}", line(&v.totals.by_kind));
    if !v.conversions.is_empty() {
        let _ = writeln!(out, "conversions:");
        for c in &v.conversions {
            let from: Vec<String> = c.from.iter().map(|s| format!("{} ({})", s.name, s.outcome.as_deref().unwrap_or(&s.kind))).collect();
            let _ = writeln!(
                out,
                "  {} {}: {} → {} {}, {} credits [{}]",
                c.rule,
                c.effect,
                from.join(" + "),
                c.to,
                c.to_name,
                c.credits,
                c.status
            );
        }
    }
    out
}

/// Runs `rongtong transcript`.
pub fn transcript(config: &Config, args: TranscriptArgs) -> CliResult<ExitCode> {
    let db = super::open_store(config, 1)?;
    let mut conn = db.conn()?;
    let learner = svc::visible_learner(&mut conn, None, &args.learner)?;
    // The transcript is signed under the platform's DID, built from the base URL.
    super::credentials::check_base_url(&mut conn, config)?;
    let kek = config.credentials.kek.load()?;
    let ctx = IssueContext { base_url: &config.server.base_url, kek: &kek };
    let doc = crate::db::write_transaction(&mut conn, |c| svc::transcript(c, ctx, &learner))?;
    let text = serde_json::to_string_pretty(&doc)?;
    match &args.output {
        Some(path) => {
            std::fs::write(path, format!("{text}\n")).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            let n = doc.pointer("/credentialSubject/verifiableCredential").and_then(|v| v.as_array()).map_or(0, Vec::len);
            eprintln!("transcript of {} with {n} credential(s) written to {}", learner.username, path.display());
        }
        None => println!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}
