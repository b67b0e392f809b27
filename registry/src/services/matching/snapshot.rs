//! The matching snapshot: the store loaded into an immutable [`SkillsGraph`], shared by every
//! matching request through an `Arc`, and rebuilt when the data behind it changes.
//!
//! # What is loaded, and how registry records become matching inputs
//!
//! | matching input | registry source |
//! |----------------|-----------------|
//! | skills, relations | `skills` (by URI), `skill_relations` |
//! | courses | every `courses` row, id `CODE@VERSION`; `published` ⇔ status `published`; provider = organization code, region = the provider's region |
//! | prerequisites | `course_prerequisites` stores course *codes*; a code resolves to its latest published version, else its latest archived one, else its latest version (so a draft prerequisite makes a course unplannable rather than invisible) |
//! | occupations | `occupations` (id = URI) with `occupation_skills` |
//! | demand items | `demand_items` with `demand_item_skills`; region = the item's own, else its list's; published ⇔ the list is `published` |
//! | learners | users with role `learner`, id = username, region = their own, else their organization's; `opt_in` = consent to be found |
//! | verified skills | completion records: a passing completion means the learner holds every skill the course teaches at the course's target level; the evidence is the completion record, of kind `training_certificate` when its certificate is in force (it then scores in candidate rankings), `completion` when none was issued yet, and withdrawn when its certificate is revoked or suspended. Skill-level certificates in force: every skill of the occupation's standard at the certified level |
//! | recognitions | an approved recognition (互认, issue 10) whose credential is in force and whose target is a course (`course:CODE`, e.g. an exemption under rule JXOU-R-001): the learner holds every skill of the version the code resolves to now, at its levels, as evidence of kind `recognition` (`recognition <credential id>: CODE@VERSION recognised via rule RULE@VERSION`), and the course counts as done. Suspending the recognition (its source revoked) withdraws both. Recognitions of a standard's assessment (eligibility, an exempted part) give no skills |
//! | completed courses | every passing completion, as the version completed and as the version its code resolves to now; every recognised course |
//!
//! Pass and fail are `rongtong_catalog::CompletionResult`'s rule, the same that refuses to
//! issue a certificate for a failed completion: a fail (不合格, 未通过, 59, …) is neither
//! evidence nor a done prerequisite, and a result that reads as neither counts for nothing
//! (with a warning).
//!
//! # Staleness
//!
//! Migration `data_version` keeps a one-row counter that database triggers bump in the same
//! transaction as any change to a table feeding the snapshot. A request reads the counter
//! (one primary-key lookup) and reuses the snapshot built at that version. Because the
//! counter lives in the database, several stateless server nodes on one PostgreSQL, the CLI
//! and imports all invalidate each other's snapshots without talking to each other.
//!
//! # Incremental updates (issue 9)
//!
//! Loading a provincial store whole takes seconds, so a node does not reload after every
//! write. Migration `000007` makes the same triggers say *what* changed, in the same
//! transaction: a change to a learner's own rows (completions, certificates, the learner's
//! account) appends `(version, learner id)` to `matching_changes`; a change to anything else
//! (skills, relations, occupations, courses, organizations, demand) also sets
//! `data_version.catalog_version`. When the counter has moved, one background refresh runs
//! per process ([`refresh_snapshot`]):
//!
//! * no catalog change since the snapshot, at most [`MAX_INCREMENTAL_LEARNERS`] changed
//!   learners: [`update_snapshot`] reloads just those learners' rows (through
//!   `learner_spec`, the same rule the full load uses) and applies them with
//!   `SkillsGraph::with_learners`, which copies only the learner blocks the changes touch and
//!   shares the rest, and the last full build's skill → learners index, with the old graph
//!   (docs/MATCHING.md, "The learner store and incremental updates"); every other part of the
//!   snapshot is shared (`Arc`, and a persistent map for the learner index);
//! * otherwise a full [`load_snapshot`]. A course, skill, occupation or organization change
//!   can alter the evidence of every learner who completed a course (a course's skills are
//!   each completion's evidence), so catalog kinds are not updated piecemeal; they are rare
//!   writes (imports, reviews) next to completions and certificates.
//!
//! An incremental snapshot answers exactly as a full reload of the same store
//! (`tests/tests/snapshot_incremental.rs` checks it after random writes on both backends).
//! Its `warnings` are those of the last full load.
//!
//! The change log is pruned by a retention window ([`CHANGE_LOG_RETAIN_VERSIONS`] versions
//! behind the snapshot a node just refreshed to, [`prune_change_log`]), and the version pruned
//! through is recorded (`data_version.changes_pruned_through`, migration `000009`) in the same
//! transaction. Nodes do not register, so "applied by every node" cannot be known; a node
//! whose snapshot is older than the mark loads whole instead of missing changes.
//!
//! Requests wait for a refresh up to `RONGTONG_MATCHING_MAX_WAIT_MS` (default 2000) and are
//! then answered from the previous snapshot, flagged `stale`; with no previous snapshot they
//! wait for the first one.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `RONGTONG_MATCHING_MAX_WAIT_MS` | `2000` | longest wait for a rebuild before answering from the previous snapshot |

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Instant;

