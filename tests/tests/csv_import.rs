//! CSV uploads and downloads through the API: a bad file is refused whole with every bad row
//! named, GB18030 and Chinese headers import, and export → import round-trips.

#![allow(clippy::unwrap_used)] // a panic in a test is its failure report

mod common;

use common::{assert_envelope, item_strings};
use rongtong_catalog::csvio::{SkillIndex, parse_courses};
use rongtong_tests::{TestApp, TestResponse, enc};
use serde_json::{Value, json};

const COURSE_IMPORT: &str = "/api/v1/imports/courses";

/// Uploads a course CSV as `who`.
async fn import_courses(app: &TestApp, who: &str, query: &str, csv: &[u8]) -> TestResponse {
    app.post_bytes(&format!("{COURSE_IMPORT}{query}"), Some(&app.token_for(who)), "text/csv", csv.to_vec()).await
}

/// `(row, field)` of every entry of an error envelope.
fn row_fields(resp: &TestResponse) -> Vec<(u64, String)> {
    resp.json["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no envelope: {}", resp.text()))
        .iter()
        .map(|e| (e["row"].as_u64().unwrap_or(0), e["field"].as_str().unwrap_or("").to_string()))
        .collect()
}

/// A course file with two good rows (2 and 8) and one bad row for each kind of mistake.
const BAD_COURSES: &str = "\
code,title_zh,provider,hours,credits,skills
CSV-01,好课程一,pxou,16,1,铸造工艺@4
CSV-02,学时不对,pxou,十六,1,铸造工艺@4
CSV-03,技能不存在,pxou,16,1,不存在的技能@4
CSV-04,机构不存在,nosuch,16,1,铸造工艺@4
CSV-05,等级不对,pxou,16,1,铸造工艺@9
CSV-01,代码重复,pxou,16,1,铸造工艺@4
CSV-06,好课程二,pxou,8,0.5,铸造工艺@5;浇注金属液@4
";

#[tokio::test]
async fn a_course_file_with_bad_rows_is_refused_whole_naming_each_row_and_column() {
    let (app, _) = TestApp::with_demo();
    let before = (app.count("courses"), app.count("course_skills"));
    let resp = import_courses(&app, "pxou-admin", "", BAD_COURSES.as_bytes()).await;
    assert_envelope(&resp, 422, "csv_row");
    let expected: Vec<(u64, String)> =
        [(3, "hours"), (4, "skills"), (5, "provider"), (6, "skills"), (7, "code")].iter().map(|(r, f)| (*r, f.to_string())).collect();
    assert_eq!(row_fields(&resp), expected, "{}", resp.text());
    let details: Vec<&str> = resp.json["errors"].as_array().unwrap().iter().map(|e| e["detail"].as_str().unwrap()).collect();
    assert!(details[1].contains("不存在的技能"), "{details:?}");
    assert!(details[2].contains("nosuch"), "{details:?}");
    assert!(details[4].contains("row 2"), "the duplicate should point at its first row: {details:?}");
    assert_eq!((app.count("courses"), app.count("course_skills")), before, "a rejected file stored something");
}

