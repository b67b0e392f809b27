//! The web application's sign-in (issue 11): passwords, sessions, CSRF, lockouts,
//! invitations, the language switch and the frame each role sees. Both backends.

use axum::http::StatusCode;
use rongtong_registry::auth::Role;
use rongtong_registry::services::demo::DEMO_PASSWORD;
use rongtong_tests::TestApp;

fn location(resp: &rongtong_tests::TestResponse) -> String {
    resp.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

#[tokio::test]
async fn a_demo_user_signs_in_sees_their_role_pages_and_signs_out() {
    let (app, _) = TestApp::with_demo();
    let b = app.browser();
    let home = b.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.content_type.starts_with("text/html"), "{}", home.content_type);
    let html = home.text();
    assert!(html.contains("<html lang=\"zh-CN\">"), "Chinese by default");
    assert!(html.contains("登录"), "a sign-in link");
    assert!(b.cookie("rt_csrf").is_some(), "an anonymous visitor gets a CSRF cookie for the login form");

    let resp = b.login("learner-wang", DEMO_PASSWORD).await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER, "{}", resp.text());
    assert_eq!(location(&resp), "/my/wallet", "a learner starts at their certificates");
    let cookie =
        resp.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).find(|c| c.starts_with("rt_session=")).unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "session cookie attributes: {cookie}");
    assert!(cookie.contains("Secure"), "the test base URL is https, so the cookie is Secure: {cookie}");

    let home = b.get("/").await.text();
    assert!(home.contains("learner-wang"), "the frame names who is signed in");
    assert!(home.contains("/my/wallet") && home.contains("学分银行"), "the learner's navigation");
    assert!(!home.contains("/org/demand"), "no enterprise navigation for a learner");

    let out = b.post_form("/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(b.cookie("rt_session").is_none(), "the cookie is cleared");
    assert!(!b.get("/").await.text().contains("learner-wang"), "signed out");
}

