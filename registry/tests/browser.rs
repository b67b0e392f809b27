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

/// The province dashboard's certificates row for the whole province: its numbers.
fn province_certificates(b: &Browser, server: &DemoServer) -> Vec<i64> {
    b.open(&format!("{}/admin/dashboard", server.local));
    let row = "section#table-certificates tr[data-key=\"total\"]";
    b.find(row);
    let js = "return Array.from(document.querySelectorAll('section#table-certificates tr[data-key=\"total\"] td[data-value]')).map(td => Number(td.getAttribute('data-value')));";
    b.script(js).as_array().expect("numbers").iter().filter_map(|v| v.as_i64()).collect()
}

/// Approves the course `code` at the signed-in reviewer's level from the review queue.
fn approve(b: &Browser, server: &DemoServer, reviewer: &str, code: &str) {
    sign_in(b, server, reviewer);
    b.open(&format!("{}/admin/reviews", server.local));
    b.click(&format!("tr[data-code=\"{code}\"] button[id^=\"approve-courses-\"]"));
    b.wait_until(15, "the course to leave this queue", |b| !b.source().contains(&format!("data-code=\"{code}\"")));
    sign_out(b);
}

#[test]
fn a_college_module_passes_three_review_levels_its_cohort_is_certified_and_the_province_dashboard_counts_it() {
    let b = browser_or_skip!();
    let server = DemoServer::start_local();
    sign_in(&b, &server, "jx-admin");
    let before = province_certificates(&b, &server);
    sign_out(&b);

    // The Pingxiang open university writes a module and submits it for review.
    sign_in(&b, &server, "pxou-admin");
    b.click("a#new-course");
    b.fill("#code", "ZNZZ-20");
    b.fill("#title_zh", "铸件质量检测");
    b.fill("#hours", "16");
    b.fill("#credits", "1");
    b.fill("#skill-0", "http://data.europa.eu/esco/skill/e17d2415-e79f-4907-908e-5511b515fa3c");
    b.select("#level-0", "4");
    b.click("#save-course");
    b.click("#submit-review");
    b.wait_until(15, "in review", |b| b.source().contains("data-to=\"in_review\""));
    sign_out(&b);

    // City, province, platform: each approves at its own level.
    for reviewer in ["px-admin", "jx-admin", "admin"] {
        approve(&b, &server, reviewer, "ZNZZ-20");
    }

    // Published: the college records two completions and issues the cohort's certificates.
    sign_in(&b, &server, "pxou-admin");
    for learner in ["learner-wang", "learner-li"] {
        b.open(&format!("{}/org/completions", server.local));
        b.fill("#learner", learner);
        let picked = b.script(
            "const s = document.getElementById('course'); for (const o of s.options) { if (o.text.includes('ZNZZ-20')) { s.value = o.value; } } \
             document.getElementById('completed_on').value = '2026-11-20'; return s.value;",
        );
        assert!(picked.as_str().is_some_and(|v| !v.is_empty()), "the published module is offered: {picked}");
        b.fill("#result", "合格");
        b.click("#record-completion");
        b.wait_until(15, "the completion recorded", |b| !b.source().contains("class=\"field-error\""));
    }
    b.open(&format!("{}/org/issuance", server.local));
    b.click("#issue-ZNZZ-20");
    b.wait_until(60, "the progress bar at 100 %", |b| b.source().contains("id=\"job-finished\""));
    assert_eq!(b.attr("#issuance-done", "value"), b.attr("#issuance-done", "max"), "done = total");
    sign_out(&b);

    // The province admin's dashboard counts the two new certificates.
    sign_in(&b, &server, "jx-admin");
    let after = province_certificates(&b, &server);
    assert_eq!(after.first().copied(), before.first().map(|n| n + 2), "issued: before {before:?}, after {after:?}");
    b.screenshot("college-and-province");
}