#[tokio::test]
async fn keep_good_rows_stores_the_good_rows_and_reports_the_bad() {
    let (app, _) = TestApp::with_demo();
    let before = app.count("courses");
    let resp = import_courses(&app, "pxou-admin", "?keep_good_rows=true", BAD_COURSES.as_bytes()).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.json["rows_read"], 7, "{}", resp.text());
    assert_eq!(
        (resp.json["created"].as_u64(), resp.json["updated"].as_u64(), resp.json["stored"].as_bool()),
        (Some(2), Some(0), Some(true))
    );
    let reported: Vec<(u64, String)> = resp.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["row"].as_u64().unwrap(), e["column"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(reported, [(3, "hours"), (4, "skills"), (5, "provider"), (6, "skills"), (7, "code")].map(|(r, c)| (r, c.to_string())));
    assert_eq!(app.count("courses"), before + 2);

    // The good rows are the provider's drafts, skills resolved from their Chinese labels.
    let pxou = app.token_for("pxou-admin");
    let two = app.get("/api/v1/courses/CSV-06", Some(&pxou)).await;
    assert_eq!(two.json["status"], "draft", "{}", two.text());
    assert_eq!(two.json["title_zh"], "好课程二");
    let skills: Vec<(&str, u64)> =
        two.json["skills"].as_array().unwrap().iter().map(|s| (s["label_zh"].as_str().unwrap(), s["level"].as_u64().unwrap())).collect();
    assert_eq!(skills, [("浇注金属液", 4), ("铸造工艺", 5)]);
    assert_eq!(app.get("/api/v1/courses/CSV-01", Some(&pxou)).await.json["title_zh"], "好课程一");
    assert_envelope(&app.get("/api/v1/courses/CSV-01", None).await, 404, "not_found");
}

#[tokio::test]
async fn a_college_cannot_import_courses_for_another_provider() {
    let (app, _) = TestApp::with_demo();
    let csv = "code,title_zh,provider,hours,credits\nJX-CSV-01,江西的课,jxou,10,1\nPX-CSV-01,萍乡的课,pxou,10,1\n";
    let resp = import_courses(&app, "pxou-admin", "", csv.as_bytes()).await;
    assert_envelope(&resp, 422, "csv_row");
    assert_eq!(row_fields(&resp), [(2, "provider".to_string())]);
    // Enterprises provide no courses, even their own admin cannot import them.
    let csv = "code,title_zh,provider,hours,credits\nPXC-01,企业课,pxcast,10,1\n";
    let resp = import_courses(&app, "pxcast-admin", "", csv.as_bytes()).await;
    assert_envelope(&resp, 422, "csv_row");
    assert_eq!(row_fields(&resp), [(2, "provider".to_string())]);
    // Publishing without review is the platform's alone (a city admin would skip the
    // province and the platform: 三级审核).
    let csv = "code,title_zh,provider,hours,credits\nPX-CSV-02,萍乡的课,pxou,10,1\n";
    assert_envelope(&import_courses(&app, "pxou-admin", "?publish=true", csv.as_bytes()).await, 403, "forbidden");
    assert_envelope(&import_courses(&app, "px-admin", "?publish=true", csv.as_bytes()).await, 403, "forbidden");
    let published = import_courses(&app, "admin", "?publish=true", csv.as_bytes()).await;
    assert_eq!(published.status, 200, "{}", published.text());
    assert_eq!(app.get("/api/v1/courses/PX-CSV-02", None).await.json["status"], "published");
    assert_envelope(&app.post_bytes(COURSE_IMPORT, None, "text/csv", csv.as_bytes().to_vec()).await, 401, "unauthorized");
}

