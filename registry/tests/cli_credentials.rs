//! The `rongtong` binary's credential commands: `issue`, `export credentials`, an offline
//! `verify` (exit 0 valid, 1 invalid) and `audit credentials`, on a demo database in a
//! temporary folder.

use std::path::Path;
use std::process::{Command, Output};

use rongtong_registry::db::Db;
use rongtong_registry::services::credentials::issuance::IssueContext;
use rongtong_registry::services::credentials::keystore::{self, Kek};
use rongtong_registry::services::credentials::status;
use serde_json::Value;

const BASE: &str = "https://rongtong.test";

fn rongtong(db_url: &str, kek: &Kek, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rongtong"))
        .args(args)
        .env("DATABASE_URL", db_url)
        .env("RONGTONG_KEK", kek.to_base64().as_str())
        .env("RONGTONG_BASE_URL", BASE)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run rongtong")
}

fn write(path: &Path, v: &Value) {
    std::fs::write(path, v.to_string()).expect("write");
}

#[test]
fn issue_export_and_verify_offline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    let kek = Kek::generate();
    let db = Db::open(&url, 1).expect("open");
    {
        let mut conn = db.conn().expect("conn");
        rongtong_registry::services::demo::seed(&mut conn).expect("seed").expect("fresh");
    }

    // Cohort issuance from the CLI, then a retry that issues nothing.
    let out = rongtong(&url, &kek, &["issue", "--course", "ZNZZ-01", "--org", "pxou"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("2 credentials issued"), "{}", String::from_utf8_lossy(&out.stdout));
    let out = rongtong(&url, &kek, &["issue", "--course", "ZNZZ-01"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("0 credentials issued"), "{}", String::from_utf8_lossy(&out.stdout));
    let wrong_org = rongtong(&url, &kek, &["issue", "--course", "ZNZZ-01", "--org", "jxou"]);
    assert_eq!(wrong_org.status.code(), Some(1));

    // Export: one file per credential.
    let export = dir.path().join("export");
    let out = rongtong(&url, &kek, &["export", "credentials", export.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let files: Vec<_> = std::fs::read_dir(&export).expect("dir").map(|e| e.expect("entry").path()).collect();
    assert_eq!(files.len(), 2);
    let file = &files[0];
    let vc: Value = serde_json::from_str(&std::fs::read_to_string(file).expect("read")).expect("json");

    // The documents a verifier would fetch, as files.
    let (did_doc, list) = {
        let mut conn = db.conn().expect("conn");
        let did = keystore::org_did(BASE, "pxou").expect("did");
        let doc = keystore::did_document(&mut conn, &did).expect("doc").expect("exists");
        let list_url = vc["credentialStatus"][0]["statusListCredential"].as_str().expect("url").to_string();
        let id = list_url.rsplit('/').next().expect("id").to_string();
        let ctx = IssueContext { base_url: BASE, kek: &kek };
        (doc, (list_url, status::status_list_credential(&mut conn, ctx, &id).expect("list").expect("exists")))
    };
    let susp_url = vc["credentialStatus"][1]["statusListCredential"].as_str().expect("url").to_string();
    let susp = {
        let mut conn = db.conn().expect("conn");
        let ctx = IssueContext { base_url: BASE, kek: &kek };
        status::status_list_credential(&mut conn, ctx, susp_url.rsplit('/').next().expect("id")).expect("list").expect("exists")
    };
    let did_file = dir.path().join("did.json");
    let list_file = dir.path().join("list.json");
    let susp_file = dir.path().join("susp.json");
    write(&did_file, &did_doc);
    write(&list_file, &list.1);
    write(&susp_file, &susp);
    let did_arg = format!("https://rongtong.test/orgs/pxou/did.json={}", did_file.display());
    let list_arg = format!("{}={}", list.0, list_file.display());
    let susp_arg = format!("{susp_url}={}", susp_file.display());
    let vc_path = file.to_str().expect("utf-8");

    let ok = rongtong(
        &url,
        &kek,
        &["verify", vc_path, "--offline", "--did-doc", &did_arg, "--status-list", &list_arg, "--status-list", &susp_arg],
    );
    assert_eq!(ok.status.code(), Some(0), "{}{}", String::from_utf8_lossy(&ok.stdout), String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("VALID"));

    let json = rongtong(
        &url,
        &kek,
        &["verify", vc_path, "--json", "--offline", "--did-doc", &did_arg, "--status-list", &list_arg, "--status-list", &susp_arg],
    );
    let report: Value = serde_json::from_slice(&json.stdout).expect("--json prints JSON");
    assert_eq!(report["verified"], true);

    // Without the DID document: the key cannot be found offline — invalid, exit 1.
    let missing = rongtong(&url, &kek, &["verify", vc_path, "--offline"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stdout).contains("FAIL issuer_key"), "{}", String::from_utf8_lossy(&missing.stdout));

    // Tampered: exit 1, the proof check named.
    let mut bad = vc.clone();
    bad["validFrom"] = Value::String("2020-01-01T00:00:00Z".into());
    let bad_file = dir.path().join("bad.json");
    write(&bad_file, &bad);
    let out = rongtong(
        &url,
        &kek,
        &[
            "verify",
            bad_file.to_str().expect("utf-8"),
            "--offline",
            "--did-doc",
            &did_arg,
            "--status-list",
            &list_arg,
            "--status-list",
            &susp_arg,
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("FAIL proof"), "{}", String::from_utf8_lossy(&out.stdout));

    // Not JSON at all: exit 1 with the `json` check.
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{nope").expect("write");
    let out = rongtong(&url, &kek, &["verify", junk.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn audit_re_verifies_the_store_and_names_what_is_wrong() {
    use diesel::prelude::*;
    use rongtong_registry::db::schema::credentials;

    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("audit.db").display());
    let kek = Kek::generate();
    let db = Db::open(&url, 1).expect("open");
    let issued = {
        let mut conn = db.conn().expect("conn");
        rongtong_registry::services::demo::seed(&mut conn).expect("seed").expect("fresh");
        rongtong_registry::services::demo::seed_credentials(&mut conn, BASE, &kek).expect("credentials")
    };

    // As issued: everything verifies, and the demo's one revocation is where the store says.
    let out = rongtong(&url, &kek, &["audit", "credentials", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["total"], issued);
    assert_eq!(report["counts"]["revoked"], 1, "{report}");
    assert_eq!(report["counts"]["valid"], issued - 1, "{report}");
    assert_eq!(report["problems"], serde_json::json!([]));

    // Two kinds of damage: a stored document edited after signing, and a row whose revoked
    // flag no longer agrees with the signed status list.
    let (edited, unrevoked) = {
        let mut conn = db.conn().expect("conn");
        let (id, json): (String, String) = credentials::table
            .filter(credentials::revoked.eq(false))
            .order(credentials::id)
            .select((credentials::id, credentials::json))
            .first(&mut conn)
            .expect("an active credential");
        let mut doc: Value = serde_json::from_str(&json).expect("json");
        doc["name"] = Value::String("高级技师（伪造）".into());
        diesel::update(credentials::table.find(&id)).set(credentials::json.eq(doc.to_string())).execute(&mut conn).expect("edit");
        let revoked: String =
            credentials::table.filter(credentials::revoked.eq(true)).select(credentials::id).first(&mut conn).expect("revoked");
        diesel::update(credentials::table.find(&revoked)).set(credentials::revoked.eq(false)).execute(&mut conn).expect("flip");
        (id, revoked)
    };
    let out = rongtong(&url, &kek, &["audit", "credentials", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let problems = report["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 2, "{report}");
    let find = |id: &str| problems.iter().find(|p| p["id"] == id).unwrap_or_else(|| panic!("{id} not reported: {report}"));
    let failures =
        |p: &Value| p["failures"].as_array().expect("failures").iter().map(|f| f.as_str().expect("str").to_string()).collect::<Vec<_>>();
    assert!(failures(find(&edited)).iter().any(|f| f.starts_with("proof:")), "{report}");
    assert_eq!(failures(find(&unrevoked)), vec!["status: the status lists say revoked, the store says active".to_string()]);

    // Split into pages of 4 over 3 workers, the audit finds the same, in the same order.
    {
        let pool = Db::open(&url, 4).expect("pool");
        let ctx = IssueContext { base_url: BASE, kek: &kek };
        let mut pages = 0;
        let small =
            rongtong_registry::services::credentials::reverify::audit_credentials(&pool, ctx, 3, 4, |_, _| pages += 1).expect("audit");
        assert_eq!(pages, (issued as usize).div_ceil(4));
        assert_eq!(small.total, issued as usize);
        assert_eq!(serde_json::to_value(&small).expect("json"), report);
    }

    // The readable report names them too.
    let out = rongtong(&url, &kek, &["audit", "credentials"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("2 with problems") && text.contains(&format!("PROBLEM {edited}")), "{text}");
}

#[test]
fn the_recognition_queue_is_listed_and_decided_from_the_cli() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("queue.db").display());
    let kek = Kek::generate();
    {
        let db = Db::open(&url, 1).expect("open");
        let mut conn = db.conn().expect("conn");
        rongtong_registry::services::demo::seed(&mut conn).expect("seed").expect("fresh");
        rongtong_registry::services::demo::seed_credentials(&mut conn, BASE, &kek).expect("credentials");
    }
    let out = rongtong(&url, &kek, &["recognition", "applications", "--state", "pending"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "the demo's one pending application: {text}");
    assert!(lines[0].contains("learner-zhang") && lines[0].contains("JXEVAL-R-002@1"), "{text}");
    let id = lines[0].split('\t').next().expect("id");
    // Someone who is not the owner's reviewer is refused; jxeval's admin approves.
    let out = rongtong(&url, &kek, &["recognition", "decide", id, "--as", "jxou-admin", "--approve"]);
    assert_ne!(out.status.code(), Some(0), "not jxeval's reviewer");
    let out = rongtong(&url, &kek, &["recognition", "decide", id, "--as", "jxeval-admin", "--approve", "--comment", "核验无误"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("approved: recognition credential urn:uuid:"));
    let out = rongtong(&url, &kek, &["recognition", "applications", "--state", "pending"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "", "the queue is empty");
}
