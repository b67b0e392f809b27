//! Browser tests (issue 11): one journey per role, in a real headless Chromium (Debian's
//! `chromium` and `chromium-driver`, driven over WebDriver) against the real `rongtong serve
//! --demo`. Each journey saves a screenshot of its last page under
//! `target/browser-artifacts/`. Without Chromium installed they report themselves skipped,
//! unless `RONGTONG_REQUIRE_BROWSER=1` (CI), where that fails.

mod common;
mod webdriver;

use common::DemoServer;
use webdriver::Browser;

const PASSWORD: &str = rongtong_registry::services::demo::DEMO_PASSWORD;

/// Signs in through the login form and waits to leave it.
fn sign_in(b: &Browser, server: &DemoServer, username: &str) {
    b.open(&format!("{}/login", server.local));
    b.fill("#username", username);
    b.fill("#password", PASSWORD);
    b.click("#login-submit");
    b.wait_until(10, "leaving the login page", |b| !b.url().contains("/login"));
}

fn sign_out(b: &Browser) {
    b.click("#logout");
    b.wait_until(10, "signed out", |b| b.source().contains("id=\"login-link\""));
}

macro_rules! browser_or_skip {
    () => {{
        if !webdriver::available() {
            eprintln!("SKIPPED: {} or {} is not installed (apt-get install chromium chromium-driver)", webdriver::CHROMIUM, webdriver::CHROMEDRIVER);
            return;
        }
        Browser::start()
    }};
}

#[test]
fn a_visitor_reads_chinese_signs_in_switches_to_english_and_signs_out() {
    let b = browser_or_skip!();
    let server = DemoServer::start_local();
    b.open(&format!("{}/", server.local));
    assert!(b.source().contains("lang=\"zh-CN\""), "Chinese first");
    assert!(b.text("h1").contains("融通"));
    // A wrong password is refused on the page, in Chinese.
    b.open(&format!("{}/login", server.local));
    b.fill("#username", "learner-wang");
    b.fill("#password", "wrong-password");
    b.click("#login-submit");
    assert!(b.text("#login-problem").contains("用户名或密码不正确"));
    sign_in(&b, &server, "learner-wang");
    b.open(&format!("{}/", server.local));
    assert!(b.text("#who").contains("learner-wang"));
    b.click("#lang-switch");
    b.wait_until(10, "the English page", |b| b.source().contains("lang=\"en\""));
    assert!(b.text("#logout").contains("Sign out"));
    sign_out(&b);
    b.screenshot("visitor");
}
