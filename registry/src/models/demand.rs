//! Talent-demand lists and their items.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use rongtong_catalog::{DemandItemInput, DemandListInput, DemandStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Caller, Principal, policy};
use crate::db::schema::{demand_item_skills, demand_items, demand_lists, organizations, regions, skills};
use crate::db::{DbConnection, new_id, now};
use crate::error::{AppError, AppResult};
use crate::models::accounts::{region_prefix_pattern, require_region};
use crate::models::catalog::skill_ids_by_uri;

/// A required skill of a demand item.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DemandSkillView {
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

/// A position in a demand list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DemandItemView {
    /// Id.
    pub id: String,
    /// Position title.
    pub position: String,
    /// Occupation URI or 大典 code.
    pub occupation: Option<String>,
    /// Headcount.
    pub headcount: i32,
    /// Where the job is, when different from the list's region.
    pub region: Option<String>,
    /// Deadline for this position.
    pub deadline: Option<String>,
    /// Required skills, essential first.
    pub skills: Vec<DemandSkillView>,
}

/// A demand list as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DemandListView {
    /// Id.
    pub id: String,
    /// Enterprise code.
    pub enterprise: String,
    /// Enterprise Chinese name.
    pub enterprise_name: String,
    /// Title.
    pub title: String,
    /// Region code.
    pub region: String,
    /// Industry.
    pub industry: Option<String>,
    /// Deadline.
    pub deadline: Option<String>,
    /// `draft`, `published` or `closed`.
    pub status: String,
    /// Sum of the items' headcounts.
    pub total_headcount: i64,
    /// The positions.
    pub items: Vec<DemandItemView>,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

/// A demand list row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = demand_lists)]
pub struct DemandListRow {
    /// Id.
    pub id: String,
    /// Enterprise id.
    pub enterprise_id: String,
    /// Title.
    pub title: String,
    /// Region.
    pub region: String,
    /// Industry.
    pub industry: Option<String>,
    /// Deadline.
    pub deadline: Option<String>,
    /// Status.
    pub status: String,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

impl DemandListRow {
    /// The status as a type.
    pub fn status(&self) -> DemandStatus {
        self.status.parse().unwrap_or(DemandStatus::Draft)
    }
}

/// Writes the items of list `list_id`, replacing existing ones. Skills must be known URIs
/// and regions known codes; every unknown one is named (`items[i].skills[j].skill`).
///
/// Resolution is done for all items at once (one query per 500 distinct URIs) so that a
/// 100 000-row CSV import does not pay a database round trip per row.
pub fn write_items(conn: &mut DbConnection, list_id: &str, items: &[DemandItemInput]) -> AppResult<()> {
    let mut uris: Vec<&str> = items.iter().flat_map(|i| i.skills.iter().map(|s| s.skill.as_str())).collect();
    uris.sort_unstable();
    uris.dedup();
    let ids = skill_ids_by_uri(conn, &uris)?;
    let known_regions: HashSet<String> = regions::table.select(regions::code).load::<String>(conn)?.into_iter().collect();
    let mut errs = rongtong_catalog::ValidationErrors::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(r) = &item.region {
            errs.check(known_regions.contains(r.as_str()), format!("items[{i}].region"), format!("region {r} is not in the catalog"));
        }
        for (j, s) in item.skills.iter().enumerate() {
            errs.check(ids.contains_key(&s.skill), format!("items[{i}].skills[{j}].skill"), format!("unknown skill URI {}", s.skill));
        }
    }
    errs.into_result()?;
    diesel::delete(demand_items::table.filter(demand_items::list_id.eq(list_id))).execute(conn)?;
    let mut item_rows = Vec::with_capacity(items.len());
    let mut skill_rows = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let item_id = new_id();
        for req in &item.skills {
            skill_rows.push((
                demand_item_skills::item_id.eq(item_id.clone()),
                demand_item_skills::skill_id.eq(ids[&req.skill].clone()),
                demand_item_skills::kind.eq(req.kind.as_ref().to_string()),
                demand_item_skills::min_level.eq(i32::from(req.min_level.number())),
            ));
        }
        item_rows.push((
            demand_items::id.eq(item_id),
            demand_items::list_id.eq(list_id.to_string()),
            demand_items::ordinal.eq(i as i32),
            demand_items::position_title.eq(item.position.trim().to_string()),
            demand_items::occupation.eq(item.occupation.clone()),
            demand_items::headcount.eq(item.headcount as i32),
            demand_items::region.eq(item.region.as_ref().map(|r| r.to_string())),
            demand_items::deadline.eq(item.deadline.map(|d| d.to_string())),
        ));
    }
    // 8 binds an item row, 4 a skill row.
    for chunk in super::bind_chunks(&item_rows, 8) {
        crate::insert_batch!(conn, demand_items::table, chunk)?;
    }
    for chunk in super::bind_chunks(&skill_rows, 4) {
        crate::insert_batch!(conn, demand_item_skills::table, chunk)?;
    }
    Ok(())
}

