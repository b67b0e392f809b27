//! The demand-list form: `/org/demand/new` and `/org/demand/{id}/edit`.
//!
//! The list's fields (title, industry, region, deadline) and its positions (title, headcount,
//! and optionally occupation, region and deadline), each with required skills (skill, minimum
//! level 五级…一级, essential or optional). Inputs are named by the API's JSON paths
//! (`items[0].skills[1].min_level`), so the form turns into the body `POST /api/v1/demand-lists`
//! takes and every error the API would give for it lands beside the input it names.
//!
//! Works without JavaScript: blank rows are ignored, and "add a position" / "add a skill"
//! buttons send the form back with one more row (nothing is saved then). With JavaScript, the
//! skill inputs suggest skills from `/catalog/skills/suggest` (`data-suggest`); whatever is
//! typed — a URI, a skill id, or an exact Chinese or English label — is resolved on the server
//! with the CSV importer's resolver, and an ambiguous label is refused naming the skills it
//! could mean.
//!
//! Saving goes through `services::demand` (create or replace, in one transaction): on any
//! error the form comes back as sent, with the errors beside their fields, and nothing stored.

use std::collections::{BTreeMap, HashMap, HashSet};

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rongtong_catalog::SkillLevel;
use rongtong_catalog::csvio::{Resolution, SkillIndex, SkillResolver};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Desk, desk, level_name, skill_label};
use crate::app::AppState;
use crate::auth::Principal;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::models::catalog as catalog_m;
use crate::models::demand::{self as m, DemandListView};
use crate::pages::ctx::{CsrfForm, Ctx, PageResult, render};
use crate::pages::i18n::Lang;
use crate::pages::layout::{Chrome, FieldErrors};
use crate::services::demand as svc;

/// Skill rows a new position starts with.
const NEW_SKILL_ROWS: usize = 3;
/// Most positions and skills per position a form is read with (far above any real list; the
/// API has no such limit, the form's rows are only a page's worth).
const MAX_ROWS: usize = 500;
/// The picker offers the whole catalogue without JavaScript when it has at most this many
/// skills; larger catalogues rely on the suggestions.
const MAX_OPTIONS: i64 = 500;

/// One required-skill row, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillRow {
    /// What identifies the skill: a URI, an id or a label.
    pub skill: String,
    /// The minimum level (`1`…`5`; a name such as 三级 is read too).
    pub min_level: String,
    /// `essential` or `optional`.
    pub kind: String,
}

impl Default for SkillRow {
    fn default() -> Self {
        SkillRow { skill: String::new(), min_level: "4".into(), kind: "essential".into() }
    }
}

impl SkillRow {
    fn is_blank(&self) -> bool {
        self.skill.trim().is_empty()
    }
}

/// One position, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionRow {
    /// Position title.
    pub position: String,
    /// Headcount.
    pub headcount: String,
    /// Occupation URI or 大典 code.
    pub occupation: String,
    /// Region, when it differs from the list's.
    pub region: String,
    /// Deadline, when it differs from the list's.
    pub deadline: String,
    /// Ticked "remove this position".
    pub remove: bool,
    /// Required skills.
    pub skills: Vec<SkillRow>,
}

impl Default for PositionRow {
    fn default() -> Self {
        PositionRow {
            position: String::new(),
            headcount: "1".into(),
            occupation: String::new(),
            region: String::new(),
            deadline: String::new(),
            remove: false,
            skills: vec![SkillRow::default(); NEW_SKILL_ROWS],
        }
    }
}

impl PositionRow {
    fn is_blank(&self) -> bool {
        [&self.position, &self.occupation, &self.region, &self.deadline].iter().all(|s| s.trim().is_empty())
            && self.skills.iter().all(SkillRow::is_blank)
    }
}

/// The whole form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListForm {
    /// Title.
    pub title: String,
    /// Enterprise code (admins only; an enterprise's own people always write for it).
    pub enterprise: String,
    /// Region code.
    pub region: String,
    /// Industry.
    pub industry: String,
    /// Deadline (YYYY-MM-DD).
    pub deadline: String,
    /// Positions.
    pub items: Vec<PositionRow>,
}

/// What the submit button asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// Save the list.
    Save,
    /// Show the form again with one more position.
    AddPosition,
    /// Show the form again with one more skill row in position `i`.
    AddSkill(usize),
}

