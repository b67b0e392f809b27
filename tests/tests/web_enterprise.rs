//! The enterprise's web pages (issue 11): demand lists listed, written in a form with the
//! skill picker, uploaded as CSV (GB18030 too) with every bad row shown, published and closed;
//! per position the covering courses and the ranked candidates with the reason for each score.
//! Both backends.

#![allow(clippy::unwrap_used)] // a panic in a test is its failure report

use axum::http::StatusCode;
use rongtong_registry::services::demo::DEMO_PASSWORD;
use rongtong_tests::{TestApp, TestResponse};

/// 铸造工艺 (casting processes) and 浇注金属液 (pour molten metal) in the demo catalogue.
const CASTING: &str = "http://data.europa.eu/esco/skill/e17d2415-e79f-4907-908e-5511b515fa3c";
const POURING: &str = "http://data.europa.eu/esco/skill/121a87f0-7ff9-4d63-a8af-440f291bce67";

fn location(resp: &TestResponse) -> String {
    resp.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

/// The id of `enterprise`'s first demand list, through the API.
async fn list_of(app: &TestApp, admin: &str, enterprise: &str) -> String {
    let resp = app.get(&format!("/api/v1/demand-lists?enterprise={enterprise}"), Some(admin)).await;
    resp.json["items"][0]["id"].as_str().unwrap_or_else(|| panic!("{}", resp.text())).to_string()
}

/// A list as the API shows it to the platform admin.
async fn api_list(app: &TestApp, admin: &str, id: &str) -> serde_json::Value {
    let resp = app.get(&format!("/api/v1/demand-lists/{id}"), Some(admin)).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    resp.json
}

/// The new-list form's fields for one position with the given skills `(skill, level, kind)`.
fn form_fields<'a>(title: &'a str, skills: &'a [(&'a str, &'a str, &'a str)]) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = vec![
        ("title".into(), title.into()),
        ("industry".into(), "C3391 黑色金属铸造".into()),
        ("region".into(), "360300".into()),
        ("deadline".into(), "2027-09-30".into()),
        ("items[0].position".into(), "浇注工".into()),
        ("items[0].headcount".into(), "5".into()),
    ];
    for (j, (skill, level, kind)) in skills.iter().enumerate() {
        f.push((format!("items[0].skills[{j}].skill"), skill.to_string()));
        f.push((format!("items[0].skills[{j}].min_level"), level.to_string()));
        f.push((format!("items[0].skills[{j}].kind"), kind.to_string()));
    }
    // A blank row, as the form always shows one: not saved.
    f.push((format!("items[0].skills[{}].skill", skills.len()), String::new()));
    f
}

