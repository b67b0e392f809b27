//! The rows the matching snapshot is built from, one query per table. Loaded in one
//! transaction by `services::matching::snapshot`, which turns them into a skills graph.

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::db::DbConnection;
use crate::db::schema::{
    completions, course_prerequisites, course_skills, courses, credentials, demand_item_skills, demand_items, demand_lists,
    occupation_skills, occupations, organizations, recognition_applications, recognition_rules, skill_relations, skills, users,
};

/// (id, code, version, provider id, hours, credits, status, created_at, title_zh)
pub type CourseRowTuple = (String, String, String, String, f64, f64, String, String, String);
/// (id, uri, code, label_zh, label_en)
pub type OccupationRowTuple = (String, String, Option<String>, Option<String>, Option<String>);
/// (item id, list id, ordinal, position, headcount, item region, list region, list status, enterprise id)
pub type ItemRowTuple = (String, String, i32, String, i32, Option<String>, String, String, String);
/// (user id, username, region, opt_in, org id)
pub type LearnerRowTuple = (String, String, Option<String>, bool, Option<String>);
/// (id, uri, label_zh, label_en)
pub type SkillRowTuple = (String, String, Option<String>, Option<String>);
/// (completion id, learner id, course id, result, completed on)
pub type CompletionRowTuple = (String, String, String, String, String);
/// (credential id, learner id, occupation code, level)
pub type CertRowTuple = (String, String, Option<String>, Option<i32>);
/// (recognition credential id, learner id, target outcome key, rule code, rule version)
pub type RecognitionRowTuple = (String, String, String, String, String);

/// Rows for the snapshot: `skill_rows`.
pub fn snapshot_skill_rows(conn: &mut DbConnection) -> QueryResult<Vec<SkillRowTuple>> {
    skills::table.select((skills::id, skills::uri, skills::label_zh, skills::label_en)).load(conn)
}

/// Rows for the snapshot: `relations`.
pub fn snapshot_relations(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, String)>> {
    skill_relations::table.select((skill_relations::from_skill, skill_relations::kind, skill_relations::to_skill)).load(conn)
}

/// Rows for the snapshot: `orgs`.
pub fn snapshot_orgs(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, String)>> {
    organizations::table.select((organizations::id, organizations::code, organizations::region)).load(conn)
}

/// Rows for the snapshot: `course_rows`.
pub fn snapshot_course_rows(conn: &mut DbConnection) -> QueryResult<Vec<CourseRowTuple>> {
    courses::table
        .select((
            courses::id,
            courses::code,
            courses::version,
            courses::provider_id,
            courses::hours,
            courses::credits,
            courses::status,
            courses::created_at,
            courses::title_zh,
        ))
        .load(conn)
}

/// Rows for the snapshot: `taught`.
pub fn snapshot_taught(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, i32, f64)>> {
    course_skills::table.select((course_skills::course_id, course_skills::skill_id, course_skills::level, course_skills::weight)).load(conn)
}

/// Rows for the snapshot: `prereqs`.
pub fn snapshot_prereqs(conn: &mut DbConnection) -> QueryResult<Vec<(String, String)>> {
    course_prerequisites::table.select((course_prerequisites::course_id, course_prerequisites::prerequisite_code)).load(conn)
}

/// Rows for the snapshot: `occ_rows`.
pub fn snapshot_occ_rows(conn: &mut DbConnection) -> QueryResult<Vec<OccupationRowTuple>> {
    occupations::table
        .select((occupations::id, occupations::uri, occupations::code, occupations::label_zh, occupations::label_en))
        .load(conn)
}

/// Rows for the snapshot: `occ_skills`.
pub fn snapshot_occ_skills(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, String, i32)>> {
    occupation_skills::table
        .select((occupation_skills::occupation_id, occupation_skills::skill_id, occupation_skills::kind, occupation_skills::min_level))
        .load(conn)
}

