//! The region and platform administrators' pages (issue 11): the review queue of each level,
//! organisations and accounts with invitations, the regional dashboard with its CSV
//! downloads, and the trusted-issuer list — who may open them and what each level sees.
//! Both backends.

#![allow(clippy::unwrap_used)] // a panic in a test is its failure report

use axum::http::StatusCode;
use rongtong_registry::services::demo::DEMO_PASSWORD;
use rongtong_tests::{TestApp, TestResponse};
use serde_json::json;

fn location(resp: &TestResponse) -> String {
    resp.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

/// The `(data-key, data-value…)` rows of the dashboard table `table`.
fn html_rows(html: &str, table: &str) -> Vec<(String, Vec<i64>)> {
    let start = html.find(&format!("data-table=\"{table}\"")).unwrap_or_else(|| panic!("table {table} on the page"));
    let section = &html[start..];
    let section = &section[..section.find("</section>").unwrap()];
    section
        .split("<tr data-key=\"")
        .skip(1)
        .map(|chunk| {
            let key = chunk[..chunk.find('"').unwrap()].to_string();
            let row = &chunk[..chunk.find("</tr>").unwrap()];
            let values = row.split("data-value=\"").skip(1).map(|v| v[..v.find('"').unwrap()].parse().unwrap()).collect();
            (key, values)
        })
        .collect()
}

/// A CSV file's records (RFC 4180 quoting), after its BOM.
fn csv_records(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).expect("a BOM")).unwrap();
    let mut records = Vec::new();
    let (mut record, mut field, mut quoted, mut chars) = (Vec::new(), String::new(), false, text.chars().peekable());
    while let Some(ch) = chars.next() {
        match (ch, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => record.push(std::mem::take(&mut field)),
            ('\n', false) => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            ('\r', false) => {}
            (c, _) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

/// The course's id, by code, as its provider sees it.
async fn course_id(app: &TestApp, token: &str, code: &str) -> String {
    let r = app.get(&format!("/api/v1/courses/{code}"), Some(token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json["id"].as_str().unwrap().to_string()
}

async fn course_status(app: &TestApp, token: &str, code: &str) -> (String, Option<String>) {
    let r = app.get(&format!("/api/v1/courses/{code}"), Some(token)).await;
    (r.json["status"].as_str().unwrap().to_string(), r.json["review_stage"].as_str().map(String::from))
}

#[tokio::test]
async fn only_region_and_platform_admins_open_the_admin_pages() {
    let (app, _) = TestApp::with_demo();
    let pages =
        ["/admin/reviews", "/admin/organizations", "/admin/dashboard", "/admin/dashboard/certificates.csv", "/admin/trusted-issuers"];
    for user in ["learner-wang", "pxcast-admin", "pxou-admin"] {
        let b = app.signed_in(user, DEMO_PASSWORD).await;
        for page in pages {
            let r = b.get(page).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{user} on {page}");
            assert!(r.text().contains("无权访问"), "{user} on {page}: a page saying so");
        }
        let r = b.post_form("/admin/organizations", &[("code", "x1"), ("kind", "college"), ("name_zh", "x"), ("region", "360300")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{user} registers nothing");
    }
    let anonymous = app.browser().get("/admin/dashboard").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&anonymous), "/login?next=%2Fadmin%2Fdashboard");
    for user in ["px-admin", "jx-admin", "admin"] {
        let b = app.signed_in(user, DEMO_PASSWORD).await;
        for page in pages {
            assert_eq!(b.get(page).await.status, StatusCode::OK, "{user} on {page}");
        }
        assert!(b.get("/").await.text().contains("/admin/trusted-issuers"), "{user}'s navigation lists the trusted issuers");
    }
}

#[tokio::test]
async fn a_course_passes_city_province_and_platform_review_on_the_pages() {
    let (app, admin_token) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    // A Ganzhou college submits a course too: Pingxiang's admin never sees it.
    let r = app
        .post(
            "/api/v1/organizations",
            Some(&admin_token),
            json!({"code": "gzvc", "kind": "college", "name_zh": "赣州示范职业学院", "region": "360700"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let gzvc = app.user_with_token("gzvc-admin", rongtong_registry::auth::Role::OrgAdmin, Some("gzvc"), None);
    let r = app
        .post(
            "/api/v1/courses",
            Some(&gzvc),
            json!({"code": "GZVC-01", "title_zh": "赣州草稿课程", "provider": "gzvc", "hours": 8, "credits": 0.5}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let gz_id = r.json["id"].as_str().unwrap().to_string();
    assert_eq!(
        app.post(&format!("/api/v1/courses/{gz_id}/status"), Some(&gzvc), json!({"status": "in_review"})).await.status,
        StatusCode::OK
    );
    let id = course_id(&app, &pxou, "ZNZZ-06").await;
    let r = app.post(&format!("/api/v1/courses/{id}/status"), Some(&pxou), json!({"status": "in_review"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    let px = app.signed_in("px-admin", DEMO_PASSWORD).await;
    let jx = app.signed_in("jx-admin", DEMO_PASSWORD).await;
    let platform = app.signed_in("admin", DEMO_PASSWORD).await;
    let queue = px.get("/admin/reviews").await.text();
    assert!(queue.contains("data-level=\"admin.stage.city\"") && queue.contains("萍乡市"), "px-admin reviews at the city level");
    assert!(queue.contains(&format!("id=\"approve-courses-{id}\"")), "ZNZZ-06 waits for Pingxiang, with an approve button");
    assert!(!queue.contains("GZVC-01") && !queue.contains(&gz_id), "a Ganzhou course is not in Pingxiang's queue");
    let jx_queue = jx.get("/admin/reviews").await.text();
    assert!(jx_queue.contains("data-level=\"admin.stage.province\""));
    assert!(!jx_queue.contains(&format!("approve-courses-{id}")), "the province waits for the city");
    assert!(!jx_queue.contains("GZVC-01"), "nor does Ganzhou's city level let it through yet");

    // Levels are not skipped, and a course outside my region does not exist for me.
    let skip = jx.post_form(&format!("/admin/reviews/courses/{id}"), &[("decision", "approve")]).await;
    assert_eq!(skip.status, StatusCode::FORBIDDEN, "{}", skip.text());
    assert!(skip.text().contains("无权访问") && skip.text().contains("city"), "a page saying which level it awaits");
    let outside = px.post_form(&format!("/admin/reviews/courses/{gz_id}"), &[("decision", "approve")]).await;
    assert_eq!(outside.status, StatusCode::NOT_FOUND);
    assert_eq!(course_status(&app, &gzvc, "GZVC-01").await, ("in_review".into(), Some("city".into())), "untouched");
    let bad = px.post_form(&format!("/admin/reviews/courses/{id}"), &[("decision", "publish_now")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // A too-long reason is shown beside the comment; nothing changes.
    let long = "理".repeat(2001);
    let refused = px.post_form(&format!("/admin/reviews/courses/{id}"), &[("decision", "send_back"), ("comment", &long)]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("class=\"field-error\""), "the error beside the comment");
    assert_eq!(course_status(&app, &pxou, "ZNZZ-06").await, ("in_review".into(), Some("city".into())));

    // The city approves; the province sends it back with a reason.
    let ok = px.post_form(&format!("/admin/reviews/courses/{id}"), &[("decision", "approve")]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    assert_eq!(location(&ok), "/admin/reviews?done=approved");
    let after = px.get("/admin/reviews?done=approved").await.text();
    assert!(after.contains("已通过本级审核") && !after.contains(&format!("approve-courses-{id}")));
    assert_eq!(course_status(&app, &pxou, "ZNZZ-06").await, ("in_review".into(), Some("province".into())));
    let jx_queue = jx.get("/admin/reviews").await.text();
    assert!(jx_queue.contains(&format!("approve-courses-{id}")), "now the province's");
    assert!(jx_queue.contains("px-admin") && jx_queue.contains("市级审核"), "the trail shows the city's approval");
    let back = jx.post_form(&format!("/admin/reviews/courses/{id}"), &[("decision", "send_back"), ("comment", "请补充实操课时说明")]).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&back), "/admin/reviews?done=sent_back");
    assert_eq!(course_status(&app, &pxou, "ZNZZ-06").await, ("draft".into(), None));
    let trail = app.get(&format!("/api/v1/courses/{id}/reviews"), Some(&pxou)).await;
    assert_eq!(trail.json.as_array().unwrap().last().unwrap()["comment"], "请补充实操课时说明");

    // Submitted again, it passes all three levels.
    assert_eq!(app.post(&format!("/api/v1/courses/{id}/status"), Some(&pxou), json!({"status": "in_review"})).await.status, StatusCode::OK);
    for b in [&px, &jx, &platform] {
        let queue = b.get("/admin/reviews").await.text();
        assert!(queue.contains(&format!("approve-courses-{id}")));
        assert_eq!(b.post_form(&format!("/admin/reviews/courses/{id}"), &[("decision", "approve")]).await.status, StatusCode::SEE_OTHER);
    }
    assert_eq!(course_status(&app, &pxou, "ZNZZ-06").await, ("published".into(), None));
    assert!(!platform.get("/admin/reviews").await.text().contains(&format!("approve-courses-{id}")));
}

#[tokio::test]
async fn recognition_rules_wait_in_the_same_queue() {
    let (app, _) = TestApp::with_demo();
    let pxou = app.token_for("pxou-admin");
    let rule = json!({
        "code": "PXOU-R-9", "owner": "pxou", "title": "萍乡测试规则", "target": "course:ZNZZ-01",
        "effect": "exempt_course", "sources": [{"outcome": "standard:6-18-02-01:4"}],
    });
    let r = app.post("/api/v1/recognition-rules", Some(&pxou), rule).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json["id"].as_str().unwrap().to_string();
    assert_eq!(
        app.post(&format!("/api/v1/recognition-rules/{id}/status"), Some(&pxou), json!({"status": "in_review"})).await.status,
        StatusCode::OK
    );
    let px = app.signed_in("px-admin", DEMO_PASSWORD).await;
    let queue = px.get("/admin/reviews").await.text();
    assert!(queue.contains(&format!("id=\"approve-rules-{id}\"")) && queue.contains("PXOU-R-9"));
    let ok = px.post_form(&format!("/admin/reviews/rules/{id}"), &[("decision", "approve")]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    let now = app.get(&format!("/api/v1/recognition-rules/{id}"), Some(&pxou)).await;
    assert_eq!(now.json["review_stage"], "province", "{}", now.text());
    let jx = app.signed_in("jx-admin", DEMO_PASSWORD).await;
    assert!(jx.get("/admin/reviews").await.text().contains(&format!("approve-rules-{id}")));
}

#[tokio::test]
async fn a_city_admin_registers_organisations_and_accounts_in_its_city_and_invites_people() {
    let (app, _) = TestApp::with_demo();
    let px = app.signed_in("px-admin", DEMO_PASSWORD).await;
    let page = px.get("/admin/organizations").await.text();
    assert!(page.contains("data-org=\"pxou\"") && page.contains("data-org=\"pxcast\""));
    assert!(!page.contains("data-org=\"gzrobot\"") && !page.contains("data-org=\"jxou\""), "only Pingxiang's organisations");
    assert!(page.contains("data-user=\"pxou-admin\"") && !page.contains("data-user=\"gzrobot-admin\""));
    assert!(!page.contains("invite-pxou-admin"), "no invitation for an account that has a password");

    let orgs = app.count("organizations");
    let good = [("code", "pxvc"), ("kind", "training_center"), ("name_zh", "萍乡示范职业培训中心"), ("region", "360300")];
    let bad_uscc = px.post_form("/admin/organizations", &[good[0], good[1], good[2], good[3], ("uscc", "12360300RT0000029X")]).await;
    assert_eq!(bad_uscc.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad_uscc.text());
    let html = bad_uscc.text();
    assert!(html.contains("<div class=\"has-error\"><label for=\"org-uscc\">"), "the error beside the USCC field");
    assert!(html.contains("value=\"萍乡示范职业培训中心\""), "what was typed is kept");
    assert_eq!(app.count("organizations"), orgs, "nothing stored");
    let elsewhere = px.post_form("/admin/organizations", &[good[0], good[1], good[2], ("region", "360700")]).await;
    assert_eq!(elsewhere.status, StatusCode::FORBIDDEN, "not in another city");
    assert_eq!(app.count("organizations"), orgs);
    let created = px.post_form("/admin/organizations", &good).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
    assert_eq!(location(&created), "/admin/organizations?done=org");
    assert!(px.get("/admin/organizations?done=org").await.text().contains("data-org=\"pxvc\""));
    let again = px.post_form("/admin/organizations", &good).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "the API's 409 for a taken code");
    assert!(again.text().contains("already exists"));

    let users = app.count("users");
    let bad = px
        .post_form(
            "/admin/organizations/users",
            &[("username", "x"), ("display_name", "新学员"), ("role", "learner"), ("region", "360300")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("<div class=\"has-error\"><label for=\"user-username\">"), "{}", bad.text());
    assert_eq!(app.count("users"), users, "nothing stored");
    let ok = px
        .post_form(
            "/admin/organizations/users",
            &[("username", "learner-new"), ("display_name", "新学员"), ("role", "learner"), ("region", "360300")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    let page = px.get("/admin/organizations").await.text();
    assert!(page.contains("data-user=\"learner-new\"") && page.contains("id=\"invite-learner-new\""));

    // The invitation: shown once; the person chooses a password and is signed in.
    let new_id = {
        let r = app.get("/api/v1/users/learner-new", Some(&app.token_for("admin"))).await;
        r.json["id"].as_str().unwrap().to_string()
    };
    let invited = px.post_form(&format!("/admin/organizations/users/{new_id}/invitation"), &[]).await;
    assert_eq!(invited.status, StatusCode::OK, "{}", invited.text());
    let html = invited.text();
    let marker = "id=\"invitation-url\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    let url = &html[start..start + html[start..].find('"').unwrap()];
    assert!(url.starts_with("https://rongtong.test/invite/"), "{url}");
    assert_eq!(invited.headers.get("cache-control").unwrap(), "private, no-store");
    let person = app.browser();
    let path = url.trim_start_matches("https://rongtong.test");
    assert_eq!(person.get(path).await.status, StatusCode::OK);
    let set = person.post_form(path, &[("new_password", "a-long-secret"), ("confirm_password", "a-long-secret")]).await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.text());
    assert!(person.get("/").await.text().contains("learner-new"), "signed in with the chosen password");
    assert!(!px.get("/admin/organizations").await.text().contains("id=\"invite-learner-new\""));
    let twice = px.post_form(&format!("/admin/organizations/users/{new_id}/invitation"), &[]).await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "an account in use is not taken over by a link");
    let gz_id = app.get("/api/v1/users/gzrobot-admin", Some(&app.token_for("admin"))).await.json["id"].as_str().unwrap().to_string();
    assert_eq!(px.post_form(&format!("/admin/organizations/users/{gz_id}/invitation"), &[]).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_dashboard_rolls_cities_up_into_the_province_and_each_csv_matches_its_table() {
    let (app, _) = TestApp::with_demo_credentials();
    let jx = app.signed_in("jx-admin", DEMO_PASSWORD).await;
    let px = app.signed_in("px-admin", DEMO_PASSWORD).await;
    let province = jx.get("/admin/dashboard").await;
    assert_eq!(province.status, StatusCode::OK);
    let html = province.text();
    assert!(html.len() < 300_000, "page weight {}", html.len());
    assert!(!html.contains("style="), "no inline styles (CSP)");
    assert!(html.contains("<svg") && html.contains("role=\"img\"") && html.contains("id=\"chart-certificates-title\""), "charts");

    // Cities side by side: Pingxiang, Ganzhou and the province-level bodies, then the total.
    let certs = html_rows(&html, "certificates");
    let keys: Vec<&str> = certs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["360000", "360300", "360700", "total"], "{certs:?}");
    let issued: i64 = certs[..3].iter().map(|(_, v)| v[0] + v[2]).sum();
    assert_eq!(issued, app.count("credentials"), "every certificate counted once");
    assert_eq!(certs[3].1, (0..3).map(|i| certs[..3].iter().map(|(_, v)| v[i]).sum()).collect::<Vec<i64>>(), "the total adds up");
    assert!(certs[1].1[0] > 0 && certs[1].1[1] == 0, "pxou issued certificates, none revoked: {certs:?}");
    assert!(certs[0].1[1] == 1 && certs[0].1[2] >= 1, "jxou's revoked one, the recognitions: {certs:?}");
    let demand = html_rows(&html, "demand");
    assert!(!demand.is_empty());
    assert!(demand.iter().all(|(_, v)| v.len() == 4 && v[3] == v[0] + v[1] + v[2]), "three areas and the total: {demand:?}");
    assert!(html.contains("萍乡市") && html.contains("赣州市") && html.contains("江西省（省直）"));

    // Pingxiang's admin sees Pingxiang only, with the same numbers.
    let city = px.get("/admin/dashboard").await.text();
    assert!(!city.contains("赣州") && !city.contains("（省直）"), "no other city");
    let px_certs = html_rows(&city, "certificates");
    assert_eq!(px_certs[0], certs[1], "the same Pingxiang row");
    assert_eq!(px_certs.len(), 2);
    let px_demand = html_rows(&city, "demand");
    let mut shared = 0;
    for (skill, v) in &px_demand {
        assert_eq!(v.len(), 1, "one area: the total");
        if let Some((_, jv)) = demand.iter().find(|(k, _)| k == skill) {
            assert_eq!(v[0], jv[1], "{skill}: Pingxiang's headcount only, as in the province's Pingxiang column");
            shared += 1;
        }
    }
    assert!(shared > 0, "the two top lists share skills");
    let inst: Vec<String> = html_rows(&city, "institutions").into_iter().map(|(k, _)| k).collect();
    assert_eq!(inst, ["pxou"], "the city's institutions");

    // The platform sees provinces.
    let all = app.signed_in("admin", DEMO_PASSWORD).await.get("/admin/dashboard").await.text();
    assert_eq!(html_rows(&all, "certificates").iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["360000", "total"]);

    // Every CSV download has the table's rows, in order.
    for (b, page) in [(&jx, &html), (&px, &city)] {
        for table in ["demand", "courses", "learners", "certificates", "reviews", "institutions"] {
            let r = b.get(&format!("/admin/dashboard/{table}.csv")).await;
            assert_eq!(r.status, StatusCode::OK, "{table}");
            assert_eq!(r.content_type, "text/csv; charset=utf-8");
            assert!(r.headers.get("content-disposition").unwrap().to_str().unwrap().contains(&format!("dashboard-{table}-")));
            let records = csv_records(&r.bytes);
            assert_eq!(records[0][0], "代码", "a Chinese heading row");
            let rows = html_rows(page, table);
            let from_csv: Vec<(String, Vec<i64>)> = records[1..]
                .iter()
                .map(|rec| {
                    let n = rows.first().map_or(0, |r| r.1.len());
                    (rec[0].clone(), rec[rec.len() - n..].iter().map(|v| v.parse().unwrap()).collect())
                })
                .collect();
            assert_eq!(from_csv, rows, "{table}: the CSV has the page's rows");
        }
    }
    assert_eq!(jx.get("/admin/dashboard/secrets.csv").await.status, StatusCode::NOT_FOUND);
    jx.get("/lang/en?next=/").await;
    let en = jx.get("/admin/dashboard/certificates.csv").await;
    assert_eq!(csv_records(&en.bytes)[0], ["Code", "Area", "Issued", "Revoked", "Recognised"]);
}

#[tokio::test]
async fn province_admins_keep_the_trusted_issuer_list_and_city_admins_read_it() {
    let (app, _) = TestApp::with_demo();
    let jx = app.signed_in("jx-admin", DEMO_PASSWORD).await;
    let list = jx.get("/admin/trusted-issuers").await.text();
    assert!(list.contains("id=\"trusted-form\"") && list.contains("id=\"recheck\""));
    let bad = jx.post_form("/admin/trusted-issuers", &[("did", "not-a-did"), ("name", "广东鉴定中心"), ("valid_from", "2024-01-01")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("did:web or did:key"), "the API's words beside the DID field");
    assert_eq!(app.count("trusted_issuers"), 0, "nothing stored");
    let fields = [
        ("did", "did:web:gd-skills.example.org"),
        ("name", "广东鉴定中心"),
        ("achievement_types", "Certificate, Certification"),
        ("valid_from", "2024-01-01"),
    ];
    let ok = jx.post_form("/admin/trusted-issuers", &fields).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    let list = jx.get("/admin/trusted-issuers?done=created").await.text();
    assert!(list.contains("data-did=\"did:web:gd-skills.example.org\"") && list.contains("Certificate, Certification"));
    let id = app.get("/api/v1/trusted-issuers", None).await.json[0]["id"].as_str().unwrap().to_string();
    assert!(jx.get(&format!("/admin/trusted-issuers/{id}")).await.text().contains("value=\"广东鉴定中心\""));
    let upd = jx
        .post_form(
            &format!("/admin/trusted-issuers/{id}"),
            &[fields[0], ("name", "广东省鉴定中心"), ("valid_from", "2024-01-01"), ("valid_until", "2023-01-01")],
        )
        .await;
    assert_eq!(upd.status, StatusCode::UNPROCESSABLE_ENTITY, "until before from");
    let upd =
        jx.post_form(&format!("/admin/trusted-issuers/{id}"), &[fields[0], ("name", "广东省鉴定中心"), ("valid_from", "2024-01-01")]).await;
    assert_eq!(upd.status, StatusCode::SEE_OTHER, "{}", upd.text());
    assert_eq!(app.get(&format!("/api/v1/trusted-issuers/{id}"), None).await.json["name"], "广东省鉴定中心");
    let report = jx.post_form("/admin/trusted-issuers/recheck", &[]).await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(report.text().contains("id=\"recheck-report\"") && report.text().contains("id=\"recheck-checked\">0<"));

    let px = app.signed_in("px-admin", DEMO_PASSWORD).await;
    let read = px.get("/admin/trusted-issuers").await.text();
    assert!(read.contains("广东省鉴定中心") && read.contains("id=\"trusted-read-only\"") && !read.contains("id=\"trusted-form\""));
    assert_eq!(px.post_form(&format!("/admin/trusted-issuers/{id}/delete"), &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(px.post_form("/admin/trusted-issuers", &fields).await.status, StatusCode::FORBIDDEN);
    assert_eq!(px.post_form("/admin/trusted-issuers/recheck", &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("trusted_issuers"), 1);

    let gone = jx.post_form(&format!("/admin/trusted-issuers/{id}/delete"), &[]).await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("trusted_issuers"), 0);
}

#[tokio::test]
async fn the_dashboard_sends_the_same_queries_however_many_cities_it_shows() {
    let (app, admin) = TestApp::with_demo_credentials();
    let jx = app.signed_in("jx-admin", DEMO_PASSWORD).await;
    jx.get("/admin/dashboard").await;
    let measure = || async {
        let before = app.db.queries_run();
        let started = std::time::Instant::now();
        let html = jx.get("/admin/dashboard").await.text();
        let took = started.elapsed();
        (app.db.queries_run() - before, html_rows(&html, "certificates").len(), took)
    };
    let (few_queries, few_areas, took) = measure().await;
    eprintln!("dashboard of {} areas: {few_queries} queries, {took:?}", few_areas - 1);
    for (i, city) in ["360100", "360400", "360500", "360600", "360800", "360900"].iter().enumerate() {
        let code = format!("ent{i}");
        let r = app
            .post(
                "/api/v1/organizations",
                Some(&admin),
                json!({"code": code, "kind": "enterprise", "name_zh": format!("企业{i}"), "region": city}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let list = json!({"title": "需求", "enterprise": code, "region": city, "items": [{"position": "铸造工", "headcount": 3, "skills": [{"skill": "http://data.europa.eu/esco/skill/e17d2415-e79f-4907-908e-5511b515fa3c", "kind": "essential", "min_level": 4}]}]});
        let r = app.post("/api/v1/demand-lists", Some(&admin), list).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let id = r.json["id"].as_str().unwrap();
        let r = app.post(&format!("/api/v1/demand-lists/{id}/status"), Some(&admin), json!({"status": "published"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    let (many_queries, many_areas, took) = measure().await;
    eprintln!("dashboard of {} areas: {many_queries} queries, {took:?}", many_areas - 1);
    assert_eq!(many_areas, few_areas + 6, "six more cities side by side");
    assert_eq!(few_queries, many_queries, "no query per city");
}
