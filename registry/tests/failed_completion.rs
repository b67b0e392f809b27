//! Issue 8: a failed learner never gets a pass certificate — through any of the three ways a
//! certificate is issued (one completion over the API, a cohort job over the API, `rongtong
//! issue` on the command line) — and a failed completion is no evidence in matching. One
//! rule (`rongtong_catalog::CompletionResult`) decides all four; this test drives the real
//! server and the real binary.

mod common;

use common::DemoServer;
use serde_json::{Value, json};

/// One HTTP call to the server; any status is an answer, not an error.
fn call(method: &str, url: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let auth = format!("Bearer {token}");
    let mut resp = match body {
        Some(b) => agent.post(url).header("Authorization", &auth).header("Content-Type", "application/json").send(b.to_string()),
        None if method == "GET" => agent.get(url).header("Authorization", &auth).call(),
        None => agent.post(url).header("Authorization", &auth).send_empty(),
    }
    .expect("request");
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn token(server: &DemoServer, user: &str) -> String {
    let out = server.rongtong(&["token", "create", "--user", user]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn a_failed_completion_gets_no_certificate_on_any_path_and_is_no_evidence() {
    let server = DemoServer::start("https://rongtong.test");
    let api = format!("{}/api/v1", server.local);
    let college = token(&server, "pxou-admin");
    // Three learners of Pingxiang fail ZNZZ-03, each result spelled differently.
    let mut failed = Vec::new();
    for (who, result) in [("fail-a", "不合格"), ("fail-b", "fail"), ("fail-c", "55")] {
        let (s, body) = call(
            "POST",
            &format!("{api}/users"),
            &server.token,
            Some(json!({"username": who, "display_name": who, "role": "learner", "region": "360300"})),
        );
        assert_eq!(s, 201, "{body}");
        let (s, body) = call(
            "POST",
            &format!("{api}/completions"),
            &college,
            Some(json!({"learner": who, "course": "ZNZZ-03", "result": result, "completed_on": "2026-07-01"})),
        );
        assert_eq!(s, 201, "{body}");
        failed.push((who, body["id"].as_str().expect("completion id").to_string()));
    }
    // A result that reads as neither pass nor fail is refused when it is recorded.
    let (s, body) = call(
        "POST",
        &format!("{api}/completions"),
        &college,
        Some(json!({"learner": "fail-a", "course": "ZNZZ-04", "result": "还行", "completed_on": "2026-07-01"})),
    );
    assert_eq!((s, body["errors"][0]["field"].as_str()), (422, Some("result")), "{body}");

    // 1. One completion over the API: refused, naming the completion and its result.
    let (s, body) = call("POST", &format!("{api}/completions/{}/credential", failed[0].1), &college, None);
    assert_eq!(s, 422, "{body}");
    assert_eq!(body["errors"][0]["field"], "completion", "{body}");
    let detail = body["errors"][0]["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(&failed[0].1) && detail.contains("不合格"), "{detail}");

    // 2. A cohort job: the failed completions are left out and counted.
    let (s, job) = call("POST", &format!("{api}/issuance-jobs"), &college, Some(json!({"course": "ZNZZ-03"})));
    assert_eq!(s, 202, "{job}");
    let job_url = format!("{api}/issuance-jobs/{}", job["id"].as_str().expect("job id"));
    let mut job = job;
    for _ in 0..200 {
        if matches!(job["state"].as_str(), Some("done" | "failed")) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        job = call("GET", &job_url, &college, None).1;
    }
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(job["not_passed"], 3, "{job}");

    // 3. The command line: the same, reported on standard error.
    let out = server.rongtong(&["issue", "--course", "ZNZZ-03"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    for (_, completion) in &failed {
        assert!(err.contains(&format!("not issued: completion {completion}")), "{err}");
    }
    assert!(String::from_utf8_lossy(&out.stdout).contains("3 not passed"), "{}", String::from_utf8_lossy(&out.stdout));

    // No credential exists for any failed completion, whoever looks.
    let (_, all) = call("GET", &format!("{api}/credentials?per_page=500"), &server.token, None);
    let certified: Vec<&str> = all["items"].as_array().expect("items").iter().filter_map(|c| c["completion_id"].as_str()).collect();
    assert!(!certified.is_empty(), "the demo's passing completions are certified: {all}");
    for (_, completion) in &failed {
        assert!(!certified.contains(&completion.as_str()), "completion {completion} was certified");
    }

    // 4. Matching: the failed completion is neither evidence nor a done course.
    let (s, gap) = call("GET", &format!("{api}/matching/gap?learner=fail-a&occupation=6-18-02-01"), &server.token, None);
    assert_eq!(s, 200, "{gap}");
    let evidence: Vec<&str> =
        gap["result"]["met"].as_array().expect("met").iter().filter_map(|m| m["matched"]["evidence"].as_str()).collect();
    assert!(evidence.iter().all(|e| !e.contains(&failed[0].1)), "{evidence:?}");
    let (_, path) = call("GET", &format!("{api}/matching/path?learner=fail-a&occupation=6-18-02-01"), &server.token, None);
    let steps: Vec<&str> = path["result"]["steps"].as_array().expect("steps").iter().filter_map(|s| s["course"].as_str()).collect();
    assert!(steps.iter().any(|c| c.starts_with("ZNZZ-03")), "the failed course is still to do: {steps:?}");
}
