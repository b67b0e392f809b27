//! `rongtong issue`, `rongtong verify` and `rongtong export credentials`.
//!
//! * `issue --course CODE [--org CODE] [--learner U …]` issues training certificates for a
//!   cohort straight into the store, with a progress bar; idempotent like the API.
//! * `verify FILE [--json] [--did-doc URL=FILE …] [--status-list URL=FILE …] [--offline]
//!   [--mirror PREFIX=BASE …]` verifies a credential, presentation or CLR 2.0 transcript
//!   (`ClrCredential`: its proof and every embedded credential, each listed). did:key issuers need
//!   nothing; did:web documents and status lists are read from the files given, and any
//!   other is fetched from its URL ([`crate::services::credentials::fetch`]). `--offline` never opens a connection:
//!   what no file supplies then fails its check. Exit status 0 = valid, 1 = invalid.
//! * `export credentials DIR [--documents]` writes every issued credential as `DIR/<uuid>.json`
//!   and, with `--documents`, the DID documents and status lists they name into
//!   `DIR/documents/` with an `index.json` (URL → file) that `verify --documents` reads, so an
//!   offline check needs no guessing.
//! * `audit credentials [--json]` re-verifies every stored credential ([`crate::services::credentials::reverify`])
//!   and checks the status lists' allocation against the credentials.
//! * `repair status-lists [--json]` rewrites the lists that disagree ([`crate::services::credentials::allocation`]).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use rongtong_credentials::did::{CachingResolver, MapResolver, Resolver};
use rongtong_credentials::verify::{PresentationOptions, VerifyOptions};
use serde_json::Value;

use crate::config::Config;
use crate::models::credentials as m;
use crate::services::credentials::fetch::{HttpResolver, Mirror};
use crate::services::credentials::issuance::{self, IssueContext, NotPassed};

use super::CliResult;

/// `rongtong issue …`
#[derive(Debug, Args)]
pub struct IssueArgs {
    /// Course id, `code` (every version) or `code@version`.
    #[arg(long)]
    pub course: String,
    /// The provider's code, checked against the course (a guard against typos).
    #[arg(long)]
    pub org: Option<String>,
    /// Only these learners (usernames); repeatable. Default: the whole cohort.
    #[arg(long = "learner")]
    pub learners: Vec<String>,
}

/// `rongtong verify …`
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The credential, presentation or CLR transcript (JSON file; `-` for standard input).
    pub file: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// A did:web document: `https://host/…/did.json=FILE`; repeatable.
    #[arg(long = "did-doc", value_name = "URL=FILE")]
    pub did_docs: Vec<String>,
    /// A status list credential: `URL=FILE`; repeatable.
    #[arg(long = "status-list", value_name = "URL=FILE")]
    pub status_lists: Vec<String>,
    /// A folder written by `rongtong export credentials DIR --documents` (`DIR/documents`):
    /// every document its `index.json` lists, as if given with --did-doc / --status-list.
    #[arg(long, value_name = "DIR")]
    pub documents: Option<PathBuf>,
    /// Never fetch: did:web documents and status lists come only from the files given.
    #[arg(long, conflicts_with = "mirrors")]
    pub offline: bool,
    /// Fetch URLs under PREFIX from BASE instead, e.g.
    /// `https://rongtong.example/=http://127.0.0.1:8080/`; repeatable.
    #[arg(long = "mirror", value_name = "PREFIX=BASE")]
    pub mirrors: Vec<Mirror>,
    /// For a presentation: the challenge you issued (default: the one in its proof).
    #[arg(long)]
    pub challenge: Option<String>,
    /// For a presentation: your domain.
    #[arg(long)]
    pub domain: Option<String>,
    /// Only trust these issuer DIDs (adds the `issuer_trust` check); repeatable.
    #[arg(long = "trust")]
    pub trusted: Vec<String>,
}