use diesel::prelude::*;
use rongtong_catalog::{CompletionResult, CourseSkill, CourseStatus, RequirementKind, SkillLevel, SkillRelationKind, SkillRequirement};
use rongtong_matching::{
    BuildError, CourseSpec, DemandSpec, EvidenceKind, GraphBuilder, LearnerSpec, OccupationSpec, SkillsGraph, VerifiedSkill,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{Db, DbConnection};
use crate::error::{AppError, AppResult};
use crate::models::matching::{self as m, CourseRowTuple, ItemRowTuple, LearnerRowTuple, OccupationRowTuple, RecognitionRowTuple};

/// Facts about one demand item that matching requests need besides the graph: who owns it
/// (for authorization) and its title (for readable reports).
#[derive(Debug, Clone)]
pub struct DemandItemInfo {
    /// The demand list.
    pub list_id: String,
    /// The enterprise's organization id.
    pub enterprise_id: String,
    /// The enterprise's code.
    pub enterprise: String,
    /// The enterprise's region code.
    pub enterprise_region: String,
    /// Position title.
    pub position: String,
}

/// A demand list's owner and status, for deciding who may analyse it.
#[derive(Debug, Clone)]
pub struct DemandListInfo {
    /// `draft`, `published` or `closed`.
    pub status: String,
    /// The enterprise's organization id.
    pub enterprise_id: String,
    /// The enterprise's region code.
    pub enterprise_region: String,
}

/// A learner as matching requests see them: for resolving `learner=` and authorizing.
#[derive(Debug, Clone)]
pub struct LearnerInfo {
    /// User id.
    pub user_id: String,
    /// Username, the learner's id in the graph.
    pub username: String,
    /// The region used for matching.
    pub region: String,
}

/// Figures about a snapshot, returned with every matching answer so a client can tell how
/// fresh the answer is and what the snapshot costs.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SnapshotInfo {
    /// The `data_version` the snapshot was built at.
    pub version: i64,
    /// When it was built (RFC 3339 UTC).
    pub built_at: String,
    /// Milliseconds spent reading the store and assembling the inputs.
    pub load_ms: f64,
    /// Milliseconds spent building the graph from the inputs.
    pub build_ms: f64,
    /// Approximate heap bytes of the graph.
    pub heap_bytes: usize,
    /// Skills in the graph.
    pub skills: usize,
    /// Courses (all statuses).
    pub courses: usize,
    /// Learners.
    pub learners: usize,
    /// Demand items (all statuses).
    pub demand_items: usize,
    /// Occupations.
    pub occupations: usize,
    /// True when this snapshot was brought up to date from the previous one with the
    /// learners changed since (`matching_changes`), false when it was loaded whole. The
    /// figures above are then those of the update; `warnings` are those of the last full load.
    pub incremental: bool,
    /// Data problems worked around while loading (a prerequisite cycle, a learner without a
    /// region …); empty when the data is clean.
    pub warnings: Vec<String>,
}

/// An immutable matching snapshot: the graph plus the registry facts needed to resolve
/// request parameters, authorize, and label answers.
#[derive(Debug)]
pub struct Snapshot {
    /// The graph.
    pub graph: Arc<SkillsGraph>,
    /// Figures about it.
    pub info: SnapshotInfo,
    /// Human-readable names of skills (URI), courses (`CODE@VERSION`), occupations (URI) and
    /// demand items (id), for the `labels` of answers and the CLI's reports.
    pub labels: Arc<HashMap<String, String>>,
    /// Demand items by id.
    pub items: Arc<HashMap<String, DemandItemInfo>>,
    /// Item ids of each demand list, in list order.
    pub list_items: Arc<HashMap<String, Vec<String>>>,
    /// Demand lists by id.
    pub lists: Arc<HashMap<String, DemandListInfo>>,
    /// Region code of each organization, by code.
    pub org_regions: Arc<HashMap<String, String>>,
    /// Learners by username and by user id (a persistent map: an incremental update shares
    /// all but the changed entries with the previous snapshot).
    pub learners: im::HashMap<String, LearnerInfo>,
    /// Occupation URI by URI, id and 职业分类大典 code.
    pub occupations: Arc<HashMap<String, String>>,
    /// 职业分类大典 code by occupation URI, for occupations that have one (outcome keys
    /// `standard:{code}:{level}`; an occupation without a code is keyed by its URI).
    pub occupation_codes: Arc<HashMap<String, String>>,
    /// Recognition sources over this graph (published courses, standards at each level),
    /// built on the first suggestion request (`services::matching::suggest`).
    pub(crate) sources: OnceLock<Arc<rongtong_matching::SourceSet>>,
    /// The graph id (`CODE@VERSION`) a course code means: latest published, else archived,
    /// else latest version.
    pub course_by_code: Arc<HashMap<String, String>>,
    /// What an incremental update needs from the catalog.
    pub(crate) context: Arc<LearnerContext>,
}

impl Snapshot {
    /// A snapshot sharing everything with this one but the graph and learners: what an
    /// incremental update produces.
    fn relabelled(
        &self,
        version: i64,
        graph: Arc<SkillsGraph>,
        learners: im::HashMap<String, LearnerInfo>,
        load_ms: f64,
        build_ms: f64,
    ) -> Snapshot {
        let mut info = self.info.clone();
        info.version = version;
        info.built_at = crate::db::now();
        info.load_ms = load_ms;
        info.build_ms = build_ms;
        info.heap_bytes = graph.heap_bytes();
        info.learners = graph.learner_count();
        info.incremental = true;
        Snapshot {
            graph,
            info,
            labels: self.labels.clone(),
            items: self.items.clone(),
            list_items: self.list_items.clone(),
            lists: self.lists.clone(),
            org_regions: self.org_regions.clone(),
            learners,
            occupations: self.occupations.clone(),
            occupation_codes: self.occupation_codes.clone(),
            // Built again on demand: the set indexes this graph's skills.
            sources: OnceLock::new(),
            course_by_code: self.course_by_code.clone(),
            context: self.context.clone(),
        }
    }

    /// The learner named by a username or user id.
    pub fn learner(&self, key: &str) -> Option<&LearnerInfo> {
        self.learners.get(key.trim())
    }

    /// The occupation URI named by a URI, id or code.
    pub fn occupation(&self, key: &str) -> Option<&str> {
        self.occupations.get(key.trim()).map(String::as_str)
    }

    /// The graph id of a course given as `CODE@VERSION` or as a bare code (which means its
    /// latest published version, see the module docs).
    pub fn course<'a>(&'a self, key: &'a str) -> Option<&'a str> {
        let key = key.trim();
        if self.graph.course_idx(key).is_some() {
            return Some(key);
        }
        self.course_by_code.get(key).map(String::as_str)
    }
}

/// Why a snapshot could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The store failed.
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    /// The data could not be turned into a graph.
    #[error("building the matching graph: {0}")]
    Build(#[from] BuildError),
}

impl From<SnapshotError> for AppError {
    fn from(e: SnapshotError) -> Self {
        match e {
            SnapshotError::Query(q) => q.into(),
            SnapshotError::Build(b) => AppError::Internal(b.to_string()),
        }
    }
}

pub use crate::models::matching::data_version;

fn level(n: i32) -> SkillLevel {
    SkillLevel::try_from(n).unwrap_or(SkillLevel::LOWEST)
}

fn kind(k: &str) -> RequirementKind {
    k.parse().unwrap_or(RequirementKind::Optional)
}

fn label(zh: Option<String>, en: Option<String>) -> Option<String> {
    match (zh, en) {
        (Some(z), Some(e)) if !z.is_empty() && !e.is_empty() => Some(format!("{z} ({e})")),
        (Some(z), _) if !z.is_empty() => Some(z),
        (_, Some(e)) if !e.is_empty() => Some(e),
        _ => None,
    }
}

