//! The real `rongtong serve` process under hostile clients (issue 9): SIGTERM drains in-flight
//! requests and exits 0, a half-sent request head is cut off after the header timeout, the
//! connection cap holds, and `POST /api/v1/verify` refuses oversized, too-deep and too-wide
//! documents and floods with the error envelope.
//!
//! Runs on SQLite, or on PostgreSQL when `TEST_DATABASE_URL` is set (a fresh schema per test).
//! Small limits are set through the documented `RONGTONG_*` variables.

#![allow(clippy::unwrap_used)] // a panic in a test is its failure report

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use rongtong_registry::services::credentials::keystore::Kek;

/// A `rongtong serve` process on a free port of 127.0.0.1 with a fresh store.
struct Server {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

impl Server {
    fn start(env: &[(&str, &str)]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let (url, pg) = match std::env::var("TEST_DATABASE_URL") {
            Ok(base) if base.starts_with("postgres") => {
                let schema = format!("srv_{}", uuid::Uuid::new_v4().simple());
                PgConnection::establish(&base).unwrap().batch_execute(&format!("CREATE SCHEMA {schema}")).unwrap();
                let sep = if base.contains('?') { '&' } else { '?' };
                (format!("{base}{sep}options=-csearch_path%3D{schema}"), Some((base, schema)))
            }
            _ => (format!("sqlite://{}", dir.path().join("server.db").display()), None),
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let addr = format!("127.0.0.1:{port}");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rongtong"));
        cmd.args(["serve", "--addr", &addr])
            .env("DATABASE_URL", &url)
            .env("RONGTONG_KEK", Kek::generate().to_base64().as_str())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let listening = lines.by_ref().map_while(Result::ok).any(|l| l.contains("listening on"));
        assert!(listening, "the server did not start");
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Server { child, addr, _dir: dir, pg }
    }

    fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(&self.addr).unwrap();
        // A safety net against a hanging test, not a timing assertion.
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        s
    }

    /// Sends one request with `Connection: close` and returns (status, head, body).
    fn send(&self, method: &str, path: &str, body: &[u8]) -> (u16, String, String) {
        let mut s = self.connect();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        s.write_all(head.as_bytes()).unwrap();
        // The server may answer (413) and close before taking the whole body.
        let _ = s.write_all(body);
        read_response(&mut s)
    }

    fn terminate(&mut self) -> ExitStatus {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success(), "kill -TERM failed");
        self.child.wait().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some((base, schema)) = &self.pg
            && let Ok(mut c) = PgConnection::establish(base)
        {
            let _ = c.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
        }
    }
}

fn read_response(s: &mut TcpStream) -> (u16, String, String) {
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, head.to_string(), body.to_string())
}

fn error_code(body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("not the envelope ({e}): {body}"));
    v["errors"][0]["code"].as_str().unwrap_or_default().to_string()
}

#[test]
fn sigterm_lets_the_in_flight_request_finish_and_exits_zero() {
    let mut server = Server::start(&[]);
    let body = br#"{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"]}"#;
    let mut s = server.connect();
    let head =
        format!("POST /api/v1/verify HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", body.len());
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(&body[..10]).unwrap();
    // Make sure the head has been read (the request is in flight) before the signal: a
    // second request on another connection is answered only once the server runs.
    assert_eq!(server.send("GET", "/api/v1/health", b"").0, 200);
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    // The server is draining now; the request in flight still gets its whole answer.
    s.write_all(&body[10..]).unwrap();
    let (status, head, reply) = read_response(&mut s);
    assert_eq!(status, 200, "{head}\n{reply}");
    let v: serde_json::Value = serde_json::from_str(&reply).unwrap();
    assert_eq!(v["kind"], "credential");
    let exit = server.child.wait().unwrap();
    assert!(exit.success(), "exit status {exit:?}");
}

#[test]
fn sigterm_on_an_idle_server_exits_zero() {
    let mut server = Server::start(&[]);
    let _idle = server.connect();
    assert!(server.terminate().success());
}

