//! The regional dashboard (区域数据看板): what an administrator's region holds, rolled up
//! from its organisations and positions into areas side by side.
//!
//! The areas are one level below the administrator's region: the platform sees provinces,
//! a province's admin its cities (and the province-level bodies, such as the provincial open
//! university, as an area of their own), a city's admin its city. Every figure is counted
//! from the registry's own records by `models::reports`, in a fixed number of grouped queries
//! (ten, however many areas and organisations), never one per area.

use std::collections::{BTreeSet, HashMap};

use rongtong_catalog::{RegionCode, RegionLevel, ReviewStage};

use crate::db::DbConnection;
use crate::error::AppResult;
use crate::models::accounts::{self, OrgFilter, OrgRow, region_prefix_pattern};
use crate::models::reports::{self as m, BucketSkillCount};
use crate::services::review::review_chain;

/// How many skills the skill tables keep (the most demanded, supplied or certified).
pub const TOP_SKILLS: usize = 20;

/// One area of the roll-up: a column of the skill tables, a row of the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Area {
    /// GB/T 2260 code.
    pub code: String,
    /// Chinese name (the code when the region is unknown).
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// True for the province-level bodies of a province seen by city (a province's own
    /// organisations, not a city's).
    pub province_level: bool,
}

/// A skill's figures, one per area, and in the whole region.
#[derive(Debug, Clone)]
pub struct SkillLine {
    /// Skill URI.
    pub uri: String,
    /// Chinese label.
    pub label_zh: Option<String>,
    /// English label.
    pub label_en: Option<String>,
    /// Per area, in the order of [`Dashboard::areas`].
    pub by_area: Vec<i64>,
    /// In the whole region (for learners: distinct, so not always the sum).
    pub total: i64,
}

/// Certificates issued in an area.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CertificateCounts {
    /// Training and skill-level certificates issued (revoked ones included).
    pub issued: i64,
    /// Of those, revoked.
    pub revoked: i64,
    /// Recognitions (互认) issued.
    pub recognised: i64,
}

/// Courses in review in an area, by the level they await.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReviewCounts {
    /// Awaiting a city's admins.
    pub city: i64,
    /// Awaiting a province's admins.
    pub province: i64,
    /// Awaiting the platform.
    pub platform: i64,
}

impl ReviewCounts {
    fn add(&mut self, stage: ReviewStage, n: i64) {
        match stage {
            ReviewStage::City => self.city += n,
            ReviewStage::Province => self.province += n,
            ReviewStage::Platform => self.platform += n,
        }
    }

    /// All levels together.
    pub fn total(&self) -> i64 {
        self.city + self.province + self.platform
    }
}

/// One organisation's figures.
#[derive(Debug, Clone)]
pub struct Institution {
    /// Code.
    pub code: String,
    /// Kind (`college`, …).
    pub kind: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: Option<String>,
    /// Region code.
    pub region: String,
    /// The code of the area it is counted in (one of [`Dashboard::areas`]).
    pub area: String,
    /// Published courses.
    pub published_courses: i64,
    /// Courses in review.
    pub courses_in_review: i64,
    /// Certificates issued, revoked and recognitions.
    pub certificates: CertificateCounts,
    /// Distinct learners holding one of its certificates in force.
    pub certified_learners: i64,
}

/// The dashboard of one region.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// The region (`None`: every region, for the platform).
    pub region: Option<RegionCode>,
    /// The areas side by side, by code.
    pub areas: Vec<Area>,
    /// Demand headcount by skill (published demand), most demanded first.
    pub demand: Vec<SkillLine>,
    /// Published courses by skill, most supplied first.
    pub courses: Vec<SkillLine>,
    /// Certified learners by skill, most certified first.
    pub learners: Vec<SkillLine>,
    /// Certificates per area (aligned with `areas`), and in the whole region.
    pub certificates: Vec<CertificateCounts>,
    /// All areas together.
    pub certificates_total: CertificateCounts,
    /// Courses in review per area (aligned with `areas`).
    pub reviews: Vec<ReviewCounts>,
    /// All areas together.
    pub reviews_total: ReviewCounts,
    /// Organisations with any course or certificate, by region then code.
    pub institutions: Vec<Institution>,
}

/// The `LIKE` pattern of a region (every region for `None`) and the code prefix its areas
/// are grouped by.
fn grouping(region: Option<&RegionCode>) -> (String, usize) {
    match region {
        None => ("%".into(), 2),
        Some(r) => (
            region_prefix_pattern(r),
            match r.level() {
                RegionLevel::Province | RegionLevel::City => 4,
                RegionLevel::County => 6,
            },
        ),
    }
}

/// The six-digit code of an area from its code prefix.
fn area_code(bucket: &str) -> String {
    format!("{bucket:0<6}")
}