/// Reads the whole store into a [`Snapshot`].
///
/// Runs in one transaction so SQLite reads one consistent state; on PostgreSQL the version
/// is read first, so the data is at least as new as the version it is labelled with (a later
/// change only causes one extra rebuild, never a stale answer).
///
/// # Complexity
/// One query per table, O(rows) work; see docs/PERFORMANCE.md for measured figures.
pub fn load_snapshot(conn: &mut DbConnection) -> Result<Snapshot, SnapshotError> {
    conn.transaction(load_in_transaction)
}

fn load_in_transaction(c: &mut DbConnection) -> Result<Snapshot, SnapshotError> {
    let started = Instant::now();
    let version = data_version(c)?;
    let mut warnings = Vec::new();
    let mut labels: HashMap<String, String> = HashMap::new();

    // Skills and relations.
    let skill_rows: Vec<(String, String, Option<String>, Option<String>)> = m::snapshot_skill_rows(c)?;
    let mut skill_uri: HashMap<String, String> = HashMap::with_capacity(skill_rows.len());
    for (id, uri, zh, en) in skill_rows {
        if let Some(l) = label(zh, en) {
            labels.insert(uri.clone(), l);
        }
        skill_uri.insert(id, uri);
    }
    let relations: Vec<(String, String, String)> = m::snapshot_relations(c)?;

    // Organizations.
    let orgs: Vec<(String, String, String)> = m::snapshot_orgs(c)?;
    let org: HashMap<String, (String, String)> = orgs.into_iter().map(|(id, code, region)| (id, (code, region))).collect();

    // Courses: id CODE@VERSION; codes resolve to the latest published, else archived, else any version.
    let course_rows: Vec<CourseRowTuple> = m::snapshot_course_rows(c)?;
    let mut course_key: HashMap<String, String> = HashMap::with_capacity(course_rows.len());
    let mut course_code: HashMap<String, String> = HashMap::with_capacity(course_rows.len());
    // code → (rank of status, created_at, id, key); the maximum wins.
    let mut best: HashMap<String, (u8, String, String, String)> = HashMap::new();
    let mut specs: Vec<CourseSpec> = Vec::with_capacity(course_rows.len());
    let mut spec_of: HashMap<String, usize> = HashMap::with_capacity(course_rows.len());
    for (id, code, version, provider_id, hours, credits, status, created_at, title) in course_rows {
        let key = format!("{code}@{version}");
        let rank = match status.parse() {
            Ok(CourseStatus::Published) => 2,
            Ok(CourseStatus::Archived) => 1,
            _ => 0,
        };
        let cand = (rank, created_at, id.clone(), key.clone());
        match best.get(&code) {
            Some(b) if (b.0, &b.1, &b.2) >= (cand.0, &cand.1, &cand.2) => {}
            _ => {
                best.insert(code.clone(), cand);
            }
        }
        labels.insert(key.clone(), title);
        course_code.insert(id.clone(), code.clone());
        course_key.insert(id.clone(), key.clone());
        let (provider, region) = org.get(&provider_id).cloned().map_or((None, None), |(c, r)| (Some(c), Some(r)));
        spec_of.insert(id, specs.len());
        specs.push(CourseSpec {
            id: key,
            provider,
            region,
            hours: if hours.is_finite() { hours.max(0.0) } else { 0.0 },
            credits: if credits.is_finite() { credits.max(0.0) } else { 0.0 },
            published: rank == 2,
            teaches: Vec::new(),
            prerequisites: Vec::new(),
        });
    }
    let course_by_code: HashMap<String, String> = best.into_iter().map(|(code, (_, _, _, key))| (code, key)).collect();
    let taught: Vec<(String, String, i32, f64)> = m::snapshot_taught(c)?;
    for (course_id, skill_id, lv, weight) in taught {
        if let (Some(&i), Some(uri)) = (spec_of.get(&course_id), skill_uri.get(&skill_id)) {
            let weight = if weight.is_finite() && weight > 0.0 { weight.min(1.0) } else { 1.0 };
            specs[i].teaches.push(CourseSkill { skill: uri.clone(), level: level(lv), weight });
        }
    }
    let prereqs: Vec<(String, String)> = m::snapshot_prereqs(c)?;
    for (course_id, code) in prereqs {
        let Some(&i) = spec_of.get(&course_id) else { continue };
        match course_by_code.get(&code) {
            Some(key) if *key != specs[i].id => specs[i].prerequisites.push(key.clone()),
            Some(_) => warnings.push(format!("course {} lists itself as a prerequisite; ignored", specs[i].id)),
            None => warnings.push(format!("course {} needs unknown course code {code}; ignored", specs[i].id)),
        }
    }
    for s in &mut specs {
        s.teaches.sort_by(|a, b| a.skill.cmp(&b.skill));
        s.prerequisites.sort();
        s.prerequisites.dedup();
    }

    // Occupations.
    let occ_rows: Vec<OccupationRowTuple> = m::snapshot_occ_rows(c)?;
    let mut occ_names: HashMap<String, String> = HashMap::new();
    let mut occ_specs: Vec<OccupationSpec> = Vec::with_capacity(occ_rows.len());
    let mut occ_of: HashMap<String, usize> = HashMap::new();
    let mut occ_codes: HashMap<String, String> = HashMap::new();
    for (id, uri, code, zh, en) in occ_rows {
        if let Some(l) = label(zh, en) {
            labels.insert(uri.clone(), l);
        }
        occ_names.insert(id.clone(), uri.clone());
        if let Some(code) = code.filter(|c| !c.is_empty()) {
            // The first occupation with a code keeps it (as for lookups by code), so no two
            // standards share an outcome key.
            if let std::collections::hash_map::Entry::Vacant(e) = occ_names.entry(code) {
                occ_codes.insert(uri.clone(), e.key().clone());
                e.insert(uri.clone());
            }
        }
        occ_names.insert(uri.clone(), uri.clone());
        occ_of.insert(id, occ_specs.len());
        occ_specs.push(OccupationSpec { id: uri, requirements: Vec::new() });
    }
    let occ_skills: Vec<(String, String, String, i32)> = m::snapshot_occ_skills(c)?;
    for (occ, skill, k, lv) in occ_skills {
        if let (Some(&i), Some(uri)) = (occ_of.get(&occ), skill_uri.get(&skill)) {
            occ_specs[i].requirements.push(SkillRequirement { skill: uri.clone(), kind: kind(&k), min_level: level(lv) });
        }
    }
    for o in &mut occ_specs {
        o.requirements
            .sort_by(|a, b| (a.kind != RequirementKind::Essential, &a.skill).cmp(&(b.kind != RequirementKind::Essential, &b.skill)));
    }

    // Demand.
    let list_rows: Vec<(String, String, String)> = m::snapshot_list_rows(c)?;
    let lists: HashMap<String, DemandListInfo> = list_rows
        .into_iter()
        .map(|(id, status, enterprise_id)| {
            let enterprise_region = org.get(&enterprise_id).map(|(_, r)| r.clone()).unwrap_or_default();
            (id, DemandListInfo { status, enterprise_id, enterprise_region })
        })
        .collect();
    let item_rows: Vec<ItemRowTuple> = m::snapshot_item_rows(c)?;
    let mut items: HashMap<String, DemandItemInfo> = HashMap::with_capacity(item_rows.len());
    let mut list_items: HashMap<String, Vec<String>> = HashMap::new();
    let mut demand_specs: Vec<DemandSpec> = Vec::with_capacity(item_rows.len());
    let mut demand_of: HashMap<String, usize> = HashMap::with_capacity(item_rows.len());
    for (id, list_id, _, position, headcount, region, list_region, status, enterprise_id) in item_rows {
        let (enterprise, enterprise_region) = org.get(&enterprise_id).cloned().unwrap_or_default();
        labels.insert(id.clone(), format!("{position} ({enterprise})"));
        list_items.entry(list_id.clone()).or_default().push(id.clone());
        items.insert(id.clone(), DemandItemInfo { list_id, enterprise_id, enterprise, enterprise_region, position });
        demand_of.insert(id.clone(), demand_specs.len());
        demand_specs.push(DemandSpec {
            id,
            region: region.filter(|r| !r.is_empty()).unwrap_or(list_region),
            headcount: u32::try_from(headcount).unwrap_or(0),
            published: status == "published",
            requirements: Vec::new(),
        });
    }
    let item_skills: Vec<(String, String, String, i32)> = m::snapshot_item_skills(c)?;
    for (item, skill, k, lv) in item_skills {
        if let (Some(&i), Some(uri)) = (demand_of.get(&item), skill_uri.get(&skill)) {
            demand_specs[i].requirements.push(SkillRequirement { skill: uri.clone(), kind: kind(&k), min_level: level(lv) });
        }
    }
    for d in &mut demand_specs {
        d.requirements
            .sort_by(|a, b| (a.kind != RequirementKind::Essential, &a.skill).cmp(&(b.kind != RequirementKind::Essential, &b.skill)));
    }

    // What turning learner rows into matching inputs needs from the catalog, kept with the
    // snapshot for incremental updates.
    let ctx = LearnerContext {
        org_region: org.iter().map(|(id, (_, r))| (id.clone(), r.clone())).collect(),
        courses: spec_of
            .iter()
            .map(|(id, &i)| {
                let key = specs[i].id.clone();
                let current = course_code.get(id).and_then(|code| course_by_code.get(code)).filter(|k| **k != key).cloned();
                (id.clone(), CourseFacts { key, current, teaches: specs[i].teaches.iter().map(|t| (t.skill.clone(), t.level)).collect() })
            })
            .collect(),
        occ_names: occ_names.clone(),
        occ_skills: occ_specs.iter().map(|o| (o.id.clone(), o.requirements.iter().map(|r| r.skill.clone()).collect())).collect(),
        course_of_code: {
            let key_to_id: HashMap<&str, &str> = spec_of.iter().map(|(id, &i)| (specs[i].id.as_str(), id.as_str())).collect();
            course_by_code.iter().filter_map(|(code, key)| Some((code.clone(), key_to_id.get(key.as_str())?.to_string()))).collect()
        },
    };

    // Learners, their completion records and skill-level certificates, grouped per learner.
    let learner_rows: Vec<LearnerRowTuple> = m::snapshot_learner_rows(c)?;
    let mut learner_of: HashMap<String, usize> = HashMap::with_capacity(learner_rows.len());
    for (i, row) in learner_rows.iter().enumerate() {
        learner_of.insert(row.0.clone(), i);
    }
    let mut completions: Vec<Vec<LearnerCompletion>> = vec![Vec::new(); learner_rows.len()];
    for (id, learner_id, course_id, result, completed_on) in m::snapshot_completion_rows(c)? {
        if let Some(&l) = learner_of.get(&learner_id) {
            completions[l].push(LearnerCompletion { id, course_id, result, completed_on });
        }
    }
    // Each learner's completions in id order (byte order, as the incremental path sorts them),
    // which decides the evidence a tie keeps.
    for list in &mut completions {
        list.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    }
    // Training certificates of completions: in force (false) or withdrawn (true).
    let certificates: HashMap<String, bool> = m::snapshot_certificates(c)?.into_iter().collect();
    let mut skill_certs: Vec<Vec<SkillCert>> = vec![Vec::new(); learner_rows.len()];
    for (id, learner_id, occupation, lv) in m::snapshot_cert_rows(c)? {
        if let Some(&l) = learner_of.get(&learner_id) {
            skill_certs[l].push(SkillCert { id, occupation, level: lv });
        }
    }
    let mut recognised: Vec<Vec<Recognised>> = vec![Vec::new(); learner_rows.len()];
    for row in m::snapshot_recognitions(c)? {
        if let Some(&l) = learner_of.get(&row.1) {
            recognised[l].push(Recognised::from_row(row));
        }
    }
    drop(learner_of);
    // Skills in URI order, so skill indexes (and tie-breaks by skill) are the same at every rebuild.
    let mut uris: Vec<&str> = skill_uri.values().map(String::as_str).collect();
    uris.sort_unstable();
    let mut rels: Vec<(&str, SkillRelationKind, &str)> = Vec::with_capacity(relations.len());
    for (from, k, to) in &relations {
        let (Some(f), Some(t)) = (skill_uri.get(from), skill_uri.get(to)) else { continue };
        match k.parse::<SkillRelationKind>() {
            Ok(kind) => rels.push((f, kind, t)),
            Err(_) => warnings.push(format!("unknown skill relation kind `{k}`; ignored")),
        }
    }
    let inputs = Inputs { skills: &uris, relations: &rels, occupations: &occ_specs, demand: &demand_specs };
    let load_ms = started.elapsed().as_secs_f64() * 1000.0;
    let build_started = Instant::now();
    let mut b = catalog_builder(&inputs, &mut specs, &mut warnings)?;
    // Each learner's inputs are spelled out only while feeding the builder, one learner at a
    // time, so the verified skills never all sit in memory as strings.
    let mut learners: im::HashMap<String, LearnerInfo> = im::HashMap::new();
    let mut counts = LearnerCounts::default();
    let mut spec = LearnerSpec::default_empty();
    for (l, row) in learner_rows.into_iter().enumerate() {
        let comps = std::mem::take(&mut completions[l]);
        let Some(info) = learner_spec(
            &ctx,
            row,
            LearnerRows { completions: &comps, certs: &skill_certs[l], recognised: &recognised[l] },
            |id| certificates.get(id).copied(),
            &mut spec,
            &mut counts,
        ) else {
            continue;
        };
        b.add_learner(&spec)?;
        learners.insert(info.user_id.clone(), info.clone());
        learners.insert(info.username.clone(), info);
    }
    drop(completions);
    drop(skill_certs);
    drop(recognised);
    counts.warn(&mut warnings);
    if warnings.len() > 20 {
        let more = warnings.len() - 20;
        warnings.truncate(20);
        warnings.push(format!("… and {more} more"));
    }
    let graph = b.build()?;
    let build_ms = build_started.elapsed().as_secs_f64() * 1000.0;

    let info = SnapshotInfo {
        version,
        built_at: crate::db::now(),
        load_ms,
        build_ms,
        heap_bytes: graph.heap_bytes(),
        skills: graph.skill_count(),
        courses: graph.course_count(),
        learners: graph.learner_count(),
        demand_items: demand_specs.len(),
        occupations: occ_specs.len(),
        incremental: false,
        warnings,
    };
    let org_regions = org.into_values().collect();
    Ok(Snapshot {
        graph: Arc::new(graph),
        info,
        labels: Arc::new(labels),
        items: Arc::new(items),
        list_items: Arc::new(list_items),
        lists: Arc::new(lists),
        org_regions: Arc::new(org_regions),
        learners,
        occupations: Arc::new(occ_names),
        occupation_codes: Arc::new(occ_codes),
        sources: OnceLock::new(),
        course_by_code: Arc::new(course_by_code),
        context: Arc::new(ctx),
    })
}