#[test]
fn a_half_sent_request_head_is_cut_off_after_the_header_timeout() {
    let server = Server::start(&[("RONGTONG_HEADER_TIMEOUT_SECS", "1")]);
    let mut s = server.connect();
    s.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: test\r\nX-Slow: ").unwrap();
    // The server closes the connection (at most after a 408); a read that timed out (the
    // 60 s safety net) would be an error here.
    let mut raw = Vec::new();
    let read = s.read_to_end(&mut raw);
    assert!(read.is_ok() || matches!(&read, Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset), "{read:?}");
    let text = String::from_utf8_lossy(&raw);
    assert!(text.is_empty() || text.starts_with("HTTP/1.1 408"), "{text}");
    // An idle keep-alive connection that sent nothing is closed the same way.
    let mut idle = server.connect();
    let mut buf = Vec::new();
    assert!(idle.read_to_end(&mut buf).is_ok());
}

#[test]
fn connections_past_the_cap_wait_until_one_closes() {
    let server = Server::start(&[("RONGTONG_MAX_CONNECTIONS", "2"), ("RONGTONG_HEADER_TIMEOUT_SECS", "120")]);
    let first = server.connect();
    let second = server.connect();
    // Both slots are taken by connections that sent nothing: the third is accepted by the
    // kernel but not served. (A second without an answer proves nothing by itself; the
    // point is the answer that follows once a slot frees.)
    let mut third = server.connect();
    third.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n").unwrap();
    third.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
    let mut byte = [0u8; 1];
    let early = third.read(&mut byte);
    assert!(
        matches!(&early, Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)),
        "the third connection was served while two were open: {early:?}"
    );
    drop(first);
    third.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let (status, head, _) = read_response(&mut third);
    assert_eq!(status, 200, "{head}");
    drop(second);
}

#[test]
fn verify_refuses_an_anonymous_two_mib_body_with_413_and_the_envelope() {
    let server = Server::start(&[]);
    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let (status, head, body) = server.send("POST", "/api/v1/verify", big.as_bytes());
    assert_eq!(status, 413, "{head}");
    assert_eq!(error_code(&body), "payload_too_large");
    // A lone credential is held to a quarter of the limit (256 KiB).
    let credential = format!("{{\"type\":[\"VerifiableCredential\"],\"pad\":\"{}\"}}", "x".repeat(300 * 1024));
    let (status, _, body) = server.send("POST", "/api/v1/verify", credential.as_bytes());
    assert_eq!(status, 413);
    assert_eq!(error_code(&body), "payload_too_large");
}

#[test]
fn verify_refuses_deep_nesting_and_huge_arrays_naming_the_reason() {
    let server = Server::start(&[]);
    let deep = format!("{}1{}", "[".repeat(40), "]".repeat(40));
    let (status, _, body) = server.send("POST", "/api/v1/verify", deep.as_bytes());
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("nested"), "{body}");
    let wide = format!("{{\"type\":\"VerifiablePresentation\",\"a\":[{}]}}", vec!["0"; 20_000].join(","));
    let (status, _, body) = server.send("POST", "/api/v1/verify", wide.as_bytes());
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("array"), "{body}");
}

#[test]
fn public_endpoints_answer_429_with_retry_after_past_the_rate_limit() {
    let server = Server::start(&[("RONGTONG_RATE_LIMIT_PER_MINUTE", "1"), ("RONGTONG_RATE_LIMIT_BURST", "2")]);
    let statuses: Vec<u16> = (0..2).map(|_| server.send("GET", "/credentials/nope", b"").0).collect();
    assert!(statuses.iter().all(|s| *s != 429), "{statuses:?}");
    let (status, head, body) = server.send("GET", "/credentials/nope", b"");
    assert_eq!(status, 429, "{head}");
    assert_eq!(error_code(&body), "rate_limited");
    let retry = head.lines().find_map(|l| l.to_ascii_lowercase().strip_prefix("retry-after: ").map(str::to_string));
    assert!(retry.is_some_and(|r| r.trim().parse::<u64>().is_ok_and(|n| n >= 1)), "{head}");
    // The verifier has its own budget, and private API routes are not limited.
    assert_ne!(server.send("POST", "/api/v1/verify", b"{}").0, 429);
    for _ in 0..3 {
        assert_eq!(server.send("GET", "/api/v1/health", b"").0, 200);
    }
    // Status lists and DID documents, which verifiers fetch by machine, are not limited.
    for _ in 0..5 {
        assert_ne!(server.send("GET", "/status/nope", b"").0, 429);
    }
}
