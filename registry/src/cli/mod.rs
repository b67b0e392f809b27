//! The command-line interface: `rongtong serve | migrate | import | export | user | token | issue |
//! verify | audit | repair | match | rules | recognition | trust`.

//!
//! One module per command: its clap arguments, its run function and its printing. Nothing
//! below this layer imports clap; the work itself is in `services/`.

mod accounts;
mod applications;
pub(crate) mod credentials;
mod import;
mod matching;
mod rules;
mod serve;
mod trust;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    /// Trusted external issuers (issue 10): list, add, remove; re-check external credentials.
    #[command(subcommand)]
    Trust(trust::TrustCommand),
}

/// Parses the command line, runs the command, and maps failure to exit code 1 with the
/// error on standard error.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
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

pub(crate) type CliResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Runs one parsed command.
pub fn run(cli: Cli) -> CliResult<ExitCode> {
    let config = Config::from_env()?;
    match cli.command {
        Command::Serve { addr, demo } => serve::serve(config, addr, demo),
        Command::Migrate => serve::migrate(&config),
        Command::Import(cmd) => import::run_import(&config, cmd),
        Command::Export(import::ExportCommand::Credentials { dir }) => credentials::export(&config, &dir),
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
