//! The command-line interface: `rongtong serve | migrate | import | export | user | token | issue |
//! verify | audit | match`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};

use crate::app::{App, AppState};
use crate::auth::Role;
use crate::config::Config;
use crate::db::Db;
use crate::models::accounts::{self, UserInput};

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
    Import(ImportCommand),
    /// Export the catalog as CSV.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Issue training certificates for a course's cohort (idempotent; progress bar).
    Issue(crate::credentials_cli::IssueArgs),
    /// Verify a credential or presentation file: exit 0 valid, 1 invalid.
    Verify(crate::credentials_cli::VerifyArgs),
    /// Re-verify what the store holds.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Matching: demand coverage, learner gap, learning path, candidates, alignment, supply.
    #[command(subcommand)]
    Match(crate::matching::MatchCommand),
}

/// `rongtong import …`
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import an ESCO CSV download (skills, occupations, relations) from a folder. Idempotent.
    Esco {
        /// Folder holding skills_en.csv, occupations_en.csv, … (any subset).
        dir: PathBuf,
    },
    /// Import micro-courses from a CSV file (UTF-8 or GB18030).
    Courses {
        /// The CSV file.
        file: PathBuf,
        /// Store the good rows even if some rows are bad (bad rows are still reported).
        #[arg(long)]
        keep_good_rows: bool,
    },
    /// Import a demand list from a CSV file (UTF-8 or GB18030), as a draft of the enterprise.
    Demand {
        /// The CSV file.
        file: PathBuf,
        /// Code of the enterprise publishing it.
        #[arg(long)]
        org: String,
        /// Title of the demand list (defaults to the file name).
        #[arg(long)]
        title: Option<String>,
        /// Publish the list right away.
        #[arg(long)]
        publish: bool,
        /// Store the good rows even if some rows are bad (bad rows are still reported).
        #[arg(long)]
        keep_good_rows: bool,
    },
}

/// `rongtong export …`
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Every course, with its skills and prerequisites, as course CSV.
    Courses {
        /// Output file (standard output when omitted).
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// The skills catalog as CSV.
    Skills {
        /// Output file (standard output when omitted).
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Every issued credential as one JSON file each (`DIR/<uuid>.json`).
    Credentials {
        /// Output folder (created when missing).
        dir: PathBuf,
    },
    /// One demand list's items as demand CSV.
    Demand {
        /// Demand list id.
        id: String,
        /// Output file (standard output when omitted).
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
}

/// `rongtong audit …`
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Re-verify every issued credential (batch Ed25519) against this registry's DID
    /// documents and status lists, and check each status bit agrees with the store.
    /// Exit 0 when nothing is wrong, 1 otherwise.
    Credentials {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `rongtong user …`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account.
    Create(UserArgs),
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

/// Parses the command line, runs the command, and maps failure to exit code 1 with the
/// error on standard error.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

type CliResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Runs one parsed command.
pub fn run(cli: Cli) -> CliResult<ExitCode> {
    let config = Config::from_env()?;
    match cli.command {
        Command::Serve { addr, demo } => serve(config, addr, demo),
        Command::Migrate => {
            let db = Db::open(&config.database.url, 1)?;
            let ran = db.migrate()?;
            println!("database is up to date ({ran} migrations were pending before start-up ran them)");
            Ok(ExitCode::SUCCESS)
        }
        Command::Import(cmd) => crate::import::cli_import(&config, cmd),
        Command::Export(ExportCommand::Credentials { dir }) => crate::credentials_cli::export(&config, &dir),
        Command::Export(cmd) => crate::import::cli_export(&config, cmd),
        Command::Issue(args) => crate::credentials_cli::issue(&config, args),
        Command::Verify(args) => crate::credentials_cli::verify(args),
        Command::Audit(AuditCommand::Credentials { json }) => crate::credentials_cli::audit(&config, json),
        Command::User(UserCommand::Create(args)) => {
            let db = Db::open(&config.database.url, 1)?;
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
                    opt_in: false,
                },
            )?;
            println!("created {} ({}) id {}", user.username, user.role, user.id);
            Ok(ExitCode::SUCCESS)
        }
        Command::Match(cmd) => crate::matching::cli_match(&config, cmd),
        Command::Token(TokenCommand::Create { user, name }) => {
            let db = Db::open(&config.database.url, 1)?;
            let mut conn = db.conn()?;
            let account = accounts::find_user(&mut conn, &user)?;
            let token = accounts::create_token(&mut conn, &account.id, &name)?;
            println!("{}", token.token_secret);
            eprintln!("token {} for {} — shown once, store it now", token.token.id, account.username);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn serve(mut config: Config, addr: Option<String>, demo: bool) -> CliResult<ExitCode> {
    if let Some(a) = addr {
        if std::env::var("RONGTONG_BASE_URL").is_err() {
            config.server.base_url = format!("http://{a}");
        }
        config.server.addr = a;
    }
    let addr: SocketAddr = config.server.addr.parse().map_err(|e| format!("listen address {}: {e}", config.server.addr))?;
    let db = Db::open(&config.database.url, config.database.pool_size)?;
    if demo {
        // The key first: a bad RONGTONG_KEK_FILE must stop us before the catalog is seeded,
        // or a rerun would find "data already there" and never issue the certificates.
        let kek = config.credentials.kek.load()?;
        let mut conn = db.conn()?;
        match crate::demo::seed(&mut conn)? {
            Some(token) => {
                let n = crate::demo::seed_credentials(&mut conn, &config.server.base_url, &kek)?;
                println!(
                    "demo data loaded ({n} credentials issued, one revoked). Admin token (shown once):\n\n    export RONGTONG_TOKEN={token}\n"
                );
            }
            None => println!("database already has data: demo seeding skipped (mint a token with `rongtong token create --user admin`)"),
        }
    }
    let state = AppState(Arc::new(App::new(db, config)));
    let base = state.base_url().to_string();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        println!("Rongtong listening on http://{addr} (public base URL {base}); try {base}/api/v1/health");
        axum::serve(listener, crate::build_router(state)).with_graceful_shutdown(shutdown_signal()).await?;
        Ok::<_, std::io::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