/// A field of a position, from its input name.
enum ItemField {
    Position,
    Headcount,
    Occupation,
    Region,
    Deadline,
    Remove,
    Skill(usize, SkillField),
}

/// A field of a skill row.
enum SkillField {
    Skill,
    MinLevel,
    Kind,
}

/// Reads `items[i].field` or `items[i].skills[j].field`.
fn item_key(key: &str) -> Option<(usize, ItemField)> {
    let (i, rest) = key.strip_prefix("items[")?.split_once(']')?;
    let i: usize = i.parse().ok().filter(|i| *i < MAX_ROWS)?;
    let rest = rest.strip_prefix('.')?;
    let field = match rest {
        "position" => ItemField::Position,
        "headcount" => ItemField::Headcount,
        "occupation" => ItemField::Occupation,
        "region" => ItemField::Region,
        "deadline" => ItemField::Deadline,
        "remove" => ItemField::Remove,
        _ => {
            let (j, field) = rest.strip_prefix("skills[")?.split_once(']')?;
            let j: usize = j.parse().ok().filter(|j| *j < MAX_ROWS)?;
            let field = match field.strip_prefix('.')? {
                "skill" => SkillField::Skill,
                "min_level" => SkillField::MinLevel,
                "kind" => SkillField::Kind,
                _ => return None,
            };
            ItemField::Skill(j, field)
        }
    };
    Some((i, field))
}

/// Reads a submitted form: its fields (rows in index order; names it does not know are
/// ignored) and what the button asked for.
pub fn parse_form(pairs: &[(String, String)]) -> (ListForm, Intent) {
    let mut form = ListForm::default();
    let mut intent = Intent::Save;
    let mut items: BTreeMap<usize, (PositionRow, BTreeMap<usize, SkillRow>)> = BTreeMap::new();
    for (k, v) in pairs {
        match k.as_str() {
            "title" => form.title = v.clone(),
            "enterprise" => form.enterprise = v.trim().to_string(),
            "region" => form.region = v.clone(),
            "industry" => form.industry = v.clone(),
            "deadline" => form.deadline = v.clone(),
            "add" => {
                intent = match v.as_str() {
                    "position" => Intent::AddPosition,
                    s => s.strip_prefix("skill-").and_then(|i| i.parse().ok()).map_or(Intent::Save, Intent::AddSkill),
                }
            }
            _ => {
                let Some((i, field)) = item_key(k) else { continue };
                let (item, skills) =
                    items.entry(i).or_insert_with(|| (PositionRow { skills: Vec::new(), ..PositionRow::default() }, BTreeMap::new()));
                match field {
                    ItemField::Position => item.position = v.clone(),
                    ItemField::Headcount => item.headcount = v.clone(),
                    ItemField::Occupation => item.occupation = v.clone(),
                    ItemField::Region => item.region = v.clone(),
                    ItemField::Deadline => item.deadline = v.clone(),
                    ItemField::Remove => item.remove = !v.is_empty(),
                    ItemField::Skill(j, f) => {
                        let row = skills.entry(j).or_default();
                        match f {
                            SkillField::Skill => row.skill = v.clone(),
                            SkillField::MinLevel => row.min_level = v.clone(),
                            SkillField::Kind => row.kind = v.clone(),
                        }
                    }
                }
            }
        }
    }
    form.items = items
        .into_values()
        .map(|(mut item, skills)| {
            item.skills = skills.into_values().collect();
            item
        })
        .collect();
    (form, intent)
}

impl ListForm {
    /// The rows that are saved: blank skill rows and blank or removed positions dropped, in
    /// order. Error paths (`items[i]`) count these rows, and the form shown after an error
    /// shows exactly these, so each error sits beside its input.
    pub fn compacted(&self) -> ListForm {
        let items = self
            .items
            .iter()
            .filter(|i| !i.remove && !i.is_blank())
            .map(|i| PositionRow { skills: i.skills.iter().filter(|s| !s.is_blank()).cloned().collect(), ..i.clone() })
            .collect();
        ListForm { items, ..self.clone() }
    }