#[tokio::test]
async fn each_role_starts_on_its_own_page() {
    let (app, _) = TestApp::with_demo();
    for (user, start) in
        [("pxcast-admin", "/org/demand"), ("pxou-admin", "/org/courses"), ("jx-admin", "/admin/dashboard"), ("admin", "/admin/dashboard")]
    {
        let resp = app.browser().login(user, DEMO_PASSWORD).await;
        assert_eq!(resp.status, StatusCode::SEE_OTHER, "{user}");
        assert_eq!(location(&resp), start, "{user} starts at {start}");
    }
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_answer() {
    let (app, _) = TestApp::with_demo();
    let wrong = app.browser().login("learner-wang", "not-the-password").await;
    let unknown = app.browser().login("nobody-here", "not-the-password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.text().contains("用户名或密码不正确"));
    assert!(unknown.text().contains("用户名或密码不正确"), "never says which one was wrong");
    // A name no account can have — a NUL (which PostgreSQL text cannot hold), control
    // characters, thousands of characters — gets the same answer, never a 500.
    for name in ["learner\0wang", "learner\u{7}wang", &"x".repeat(5000)] {
        let r = app.browser().login(name, "not-the-password").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{name:?}");
    }
}

#[tokio::test]
async fn repeated_failures_lock_the_username_even_for_the_right_password() {
    let (app, _) = TestApp::with_demo();
    for i in 0..5 {
        let r = app.browser().login("learner-li", "wrong-password").await;
        assert!(matches!(r.status, StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS), "attempt {i}: {}", r.status);
    }
    let locked = app.browser().login("learner-li", DEMO_PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "locked after 5 failures");
    assert!(locked.text().contains("登录失败次数过多"));
    // Another account is not affected.
    assert_eq!(app.browser().login("learner-wang", DEMO_PASSWORD).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_form_without_its_csrf_token_or_from_another_site_changes_nothing() {
    let (app, _) = TestApp::with_demo();
    let b = app.signed_in("learner-wang", DEMO_PASSWORD).await;
    // No token: refused, and the session is still there.
    let r = b.post_raw("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert!(b.get("/").await.text().contains("learner-wang"), "still signed in");
    // A token of another session: refused.
    let other = app.signed_in("learner-li", DEMO_PASSWORD).await;
    let theirs = other.csrf().unwrap();
    let r = b
        .post_raw(
            "/me/password",
            &[("csrf", &theirs), ("current_password", DEMO_PASSWORD), ("new_password", "abcdefgh1"), ("confirm_password", "abcdefgh1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A login form posted without the pre-session token: refused before any password check.
    let anon = app.browser();
    let r = anon.post_raw("/login", &[("username", "learner-wang"), ("password", DEMO_PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn changing_the_password_ends_every_other_session() {
    let (app, _) = TestApp::with_demo();
    let phone = app.signed_in("learner-zhang", DEMO_PASSWORD).await;
    let laptop = app.signed_in("learner-zhang", DEMO_PASSWORD).await;
    laptop.get("/me/password").await;
    // Wrong current password: the field is named, nothing changes.
    let r = laptop
        .post_form(
            "/me/password",
            &[("current_password", "wrong-one"), ("new_password", "a-new-pass-1"), ("confirm_password", "a-new-pass-1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("field-error"), "the error is shown beside the field");
    // Too short: named too.
    let r = laptop
        .post_form("/me/password", &[("current_password", DEMO_PASSWORD), ("new_password", "short"), ("confirm_password", "short")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("at least 8"));
    let r = laptop
        .post_form(
            "/me/password",
            &[("current_password", DEMO_PASSWORD), ("new_password", "a-new-pass-1"), ("confirm_password", "a-new-pass-1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(laptop.get("/").await.text().contains("learner-zhang"), "the browser that changed it stays signed in");
    assert!(!phone.get("/").await.text().contains("learner-zhang"), "the other session has ended");
    assert_eq!(app.browser().login("learner-zhang", DEMO_PASSWORD).await.status, StatusCode::UNAUTHORIZED, "old password gone");
    assert_eq!(app.browser().login("learner-zhang", "a-new-pass-1").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_invitation_link_sets_a_password_once() {
    let app = TestApp::new();
    app.user_with_token("newcomer", Role::Learner, None, Some("360300"));
    let token = {
        let mut conn = app.db.conn().unwrap();
        let user = rongtong_registry::models::accounts::find_user(&mut conn, "newcomer").unwrap();
        rongtong_registry::auth::session::create_invitation(&mut conn, &Default::default(), &user.id, None).unwrap().0
    };
    let b = app.browser();
    assert_eq!(b.login("newcomer", "anything-at-all").await.status, StatusCode::UNAUTHORIZED, "no password yet");
    let page = b.get(&format!("/invite/{token}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("newcomer"));
    let r = b.post_form(&format!("/invite/{token}"), &[("new_password", "mine-now-123"), ("confirm_password", "mine-now-124")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "the two differ");
    let r = b.post_form(&format!("/invite/{token}"), &[("new_password", "mine-now-123"), ("confirm_password", "mine-now-123")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(b.get("/").await.text().contains("newcomer"), "signed in by the invitation");
    let again = app.browser();
    assert_eq!(again.get(&format!("/invite/{token}")).await.status, StatusCode::NOT_FOUND, "a used link is gone");
    assert_eq!(again.login("newcomer", "mine-now-123").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_page_that_needs_an_account_sends_the_visitor_to_sign_in_and_back() {
    let (app, _) = TestApp::with_demo();
    let b = app.browser();
    let r = b.get("/me/password").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/login?next=%2Fme%2Fpassword");
    b.get("/login?next=%2Fme%2Fpassword").await;
    let r = b.post_form("/login", &[("username", "learner-wang"), ("password", DEMO_PASSWORD), ("next", "/me/password")]).await;
    assert_eq!(location(&r), "/me/password");
    // An open redirect is not followed.
    let b = app.browser();
    b.get("/login").await;
    let r = b.post_form("/login", &[("username", "learner-wang"), ("password", DEMO_PASSWORD), ("next", "//evil.example/")]).await;
    assert_eq!(location(&r), "/");
}

#[tokio::test]
async fn the_language_switch_shows_english_and_remembers_it() {
    let (app, _) = TestApp::with_demo();
    let b = app.browser();
    let r = b.get("/lang/en?next=%2Flogin").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/login");
    let page = b.get("/login").await.text();
    assert!(page.contains("<html lang=\"en\">"));
    assert!(page.contains("Sign in") && !page.contains("用户名"));
    assert!(page.contains("中文"), "the switch back offers Chinese");
    assert_eq!(b.get("/lang/xx").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn pages_carry_security_headers_and_embedded_assets_are_served() {
    let (app, _) = TestApp::with_demo();
    let b = app.browser();
    let r = b.get("/").await;
    let csp = r.headers.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(r.headers.get("cache-control").unwrap(), "private, no-store");
    let html = r.text();
    let css_at = html.find("/assets/app.css?v=").expect("the stylesheet link");
    assert!(!html.contains("http://") || !html.contains("cdn"), "nothing from a CDN");
    let href = &html[css_at..html[css_at..].find('"').map(|e| css_at + e).unwrap()];
    let css = b.get(href).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.content_type.starts_with("text/css"));
    assert!(css.headers.get("cache-control").unwrap().to_str().unwrap().contains("immutable"));
    assert_eq!(b.get("/assets/nope.js").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_unknown_page_is_a_page_for_browsers_and_json_for_machines() {
    let app = TestApp::new();
    let page = app.browser().get("/no/such/page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.content_type.starts_with("text/html"), "{}", page.content_type);
    assert!(page.text().contains("未找到"));
    let api = app.get("/api/v1/no-such-route", None).await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.error_codes(), vec!["not_found"]);
    assert!(api.headers.get("set-cookie").is_none(), "no CSRF cookie on a JSON answer");
}
