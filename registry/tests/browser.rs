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
            eprintln!(
                "SKIPPED: {} or {} is not installed (apt-get install chromium chromium-driver)",
                webdriver::CHROMIUM,
                webdriver::CHROMEDRIVER
            );
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

/// The foundry's demand CSV in GB18030 (as Excel on a Chinese Windows saves it); `bad` puts
/// level 9 (there are five) in row 3's essential skills.
fn foundry_csv(dir: &std::path::Path, bad: bool) -> String {
    let level = if bad { "9" } else { "4" };
    let text = format!(
        "岗位,职业,人数,地区,截止日期,必备技能,可选技能\n\
         铸造工,,8,360300,2027-03-31,铸造工艺@4;浇注金属液@4,\n\
         熔炼浇注工,,4,360300,2027-03-31,浇注金属液@{level},铸造工艺@4\n\
         铸造质检员,,2,360300,2027-04-30,铸造过程细节把控@3,\n"
    );
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&text);
    assert!(!unmappable);
    let path = dir.join(if bad { "需求-有错.csv" } else { "需求.csv" });
    std::fs::write(&path, bytes).expect("write the CSV");
    path.display().to_string()
}

#[test]
fn the_foundry_uploads_a_gb18030_csv_with_a_bad_row_fixes_it_and_publishes() {
    let b = browser_or_skip!();
    let server = DemoServer::start_local();
    let dir = tempfile::tempdir().expect("tempdir");
    sign_in(&b, &server, "pxcast-admin");
    b.click("#demand-upload");
    b.fill("#upload-title", "铸造岗位 2027 春");
    b.fill("#upload-file", &foundry_csv(dir.path(), true));
    b.click("#upload-submit");
    b.find("#upload-errors");
    assert_eq!(b.attr("#upload-errors", "data-bad-rows").as_deref(), Some("1"), "one bad row");
    let row = b.text("#upload-errors tr[data-row=\"3\"]");
    assert!(row.contains("必备技能"), "the row and the column as written in the file: {row}");
    // Fixed, and sent again: the list is created as a draft, then published with its button.
    b.fill("#upload-file", &foundry_csv(dir.path(), false));
    b.click("#upload-submit");
    b.wait_until(15, "the new list", |b| b.url().contains("done=imported"));
    assert_eq!(b.attr("#demand-status", "data-status").as_deref(), Some("draft"));
    b.click("#demand-publish");
    b.wait_until(15, "published", |b| b.attr("#demand-status", "data-status").as_deref() == Some("published"));
    assert!(b.source().contains("熔炼浇注工"));
    b.screenshot("enterprise");
}

#[test]
fn the_learner_opens_a_certificate_shares_it_and_the_link_verifies_while_a_revoked_one_shows_red() {
    let b = browser_or_skip!();
    let server = DemoServer::start_local();
    sign_in(&b, &server, "learner-wang");
    assert!(b.url().ends_with("/my/wallet"), "a learner starts at the wallet: {}", b.url());
    b.click("#wallet-list tr[data-status=\"active\"] a.wallet-open");
    b.wait_until(10, "the certificate's page in the wallet", |b| b.source().contains("id=\"share-create\""));
    b.select("#share-expires", "7");
    b.click("#share-create");
    let url = b.attr("a#share-new-url", "data-share-url").expect("the new share link");
    assert!(url.starts_with(&format!("{}/s/", server.local)), "{url}");
    sign_out(&b);

    // Anyone with the link: the certificate, and its verification in plain words.
    b.open(&url);
    b.click("#shared-verify");
    b.wait_until(15, "the verdict", |b| b.source().contains("id=\"verdict\""));
    assert_eq!(b.attr("#verdict", "data-verified").as_deref(), Some("true"), "{}", b.text("#checks"));
    assert!(b.text("#verdict").contains("✔"));

    // learner-liu's revoked certificate is red there, with the issuer's reason.
    sign_in(&b, &server, "learner-liu");
    b.click("#wallet-list tr[data-status=\"revoked\"] a.wallet-open");
    b.click("#item-verify");
    b.wait_until(15, "the verdict", |b| b.source().contains("id=\"verdict\""));
    assert_eq!(b.attr("#verdict", "data-verified").as_deref(), Some("false"));
    let verdict = b.text("#verdict");
    assert!(verdict.contains("吊销") && verdict.contains("成绩复核"), "says revoked, with the reason: {verdict}");
    b.screenshot("learner");
}
