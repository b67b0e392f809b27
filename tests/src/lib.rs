//! `TestApp`: the real router over a real, fresh database, driven without a socket.
//!
//! Each `TestApp` gets its own database: a temporary SQLite file by default, or — when
//! `TEST_DATABASE_URL` names a PostgreSQL server — a fresh schema in it, dropped when the
//! app is dropped. The same tests therefore run on both backends (`scripts/test` runs them
//! twice).

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use http_body_util::BodyExt;
use rongtong_registry::auth::Role;
use rongtong_registry::config::{Config, CredentialsConfig, DatabaseConfig, ServerConfig};
use rongtong_registry::db::Db;
use rongtong_registry::models::accounts::{self, UserInput};
use rongtong_registry::{App, AppState, build_router};
use serde_json::Value;
use tower::ServiceExt;

/// Base URL the test apps believe they are served at.
pub const BASE_URL: &str = "https://rongtong.test";

/// A running application over its own database.
pub struct TestApp {
    router: Router,
    /// The store, for arranging data and checking what was (not) stored.
    pub db: Db,
    config: Config,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

/// A response: status, headers and body (parsed as JSON when it is JSON).
#[derive(Debug)]
pub struct TestResponse {
    /// Status.
    pub status: StatusCode,
    /// `Content-Type`.
    pub content_type: String,
    /// Every response header.
    pub headers: axum::http::HeaderMap,
    /// Raw body.
    pub bytes: Vec<u8>,
    /// Parsed JSON body (`Null` when not JSON).
    pub json: Value,
}

impl TestResponse {
    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// The `field`s named in an error envelope.
    pub fn error_fields(&self) -> Vec<String> {
        self.json["errors"].as_array().map(|a| a.iter().filter_map(|e| e["field"].as_str().map(String::from)).collect()).unwrap_or_default()
    }

    /// The `code`s in an error envelope.
    pub fn error_codes(&self) -> Vec<String> {
        self.json["errors"].as_array().map(|a| a.iter().filter_map(|e| e["code"].as_str().map(String::from)).collect()).unwrap_or_default()
    }
}

/// Which backend the suite is running on, from `TEST_DATABASE_URL`.
pub fn backend_name() -> &'static str {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(u) if u.starts_with("postgres") => "postgres",
        _ => "sqlite",
    }
}

impl TestApp {
    /// An app over a fresh, migrated database: the GB/T 2260 provinces and prefecture-level
    /// cities that migrating seeds, nothing else.
    pub fn new() -> TestApp {
        TestApp::with_credentials(CredentialsConfig::with_kek(rongtong_registry::services::credentials::keystore::Kek::generate()))
    }

    /// Like [`TestApp::new`], with the key-encryption key taken from `credentials` (e.g. a
    /// key file); panics when it cannot be loaded, as `serve` refuses to start.
    pub fn with_credentials(credentials: CredentialsConfig) -> TestApp {
        let (url, dir, pg) = match std::env::var("TEST_DATABASE_URL") {
            Ok(base) if base.starts_with("postgres") => {
                let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
                let mut admin = PgConnection::establish(&base).expect("connect to TEST_DATABASE_URL");
                admin.batch_execute(&format!("CREATE SCHEMA {schema}")).expect("create test schema");
                let sep = if base.contains('?') { '&' } else { '?' };
                (format!("{base}{sep}options=-csearch_path%3D{schema}"), None, Some((base, schema)))
            }
            _ => {
                let dir = tempfile::tempdir().expect("temp dir");
                (format!("sqlite://{}", dir.path().join("test.db").display()), Some(dir), None)
            }
        };
        let db = Db::open(&url, 4).expect("open test database");
        let config = Config {
            database: DatabaseConfig { url, pool_size: 4 },
            server: ServerConfig {
                addr: "127.0.0.1:0".into(),
                base_url: BASE_URL.into(),
                max_body_bytes: 8 * 1024 * 1024,
                limits: Default::default(),
            },
            credentials,
            jobs: Default::default(),
            web: Default::default(),
        };
        let state = AppState(std::sync::Arc::new(App::new(db.clone(), config.clone()).expect("load the key-encryption key")));
        TestApp { router: build_router(state), db, config, _dir: dir, pg }
    }

    /// A second server node on this app's database: its own pool, caches and matching
    /// snapshot, the same data. It must not outlive `self` (which owns the database).
    pub fn sibling(&self) -> TestApp {
        let db = Db::open(&self.config.database.url, 4).expect("open the shared database");
        let state = AppState(std::sync::Arc::new(App::new(db.clone(), self.config.clone()).expect("load the key-encryption key")));
        TestApp { router: build_router(state), db, config: self.config.clone(), _dir: None, pg: None }
    }