    /// The same rows with room to type: a blank skill row at the end of each position, and a
    /// blank position when there is none.
    fn with_blank_rows(mut self) -> ListForm {
        for item in &mut self.items {
            if item.skills.last().is_none_or(|s| !s.is_blank()) {
                item.skills.push(SkillRow::default());
            }
        }
        if self.items.is_empty() {
            self.items.push(PositionRow::default());
        }
        self
    }

    /// The form of a stored list.
    fn of_view(view: &DemandListView) -> ListForm {
        ListForm {
            title: view.title.clone(),
            enterprise: view.enterprise.clone(),
            region: view.region.clone(),
            industry: view.industry.clone().unwrap_or_default(),
            deadline: view.deadline.clone().unwrap_or_default(),
            items: view
                .items
                .iter()
                .map(|i| PositionRow {
                    position: i.position.clone(),
                    headcount: i.headcount.to_string(),
                    occupation: i.occupation.clone().unwrap_or_default(),
                    region: i.region.clone().unwrap_or_default(),
                    deadline: i.deadline.clone().unwrap_or_default(),
                    remove: false,
                    skills: i
                        .skills
                        .iter()
                        .map(|s| SkillRow { skill: s.skill.clone(), min_level: s.min_level.to_string(), kind: s.kind.clone() })
                        .collect(),
                })
                .collect(),
        }
        .with_blank_rows()
    }

    /// The API's JSON body for these rows (already compacted), skills resolved to URIs where
    /// `uris` knows them. A value that cannot be read is passed on as typed, so that reading
    /// the body names it exactly as the API would.
    pub fn to_json(&self, enterprise: &str, uris: &HashMap<String, String>) -> Value {
        let opt = |s: &str| match s.trim() {
            "" => Value::Null,
            t => Value::String(t.to_string()),
        };
        let items: Vec<Value> = self
            .items
            .iter()
            .map(|i| {
                let skills: Vec<Value> = i
                    .skills
                    .iter()
                    .map(|s| {
                        let typed = s.skill.trim();
                        let skill = uris.get(typed).map_or(typed, String::as_str);
                        json!({ "skill": skill, "kind": s.kind.trim(), "min_level": level_value(&s.min_level) })
                    })
                    .collect();
                let headcount = i.headcount.trim().parse::<u64>().map_or_else(|_| Value::String(i.headcount.clone()), Value::from);
                let mut o = Map::new();
                o.insert("position".into(), Value::String(i.position.clone()));
                o.insert("headcount".into(), headcount);
                o.insert("occupation".into(), opt(&i.occupation));
                o.insert("region".into(), opt(&i.region));
                o.insert("deadline".into(), opt(&i.deadline));
                o.insert("skills".into(), Value::Array(skills));
                Value::Object(o)
            })
            .collect();
        json!({
            "title": self.title,
            "enterprise": enterprise,
            "region": self.region.trim(),
            "industry": opt(&self.industry),
            "deadline": opt(&self.deadline),
            "items": items,
        })
    }
}

/// A level as the API's JSON carries it: the official number, read from `3` or `三级`; anything
/// else as typed (the API then refuses it, naming the field).
fn level_value(typed: &str) -> Value {
    match (typed.trim().parse::<u64>(), typed.parse::<SkillLevel>()) {
        (Ok(n), _) => Value::from(n),
        (_, Ok(level)) => Value::from(level.number()),
        _ => Value::String(typed.to_string()),
    }
}

/// What the skills typed in a form mean: URI by typed text, label by URI, and the refused
/// (ambiguous) ones as field errors.
#[derive(Debug, Default)]
pub struct Resolved {
    /// URI of each typed text that names exactly one skill.
    pub uris: HashMap<String, String>,
    /// `中文 / English` of each skill found, by URI.
    pub labels: HashMap<String, String>,
    /// `items[i].skills[j].skill` errors for labels several skills share.
    pub ambiguous: Vec<(String, String)>,
}

