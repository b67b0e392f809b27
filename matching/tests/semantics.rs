//! Satisfaction semantics and operation behaviour on hand-built examples, one rule per test,
//! as `docs/MATCHING.md` states them.

use rongtong_catalog::{CourseSkill, RegionLevel, RequirementKind, SkillLevel, SkillRelationKind, SkillRequirement};
use rongtong_matching::{
    BuildError, CostBy, CourseSelection, CourseSpec, CoverageStatus, DemandSelection, DemandSpec, EvidenceKind, GraphBuilder, LearnerSpec,
    PathMethod, QueryError, SkillNeed, SkillsGraph, Status, Target, Unclosable, VerifiedSkill, Via,
};

const ESCO_PLC: &str = "http://data.europa.eu/esco/skill/plc";
const GB_PLC: &str = "https://rongtong.cn/skills/gb-plc";
const SIEMENS_PLC: &str = "https://rongtong.cn/skills/siemens-plc";
const CLOSE_PLC: &str = "https://rongtong.cn/skills/dcs";
const RELATED: &str = "https://rongtong.cn/skills/electrics";
const BROADER: &str = "https://rongtong.cn/skills/automation";
const PREREQ: &str = "https://rongtong.cn/skills/circuits";
const OTHER: &str = "https://rongtong.cn/skills/welding";

fn taxonomy() -> GraphBuilder {
    let mut b = GraphBuilder::new();
    for s in [ESCO_PLC, GB_PLC, SIEMENS_PLC, CLOSE_PLC, RELATED, BROADER, PREREQ, OTHER] {
        b.add_skill(s);
    }
    let rel = |b: &mut GraphBuilder, from: &str, k, to: &str| b.add_relation(from, k, to).expect("known skills");
    rel(&mut b, GB_PLC, SkillRelationKind::ExactMatch, ESCO_PLC);
    rel(&mut b, SIEMENS_PLC, SkillRelationKind::Broader, ESCO_PLC); // Siemens PLC is narrower
    rel(&mut b, ESCO_PLC, SkillRelationKind::CloseMatch, CLOSE_PLC);
    rel(&mut b, RELATED, SkillRelationKind::Related, ESCO_PLC);
    rel(&mut b, ESCO_PLC, SkillRelationKind::Broader, BROADER); // PLC is narrower than automation
    rel(&mut b, ESCO_PLC, SkillRelationKind::Prerequisite, PREREQ);
    b
}

fn learner(id: &str, skills: &[(&str, SkillLevel)]) -> LearnerSpec {
    LearnerSpec {
        id: id.into(),
        region: "360300".into(),
        opted_in_to_be_found: true,
        skills: skills
            .iter()
            .map(|&(s, level)| VerifiedSkill {
                skill: s.into(),
                level,
                evidence: format!("cert:{id}:{s}"),
                kind: EvidenceKind::SkillCertificate,
            })
            .collect(),
        completed_courses: vec![],
    }
}

fn essential(skill: &str, level: SkillLevel) -> SkillRequirement {
    SkillRequirement { skill: skill.into(), kind: RequirementKind::Essential, min_level: level }
}

/// One learner holding `held`, judged against an essential ESCO PLC requirement at `req`.
fn judge(held: &[(&str, SkillLevel)], req: SkillLevel) -> rongtong_matching::LearnerGap {
    let mut b = taxonomy();
    b.add_learner(&learner("l", held)).expect("valid learner");
    let g = b.build().expect("valid graph");
    g.learner_gap("l", Target::Requirements(&[essential(ESCO_PLC, req)])).expect("known learner")
}

fn outcome(gap: &rongtong_matching::LearnerGap) -> &rongtong_matching::RequirementOutcome {
    gap.met.first().or(gap.missing.first()).expect("one requirement")
}

#[test]
fn level_one_beats_level_three() {
    let gap = judge(&[(ESCO_PLC, SkillLevel::L1)], SkillLevel::L3);
    assert!(gap.qualifies);
    assert_eq!(outcome(&gap).status, Status::Met);
    assert_eq!(outcome(&gap).matched.as_ref().map(|m| m.evidence.clone()), Some(Some(format!("cert:l:{ESCO_PLC}"))));
}