/// Everything but the courses and learners, ready to feed a [`GraphBuilder`].
struct Inputs<'a> {
    skills: &'a [&'a str],
    relations: &'a [(&'a str, SkillRelationKind, &'a str)],
    occupations: &'a [OccupationSpec],
    demand: &'a [DemandSpec],
}

/// Feeds the builder everything but the learners. A prerequisite cycle in the data (possible:
/// prerequisites name codes, and versions change) would otherwise make every matching request
/// fail; the courses on each cycle ([`rongtong_catalog::prerequisite_cycles`], the one cycle
/// check) lose the prerequisites inside it, with a warning naming the loop.
fn catalog_builder(inputs: &Inputs<'_>, specs: &mut [CourseSpec], warnings: &mut Vec<String>) -> Result<GraphBuilder, SnapshotError> {
    let cycles =
        rongtong_catalog::prerequisite_cycles(specs.iter().flat_map(|s| s.prerequisites.iter().map(|p| (s.id.as_str(), p.as_str()))));
    for cycle in cycles {
        warnings.push(format!("course prerequisites form a cycle ({cycle}); those prerequisites are ignored"));
        for s in specs.iter_mut().filter(|s| cycle.courses.contains(&s.id)) {
            s.prerequisites.retain(|p| !cycle.courses.contains(p));
        }
    }
    let mut b = GraphBuilder::new();
    for uri in inputs.skills {
        b.add_skill(uri);
    }
    for (from, kind, to) in inputs.relations {
        b.add_relation(from, *kind, to)?;
    }
    for s in specs.iter() {
        b.add_course(s)?;
    }
    for o in inputs.occupations {
        b.add_occupation(o)?;
    }
    for d in inputs.demand {
        b.add_demand(d)?;
    }
    Ok(b)
}

