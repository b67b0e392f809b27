//! CSV uploads (courses, demand, ESCO) and CSV downloads.
//!
//! Uploads take the file as the raw request body (`Content-Type: text/csv`), in UTF-8 (with
//! or without BOM) or GB18030. A file with bad rows is refused whole with 422 and every bad
//! row in the error envelope (`row`, `field` = column, `detail`), unless
//! `?keep_good_rows=true`, in which case the good rows are stored and the bad ones listed in
//! the report.

use axum::body::Bytes;
use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::auth::{Caller, Principal};
use crate::error::{AppError, AppJson, AppPath, AppQuery, AppResult, ErrorBody};
use crate::models::demand as demand_m;
use crate::services::import::{self, EscoReport, ImportOptions, ImportReport};

/// Options of a course upload.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CourseImportParams {
    /// Store the good rows even when some rows are bad.
    #[serde(default)]
    pub keep_good_rows: bool,
    /// Publish the courses at once (region and platform admins only; others go through review).
    #[serde(default)]
    pub publish: bool,
}

/// Imports micro-courses from a CSV body. New courses are drafts of their providers; a
/// draft with the same code and version is updated.
#[utoipa::path(post, path = "/imports/courses", tag = "imports", params(CourseImportParams), request_body(content = String, content_type = "text/csv"), responses((status = 200, body = ImportReport), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_course_import(
    state: AppState,
    p: Principal,
    AppQuery(params): AppQuery<CourseImportParams>,
    body: Bytes,
) -> AppResult<AppJson<ImportReport>> {
    let opts = ImportOptions { keep_good_rows: params.keep_good_rows, publish: params.publish };
    let report = state.db.run(move |c| import::import_courses(c, &body, Some(&p), opts, &mut |_| {})).await?;
    Ok(AppJson(report))
}

/// Options of a demand upload.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DemandImportParams {
    /// Code of the enterprise whose list this is.
    pub enterprise: String,
    /// Title of the new demand list.
    pub title: String,
    /// Publish the list at once.
    #[serde(default)]
    pub publish: bool,
    /// Store the good rows even when some rows are bad.
    #[serde(default)]
    pub keep_good_rows: bool,
}

/// Imports a demand list (one position per row) from a CSV body.
#[utoipa::path(post, path = "/imports/demand", tag = "imports", params(DemandImportParams), request_body(content = String, content_type = "text/csv"), responses((status = 200, body = ImportReport), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_demand_import(
    state: AppState,
    p: Principal,
    AppQuery(params): AppQuery<DemandImportParams>,
    body: Bytes,
) -> AppResult<AppJson<ImportReport>> {
    let opts = ImportOptions { keep_good_rows: params.keep_good_rows, publish: params.publish };
    let report =
        state.db.run(move |c| import::import_demand(c, &body, &params.enterprise, &params.title, Some(&p), opts, &mut |_| {})).await?;
    Ok(AppJson(report))
}

/// Imports an ESCO download: a multipart form whose file parts are named after the official
/// files (`skills_en.csv`, `occupations_en.csv`, `occupationSkillRelations_en.csv`,
/// `broaderRelationsSkillPillar_en.csv`, `skillSkillRelations_en.csv`), any subset.
/// Idempotent: skills and occupations are matched by URI.
#[utoipa::path(post, path = "/imports/esco", tag = "imports", request_body(content = String, content_type = "multipart/form-data"), responses((status = 200, body = EscoReport), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn create_esco_import(
    state: AppState,
    p: Principal,
    form: Result<Multipart, MultipartRejection>,
) -> AppResult<AppJson<EscoReport>> {
    p.ensure(p.can_edit_catalog(), "import into the skills catalog")?;
    // Axum's own rejection is plain text; keep the error envelope.
    let mut form = form.map_err(|e| AppError::bad_field("body", e.body_text()))?;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    while let Some(field) = form.next_field().await.map_err(|e| AppError::bad_field("body", e.body_text()))? {
        let name = field.file_name().or(field.name()).unwrap_or("").to_string();
        let bytes = field.bytes().await.map_err(|e| AppError::bad_field(name.clone(), e.body_text()))?;
        files.push((name, bytes.to_vec()));
    }
    if files.is_empty() {
        return Err(AppError::invalid(
            "body",
            "no files: send the ESCO CSV files as multipart parts named skills_en.csv, occupations_en.csv, …",
        ));
    }
    let report = state.db.run(move |c| import::import_esco_files(c, &files)).await?;
    Ok(AppJson(report))
}

fn csv_response(bytes: Vec<u8>, filename: &str) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        bytes,
    )
        .into_response()
}

/// Filter of the course export.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CourseExportParams {
    /// Only this provider's courses.
    pub provider: Option<String>,
}

/// Downloads the published course catalog as CSV (UTF-8 with BOM, so Excel shows the
/// Chinese correctly), in the import format.
#[utoipa::path(get, path = "/exports/courses.csv", tag = "imports", params(CourseExportParams), responses((status = 200, content_type = "text/csv", body = String)))]
pub async fn find_course_export(state: AppState, AppQuery(params): AppQuery<CourseExportParams>) -> AppResult<Response> {
    let bytes = state.db.run(move |c| import::export_courses(c, params.provider.as_deref(), true)).await?;
    Ok(csv_response(bytes, "courses.csv"))
}

/// Downloads the skills catalog as CSV.
#[utoipa::path(get, path = "/exports/skills.csv", tag = "imports", responses((status = 200, content_type = "text/csv", body = String)))]
pub async fn find_skill_export(state: AppState) -> AppResult<Response> {
    let bytes = state.db.run(import::export_skills).await?;
    Ok(csv_response(bytes, "skills.csv"))
}

/// Downloads one demand list's positions as CSV, in the import format.
#[utoipa::path(get, path = "/exports/demand-lists/{id}", tag = "imports", params(("id" = String, Path)), responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = ErrorBody)))]
pub async fn find_demand_export(state: AppState, caller: Caller, AppPath(id): AppPath<String>) -> AppResult<Response> {
    let bytes = state
        .db
        .run(move |c| {
            let row = demand_m::find_visible_list_row(c, caller.principal(), &id)?;
            let view = demand_m::list_views(c, vec![row])?.remove(0);
            import::export_demand(&view)
        })
        .await?;
    Ok(csv_response(bytes, "demand.csv"))
}
