//! A small W3C WebDriver client for the browser tests: Debian's `chromedriver` driving
//! Debian's `chromium`, headless.
//!
//! Written here rather than taken from `fantoccini` or `thirtyfour`: the tests need a dozen
//! commands (new session, navigate, find, click, type, read text, screenshot, a script),
//! each one JSON request, and `ureq` — already in the build for `rongtong verify` — sends
//! them; either crate would add its own HTTP stack and the `webdriver` protocol crate (with
//! ICU segmentation) to a build that runs on two cores.

// A client: not every command is used by every journey.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

/// The key W3C WebDriver gives element references under.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Where the browser and its driver are installed (Debian's `chromium` and `chromium-driver`).
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// The driver.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// True when both are installed. CI installs them (`.ci/run`) and sets
/// `RONGTONG_REQUIRE_BROWSER=1`, so a missing browser fails there instead of skipping.
pub fn available() -> bool {
    let present = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !present && std::env::var("RONGTONG_REQUIRE_BROWSER").as_deref() == Ok("1") {
        panic!("RONGTONG_REQUIRE_BROWSER=1 but {CHROMIUM} or {CHROMEDRIVER} is missing: apt-get install chromium chromium-driver");
    }
    present
}

/// A running chromedriver and one headless browser session; both end when dropped.
pub struct Browser {
    driver: Child,
    agent: ureq::Agent,
    session: String,
    base: String,
    _profile: tempfile::TempDir,
}

/// A found element.
#[derive(Debug, Clone)]
pub struct Element(String);

impl Browser {
    /// Starts chromedriver on a free port and a headless Chromium session with a fresh
    /// profile. The flags keep Chromium off the network (these machines have none) and out of
    /// the sandbox it cannot have as root in a container.
    pub fn start() -> Browser {
        let port = TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let agent: ureq::Agent =
            ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(Duration::from_secs(60))).build().into();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while agent.get(&format!("{base}/status")).call().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().expect("profile dir");
        let args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--window-size=1280,1000".into(),
            "--lang=zh-CN".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args, "prefs": {"intl.accept_languages": "zh-CN"}}
        }}});
        let mut b = Browser { driver, agent, session: String::new(), base, _profile: profile };
        let v = b.send("POST", "/session", Some(caps));
        b.session = v["sessionId"].as_str().unwrap_or_else(|| panic!("new session: {v}")).to_string();
        b
    }

    /// One WebDriver command; panics with the driver's message on an error.
    fn send(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let resp = match method {
            "GET" => self.agent.get(&url).call(),
            "DELETE" => self.agent.delete(&url).call(),
            _ => self.agent.post(&url).header("Content-Type", "application/json").send(body.unwrap_or(json!({})).to_string()),
        };
        let mut resp = resp.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = resp.status();
        let text = resp.body_mut().with_config().limit(64 * 1024 * 1024).read_to_string().expect("driver reply");
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert!(status.is_success(), "{method} {path}: {status} {}", v["value"]);
        v.get("value").cloned().unwrap_or(v)
    }

    fn cmd(&self, method: &str, tail: &str, body: Option<Value>) -> Value {
        self.send(method, &format!("/session/{}{tail}", self.session), body)
    }

    /// Opens a URL and waits for the page to load.
    pub fn open(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({"url": url})));
    }

    /// The current URL.
    pub fn url(&self) -> String {
        self.cmd("GET", "/url", None).as_str().unwrap_or_default().to_string()
    }

    /// The page's HTML as the browser has it now.
    pub fn source(&self) -> String {
        self.cmd("GET", "/source", None).as_str().unwrap_or_default().to_string()
    }

    /// The first element matching a CSS selector, waiting up to 10 s for it to appear.
    pub fn find(&self, css: &str) -> Element {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let url = format!("{}/session/{}/element", self.base, self.session);
            let mut resp = self
                .agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(json!({"using": "css selector", "value": css}).to_string())
                .expect("find element");
            let ok = resp.status().is_success();
            let v: Value = serde_json::from_str(&resp.body_mut().read_to_string().unwrap_or_default()).unwrap_or(Value::Null);
            if ok && let Some(id) = v["value"][ELEMENT_KEY].as_str() {
                return Element(id.to_string());
            }
            assert!(Instant::now() < deadline, "no element matches {css:?} on {} — page:\n{}", self.url(), self.source());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Clicks an element.
    pub fn click(&self, css: &str) {
        let e = self.find(css);
        self.cmd("POST", &format!("/element/{}/click", e.0), None);
    }

    /// Clears a field and types into it (for a file input: the absolute path of the file).
    pub fn fill(&self, css: &str, text: &str) {
        let e = self.find(css);
        if !text.starts_with('/') {
            self.cmd("POST", &format!("/element/{}/clear", e.0), None);
        }
        self.cmd("POST", &format!("/element/{}/value", e.0), Some(json!({"text": text})));
    }

    /// Picks the option of a `<select>` whose value is `value`.
    pub fn select(&self, css: &str, value: &str) {
        self.click(&format!("{css} option[value=\"{value}\"]"));
    }

    /// The visible text of an element.
    pub fn text(&self, css: &str) -> String {
        let e = self.find(css);
        self.cmd("GET", &format!("/element/{}/text", e.0), None).as_str().unwrap_or_default().to_string()
    }

    /// An attribute (or property) of an element.
    pub fn attr(&self, css: &str, name: &str) -> Option<String> {
        let e = self.find(css);
        self.cmd("GET", &format!("/element/{}/attribute/{name}", e.0), None).as_str().map(String::from)
    }

    /// Runs a script in the page and returns its value.
    pub fn script(&self, js: &str) -> Value {
        self.cmd("POST", "/execute/sync", Some(json!({"script": js, "args": []})))
    }

    /// Waits up to `secs` for `check` to hold, re-asking every 200 ms.
    pub fn wait_until(&self, secs: u64, what: &str, mut check: impl FnMut(&Browser) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while !check(self) {
            assert!(Instant::now() < deadline, "timed out waiting for {what} on {}:\n{}", self.url(), self.source());
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Saves a PNG screenshot of the page to `target/browser-artifacts/{name}.png` and
    /// returns its path: each journey keeps its last page as a test artefact.
    pub fn screenshot(&self, name: &str) -> PathBuf {
        let b64 = self.cmd("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD.decode(b64.as_str().unwrap_or_default()).expect("base64 PNG");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/browser-artifacts");
        std::fs::create_dir_all(&dir).expect("artefact dir");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.agent.delete(&format!("{}/session/{}", self.base, self.session)).call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
