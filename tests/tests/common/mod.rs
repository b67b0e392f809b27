//! Fixtures shared by the end-to-end test files: demo skill URIs and request bodies.
//!
//! Each test file includes this module (`mod common;`) and uses only part of it.
#![allow(dead_code)]

use rongtong_tests::TestResponse;
use serde_json::{Value, json};

/// ESCO "casting processes" (铸造工艺).
pub const CASTING: &str = "http://data.europa.eu/esco/skill/e17d2415-e79f-4907-908e-5511b515fa3c";
/// ESCO "pour molten metal into moulds" (浇注金属液).
pub const POUR: &str = "http://data.europa.eu/esco/skill/121a87f0-7ff9-4d63-a8af-440f291bce67";
/// ESCO "follow safety rules" (遵守作业安全规范).
pub const SAFETY: &str = "http://data.europa.eu/esco/skill/d2d9051a-10e1-41c5-9cfb-bbdc58016176";
/// ESCO "robotics" (机器人技术).
pub const ROBOTICS: &str = "http://data.europa.eu/esco/skill/e87ec79a-c9ff-46f5-84fa-7a0f394cdf40";
/// ESCO "robotic components" (机器人部件).
pub const ROBOTIC_COMPONENTS: &str = "http://data.europa.eu/esco/skill/7a950986-27fe-4b6c-adf3-88f211e77019";

/// A valid course body for `provider`, teaching casting processes at level 4.
pub fn course(code: &str, provider: &str) -> Value {
    json!({
        "code": code,
        "version": "1",
        "title_zh": format!("测试课程 {code}"),
        "provider": provider,
        "hours": 16,
        "credits": 1,
        "skills": [{"skill": CASTING, "level": 4}],
        "prerequisites": [],
    })
}

/// A valid demand-list body for `enterprise` in `region`, with one position.
pub fn demand_list(title: &str, enterprise: &str, region: &str) -> Value {
    json!({
        "title": title,
        "enterprise": enterprise,
        "region": region,
        "items": [{
            "position": "铸造工",
            "headcount": 3,
            "skills": [{"skill": CASTING, "kind": "essential", "min_level": 4}],
        }],
    })
}

/// A Unified Social Credit Code: the 17 characters given plus their GB 32100 check character.
pub fn uscc(first17: &str) -> String {
    let check = rongtong_catalog::Uscc::check_char(first17).expect("USCC characters");
    format!("{first17}{check}")
}

/// An organization body.
pub fn organization(code: &str, kind: &str, region: &str) -> Value {
    json!({"code": code, "kind": kind, "name_zh": format!("测试机构 {code}"), "region": region})
}

/// Asserts the error envelope: the status, JSON, every entry with a `code` and a `detail`.
#[track_caller]
pub fn assert_envelope(resp: &TestResponse, status: u16, code: &str) {
    assert_eq!(resp.status.as_u16(), status, "{}", resp.text());
    assert!(resp.content_type.starts_with("application/json"), "content type {:?}: {}", resp.content_type, resp.text());
    let errors = resp.json["errors"].as_array().unwrap_or_else(|| panic!("no error envelope: {}", resp.text()));
    assert!(!errors.is_empty(), "{}", resp.text());
    for e in errors {
        assert_eq!(e["code"], code, "{}", resp.text());
        assert!(e["detail"].as_str().is_some_and(|d| !d.is_empty()), "{}", resp.text());
    }
}

/// The `items[*].<key>` strings of a page.
pub fn item_strings(page: &Value, key: &str) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("not a page: {page}"))
        .iter()
        .map(|i| i[key].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The id of the demand list of `enterprise` in the demo (as the platform admin sees it).
pub async fn demo_list_id(app: &rongtong_tests::TestApp, enterprise: &str) -> String {
    let lists = app.get(&format!("/api/v1/demand-lists?enterprise={enterprise}"), None).await;
    assert_eq!(lists.json["total"], 1, "{}", lists.text());
    lists.json["items"][0]["id"].as_str().expect("id").to_string()
}