    /// An app seeded with the demo data; returns the platform admin's token too.
    pub fn with_demo() -> (TestApp, String) {
        let app = TestApp::new();
        let token = {
            let mut conn = app.db.conn().expect("conn");
            rongtong_registry::services::demo::seed(&mut conn).expect("seed demo").expect("empty database")
        };
        (app, token)
    }

    /// An app seeded with the demo data, then the demo's certificates and recognition
    /// applications (what `rongtong serve --demo` adds), signed under this app's own
    /// key-encryption key so that later issuance works; returns the platform admin's token.
    pub fn with_demo_credentials() -> (TestApp, String) {
        let (app, token) = TestApp::with_demo();
        {
            let kek = app.config.credentials.kek.load().expect("the test key-encryption key");
            let mut conn = app.db.conn().expect("conn");
            rongtong_registry::services::demo::seed_credentials(&mut conn, BASE_URL, &kek).expect("seed the demo credentials");
        }
        (app, token)
    }

    /// Mints a token for an existing account.
    pub fn token_for(&self, username: &str) -> String {
        let mut conn = self.db.conn().expect("conn");
        let user = accounts::find_user(&mut conn, username).expect("user exists");
        accounts::create_token(&mut conn, &user.id, "test").expect("token").token_secret
    }

    /// Creates an account directly in the store and returns a token for it.
    pub fn user_with_token(&self, username: &str, role: Role, org: Option<&str>, region: Option<&str>) -> String {
        {
            let mut conn = self.db.conn().expect("conn");
            accounts::create_user(
                &mut conn,
                &UserInput {
                    username: username.into(),
                    display_name: username.into(),
                    role,
                    org: org.map(Into::into),
                    region: region.map(|r| r.parse().expect("region code")),
                    opt_in: false,
                },
            )
            .expect("create user");
        }
        self.token_for(username)
    }

    /// Sends a request.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> TestResponse {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if let Some(ct) = content_type {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        self.send(req.body(Body::from(body)).expect("request")).await
    }

    /// Sends a request built by hand (odd headers, multipart bodies).
    pub async fn send(&self, req: Request<Body>) -> TestResponse {
        let resp = self.router.clone().oneshot(req).await.expect("infallible");
        let status = resp.status();
        let content_type = resp.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes().to_vec();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        TestResponse { status, content_type, headers, bytes, json }
    }

    /// The id of `learner`'s completion of course `code` (panics when there is none).
    pub async fn completion_id(&self, token: &str, learner: &str, code: &str) -> String {
        let resp = self.get(&format!("/api/v1/completions?learner={learner}"), Some(token)).await;
        assert_eq!(resp.status, 200, "{}", resp.text());
        resp.json
            .as_array()
            .and_then(|a| a.iter().find(|c| c["course_code"] == code))
            .and_then(|c| c["id"].as_str())
            .unwrap_or_else(|| panic!("no completion of {code} by {learner}: {}", resp.text()))
            .to_string()
    }

    /// GET.
    pub async fn get(&self, path: &str, token: Option<&str>) -> TestResponse {
        self.request(Method::GET, path, token, None, vec![]).await
    }

    /// POST a JSON body.
    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> TestResponse {
        self.request(Method::POST, path, token, Some("application/json"), body.to_string().into_bytes()).await
    }

    /// PUT a JSON body.
    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> TestResponse {
        self.request(Method::PUT, path, token, Some("application/json"), body.to_string().into_bytes()).await
    }

    /// DELETE.
    pub async fn delete(&self, path: &str, token: Option<&str>) -> TestResponse {
        self.request(Method::DELETE, path, token, None, vec![]).await
    }

    /// POST raw bytes (CSV uploads).
    pub async fn post_bytes(&self, path: &str, token: Option<&str>, content_type: &str, body: Vec<u8>) -> TestResponse {
        self.request(Method::POST, path, token, Some(content_type), body).await
    }

    /// Counts rows of a table (to prove a rejected import stored nothing).
    pub fn count(&self, table: &str) -> i64 {
        use diesel::RunQueryDsl;
        use diesel::sql_types::BigInt;
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        let mut conn = self.db.conn().expect("conn");
        let rows: Vec<N> = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).load(&mut *conn).expect("count");
        rows[0].n
    }
}

