//! The served OpenAPI document and the router agree: every documented operation is routed.

use axum::http::Method;
use rongtong_tests::TestApp;

/// Methods an OpenAPI path item may carry.
const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Replaces every `{param}` of a templated path with `x`.
fn fill(template: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in template.chars() {
        match c {
            '{' => in_param = true,
            '}' if in_param => {
                in_param = false;
                out.push('x');
            }
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

#[tokio::test]
async fn the_document_is_openapi_3_1_with_the_key_paths() {
    let (app, _) = TestApp::with_demo();
    let doc = app.get("/api/openapi.json", None).await;
    assert_eq!(doc.status, 200, "{}", doc.text());
    assert!(doc.json["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")), "{}", doc.json["openapi"]);
    assert!(doc.json["info"]["title"].as_str().is_some_and(|t| t.contains("Rongtong")));
    assert_eq!(doc.json["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let paths = doc.json["paths"].as_object().expect("paths");
    for (path, method) in [
        ("/api/v1/health", "get"),
        ("/api/v1/courses", "get"),
        ("/api/v1/courses", "post"),
        ("/api/v1/courses/{id}", "put"),
        ("/api/v1/courses/{id}/status", "post"),
        ("/api/v1/curricula", "post"),
        ("/api/v1/completions", "get"),
        ("/api/v1/demand-lists", "get"),
        ("/api/v1/demand-lists/{id}/status", "post"),
        ("/api/v1/skills", "get"),
        ("/api/v1/skills/{id}/relations", "get"),
        ("/api/v1/occupations/{id}", "get"),
        ("/api/v1/organizations", "post"),
        ("/api/v1/users/{id}/tokens", "post"),
        ("/api/v1/tokens/{id}", "delete"),
        ("/api/v1/imports/courses", "post"),
        ("/api/v1/imports/demand", "post"),
        ("/api/v1/imports/esco", "post"),
        ("/api/v1/exports/courses.csv", "get"),
    ] {
        assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "{method} {path} is not documented");
    }
    // Every operation is tagged and answers something documented.
    for (path, item) in paths {
        for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
            let op = &item[*method];
            assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()), "{method} {path} has no tag");
            assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path} has no responses");
        }
    }
}

#[tokio::test]
async fn every_documented_operation_is_routed_and_errs_in_the_envelope() {
    let (app, admin) = TestApp::with_demo();
    let doc = app.get("/api/openapi.json", None).await.json;
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
            operations += 1;
            let uri = fill(path);
            let m = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).expect("method");
            // An empty JSON body: enough to reach the handler or its extractors.
            let resp = app.request(m, &uri, Some(&admin), Some("application/json"), b"{}".to_vec()).await;
            let detail = resp.json["errors"][0]["detail"].as_str().unwrap_or_default();
            assert!(!(resp.status == 404 && detail == "route not found"), "{method} {path} ({uri}) hit the router fallback");
            assert_ne!(resp.status, 405, "{method} {path} ({uri}) is documented but not routed for {method}");
            assert!(!resp.status.is_server_error(), "{method} {path} ({uri}): {} {}", resp.status, resp.text());
            if !resp.status.is_success() {
                assert!(
                    resp.json["errors"][0]["code"].is_string(),
                    "{method} {path} ({uri}) errs outside the envelope: {} {:?}",
                    resp.status,
                    resp.text()
                );
            }
        }
    }
    assert!(operations >= 40, "only {operations} operations documented");
}

#[tokio::test]
async fn the_fallback_detector_itself_works() {
    // The check above would be vacuous if the fallback answered differently.
    let (app, _) = TestApp::with_demo();
    let resp = app.get(&fill("/api/v1/no-such/{id}"), None).await;
    assert_eq!(resp.status, 404);
    assert_eq!(resp.json["errors"][0]["detail"], "route not found");
}

/// Issue 8: an anonymous write is 401 on every route that needs an account, before its body
/// is judged — malformed JSON included — so the answer never depends on which handler parses
/// first. The list of routes is the served OpenAPI document, so a new write route is covered
/// the day it is added.
#[tokio::test]
async fn every_secured_write_answers_401_before_judging_the_body() {
    let (app, _) = TestApp::with_demo();
    let doc = app.get("/api/openapi.json", None).await.json;
    let mut checked = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in ["post", "put", "patch", "delete"] {
            let Some(op) = item.get(method) else { continue };
            let secured = op["security"].as_array().is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            if !secured {
                continue;
            }
            let uri = fill(path);
            let m = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).expect("method");
            for (content_type, body) in [("application/json", b"{not json".to_vec()), ("text/csv", b"\xff\xfe\x00garbage".to_vec())] {
                let resp = app.request(m.clone(), &uri, None, Some(content_type), body).await;
                assert_eq!(resp.status, 401, "{method} {path} ({content_type}) without a token: {} {}", resp.status, resp.text());
                assert_eq!(resp.error_codes(), vec!["unauthorized".to_string()], "{method} {path}: {}", resp.text());
            }
            checked.push(format!("{method} {path}"));
        }
    }
    for must in ["post /api/v1/credentials/skill-level", "post /api/v1/issuance-jobs", "post /api/v1/presentations", "post /api/v1/courses"]
    {
        assert!(checked.iter().any(|c| c == must), "{must} was not among the secured writes: {checked:?}");
    }
}

