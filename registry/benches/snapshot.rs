//! Store → matching snapshot: how long the registry takes to read a provincial-scale
//! database into a `SkillsGraph` (`snapshot::load_snapshot`), which is what the first matching
//! request after a change pays.
//!
//! Run: `cargo bench -p rongtong-registry --bench snapshot` (add `-- 200000 10` for the number
//! of learners, default 100,000, and completions per learner, default 5). After the full loads
//! it measures a write made visible incrementally (`update_snapshot`) and candidate rankings. The database is generated straight into SQLite with multi-row
//! inserts: 15,000 skills, 100,000 published courses (3–10 skills each, a third with a
//! prerequisite), 5,000 published demand items (5 skills each), and the learners with 5 passing
//! completions each (so ≈ 30 verified skills per learner). Set `BENCH_DATABASE_URL` to a
//! PostgreSQL URL (an empty database) to measure that backend instead. Figures go in
//! docs/PERFORMANCE.md.

use std::fmt::Write as _;
use std::time::Instant;

use diesel::connection::SimpleConnection;
use rongtong_catalog::{RequirementKind, SkillLevel, SkillRequirement};
use rongtong_matching::Target;
use rongtong_registry::db::{Db, DbConnection};
use rongtong_registry::services::matching::snapshot::{data_version, load_snapshot, update_snapshot};

const SKILLS: usize = 15_000;
const COURSES: usize = 100_000;
const ITEMS: usize = 5_000;
const CITIES: [&str; 11] = ["360100", "360200", "360300", "360400", "360500", "360600", "360700", "360800", "360900", "361000", "361100"];

/// A tiny deterministic generator, so every run loads the same data.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// Inserts `rows` (already formatted value tuples) in chunks of 1,000.
fn insert(conn: &mut DbConnection, head: &str, rows: impl Iterator<Item = String>) {
    let mut batch: Vec<String> = Vec::with_capacity(1000);
    let flush = |batch: &mut Vec<String>, conn: &mut DbConnection| {
        if !batch.is_empty() {
            conn.batch_execute(&format!("{head} VALUES {};", batch.join(","))).expect("insert");
            batch.clear();
        }
    };
    for r in rows {
        batch.push(r);
        if batch.len() == 1000 {
            flush(&mut batch, conn);
        }
    }
    flush(&mut batch, conn);
}

