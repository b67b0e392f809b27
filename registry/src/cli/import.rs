//! `rongtong import …` and `rongtong export …`: CSV files in and out of the catalog, with a
//! progress bar and every bad row printed. The work is `services::import`'s.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;

use crate::config::Config;
use crate::error::AppError;
use crate::models::demand as demand_m;
use crate::services::import::{
    self, ImportOptions, ImportReport, export_courses, export_demand, export_skills, import_courses, import_demand,
};

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
        /// Also write the DID documents and status lists they name into DIR/documents (with
        /// an index.json), for `rongtong verify FILE --offline --documents DIR/documents`.
        #[arg(long)]
        documents: bool,
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

fn progress_bar(len: u64, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} rows ({per_sec}, {eta} left)") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_string());
    bar
}

fn print_report(report: &ImportReport) {
    for e in &report.errors {
        eprintln!("row {}, column {}: {}", e.row, e.column, e.reason);
    }
    println!(
        "read {} rows ({}): {} created, {} updated, {} bad rows{}",
        report.rows_read,
        report.encoding,
        report.created,
        report.updated,
        report.errors.len(),
        report.demand_list_id.as_deref().map(|id| format!(", demand list {id}")).unwrap_or_default()
    );
}

/// Prints every bad row and returns the exit code for a rejected file.
pub(crate) fn print_rejection(e: AppError) -> Result<ExitCode, Box<dyn std::error::Error>> {
    match e {
        AppError::CsvRows(rows) => {
            for r in &rows {
                eprintln!("row {}, column {}: {}", r.row, r.column, r.reason);
            }
            eprintln!("rejected: {} bad rows; nothing was stored (fix them, or pass --keep-good-rows)", rows.len());
            Ok(ExitCode::FAILURE)
        }
        AppError::Validation(v) => {
            for f in &v.errors {
                eprintln!("{}: {}", f.field, f.message);
            }
            Ok(ExitCode::FAILURE)
        }
        other => Err(Box::new(other)),
    }
}

/// Counts data lines for the progress bar (an estimate: quoted line breaks count too).
fn line_estimate(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|b| **b == b'\n').count().saturating_sub(1) as u64
}

/// Runs `rongtong import …`.
pub(crate) fn run_import(config: &Config, cmd: ImportCommand) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let db = super::open_store(config, 2)?;
    let mut conn = db.conn()?;
    let result = match cmd {
        ImportCommand::Esco { dir } => {
            let bar = progress_bar(0, "ESCO");
            let r = import::import_esco_dir(&mut conn, &dir, &mut |done, total| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            });
            bar.finish_and_clear();
            println!("{}", r?);
            return Ok(ExitCode::SUCCESS);
        }
        ImportCommand::Courses { file, keep_good_rows } => {
            let bytes = read_file(&file)?;
            let bar = progress_bar(line_estimate(&bytes), "courses");
            let r = import_courses(&mut conn, &bytes, None, ImportOptions { keep_good_rows, publish: false }, &mut |n| {
                bar.set_position(n as u64)
            });
            bar.finish_and_clear();
            r
        }
        ImportCommand::Demand { file, org, title, publish, keep_good_rows } => {
            let bytes = read_file(&file)?;
            let title =
                title.unwrap_or_else(|| file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "demand".into()));
            let bar = progress_bar(line_estimate(&bytes), "demand");
            let r = import_demand(&mut conn, &bytes, &org, &title, None, ImportOptions { keep_good_rows, publish }, &mut |n| {
                bar.set_position(n as u64)
            });
            bar.finish_and_clear();
            r
        }
    };
    match result {
        Ok(report) => {
            print_report(&report);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => print_rejection(e),
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()).into())
}

/// Runs `rongtong export …`.
pub(crate) fn run_export(config: &Config, cmd: ExportCommand) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let db = super::open_store(config, 1)?;
    let mut conn = db.conn()?;
    let (bytes, out) = match cmd {
        ExportCommand::Courses { out } => (export_courses(&mut conn, None, false)?, out),
        ExportCommand::Skills { out } => (export_skills(&mut conn)?, out),
        ExportCommand::Credentials { dir, documents } => return crate::cli::credentials::export(config, &dir, documents),
        ExportCommand::Demand { id, out } => {
            let row = demand_m::find_list_row(&mut conn, &id)?;
            let view = demand_m::list_views(&mut conn, vec![row])?.remove(0);
            (export_demand(&view)?, out)
        }
    };
    match out {
        Some(path) => std::fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        None => std::io::Write::write_all(&mut std::io::stdout(), &bytes)?,
    }
    Ok(ExitCode::SUCCESS)
}
