//! CSV imports and exports, shared by the API and the CLI.
//!
//! Parsing (encodings, Chinese headers, `SKILL@LEVEL` cells, row errors) is the catalog
//! crate's; this module adds what needs the store: whether the provider or enterprise exists
//! and the caller may write for it, whether prerequisites exist and stay acyclic, whether a
//! course version is already published. The rule is the same everywhere: a file with bad
//! rows is rejected whole, every bad row named, and nothing stored — unless the caller
//! explicitly asks to keep the good rows, in which case the bad ones are still reported.
//!
//! Speed: everything a row needs from the database is loaded once up front (organizations,
//! skills, existing course codes), rows are written with multi-row inserts inside one
//! transaction, so a 100 000-row file costs a few hundred statements, not a few hundred
//! thousand (see docs/PERFORMANCE.md).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use diesel::prelude::*;
use rongtong_catalog::csvio::{self, CourseReader, DemandReader, ImportError, RowError, SkillIndex};
use rongtong_catalog::{CourseInput, CourseStatus, DemandItemInput, DemandListInput, DemandStatus, OrgKind, RegionCode};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::db::schema::{course_prerequisites, course_skills, courses, occupations, organizations, regions, skills};
use crate::db::{DbConnection, new_id, now};
use crate::error::{AppError, AppResult};
use crate::models::accounts::{self, OrgRow};
use crate::models::catalog as catalog_m;
use crate::models::{courses as courses_m, demand as demand_m};

/// Options of an import.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Store the good rows even when some rows are bad.
    pub keep_good_rows: bool,
    /// Publish what is imported (courses: straight to `published`, which only a region or
    /// platform admin — or the local operator — may do; demand: publish the list).
    pub publish: bool,
}

/// One bad row, as reported.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowErrorView {
    /// Row as the spreadsheet shows it (header = 1).
    pub row: usize,
    /// Column header.
    pub column: String,
    /// What is wrong.
    pub reason: String,
}

