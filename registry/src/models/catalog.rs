//! Skill frameworks, skills, skill relations and occupations.

use std::collections::HashMap;

use diesel::prelude::*;
use rongtong_catalog::{
    FrameworkInput, FrameworkKind, OccupationInput, RequirementKind, SkillInput, SkillLevel, SkillRelation, SkillRelationKind,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::schema::{frameworks, occupation_skills, occupations, skill_relations, skills};
use crate::db::{DbConnection, new_id, now};
use crate::error::{AppError, AppResult};

// ---------------------------------------------------------------- frameworks

/// A skill framework as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = frameworks)]
pub struct FrameworkView {
    /// Id.
    pub id: String,
    /// Short code, e.g. `esco`.
    pub code: String,
    /// `esco`, `national` or `local`.
    pub kind: String,
    /// Display name.
    pub name: String,
    /// Version.
    pub version: String,
    /// The framework's URI.
    pub uri: Option<String>,
}

/// Lists frameworks.
pub fn list_frameworks(conn: &mut DbConnection) -> QueryResult<Vec<FrameworkView>> {
    frameworks::table.order(frameworks::code).select(FrameworkView::as_select()).load(conn)
}

/// Finds a framework by code.
pub fn find_framework(conn: &mut DbConnection, code: &str) -> AppResult<FrameworkView> {
    frameworks::table
        .filter(frameworks::code.eq(code))
        .select(FrameworkView::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("framework {code}")))
}

