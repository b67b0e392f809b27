//! `rongtong match …`: the six matching operations from the command line, on the database
//! named by `DATABASE_URL`, with the API's parameters as flags and a readable report (or
//! `--json`, the API's body). Each subcommand has its own flags, so `--help` lists only what
//! it takes and marks what it requires.

use std::fmt::Write as _;

use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use rongtong_catalog::{RegionLevel, RequirementKind};
use rongtong_matching::{CostBy, CoverageStatus, PathMethod, RequirementOutcome, Status, Unclosable, Via};

use crate::error::AppError;
use crate::services::matching::suggest::{RecognitionSuggestions, SuggestParams, suggest};
use crate::services::matching::{
    AlignmentParams, CandidatesParams, CoverageParams, LearnerParams, MatchingAnswer, Outcome, SupplyParams, alignment,
    alignment_curriculum, answer, candidates, coverage, gap, path, supply, timed,
};

/// `rongtong match …`
#[derive(Debug, Subcommand)]
pub enum MatchCommand {
    /// Demand coverage by published courses: --demand-list ID | --demand-item ID | --region CODE.
    Coverage(CoverageArgs),
    /// A learner's gap: --learner NAME and --demand-item ID | --occupation URI/CODE.
    Gap(GapArgs),
    /// A learning path closing a learner's gap: as `gap`, plus --cost hours|credits.
    Path(PathArgs),
    /// Opted-in learners ranked for a demand item: --demand-item ID [--limit N].
    Candidates(CandidatesArgs),
    /// A college's courses or curriculum against regional demand: --provider CODE | --curriculum ID [--region CODE].
    Alignment(AlignmentArgs),
    /// Per skill and region: demanded positions, courses, holders: [--region CODE] [--level province|city|county].
    Supply(SupplyArgs),
}

/// Flags of `match coverage`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("what").required(true).args(["demand_list", "demand_item", "region"])))]
pub struct CoverageArgs {
    /// A demand list id: cover its positions.
    #[arg(long)]
    demand_list: Option<String>,
    /// One demand item id.
    #[arg(long)]
    demand_item: Option<String>,
    /// A GB/T 2260 code: every published position located in it (a province includes its cities).
    #[arg(long)]
    region: Option<String>,
    /// Courses listed per demanded skill (default 10, at most 100).
    #[arg(long)]
    max_courses: Option<usize>,
    /// Print the API's JSON body instead of the report.
    #[arg(long)]
    json: bool,
}

/// The learner and target of `match gap` and `match path`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("target").required(true).args(["demand_item", "occupation"])))]
pub struct LearnerTarget {
    /// The learner's username or user id.
    #[arg(long)]
    learner: String,
    /// Target: a demand item id.
    #[arg(long)]
    demand_item: Option<String>,
    /// Target: an occupation URI, id or 职业分类大典 code.
    #[arg(long)]
    occupation: Option<String>,
}

/// Flags of `match gap`.
#[derive(Debug, Args)]
pub struct GapArgs {
    #[command(flatten)]
    target: LearnerTarget,
    /// Print the API's JSON body instead of the report.
    #[arg(long)]
    json: bool,
}

/// What a learning path minimises.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Cost {
    /// Course hours (学时).
    Hours,
    /// Course credits (学分).
    Credits,
}

/// Flags of `match path`.
#[derive(Debug, Args)]
pub struct PathArgs {
    #[command(flatten)]
    target: LearnerTarget,
    /// What to minimise.
    #[arg(long, value_enum, default_value = "hours")]
    cost: Cost,
    /// Plan for essential requirements only.
    #[arg(long)]
    essential_only: bool,
    /// Print the API's JSON body instead of the report.
    #[arg(long)]
    json: bool,
}