impl From<RowError> for RowErrorView {
    fn from(e: RowError) -> Self {
        RowErrorView { row: e.row, column: e.column, reason: e.reason }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ImportReport {
    /// The encoding the file was read in (`utf-8`, `utf-8-bom`, `gb18030`, …).
    pub encoding: String,
    /// Data rows read (blank rows excluded).
    pub rows_read: usize,
    /// Records created.
    pub created: usize,
    /// Records updated.
    pub updated: usize,
    /// Blank rows skipped.
    pub skipped_blank: usize,
    /// Whether anything was stored.
    pub stored: bool,
    /// Bad rows (only when `keep_good_rows` was asked; otherwise a bad file is a 422).
    pub errors: Vec<RowErrorView>,
    /// The demand list created, for demand imports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demand_list_id: Option<String>,
}

/// Turns a file-level problem into a 422 naming the header or the file.
pub fn file_error(e: ImportError) -> AppError {
    match e {
        ImportError::Headers(problems) => {
            let mut errs = rongtong_catalog::ValidationErrors::new();
            for p in problems {
                let field = match &p {
                    csvio::HeaderProblem::Missing { column } => column.clone(),
                    csvio::HeaderProblem::Unknown { header, .. } => header.clone(),
                    csvio::HeaderProblem::Duplicate { column, .. } => column.clone(),
                };
                errs.push(field, p.to_string());
            }
            AppError::Validation(errs)
        }
        other => AppError::invalid("file", other.to_string()),
    }
}

/// Builds the label/URI index of every skill in the store, and the URI → id map.
fn skill_index(conn: &mut DbConnection) -> QueryResult<(SkillIndex, HashMap<String, String>)> {
    let mut index = SkillIndex::new();
    let mut ids = HashMap::new();
    for (id, uri, zh, en) in catalog_m::all_skill_labels(conn)? {
        index.insert(uri.clone(), zh.as_deref(), en.as_deref());
        ids.insert(uri, id);
    }
    Ok((index, ids))
}

/// Imports a course CSV. `actor` is `None` for the local operator (CLI), who may write for
/// any provider. `progress` is called with the number of rows parsed so far.
pub fn import_courses(
    conn: &mut DbConnection,
    bytes: &[u8],
    actor: Option<&Principal>,
    opts: ImportOptions,
    progress: &mut dyn FnMut(usize),
) -> AppResult<ImportReport> {
    // Every path to `published` passes the review levels: a direct publish is the
    // platform's (recorded in the trail) or the local operator's.
    let direct = match opts.publish {
        true => Some(crate::services::review::direct_publish(actor.is_none(), &|stage| {
            actor.is_some_and(|p| stage == rongtong_catalog::ReviewStage::Platform && p.role == crate::auth::Role::PlatformAdmin)
        })?),
        false => None,
    };
    let (index, skill_ids) = skill_index(conn)?;
    let mut reader = CourseReader::new(bytes, &index).map_err(file_error)?;
    let mut report = ImportReport { encoding: reader.encoding().to_string(), ..Default::default() };
    let mut good: Vec<(usize, CourseInput)> = Vec::new();
    let mut errors: Vec<RowError> = Vec::new();
    for (n, item) in reader.by_ref().enumerate() {
        match item {
            Ok(row) => good.push(row),
            Err(errs) => errors.extend(errs),
        }
        if n % 1000 == 999 {
            progress(n + 1);
        }
    }
    report.skipped_blank = reader.skipped();
    report.rows_read = good.len() + errors.iter().map(|e| e.row).collect::<HashSet<_>>().len();
    progress(report.rows_read);

    // What rows need from the store, loaded once.
    let orgs: HashMap<String, OrgRow> =
        organizations::table.select(accounts::OrgRow::as_select()).load::<OrgRow>(conn)?.into_iter().map(|o| (o.code.clone(), o)).collect();
    let existing: HashMap<(String, String), (String, String)> = courses::table
        .select((courses::code, courses::version, courses::id, courses::status))
        .load::<(String, String, String, String)>(conn)?
        .into_iter()
        .map(|(c, v, id, s)| ((c, v), (id, s)))
        .collect();
    let stored_codes: HashSet<String> = existing.keys().map(|(c, _)| c.clone()).collect();
    let mut graph: HashMap<String, Vec<String>> = HashMap::new();
    for (code, prereq) in courses_m::prerequisite_edges(conn)? {
        graph.entry(code).or_default().push(prereq);
    }

    // Store-dependent checks, per row.
    let col = |name: &str| name.to_string();
    let mut checked: Vec<(usize, CourseInput, String)> = Vec::with_capacity(good.len());
    for (row, input) in good {
        let Some(org) = orgs.get(&input.provider) else {
            errors.push(RowError::new(row, col("provider"), format!("no organization with code {}", input.provider)));
            continue;
        };
        if !org.kind().provides_courses() {
            errors.push(RowError::new(
                row,
                col("provider"),
                format!("{} is a {}; only colleges and training centres publish courses", org.code, org.kind),
            ));
            continue;
        }
        if let Some(p) = actor
            && !p.can_edit_org_content(&org.id, &org.region_code()?)
        {
            errors.push(RowError::new(row, col("provider"), format!("you may not write courses for {}", org.code)));
            continue;
        }
        if let Some((_, status)) = existing.get(&(input.code.clone(), input.version.clone()))
            && status != CourseStatus::Draft.as_ref()
        {
            errors.push(RowError::new(
                row,
                col("version"),
                format!("course {} version {} is already {status}; import it as a new version", input.code, input.version),
            ));
            continue;
        }
        checked.push((row, input, org.id.clone()));
    }
    // Prerequisites must exist (stored, or a good row of this file) and stay acyclic; a row
    // dropped for a bad prerequisite can strand others, hence the loop to a fixed point.
    loop {
        let batch_codes: HashSet<&str> = checked.iter().map(|(_, c, _)| c.code.as_str()).collect();
        let mut bad: HashMap<usize, RowError> = HashMap::new();
        for (row, input, _) in &checked {
            for p in &input.prerequisites {
                if !stored_codes.contains(p) && !batch_codes.contains(p.as_str()) {
                    bad.entry(*row).or_insert_with(|| {
                        RowError::new(
                            *row,
                            col("prerequisites"),
                            format!("no course with code {p} (in the catalog or on a good row of this file)"),
                        )
                    });
                }
            }
        }
        let mut full = graph.clone();
        for (_, input, _) in &checked {
            full.insert(input.code.clone(), input.prerequisites.clone());
        }
        // The one cycle check (rongtong_catalog::prerequisite_cycles): a row is bad when its
        // own prerequisites close a loop through it.
        let cycles =
            rongtong_catalog::prerequisite_cycles(full.iter().flat_map(|(c, ps)| ps.iter().map(move |p| (c.as_str(), p.as_str()))));
        for (row, input, _) in &checked {
            if let Some(cycle) =
                cycles.iter().find(|cy| cy.courses.contains(&input.code) && input.prerequisites.iter().any(|p| cy.courses.contains(p)))
            {
                bad.entry(*row).or_insert_with(|| {
                    RowError::new(*row, col("prerequisites"), format!("prerequisites of {} form a cycle: {cycle}", input.code))
                });
            }
        }
        if bad.is_empty() {
            break;
        }
        checked.retain(|(row, _, _)| !bad.contains_key(row));
        errors.extend(bad.into_values());
    }
    errors.sort_by(|a, b| (a.row, &a.column).cmp(&(b.row, &b.column)));
    if !errors.is_empty() && !opts.keep_good_rows {
        return Err(AppError::CsvRows(errors));
    }
    report.errors = errors.into_iter().map(RowErrorView::from).collect();

    let status = if opts.publish { CourseStatus::Published } else { CourseStatus::Draft };
    let (created, updated) = crate::db::write_transaction::<_, AppError, _>(conn, |c| {
        let (created, updated, ids) = store_courses(c, &checked, &existing, &skill_ids, status)?;
        if let (Some(Some(stage)), Some(p)) = (direct, actor) {
            courses_m::record_direct_publish(c, &ids, &p.user_id, stage, crate::services::review::DIRECT_PUBLISH_COMMENT)?;
        }
        Ok((created, updated))
    })?;
    report.created = created;
    report.updated = updated;
    report.stored = created + updated > 0;
    Ok(report)
}

/// Writes checked course rows: multi-row inserts for new courses, updates for drafts.
fn store_courses(
    conn: &mut DbConnection,
    rows: &[(usize, CourseInput, String)],
    existing: &HashMap<(String, String), (String, String)>,
    skill_ids: &HashMap<String, String>,
    status: CourseStatus,
) -> AppResult<(usize, usize, Vec<String>)> {
    let ts = now();
    let (mut created, mut updated) = (0, 0);
    let mut new_courses = Vec::new();
    let mut new_skills = Vec::new();
    let mut new_prereqs = Vec::new();
    let mut new_ids = Vec::new();
    for (_, input, provider_id) in rows {
        let ids: Vec<String> = input.skills.iter().filter_map(|s| skill_ids.get(&s.skill).cloned()).collect();
        if let Some((id, _)) = existing.get(&(input.code.clone(), input.version.clone())) {
            courses_m::update_course(conn, id, input, &ids)?;
            updated += 1;
            continue;
        }
        let id = new_id();
        for (s, sid) in input.skills.iter().zip(&ids) {
            new_skills.push((
                course_skills::course_id.eq(id.clone()),
                course_skills::skill_id.eq(sid.clone()),
                course_skills::level.eq(i32::from(s.level.number())),
                course_skills::weight.eq(s.weight),
            ));
        }
        for p in &input.prerequisites {
            new_prereqs.push((course_prerequisites::course_id.eq(id.clone()), course_prerequisites::prerequisite_code.eq(p.clone())));
        }
        new_ids.push(id.clone());
        new_courses.push((
            courses::id.eq(id),
            courses::code.eq(input.code.clone()),
            courses::version.eq(input.version.clone()),
            courses::provider_id.eq(provider_id.clone()),
            courses::title_zh.eq(input.title_zh.trim().to_string()),
            courses::title_en.eq(input.title_en.clone()),
            courses::description_zh.eq(input.description_zh.clone()),
            courses::description_en.eq(input.description_en.clone()),
            courses::hours.eq(input.hours),
            courses::credits.eq(input.credits),
            courses::delivery_mode.eq(input.delivery_mode.as_ref().to_string()),
            courses::valid_months.eq(courses_m::valid_months_column(input.valid_months)),
            courses::status.eq(status.as_ref().to_string()),
            courses::created_at.eq(ts.clone()),
            courses::updated_at.eq(ts.clone()),
        ));
        created += 1;
    }
    for chunk in crate::models::bind_chunks(&new_courses, 15) {
        crate::insert_batch!(conn, courses::table, chunk)?;
    }
    for chunk in crate::models::bind_chunks(&new_skills, 4) {
        crate::insert_batch!(conn, course_skills::table, chunk)?;
    }
    for chunk in crate::models::bind_chunks(&new_prereqs, 2) {
        crate::insert_batch!(conn, course_prerequisites::table, chunk)?;
    }
    Ok((created, updated, new_ids))
}

/// Imports a demand CSV as one demand list of enterprise `enterprise_code`.
///
/// The list's region is the rows' common region, or the enterprise's own when rows differ;
/// its deadline is the latest row deadline. Each position keeps its own region and deadline.
pub fn import_demand(
    conn: &mut DbConnection,
    bytes: &[u8],
    enterprise_code: &str,
    title: &str,
    actor: Option<&Principal>,
    opts: ImportOptions,
    progress: &mut dyn FnMut(usize),
) -> AppResult<ImportReport> {
    let org = accounts::find_org(conn, enterprise_code)
        .map_err(|_| AppError::invalid("enterprise", format!("no organization {enterprise_code}")))?;
    if org.kind() != OrgKind::Enterprise {
        return Err(AppError::invalid("enterprise", format!("{enterprise_code} is a {}; only enterprises publish demand lists", org.kind)));
    }
    if let Some(p) = actor {
        p.ensure(p.can_edit_org_content(&org.id, &org.region_code()?), &format!("import demand for {enterprise_code}"))?;
    }
    let mut t = rongtong_catalog::ValidationErrors::new();
    rongtong_catalog::validate::check_text(&mut t, "title", title, 300);
    t.into_result()?;
    let (index, _) = skill_index(conn)?;
    let known_regions: HashSet<String> = regions::table.select(regions::code).load::<String>(conn)?.into_iter().collect();
    let mut reader = DemandReader::new(bytes, &index).map_err(file_error)?;
    let mut report = ImportReport { encoding: reader.encoding().to_string(), ..Default::default() };
    let mut good: Vec<DemandItemInput> = Vec::new();
    let mut errors: Vec<RowError> = Vec::new();
    let mut bad_rows = HashSet::new();
    for (n, item) in reader.by_ref().enumerate() {
        match item {
            Ok((row, input)) => match &input.region {
                Some(r) if !known_regions.contains(r.as_str()) => {
                    bad_rows.insert(row);
                    errors.push(RowError::new(row, "region", format!("region {r} is not in the catalog")));
                }
                _ => good.push(input),
            },
            Err(errs) => {
                bad_rows.extend(errs.iter().map(|e| e.row));
                errors.extend(errs);
            }
        }
        if n % 1000 == 999 {
            progress(n + 1);
        }
    }
    report.skipped_blank = reader.skipped();
    report.rows_read = good.len() + bad_rows.len();
    progress(report.rows_read);
    if !errors.is_empty() && !opts.keep_good_rows {
        return Err(AppError::CsvRows(errors));
    }
    report.errors = errors.into_iter().map(RowErrorView::from).collect();
    if good.is_empty() {
        return Ok(report);
    }
    let regions_in_rows: HashSet<&RegionCode> = good.iter().filter_map(|i| i.region.as_ref()).collect();
    let region = match (regions_in_rows.len(), regions_in_rows.iter().next()) {
        (1, Some(r)) if good.iter().all(|i| i.region.is_some()) => (*r).clone(),
        _ => org.region_code()?,
    };
    let input = DemandListInput {
        title: title.trim().to_string(),
        enterprise: org.code.clone(),
        region,
        industry: None,
        deadline: good.iter().filter_map(|i| i.deadline).max(),
        items: good,
    };
    let status = if opts.publish { DemandStatus::Published } else { DemandStatus::Draft };
    let id = crate::db::write_transaction::<_, AppError, _>(conn, |c| demand_m::insert_list(c, &org.id, &input, status))?;
    report.created = input.items.len();
    report.stored = true;
    report.demand_list_id = Some(id);
    Ok(report)
}

// ---------------------------------------------------------------- exports

/// Every course (optionally of one provider, optionally only published) as course CSV.
pub fn export_courses(conn: &mut DbConnection, provider: Option<&str>, only_published: bool) -> AppResult<Vec<u8>> {
    let mut q = courses::table.inner_join(organizations::table).into_boxed();
    if let Some(code) = provider {
        q = q.filter(organizations::code.eq(code.to_string()));
    }
    if only_published {
        q = q.filter(courses::status.eq("published"));
    }
    let rows: Vec<courses_m::CourseRow> =
        q.order((courses::code, courses::version)).select(courses_m::CourseRow::as_select()).load(conn)?;
    let views = courses_m::course_views(conn, rows)?;
    let inputs: Vec<CourseInput> = views
        .into_iter()
        .map(|v| CourseInput {
            code: v.code,
            version: v.version,
            title_zh: v.title_zh,
            title_en: v.title_en,
            description_zh: v.description_zh,
            description_en: v.description_en,
            provider: v.provider,
            hours: v.hours,
            credits: v.credits,
            delivery_mode: v.delivery_mode.parse().unwrap_or(rongtong_catalog::DeliveryMode::Blended),
            skills: v
                .skills
                .into_iter()
                .filter_map(|s| {
                    Some(rongtong_catalog::CourseSkill {
                        skill: s.skill,
                        level: rongtong_catalog::SkillLevel::new(s.level).ok()?,
                        weight: s.weight,
                    })
                })
                .collect(),
            prerequisites: v.prerequisites,
            valid_months: v.valid_months,
        })
        .collect();
    let mut out = Vec::new();
    csvio::write_courses(&mut out, &inputs, &csvio::ExportOptions::default()).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(out)
}

/// One demand list's items as demand CSV.
pub fn export_demand(view: &demand_m::DemandListView) -> AppResult<Vec<u8>> {
    let items: Vec<DemandItemInput> = view
        .items
        .iter()
        .map(|i| DemandItemInput {
            position: i.position.clone(),
            occupation: i.occupation.clone(),
            headcount: i.headcount.max(0) as u32,
            region: i.region.as_deref().and_then(|r| r.parse().ok()),
            deadline: i.deadline.as_deref().and_then(|d| d.parse().ok()),
            skills: i
                .skills
                .iter()
                .filter_map(|s| {
                    Some(rongtong_catalog::SkillRequirement {
                        skill: s.skill.clone(),
                        kind: s.kind.parse().ok()?,
                        min_level: rongtong_catalog::SkillLevel::new(s.min_level).ok()?,
                    })
                })
                .collect(),
        })
        .collect();
    let mut out = Vec::new();
    csvio::write_demand_items(&mut out, &items, &csvio::ExportOptions::default()).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(out)
}

/// The skills catalog as CSV.
pub fn export_skills(conn: &mut DbConnection) -> AppResult<Vec<u8>> {
    let rows: Vec<(catalog_m::SkillRow, String)> = skills::table
        .inner_join(crate::db::schema::frameworks::table)
        .order(skills::uri)
        .select((catalog_m::SkillRow::as_select(), crate::db::schema::frameworks::code))
        .load(conn)?;
    let inputs: Vec<rongtong_catalog::SkillInput> = rows
        .into_iter()
        .map(|(r, fw)| rongtong_catalog::SkillInput {
            uri: Some(r.uri),
            framework: fw,
            label_zh: r.label_zh,
            label_en: r.label_en,
            alt_labels: serde_json::from_str(&r.alt_labels).unwrap_or_default(),
            description: r.description,
            skill_type: r.skill_type.parse().unwrap_or(rongtong_catalog::SkillType::SkillCompetence),
            reuse_level: r.reuse_level,
            status: r.status,
        })
        .collect();
    let mut out = Vec::new();
    csvio::write_skills(&mut out, &inputs, &csvio::ExportOptions::default()).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(out)
}

// ---------------------------------------------------------------- ESCO

/// A bad row of an ESCO file.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EscoRowErrorView {
    /// File name.
    pub file: String,
    /// Row (header = 1).
    pub row: usize,
    /// Column.
    pub column: String,
    /// What is wrong.
    pub reason: String,
}

/// What an ESCO import did.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct EscoReport {
    /// Files read.
    pub files: Vec<String>,
    /// Skills created.
    pub skills_created: usize,
    /// Skills already present (matched by URI) and updated.
    pub skills_updated: usize,
    /// Occupations created.
    pub occupations_created: usize,
    /// Occupations updated.
    pub occupations_updated: usize,
    /// Occupation–skill links (essential or optional requirements) stored: those of every
    /// occupation whose requirements the files gave, replacing what it had.
    pub occupation_skills_stored: usize,
    /// Skill relations added (already present ones are not counted).
    pub relations_added: usize,
    /// Rows skipped on purpose (blank rows, relations to skill groups).
    pub skipped: usize,
}

