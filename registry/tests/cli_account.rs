//! `rongtong account` and `rongtong transcript` (issue 10 part 5) against the demo server's
//! store: the account as text and JSON, a transcript written to a file that `rongtong verify`
//! accepts (the server as the mirror of its public URL), and unknown learners refused; the
//! account the CLI prints as JSON is the one the API serves.

mod common;

use common::DemoServer;
use serde_json::Value;

#[test]
fn the_operator_prints_an_account_and_writes_a_transcript_that_verifies() {
    let server = DemoServer::start("https://rongtong.test");
    let text = |o: &std::process::Output| format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));

    let out = server.rongtong(&["account", "learner-chen"]);
    assert!(out.status.success(), "{}", text(&out));
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("total: 2.5 credits from 2 outcome(s) in force"), "{printed}");
    assert!(printed.contains("JXOU-R-001@1 exempt_course") && printed.contains("→ course:GYJQR-04"), "{printed}");

    let out = server.rongtong(&["account", "learner-liu", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["totals"]["credits"], 14.5, "the revoked GYJQR-06 certificate does not count: {json}");

    // The operator's account is the API's, to the byte.
    let out = server.rongtong(&["account", "learner-chen", "--json"]);
    let cli: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let api = ureq::get(&format!("{}/api/v1/learners/learner-chen/account", server.local))
        .header("Authorization", &format!("Bearer {}", server.token))
        .call()
        .expect("GET account")
        .body_mut()
        .read_to_string()
        .expect("body");
    assert_eq!(cli, serde_json::from_str::<Value>(&api).expect("JSON"));

    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("chen.clr.json");
    let out = server.rongtong(&["transcript", "learner-chen", "-o", file.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", text(&out));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("JSON");
    assert_eq!(doc["type"][1], "ClrCredential");
    let mirror = format!("{}/={}/", server.base, server.local);
    let out = server.rongtong(&["verify", file.to_str().expect("utf-8"), "--mirror", &mirror]);
    assert!(out.status.success(), "rongtong verify of the transcript: {}", text(&out));

    let mut tampered = doc.clone();
    tampered["credentialSubject"]["verifiableCredential"][0]["name"] = "篡改 (tampered)".into();
    std::fs::write(&file, tampered.to_string()).expect("write");
    let out = server.rongtong(&["verify", file.to_str().expect("utf-8"), "--mirror", &mirror]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));

    let out = server.rongtong(&["transcript", "nobody"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nobody"), "{}", text(&out));
}
