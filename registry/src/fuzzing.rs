//! Entry points for the fuzz targets in `fuzz/` (feature `fuzzing`, off by default): the
//! JSON request bodies, read exactly as the routes read them, without a server or database.
//!
//! The input types stay `pub(crate)` in their modules; this one module reaches them so
//! that nothing else has to become public for the fuzzer.

use std::sync::LazyLock;

use axum::body::Body;
use axum::extract::FromRequest;
use axum::http::{Request, header};
use axum::response::IntoResponse;
use rongtong_catalog::ValidationErrors;
use serde::de::DeserializeOwned;

use crate::error::{AppError, AppJson};

/// The body types of every JSON write endpoint, by name (the fuzz target picks one by its
/// first byte).
pub const BODIES: &[&str] = &[
    "Region",
    "OrganizationInput",
    "UserInput",
    "TokenInput",
    "FrameworkInput",
    "SkillInput",
    "RelationInput",
    "OccupationInput",
    "CourseInput",
    "StatusInput",
    "CurriculumInput",
    "CompletionInput",
    "SkillLevelInput",
    "JobInput",
    "StatusChange",
    "PresentationInput",
    "DemandListInput",
    "DemandStatusInput",
];

static RUNTIME: LazyLock<tokio::runtime::Runtime> =
    LazyLock::new(|| tokio::runtime::Builder::new_current_thread().build().expect("a current-thread runtime"));

/// Reads `body` as the JSON body of type `BODIES[kind % BODIES.len()]`, through the routes'
/// own extractor and then the type's field rules where the route applies them before any SQL.
///
/// # Panics
/// When a refusal would leave as a 5xx or outside the one error envelope: a client's bytes
/// must only ever earn a 4xx that says what is wrong.
pub fn json_body(kind: u8, body: &[u8]) {
    let name = BODIES[usize::from(kind) % BODIES.len()];
    let outcome = match name {
        "Region" => read::<rongtong_catalog::Region>(body, |_| Ok(())),
        "OrganizationInput" => read::<rongtong_catalog::OrganizationInput>(body, |i| i.validate()),
        "UserInput" => read::<crate::models::accounts::UserInput>(body, |_| Ok(())),
        "TokenInput" => read::<crate::routes::accounts::TokenInput>(body, |_| Ok(())),
        "FrameworkInput" => read::<rongtong_catalog::FrameworkInput>(body, |i| i.validate()),
        "SkillInput" => read::<rongtong_catalog::SkillInput>(body, |i| i.validate()),
        "RelationInput" => read::<crate::routes::catalog::RelationInput>(body, |_| Ok(())),
        "OccupationInput" => read::<rongtong_catalog::OccupationInput>(body, |i| i.validate()),
        "CourseInput" => read::<rongtong_catalog::CourseInput>(body, |i| i.validate()),
        "StatusInput" => read::<crate::routes::courses::StatusInput>(body, |_| Ok(())),
        "CurriculumInput" => read::<rongtong_catalog::CurriculumInput>(body, |i| i.validate()),
        "CompletionInput" => read::<crate::models::courses::CompletionInput>(body, |_| Ok(())),
        "SkillLevelInput" => read::<crate::services::credentials::issuance::SkillLevelInput>(body, |_| Ok(())),
        "JobInput" => read::<crate::routes::credentials::JobInput>(body, |_| Ok(())),
        "StatusChange" => read::<crate::routes::credentials::StatusChange>(body, |_| Ok(())),
        "PresentationInput" => read::<crate::routes::credentials::PresentationInput>(body, |_| Ok(())),
        "DemandListInput" => read::<rongtong_catalog::DemandListInput>(body, |i| i.validate()),
        "DemandStatusInput" => read::<crate::routes::demand::DemandStatusInput>(body, |_| Ok(())),
        other => unreachable!("{other} is in BODIES but not read"),
    };
    if let Err(e) = outcome {
        check_refusal(name, e);
    }
}

fn read<T: DeserializeOwned>(body: &[u8], validate: impl FnOnce(&T) -> Result<(), ValidationErrors>) -> Result<(), AppError> {
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/fuzz")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_vec()))
        .expect("a valid request");
    let AppJson(input) = RUNTIME.block_on(AppJson::<T>::from_request(req, &()))?;
    validate(&input).map_err(AppError::Validation)
}

fn check_refusal(name: &str, e: AppError) {
    let shown = e.to_string();
    let response = e.into_response();
    let status = response.status();
    assert!(status.is_client_error(), "{name}: a client's body earned {status}: {shown}");
    let bytes = RUNTIME.block_on(axum::body::to_bytes(response.into_body(), usize::MAX)).expect("an in-memory body");
    let envelope: serde_json::Value = serde_json::from_slice(&bytes).expect("the refusal is JSON");
    let errors = envelope["errors"].as_array().unwrap_or_else(|| panic!("{name}: no `errors` list in {envelope}"));
    assert!(!errors.is_empty(), "{name}: an empty `errors` list");
    for err in errors {
        assert!(err["code"].is_string() && err["detail"].is_string(), "{name}: an error without code or detail: {err}");
    }
}
