//! `rongtong recognition applications | decide`: the recognition review queue from the command
//! line, through the same services, rules and rights as `/api/v1/recognition-applications`.

use std::process::ExitCode;

use clap::Args;

use crate::config::Config;
use crate::models::applications::{self as m, ApplicationScope, ApplicationState};
use crate::services::applications::{self as svc, Decision, DecisionInput};
use crate::services::credentials::issuance::IssueContext;

/// Flags of `recognition applications`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only in this state: pending, approved, rejected or suspended.
    #[arg(long)]
    state: Option<ApplicationState>,
    /// Only to rules of this owner (organisation code).
    #[arg(long)]
    owner: Option<String>,
    /// Print the API's JSON instead of one line per application.
    #[arg(long)]
    json: bool,
}

/// Flags of `recognition decide`.
#[derive(Debug, Args)]
pub struct DecideArgs {
    /// The application id.
    id: String,
    /// The reviewer deciding (a username): must be one of the rule owner's reviewers.
    #[arg(long = "as", value_name = "USERNAME")]
    reviewer: String,
    /// Approve (issues the signed recognition credential).
    #[arg(long, conflicts_with = "reject", required_unless_present = "reject")]
    approve: bool,
    /// Reject (give --comment).
    #[arg(long)]
    reject: bool,
    /// Why.
    #[arg(long)]
    comment: Option<String>,
}

/// Lists applications as the operator sees them (all owners unless `--owner`).
pub(crate) fn list(config: &Config, a: ListArgs) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let db = super::open_store(config, 1)?;
    let mut conn = db.conn()?;
    let owner_ids = match &a.owner {
        Some(code) => Some(vec![crate::models::accounts::find_org(&mut conn, code)?.id]),
        None => None,
    };
    let scope = ApplicationScope { state: a.state, owner_ids, ..Default::default() };
    let (rows, _) = m::list_applications(&mut conn, &scope, i64::MAX, 0)?;
    let views = svc::views(&mut conn, rows)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&views)?);
    } else {
        for v in views {
            println!("{}\t{}\t{}\t{} → {}\t{}@{}", v.id, v.state, v.learner, v.owner, v.target, v.rule.code, v.rule.version);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Decides one application as the named reviewer (whose rights are checked as in the API).
pub(crate) fn decide(config: &Config, a: DecideArgs) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let db = super::open_store(config, 1)?;
    let mut conn = db.conn()?;
    let kek = config.credentials.kek.load()?;
    let ctx = IssueContext { base_url: &config.server.base_url, kek: &kek };
    // An approval signs a credential under DIDs built from the base URL: refuse a wrong one.
    super::credentials::check_base_url(&mut conn, config)?;
    let reviewer = crate::auth::principal_for_user(&mut conn, &a.reviewer)?;
    let input = DecisionInput { decision: if a.approve { Decision::Approve } else { Decision::Reject }, comment: a.comment };
    crate::db::write_transaction(&mut conn, |c| svc::decide(c, ctx, &reviewer, &a.id, &input))?;
    let view = svc::find_visible(&mut conn, &reviewer, &a.id)?;
    println!("{} {}{}", view.id, view.state, view.credential.map(|c| format!(": recognition credential {c}")).unwrap_or_default());
    Ok(ExitCode::SUCCESS)
}
