//! `rongtong verify` fetching what it needs from the issuer's URLs: the real demo server
//! (public base URL `https://rongtong.test`) answers over HTTP on 127.0.0.1, and
//! `--mirror` points the public prefix there. No document is given as a file, so every
//! verdict below depends on what was fetched — including a revocation made a moment before.

mod common;

use std::path::Path;

use common::DemoServer;
use serde_json::Value;

fn get_json(url: &str, token: Option<&str>) -> Value {
    let mut req = ureq::get(url);
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    let text = req.call().expect("GET").body_mut().read_to_string().expect("body");
    serde_json::from_str(&text).expect("JSON")
}

fn stdout(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Writes the public JSON of the credential `view` describes to `dir/<name>.json`.
fn download(server: &DemoServer, view: &Value, dir: &Path, name: &str) -> String {
    let public = view["url"].as_str().expect("url");
    let local = public.replacen(&server.base, &server.local, 1);
    let vc = get_json(&format!("{local}?format=json"), None);
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, vc.to_string()).expect("write");
    path.to_str().expect("utf-8").to_string()
}

#[test]
fn verify_fetches_did_documents_and_status_lists_and_sees_a_fresh_revocation() {
    let server = DemoServer::start("https://rongtong.test");
    let dir = tempfile::tempdir().expect("tempdir");
    let list = get_json(&format!("{}/api/v1/credentials?per_page=100", server.local), Some(&server.token));
    let items = list["items"].as_array().expect("items");
    let active = items.iter().find(|c| c["status"] == "active" && c["kind"] == "training").expect("an active training certificate");
    let revoked = items.iter().find(|c| c["status"] == "revoked").expect("the demo's revoked certificate");
    let active_file = download(&server, active, dir.path(), "active");
    let revoked_file = download(&server, revoked, dir.path(), "revoked");
    let mirror = format!("{}/={}/", server.base, server.local);
    let issuer = active["issuer"].as_str().expect("issuer code");

    // Valid: the DID document and both status lists were fetched through the mirror.
    let out = server.rongtong(&["verify", &active_file, "--mirror", &mirror]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("VALID"), "{text}");
    let did_doc = format!("fetched      https://rongtong.test/orgs/{issuer}/did.json (from {}/orgs/{issuer}/did.json)", server.local);
    assert!(text.contains(&did_doc), "{text}");
    assert_eq!(text.matches("fetched      https://rongtong.test/status/").count(), 2, "revocation and suspension lists: {text}");

    // The JSON report says the same.
    let out = server.rongtong(&["verify", &active_file, "--json", "--mirror", &mirror]);
    let report: Value = serde_json::from_slice(&out.stdout).expect("--json prints JSON");
    assert_eq!(report["verified"], true, "{report}");

    // The demo's revoked certificate: the fetched status list says so.
    let out = server.rongtong(&["verify", &revoked_file, "--mirror", &mirror]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("FAIL status"), "{text}");
    assert!(text.contains("ok   issuer_key"), "the key was found; only the status fails: {text}");

    // --offline never connects: the did:web key cannot be found.
    let out = server.rongtong(&["verify", &active_file, "--offline"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("FAIL issuer_key") && text.contains("--offline"), "{text}");
    assert!(!text.contains("fetched"), "{text}");

    // Nothing listening at the mirror: a named failure, not a hang or a crash.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let out = server.rongtong(&["verify", &active_file, "--mirror", &format!("{}/=http://127.0.0.1:{closed}/", server.base)]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("FAIL issuer_key"), "{text}");
    assert!(text.contains(&format!("fetch failed https://rongtong.test/orgs/{issuer}/did.json")), "{text}");
    // … and says what to do instead, with the URLs that failed.
    assert!(text.contains("hint: a document could not be fetched"), "{text}");
    assert!(text.contains(&format!("rongtong verify {active_file} --offline --documents DIR/documents")), "{text}");
    assert!(text.contains(&format!("--did-doc https://rongtong.test/orgs/{issuer}/did.json=FILE")), "{text}");

    // A malformed --mirror is a usage error (clap's exit code 2), not a verdict.
    let out = server.rongtong(&["verify", &active_file, "--mirror", "https://rongtong.test/"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));

    // The issuer revokes it now; the next verification fetches the re-signed list and fails.
    let made = server.rongtong(&["token", "create", "--user", &format!("{issuer}-admin")]);
    assert!(made.status.success(), "{}", stdout(&made));
    let org_token = String::from_utf8_lossy(&made.stdout).trim().to_string();
    let id = active["id"].as_str().expect("id");
    let status = ureq::post(&format!("{}/api/v1/credentials/{id}/status", server.local))
        .header("Authorization", &format!("Bearer {org_token}"))
        .header("Content-Type", "application/json")
        .send(r#"{"action":"revoke","reason":"考核记录有误"}"#)
        .expect("revoke");
    assert_eq!(status.status().as_u16(), 200);
    let out = server.rongtong(&["verify", &active_file, "--mirror", &mirror]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("FAIL status"), "{text}");
}

/// `export credentials --documents` writes what an offline check needs, and `verify
/// --offline --documents` reads it: the verdicts match the online ones, revocation included.
/// A command that signs or checks credentials under another base URL stops and says so.
#[test]
fn exported_documents_verify_offline_and_a_wrong_base_url_is_named() {
    let server = DemoServer::start("https://rongtong.test");
    let dir = tempfile::tempdir().expect("tempdir");
    let out_dir = dir.path().join("out");
    let out = server.rongtong(&["export", "credentials", out_dir.to_str().expect("utf-8"), "--documents"]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    let index: Value = serde_json::from_str(&std::fs::read_to_string(out_dir.join("documents/index.json")).expect("index")).expect("json");
    let urls: Vec<&String> = index.as_object().expect("map").keys().collect();
    assert!(urls.iter().any(|u| u.starts_with("https://rongtong.test/orgs/") && u.ends_with("/did.json")), "{urls:?}");
    assert!(urls.iter().any(|u| u.contains("/status/") && u.ends_with("-suspension")), "{urls:?}");
    let list = get_json(&format!("{}/api/v1/credentials?per_page=100", server.local), Some(&server.token));
    let items = list["items"].as_array().expect("items");
    let docs = out_dir.join("documents");
    let docs = docs.to_str().expect("utf-8");
    for (status, code) in [("active", 0), ("revoked", 1)] {
        let c = items.iter().find(|c| c["status"] == status).expect("a credential");
        let file = out_dir.join(format!("{}.json", c["id"].as_str().expect("id").trim_start_matches("urn:uuid:")));
        let out = server.rongtong(&["verify", file.to_str().expect("utf-8"), "--offline", "--documents", docs]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(code), "{status}: {text}");
        assert!(text.contains("ok   issuer_key"), "the key came from the exported documents: {text}");
        assert!(!text.contains("fetch"), "{text}");
    }

    // The same store without RONGTONG_BASE_URL: the default base URL is not the server's.
    for args in [&["audit", "credentials"][..], &["issue", "--course", "GYJQR-04"]] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_rongtong"))
            .args(args)
            .env("DATABASE_URL", &server.db_url)
            .env("RONGTONG_KEK", server.kek.to_base64().as_str())
            .env_remove("RONGTONG_BASE_URL")
            .env("RONGTONG_ADDR", "127.0.0.1:9")
            .env("RUST_LOG", "warn")
            .output()
            .expect("run");
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {text}");
        assert!(text.contains("issued under another public base URL") && text.contains("RONGTONG_BASE_URL is not set"), "{args:?}: {text}");
        assert!(text.contains("http://127.0.0.1:9"), "names the base URL it used: {text}");
        assert!(!text.contains("issued by"), "nothing issued: {text}");
    }
}