/// Flags of `match candidates`.
#[derive(Debug, Args)]
pub struct CandidatesArgs {
    /// The demand item to rank learners for.
    #[arg(long)]
    demand_item: String,
    /// How many candidates (default 20, at most 200).
    #[arg(long)]
    limit: Option<usize>,
    /// Print the API's JSON body instead of the report.
    #[arg(long)]
    json: bool,
}

/// Flags of `match alignment`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("what").required(true).multiple(true).args(["provider", "curriculum"])))]
pub struct AlignmentArgs {
    /// The college (organization code): all its published courses, unless --curriculum is given.
    #[arg(long)]
    provider: Option<String>,
    /// A curriculum id: its modules instead (the provider defaults to the curriculum's).
    #[arg(long)]
    curriculum: Option<String>,
    /// The region whose published demand to align with; defaults to the provider's city.
    #[arg(long)]
    region: Option<String>,
    /// Print the API's JSON body instead of the report.
    #[arg(long)]
    json: bool,
}

/// Granularity of `match supply` rows.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Level {
    /// Provinces.
    Province,
    /// Prefecture-level cities.
    City,
    /// Counties.
    County,
}

/// Flags of `match supply`.
#[derive(Debug, Args)]
pub struct SupplyArgs {
    /// Only regions inside this GB/T 2260 code (the whole country when omitted).
    #[arg(long)]
    region: Option<String>,
    /// Row granularity.
    #[arg(long, value_enum, default_value = "city")]
    level: Level,
    /// Also list skills that are taught or held but demanded nowhere in the region.
    #[arg(long)]
    include_undemanded: bool,
    /// Print the API's JSON body instead of the report.
    #[arg(long)]
    json: bool,
}

fn learner_params(t: LearnerTarget) -> LearnerParams {
    LearnerParams { learner: Some(t.learner), demand_item: t.demand_item, occupation: t.occupation, ..Default::default() }
}

fn name(a: &MatchingAnswer, id: &str) -> String {
    match a.labels.get(id) {
        Some(l) => format!("{l} <{id}>"),
        None => id.to_string(),
    }
}

// ---------------------------------------------------------------- words for the report
// The report is for people: enum values are printed as words, never as identifiers.

fn kind_words(kind: RequirementKind) -> &'static str {
    match kind {
        RequirementKind::Essential => "essential",
        RequirementKind::Optional => "optional",
    }
}

fn via_words(via: Via) -> &'static str {
    match via {
        Via::Direct => "the skill itself",
        Via::ExactMatch => "exact match",
        Via::Narrower => "narrower skill",
        Via::CloseMatch => "close match",
        Via::Related => "related skill",
    }
}

/// The skill that gave credit, with how it relates to the required one unless it is the
/// required skill itself: `焊接 <uri>` or `exact match 焊接 <uri>`.
fn source(a: &MatchingAnswer, via: Via, skill: &str) -> String {
    match via {
        Via::Direct => name(a, skill),
        other => format!("{} {}", via_words(other), name(a, skill)),
    }
}

/// ` through exact match 焊接 <uri>` when a course teaches another skill than the required
/// one; nothing when it teaches the required skill itself.
fn through(a: &MatchingAnswer, via: Via, skill: &str, required: &str) -> String {
    if via == Via::Direct && skill == required { String::new() } else { format!(" through {}", source(a, via, skill)) }
}

fn coverage_words(status: CoverageStatus) -> &'static str {
    match status {
        CoverageStatus::Taught => "taught",
        CoverageStatus::PartiallyTaught => "partly taught",
        CoverageStatus::Untaught => "not taught",
    }
}

fn cost_words(cost: CostBy) -> &'static str {
    match cost {
        CostBy::Hours => "hours",
        CostBy::Credits => "credits",
    }
}

fn method_words(method: PathMethod) -> &'static str {
    match method {
        PathMethod::Exact => "optimal, exhaustive search",
        PathMethod::Heuristic => "near-optimal, heuristic search",
    }
}

fn level_words(level: RegionLevel) -> &'static str {
    match level {
        RegionLevel::Province => "province",
        RegionLevel::City => "city",
        RegionLevel::County => "county",
    }
}

