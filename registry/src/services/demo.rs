//! The Jiangxi demo: `rongtong serve --demo` seeds an empty database with it.
//!
//! Everything is loaded through the same code paths users take (the ESCO importer, the
//! course and demand CSV importers, the account functions), so the demo doubles as a smoke
//! test of those paths. The data files live in `registry/demo/` and are embedded in the
//! binary: a deployed `rongtong` needs no files beside it. See `registry/demo/README.md`.

use rongtong_catalog::{OccupationInput, OrganizationInput, Region};
use serde::Deserialize;

use crate::auth::Role;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::models::accounts::{self, UserInput};
use crate::models::{catalog as catalog_m, courses as courses_m, demand as demand_m};
use crate::services::import::{self, ImportOptions};

const REGIONS: &str = include_str!("../../demo/regions.json");
const ORGANIZATIONS: &str = include_str!("../../demo/organizations.json");
const SKILLS_ZH: &str = include_str!("../../demo/skills_zh.csv");
const OCCUPATIONS: &str = include_str!("../../demo/occupations.json");
const COURSES: &[u8] = include_bytes!("../../demo/courses.csv");
const COURSES_DRAFT: &[u8] = include_bytes!("../../demo/courses-draft.csv");
const DEMAND_LISTS: &str = include_str!("../../demo/demand-lists.json");
const DEMAND_FOUNDRY: &[u8] = include_bytes!("../../demo/demand-foundry.csv");
const DEMAND_ROBOTICS: &[u8] = include_bytes!("../../demo/demand-robotics.csv");
const RECOGNITION_RULES: &[u8] = include_bytes!("../../demo/recognition-rules.csv");
const LEARNERS: &str = include_str!("../../demo/learners.json");
const ESCO_SKILLS: &[u8] = include_bytes!("../../demo/esco-sample/skills_en.csv");
const ESCO_OCCUPATIONS: &[u8] = include_bytes!("../../demo/esco-sample/occupations_en.csv");

/// Username of the demo platform admin.
pub const ADMIN: &str = "admin";

/// The web password of every demo account (printed by `serve --demo`; demo data only).
pub const DEMO_PASSWORD: &str = "rongtong-demo";

#[derive(Deserialize)]
struct DemandListMeta {
    file: String,
    enterprise: String,
    title: String,
    industry: Option<String>,
    deadline: Option<chrono::NaiveDate>,
}

#[derive(Deserialize)]
struct LearnerSeed {
    username: String,
    name: String,
    region: rongtong_catalog::RegionCode,
    opt_in: bool,
    completions: Vec<CompletionSeed>,
}

#[derive(Deserialize)]
struct CompletionSeed {
    course: String,
    result: String,
    date: chrono::NaiveDate,
    assessor: Option<String>,
    /// `false`: [`seed_credentials`] leaves it without a certificate, so the README's
    /// walkthrough has a cohort to issue (learner-wang's GYJQR-03 and GYJQR-04).
    #[serde(default = "yes")]
    certified: bool,
}

fn yes() -> bool {
    true
}

fn json<T: for<'de> Deserialize<'de>>(name: &str, text: &str) -> AppResult<T> {
    serde_json::from_str(text).map_err(|e| AppError::Internal(format!("demo file {name}: {e}")))
}

/// Seeds the demo into an empty database and returns a fresh platform-admin token; returns
/// `None` (and changes nothing) when the database already holds organizations.
pub fn seed(conn: &mut DbConnection) -> AppResult<Option<String>> {
    if accounts::count_organizations(conn)? > 0 {
        return Ok(None);
    }
    crate::db::write_transaction(conn, seed_all).map(Some)
}

