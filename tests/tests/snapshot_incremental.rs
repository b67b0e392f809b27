//! The incremental matching snapshot (issue 9) against a full reload, on a real database
//! (SQLite, or PostgreSQL with `TEST_DATABASE_URL`): random learner writes go through the
//! store's triggers into the change log, a snapshot brought up to date from the change log
//! must answer exactly as one loaded whole, and a catalog write must make it load whole. The
//! change log is pruned behind a retention window; a snapshot older than the pruned mark loads
//! whole.

#![allow(clippy::unwrap_used)] // a panic in a test is its failure report

use diesel::connection::SimpleConnection;
use rongtong_catalog::RegionLevel;
use rongtong_matching::Target;
use rongtong_registry::db::DbConnection;
use rongtong_registry::services::matching::snapshot::{
    Snapshot, SnapshotCache, data_version, load_snapshot, prune_change_log, refresh_snapshot, update_snapshot,
};
use rongtong_tests::TestApp;
use serde_json::{Value, json};

/// A small deterministic generator, so a failure replays.
struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

fn strings(conn: &mut DbConnection, sql: &str) -> Vec<String> {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    diesel::sql_query(sql).load::<Row>(conn).unwrap().into_iter().map(|r| r.v).collect()
}

fn number(conn: &mut DbConnection, sql: &str) -> i64 {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(sql).load::<Row>(conn).unwrap()[0].n
}

fn log_entries(conn: &mut DbConnection, condition: &str) -> i64 {
    number(conn, &format!("SELECT COUNT(*) AS n FROM matching_changes WHERE {condition}"))
}

fn pruned_mark(conn: &mut DbConnection) -> i64 {
    number(conn, "SELECT changes_pruned_through AS n FROM data_version WHERE id = 1")
}

/// Asserts two answer lists are equal, naming the first that differs.
fn assert_same(a: &Value, b: &Value, what: &str) {
    let (a, b) = (a.as_array().unwrap(), b.as_array().unwrap());
    assert_eq!(a.len(), b.len(), "{what}: number of answers");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert_eq!(x, y, "{what}: answer {i} differs");
    }
}

/// Every answer that reads learner data, and the learner index the API resolves names with.
fn answers(s: &Snapshot) -> Value {
    let g = &s.graph;
    let mut learners: Vec<(String, String, String)> =
        s.learners.iter().map(|(k, v)| (k.clone(), v.user_id.clone(), format!("{}:{}", v.username, v.region))).collect();
    learners.sort();
    let mut names: Vec<&String> = s.learners.values().map(|l| &l.username).collect();
    names.sort();
    names.dedup();
    let mut items: Vec<&String> = s.items.keys().collect();
    items.sort();
    let mut out = vec![json!(learners), json!(g.learner_count())];
    for item in &items {
        out.push(serde_json::to_value(g.rank_candidates(Target::Demand(item), 50).unwrap()).unwrap());
        for name in &names {
            out.push(serde_json::to_value(g.learner_gap(name, Target::Demand(item)).unwrap()).unwrap());
        }
    }
    for level in [RegionLevel::Province, RegionLevel::City, RegionLevel::County] {
        out.push(serde_json::to_value(g.supply_and_demand(None, level, true).unwrap()).unwrap());
    }
    Value::Array(out)
}