/// Creates a framework, or updates name/version of an existing one with the same code.
pub fn upsert_framework(conn: &mut DbConnection, input: &FrameworkInput) -> AppResult<FrameworkView> {
    input.validate()?;
    let updated = diesel::update(frameworks::table.filter(frameworks::code.eq(&input.code)))
        .set((
            frameworks::kind.eq(input.kind.as_ref()),
            frameworks::name.eq(&input.name),
            frameworks::version.eq(&input.version),
            frameworks::uri.eq(&input.uri),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(frameworks::table)
            .values((
                frameworks::id.eq(new_id()),
                frameworks::code.eq(&input.code),
                frameworks::kind.eq(input.kind.as_ref()),
                frameworks::name.eq(&input.name),
                frameworks::version.eq(&input.version),
                frameworks::uri.eq(&input.uri),
            ))
            .execute(conn)?;
    }
    find_framework(conn, &input.code)
}

/// The ESCO framework record, created on first use (ESCO imports and the demo need it).
pub fn esco_framework(conn: &mut DbConnection) -> AppResult<FrameworkView> {
    match find_framework(conn, "esco") {
        Ok(f) => Ok(f),
        Err(AppError::NotFound(_)) => upsert_framework(
            conn,
            &FrameworkInput {
                code: "esco".into(),
                kind: FrameworkKind::Esco,
                name: "ESCO (European Skills, Competences, Qualifications and Occupations)".into(),
                version: "1.2".into(),
                uri: Some("http://data.europa.eu/esco/concept-scheme/skills".into()),
            },
        ),
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------- skills

/// A skill as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = skills)]
pub struct SkillRow {
    /// Id.
    pub id: String,
    /// URI.
    pub uri: String,
    /// Framework id.
    pub framework_id: String,
    /// Chinese label.
    pub label_zh: Option<String>,
    /// English label.
    pub label_en: Option<String>,
    /// JSON array of alternative labels.
    pub alt_labels: String,
    /// Description.
    pub description: Option<String>,
    /// `knowledge` or `skill/competence`.
    pub skill_type: String,
    /// ESCO reuse level.
    pub reuse_level: Option<String>,
    /// Status.
    pub status: String,
}

/// A skill as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SkillView {
    /// Id.
    pub id: String,
    /// URI (ESCO URIs are kept; local skills get one under the base URL).
    pub uri: String,
    /// Framework code.
    pub framework: String,
    /// Preferred label in Chinese.
    pub label_zh: Option<String>,
    /// Preferred label in English.
    pub label_en: Option<String>,
    /// Alternative labels.
    pub alt_labels: Vec<String>,
    /// Description.
    pub description: Option<String>,
    /// `knowledge` or `skill/competence`.
    pub skill_type: String,
    /// ESCO reuse level.
    pub reuse_level: Option<String>,
    /// Status.
    pub status: String,
}

impl SkillRow {
    fn into_view(self, framework: String) -> SkillView {
        SkillView {
            id: self.id,
            uri: self.uri,
            framework,
            label_zh: self.label_zh,
            label_en: self.label_en,
            alt_labels: serde_json::from_str(&self.alt_labels).unwrap_or_default(),
            description: self.description,
            skill_type: self.skill_type,
            reuse_level: self.reuse_level,
            status: self.status,
        }
    }
}

/// The text skill search matches against: every label, lower-cased. Chinese has no case,
/// and lower-casing on the way in lets both backends search with a plain `LIKE`.
fn search_text(input: &SkillInput) -> String {
    let mut parts: Vec<&str> = Vec::new();
    parts.extend(input.label_zh.as_deref());
    parts.extend(input.label_en.as_deref());
    parts.extend(input.alt_labels.iter().map(String::as_str));
    parts.join("\n").to_lowercase()
}

/// Inserts a skill or updates the one with the same URI; returns `(id, created)`.
/// `input.uri` must be set (mint it before calling for local skills).
pub fn upsert_skill(conn: &mut DbConnection, framework_id: &str, input: &SkillInput) -> AppResult<(String, bool)> {
    let uri = input.uri.as_deref().ok_or_else(|| AppError::invalid("uri", "a skill needs a URI"))?;
    let alt = serde_json::to_string(&input.alt_labels).map_err(|e| AppError::Internal(e.to_string()))?;
    let ts = now();
    let search = search_text(input);
    let existing: Option<String> = skills::table.filter(skills::uri.eq(uri)).select(skills::id).first(conn).optional()?;
    if let Some(id) = existing {
        diesel::update(skills::table.find(&id))
            .set((
                skills::framework_id.eq(framework_id),
                skills::label_zh.eq(&input.label_zh),
                skills::label_en.eq(&input.label_en),
                skills::alt_labels.eq(&alt),
                skills::description.eq(&input.description),
                skills::skill_type.eq(input.skill_type.as_ref()),
                skills::reuse_level.eq(&input.reuse_level),
                skills::status.eq(&input.status),
                skills::search_text.eq(&search),
                skills::updated_at.eq(&ts),
            ))
            .execute(conn)?;
        return Ok((id, false));
    }
    let id = new_id();
    diesel::insert_into(skills::table)
        .values((
            skills::id.eq(&id),
            skills::uri.eq(uri),
            skills::framework_id.eq(framework_id),
            skills::label_zh.eq(&input.label_zh),
            skills::label_en.eq(&input.label_en),
            skills::alt_labels.eq(&alt),
            skills::description.eq(&input.description),
            skills::skill_type.eq(input.skill_type.as_ref()),
            skills::reuse_level.eq(&input.reuse_level),
            skills::status.eq(&input.status),
            skills::search_text.eq(&search),
            skills::created_at.eq(&ts),
            skills::updated_at.eq(&ts),
        ))
        .execute(conn)?;
    Ok((id, true))
}

/// Sets only the Chinese label of a skill (used to add Chinese labels to ESCO skills).
pub fn set_label_zh(conn: &mut DbConnection, uri: &str, label_zh: &str) -> AppResult<()> {
    let row = find_skill_row(conn, uri)?;
    let mut input = row_to_input(&row);
    input.label_zh = Some(label_zh.to_string());
    diesel::update(skills::table.find(&row.id))
        .set((skills::label_zh.eq(label_zh), skills::search_text.eq(search_text(&input)), skills::updated_at.eq(now())))
        .execute(conn)?;
    Ok(())
}

fn row_to_input(row: &SkillRow) -> SkillInput {
    SkillInput {
        uri: Some(row.uri.clone()),
        framework: String::new(),
        label_zh: row.label_zh.clone(),
        label_en: row.label_en.clone(),
        alt_labels: serde_json::from_str(&row.alt_labels).unwrap_or_default(),
        description: row.description.clone(),
        skill_type: row.skill_type.parse().unwrap_or(rongtong_catalog::SkillType::SkillCompetence),
        reuse_level: row.reuse_level.clone(),
        status: row.status.clone(),
    }
}

/// A skill by id or URI.
pub fn find_skill_row(conn: &mut DbConnection, id_or_uri: &str) -> AppResult<SkillRow> {
    skills::table
        .filter(skills::id.eq(id_or_uri).or(skills::uri.eq(id_or_uri)))
        .select(SkillRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("skill {id_or_uri}")))
}

/// A skill as the API shows it.
pub fn find_skill(conn: &mut DbConnection, id_or_uri: &str) -> AppResult<SkillView> {
    let row = find_skill_row(conn, id_or_uri)?;
    let fw: String = frameworks::table.find(&row.framework_id).select(frameworks::code).first(conn)?;
    Ok(row.into_view(fw))
}

/// The labels of one stored skill, for duplicate checks.
#[derive(Debug, Clone)]
pub struct SkillLabelSet {
    /// Id.
    pub id: String,
    /// URI.
    pub uri: String,
    /// Chinese label.
    pub label_zh: Option<String>,
    /// English label.
    pub label_en: Option<String>,
    /// Alternative labels.
    pub alt_labels: Vec<String>,
}

impl SkillLabelSet {
    /// Preferred Chinese, preferred English, then alternative labels (the order of
    /// [`rongtong_catalog::skill_labels`]).
    pub fn labels(&self) -> impl Iterator<Item = &str> + Clone {
        self.label_zh.iter().chain(self.label_en.iter()).chain(self.alt_labels.iter()).map(String::as_str)
    }
}

/// Every label of every skill of a framework, in one query: what the duplicate check
/// compares a new or changed skill with (in Rust, see `rongtong_catalog::compare_labels`).
pub fn framework_skill_labels(conn: &mut DbConnection, framework_id: &str) -> QueryResult<Vec<SkillLabelSet>> {
    type LabelRow = (String, String, Option<String>, Option<String>, String);
    let rows: Vec<LabelRow> = skills::table
        .filter(skills::framework_id.eq(framework_id))
        .order(skills::uri)
        .select((skills::id, skills::uri, skills::label_zh, skills::label_en, skills::alt_labels))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, uri, label_zh, label_en, alt)| SkillLabelSet {
            id,
            uri,
            label_zh,
            label_en,
            alt_labels: serde_json::from_str(&alt).unwrap_or_default(),
        })
        .collect())
}