/// Creates a list for enterprise `enterprise_id` with its items.
pub fn insert_list(conn: &mut DbConnection, enterprise_id: &str, input: &DemandListInput, status: DemandStatus) -> AppResult<String> {
    require_region(conn, "region", &input.region)?;
    let id = new_id();
    let ts = now();
    diesel::insert_into(demand_lists::table)
        .values((
            demand_lists::id.eq(&id),
            demand_lists::enterprise_id.eq(enterprise_id),
            demand_lists::title.eq(input.title.trim()),
            demand_lists::region.eq(input.region.as_str()),
            demand_lists::industry.eq(&input.industry),
            demand_lists::deadline.eq(input.deadline.map(|d| d.to_string())),
            demand_lists::status.eq(status.as_ref()),
            demand_lists::created_at.eq(&ts),
            demand_lists::updated_at.eq(&ts),
        ))
        .execute(conn)?;
    write_items(conn, &id, &input.items)?;
    Ok(id)
}

/// Replaces title, region, industry, deadline and items of a list.
pub fn update_list(conn: &mut DbConnection, id: &str, input: &DemandListInput) -> AppResult<()> {
    require_region(conn, "region", &input.region)?;
    diesel::update(demand_lists::table.find(id))
        .set((
            demand_lists::title.eq(input.title.trim()),
            demand_lists::region.eq(input.region.as_str()),
            demand_lists::industry.eq(&input.industry),
            demand_lists::deadline.eq(input.deadline.map(|d| d.to_string())),
            demand_lists::updated_at.eq(now()),
        ))
        .execute(conn)?;
    write_items(conn, id, &input.items)
}

/// A list row by id.
pub fn find_list_row(conn: &mut DbConnection, id: &str) -> AppResult<DemandListRow> {
    demand_lists::table
        .find(id)
        .select(DemandListRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("demand list {id}")))
}

/// Builds views with items and skills (four queries for any number of lists).
pub fn list_views(conn: &mut DbConnection, rows: Vec<DemandListRow>) -> QueryResult<Vec<DemandListView>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    type ItemTuple = (String, String, String, Option<String>, i32, Option<String>, Option<String>);
    let items: Vec<ItemTuple> = demand_items::table
        .filter(demand_items::list_id.eq_any(&ids))
        .order((demand_items::list_id, demand_items::ordinal))
        .select((
            demand_items::id,
            demand_items::list_id,
            demand_items::position_title,
            demand_items::occupation,
            demand_items::headcount,
            demand_items::region,
            demand_items::deadline,
        ))
        .load(conn)?;
    let item_ids: Vec<String> = items.iter().map(|i| i.0.clone()).collect();
    let mut skill_map: HashMap<String, Vec<DemandSkillView>> = HashMap::new();
    for chunk in item_ids.chunks(500) {
        type Required = (String, String, Option<String>, Option<String>, String, i32);
        let s: Vec<Required> = demand_item_skills::table
            .inner_join(skills::table)
            .filter(demand_item_skills::item_id.eq_any(chunk))
            .order((demand_item_skills::item_id, demand_item_skills::kind, skills::uri))
            .select((
                demand_item_skills::item_id,
                skills::uri,
                skills::label_zh,
                skills::label_en,
                demand_item_skills::kind,
                demand_item_skills::min_level,
            ))
            .load(conn)?;
        for (iid, skill, label_zh, label_en, kind, level) in s {
            skill_map.entry(iid).or_default().push(DemandSkillView { skill, label_zh, label_en, kind, min_level: level as u8 });
        }
    }
    let mut item_map: HashMap<String, Vec<DemandItemView>> = HashMap::new();
    for (id, list_id, position, occupation, headcount, region, deadline) in items {
        let skills = skill_map.remove(&id).unwrap_or_default();
        item_map.entry(list_id).or_default().push(DemandItemView { id, position, occupation, headcount, region, deadline, skills });
    }
    let ent_ids: Vec<String> = rows.iter().map(|r| r.enterprise_id.clone()).collect();
    let ents: HashMap<String, (String, String)> = organizations::table
        .filter(organizations::id.eq_any(&ent_ids))
        .select((organizations::id, organizations::code, organizations::name_zh))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(id, code, name)| (id, (code, name)))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            let items = item_map.remove(&r.id).unwrap_or_default();
            let (enterprise, enterprise_name) = ents.get(&r.enterprise_id).cloned().unwrap_or_default();
            DemandListView {
                total_headcount: items.iter().map(|i| i64::from(i.headcount)).sum(),
                items,
                id: r.id,
                enterprise,
                enterprise_name,
                title: r.title,
                region: r.region,
                industry: r.industry,
                deadline: r.deadline,
                status: r.status,
                created_at: r.created_at,
                updated_at: r.updated_at,
            }
        })
        .collect())
}