/// A course as a learner's evidence needs it.
#[derive(Debug)]
struct CourseFacts {
    /// Graph id `CODE@VERSION`.
    key: String,
    /// The version its code resolves to now, when that is another one.
    current: Option<String>,
    /// Skills taught (URI, level), in URI order.
    teaches: Vec<(String, SkillLevel)>,
}

/// What turning one learner's rows into matching inputs needs from the catalog. Built with
/// every full load and kept with the snapshot, so an incremental update reads only the
/// changed learners' rows (any catalog change means a full load, see the module docs).
#[derive(Debug, Default)]
pub(crate) struct LearnerContext {
    /// Organization id → region code (a learner without a region of their own takes theirs).
    org_region: HashMap<String, String>,
    /// Course id → facts.
    courses: HashMap<String, CourseFacts>,
    /// Occupation URI, id or code → URI.
    occ_names: HashMap<String, String>,
    /// Occupation URI → the skills of its standard.
    occ_skills: HashMap<String, Vec<String>>,
    /// Course code → the id of the version it resolves to (what a recognised course is).
    course_of_code: HashMap<String, String>,
}

/// One completion record of a learner.
#[derive(Debug, Clone)]
struct LearnerCompletion {
    id: String,
    course_id: String,
    result: String,
    completed_on: String,
}

/// One learner's rows besides their account: completions, skill-level certificates in force,
/// recognitions in force.
#[derive(Clone, Copy)]
struct LearnerRows<'a> {
    completions: &'a [LearnerCompletion],
    certs: &'a [SkillCert],
    recognised: &'a [Recognised],
}

/// One approved recognition in force.
#[derive(Debug, Clone)]
struct Recognised {
    /// The recognition credential.
    id: String,
    /// Target outcome key.
    target: String,
    /// Rule code.
    rule: String,
    /// Rule version.
    version: String,
}

impl Recognised {
    fn from_row((id, _learner, target, rule, version): RecognitionRowTuple) -> Self {
        Recognised { id, target, rule, version }
    }
}

/// One skill-level certificate in force.
#[derive(Debug, Clone)]
struct SkillCert {
    id: String,
    occupation: Option<String>,
    level: Option<i32>,
}

/// Data problems met while turning learners into inputs, reported as warnings.
#[derive(Debug, Default)]
struct LearnerCounts {
    no_region: usize,
    unreadable_results: usize,
}

impl LearnerCounts {
    fn warn(&self, warnings: &mut Vec<String>) {
        if self.no_region > 0 {
            warnings.push(format!(
                "{} learners have no region (neither their own nor their organization's) and are left out of matching",
                self.no_region
            ));
        }
        if self.unreadable_results > 0 {
            warnings.push(format!(
                "{} completions have a result that is neither a pass nor a fail (e.g. 合格, 不合格, 85) and count for nothing",
                self.unreadable_results
            ));
        }
    }
}

