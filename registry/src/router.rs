//! Every route of the service, in one table.
//!
//! Routes are registered through `utoipa_axum`'s `routes!`, which takes each handler's
//! `#[utoipa::path]` for both the axum route and the OpenAPI entry, so the served document
//! (`/api/openapi.json`) cannot drift from the routes; a test checks it anyway.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::get;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as OpenApiDoc, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::error::{ErrorBody, ErrorItem};
use crate::pages::{certificate, skill};
use crate::routes::{
    accounts, applications, catalog, courses, credentials, demand, health, imports, learners, matching, metrics, recognition, trust,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "Rongtong (融通) registry API", description = "Skills catalog, micro-courses, demand lists and matching for 产教融合. Errors always use the envelope {\"errors\":[{\"code\",\"detail\",\"field\",\"row\"}]}."),
    modifiers(&BearerAuth),
    tags(
        (name = "health"), (name = "accounts", description = "Regions, organizations, users, tokens"),
        (name = "catalog", description = "Skill frameworks, skills, occupations"),
        (name = "courses", description = "Micro-courses, curricula, completions"),
        (name = "demand", description = "Talent-demand lists"),
        (name = "imports", description = "CSV import and export"),
        (name = "credentials", description = "Verifiable credentials: issuance, status, presentations, verification"),
        (name = "public", description = "Public documents outside /api/v1: DID documents, status lists, credential pages, skill URIs"),
        (name = "recognition", description = "Mutual recognition (互通互认): the outcome catalogue and conversion rules"),
        (name = "matching", description = "Demand coverage, learner gaps, learning paths, candidate ranking, curriculum alignment, supply and demand"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    }
}