#[test]
fn level_three_does_not_meet_level_one_and_reports_the_shortfall() {
    let gap = judge(&[(ESCO_PLC, SkillLevel::L3)], SkillLevel::L1);
    assert!(!gap.qualifies);
    let o = outcome(&gap);
    assert_eq!(o.status, Status::Partial);
    assert_eq!(o.credit, 0.6); // rank 3 of 5
    assert_eq!(gap.shortfalls.len(), 1);
    assert_eq!(gap.shortfalls[0].steps, 2);
    assert_eq!(gap.shortfalls[0].held, SkillLevel::L3);
}

#[test]
fn exact_match_counts_fully() {
    let gap = judge(&[(GB_PLC, SkillLevel::L2)], SkillLevel::L3);
    assert!(gap.qualifies);
    let m = outcome(&gap).matched.clone().expect("matched");
    assert_eq!((m.skill.as_str(), m.via), (GB_PLC, Via::ExactMatch));
}

#[test]
fn exact_match_is_symmetric() {
    let mut b = taxonomy();
    b.add_learner(&learner("l", &[(ESCO_PLC, SkillLevel::L3)])).expect("valid");
    let g = b.build().expect("valid");
    let gap = g.learner_gap("l", Target::Requirements(&[essential(GB_PLC, SkillLevel::L3)])).expect("known");
    assert!(gap.qualifies);
}

#[test]
fn close_match_is_partial_only_even_at_the_highest_level() {
    let gap = judge(&[(CLOSE_PLC, SkillLevel::L1)], SkillLevel::L5);
    assert!(!gap.qualifies, "partial credit never meets an essential requirement");
    let o = outcome(&gap);
    assert_eq!((o.status, o.credit), (Status::Partial, 0.5));
    assert_eq!(o.matched.as_ref().map(|m| m.via), Some(Via::CloseMatch));
}

#[test]
fn narrower_is_half_and_related_a_quarter() {
    assert_eq!(outcome(&judge(&[(SIEMENS_PLC, SkillLevel::L3)], SkillLevel::L3)).credit, 0.5);
    assert_eq!(outcome(&judge(&[(RELATED, SkillLevel::L3)], SkillLevel::L3)).credit, 0.25);
    // Below the level, partial credit shrinks further: related at rank 1 for a rank-3 requirement.
    assert_eq!(outcome(&judge(&[(RELATED, SkillLevel::L5)], SkillLevel::L3)).credit, 0.083);
}

#[test]
fn broader_prerequisite_and_unrelated_skills_give_nothing() {
    for s in [BROADER, PREREQ, OTHER] {
        let gap = judge(&[(s, SkillLevel::L1)], SkillLevel::L5);
        assert_eq!(outcome(&gap).status, Status::Missing, "{s}");
        assert_eq!(outcome(&gap).credit, 0.0);
    }
}

#[test]
fn the_best_source_wins_and_partial_credits_do_not_add_up() {
    let gap = judge(&[(CLOSE_PLC, SkillLevel::L1), (SIEMENS_PLC, SkillLevel::L1), (RELATED, SkillLevel::L1)], SkillLevel::L3);
    assert_eq!(outcome(&gap).credit, 0.5);
    assert!(!gap.qualifies);
    // The skill itself below level (rank 2 of 3 = 0.666) beats a close match (0.5).
    let gap = judge(&[(CLOSE_PLC, SkillLevel::L1), (ESCO_PLC, SkillLevel::L4)], SkillLevel::L3);
    assert_eq!(outcome(&gap).matched.as_ref().map(|m| m.via), Some(Via::Direct));
}

fn course(id: &str, hours: f64, teaches: &[(&str, SkillLevel)], pre: &[&str], published: bool) -> CourseSpec {
    CourseSpec {
        id: id.into(),
        provider: Some("pvtc".into()),
        region: Some("360300".into()),
        hours,
        credits: hours / 16.0,
        published,
        teaches: teaches.iter().map(|&(s, level)| CourseSkill { skill: s.into(), level, weight: 1.0 }).collect(),
        prerequisites: pre.iter().map(|p| p.to_string()).collect(),
    }
}

