//! The printable certificate page (`GET /credentials/{id or number}`) prints what the issuer
//! signed — name, course, hours, credits, grade, number, issuer, validity — in Chinese with
//! an English line for each, and only the live status from the store.

mod common;

use common::assert_envelope;
use diesel::prelude::*;
use rongtong_registry::db::schema::{courses, credentials, organizations, users};
use rongtong_tests::{BASE_URL, TestApp};
use serde_json::{Value, json};

/// Issues `learner`'s training certificate for course `code` (as the course provider pxou)
/// and returns the credential view.
async fn issue_training(app: &TestApp, admin: &str, learner: &str, code: &str) -> Value {
    let resp = app.get(&format!("/api/v1/completions?learner={learner}"), Some(admin)).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    let completion = resp
        .json
        .as_array()
        .and_then(|a| a.iter().find(|c| c["course_code"] == code))
        .and_then(|c| c["id"].as_str())
        .unwrap_or_else(|| panic!("no completion of {code} by {learner}: {}", resp.text()))
        .to_string();
    let resp = app.post(&format!("/api/v1/completions/{completion}/credential"), Some(&app.token_for("pxou-admin")), json!({})).await;
    assert_eq!(resp.status, 201, "{}", resp.text());
    resp.json
}

async fn page(app: &TestApp, view: &Value) -> String {
    let url = view["url"].as_str().expect("url");
    let resp = app.get(url.strip_prefix(BASE_URL).unwrap_or(url), None).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert!(resp.content_type.starts_with("text/html"), "{}", resp.content_type);
    resp.text()
}

#[track_caller]
fn assert_has(html: &str, needles: &[&str]) {
    for needle in needles {
        assert!(html.contains(needle), "`{needle}` missing from the page:\n{html}");
    }
}

#[track_caller]
fn assert_lacks(html: &str, needles: &[&str]) {
    for needle in needles {
        assert!(!html.contains(needle), "`{needle}` must not be on the page:\n{html}");
    }
}

#[tokio::test]
async fn the_demo_certificate_prints_its_signed_details_in_chinese_and_english() {
    let (app, admin) = TestApp::with_demo();
    let view = issue_training(&app, &admin, "learner-li", "ZNZZ-01").await;
    let number = view["certificate_number"].as_str().expect("certificate number").to_string();
    assert!(number.starts_with("JX-PXOU-"), "{number}");
    let html = page(&app, &view).await;
    assert_has(
        &html,
        &[
            "培训合格证书",
            "Training Certificate",
            "李明轩",
            "铸造工艺基础",
            "Fundamentals of Casting Processes",
            "32 学时",
            "32 hours",
            "2 学分",
            "2 credits",
            "合格",
            &number,
            "萍乡示范开放大学",
            "did:web:rongtong.test:orgs:pxou",
            "兹证明 李明轩 于 2026年4月18日 完成微课程《铸造工艺基础》32 学时的学习，考核合格，成绩 合格，获 2 学分。",
            "This is to certify that 李明轩 completed the micro-course “Fundamentals of Casting Processes” (32 hours) on 18 April 2026 and passed the assessment with the result pass (合格), earning 2 credits.",
            "长期有效",
            "已验证",
            "<svg",
        ],
    );
    // The heading is the kind of certificate; the course title is the course, not the heading again.
    assert_lacks(&html, &["《培训合格证书》", "undefined", "null", "：</td>", "已过期"]);
    // Print margins that real printers keep, and no full-page box that spills onto a second page.
    assert_has(&html, &["@page { size: A4 portrait; margin: 12mm; }"]);
    assert_lacks(&html, &["width: 210mm", "min-height: 297mm", "position: absolute"]);
}