#[tokio::test]
async fn a_demand_file_in_gb18030_with_chinese_headers_imports() {
    let (app, _) = TestApp::with_demo();
    let text = "\
岗位,职业,人数,地区,截止日期,必备技能,可选技能\r
熔炼工,,4,360300,2027/5/31,操作熔炼炉@四级；维持炉温@4,记录熔炉作业@三级\r
铸件质检员,,2,,2027年6月30日,金相组织分析@中级工,\r
";
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&bytes).is_err(), "the test file should not be valid UTF-8");
    let title = "2027年熔炼与质检岗位需求";
    let path = format!("/api/v1/imports/demand?enterprise=pxcast&title={}", enc(title));
    let pxcast = app.token_for("pxcast-admin");
    let resp = app.post_bytes(&path, Some(&pxcast), "text/csv", bytes.into_owned()).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.json["encoding"], "GB18030");
    assert_eq!((resp.json["rows_read"].as_u64(), resp.json["created"].as_u64()), (Some(2), Some(2)), "{}", resp.text());
    assert_eq!(resp.json["errors"], json!([]));
    let id = resp.json["demand_list_id"].as_str().expect("list id");

    let list = app.get(&format!("/api/v1/demand-lists/{id}"), Some(&pxcast)).await;
    assert_eq!(list.status, 200, "{}", list.text());
    assert_eq!(
        (list.json["title"].as_str(), list.json["status"].as_str(), list.json["enterprise"].as_str()),
        (Some(title), Some("draft"), Some("pxcast"))
    );
    assert_eq!(list.json["region"], "360300");
    assert_eq!(list.json["deadline"], "2027-06-30");
    let items = list.json["items"].as_array().unwrap();
    assert_eq!(items.iter().map(|i| i["position"].as_str().unwrap()).collect::<Vec<_>>(), ["熔炼工", "铸件质检员"]);
    assert_eq!(items[0]["deadline"], "2027-05-31");
    let mut first: Vec<(&str, &str, u64)> = items[0]["skills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["label_zh"].as_str().unwrap(), s["kind"].as_str().unwrap(), s["min_level"].as_u64().unwrap()))
        .collect();
    first.sort_unstable();
    assert_eq!(first, [("操作熔炼炉", "essential", 4), ("维持炉温", "essential", 4), ("记录熔炉作业", "optional", 3)]);
    assert!(
        items[0]["skills"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["skill"].as_str().unwrap().starts_with("http://data.europa.eu/esco/skill/"))
    );
    // A draft: not public until published.
    assert_envelope(&app.get(&format!("/api/v1/demand-lists/{id}"), None).await, 404, "not_found");
}

#[tokio::test]
async fn a_label_shared_by_two_skills_is_a_row_error_listing_both_uris() {
    let (app, _) = TestApp::with_demo();
    let jx = app.token_for("jx-admin");
    // One framework refuses a label twice (409), so the two skills sit in two frameworks.
    let fw =
        app.post("/api/v1/frameworks", Some(&jx), json!({"code": "jx-cnc", "kind": "local", "name": "江西数控", "version": "1"})).await;
    assert_eq!(fw.status, 201, "{}", fw.text());
    let mut uris = Vec::new();
    for (framework, en) in [("esco", "CNC programming (milling)"), ("jx-cnc", "CNC programming (turning)")] {
        let resp = app
            .post(
                "/api/v1/skills",
                Some(&jx),
                json!({"framework": framework, "label_zh": "数控编程", "label_en": en, "skill_type": "skill/competence"}),
            )
            .await;
        assert_eq!(resp.status, 201, "{}", resp.text());
        uris.push(resp.json["uri"].as_str().unwrap().to_string());
    }
    let before = app.count("courses");
    let csv = "code,title_zh,provider,hours,credits,skills\nCNC-01,数控编程基础,pxou,32,2,数控编程@4\n";
    let resp = import_courses(&app, "pxou-admin", "", csv.as_bytes()).await;
    assert_envelope(&resp, 422, "csv_row");
    assert_eq!(row_fields(&resp), [(2, "skills".to_string())]);
    let detail = resp.json["errors"][0]["detail"].as_str().unwrap();
    for uri in &uris {
        assert!(detail.contains(uri.as_str()), "{uri} missing from {detail}");
    }
    assert_eq!(app.count("courses"), before);
    // The English labels are distinct, so they resolve.
    let csv = "code,title_zh,provider,hours,credits,skills\nCNC-01,数控编程基础,pxou,32,2,CNC programming (turning)@4\n";
    let resp = import_courses(&app, "pxou-admin", "", csv.as_bytes()).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    let course = app.get("/api/v1/courses/CNC-01", Some(&app.token_for("pxou-admin"))).await;
    assert_eq!(course.json["skills"][0]["skill"], uris[1].as_str());
}