/// Filters for skill search.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SkillFilter {
    /// Text in any label, Chinese or English, alternative labels included (case-insensitive).
    pub q: Option<String>,
    /// Only skills of this framework (code).
    pub framework: Option<String>,
    /// `knowledge` or `skill/competence`.
    pub skill_type: Option<String>,
    /// Page number (from 1).
    pub page: Option<i64>,
    /// Page size (1–500).
    pub per_page: Option<i64>,
}

diesel::define_sql_function! {
    /// SQL `lower()`, on both backends. `LIKE` ignores ASCII case on SQLite but not on
    /// PostgreSQL; comparing `lower(column)` with a lower-cased pattern searches alike on both.
    fn lower(text: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Searches skills; returns `(views, total)`. Exact label matches come first, then by label.
pub fn list_skills(conn: &mut DbConnection, f: &SkillFilter, limit: i64, offset: i64) -> AppResult<(Vec<SkillView>, i64)> {
    let fw_id = match &f.framework {
        Some(code) => Some(find_framework(conn, code).map_err(|_| AppError::bad_field("framework", format!("no framework {code}")))?.id),
        None => None,
    };
    let q = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_lowercase);
    let build = || {
        let mut query = skills::table.into_boxed();
        if let Some(id) = &fw_id {
            query = query.filter(skills::framework_id.eq(id.clone()));
        }
        if let Some(t) = &f.skill_type {
            query = query.filter(skills::skill_type.eq(t.clone()));
        }
        if let Some(text) = &q {
            query = query.filter(skills::search_text.like(format!("%{}%", like_escape(text))).escape('\\'));
        }
        query
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows: Vec<SkillRow> = build()
        .order((skills::label_en.asc(), skills::label_zh.asc(), skills::uri.asc()))
        .limit(limit)
        .offset(offset)
        .select(SkillRow::as_select())
        .load(conn)?;
    let fw_codes: HashMap<String, String> = frameworks::table.select((frameworks::id, frameworks::code)).load(conn)?.into_iter().collect();
    let mut views: Vec<SkillView> = rows
        .into_iter()
        .map(|r| {
            let fw = fw_codes.get(&r.framework_id).cloned().unwrap_or_default();
            r.into_view(fw)
        })
        .collect();
    if let Some(text) = &q {
        // Exact label hits first: a search for 故障排除 should not bury the skill of that name.
        views.sort_by_key(|v| {
            let exact = v.label_zh.as_deref().map(str::to_lowercase).as_deref() == Some(text.as_str())
                || v.label_en.as_deref().map(str::to_lowercase).as_deref() == Some(text.as_str());
            !exact
        });
    }
    Ok((views, total))
}

/// Maps skill URIs to ids; unknown URIs are absent from the map.
pub fn skill_ids_by_uri(conn: &mut DbConnection, uris: &[&str]) -> QueryResult<HashMap<String, String>> {
    let mut out = HashMap::new();
    for chunk in uris.chunks(500) {
        let rows: Vec<(String, String)> =
            skills::table.filter(skills::uri.eq_any(chunk.iter().map(|s| s.to_string()))).select((skills::uri, skills::id)).load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// `(id, uri, label_zh, label_en)` of a skill.
pub type SkillLabels = (String, String, Option<String>, Option<String>);

/// Every skill as `(id, uri, label_zh, label_en)`: what label resolution and the matching
/// snapshot need.
pub fn all_skill_labels(conn: &mut DbConnection) -> QueryResult<Vec<SkillLabels>> {
    skills::table.select((skills::id, skills::uri, skills::label_zh, skills::label_en)).load(conn)
}

/// The skills each of `refs` may mean — a URI, an id, or an exact Chinese or English
/// preferred label — as `(id, uri, label_zh, label_en)`, each skill once: what a form's
/// skill picker needs to turn what was typed or picked into URIs (one query per 100
/// references, whatever the catalogue's size).
pub fn skills_by_reference(conn: &mut DbConnection, refs: &[&str]) -> QueryResult<Vec<SkillLabels>> {
    let mut out: Vec<SkillLabels> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for chunk in refs.chunks(100) {
        let keys: Vec<String> = chunk.iter().map(|s| s.to_string()).collect();
        let rows: Vec<SkillLabels> = skills::table
            .filter(
                skills::uri
                    .eq_any(keys.clone())
                    .or(skills::id.eq_any(keys.clone()))
                    .or(skills::label_zh.eq_any(keys.clone()))
                    .or(skills::label_en.eq_any(keys)),
            )
            .select((skills::id, skills::uri, skills::label_zh, skills::label_en))
            .load(conn)?;
        out.extend(rows.into_iter().filter(|r| seen.insert(r.0.clone())));
    }
    Ok(out)
}

/// At most `limit` skills by Chinese label then URI, as `(id, uri, label_zh, label_en)`: the
/// options a skill picker offers before anything is typed.
pub fn skill_options(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<SkillLabels>> {
    skills::table
        .order((skills::label_zh.asc(), skills::uri.asc()))
        .limit(limit)
        .select((skills::id, skills::uri, skills::label_zh, skills::label_en))
        .load(conn)
}

/// Resolves the `skill` URIs of a list of references to ids, naming the field of each
/// unknown one (`{field}[i].skill`).
pub fn resolve_skill_refs<'a>(conn: &mut DbConnection, field: &str, uris: impl Iterator<Item = &'a str>) -> AppResult<Vec<String>> {
    let uris: Vec<&str> = uris.collect();
    let map = skill_ids_by_uri(conn, &uris)?;
    let mut errs = rongtong_catalog::ValidationErrors::new();
    let mut ids = Vec::with_capacity(uris.len());
    for (i, uri) in uris.iter().enumerate() {
        match map.get(*uri) {
            Some(id) => ids.push(id.clone()),
            None => errs.push(format!("{field}[{i}].skill"), format!("unknown skill URI {uri}")),
        }
    }
    errs.into_result()?;
    Ok(ids)
}

// ---------------------------------------------------------------- relations

/// A relation as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RelationView {
    /// Source skill URI.
    pub from: String,
    /// `broader`, `prerequisite`, `related`, `exact_match`, `close_match`.
    pub kind: String,
    /// Target skill URI.
    pub to: String,
}

/// Records a relation between two known skills; returns whether it was new.
pub fn insert_relation(conn: &mut DbConnection, rel: &SkillRelation) -> AppResult<bool> {
    rel.validate()?;
    let ids = skill_ids_by_uri(conn, &[rel.from.as_str(), rel.to.as_str()])?;
    let from = ids.get(&rel.from).ok_or_else(|| AppError::invalid("from", format!("unknown skill URI {}", rel.from)))?;
    let to = ids.get(&rel.to).ok_or_else(|| AppError::invalid("to", format!("unknown skill URI {}", rel.to)))?;
    insert_relation_ids(conn, from, rel.kind, to)
}

/// Records a relation by skill ids; returns whether it was new.
pub fn insert_relation_ids(conn: &mut DbConnection, from: &str, kind: SkillRelationKind, to: &str) -> AppResult<bool> {
    let exists: i64 = skill_relations::table
        .filter(skill_relations::from_skill.eq(from))
        .filter(skill_relations::kind.eq(kind.as_ref()))
        .filter(skill_relations::to_skill.eq(to))
        .count()
        .get_result(conn)?;
    if exists > 0 {
        return Ok(false);
    }
    diesel::insert_into(skill_relations::table)
        .values((skill_relations::from_skill.eq(from), skill_relations::kind.eq(kind.as_ref()), skill_relations::to_skill.eq(to)))
        .execute(conn)?;
    Ok(true)
}

/// Every relation touching a skill (either end).
pub fn relations_of(conn: &mut DbConnection, skill_id: &str) -> QueryResult<Vec<RelationView>> {
    let rows: Vec<(String, String, String)> = skill_relations::table
        .filter(skill_relations::from_skill.eq(skill_id).or(skill_relations::to_skill.eq(skill_id)))
        .select((skill_relations::from_skill, skill_relations::kind, skill_relations::to_skill))
        .load(conn)?;
    let mut ids: Vec<String> = rows.iter().flat_map(|(f, _, t)| [f.clone(), t.clone()]).collect();
    ids.sort();
    ids.dedup();
    let mut uris: HashMap<String, String> = HashMap::new();
    for chunk in super::bind_chunks(&ids, 1) {
        uris.extend(skills::table.filter(skills::id.eq_any(chunk)).select((skills::id, skills::uri)).load::<(String, String)>(conn)?);
    }
    let mut out: Vec<RelationView> = rows
        .into_iter()
        .map(|(f, k, t)| RelationView { from: uris.get(&f).cloned().unwrap_or(f), kind: k, to: uris.get(&t).cloned().unwrap_or(t) })
        .collect();
    out.sort_by(|a, b| (&a.kind, &a.from, &a.to).cmp(&(&b.kind, &b.from, &b.to)));
    Ok(out)
}

// ---------------------------------------------------------------- occupations

/// A required skill of an occupation, as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequirementView {
    /// Skill URI.
    pub skill: String,
    /// Chinese label.
    pub label_zh: Option<String>,
    /// English label.
    pub label_en: Option<String>,
    /// `essential` or `optional`.
    pub kind: String,
    /// Minimum level, 1 (highest) to 5.
    pub min_level: u8,
}

/// An occupation as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OccupationView {
    /// Id.
    pub id: String,
    /// URI.
    pub uri: String,
    /// 职业分类大典 code.
    pub code: Option<String>,
    /// Chinese label.
    pub label_zh: Option<String>,
    /// English label.
    pub label_en: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Months a skill-level certificate for the occupation stays valid (1–600); `null` when
    /// it does not expire.
    pub valid_months: Option<u32>,
    /// Required skills.
    pub skills: Vec<RequirementView>,
}

/// `(id, uri, code, label_zh, label_en, description, valid_months)` of an occupation.
type OccupationRow = (String, String, Option<String>, Option<String>, Option<String>, Option<String>, Option<i32>);

/// Inserts or updates an occupation by URI and replaces its skill requirements; the skill
/// URIs must be known. Returns `(id, created)`.
pub fn upsert_occupation(conn: &mut DbConnection, input: &OccupationInput) -> AppResult<(String, bool)> {
    input.validate()?;
    let uri = input.uri.as_deref().ok_or_else(|| AppError::invalid("uri", "an occupation needs a URI"))?;
    let skill_ids = resolve_skill_refs(conn, "skills", input.skills.iter().map(|s| s.skill.as_str()))?;
    let ts = now();
    let existing: Option<String> = occupations::table.filter(occupations::uri.eq(uri)).select(occupations::id).first(conn).optional()?;
    // A 大典 code names one occupation: rules (`standard:{code}:{level}`), suggestions and
    // `GET /occupations/{code}` look occupations up by it.
    if let Some(code) = &input.code {
        let holder: Option<String> = occupations::table
            .filter(occupations::code.eq(code))
            .filter(occupations::uri.ne(uri))
            .select(occupations::uri)
            .first(conn)
            .optional()?;
        if let Some(other) = holder {
            return Err(AppError::conflict("code", format!("the occupation code {code} is already used by {other}")));
        }
    }
    let (id, created) = match existing {
        Some(id) => {
            diesel::update(occupations::table.find(&id))
                .set((
                    occupations::code.eq(&input.code),
                    occupations::label_zh.eq(&input.label_zh),
                    occupations::label_en.eq(&input.label_en),
                    occupations::description.eq(&input.description),
                    occupations::valid_months.eq(crate::models::courses::valid_months_column(input.valid_months)),
                    occupations::updated_at.eq(&ts),
                ))
                .execute(conn)?;
            (id, false)
        }
        None => {
            let id = new_id();
            diesel::insert_into(occupations::table)
                .values((
                    occupations::id.eq(&id),
                    occupations::uri.eq(uri),
                    occupations::code.eq(&input.code),
                    occupations::label_zh.eq(&input.label_zh),
                    occupations::label_en.eq(&input.label_en),
                    occupations::description.eq(&input.description),
                    occupations::valid_months.eq(crate::models::courses::valid_months_column(input.valid_months)),
                    occupations::created_at.eq(&ts),
                    occupations::updated_at.eq(&ts),
                ))
                .execute(conn)?;
            (id, true)
        }
    };
    // An ESCO occupations file without relations must not wipe requirements imported earlier.
    if !input.skills.is_empty() {
        replace_occupation_skills(conn, &id, input.skills.iter().zip(skill_ids).map(|(r, sid)| (sid, r.kind, r.min_level)))?;
    }
    Ok((id, created))
}

/// Replaces an occupation's requirements.
pub fn replace_occupation_skills(
    conn: &mut DbConnection,
    occupation_id: &str,
    reqs: impl Iterator<Item = (String, RequirementKind, SkillLevel)>,
) -> QueryResult<()> {
    diesel::delete(occupation_skills::table.filter(occupation_skills::occupation_id.eq(occupation_id))).execute(conn)?;
    let rows: Vec<_> = reqs
        .map(|(sid, kind, level)| {
            (
                occupation_skills::occupation_id.eq(occupation_id.to_string()),
                occupation_skills::skill_id.eq(sid),
                occupation_skills::kind.eq(kind.as_ref().to_string()),
                occupation_skills::min_level.eq(i32::from(level.number())),
            )
        })
        .collect();
    for chunk in super::bind_chunks(&rows, 4) {
        crate::insert_batch!(conn, occupation_skills::table, chunk)?;
    }
    Ok(())
}

/// An occupation by id, URI or 大典 code.
pub fn find_occupation(conn: &mut DbConnection, key: &str) -> AppResult<OccupationView> {
    let row: OccupationRow = occupations::table
        .filter(occupations::id.eq(key).or(occupations::uri.eq(key)).or(occupations::code.eq(key)))
        .select((
            occupations::id,
            occupations::uri,
            occupations::code,
            occupations::label_zh,
            occupations::label_en,
            occupations::description,
            occupations::valid_months,
        ))
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("occupation {key}")))?;
    type Requirement = (String, Option<String>, Option<String>, String, i32);
    let reqs: Vec<Requirement> = occupation_skills::table
        .inner_join(skills::table)
        .filter(occupation_skills::occupation_id.eq(&row.0))
        .order((occupation_skills::kind.asc(), skills::uri.asc()))
        .select((skills::uri, skills::label_zh, skills::label_en, occupation_skills::kind, occupation_skills::min_level))
        .load(conn)?;
    Ok(OccupationView {
        id: row.0,
        uri: row.1,
        code: row.2,
        label_zh: row.3,
        label_en: row.4,
        description: row.5,
        valid_months: row.6.and_then(|m| u32::try_from(m).ok()),
        skills: reqs
            .into_iter()
            .map(|(skill, label_zh, label_en, kind, level)| RequirementView { skill, label_zh, label_en, kind, min_level: level as u8 })
            .collect(),
    })
}

