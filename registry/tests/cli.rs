//! The `rongtong` command line against a real database: imports name every bad row and store
//! nothing, GB18030 files import, exports round-trip, tokens are printed once.
//!
//! Runs on SQLite, or on PostgreSQL when `TEST_DATABASE_URL` is set (a fresh schema per test).

#![allow(clippy::unwrap_used)] // a panic in a test is its failure report

use std::process::{Command, Output};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl};
use rongtong_catalog::{OrgKind, OrganizationInput, Region};
use rongtong_registry::db::Db;
use rongtong_registry::models::accounts;

/// A database for one test, and the URL the CLI should use.
struct TestDb {
    url: String,
    _dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

impl TestDb {
    /// A fresh, migrated store (what `rongtong migrate` leaves: the other commands create none).
    fn new() -> TestDb {
        let db = TestDb::unmigrated();
        Db::open(&db.url, 1).expect("migrate");
        db
    }

    fn unmigrated() -> TestDb {
        let dir = tempfile::tempdir().expect("tempdir");
        match std::env::var("TEST_DATABASE_URL") {
            Ok(base) if base.starts_with("postgres") => {
                let schema = format!("cli_{}", uuid::Uuid::new_v4().simple());
                PgConnection::establish(&base).expect("connect").batch_execute(&format!("CREATE SCHEMA {schema}")).expect("schema");
                let sep = if base.contains('?') { '&' } else { '?' };
                TestDb { url: format!("{base}{sep}options=-csearch_path%3D{schema}"), _dir: dir, pg: Some((base, schema)) }
            }
            _ => TestDb { url: format!("sqlite://{}", dir.path().join("cli.db").display()), _dir: dir, pg: None },
        }
    }

    /// Runs `rongtong ARGS…` against this database.
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_rongtong"))
            .args(args)
            .env("DATABASE_URL", &self.url)
            .env("RUST_LOG", "warn")
            .output()
            .expect("run rongtong")
    }

    fn file(&self, name: &str, bytes: &[u8]) -> String {
        let path = self._dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        path.display().to_string()
    }

    /// Regions, a college and an enterprise, written through the library.
    fn arrange(&self) {
        let db = Db::open(&self.url, 1).expect("open");
        let mut c = db.conn().expect("conn");
        for (code, zh, en) in [("360000", "江西省", "Jiangxi"), ("360300", "萍乡市", "Pingxiang")] {
            accounts::upsert_region(&mut c, &Region { code: code.parse().unwrap(), name_zh: zh.into(), name_en: en.into() }).unwrap();
        }
        for (code, kind) in [("pxou", OrgKind::College), ("pxcast", OrgKind::Enterprise)] {
            let org = OrganizationInput {
                code: code.into(),
                kind,
                name_zh: code.into(),
                name_en: None,
                region: "360300".parse().unwrap(),
                uscc: None,
            };
            accounts::create_org(&mut c, &org).unwrap();
        }
    }