#[tokio::test]
async fn undecodable_bytes_are_422_naming_the_file() {
    let (app, _) = TestApp::with_demo();
    let mut csv = b"code,title_zh,provider,hours,credits\nBIN-01,".to_vec();
    csv.extend_from_slice(&[0xff, 0xff, 0x00, 0xff]);
    csv.extend_from_slice(b",pxou,1,1\n");
    let resp = import_courses(&app, "pxou-admin", "", &csv).await;
    assert_envelope(&resp, 422, "validation");
    assert_eq!(resp.error_fields(), ["file"], "{}", resp.text());
    let resp =
        app.post_bytes("/api/v1/imports/demand?enterprise=pxcast&title=x", Some(&app.token_for("pxcast-admin")), "text/csv", csv).await;
    assert_envelope(&resp, 422, "validation");
    assert_eq!(resp.error_fields(), ["file"], "{}", resp.text());
    // An empty upload names the file too.
    let resp = import_courses(&app, "pxou-admin", "", b"").await;
    assert_envelope(&resp, 422, "validation");
    assert_eq!(resp.error_fields(), ["file"], "{}", resp.text());
}

#[tokio::test]
async fn an_unknown_or_missing_header_is_422_naming_it() {
    let (app, _) = TestApp::with_demo();
    let csv = "code,title_zh,provider,hours,credits,colour\nHDR-01,颜色,pxou,1,1,red\n";
    let resp = import_courses(&app, "pxou-admin", "", csv.as_bytes()).await;
    assert_envelope(&resp, 422, "validation");
    assert_eq!(resp.error_fields(), ["colour"], "{}", resp.text());
    let csv = "code,title_zh,provider,credits\nHDR-01,学时缺失,pxou,1\n";
    let resp = import_courses(&app, "pxou-admin", "", csv.as_bytes()).await;
    assert_envelope(&resp, 422, "validation");
    // The missing column is named with its Chinese alias, for spreadsheet users.
    assert_eq!(resp.error_fields(), ["hours (学时)"], "{}", resp.text());
    let resp = app
        .post_bytes(
            "/api/v1/imports/demand?enterprise=pxcast&title=x",
            Some(&app.token_for("pxcast-admin")),
            "text/csv",
            "岗位,人数,必备技能,工资\n铸造工,1,铸造工艺@4,5000\n".as_bytes().to_vec(),
        )
        .await;
    assert_envelope(&resp, 422, "validation");
    assert_eq!(resp.error_fields(), ["工资"], "{}", resp.text());
}

/// The skill index a client would build from the public skill list.
async fn public_skill_index(app: &TestApp) -> SkillIndex {
    let skills = app.get("/api/v1/skills?per_page=500", None).await;
    skills.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (s["uri"].as_str().unwrap().to_string(), s["label_zh"].as_str().map(String::from), s["label_en"].as_str().map(String::from))
        })
        .fold(SkillIndex::new(), |mut index, (uri, zh, en)| {
            index.insert(uri, zh.as_deref(), en.as_deref());
            index
        })
}

#[tokio::test]
async fn the_course_export_parses_back_to_the_same_courses() {
    let (app, _) = TestApp::with_demo();
    let export = app.get("/api/v1/exports/courses.csv", None).await;
    assert_eq!(export.status, 200, "{}", export.text());
    assert!(export.content_type.starts_with("text/csv"), "{}", export.content_type);
    assert!(export.bytes.starts_with("\u{feff}".as_bytes()), "no BOM for Excel");
    let outcome = parse_courses(&export.bytes, &public_skill_index(&app).await).expect("export parses");
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    let exported: Vec<_> = outcome.into_values();
    let codes: Vec<&str> = exported.iter().map(|c| c.code.as_str()).collect();
    let listed = app.get("/api/v1/courses?per_page=500", None).await;
    assert_eq!(codes, item_strings(&listed.json, "code"));
    for (course, view) in exported.iter().zip(listed.json["items"].as_array().unwrap()) {
        assert_eq!(json!(course.hours), view["hours"], "{}", course.code);
        assert_eq!(course.version, view["version"].as_str().unwrap());
        assert_eq!(course.provider, view["provider"].as_str().unwrap());
        assert_eq!(&course.prerequisites, &serde_json::from_value::<Vec<String>>(view["prerequisites"].clone()).unwrap());
        let mut skills: Vec<(String, u64)> = course.skills.iter().map(|s| (s.skill.clone(), u64::from(s.level.number()))).collect();
        skills.sort();
        let mut viewed: Vec<(String, u64)> = view["skills"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["skill"].as_str().unwrap().to_string(), s["level"].as_u64().unwrap()))
            .collect();
        viewed.sort();
        assert_eq!(skills, viewed, "{}", course.code);
    }
    // One provider only.
    let pxou = app.get("/api/v1/exports/courses.csv?provider=pxou", None).await;
    let outcome = parse_courses(&pxou.bytes, &public_skill_index(&app).await).expect("export parses");
    assert_eq!(outcome.rows.len(), 5);
}

