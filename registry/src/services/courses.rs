//! Courses, curricula and completion records as their providers write them: the checks and
//! writes that the JSON routes (`routes::courses`) and the college pages (`pages::college`)
//! both run, so a form and an API call with the same input get the same answer.
//!
//! - who may write for a provider: [`provider_for`] (a college or training centre, and the
//!   caller covers it — `Principal::can_edit_org_content`);
//! - a course: [`create_course`], [`update_course`] (drafts only), [`change_status`] (the
//!   review, `services::review`);
//! - a curriculum: [`create_curriculum`], [`update_curriculum`];
//! - a completion record: [`check_completion`] (its fields), [`completion_target`] (the
//!   learner and course it is of, and the caller's right), [`record_completion`], and the
//!   all-or-nothing CSV upload [`import_completions`], which runs the same two checks on
//!   every row.

use std::collections::{HashMap, HashSet};

use rongtong_catalog::csvio::RowError;
use rongtong_catalog::csvio::completions::CompletionReader;
use rongtong_catalog::{CourseInput, CourseStatus, CurriculumInput, ReviewStage, ValidationErrors};

use crate::auth::Principal;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::models::accounts::{self as accounts, OrgRow};
use crate::models::catalog::resolve_skill_refs;
use crate::models::courses::{self as m, CompletionInput, CompletionView, CourseView, CurriculumView};
use crate::services::import::{ImportReport, file_error};
use crate::services::review;

/// The longest review comment, in characters (one rule for every review).
pub use super::review::MAX_COMMENT;

/// The provider organization of a course input, checked against the caller's rights: it
/// exists (422 naming `provider`), provides courses, and the caller edits its content (403).
pub(crate) fn provider_for(c: &mut DbConnection, p: &Principal, code: &str) -> AppResult<OrgRow> {
    let org = accounts::find_org(c, code).map_err(|_| AppError::invalid("provider", format!("no organization {code}")))?;
    if !org.kind().provides_courses() {
        return Err(AppError::invalid(
            "provider",
            format!("{code} is a {}, and only colleges and training centres publish courses", org.kind),
        ));
    }
    p.ensure(p.can_edit_org_content(&org.id, &org.region_code()?), &format!("edit courses of {code}"))?;
    Ok(org)
}

/// Creates a course as a draft of its provider: fields, provider and rights, skills (every
/// URI known), prerequisites (known, acyclic), in one write transaction — nothing is stored
/// when anything is refused.
pub(crate) fn create_course(c: &mut DbConnection, p: &Principal, input: &CourseInput) -> AppResult<CourseView> {
    input.validate()?;
    crate::db::write_transaction(c, |c| {
        let org = provider_for(c, p, &input.provider)?;
        let skill_ids = resolve_skill_refs(c, "skills", input.skills.iter().map(|s| s.skill.as_str()))?;
        m::check_prerequisites(c, input, &HashMap::new())?;
        let id = m::insert_course(c, &org.id, input, &skill_ids, CourseStatus::Draft)?;
        m::find_course(c, &id)
    })
}

/// Replaces a draft course (by id, `code` or `code@version`; another tenant's draft is 404).
/// Provider, code and version never change; published courses are immutable (409).
pub(crate) fn update_course(c: &mut DbConnection, p: &Principal, id: &str, input: &CourseInput) -> AppResult<CourseView> {
    input.validate()?;
    crate::db::write_transaction(c, |c| {
        let row = m::find_visible_course_row(c, Some(p), id)?;
        let org = provider_for(c, p, &input.provider)?;
        if org.id != row.provider_id || input.code != row.code || input.version != row.version {
            return Err(AppError::invalid("code", "provider, code and version of a course cannot change"));
        }
        if row.status() != CourseStatus::Draft {
            return Err(AppError::conflict(
                "status",
                format!("only draft courses can be edited; this one is {} — create version a new version instead", row.status),
            ));
        }
        let skill_ids = resolve_skill_refs(c, "skills", input.skills.iter().map(|s| s.skill.as_str()))?;
        m::check_prerequisites(c, input, &HashMap::new())?;
        m::update_course(c, &row.id, input, &skill_ids)?;
        m::find_course(c, &row.id)
    })
}