fn seed_all(c: &mut DbConnection) -> AppResult<String> {
    // Regions, provinces before their cities.
    let mut regions: Vec<Region> = json("regions.json", REGIONS)?;
    regions.sort_by_key(|r| (r.code.level() as u8, r.code.clone()));
    for r in &regions {
        accounts::upsert_region(c, r)?;
    }
    let orgs: Vec<OrganizationInput> = json("organizations.json", ORGANIZATIONS)?;
    for o in &orgs {
        accounts::create_org(c, o)?;
    }

    // Skills and occupations: ESCO first, then our Chinese labels and requirements.
    import::import_esco_files(
        c,
        &[("skills_en.csv".into(), ESCO_SKILLS.to_vec()), ("occupations_en.csv".into(), ESCO_OCCUPATIONS.to_vec())],
    )?;
    let mut labels = csv::Reader::from_reader(SKILLS_ZH.as_bytes());
    for rec in labels.records() {
        let rec = rec.map_err(|e| AppError::Internal(format!("demo skills_zh.csv: {e}")))?;
        catalog_m::set_label_zh(c, &rec[0], &rec[1])?;
    }
    let occupations: Vec<OccupationInput> = json("occupations.json", OCCUPATIONS)?;
    for o in &occupations {
        catalog_m::upsert_occupation(c, o)?;
    }

    // Accounts: a platform admin, the province and one city admin, an admin per organization.
    let user = |c: &mut DbConnection, username: &str, name: &str, role: Role, org: Option<&str>, region: Option<&str>| {
        accounts::create_user(
            c,
            &UserInput {
                username: username.into(),
                display_name: name.into(),
                role,
                org: org.map(Into::into),
                region: region.and_then(|r| r.parse().ok()),
                opt_in: false,
            },
        )
    };
    let admin = user(c, ADMIN, "平台管理员", Role::PlatformAdmin, None, None)?;
    user(c, "jx-admin", "江西省管理员", Role::RegionAdmin, None, Some("360000"))?;
    user(c, "px-admin", "萍乡市管理员", Role::RegionAdmin, None, Some("360300"))?;
    for o in &orgs {
        user(c, &format!("{}-admin", o.code), &format!("{}管理员", o.name_zh), Role::OrgAdmin, Some(&o.code), None)?;
    }

    // Courses (published, as if reviewed) and demand lists, through the CSV importers.
    let publish = ImportOptions { keep_good_rows: false, publish: true };
    import::import_courses(c, COURSES, None, publish, &mut |_| {})?;
    // One draft, never submitted: the README walks it through the three-level review.
    import::import_courses(c, COURSES_DRAFT, None, ImportOptions { keep_good_rows: false, publish: false }, &mut |_| {})?;
    let metas: Vec<DemandListMeta> = json("demand-lists.json", DEMAND_LISTS)?;
    for m in &metas {
        let bytes = match m.file.as_str() {
            "demand-foundry.csv" => DEMAND_FOUNDRY,
            "demand-robotics.csv" => DEMAND_ROBOTICS,
            other => return Err(AppError::Internal(format!("demo demand file {other} is not embedded"))),
        };
        let report = import::import_demand(c, bytes, &m.enterprise, &m.title, None, publish, &mut |_| {})?;
        if let Some(id) = report.demand_list_id {
            demand_m::set_list_details(c, &id, m.industry.as_deref(), m.deadline)?;
        }
    }

    // Conversion rules both ways (published, as if reviewed): the robot-maintenance
    // skill-level certificate exempts jxou's modules; pxou's casting modules make a learner
    // eligible for (and partly exempt from) the 铸造工 assessment of jxeval.
    crate::services::recognition::import_rules(c, RECOGNITION_RULES, None, true)?;

    // Learners and their completion records, recorded by the providers' admins.
    let learners: Vec<LearnerSeed> = json("learners.json", LEARNERS)?;
    for l in &learners {
        let learner = accounts::create_user(
            c,
            &UserInput {
                username: l.username.clone(),
                display_name: l.name.clone(),
                role: Role::Learner,
                org: None,
                region: Some(l.region.clone()),
                opt_in: l.opt_in,
            },
        )?;
        for done in &l.completions {
            let course = courses_m::find_course_row(c, &done.course)?;
            let provider = accounts::find_org(c, &course.provider_id)?;
            let recorder = accounts::find_user(c, &format!("{}-admin", provider.code))?;
            courses_m::insert_completion(
                c,
                &learner.id,
                &course.id,
                &courses_m::CompletionInput {
                    learner: learner.id.clone(),
                    course: course.id.clone(),
                    result: done.result.clone(),
                    completed_on: done.date,
                    assessor: done.assessor.clone(),
                },
                &recorder.id,
            )?;
        }
    }
    // Every demo account signs in to the web application with DEMO_PASSWORD. One argon2id
    // hash (one salt) serves them all: they share the password anyway, and the demo is
    // seeded by many tests, where a hash per account would cost seconds.
    let hash = crate::auth::session::hash_password(DEMO_PASSWORD)?;
    crate::models::sessions::set_missing_passwords(c, &hash, &crate::db::now())?;
    Ok(accounts::create_token(c, &admin.id, "demo")?.token_secret)
}