#[tokio::test]
async fn the_export_reimports_only_as_a_new_version() {
    let (app, admin) = TestApp::with_demo();
    let export = app.get("/api/v1/exports/courses.csv", None).await.text();
    // Published versions are immutable: the same file again is refused row by row.
    let resp = app.post_bytes(COURSE_IMPORT, Some(&admin), "text/csv", export.clone().into_bytes()).await;
    assert_envelope(&resp, 422, "csv_row");
    assert_eq!(resp.json["errors"].as_array().unwrap().len(), 11, "{}", resp.text());
    assert!(resp.error_fields().iter().all(|f| f == "version"), "{}", resp.text());

    // As version 2027.1 it imports as 11 new drafts.
    let next = export.replace(",2026.1,", ",2027.1,");
    assert_eq!(next.matches(",2027.1,").count(), 11, "every row should carry version 2026.1");
    let before = app.count("courses");
    let resp = app.post_bytes(COURSE_IMPORT, Some(&admin), "text/csv", next.into_bytes()).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!((resp.json["created"].as_u64(), resp.json["encoding"].as_str()), (Some(11), Some("UTF-8 with BOM")));
    assert_eq!(app.count("courses"), before + 11);
    let v2 = app.get("/api/v1/courses/ZNZZ-02@2027.1", Some(&admin)).await;
    assert_eq!((v2.json["status"].as_str(), v2.json["prerequisites"].clone()), (Some("draft"), json!(["ZNZZ-01"])));
}

#[tokio::test]
async fn reimporting_an_identical_draft_file_updates_instead_of_duplicating() {
    let (app, _) = TestApp::with_demo();
    let csv = "\
课程代码,版本,课程名称,提供机构,学时,学分,技能,先修课程,授课方式
RE-01,1,重复导入一,pxou,16,1,铸造工艺@4,,线上
RE-02,1,重复导入二,pxou,24,1.5,铸造工艺@3;遵守作业安全规范@4,RE-01,线下
";
    let first = import_courses(&app, "pxou-admin", "", csv.as_bytes()).await;
    assert_eq!(first.status, 200, "{}", first.text());
    assert_eq!((first.json["created"].as_u64(), first.json["updated"].as_u64()), (Some(2), Some(0)));
    let courses = app.count("courses");
    let links = (app.count("course_skills"), app.count("course_prerequisites"));

    let second = import_courses(&app, "pxou-admin", "", csv.as_bytes()).await;
    assert_eq!(second.status, 200, "{}", second.text());
    assert_eq!((second.json["created"].as_u64(), second.json["updated"].as_u64()), (Some(0), Some(2)));
    assert_eq!(app.count("courses"), courses);
    assert_eq!((app.count("course_skills"), app.count("course_prerequisites")), links);

    // A changed draft row updates the draft in place.
    let changed = csv.replace("重复导入二,pxou,24", "重复导入二（修订）,pxou,30");
    let third = import_courses(&app, "pxou-admin", "", changed.as_bytes()).await;
    assert_eq!(third.json["updated"], 2, "{}", third.text());
    let re2 = app.get("/api/v1/courses/RE-02", Some(&app.token_for("pxou-admin"))).await;
    assert_eq!((re2.json["title_zh"].as_str(), re2.json["hours"].as_f64()), (Some("重复导入二（修订）"), Some(30.0)));
    assert_eq!(re2.json["delivery_mode"], "offline");
    assert_eq!(re2.json["prerequisites"], json!(["RE-01"]));
    assert_eq!(app.count("courses"), courses);
}

