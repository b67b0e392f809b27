//! `rongtong user …` and `rongtong token …`: accounts and API tokens from the shell.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::auth::Role;
use crate::config::Config;
use crate::models::accounts::{self, UserInput};

use super::CliResult;

/// `rongtong user …`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account.
    Create(UserArgs),
    /// Set an account's web password, read from standard input (one line). Every web session
    /// of the account ends.
    Passwd {
        /// The account's username.
        username: String,
    },
    /// Print a one-time link with which the person sets their own web password.
    Invite {
        /// The account's username.
        username: String,
    },
}

/// Fields of a new account.
#[derive(Debug, Args)]
pub struct UserArgs {
    /// Login name.
    #[arg(long)]
    pub username: String,
    /// Display name (defaults to the username).
    #[arg(long)]
    pub name: Option<String>,
    /// platform_admin, region_admin, org_admin, org_staff or learner.
    #[arg(long)]
    pub role: Role,
    /// Organization code (org admins and staff).
    #[arg(long)]
    pub org: Option<String>,
    /// Region code (region admins; a learner's home).
    #[arg(long)]
    pub region: Option<String>,
    /// The learner agrees to be found by employers (candidate ranking lists only opted-in
    /// learners).
    #[arg(long)]
    pub opt_in: bool,
}

/// `rongtong token …`
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Mint an API token for an account and print it (shown once).
    Create {
        /// The account's username.
        #[arg(long)]
        user: String,
        /// A label for the token.
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

/// Runs `rongtong user …`.
pub(crate) fn run_user(config: &Config, cmd: UserCommand) -> CliResult<ExitCode> {
    let args = match cmd {
        UserCommand::Create(args) => args,
        UserCommand::Passwd { username } => return passwd(config, &username),
        UserCommand::Invite { username } => return invite(config, &username),
    };
    let db = super::open_store(config, 1)?;
    let mut conn = db.conn()?;
    let region = args.region.as_deref().map(str::parse).transpose()?;
    let user = accounts::create_user(
        &mut conn,
        &UserInput {
            display_name: args.name.unwrap_or_else(|| args.username.clone()),
            username: args.username,
            role: args.role,
            org: args.org,
            region,
            opt_in: args.opt_in,
        },
    )?;
    let found = if user.opt_in { ", may be found by employers" } else { "" };
    println!("created {} ({}) id {}{found}", user.username, user.role, user.id);
    Ok(ExitCode::SUCCESS)
}

/// Runs `rongtong token …`.
pub(crate) fn run_token(config: &Config, cmd: TokenCommand) -> CliResult<ExitCode> {
    let TokenCommand::Create { user, name } = cmd;
    let db = super::open_store(config, 1)?;
    let mut conn = db.conn()?;
    let account = accounts::find_user(&mut conn, &user)?;
    let token = accounts::create_token(&mut conn, &account.id, &name)?;
    println!("{}", token.token_secret);
    eprintln!("token {} for {} — shown once, store it now", token.token.id, account.username);
    Ok(ExitCode::SUCCESS)
}

/// `rongtong user passwd NAME`: reads the new password from standard input (a prompt on a
/// terminal; a pipe for scripts: `echo "$PW" | rongtong user passwd NAME`).
fn passwd(config: &Config, username: &str) -> CliResult<ExitCode> {
    use std::io::{BufRead, IsTerminal};
    let db = super::open_store(config, 1)?;
    let mut conn = db.conn()?;
    let account = accounts::find_user(&mut conn, username)?;
    if std::io::stdin().is_terminal() {
        eprint!("new password for {} (shown as typed): ", account.username);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']);
    crate::auth::session::set_password(&mut conn, &account.id, "password", password)?;
    println!("password set for {}; its web sessions have ended", account.username);
    Ok(ExitCode::SUCCESS)
}

/// `rongtong user invite NAME`: prints the one-time link (valid `RONGTONG_INVITATION_HOURS`).
fn invite(config: &Config, username: &str) -> CliResult<ExitCode> {
    let db = super::open_store(config, 1)?;
    let mut conn = db.conn()?;
    let account = accounts::find_user(&mut conn, username)?;
    let (token, expires) = crate::auth::session::create_invitation(&mut conn, &config.web, &account.id, None)?;
    println!("{}/invite/{token}", config.server.base_url);
    eprintln!("one-time link for {}, valid until {} — send it to them privately", account.username, expires.format("%Y-%m-%d %H:%M UTC"));
    Ok(ExitCode::SUCCESS)
}
