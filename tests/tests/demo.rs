//! The demo data, as a new user meets it: casting and robot modules listed, skills found in
//! Chinese, demand lists published.

#![allow(clippy::unwrap_used)] // a panic in a test is its failure report

use rongtong_tests::{TestApp, enc};

#[tokio::test]
async fn demo_lists_casting_and_robot_modules_in_prerequisite_chains() {
    let (app, _) = TestApp::with_demo();
    let casting = app.get("/api/v1/courses?q=ZNZZ", None).await;
    assert_eq!(casting.status, 200, "{}", casting.text());
    let codes: Vec<&str> = casting.json["items"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["ZNZZ-01", "ZNZZ-02", "ZNZZ-03", "ZNZZ-04", "ZNZZ-05"]);
    let robot = app.get("/api/v1/courses?q=GYJQR", None).await;
    assert!(robot.json["total"].as_i64().unwrap() >= 4, "{}", robot.text());
    // Every module is published and aligned to at least one ESCO skill.
    for c in casting.json["items"].as_array().unwrap().iter().chain(robot.json["items"].as_array().unwrap()) {
        assert_eq!(c["status"], "published");
        assert!(
            c["skills"].as_array().unwrap().iter().any(|s| s["skill"].as_str().unwrap().starts_with("http://data.europa.eu/esco/skill/"))
        );
    }
    let znzz02 = app.get("/api/v1/courses/ZNZZ-02", None).await;
    assert_eq!(znzz02.json["prerequisites"], serde_json::json!(["ZNZZ-01"]));
}

#[tokio::test]
async fn demo_skills_are_searchable_in_chinese_and_english() {
    let (app, _) = TestApp::with_demo();
    let zh = app.get(&format!("/api/v1/skills?q={}", enc("故障排除")), None).await;
    assert_eq!(zh.json["total"], 1, "{}", zh.text());
    assert_eq!(zh.json["items"][0]["label_en"], "troubleshoot");
    let en = app.get("/api/v1/skills?q=ROBOT", None).await;
    let labels: Vec<&str> = en.json["items"].as_array().unwrap().iter().map(|s| s["label_en"].as_str().unwrap()).collect();
    assert!(labels.contains(&"maintain robotic equipment"), "{labels:?}");
    assert!(labels.iter().all(|l| l.to_lowercase().contains("robot")), "{labels:?}");
}

#[tokio::test]
async fn demo_publishes_two_demand_lists_visible_to_anyone() {
    let (app, _) = TestApp::with_demo();
    let lists = app.get("/api/v1/demand-lists", None).await;
    assert_eq!(lists.json["total"], 2, "{}", lists.text());
    let enterprises: Vec<&str> = lists.json["items"].as_array().unwrap().iter().map(|l| l["enterprise"].as_str().unwrap()).collect();
    assert!(enterprises.contains(&"pxcast") && enterprises.contains(&"gzrobot"), "{enterprises:?}");
    let robotics = lists.json["items"].as_array().unwrap().iter().find(|l| l["enterprise"] == "gzrobot").unwrap();
    assert!(robotics["items"].as_array().unwrap().iter().any(|i| i["position"] == "工业机器人运维技术员"));
}

#[tokio::test]
async fn demo_seeding_twice_changes_nothing() {
    let (app, _) = TestApp::with_demo();
    let before = app.count("courses");
    let mut conn = app.db.conn().unwrap();
    assert!(rongtong_registry::services::demo::seed(&mut conn).unwrap().is_none());
    drop(conn);
    assert_eq!(app.count("courses"), before);
}
