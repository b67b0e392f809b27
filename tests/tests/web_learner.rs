//! The learner's pages (issue 11): the wallet, one credential with its download, share links
//! (live, withdrawn, expired) and presentations, the gap and course path, recognition
//! applications and the credit account with its CLR transcript — each checked against the
//! JSON API it shares a service with, and who may see what. Both backends.

use axum::http::StatusCode;
use diesel::RunQueryDsl;
use rongtong_registry::services::demo::DEMO_PASSWORD;
use rongtong_tests::{TestApp, TestResponse};
use serde_json::json;

fn location(resp: &TestResponse) -> String {
    resp.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

fn header(resp: &TestResponse, name: &str) -> String {
    resp.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

/// The value of `attr` in the first tag at or after `marker`.
fn attr_after(html: &str, marker: &str, attr: &str) -> Option<String> {
    let at = html.find(marker)?;
    let tag_start = html[..at].rfind('<')?;
    let tag = &html[tag_start..tag_start + html[tag_start..].find('>')?];
    let key = format!("{attr}=\"");
    let v = &tag[tag.find(&key)? + key.len()..];
    Some(v[..v.find('"')?].to_string())
}

/// The learner's credentials from the API: `(bare uuid, kind, status)`.
async fn credentials_of(app: &TestApp, learner: &str) -> Vec<(String, String, String)> {
    let resp = app.get("/api/v1/credentials?per_page=500", Some(&app.token_for(learner))).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    resp.json["items"]
        .as_array()
        .expect("a page of credentials")
        .iter()
        .map(|c| {
            let text = |k: &str| c[k].as_str().expect("a credential's id, kind and status").to_string();
            (text("id").trim_start_matches("urn:uuid:").to_string(), text("kind"), text("status"))
        })
        .collect()
}

#[tokio::test]
async fn the_wallet_lists_only_the_learners_own_credentials_with_status_and_reason() {
    let (app, _) = TestApp::with_demo_credentials();
    let b = app.signed_in("learner-liu", DEMO_PASSWORD).await;
    let resp = b.get("/my/wallet").await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    let html = resp.text();
    let own = credentials_of(&app, "learner-liu").await;
    assert!(!own.is_empty());
    assert_eq!(html.matches("data-credential=\"").count(), own.len(), "one row per credential of hers");
    for (id, _, status) in &own {
        assert!(html.contains(&format!("data-credential=\"{id}\" data-status=\"{status}\"")), "{id} {status}");
    }
    assert!(own.iter().any(|(_, _, s)| s == "revoked"), "the demo revokes one of learner-liu's certificates");
    assert!(html.contains("已撤销") && html.contains("演示：成绩复核不合格"), "the revoked badge with its reason");
    for (other, _, _) in credentials_of(&app, "learner-zhang").await {
        assert!(!html.contains(&other), "another learner's credential is not listed");
    }

    // learner-chen holds a recognition, and it reads as one.
    let chen = app.signed_in("learner-chen", DEMO_PASSWORD).await;
    let html = chen.get("/my/wallet").await.text();
    assert!(html.contains("学分互认证书") && html.contains("职业技能等级证书"), "a recognition and a skill-level certificate");

    // In English on request.
    b.get("/lang/en?next=/my/wallet").await;
    let en = b.get("/my/wallet").await.text();
    assert!(en.contains("My certificates") && en.contains("Revoked"), "the English catalogue");
}

#[tokio::test]
async fn other_roles_are_refused_and_anonymous_visitors_are_sent_to_sign_in() {
    let (app, _) = TestApp::with_demo_credentials();
    let ent = app.signed_in("pxcast-admin", DEMO_PASSWORD).await;
    for path in ["/my/wallet", "/my/wallet/present", "/my/gap", "/my/recognition", "/my/account", "/my/account/transcript"] {
        let resp = ent.get(path).await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN, "{path} for an enterprise admin");
        assert!(resp.text().contains("无权访问"), "{path}: the localized error page");
    }
    let (id, _, _) = credentials_of(&app, "learner-li").await.remove(0);
    assert_eq!(ent.get(&format!("/my/wallet/{id}")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.signed_in("admin", DEMO_PASSWORD).await.get("/my/wallet").await.status, StatusCode::FORBIDDEN);

    let anon = app.browser();
    let resp = anon.get("/my/wallet").await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/login?next=%2Fmy%2Fwallet");
}

#[tokio::test]
async fn a_learner_cannot_see_download_share_or_present_another_learners_credential() {
    let (app, _) = TestApp::with_demo_credentials();
    let (zhangs, _, _) = credentials_of(&app, "learner-zhang").await.remove(0);
    let li = app.signed_in("learner-li", DEMO_PASSWORD).await;
    assert_eq!(li.get(&format!("/my/wallet/{zhangs}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(li.get(&format!("/my/wallet/{zhangs}/download")).await.status, StatusCode::NOT_FOUND);
    li.get("/my/wallet").await;
    let share = li.post_form(&format!("/my/wallet/{zhangs}/shares"), &[("expires", "7")]).await;
    assert_eq!(share.status, StatusCode::NOT_FOUND);
    let vp = li.post_form("/my/wallet/present", &[("challenge", "c-1"), ("credentials", &zhangs)]).await;
    assert_eq!(vp.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("share_links"), 0, "nothing stored");
    assert_eq!(li.get("/my/wallet/not-a-credential").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn one_credential_opens_its_public_page_and_verifier_and_downloads_the_signed_json() {
    let (app, _) = TestApp::with_demo_credentials();
    let (id, _, _) = credentials_of(&app, "learner-li").await.remove(0);
    let b = app.signed_in("learner-li", DEMO_PASSWORD).await;
    let resp = b.get(&format!("/my/wallet/{id}")).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    let html = resp.text();
    assert_eq!(attr_after(&html, "id=\"item-open\"", "href").as_deref(), Some(format!("/credentials/{id}").as_str()));
    assert_eq!(attr_after(&html, "id=\"item-verify\"", "href").as_deref(), Some(format!("/verify?credential={id}").as_str()));
    assert!(html.contains("id=\"share-create\"") && html.contains("id=\"present-submit\""));

    let file = b.get(&format!("/my/wallet/{id}/download")).await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(header(&file, "content-disposition").starts_with("attachment; filename=\""), "{:?}", file.headers);
    assert!(file.content_type.starts_with("application/json"));
    let public = app.get(&format!("/credentials/{id}?format=json"), None).await;
    assert_eq!(file.json, public.json, "exactly the signed document the public page serves");
    assert!(file.json["proof"].is_object());
}

#[tokio::test]
async fn a_share_link_shows_the_credential_until_it_is_withdrawn_then_is_gone() {
    let (app, _) = TestApp::with_demo_credentials();
    let (id, _, _) = credentials_of(&app, "learner-zhang").await.remove(0);
    let b = app.signed_in("learner-zhang", DEMO_PASSWORD).await;
    b.get(&format!("/my/wallet/{id}")).await;
    let made = b.post_form(&format!("/my/wallet/{id}/shares"), &[("expires", "7")]).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.text());
    assert!(location(&made).starts_with(&format!("/my/wallet/{id}?shared=")), "{}", location(&made));
    let page = b.get(&location(&made)).await;
    let html = page.text();
    assert!(html.contains("分享链接已生成"), "the notice");
    let url = attr_after(&html, "id=\"share-new-url\"", "href").expect("the new link's URL element");
    let token = url.strip_prefix("https://rongtong.test/s/").expect("{base}/s/{token}").to_string();
    assert_eq!(token.len(), 32, "192 random bits, base64url");
    assert!(token.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
    assert!(html.contains("<svg") && html.contains("class=\"share-qr\""), "a QR code of the link");
    assert_eq!(app.count("share_links"), 1);

    // Anyone holding the link sees the credential, and the way to verify it.
    let visitor = app.browser();
    let shared = visitor.get(&format!("/s/{token}")).await;
    assert_eq!(shared.status, StatusCode::OK, "{}", shared.text());
    let html = shared.text();
    assert_eq!(attr_after(&html, "id=\"shared-verify\"", "href").as_deref(), Some(format!("/verify?credential={id}").as_str()));
    assert_eq!(attr_after(&html, "id=\"shared-open\"", "href").as_deref(), Some(format!("/credentials/{id}").as_str()));
    assert!(header(&shared, "cache-control").contains("no-store"));
    assert!(header(&shared, "x-robots-tag").contains("noindex"));
    // The certificate it points at verifies.
    let doc = app.get(&format!("/credentials/{id}?format=json"), None).await.json;
    assert_eq!(app.post("/api/v1/verify", None, doc).await.json["verified"], true);

    // Withdrawn: gone at once, in the visitor's language.
    let share_id = attr_after(&b.get(&format!("/my/wallet/{id}")).await.text(), "data-share-state=\"live\"", "data-share").unwrap();
    let out = b.post_form(&format!("/my/wallet/{id}/shares/{share_id}/withdraw"), &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let after = b.get(&location(&out)).await.text();
    assert!(after.contains("data-share-state=\"withdrawn\"") && !after.contains(&token), "listed as withdrawn, URL no longer offered");
    let gone = visitor.get(&format!("/s/{token}")).await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert!(gone.text().contains("已撤回"), "{}", gone.text());
    visitor.get("/lang/en").await;
    let gone_en = visitor.get(&format!("/s/{token}")).await;
    assert_eq!(gone_en.status, StatusCode::GONE);
    assert!(gone_en.text().contains("withdrawn this share link"));

    // Another learner cannot withdraw it (not found), and a token never issued is 404.
    let li = app.signed_in("learner-li", DEMO_PASSWORD).await;
    assert_eq!(li.post_form(&format!("/my/wallet/{id}/shares/{share_id}/withdraw"), &[]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(visitor.get("/s/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_expired_share_link_is_gone_and_a_chosen_day_is_kept() {
    let (app, _) = TestApp::with_demo_credentials();
    let (id, _, _) = credentials_of(&app, "learner-li").await.remove(0);
    let b = app.signed_in("learner-li", DEMO_PASSWORD).await;
    b.get(&format!("/my/wallet/{id}")).await;
    let day = (chrono::Utc::now() + chrono::Duration::days(20)).format("%Y-%m-%d").to_string();
    let made = b.post_form(&format!("/my/wallet/{id}/shares"), &[("expires", "custom"), ("expires_on", &day)]).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.text());
    let html = b.get(&location(&made)).await.text();
    let url = attr_after(&html, "id=\"share-new-url\"", "href").unwrap();
    let token = url.rsplit('/').next().unwrap().to_string();
    {
        let mut conn = app.db.conn().unwrap();
        let expires: Vec<String> = {
            use diesel::prelude::*;
            use rongtong_registry::db::schema::share_links::dsl as s;
            s::share_links.select(s::expires_at).load(&mut conn).unwrap()
        };
        assert_eq!(expires, [format!("{day}T16:00:00Z")], "the end of the chosen day, Beijing time");
    }
    assert_eq!(app.browser().get(&format!("/s/{token}")).await.status, StatusCode::OK);
    {
        let mut conn = app.db.conn().unwrap();
        diesel::sql_query("UPDATE share_links SET expires_at = '2020-01-01T00:00:00Z'").execute(&mut conn).unwrap();
    }
    let gone = app.browser().get(&format!("/s/{token}")).await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert!(gone.text().contains("已过期"));
    assert!(b.get(&format!("/my/wallet/{id}")).await.text().contains("data-share-state=\"expired\""));
}

#[tokio::test]
async fn a_bad_expiry_is_shown_beside_its_field_and_nothing_is_stored() {
    let (app, _) = TestApp::with_demo_credentials();
    let (id, _, _) = credentials_of(&app, "learner-li").await.remove(0);
    let b = app.signed_in("learner-li", DEMO_PASSWORD).await;
    b.get(&format!("/my/wallet/{id}")).await;
    for (fields, error_id) in [
        (vec![("expires", "2")], "share-expires-error"),
        (vec![("expires", "custom")], "share-expires-on-error"),
        (vec![("expires", "custom"), ("expires_on", "2020-01-01")], "share-expires-on-error"),
        (vec![("expires", "custom"), ("expires_on", "next week")], "share-expires-on-error"),
    ] {
        let resp = b.post_form(&format!("/my/wallet/{id}/shares"), &fields).await;
        assert_eq!(resp.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        let html = resp.text();
        assert!(html.contains(&format!("id=\"{error_id}\"")), "{fields:?}: error beside the field");
        assert!(html.contains("未作任何保存"), "{fields:?}");
    }
    assert_eq!(app.count("share_links"), 0);
    // Without the form's token nothing happens either.
    assert_eq!(b.post_raw(&format!("/my/wallet/{id}/shares"), &[("expires", "7")]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("share_links"), 0);
}

#[tokio::test]
async fn the_presentation_maker_signs_a_presentation_that_verifies() {
    let (app, _) = TestApp::with_demo_credentials();
    let ids: Vec<String> = credentials_of(&app, "learner-zhang").await.into_iter().map(|c| c.0).take(2).collect();
    let b = app.signed_in("learner-zhang", DEMO_PASSWORD).await;
    let form = b.get(&format!("/my/wallet/present?credential={}", ids[0])).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text().contains(&format!("value=\"{}\" data-present-credential=\"{}\" checked", ids[0], ids[0])), "preselected");

    let resp = b
        .post_form(
            "/my/wallet/present",
            &[("challenge", "nonce-42"), ("domain", "hr.example"), ("credentials", &ids[0]), ("credentials", &ids[1])],
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    assert!(header(&resp, "content-disposition").starts_with("attachment; filename=\"presentation-"));
    let vp = resp.json.clone();
    assert_eq!(vp["verifiableCredential"].as_array().map(Vec::len), Some(2));
    let ok = app.post("/api/v1/verify", None, json!({"presentation": vp, "challenge": "nonce-42", "domain": "hr.example"})).await;
    assert_eq!(ok.json["verified"], true, "{}", ok.text());
    let replay = app.post("/api/v1/verify", None, json!({"presentation": vp, "challenge": "other", "domain": "hr.example"})).await;
    assert_eq!(replay.json["verified"], false);

    // The API's errors, beside their fields.
    let no_challenge = b.post_form("/my/wallet/present", &[("challenge", ""), ("credentials", &ids[0])]).await;
    assert_eq!(no_challenge.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_challenge.text().contains("id=\"present-challenge-error\""));
    let none = b.post_form("/my/wallet/present", &[("challenge", "nonce-42")]).await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(none.text().contains("id=\"present-credentials-error\""));
}

#[tokio::test]
async fn the_gap_page_shows_what_is_missing_and_the_api_s_course_path() {
    let (app, _) = TestApp::with_demo_credentials();
    let b = app.signed_in("learner-li", DEMO_PASSWORD).await;
    let start = b.get("/my/gap").await;
    assert_eq!(start.status, StatusCode::OK);
    let html = start.text();
    assert!(html.contains("value=\"6-18-02-01\""), "occupations offered by code");
    // The 铸造工 position of the Pingxiang foundry's published list.
    let at = html.find(">铸造工 (pxcast)<").expect("the published position");
    let option = html[..at].rfind("<option value=\"").unwrap() + "<option value=\"".len();
    let item = html[option..option + html[option..].find('"').unwrap()].to_string();

    let page = b.get(&format!("/my/gap?demand_item={item}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(html.contains("data-qualifies=\"false\""));
    let api = app.get(&format!("/api/v1/matching/path?learner=learner-li&demand_item={item}"), Some(&app.token_for("learner-li"))).await;
    let steps: Vec<String> =
        api.json["result"]["steps"].as_array().unwrap().iter().map(|s| s["course"].as_str().unwrap().to_string()).collect();
    assert_eq!(steps, ["ZNZZ-03@2026.1", "ZNZZ-04@2026.1", "ZNZZ-05@2026.1"]);
    let mut at = 0;
    for (n, s) in steps.iter().enumerate() {
        let marker = format!("data-course=\"{s}\" data-step=\"{}\"", n + 1);
        let found = html[at..].find(&marker).unwrap_or_else(|| panic!("{marker} in order"));
        at += found;
    }
    assert!(html.contains("作为先修课程"), "ZNZZ-04 is there because ZNZZ-05 needs it, and the page says so");
    assert!(html.contains("已持有等级"), "the level shortfall is explained");

    // By occupation code, and by credits.
    let occ = b.get("/my/gap?occupation=6-18-02-01&cost=credits").await;
    assert_eq!(occ.status, StatusCode::OK);
    assert!(occ.text().contains("id=\"gap-result\"") && occ.text().contains("铸造工"));

    // Errors beside the field.
    let bad = b.get("/my/gap?occupation=9-99-99-99").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("id=\"gap-occupation-error\""));
    let both = b.get(&format!("/my/gap?occupation=6-18-02-01&demand_item={item}")).await;
    assert_eq!(both.status, StatusCode::UNPROCESSABLE_ENTITY, "either a position or an occupation");
    assert!(both.text().contains("id=\"gap-occupation-error\""));

    // The picker's suggestions.
    let s = b.get(&format!("/my/gap/occupations?q={}", rongtong_tests::enc("铸造"))).await;
    assert_eq!(s.status, StatusCode::OK);
    let values: Vec<&str> = s.json.as_array().unwrap().iter().filter_map(|o| o["value"].as_str()).collect();
    assert!(values.contains(&"6-18-02-01"), "{values:?}");
    assert!(s.json.as_array().unwrap().iter().all(|o| o["label"].as_str().unwrap().contains("铸造")));
}

#[tokio::test]
async fn the_recognition_page_lists_decisions_and_applies_through_the_api_s_service() {
    let (app, _) = TestApp::with_demo_credentials();
    let chen = app.signed_in("learner-chen", DEMO_PASSWORD).await;
    let html = chen.get("/my/recognition").await.text();
    assert!(html.contains("data-state=\"approved\""), "learner-chen's approved recognition");
    let chens = attr_after(&html, "data-state=\"approved\"", "data-application").unwrap();
    assert!(html.contains("JXOU-R-001") && html.contains("data-recognition-credential=\""));
    let zhang = app.signed_in("learner-zhang", DEMO_PASSWORD).await;
    let html = zhang.get("/my/recognition").await.text();
    assert!(html.contains("data-state=\"pending\"") && html.contains("等待审核"), "learner-zhang's pending application");
    assert!(!html.contains(&chens), "not another learner's application");

    // Bad applications: beside the field, nothing stored.
    let before = app.count("recognition_applications");
    let li = app.signed_in("learner-li", DEMO_PASSWORD).await;
    li.get("/my/recognition").await;
    let (znzz, _, _) = credentials_of(&app, "learner-li").await.remove(0);
    for (fields, error_id) in [
        (vec![("target", "course:GYJQR-04"), ("evidence", znzz.as_str())], "apply-evidence-error"),
        (vec![("target", "nonsense"), ("evidence", znzz.as_str())], "apply-target-error"),
        (vec![("target", "course:GYJQR-04")], "apply-evidence-error"),
        (vec![("target", "course:GYJQR-04"), ("rule", "NO-SUCH-RULE"), ("evidence", znzz.as_str())], "apply-rule-error"),
    ] {
        let resp = li.post_form("/my/recognition", &fields).await;
        assert_eq!(resp.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}: {}", resp.text());
        assert!(resp.text().contains(&format!("id=\"{error_id}\"")), "{fields:?}");
    }
    assert_eq!(app.count("recognition_applications"), before, "nothing stored");

    // A skill-level certificate (level 4 of 工业机器人系统运维员) exempts GYJQR-04 at once.
    let eval = app.token_for("jxeval-admin");
    let cert = app
        .post("/api/v1/credentials/skill-level", Some(&eval), json!({"learner": "learner-wang", "occupation": "6-31-01-10", "level": 4}))
        .await;
    assert_eq!(cert.status, StatusCode::CREATED, "{}", cert.text());
    let cert_id = cert.json["id"].as_str().unwrap().trim_start_matches("urn:uuid:").to_string();
    let wang = app.signed_in("learner-wang", DEMO_PASSWORD).await;
    let form = wang.get("/my/recognition").await.text();
    assert!(form.contains(&format!("data-evidence=\"{cert_id}\"")), "the certificate is offered as evidence");
    let applied = wang.post_form("/my/recognition", &[("target", "course:GYJQR-04"), ("rule", ""), ("evidence", &cert_id)]).await;
    assert_eq!(applied.status, StatusCode::SEE_OTHER, "{}", applied.text());
    assert_eq!(location(&applied), "/my/recognition?applied=approved");
    let html = wang.get(&location(&applied)).await.text();
    assert!(html.contains("自动认定") && html.contains("data-state=\"approved\""));
    let api = app.get("/api/v1/recognition-applications", Some(&app.token_for("learner-wang"))).await;
    assert_eq!(api.json["total"], 1, "{}", api.text());
    assert_eq!(api.json["items"][0]["state"], "approved");
    assert!(credentials_of(&app, "learner-wang").await.iter().any(|(_, k, _)| k == "recognition"), "the recognition is in the wallet");
}

#[tokio::test]
async fn the_credit_account_matches_the_api_and_its_transcript_verifies() {
    let (app, _) = TestApp::with_demo_credentials();
    let b = app.signed_in("learner-chen", DEMO_PASSWORD).await;
    let resp = b.get("/my/account").await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    let html = resp.text();
    let api = app.get("/api/v1/learners/learner-chen/account", Some(&app.token_for("learner-chen"))).await.json;
    let credits = api["totals"]["credits"].as_f64().unwrap();
    let shown = if credits.fract() == 0.0 { format!("{}", credits as i64) } else { format!("{credits:.1}") };
    assert!(html.contains(&format!("id=\"account-credits\">{shown}<")), "the API's total, {shown}");
    assert_eq!(html.matches("data-counts=\"").count(), api["items"].as_array().unwrap().len(), "every outcome");
    assert!(html.contains("id=\"account-conversions\""), "learner-chen's recognition as a conversion");
    assert!(html.contains("JXOU-R-001"));

    let file = b.get("/my/account/transcript").await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(header(&file, "content-disposition"), "attachment; filename=\"transcript-learner-chen.json\"");
    let verdict = app.post("/api/v1/verify", None, file.json.clone()).await;
    assert_eq!(verdict.json["kind"], "clr", "{}", verdict.text());
    assert_eq!(verdict.json["verified"], true, "{}", verdict.text());

    // Revoked outcomes are listed and not counted.
    let liu = app.signed_in("learner-liu", DEMO_PASSWORD).await.get("/my/account").await.text();
    assert!(liu.contains("data-counts=\"false\"") && liu.contains("已撤销"));
}

#[tokio::test]
async fn the_learner_pages_stay_light() {
    let (app, _) = TestApp::with_demo_credentials();
    let b = app.signed_in("learner-zhang", DEMO_PASSWORD).await;
    let (id, _, _) = credentials_of(&app, "learner-zhang").await.remove(0);
    b.get(&format!("/my/wallet/{id}")).await;
    for _ in 0..8 {
        assert_eq!(b.post_form(&format!("/my/wallet/{id}/shares"), &[("expires", "30")]).await.status, StatusCode::SEE_OTHER);
    }
    let item = b.get(&format!("/my/wallet/{id}")).await.text();
    assert_eq!(item.matches("data-share-state=\"live\"").count(), 8, "every link listed");
    assert_eq!(item.matches("class=\"share-qr\"").count(), 5, "the five newest drawn with their QR code");
    for path in [
        "/my/wallet".to_string(),
        format!("/my/wallet/{id}"),
        "/my/gap?occupation=6-18-02-01".into(),
        "/my/recognition".into(),
        "/my/account".into(),
    ] {
        let t = std::time::Instant::now();
        let resp = b.get(&path).await;
        let ms = t.elapsed().as_millis();
        assert_eq!(resp.status, StatusCode::OK, "{path}");
        assert!(resp.bytes.len() < 300 * 1024, "{path}: {} bytes", resp.bytes.len());
        eprintln!("{path}: {} bytes, {ms} ms", resp.bytes.len());
    }
}
