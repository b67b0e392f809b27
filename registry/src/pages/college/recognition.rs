//! `/org/recognition`: the recognition (conversion) rules the organisation owns — listed in
//! every status, drafted, submitted for review — and the applications waiting for its
//! decision, approved or rejected here. The checks are `services::recognition` (`check_for`,
//! `change_status`) and `services::applications::decide`, as in the API; who decides is
//! `policy::may_decide_recognition`.

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use rongtong_catalog::{RuleInput, RuleStatus};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::form::{self, Fields};
use super::{Pager, Part, key, member, notice, page_of};
use crate::app::AppState;
use crate::auth::{Caller, OrgScope, Principal};
use crate::error::AppError;
use crate::models::applications::{self as am, ApplicationScope, ApplicationState};
use crate::models::recognition::{self as rm, RuleFilter, RuleView};
use crate::pages::ctx::{CsrfForm, Ctx, PageResult, render};
use crate::pages::layout::{Chrome, FieldErrors};
use crate::services::applications::{self as apps, ApplicationView, DecisionInput};
use crate::services::credentials::issuance::IssueContext;
use crate::services::recognition as svc;

/// Source rows a rule form offers beyond those filled in.
const SPARE_SOURCE_ROWS: usize = 3;
/// The most source rows a form reads.
const MAX_SOURCE_ROWS: usize = 50;
/// The most rules listed (an organisation owns a handful).
const MAX_RULES: i64 = 200;

/// `?page=` (of the applications).
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    /// Page (from 1).
    pub page: Option<i64>,
}

/// The recognition page.
#[derive(Template)]
#[template(path = "web/college/recognition.html")]
pub struct RecognitionPage {
    c: Chrome,
    org: OrgScope,
    rules: Vec<RuleView>,
    pending: Vec<ApplicationView>,
    total_pending: i64,
    pager: Pager,
    /// The application a refused decision was about, and why.
    problem: Option<(String, String)>,
}

impl RecognitionPage {
    /// A rule's status or review stage in the page's language.
    pub fn status_label(&self, s: &str) -> &'static str {
        self.c.t(super::courses::status_key(s))
    }

    /// Why a decision on application `id` was refused (empty if it was not).
    pub fn problem_of(&self, id: &str) -> &str {
        match &self.problem {
            Some((app, why)) if app == id => why,
            _ => "",
        }
    }
}

async fn recognition_page(
    state: &AppState,
    ctx: &Ctx,
    p: Principal,
    org: OrgScope,
    page: Option<i64>,
    problem: Option<(String, String)>,
) -> PageResult<RecognitionPage> {
    let (page, offset) = page_of(page);
    let (rules, pending, total_pending) = state
        .db
        .run(move |c| {
            let f = RuleFilter { owner: Some(org.code.clone()), ..Default::default() };
            let (rules, _) = rm::list_rules(c, &Caller::User(p), &f, MAX_RULES, 0)?;
            let scope =
                ApplicationScope { owner_ids: Some(vec![org.id.clone()]), state: Some(ApplicationState::Pending), ..Default::default() };
            let (rows, total) = am::list_applications(c, &scope, super::PER_PAGE, offset)?;
            Ok::<_, AppError>((rules, apps::views(c, rows)?, total))
        })
        .await?;
    Ok(RecognitionPage {
        c: Chrome::new(ctx, "college.recognition.title").with_notice(notice(ctx)),
        org: member(ctx, Part::Certifying)?.1,
        rules,
        pending,
        total_pending,
        pager: Pager::new(page, total_pending, &[]),
        problem,
    })
}

/// `GET /org/recognition`: the organisation's rules (any status) and the applications
/// waiting for its decision (oldest last, 50 a page).
pub async fn list_recognition(state: AppState, ctx: Ctx, Query(q): Query<PageQuery>) -> PageResult<Response> {
    let (p, org) = member(&ctx, Part::Certifying)?;
    let page = recognition_page(&state, &ctx, p, org, q.page, None).await?;
    Ok(render(&page)?.into_response())
}

/// One source row of the rule form.
#[derive(Debug, Clone, Default)]
pub struct SourceRow {
    /// Outcome key.
    pub outcome: String,
    /// Years, as typed.
    pub within_years: String,
}