/// Rows for the snapshot: `list_rows`.
pub fn snapshot_list_rows(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, String)>> {
    demand_lists::table.select((demand_lists::id, demand_lists::status, demand_lists::enterprise_id)).load(conn)
}

/// Rows for the snapshot: `item_rows`.
pub fn snapshot_item_rows(conn: &mut DbConnection) -> QueryResult<Vec<ItemRowTuple>> {
    demand_items::table
        .inner_join(demand_lists::table)
        .select((
            demand_items::id,
            demand_items::list_id,
            demand_items::ordinal,
            demand_items::position_title,
            demand_items::headcount,
            demand_items::region,
            demand_lists::region,
            demand_lists::status,
            demand_lists::enterprise_id,
        ))
        .order((demand_items::list_id, demand_items::ordinal))
        .load(conn)
}

/// Rows for the snapshot: `item_skills`.
pub fn snapshot_item_skills(conn: &mut DbConnection) -> QueryResult<Vec<(String, String, String, i32)>> {
    demand_item_skills::table
        .select((demand_item_skills::item_id, demand_item_skills::skill_id, demand_item_skills::kind, demand_item_skills::min_level))
        .load(conn)
}

/// Rows for the snapshot: `learner_rows`.
pub fn snapshot_learner_rows(conn: &mut DbConnection) -> QueryResult<Vec<LearnerRowTuple>> {
    users::table
        .filter(users::role.eq("learner"))
        .select((users::id, users::username, users::region, users::opt_in, users::org_id))
        .load(conn)
}

/// Rows for the snapshot: `completion_rows`, in storage order (no `ORDER BY`: at ten million
/// rows an ordered read walks the id index and fetches every row at random; the caller sorts
/// each learner's few completions by id instead).
pub fn snapshot_completion_rows(conn: &mut DbConnection) -> QueryResult<Vec<CompletionRowTuple>> {
    completions::table
        .select((completions::id, completions::learner_id, completions::course_id, completions::result, completions::completed_on))
        .load(conn)
}

/// Rows for the snapshot: `certificates`.
pub fn snapshot_certificates(conn: &mut DbConnection) -> QueryResult<Vec<(String, bool)>> {
    credentials::table
        .filter(credentials::completion_id.is_not_null())
        .select((credentials::completion_id.assume_not_null(), credentials::revoked.or(credentials::suspended)))
        .load::<(String, bool)>(conn)
}

/// Rows for the snapshot: `cert_rows`.
pub fn snapshot_cert_rows(conn: &mut DbConnection) -> QueryResult<Vec<CertRowTuple>> {
    credentials::table
        .filter(credentials::kind.eq(crate::models::credentials::CredentialKind::SkillLevel.as_ref()))
        .filter(credentials::revoked.eq(false))
        .filter(credentials::suspended.eq(false))
        .order(credentials::id)
        .select((credentials::id, credentials::learner_id, credentials::occupation_code, credentials::skill_level))
        .load(conn)
}

/// Rows for the snapshot: `recognitions` — approved recognitions whose credential is in force
/// (neither revoked nor suspended: the cascade suspends it when a source stops being in
/// force), with the rule's code and version, in credential id order. Their credentials are
/// `credentials` rows, so issuing or suspending one records a change for its learner.
pub fn snapshot_recognitions(conn: &mut DbConnection) -> QueryResult<Vec<RecognitionRowTuple>> {
    recognitions_query(conn, None)
}