#[tokio::test]
async fn the_page_prints_the_signed_name_not_todays_rows() {
    let (app, admin) = TestApp::with_demo();
    let view = issue_training(&app, &admin, "learner-li", "ZNZZ-01").await;
    {
        let mut conn = app.db.conn().expect("conn");
        diesel::update(users::table.filter(users::username.eq("learner-li")))
            .set(users::display_name.eq("王冒名"))
            .execute(&mut conn)
            .expect("rename the learner");
        diesel::update(courses::table.filter(courses::code.eq("ZNZZ-01")))
            .set(courses::title_zh.eq("高级技师速成班"))
            .execute(&mut conn)
            .expect("rename the course");
        diesel::update(organizations::table.filter(organizations::code.eq("pxou")))
            .set(organizations::name_zh.eq("冒名大学"))
            .execute(&mut conn)
            .expect("rename the issuer");
        diesel::update(credentials::table.find(view["id"].as_str().expect("id")))
            .set(credentials::name.eq("高级技师速成班"))
            .execute(&mut conn)
            .expect("rename the row");
    }
    let html = page(&app, &view).await;
    assert_has(&html, &["李明轩", "铸造工艺基础", "萍乡示范开放大学", "已验证"]);
    assert_lacks(&html, &["王冒名", "高级技师速成班", "冒名大学"]);
}

#[tokio::test]
async fn a_certificate_is_found_by_its_number() {
    let (app, admin) = TestApp::with_demo();
    let view = issue_training(&app, &admin, "learner-li", "ZNZZ-02").await;
    let number = view["certificate_number"].as_str().expect("certificate number");
    let by_number = app.get(&format!("/credentials/{number}"), None).await;
    assert_eq!(by_number.status, 200, "{}", by_number.text());
    assert!(by_number.content_type.starts_with("text/html"), "{}", by_number.content_type);
    assert_has(&by_number.text(), &[number, "李明轩", "造型与制芯", "48 学时", "3 学分"]);
    // The same page as by id, and the JSON too.
    assert_eq!(by_number.text(), page(&app, &view).await);
    let json = app.get(&format!("/credentials/{number}?format=json"), None).await;
    assert_eq!(json.status, 200, "{}", json.text());
    assert_eq!(json.json, view["credential"]);
    assert_eq!(json.json["credentialSubject"]["licenseNumber"], number);
    assert_envelope(&app.get("/credentials/JX-PXOU-1999-999999", None).await, 404, "not_found");
}

#[tokio::test]
async fn a_skill_level_certificate_reads_as_an_assessment() {
    let (app, _) = TestApp::with_demo();
    let body = json!({"learner": "learner-zhang", "occupation": "6-18-02-01", "level": 4, "assessed_on": "2026-06-30"});
    let r = app.post("/api/v1/credentials/skill-level", Some(&app.token_for("jxeval-admin")), body).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let html = page(&app, &r.json).await;
    assert_has(
        &html,
        &[
            "职业技能等级证书",
            "Vocational Skill Level Certificate",
            "张浩然",
            "经职业技能等级认定",
            "6-18-02-01",
            "达到 四级/中级工 水平",
            "has been assessed",
            "certified at Level 4 (intermediate worker)",
            "江西示范职业技能等级评价中心",
            r.json["certificate_number"].as_str().expect("number"),
            "已验证",
        ],
    );
    assert_lacks(&html, &["完成微课程", "completed the", "培训合格证书", "undefined"]);
}

#[tokio::test]
async fn a_revoked_certificate_says_so_with_the_reason() {
    let (app, admin) = TestApp::with_demo();
    let view = issue_training(&app, &admin, "learner-li", "ZNZZ-01").await;
    revoke(&app, &view, "成绩作废").await;
    let html = page(&app, &view).await;
    assert_has(&html, &["已撤销", "Revoked", "成绩作废", "status bad", "李明轩"]);
    assert_lacks(&html, &["已验证"]);
}

