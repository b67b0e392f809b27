//! CSV import/export of courses and demand items: encodings, headers, every kind of bad row,
//! and the export → import round trip.

// Tests may unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;
use proptest::prelude::*;
use rongtong_catalog::csvio::{
    CourseReader, CsvOutcome, ExportOptions, HeaderLanguage, HeaderProblem, ImportError, RowError, SkillIndex, SourceEncoding,
    parse_courses, parse_demand_items, write_courses, write_demand_items, write_skills,
};
use rongtong_catalog::{
    CourseInput, CourseSkill, DeliveryMode, DemandItemInput, RegionCode, RequirementKind, SkillInput, SkillLevel, SkillRequirement,
    SkillType,
};

const CASTING: &str = "http://data.europa.eu/esco/skill/e17d2415-e79f-4907-908e-5511b515fa3c";
const POUR: &str = "http://data.europa.eu/esco/skill/121a87f0-7ff9-4d63-a8af-440f291bce67";
const ROBOTICS: &str = "http://data.europa.eu/esco/skill/e87ec79a-c9ff-46f5-84fa-7a0f394cdf40";
const SMELT_A: &str = "http://rongtong.example/skills/smelt-a";
const SMELT_B: &str = "http://rongtong.example/skills/smelt-b";

fn index() -> SkillIndex {
    [
        (CASTING, Some("铸造工艺"), Some("casting processes")),
        (POUR, Some("浇注"), Some("pour molten metal into moulds")),
        (ROBOTICS, Some("机器人技术"), Some("robotics")),
        (SMELT_A, Some("熔炼"), None),
        (SMELT_B, Some("熔炼"), Some("smelting")),
    ]
    .into_iter()
    .collect()
}

const EN_HEADER: &str =
    "code,version,title_zh,title_en,provider,hours,credits,skills,prerequisites,description_zh,description_en,delivery_mode";

fn errors_at(outcome_errors: &[RowError]) -> Vec<(usize, &str)> {
    outcome_errors.iter().map(|e| (e.row, e.column.as_str())).collect()
}

fn clean<T: std::fmt::Debug>(outcome: &CsvOutcome<T>) {
    assert!(outcome.is_clean(), "unexpected errors: {:#?}", outcome.errors);
}

#[test]
fn utf8_course_file_maps_every_column() {
    let csv = format!(
        "{EN_HEADER}\nZNZZ-01,2026.1,铸造基础,Casting basics,JXJD,32,2,铸造工艺@4;{POUR}@三级@0.5,ZNZZ-00,\"多行\n简介\",Intro,online\n"
    );
    let outcome = parse_courses(csv.as_bytes(), &index()).unwrap();
    clean(&outcome);
    let expected = CourseInput {
        code: "ZNZZ-01".into(),
        version: "2026.1".into(),
        title_zh: "铸造基础".into(),
        title_en: Some("Casting basics".into()),
        description_zh: Some("多行\n简介".into()),
        description_en: Some("Intro".into()),
        provider: "JXJD".into(),
        hours: 32.0,
        credits: 2.0,
        delivery_mode: DeliveryMode::Online,
        skills: vec![
            CourseSkill { skill: CASTING.into(), level: SkillLevel::L4, weight: 1.0 },
            CourseSkill { skill: POUR.into(), level: SkillLevel::L3, weight: 0.5 },
        ],
        prerequisites: vec!["ZNZZ-00".into()],
        valid_months: None,
    };
    assert_eq!(outcome.rows, vec![(2, expected)]);
}

#[test]
fn valid_months_is_an_optional_column_in_english_or_chinese() {
    let idx = index();
    let en = parse_courses(b"code,title_zh,provider,hours,credits,valid_months\nA-1,T,P,1,0,24\nA-2,T,P,1,0,\n", &idx).unwrap();
    clean(&en);
    let months: Vec<Option<u32>> = en.rows.iter().map(|(_, c)| c.valid_months).collect();
    assert_eq!(months, [Some(24), None]);
    let zh = parse_courses("课程代码,课程名称,提供机构,学时,学分,有效期（月）\nA-1,T,P,1,0,36\n".as_bytes(), &idx).unwrap();
    clean(&zh);
    assert_eq!(zh.rows[0].1.valid_months, Some(36));
    let bad = parse_courses(b"code,title_zh,provider,hours,credits,valid_months\nA-1,T,P,1,0,0\nA-2,T,P,1,0,601\nA-3,T,P,1,0,two\n", &idx)
        .unwrap();
    assert_eq!(errors_at(&bad.errors), [(2, "valid_months"), (3, "valid_months"), (4, "valid_months")]);
}