trait EmptySpec {
    fn default_empty() -> Self;
}

impl EmptySpec for LearnerSpec {
    fn default_empty() -> Self {
        LearnerSpec {
            id: String::new(),
            region: String::new(),
            opted_in_to_be_found: false,
            skills: Vec::new(),
            completed_courses: Vec::new(),
        }
    }
}

/// One learner's matching inputs from their rows: the one rule for a full load and an
/// incremental update, so both give the same learner.
///
/// `completions` in completion id order and `certs` in credential id order (the order the
/// full load reads them; it decides which evidence text a tie keeps), `recognised` in
/// credential id order. `withdrawn` tells, for
/// a completion id, whether its training certificate is withdrawn (`Some(true)`), in force
/// (`Some(false)`) or absent (`None`). Fills `spec` and returns the learner's info, or `None`
/// for a learner without a region (left out of matching, counted).
fn learner_spec(
    ctx: &LearnerContext,
    row: LearnerRowTuple,
    LearnerRows { completions, certs, recognised }: LearnerRows<'_>,
    withdrawn: impl Fn(&str) -> Option<bool>,
    spec: &mut LearnerSpec,
    counts: &mut LearnerCounts,
) -> Option<LearnerInfo> {
    let (id, username, region, opt_in, org_id) = row;
    let region = region.filter(|r| !r.is_empty()).or_else(|| org_id.and_then(|o| ctx.org_region.get(&o).cloned()));
    let Some(region) = region else {
        counts.no_region += 1;
        return None;
    };
    spec.id.clone_from(&username);
    spec.region.clone_from(&region);
    spec.opted_in_to_be_found = opt_in;
    // `spec` is reused from learner to learner: its strings are overwritten in place, so a full
    // load does not allocate two strings per verified skill (tens of millions at provincial
    // scale). `used` counts the entries filled for this learner; the rest are cut at the end.
    let mut used = 0;
    let mut done = 0;
    let mut evidence = String::new();
    // Skill-level certificates (职业技能等级证书) in force: the holder has every skill the
    // occupation's standard lists, at the certified level.
    for cert in certs {
        let (Some(occupation), Some(lv)) = (&cert.occupation, cert.level) else { continue };
        let Some(skills) = ctx.occ_names.get(occupation).and_then(|uri| ctx.occ_skills.get(uri)) else { continue };
        let Ok(certified_level) = SkillLevel::try_from(lv) else { continue };
        evidence.clear();
        let _ = write!(evidence, "skill-level certificate {}: {occupation} level {lv}", cert.id);
        for skill in skills {
            put_skill(&mut spec.skills, &mut used, skill, certified_level, &evidence, EvidenceKind::SkillCertificate);
        }
    }
    for comp in completions {
        // One rule decides pass and fail, for matching as for issuance (rongtong_catalog).
        match CompletionResult::parse(&comp.result) {
            Ok(r) if r.is_pass() => {}
            Ok(_) => continue,
            Err(_) => {
                counts.unreadable_results += 1;
                continue;
            }
        }
        let kind = match withdrawn(&comp.id) {
            Some(true) => continue,
            Some(false) => EvidenceKind::TrainingCertificate,
            None => EvidenceKind::Completion,
        };
        let Some(course) = ctx.courses.get(&comp.course_id) else { continue };
        // Done is done whichever version was taken: the completed version, and the version the
        // code resolves to for prerequisites (else a learner who took last year's version is
        // asked to take the course again, and one who took this year's is not).
        put_string(&mut spec.completed_courses, &mut done, &course.key);
        if let Some(current) = &course.current {
            put_string(&mut spec.completed_courses, &mut done, current);
        }
        evidence.clear();
        let _ = write!(evidence, "completion {}: {} {} {}", comp.id, course.key, comp.completed_on, comp.result.trim());
        for (skill, lv) in &course.teaches {
            put_skill(&mut spec.skills, &mut used, skill, *lv, &evidence, kind);
        }
    }
    // Recognised courses (互认免修): the course counts as done and its skills as held, with the
    // rule named in every explanation that rests on them. Last, so that on a tie the
    // learner's own certificate or completion is the evidence shown.
    for r in recognised {
        let Some(code) = r.target.strip_prefix("course:") else { continue };
        let Some(course) = ctx.course_of_code.get(code).and_then(|id| ctx.courses.get(id)) else { continue };
        put_string(&mut spec.completed_courses, &mut done, &course.key);
        evidence.clear();
        let _ = write!(evidence, "recognition {}: {} recognised via rule {}@{}", r.id, course.key, r.rule, r.version);
        for (skill, lv) in &course.teaches {
            put_skill(&mut spec.skills, &mut used, skill, *lv, &evidence, EvidenceKind::Recognition);
        }
    }
    spec.skills.truncate(used);
    spec.completed_courses.truncate(done);
    Some(LearnerInfo { user_id: id, username, region })
}

/// Sets entry `*used` of a reused list (pushing one when the list is shorter) and counts it.
fn put_skill(skills: &mut Vec<VerifiedSkill>, used: &mut usize, skill: &str, level: SkillLevel, evidence: &str, kind: EvidenceKind) {
    match skills.get_mut(*used) {
        Some(v) => {
            v.skill.clear();
            v.skill.push_str(skill);
            v.level = level;
            v.evidence.clear();
            v.evidence.push_str(evidence);
            v.kind = kind;
        }
        None => skills.push(VerifiedSkill { skill: skill.to_string(), level, evidence: evidence.to_string(), kind }),
    }
    *used += 1;
}

/// Sets string `*used` of a reused list (pushing one when the list is shorter) and counts it.
fn put_string(list: &mut Vec<String>, used: &mut usize, value: &str) {
    match list.get_mut(*used) {
        Some(v) => {
            v.clear();
            v.push_str(value);
        }
        None => list.push(value.to_string()),
    }
    *used += 1;
}