/// The `/api/v1` routes with their OpenAPI description.
fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health::find_health))
        .routes(routes!(health::find_ready))
        // accounts
        .routes(routes!(accounts::list_regions, accounts::create_region))
        .routes(routes!(accounts::find_region))
        .routes(routes!(accounts::list_organizations, accounts::create_organization))
        .routes(routes!(accounts::find_organization, accounts::update_organization))
        .routes(routes!(accounts::find_me))
        .routes(routes!(accounts::list_users, accounts::create_user))
        .routes(routes!(accounts::find_user))
        .routes(routes!(accounts::list_tokens, accounts::create_token))
        .routes(routes!(accounts::delete_token))
        // catalog
        .routes(routes!(catalog::list_frameworks, catalog::create_framework))
        .routes(routes!(catalog::list_skills, catalog::create_skill))
        .routes(routes!(catalog::find_skill, catalog::update_skill))
        .routes(routes!(catalog::list_skill_relations, catalog::create_skill_relation))
        .routes(routes!(catalog::list_occupations, catalog::create_occupation))
        .routes(routes!(catalog::find_occupation))
        // courses
        .routes(routes!(courses::list_courses, courses::create_course))
        .routes(routes!(courses::find_course, courses::update_course, courses::delete_course))
        .routes(routes!(courses::update_course_status))
        .routes(routes!(courses::list_course_reviews))
        .routes(routes!(courses::list_curricula, courses::create_curriculum))
        .routes(routes!(courses::find_curriculum, courses::update_curriculum, courses::delete_curriculum))
        .routes(routes!(courses::list_completions, courses::create_completion))
        // credentials (issue 4)
        .routes(routes!(credentials::create_completion_credential))
        .routes(routes!(credentials::create_skill_level_credential))
        .routes(routes!(credentials::list_credentials))
        .routes(routes!(credentials::find_credential))
        .routes(routes!(credentials::update_credential_status))
        .routes(routes!(credentials::create_issuance_job))
        .routes(routes!(credentials::find_issuance_job))
        .routes(routes!(credentials::create_presentation))
        .routes(routes!(credentials::create_org_key))
        // demand
        .routes(routes!(demand::list_demand_lists, demand::create_demand_list))
        .routes(routes!(demand::find_demand_list, demand::update_demand_list, demand::delete_demand_list))
        .routes(routes!(demand::update_demand_status))
        // imports and exports
        .routes(routes!(imports::create_esco_import))
        .routes(routes!(imports::create_course_import))
        .routes(routes!(imports::create_demand_import))
        .routes(routes!(imports::find_course_export))
        .routes(routes!(imports::find_demand_export))
        .routes(routes!(imports::find_skill_export))
        // recognition (issue 10)
        .routes(routes!(recognition::list_outcomes))
        .routes(routes!(recognition::list_recognition_rules, recognition::create_recognition_rule))
        .routes(routes!(recognition::find_recognition_rule, recognition::update_recognition_rule, recognition::delete_recognition_rule))
        .routes(routes!(recognition::update_recognition_rule_status))
        .routes(routes!(recognition::list_recognition_rule_reviews))
        .routes(routes!(recognition::create_recognition_rule_import))
        .routes(routes!(recognition::find_recognition_rule_export))
        .routes(routes!(recognition::find_recognition_rule_jsonld_export))
        // recognition applications and decisions (issue 10, part 3)
        .routes(routes!(applications::list_recognition_applications, applications::create_recognition_application))
        .routes(routes!(applications::find_recognition_application))
        .routes(routes!(applications::create_recognition_decision))
        // the lifelong credit account and CLR transcripts (issue 10, part 5)
        .routes(routes!(learners::find_learner_account))
        .routes(routes!(learners::find_learner_transcript))
        // trusted external issuers and learners' external credentials (issue 10, part 4)
        .routes(routes!(trust::list_trusted_issuers, trust::create_trusted_issuer))
        .routes(routes!(trust::create_trusted_issuer_recheck))
        .routes(routes!(trust::find_trusted_issuer, trust::update_trusted_issuer, trust::delete_trusted_issuer))
        .routes(routes!(trust::list_external_credentials, trust::create_external_credential))
        .routes(routes!(trust::find_external_credential, trust::delete_external_credential))
        // matching (issue 3)
        .routes(routes!(matching::find_coverage))
        .routes(routes!(matching::find_gap))
        .routes(routes!(matching::find_path))
        .routes(routes!(matching::find_candidates))
        .routes(routes!(matching::find_alignment))
        .routes(routes!(matching::find_supply_demand))
        .routes(routes!(matching::find_snapshot))
        // recognition suggestions (issue 10, part 2)
        .routes(routes!(matching::find_recognition_suggestions, recognition::create_recognition_rule_from_suggestion))
}

/// Routes anyone may call without an account, each behind the per-client rate limit
/// (`RONGTONG_RATE_LIMIT_PER_MINUTE`, answered 429 with `Retry-After` and the envelope).
fn rate_limited(routes: OpenApiRouter<AppState>, state: &AppState) -> OpenApiRouter<AppState> {
    crate::limits::rate_limited(routes, &state.config.server.limits)
}

/// `POST /api/v1/verify`: public, so rate-limited; it reads its own body within the caller's
/// limit (anonymous 1 MiB, authenticated more; see `create_verification`).
fn verifier() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(credentials::create_verification))
}

/// Public documents outside `/api/v1` that verifiers fetch by machine, at the paths they
/// derive from DIDs and credentials: `did:web` documents and status lists. Not rate-limited:
/// they are small, cached, and one verifier service behind one address checks thousands of
/// certificates — a 429 here would make a valid certificate fail to verify.
fn public_documents() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(credentials::find_platform_did))
        .routes(routes!(credentials::find_org_did))
        .routes(routes!(credentials::find_status_list))
}

/// Public pages people open: credential pages (what a scanned QR code opens) and the skill
/// URIs minted here (`/skills/{id}`), which resolve to JSON-LD or HTML. Rate-limited per
/// client address, like the verifier.
fn public_pages() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(certificate::find_public_credential)).routes(routes!(skill::find_public_skill))
}

