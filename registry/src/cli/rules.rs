//! `rongtong rules …`: conversion rules (转换规则) from the command line — list, import a
//! CSV, export CSV or JSON-LD, publish or retire as the local operator. The work is
//! `services::recognition`'s, as for the API.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use rongtong_catalog::RuleStatus;

use crate::auth::Caller;
use crate::config::Config;
use crate::models::recognition::{self as m, RuleFilter};
use crate::services::recognition as svc;

/// `rongtong rules …`
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List rules (every status: the operator sees everything), optionally filtered.
    List {
        /// Only this owner's rules (organisation code).
        #[arg(long)]
        owner: Option<String>,
        /// Only rules in this status (`draft`, `in_review`, `published`, `retired`).
        #[arg(long)]
        status: Option<RuleStatus>,
        /// Print JSON instead of one line per rule.
        #[arg(long)]
        json: bool,
    },
    /// Import rules from a CSV file, all or nothing; new rules are drafts unless `--publish`.
    Import {
        /// The CSV file (UTF-8 or GB18030; Chinese or English headers).
        file: PathBuf,
        /// Publish them at once, as the operator (no review trail).
        #[arg(long)]
        publish: bool,
    },
    /// Export the published rules as CSV (or CTDL JSON-LD with `--jsonld`).
    Export {
        /// Only this owner's rules.
        #[arg(long)]
        owner: Option<String>,
        /// Write the JSON-LD graph instead of CSV.
        #[arg(long)]
        jsonld: bool,
        /// Output file (standard output when omitted).
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Publish a draft or in-review rule at once, as the operator (retires the older version).
    Publish {
        /// Rule id, `code` (latest version) or `code@version`.
        rule: String,
    },
    /// Retire a published rule.
    Retire {
        /// Rule id, `code` (latest version) or `code@version`.
        rule: String,
    },
}

/// Runs `rongtong rules …`.
pub(crate) fn run(config: &Config, cmd: RulesCommand) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let db = super::open_store(config, 1)?;
    let mut conn = db.conn()?;
    match cmd {
        RulesCommand::List { owner, status, json } => {
            let operator = crate::auth::Principal {
                user_id: String::new(),
                username: "operator".into(),
                role: crate::auth::Role::PlatformAdmin,
                org: None,
                region: None,
            };
            let f = RuleFilter { owner, status, ..Default::default() };
            let (rules, _) = m::list_rules(&mut conn, &Caller::User(operator), &f, i64::MAX, 0)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&rules)?);
            } else {
                for r in rules {
                    let sources: Vec<&str> = r.sources.iter().map(|s| s.outcome.as_str()).collect();
                    println!("{}@{}\t{}\t{}\t{} ← {}\t{}", r.code, r.version, r.status, r.owner, r.effect, sources.join(" + "), r.target);
                }
            }
        }
        RulesCommand::Import { file, publish } => {
            let bytes = std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            match svc::import_rules(&mut conn, &bytes, None, publish) {
                Ok(report) => {
                    println!("read {} rows ({}): {} created, {} updated", report.rows_read, report.encoding, report.created, report.updated)
                }
                Err(e) => return crate::cli::import::print_rejection(e),
            }
        }
        RulesCommand::Export { owner, jsonld, out } => {
            let bytes = if jsonld {
                let rules = m::published_rules(&mut conn, owner.as_deref())?;
                serde_json::to_vec_pretty(&svc::rules_graph(&config.server.base_url, &rules))?
            } else {
                svc::export_rules(&mut conn, owner.as_deref())?
            };
            match out {
                Some(path) => std::fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?,
                None => std::io::Write::write_all(&mut std::io::stdout(), &bytes)?,
            }
        }
        RulesCommand::Publish { rule } => {
            let row = m::find_rule_row(&mut conn, &rule)?;
            crate::db::write_transaction(&mut conn, |c| m::publish_directly(c, &row, None, None))?;
            println!("published {}@{}", row.code, row.version);
        }
        RulesCommand::Retire { rule } => {
            let row = m::find_rule_row(&mut conn, &rule)?;
            crate::db::write_transaction(&mut conn, |c| m::set_rule_status(c, &row, RuleStatus::Retired, None, None, None, None))?;
            println!("retired {}@{}", row.code, row.version);
        }
    }
    Ok(ExitCode::SUCCESS)
}
