//! `RONGTONG_LOG_FORMAT=json rongtong serve`: every line on standard error is one JSON object,
//! and each request has its line with method, route template, status, latency and request id.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use serde_json::Value;

#[test]
fn json_logs_have_one_line_per_request_with_route_and_request_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rongtong"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", format!("sqlite://{}", dir.path().join("logs.db").display()))
        .env("RONGTONG_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rongtong serve");
    let stdout = child.stdout.take().expect("stdout");
    let listening = BufReader::new(stdout).lines().map_while(Result::ok).any(|l| l.contains("listening on"));
    let local = format!("http://127.0.0.1:{port}");
    let answer = listening
        .then(|| ureq::get(&format!("{local}/api/v1/health")).header("x-request-id", "json-log-1").call().map(|r| r.status().as_u16()));
    // The line is written before the response leaves, so the log is complete now.
    let _ = child.kill();
    let _ = child.wait();
    let mut stderr = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut stderr).expect("read stderr");
    assert!(listening, "the server did not start:\n{stderr}");
    assert!(matches!(answer, Some(Ok(200))), "{answer:?}\n{stderr}");

    assert!(!stderr.contains('\u{1b}'), "no ANSI colours when standard error is not a terminal:\n{stderr}");
    let lines: Vec<Value> = stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect();
    let request = lines
        .iter()
        .find(|l| l["fields"]["message"] == "request" && l["span"]["request_id"] == "json-log-1")
        .unwrap_or_else(|| panic!("no request line for json-log-1:\n{stderr}"));
    assert_eq!(request["level"], "INFO", "{request}");
    assert_eq!(request["span"]["method"], "GET", "{request}");
    assert_eq!(request["span"]["route"], "/api/v1/health", "{request}");
    assert_eq!(request["fields"]["status"], 200, "{request}");
    assert!(request["fields"]["latency_ms"].as_f64().is_some(), "{request}");
}