/// Issue 9 (found by schemathesis, `scripts/api-fuzz`): query filters were documented as
/// required *path* parameters, so no client generated from the document could call a list.
/// Every parameter `in: path` must be a `{name}` of its path; every other one is optional
/// unless the route needs it.
#[tokio::test]
async fn parameters_are_where_the_route_reads_them() {
    let (app, _) = TestApp::with_demo();
    let doc = app.get("/api/openapi.json", None).await.json;
    let mut queries = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
            for p in item[*method]["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().expect("a named parameter");
                match p["in"].as_str() {
                    Some("path") => assert!(path.contains(&format!("{{{name}}}")), "{method} {path}: `{name}` is documented in the path"),
                    Some("query") => queries += 1,
                    other => panic!("{method} {path}: `{name}` in {other:?}"),
                }
            }
        }
    }
    let list = &doc["paths"]["/api/v1/courses"]["get"]["parameters"];
    let per_page = list.as_array().and_then(|ps| ps.iter().find(|p| p["name"] == "per_page")).expect("per_page on GET /courses");
    assert_eq!((per_page["in"].as_str(), per_page["required"].as_bool().unwrap_or(false)), (Some("query"), false));
    assert!(queries >= 30, "only {queries} query parameters documented");
}

/// Issue 9 (schemathesis): the refusals every route shares are documented on every operation
/// that can give them — 401 where a token is taken, 400/422 where there is input, 404 where
/// the path names something — and the document says what the public DID documents are.
#[tokio::test]
async fn shared_refusals_are_documented_on_every_operation() {
    let (app, _) = TestApp::with_demo();
    let doc = app.get("/api/openapi.json", None).await.json;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
            let op = &item[*method];
            let has = |status: &str| op["responses"].get(status).is_some();
            assert!(has("408"), "{method} {path} does not document the request timeout (408)");
            if op["security"].as_array().is_some_and(|s| !s.is_empty()) {
                assert!(has("401"), "{method} {path} takes a token but does not document 401");
            }
            let params = op["parameters"].as_array().map_or(0, Vec::len);
            if params > 0 || op.get("requestBody").is_some() {
                assert!(has("400") && has("422"), "{method} {path} has input but does not document 400 and 422");
            }
            if path.contains('{') {
                assert!(has("404"), "{method} {path} names something but does not document 404");
            }
        }
    }
    // The rate-limited routes document 429 (router.rs: the verifier and the public pages).
    for (path, method) in [("/api/v1/verify", "post"), ("/credentials/{id}", "get"), ("/skills/{id}", "get")] {
        assert!(doc["paths"][path][method]["responses"].get("429").is_some(), "{method} {path} is rate-limited but does not document 429");
    }
    let did = &doc["paths"]["/.well-known/did.json"]["get"]["responses"]["200"]["content"];
    assert!(did.get("application/did+json").is_some(), "{did}");
}

/// A JSON or JSON-LD answer is documented as a JSON value, never as a string: schemathesis
/// parses such a body as JSON and checks it against the declared schema (it found the rules'
/// JSON-LD export declared as `string`).
#[tokio::test]
async fn json_media_types_are_not_documented_as_strings() {
    let (app, _) = TestApp::with_demo();
    let doc = app.get("/api/openapi.json", None).await;
    let mut wrong = Vec::new();
    for (path, item) in doc.json["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let Some(responses) = op["responses"].as_object() else { continue };
            for (status, resp) in responses {
                let Some(content) = resp["content"].as_object() else { continue };
                for (media, body) in content {
                    if media.contains("json") && body["schema"]["type"] == "string" {
                        wrong.push(format!("{method} {path} {status} {media}"));
                    }
                }
            }
        }
    }
    assert!(wrong.is_empty(), "JSON bodies documented as strings: {wrong:?}");
}

/// One resource's key has one name (issue 13): `/organizations/{code}` and
/// `/organizations/{code}/keys`, never `{code}` in one path and `{id}` in the next.
#[tokio::test]
async fn one_resource_names_its_key_the_same_in_every_path() {
    let (app, _) = TestApp::with_demo();
    let doc = app.get("/api/openapi.json", None).await.json;
    let mut names: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> = Default::default();
    for path in doc["paths"].as_object().expect("paths").keys() {
        // Each `{param}` is keyed by the path before it: `/api/v1/organizations/`.
        let mut rest = path.as_str();
        let mut prefix = String::new();
        while let Some(open) = rest.find('{') {
            let close = rest[open..].find('}').expect("closed") + open;
            prefix.push_str(&fill(&rest[..open]));
            names.entry(prefix.clone()).or_default().insert(rest[open + 1..close].to_string());
            prefix.push('x');
            rest = &rest[close + 1..];
        }
    }
    assert!(names.contains_key("/api/v1/organizations/"), "{names:?}");
    let clashes: Vec<_> = names.iter().filter(|(_, n)| n.len() > 1).collect();
    assert!(clashes.is_empty(), "one key, several names: {clashes:?}");
}