/// The rule form's fields, as typed.
#[derive(Debug, Clone, Default)]
pub struct RuleForm {
    code: String,
    version: String,
    title: String,
    description: String,
    target: String,
    effect: String,
    credits: String,
    automatic: bool,
    sources: Vec<SourceRow>,
}

impl RuleForm {
    fn from_fields(f: &Fields) -> RuleForm {
        RuleForm {
            code: f.get("code").to_string(),
            version: f.get("version").to_string(),
            title: f.get("title").to_string(),
            description: f.raw("description").to_string(),
            target: f.get("target").to_string(),
            effect: f.get("effect").to_string(),
            credits: f.get("credits").to_string(),
            automatic: !f.get("automatic").is_empty(),
            sources: (0..MAX_SOURCE_ROWS)
                .map(|i| SourceRow {
                    outcome: f.get(&format!("sources[{i}].outcome")).to_string(),
                    within_years: f.get(&format!("sources[{i}].within_years")).to_string(),
                })
                .filter(|r| !r.outcome.is_empty())
                .collect(),
        }
    }

    /// The body `POST /recognition-rules` would receive, for `owner`.
    fn body(&self, owner: &str) -> Map<String, Value> {
        let mut o = Map::new();
        o.insert("code".into(), Value::String(self.code.clone()));
        form::put_opt(&mut o, "version", &self.version);
        o.insert("owner".into(), Value::String(owner.to_string()));
        o.insert("title".into(), Value::String(self.title.clone()));
        form::put_opt(&mut o, "description", &self.description);
        o.insert("target".into(), Value::String(self.target.clone()));
        o.insert("effect".into(), Value::String(self.effect.clone()));
        let sources = self
            .sources
            .iter()
            .map(|s| {
                let mut m = Map::new();
                m.insert("outcome".into(), Value::String(s.outcome.clone()));
                if !s.within_years.is_empty() {
                    m.insert("within_years".into(), form::number(&s.within_years));
                }
                Value::Object(m)
            })
            .collect();
        o.insert("sources".into(), Value::Array(sources));
        if !self.credits.is_empty() {
            o.insert("credits".into(), form::number(&self.credits));
        }
        o.insert("automatic".into(), Value::Bool(self.automatic));
        o
    }

    /// The source rows to show: those filled in, then a few blank ones.
    pub fn rows(&self) -> Vec<SourceRow> {
        self.sources.iter().cloned().chain(std::iter::repeat_n(SourceRow::default(), SPARE_SOURCE_ROWS)).collect()
    }
}

/// The new-rule form.
#[derive(Template)]
#[template(path = "web/college/rule_form.html")]
pub struct RuleFormPage {
    c: Chrome,
    org: OrgScope,
    form: RuleForm,
    errors: FieldErrors,
    effects: Vec<(&'static str, &'static str)>,
}

impl RuleFormPage {
    fn new(ctx: &Ctx, org: OrgScope, form: RuleForm, errors: FieldErrors) -> RuleFormPage {
        RuleFormPage {
            c: Chrome::new(ctx, "college.rule.new.title"),
            org,
            form,
            errors,
            effects: vec![
                ("exempt_course", "college.rule.effect.exempt_course"),
                ("assessment_eligibility", "college.rule.effect.eligibility"),
                ("exempt_assessment_part:theory", "college.rule.effect.theory"),
                ("exempt_assessment_part:practical", "college.rule.effect.practical"),
            ],
        }
    }

    /// True when source row `i`'s `part` has an error.
    pub fn row_has(&self, i: &usize, part: &str) -> bool {
        self.errors.has(&format!("sources[{i}].{part}"))
    }

    /// The error of source row `i`'s `part`.
    pub fn row_error(&self, i: &usize, part: &str) -> String {
        self.errors.of(&format!("sources[{i}].{part}"))
    }
}

/// `GET /org/recognition/rules/new`: an empty rule form.
pub async fn new_rule(ctx: Ctx) -> PageResult<Response> {
    let (_, org) = member(&ctx, Part::Certifying)?;
    let effect = if org.kind.provides_courses() { "exempt_course" } else { "assessment_eligibility" };
    let form = RuleForm { version: "1".into(), effect: effect.into(), ..Default::default() };
    Ok(render(&RuleFormPage::new(&ctx, org, form, FieldErrors::none()))?.into_response())
}