/// The top [`TOP_SKILLS`] skills of per-area counts, with their totals (`totals`: counted
/// apart, for figures that do not add up; `None`: the sum of the areas).
fn top_skills(
    rows: &[BucketSkillCount],
    totals: Option<&[BucketSkillCount]>,
    area_index: &HashMap<String, usize>,
    areas: usize,
) -> Vec<(String, Vec<i64>, i64)> {
    let mut by_skill: HashMap<&str, (Vec<i64>, i64)> = HashMap::new();
    for r in rows {
        let entry = by_skill.entry(r.skill_id.as_str()).or_insert_with(|| (vec![0; areas], 0));
        if let Some(&i) = area_index.get(&area_code(&r.bucket)) {
            entry.0[i] += r.n;
        }
        entry.1 += r.n;
    }
    if let Some(totals) = totals {
        for t in totals {
            if let Some(e) = by_skill.get_mut(t.skill_id.as_str()) {
                e.1 = t.n;
            }
        }
    }
    let mut lines: Vec<(String, Vec<i64>, i64)> = by_skill.into_iter().map(|(id, (v, t))| (id.to_string(), v, t)).collect();
    lines.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    lines.truncate(TOP_SKILLS);
    lines
}

/// The figures of organisation `id` (inside the region), started at zero when first seen.
fn institution<'a>(
    per_org: &'a mut HashMap<String, Institution>,
    orgs: &HashMap<&str, &OrgRow>,
    len: usize,
    id: &str,
) -> Option<&'a mut Institution> {
    let o = orgs.get(id)?;
    let area = area_code(o.region.get(..len).unwrap_or(&o.region));
    Some(per_org.entry(o.id.clone()).or_insert_with(|| Institution {
        code: o.code.clone(),
        kind: o.kind.clone(),
        name_zh: o.name_zh.clone(),
        name_en: o.name_en.clone(),
        region: o.region.clone(),
        area,
        published_courses: 0,
        courses_in_review: 0,
        certificates: CertificateCounts::default(),
        certified_learners: 0,
    }))
}