/// The OpenAPI 3.1 document of every `/api/v1` route.
pub fn openapi() -> OpenApiDoc {
    let (_, mut doc) = OpenApiRouter::<AppState>::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", api().merge(verifier()))
        .merge(public_documents())
        .merge(public_pages())
        .split_for_parts();
    document_common_errors(&mut doc);
    doc
}

/// Adds the refusals every route shares to each operation that does not list them, so that a
/// client (and schemathesis, `scripts/api-fuzz`) can rely on the documented status codes:
/// 408 everywhere (the request timeout), 400 and 422 where the request has parameters or a body (malformed, or against a field's
/// rule), 413 where it has a body, 401 where it takes a token, 404 where the path names
/// something. Written once here rather than on each of the 70-odd `#[utoipa::path]`s.
fn document_common_errors(doc: &mut OpenApiDoc) {
    let envelope = |description: &str| {
        let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build();
        RefOr::T(ResponseBuilder::new().description(description).content("application/json", content).build())
    };
    for item in doc.paths.paths.values_mut() {
        let ops = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
        for op in ops.into_iter().flatten() {
            let params = op.parameters.as_deref().unwrap_or_default();
            let has_path = params.iter().any(|p| matches!(p.parameter_in, ParameterIn::Path));
            let has_input = !params.is_empty() || op.request_body.is_some();
            let mut add = |status: &str, description: &str| {
                op.responses.responses.entry(status.to_string()).or_insert_with(|| envelope(description));
            };
            add("408", "The request took longer than `RONGTONG_REQUEST_TIMEOUT_SECS`");
            if has_input {
                add("400", "Malformed request: unreadable parameter or body, or the wrong content type");
                add("422", "A field breaks its rule; `field` names it");
            }
            if op.request_body.is_some() {
                add("413", "Body larger than the server's limit");
            }
            if has_path {
                add("404", "Nothing by that name");
            }
            if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                add("401", "No token, or a token that is unknown, expired or revoked");
            }
        }
    }
}

/// Builds the whole service. Tests drive this router directly with `tower::ServiceExt::oneshot`.
pub fn build_router(state: AppState) -> Router {
    let max_body = state.config.server.max_body_bytes;
    let timeout = state.config.server.limits.request_timeout;
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", api().merge(rate_limited(verifier(), &state)))
        .merge(public_documents())
        .merge(rate_limited(public_pages(), &state))
        .split_for_parts();
    document_common_errors(&mut doc);
    router
        .route("/api/openapi.json", get(move || async move { axum::Json(doc) }))
        .route("/metrics", get(metrics::find_metrics))
        // The web application (issue 11): HTML pages for people, outside /api/v1.
        .merge(crate::pages::routes(&state))
        .fallback_service(crate::pages::fallback(&state))
        // After every route: a known path with an unsupported method gets the envelope too
        // (axum's own 405 has an empty body). axum still adds the `Allow` header.
        .method_not_allowed_fallback(|| async {
            let detail = "this route does not support this method; see /api/openapi.json".to_string();
            (
                StatusCode::METHOD_NOT_ALLOWED,
                axum::Json(ErrorBody { errors: vec![ErrorItem { code: "method_not_allowed", detail, field: None, row: None }] }),
            )
        })
        .layer(DefaultBodyLimit::max(max_body))
        // Error responses axum writes itself (a bare 413) get the envelope too.
        .layer(axum::middleware::map_response(crate::error::envelope_bare_errors))
        // Every request, its body read included, within `RONGTONG_REQUEST_TIMEOUT_SECS`.
        .layer(axum::middleware::from_fn(move |req, next| crate::limits::request_timeout(timeout, req, next)))
        // Operability (docs/API.md): per-route counts and latency, one log line per request,
        // and an `x-request-id` kept or made (outermost, so the log line carries it) and echoed.
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::metrics::track))
        .layer(crate::logging::request_trace())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}
