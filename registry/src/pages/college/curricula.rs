//! `/org/curricula`: the organisation's curricula (专业教学方案) — programmes of ordered
//! modules — listed, created and edited through `services::courses` (the API's checks).

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use rongtong_catalog::CurriculumInput;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::form::{self, Fields};
use super::{Pager, Part, key, member, notice, page_of};
use crate::app::AppState;
use crate::auth::OrgScope;
use crate::error::AppError;
use crate::models::courses::{self as m, CurriculumView};
use crate::pages::ctx::{CsrfForm, Ctx, PageResult, render};
use crate::pages::layout::{Chrome, FieldErrors};
use crate::services::courses as svc;

/// `?page=`.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    /// Page (from 1).
    pub page: Option<i64>,
}

/// The curriculum list.
#[derive(Template)]
#[template(path = "web/college/curricula.html")]
pub struct CurriculaPage {
    c: Chrome,
    curricula: Vec<CurriculumView>,
    total: i64,
    pager: Pager,
}

/// `GET /org/curricula`: the organisation's curricula, 50 a page.
pub async fn list_curricula(state: AppState, ctx: Ctx, Query(q): Query<PageQuery>) -> PageResult<Response> {
    let (_, org) = member(&ctx, Part::Teaching)?;
    let (page, offset) = page_of(q.page);
    let (curricula, total) = state.db.run(move |c| m::list_curricula(c, Some(&org.code), super::PER_PAGE, offset)).await?;
    let c = Chrome::new(&ctx, "college.curricula.title").with_notice(notice(&ctx));
    Ok(render(&CurriculaPage { c, curricula, total, pager: Pager::new(page, total, &[]) })?.into_response())
}

/// The curriculum form's fields, as typed.
#[derive(Debug, Clone, Default)]
pub struct CurriculumForm {
    code: String,
    title_zh: String,
    title_en: String,
    /// Module codes, one a line (or separated by commas).
    modules: String,
}

impl CurriculumForm {
    fn from_fields(f: &Fields) -> CurriculumForm {
        CurriculumForm {
            code: f.get("code").to_string(),
            title_zh: f.get("title_zh").to_string(),
            title_en: f.get("title_en").to_string(),
            modules: f.raw("modules").to_string(),
        }
    }

    /// The body `POST /curricula` would receive.
    fn body(&self, provider: &str) -> Map<String, Value> {
        let mut o = Map::new();
        o.insert("code".into(), Value::String(self.code.clone()));
        o.insert("title_zh".into(), Value::String(self.title_zh.clone()));
        form::put_opt(&mut o, "title_en", &self.title_en);
        o.insert("provider".into(), Value::String(provider.to_string()));
        o.insert("modules".into(), Value::Array(form::list(&self.modules).into_iter().map(Value::String).collect()));
        o
    }
}

/// The curriculum form (new or edit).
#[derive(Template)]
#[template(path = "web/college/curriculum_form.html")]
pub struct CurriculumFormPage {
    c: Chrome,
    action: String,
    editing: bool,
    form: CurriculumForm,
    errors: FieldErrors,
}

fn form_page(ctx: &Ctx, action: String, editing: bool, form: CurriculumForm, errors: FieldErrors) -> CurriculumFormPage {
    let title = if editing { "college.curriculum.edit.title" } else { "college.curriculum.new.title" };
    CurriculumFormPage { c: Chrome::new(ctx, title), action, editing, form, errors }
}

/// `GET /org/curricula/new`: an empty curriculum form.
pub async fn new_curriculum(ctx: Ctx) -> PageResult<Response> {
    member(&ctx, Part::Teaching)?;
    Ok(render(&form_page(&ctx, "/org/curricula".into(), false, CurriculumForm::default(), FieldErrors::none()))?.into_response())
}

/// Saves a curriculum form with `save`; errors beside the fields, nothing stored.
async fn save<F>(
    state: AppState,
    ctx: Ctx,
    org: OrgScope,
    action: String,
    editing: bool,
    form: CurriculumForm,
    save: F,
) -> PageResult<Response>
where
    F: FnOnce(&mut crate::db::DbConnection, &CurriculumInput) -> crate::error::AppResult<CurriculumView> + Send + 'static,
{
    let result = match form::input::<CurriculumInput>(form.body(&org.code)) {
        Ok(input) => state.db.run(move |c| save(c, &input)).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/org/curricula?done={}", if editing { "saved" } else { "created" })).into_response()),
        Err(e) => match FieldErrors::from_error(&e) {
            Some(errors) => Ok((e.status_code(), render(&form_page(&ctx, action, editing, form, errors))?).into_response()),
            None => Err(e.into()),
        },
    }
}

/// `POST /org/curricula`: creates a curriculum of the organisation.
pub async fn create_curriculum(state: AppState, ctx: Ctx, CsrfForm(fields): CsrfForm<Vec<(String, String)>>) -> PageResult<Response> {
    let (p, org) = member(&ctx, Part::Teaching)?;
    let form = CurriculumForm::from_fields(&Fields(fields));
    save(state, ctx, org, "/org/curricula".into(), false, form, move |c, input| svc::create_curriculum(c, &p, input)).await
}

/// The organisation's curriculum `id`; another organisation's is "not found" here.
fn own_curriculum(c: &mut crate::db::DbConnection, org: &OrgScope, id: &str) -> crate::error::AppResult<CurriculumView> {
    let (view, provider_id) = m::find_curriculum(c, id)?;
    if provider_id != org.id {
        return Err(AppError::NotFound(format!("curriculum {id}")));
    }
    Ok(view)
}

/// `GET /org/curricula/{id}`: the curriculum's form, filled in.
pub async fn edit_curriculum(state: AppState, ctx: Ctx, Path(id): Path<String>) -> PageResult<Response> {
    let (_, org) = member(&ctx, Part::Teaching)?;
    let id = key(id)?;
    let view = state.db.run(move |c| own_curriculum(c, &org, &id)).await?;
    let form = CurriculumForm {
        code: view.code.clone(),
        title_zh: view.title_zh.clone(),
        title_en: view.title_en.clone().unwrap_or_default(),
        modules: view.modules.join("\n"),
    };
    Ok(render(&form_page(&ctx, format!("/org/curricula/{}", view.id), true, form, FieldErrors::none()))?.into_response())
}

/// `POST /org/curricula/{id}`: saves a curriculum's title and modules.
pub async fn update_curriculum(
    state: AppState,
    ctx: Ctx,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let (p, org) = member(&ctx, Part::Teaching)?;
    let id = key(id)?;
    let form = CurriculumForm::from_fields(&Fields(fields));
    let o = org.clone();
    let action = format!("/org/curricula/{id}");
    save(state, ctx, org, action, true, form, move |c, input| {
        own_curriculum(c, &o, &id)?;
        svc::update_curriculum(c, &p, &id, input)
    })
    .await
}
