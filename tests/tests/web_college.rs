//! The college, training centre and evaluation organisation pages (issue 11): who may open
//! them, and every form — success, and bad input shown beside the field with nothing stored.
//! Both backends.

use axum::http::StatusCode;
use rongtong_registry::models::credentials;
use rongtong_registry::services::demo::DEMO_PASSWORD;
use rongtong_tests::{TestApp, TestResponse};

/// A skill of the demo catalogue (taught by ZNZZ-01).
const SKILL: &str = "http://data.europa.eu/esco/skill/e17d2415-e79f-4907-908e-5511b515fa3c";

fn location(resp: &TestResponse) -> String {
    resp.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

/// The id of course `code` (its latest version), read through the API as the platform admin.
async fn course_id(app: &TestApp, admin: &str, code: &str) -> String {
    let resp = app.get(&format!("/api/v1/courses/{code}"), Some(admin)).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    resp.json["id"].as_str().expect("an id").to_string()
}

/// The fields of a valid course form for `code`, with one skill at `level`.
fn course_form(code: &str, level: &str) -> Vec<(String, String)> {
    [
        ("code", code),
        ("version", "1"),
        ("title_zh", "铸件热处理"),
        ("title_en", "Heat Treatment of Castings"),
        ("hours", "24"),
        ("credits", "1.5"),
        ("delivery_mode", "blended"),
        ("skills[0].skill", SKILL),
        ("skills[0].level", level),
        ("skills[0].weight", "1"),
        ("skills[1].skill", ""),
        ("skills[1].level", "5"),
        ("prerequisites", "ZNZZ-01"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[tokio::test]
async fn the_pages_are_for_colleges_and_evaluators_only() {
    let (app, _) = TestApp::with_demo();
    let anonymous = app.browser().get("/org/courses").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER, "sign in first");
    assert!(location(&anonymous).starts_with("/login?next="), "{}", location(&anonymous));

    let college = app.signed_in("pxou-admin", DEMO_PASSWORD).await;
    for page in [
        "/org/courses",
        "/org/courses/new",
        "/org/curricula",
        "/org/curricula/new",
        "/org/completions",
        "/org/credentials",
        "/org/issuance",
        "/org/alignment",
        "/org/recognition",
        "/org/recognition/rules/new",
    ] {
        let resp = college.get(page).await;
        assert_eq!(resp.status, StatusCode::OK, "{page}: {}", resp.text());
        assert!(resp.text().contains("<html lang=\"zh-CN\">"), "{page} is a page of the application");
    }

    for user in ["learner-wang", "pxcast-admin"] {
        let b = app.signed_in(user, DEMO_PASSWORD).await;
        for page in ["/org/courses", "/org/credentials", "/org/completions", "/org/recognition"] {
            assert_eq!(b.get(page).await.status, StatusCode::FORBIDDEN, "{user} on {page}");
        }
        let refused = b.post_form("/org/courses", &pairs(&course_form("X-01", "4"))).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{user} cannot create a course");
    }

    let evaluator = app.signed_in("jxeval-admin", DEMO_PASSWORD).await;
    assert_eq!(evaluator.get("/org/credentials").await.status, StatusCode::OK);
    assert_eq!(evaluator.get("/org/recognition").await.status, StatusCode::OK);
    assert_eq!(evaluator.get("/org/courses").await.status, StatusCode::FORBIDDEN, "an evaluation organisation has no courses");
    assert_eq!(evaluator.get("/org/issuance").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_college_sees_its_own_drafts_and_nobody_elses() {
    let (app, admin) = TestApp::with_demo();
    let px = app.signed_in("pxou-admin", DEMO_PASSWORD).await;
    let list = px.get("/org/courses").await.text();
    assert!(list.contains("data-course=\"ZNZZ-06\" data-status=\"draft\""), "its own draft is listed: {list}");
    assert!(list.contains("data-course=\"ZNZZ-01\""), "and its published courses");
    assert!(!list.contains("GYJQR-01"), "not another college's courses");
    let drafts = px.get("/org/courses?status=draft").await.text();
    assert!(drafts.contains("ZNZZ-06") && !drafts.contains("data-course=\"ZNZZ-01\""), "the status filter");

    let draft = course_id(&app, &admin, "ZNZZ-06").await;
    assert_eq!(px.get(&format!("/org/courses/{draft}")).await.status, StatusCode::OK);
    let jx = app.signed_in("jxou-admin", DEMO_PASSWORD).await;
    assert!(!jx.get("/org/courses").await.text().contains("ZNZZ-06"));
    assert_eq!(jx.get(&format!("/org/courses/{draft}")).await.status, StatusCode::NOT_FOUND, "another college's draft does not exist");
    assert_eq!(jx.get(&format!("/org/courses/{draft}/edit")).await.status, StatusCode::NOT_FOUND);
    let submit = jx.post_form(&format!("/org/courses/{draft}/status"), &[("status", "in_review")]).await;
    assert_eq!(submit.status, StatusCode::NOT_FOUND, "nor can it be submitted by them");
    let published = course_id(&app, &admin, "GYJQR-01").await;
    assert_eq!(px.get(&format!("/org/courses/{published}")).await.status, StatusCode::NOT_FOUND, "these pages show one's own courses");
}

#[tokio::test]
async fn a_bad_level_is_shown_beside_its_field_and_nothing_is_stored() {
    let (app, _) = TestApp::with_demo();
    let px = app.signed_in("pxou-admin", DEMO_PASSWORD).await;
    px.get("/org/courses/new").await;
    let before = app.count("courses");

    let resp = px.post_form("/org/courses", &pairs(&course_form("ZNZZ-07", "7"))).await;
    assert_eq!(resp.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", resp.text());
    let html = resp.text();
    assert!(html.contains("id=\"level-0-error\""), "the error sits beside the level of row 1: {html}");
    assert!(html.contains("value=\"铸件热处理\""), "what was typed is kept");
    assert_eq!(app.count("courses"), before, "nothing stored");

    let mut bad = course_form("ZNZZ-07", "4");
    bad.iter_mut().find(|(k, _)| k == "hours").expect("hours").1 = "lots".into();
    bad.iter_mut().find(|(k, _)| k == "skills[0].skill").expect("skill").1 = "http://example.org/no-such-skill".into();
    let resp = px.post_form("/org/courses", &pairs(&bad)).await;
    assert_eq!(resp.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().contains("id=\"hours-error\""), "a number that is not one is the API's type error on `hours`");
    let resp = px.post_form("/org/courses", &pairs(&course_form("ZNZZ-07", "4")[..7])).await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER, "a course without skills is a valid draft: {}", resp.text());

    let mut unknown = course_form("ZNZZ-08", "4");
    unknown.iter_mut().find(|(k, _)| k == "skills[0].skill").expect("skill").1 = "http://example.org/no-such-skill".into();
    let resp = px.post_form("/org/courses", &pairs(&unknown)).await;
    assert_eq!(resp.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().contains("unknown skill URI"), "the store's check, beside the skill");
    assert_eq!(app.count("courses"), before + 1, "only the valid course was stored");
}

#[tokio::test]
async fn a_college_creates_edits_and_submits_a_course_and_sees_the_review_trail() {
    let (app, admin) = TestApp::with_demo();
    let px = app.signed_in("pxou-admin", DEMO_PASSWORD).await;
    px.get("/org/courses/new").await;
    let created = px.post_form("/org/courses", &pairs(&course_form("ZNZZ-07", "4"))).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
    let at = location(&created);
    assert!(at.starts_with("/org/courses/") && at.ends_with("?done=created"), "{at}");
    let id = at.trim_start_matches("/org/courses/").trim_end_matches("?done=created").to_string();
    let page = px.get(&at).await.text();
    assert!(page.contains("id=\"course-status\"") && page.contains("草稿"), "a draft");
    assert!(page.contains("四级/中级工"), "the skill's level by its Chinese name");
    assert!(page.contains("id=\"review-trail-empty\""), "no review yet");

    // The same checks as the API: a second course with the same code and version is a conflict.
    px.get("/org/courses/new").await;
    let again = px.post_form("/org/courses", &pairs(&course_form("ZNZZ-07", "4"))).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.text().contains("id=\"code-error\""), "beside the code");

    px.get(&format!("/org/courses/{id}/edit")).await;
    let mut edit = course_form("ZNZZ-07", "3");
    edit.iter_mut().find(|(k, _)| k == "title_zh").expect("title").1 = "铸件热处理工艺".into();
    let saved = px.post_form(&format!("/org/courses/{id}"), &pairs(&edit)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let view = app.get(&format!("/api/v1/courses/{id}"), Some(&admin)).await.json;
    assert_eq!(view["title_zh"], "铸件热处理工艺");
    assert_eq!(view["skills"][0]["level"], 3);

    px.get(&format!("/org/courses/{id}")).await;
    let submitted = px.post_form(&format!("/org/courses/{id}/status"), &[("status", "in_review")]).await;
    assert_eq!(submitted.status, StatusCode::SEE_OTHER, "{}", submitted.text());
    let page = px.get(&location(&submitted)).await.text();
    assert!(page.contains("审核中") && page.contains("id=\"review-stage\""), "in review, awaiting its city");
    assert!(page.contains("id=\"review-trail\"") && page.contains("data-to=\"in_review\""), "the submission is in the trail");
    let view = app.get(&format!("/api/v1/courses/{id}"), Some(&admin)).await.json;
    assert_eq!(view["status"], "in_review");
    assert_eq!(view["review_stage"], "city", "a Pingxiang course waits for Pingxiang's admins first");

    // In review, it can no longer be edited; submitting twice is refused with the reason.
    let refused = px.post_form(&format!("/org/courses/{id}"), &pairs(&edit)).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let twice = px.post_form(&format!("/org/courses/{id}/status"), &[("status", "in_review")]).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert!(twice.text().contains("id=\"status-problem\""));

    let withdrawn = px.post_form(&format!("/org/courses/{id}/status"), &[("status", "draft"), ("comment", "补充材料")]).await;
    assert_eq!(withdrawn.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get(&format!("/api/v1/courses/{id}"), Some(&admin)).await.json["status"], "draft");
}

#[tokio::test]
async fn curricula_are_created_with_known_modules_only() {
    let (app, _) = TestApp::with_demo();
    let px = app.signed_in("pxou-admin", DEMO_PASSWORD).await;
    px.get("/org/curricula/new").await;
    let before = app.count("curricula");
    let bad = px.post_form("/org/curricula", &[("code", "ZNZZ-P1"), ("title_zh", "智能铸造专业"), ("modules", "ZNZZ-01\nNOPE-99")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("id=\"modules-error\"") && bad.text().contains("NOPE-99"), "{}", bad.text());
    assert_eq!(app.count("curricula"), before, "nothing stored");

    let ok = px
        .post_form("/org/curricula", &[("code", "ZNZZ-P1"), ("title_zh", "智能铸造专业"), ("modules", "ZNZZ-01, ZNZZ-02；ZNZZ-03")])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    let list = px.get("/org/curricula").await.text();
    assert!(list.contains("data-curriculum=\"ZNZZ-P1\"") && list.contains("ZNZZ-01 → ZNZZ-02 → ZNZZ-03"), "{list}");
    assert!(!app.signed_in("jxou-admin", DEMO_PASSWORD).await.get("/org/curricula").await.text().contains("ZNZZ-P1"));
}

#[tokio::test]
async fn completions_are_recorded_one_by_one_with_errors_beside_the_fields() {
    let (app, admin) = TestApp::with_demo();
    let px = app.signed_in("pxou-admin", DEMO_PASSWORD).await;
    px.get("/org/completions").await;
    let course = course_id(&app, &admin, "ZNZZ-03").await;
    let before = app.count("completions");
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Days::new(1)).to_string();
    let bad = px
        .post_form(
            "/org/completions",
            &[("learner", "nobody-here"), ("course", &course), ("result", "合格"), ("completed_on", "2026-06-01")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("id=\"learner-error\""), "unknown learner, beside the field");
    let bad = px
        .post_form("/org/completions", &[("learner", "learner-li"), ("course", &course), ("result", "A"), ("completed_on", &tomorrow)])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("id=\"result-error\"") && bad.text().contains("id=\"completed_on-error\""), "every field error at once");
    let bad = px
        .post_form(
            "/org/completions",
            &[("learner", "learner-li"), ("course", &course), ("result", "合格"), ("completed_on", "2026-02-30")],
        )
        .await;
    assert!(bad.text().contains("id=\"completed_on-error\""), "a date that does not exist");
    assert_eq!(app.count("completions"), before, "nothing stored");

    let ok = px
        .post_form(
            "/org/completions",
            &[("learner", "learner-li"), ("course", &course), ("result", "合格"), ("completed_on", "2026-06-01"), ("assessor", "王老师")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    assert_eq!(app.count("completions"), before + 1);
    let page = px.get(&location(&ok)).await.text();
    assert!(page.contains("data-learner=\"learner-li\" data-course=\"ZNZZ-03\""), "listed, newest first");
    let twice = px
        .post_form(
            "/org/completions",
            &[("learner", "learner-li"), ("course", &course), ("result", "合格"), ("completed_on", "2026-06-01")],
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "a learner completes a course once");
    let foreign = course_id(&app, &admin, "GYJQR-05").await;
    let refused = px
        .post_form(
            "/org/completions",
            &[("learner", "learner-li"), ("course", &foreign), ("result", "合格"), ("completed_on", "2026-06-01")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "not for another college's course");
    assert_eq!(app.count("completions"), before + 1);
}

#[tokio::test]
async fn a_completion_file_with_bad_rows_is_refused_whole_with_every_row_named() {
    let (app, _) = TestApp::with_demo();
    let px = app.signed_in("pxou-admin", DEMO_PASSWORD).await;
    px.get("/org/completions").await;
    let before = app.count("completions");
    let bad = "学员,课程,成绩,完成日期,考核人\n\
               learner-li,ZNZZ-03,合格,2026/6/1,王老师\n\
               nobody-here,ZNZZ-03,合格,2026/6/1,\n\
               learner-li,ZNZZ-04,很好,2026-13-01,\n\
               learner-wang,GYJQR-05,合格,2026/6/1,\n\
               learner-li,ZNZZ-01,合格,2026/6/1,\n";
    let resp = px.post_multipart("/org/completions/upload", &[], &[("file", "completions.csv", bad.as_bytes())]).await;
    assert_eq!(resp.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", resp.text());
    let html = resp.text();
    assert!(html.contains("id=\"row-errors\""), "a table of the bad rows");
    for row in [3, 4, 5, 6] {
        assert!(html.contains(&format!("data-row=\"{row}\"")), "row {row} is named: {html}");
    }
    assert!(!html.contains("data-row=\"2\""), "the good row is not");
    assert!(html.contains("<td>完成日期</td>") && html.contains("<td>学员</td>"), "columns as the file names them");
    assert!(html.contains("already recorded"), "learner-li's ZNZZ-01 is in the store already");
    assert_eq!(app.count("completions"), before, "all or nothing");

    let header_only = px.post_multipart("/org/completions/upload", &[], &[("file", "x.csv", "learner,course\n".as_bytes())]).await;
    assert_eq!(header_only.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(header_only.text().contains("id=\"file-error\""), "a missing column is the file's error");

    let good = "learner,course,result,completed_on\nlearner-li,ZNZZ-03,合格,2026-06-01\nlearner-li,ZNZZ-04,85,2026-06-02\n";
    let resp = px.post_multipart("/org/completions/upload", &[], &[("file", "good.csv", good.as_bytes())]).await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER, "{}", resp.text());
    assert_eq!(location(&resp), "/org/completions?done=recorded&n=2");
    assert_eq!(app.count("completions"), before + 2);
    let page = px.get(&location(&resp)).await.text();
    assert!(page.contains("id=\"stored-count\""));
    let twice = px.post_multipart("/org/completions/upload", &[], &[("file", "good.csv", good.as_bytes())]).await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY, "uploading the same file again stores nothing");
    assert_eq!(app.count("completions"), before + 2);
}

#[tokio::test]
async fn a_cohort_is_issued_from_the_page_and_its_progress_polled_until_done() {
    let (app, admin) = TestApp::with_demo_credentials();
    let jx = app.signed_in("jxou-admin", DEMO_PASSWORD).await;
    let page = jx.get("/org/issuance").await.text();
    assert!(page.contains("data-cohort=\"GYJQR-03\"") && page.contains("data-cohort=\"GYJQR-04\""), "learner-wang's uncertified: {page}");
    assert!(!page.contains("data-cohort=\"GYJQR-01\""), "courses whose completions all have certificates are not listed");
    let course = course_id(&app, &admin, "GYJQR-03").await;
    let choose = jx.get(&format!("/org/issuance?course={course}")).await.text();
    assert!(choose.contains("id=\"learner-learner-wang\"") && choose.contains("id=\"start-issuance\""), "{choose}");

    let before = app.count("credentials");
    let started = jx.post_form("/org/issuance", &[("course", &course), ("learners", "learner-wang")]).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.text());
    let job_page = location(&started);
    assert!(job_page.starts_with("/org/issuance/"), "{job_page}");
    let html = jx.get(&job_page).await.text();
    assert!(
        html.contains(&format!("data-poll=\"{job_page}/progress\" data-reload")) || html.contains("id=\"issuance-done\""),
        "a live progress bar while the job runs: {html}"
    );

    let mut progress = serde_json::Value::Null;
    for _ in 0..200 {
        let resp = jx.get(&format!("{job_page}/progress")).await;
        assert_eq!(resp.status, StatusCode::OK);
        assert!(resp.content_type.starts_with("application/json"), "{}", resp.content_type);
        progress = resp.json;
        if progress["finished"] == true {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(progress["finished"], true, "{progress}");
    assert_eq!(progress["done"], progress["total"], "{progress}");
    assert_eq!(progress["total"], 1);
    assert_eq!(app.count("credentials"), before + 1, "one certificate issued");
    let done = jx.get(&job_page).await.text();
    assert!(done.contains("id=\"issuance-done\"") && !done.contains("data-poll"), "once finished the page stops polling");
    assert!(!jx.get("/org/issuance").await.text().contains("data-cohort=\"GYJQR-03\""), "that cohort is certified now");

    let other = app.signed_in("pxou-admin", DEMO_PASSWORD).await;
    assert_eq!(other.get(&job_page).await.status, StatusCode::NOT_FOUND, "another organisation's job does not exist");
    assert_eq!(other.get(&format!("{job_page}/progress")).await.status, StatusCode::NOT_FOUND);
    let learner = app.signed_in("learner-wang", DEMO_PASSWORD).await;
    assert_eq!(learner.get(&format!("{job_page}/progress")).await.status, StatusCode::FORBIDDEN);

    // All of GYJQR-04 at once (no learners ticked): the same job as the API's.
    let course = course_id(&app, &admin, "GYJQR-04").await;
    jx.get("/org/issuance").await;
    let started = jx.post_form("/org/issuance", &[("course", &course)]).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    let unknown = jx.post_form("/org/issuance", &[("course", &course), ("learners", "nobody-here")]).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY, "the API's check of the learners");
    assert!(unknown.text().contains("id=\"issuance-problem\""));
    let foreign = jx.post_form("/org/issuance", &[("course", &course_id(&app, &admin, "ZNZZ-01").await)]).await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN, "not another organisation's course");
}

#[tokio::test]
async fn a_certificate_is_revoked_only_with_a_reason_and_only_by_its_issuer() {
    let (app, admin) = TestApp::with_demo_credentials();
    let jx = app.signed_in("jxou-admin", DEMO_PASSWORD).await;
    let list = jx.get("/org/credentials").await.text();
    assert!(list.contains("id=\"credentials-table\"") && list.contains("data-learner=\"learner-wang\""), "{list}");
    assert!(list.contains("data-status=\"revoked\""), "the demo's revoked certificate is listed");
    let revoked = jx.get("/org/credentials?status=revoked").await.text();
    assert!(!revoked.contains("data-status=\"active\""), "filtered by status");
    let by_course = jx.get("/org/credentials?course=GYJQR-02").await.text();
    assert!(by_course.contains("data-learner=\"learner-wang\"") && !by_course.contains("人机协作安全"), "filtered by course");

    let course = course_id(&app, &admin, "GYJQR-01").await;
    let (id, learner_id) = {
        let mut conn = app.db.conn().expect("conn");
        let wang = rongtong_registry::models::accounts::find_user(&mut conn, "learner-wang").expect("wang");
        let completion = credentials::completion_of(&mut conn, &wang.id, &course).expect("query").expect("completion");
        let cred = credentials::credentials_of_completions(&mut conn, &[completion]).expect("query");
        (cred.into_values().next().expect("a certificate"), wang.id)
    };
    let short = id.trim_start_matches("urn:uuid:").to_string();
    let page = jx.get(&format!("/org/credentials/{short}")).await.text();
    assert!(page.contains("id=\"status-form\"") && page.contains("data-confirm="), "a confirmed form: {page}");

    let no_reason = jx.post_form(&format!("/org/credentials/{short}/status"), &[("action", "revoke"), ("reason", " ")]).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.text().contains("id=\"reason-error\""), "the reason is required, beside its field");
    let bad_action = jx.post_form(&format!("/org/credentials/{short}/status"), &[("action", "destroy"), ("reason", "x")]).await;
    assert!(bad_action.text().contains("id=\"action-error\""));
    let reinstate = jx.post_form(&format!("/org/credentials/{short}/status"), &[("action", "reinstate"), ("reason", "x")]).await;
    assert_eq!(reinstate.status, StatusCode::CONFLICT, "only a suspended certificate is reinstated");
    {
        let mut conn = app.db.conn().expect("conn");
        assert!(!credentials::find_credential(&mut conn, &id).expect("row").revoked, "nothing changed");
    }

    let other = app.signed_in("pxou-admin", DEMO_PASSWORD).await;
    assert_eq!(other.get(&format!("/org/credentials/{short}")).await.status, StatusCode::NOT_FOUND);
    let refused = other.post_form(&format!("/org/credentials/{short}/status"), &[("action", "revoke"), ("reason", "x")]).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "another organisation's certificate does not exist here");

    let suspended = jx.post_form(&format!("/org/credentials/{short}/status"), &[("action", "suspend"), ("reason", "核查中")]).await;
    assert_eq!(suspended.status, StatusCode::SEE_OTHER, "{}", suspended.text());
    let revoked = jx.post_form(&format!("/org/credentials/{short}/status"), &[("action", "revoke"), ("reason", "成绩复核不合格")]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{}", revoked.text());
    let page = jx.get(&location(&revoked)).await.text();
    assert!(page.contains("data-status=\"revoked\"") && page.contains("成绩复核不合格"), "{page}");
    assert!(!page.contains("id=\"status-form\""), "revocation is final: no more actions");
    let mut conn = app.db.conn().expect("conn");
    let row = credentials::find_credential(&mut conn, &id).expect("row");
    assert!(row.revoked && row.learner_id == learner_id);
    assert_eq!(row.status_reason.as_deref(), Some("成绩复核不合格"));
}

#[tokio::test]
async fn an_evaluation_organisation_issues_skill_levels_and_decides_applications() {
    let (app, _) = TestApp::with_demo_credentials();
    let ev = app.signed_in("jxeval-admin", DEMO_PASSWORD).await;
    let page = ev.get("/org/credentials").await.text();
    assert!(page.contains("id=\"skill-level-form\""), "{page}");
    assert!(!page.contains("id=\"issue-cohort\""), "no courses, no cohorts");
    let before = app.count("credentials");
    let bad = ev
        .post_form(
            "/org/credentials/skill-level",
            &[("learner", "learner-li"), ("occupation", "6-18-02-01"), ("level", "9"), ("assessed_on", "2026-06-01")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("id=\"sl-level-error\""));
    let bad = ev
        .post_form(
            "/org/credentials/skill-level",
            &[("learner", "learner-li"), ("occupation", "0-00-00-00"), ("level", "4"), ("assessed_on", "2026-06-01")],
        )
        .await;
    assert!(bad.text().contains("id=\"sl-occupation-error\""));
    assert_eq!(app.count("credentials"), before, "nothing issued");
    let ok = ev
        .post_form(
            "/org/credentials/skill-level",
            &[("learner", "learner-li"), ("occupation", "6-18-02-01"), ("level", "4"), ("assessed_on", "2026-06-01")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    assert_eq!(app.count("credentials"), before + 1);
    assert!(ev.get(&location(&ok)).await.text().contains("learner-li"));

    let px = app.signed_in("pxou-admin", DEMO_PASSWORD).await;
    let refused =
        px.post_form("/org/credentials/skill-level", &[("learner", "learner-li"), ("occupation", "6-18-02-01"), ("level", "4")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "a college issues no skill-level certificates");
    assert!(refused.text().contains("evaluation organizations"));

    let rec = ev.get("/org/recognition").await.text();
    assert!(rec.contains("data-rule=\"JXEVAL-R-002\""), "learner-zhang's application waits for jxeval: {rec}");
    let app_id = rec.split("data-application=\"").nth(1).and_then(|s| s.split('"').next()).expect("an application").to_string();
    assert!(!px.get("/org/recognition").await.text().contains(&app_id), "not another organisation's queue");
    let denied = px.post_form(&format!("/org/recognition/applications/{app_id}/decision"), &[("decision", "approve")]).await;
    assert!(matches!(denied.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{}", denied.status);

    let no_comment =
        ev.post_form(&format!("/org/recognition/applications/{app_id}/decision"), &[("decision", "reject"), ("comment", "")]).await;
    assert_eq!(no_comment.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_comment.text().contains("id=\"decision-problem\""), "a rejection needs a reason");
    let approved =
        ev.post_form(&format!("/org/recognition/applications/{app_id}/decision"), &[("decision", "approve"), ("comment", "")]).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.text());
    let after = ev.get(&location(&approved)).await.text();
    assert!(after.contains("id=\"no-pending\""), "nothing waits any more");
    assert_eq!(app.count("credentials"), before + 2, "approval issued the recognition credential");
}

#[tokio::test]
async fn a_college_drafts_and_submits_a_recognition_rule() {
    let (app, _) = TestApp::with_demo();
    let px = app.signed_in("pxou-admin", DEMO_PASSWORD).await;
    px.get("/org/recognition/rules/new").await;
    let before = app.count("recognition_rules");
    let bad = px
        .post_form(
            "/org/recognition/rules",
            &[
                ("code", "PXOU-R-001"),
                ("title", "免修"),
                ("target", "course:GYJQR-04"),
                ("effect", "exempt_course"),
                ("sources[0].outcome", "standard:6-31-01-10:4"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("id=\"target-error\""), "another college's course is not pxou's to recognise");
    let bad = px
        .post_form(
            "/org/recognition/rules",
            &[("code", "PXOU-R-001"), ("title", "免修"), ("target", "course:ZNZZ-05"), ("effect", "exempt_course")],
        )
        .await;
    assert!(bad.text().contains("id=\"sources-error\""), "a rule needs a source");
    assert_eq!(app.count("recognition_rules"), before);

    let ok = px
        .post_form(
            "/org/recognition/rules",
            &[
                ("code", "PXOU-R-001"),
                ("title", "铸造工（四级）证书免修智能铸造生产线运行"),
                ("target", "course:ZNZZ-05"),
                ("effect", "exempt_course"),
                ("sources[0].outcome", "standard:6-18-02-01:4"),
                ("sources[0].within_years", "5"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    let page = px.get("/org/recognition").await.text();
    assert!(page.contains("data-rule=\"PXOU-R-001\" data-status=\"draft\""), "{page}");
    let row = page.split("data-rule=\"PXOU-R-001\"").nth(1).expect("the rule's row");
    let rule_id = row.split("/org/recognition/rules/").nth(1).and_then(|s| s.split('/').next()).expect("a submit form").to_string();
    let submitted = px.post_form(&format!("/org/recognition/rules/{rule_id}/status"), &[("status", "in_review")]).await;
    assert_eq!(submitted.status, StatusCode::SEE_OTHER, "{}", submitted.text());
    assert!(px.get("/org/recognition").await.text().contains("data-rule=\"PXOU-R-001\" data-status=\"in_review\""));
    let jx = app.signed_in("jxou-admin", DEMO_PASSWORD).await;
    jx.get("/org/recognition").await;
    let foreign = jx.post_form(&format!("/org/recognition/rules/{rule_id}/status"), &[("status", "draft")]).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_alignment_page_shows_coverage_of_regional_demand() {
    let (app, _) = TestApp::with_demo();
    let px = app.signed_in("pxou-admin", DEMO_PASSWORD).await;
    let page = px.get("/org/alignment").await.text();
    assert!(page.contains("id=\"alignment-summary\"") && page.contains("id=\"covered-share\""), "{page}");
    assert!(page.contains("value=\"360300\""), "the college's city by default");
    assert!(page.contains("id=\"alignment-demanded\""), "Pingxiang's foundry demand is listed");
    let bad = px.get("/org/alignment?region=abc").await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.text().contains("id=\"alignment-problem\""), "a bad region is explained, not a failure");
    let foreign = px.get("/org/alignment?curriculum=not-ours").await.text();
    assert!(foreign.contains("id=\"alignment-problem\""));
}

#[tokio::test]
async fn the_pages_speak_english_when_asked() {
    let (app, _) = TestApp::with_demo();
    let px = app.signed_in("pxou-admin", DEMO_PASSWORD).await;
    px.set_cookie("rt_lang", Some("en"));
    let page = px.get("/org/courses/new").await.text();
    assert!(
        page.contains("<html lang=\"en\">") && page.contains("Skills and levels") && page.contains("Level 5 (junior worker)"),
        "{page}"
    );
}