/// Resolves the skills of `form` (compacted): a URI or a skill id names its skill; otherwise
/// an exact Chinese or English label (also the `中文 / English` a suggestion shows) is
/// looked up with the CSV importer's [`SkillIndex`]. Unknown text is left for the save to
/// refuse as an unknown skill. One query per 100 distinct texts.
pub fn resolve_skills(c: &mut DbConnection, form: &ListForm) -> AppResult<Resolved> {
    let typed: Vec<&str> = form.items.iter().flat_map(|i| i.skills.iter().map(|s| s.skill.trim())).filter(|s| !s.is_empty()).collect();
    let mut refs: Vec<&str> = typed.iter().flat_map(|t| std::iter::once(*t).chain(t.split(" / ").map(str::trim))).collect();
    refs.sort_unstable();
    refs.dedup();
    let rows = catalog_m::skills_by_reference(c, &refs)?;
    let mut index = SkillIndex::new();
    let mut by_id = HashMap::new();
    let mut out = Resolved::default();
    for (id, uri, zh, en) in &rows {
        index.insert(uri.clone(), zh.as_deref(), en.as_deref());
        by_id.insert(id.as_str(), uri.as_str());
        out.labels.insert(uri.clone(), skill_label(uri, zh.as_deref(), en.as_deref()));
    }
    let mut seen = HashSet::new();
    for (i, item) in form.items.iter().enumerate() {
        for (j, s) in item.skills.iter().enumerate() {
            let t = s.skill.trim();
            let found = match by_id.get(t) {
                Some(uri) => Resolution::Found((*uri).to_string()),
                None => match index.resolve(t) {
                    // `中文 / English`, as a suggestion labels a skill: its Chinese half.
                    Resolution::NotFound => t.split_once(" / ").map_or(Resolution::NotFound, |(zh, _)| index.resolve(zh.trim())),
                    r => r,
                },
            };
            match found {
                Resolution::Found(uri) => {
                    out.uris.insert(t.to_string(), uri);
                }
                Resolution::Ambiguous(uris) => {
                    if seen.insert((i, j)) {
                        out.ambiguous.push((
                            format!("items[{i}].skills[{j}].skill"),
                            format!("{t} names several skills ({}); pick one from the suggestions or give its URI", uris.join(", ")),
                        ));
                    }
                }
                Resolution::NotFound => {}
            }
        }
    }
    Ok(out)
}

/// An option of the level picker.
pub struct LevelOption {
    /// `1`…`5`.
    pub value: String,
    /// 五级/初级工 … 一级/高级技师.
    pub label: &'static str,
}

/// The level picker's options, from the entry level up (五级 … 一级).
pub(crate) fn level_options(lang: Lang) -> Vec<LevelOption> {
    SkillLevel::ALL_ASCENDING.iter().map(|l| LevelOption { value: l.number().to_string(), label: level_name(lang, *l) }).collect()
}

/// An option of the skill picker's `<datalist>`.
pub struct SkillOption {
    /// Skill URI (what the input receives).
    pub value: String,
    /// `中文 / English`.
    pub label: String,
}

/// A skill row ready for the template: its input names and its errors.
pub struct SkillRowView {
    /// `items[i].skills[j]`.
    pub path: String,
    /// The row.
    pub row: SkillRow,
    /// The resolved skill's label, when known.
    pub label: String,
    /// Errors of the skill input.
    pub e_skill: String,
    /// Errors of the level.
    pub e_level: String,
    /// Errors of the kind.
    pub e_kind: String,
}

/// A position ready for the template.
pub struct PositionView {
    /// `items[i]`.
    pub path: String,
    /// 0-based index.
    pub index: usize,
    /// The row.
    pub row: PositionRow,
    /// Errors of each input.
    pub e_position: String,
    /// Errors of the headcount.
    pub e_headcount: String,
    /// Errors of the occupation.
    pub e_occupation: String,
    /// Errors of the region.
    pub e_region: String,
    /// Errors of the deadline.
    pub e_deadline: String,
    /// Errors of the skills as a whole (`items[i].skills`: "at least one").
    pub e_skills: String,
    /// Skill rows.
    pub skills: Vec<SkillRowView>,
}

impl PositionView {
    /// Its number as people count (1-based).
    fn number(&self) -> usize {
        self.index + 1
    }
}

/// The form page.
#[derive(Template)]
#[template(path = "web/enterprise/form.html")]
pub struct FormPage {
    c: Chrome,
    /// Where it posts.
    action: String,
    /// Where "cancel" goes.
    cancel: String,
    /// True when the enterprise is typed (an admin creating a list).
    ask_enterprise: bool,
    /// The enterprise's name, when known.
    enterprise_name: String,
    form: ListForm,
    e_title: String,
    e_enterprise: String,
    e_region: String,
    e_industry: String,
    e_deadline: String,
    /// Errors not beside any input (`status`, `items`, a file-level problem), as (field, message).
    general: Vec<(String, String)>,
    /// True when the form comes back with errors.
    failed: bool,
    positions: Vec<PositionView>,
    levels: Vec<LevelOption>,
    options: Vec<SkillOption>,
}