fn status_words(status: Status) -> &'static str {
    match status {
        Status::Met => "met",
        Status::Partial => "partly met",
        Status::Missing => "missing",
    }
}

fn outcome_line(a: &MatchingAnswer, o: &RequirementOutcome) -> String {
    let mut line = format!("{} [{}, level {}, {}]", name(a, &o.skill), kind_words(o.kind), o.min_level, status_words(o.status));
    if let Some(m) = &o.matched {
        let what = if m.skill == o.skill && m.via == Via::Direct { "it".to_string() } else { source(a, m.via, &m.skill) };
        let _ = write!(line, " — credit {:.2}: holds {what} at level {}", o.credit, m.level);
        if let Some(ev) = &m.evidence {
            let _ = write!(line, "; evidence: {ev}");
        }
    }
    if let Some(s) = &o.shortfall {
        let _ = write!(line, "; holds level {}, needs {} ({} step(s) short)", s.held, s.required, s.steps);
    }
    line
}

/// A learning path (or a course set covering a standard) as report lines.
fn render_path(s: &mut String, a: &MatchingAnswer, p: &rongtong_matching::LearningPath) {
    let _ = writeln!(
        s,
        "Learning path{}: {} course(s), {} h, {} credits (minimising {}; {})",
        p.target.as_ref().map(|t| format!(" for {}", target_name(a, t))).unwrap_or_default(),
        p.steps.len(),
        p.total_hours,
        p.total_credits,
        cost_words(p.cost_by),
        method_words(p.method)
    );
    for (i, step) in p.steps.iter().enumerate() {
        let closes: Vec<String> = step.closes.iter().map(|n| format!("{} @{}", name(a, &n.skill), n.level)).collect();
        let _ = writeln!(s, "  {}. {} — {} h, {} credits", i + 1, name(a, &step.course), step.hours, step.credits);
        if !step.prerequisites.is_empty() {
            let _ = writeln!(s, "       after: {}", step.prerequisites.join(", "));
        }
        if !closes.is_empty() {
            let _ = writeln!(s, "       closes: {}", closes.join("; "));
        }
        if !step.required_by.is_empty() {
            let _ = writeln!(s, "       prerequisite of: {}", step.required_by.join(", "));
        }
    }
    for u in &p.unclosable {
        let why = match u {
            Unclosable::NotTaught { skill, level } => format!("{} @{level}: no published course teaches it", name(a, skill)),
            Unclosable::OnlyBelowLevel { skill, level, best_taught } => {
                format!("{} @{level}: taught only up to level {best_taught}", name(a, skill))
            }
            Unclosable::PrerequisitesUnavailable { skill, level, course } => {
                format!("{} @{level}: {course} teaches it but needs an unpublished course", name(a, skill))
            }
            Unclosable::AlreadyCompleted { skill, level, course } => {
                format!("{} @{level}: only {course}, already completed, teaches it", name(a, skill))
            }
        };
        let _ = writeln!(s, "  unclosable: {why}");
    }
}

/// Suggestions as report lines: each source with its score and one line per requirement.
fn render_suggestions(s: &mut String, a: &MatchingAnswer, r: &RecognitionSuggestions) {
    let _ = writeln!(
        s,
        "Recognition suggestions for {}: {} requirement(s); {} source(s) judged, {} cover all",
        name(a, &r.target),
        r.requirements.len(),
        r.candidates,
        r.covering
    );
    for x in &r.suggestions {
        let _ = writeln!(
            s,
            "  #{} {} — score {:.2}{}: {} met, {} partly, {} missing",
            x.rank,
            name(a, &x.source),
            x.score,
            if x.covers_all { " (covers all)" } else { "" },
            x.met,
            x.partial,
            x.missing
        );
        for o in &x.skills {
            let _ = writeln!(s, "       {}", outcome_line(a, o));
        }
    }
    if let Some(sets) = &r.course_sets {
        for (i, p) in sets.iter().enumerate() {
            let _ = write!(s, "Course set {}: ", i + 1);
            render_path(s, a, p);
        }
    }
}