/// An occupation that requires a skill, as the skill's public page lists it.
#[derive(Debug, Clone)]
pub struct OccupationNeed {
    /// Occupation id.
    pub id: String,
    /// 大典 code.
    pub code: Option<String>,
    /// Chinese label.
    pub label_zh: Option<String>,
    /// English label.
    pub label_en: Option<String>,
    /// `essential` or `optional`.
    pub kind: String,
    /// The level required, 1 (一级) to 5 (五级).
    pub min_level: u8,
}

/// The occupations requiring a skill (by id), essential ones first, in one query.
pub fn occupations_requiring(conn: &mut DbConnection, skill_id: &str) -> QueryResult<Vec<OccupationNeed>> {
    type Need = (String, Option<String>, Option<String>, Option<String>, String, i32);
    let rows: Vec<Need> = occupation_skills::table
        .inner_join(occupations::table)
        .filter(occupation_skills::skill_id.eq(skill_id))
        .order((occupation_skills::kind.asc(), occupations::code.asc(), occupations::id.asc()))
        .select((
            occupations::id,
            occupations::code,
            occupations::label_zh,
            occupations::label_en,
            occupation_skills::kind,
            occupation_skills::min_level,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, code, label_zh, label_en, kind, level)| OccupationNeed { id, code, label_zh, label_en, kind, min_level: level as u8 })
        .collect())
}