/// True when `caller` may see this list (published and closed lists are public).
pub fn can_see_list(conn: &mut DbConnection, who: Option<&Principal>, row: &DemandListRow) -> AppResult<bool> {
    if row.status() != DemandStatus::Draft {
        return Ok(true);
    }
    let Some(p) = who else { return Ok(false) };
    let region: String = organizations::table.find(&row.enterprise_id).select(organizations::region).first(conn)?;
    let region = region.parse().map_err(|e: rongtong_catalog::RegionCodeError| AppError::Internal(e.to_string()))?;
    Ok(policy::may_see_unpublished(Some(p), &row.enterprise_id, &region))
}

/// A demand list `who` may see; another tenant's draft is "not found", exactly like a list
/// that does not exist.
pub fn find_visible_list_row(conn: &mut DbConnection, who: Option<&Principal>, id: &str) -> AppResult<DemandListRow> {
    let row = find_list_row(conn, id)?;
    if can_see_list(conn, who, &row)? { Ok(row) } else { Err(AppError::NotFound(format!("demand list {id}"))) }
}

/// Filters for demand lists.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DemandFilter {
    /// Enterprise code.
    pub enterprise: Option<String>,
    /// Lists for this region or inside it (a province includes its cities).
    #[param(value_type = Option<String>)]
    pub region: Option<rongtong_catalog::RegionCode>,
    /// Status; anonymous callers see published and closed lists only.
    #[param(value_type = Option<String>)]
    pub status: Option<DemandStatus>,
    /// Only lists asking for this skill (URI).
    pub skill: Option<String>,
    /// Page number (from 1).
    pub page: Option<i64>,
    /// Page size (1–500).
    pub per_page: Option<i64>,
}

/// Lists the demand lists `caller` may see, with their items.
pub fn list_lists(
    conn: &mut DbConnection,
    caller: &Caller,
    f: &DemandFilter,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<DemandListView>, i64)> {
    let ent_id = match &f.enterprise {
        Some(code) => Some(
            organizations::table
                .filter(organizations::code.eq(code))
                .select(organizations::id)
                .first::<String>(conn)
                .optional()?
                .ok_or_else(|| AppError::bad_field("enterprise", format!("no organization {code}")))?,
        ),
        None => None,
    };
    let private_scope = crate::models::accounts::covered_org_ids(conn, &policy::coverage(caller.principal()))?;
    let skill_lists: Option<Vec<String>> = match &f.skill {
        Some(uri) => Some(
            demand_item_skills::table
                .inner_join(skills::table)
                .inner_join(demand_items::table)
                .filter(skills::uri.eq(uri))
                .select(demand_items::list_id)
                .distinct()
                .load(conn)?,
        ),
        None => None,
    };
    let build = || {
        let mut q = demand_lists::table.into_boxed();
        if let Some(scope) = &private_scope {
            q = q.filter(demand_lists::status.ne("draft").or(demand_lists::enterprise_id.eq_any(scope.clone())));
        }
        if let Some(id) = &ent_id {
            q = q.filter(demand_lists::enterprise_id.eq(id.clone()));
        }
        if let Some(r) = &f.region {
            q = q.filter(demand_lists::region.like(region_prefix_pattern(r)));
        }
        if let Some(s) = f.status {
            q = q.filter(demand_lists::status.eq(s.as_ref().to_string()));
        }
        if let Some(ids) = &skill_lists {
            q = q.filter(demand_lists::id.eq_any(ids.clone()));
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows = build()
        .order((demand_lists::created_at.desc(), demand_lists::id.asc()))
        .limit(limit)
        .offset(offset)
        .select(DemandListRow::as_select())
        .load(conn)?;
    Ok((list_views(conn, rows)?, total))
}

/// The regions that published lists are for, each once (the public list's region filter).
pub fn published_regions(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    demand_lists::table.filter(demand_lists::status.eq(DemandStatus::Published.as_ref())).select(demand_lists::region).distinct().load(conn)
}

/// Deletes a demand list (its items and their skills go with it).
pub fn delete_list(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(demand_lists::table.find(id)).execute(conn)
}

/// Sets a list's status (the caller checked the transition).
pub fn set_list_status(conn: &mut DbConnection, id: &str, status: DemandStatus) -> QueryResult<usize> {
    diesel::update(demand_lists::table.find(id))
        .set((demand_lists::status.eq(status.as_ref()), demand_lists::updated_at.eq(now())))
        .execute(conn)
}

/// Sets a list's industry and deadline.
pub fn set_list_details(
    conn: &mut DbConnection,
    id: &str,
    industry: Option<&str>,
    deadline: Option<chrono::NaiveDate>,
) -> QueryResult<usize> {
    diesel::update(demand_lists::table.find(id))
        .set((demand_lists::industry.eq(industry), demand_lists::deadline.eq(deadline.map(|d| d.to_string()))))
        .execute(conn)
}