/// The CLI's readable report of an answer, reasons included.
fn render(a: &MatchingAnswer, outcome: &Outcome) -> String {
    let mut s = String::new();
    match outcome {
        Outcome::Coverage(c) => {
            let _ = writeln!(
                s,
                "Demand coverage{}: {} position(s), {} people; {:.0}% of demanded position-skills taught to the level ({} of {}), {} partially, {} untaught",
                c.region.as_ref().map(|r| format!(" in {r}")).unwrap_or_default(),
                c.demand_items.len(),
                c.total_headcount,
                c.taught_share * 100.0,
                c.taught_positions_skills,
                c.demanded_positions_skills,
                c.partially_taught_positions_skills,
                c.untaught_positions_skills
            );
            for row in &c.skills {
                let _ = writeln!(
                    s,
                    "  {} level {} — {} (essential ×{}, optional ×{}): {}",
                    name(a, &row.skill),
                    row.level,
                    row.demand_items,
                    row.essential_headcount,
                    row.optional_headcount,
                    coverage_words(row.status)
                );
                for t in &row.full {
                    let _ = writeln!(
                        s,
                        "      taught by {} ({} h){} at level {}",
                        name(a, &t.course),
                        t.hours,
                        through(a, t.matched.via, &t.matched.skill, &row.skill),
                        t.matched.level
                    );
                }
                for t in row.partial.iter().take(3) {
                    let _ = writeln!(
                        s,
                        "      partly by {} (credit {:.2}){} at level {}",
                        name(a, &t.course),
                        t.credit,
                        through(a, t.matched.via, &t.matched.skill, &row.skill),
                        t.matched.level
                    );
                }
            }
        }
        Outcome::Gap(g) => {
            let _ = writeln!(
                s,
                "Gap of {} for {}: {} — essential {}/{}, optional {}/{}",
                g.learner,
                target_name(a, &g.target),
                if g.qualifies { "qualifies" } else { "does not qualify yet" },
                g.essential_met,
                g.essential_total,
                g.optional_met,
                g.optional_total
            );
            let _ = writeln!(s, "Met:");
            for o in &g.met {
                let _ = writeln!(s, "  ✓ {}", outcome_line(a, o));
            }
            let _ = writeln!(s, "Missing (essential first):");
            for o in &g.missing {
                let _ = writeln!(s, "  ✗ {}", outcome_line(a, o));
            }
        }
        Outcome::Path(p) => render_path(&mut s, a, p),
        Outcome::Candidates(r) => {
            let _ = writeln!(s, "Candidates for {} ({} scored, opted-in learners only):", target_name(a, &r.target), r.candidates_scored);
            for c in &r.candidates {
                let _ = writeln!(
                    s,
                    "  #{} {} ({}): essential met {}/{}, essential credit {:.2}, optional credit {:.2}/{}",
                    c.rank,
                    c.learner,
                    c.region,
                    c.score.essential_met,
                    c.score.essential_total,
                    c.score.essential_credit,
                    c.score.optional_credit,
                    c.score.optional_total
                );
                for o in &c.breakdown {
                    let _ = writeln!(s, "       {}", outcome_line(a, o));
                }
            }
        }
        Outcome::Alignment(al) => {
            let _ = writeln!(
                s,
                "Alignment of {} course(s) with {} published position(s) in {}: {:.0}% of demanded position-skills covered ({} of {}), credit share {:.0}%",
                al.courses.len(),
                al.demand_items,
                al.region,
                al.covered_share * 100.0,
                al.covered_positions_skills,
                al.demanded_positions_skills,
                al.credit_share * 100.0
            );
            let _ = writeln!(s, "Demanded but not taught to the level:");
            for d in &al.demanded_not_taught {
                let _ = writeln!(
                    s,
                    "  {} @{} ×{}: {} (credit {:.2})",
                    name(a, &d.skill),
                    d.level,
                    d.headcount,
                    coverage_words(d.status),
                    d.credit
                );
            }
            let _ = writeln!(s, "Taught but not demanded:");
            for t in &al.taught_not_demanded {
                let _ = writeln!(s, "  {} @{} by {}", name(a, &t.skill), t.level, t.courses.join(", "));
            }
        }
        Outcome::Suggestions(r) => render_suggestions(&mut s, a, r),
        Outcome::Supply(sd) => {
            let _ = writeln!(
                s,
                "Supply and demand by {}{}:",
                level_words(sd.granularity),
                sd.within.as_ref().map(|w| format!(" within {w}")).unwrap_or_default()
            );
            let _ = writeln!(s, "  region  demanded(essential)  items  courses  holders  skill");
            for r in &sd.rows {
                let _ = writeln!(
                    s,
                    "  {}  {:>8}({:>5})  {:>5}  {:>7}  {:>7}  {}",
                    r.region,
                    r.demanded_headcount,
                    r.essential_headcount,
                    r.demand_items,
                    r.courses_teaching,
                    r.learners_holding,
                    name(a, &r.skill)
                );
            }
        }
    }
    let _ = writeln!(
        s,
        "(snapshot v{} built {}{}, query {:.2} ms)",
        a.snapshot.version,
        a.snapshot.built_at,
        if a.stale { ", STALE: a rebuild is running" } else { "" },
        a.query_ms
    );
    s
}