/// Builds the dashboard of `region` (`None`: every region).
pub fn dashboard(conn: &mut DbConnection, region: Option<&RegionCode>) -> AppResult<Dashboard> {
    let (pattern, len) = grouping(region);
    let bucket_len = i32::try_from(len).unwrap_or(6);
    let demand = m::demand_headcount_by_skill(conn, &pattern, bucket_len)?;
    let courses = m::published_courses_by_skill(conn, &pattern, bucket_len)?;
    let learners = m::certified_learners_by_skill(conn, &pattern, bucket_len)?;
    let learner_totals = m::certified_learners_by_skill(conn, &pattern, 0)?;
    let orgs = accounts::list_orgs(conn, &OrgFilter { region: region.cloned(), ..Default::default() }, i64::MAX, 0)?.0;
    let org_courses = m::courses_by_org(conn, &pattern)?;
    let org_credentials = m::credentials_by_org(conn, &pattern)?;

    // The areas: every one with a figure, and always the administrator's own below a province.
    let org_region: HashMap<&str, &str> = orgs.iter().map(|o| (o.id.as_str(), o.region.as_str())).collect();
    let bucket_of = |code: &str| area_code(code.get(..len).unwrap_or(code));
    let mut codes: BTreeSet<String> = demand.iter().chain(&courses).chain(&learners).map(|r| area_code(&r.bucket)).collect();
    codes.extend(org_courses.iter().filter_map(|c| org_region.get(c.provider_id.as_str()).map(|r| bucket_of(r))));
    codes.extend(org_credentials.iter().filter_map(|c| org_region.get(c.org_id.as_str()).map(|r| bucket_of(r))));
    if let Some(r) = region.filter(|r| r.level() != RegionLevel::Province) {
        codes.insert(r.as_str().to_string());
    }
    let codes: Vec<String> = codes.into_iter().collect();
    let names = m::region_names(conn, &codes)?;
    let areas: Vec<Area> = codes
        .iter()
        .map(|code| {
            let (name_zh, name_en) = names.get(code).cloned().unwrap_or_else(|| (code.clone(), code.clone()));
            let province_level = len >= 4 && code.ends_with("0000");
            Area { code: code.clone(), name_zh, name_en, province_level }
        })
        .collect();
    let area_index: HashMap<String, usize> = codes.iter().enumerate().map(|(i, c)| (c.clone(), i)).collect();

    let demand_top = top_skills(&demand, None, &area_index, areas.len());
    let courses_top = top_skills(&courses, None, &area_index, areas.len());
    let learners_top = top_skills(&learners, Some(&learner_totals), &area_index, areas.len());
    let skill_ids: Vec<String> =
        demand_top.iter().chain(&courses_top).chain(&learners_top).map(|l| l.0.clone()).collect::<BTreeSet<_>>().into_iter().collect();
    let skill_names = m::skill_names(conn, &skill_ids)?;
    let lines = |top: Vec<(String, Vec<i64>, i64)>| -> Vec<SkillLine> {
        top.into_iter()
            .map(|(id, by_area, total)| {
                let s = skill_names.get(&id);
                SkillLine {
                    uri: s.map_or_else(|| id.clone(), |s| s.uri.clone()),
                    label_zh: s.and_then(|s| s.label_zh.clone()),
                    label_en: s.and_then(|s| s.label_en.clone()),
                    by_area,
                    total,
                }
            })
            .collect()
    };

    let mut certificates = vec![CertificateCounts::default(); areas.len()];
    let mut reviews = vec![ReviewCounts::default(); areas.len()];
    let mut per_org: HashMap<String, Institution> = HashMap::new();
    let org_by_id: HashMap<&str, &OrgRow> = orgs.iter().map(|o| (o.id.as_str(), o)).collect();
    for c in &org_courses {
        let Some(inst) = institution(&mut per_org, &org_by_id, len, &c.provider_id) else { continue };
        let Some(&i) = area_index.get(&inst.area) else { continue };
        if c.status == "published" {
            inst.published_courses += c.n;
        } else {
            inst.courses_in_review += c.n;
            // A course in review from before levels were recorded waits for its chain's first.
            let stage = c
                .review_stage
                .as_deref()
                .and_then(|s| s.parse().ok())
                .or_else(|| inst.region.parse::<RegionCode>().ok().and_then(|r| review_chain(&r).first().copied()));
            if let Some(stage) = stage {
                reviews[i].add(stage, c.n);
            }
        }
    }
    for c in &org_credentials {
        let Some(inst) = institution(&mut per_org, &org_by_id, len, &c.org_id) else { continue };
        let Some(&i) = area_index.get(&inst.area) else { continue };
        inst.certificates = CertificateCounts { issued: c.issued, revoked: c.revoked, recognised: c.recognised };
        inst.certified_learners = c.learners;
        certificates[i].issued += c.issued;
        certificates[i].revoked += c.revoked;
        certificates[i].recognised += c.recognised;
    }
    let certificates_total = certificates.iter().fold(CertificateCounts::default(), |a, c| CertificateCounts {
        issued: a.issued + c.issued,
        revoked: a.revoked + c.revoked,
        recognised: a.recognised + c.recognised,
    });
    let mut reviews_total = ReviewCounts::default();
    for r in &reviews {
        reviews_total.city += r.city;
        reviews_total.province += r.province;
        reviews_total.platform += r.platform;
    }
    let mut institutions: Vec<Institution> = per_org.into_values().collect();
    institutions.sort_by(|a, b| a.region.cmp(&b.region).then_with(|| a.code.cmp(&b.code)));

    Ok(Dashboard {
        region: region.cloned(),
        areas,
        demand: lines(demand_top),
        courses: lines(courses_top),
        learners: lines(learners_top),
        certificates,
        certificates_total,
        reviews,
        reviews_total,
        institutions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(bucket: &str, skill: &str, n: i64) -> BucketSkillCount {
        BucketSkillCount { bucket: bucket.into(), skill_id: skill.into(), n }
    }

    #[test]
    fn areas_are_one_level_below_the_region() {
        assert_eq!(grouping(None), ("%".into(), 2));
        assert_eq!(grouping(Some(&"360000".parse().expect("region"))), ("36%".into(), 4));
        assert_eq!(grouping(Some(&"360300".parse().expect("region"))), ("3603%".into(), 4));
        assert_eq!(area_code("36"), "360000");
        assert_eq!(area_code("3603"), "360300");
    }

    #[test]
    fn skills_are_ranked_by_total_and_distinct_totals_win_over_sums() {
        let index: HashMap<String, usize> = [("360300".to_string(), 0), ("360700".to_string(), 1)].into();
        let rows = [count("3603", "a", 2), count("3607", "a", 3), count("3603", "b", 9)];
        let top = top_skills(&rows, None, &index, 2);
        assert_eq!(top[0], ("b".to_string(), vec![9, 0], 9));
        assert_eq!(top[1], ("a".to_string(), vec![2, 3], 5));
        // The same learner certified in both cities counts once in the whole province.
        let top = top_skills(&rows, Some(&[count("", "a", 4), count("", "b", 9)]), &index, 2);
        assert_eq!(top[1], ("a".to_string(), vec![2, 3], 4));
        let many: Vec<BucketSkillCount> = (0..30).map(|i| count("3603", &format!("s{i:02}"), i)).collect();
        assert_eq!(top_skills(&many, None, &index, 2).len(), TOP_SKILLS);
    }
}
