//! Property test of recognition decisions and the cascade (issue 10, "Tests"): over random
//! sequences of status changes to source credentials, decisions (repeated) and applications,
//! on the demo through the API, after every step:
//!
//! * an application is `approved` only while every source it rests on is in force, and then
//!   its recognition credential is active — so revoking (or suspending) a source always
//!   suspends the recognitions resting on it;
//! * an application resting on a revoked or suspended source is never `approved`;
//! * no application has two credentials and no credential serves two applications, however
//!   often it is decided: recognition credentials = applications with a credential.

#![allow(clippy::unwrap_used)] // a panic in a test is its failure report

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;
use rongtong_tests::{TestApp, enc};
use serde_json::{Value, json};

#[derive(Debug, Clone)]
enum Step {
    /// Suspend, reinstate or revoke the i-th source credential.
    Status(usize, &'static str),
    /// Decide the i-th application (approve or reject), as its owner's admin.
    Decide(usize, bool),
    /// learner-zhang applies for the 铸造工 四级 eligibility with all five modules.
    ApplyEligibility,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0..6usize, prop_oneof![Just("suspend"), Just("reinstate"), Just("revoke")]).prop_map(|(i, a)| Step::Status(i, a)),
        (0..3usize, any::<bool>()).prop_map(|(i, ok)| Step::Decide(i, ok)),
        Just(Step::ApplyEligibility),
    ]
}

/// The sources: chen's robot certificate (jxeval) and zhang's five casting modules (pxou).
async fn sources(app: &TestApp) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (learner, issuer) in [("learner-chen", "jxeval-admin"), ("learner-zhang", "pxou-admin")] {
        let list = app.get("/api/v1/credentials?per_page=200", Some(&app.token_for(learner))).await;
        for c in list.json["items"].as_array().unwrap() {
            let keep = match learner {
                "learner-chen" => c["kind"] == "skill_level",
                _ => c["kind"] == "training" && c["name"].as_str().unwrap_or_default().len() > 0 && c["issuer"] == "pxou",
            };
            if keep {
                out.push((c["id"].as_str().unwrap().to_string(), issuer.to_string()));
            }
        }
    }
    out
}

async fn check_invariants(app: &TestApp, admin: &str) -> Result<(), TestCaseError> {
    let apps = app.get("/api/v1/recognition-applications?per_page=200", Some(admin)).await;
    let creds = app.get("/api/v1/credentials?per_page=500", Some(admin)).await;
    let status: HashMap<String, (String, String)> = creds.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (c["id"].as_str().unwrap().to_string(), (c["kind"].as_str().unwrap().to_string(), c["status"].as_str().unwrap().to_string()))
        })
        .collect();
    let mut seen = HashSet::new();
    let mut with_credential = 0;
    for a in apps.json["items"].as_array().unwrap() {
        let state = a["state"].as_str().unwrap();
        let sources_in_force = a["evidence"].as_array().unwrap().iter().all(|e| status[e["source"].as_str().unwrap()].1 == "active");
        if let Some(c) = a["credential"].as_str() {
            with_credential += 1;
            prop_assert!(seen.insert(c.to_string()), "credential {c} serves two applications");
            let cred_status = &status[c].1;
            if state == "approved" {
                prop_assert_eq!(cred_status.as_str(), "active", "an approved recognition is in force: {}", a);
            } else {
                prop_assert_ne!(cred_status.as_str(), "active", "a suspended recognition's credential is not in force: {}", a);
            }
        }
        if state == "approved" {
            prop_assert!(sources_in_force, "approved while a source is not in force: {}", a);
        }
        if !sources_in_force && a["credential"].is_string() {
            prop_assert_eq!(state, "suspended", "resting on a source not in force: {}", a);
        }
    }
    let recognitions = status.values().filter(|(k, _)| k == "recognition").count();
    prop_assert_eq!(recognitions, with_credential, "one credential per decided application, never two");
    Ok(())
}

async fn run(steps: Vec<Step>) -> Result<(), TestCaseError> {
    let (app, admin) = TestApp::with_demo_credentials();
    let sources = sources(&app).await;
    prop_assert_eq!(sources.len(), 6);
    check_invariants(&app, &admin).await?;
    for s in steps {
        match s {
            Step::Status(i, action) => {
                let (id, issuer) = &sources[i];
                let r = app
                    .post(
                        &format!("/api/v1/credentials/{}/status", enc(id)),
                        Some(&app.token_for(issuer)),
                        json!({"action": action, "reason": "性质测试"}),
                    )
                    .await;
                prop_assert!(r.status == 200 || r.status == 409, "{}", r.text());
            }
            Step::Decide(i, approve) => {
                let apps = app.get("/api/v1/recognition-applications?per_page=200", Some(&admin)).await;
                let items = apps.json["items"].as_array().unwrap();
                let Some(a) = items.get(i % items.len().max(1)) else { continue };
                let owner = format!("{}-admin", a["owner"].as_str().unwrap());
                let body = if approve { json!({"decision": "approve"}) } else { json!({"decision": "reject", "comment": "不符合"}) };
                let path = format!("/api/v1/recognition-applications/{}/decision", a["id"].as_str().unwrap());
                let r = app.post(&path, Some(&app.token_for(&owner)), body).await;
                prop_assert!(r.status == 200 || r.status == 409, "{}", r.text());
                if a["state"] != "pending" {
                    prop_assert_eq!(r.status.as_u16(), 409, "a decided application cannot be decided again");
                }
            }
            Step::ApplyEligibility => {
                let evidence: Vec<Value> = sources[1..].iter().map(|(id, _)| json!({"credential": id})).collect();
                let r = app
                    .post(
                        "/api/v1/recognition-applications",
                        Some(&app.token_for("learner-zhang")),
                        json!({"target": "standard:6-18-02-01:4", "rule": "JXEVAL-R-001", "evidence": evidence}),
                    )
                    .await;
                // Refused (a source not in force: 422; already recognised: 409) or approved at once.
                prop_assert!(matches!(r.status.as_u16(), 201 | 409 | 422), "{}", r.text());
                if r.status == 201 {
                    prop_assert_eq!(&r.json["state"], "approved", "JXEVAL-R-001 is automatic");
                }
            }
        }
        check_invariants(&app, &admin).await?;
    }
    Ok(())
}

proptest! {
    // Each case seeds a demo database: few cases, each a long sequence.
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]
    #[test]
    fn decisions_and_the_cascade_keep_recognitions_consistent(steps in proptest::collection::vec(step(), 1..14)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(run(steps))?;
    }
}