fn pairs(f: &[(String, String)]) -> Vec<(&str, &str)> {
    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[tokio::test]
async fn the_enterprise_sees_its_own_lists_and_nobody_else_gets_in() {
    let (app, _) = TestApp::with_demo();
    let b = app.signed_in("pxcast-admin", DEMO_PASSWORD).await;
    let page = b.get("/org/demand").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(html.contains("2027年智能铸造技能人才需求清单"), "its own list");
    assert!(!html.contains("2027年工业机器人运维人才需求清单"), "not another enterprise's");
    assert!(html.contains("id=\"demand-lists\"") && html.contains("已发布"), "the table with the status");
    assert!(html.contains("id=\"demand-new\"") && html.contains("id=\"demand-upload\""), "the actions");

    for who in ["learner-wang", "pxou-admin"] {
        let b = app.signed_in(who, DEMO_PASSWORD).await;
        assert_eq!(b.get("/org/demand").await.status, StatusCode::FORBIDDEN, "{who} works for no enterprise");
        assert_eq!(b.get("/org/demand/new").await.status, StatusCode::FORBIDDEN, "{who}");
        assert_eq!(b.get("/org/demand/upload").await.status, StatusCode::FORBIDDEN, "{who}");
    }
    let anonymous = app.browser().get("/org/demand").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert!(location(&anonymous).starts_with("/login?next="), "sign in first");

    // The city admin covers Pingxiang's enterprises, not Ganzhou's.
    let px = app.signed_in("px-admin", DEMO_PASSWORD).await;
    let page = px.get("/org/demand").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    assert!(page.text().contains("2027年智能铸造技能人才需求清单"));
    assert_eq!(px.get("/org/demand?enterprise=gzrobot").await.status, StatusCode::FORBIDDEN, "not a Ganzhou enterprise");
}

#[tokio::test]
async fn a_bad_level_is_shown_beside_its_field_and_nothing_is_stored() {
    let (app, _) = TestApp::with_demo();
    let b = app.signed_in("pxcast-admin", DEMO_PASSWORD).await;
    let form = b.get("/org/demand/new").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.text());
    let html = form.text();
    assert!(html.contains("data-suggest=\"/catalog/skills/suggest\"") && html.contains("list=\"skill-options\""), "the skill picker");
    assert!(html.contains("五级/初级工") && html.contains("一级/高级技师"), "levels 五级…一级");
    assert!(html.contains("value=\"360300\""), "the region starts as the enterprise's own");
    let before = app.count("demand_lists");
    let before_items = app.count("demand_items");

    let fields = form_fields("坏等级清单", &[(CASTING, "4", "essential"), (POURING, "9", "essential")]);
    let resp = b.post_form("/org/demand/new", &pairs(&fields)).await;
    assert_eq!(resp.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", resp.text());
    let html = resp.text();
    assert!(html.contains("id=\"form-errors\""), "the form says it was not saved");
    let at = html.find("data-error-for=\"items[0].skills[1].min_level\"").unwrap_or_else(|| panic!("no error beside the level: {html}"));
    assert!(html[at..].contains("is not a skill level"), "the API's own words");
    assert!(html.contains("value=\"坏等级清单\""), "what was typed comes back");
    assert!(html.contains(&format!("value=\"{POURING}\"")), "the skill typed in the bad row comes back");
    assert_eq!(app.count("demand_lists"), before, "nothing stored");
    assert_eq!(app.count("demand_items"), before_items, "and no positions");

    // An unknown skill and a position without skills: each beside its input, still nothing stored.
    let mut fields = form_fields("未知技能", &[("没有这个技能", "4", "essential")]);
    fields.extend([("items[1].position".to_string(), "质检员".to_string()), ("items[1].headcount".to_string(), "2".to_string())]);
    let resp = b.post_form("/org/demand/new", &pairs(&fields)).await;
    assert_eq!(resp.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", resp.text());
    let html = resp.text();
    assert!(html.contains("data-error-for=\"items[1].skills\""), "a position needs a skill: {html}");
    assert_eq!(app.count("demand_lists"), before);
    let fields = form_fields("未知技能", &[("没有这个技能", "4", "essential")]);
    let html = b.post_form("/org/demand/new", &pairs(&fields)).await.text();
    let at = html.find("data-error-for=\"items[0].skills[0].skill\"").unwrap_or_else(|| panic!("no error beside the skill: {html}"));
    assert!(html[at..].contains("unknown skill"), "{html}");
    assert_eq!(app.count("demand_lists"), before);
}

#[tokio::test]
async fn rows_are_added_without_javascript_and_without_saving() {
    let (app, _) = TestApp::with_demo();
    let b = app.signed_in("pxcast-admin", DEMO_PASSWORD).await;
    b.get("/org/demand/new").await;
    let before = app.count("demand_lists");
    let mut fields = form_fields("加一行", &[(CASTING, "4", "essential")]);
    fields.push(("add".into(), "position".into()));
    let resp = b.post_form("/org/demand/new", &pairs(&fields)).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    let html = resp.text();
    assert!(html.contains("id=\"position-1\""), "a second position");
    assert!(html.contains("value=\"加一行\"") && html.contains(&format!("value=\"{CASTING}\"")), "the first is kept");
    assert!(!html.contains("id=\"form-errors\""), "no errors for an unfinished form");
    fields.pop();
    fields.push(("add".into(), "skill-0".into()));
    let html = b.post_form("/org/demand/new", &pairs(&fields)).await.text();
    assert!(html.contains("name=\"items[0].skills[2].skill\""), "one more skill row");
    assert_eq!(app.count("demand_lists"), before, "nothing saved by an add button");
}

#[tokio::test]
async fn a_list_written_in_the_form_is_saved_published_closed_and_private_while_a_draft() {
    let (app, admin) = TestApp::with_demo();
    let b = app.signed_in("pxcast-admin", DEMO_PASSWORD).await;
    b.get("/org/demand/new").await;
    // The skill is typed by its Chinese label, the level by name; both resolve as the API needs.
    let fields = form_fields("2027年浇注工需求", &[("铸造工艺", "三级", "essential"), (POURING, "4", "optional")]);
    let resp = b.post_form("/org/demand/new", &pairs(&fields)).await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER, "{}", resp.text());
    let to = location(&resp);
    let id = to.strip_prefix("/org/demand/").and_then(|r| r.strip_suffix("?done=created")).unwrap_or_else(|| panic!("{to}")).to_string();
    let list = api_list(&app, &admin, &id).await;
    assert_eq!(list["status"], "draft");
    assert_eq!(list["enterprise"], "pxcast");
    assert_eq!(list["deadline"], "2027-09-30");
    let skills = &list["items"][0]["skills"];
    assert_eq!(skills.as_array().unwrap().len(), 2, "the blank row is not saved: {list}");
    assert_eq!(skills[0]["skill"], CASTING);
    assert_eq!(skills[0]["min_level"], 3);
    assert_eq!(skills[1]["kind"], "optional");

    let page = b.get(&to).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(html.contains("需求清单已保存为草稿"), "the notice");
    assert!(html.contains("data-status=\"draft\"") && html.contains("id=\"demand-publish\""));

    // Another enterprise does not learn the draft exists; once published, it may not work on it.
    let gz = app.signed_in("gzrobot-admin", DEMO_PASSWORD).await;
    assert_eq!(gz.get(&format!("/org/demand/{id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(gz.get(&format!("/org/demand/{id}/edit")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(gz.post_form(&format!("/org/demand/{id}/status"), &[("status", "published")]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(api_list(&app, &admin, &id).await["status"], "draft", "the other enterprise changed nothing");
    let learner = app.signed_in("learner-wang", DEMO_PASSWORD).await;
    assert_eq!(learner.get(&format!("/org/demand/{id}")).await.status, StatusCode::FORBIDDEN);

    // Edit: the stored skills come back in the form; a change is saved.
    let edit = b.get(&format!("/org/demand/{id}/edit")).await;
    assert_eq!(edit.status, StatusCode::OK, "{}", edit.text());
    let html = edit.text();
    assert!(html.contains(&format!("value=\"{CASTING}\"")) && html.contains("铸造工艺"), "the skill and its label");
    let mut fields = form_fields("2027年浇注工需求（修订）", &[(CASTING, "3", "essential")]);
    fields.retain(|(k, _)| k != "deadline");
    let resp = b.post_form(&format!("/org/demand/{id}/edit"), &pairs(&fields)).await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER, "{}", resp.text());
    let list = api_list(&app, &admin, &id).await;
    assert_eq!(list["title"], "2027年浇注工需求（修订）");
    assert_eq!(list["deadline"], serde_json::Value::Null);

    // Publish, close; a closed list cannot be edited (the API's 409, shown on the form).
    let resp = b.post_form(&format!("/org/demand/{id}/status"), &[("status", "published")]).await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER, "{}", resp.text());
    assert_eq!(location(&resp), format!("/org/demand/{id}?done=published"));
    assert_eq!(api_list(&app, &admin, &id).await["status"], "published");
    assert_eq!(gz.get(&format!("/org/demand/{id}")).await.status, StatusCode::FORBIDDEN, "published, but not theirs to work on");
    let html = b.get(&format!("/org/demand/{id}")).await.text();
    assert!(html.contains("id=\"demand-close\"") && !html.contains("id=\"demand-publish\""));
    let resp = b.post_form(&format!("/org/demand/{id}/status"), &[("status", "closed"), ("back", "list")]).await;
    assert_eq!(location(&resp), "/org/demand?done=closed");
    assert_eq!(api_list(&app, &admin, &id).await["status"], "closed");
    let resp = b.post_form(&format!("/org/demand/{id}/edit"), &pairs(&fields)).await;
    assert_eq!(resp.status, StatusCode::CONFLICT, "{}", resp.text());
    assert!(resp.text().contains("reopen it first"));
    // A move the lifecycle forbids is shown on the list's page, nothing changed.
    let resp = b.post_form(&format!("/org/demand/{id}/status"), &[("status", "draft")]).await;
    assert_eq!(resp.status, StatusCode::CONFLICT, "{}", resp.text());
    assert!(resp.text().contains("id=\"demand-problem\""));
    assert_eq!(api_list(&app, &admin, &id).await["status"], "closed");
}

#[tokio::test]
async fn a_draft_without_positions_is_not_published_and_a_draft_can_be_deleted() {
    let (app, admin) = TestApp::with_demo();
    let b = app.signed_in("pxcast-admin", DEMO_PASSWORD).await;
    b.get("/org/demand/new").await;
    let fields: Vec<(&str, &str)> =
        vec![("title", "空清单"), ("region", "360300"), ("items[0].position", ""), ("items[0].skills[0].skill", "")];
    let resp = b.post_form("/org/demand/new", &fields).await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER, "a list may be saved without positions: {}", resp.text());
    let id = location(&resp).trim_start_matches("/org/demand/").split('?').next().unwrap().to_string();
    let resp = b.post_form(&format!("/org/demand/{id}/status"), &[("status", "published")]).await;
    assert_eq!(resp.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().contains("at least one position"), "{}", resp.text());
    assert_eq!(api_list(&app, &admin, &id).await["status"], "draft");
    let before = app.count("demand_lists");
    let resp = b.post_form(&format!("/org/demand/{id}/delete"), &[]).await;
    assert_eq!(location(&resp), "/org/demand?done=deleted");
    assert_eq!(app.count("demand_lists"), before - 1);
}

/// The demo's foundry file with Chinese headers and skill labels, row 3's level made bad when
/// `bad` (rows count from the header, row 1).
fn foundry_csv(bad: bool) -> String {
    let level = if bad { "9" } else { "4" };
    format!(
        "岗位,职业,人数,地区,截止日期,必备技能,可选技能\n\
         铸造工,,8,360300,2027-03-31,铸造工艺@4;浇注金属液@4,\n\
         熔炼浇注工,,4,360300,2027-03-31,浇注金属液@{level},铸造工艺@4\n\
         铸造质检员,,2,360300,2027-04-30,铸造过程细节把控@3,\n"
    )
}

#[tokio::test]
async fn a_gb18030_file_with_a_bad_row_shows_the_row_and_stores_nothing_then_the_fixed_file_imports() {
    let (app, admin) = TestApp::with_demo();
    let b = app.signed_in("pxcast-admin", DEMO_PASSWORD).await;
    let form = b.get("/org/demand/upload").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.text());
    assert!(form.text().contains("id=\"upload-file\"") && form.text().contains("id=\"upload-submit\""));
    let before = app.count("demand_lists");

    let text = foundry_csv(true);
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&text);
    assert!(!unmappable);
    let resp = b.post_multipart("/org/demand/upload", &[("title", "铸造岗位（GB18030）")], &[("file", "需求.csv", &bytes)]).await;
    assert_eq!(resp.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", resp.text());
    let html = resp.text();
    assert!(html.contains("id=\"upload-errors\"") && html.contains("data-bad-rows=\"1\""), "{html}");
    assert!(html.contains("data-row=\"3\" data-column=\"必备技能\""), "the row and its column as written: {html}");
    assert!(html.contains("value=\"铸造岗位（GB18030）\""), "the title comes back");
    assert_eq!(app.count("demand_lists"), before, "nothing stored");

    // No file, no title: each beside its field.
    let resp = b.post_multipart("/org/demand/upload", &[("title", "")], &[]).await;
    assert_eq!(resp.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().contains("data-field=\"file\""), "{}", resp.text());

    let text = foundry_csv(false);
    let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
    let resp = b
        .post_multipart("/org/demand/upload", &[("title", "铸造岗位（GB18030）"), ("publish", "1")], &[("file", "需求.csv", &bytes)])
        .await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER, "{}", resp.text());
    let to = location(&resp);
    assert!(to.ends_with("?done=imported"), "{to}");
    assert_eq!(app.count("demand_lists"), before + 1);
    let id = to.trim_start_matches("/org/demand/").split('?').next().unwrap();
    let list = api_list(&app, &admin, id).await;
    assert_eq!(list["status"], "published", "published at once, as asked");
    assert_eq!(list["items"].as_array().unwrap().len(), 3);
    assert_eq!(list["items"][1]["position"], "熔炼浇注工");
    let page = b.get(&to).await.text();
    assert!(page.contains("CSV 文件已导入") && page.contains("熔炼浇注工"));
}