/// Brings `old` up to date with the store: reloads just the learners changed since it was
/// built (`matching_changes`) and applies them with [`SkillsGraph::with_learners`]. Returns
/// `None` when that is not possible and a full [`load_snapshot`] is needed: the catalog
/// changed (`data_version.catalog_version`), or more than [`MAX_INCREMENTAL_LEARNERS`]
/// learners did (one full load is then cheaper than many row lookups).
///
/// The version is read first, the changes and rows after, so the data is at least as new as
/// the version the result is labelled with; reloading a learner twice is harmless.
///
/// # Complexity
/// O(u) row lookups for u changed learners, plus [`SkillsGraph::with_learners`]'s
/// O(L + H) copy of the learner columns.
pub fn update_snapshot(conn: &mut DbConnection, old: &Snapshot) -> Result<Option<Snapshot>, SnapshotError> {
    conn.transaction(|c| {
        let started = Instant::now();
        let (version, catalog_version) = m::data_versions(c)?;
        if catalog_version > old.info.version {
            return Ok(None);
        }
        let changed = m::changed_learners(c, old.info.version, MAX_INCREMENTAL_LEARNERS + 1)?;
        if changed.len() > MAX_INCREMENTAL_LEARNERS {
            return Ok(None);
        }
        // Read after the log: a prune committed before the log was read shows here, so entries
        // this snapshot needed and another node deleted are never silently missed (on
        // PostgreSQL each statement sees the latest commits).
        if m::changes_pruned_through(c)? > old.info.version {
            return Ok(None);
        }
        if changed.is_empty() {
            // Only writes that matching ignores (e.g. a non-learner user): same graph, new label.
            return Ok(Some(old.relabelled(
                version,
                old.graph.clone(),
                old.learners.clone(),
                started.elapsed().as_secs_f64() * 1000.0,
                0.0,
            )));
        }
        let rows = m::learner_rows_for(c, &changed)?;
        let mut comps: HashMap<String, Vec<LearnerCompletion>> = HashMap::new();
        for (id, learner_id, course_id, result, completed_on) in m::completion_rows_for(c, &changed)? {
            comps.entry(learner_id).or_default().push(LearnerCompletion { id, course_id, result, completed_on });
        }
        let certificates: HashMap<String, bool> = m::certificates_for(c, &changed)?.into_iter().collect();
        let mut certs: HashMap<String, Vec<SkillCert>> = HashMap::new();
        for (id, learner_id, occupation, lv) in m::cert_rows_for(c, &changed)? {
            certs.entry(learner_id).or_default().push(SkillCert { id, occupation, level: lv });
        }
        let mut recognised: HashMap<String, Vec<Recognised>> = HashMap::new();
        for row in m::recognitions_for(c, &changed)? {
            recognised.entry(row.1.clone()).or_default().push(Recognised::from_row(row));
        }
        let load_ms = started.elapsed().as_secs_f64() * 1000.0;
        let build_started = Instant::now();

        let ctx = &old.context;
        let mut learners = old.learners.clone();
        let mut removals: Vec<String> = Vec::new();
        // Whatever the learner was called before goes; what they are now comes back below.
        for id in &changed {
            if let Some(info) = old.learners.get(id) {
                learners.remove(&info.username);
                learners.remove(&info.user_id);
                removals.push(info.username.clone());
            }
        }
        let mut upserts: Vec<LearnerSpec> = Vec::with_capacity(rows.len());
        let mut counts = LearnerCounts::default();
        for row in rows {
            let user_id = row.0.clone();
            let mut spec = LearnerSpec::default_empty();
            let empty = Vec::new();
            let info = learner_spec(
                ctx,
                row,
                LearnerRows {
                    completions: comps.get(&user_id).unwrap_or(&empty),
                    certs: certs.get(&user_id).map_or(&[][..], Vec::as_slice),
                    recognised: recognised.get(&user_id).map_or(&[][..], Vec::as_slice),
                },
                |id| certificates.get(id).copied(),
                &mut spec,
                &mut counts,
            );
            if let Some(info) = info {
                learners.insert(info.user_id.clone(), info.clone());
                learners.insert(info.username.clone(), info);
                upserts.push(spec);
            }
        }
        // A learner renamed onto a username another changed learner had is upserted, not removed.
        let removal_refs: Vec<&str> = removals.iter().map(String::as_str).collect();
        let graph = old.graph.with_learners(&upserts, &removal_refs)?;
        let build_ms = build_started.elapsed().as_secs_f64() * 1000.0;
        Ok(Some(old.relabelled(version, Arc::new(graph), learners, load_ms, build_ms)))
    })
}

/// Most changed learners applied incrementally; beyond this a full load is cheaper (the row
/// lookups are per learner, the full load is one scan per table).
pub const MAX_INCREMENTAL_LEARNERS: usize = 50_000;

/// How many versions of the change log are kept behind a node's newest snapshot. Entries
/// older than that are deleted ([`prune_change_log`]); a node whose snapshot is older still
/// loads whole. Nodes do not register, so "applied by every node" cannot be known; a window
/// is the safe substitute: a node that keeps serving matching requests is seconds behind the
/// others, well inside it, and one that fell further behind (idle for a long time, or a bulk
/// import of more than [`MAX_INCREMENTAL_LEARNERS`] learners) would load whole anyway.
/// SQLite bumps the version once per row written, PostgreSQL once per statement, so on SQLite
/// the window is at most this many log entries.
pub const CHANGE_LOG_RETAIN_VERSIONS: i64 = 100_000;

/// Deletes the change-log entries more than `retain` versions older than `version` (a
/// snapshot just refreshed to `version`) and raises the pruned mark
/// (`data_version.changes_pruned_through`) in the same write transaction. Returns the version
/// pruned through and the number of entries deleted; `(0, 0)` when the window reaches back to
/// the start.
pub fn prune_change_log(conn: &mut DbConnection, version: i64, retain: i64) -> Result<(i64, usize), SnapshotError> {
    let through = version.saturating_sub(retain.max(0));
    if through <= 0 {
        return Ok((0, 0));
    }
    let deleted = crate::db::write_transaction(conn, |c| m::prune_changes(c, through))?;
    Ok((through, deleted))
}

/// The snapshot now: brought up to date incrementally from `old` when possible, else loaded
/// whole. What a node runs when `data_version` moves.
pub fn refresh_snapshot(conn: &mut DbConnection, old: Option<&Snapshot>) -> Result<Snapshot, SnapshotError> {
    if let Some(old) = old
        && let Some(updated) = update_snapshot(conn, old)?
    {
        return Ok(updated);
    }
    load_snapshot(conn)
}

/// Default for `RONGTONG_MATCHING_MAX_WAIT_MS`: how long a request waits for a rebuild before
/// it is answered from the previous snapshot (marked `stale`).
pub const DEFAULT_MAX_WAIT_MS: u64 = 2_000;

/// `RONGTONG_MATCHING_MAX_WAIT_MS`, else [`DEFAULT_MAX_WAIT_MS`]. On the demo or a city's data a
/// rebuild takes milliseconds and every answer is current; at provincial scale (seconds per
/// rebuild) readers stop waiting after this long and get the previous snapshot, flagged.
pub fn max_wait_from_env() -> std::time::Duration {
    let ms = std::env::var("RONGTONG_MATCHING_MAX_WAIT_MS").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(DEFAULT_MAX_WAIT_MS);
    std::time::Duration::from_millis(ms)
}