fn generate(conn: &mut DbConnection, learners: usize, per_learner: usize) {
    let now = "2026-11-23T00:00:00Z";
    let mut rng = Lcg(2026);
    conn.batch_execute("BEGIN").expect("begin");
    // Jiangxi and its 11 cities are among the GB/T 2260 divisions every database is seeded with.
    insert(
        conn,
        "INSERT INTO frameworks (id, code, kind, name, version, uri)",
        std::iter::once("('fw','bench','esco','bench','1',NULL)".to_string()),
    );
    insert(
        conn,
        "INSERT INTO skills (id, uri, framework_id, label_zh, label_en, alt_labels, description, skill_type, reuse_level, status, search_text, created_at, updated_at)",
        (0..SKILLS).map(|i| format!("('s{i}','https://bench.example/skills/{i}','fw','技能{i}','skill {i}','[]',NULL,'skill/competence',NULL,'released','skill {i}','{now}','{now}')")),
    );
    insert(
        conn,
        "INSERT INTO organizations (id, code, kind, name_zh, name_en, region, uscc, created_at, updated_at)",
        (0..100).map(|i| {
            let kind = if i < 50 { "college" } else { "enterprise" };
            format!("('o{i}','org{i}','{kind}','机构{i}',NULL,'{}',NULL,'{now}','{now}')", CITIES[i % CITIES.len()])
        }),
    );
    insert(
        conn,
        "INSERT INTO courses (id, code, version, provider_id, title_zh, title_en, description_zh, description_en, hours, credits, delivery_mode, status, created_at, updated_at)",
        (0..COURSES).map(|i| {
            format!(
                "('c{i}','C{i:06}','1','o{}','课程{i}',NULL,NULL,NULL,{},{},'blended','published','{now}','{now}')",
                i % 50,
                16 + i % 48,
                1 + i % 4
            )
        }),
    );
    let mut links = Vec::new();
    let mut prereqs = Vec::new();
    for i in 0..COURSES {
        let k = 3 + rng.next(8);
        let mut s: Vec<usize> = (0..k).map(|_| rng.next(SKILLS)).collect();
        s.sort_unstable();
        s.dedup();
        links.extend(s.into_iter().map(|j| format!("('c{i}','s{j}',{},1.0)", 3 + rng.next(3))));
        if i > 10 && rng.next(3) == 0 {
            prereqs.push(format!("('c{i}','C{:06}')", rng.next(i)));
        }
    }
    insert(conn, "INSERT INTO course_skills (course_id, skill_id, level, weight)", links.into_iter());
    insert(conn, "INSERT INTO course_prerequisites (course_id, prerequisite_code)", prereqs.into_iter());
    insert(
        conn,
        "INSERT INTO demand_lists (id, enterprise_id, title, region, industry, deadline, status, created_at, updated_at)",
        (0..50).map(|i| format!("('d{i}','o{}','清单{i}','{}',NULL,NULL,'published','{now}','{now}')", 50 + i, CITIES[i % CITIES.len()])),
    );
    insert(
        conn,
        "INSERT INTO demand_items (id, list_id, ordinal, position_title, occupation, headcount, region, deadline)",
        (0..ITEMS).map(|i| format!("('i{i}','d{}',{i},'岗位{i}',NULL,{},NULL,NULL)", i % 50, 1 + i % 20)),
    );
    let mut item_skills = Vec::new();
    for i in 0..ITEMS {
        let mut s: Vec<usize> = (0..5).map(|_| rng.next(SKILLS)).collect();
        s.sort_unstable();
        s.dedup();
        item_skills.extend(
            s.into_iter().enumerate().map(|(n, j)| format!("('i{i}','s{j}','{}',4)", if n < 3 { "essential" } else { "optional" })),
        );
    }
    insert(conn, "INSERT INTO demand_item_skills (item_id, skill_id, kind, min_level)", item_skills.into_iter());
    insert(
        conn,
        "INSERT INTO users (id, username, display_name, role, org_id, region, opt_in, created_at)",
        std::iter::once(format!("('admin','admin','admin','platform_admin',NULL,NULL,FALSE,'{now}')")).chain((0..learners).map(|i| {
            format!(
                "('u{i}','learner{i}','学员{i}','learner',NULL,'{}',{},'{now}')",
                CITIES[i % CITIES.len()],
                if i % 10 < 7 { "TRUE" } else { "FALSE" }
            )
        })),
    );
    let mut done = Vec::with_capacity(learners * per_learner);
    for i in 0..learners {
        let mut c: Vec<usize> = (0..per_learner).map(|_| rng.next(COURSES)).collect();
        c.sort_unstable();
        c.dedup();
        for j in c {
            let mut row = String::new();
            let _ = write!(row, "('k{i}-{j}','u{i}','c{j}','合格','2026-06-30',NULL,'admin','{now}')");
            done.push(row);
        }
        if done.len() >= 1_000_000 {
            insert(
                conn,
                "INSERT INTO completions (id, learner_id, course_id, result, completed_on, assessor, recorded_by, created_at)",
                done.drain(..),
            );
        }
    }
    insert(
        conn,
        "INSERT INTO completions (id, learner_id, course_id, result, completed_on, assessor, recorded_by, created_at)",
        done.into_iter(),
    );
    conn.batch_execute("COMMIT").expect("commit");
}