fn catalog() -> SkillsGraph {
    let mut b = taxonomy();
    b.add_course(&course("a-basics", 10.0, &[(PREREQ, SkillLevel::L4)], &[], true)).expect("valid");
    b.add_course(&course("b-plc", 20.0, &[(GB_PLC, SkillLevel::L3)], &["a-basics"], true)).expect("valid");
    b.add_course(&course("c-close", 5.0, &[(CLOSE_PLC, SkillLevel::L1)], &[], true)).expect("valid");
    b.add_course(&course("d-draft", 1.0, &[(OTHER, SkillLevel::L1)], &[], false)).expect("valid");
    b.add_course(&course("e-weld", 8.0, &[(OTHER, SkillLevel::L3)], &["d-draft"], true)).expect("valid");
    b.add_demand(&DemandSpec {
        id: "d1".into(),
        region: "360302".into(),
        headcount: 4,
        published: true,
        requirements: vec![essential(ESCO_PLC, SkillLevel::L3), essential(BROADER, SkillLevel::L4)],
    })
    .expect("valid");
    b.add_demand(&DemandSpec {
        id: "d2".into(),
        region: "440300".into(),
        headcount: 100,
        published: true,
        requirements: vec![essential(OTHER, SkillLevel::L4)],
    })
    .expect("valid");
    b.add_demand(&DemandSpec {
        id: "d3".into(),
        region: "360000".into(),
        headcount: 50,
        published: false,
        requirements: vec![essential(OTHER, SkillLevel::L4)],
    })
    .expect("valid");
    b.add_learner(&learner("l", &[])).expect("valid");
    b.build().expect("valid")
}

#[test]
fn path_uses_exact_matches_prerequisites_and_reports_what_it_cannot_close() {
    let g = catalog();
    let gap = [
        SkillNeed { skill: ESCO_PLC.into(), level: SkillLevel::L3 },
        SkillNeed { skill: OTHER.into(), level: SkillLevel::L3 },
        SkillNeed { skill: CLOSE_PLC.into(), level: SkillLevel::L1 },
        SkillNeed { skill: BROADER.into(), level: SkillLevel::L5 },
        SkillNeed { skill: PREREQ.into(), level: SkillLevel::L1 },
    ];
    let p = g.learning_path(&gap, &[], CostBy::Hours).expect("known skills");
    let order: Vec<&str> = p.steps.iter().map(|s| s.course.as_str()).collect();
    assert_eq!(order, ["a-basics", "b-plc", "c-close"]);
    assert_eq!(p.total_cost, 35.0);
    assert_eq!(p.method, PathMethod::Exact);
    assert_eq!(p.steps[1].closes[0].skill, ESCO_PLC);
    assert_eq!(p.steps[0].required_by, ["b-plc"]);
    assert_eq!(p.unclosable.len(), 3);
    assert!(matches!(&p.unclosable[0], Unclosable::PrerequisitesUnavailable { course, .. } if course == "e-weld"));
    assert!(matches!(&p.unclosable[1], Unclosable::NotTaught { skill, .. } if skill == BROADER));
    assert!(matches!(&p.unclosable[2], Unclosable::OnlyBelowLevel { best_taught: SkillLevel::L4, .. }));
    // A completed prerequisite is not taken again and costs nothing.
    let p = g.learning_path(&gap[..1], &["a-basics"], CostBy::Hours).expect("known");
    assert_eq!(p.steps.len(), 1);
    assert_eq!(p.total_cost, 20.0);
    // A completed course that closes the need is reported, not proposed again.
    let p = g.learning_path(&gap[..1], &["a-basics", "b-plc"], CostBy::Hours).expect("known");
    assert!(p.steps.is_empty());
    assert!(matches!(&p.unclosable[0], Unclosable::AlreadyCompleted { course, .. } if course == "b-plc"));
}

#[test]
fn coverage_counts_published_demand_inside_the_region_only() {
    let g = catalog();
    let cov = g.demand_coverage(DemandSelection::Region("360000"), 10).expect("valid");
    assert_eq!(cov.demand_items, ["d1"], "d3 is unpublished, d2 is in Shenzhen");
    assert_eq!(cov.total_headcount, 4, "people");
    assert_eq!(cov.demanded_positions_skills, 8, "4 people × 2 skills");
    assert_eq!(cov.taught_positions_skills, 4);
    let plc = &cov.skills.iter().find(|s| s.skill == ESCO_PLC).expect("row");
    assert_eq!(plc.status, CoverageStatus::Taught);
    assert_eq!(plc.full[0].course, "b-plc");
    assert_eq!(plc.partial[0].course, "c-close");
    assert_eq!(cov.gaps[0].skill, BROADER);
    let by_items = g.demand_coverage(DemandSelection::Items(&["d2", "d3"]), 10).expect("known");
    assert_eq!(by_items.total_headcount, 150);
    assert_eq!(by_items.taught_share, 1.0);
    assert!(matches!(g.demand_coverage(DemandSelection::Region("36"), 1), Err(QueryError::InvalidRegion(_))));
}