/// The snapshot an answer was computed on, and whether the store has moved on since.
#[derive(Debug, Clone)]
pub struct Current {
    /// The snapshot.
    pub snapshot: Arc<Snapshot>,
    /// The store's `data_version` when the request arrived.
    pub data_version: i64,
}

impl Current {
    /// True when the snapshot predates the store's data (a rebuild is running).
    pub fn stale(&self) -> bool {
        self.snapshot.info.version < self.data_version
    }
}

#[derive(Debug, Default)]
struct CacheInner {
    current: RwLock<Option<Arc<Snapshot>>>,
    rebuilding: std::sync::atomic::AtomicBool,
    failure: RwLock<Option<String>>,
    done: tokio::sync::Notify,
    /// The version this node last pruned the change log through (0: not yet).
    pruned_through: std::sync::atomic::AtomicI64,
}

/// The process's current snapshot, rebuilt in the background when `data_version` moves.
///
/// A request whose snapshot is current never waits. Otherwise it starts a rebuild (unless one
/// is running: at most one per process) and waits for it, up to `max_wait` when there is a
/// previous snapshot to fall back on (then it is answered from that one, flagged stale), without
/// limit when there is none.
///
/// After each refresh the node prunes the change log to [`CHANGE_LOG_RETAIN_VERSIONS`] behind
/// its snapshot, at most once per tenth of that window (so a busy node adds one small write
/// per 10,000 versions, not one per refresh).
#[derive(Debug, Clone)]
pub struct SnapshotCache {
    inner: Arc<CacheInner>,
    max_wait: std::time::Duration,
    retain_versions: i64,
}

impl Default for SnapshotCache {
    fn default() -> Self {
        SnapshotCache::new(max_wait_from_env())
    }
}

impl SnapshotCache {
    /// An empty cache whose readers wait at most `max_wait` for a rebuild.
    pub fn new(max_wait: std::time::Duration) -> Self {
        SnapshotCache { inner: Arc::new(CacheInner::default()), max_wait, retain_versions: CHANGE_LOG_RETAIN_VERSIONS }
    }

    /// The same cache keeping `versions` of change log behind its snapshot instead of
    /// [`CHANGE_LOG_RETAIN_VERSIONS`] (tests use a small window).
    pub fn with_retained_versions(mut self, versions: i64) -> Self {
        self.retain_versions = versions.max(0);
        self
    }

    fn cached(&self) -> Option<Arc<Snapshot>> {
        self.inner.current.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Figures about the snapshot held now, without reading the store or starting a rebuild
    /// (for `/metrics`); `None` before the first matching request built one.
    pub fn current_info(&self) -> Option<SnapshotInfo> {
        self.cached().map(|s| s.info.clone())
    }

    /// Starts a background rebuild unless one is running.
    fn start_rebuild(&self, db: &Db) {
        use std::sync::atomic::Ordering;
        if self.inner.rebuilding.swap(true, Ordering::AcqRel) {
            return;
        }
        let inner = self.inner.clone();
        let db = db.clone();
        let old = self.cached();
        let retain = self.retain_versions;
        tokio::spawn(async move {
            let last_pruned = inner.pruned_through.load(Ordering::Acquire);
            let built = db
                .run(move |c| {
                    let fresh = refresh_snapshot(c, old.as_deref()).map_err(AppError::from)?;
                    // Prune the change log behind the fresh snapshot, in steps of a tenth of the
                    // window. A failure here costs nothing but log rows: report it, keep the snapshot.
                    let mut pruned = None;
                    if fresh.info.version.saturating_sub(retain) >= last_pruned.saturating_add(retain / 10).max(1) {
                        match prune_change_log(c, fresh.info.version, retain) {
                            Ok((through, deleted)) => pruned = Some((through, deleted)),
                            Err(e) => tracing::warn!(error = %e, "pruning the matching change log failed"),
                        }
                    }
                    Ok::<_, AppError>((fresh, pruned))
                })
                .await;
            let built = built.map(|(fresh, pruned)| {
                if let Some((through, deleted)) = pruned {
                    inner.pruned_through.fetch_max(through, Ordering::AcqRel);
                    tracing::debug!(through, deleted, "matching change log pruned");
                }
                fresh
            });
            match built {
                Ok(fresh) => {
                    tracing::info!(
                        version = fresh.info.version,
                        load_ms = fresh.info.load_ms,
                        build_ms = fresh.info.build_ms,
                        heap_bytes = fresh.info.heap_bytes,
                        incremental = fresh.info.incremental,
                        "matching snapshot refreshed"
                    );
                    *inner.current.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::new(fresh));
                    *inner.failure.write().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
                }
                Err(e) => {
                    tracing::error!(error = %e, "matching snapshot rebuild failed");
                    *inner.failure.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(e.to_string());
                }
            }
            inner.rebuilding.store(false, Ordering::Release);
            inner.done.notify_waiters();
        });
    }

    /// The snapshot to answer from: current if possible (see the type's docs).
    pub async fn get(&self, db: &Db) -> AppResult<Current> {
        let version = db.run(|c| data_version(c).map_err(AppError::from)).await?;
        let deadline = tokio::time::Instant::now() + self.max_wait;
        let mut started = false;
        loop {
            // Register for the wake-up before checking, so a rebuild finishing in between is seen.
            let done = self.inner.done.notified();
            tokio::pin!(done);
            done.as_mut().enable();
            let cached = self.cached();
            if let Some(s) = cached.as_ref().filter(|s| s.info.version >= version) {
                return Ok(Current { snapshot: s.clone(), data_version: version });
            }
            let running = self.inner.rebuilding.load(std::sync::atomic::Ordering::Acquire);
            if !running {
                let failure = self.inner.failure.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
                match (started, failure, &cached) {
                    // The rebuild this request asked for failed: answer from the old snapshot if any.
                    (true, Some(_), Some(old)) => return Ok(Current { snapshot: old.clone(), data_version: version }),
                    (true, Some(e), None) => return Err(AppError::Internal(e)),
                    _ => {
                        self.start_rebuild(db);
                        started = true;
                    }
                }
            }
            match &cached {
                Some(old) => {
                    if tokio::time::timeout_at(deadline, done).await.is_err() {
                        return Ok(Current { snapshot: old.clone(), data_version: version });
                    }
                }
                None => done.await,
            }
        }
    }
}