/// Errors of exactly `field` (not of the paths under it), joined; the field is marked shown.
fn exact(errors: &FieldErrors, field: &str, shown: &mut HashSet<String>) -> String {
    shown.insert(field.to_string());
    errors.items.iter().filter(|(f, _)| f == field).map(|(_, m)| m.as_str()).collect::<Vec<_>>().join("; ")
}

/// Builds the page for `form` with `errors` beside their inputs (errors of fields with no
/// input go to the top).
#[allow(clippy::too_many_arguments, reason = "one call site per handler; a builder would only rename the arguments")]
fn page(
    ctx: &Ctx,
    title_key: &'static str,
    action: String,
    cancel: String,
    ask_enterprise: bool,
    enterprise_name: String,
    form: ListForm,
    errors: &FieldErrors,
    labels: &HashMap<String, String>,
    options: Vec<SkillOption>,
) -> FormPage {
    let mut shown = HashSet::new();
    let positions = form
        .items
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let path = format!("items[{i}]");
            let f = |name: &str| format!("{path}.{name}");
            let skills = row
                .skills
                .iter()
                .enumerate()
                .map(|(j, s)| {
                    let sp = format!("{path}.skills[{j}]");
                    // Errors of the row itself (`skills[j]`) sit beside its skill input.
                    let mut e_skill = exact(errors, &format!("{sp}.skill"), &mut shown);
                    let whole = exact(errors, &sp, &mut shown);
                    if !whole.is_empty() {
                        e_skill = [e_skill, whole].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join("; ");
                    }
                    SkillRowView {
                        label: labels.get(s.skill.trim()).cloned().unwrap_or_default(),
                        e_level: exact(errors, &format!("{sp}.min_level"), &mut shown),
                        e_kind: exact(errors, &format!("{sp}.kind"), &mut shown),
                        e_skill,
                        path: sp,
                        row: s.clone(),
                    }
                })
                .collect();
            PositionView {
                index: i,
                e_position: exact(errors, &f("position"), &mut shown),
                e_headcount: exact(errors, &f("headcount"), &mut shown),
                e_occupation: exact(errors, &f("occupation"), &mut shown),
                e_region: exact(errors, &f("region"), &mut shown),
                e_deadline: exact(errors, &f("deadline"), &mut shown),
                e_skills: exact(errors, &f("skills"), &mut shown),
                skills,
                path,
                row: row.clone(),
            }
        })
        .collect();
    let e_title = exact(errors, "title", &mut shown);
    let e_region = exact(errors, "region", &mut shown);
    let e_industry = exact(errors, "industry", &mut shown);
    let e_deadline = exact(errors, "deadline", &mut shown);
    let e_enterprise = if ask_enterprise { exact(errors, "enterprise", &mut shown) } else { String::new() };
    let general = errors.items.iter().filter(|(f, _)| !shown.contains(f)).cloned().collect();
    FormPage {
        c: Chrome::new(ctx, title_key).titled(enterprise_name.clone()),
        action,
        cancel,
        ask_enterprise,
        enterprise_name,
        form,
        e_title,
        e_enterprise,
        e_region,
        e_industry,
        e_deadline,
        general,
        failed: errors.any(),
        positions,
        levels: level_options(ctx.lang),
        options,
    }
}

/// The picker's options without JavaScript: the whole catalogue when it is small.
fn skill_options(c: &mut DbConnection) -> AppResult<Vec<SkillOption>> {
    let rows = catalog_m::skill_options(c, MAX_OPTIONS + 1)?;
    if rows.len() as i64 > MAX_OPTIONS {
        return Ok(Vec::new());
    }
    Ok(rows
        .into_iter()
        .map(|(_, uri, zh, en)| SkillOption { label: skill_label(&uri, zh.as_deref(), en.as_deref()), value: uri })
        .collect())
}