#[test]
fn utf8_with_bom_reads_the_first_header() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(b"code,title_zh,provider,hours,credits\nA-1,T,P,1,0\n");
    let idx = index();
    let reader = CourseReader::new(&bytes, &idx).unwrap();
    assert_eq!(reader.encoding(), SourceEncoding::Utf8Bom);
    let outcome = parse_courses(&bytes, &index()).unwrap();
    clean(&outcome);
    assert_eq!(outcome.rows[0].1.code, "A-1");
}

#[test]
fn gb18030_file_with_chinese_headers() {
    let text = "课程代码,版本,课程名称,提供机构,学时,学分,技能,先修课程,课程简介,授课方式\r\n\
                ZNZZ-02,1,智能铸造,JXJD,48,3,铸造工艺@高级工；机器人技术@2,ZNZZ-01,铸件缺陷分析,线下\r\n";
    let (gb, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&gb).is_err(), "the fixture must really be GB18030");
    let idx = index();
    let reader = CourseReader::new(&gb, &idx).unwrap();
    assert_eq!(reader.encoding(), SourceEncoding::Gb18030);
    let outcome = parse_courses(&gb, &index()).unwrap();
    clean(&outcome);
    let course = &outcome.rows[0].1;
    assert_eq!(course.title_zh, "智能铸造");
    assert_eq!(course.delivery_mode, DeliveryMode::Offline);
    assert_eq!(course.description_zh.as_deref(), Some("铸件缺陷分析"));
    assert_eq!(
        course.skills,
        vec![
            CourseSkill { skill: CASTING.into(), level: SkillLevel::L3, weight: 1.0 },
            CourseSkill { skill: ROBOTICS.into(), level: SkillLevel::L2, weight: 1.0 },
        ]
    );
}

#[test]
fn utf16le_with_bom_is_accepted() {
    let mut bytes = vec![0xFF, 0xFE];
    for unit in "课程代码,课程名称,提供机构,学时,学分\nA-1,标题,P,8,0.5\n".encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let outcome = parse_courses(&bytes, &index()).unwrap();
    clean(&outcome);
    assert_eq!(outcome.rows[0].1.credits, 0.5);
}

#[test]
fn headers_ignore_case_blanks_and_required_markers() {
    let csv = " CODE ,Title ZH,*提供机构,学 时,Credits,中文名称_x\nA-1,T,P,1,0,x\n";
    // `中文名称_x` is not an alias: the typo must be caught, with its position.
    match parse_courses(csv.as_bytes(), &index()) {
        Err(ImportError::Headers(problems)) => {
            assert_eq!(problems, vec![HeaderProblem::Unknown { header: "中文名称_x".into(), position: 6 }]);
        }
        other => panic!("expected a header error, got {other:?}"),
    }
    let ok = " CODE ,Title ZH,*提供机构,学 时,Credits\nA-1,T,P,1,0\n";
    let outcome = parse_courses(ok.as_bytes(), &index()).unwrap();
    clean(&outcome);
    assert_eq!(outcome.rows[0].1.provider, "P");
}

#[test]
fn missing_and_duplicate_headers_are_file_errors_naming_the_column() {
    let csv = "code,title_zh,课程名称,provider,credits\n";
    let Err(ImportError::Headers(problems)) = parse_courses(csv.as_bytes(), &index()) else { panic!("expected header errors") };
    assert_eq!(
        problems,
        vec![
            HeaderProblem::Duplicate { column: "title_zh".into(), headers: vec!["title_zh".into(), "课程名称".into()] },
            HeaderProblem::Missing { column: "hours (学时)".into() },
        ]
    );
    let message = ImportError::Headers(problems).to_string();
    assert!(message.contains("required column `hours (学时)` is missing"), "{message}");
}