fn target_name(a: &MatchingAnswer, t: &rongtong_matching::TargetRef) -> String {
    match t {
        rongtong_matching::TargetRef::Demand(id) => format!("demand item {}", name(a, id)),
        rongtong_matching::TargetRef::Occupation(id) => format!("occupation {}", name(a, id)),
        rongtong_matching::TargetRef::Requirements => "the given requirements".into(),
    }
}

/// Runs `rongtong match …`: loads a snapshot straight from the store (no server needed),
/// runs the operation as the operator (no rights check, like `rongtong import`) and prints
/// the report or the JSON body. Errors carry the same text as the API's envelope.
pub(crate) fn run(config: &crate::config::Config, cmd: MatchCommand) -> Result<std::process::ExitCode, Box<dyn std::error::Error>> {
    let (mut conn, snap) = load(config)?;
    let (result, json) = match cmd {
        MatchCommand::Coverage(a) => {
            let p = CoverageParams { demand_list: a.demand_list, demand_item: a.demand_item, region: a.region, max_courses: a.max_courses };
            (timed(|| coverage(&snap, &p)), a.json)
        }
        MatchCommand::Gap(a) => {
            let p = learner_params(a.target);
            (timed(|| gap(&snap, &p)), a.json)
        }
        MatchCommand::Path(a) => {
            let cost = match a.cost {
                Cost::Hours => "hours",
                Cost::Credits => "credits",
            };
            let p = LearnerParams { cost: Some(cost.into()), essential_only: a.essential_only, ..learner_params(a.target) };
            (timed(|| path(&snap, &p)), a.json)
        }
        MatchCommand::Candidates(a) => {
            let p = CandidatesParams { demand_item: Some(a.demand_item), limit: a.limit };
            (timed(|| candidates(&snap, &p)), a.json)
        }
        MatchCommand::Alignment(a) => {
            let p = AlignmentParams { provider: a.provider, curriculum: a.curriculum, region: a.region };
            let curriculum = alignment_curriculum(&mut conn, &p).map_err(cli_error)?;
            (timed(|| alignment(&snap, &p, curriculum.as_ref())), a.json)
        }
        MatchCommand::Supply(a) => {
            let level = match a.level {
                Level::Province => "province",
                Level::City => "city",
                Level::County => "county",
            };
            let p = SupplyParams { region: a.region, level: Some(level.into()), include_undemanded: a.include_undemanded };
            (timed(|| supply(&snap, &p)), a.json)
        }
    };
    print_answer(&snap, result, json)
}