fn main() {
    let mut nums = std::env::args().skip(1).filter_map(|a| a.parse::<usize>().ok());
    let learners: usize = nums.next().unwrap_or(100_000);
    let per_learner: usize = nums.next().unwrap_or(5);
    let dir = tempfile::tempdir().expect("temp dir");
    let url = std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("snapshot.db").display()));
    let db = Db::open(&url, 1).expect("open");
    let mut conn = db.conn().expect("conn");
    println!(
        "snapshot benchmark: {SKILLS} skills, {COURSES} courses, {ITEMS} demand items, {learners} learners × {per_learner} completions ({:?})",
        db.backend()
    );
    let t = Instant::now();
    generate(&mut conn, learners, per_learner);
    println!("generated in {:.1} s (data_version {})", t.elapsed().as_secs_f64(), data_version(&mut conn).expect("version"));
    let mut totals = Vec::new();
    let mut last = None;
    for run in 0..3 {
        let t = Instant::now();
        let snap = load_snapshot(&mut conn).expect("load");
        let total = t.elapsed().as_secs_f64();
        let i = &snap.info;
        println!(
            "run {run}: total {total:.2} s = read + assemble {:.2} s + build {:.2} s; {} skills, {} courses, {} learners; heap {:.0} MiB; warnings {:?}",
            i.load_ms / 1000.0,
            i.build_ms / 1000.0,
            i.skills,
            i.courses,
            i.learners,
            i.heap_bytes as f64 / (1024.0 * 1024.0),
            i.warnings
        );
        totals.push(total);
        last = Some(snap);
    }
    totals.sort_by(f64::total_cmp);
    println!("median load_snapshot: {:.2} s", totals[1]);

    // A write, then the snapshot brought up to date with it: what the next matching request
    // pays (update_snapshot reads the change log and the learner's rows, then
    // SkillsGraph::with_learners copies the learner columns).
    let mut snap = last.expect("a snapshot");
    let mut updates = Vec::new();
    for w in 0..7 {
        let learner = (w * 7919) % learners;
        conn.batch_execute(&format!(
            "INSERT INTO completions (id, learner_id, course_id, result, completed_on, assessor, recorded_by, created_at) \
             VALUES ('w{w}','u{learner}','c{}','合格','2026-11-30',NULL,'admin','2026-11-30T00:00:00Z')",
            COURSES - 1 - w
        ))
        .expect("write");
        let t = Instant::now();
        snap = update_snapshot(&mut conn, &snap).expect("update").expect("incremental");
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        println!(
            "write {w}: update_snapshot {ms:.1} ms (read {:.1} ms, with_learners {:.1} ms); heap {:.0} MiB",
            snap.info.load_ms,
            snap.info.build_ms,
            snap.info.heap_bytes as f64 / (1024.0 * 1024.0)
        );
        updates.push(ms);
    }
    updates.sort_by(f64::total_cmp);
    println!("median write → visible (update_snapshot): {:.1} ms", updates[updates.len() / 2]);

    // Rankings on the provincial data: every 50th demand item (3 essentials each), and a
    // target with no essential requirement (the full sweep of every posting).
    let g = &snap.graph;
    let mut times = Vec::new();
    for i in (0..ITEMS).step_by(50) {
        let id = format!("i{i}");
        let t = Instant::now();
        let r = g.rank_candidates(Target::Demand(&id), 20).expect("rank");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(r);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "rank_candidates, demand items (k = 20): p50 {:.2} ms, p90 {:.2} ms, max {:.2} ms",
        times[times.len() / 2],
        times[times.len() * 9 / 10],
        times[times.len() - 1]
    );
    let optional: Vec<SkillRequirement> = (0..5)
        .map(|j| SkillRequirement {
            skill: format!("https://bench.example/skills/{}", j * 97),
            kind: RequirementKind::Optional,
            min_level: SkillLevel::L4,
        })
        .collect();
    let mut times = Vec::new();
    for _ in 0..9 {
        let t = Instant::now();
        std::hint::black_box(g.rank_candidates(Target::Requirements(&optional), 20).expect("rank"));
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!("rank_candidates, 5 optional requirements, no essential (k = 20): median {:.1} ms", times[4]);
}