/// `POST /org/recognition/rules`: drafts a rule owned by the organisation (the checks of
/// `POST /recognition-rules`); errors beside the fields, nothing stored.
pub async fn create_rule(state: AppState, ctx: Ctx, CsrfForm(fields): CsrfForm<Vec<(String, String)>>) -> PageResult<Response> {
    let (p, org) = member(&ctx, Part::Certifying)?;
    let form = RuleForm::from_fields(&Fields(fields));
    let result = match form::input::<RuleInput>(form.body(&org.code)) {
        Ok(input) => {
            state
                .db
                .run(move |c| {
                    crate::db::write_transaction(c, |c| {
                        let checked = svc::check_for(c, &p, &input)?;
                        rm::insert_rule(c, &checked.owner.id, &input, checked.credits, RuleStatus::Draft)
                    })
                })
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/org/recognition?done=created").into_response()),
        Err(e) => {
            let status = e.status_code();
            let errors = FieldErrors::from_error(&e).ok_or(e)?;
            Ok((status, render(&RuleFormPage::new(&ctx, org, form, errors))?).into_response())
        }
    }
}

/// The rule status form.
#[derive(Debug, Deserialize)]
pub struct RuleStatusForm {
    /// `in_review` (submit) or `draft` (withdraw).
    #[serde(default)]
    pub status: String,
}

/// `POST /org/recognition/rules/{id}/status`: submits a draft rule for review, or withdraws
/// it (`services::recognition::change_status`). Another owner's rule is "not found" here.
pub async fn update_rule_status(
    state: AppState,
    ctx: Ctx,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<RuleStatusForm>,
) -> PageResult<Response> {
    let (p, org) = member(&ctx, Part::Certifying)?;
    let id = key(id)?;
    let requested: RuleStatus = f.status.parse().map_err(|_| AppError::invalid("status", format!("`{}`: not a rule status", f.status)))?;
    let who = p.clone();
    let o = org.clone();
    let result = state
        .db
        .run(move |c| {
            let row = rm::find_rule_row(c, &id)?;
            if row.owner_id != o.id {
                return Err(AppError::NotFound(format!("recognition rule {id}")));
            }
            svc::change_status(c, &who, &row, requested, None)
        })
        .await;
    match result {
        Ok(()) => {
            let done = if requested == RuleStatus::InReview { "submitted" } else { "withdrawn" };
            Ok(Redirect::to(&format!("/org/recognition?done={done}")).into_response())
        }
        Err(e @ (AppError::Conflict { .. } | AppError::Forbidden(_))) => {
            let status = e.status_code();
            let page = recognition_page(&state, &ctx, p, org, None, Some((String::new(), e.to_string()))).await?;
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The decision form.
#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    /// `approve` or `reject`.
    #[serde(default)]
    pub decision: String,
    /// Why (required to reject).
    #[serde(default)]
    pub comment: String,
}

/// `POST /org/recognition/applications/{id}/decision`: approves (the recognition credential
/// is issued) or rejects an application waiting for the organisation
/// (`services::applications::decide`, the API's). A refused decision is shown beside the
/// application.
pub async fn create_decision(
    state: AppState,
    ctx: Ctx,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<DecisionForm>,
) -> PageResult<Response> {
    let (p, org) = member(&ctx, Part::Certifying)?;
    let id = key(id)?;
    let mut body = Map::new();
    body.insert("decision".into(), Value::String(f.decision.trim().to_string()));
    form::put_opt(&mut body, "comment", &f.comment);
    let kek = state.kek.clone();
    let base = state.base_url().to_string();
    let (who, app_id) = (p.clone(), id.clone());
    let result = match form::input::<DecisionInput>(body) {
        Ok(input) => {
            state
                .db
                .run(move |c| {
                    let ctx = IssueContext { base_url: &base, kek: &kek };
                    crate::db::write_transaction(c, |c| apps::decide(c, ctx, &who, &app_id, &input))
                })
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/org/recognition?done=decided").into_response()),
        Err(e @ (AppError::Validation(_) | AppError::Conflict { .. } | AppError::Forbidden(_))) => {
            let status = e.status_code();
            let why = FieldErrors::from_error(&e).map(|f| f.items.into_iter().map(|(_, m)| m).collect::<Vec<_>>().join("; "));
            let page = recognition_page(&state, &ctx, p, org, None, Some((id, why.unwrap_or_else(|| e.to_string())))).await?;
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