/// Moves a course through review (三级审核, `services::review::decide`): the provider submits
/// (draft → in_review) and may withdraw; each level of the chain approves in turn; any
/// reviewer sends it back with a comment. An unpublished course of another tenant is 404,
/// never a 403 or 409 that would reveal it.
pub(crate) fn change_status(
    c: &mut DbConnection,
    p: &Principal,
    id: &str,
    requested: CourseStatus,
    comment: Option<&str>,
) -> AppResult<CourseView> {
    let mut errs = ValidationErrors::new();
    rongtong_catalog::validate::check_multiline_text(&mut errs, "comment", comment, MAX_COMMENT);
    errs.into_result()?;
    let row = m::find_course_row(c, id)?;
    let org = accounts::find_org(c, &row.provider_id)?;
    let region = org.region_code()?;
    let provider_side = p.can_edit_org_content(&org.id, &region);
    if !provider_side && !matches!(row.status(), CourseStatus::Published | CourseStatus::Archived) {
        return Err(AppError::NotFound(format!("course {id}")));
    }
    let awaiting = row.review_stage.as_deref().and_then(|s| s.parse::<ReviewStage>().ok());
    let reviews_at = |stage| p.reviews_at(stage, &region);
    let actor = review::Actor { provider_side, reviews_at: &reviews_at };
    let review::Decision { to, acted_as, next } = review::decide(row.status(), requested, awaiting, &region, &actor)?;
    crate::db::write_transaction(c, |c| m::set_course_status(c, &row, to, &p.user_id, comment, acted_as, next))?;
    m::find_course(c, &row.id)
}

/// Creates a curriculum of its provider: fields, rights, every module a known course code.
pub(crate) fn create_curriculum(c: &mut DbConnection, p: &Principal, input: &CurriculumInput) -> AppResult<CurriculumView> {
    input.validate()?;
    crate::db::write_transaction(c, |c| {
        let org = provider_for(c, p, &input.provider)?;
        m::check_modules(c, input)?;
        let id = m::save_curriculum(c, None, &org.id, input)?;
        Ok(m::find_curriculum(c, &id)?.0)
    })
}

/// Replaces a curriculum's title and modules; provider and code never change.
pub(crate) fn update_curriculum(c: &mut DbConnection, p: &Principal, id: &str, input: &CurriculumInput) -> AppResult<CurriculumView> {
    input.validate()?;
    crate::db::write_transaction(c, |c| {
        let (current, provider_id) = m::find_curriculum(c, id)?;
        let org = provider_for(c, p, &input.provider)?;
        if org.id != provider_id || input.code != current.code {
            return Err(AppError::invalid("code", "provider and code of a curriculum cannot change"));
        }
        m::check_modules(c, input)?;
        m::save_curriculum(c, Some(&current.id), &org.id, input)?;
        Ok(m::find_curriculum(c, &current.id)?.0)
    })
}

/// The field checks of a completion record: a result that reads as a pass, a fail or a score
/// (`rongtong_catalog::check_result`), an assessor of at most 100 characters, no future date.
pub(crate) fn check_completion(input: &CompletionInput) -> Result<(), ValidationErrors> {
    let mut errs = ValidationErrors::new();
    rongtong_catalog::check_result(&mut errs, "result", &input.result);
    rongtong_catalog::validate::check_opt_text(&mut errs, "assessor", input.assessor.as_deref(), 100);
    errs.check(input.completed_on <= chrono::Utc::now().date_naive(), "completed_on", "cannot be in the future");
    errs.into_result()
}

/// The learner and course a completion record is of, checked: the course exists (a bare code
/// is the version learners can take, not a newer draft) and is published or archived, the
/// caller records for its provider (403), the learner is a learner account. Returns
/// (learner id, course id).
pub(crate) fn completion_target(c: &mut DbConnection, p: &Principal, input: &CompletionInput) -> AppResult<(String, String)> {
    let mut course =
        m::find_course_row(c, &input.course).map_err(|_| AppError::invalid("course", format!("no course {}", input.course)))?;
    if course.id != input.course
        && !input.course.contains('@')
        && !matches!(course.status(), CourseStatus::Published | CourseStatus::Archived)
        && let Some(public) = m::find_public_course_row(c, &course.code)?
    {
        course = public;
    }
    let org = accounts::find_org(c, &course.provider_id)?;
    p.ensure(p.can_edit_org_content(&org.id, &org.region_code()?), "record completions of this course")?;
    if course.status() != CourseStatus::Published && course.status() != CourseStatus::Archived {
        return Err(AppError::conflict("course", "completions can be recorded only for published courses"));
    }
    let learner = accounts::find_user(c, &input.learner).map_err(|_| AppError::invalid("learner", format!("no user {}", input.learner)))?;
    if learner.role != "learner" {
        return Err(AppError::invalid("learner", format!("{} is not a learner account", learner.username)));
    }
    Ok((learner.id, course.id))
}

