//! Import throughput on embedded SQLite: a 100,000-row course CSV and a 100,000-row demand
//! CSV, parsed, checked against the store and written, end to end through the same
//! functions `rongtong import` and the upload API use.
//!
//! Run: `cargo bench -p rongtong-registry --bench import` (add `-- 20000` for fewer rows).
//! Target: ≥ 15,000 rows/s. Figures go in docs/PERFORMANCE.md.

use std::fmt::Write as _;
use std::time::Instant;

use rongtong_catalog::{OrgKind, OrganizationInput, Region, SkillInput, SkillType};
use rongtong_registry::db::Db;
use rongtong_registry::models::{accounts, catalog};
use rongtong_registry::services::import::{ImportOptions, import_courses, import_demand};

const SKILLS: usize = 2_000;

fn uri(i: usize) -> String {
    format!("https://bench.example/skills/{i}")
}

/// A tiny deterministic generator, so every run imports the same file.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

fn course_csv(rows: usize) -> Vec<u8> {
    let mut rng = Lcg(7);
    let mut s = String::from("code,version,title_zh,title_en,provider,hours,credits,skills,prerequisites,description_zh,description_en\n");
    for i in 0..rows {
        let k = 3 + rng.next(8);
        let mut skills: Vec<usize> = (0..k).map(|_| rng.next(SKILLS)).collect();
        skills.sort_unstable();
        skills.dedup();
        let cell: Vec<String> = skills.iter().map(|j| format!("{}@{}", uri(*j), 3 + rng.next(3))).collect();
        let prereq = if i > 10 && rng.next(3) == 0 { format!("C{:06}", rng.next(i)) } else { String::new() };
        let _ = writeln!(
            s,
            "C{i:06},1,课程{i},Course {i},college,{},{},{},{prereq},微课程简介,A micro-course",
            16 + rng.next(48),
            1 + rng.next(4),
            cell.join(";")
        );
    }
    s.into_bytes()
}

fn demand_csv(rows: usize) -> Vec<u8> {
    let mut rng = Lcg(11);
    let mut s = String::from("岗位,职业,人数,地区,截止日期,必备技能,可选技能\n");
    for i in 0..rows {
        let pick = |rng: &mut Lcg, k: usize| -> Vec<usize> {
            let mut v: Vec<usize> = (0..k).map(|_| rng.next(SKILLS)).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let n_ess = 2 + rng.next(4);
        let ess = pick(&mut rng, n_ess);
        let n_opt = rng.next(3);
        let opt: Vec<usize> = pick(&mut rng, n_opt).into_iter().filter(|x| !ess.contains(x)).collect();
        let cell = |v: &[usize]| v.iter().map(|j| format!("{}@4", uri(*j))).collect::<Vec<_>>().join(";");
        let _ = writeln!(s, "岗位{i},,{},360300,2027-06-30,{},{}", 1 + rng.next(20), cell(&ess), cell(&opt));
    }
    s.into_bytes()
}

fn fresh_db(dir: &tempfile::TempDir, name: &str) -> Db {
    let db = Db::open(&format!("sqlite://{}", dir.path().join(name).display()), 2).expect("open");
    let mut c = db.conn().expect("conn");
    for (code, zh, en) in [("360000", "江西省", "Jiangxi"), ("360300", "萍乡市", "Pingxiang")] {
        accounts::upsert_region(&mut c, &Region { code: code.parse().expect("code"), name_zh: zh.into(), name_en: en.into() })
            .expect("region");
    }
    for (code, kind) in [("college", OrgKind::College), ("factory", OrgKind::Enterprise)] {
        accounts::create_org(
            &mut c,
            &OrganizationInput {
                code: code.into(),
                kind,
                name_zh: code.into(),
                name_en: None,
                region: "360300".parse().expect("code"),
                uscc: None,
            },
        )
        .expect("org");
    }
    let fw = catalog::esco_framework(&mut c).expect("framework");
    for i in 0..SKILLS {
        let skill = SkillInput {
            uri: Some(uri(i)),
            framework: "esco".into(),
            label_zh: Some(format!("技能{i}")),
            label_en: Some(format!("skill {i}")),
            alt_labels: vec![],
            description: None,
            skill_type: SkillType::SkillCompetence,
            reuse_level: None,
            status: "released".into(),
        };
        catalog::upsert_skill(&mut c, &fw.id, &skill).expect("skill");
    }
    db
}

fn main() {
    let rows: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(100_000);
    let runs = 3;
    let courses = course_csv(rows);
    let demand = demand_csv(rows);
    println!("import benchmark: {rows} rows per file, {runs} runs each, fresh SQLite database per run");
    for (what, bytes) in [("courses", &courses), ("demand", &demand)] {
        let mut times = Vec::new();
        for run in 0..runs {
            let dir = tempfile::tempdir().expect("tempdir");
            let db = fresh_db(&dir, &format!("{what}{run}.db"));
            let mut c = db.conn().expect("conn");
            let start = Instant::now();
            let report = match what {
                "courses" => import_courses(&mut c, bytes, None, ImportOptions::default(), &mut |_| {}),
                _ => import_demand(&mut c, bytes, "factory", "bench", None, ImportOptions::default(), &mut |_| {}),
            }
            .expect("import succeeds");
            let secs = start.elapsed().as_secs_f64();
            assert_eq!(report.created, rows, "every row stored");
            times.push(secs);
        }
        times.sort_by(f64::total_cmp);
        let median = times[runs / 2];
        println!(
            "{what:>8}: median {median:.2} s = {:.0} rows/s (runs: {})",
            rows as f64 / median,
            times.iter().map(|t| format!("{t:.2} s")).collect::<Vec<_>>().join(", ")
        );
    }
}