/// Labels of the skills a stored list names, by URI.
fn view_labels(view: &DemandListView) -> HashMap<String, String> {
    view.items
        .iter()
        .flat_map(|i| i.skills.iter())
        .map(|s| (s.skill.clone(), skill_label(&s.skill, s.label_zh.as_deref(), s.label_en.as_deref())))
        .collect()
}

/// `?enterprise=` of the new-list form (admins).
#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    /// The enterprise's code.
    #[serde(default)]
    pub enterprise: Option<String>,
}

/// The enterprise a new list is for, and its name: the person's own, or (admins) the one
/// named — checked as a save would check it; an admin who names none is asked for one.
fn new_list_enterprise(c: &mut DbConnection, p: &Principal, desk: &Desk, asked: &str) -> AppResult<(String, String)> {
    let code = match desk {
        Desk::Enterprise(code) => code.clone(),
        Desk::Admin if asked.is_empty() => return Ok((String::new(), String::new())),
        Desk::Admin => asked.to_string(),
    };
    let org = svc::enterprise_for(c, p, &code)?;
    Ok((org.code, org.name_zh))
}

/// `GET /org/demand/new`: an empty list with one position of three skill rows; the region is
/// the enterprise's own.
pub async fn find_new(state: AppState, ctx: Ctx, Query(q): Query<NewQuery>) -> PageResult<Response> {
    let (p, desk) = desk(&ctx)?;
    let (p, asked) = (p.clone(), q.enterprise.unwrap_or_default().trim().to_string());
    let admin = matches!(desk, Desk::Admin);
    let (code, name, region, options) = state
        .db
        .run(move |c| {
            let (code, name) = new_list_enterprise(c, &p, &desk, &asked)?;
            let region = if code.is_empty() { String::new() } else { crate::models::accounts::find_org(c, &code)?.region };
            Ok::<_, AppError>((code, name, region, skill_options(c)?))
        })
        .await?;
    let form = ListForm { enterprise: code, region, ..ListForm::default() }.with_blank_rows();
    let action = "/org/demand/new".to_string();
    let page =
        page(&ctx, "enterprise.new.title", action, "/org/demand".into(), admin, name, form, &FieldErrors::none(), &HashMap::new(), options);
    Ok(render(&page)?.into_response())
}

/// `GET /org/demand/{id}/edit`: the stored list in the form, each position with a blank skill
/// row to add one. Another enterprise's draft is "not found", its published list a 403.
pub async fn find_edit(state: AppState, ctx: Ctx, Path(id): Path<String>) -> PageResult<Response> {
    let (p, _) = desk(&ctx)?;
    let p = p.clone();
    let (view, options) = state
        .db
        .run(move |c| {
            let row = svc::editable_list(c, &p, &id, "edit this demand list")?;
            let view = m::list_views(c, vec![row])?.remove(0);
            Ok::<_, AppError>((view, skill_options(c)?))
        })
        .await?;
    let labels = view_labels(&view);
    let form = ListForm::of_view(&view);
    let action = format!("/org/demand/{}/edit", view.id);
    let cancel = format!("/org/demand/{}", view.id);
    let page = page(
        &ctx,
        "enterprise.edit.title",
        action,
        cancel,
        false,
        view.enterprise_name.clone(),
        form,
        &FieldErrors::none(),
        &labels,
        options,
    );
    Ok(render(&page)?.into_response())
}

/// What a submitted form turned into: saved (the list's id), or the form to show again.
enum Outcome {
    Saved(String),
    /// The form again (`status`: the refusal's, as the API would answer; 200 for an added row).
    Again {
        form: ListForm,
        errors: FieldErrors,
        labels: HashMap<String, String>,
        status: StatusCode,
    },
}

