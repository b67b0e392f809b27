//! `/org/completions`: recording that learners completed the organisation's courses — one
//! at a time with a form, or many with a CSV upload (all or nothing: any bad row refuses the
//! file and every bad row is shown) — and the records so far, with whether a certificate was
//! issued for each. Both paths run `services::courses`' checks, those of `POST /completions`.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rongtong_catalog::CourseStatus;
use rongtong_catalog::csvio::RowError;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::form;
use super::{Pager, Part, member, notice, page_of};
use crate::app::AppState;
use crate::auth::{Caller, OrgScope, Principal};
use crate::error::AppError;
use crate::models::courses::{self as m, CompletionInput, CompletionView, CourseFilter, ProviderCompletions};
use crate::pages::ctx::{CsrfForm, CsrfMultipart, Ctx, PageResult, render};
use crate::pages::layout::{Chrome, FieldErrors};
use crate::services::courses as svc;

/// `?page=&n=`.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// Page (from 1).
    pub page: Option<i64>,
    /// How many records an upload stored (shown with its notice).
    pub n: Option<i64>,
}

/// The completion form's fields.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CompletionForm {
    /// Learner username.
    #[serde(default)]
    pub learner: String,
    /// Course id.
    #[serde(default)]
    pub course: String,
    /// Result.
    #[serde(default)]
    pub result: String,
    /// Date, `YYYY-MM-DD`.
    #[serde(default)]
    pub completed_on: String,
    /// Assessor.
    #[serde(default)]
    pub assessor: String,
}

impl CompletionForm {
    /// The body `POST /completions` would receive.
    fn body(&self) -> Map<String, Value> {
        let mut o = Map::new();
        o.insert("learner".into(), Value::String(self.learner.trim().to_string()));
        o.insert("course".into(), Value::String(self.course.trim().to_string()));
        o.insert("result".into(), Value::String(self.result.trim().to_string()));
        o.insert("completed_on".into(), Value::String(self.completed_on.trim().to_string()));
        form::put_opt(&mut o, "assessor", self.assessor.trim());
        o
    }
}

/// One record of the list, with its certificate (if issued).
#[derive(Debug, Clone)]
pub struct Row {
    /// The record.
    pub completion: CompletionView,
    /// Whether a certificate was issued for it.
    pub certified: bool,
}

/// The completions page.
#[derive(Template)]
#[template(path = "web/college/completions.html")]
pub struct CompletionsPage {
    c: Chrome,
    /// Courses a completion may be recorded for: (id, label).
    courses: Vec<(String, String)>,
    form: CompletionForm,
    errors: FieldErrors,
    /// The upload's file-level errors (header row, encoding, no file).
    upload_errors: FieldErrors,
    /// The upload's bad rows.
    row_errors: Vec<RowError>,
    rows: Vec<Row>,
    total: i64,
    pager: Pager,
    /// How many records an upload stored.
    stored: Option<i64>,
}

/// What a render of the page shows besides the list.
#[derive(Default)]
struct Shown {
    form: CompletionForm,
    errors: FieldErrors,
    upload_errors: FieldErrors,
    row_errors: Vec<RowError>,
}

async fn page(state: &AppState, ctx: &Ctx, p: Principal, org: OrgScope, page: Option<i64>, shown: Shown) -> PageResult<CompletionsPage> {
    let (page, offset) = page_of(page);
    let (courses, items, total) = state
        .db
        .run(move |c| {
            let filter = CourseFilter { provider: Some(org.code.clone()), status: Some(CourseStatus::Published), ..Default::default() };
            let (courses, _) = m::list_courses(c, &Caller::User(p), &filter, 500, 0)?;
            let (items, total) = m::provider_completions(c, &org.id, &ProviderCompletions::default(), super::PER_PAGE, offset)?;
            let ids: Vec<String> = items.iter().map(|v| v.id.clone()).collect();
            let certified = crate::models::credentials::credentials_of_completions(c, &ids)?;
            let rows = items.into_iter().map(|v| Row { certified: certified.contains_key(&v.id), completion: v }).collect::<Vec<_>>();
            Ok::<_, AppError>((courses, rows, total))
        })
        .await?;
    let mut form = shown.form;
    if form.completed_on.is_empty() {
        form.completed_on = chrono::Utc::now().date_naive().to_string();
    }
    if form.result.is_empty() {
        form.result = "合格".into();
    }
    Ok(CompletionsPage {
        c: Chrome::new(ctx, "college.completions.title").with_notice(notice(ctx)),
        courses: courses.into_iter().map(|v| (v.id, format!("{}@{} {}", v.code, v.version, v.title_zh))).collect(),
        form,
        errors: shown.errors,
        upload_errors: shown.upload_errors,
        row_errors: shown.row_errors,
        rows: items,
        total,
        pager: Pager::new(page, total, &[]),
        stored: None,
    })
}

/// `GET /org/completions`: the forms and the records so far (newest first, 50 a page).
pub async fn list_completions(state: AppState, ctx: Ctx, Query(q): Query<ListQuery>) -> PageResult<Response> {
    let (p, org) = member(&ctx, Part::Teaching)?;
    let mut page = page(&state, &ctx, p, org, q.page, Shown::default()).await?;
    page.stored = q.n;
    Ok(render(&page)?.into_response())
}

/// `POST /org/completions`: records one completion (`services::courses::record_completion`);
/// errors beside the fields, nothing stored.
pub async fn create_completion(state: AppState, ctx: Ctx, CsrfForm(f): CsrfForm<CompletionForm>) -> PageResult<Response> {
    let (p, org) = member(&ctx, Part::Teaching)?;
    let who = p.clone();
    let result = match form::input::<CompletionInput>(f.body()) {
        Ok(input) => state.db.run(move |c| svc::record_completion(c, &who, &input)).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/org/completions?done=recorded&n=1").into_response()),
        Err(e) => {
            let status = e.status_code();
            let errors = FieldErrors::from_error(&e).ok_or(e)?;
            let page = page(&state, &ctx, p, org, None, Shown { form: f, errors, ..Default::default() }).await?;
            Ok((status, render(&page)?).into_response())
        }
    }
}

/// `POST /org/completions/upload`: records every row of a CSV file
/// (`services::courses::import_completions`), or none: a bad file is shown again with a
/// table of every bad row (422).
pub async fn create_completion_upload(state: AppState, ctx: Ctx, upload: CsrfMultipart) -> PageResult<Response> {
    let (p, org) = member(&ctx, Part::Teaching)?;
    let who = p.clone();
    let result = match upload.file("file") {
        Some((_, _, bytes)) => {
            let bytes = bytes.clone();
            state.db.run(move |c| svc::import_completions(c, &who, &bytes)).await
        }
        None => Err(AppError::invalid("file", "choose a CSV file to upload")),
    };
    let shown = match result {
        Ok(report) => return Ok(Redirect::to(&format!("/org/completions?done=recorded&n={}", report.created)).into_response()),
        Err(AppError::CsvRows(rows)) => Shown { row_errors: rows, ..Default::default() },
        Err(AppError::Validation(mut v)) => {
            // Header and encoding problems name a column or the file: all are the file's.
            v.errors.iter_mut().for_each(|e| e.field = format!("file.{}", e.field));
            Shown { upload_errors: FieldErrors::from_error(&AppError::Validation(v)).unwrap_or_default(), ..Default::default() }
        }
        Err(e) => return Err(e.into()),
    };
    let page = page(&state, &ctx, p, org, None, shown).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}