#[test]
fn empty_file_is_a_file_error() {
    assert!(matches!(parse_courses(b"", &index()), Err(ImportError::Empty)));
}

#[test]
fn undecodable_bytes_are_a_file_error_with_offset_and_line() {
    let bytes = b"code,title_zh,provider,hours,credits\nA-1,\xFF\xFE\xFF,P,1,0\n";
    let Err(ImportError::Encoding(e)) = parse_courses(bytes, &index()) else { panic!("expected an encoding error") };
    let message = e.to_string();
    assert!(message.contains("offset 41, line 2"), "{message}");
}

#[test]
fn every_bad_course_row_is_reported_with_row_and_column() {
    let csv = format!(
        "{EN_HEADER}\n\
         OK-1,1,好课,,P,10,1,铸造工艺@4,,,,\n\
         BAD-2,1,,,P,abc,1,,,,,\n\
         BAD-3,1,课,,P,10,1,熔炼@4;无此技能@3;铸造工艺@9;浇注@3@1.5,,,,\n\
         BAD-4,1,课,,P,10,1,,BAD-4,,,by bus\n\
         too,few,fields\n\
         OK-1,1,重复,,P,10,1,,,,,\n\
         ,1,课,,P,0,-1,,,,,\n"
    );
    let outcome = parse_courses(csv.as_bytes(), &index()).unwrap();
    assert_eq!(outcome.rows.len(), 1, "only the first row is good");
    assert_eq!(outcome.rows[0].0, 2);
    assert_eq!(
        errors_at(&outcome.errors),
        vec![
            (3, "title_zh"),
            (3, "hours"),
            (4, "skills"), // ambiguous 熔炼
            (4, "skills"), // unknown label
            (4, "skills"), // level 9
            (4, "skills"), // weight 1.5 (from validate)
            (5, "delivery_mode"),
            (5, "prerequisites"),
            (6, ""),
            (7, "code"), // duplicate of row 2
            (8, "code"),
            (8, "hours"),
            (8, "credits"),
        ],
        "{:#?}",
        outcome.errors
    );
    let reason = |row: usize, needle: &str| {
        assert!(
            outcome.errors.iter().any(|e| e.row == row && e.reason.contains(needle)),
            "row {row} should mention {needle:?}: {:#?}",
            outcome.errors
        );
    };
    reason(3, "`abc` is not a number of hours");
    reason(3, "required");
    reason(4, &format!("matches 2 skills ({SMELT_A}, {SMELT_B})"));
    reason(4, "unknown skill `无此技能`");
    reason(4, "`9` is not a skill level");
    reason(4, "item 4 weight: must be above 0 and at most 1");
    reason(5, "a course cannot be its own prerequisite");
    reason(6, "has 3 fields but the header has 12");
    reason(7, "already appears in row 2");
}

#[test]
fn row_numbers_follow_the_spreadsheet_across_multiline_cells_and_blank_rows() {
    let csv = "code,title_zh,provider,hours,credits,description_zh\n\
               A-1,T,P,1,0,\"第一行\n第二行\n第三行\"\n\
               ,,,,,\n\
               A-2,T,P,x,0,\n";
    let outcome = parse_courses(csv.as_bytes(), &index()).unwrap();
    assert_eq!(outcome.rows.len(), 1);
    assert_eq!(outcome.rows[0].0, 2);
    assert_eq!(outcome.skipped, 1, "the blank row is skipped and counted");
    assert_eq!(errors_at(&outcome.errors), vec![(4, "hours")]);
}