/// Resolves, translates and saves `form` with `save` (create or replace), all on one
/// connection; an error the form can show comes back as [`Outcome::Again`] with the rows
/// that were sent (compacted, so paths line up) — and nothing stored.
fn submit(
    c: &mut DbConnection,
    form: ListForm,
    enterprise: &str,
    save: impl FnOnce(&mut DbConnection, &rongtong_catalog::DemandListInput) -> AppResult<DemandListView>,
) -> AppResult<Outcome> {
    let form = form.compacted();
    let resolved = resolve_skills(c, &form)?;
    let again = |form: ListForm, e: AppError, labels: HashMap<String, String>| match FieldErrors::from_error(&e) {
        Some(errors) => Ok(Outcome::Again { form: form.with_blank_rows(), errors, labels, status: e.status_code() }),
        None => Err(e),
    };
    if !resolved.ambiguous.is_empty() {
        let errs = rongtong_catalog::ValidationErrors {
            errors: resolved.ambiguous.iter().map(|(f, m)| rongtong_catalog::FieldError { field: f.clone(), message: m.clone() }).collect(),
        };
        return again(form, AppError::Validation(errs), resolved.labels);
    }
    let input = match crate::extract::json_input(form.to_json(enterprise, &resolved.uris)) {
        Ok(input) => input,
        Err(e) => return again(form, e, resolved.labels),
    };
    match save(c, &input) {
        Ok(view) => Ok(Outcome::Saved(view.id)),
        Err(e) => {
            // Show what was saved under: the resolved URIs, with their labels.
            let mut form = form;
            for s in form.items.iter_mut().flat_map(|i| i.skills.iter_mut()) {
                if let Some(uri) = resolved.uris.get(s.skill.trim()) {
                    s.skill = uri.clone();
                }
            }
            again(form, e, resolved.labels)
        }
    }
}

/// The form again with one more row (an "add" button; nothing is saved).
fn grown(mut form: ListForm, intent: Intent) -> ListForm {
    match intent {
        Intent::AddPosition => form.items.push(PositionRow::default()),
        Intent::AddSkill(i) => {
            if let Some(item) = form.items.get_mut(i) {
                item.skills.push(SkillRow::default());
            }
        }
        Intent::Save => {}
    }
    form
}

/// A submitted form, on one connection: an "add" button grows it (nothing saved, `labels`
/// shown); a save goes through [`submit`] with `save`. With the form to show again come the
/// picker's options.
fn handle(
    c: &mut DbConnection,
    form: ListForm,
    intent: Intent,
    enterprise: &str,
    labels: HashMap<String, String>,
    save: impl FnOnce(&mut DbConnection, &rongtong_catalog::DemandListInput) -> AppResult<DemandListView>,
) -> AppResult<(Outcome, Vec<SkillOption>)> {
    let outcome = match intent {
        Intent::Save => submit(c, form, enterprise, save)?,
        _ => Outcome::Again { form: grown(form, intent), errors: FieldErrors::none(), labels, status: StatusCode::OK },
    };
    let options = match outcome {
        Outcome::Saved(_) => Vec::new(),
        Outcome::Again { .. } => skill_options(c)?,
    };
    Ok((outcome, options))
}

/// `POST /org/demand/new`: saves a new draft list through `services::demand::create_list`
/// (as `POST /api/v1/demand-lists`) and goes to it; or shows the form again — with one more
/// row, or with the errors beside their inputs and nothing stored (422).
pub async fn create_list(state: AppState, ctx: Ctx, CsrfForm(pairs): CsrfForm<Vec<(String, String)>>) -> PageResult<Response> {
    let (p, desk) = desk(&ctx)?;
    let admin = matches!(desk, Desk::Admin);
    let (form, intent) = parse_form(&pairs);
    let enterprise = match &desk {
        Desk::Enterprise(code) => code.clone(),
        Desk::Admin => form.enterprise.clone(),
    };
    let p = p.clone();
    let code = enterprise.clone();
    let (outcome, name, options) = state
        .db
        .run(move |c| {
            let name = crate::models::accounts::find_org(c, &code).map(|o| o.name_zh).unwrap_or_default();
            let (outcome, options) = handle(c, form, intent, &code, HashMap::new(), |c, input| svc::create_list(c, &p, input))?;
            Ok::<_, AppError>((outcome, name, options))
        })
        .await?;
    match outcome {
        Outcome::Saved(id) => Ok(Redirect::to(&format!("/org/demand/{id}?done=created")).into_response()),
        Outcome::Again { mut form, errors, labels, status } => {
            form.enterprise = enterprise;
            let page = page(
                &ctx,
                "enterprise.new.title",
                "/org/demand/new".into(),
                "/org/demand".into(),
                admin,
                name,
                form,
                &errors,
                &labels,
                options,
            );
            Ok((status, render(&page)?).into_response())
        }
    }
}