#[test]
fn alignment_and_supply() {
    let g = catalog();
    let a = g.curriculum_alignment(CourseSelection::Provider("pvtc"), "360000").expect("valid");
    assert_eq!(a.courses, ["a-basics", "b-plc", "c-close", "e-weld"], "d-draft is unpublished");
    assert_eq!(a.covered_share, 0.5);
    assert_eq!((a.total_headcount, a.demanded_positions_skills, a.covered_positions_skills), (4, 8, 4));
    let not_demanded: Vec<&str> = a.taught_not_demanded.iter().map(|t| t.skill.as_str()).collect();
    assert_eq!(not_demanded, [PREREQ, OTHER]); // CLOSE_PLC earns partial credit: it is demanded through a relation
    let sd = g.supply_and_demand(None, RegionLevel::Province, false).expect("valid");
    let regions: Vec<(&str, &str, u64)> = sd.rows.iter().map(|r| (r.region.as_str(), r.skill.as_str(), r.demanded_headcount)).collect();
    // Same headcount: by skill URI ("http://…" sorts before "https://…").
    assert_eq!(regions, [("360000", ESCO_PLC, 4), ("360000", BROADER, 4), ("440000", OTHER, 100)]);
}

#[test]
fn build_rejects_bad_references() {
    let mut b = taxonomy();
    assert!(matches!(b.add_relation(ESCO_PLC, SkillRelationKind::Related, "urn:x"), Err(BuildError::UnknownSkill { .. })));
    b.add_course(&course("x", 1.0, &[], &["y"], true)).expect("forward reference is fine until build");
    b.add_course(&course("y", 1.0, &[], &["x"], true)).expect("valid");
    let err = b.build().expect_err("x and y require each other");
    assert!(matches!(&err, BuildError::PrerequisiteCycle { course, cycle } if course == "x" && cycle == &["x", "y", "x"]), "{err:?}");
    assert_eq!(err.to_string(), "course prerequisites form a cycle: x → y → x");
    let mut b = taxonomy();
    b.add_learner(&learner("same", &[])).expect("valid");
    b.add_learner(&learner("same", &[])).expect("valid");
    assert!(matches!(b.build(), Err(BuildError::DuplicateId { kind: "learner", .. })));
    let mut b = taxonomy();
    assert!(matches!(b.add_course(&course("neg", -1.0, &[], &[], true)), Err(BuildError::InvalidCost { .. })));
}

#[test]
fn results_serialize_with_their_reasons() {
    let g = catalog();
    let p = g.learning_path(&[SkillNeed { skill: ESCO_PLC.into(), level: SkillLevel::L3 }], &[], CostBy::Credits).expect("ok");
    let json = serde_json::to_value(&p).expect("serializable");
    assert_eq!(json["steps"][1]["closes"][0]["skill"], ESCO_PLC);
    assert_eq!(json["cost_by"], "credits");
    assert_eq!(json["method"], "exact");
}