/// The demo's web logins, for `serve --demo` to print: one line per account.
pub fn logins(conn: &mut DbConnection) -> AppResult<Vec<String>> {
    Ok(crate::models::sessions::accounts_with_passwords(conn)?
        .into_iter()
        .map(|(username, name, role)| format!("{username:<16} {DEMO_PASSWORD}   {role:<15} {name}"))
        .collect())
}

/// Username of the demo learner one of whose training certificates is revoked.
pub const REVOKED_LEARNER: &str = "learner-liu";
/// The course whose certificate the demo revokes: learner-liu's 人机协作安全 module. She has
/// opted out of being found, so the revocation does not disturb the matching walkthrough.
pub const REVOKED_COURSE: &str = "GYJQR-06";

/// Issues the demo's certificates: a training certificate for every demo completion (signed
/// by each course's provider) except those `learners.json` marks `"certified": false`, a skill-level certificate from the evaluation organisation
/// `jxeval` (铸造工 6-18-02-01, level 4, for learner-zhang), and revokes learner-liu's
/// GYJQR-06 certificate with a reason, so every kind and state can be seen. Idempotent: a second run
/// issues nothing new. Returns how many credentials exist afterwards.
pub fn seed_credentials(conn: &mut DbConnection, base_url: &str, kek: &crate::services::credentials::keystore::Kek) -> AppResult<usize> {
    use crate::models::credentials as cred;
    use crate::services::credentials::{issuance, status};
    let ctx = issuance::IssueContext { base_url, kek };
    crate::db::write_transaction(conn, |c| {
        let mut ids = cred::all_completion_ids(c)?;
        for (username, code) in uncertified()? {
            let learner = accounts::find_user(c, &username)?;
            let course = crate::models::courses::find_course_row(c, &code)?;
            if let Some(id) = cred::completion_of(c, &learner.id, &course.id)? {
                ids.retain(|i| *i != id);
            }
        }
        issuance::issue_for_completions(c, ctx, &ids, issuance::NotPassed::Skip)?;
        let eval = accounts::find_org(c, "jxeval")?;
        let zhang = accounts::find_user(c, "learner-zhang")?;
        let level = rongtong_catalog::SkillLevel::new(4).map_err(|e| AppError::Internal(e.to_string()))?;
        let date = chrono::NaiveDate::from_ymd_opt(2026, 6, 30).ok_or_else(|| AppError::Internal("date".into()))?;
        issuance::issue_skill_level(c, ctx, &eval.id, &zhang.id, "6-18-02-01", level, date)?;
        let learner = accounts::find_user(c, REVOKED_LEARNER)?;
        let course = crate::models::courses::find_course_row(c, REVOKED_COURSE)?;
        let completion = cred::completion_of(c, &learner.id, &course.id)?;
        let (rows, _) = cred::list_credentials(c, &cred::CredentialScope { learner_id: Some(learner.id), issuer_org_ids: None }, 100, 0)?;
        if let Some(target) = rows.iter().find(|r| r.completion_id.is_some() && r.completion_id == completion)
            && rows.iter().all(|r| !r.revoked)
        {
            status::set_status(c, target, status::StatusAction::Revoke, "演示：成绩复核不合格 (demo: failed re-assessment)")?;
        }
        seed_applications(c, ctx)?;
        let total = cred::count_credentials(c)?;
        Ok(total as usize)
    })
}