/// Records that a learner completed a course ([`check_completion`], [`completion_target`]);
/// each learner completes a course once (409).
pub(crate) fn record_completion(c: &mut DbConnection, p: &Principal, input: &CompletionInput) -> AppResult<CompletionView> {
    check_completion(input)?;
    let (learner_id, course_id) = completion_target(c, p, input)?;
    let id = m::insert_completion(c, &learner_id, &course_id, input, &p.user_id)?;
    m::list_completions(c, Some(&learner_id), None)?
        .into_iter()
        .find(|v| v.id == id)
        .ok_or_else(|| AppError::Internal("completion vanished".into()))
}

/// The row errors of a refused check, against the file's columns.
fn row_errors(row: usize, e: AppError, header: &dyn Fn(&str) -> String) -> AppResult<Vec<RowError>> {
    Ok(match e {
        AppError::Validation(v) => v.errors.into_iter().map(|f| RowError::new(row, header(&f.field), f.message)).collect(),
        AppError::Conflict { detail, field } | AppError::BadRequest { detail, field } => {
            vec![RowError::new(row, header(field.as_deref().unwrap_or("")), detail)]
        }
        AppError::Forbidden(detail) => vec![RowError::new(row, header("course"), detail)],
        AppError::NotFound(what) => vec![RowError::new(row, "", format!("{what} not found"))],
        other => return Err(other),
    })
}

/// Imports completion records from a CSV file (`rongtong_catalog::csvio::completions`), all or
/// nothing: every row gets the checks of [`record_completion`] — and a learner may appear once
/// per course, in the file and in the store — and any bad row refuses the file with every
/// bad row named (422, `AppError::CsvRows`); otherwise every record is stored in one
/// transaction.
pub(crate) fn import_completions(c: &mut DbConnection, p: &Principal, bytes: &[u8]) -> AppResult<ImportReport> {
    let mut reader = CompletionReader::new(bytes).map_err(file_error)?;
    let mut errors: Vec<RowError> = Vec::new();
    let mut good: Vec<(String, String, CompletionInput)> = Vec::new();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut rows_read = 0;
    while let Some(next) = reader.next() {
        rows_read += 1;
        let (row, record) = match next {
            Ok(r) => r,
            Err(errs) => {
                errors.extend(errs);
                continue;
            }
        };
        let header = |f: &str| reader.header(f);
        let input = CompletionInput {
            learner: record.learner,
            course: record.course,
            result: record.result,
            completed_on: record.completed_on,
            assessor: record.assessor,
        };
        if let Err(v) = check_completion(&input) {
            errors.extend(row_errors(row, AppError::Validation(v), &header)?);
            continue;
        }
        let (learner_id, course_id) = match completion_target(c, p, &input) {
            Ok(t) => t,
            Err(e) => {
                errors.extend(row_errors(row, e, &header)?);
                continue;
            }
        };
        if !seen.insert((learner_id.clone(), course_id.clone())) {
            errors.push(RowError::new(
                row,
                header("learner"),
                format!("{} appears twice for course {} in this file", input.learner, input.course),
            ));
        } else if crate::models::credentials::completion_of(c, &learner_id, &course_id)?.is_some() {
            errors.push(RowError::new(row, header("course"), "this learner's completion of this course is already recorded"));
        } else {
            good.push((learner_id, course_id, input));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::CsvRows(errors));
    }
    let created = good.len();
    crate::db::write_transaction(c, |c| {
        for (learner_id, course_id, input) in &good {
            m::insert_completion(c, learner_id, course_id, input, &p.user_id)?;
        }
        Ok::<_, AppError>(())
    })?;
    Ok(ImportReport {
        encoding: reader.encoding().to_string(),
        rows_read,
        created,
        skipped_blank: reader.skipped(),
        stored: created > 0,
        ..Default::default()
    })
}