/// An occupation's id and labels.
pub type OccupationLabels = (String, Option<String>, Option<String>);

/// The id and labels of the occupations with these URIs or 大典 codes, keyed by URI and by
/// code (one query): how a demand list's positions name their occupations.
pub fn occupation_labels(conn: &mut DbConnection, keys: &[String]) -> QueryResult<HashMap<String, OccupationLabels>> {
    type Labelled = (String, String, Option<String>, Option<String>, Option<String>);
    let rows: Vec<Labelled> = occupations::table
        .filter(occupations::uri.eq_any(keys).or(occupations::code.eq_any(keys)))
        .select((occupations::id, occupations::uri, occupations::code, occupations::label_zh, occupations::label_en))
        .load(conn)?;
    let mut out = HashMap::new();
    for (id, uri, code, zh, en) in rows {
        if let Some(code) = code {
            out.insert(code, (id.clone(), zh.clone(), en.clone()));
        }
        out.insert(uri, (id, zh, en));
    }
    Ok(out)
}

/// Filters for occupations.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OccupationFilter {
    /// Text in the Chinese or English label, or the code.
    pub q: Option<String>,
    /// Page number (from 1).
    pub page: Option<i64>,
    /// Page size (1–500).
    pub per_page: Option<i64>,
}

/// Lists occupations (without their skills; fetch one to see them).
pub fn list_occupations(conn: &mut DbConnection, f: &OccupationFilter, limit: i64, offset: i64) -> AppResult<(Vec<OccupationView>, i64)> {
    let build = || {
        let mut q = occupations::table.into_boxed();
        if let Some(text) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let pat = format!("%{}%", like_escape(&text.to_lowercase()));
            q = q.filter(
                lower(occupations::label_zh)
                    .like(pat.clone())
                    .escape('\\')
                    .or(lower(occupations::label_en).like(pat.clone()).escape('\\'))
                    .or(lower(occupations::code).like(pat).escape('\\')),
            );
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows: Vec<OccupationRow> = build()
        .order(occupations::uri)
        .limit(limit)
        .offset(offset)
        .select((
            occupations::id,
            occupations::uri,
            occupations::code,
            occupations::label_zh,
            occupations::label_en,
            occupations::description,
            occupations::valid_months,
        ))
        .load(conn)?;
    Ok((
        rows.into_iter()
            .map(|(id, uri, code, label_zh, label_en, description, valid_months)| OccupationView {
                id,
                uri,
                code,
                label_zh,
                label_en,
                description,
                valid_months: valid_months.and_then(|m| u32::try_from(m).ok()),
                skills: vec![],
            })
            .collect(),
        total,
    ))
}

/// What the home page counts: published courses, skills, occupations, published demand
/// lists and certificates issued.
#[derive(Debug, Clone, Default)]
pub struct PublicCounts {
    /// Published micro-courses.
    pub courses: i64,
    /// Skills in the catalog.
    pub skills: i64,
    /// Occupations.
    pub occupations: i64,
    /// Published demand lists.
    pub demand_lists: i64,
    /// Credentials issued (any status).
    pub credentials: i64,
}

/// The home page's counts, one small query each.
pub fn public_counts(conn: &mut DbConnection) -> QueryResult<PublicCounts> {
    use crate::db::schema::{courses, credentials, demand_lists};
    Ok(PublicCounts {
        courses: courses::table.filter(courses::status.eq("published")).count().get_result(conn)?,
        skills: skills::table.count().get_result(conn)?,
        occupations: occupations::table.count().get_result(conn)?,
        demand_lists: demand_lists::table.filter(demand_lists::status.eq("published")).count().get_result(conn)?,
        credentials: credentials::table.count().get_result(conn)?,
    })
}
