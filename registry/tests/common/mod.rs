//! The real server for the binary's tests: `rongtong serve --demo` on a free port of
//! 127.0.0.1, on a fresh SQLite file, with a public base URL that is *not* where it
//! listens (as in production behind a proxy), so every test has to map one to the other.

// Each test binary that includes this module uses a part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use rongtong_registry::services::credentials::keystore::Kek;

/// A running demo server; killed when dropped.
pub struct DemoServer {
    child: Child,
    /// Where it listens: `http://127.0.0.1:PORT`.
    pub local: String,
    /// Its public base URL (`RONGTONG_BASE_URL`).
    pub base: String,
    /// The demo's platform-admin token.
    pub token: String,
    /// `DATABASE_URL` of its store.
    pub db_url: String,
    /// Its key-encryption key.
    pub kek: Kek,
    /// Further environment variables, for the server and [`DemoServer::rongtong`].
    pub env: Vec<(String, String)>,
    _dir: tempfile::TempDir,
}

impl DemoServer {
    /// Starts `rongtong serve --demo` with public base URL `base` and waits until it listens.
    pub fn start(base: &str) -> DemoServer {
        Self::start_with(base, &[])
    }

    /// Starts the demo server with its own listening address as its public base URL: what a
    /// browser test needs, whose browser follows the links the server prints.
    pub fn start_local() -> DemoServer {
        Self::start_with("", &[])
    }

    /// [`DemoServer::start`] with further environment variables (e.g. `RONGTONG_TRUST_MIRRORS`);
    /// an empty `base` means the server's own address.
    pub fn start_with(base: &str, env: &[(&str, &str)]) -> DemoServer {
        let env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let dir = tempfile::tempdir().expect("tempdir");
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
        let own = format!("http://127.0.0.1:{port}");
        let base = if base.is_empty() { own.as_str() } else { base };
        let kek = Kek::generate();
        let db_url = format!("sqlite://{}", dir.path().join("server.db").display());
        let mut child = Command::new(env!("CARGO_BIN_EXE_rongtong"))
            .args(["serve", "--demo", "--addr", &format!("127.0.0.1:{port}")])
            .env("DATABASE_URL", &db_url)
            .env("RONGTONG_KEK", kek.to_base64().as_str())
            .env("RONGTONG_BASE_URL", base)
            .env("RUST_LOG", "warn")
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start rongtong serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut token = None;
        let deadline = Instant::now() + Duration::from_secs(120);
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("read stdout");
            if let Some(t) = line.trim().strip_prefix("export RONGTONG_TOKEN=") {
                token = Some(t.to_string());
            }
            if line.contains("listening on") || Instant::now() > deadline {
                break;
            }
        }
        let Some(token) = token else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the demo server did not print an admin token");
        };
        DemoServer { child, local: format!("http://127.0.0.1:{port}"), base: base.to_string(), token, db_url, kek, env, _dir: dir }
    }

    /// Runs the `rongtong` binary against this server's store and public base URL.
    pub fn rongtong(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_rongtong"))
            .args(args)
            .env("DATABASE_URL", &self.db_url)
            .env("RONGTONG_KEK", self.kek.to_base64().as_str())
            .env("RONGTONG_BASE_URL", &self.base)
            .env("RUST_LOG", "warn")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()
            .expect("run rongtong")
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