/// One random learner-scoped write, as any path (API, import, CLI) would leave it in the store.
fn random_write(conn: &mut DbConnection, rng: &mut Lcg, step: usize) {
    let learners = strings(conn, "SELECT id AS v FROM users WHERE role = 'learner' ORDER BY id");
    let courses = strings(conn, "SELECT id AS v FROM courses ORDER BY id");
    let completions = strings(conn, "SELECT id AS v FROM completions ORDER BY id");
    let credentials = strings(conn, "SELECT id AS v FROM credentials ORDER BY id");
    let admin = strings(conn, "SELECT id AS v FROM users WHERE role <> 'learner' ORDER BY id");
    let learner = &learners[rng.below(learners.len())];
    let sql = match rng.below(8) {
        0 | 1 => {
            let course = &courses[rng.below(courses.len())];
            let result = ["合格", "优秀", "不合格", "85", "59", "看情况"][rng.below(6)];
            format!(
                "INSERT INTO completions (id, learner_id, course_id, result, completed_on, assessor, recorded_by, created_at) \
                 SELECT 'c-{step:04}', '{learner}', '{course}', '{result}', '2026-11-{:02}', NULL, '{}', '2026-12-01T00:00:00Z' \
                 WHERE NOT EXISTS (SELECT 1 FROM completions WHERE learner_id = '{learner}' AND course_id = '{course}')",
                1 + rng.below(28),
                admin[0]
            )
        }
        2 if !completions.is_empty() => {
            // A completion with a certificate stays (the certificate refers to it).
            let c = &completions[rng.below(completions.len())];
            format!("DELETE FROM completions WHERE id = '{c}' AND NOT EXISTS (SELECT 1 FROM credentials WHERE completion_id = '{c}')")
        }
        3 if !credentials.is_empty() => {
            format!("UPDATE credentials SET revoked = NOT revoked WHERE id = '{}'", credentials[rng.below(credentials.len())])
        }
        4 if !credentials.is_empty() => {
            format!("UPDATE credentials SET suspended = NOT suspended WHERE id = '{}'", credentials[rng.below(credentials.len())])
        }
        5 => format!("UPDATE users SET opt_in = NOT opt_in WHERE id = '{learner}'"),
        6 => {
            let region = ["'360300'", "'360700'", "NULL", "'440300'"][rng.below(4)];
            format!("UPDATE users SET region = {region} WHERE id = '{learner}'")
        }
        _ => format!(
            "INSERT INTO users (id, username, display_name, role, org_id, region, opt_in, created_at) \
             VALUES ('u-{step:04}', 'new-learner-{step}', 'N', 'learner', NULL, '{}', TRUE, '2026-12-01T00:00:00Z')",
            ["360700", "360300", "360100"][rng.below(3)]
        ),
    };
    conn.batch_execute(&sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
}

#[test]
fn incremental_snapshots_answer_as_a_full_reload() {
    let (app, _) = TestApp::with_demo();
    random_writes_answer_as_a_full_reload(&app, 9, 40);
}

/// With the demo's certificates and recognitions (issue 10): toggling a credential's status
/// also reaches the recognition of GYJQR-04 and the certificate it rests on.
#[test]
fn incremental_snapshots_with_certificates_and_recognitions_answer_as_a_full_reload() {
    let (app, _) = TestApp::with_demo_credentials();
    random_writes_answer_as_a_full_reload(&app, 23, 40);
}

/// `steps` rounds of one to three random writes, each round followed by an incremental
/// update that must answer as a full reload.
fn random_writes_answer_as_a_full_reload(app: &TestApp, seed: u64, steps: usize) {
    let mut conn = app.db.conn().unwrap();
    let mut rng = Lcg(seed);
    let mut snap = load_snapshot(&mut conn).unwrap();
    assert!(!snap.info.incremental);
    let mut incremental_steps = 0;
    for step in 0..steps {
        // One to three writes between refreshes, as under load.
        for w in 0..=rng.below(3) {
            random_write(&mut conn, &mut rng, step * 10 + w);
        }
        let updated = update_snapshot(&mut conn, &snap).unwrap().expect("learner writes apply incrementally");
        let fresh = load_snapshot(&mut conn).unwrap();
        assert!(updated.info.incremental);
        assert_eq!(updated.info.version, fresh.info.version, "step {step}");
        assert_same(&answers(&updated), &answers(&fresh), &format!("step {step}"));
        snap = updated;
        incremental_steps += 1;
    }
    assert_eq!(incremental_steps, steps);
}

#[test]
fn a_catalog_write_makes_the_snapshot_load_whole() {
    let (app, _) = TestApp::with_demo();
    let mut conn = app.db.conn().unwrap();
    let snap = load_snapshot(&mut conn).unwrap();
    // Nothing changed: the same graph, relabelled.
    assert!(update_snapshot(&mut conn, &snap).unwrap().is_some());
    conn.batch_execute("UPDATE courses SET hours = hours + 1").unwrap();
    assert!(update_snapshot(&mut conn, &snap).unwrap().is_none(), "a course change needs a full load");
    let fresh = load_snapshot(&mut conn).unwrap();
    // A learner write after the full load applies incrementally again.
    conn.batch_execute("UPDATE users SET opt_in = NOT opt_in WHERE username = 'learner-chen'").unwrap();
    let updated = update_snapshot(&mut conn, &fresh).unwrap().expect("incremental");
    assert_same(&answers(&updated), &answers(&load_snapshot(&mut conn).unwrap()), "after a full load");
}

#[test]
fn the_change_log_is_pruned_and_a_snapshot_older_than_the_mark_loads_whole() {
    let (app, _) = TestApp::with_demo();
    let mut conn = app.db.conn().unwrap();
    let mut rng = Lcg(17);
    let old = load_snapshot(&mut conn).unwrap();
    conn.batch_execute("UPDATE users SET opt_in = NOT opt_in WHERE username = 'learner-chen'").unwrap();
    for step in 0..4 {
        random_write(&mut conn, &mut rng, 500 + step);
    }
    let mid = update_snapshot(&mut conn, &old).unwrap().expect("incremental");
    conn.batch_execute("UPDATE users SET opt_in = NOT opt_in WHERE username = 'learner-li'").unwrap();
    for step in 0..4 {
        random_write(&mut conn, &mut rng, 600 + step);
    }
    let total = log_entries(&mut conn, "1 = 1");
    let newer = log_entries(&mut conn, &format!("version > {}", mid.info.version));
    assert!(newer > 0 && total > newer, "entries on both sides of the cut: {total} in all, {newer} newer");

    // A window of 0 versions behind `mid`: every entry `mid` has applied goes, the rest stays.
    let (through, deleted) = prune_change_log(&mut conn, mid.info.version, 0).unwrap();
    assert_eq!(through, mid.info.version);
    assert_eq!(deleted as i64, total - newer);
    assert_eq!(log_entries(&mut conn, "1 = 1"), newer);
    assert_eq!(pruned_mark(&mut conn), mid.info.version);

    // `old` predates the mark: the log cannot bring it up to date, so it loads whole.
    assert!(update_snapshot(&mut conn, &old).unwrap().is_none(), "a snapshot older than the pruned mark must load whole");
    let fresh = load_snapshot(&mut conn).unwrap();
    let refreshed = refresh_snapshot(&mut conn, Some(&old)).unwrap();
    assert!(!refreshed.info.incremental);
    assert_same(&answers(&refreshed), &answers(&fresh), "full load after pruning");
    // `mid` is at the mark: it still updates from what is left, and answers as a full reload.
    let updated = update_snapshot(&mut conn, &mid).unwrap().expect("incremental after pruning");
    assert_eq!(updated.info.version, fresh.info.version);
    assert_same(&answers(&updated), &answers(&fresh), "incremental after pruning");

    // A window keeps that many versions: pruning 2 versions behind the newest deletes only
    // entries at or below it, and the mark never goes back.
    let now = data_version(&mut conn).unwrap();
    let (through, _) = prune_change_log(&mut conn, now, 2).unwrap();
    assert_eq!(through, now - 2);
    assert_eq!(log_entries(&mut conn, &format!("version <= {through}")), 0);
    assert_eq!(log_entries(&mut conn, "1 = 1"), log_entries(&mut conn, &format!("version > {}", now - 2)));
    prune_change_log(&mut conn, mid.info.version, 0).unwrap();
    assert_eq!(pruned_mark(&mut conn), now - 2, "pruning through an older version leaves the mark");
    // A window reaching back before the first version prunes nothing.
    assert_eq!(prune_change_log(&mut conn, now, now + 10).unwrap(), (0, 0));
}

/// A node prunes the log itself after refreshing its snapshot, and keeps answering exactly as
/// a full reload.
#[tokio::test]
async fn a_node_prunes_the_change_log_behind_its_snapshot() {
    let (app, _) = TestApp::with_demo();
    let cache = SnapshotCache::new(std::time::Duration::from_secs(60)).with_retained_versions(3);
    let first = cache.get(&app.db).await.unwrap().snapshot;
    assert!(!first.info.incremental);
    let mut rng = Lcg(23);
    for round in 0..5 {
        {
            let mut conn = app.db.conn().unwrap();
            conn.batch_execute("UPDATE users SET opt_in = NOT opt_in WHERE username = 'learner-chen'").unwrap();
            for w in 0..3 {
                random_write(&mut conn, &mut rng, 700 + round * 10 + w);
            }
        }
        let current = cache.get(&app.db).await.unwrap();
        assert!(!current.stale());
        let snap = current.snapshot;
        assert!(snap.info.incremental, "round {round}: learner writes apply incrementally");
        let mut conn = app.db.conn().unwrap();
        let through = snap.info.version - 3;
        assert_eq!(pruned_mark(&mut conn), through, "round {round}");
        assert_eq!(log_entries(&mut conn, &format!("version <= {through}")), 0, "round {round}");
        assert_same(&answers(&snap), &answers(&load_snapshot(&mut conn).unwrap()), &format!("round {round}"));
    }
}
