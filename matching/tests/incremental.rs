//! Property tests of `SkillsGraph::with_learners`: applying learner changes to a built graph
//! answers every query exactly as a graph built from scratch with the changed learners.

use proptest::prelude::*;
use rongtong_catalog::{CourseSkill, RegionLevel, RequirementKind, SkillLevel, SkillRelationKind, SkillRequirement};
use rongtong_matching::{BuildError, CourseSpec, DemandSpec, EvidenceKind, GraphBuilder, LearnerSpec, SkillsGraph, Target, VerifiedSkill};

const SKILLS: usize = 8;
const COURSES: usize = 5;
const REGIONS: [&str; 3] = ["360300", "360321", "440300"];
const KINDS: [EvidenceKind; 3] = [EvidenceKind::Completion, EvidenceKind::TrainingCertificate, EvidenceKind::SkillCertificate];

fn uri(i: usize) -> String {
    format!("https://ex.cn/skills/{i}")
}

fn course(i: usize) -> String {
    format!("C{i}")
}

fn lv(n: u8) -> SkillLevel {
    SkillLevel::try_from(i32::from(n)).unwrap_or(SkillLevel::LOWEST)
}

/// A fixed catalog: a few relations (so credit flows through exact, narrower and related
/// matches), courses and three demand items, one without essential requirements.
fn catalog(b: &mut GraphBuilder) -> Result<(), BuildError> {
    for i in 0..SKILLS {
        b.add_skill(&uri(i));
    }
    b.add_relation(&uri(1), SkillRelationKind::ExactMatch, &uri(2))?;
    b.add_relation(&uri(3), SkillRelationKind::Broader, &uri(4))?;
    b.add_relation(&uri(5), SkillRelationKind::Related, &uri(6))?;
    for i in 0..COURSES {
        b.add_course(&CourseSpec {
            id: course(i),
            provider: None,
            region: Some(REGIONS[i % 3].into()),
            hours: 8.0 * (i + 1) as f64,
            credits: 1.0,
            published: true,
            teaches: vec![
                CourseSkill { skill: uri(i), level: lv(3), weight: 1.0 },
                CourseSkill { skill: uri(i + 3), level: lv(4), weight: 1.0 },
            ],
            prerequisites: if i > 0 { vec![course(i - 1)] } else { vec![] },
        })?;
    }
    let req = |s: usize, essential: bool, l: u8| SkillRequirement {
        skill: uri(s),
        kind: if essential { RequirementKind::Essential } else { RequirementKind::Optional },
        min_level: lv(l),
    };
    b.add_demand(&DemandSpec {
        id: "D0".into(),
        region: "360300".into(),
        headcount: 2,
        published: true,
        requirements: vec![req(1, true, 3), req(4, true, 4), req(6, false, 2)],
    })?;
    b.add_demand(&DemandSpec {
        id: "D1".into(),
        region: "360000".into(),
        headcount: 1,
        published: true,
        requirements: vec![req(0, false, 2), req(7, false, 5)],
    })?;
    b.add_demand(&DemandSpec {
        id: "D2".into(),
        region: "440300".into(),
        headcount: 1,
        published: true,
        requirements: vec![req(2, true, 1)],
    })?;
    Ok(())
}

fn build(learners: &[LearnerSpec]) -> SkillsGraph {
    build_in_blocks(learners, 2048)
}

/// A full build whose learner store keeps `block` learners per block: with tiny blocks an
/// update spans several blocks and soon folds its delta into new base postings.
fn build_in_blocks(learners: &[LearnerSpec], block: usize) -> SkillsGraph {
    let mut b = GraphBuilder::new();
    b.learner_block_size(block);
    catalog(&mut b).expect("catalog");
    for l in learners {
        b.add_learner(l).expect("learner");
    }
    b.build().expect("build")
}

fn learner() -> impl Strategy<Value = LearnerSpec> {
    (
        0usize..12,
        0usize..REGIONS.len(),
        any::<bool>(),
        prop::collection::vec((0..SKILLS, 1u8..=5, 0..KINDS.len(), 0u8..3), 0..6),
        prop::collection::vec(0..COURSES, 0..3),
    )
        .prop_map(|(id, region, opted, skills, done)| LearnerSpec {
            id: format!("L{id:02}"),
            region: REGIONS[region].into(),
            opted_in_to_be_found: opted,
            skills: skills
                .into_iter()
                .map(|(s, l, k, e)| VerifiedSkill { skill: uri(s), level: lv(l), evidence: format!("ev{e}"), kind: KINDS[k] })
                .collect(),
            completed_courses: done.into_iter().map(course).collect(),
        })
}

/// Learners with distinct ids.
fn learners() -> impl Strategy<Value = Vec<LearnerSpec>> {
    prop::collection::vec(learner(), 0..10).prop_map(|mut v| {
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v.dedup_by(|a, b| a.id == b.id);
        v
    })
}

