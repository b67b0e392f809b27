//! ESCO import on the demo sample (`registry/demo/esco-sample`) and on the relation fixtures in
//! `tests/data/`.

// Tests may unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};

use rongtong_catalog::csvio::{
    EscoError, EscoOptions, Resolution, SkillIndex, SkillResolver, read_esco_broader_relations, read_esco_dir, read_esco_dir_with,
    read_esco_occupation_skills, read_esco_skills,
};
use rongtong_catalog::{RequirementKind, SkillLevel, SkillRelation, SkillRelationKind, SkillType};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../registry/demo/esco-sample");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

const S: &str = "http://data.europa.eu/esco/skill/";
const CASTING_OPERATOR: &str = "http://data.europa.eu/esco/occupation/25206eaa-04da-4fd6-bac7-173d7eb142dc";

/// The sample plus the three relation fixtures, in one temporary directory.
fn full_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for src in [SAMPLE, FIXTURES] {
        for entry in fs::read_dir(src).expect("fixture dir") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "csv") {
                fs::copy(&path, dir.path().join(path.file_name().expect("name"))).expect("copy");
            }
        }
    }
    dir
}

#[test]
fn sample_skills_and_occupations() {
    let bundle = read_esco_dir(Path::new(SAMPLE)).unwrap();
    assert!(bundle.errors.is_empty(), "{:#?}", bundle.errors);
    assert_eq!(bundle.files, ["skills_en.csv", "occupations_en.csv"]);
    assert_eq!(bundle.skills.len(), 26);
    assert_eq!(bundle.occupations.len(), 5);
    assert!(bundle.relations.is_empty());

    let casting = &bundle.skills[0];
    assert_eq!(casting.uri.as_deref(), Some("http://data.europa.eu/esco/skill/e17d2415-e79f-4907-908e-5511b515fa3c"));
    assert_eq!(casting.framework, "esco");
    assert_eq!(casting.label_en.as_deref(), Some("casting processes"));
    assert_eq!(casting.label_zh, None);
    assert_eq!(casting.skill_type, SkillType::Knowledge);
    assert_eq!(casting.status, "released");
    assert_eq!(bundle.skills[1].skill_type, SkillType::SkillCompetence);
    assert_eq!(bundle.occupations[0].uri.as_deref(), Some(CASTING_OPERATOR));
    assert_eq!(bundle.occupations[0].label_en.as_deref(), Some("casting machine operator"));

    // The bundle can feed the resolver used by the course import.
    let index = SkillIndex::from_skills(&bundle.skills);
    assert_eq!(index.resolve("troubleshoot"), Resolution::Found(format!("{S}334e3e49-fb02-4051-809a-f06adfdc1c40")));
}

#[test]
fn multiline_alt_labels_become_separate_labels() {
    let csv = "conceptType,conceptUri,skillType,reuseLevel,preferredLabel,altLabels,description\r\n\
               KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/x1,knowledge,sector-specific,casting processes,\"casting\r\nfounding\n metal casting \",Pouring metal.\r\n\
               KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/x2,skill/competence,,troubleshoot,,\r\n\
               KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/x3,craft,,bad type,,\r\n";
    let outcome = read_esco_skills(csv.as_bytes(), &EscoOptions::default()).unwrap();
    assert_eq!(outcome.rows.len(), 2, "{:#?}", outcome.errors);
    let (row, skill) = &outcome.rows[0];
    assert_eq!(*row, 2);
    assert_eq!(skill.alt_labels, ["casting", "founding", "metal casting"]);
    assert_eq!(skill.reuse_level.as_deref(), Some("sector-specific"));
    assert_eq!(skill.description.as_deref(), Some("Pouring metal."));
    assert_eq!(outcome.rows[1].0, 3, "the multi-line cell does not shift the next row");
    assert_eq!(outcome.errors.len(), 1);
    assert_eq!((outcome.errors[0].row, outcome.errors[0].column.as_str()), (4, "skillType"));
}

#[test]
fn columns_are_found_by_name_not_position() {
    let csv = "preferredLabel,extraColumn,skillType,conceptUri\nrobotics,whatever,knowledge,http://data.europa.eu/esco/skill/r\n";
    let outcome = read_esco_skills(csv.as_bytes(), &EscoOptions::default()).unwrap();
    assert!(outcome.errors.is_empty(), "{:#?}", outcome.errors);
    assert_eq!(outcome.rows[0].1.label_en.as_deref(), Some("robotics"));
    assert_eq!(outcome.rows[0].1.uri.as_deref(), Some("http://data.europa.eu/esco/skill/r"));
}