#[tokio::test]
async fn a_course_with_a_validity_period_issues_an_expiring_certificate_and_the_page_shows_it() {
    let (app, admin) = TestApp::with_demo();
    {
        let mut conn = app.db.conn().expect("conn");
        for (code, months) in [("ZNZZ-01", 120), ("ZNZZ-02", 1)] {
            diesel::update(courses::table.filter(courses::code.eq(code)))
                .set(courses::valid_months.eq(Some(months)))
                .execute(&mut conn)
                .expect("set valid_months");
        }
    }
    // Completed 2026-04-18, valid ten years.
    let valid = issue_training(&app, &admin, "learner-li", "ZNZZ-01").await;
    assert_eq!(valid["credential"]["validUntil"], "2036-04-18T00:00:00Z");
    let html = page(&app, &valid).await;
    assert_has(&html, &["有效期至", "Valid until", "2036年4月18日", "18 April 2036", "已验证"]);
    assert_lacks(&html, &["已过期", "长期有效"]);

    // Completed 2026-06-30, valid one month: expired by now, in red, by the verifier's dates check.
    let expired = issue_training(&app, &admin, "learner-li", "ZNZZ-02").await;
    assert_eq!(expired["credential"]["validUntil"], "2026-07-30T00:00:00Z");
    let verdict = app.post("/api/v1/verify", None, expired["credential"].clone()).await;
    assert_eq!(verdict.json["verified"], false, "{}", verdict.text());
    let html = page(&app, &expired).await;
    assert_has(&html, &["已过期", "Expired", "2026年7月30日", "class=\"expired\"", "status bad"]);
    assert_lacks(&html, &["已验证"]);
}

/// GET with `If-None-Match`.
async fn get_if_none_match(app: &TestApp, path: &str, etag: &str, accept: Option<&str>) -> rongtong_tests::TestResponse {
    let mut req = axum::http::Request::get(path).header("if-none-match", etag);
    if let Some(a) = accept {
        req = req.header("accept", a);
    }
    app.send(req.body(axum::body::Body::empty()).expect("request")).await
}

#[track_caller]
fn header(resp: &rongtong_tests::TestResponse, name: &str) -> String {
    resp.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_else(|| panic!("no {name} header: {:?}", resp.headers)).to_string()
}

#[tokio::test]
async fn the_page_revalidates_to_304_until_its_status_changes() {
    let (app, admin) = TestApp::with_demo();
    let view = issue_training(&app, &admin, "learner-li", "ZNZZ-01").await;
    let path = format!("/credentials/{}", view["certificate_number"].as_str().expect("number"));
    let first = app.get(&path, None).await;
    assert_eq!(first.status, 200, "{}", first.text());
    let etag = header(&first, "etag");
    assert!(etag.starts_with('"') && etag.ends_with('"'), "a strong ETag: {etag}");
    let cache_control = header(&first, "cache-control");
    assert!(cache_control.contains("max-age=30") && cache_control.contains("must-revalidate"), "{cache_control}");
    assert_eq!(header(&first, "vary"), "Accept", "the same URL serves JSON too");
    assert_has(&first.text(), &["已验证"]);

    let again = app.get(&path, None).await;
    assert_eq!((again.text(), header(&again, "etag")), (first.text(), etag.clone()), "the same page, the same tag");
    let unchanged = get_if_none_match(&app, &path, &etag, None).await;
    assert_eq!(unchanged.status, 304, "{}", unchanged.text());
    assert!(unchanged.bytes.is_empty());
    assert_eq!(header(&unchanged, "etag"), etag);
    assert_eq!(get_if_none_match(&app, &path, "\"something-else\"", None).await.status, 200);

    revoke(&app, &view, "成绩作废").await;
    let revoked = get_if_none_match(&app, &path, &etag, None).await;
    assert_eq!(revoked.status, 200, "the old tag no longer matches");
    assert_has(&revoked.text(), &["已撤销", "成绩作废"]);
    assert_lacks(&revoked.text(), &["已验证"]);
    let new_etag = header(&revoked, "etag");
    assert_ne!(new_etag, etag);
    assert_eq!(get_if_none_match(&app, &path, &new_etag, None).await.status, 304);
}

#[tokio::test]
async fn a_status_changed_through_the_database_by_another_node_shows_on_the_next_request() {
    use rongtong_registry::models::credentials::find_credential;
    use rongtong_registry::services::credentials::status::{StatusAction, set_status};
    let (app, admin) = TestApp::with_demo();
    let view = issue_training(&app, &admin, "learner-li", "ZNZZ-01").await;
    let id = view["id"].as_str().expect("id").to_string();
    assert_has(&page(&app, &view).await, &["已验证"]);
    // Another server node shares the database: it changes the row, not this node's cache.
    let change = |action, reason: &str| {
        let mut conn = app.db.conn().expect("conn");
        let row = find_credential(&mut conn, &id).expect("row");
        set_status(&mut conn, &row, action, reason).expect("status change");
    };
    change(StatusAction::Suspend, "核查中");
    let html = page(&app, &view).await;
    assert_has(&html, &["已暂停", "核查中"]);
    assert_lacks(&html, &["已验证"]);
    change(StatusAction::Reinstate, "核查完毕");
    let html = page(&app, &view).await;
    assert_has(&html, &["已验证"]);
    assert_lacks(&html, &["已暂停"]);
}

