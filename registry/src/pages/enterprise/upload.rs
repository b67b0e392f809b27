//! `/org/demand/upload`: a demand list from a CSV file (one position per row; UTF-8, with or
//! without BOM, UTF-16 or GB18030 as Excel on Chinese Windows saves it), read by the same
//! importer as `POST /api/v1/imports/demand` (`services::import::import_demand`). A file with
//! any bad row stores nothing and comes back with every bad row in a table (row, column,
//! reason); a good file becomes a new list (a draft, or published at once when asked).

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rongtong_catalog::csvio::DEMAND_COLUMNS;
use rongtong_catalog::csvio::RowError;

use super::form::NewQuery;
use super::{Desk, desk};
use crate::app::AppState;
use crate::error::AppError;
use crate::pages::ctx::{CsrfMultipart, Ctx, PageResult, render};
use crate::pages::layout::{Chrome, FieldErrors};
use crate::services::demand as svc;
use crate::services::import::{self, ImportOptions};

/// The upload page.
#[derive(Template)]
#[template(path = "web/enterprise/upload.html")]
pub struct UploadPage {
    c: Chrome,
    /// True when the enterprise is typed (admins).
    ask_enterprise: bool,
    enterprise: String,
    enterprise_name: String,
    title: String,
    publish: bool,
    /// The file's name, when one was sent.
    file_name: String,
    errors: FieldErrors,
    /// Every bad row of the file (nothing was stored).
    bad_rows: Vec<RowError>,
    /// Their number.
    bad_count: i64,
    /// The file's columns, for the help text: (name, Chinese header, required).
    columns: Vec<(&'static str, &'static str, bool)>,
}

impl UploadPage {
    /// An empty form for `enterprise` (named `enterprise_name`).
    fn new(ctx: &Ctx, ask_enterprise: bool, enterprise: String, enterprise_name: String) -> UploadPage {
        UploadPage {
            c: Chrome::new(ctx, "enterprise.upload.title").titled(enterprise_name.clone()),
            ask_enterprise,
            enterprise,
            enterprise_name,
            title: String::new(),
            publish: false,
            file_name: String::new(),
            errors: FieldErrors::none(),
            bad_rows: Vec::new(),
            bad_count: 0,
            columns: columns(),
        }
    }
}

fn columns() -> Vec<(&'static str, &'static str, bool)> {
    DEMAND_COLUMNS.iter().map(|c| (c.name, c.aliases.first().copied().unwrap_or(""), c.required)).collect()
}

/// The enterprise's name (empty when none is named yet).
async fn enterprise_name(state: &AppState, code: String) -> PageResult<String> {
    if code.is_empty() {
        return Ok(String::new());
    }
    Ok(state.db.run(move |c| crate::models::accounts::find_org(c, &code).map(|o| o.name_zh)).await.unwrap_or_default())
}

/// `GET /org/demand/upload`: the form (title, file, "publish at once").
pub async fn find_upload(state: AppState, ctx: Ctx, Query(q): Query<NewQuery>) -> PageResult<Response> {
    let (p, desk) = desk(&ctx)?;
    let (ask_enterprise, enterprise) = match desk {
        Desk::Enterprise(code) => (false, code),
        Desk::Admin => (true, q.enterprise.unwrap_or_default().trim().to_string()),
    };
    if !enterprise.is_empty() {
        let (p, code) = (p.clone(), enterprise.clone());
        state.db.run(move |c| svc::enterprise_for(c, &p, &code).map(|_| ())).await?;
    }
    let name = enterprise_name(&state, enterprise.clone()).await?;
    Ok(render(&UploadPage::new(&ctx, ask_enterprise, enterprise, name))?.into_response())
}

/// `POST /org/demand/upload`: imports the file as a new list and goes to it; or the form again
/// (422) with the bad rows in a table, or the field at fault (title, enterprise, a missing
/// column), and nothing stored.
pub async fn create_upload(state: AppState, ctx: Ctx, form: CsrfMultipart) -> PageResult<Response> {
    let (p, desk) = desk(&ctx)?;
    let (ask_enterprise, enterprise) = match desk {
        Desk::Enterprise(code) => (false, code),
        Desk::Admin => (true, form.field("enterprise").to_string()),
    };
    let title = form.field("title").to_string();
    let publish = !form.field("publish").is_empty();
    let file = form.file("file").cloned();
    let file_name = file.as_ref().map(|(_, name, _)| name.clone()).unwrap_or_default();
    let result = match file {
        None => Err(AppError::invalid("file", "choose a CSV file of positions to upload")),
        Some((_, _, bytes)) => {
            let (p, code, t) = (p.clone(), enterprise.clone(), title.clone());
            let opts = ImportOptions { keep_good_rows: false, publish };
            state.db.run(move |c| import::import_demand(c, &bytes, &code, &t, Some(&p), opts, &mut |_| {})).await
        }
    };
    let err = match result {
        Ok(report) => match report.demand_list_id {
            Some(id) => return Ok(Redirect::to(&format!("/org/demand/{id}?done=imported")).into_response()),
            None => AppError::invalid("file", "the file has no positions: one row per position under the header row"),
        },
        Err(e) => e,
    };
    let (errors, bad_rows) = match err {
        AppError::CsvRows(rows) => (FieldErrors::none(), rows),
        e => (FieldErrors::from_error(&e).ok_or(e)?, Vec::new()),
    };
    let name = enterprise_name(&state, enterprise.clone()).await?;
    let page = UploadPage {
        title,
        publish,
        file_name,
        errors,
        bad_count: bad_rows.len() as i64,
        bad_rows,
        ..UploadPage::new(&ctx, ask_enterprise, enterprise, name)
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}