#[test]
fn full_directory_with_relations() {
    let dir = full_dir();
    let bundle = read_esco_dir(dir.path()).unwrap();
    assert!(bundle.errors.is_empty(), "{:#?}", bundle.errors);
    assert_eq!(bundle.files.len(), 5);

    let operator = bundle.occupations.iter().find(|o| o.uri.as_deref() == Some(CASTING_OPERATOR)).unwrap();
    // Six rows in the fixture, one a duplicate (casting processes, optional) of an essential one.
    assert_eq!(operator.skills.len(), 5);
    let casting = operator.skills.iter().find(|s| s.skill.ends_with("e17d2415-e79f-4907-908e-5511b515fa3c")).unwrap();
    assert_eq!(casting.kind, RequirementKind::Essential, "essential wins over optional");
    assert!(operator.skills.iter().all(|s| s.min_level == SkillLevel::L4), "default level is L4");
    assert_eq!(operator.skills.iter().filter(|s| s.kind == RequirementKind::Optional).count(), 1);
    assert_eq!(bundle.occupations.iter().map(|o| o.skills.len()).sum::<usize>(), 19);
    for occupation in &bundle.occupations {
        assert!(occupation.validate().is_ok(), "{occupation:?}");
    }

    let broader: Vec<&SkillRelation> = bundle.relations.iter().filter(|r| r.kind == SkillRelationKind::Broader).collect();
    assert_eq!(broader.len(), 2, "only skill → skill rows; the three skill-group rows are skipped");
    assert_eq!(bundle.skipped, 3);
    assert_eq!(
        broader[0],
        &SkillRelation {
            from: format!("{S}7a950986-27fe-4b6c-adf3-88f211e77019"),
            kind: SkillRelationKind::Broader,
            to: format!("{S}e87ec79a-c9ff-46f5-84fa-7a0f394cdf40"),
        }
    );
    let related = bundle.relations.iter().filter(|r| r.kind == SkillRelationKind::Related).count();
    assert_eq!(related, 4);
}

#[test]
fn min_level_and_framework_are_parameters() {
    let dir = full_dir();
    let options = EscoOptions { framework: "esco-1.2".into(), min_level: SkillLevel::L3 };
    let bundle = read_esco_dir_with(dir.path(), &options).unwrap();
    assert!(bundle.skills.iter().all(|s| s.framework == "esco-1.2"));
    assert!(bundle.occupations.iter().flat_map(|o| &o.skills).all(|s| s.min_level == SkillLevel::L3));
}

#[test]
fn relations_to_unknown_skills_or_occupations_are_row_errors() {
    let dir = full_dir();
    let extra = format!(
        "\nhttp://data.europa.eu/esco/occupation/nope,essential,knowledge,{S}e17d2415-e79f-4907-908e-5511b515fa3c\n\
         {CASTING_OPERATOR},essential,knowledge,{S}not-in-the-file\n\
         {CASTING_OPERATOR},sometimes,knowledge,{S}e17d2415-e79f-4907-908e-5511b515fa3c\n"
    );
    let path = dir.path().join("occupationSkillRelations_en.csv");
    let mut text = fs::read_to_string(&path).unwrap();
    text.push_str(extra.trim_start_matches('\n'));
    fs::write(&path, text).unwrap();
    let bundle = read_esco_dir(dir.path()).unwrap();
    let found: Vec<(&str, usize, &str)> = bundle.errors.iter().map(|e| (e.file.as_str(), e.error.row, e.error.column.as_str())).collect();
    assert_eq!(
        found,
        vec![
            ("occupationSkillRelations_en.csv", 22, "occupationUri"),
            ("occupationSkillRelations_en.csv", 23, "skillUri"),
            ("occupationSkillRelations_en.csv", 24, "relationType"),
        ]
    );
}

#[test]
fn relations_without_occupations_file_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(PathBuf::from(FIXTURES).join("occupationSkillRelations_en.csv"), dir.path().join("occupationSkillRelations_en.csv")).unwrap();
    assert!(matches!(read_esco_dir(dir.path()), Err(EscoError::MissingDependency { .. })));
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(read_esco_dir(empty.path()), Err(EscoError::NoFiles { .. })));
}

#[test]
fn per_file_readers_accept_any_reader() {
    let file = fs::File::open(PathBuf::from(FIXTURES).join("broaderRelationsSkillPillar_en.csv")).unwrap();
    let outcome = read_esco_broader_relations(file).unwrap();
    assert_eq!(outcome.rows.len(), 2);
    assert_eq!(outcome.skipped, 3);
    let bad = "occupationUri,relationType,skillUri\nnot a uri,essential,http://x/s\n";
    let outcome = read_esco_occupation_skills(bad.as_bytes(), &EscoOptions::default()).unwrap();
    assert_eq!(outcome.errors.len(), 1);
    assert_eq!((outcome.errors[0].row, outcome.errors[0].column.as_str()), (2, "occupationUri"));
}
