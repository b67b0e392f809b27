//! The command-line interface: `rongtong serve | migrate | import | export | user | token | issue |
//! verify | audit | repair | match | rules | recognition | account | transcript | trust`.

//!
//! One module per command: its clap arguments, its run function and its printing. Nothing
//! below this layer imports clap; the work itself is in `services/`.

mod account;
mod accounts;
mod applications;
pub(crate) mod credentials;
mod import;
mod matching;
mod rules;
mod serve;
mod trust;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::config::Config;

/// Rongtong (融通): skills catalog, micro-courses, demand lists and verifiable certificates
/// for 产教融合.
#[derive(Debug, Parser)]
#[command(name = "rongtong", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (migrations run first).
    Serve {
        /// Listen address (overrides RONGTONG_ADDR).
        #[arg(long)]
        addr: Option<String>,
        /// Seed an empty database with the Jiangxi demo data and print an admin token.
        #[arg(long)]
        demo: bool,
    },
    /// Run pending database migrations and exit.
    Migrate,
    /// Import CSV files into the catalog.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Export the catalog as CSV.
    #[command(subcommand)]
    Export(import::ExportCommand),
    /// Manage accounts.
    #[command(subcommand)]
    User(accounts::UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(accounts::TokenCommand),
    /// Issue training certificates for a course's cohort (idempotent; progress bar).
    Issue(credentials::IssueArgs),
    /// Verify a credential, presentation or CLR transcript file: exit 0 valid, 1 invalid.
    Verify(credentials::VerifyArgs),
    /// Re-verify what the store holds.
    #[command(subcommand)]
    Audit(credentials::AuditCommand),
    /// Repair what `audit` finds that the store can rebuild.
    #[command(subcommand)]
    Repair(credentials::RepairCommand),
    /// Matching: demand coverage, learner gap, learning path, candidates, alignment, supply.
    #[command(subcommand)]
    Match(matching::MatchCommand),
    /// Conversion rules (转换规则): list, import, export, publish, retire.
    #[command(subcommand)]
    Rules(rules::RulesCommand),
    /// Recognition (issue 10): suggestions of sources for a target outcome; applications and decisions.
    #[command(subcommand)]
    Recognition(matching::RecognitionCommand),
    /// A learner's lifelong credit account (学分银行账户): outcomes, credits, totals, conversions.
    Account(account::AccountArgs),
    /// Build and sign a learner's CLR 2.0 transcript with the platform key.
    Transcript(account::TranscriptArgs),
    /// Trusted external issuers (issue 10): list, add, remove; re-check external credentials.
    #[command(subcommand)]
    Trust(trust::TrustCommand),
}

/// Parses the command line, runs the command, and maps failure to exit code 1 with the
/// error on standard error.
pub fn main() -> ExitCode {
    let matches = with_env_help(Cli::command()).get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match crate::config::LogConfig::from_env() {
        Ok(log) => crate::logging::init(&log),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    }
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

const LOG: [&str; 2] = ["RUST_LOG", "RONGTONG_LOG_FORMAT"];
/// What signing and checking credentials reads: the base URL the DIDs are built from and the
/// key-encryption key.
const SIGNING: [&str; 6] = ["DATABASE_URL", "RONGTONG_BASE_URL", "RONGTONG_ADDR", "RONGTONG_KEK", "RONGTONG_KEK_FILE", "RUST_LOG"];

/// The environment variables a command reads (`path`: its names, e.g. `export credentials`);
/// the help lists them with their defaults.
fn env_of(path: &str) -> Vec<&'static str> {
    let top = path.split(' ').next().unwrap_or_default();
    let mut v: Vec<&'static str> = match (top, path) {
        ("serve", _) => return Vec::new(), // every one
        ("verify", _) => Vec::new(),
        (_, "export credentials") | ("issue" | "audit" | "transcript", _) => SIGNING.to_vec(),
        (_, "recognition suggest") => vec!["DATABASE_URL"],
        // Deciding an application may sign a recognition credential.
        ("recognition", _) => SIGNING.to_vec(),
        // Re-checking fetches trusted issuers' documents.
        ("trust", _) => vec![
            "DATABASE_URL",
            "RONGTONG_TRUST_MIRRORS",
            "RONGTONG_TRUST_TIMEOUT_SECS",
            "RONGTONG_TRUST_MAX_BYTES",
            "RONGTONG_TRUST_CACHE_SECS",
        ],
        _ => vec!["DATABASE_URL"],
    };
    v.extend(LOG);
    v
}

/// `cmd` with an "Environment" section in its help and in every subcommand's: the variables
/// that command reads ([`env_of`]), all of them for `rongtong` itself.
pub fn with_env_help(cmd: clap::Command) -> clap::Command {
    fn apply(cmd: clap::Command, path: &str) -> clap::Command {
        let path = if path.is_empty() { cmd.get_name().to_string() } else { format!("{path} {}", cmd.get_name()) };
        let mut cmd = cmd.after_help(crate::config::env_help(&env_of(&path)));
        for sub in cmd.get_subcommands_mut() {
            *sub = apply(std::mem::take(sub), &path);
        }
        cmd
    }
    let mut cmd = cmd.after_help(crate::config::env_help(&[]));
    for sub in cmd.get_subcommands_mut() {
        *sub = apply(std::mem::take(sub), "");
    }
    cmd
}

pub(crate) type CliResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Opens the existing store of `DATABASE_URL` for a command that works on one: every command
/// but `serve` and `migrate`, which may create it. A missing SQLite file is an error naming it.
pub(crate) fn open_store(config: &Config, pool_size: u32) -> CliResult<crate::db::Db> {
    crate::db::Db::check_exists(&config.database.url)?;
    Ok(crate::services::upgrade::open(&config.database.url, pool_size)?)
}

/// Runs one parsed command.
pub fn run(cli: Cli) -> CliResult<ExitCode> {
    let config = Config::from_env()?;
    match cli.command {
        Command::Serve { addr, demo } => serve::serve(config, addr, demo),
        Command::Migrate => serve::migrate(&config),
        Command::Import(cmd) => import::run_import(&config, cmd),
        Command::Export(import::ExportCommand::Credentials { dir, documents }) => credentials::export(&config, &dir, documents),
        Command::Export(cmd) => import::run_export(&config, cmd),
        Command::Issue(args) => credentials::issue(&config, args),
        Command::Verify(args) => credentials::verify(args),
        Command::Audit(credentials::AuditCommand::Credentials { json }) => credentials::audit(&config, json),
        Command::Repair(credentials::RepairCommand::StatusLists { json }) => credentials::repair_status_lists(&config, json),
        Command::User(cmd) => accounts::run_user(&config, cmd),
        Command::Token(cmd) => accounts::run_token(&config, cmd),
        Command::Match(cmd) => matching::run(&config, cmd),
        Command::Rules(cmd) => rules::run(&config, cmd),
        Command::Recognition(cmd) => matching::run_recognition(&config, cmd),
        Command::Account(args) => account::account(&config, args),
        Command::Transcript(args) => account::transcript(&config, args),
        Command::Trust(cmd) => trust::run(&config, cmd),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// clap checks the whole definition (conflicting names, groups naming unknown flags,
    /// required flags with defaults) only when asked; ask once here rather than at a user's
    /// first unlucky invocation.
    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