#[test]
fn row_numbers_are_right_for_excel_crlf_and_old_mac_cr_files() {
    let lf = "code,title_zh,provider,hours,credits,description_zh\n\
              A-1,T,P,1,0,\"多行\n简介\"\n\
              \n\
              A-2,T,P,x,0,\"quoted last cell\"\n";
    let crlf = lf.replace('\n', "\r\n");
    let outcome = parse_courses(crlf.as_bytes(), &index()).unwrap();
    assert_eq!(errors_at(&outcome.errors), vec![(4, "hours")], "CRLF: {:#?}", outcome.errors);
    assert_eq!(outcome.rows[0].1.description_zh.as_deref(), Some("多行\r\n简介"), "CRs inside quotes are kept");
    let cr = "code,title_zh,provider,hours,credits\rA-1,T,P,1,0\rA-2,T,P,x,0\r";
    let outcome = parse_courses(cr.as_bytes(), &index()).unwrap();
    assert_eq!(errors_at(&outcome.errors), vec![(3, "hours")], "CR: {:#?}", outcome.errors);
}

#[test]
fn a_value_under_a_blank_header_is_an_error() {
    let csv = "code,title_zh,provider,hours,credits,\nA-1,T,P,1,0,\nA-2,T,P,1,0,lost\n";
    let outcome = parse_courses(csv.as_bytes(), &index()).unwrap();
    assert_eq!(outcome.rows.len(), 1);
    assert_eq!(errors_at(&outcome.errors), vec![(3, "")]);
    assert!(outcome.errors[0].reason.contains("column 6 has a value but no header"));
}

#[test]
fn column_names_in_errors_are_the_headers_as_written() {
    let csv = "课程代码,课程名称,提供机构,学时,学分\nA-1,T,P,很多,0\n";
    let outcome = parse_courses(csv.as_bytes(), &index()).unwrap();
    assert_eq!(errors_at(&outcome.errors), vec![(2, "学时")]);
}

const DEMAND_HEADER: &str = "position,occupation,headcount,region,deadline,essential_skills,optional_skills";

#[test]
fn demand_rows_become_items_with_optional_region_and_deadline() {
    let csv = format!(
        "{DEMAND_HEADER}\n\
         铸造工,6-18-02-04,5,360300,2026/6/30,铸造工艺@4,robotics@五级\n\
         运维员,,2,,,机器人技术@3,\n"
    );
    let outcome = parse_demand_items(csv.as_bytes(), &index()).unwrap();
    clean(&outcome);
    let region: RegionCode = "360300".parse().unwrap();
    assert_eq!(
        outcome.rows,
        vec![
            (
                2,
                DemandItemInput {
                    position: "铸造工".into(),
                    occupation: Some("6-18-02-04".into()),
                    headcount: 5,
                    region: Some(region),
                    deadline: NaiveDate::from_ymd_opt(2026, 6, 30),
                    skills: vec![
                        SkillRequirement { skill: CASTING.into(), kind: RequirementKind::Essential, min_level: SkillLevel::L4 },
                        SkillRequirement { skill: ROBOTICS.into(), kind: RequirementKind::Optional, min_level: SkillLevel::L5 },
                    ],
                }
            ),
            (
                3,
                DemandItemInput {
                    position: "运维员".into(),
                    occupation: None,
                    headcount: 2,
                    region: None,
                    deadline: None,
                    skills: vec![SkillRequirement { skill: ROBOTICS.into(), kind: RequirementKind::Essential, min_level: SkillLevel::L3 }],
                }
            ),
        ]
    );
}

#[test]
fn demand_chinese_headers_and_date_forms() {
    let csv = "岗位,人数,地区,截止日期,必备技能\n\
               A,1,360000,2026-06-30,铸造工艺@1\n\
               B,1,360000,2026/06/30,铸造工艺@1\n\
               C,1,360000,2026/6/30,铸造工艺@1\n";
    let outcome = parse_demand_items(csv.as_bytes(), &index()).unwrap();
    clean(&outcome);
    for (_, item) in &outcome.rows {
        assert_eq!(item.deadline, NaiveDate::from_ymd_opt(2026, 6, 30), "{}", item.position);
    }
}