#[tokio::test]
async fn a_prerequisite_cycle_inside_a_file_is_a_row_error() {
    let (app, _) = TestApp::with_demo();
    let csv = "code,title_zh,provider,hours,credits,prerequisites\nLOOP-A,甲,pxou,1,1,LOOP-B\nLOOP-B,乙,pxou,1,1,LOOP-A\nLOOP-C,丙,pxou,1,1,ZNZZ-01\n";
    let resp = import_courses(&app, "pxou-admin", "", csv.as_bytes()).await;
    assert_envelope(&resp, 422, "csv_row");
    assert_eq!(row_fields(&resp), [(2, "prerequisites".to_string()), (3, "prerequisites".to_string())]);
}

#[tokio::test]
async fn the_demand_export_of_a_published_list_reimports_to_the_same_positions() {
    let (app, _) = TestApp::with_demo();
    let id = common::demo_list_id(&app, "gzrobot").await;
    let export = app.get(&format!("/api/v1/exports/demand-lists/{id}"), None).await;
    assert_eq!(export.status, 200, "{}", export.text());
    let resp = app
        .post_bytes(
            "/api/v1/imports/demand?enterprise=gzrobot&title=copy",
            Some(&app.token_for("gzrobot-admin")),
            "text/csv",
            export.bytes.clone(),
        )
        .await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    let copy_id = resp.json["demand_list_id"].as_str().unwrap();
    let token = app.token_for("gzrobot-admin");
    let original = app.get(&format!("/api/v1/demand-lists/{id}"), None).await;
    let copy = app.get(&format!("/api/v1/demand-lists/{copy_id}"), Some(&token)).await;
    let strip = |list: &Value| -> Vec<Value> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| json!([i["position"], i["occupation"], i["headcount"], i["region"], i["deadline"], i["skills"]]))
            .collect()
    };
    assert_eq!(strip(&copy.json), strip(&original.json));
    assert_eq!(copy.json["total_headcount"], original.json["total_headcount"]);
}

#[tokio::test]
async fn an_exported_formula_is_text_in_the_spreadsheet_and_imports_back_unchanged() {
    let (app, _) = TestApp::with_demo();
    let px = app.token_for("pxcast-admin");
    let formula = "=HYPERLINK(\"http://evil.example\",\"点此领证\")";
    let mut body = common::demand_list("公式清单", "pxcast", "360300");
    body["items"][0]["position"] = json!(formula);
    let created = app.post("/api/v1/demand-lists", Some(&px), body).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let id = created.json["id"].as_str().expect("id");

    let export = app.get(&format!("/api/v1/exports/demand-lists/{id}"), Some(&px)).await;
    assert_eq!(export.status, 200, "{}", export.text());
    // The position cell starts with an apostrophe inside its quotes: text, not a formula.
    let text = export.text();
    assert!(text.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"点此领证\"\")\","), "{text}");

    // Imported as it came out, the position is the original text again.
    let copy = app.post_bytes("/api/v1/imports/demand?enterprise=pxcast&title=copy", Some(&px), "text/csv", export.bytes.clone()).await;
    assert_eq!(copy.status, 200, "{}", copy.text());
    let copy_id = copy.json["demand_list_id"].as_str().expect("id");
    let list = app.get(&format!("/api/v1/demand-lists/{copy_id}"), Some(&px)).await;
    assert_eq!(list.json["items"][0]["position"], formula, "{}", list.text());
}