impl Default for TestApp {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.pg
            && let Ok(mut c) = PgConnection::establish(base)
        {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

/// Percent-encodes a query value (URIs inside query strings).
pub fn enc(value: &str) -> String {
    value
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// A browser on a [`TestApp`]'s web pages: keeps cookies between requests and fills in each
/// form's CSRF token from the last page it read, as a real browser submitting a form would.
pub struct Browser<'a> {
    app: &'a TestApp,
    cookies: std::sync::Mutex<std::collections::BTreeMap<String, String>>,
    csrf: std::sync::Mutex<Option<String>>,
}

impl TestApp {
    /// A browser with no cookies.
    pub fn browser(&self) -> Browser<'_> {
        Browser { app: self, cookies: Default::default(), csrf: Default::default() }
    }

    /// Sets an account's web password directly in the store.
    pub fn set_password(&self, username: &str, password: &str) {
        let mut conn = self.db.conn().expect("conn");
        let user = accounts::find_user(&mut conn, username).expect("user exists");
        rongtong_registry::auth::session::set_password(&mut conn, &user.id, "password", password).expect("set password");
    }

    /// A browser signed in as `username` with `password`; panics unless sign-in redirects.
    pub async fn signed_in(&self, username: &str, password: &str) -> Browser<'_> {
        let b = self.browser();
        let resp = b.login(username, password).await;
        assert_eq!(resp.status, StatusCode::SEE_OTHER, "sign-in as {username}: {}", resp.text());
        // Read a page, so the next form carries the session's own CSRF token.
        b.get("/").await;
        b
    }
}

impl Browser<'_> {
    fn cookie_header(&self) -> Option<String> {
        let jar = self.cookies.lock().expect("browser state");
        (!jar.is_empty()).then(|| jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "))
    }

    fn absorb(&self, resp: &TestResponse) {
        let mut jar = self.cookies.lock().expect("browser state");
        for v in resp.headers.get_all(header::SET_COOKIE) {
            let text = v.to_str().unwrap_or("");
            let pair = text.split(';').next().unwrap_or("");
            if let Some((k, v)) = pair.split_once('=') {
                if v.is_empty() || text.contains("Max-Age=0") {
                    jar.remove(k.trim());
                } else {
                    jar.insert(k.trim().to_string(), v.trim().to_string());
                }
            }
        }
        let body = resp.text();
        if let Some(i) = body.find("name=\"csrf\" value=\"") {
            let rest = &body[i + 19..];
            if let Some(end) = rest.find('"') {
                *self.csrf.lock().expect("browser state") = Some(rest[..end].to_string());
            }
        }
    }

    /// The value of one of this browser's cookies.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().expect("browser state").get(name).cloned()
    }

    /// Drops a cookie (as when a browser is closed, or to try a stolen one elsewhere).
    pub fn set_cookie(&self, name: &str, value: Option<&str>) {
        let mut jar = self.cookies.lock().expect("browser state");
        match value {
            Some(v) => jar.insert(name.to_string(), v.to_string()),
            None => jar.remove(name),
        };
    }

    /// The CSRF token the next form will carry.
    pub fn csrf(&self) -> Option<String> {
        self.csrf.lock().expect("browser state").clone()
    }

    /// `GET path` with this browser's cookies.
    pub async fn get(&self, path: &str) -> TestResponse {
        let mut req = Request::builder().method(Method::GET).uri(path).header(header::ACCEPT, "text/html");
        if let Some(c) = self.cookie_header() {
            req = req.header(header::COOKIE, c);
        }
        let resp = self.app.send(req.body(Body::empty()).expect("request")).await;
        self.absorb(&resp);
        resp
    }

    /// Submits a urlencoded form to `path` with the CSRF token of the last page read
    /// (reading `/` first when no page was).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        if self.csrf().is_none() {
            self.get("/").await;
        }
        let csrf = self.csrf().unwrap_or_default();
        let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Submits exactly these fields (no CSRF token added: to test its absence).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let mut req = Request::builder().method(Method::POST).uri(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = self.cookie_header() {
            req = req.header(header::COOKIE, c);
        }
        let resp = self.app.send(req.body(Body::from(body)).expect("request")).await;
        self.absorb(&resp);
        resp
    }

    /// Submits a multipart form (file uploads) with the CSRF token: text fields and
    /// `(field, file name, bytes)` files.
    pub async fn post_multipart(&self, path: &str, fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> TestResponse {
        if self.csrf().is_none() {
            self.get("/").await;
        }
        let boundary = "----rongtongtestboundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        let csrf = self.csrf().unwrap_or_default();
        for (k, v) in std::iter::once(("csrf", csrf.as_str())).chain(fields.iter().copied()) {
            body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
        }
        for (k, name, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let mut req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"));
        if let Some(c) = self.cookie_header() {
            req = req.header(header::COOKIE, c);
        }
        let resp = self.app.send(req.body(Body::from(body)).expect("request")).await;
        self.absorb(&resp);
        resp
    }

    /// Signs in through the login form.
    pub async fn login(&self, username: &str, password: &str) -> TestResponse {
        self.get("/login").await;
        self.post_form("/login", &[("username", username), ("password", password)]).await
    }
}