#[test]
fn synthetic_data_is_deterministic_and_every_operation_runs_on_it() {
    use rongtong_matching::synth::{self, SynthConfig};
    let cfg = SynthConfig::small(7);
    let a = synth::graph(&cfg).expect("synthetic data is valid");
    let b = synth::graph(&cfg).expect("synthetic data is valid");
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
    let reqs = synth::requirements(&cfg, 1, 10, 4);
    let ra = a.rank_candidates(Target::Requirements(&reqs), 20).expect("ranking");
    assert_eq!(ra, b.rank_candidates(Target::Requirements(&reqs), 20).expect("ranking"));
    assert!(!ra.candidates.is_empty());
    for w in ra.candidates.windows(2) {
        assert!((w[0].score.key, std::cmp::Reverse(&w[0].learner)) > (w[1].score.key, std::cmp::Reverse(&w[1].learner)));
    }
    let gap = synth::gap(&cfg, 2, 12);
    let pa = a.learning_path(&gap, &[], CostBy::Hours).expect("path");
    assert_eq!(pa, b.learning_path(&gap, &[], CostBy::Hours).expect("path"));
    assert_eq!(
        pa.gap.len(),
        pa.steps.iter().flat_map(|s| &s.closes).map(|n| &n.skill).collect::<std::collections::BTreeSet<_>>().len() + pa.unclosable.len()
    );
    let learner = synth::learner_id(3);
    assert!(a.learner_gap(&learner, Target::Demand(&synth::demand_id(0))).is_ok());
    assert!(a.learning_path_for(&learner, Target::Demand(&synth::demand_id(0)), CostBy::Credits, true).is_ok());
    let cov = a.demand_coverage(DemandSelection::Region("360000"), 5).expect("coverage");
    assert!(cov.taught_share >= 0.0 && cov.taught_share <= 1.0);
    assert!(a.curriculum_alignment(CourseSelection::Provider("P001"), "110000").is_ok());
    assert!(!a.supply_and_demand(None, RegionLevel::Province, true).expect("supply").rows.is_empty());
    assert!(a.heap_bytes() > 0);
}

/// A learner with one skill proven by a certificate and one by a bare completion.
fn mixed_learner(id: &str, cert: (&str, SkillLevel), completion: (&str, SkillLevel)) -> LearnerSpec {
    let mut l = learner(id, &[cert]);
    l.skills.push(VerifiedSkill {
        skill: completion.0.into(),
        level: completion.1,
        evidence: format!("completion:{id}:{}", completion.0),
        kind: EvidenceKind::Completion,
    });
    l
}

#[test]
fn ranking_scores_credentials_only_and_shows_completions_as_no_certificate_yet() {
    let mut b = taxonomy();
    // ann: PLC by certificate, welding by a completion without certificate.
    b.add_learner(&mixed_learner("ann", (ESCO_PLC, SkillLevel::L3), (OTHER, SkillLevel::L3))).expect("valid");
    // bo: PLC at level 4 by certificate, and at level 2 by a later completion.
    b.add_learner(&mixed_learner("bo", (ESCO_PLC, SkillLevel::L4), (ESCO_PLC, SkillLevel::L2))).expect("valid");
    let g = b.build().expect("valid graph");
    let reqs = [essential(ESCO_PLC, SkillLevel::L3), essential(OTHER, SkillLevel::L4)];
    let r = g.rank_candidates(Target::Requirements(&reqs), 10).expect("ranking");
    let ids: Vec<&str> = r.candidates.iter().map(|c| c.learner.as_str()).collect();
    assert_eq!(ids, ["ann", "bo"]);
    let ann = &r.candidates[0];
    assert_eq!(ann.score.essential_met, 1, "welding by completion does not score");
    let weld = &ann.breakdown[1];
    assert_eq!((weld.status, weld.credit), (Status::Missing, 0.0));
    let pending = weld.no_certificate_yet.as_ref().expect("shown as no certificate yet");
    assert_eq!(
        (pending.kind, pending.evidence.as_deref()),
        (Some(EvidenceKind::Completion), Some("completion:ann:https://rongtong.cn/skills/welding"))
    );
    assert_eq!(ann.breakdown[0].matched.as_ref().and_then(|m| m.kind), Some(EvidenceKind::SkillCertificate));
    assert!(ann.breakdown[0].no_certificate_yet.is_none());
    // bo's certificate is below the level; the higher completion is shown, not scored.
    let bo = &r.candidates[1];
    assert_eq!(bo.score.essential_met, 0);
    assert_eq!(bo.breakdown[0].shortfall.as_ref().map(|s| s.held), Some(SkillLevel::L4));
    assert_eq!(bo.breakdown[0].no_certificate_yet.as_ref().map(|e| e.level), Some(SkillLevel::L2));
    // The learner's own gap counts the completions: ann meets both, bo meets PLC.
    let gap = g.learner_gap("ann", Target::Requirements(&reqs)).expect("known");
    assert!(gap.qualifies);
    assert_eq!(gap.met[1].matched.as_ref().and_then(|m| m.kind), Some(EvidenceKind::Completion));
    assert_eq!(g.learner_gap("bo", Target::Requirements(&reqs)).expect("known").essential_met, 1);
    // A learner whose only evidence is an uncertified completion is not a candidate at all.
    let only_weld = g.rank_candidates(Target::Requirements(&reqs[1..]), 10).expect("ranking");
    assert!(only_weld.candidates.is_empty());
}