#[tokio::test]
async fn each_position_shows_its_courses_and_ranked_candidates_with_the_reasons() {
    let (app, admin) = TestApp::with_demo_credentials();
    let id = list_of(&app, &admin, "gzrobot").await;
    let b = app.signed_in("gzrobot-admin", DEMO_PASSWORD).await;
    let page = b.get(&format!("/org/demand/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(html.contains("工业机器人运维技术员"), "the positions");
    assert!(html.contains("data-coverage") && html.contains("已覆盖"), "courses covering the skills");
    assert!(html.contains("GYJQR-"), "the robotics courses are named");
    assert!(html.contains("data-candidates") && html.contains("data-learner=\"learner-chen\""), "ranked candidates: {html}");
    assert!(html.contains("data-breakdown") && html.contains("职业技能等级证书"), "the score's evidence");
    assert!(html.contains("持有该技能") || html.contains("持有相关技能"), "the relation that earned the credit");
    assert!(!html.contains("data-learner=\"learner-liu\""), "learner-liu did not opt in");
    assert!(html.len() < 300 * 1024, "page weight {} bytes", html.len());

    // The same ranking as the API, in the same order.
    let item = api_list(&app, &admin, &id).await["items"][0]["id"].as_str().unwrap().to_string();
    let api = app.get(&format!("/api/v1/matching/candidates?demand_item={item}&limit=50"), Some(&app.token_for("gzrobot-admin"))).await;
    let ranked: Vec<String> =
        api.json["result"]["candidates"].as_array().unwrap().iter().map(|c| c["learner"].as_str().unwrap().to_string()).collect();
    let one = b.get(&format!("/org/demand/{id}/positions/{item}")).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text());
    let html = one.text();
    let mut at = 0;
    for learner in &ranked {
        let pos = html.find(&format!("data-learner=\"{learner}\"")).unwrap_or_else(|| panic!("{learner} missing"));
        assert!(pos >= at, "{learner} out of the API's order");
        at = pos;
    }
    assert_eq!(b.get(&format!("/org/demand/{id}/positions/nope")).await.status, StatusCode::NOT_FOUND);

    // In English too.
    b.set_cookie("rt_lang", Some("en"));
    let html = b.get(&format!("/org/demand/{id}")).await.text();
    assert!(html.contains("Candidates") && html.contains("skill-level certificate"), "{html}");
}