/// The (learner, course code) pairs `learners.json` leaves without a certificate.
fn uncertified() -> AppResult<Vec<(String, String)>> {
    let learners: Vec<LearnerSeed> = json("learners.json", LEARNERS)?;
    Ok(learners
        .into_iter()
        .flat_map(|l| l.completions.into_iter().filter(|d| !d.certified).map(move |d| (l.username.clone(), d.course)))
        .collect())
}

/// The demo's recognition applications (docs/RECOGNITION.md, "Demo"): learner-chen holds a
/// 工业机器人系统运维员 (6-31-01-10) 四级 certificate from jxeval and is exempted from GYJQR-04
/// by the automatic rule JXOU-R-001 (approved, with its signed recognition); learner-zhang
/// applies for the 铸造工 四级 theory exemption with ZNZZ-03 and ZNZZ-04 (JXEVAL-R-002, reviewed),
/// which waits for jxeval's reviewers. Skipped when they exist (idempotent).
fn seed_applications(c: &mut DbConnection, ctx: crate::services::credentials::issuance::IssueContext<'_>) -> AppResult<()> {
    use crate::models::credentials as cred;
    use crate::services::applications::{self, ApplicationInput, EvidenceInput};
    use crate::services::credentials::issuance;
    let (existing, _) = crate::models::applications::list_applications(c, &Default::default(), 1, 0)?;
    if !existing.is_empty() {
        return Ok(());
    }
    let eval = accounts::find_org(c, "jxeval")?;
    let chen = accounts::find_user(c, "learner-chen")?;
    let level = rongtong_catalog::SkillLevel::new(4).map_err(|e| AppError::Internal(e.to_string()))?;
    let date = chrono::NaiveDate::from_ymd_opt(2026, 5, 20).ok_or_else(|| AppError::Internal("date".into()))?;
    let (robot, _) = issuance::issue_skill_level(c, ctx, &eval.id, &chen.id, "6-31-01-10", level, date)?;
    let as_learner = crate::auth::principal_for_user(c, &chen.id)?;
    let input = ApplicationInput {
        learner: None,
        target: "course:GYJQR-04".parse().map_err(|e: rongtong_catalog::recognition::OutcomeKeyError| AppError::Internal(e.0))?,
        rule: None,
        evidence: vec![EvidenceInput { credential: Some(robot.id), ..Default::default() }],
    };
    applications::apply(c, ctx, &as_learner, &input)?;
    let zhang = crate::auth::principal_for_user(c, "learner-zhang")?;
    let (rows, _) =
        cred::list_credentials(c, &cred::CredentialScope { learner_id: Some(zhang.user_id.clone()), issuer_org_ids: None }, 100, 0)?;
    let mut evidence = Vec::new();
    for code in ["ZNZZ-03", "ZNZZ-04"] {
        let course = crate::models::courses::find_course_row(c, code)?;
        let completion = cred::completion_of(c, &zhang.user_id, &course.id)?;
        if let Some(r) = rows.iter().find(|r| r.completion_id.is_some() && r.completion_id == completion) {
            evidence.push(EvidenceInput { credential: Some(r.id.clone()), ..Default::default() });
        }
    }
    let input = ApplicationInput {
        learner: None,
        target: "standard:6-18-02-01:4".parse().map_err(|e: rongtong_catalog::recognition::OutcomeKeyError| AppError::Internal(e.0))?,
        rule: Some("JXEVAL-R-002".into()),
        evidence,
    };
    applications::apply(c, ctx, &zhang, &input)?;
    Ok(())
}