    fn count(&self, table: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let db = Db::open(&self.url, 1).expect("open");
        let mut c = db.conn().expect("conn");
        let rows: Vec<N> = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).load(&mut *c).expect("count");
        rows[0].n
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.pg
            && let Ok(mut c) = PgConnection::establish(base)
        {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

fn esco_dir() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/demo/esco-sample").to_string()
}

const CASTING: &str = "http://data.europa.eu/esco/skill/e17d2415-e79f-4907-908e-5511b515fa3c";

#[test]
fn esco_import_is_idempotent_from_the_cli() {
    let db = TestDb::new();
    let first = db.run(&["import", "esco", &esco_dir()]);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let out = String::from_utf8_lossy(&first.stdout).into_owned();
    assert!(out.contains("skills 26 created, 0 updated"), "{out}");
    let second = db.run(&["import", "esco", &esco_dir()]);
    let out2 = String::from_utf8_lossy(&second.stdout).into_owned();
    assert!(out2.contains("skills 0 created, 26 updated"), "{out2}");
    assert_eq!(db.count("skills"), 26);
    assert_eq!(db.count("occupations"), 5);
}

#[test]
fn a_course_file_with_bad_rows_is_rejected_whole_with_every_row_named() {
    let db = TestDb::new();
    db.arrange();
    assert!(db.run(&["import", "esco", &esco_dir()]).status.success());
    let csv = format!(
        "code,title_zh,provider,hours,credits,skills,prerequisites\n\
         ZNZZ-01,铸造工艺基础,pxou,32,2,{CASTING}@5,\n\
         ZNZZ-02,造型与制芯,pxou,many,3,{CASTING}@4,ZNZZ-01\n\
         ZNZZ-03,熔炼与浇注,nobody,24,2,{CASTING}@4,ZNZZ-01\n\
         ZNZZ-04,检测,pxou,24,2,{CASTING}@9,ZNZZ-99\n"
    );
    let path = db.file("bad.csv", csv.as_bytes());
    let out = db.run(&["import", "courses", &path]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(err.contains("row 3, column hours"), "{err}");
    assert!(err.contains("row 4, column provider"), "{err}");
    assert!(err.contains("row 5, column skills"), "{err}");
    assert!(err.contains("nothing was stored"), "{err}");
    assert_eq!(db.count("courses"), 0, "a rejected file stores nothing");

    let kept = db.run(&["import", "courses", &path, "--keep-good-rows"]);
    assert!(kept.status.success(), "{}", String::from_utf8_lossy(&kept.stderr));
    assert_eq!(db.count("courses"), 1, "only the good row is stored");
}

#[test]
fn a_gb18030_demand_file_with_chinese_headers_imports() {
    let db = TestDb::new();
    db.arrange();
    assert!(db.run(&["import", "esco", &esco_dir()]).status.success());
    let text = "岗位,人数,地区,截止日期,必备技能,可选技能\n铸造工,8,360300,2027/3/31,casting processes@4,\n";
    let (bytes, _, _) = encoding_rs::GB18030.encode(text);
    assert!(std::str::from_utf8(&bytes).is_err(), "the fixture really is GB18030, not UTF-8");
    let path = db.file("demand.csv", &bytes);
    let out = db.run(&["import", "demand", &path, "--org", "pxcast", "--title", "铸造需求", "--publish"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(stdout.contains("read 1 rows (GB18030)"), "{stdout}");
    assert_eq!(db.count("demand_items"), 1);
    assert_eq!(db.count("demand_item_skills"), 1);
}

#[test]
fn exported_courses_import_again_unchanged() {
    let db = TestDb::new();
    db.arrange();
    assert!(db.run(&["import", "esco", &esco_dir()]).status.success());
    let csv = format!(
        "code,title_zh,provider,hours,credits,skills,prerequisites\nA-1,甲,pxou,10,1,{CASTING}@5,\nA-2,乙,pxou,12,1,{CASTING}@4,A-1\n"
    );
    assert!(db.run(&["import", "courses", &db.file("in.csv", csv.as_bytes())]).status.success());
    let exported = db.file("out.csv", b"");
    assert!(db.run(&["export", "courses", "-o", &exported]).status.success());
    let text = std::fs::read_to_string(&exported).unwrap();
    assert!(text.starts_with('\u{feff}'), "export carries a BOM for Excel");
    assert!(text.contains(&format!("{CASTING}@4")) && text.contains("A-1"), "{text}");
    // The same file again updates the two drafts instead of adding rows.
    let again = db.run(&["import", "courses", &exported]);
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 created, 2 updated"));
    assert_eq!(db.count("courses"), 2);
}

#[test]
fn a_token_is_printed_once_and_only_its_hash_is_stored() {
    let db = TestDb::new();
    assert!(db.run(&["user", "create", "--username", "root", "--role", "platform_admin"]).status.success());
    let out = db.run(&["token", "create", "--user", "root"]);
    assert!(out.status.success());
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(token.starts_with("rt_") && token.len() == 67, "{token}");
    let d = Db::open(&db.url, 1).unwrap();
    let mut c = d.conn().unwrap();
    let p = rongtong_registry::auth::principal_for_token(&mut c, &token).unwrap().expect("the token authenticates");
    assert_eq!(p.username, "root");
    #[derive(diesel::QueryableByName)]
    struct H {
        #[diesel(sql_type = diesel::sql_types::Text)]
        token_hash: String,
    }
    let rows: Vec<H> = diesel::sql_query("SELECT token_hash FROM api_tokens").load(&mut *c).unwrap();
    assert_eq!(rows.len(), 1);
    assert_ne!(rows[0].token_hash, token);
    assert_eq!(rows[0].token_hash, rongtong_registry::auth::hash_token(&token));
}

#[test]
fn an_unknown_database_scheme_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_rongtong")).args(["migrate"]).env("DATABASE_URL", "mysql://x").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("DATABASE_URL must start with sqlite:// or postgres://"));
}

#[test]
fn a_command_that_needs_a_database_creates_none_and_says_where_it_looked() {
    let dir = tempfile::tempdir().expect("tempdir");
    for args in [&["token", "create", "--user", "admin"][..], &["import", "esco", "."], &["audit", "credentials"]] {
        let out = Command::new(env!("CARGO_BIN_EXE_rongtong"))
            .args(args)
            .current_dir(dir.path())
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "warn")
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("no database at data/rongtong.db") && err.contains("the default, relative to this folder"), "{args:?}: {err}");
        assert!(err.contains("rongtong serve") && err.contains("DATABASE_URL"), "{err}");
        assert!(!dir.path().join("data").exists(), "{args:?} created a data folder");
    }
}

#[test]
fn migrate_on_a_fresh_database_names_its_migrations_and_the_regions_it_seeded() {
    let db = TestDb::unmigrated();
    let first = db.run(&["migrate"]);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let out = String::from_utf8_lossy(&first.stdout).into_owned();
    assert!(out.contains("2026-11-23-000003_data_version"), "{out}");
    assert!(out.contains("2026-12-01-000005_certificate_details"), "{out}");
    assert!(out.contains("seeded 367 region(s)"), "{out}");
    assert!(!out.contains("pending before start-up"), "{out}");
    // Run again: nothing to apply, nothing to seed.
    let again = String::from_utf8_lossy(&db.run(&["migrate"]).stdout).into_owned();
    assert!(again.contains("no pending migrations") && again.contains("seeded 0 region(s)"), "{again}");
    assert_eq!(db.count("regions"), 367);
}

#[test]
fn esco_import_reports_the_occupation_skill_links_it_stored() {
    let db = TestDb::new();
    let dir = tempfile::tempdir().unwrap();
    for name in ["skills_en.csv", "occupations_en.csv"] {
        std::fs::copy(format!("{}/{name}", esco_dir()), dir.path().join(name)).unwrap();
    }
    let occupation = "http://data.europa.eu/esco/occupation/25206eaa-04da-4fd6-bac7-173d7eb142dc";
    let relations = format!(
        "occupationUri,relationType,skillType,skillUri\n\
         {occupation},essential,skill/competence,{CASTING}\n\
         {occupation},optional,skill/competence,http://data.europa.eu/esco/skill/121a87f0-7ff9-4d63-a8af-440f291bce67\n"
    );
    std::fs::write(dir.path().join("occupationSkillRelations_en.csv"), relations).unwrap();
    let out = db.run(&["import", "esco", &dir.path().display().to_string()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains("2 occupation–skill links stored"), "{text}");
    assert_eq!(db.count("occupation_skills"), 2);
}

#[test]
fn user_create_with_opt_in_lets_employers_find_the_learner() {
    let db = TestDb::new();
    db.arrange();
    let out = db.run(&["user", "create", "--username", "li-ming", "--role", "learner", "--region", "360300", "--opt-in"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("may be found by employers"));
    let plain = db.run(&["user", "create", "--username", "wang-fang", "--role", "learner", "--region", "360300"]);
    assert!(plain.status.success(), "{}", String::from_utf8_lossy(&plain.stderr));
    let d = Db::open(&db.url, 1).unwrap();
    let mut c = d.conn().unwrap();
    assert!(accounts::find_user(&mut c, "li-ming").unwrap().opt_in);
    assert!(!accounts::find_user(&mut c, "wang-fang").unwrap().opt_in);
}

#[test]
fn the_help_lists_the_environment_each_command_reads_with_its_defaults() {
    let help = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_rongtong")).args(args).arg("--help").output().expect("run");
        assert!(out.status.success(), "{args:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let top = help(&[]);
    for (name, default, _) in rongtong_registry::config::ENV_VARS {
        assert!(top.contains(name) && top.contains(&format!("[{default}]")), "rongtong --help lacks {name} [{default}]:\n{top}");
    }
    for args in [&["token", "create"][..], &["import", "esco"], &["match", "gap"], &["rules", "list"], &["export", "courses"]] {
        let h = help(args);
        assert!(h.contains("DATABASE_URL") && h.contains("[sqlite://data/rongtong.db]"), "{args:?}:\n{h}");
        assert!(!h.contains("RONGTONG_KEK"), "{args:?} reads no key:\n{h}");
    }
    for args in [&["issue"][..], &["audit", "credentials"], &["export", "credentials"]] {
        let h = help(args);
        for name in ["DATABASE_URL", "RONGTONG_BASE_URL", "RONGTONG_KEK", "RONGTONG_KEK_FILE"] {
            assert!(h.contains(name), "{args:?} lacks {name}:\n{h}");
        }
        assert!(h.contains("[http://{RONGTONG_ADDR}]"), "{h}");
    }
    assert!(help(&["serve"]).contains("RONGTONG_RATE_LIMIT_PER_MINUTE"));
    assert!(!help(&["verify"]).contains("DATABASE_URL"), "verify opens no database");
}