impl std::fmt::Display for EscoReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ESCO import ({}): skills {} created, {} updated; occupations {} created, {} updated; {} occupation–skill links stored; {} relations added; {} rows skipped",
            self.files.join(", "),
            self.skills_created,
            self.skills_updated,
            self.occupations_created,
            self.occupations_updated,
            self.occupation_skills_stored,
            self.relations_added,
            self.skipped
        )
    }
}

/// Imports uploaded ESCO files (name, bytes). Unknown file names are refused.
pub fn import_esco_files(conn: &mut DbConnection, files: &[(String, Vec<u8>)]) -> AppResult<EscoReport> {
    use csvio::esco::{BROADER_FILE, OCCUPATION_SKILLS_FILE, OCCUPATIONS_FILE, SKILL_SKILL_FILE, SKILLS_FILE};
    let known = [SKILLS_FILE, OCCUPATIONS_FILE, OCCUPATION_SKILLS_FILE, BROADER_FILE, SKILL_SKILL_FILE];
    // The catalog reads ESCO downloads from a folder (that is how users get them), so an
    // upload is laid out as one in a private temporary folder.
    let dir = tempfile::tempdir().map_err(|e| AppError::Internal(e.to_string()))?;
    for (name, bytes) in files {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        if !known.contains(&base) {
            return Err(AppError::invalid(name.clone(), format!("not an ESCO file name; expected one of {}", known.join(", "))));
        }
        std::fs::write(dir.path().join(base), bytes).map_err(|e| AppError::Internal(e.to_string()))?;
    }
    import_esco_dir(conn, dir.path(), &mut |_, _| {})
}