/// Runs `rongtong issue`.
pub fn issue(config: &Config, args: IssueArgs) -> CliResult<ExitCode> {
    let db = super::open_store(config, 1)?;
    let mut conn = db.conn()?;
    let learners = (!args.learners.is_empty()).then_some(args.learners.as_slice());
    check_base_url(&mut conn, config)?;
    let (org_id, _course_id, ids) = issuance::cohort_completions(&mut conn, &args.course, learners)?;
    let org = crate::models::accounts::find_org(&mut conn, &org_id)?;
    if let Some(code) = &args.org
        && *code != org.code
    {
        return Err(format!("course {} is provided by {}, not {code}", args.course, org.code).into());
    }
    let kek = config.credentials.kek.load()?;
    let ctx = IssueContext { base_url: &config.server.base_url, kek: &kek };
    let bar = indicatif::ProgressBar::new(ids.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} credentials ({per_sec}, {eta} left)")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let (mut issued, mut skipped, mut not_passed) = (0, 0, Vec::new());
    for chunk in ids.chunks(1000) {
        let r = issuance::in_write_transaction(&mut conn, |c| issuance::issue_for_completions(c, ctx, chunk, NotPassed::Skip))?;
        issued += r.issued;
        skipped += r.skipped;
        not_passed.extend(r.not_passed);
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    for (completion, result) in &not_passed {
        eprintln!("not issued: completion {completion} records `{result}`, not a pass");
    }
    println!("{issued} credentials issued by {} ({skipped} completions already had one, {} not passed)", org.code, not_passed.len());
    Ok(ExitCode::SUCCESS)
}

fn pairs(specs: &[String], what: &str, into: &mut MapResolver) -> CliResult<()> {
    for spec in specs {
        let (url, file) = spec.rsplit_once('=').ok_or_else(|| format!("--{what} wants URL=FILE, got `{spec}`"))?;
        let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {file}: {e}"))?;
        let doc: Value = serde_json::from_str(&text).map_err(|e| format!("{file} is not JSON: {e}"))?;
        into.insert(url, doc);
    }
    Ok(())
}

/// Files given on the command line first, then (unless `--offline`) the network.
struct CliResolver {
    files: MapResolver,
    http: Option<CachingResolver<HttpResolver>>,
}

impl Resolver for CliResolver {
    fn get(&self, url: &str) -> rongtong_credentials::Result<Value> {
        let key = url.split('#').next().unwrap_or_default();
        match (self.files.documents.get(url).or_else(|| self.files.documents.get(key)), &self.http) {
            (Some(doc), _) => Ok(doc.clone()),
            (None, Some(http)) => http.get(url),
            (None, None) => Err(rongtong_credentials::Error::Resolve {
                url: url.to_string(),
                reason: "--offline, and no file was given for it (--did-doc / --status-list)".into(),
            }),
        }
    }
}

/// Runs `rongtong verify`: exit 0 when valid, 1 when not (or when the input is unreadable).
pub fn verify(args: VerifyArgs) -> CliResult<ExitCode> {
    let text = if args.file == Path::new("-") {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(&args.file).map_err(|e| format!("cannot read {}: {e}", args.file.display()))?
    };
    let mut files = MapResolver::new();
    pairs(&args.did_docs, "did-doc", &mut files)?;
    pairs(&args.status_lists, "status-list", &mut files)?;
    if let Some(dir) = &args.documents {
        let index = dir.join("index.json");
        let text = std::fs::read_to_string(&index).map_err(|e| format!("--documents: cannot read {}: {e}", index.display()))?;
        let map: std::collections::BTreeMap<String, String> =
            serde_json::from_str(&text).map_err(|e| format!("--documents: {} is not a URL → file map: {e}", index.display()))?;
        let specs: Vec<String> = map.iter().map(|(url, file)| format!("{url}={}", dir.join(file).display())).collect();
        pairs(&specs, "documents", &mut files)?;
    }
    let resolver = CliResolver { files, http: (!args.offline).then(|| CachingResolver::new(HttpResolver::new(args.mirrors.clone()))) };
    let options = VerifyOptions { trusted_issuers: (!args.trusted.is_empty()).then(|| args.trusted.clone()), ..VerifyOptions::obv3() };
    let now = chrono::Utc::now();
    let parsed: Option<Value> = serde_json::from_str(&text).ok();
    let is_vp = parsed.as_ref().and_then(|d| d.get("type")).is_some_and(|t| match t {
        Value::String(s) => s == "VerifiablePresentation",
        Value::Array(a) => a.iter().any(|x| x == "VerifiablePresentation"),
        _ => false,
    });
    let is_clr = parsed.as_ref().is_some_and(rongtong_credentials::clr::is_clr);
    // A transcript's embedded credentials, one line each after its own checks.
    let mut embedded: Vec<(String, bool, Vec<rongtong_credentials::Check>)> = Vec::new();
    let (verified, checks, report) = match (&parsed, is_vp) {
        (Some(doc), false) if is_clr => {
            let r = rongtong_credentials::clr::verify_clr(doc, &resolver, now, &options);
            for c in &r.credentials {
                let label = format!(
                    "credential {} {}{}",
                    c.index,
                    c.id.as_deref().unwrap_or("(no id)"),
                    c.name.as_deref().map(|n| format!(" {n}")).unwrap_or_default()
                );
                embedded.push((label, c.report.verified, c.report.checks.clone()));
            }
            (r.verified, r.checks.clone(), serde_json::to_value(&r)?)
        }
        (Some(doc), true) => {
            let challenge = args
                .challenge
                .clone()
                .or_else(|| doc.pointer("/proof/challenge").and_then(Value::as_str).map(str::to_string))
                .unwrap_or_default();
            let domain = args.domain.clone().or_else(|| doc.pointer("/proof/domain").and_then(Value::as_str).map(str::to_string));
            let r = rongtong_credentials::verify_presentation(
                doc,
                &resolver,
                now,
                &PresentationOptions { challenge, domain, credentials: options },
            );
            (r.verified, r.checks.clone(), serde_json::to_value(&r)?)
        }
        _ => {
            let r = rongtong_credentials::verify_str(&text, &resolver, now, &options);
            (r.verified, r.checks.clone(), serde_json::to_value(&r)?)
        }
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{}: {}", args.file.display(), if verified { "VALID" } else { "INVALID" });
        for c in &checks {
            println!("  {} {:<12} {}", if c.passed { "ok  " } else { "FAIL" }, c.name, c.detail);
        }
        for (label, ok, inner) in &embedded {
            println!("  {label}: {}", if *ok { "VALID" } else { "INVALID" });
            for c in inner.iter().filter(|c| !*ok && !c.passed) {
                println!("    FAIL {:<12} {}", c.name, c.detail);
            }
        }
        if let Some(http) = &resolver.http {
            let asked = http.asked();
            for (url, ok) in &asked {
                let what = if *ok { "fetched" } else { "fetch failed" };
                match http.inner().target(url) {
                    from if from == *url => println!("  {what:<12} {url}"),
                    from => println!("  {what:<12} {url} (from {from})"),
                }
            }
            let failed: Vec<&str> = asked.iter().filter(|(_, ok)| !ok).map(|(u, _)| u.as_str()).collect();
            if !failed.is_empty() {
                print!("{}", fetch_hint(&args.file, &failed, !args.mirrors.is_empty()));
            }
        }
    }
    Ok(if verified { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// What `verify` prints after a failed fetch: why it may have failed (did:web always means
/// https, which a development server on plain HTTP does not answer) and the two ways out,
/// spelt out with the URLs that failed.
fn fetch_hint(file: &Path, failed: &[&str], mirrored: bool) -> String {
    let mut out = String::from("hint: a document could not be fetched. did:web and the status lists name https:// URLs;\n");
    let origins: std::collections::BTreeSet<&str> =
        failed.iter().filter_map(|u| u.strip_prefix("https://")).filter_map(|r| r.split('/').next()).collect();
    if !mirrored && !origins.is_empty() {
        out.push_str("  a server that answers plain HTTP there (the demo on http://127.0.0.1:8080 does) can be reached with\n");
        for host in &origins {
            out.push_str(&format!("    --mirror https://{host}/=http://{host}/\n"));
        }
    }
    out.push_str("  or check offline with the documents as files (`rongtong export credentials DIR --documents` writes them):\n");
    out.push_str(&format!("    rongtong verify {} --offline --documents DIR/documents\n", file.display()));
    out.push_str("  or, one by one:");
    for url in failed {
        let flag = if url.ends_with("/did.json") { "--did-doc" } else { "--status-list" };
        out.push_str(&format!(" {flag} {url}=FILE"));
    }
    out.push('\n');
    out
}

/// Stops a command that signs or checks credentials when its public base URL is not the one
/// the store's credentials were issued under: DIDs and status-list URLs are built from
/// `RONGTONG_BASE_URL`, and a CLI run without it (or with another one) than the server's
/// would sign under DIDs nobody resolves, or report every credential as a problem.
pub(crate) fn check_base_url(conn: &mut crate::db::DbConnection, config: &Config) -> CliResult<()> {
    let Some(row) = m::all_credentials(conn, None, 1)?.into_iter().next() else { return Ok(()) };
    let doc: Value = serde_json::from_str(&row.json)?;
    let issuer = doc.get("issuer").and_then(|i| i.as_str().or_else(|| i.get("id").and_then(Value::as_str))).unwrap_or_default();
    let org = crate::models::accounts::find_org(conn, &row.issuer_org_id)?;
    let expected = crate::services::credentials::keystore::org_did(&config.server.base_url, &org.code)?;
    if issuer == expected {
        return Ok(());
    }
    let base = &config.server.base_url;
    let why = match std::env::var("RONGTONG_BASE_URL") {
        Ok(_) => format!("RONGTONG_BASE_URL is {base}"),
        Err(_) => format!("RONGTONG_BASE_URL is not set, so it defaults to http://{{RONGTONG_ADDR}} = {base}"),
    };
    Err(format!(
        "the stored credentials were issued under another public base URL: {issuer} is not {expected} ({why}); \
         set RONGTONG_BASE_URL to the server's public base URL (`rongtong serve` prints it)"
    )
    .into())
}

/// Runs `rongtong export credentials DIR [--documents]`: one `<uuid>.json` per issued
/// credential and, with `documents`, every DID document and status list they name, in
/// `DIR/documents/` with `index.json` (URL → file name) for `verify --documents`.
pub fn export(config: &Config, dir: &Path, documents: bool) -> CliResult<ExitCode> {
    let db = super::open_store(config, 1)?;
    let mut conn = db.conn()?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut after: Option<String> = None;
    let mut n = 0usize;
    let mut urls = std::collections::BTreeSet::new();
    loop {
        let rows = m::all_credentials(&mut conn, after.as_deref(), 1000)?;
        let Some(last) = rows.last() else { break };
        after = Some(last.id.clone());
        for r in &rows {
            let name = format!("{}.json", r.id.strip_prefix("urn:uuid:").unwrap_or(&r.id));
            let path = dir.join(name);
            std::fs::write(&path, &r.json).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            n += 1;
            if documents {
                urls.extend(documents_named(&serde_json::from_str(&r.json)?));
            }
        }
    }
    println!("{n} credentials written to {}", dir.display());
    if documents {
        check_base_url(&mut conn, config)?;
        let kek = config.credentials.kek.load()?;
        let ctx = IssueContext { base_url: &config.server.base_url, kek: &kek };
        let folder = dir.join("documents");
        std::fs::create_dir_all(&folder).map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
        let resolver = crate::services::credentials::resolver::DbResolver::new(&mut conn, ctx);
        let mut index = std::collections::BTreeMap::new();
        for url in &urls {
            let doc = resolver.get(url).map_err(|e| format!("{url}: {e}"))?;
            let name = format!(
                "{}.json",
                url.split_once("://").map_or(url.as_str(), |(_, r)| r).replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
            );
            let path = folder.join(&name);
            std::fs::write(&path, serde_json::to_string_pretty(&doc)?).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            index.insert(url.clone(), name);
        }
        std::fs::write(folder.join("index.json"), serde_json::to_string_pretty(&index)?)?;
        println!(
            "{} DID documents and status lists written to {} (check offline: rongtong verify FILE --offline --documents {})",
            index.len(),
            folder.display(),
            folder.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The URLs a verifier reads for `vc`: its issuer's did:web document and its status lists.
fn documents_named(vc: &Value) -> Vec<String> {
    let mut urls = Vec::new();
    let issuer = vc.get("issuer").and_then(|i| i.as_str().or_else(|| i.get("id").and_then(Value::as_str)));
    if let Some(url) = issuer.filter(|d| d.starts_with("did:web:")).and_then(|d| rongtong_credentials::did::did_web_to_url(d).ok()) {
        urls.push(url);
    }
    let status = match vc.get("credentialStatus") {
        Some(Value::Array(a)) => a.clone(),
        Some(one) => vec![one.clone()],
        None => Vec::new(),
    };
    urls.extend(status.iter().filter_map(|s| s.get("statusListCredential").and_then(Value::as_str)).map(str::to_string));
    urls
}

/// Runs `rongtong audit credentials`: exit 0 when every stored credential verifies and its
/// status bits agree with the store, 1 otherwise.
pub fn audit(config: &Config, json: bool) -> CliResult<ExitCode> {
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(8);
    let db = super::open_store(config, workers as u32 + 1)?;
    check_base_url(&mut *db.conn()?, config)?;
    let kek = config.credentials.kek.load()?;
    let ctx = IssueContext { base_url: &config.server.base_url, kek: &kek };
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} credentials re-verified ({per_sec}, {eta} left)")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let report = crate::services::credentials::reverify::audit_credentials(
        &db,
        ctx,
        workers,
        crate::services::credentials::reverify::PAGE,
        |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        },
    )?;
    bar.finish_and_clear();
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let count = |v| report.counts.get(&v).copied().unwrap_or(0);
        println!(
            "{} credentials re-verified in {:.1} s: {} valid, {} revoked, {} suspended, {} with problems",
            report.total,
            started.elapsed().as_secs_f64(),
            count(crate::services::credentials::reverify::Verdict::Valid),
            count(crate::services::credentials::reverify::Verdict::Revoked),
            count(crate::services::credentials::reverify::Verdict::Suspended),
            count(crate::services::credentials::reverify::Verdict::Problem),
        );
        for p in &report.problems {
            println!("  PROBLEM {} (recorded {})", p.id, p.recorded);
            for f in &p.failures {
                println!("          {f}");
            }
        }
        if report.status_lists.is_empty() {
            println!("status lists: allocation and bits agree with the credentials");
        }
        for p in &report.status_lists {
            let fix = if p.repairable { "`rongtong repair status-lists` fixes it" } else { "needs a person" };
            println!("  PROBLEM status list {}: {} ({fix})", p.list_id, p.detail);
        }
    }
    Ok(if report.clean() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Runs `rongtong repair status-lists`: rewrites every status list that disagrees with its
/// credentials ([`crate::services::credentials::allocation::repair_status_lists`]). Exit 0
/// when every list now agrees, 1 when something is left that a rewrite cannot fix.
pub fn repair_status_lists(config: &Config, json: bool) -> CliResult<ExitCode> {
    let db = super::open_store(config, 1)?;
    let mut conn = db.conn()?;
    let report = crate::services::credentials::allocation::repair_status_lists(&mut conn)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for p in &report.repaired {
            println!("repaired status list {}: {}", p.list_id, p.detail);
        }
        for p in &report.unrepairable {
            println!("  PROBLEM status list {}: {} (not repairable from the credentials)", p.list_id, p.detail);
        }
        let lists: std::collections::BTreeSet<&str> = report.repaired.iter().map(|p| p.list_id.as_str()).collect();
        println!("{} status lists checked, {} repaired, {} problems left", report.lists, lists.len(), report.unrepairable.len());
    }
    Ok(if report.unrepairable.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// `rongtong repair …`
#[derive(Debug, Subcommand)]
pub enum RepairCommand {
    /// Rewrite each status list's allocation bitmap, used count, revocation and suspension
    /// bits from the credentials that hold its indexes, where they disagree (what `rongtong
    /// audit credentials` reports). Safe beside running servers. Exit 0 when every list agrees
    /// afterwards, 1 when a problem is left that needs a person (two credentials sharing an
    /// index, a missing list).
    StatusLists {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `rongtong audit …`
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Re-verify every issued credential (batch Ed25519) against this registry's DID
    /// documents and status lists, check each status bit agrees with the store, and that each
    /// status list's allocation agrees with the credentials holding its indexes.
    /// Exit 0 when nothing is wrong, 1 otherwise.
    Credentials {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}