#[test]
fn same_level_prefers_the_certificate_as_evidence() {
    let mut b = taxonomy();
    b.add_learner(&mixed_learner("cy", (ESCO_PLC, SkillLevel::L3), (ESCO_PLC, SkillLevel::L3))).expect("valid");
    let mut l = learner("dee", &[(ESCO_PLC, SkillLevel::L3)]);
    // Same skill and level, completion listed first: the certificate is still the evidence.
    l.skills.insert(
        0,
        VerifiedSkill { skill: ESCO_PLC.into(), level: SkillLevel::L3, evidence: "completion".into(), kind: EvidenceKind::Completion },
    );
    b.add_learner(&l).expect("valid");
    let g = b.build().expect("valid graph");
    let reqs = [essential(ESCO_PLC, SkillLevel::L3)];
    for id in ["cy", "dee"] {
        let gap = g.learner_gap(id, Target::Requirements(&reqs)).expect("known");
        assert_eq!(gap.met[0].matched.as_ref().and_then(|m| m.kind), Some(EvidenceKind::SkillCertificate), "{id}");
    }
    assert_eq!(g.rank_candidates(Target::Requirements(&reqs), 5).expect("ranking").candidates.len(), 2);
}

/// Walks a JSON value and fails on any negative zero or on a field named `key`.
fn assert_clean(v: &serde_json::Value, path: &str) {
    match v {
        serde_json::Value::Number(n) => assert!(!(n.as_f64() == Some(0.0) && n.to_string().starts_with('-')), "-0 at {path}"),
        serde_json::Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| assert_clean(x, &format!("{path}[{i}]"))),
        serde_json::Value::Object(o) => {
            for (k, x) in o {
                assert_ne!(k, "key", "internal packed key serialised at {path}");
                assert_clean(x, &format!("{path}.{k}"));
            }
        }
        _ => {}
    }
}

#[test]
fn json_has_no_negative_zero_and_no_packed_keys() {
    let mut b = taxonomy();
    // A free course entered as -0.0 hours: it passes validation, and must not print as -0.
    b.add_course(&CourseSpec { credits: -0.0, ..course("free", -0.0, &[(ESCO_PLC, SkillLevel::L3)], &[], true) }).expect("valid");
    b.add_learner(&learner("l", &[(ESCO_PLC, SkillLevel::L4)])).expect("valid");
    b.add_demand(&DemandSpec {
        id: "d".into(),
        region: "360300".into(),
        headcount: 1,
        published: true,
        requirements: vec![essential(ESCO_PLC, SkillLevel::L3), essential(OTHER, SkillLevel::L3)],
    })
    .expect("valid");
    let g = b.build().expect("valid graph");
    let need = [SkillNeed { skill: ESCO_PLC.into(), level: SkillLevel::L3 }];
    let values = [
        serde_json::to_value(g.learning_path(&need, &[], CostBy::Hours).expect("path")),
        serde_json::to_value(g.learning_path(&need, &[], CostBy::Credits).expect("path")),
        serde_json::to_value(g.rank_candidates(Target::Demand("d"), 5).expect("ranking")),
        serde_json::to_value(g.demand_coverage(DemandSelection::Region("360000"), 5).expect("coverage")),
        serde_json::to_value(g.curriculum_alignment(CourseSelection::Provider("pvtc"), "360300").expect("alignment")),
        serde_json::to_value(g.learner_gap("l", Target::Demand("d")).expect("gap")),
        serde_json::to_value(g.supply_and_demand(None, RegionLevel::City, true).expect("supply")),
    ];
    for v in values {
        let v = v.expect("serialisable");
        assert_clean(&v, "$");
    }
    let p = serde_json::to_string(&g.learning_path(&need, &[], CostBy::Hours).expect("path")).expect("json");
    assert!(p.contains("\"total_cost\":0.0"), "{p}");
}