/// These learners' rows as [`snapshot_recognitions`].
pub fn recognitions_for(conn: &mut DbConnection, learners: &[String]) -> QueryResult<Vec<RecognitionRowTuple>> {
    let mut out = Vec::new();
    for chunk in learners.chunks(IN_CHUNK) {
        out.extend(recognitions_query(conn, Some(chunk))?);
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

fn recognitions_query(conn: &mut DbConnection, learners: Option<&[String]>) -> QueryResult<Vec<RecognitionRowTuple>> {
    let mut q = recognition_applications::table
        .inner_join(recognition_rules::table)
        .inner_join(credentials::table.on(credentials::id.nullable().eq(recognition_applications::credential_id)))
        .filter(recognition_applications::state.eq(crate::models::applications::ApplicationState::Approved.as_ref()))
        .filter(credentials::revoked.eq(false))
        .filter(credentials::suspended.eq(false))
        .into_boxed();
    if let Some(ids) = learners {
        q = q.filter(credentials::learner_id.eq_any(ids));
    }
    q.order(credentials::id)
        .select((
            credentials::id,
            credentials::learner_id,
            recognition_applications::target,
            recognition_rules::code,
            recognition_rules::version,
        ))
        .load(conn)
}

#[derive(QueryableByName)]
struct VersionRow {
    #[diesel(sql_type = BigInt)]
    version: i64,
}

/// The current `data_version`: bumped by triggers whenever data feeding the snapshot changes.
pub fn data_version(conn: &mut DbConnection) -> QueryResult<i64> {
    let rows: Vec<VersionRow> = diesel::sql_query("SELECT version FROM data_version WHERE id = 1").load(conn)?;
    Ok(rows.first().map_or(0, |r| r.version))
}

#[derive(QueryableByName)]
struct VersionsRow {
    #[diesel(sql_type = BigInt)]
    version: i64,
    #[diesel(sql_type = BigInt)]
    catalog_version: i64,
}

/// `data_version` and the version of the last change to anything but a learner's own rows
/// (`catalog_version`, set by the same triggers; migration `000007`).
pub fn data_versions(conn: &mut DbConnection) -> QueryResult<(i64, i64)> {
    let rows: Vec<VersionsRow> = diesel::sql_query("SELECT version, catalog_version FROM data_version WHERE id = 1").load(conn)?;
    Ok(rows.first().map_or((0, 0), |r| (r.version, r.catalog_version)))
}

#[derive(QueryableByName)]
struct PrunedRow {
    #[diesel(sql_type = BigInt)]
    changes_pruned_through: i64,
}

/// The version up to which `matching_changes` has been pruned (migration `000009`): entries
/// at or below it are gone, so a snapshot built at an older version cannot be brought up to
/// date from the log.
pub fn changes_pruned_through(conn: &mut DbConnection) -> QueryResult<i64> {
    let rows: Vec<PrunedRow> = diesel::sql_query("SELECT changes_pruned_through FROM data_version WHERE id = 1").load(conn)?;
    Ok(rows.first().map_or(0, |r| r.changes_pruned_through))
}

/// Deletes the change-log entries at or below version `through` and raises the pruned mark to
/// it (never lowers it). Run it in one write transaction, so a reader sees both or neither.
/// Returns the number of entries deleted.
pub fn prune_changes(conn: &mut DbConnection, through: i64) -> QueryResult<usize> {
    let deleted = diesel::sql_query("DELETE FROM matching_changes WHERE version <= $1").bind::<BigInt, _>(through).execute(conn)?;
    diesel::sql_query("UPDATE data_version SET changes_pruned_through = $1 WHERE id = 1 AND changes_pruned_through < $1")
        .bind::<BigInt, _>(through)
        .execute(conn)?;
    Ok(deleted)
}

#[derive(QueryableByName)]
struct CatalogVersionRow {
    #[diesel(sql_type = BigInt)]
    catalog_version: i64,
}

/// The version of the last change to the catalog, courses, organisations, frameworks or
/// demand (`data_version.catalog_version`): what the public lists' response cache is keyed
/// on (`routes::cached`). One indexed read of a one-row table.
pub fn catalog_version(conn: &mut DbConnection) -> QueryResult<i64> {
    let rows: Vec<CatalogVersionRow> = diesel::sql_query("SELECT catalog_version FROM data_version WHERE id = 1").load(conn)?;
    Ok(rows.first().map_or(0, |r| r.catalog_version))
}

#[derive(QueryableByName)]
struct KeysVersionRow {
    #[diesel(sql_type = BigInt)]
    keys_version: i64,
}

/// The count of changes to `issuer_keys` (`data_version.keys_version`, migration `000008`):
/// what the verifier's cache of trusted issuers and DID documents is keyed on.
pub fn keys_version(conn: &mut DbConnection) -> QueryResult<i64> {
    let rows: Vec<KeysVersionRow> = diesel::sql_query("SELECT keys_version FROM data_version WHERE id = 1").load(conn)?;
    Ok(rows.first().map_or(0, |r| r.keys_version))
}

#[derive(QueryableByName)]
struct LearnerIdRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    learner_id: String,
}

/// The learners (user ids) whose rows changed after `since`, from the change log the triggers
/// of migration `000007` keep; at most `limit` of them (the caller loads the snapshot whole
/// past its limit).
pub fn changed_learners(conn: &mut DbConnection, since: i64, limit: usize) -> QueryResult<Vec<String>> {
    let rows: Vec<LearnerIdRow> =
        diesel::sql_query("SELECT DISTINCT learner_id FROM matching_changes WHERE version > $1 ORDER BY learner_id LIMIT $2")
            .bind::<BigInt, _>(since)
            .bind::<BigInt, _>(i64::try_from(limit).unwrap_or(i64::MAX))
            .load(conn)?;
    Ok(rows.into_iter().map(|r| r.learner_id).collect())
}

/// Ids per `IN (…)` list: well under SQLite's bound-variable limit.
const IN_CHUNK: usize = 500;

/// The learner rows (as [`snapshot_learner_rows`]) of these user ids; ids that are not (or no
/// longer) learners are absent.
pub fn learner_rows_for(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<LearnerRowTuple>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(IN_CHUNK) {
        out.extend(
            users::table
                .filter(users::role.eq("learner"))
                .filter(users::id.eq_any(chunk))
                .select((users::id, users::username, users::region, users::opt_in, users::org_id))
                .load::<LearnerRowTuple>(conn)?,
        );
    }
    Ok(out)
}

/// These learners' completion rows, in completion id order (as [`snapshot_completion_rows`]).
pub fn completion_rows_for(conn: &mut DbConnection, learners: &[String]) -> QueryResult<Vec<CompletionRowTuple>> {
    let mut out: Vec<CompletionRowTuple> = Vec::new();
    for chunk in learners.chunks(IN_CHUNK) {
        out.extend(
            completions::table
                .filter(completions::learner_id.eq_any(chunk))
                .select((completions::id, completions::learner_id, completions::course_id, completions::result, completions::completed_on))
                .load::<CompletionRowTuple>(conn)?,
        );
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// These learners' training certificates (as [`snapshot_certificates`]).
pub fn certificates_for(conn: &mut DbConnection, learners: &[String]) -> QueryResult<Vec<(String, bool)>> {
    let mut out = Vec::new();
    for chunk in learners.chunks(IN_CHUNK) {
        out.extend(
            credentials::table
                .filter(credentials::learner_id.eq_any(chunk))
                .filter(credentials::completion_id.is_not_null())
                .select((credentials::completion_id.assume_not_null(), credentials::revoked.or(credentials::suspended)))
                .load::<(String, bool)>(conn)?,
        );
    }
    Ok(out)
}

/// These learners' skill-level certificates in force, in credential id order (as
/// [`snapshot_cert_rows`]).
pub fn cert_rows_for(conn: &mut DbConnection, learners: &[String]) -> QueryResult<Vec<CertRowTuple>> {
    let mut out: Vec<CertRowTuple> = Vec::new();
    for chunk in learners.chunks(IN_CHUNK) {
        out.extend(
            credentials::table
                .filter(credentials::learner_id.eq_any(chunk))
                .filter(credentials::kind.eq(crate::models::credentials::CredentialKind::SkillLevel.as_ref()))
                .filter(credentials::revoked.eq(false))
                .filter(credentials::suspended.eq(false))
                .select((credentials::id, credentials::learner_id, credentials::occupation_code, credentials::skill_level))
                .load::<CertRowTuple>(conn)?,
        );
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}
