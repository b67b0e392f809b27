//! The pages for anyone (issue 11, docs/WEB.md "Pages for anyone"): the micro-course,
//! skill and occupation catalogue, published demand, and the verifier — what each shows,
//! that drafts stay hidden exactly as through the API, that filters and forms refuse bad
//! input beside the field (never a 500), and that the verifier gives the API's verdicts.
//! Both backends.

use axum::http::StatusCode;
use rongtong_registry::services::demo::{DEMO_PASSWORD, REVOKED_COURSE, REVOKED_LEARNER};
use rongtong_tests::{BASE_URL, Browser, TestApp, TestResponse, enc};
use serde_json::{Value, json};

/// The `<li>` of a named check on a verify page, e.g. `<li class="pass" data-check="proof">`.
fn check_class(html: &str, name: &str) -> Option<String> {
    let marker = format!("\" data-check=\"{name}\"");
    let at = html.find(&marker)?;
    let start = html[..at].rfind("class=\"")? + 7;
    Some(html[start..at].to_string())
}

fn verdict(html: &str) -> Option<bool> {
    let at = html.find("id=\"verdict\"")?;
    let rest = &html[at..];
    let v = rest.find("data-verified=\"")? + 15;
    Some(rest[v..].starts_with("true"))
}

/// A learner's credentials, through the API with their own token.
async fn credentials_of(app: &TestApp, learner: &str) -> Vec<Value> {
    let r = app.get("/api/v1/credentials", Some(&app.token_for(learner))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json["items"].as_array().cloned().unwrap_or_default()
}

/// The signed JSON of a credential, from its public page.
async fn document(app: &TestApp, id: &str) -> Value {
    let bare = id.trim_start_matches("urn:uuid:");
    let r = app.get(&format!("/credentials/{bare}?format=json"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json
}

async fn paste(b: &Browser<'_>, doc: &str, extra: &[(&str, &str)]) -> TestResponse {
    b.get("/verify").await;
    let mut fields = vec![("document", doc)];
    fields.extend_from_slice(extra);
    b.post_multipart("/verify", &fields, &[]).await
}

// ---------------------------------------------------------------- courses

#[tokio::test]
async fn the_catalogue_lists_published_courses_searches_filters_and_pages() {
    let (app, _) = TestApp::with_demo();
    let b = app.browser();
    let all = b.get("/catalog/courses").await;
    assert_eq!(all.status, StatusCode::OK);
    let html = all.text();
    assert!(html.contains("data-course=\"ZNZZ-01\"") && html.contains("铸造工艺基础"), "a published course is listed");
    assert!(html.contains("data-course=\"GYJQR-01\""), "both providers' courses");
    assert!(!html.contains("ZNZZ-06"), "the draft is not listed");
    assert!(html.contains("五级/初级工"), "skills with their levels");
    assert!(html.contains("data-suggest=\"/catalog/skills/suggest\""), "the skill filter is the picker");

    let found = b.get(&format!("/catalog/courses?q={}", enc("熔炼"))).await.text();
    assert!(found.contains("data-course=\"ZNZZ-03\"") && !found.contains("data-course=\"ZNZZ-01\""), "search by title");
    let pxou = b.get("/catalog/courses?provider=pxou").await.text();
    assert!(pxou.contains("data-course=\"ZNZZ-01\"") && !pxou.contains("data-course=\"GYJQR-01\""), "filter by provider");
    let pingxiang = b.get("/catalog/courses?region=360300").await.text();
    assert!(pingxiang.contains("data-course=\"ZNZZ-01\"") && !pingxiang.contains("data-course=\"GYJQR-01\""), "a city: its providers");
    let jiangxi = b.get("/catalog/courses?region=360000").await.text();
    assert!(jiangxi.contains("data-course=\"ZNZZ-01\"") && jiangxi.contains("data-course=\"GYJQR-01\""), "a province: its cities too");
    let skill = "http://data.europa.eu/esco/skill/e17d2415-e79f-4907-908e-5511b515fa3c";
    let teaching = b.get(&format!("/catalog/courses?skill={}", enc(skill))).await.text();
    assert!(teaching.contains("data-course=\"ZNZZ-01\"") && !teaching.contains("data-course=\"ZNZZ-03\""), "filter by skill URI");
    assert!(teaching.contains("id=\"skill-filter\"") && teaching.contains("铸造工艺"), "the skill filtered on is named");

    for (query, field, status) in [
        ("provider=nobody", "provider", StatusCode::BAD_REQUEST),
        ("region=12", "region", StatusCode::BAD_REQUEST),
        ("skill=no-such-skill", "skill", StatusCode::BAD_REQUEST),
        ("page=x", "page", StatusCode::BAD_REQUEST),
        ("page=0", "page", StatusCode::BAD_REQUEST),
    ] {
        let r = b.get(&format!("/catalog/courses?{query}")).await;
        assert_eq!(r.status, status, "{query}");
        let html = r.text();
        assert!(html.contains(&format!("data-field=\"{field}\"")), "{query}: the error names {field}");
        assert!(html.contains("id=\"course-filter\""), "{query}: the filter form is shown again");
    }

    b.set_cookie("rt_lang", Some("en"));
    let en = b.get("/catalog/courses").await.text();
    assert!(en.contains("Fundamentals of Casting Processes") && en.contains("Level 5 (junior worker)"), "English titles and levels");
}

#[tokio::test]
async fn a_course_page_shows_provider_hours_credits_skills_at_levels_and_prerequisites() {
    let (app, _) = TestApp::with_demo();
    let b = app.browser();
    let r = b.get("/catalog/courses/ZNZZ-04").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains("铸件质量检测与缺陷修复"), "title");
    assert!(html.contains("萍乡示范开放大学"), "provider");
    assert!(html.contains("<td id=\"course-hours\">40</td>") && html.contains("<td id=\"course-credits\">2.5</td>"), "hours and credits");
    assert!(html.contains("四级/中级工") && html.contains("三级/高级工"), "skills at their levels");
    assert!(html.contains("href=\"/catalog/courses/ZNZZ-02\"") && html.contains("href=\"/catalog/courses/ZNZZ-03\""), "prerequisites link");
    let skill_link = html.split("href=\"/catalog/skills/").nth(1).and_then(|s| s.split('"').next()).expect("a skill link");
    let skill = b.get(&format!("/catalog/skills/{skill_link}")).await;
    assert_eq!(skill.status, StatusCode::OK, "the skill links resolve");
    assert!(skill.text().contains("data-course=\"ZNZZ-04\""), "the skill page lists the course teaching it");
    // A prerequisite by bare code: the latest published version.
    assert_eq!(b.get("/catalog/courses/ZNZZ-01").await.status, StatusCode::OK);
    assert_eq!(b.get("/catalog/courses/NO-SUCH").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_draft_course_is_not_found_for_visitors_but_its_provider_sees_it() {
    let (app, _) = TestApp::with_demo();
    assert_eq!(app.browser().get("/catalog/courses/ZNZZ-06").await.status, StatusCode::NOT_FOUND, "anonymous");
    for outsider in ["learner-wang", "jxou-admin", "gzrobot-admin"] {
        let b = app.signed_in(outsider, DEMO_PASSWORD).await;
        assert_eq!(b.get("/catalog/courses/ZNZZ-06").await.status, StatusCode::NOT_FOUND, "{outsider}");
    }
    for insider in ["pxou-admin", "px-admin"] {
        let b = app.signed_in(insider, DEMO_PASSWORD).await;
        let r = b.get("/catalog/courses/ZNZZ-06").await;
        assert_eq!(r.status, StatusCode::OK, "{insider}");
        assert!(r.text().contains("id=\"course-status\""), "{insider}: marked as a draft");
        assert!(!b.get("/catalog/courses").await.text().contains("ZNZZ-06"), "{insider}: the catalogue lists published courses only");
    }
    // The same rule as the API's.
    assert_eq!(app.get("/api/v1/courses/ZNZZ-06", None).await.status, StatusCode::NOT_FOUND);
}

// ---------------------------------------------------------------- skills and occupations

#[tokio::test]
async fn skills_are_found_by_chinese_or_english_label_and_suggested_as_json() {
    let (app, _) = TestApp::with_demo();
    let b = app.browser();
    let home = b.get("/").await.text();
    assert!(home.contains("action=\"/catalog/skills\"") && home.contains("name=\"q\""), "the home page searches skills");
    let zh = b.get(&format!("/catalog/skills?q={}", enc("铸造工艺"))).await;
    assert_eq!(zh.status, StatusCode::OK);
    let zh = zh.text();
    assert!(zh.contains("铸造工艺") && zh.contains("casting processes"), "found by its Chinese label, both labels shown");
    let en = b.get("/catalog/skills?q=casting+processes").await.text();
    assert!(en.contains("铸造工艺"), "found by its English label");
    assert!(b.get("/catalog/skills?q=zzzz-nothing").await.text().contains("id=\"none\""), "nothing found, said so");
    assert_eq!(b.get("/catalog/skills?page=-1").await.status, StatusCode::BAD_REQUEST);

    let s = b.get(&format!("/catalog/skills/suggest?q={}", enc("铸造"))).await;
    assert_eq!(s.status, StatusCode::OK);
    assert!(s.content_type.starts_with("application/json"), "{}", s.content_type);
    let items = s.json.as_array().expect("an array");
    assert!(!items.is_empty() && items.len() <= 20);
    let casting = items.iter().find(|i| i["label"] == "铸造工艺 / casting processes").expect("中文 / English label");
    let id = casting["value"].as_str().expect("the skill id");
    let many = b.get("/catalog/skills/suggest?q=e").await.json;
    assert_eq!(many.as_array().map(Vec::len), Some(20), "at most 20");
    assert_eq!(b.get("/catalog/skills/suggest?q=").await.json, json!([]), "nothing asked, nothing suggested");
    assert_eq!(b.get("/catalog/skills/suggest").await.json, json!([]));

    // The suggested id opens the skill's page: courses that teach it, occupations needing it.
    let page = b.get(&format!("/catalog/skills/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("data-course=\"ZNZZ-01\""), "a course teaching it");
    assert!(html.contains("6-18-02-01") && html.contains("铸造工"), "an occupation needing it");
    assert!(html.contains(&format!("href=\"/skills/{id}\"")), "links the skill's URI page");
    assert!(html.contains("id=\"skill-demand\""), "published demand asks for it");
    assert_eq!(b.get("/catalog/skills/no-such-skill").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn occupations_are_searched_and_show_their_skills_essential_and_optional_with_levels() {
    let (app, _) = TestApp::with_demo();
    let b = app.browser();
    let list = b.get(&format!("/catalog/occupations?q={}", enc("铸造"))).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text().contains("6-18-02-01"), "found by label");
    assert!(b.get("/catalog/occupations?q=6-18-02").await.text().contains("铸造工"), "found by code");
    let r = b.get("/catalog/occupations/6-18-02-01").await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    let essential = html.split("id=\"essential-skills\"").nth(1).and_then(|s| s.split("</section>").next()).unwrap_or("");
    assert!(essential.contains("/catalog/skills/") && essential.contains("级/"), "essential skills at their levels: {essential}");
    assert!(html.contains("id=\"optional-skills\""));
    assert!(html.contains("/catalog/courses?skill="), "each skill links the courses teaching it");
    assert_eq!(b.get("/catalog/occupations/0-00-00-00").await.status, StatusCode::NOT_FOUND);
}

// ---------------------------------------------------------------- demand

#[tokio::test]
async fn published_demand_is_listed_with_positions_and_a_draft_stays_hidden() {
    let (app, _) = TestApp::with_demo();
    let b = app.browser();
    let list = b.get("/demand").await;
    assert_eq!(list.status, StatusCode::OK);
    let html = list.text();
    assert!(html.contains("2027年智能铸造技能人才需求清单") && html.contains("2027年工业机器人运维人才需求清单"));
    assert!(html.contains("萍乡示范精密铸造有限公司") && html.contains("C3391 黑色金属铸造") && html.contains("2027年4月30日"));
    let pingxiang = b.get("/demand?region=360300").await.text();
    assert!(pingxiang.contains("智能铸造") && !pingxiang.contains("工业机器人运维"), "filter by region");
    assert_eq!(b.get("/demand?region=x").await.status, StatusCode::BAD_REQUEST);

    let lists = app.get("/api/v1/demand-lists", None).await.json;
    let foundry =
        lists["items"].as_array().unwrap().iter().find(|l| l["enterprise"] == "pxcast").unwrap()["id"].as_str().unwrap().to_string();
    let r = b.get(&format!("/demand/{foundry}")).await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(html.contains("铸造工") && html.contains("需求人数 8"), "positions with headcount");
    assert!(
        html.contains("必备技能") && html.contains("可选技能") && html.contains("四级/中级工"),
        "skills at levels, essential and optional"
    );

    // A draft of the foundry: not listed, not found — except for those who cover the enterprise.
    let token = app.token_for("pxcast-admin");
    let draft =
        app.post("/api/v1/demand-lists", Some(&token), json!({"title": "草稿清单", "enterprise": "pxcast", "region": "360300"})).await;
    assert_eq!(draft.status, StatusCode::CREATED, "{}", draft.text());
    let id = draft.json["id"].as_str().unwrap();
    assert!(!b.get("/demand").await.text().contains("草稿清单"), "a draft is not listed");
    assert_eq!(b.get(&format!("/demand/{id}")).await.status, StatusCode::NOT_FOUND, "anonymous");
    let rival = app.signed_in("gzrobot-admin", DEMO_PASSWORD).await;
    assert_eq!(rival.get(&format!("/demand/{id}")).await.status, StatusCode::NOT_FOUND, "another enterprise");
    let owner = app.signed_in("pxcast-admin", DEMO_PASSWORD).await;
    let mine = owner.get(&format!("/demand/{id}")).await;
    assert_eq!(mine.status, StatusCode::OK, "its own enterprise");
    assert!(mine.text().contains("id=\"demand-status\""), "marked as a draft");
    assert!(!owner.get("/demand").await.text().contains("草稿清单"), "the public list stays published-only");
}

// ---------------------------------------------------------------- the verifier

#[tokio::test]
async fn a_demo_certificate_verifies_green_by_its_number_and_by_its_qr_link() {
    let (app, _) = TestApp::with_demo_credentials();
    let creds = credentials_of(&app, "learner-wang").await;
    let cred = creds.iter().find(|c| c["status"] == "active").expect("an active certificate");
    let number = cred["certificate_number"].as_str().expect("a number");
    let uuid = cred["id"].as_str().unwrap().trim_start_matches("urn:uuid:");
    let b = app.browser();
    for reference in [number.to_string(), format!("{BASE_URL}/credentials/{uuid}"), cred["id"].as_str().unwrap().to_string()] {
        let r = b.get(&format!("/verify?credential={}", enc(&reference))).await;
        assert_eq!(r.status, StatusCode::OK, "{reference}");
        let html = r.text();
        assert_eq!(verdict(&html), Some(true), "{reference}: green");
        for check in ["proof", "issuer_key", "dates", "status", "issuer_trust"] {
            assert_eq!(check_class(&html, check).as_deref(), Some("pass"), "{reference}: {check}");
        }
        assert!(html.contains("有效：全部检查通过"), "in plain words");
        assert!(html.contains(&format!("href=\"/credentials/{uuid}\"")), "links the printable certificate");
    }
    // Pasted, it verifies the same, and the API agrees.
    let doc = document(&app, cred["id"].as_str().unwrap()).await;
    let pasted = paste(&b, &doc.to_string(), &[]).await;
    assert_eq!(pasted.status, StatusCode::OK, "{}", pasted.text());
    assert_eq!(verdict(&pasted.text()), Some(true));
    assert_eq!(app.post("/api/v1/verify", None, doc).await.json["verified"], true);
    // In English too.
    b.set_cookie("rt_lang", Some("en"));
    assert!(b.get(&format!("/verify?credential={}", enc(number))).await.text().contains("Valid: every check passed."));
}

#[tokio::test]
async fn the_revoked_demo_certificate_reads_red_revoked_with_its_reason() {
    let (app, _) = TestApp::with_demo_credentials();
    let creds = credentials_of(&app, REVOKED_LEARNER).await;
    let revoked = creds.iter().find(|c| c["status"] == "revoked").expect("the demo revokes one certificate");
    assert!(revoked["name"].as_str().is_some_and(|n| !n.is_empty()), "{REVOKED_COURSE}");
    let reason = revoked["status_reason"].as_str().expect("with a reason").to_string();
    let b = app.browser();
    let r = b.get(&format!("/verify?credential={}", enc(revoked["certificate_number"].as_str().unwrap()))).await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert_eq!(verdict(&html), Some(false), "red");
    assert_eq!(check_class(&html, "status").as_deref(), Some("fail"));
    assert_eq!(check_class(&html, "proof").as_deref(), Some("pass"), "authentic, but revoked");
    assert!(html.contains("证书已被签发机构吊销") && html.contains("已被签发机构吊销。"), "revoked, in plain words");
    assert!(html.contains(&reason), "with the issuer's reason");
    // Pasted, the reason still comes from the store.
    let doc = document(&app, revoked["id"].as_str().unwrap()).await;
    let pasted = paste(&b, &doc.to_string(), &[]).await.text();
    assert_eq!(verdict(&pasted), Some(false));
    assert!(pasted.contains(&reason));
}

#[tokio::test]
async fn a_tampered_certificate_fails_the_proof_check_pasted_or_uploaded() {
    let (app, _) = TestApp::with_demo_credentials();
    let creds = credentials_of(&app, "learner-wang").await;
    let mut doc = document(&app, creds[0]["id"].as_str().unwrap()).await;
    doc["credentialSubject"]["achievement"]["name"] = json!("伪造的课程 (forged)");
    let text = doc.to_string();
    let b = app.browser();
    for r in [paste(&b, &text, &[]).await, {
        b.get("/verify").await;
        b.post_multipart("/verify", &[], &[("file", "forged.json", text.as_bytes())]).await
    }] {
        assert_eq!(r.status, StatusCode::OK);
        let html = r.text();
        assert_eq!(verdict(&html), Some(false));
        assert_eq!(check_class(&html, "proof").as_deref(), Some("fail"), "the signature no longer matches");
        assert!(html.contains("签名无效"), "in plain words");
    }
    assert_eq!(app.post("/api/v1/verify", None, doc).await.json["verified"], false, "the API agrees");
}

#[tokio::test]
async fn a_presentation_and_a_clr_transcript_verify_with_each_credential_inside() {
    let (app, _) = TestApp::with_demo_credentials();
    let token = app.token_for("learner-wang");
    let creds = credentials_of(&app, "learner-wang").await;
    let ids: Vec<&str> = creds.iter().filter_map(|c| c["id"].as_str()).collect();
    let vp =
        app.post("/api/v1/presentations", Some(&token), json!({"credentials": ids, "challenge": "c-42", "domain": "hr.example"})).await;
    assert_eq!(vp.status, StatusCode::CREATED, "{}", vp.text());
    let b = app.browser();
    let r = paste(&b, &vp.json.to_string(), &[("challenge", "c-42"), ("domain", "hr.example")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert_eq!(verdict(&html), Some(true), "the presentation verifies");
    assert!(html.contains("已验证出示件"));
    assert_eq!(check_class(&html, "holder_key").as_deref(), Some("pass"));
    for n in 1..=ids.len() {
        assert!(html.contains(&format!("data-credential=\"{n}\" data-verified=\"true\"")), "credential {n} inside is reported");
    }
    // Bound to its challenge: another one fails.
    assert_eq!(verdict(&paste(&b, &vp.json.to_string(), &[("challenge", "other")]).await.text()), Some(false));

    let clr = app.get("/api/v1/learners/learner-wang/transcript", Some(&token)).await;
    assert_eq!(clr.status, StatusCode::OK, "{}", clr.text());
    b.get("/verify").await;
    let r = b.post_multipart("/verify", &[], &[("file", "transcript.json", clr.bytes.as_slice())]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert_eq!(verdict(&html), Some(true), "the transcript verifies");
    assert!(html.contains("已验证学习成绩单"));
    assert_eq!(check_class(&html, "clr").as_deref(), Some("pass"));
    assert!(html.contains("data-credential=\"1\" data-verified=\"true\""), "its credentials are reported");
    assert_eq!(app.post("/api/v1/verify", None, clr.json).await.json["verified"], true, "the API agrees");
}

#[tokio::test]
async fn bad_input_is_shown_beside_the_field_never_a_500() {
    let (app, _) = TestApp::with_demo_credentials();
    let b = app.browser();
    let form = b.get("/verify").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text().contains("enctype=\"multipart/form-data\""), "paste or upload");

    let empty = b.post_multipart("/verify", &[("document", "  ")], &[]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.text().contains("id=\"document-error\""), "beside the text box");

    let not_json = paste(&b, "this is not JSON", &[]).await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
    let html = not_json.text();
    assert!(html.contains("id=\"document-error\"") && html.contains("不是有效的 JSON"));
    assert!(html.contains("this is not JSON"), "the text is kept in the form");

    // A lone credential over the anonymous quarter-limit (256 KiB), uploaded: 413 beside the file.
    let big = json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"], "x": "a".repeat(300 * 1024)});
    b.get("/verify").await;
    let r = b.post_multipart("/verify", &[], &[("file", "big.json", big.to_string().as_bytes())]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.text().contains("id=\"file-error\"") && r.text().contains("256 / 1024 KiB"), "the limits are named: {}", r.text());
    assert_eq!(app.post("/api/v1/verify", None, big).await.status, StatusCode::PAYLOAD_TOO_LARGE, "the API's limit too");

    let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
    let r = paste(&b, &deep, &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("id=\"document-error\""));

    let unknown = b.get("/verify?credential=JX-NOPE-2026-999999").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.text().contains("id=\"credential-error\"") && unknown.text().contains("JX-NOPE-2026-999999"), "kept and named");

    let long = b.get(&format!("/verify?credential={}", "x".repeat(600))).await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);

    // With a token that is not this browser's: refused before anything is read.
    let anon = app.browser();
    anon.get("/verify").await;
    anon.set_cookie("rt_csrf", None);
    assert_eq!(anon.post_multipart("/verify", &[("document", "{}")], &[]).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn every_public_page_stays_light_on_the_demo_data() {
    let (app, _) = TestApp::with_demo_credentials();
    let b = app.browser();
    let lists = app.get("/api/v1/demand-lists", None).await.json;
    let demand = format!("/demand/{}", lists["items"][0]["id"].as_str().unwrap());
    let number = credentials_of(&app, "learner-zhang").await[0]["certificate_number"].as_str().unwrap().to_string();
    let verify = format!("/verify?credential={number}");
    for path in [
        "/catalog/courses",
        "/catalog/courses/ZNZZ-04",
        "/catalog/skills",
        "/catalog/skills?q=e&page=2",
        "/catalog/occupations",
        "/catalog/occupations/6-18-02-01",
        "/demand",
        demand.as_str(),
        verify.as_str(),
    ] {
        let started = std::time::Instant::now();
        let r = b.get(path).await;
        let took = started.elapsed();
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.bytes.len() < 300 * 1024, "{path}: {} bytes", r.bytes.len());
        eprintln!("{path}: {} bytes in {took:?}", r.bytes.len());
    }
}