/// Loads a snapshot straight from the store, with its figures and warnings on standard error.
fn load(
    config: &crate::config::Config,
) -> Result<(diesel::r2d2::PooledConnection<crate::db::Manager>, crate::services::matching::snapshot::Snapshot), Box<dyn std::error::Error>>
{
    let db = crate::services::upgrade::open(&config.database.url, 1)?;
    let mut conn = db.conn()?;
    let snap = crate::services::matching::snapshot::load_snapshot(&mut conn).map_err(AppError::from).map_err(cli_error)?;
    eprintln!(
        "snapshot v{}: {} skills, {} courses, {} learners, {} demand items; loaded in {:.1} ms, built in {:.1} ms",
        snap.info.version,
        snap.info.skills,
        snap.info.courses,
        snap.info.learners,
        snap.info.demand_items,
        snap.info.load_ms,
        snap.info.build_ms
    );
    for w in &snap.info.warnings {
        eprintln!("warning: {w}");
    }
    Ok((conn, snap))
}

/// Prints an operation's answer: the report, or the API's JSON body.
fn print_answer(
    snap: &crate::services::matching::snapshot::Snapshot,
    result: Result<(Outcome, f64), AppError>,
    json: bool,
) -> Result<std::process::ExitCode, Box<dyn std::error::Error>> {
    let (outcome, ms) = result.map_err(cli_error)?;
    let a = answer(snap, &outcome, ms, false).map_err(cli_error)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&a)?);
    } else {
        print!("{}", render(&a, &outcome));
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// `rongtong recognition …`
#[derive(Debug, Subcommand)]
pub enum RecognitionCommand {
    /// Sources that could be recognised for a target: --target course:CODE | standard:OCCUPATION:LEVEL.
    Suggest(SuggestArgs),
    /// Recognition applications: the review queue with --state pending.
    Applications(super::applications::ListArgs),
    /// Approve or reject a pending application, as a named reviewer of the rule's owner.
    Decide(super::applications::DecideArgs),
}

/// Flags of `recognition suggest`.
#[derive(Debug, Args)]
pub struct SuggestArgs {
    /// The target outcome: `course:{code}` or `standard:{occupation_code}:{level}` (level 1 = 一级 … 5 = 五级).
    #[arg(long)]
    target: String,
    /// How many ranked sources (default 20, at most 100).
    #[arg(long)]
    limit: Option<usize>,
    /// Print the API's JSON body instead of the report.
    #[arg(long)]
    json: bool,
}

/// Runs `rongtong recognition …` on the database of `DATABASE_URL`, like `rongtong match`.
pub(crate) fn run_recognition(
    config: &crate::config::Config,
    cmd: RecognitionCommand,
) -> Result<std::process::ExitCode, Box<dyn std::error::Error>> {
    match cmd {
        RecognitionCommand::Applications(a) => super::applications::list(config, a),
        RecognitionCommand::Decide(a) => super::applications::decide(config, a),
        RecognitionCommand::Suggest(a) => {
            let (_conn, snap) = load(config)?;
            let p = SuggestParams { target: Some(a.target), limit: a.limit };
            let result = timed(|| suggest(&snap, &p));
            print_answer(&snap, result, a.json)
        }
    }
}

/// An [`AppError`] as the CLI shows it: the envelope's detail with the parameter named as a flag.
fn cli_error(e: AppError) -> Box<dyn std::error::Error> {
    let text = e
        .items()
        .into_iter()
        .map(|i| match i.field {
            Some(f) => format!("--{}: {}", f.replace('_', "-"), i.detail),
            None => i.detail,
        })
        .collect::<Vec<_>>()
        .join("; ");
    text.into()
}