#[test]
fn every_bad_demand_row_is_reported_with_row_and_column() {
    let csv = format!(
        "{DEMAND_HEADER}\n\
         A,,many,36030,2026/13/1,铸造工艺@4,\n\
         B,,0,,,,\n\
         C,,1,,,铸造工艺@4@0.5,熔炼@2\n\
         D,,1,,,铸造工艺@4,铸造工艺@3\n\
         ,,1,,,铸造工艺,\n"
    );
    let outcome = parse_demand_items(csv.as_bytes(), &index()).unwrap();
    assert!(outcome.rows.is_empty(), "{:#?}", outcome.rows);
    assert_eq!(
        errors_at(&outcome.errors),
        vec![
            (2, "headcount"),
            (2, "region"),
            (2, "deadline"),
            (3, "headcount"),        // 0 (from validate)
            (3, "essential_skills"), // no skill at all (from validate)
            (4, "essential_skills"), // a weight is not allowed
            (4, "optional_skills"),  // ambiguous
            (5, "optional_skills"),  // listed twice (from validate)
            (6, "position"),
            (6, "essential_skills"), // no @LEVEL
        ],
        "{:#?}",
        outcome.errors
    );
    assert!(outcome.errors[1].reason.contains("`36030` is not a six-digit GB/T 2260 region code"));
    assert!(outcome.errors[2].reason.contains("`2026/13/1` is not a date"));
    assert!(outcome.errors[7].reason.contains(&format!("item 1: skill {CASTING} is listed twice")), "{:#?}", outcome.errors[7]);
}

#[test]
fn skills_export_joins_alt_labels() {
    let skill = SkillInput {
        uri: Some(CASTING.into()),
        framework: "esco".into(),
        label_zh: Some("铸造工艺".into()),
        label_en: Some("casting processes".into()),
        alt_labels: vec!["casting".into(), "founding".into()],
        description: None,
        skill_type: SkillType::Knowledge,
        reuse_level: Some("sector-specific".into()),
        status: "released".into(),
    };
    let mut out = Vec::new();
    write_skills(&mut out, [&skill], &ExportOptions::default()).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(
        text,
        format!(
            "\u{feff}uri,framework,label_zh,label_en,skill_type,reuse_level,status,alt_labels,description\r\n\
             {CASTING},esco,铸造工艺,casting processes,knowledge,sector-specific,released,casting|founding,\r\n"
        )
    );
}

#[test]
fn export_writes_bom_and_chinese_headers_on_request() {
    let mut with_bom = Vec::new();
    write_courses(&mut with_bom, [], &ExportOptions::default()).unwrap();
    assert!(with_bom.starts_with(b"\xEF\xBB\xBFcode,"));
    let mut zh = Vec::new();
    write_demand_items(&mut zh, [], &ExportOptions { bom: false, headers: HeaderLanguage::Chinese }).unwrap();
    assert_eq!(String::from_utf8(zh).unwrap(), "岗位,职业,人数,地区,截止日期,必备技能,可选技能\r\n");
}

// ---- round trip -------------------------------------------------------------------------

const URIS: [&str; 5] = [CASTING, POUR, ROBOTICS, SMELT_A, SMELT_B];

/// Single-line text (titles, positions): the same, without the newline, which the
/// validation refuses in single-line fields.
fn line(max: usize) -> impl Strategy<Value = String> {
    text(max).prop_map(|s| s.replace('\n', " ").trim().to_string()).prop_filter("non-empty after trimming", |s| !s.is_empty())
}

fn text(max: usize) -> impl Strategy<Value = String> {
    // Chinese, ASCII, the characters CSV must quote (comma, quote, newline, semicolon), and
    // those the export guards against spreadsheet formulas (= + - @, and ').
    proptest::string::string_regex(&format!("[铸造机器人课程a-zA-Z0-9 ,\";\n=+@'-]{{1,{max}}}"))
        .expect("valid regex")
        .prop_map(|s| s.trim().to_string())
        .prop_filter("non-empty after trimming", |s| !s.is_empty())
}

fn code() -> impl Strategy<Value = String> {
    "[A-Z]{2,4}-[0-9]{2}"
}

fn level() -> impl Strategy<Value = SkillLevel> {
    (1u8..=5).prop_map(|n| SkillLevel::new(n).expect("1..=5"))
}

