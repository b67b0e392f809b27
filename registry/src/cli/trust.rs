//! `rongtong trust …`: the trusted-issuer list from the command line — list, add, remove, and
//! the re-check of the external credentials learners keep — as the local operator (who runs
//! the registry and so stands for its authority). The work is `services::trust`'s, as for
//! the API.

use std::process::ExitCode;

use clap::Subcommand;

use crate::config::Config;
use crate::services::trust::{self as svc, TrustedIssuerInput};

/// `rongtong trust …`
#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// List the trusted issuers.
    List {
        /// Print JSON instead of one line per issuer.
        #[arg(long)]
        json: bool,
    },
    /// Add an issuer to the trusted list.
    Add {
        /// Its DID (`did:web:…` or `did:key:…`).
        did: String,
        /// Its name.
        #[arg(long)]
        name: String,
        /// OBv3 achievementTypes it may issue, comma-separated (default: any).
        #[arg(long, value_delimiter = ',')]
        types: Vec<String>,
        /// First issue date recognised, YYYY-MM-DD.
        #[arg(long)]
        from: String,
        /// Last issue date recognised, YYYY-MM-DD (default open-ended).
        #[arg(long)]
        until: Option<String>,
    },
    /// Remove an issuer (by id or DID): its credentials in accounts become untrusted and the
    /// recognitions resting on them are suspended.
    Remove {
        /// Id or DID.
        issuer: String,
    },
    /// Re-check every external credential kept in learners' accounts (status lists fetched
    /// afresh), suspending or reinstating the recognitions resting on them.
    Recheck {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `rongtong trust …`.
pub(crate) fn run(config: &Config, cmd: TrustCommand) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let db = crate::services::upgrade::open(&config.database.url, 1)?;
    let mut conn = db.conn()?;
    let base = &config.server.base_url;
    match cmd {
        TrustCommand::List { json } => {
            let list = svc::list_views(&mut conn)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for t in list {
                    let types = if t.achievement_types.is_empty() { "any".to_string() } else { t.achievement_types.join(",") };
                    let until = t.valid_until.as_deref().unwrap_or("…");
                    println!("{}\t{}\t{}\t{} – {}\t{}", t.did, t.name, types, t.valid_from, until, t.id);
                }
            }
        }
        TrustCommand::Add { did, name, types, from, until } => {
            let input = TrustedIssuerInput { did, name, achievement_types: types, valid_from: from, valid_until: until };
            match crate::db::write_transaction(&mut conn, |c| svc::create_trusted(c, base, None, &input)) {
                Ok(row) => println!("trusted {} ({}) as {}", row.did, row.name, row.id),
                Err(e) => return crate::cli::import::print_rejection(e),
            }
        }
        TrustCommand::Remove { issuer } => {
            let row = crate::db::write_transaction(&mut conn, |c| svc::delete_trusted(c, None, &issuer))?;
            println!("removed {} ({})", row.did, row.name);
        }
        TrustCommand::Recheck { json } => {
            let report = svc::recheck(&mut conn)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                for ch in &report.changes {
                    println!("{}\t{} → {}\t{}", ch.credential_id, ch.before, ch.after, ch.issuer);
                }
                println!(
                    "checked {}: {} changed, {} unreachable; recognitions {} suspended, {} reinstated",
                    report.checked, report.changed, report.unreachable, report.suspended, report.reinstated
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
