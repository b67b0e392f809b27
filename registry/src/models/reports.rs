//! Aggregates for the regional dashboard (`services::reports`): counts from the registry's
//! own records, each in one grouped query whatever the number of regions or organisations.
//!
//! Every query takes the region it covers as a `LIKE` pattern over region codes
//! ([`crate::models::accounts::region_prefix_pattern`], or `%` for every region) and, where it
//! groups by region, the length of the code prefix to group by (`bucket_len`: 2 groups by
//! province, 4 by city, 6 by county, 0 puts everything in one group `""`). Grouping happens
//! in SQL because distinct learners do not add up across groups. The SQL is plain and
//! portable (`substr`, `COALESCE`, `CASE`), so it runs unchanged on SQLite and PostgreSQL;
//! placeholders are numbered in the order they first appear, as SQLite binds them.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};

use crate::db::DbConnection;
use crate::db::schema::{regions, skills};

/// A count for one skill in one group of regions.
#[derive(Debug, Clone, QueryableByName)]
pub struct BucketSkillCount {
    /// The region-code prefix of the group.
    #[diesel(sql_type = Text)]
    pub bucket: String,
    /// The skill's id.
    #[diesel(sql_type = Text)]
    pub skill_id: String,
    /// The count.
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// Headcount of published demand by skill: every position of a published list counts its
/// headcount once for each skill it asks for (required or preferred), in the position's
/// region (the list's when the position names none).
pub fn demand_headcount_by_skill(conn: &mut DbConnection, pattern: &str, bucket_len: i32) -> QueryResult<Vec<BucketSkillCount>> {
    diesel::sql_query(
        "SELECT substr(COALESCE(i.region, l.region), 1, $1) AS bucket, s.skill_id AS skill_id, CAST(SUM(i.headcount) AS BIGINT) AS n \
         FROM demand_items i JOIN demand_lists l ON l.id = i.list_id JOIN demand_item_skills s ON s.item_id = i.id \
         WHERE l.status = 'published' AND COALESCE(i.region, l.region) LIKE $2 \
         GROUP BY 1, 2",
    )
    .bind::<Integer, _>(bucket_len)
    .bind::<Text, _>(pattern)
    .load(conn)
}

/// Published courses teaching each skill, in their provider's region.
pub fn published_courses_by_skill(conn: &mut DbConnection, pattern: &str, bucket_len: i32) -> QueryResult<Vec<BucketSkillCount>> {
    diesel::sql_query(
        "SELECT substr(o.region, 1, $1) AS bucket, cs.skill_id AS skill_id, COUNT(*) AS n \
         FROM courses c JOIN organizations o ON o.id = c.provider_id JOIN course_skills cs ON cs.course_id = c.id \
         WHERE c.status = 'published' AND o.region LIKE $2 \
         GROUP BY 1, 2",
    )
    .bind::<Integer, _>(bucket_len)
    .bind::<Text, _>(pattern)
    .load(conn)
}

/// Distinct learners certified in each skill, in the issuer's region: holders of a training
/// certificate (培训合格证书) of a course teaching the skill, or of a skill-level certificate
/// (职业技能等级证书) of an occupation asking for it, that is in force (neither revoked nor
/// suspended). A learner certified twice in a group counts once there.
pub fn certified_learners_by_skill(conn: &mut DbConnection, pattern: &str, bucket_len: i32) -> QueryResult<Vec<BucketSkillCount>> {
    diesel::sql_query(
        "SELECT t.bucket AS bucket, t.skill_id AS skill_id, COUNT(DISTINCT t.learner_id) AS n FROM ( \
           SELECT substr(o.region, 1, $1) AS bucket, cs.skill_id AS skill_id, cr.learner_id AS learner_id \
           FROM credentials cr JOIN organizations o ON o.id = cr.issuer_org_id \
             JOIN completions cp ON cp.id = cr.completion_id JOIN course_skills cs ON cs.course_id = cp.course_id \
           WHERE cr.kind = 'training' AND NOT cr.revoked AND NOT cr.suspended AND o.region LIKE $2 \
           UNION \
           SELECT substr(o.region, 1, $1), os.skill_id, cr.learner_id \
           FROM credentials cr JOIN organizations o ON o.id = cr.issuer_org_id \
             JOIN occupations oc ON oc.code = cr.occupation_code JOIN occupation_skills os ON os.occupation_id = oc.id \
           WHERE cr.kind = 'skill_level' AND NOT cr.revoked AND NOT cr.suspended AND o.region LIKE $2 \
         ) t GROUP BY t.bucket, t.skill_id",
    )
    .bind::<Integer, _>(bucket_len)
    .bind::<Text, _>(pattern)
    .load(conn)
}

/// Courses of one provider in one status (published or in review) and review level.
#[derive(Debug, Clone, QueryableByName)]
pub struct OrgCourseCount {
    /// The provider's id.
    #[diesel(sql_type = Text)]
    pub provider_id: String,
    /// `published` or `in_review`.
    #[diesel(sql_type = Text)]
    pub status: String,
    /// The level a course in review awaits (`None`: not recorded, or published).
    #[diesel(sql_type = Nullable<Text>)]
    pub review_stage: Option<String>,
    /// How many.
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// Published courses and courses in review (by the level they await), per provider inside
/// the region.
pub fn courses_by_org(conn: &mut DbConnection, pattern: &str) -> QueryResult<Vec<OrgCourseCount>> {
    diesel::sql_query(
        "SELECT c.provider_id AS provider_id, c.status AS status, c.review_stage AS review_stage, COUNT(*) AS n \
         FROM courses c JOIN organizations o ON o.id = c.provider_id \
         WHERE c.status IN ('published', 'in_review') AND o.region LIKE $1 \
         GROUP BY c.provider_id, c.status, c.review_stage",
    )
    .bind::<Text, _>(pattern)
    .load(conn)
}

/// The certificates one organisation issued.
#[derive(Debug, Clone, QueryableByName)]
pub struct OrgCredentialCount {
    /// The issuer's id.
    #[diesel(sql_type = Text)]
    pub org_id: String,
    /// Training and skill-level certificates issued (revoked ones included).
    #[diesel(sql_type = BigInt)]
    pub issued: i64,
    /// Of those, revoked.
    #[diesel(sql_type = BigInt)]
    pub revoked: i64,
    /// Recognitions (互认) issued under its rules.
    #[diesel(sql_type = BigInt)]
    pub recognised: i64,
    /// Distinct learners holding one of its training or skill-level certificates in force.
    #[diesel(sql_type = BigInt)]
    pub learners: i64,
}

/// Certificates per issuing organisation inside the region.
pub fn credentials_by_org(conn: &mut DbConnection, pattern: &str) -> QueryResult<Vec<OrgCredentialCount>> {
    diesel::sql_query(
        "SELECT cr.issuer_org_id AS org_id, \
           CAST(SUM(CASE WHEN cr.kind <> 'recognition' THEN 1 ELSE 0 END) AS BIGINT) AS issued, \
           CAST(SUM(CASE WHEN cr.kind <> 'recognition' AND cr.revoked THEN 1 ELSE 0 END) AS BIGINT) AS revoked, \
           CAST(SUM(CASE WHEN cr.kind = 'recognition' THEN 1 ELSE 0 END) AS BIGINT) AS recognised, \
           COUNT(DISTINCT CASE WHEN cr.kind <> 'recognition' AND NOT cr.revoked AND NOT cr.suspended THEN cr.learner_id END) AS learners \
         FROM credentials cr JOIN organizations o ON o.id = cr.issuer_org_id \
         WHERE o.region LIKE $1 GROUP BY cr.issuer_org_id",
    )
    .bind::<Text, _>(pattern)
    .load(conn)
}

/// A skill's URI and labels.
#[derive(Debug, Clone, Queryable)]
pub struct SkillName {
    /// Id.
    pub id: String,
    /// URI.
    pub uri: String,
    /// Chinese label.
    pub label_zh: Option<String>,
    /// English label.
    pub label_en: Option<String>,
}

/// URIs and labels of the given skills, by id.
pub fn skill_names(conn: &mut DbConnection, ids: &[String]) -> QueryResult<HashMap<String, SkillName>> {
    let mut out = HashMap::new();
    for chunk in super::bind_chunks(ids, 1) {
        let rows: Vec<SkillName> = skills::table
            .filter(skills::id.eq_any(chunk))
            .select((skills::id, skills::uri, skills::label_zh, skills::label_en))
            .load(conn)?;
        out.extend(rows.into_iter().map(|s| (s.id.clone(), s)));
    }
    Ok(out)
}

/// Chinese and English names of the given regions, by code (unknown codes are left out).
pub fn region_names(conn: &mut DbConnection, codes: &[String]) -> QueryResult<HashMap<String, (String, String)>> {
    let rows: Vec<(String, String, String)> =
        regions::table.filter(regions::code.eq_any(codes)).select((regions::code, regions::name_zh, regions::name_en)).load(conn)?;
    Ok(rows.into_iter().map(|(code, zh, en)| (code, (zh, en))).collect())
}