/// Imports the ESCO files present in `dir`. A file with bad rows rejects the import whole.
/// `progress` is called with `(records stored, records in all)` — skills, occupations and
/// skill relations — every few hundred records and at the end.
pub fn import_esco_dir(conn: &mut DbConnection, dir: &Path, progress: &mut dyn FnMut(usize, usize)) -> AppResult<EscoReport> {
    let bundle = csvio::read_esco_dir(dir).map_err(|e| match e {
        csvio::EscoError::File { file, source } => match file_error(source) {
            AppError::Validation(mut v) => {
                for f in &mut v.errors {
                    f.field = format!("{file}: {}", f.field);
                }
                AppError::Validation(v)
            }
            other => other,
        },
        other => AppError::invalid("dir", other.to_string()),
    })?;
    if !bundle.errors.is_empty() {
        return Err(AppError::CsvRows(
            bundle
                .errors
                .into_iter()
                .map(|e| RowError::new(e.error.row, format!("{}: {}", e.file, e.error.column), e.error.reason))
                .collect(),
        ));
    }
    crate::db::write_transaction(conn, |c| store_esco(c, bundle, progress))
}

fn store_esco(conn: &mut DbConnection, bundle: csvio::EscoBundle, progress: &mut dyn FnMut(usize, usize)) -> AppResult<EscoReport> {
    let mut report = EscoReport { files: bundle.files, skipped: bundle.skipped, ..Default::default() };
    let total = bundle.skills.len() + bundle.occupations.len() + bundle.relations.len();
    let mut done = 0;
    let mut tick = |done: usize| {
        if done.is_multiple_of(500) || done == total {
            progress(done, total);
        }
    };
    tick(0);
    let fw = catalog_m::esco_framework(conn)?;
    // ESCO has no Chinese labels, no 职业分类大典 codes and no certificate validity: an update
    // must keep the ones added here (the demo's translations, a region's curation) instead of blanking them.
    let zh_labels: HashMap<String, String> = skills::table
        .filter(skills::label_zh.is_not_null())
        .select((skills::uri, skills::label_zh.assume_not_null()))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    type Extras = (Option<String>, Option<String>, Option<i32>);
    let occupation_extras: HashMap<String, Extras> = occupations::table
        .select((occupations::uri, occupations::code, occupations::label_zh, occupations::valid_months))
        .load::<(String, Option<String>, Option<String>, Option<i32>)>(conn)?
        .into_iter()
        .map(|(uri, code, zh, months)| (uri, (code, zh, months)))
        .collect();
    for skill in &bundle.skills {
        let kept;
        let skill = match skill.uri.as_ref().and_then(|u| zh_labels.get(u)) {
            Some(zh) if skill.label_zh.is_none() => {
                kept = rongtong_catalog::SkillInput { label_zh: Some(zh.clone()), ..skill.clone() };
                &kept
            }
            _ => skill,
        };
        let (_, created) = catalog_m::upsert_skill(conn, &fw.id, skill)?;
        if created {
            report.skills_created += 1;
        } else {
            report.skills_updated += 1;
        }
        done += 1;
        tick(done);
    }
    for occupation in &bundle.occupations {
        let kept;
        let occupation = match occupation.uri.as_ref().and_then(|u| occupation_extras.get(u)) {
            Some((code, zh, months)) if occupation.code.is_none() || occupation.label_zh.is_none() || occupation.valid_months.is_none() => {
                kept = rongtong_catalog::OccupationInput {
                    code: occupation.code.clone().or_else(|| code.clone()),
                    label_zh: occupation.label_zh.clone().or_else(|| zh.clone()),
                    valid_months: occupation.valid_months.or_else(|| months.and_then(|m| u32::try_from(m).ok())),
                    ..occupation.clone()
                };
                &kept
            }
            _ => occupation,
        };
        let (_, created) = catalog_m::upsert_occupation(conn, occupation).map_err(|e| match e {
            AppError::Validation(v) => AppError::Validation({
                let mut out = rongtong_catalog::ValidationErrors::new();
                out.nest(&format!("occupation {}", occupation.uri.as_deref().unwrap_or("?")), v);
                out
            }),
            other => other,
        })?;
        if created {
            report.occupations_created += 1;
        } else {
            report.occupations_updated += 1;
        }
        // `upsert_occupation` replaces the requirements when the files gave some.
        report.occupation_skills_stored += occupation.skills.len();
        done += 1;
        tick(done);
    }
    let mut uris: Vec<&str> = bundle.relations.iter().flat_map(|r| [r.from.as_str(), r.to.as_str()]).collect();
    uris.sort_unstable();
    uris.dedup();
    let ids = catalog_m::skill_ids_by_uri(conn, &uris)?;
    let mut errs = rongtong_catalog::ValidationErrors::new();
    for rel in &bundle.relations {
        match (ids.get(&rel.from), ids.get(&rel.to)) {
            (Some(from), Some(to)) => {
                if catalog_m::insert_relation_ids(conn, from, rel.kind, to)? {
                    report.relations_added += 1;
                }
                done += 1;
                tick(done);
            }
            _ => errs
                .push("relations", format!("{} {} {}: skill not in the catalog; import skills_en.csv first", rel.from, rel.kind, rel.to)),
        }
    }
    errs.into_result()?;
    progress(total, total);
    Ok(report)
}