/// Every answer that reads learner data, as JSON so any difference shows.
fn answers(g: &SkillsGraph, ids: &[String]) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for d in ["D0", "D1", "D2"] {
        out.push(serde_json::to_value(g.rank_candidates(Target::Demand(d), 20).expect("rank")).expect("json"));
        for id in ids {
            out.push(match g.learner_gap(id, Target::Demand(d)) {
                Ok(gap) => serde_json::to_value(gap).expect("json"),
                Err(e) => serde_json::Value::String(e.to_string()),
            });
        }
    }
    for level in [RegionLevel::Province, RegionLevel::City, RegionLevel::County] {
        out.push(serde_json::to_value(g.supply_and_demand(None, level, true).expect("supply")).expect("json"));
    }
    out.push(serde_json::json!(g.learner_count()));
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Upserting and removing learners on a built graph gives the graph a full build of the
    /// resulting learner set gives, for rankings, gaps and supply.
    #[test]
    fn with_learners_equals_full_build(
        before in learners(),
        upserts in learners(),
        removals in prop::collection::vec(0usize..12, 0..4),
        block in prop::sample::select(vec![1usize, 2, 4, 2048]),
    ) {
        let removals: Vec<String> = removals.into_iter().map(|i| format!("L{i:02}")).collect();
        let old = build_in_blocks(&before, block);
        let removal_refs: Vec<&str> = removals.iter().map(String::as_str).collect();
        let updated = old.with_learners(&upserts, &removal_refs).expect("update");

        // The expected learner set: before, minus removals and replaced ids, plus upserts.
        let mut expected: Vec<LearnerSpec> = before
            .iter()
            .filter(|l| !removals.contains(&l.id) && !upserts.iter().any(|u| u.id == l.id))
            .cloned()
            .collect();
        expected.extend(upserts.iter().cloned());
        let fresh = build(&expected);

        let ids: Vec<String> = (0..12).map(|i| format!("L{i:02}")).collect();
        prop_assert_eq!(answers(&updated, &ids), answers(&fresh, &ids));
        // The old graph is untouched.
        prop_assert_eq!(answers(&old, &ids), answers(&build(&before), &ids));
    }

    /// Applying changes one at a time or all at once ends in the same graph; and a chain of
    /// updates with removals and re-additions (each reusing or adding slots, stacking deltas
    /// or folding them into new base postings) answers as a full build of the end state.
    #[test]
    fn updates_compose(
        before in learners(),
        a in learners(),
        b in learners(),
        c in learners(),
        removals in prop::collection::vec(0usize..12, 0..4),
        block in prop::sample::select(vec![1usize, 2, 4, 2048]),
    ) {
        let g = build_in_blocks(&before, block);
        let stepwise = g.with_learners(&a, &[]).expect("a").with_learners(&b, &[]).expect("b");
        let mut merged: Vec<LearnerSpec> = a.iter().filter(|l| !b.iter().any(|x| x.id == l.id)).cloned().collect();
        merged.extend(b.iter().cloned());
        let at_once = g.with_learners(&merged, &[]).expect("merged");
        let ids: Vec<String> = (0..12).map(|i| format!("L{i:02}")).collect();
        prop_assert_eq!(answers(&stepwise, &ids), answers(&at_once, &ids));

        let removals: Vec<String> = removals.into_iter().map(|i| format!("L{i:02}")).collect();
        let removal_refs: Vec<&str> = removals.iter().map(String::as_str).collect();
        let chained = stepwise.with_learners(&[], &removal_refs).expect("removals").with_learners(&c, &[]).expect("c");
        let mut expected = apply(&before, &a);
        expected = apply(&expected, &b);
        expected.retain(|l| !removals.contains(&l.id));
        expected = apply(&expected, &c);
        prop_assert_eq!(answers(&chained, &ids), answers(&build(&expected), &ids));
    }
}

/// `set` with `upserts` replacing or adding learners by id.
fn apply(set: &[LearnerSpec], upserts: &[LearnerSpec]) -> Vec<LearnerSpec> {
    let mut out: Vec<LearnerSpec> = set.iter().filter(|l| !upserts.iter().any(|u| u.id == l.id)).cloned().collect();
    out.extend(upserts.iter().cloned());
    out
}

/// A change naming an unknown skill or course is refused, as a full build refuses it, and
/// two upserts of one id are a duplicate.
#[test]
fn bad_changes_are_refused() {
    let g = build(&[]);
    let mut l =
        LearnerSpec { id: "L00".into(), region: "360300".into(), opted_in_to_be_found: true, skills: vec![], completed_courses: vec![] };
    assert!(g.with_learners(std::slice::from_ref(&l), &[]).is_ok());
    l.completed_courses = vec!["nope".into()];
    assert!(matches!(g.with_learners(std::slice::from_ref(&l), &[]), Err(BuildError::UnknownCourse { .. })));
    l.completed_courses.clear();
    l.skills = vec![VerifiedSkill {
        skill: "https://ex.cn/nope".into(),
        level: SkillLevel::L3,
        evidence: "x".into(),
        kind: EvidenceKind::SkillCertificate,
    }];
    assert!(matches!(g.with_learners(std::slice::from_ref(&l), &[]), Err(BuildError::UnknownSkill { .. })));
    l.skills.clear();
    assert!(matches!(g.with_learners(&[l.clone(), l], &[]), Err(BuildError::DuplicateId { .. })));
}