fn course() -> impl Strategy<Value = CourseInput> {
    (
        (code(), "[0-9]{4}\\.[1-9]", line(20), proptest::option::of(line(20)), code()),
        (1u32..2000, 0u32..200, proptest::sample::subsequence(URIS.to_vec(), 0..=5)),
        (proptest::collection::vec(level(), 5), proptest::collection::vec(prop_oneof![Just(1.0), 0.01f64..1.0], 5)),
        (proptest::collection::btree_set(code(), 0..3), proptest::option::of(text(60)), proptest::option::of(text(60))),
        (
            proptest::sample::select(vec![DeliveryMode::Online, DeliveryMode::Offline, DeliveryMode::Blended]),
            proptest::option::of(1u32..=600),
        ),
    )
        .prop_map(
            |(
                (code, version, title_zh, title_en, provider),
                (hours, credits, uris),
                (levels, weights),
                (pre, dz, de),
                (mode, valid_months),
            )| {
                CourseInput {
                    valid_months,
                    prerequisites: pre.into_iter().filter(|p| *p != code).collect(),
                    code,
                    version,
                    title_zh,
                    title_en,
                    description_zh: dz,
                    description_en: de,
                    provider,
                    hours: f64::from(hours) / 4.0,
                    credits: f64::from(credits) / 10.0,
                    delivery_mode: mode,
                    skills: uris
                        .into_iter()
                        .enumerate()
                        .map(|(i, uri)| CourseSkill { skill: uri.to_string(), level: levels[i], weight: weights[i] })
                        .collect(),
                }
            },
        )
}

fn demand_item() -> impl Strategy<Value = DemandItemInput> {
    (
        line(30),
        proptest::option::of(Just("6-18-02-04".to_string())),
        1u32..=100_000,
        proptest::option::of(proptest::sample::select(vec!["360000", "360300", "360321", "110101"])),
        proptest::option::of((2020i32..2040, 1u32..=12, 1u32..=28)),
        proptest::sample::subsequence(URIS.to_vec(), 1..=5),
        proptest::collection::vec((level(), any::<bool>()), 5),
    )
        .prop_map(|(position, occupation, headcount, region, date, uris, meta)| {
            let mut skills: Vec<SkillRequirement> = uris
                .into_iter()
                .enumerate()
                .map(|(i, uri)| SkillRequirement {
                    skill: uri.to_string(),
                    kind: if meta[i].1 { RequirementKind::Essential } else { RequirementKind::Optional },
                    min_level: meta[i].0,
                })
                .collect();
            // The file lists essential skills first, so normalise the order the same way.
            skills.sort_by_key(|s| s.kind);
            DemandItemInput {
                position,
                occupation,
                headcount,
                region: region.map(|r| r.parse().expect("valid region")),
                deadline: date.and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d)),
                skills,
            }
        })
}

fn unique_courses() -> impl Strategy<Value = Vec<CourseInput>> {
    proptest::collection::vec(course(), 0..8).prop_map(|mut v| {
        let mut seen = std::collections::HashSet::new();
        v.retain(|c| seen.insert((c.code.clone(), c.version.clone())));
        v
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn courses_round_trip_through_csv(courses in unique_courses(), bom in any::<bool>(), zh in any::<bool>()) {
        let headers = if zh { HeaderLanguage::Chinese } else { HeaderLanguage::English };
        let mut out = Vec::new();
        write_courses(&mut out, &courses, &ExportOptions { bom, headers }).unwrap();
        let outcome = parse_courses(&out, &index()).unwrap();
        prop_assert!(outcome.is_clean(), "{:#?}\n{}", outcome.errors, String::from_utf8_lossy(&out));
        prop_assert_eq!(outcome.into_values(), courses);
    }

    #[test]
    fn demand_items_round_trip_through_csv(items in proptest::collection::vec(demand_item(), 0..8), zh in any::<bool>()) {
        let headers = if zh { HeaderLanguage::Chinese } else { HeaderLanguage::English };
        let mut out = Vec::new();
        write_demand_items(&mut out, &items, &ExportOptions { bom: true, headers }).unwrap();
        let outcome = parse_demand_items(&out, &index()).unwrap();
        prop_assert!(outcome.is_clean(), "{:#?}", outcome.errors);
        prop_assert_eq!(outcome.into_values(), items);
    }
}