#[tokio::test]
async fn the_credential_json_has_its_own_etag_and_answers_304() {
    let (app, admin) = TestApp::with_demo();
    let view = issue_training(&app, &admin, "learner-li", "ZNZZ-01").await;
    let id = view["id"].as_str().expect("id").trim_start_matches("urn:uuid:").to_string();
    let path = format!("/credentials/{id}?format=json");
    let json = app.get(&path, None).await;
    assert_eq!((json.status.as_u16(), &json.json), (200, &view["credential"]), "{}", json.text());
    let etag = header(&json, "etag");
    assert_eq!(header(&json, "vary"), "Accept");
    assert_eq!(get_if_none_match(&app, &path, &etag, None).await.status, 304);
    let html = app.get(&format!("/credentials/{id}"), None).await;
    assert_ne!(header(&html, "etag"), etag, "the page and the JSON are different representations");
    let ld = get_if_none_match(&app, &format!("/credentials/{id}"), &etag, Some("application/ld+json")).await;
    assert_eq!(ld.status, 200, "application/ld+json is another representation than application/json");
    assert_eq!((ld.content_type.as_str(), &ld.json), ("application/ld+json", &view["credential"]));
    assert_envelope(&app.get("/credentials/00000000-0000-0000-0000-000000000000?format=json", None).await, 404, "not_found");
}

#[tokio::test]
async fn the_key_file_is_read_once_at_start_up() {
    use rongtong_registry::config::CredentialsConfig;
    use rongtong_registry::services::credentials::keystore::{Kek, KekSource};
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("rongtong.kek");
    std::fs::write(&path, Kek::generate().to_base64().as_bytes()).expect("write the key file");
    let app = TestApp::with_credentials(CredentialsConfig { kek: KekSource::File(path.clone()) });
    let admin = {
        let mut conn = app.db.conn().expect("conn");
        rongtong_registry::services::demo::seed(&mut conn).expect("seed demo").expect("empty database")
    };
    // The running server no longer needs the file: issuing (sealing a new issuer key), the
    // page (verifying, signing the status list) and the JSON all work without it.
    std::fs::remove_file(&path).expect("delete the key file");
    let view = issue_training(&app, &admin, "learner-li", "ZNZZ-01").await;
    assert_has(&page(&app, &view).await, &["已验证", "李明轩"]);
    let json = app.get(&format!("/credentials/{}?format=json", view["certificate_number"].as_str().expect("number")), None).await;
    assert_eq!(json.status, 200, "{}", json.text());
}

#[test]
fn a_missing_key_file_stops_start_up() {
    use rongtong_registry::config::{Config, CredentialsConfig, DatabaseConfig, ServerConfig};
    use rongtong_registry::services::credentials::keystore::KekSource;
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let db = rongtong_registry::db::Db::open(&url, 1).expect("open");
    let config = Config {
        database: DatabaseConfig { url, pool_size: 1 },
        server: ServerConfig { addr: "127.0.0.1:0".into(), base_url: BASE_URL.into(), max_body_bytes: 1024, limits: Default::default() },
        credentials: CredentialsConfig { kek: KekSource::File(dir.path().join("missing.kek")) },
        jobs: Default::default(),
        web: Default::default(),
    };
    let err = rongtong_registry::App::new(db, config).expect_err("no key file, no server");
    assert!(err.to_string().contains("missing.kek"), "{err}");
}

/// Revokes a demo certificate as its issuer (pxou-admin), with `reason`.
async fn revoke(app: &TestApp, view: &Value, reason: &str) {
    let r = app
        .post(
            &format!("/api/v1/credentials/{}/status", view["id"].as_str().expect("id")),
            Some(&app.token_for("pxou-admin")),
            json!({"action": "revoke", "reason": reason}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
}