/// `POST /org/demand/{id}/edit`: replaces the list through `services::demand::update_list` (as
/// `PUT /api/v1/demand-lists/{id}`) and goes back to it; or the form again, as for a new list.
pub async fn update_list(
    state: AppState,
    ctx: Ctx,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let (p, _) = desk(&ctx)?;
    let (form, intent) = parse_form(&pairs);
    let p = p.clone();
    let list_id = id.clone();
    let (outcome, view, options) = state
        .db
        .run(move |c| {
            // The list must be one the person may edit before anything else is said about it.
            let row = svc::editable_list(c, &p, &list_id, "edit this demand list")?;
            let view = m::list_views(c, vec![row])?.remove(0);
            let save = |c: &mut DbConnection, input: &rongtong_catalog::DemandListInput| svc::update_list(c, &p, &list_id, input);
            let (outcome, options) = handle(c, form, intent, &view.enterprise, view_labels(&view), save)?;
            Ok::<_, AppError>((outcome, view, options))
        })
        .await?;
    match outcome {
        Outcome::Saved(id) => Ok(Redirect::to(&format!("/org/demand/{id}?done=saved")).into_response()),
        Outcome::Again { form, errors, mut labels, status } => {
            labels.extend(view_labels(&view));
            let action = format!("/org/demand/{id}/edit");
            let cancel = format!("/org/demand/{id}");
            let page = page(&ctx, "enterprise.edit.title", action, cancel, false, view.enterprise_name, form, &errors, &labels, options);
            Ok((status, render(&page)?).into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn rows_are_read_by_index_and_blank_ones_are_not_saved() {
        let (form, intent) = parse_form(&pairs(&[
            ("title", "T"),
            ("region", "360300"),
            ("items[0].position", "铸造工"),
            ("items[0].headcount", "8"),
            ("items[0].skills[0].skill", ""),
            ("items[0].skills[1].skill", "铸造工艺"),
            ("items[0].skills[1].min_level", "三级"),
            ("items[0].skills[1].kind", "essential"),
            ("items[1].position", ""),
            ("items[1].headcount", "1"),
            ("items[1].skills[0].skill", ""),
            ("items[7].position", "gone"),
            ("items[7].remove", "1"),
            ("items[999999].position", "ignored: past the row limit"),
        ]));
        assert_eq!(intent, Intent::Save);
        assert_eq!(form.items.len(), 3, "rows 0, 1 and 7");
        let saved = form.compacted();
        assert_eq!(saved.items.len(), 1, "the blank and the removed positions are dropped");
        assert_eq!(saved.items[0].skills.len(), 1, "the blank skill row is dropped");
        let body = saved.to_json("pxcast", &HashMap::from([("铸造工艺".to_string(), "http://x/skill".to_string())]));
        assert_eq!(body["items"][0]["skills"][0], json!({"skill": "http://x/skill", "kind": "essential", "min_level": 3}));
        assert_eq!(body["items"][0]["headcount"], json!(8));
        assert_eq!(body["items"][0]["occupation"], Value::Null);
        assert_eq!(body["enterprise"], "pxcast");
    }

    #[test]
    fn a_value_that_cannot_be_read_is_passed_on_as_typed() {
        assert_eq!(level_value("9"), json!(9));
        assert_eq!(level_value("五级"), json!(5));
        assert_eq!(level_value("七级"), json!("七级"));
        let (form, _) = parse_form(&pairs(&[("items[0].position", "P"), ("items[0].headcount", "many")]));
        assert_eq!(form.to_json("e", &HashMap::new())["items"][0]["headcount"], json!("many"));
    }

    #[test]
    fn add_buttons_ask_for_one_more_row() {
        assert_eq!(parse_form(&pairs(&[("add", "position")])).1, Intent::AddPosition);
        assert_eq!(parse_form(&pairs(&[("add", "skill-2")])).1, Intent::AddSkill(2));
        assert_eq!(parse_form(&pairs(&[("add", "")])).1, Intent::Save);
        let (form, _) = parse_form(&pairs(&[("items[0].position", "P")]));
        assert_eq!(grown(form.clone(), Intent::AddSkill(0)).items[0].skills.len(), form.items[0].skills.len() + 1);
        assert_eq!(grown(form, Intent::AddPosition).items.len(), 2);
    }
}
