//! `rongtong match …` against a real database seeded with the demo: the report shows the
//! reasons, `--json` is the API's body, and bad flags fail naming the flag.
//!
//! Runs on SQLite, or on PostgreSQL when `TEST_DATABASE_URL` is set (a fresh schema per test).

use std::process::{Command, Output};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use rongtong_registry::db::Db;

/// A demo database for one test, and the URL the CLI should use.
struct DemoDb {
    url: String,
    _dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

impl DemoDb {
    fn new() -> DemoDb {
        let dir = tempfile::tempdir().expect("tempdir");
        let (url, pg) = match std::env::var("TEST_DATABASE_URL") {
            Ok(base) if base.starts_with("postgres") => {
                let schema = format!("cli_match_{}", uuid::Uuid::new_v4().simple());
                PgConnection::establish(&base).expect("connect").batch_execute(&format!("CREATE SCHEMA {schema}")).expect("schema");
                let sep = if base.contains('?') { '&' } else { '?' };
                (format!("{base}{sep}options=-csearch_path%3D{schema}"), Some((base, schema)))
            }
            _ => (format!("sqlite://{}", dir.path().join("demo.db").display()), None),
        };
        let db = Db::open(&url, 1).expect("open");
        rongtong_registry::services::demo::seed(&mut db.conn().expect("conn")).expect("seed").expect("empty database");
        DemoDb { url, _dir: dir, pg }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_rongtong"))
            .args(args)
            .env("DATABASE_URL", &self.url)
            .env("RUST_LOG", "warn")
            .output()
            .expect("run rongtong")
    }
}

impl Drop for DemoDb {
    fn drop(&mut self) {
        if let Some((Ok(mut c), schema)) = self.pg.as_ref().map(|(base, schema)| (PgConnection::establish(base), schema)) {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

#[test]
fn match_path_prints_the_remaining_casting_modules_in_order_with_reasons() {
    let db = DemoDb::new();
    let out = db.run(&["match", "path", "--learner", "learner-li", "--occupation", "6-18-02-01"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    let at = |code: &str| text.find(code).unwrap_or_else(|| panic!("{code} missing:\n{text}"));
    assert!(at("1. 熔炼与浇注 <ZNZZ-03@2026.1>") < at("2. 铸件质量检测与缺陷修复 <ZNZZ-04@2026.1>"), "{text}");
    assert!(at("<ZNZZ-04@2026.1>") < at("3. 智能铸造生产线运行 <ZNZZ-05@2026.1>"), "{text}");
    assert!(text.contains("closes: 浇注金属液"), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("snapshot v"), "timings go to standard error");
}

#[test]
fn match_gap_json_is_the_api_body_and_bad_flags_are_named() {
    let db = DemoDb::new();
    let out = db.run(&["match", "gap", "--learner", "learner-zhang", "--occupation", "6-18-02-01", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(body["operation"], "gap");
    assert_eq!(body["result"]["learner"], "learner-zhang");
    assert!(body["result"]["met"][0]["matched"]["evidence"].as_str().expect("evidence").starts_with("completion "), "{body}");

    let bad = db.run(&["match", "supply", "--region", "36"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--region:"), "{}", String::from_utf8_lossy(&bad.stderr));
    // A missing target is refused by the command line itself, naming both ways to give one.
    let missing = db.run(&["match", "gap", "--learner", "learner-li"]);
    assert!(!missing.status.success());
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(err.contains("--demand-item") && err.contains("--occupation"), "{err}");
}

#[test]
fn each_match_subcommand_lists_only_its_own_flags_and_marks_the_required_ones() {
    let db = DemoDb::new();
    let help = |args: &[&str]| String::from_utf8_lossy(&db.run(args).stdout).into_owned();
    let gap = help(&["match", "gap", "--help"]);
    assert!(gap.contains("--learner") && gap.contains("--occupation"), "{gap}");
    assert!(!gap.contains("--cost") && !gap.contains("--essential-only"), "path-only flags in gap's help:\n{gap}");
    let path = help(&["match", "path", "--help"]);
    assert!(path.contains("--cost") && path.contains("hours") && path.contains("credits"), "{path}");
    let candidates = help(&["match", "candidates", "--help"]);
    let usage = candidates.lines().find(|l| l.starts_with("Usage:")).unwrap_or_default();
    assert!(usage.contains("--demand-item <DEMAND_ITEM>") && !usage.contains("[--demand-item"), "required flag shown as optional: {usage}");
}

#[test]
fn match_reports_print_words_not_enum_names() {
    let db = DemoDb::new();
    let mut text = String::new();
    for args in [
        &["match", "gap", "--learner", "learner-zhang", "--occupation", "6-18-02-01"][..],
        &["match", "path", "--learner", "learner-li", "--occupation", "6-18-02-01"][..],
        &["match", "coverage", "--region", "360300"][..],
        &["match", "alignment", "--provider", "pxou"][..],
        &["match", "supply", "--region", "360000"][..],
    ] {
        let out = db.run(args);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        text.push_str(&String::from_utf8_lossy(&out.stdout));
    }
    for identifier in [
        "Direct",
        "ExactMatch",
        "exactmatch",
        "CloseMatch",
        "Narrower",
        "PartiallyTaught",
        "Untaught",
        "Heuristic",
        "Hours",
        "City",
        "Some(",
    ] {
        assert!(!text.contains(identifier), "`{identifier}` printed:\n{text}");
    }
    assert!(text.contains("essential") && text.contains("minimising hours"), "{text}");
    assert!(text.contains("Supply and demand by city"), "{text}");
}
