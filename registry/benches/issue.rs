//! Bulk issuance on embedded SQLite: 100,000 training certificates signed
//! (`eddsa-rdfc-2022`), stored and status-indexed (random indexes in the issuer's
//! revocation/suspension list pairs) through `issue_for_completions` — the function the CLI
//! (`rongtong issue`) and the API's cohort jobs call — in transactions of 2,000 completions.
//!
//! Then the same store is audited (`rongtong audit credentials`): every credential
//! re-verified with batch Ed25519 against the store's DID documents and status lists.
//!
//! Run: `cargo bench -p rongtong-registry --bench issue` (add `-- 20000` for fewer).
//! Target: 100,000 credentials in ≤ 20 s. Figures go in docs/PERFORMANCE.md.

use std::time::Instant;

use diesel::prelude::*;
use rongtong_catalog::{OrgKind, OrganizationInput, Region};
use rongtong_registry::db::schema::{completions, courses, users};
use rongtong_registry::db::{Db, DbConnection};
use rongtong_registry::models::accounts;
use rongtong_registry::services::credentials::issuance::{IssueContext, NotPassed, issue_for_completions};
use rongtong_registry::services::credentials::keystore::Kek;

fn setup(c: &mut DbConnection, n: usize) -> Vec<String> {
    for (code, zh, en) in [("360000", "江西省", "Jiangxi"), ("360300", "萍乡市", "Pingxiang")] {
        accounts::upsert_region(c, &Region { code: code.parse().expect("code"), name_zh: zh.into(), name_en: en.into() }).expect("region");
    }
    let org = accounts::create_org(
        c,
        &OrganizationInput {
            code: "college".into(),
            kind: OrgKind::College,
            name_zh: "萍乡职业学院".into(),
            name_en: None,
            region: "360300".parse().expect("code"),
            uscc: None,
        },
    )
    .expect("org");
    let ts = "2026-11-23T00:00:00Z";
    diesel::insert_into(courses::table)
        .values((
            courses::id.eq("course-1"),
            courses::code.eq("BENCH-01"),
            courses::version.eq("1"),
            courses::provider_id.eq(&org.id),
            courses::title_zh.eq("工业机器人基础"),
            courses::title_en.eq(Some("Industrial robot basics")),
            courses::hours.eq(32.0),
            courses::credits.eq(2.0),
            courses::delivery_mode.eq("blended"),
            courses::status.eq("published"),
            courses::created_at.eq(ts),
            courses::updated_at.eq(ts),
        ))
        .execute(c)
        .expect("course");
    let mut ids = Vec::with_capacity(n);
    for start in (0..n).step_by(2000) {
        let end = (start + 2000).min(n);
        let u: Vec<_> = (start..end)
            .map(|i| {
                (
                    users::id.eq(format!("u{i:07}")),
                    users::username.eq(format!("learner{i:07}")),
                    users::display_name.eq(format!("学员{i}")),
                    users::role.eq("learner"),
                    users::opt_in.eq(false),
                    users::created_at.eq(ts),
                )
            })
            .collect();
        rongtong_registry::insert_batch!(c, users::table, &u).expect("users");
        let k: Vec<_> = (start..end)
            .map(|i| {
                (
                    completions::id.eq(format!("c{i:07}")),
                    completions::learner_id.eq(format!("u{i:07}")),
                    completions::course_id.eq("course-1"),
                    completions::result.eq("合格"),
                    completions::completed_on.eq("2026-06-30"),
                    completions::recorded_by.eq("u0000000"),
                    completions::created_at.eq(ts),
                )
            })
            .collect();
        rongtong_registry::insert_batch!(c, completions::table, &k).expect("completions");
        ids.extend((start..end).map(|i| format!("c{i:07}")));
    }
    ids
}

fn main() {
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let cores = std::thread::available_parallelism().map(|p| p.get()).unwrap_or(1);
    // One connection for the issuing (then the audit's reader), one per audit worker.
    let db = Db::open(&format!("sqlite://{}", dir.path().join("bench.db").display()), cores as u32 + 1).expect("open");
    let mut conn = db.conn().expect("conn");
    let ids = setup(&mut conn, n);
    let kek = Kek::generate();
    let ctx = IssueContext { base_url: "https://rongtong.example", kek: &kek };
    println!("issue benchmark: {n} completions, {} cores", std::thread::available_parallelism().map(|p| p.get()).unwrap_or(1));
    let t = Instant::now();
    let mut issued = 0;
    for chunk in ids.chunks(2000) {
        let r = conn.transaction(|c| issue_for_completions(c, ctx, chunk, NotPassed::Skip)).expect("issue");
        issued += r.issued;
    }
    let secs = t.elapsed().as_secs_f64();
    println!("issued {issued} credentials in {secs:.2} s ({:.0}/s)", issued as f64 / secs);
    let t = Instant::now();
    let again = conn.transaction(|c| issue_for_completions(c, ctx, &ids[..ids.len().min(2000)], NotPassed::Skip)).expect("retry");
    println!("retry of 2,000 (idempotent): {} issued, {} skipped in {:.2} s", again.issued, again.skipped, t.elapsed().as_secs_f64());
    drop(conn);
    for workers in [1, cores] {
        let t = Instant::now();
        let report = rongtong_registry::services::credentials::reverify::audit_credentials(
            &db,
            ctx,
            workers,
            rongtong_registry::services::credentials::reverify::PAGE,
            |_, _| {},
        )
        .expect("audit");
        let secs = t.elapsed().as_secs_f64();
        assert!(report.clean(), "{:?}", report.problems.first());
        println!(
            "audit re-verified {} credentials in {secs:.2} s ({:.0}/s, batch Ed25519, {workers} worker(s))",
            report.total,
            report.total as f64 / secs
        );
    }
    let size = std::fs::metadata(dir.path().join("bench.db")).map(|m| m.len()).unwrap_or(0);
    println!("database file: {:.0} MiB", size as f64 / 1048576.0);
}
