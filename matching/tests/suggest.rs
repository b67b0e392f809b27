//! Property tests of recognition suggestions (`suggest_sources`, `course_covers`) on small
//! random instances. Expectations are computed independently of the source index: each
//! source's credits are re-derived through `learner_gap` for a learner holding exactly the
//! source's skills (the same satisfaction function, reached through another operation).

use proptest::prelude::*;
use rongtong_catalog::{CourseSkill, RequirementKind, SkillLevel, SkillRelationKind, SkillRequirement};
use rongtong_matching::{
    CourseSpec, EvidenceKind, Exclude, GraphBuilder, LearnerSpec, OccupationSpec, SkillNeed, SkillsGraph, SourceKind, SourceSet,
    SourceSetBuilder, SourceSpec, Status, SuggestTarget, Suggestions, Target, VerifiedSkill,
};

const KINDS: [SkillRelationKind; 5] = [
    SkillRelationKind::Broader,
    SkillRelationKind::Prerequisite,
    SkillRelationKind::Related,
    SkillRelationKind::ExactMatch,
    SkillRelationKind::CloseMatch,
];

#[derive(Debug, Clone)]
struct Instance {
    skills: usize,
    relations: Vec<(usize, usize, usize)>,
    /// Sources: skills at levels (official numbers 1–5).
    sources: Vec<Vec<(usize, u8)>>,
    /// Target needs.
    target: Vec<(usize, u8)>,
}

fn instance() -> impl Strategy<Value = Instance> {
    (3usize..9).prop_flat_map(|ns| {
        (
            Just(ns),
            prop::collection::vec((0..ns, 0..KINDS.len(), 0..ns), 0..8),
            prop::collection::vec(prop::collection::vec((0..ns, 1u8..=5), 0..5), 0..12),
            prop::collection::vec((0..ns, 1u8..=5), 1..6),
        )
            .prop_map(|(skills, relations, sources, target)| Instance { skills, relations, sources, target })
    })
}

fn uri(i: usize) -> String {
    format!("https://t.cn/s/{i}")
}

fn lvl(n: u8) -> SkillLevel {
    SkillLevel::new(n).expect("generated levels are 1..=5")
}

fn key(i: usize) -> String {
    format!("src:{i:02}")
}

impl Instance {
    fn graph(&self) -> SkillsGraph {
        let mut b = GraphBuilder::new();
        for s in 0..self.skills {
            b.add_skill(&uri(s));
        }
        for &(a, k, c) in &self.relations {
            b.add_relation(&uri(a), KINDS[k], &uri(c)).expect("known skills");
        }
        // One learner per source, holding exactly its skills: the independent check.
        for (i, src) in self.sources.iter().enumerate() {
            b.add_learner(&LearnerSpec {
                id: key(i),
                region: "360300".into(),
                opted_in_to_be_found: true,
                skills: src
                    .iter()
                    .map(|&(s, l)| VerifiedSkill {
                        skill: uri(s),
                        level: lvl(l),
                        evidence: String::new(),
                        kind: EvidenceKind::SkillCertificate,
                    })
                    .collect(),
                completed_courses: vec![],
            })
            .expect("valid learner");
        }
        b.build().expect("graph")
    }

    fn spec(&self, i: usize) -> SourceSpec {
        SourceSpec {
            key: key(i),
            kind: if i.is_multiple_of(2) { SourceKind::Course } else { SourceKind::Standard },
            family: Some(format!("fam{}", i % 3)),
            skills: self.sources[i].iter().map(|&(s, l)| SkillNeed { skill: uri(s), level: lvl(l) }).collect(),
        }
    }

    fn set(&self, g: &SkillsGraph, reverse: bool) -> SourceSet {
        let mut b = SourceSetBuilder::new(g);
        let order: Vec<usize> = if reverse { (0..self.sources.len()).rev().collect() } else { (0..self.sources.len()).collect() };
        for i in order {
            b.add_source(&self.spec(i)).expect("known skills");
        }
        b.build().expect("unique keys")
    }

    fn needs(&self) -> Vec<SkillNeed> {
        self.target.iter().map(|&(s, l)| SkillNeed { skill: uri(s), level: lvl(l) }).collect()
    }

    fn reqs(&self) -> Vec<SkillRequirement> {
        self.target.iter().map(|&(s, l)| SkillRequirement { skill: uri(s), kind: RequirementKind::Essential, min_level: lvl(l) }).collect()
    }

    fn suggest(&self, g: &SkillsGraph, set: &SourceSet) -> Suggestions {
        g.suggest_sources(set, SuggestTarget::Needs(&self.needs()), Exclude::default(), usize::MAX).expect("known target")
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Scores are the mean credit of `learner_gap` for a learner holding the source's skills;
    /// every source with any credit is found (the index misses nothing); the order is by
    /// score, then key, and does not depend on insertion order.
    #[test]
    fn scores_match_the_gap_and_order_is_deterministic(inst in instance()) {
        let g = inst.graph();
        let a = inst.suggest(&g, &inst.set(&g, false));
        let b = inst.suggest(&g, &inst.set(&g, true));
        prop_assert_eq!(&a, &b);
        let reqs = inst.reqs();
        let mut expected = Vec::new();
        for i in 0..inst.sources.len() {
            let gap = g.learner_gap(&key(i), Target::Requirements(&reqs)).expect("learner");
            let credit: f64 = gap.met.iter().chain(&gap.missing).map(|o| o.credit).sum();
            if credit > 0.0 {
                expected.push((key(i), gap.met.len(), credit / a.requirements.len() as f64));
            }
        }
        prop_assert_eq!(a.candidates, expected.len());
        for w in a.suggestions.windows(2) {
            prop_assert!(w[0].score > w[1].score || (w[0].score == w[1].score && w[0].source < w[1].source), "order {:?}", w);
        }
        for s in &a.suggestions {
            let e = expected.iter().find(|e| e.0 == s.source).expect("every suggestion has credit");
            prop_assert_eq!(s.met, e.1);
            prop_assert!((s.score - e.2).abs() < 1e-9, "{} vs {}", s.score, e.2);
            prop_assert_eq!(s.skills.len(), a.requirements.len());
            prop_assert_eq!(s.covers_all, s.met == a.requirements.len());
            prop_assert_eq!(s.covers_all, s.score == 1.0);
        }
        // A limit keeps the head of the same order.
        let top = g.suggest_sources(&inst.set(&g, false), SuggestTarget::Needs(&inst.needs()), Exclude::default(), 3).expect("target");
        prop_assert_eq!(&top.suggestions[..], &a.suggestions[..a.suggestions.len().min(3)]);
    }

    /// A source holding every target skill at the required level or higher scores 1.0.
    #[test]
    fn a_covering_source_scores_one(inst in instance(), ups in prop::collection::vec(0u8..5, 6), extra in prop::collection::vec((0usize..9, 1u8..=5), 0..3)) {
        let mut inst = inst;
        let mut cover: Vec<(usize, u8)> = inst.target.iter().zip(&ups).map(|(&(s, l), &up)| (s, l.saturating_sub(up).max(1))).collect();
        cover.extend(extra.into_iter().filter(|&(s, _)| s < inst.skills));
        inst.sources.push(cover);
        let g = inst.graph();
        let s = inst.suggest(&g, &inst.set(&g, false));
        let k = key(inst.sources.len() - 1);
        let mine = s.suggestions.iter().find(|x| x.source == k).expect("the covering source is a candidate");
        prop_assert_eq!(mine.score, 1.0);
        prop_assert!(mine.covers_all);
        prop_assert!(mine.skills.iter().all(|o| o.status == Status::Met));
        prop_assert!(s.covering >= 1);
    }

    /// Adding a skill to a source never lowers its score.
    #[test]
    fn score_is_monotone_in_the_source(inst in instance(), who in any::<prop::sample::Index>(), skill in 0usize..9, level in 1u8..=5) {
        prop_assume!(!inst.sources.is_empty() && skill < inst.skills);
        let mut inst = inst;
        let i = who.index(inst.sources.len());
        let g = inst.graph();
        let before = inst.suggest(&g, &inst.set(&g, false));
        inst.sources[i].push((skill, level));
        let g = inst.graph();
        let after = inst.suggest(&g, &inst.set(&g, false));
        let score = |s: &Suggestions| s.suggestions.iter().find(|x| x.source == key(i)).map_or(0.0, |x| x.score);
        prop_assert!(score(&after) >= score(&before), "{} < {}", score(&after), score(&before));
        let met = |s: &Suggestions| s.suggestions.iter().find(|x| x.source == key(i)).map_or(0, |x| x.met);
        prop_assert!(met(&after) >= met(&before));
    }

    /// Exclusions by key and by family remove exactly those sources.
    #[test]
    fn exclusions_remove_exactly_their_sources(inst in instance(), fam in 0usize..3) {
        let g = inst.graph();
        let set = inst.set(&g, false);
        let all = inst.suggest(&g, &set);
        let family = format!("fam{fam}");
        let k0 = key(0);
        let keys = [k0.as_str()];
        let some = g.suggest_sources(&set, SuggestTarget::Needs(&inst.needs()), Exclude { keys: &keys, family: Some(&family) }, usize::MAX).expect("target");
        let kept: Vec<&str> = all.suggestions.iter().filter(|s| s.source != k0 && s.family.as_deref() != Some(&family)).map(|s| s.source.as_str()).collect();
        let got: Vec<&str> = some.suggestions.iter().map(|s| s.source.as_str()).collect();
        prop_assert_eq!(got, kept);
    }
}

/// A standard at a level is judged on its essential skills at that level; courses covering
/// it together come from the path planner, with the requirements each closes.
#[test]
fn standards_courses_and_covers() {
    let mut b = GraphBuilder::new();
    for s in ["a", "b", "c", "d"] {
        b.add_skill(&format!("https://t.cn/{s}"));
    }
    let u = |s: &str| format!("https://t.cn/{s}");
    let req = |s: &str, essential: bool| SkillRequirement {
        skill: u(s),
        kind: if essential { RequirementKind::Essential } else { RequirementKind::Optional },
        min_level: SkillLevel::L4,
    };
    b.add_occupation(&OccupationSpec { id: "occ".into(), requirements: vec![req("a", true), req("b", true), req("d", false)] })
        .expect("occupation");
    let course = |id: &str, hours: f64, provider: &str, teaches: &[(&str, SkillLevel)]| CourseSpec {
        id: id.into(),
        provider: Some(provider.into()),
        region: None,
        hours,
        credits: hours / 16.0,
        published: true,
        teaches: teaches.iter().map(|&(s, level)| CourseSkill { skill: u(s), level, weight: 1.0 }).collect(),
        prerequisites: vec![],
    };
    b.add_course(&course("c1", 32.0, "x", &[("a", SkillLevel::L3)])).expect("course");
    b.add_course(&course("c2", 16.0, "y", &[("b", SkillLevel::L3), ("c", SkillLevel::L3)])).expect("course");
    b.add_course(&course("c3", 64.0, "y", &[("a", SkillLevel::L3), ("b", SkillLevel::L5)])).expect("course");
    let g = b.build().expect("graph");
    let mut sb = SourceSetBuilder::new(&g);
    sb.add_published_courses(|id| Some(format!("course:{id}")));
    sb.add_standards(|id, level| Some(format!("standard:{id}:{}", level.number())));
    let set = sb.build().expect("set");
    assert_eq!(set.len(), 3 + 5);

    // Target: the standard at level 3 (a, b at 3; d is optional and left out).
    let s = g
        .suggest_sources(&set, SuggestTarget::Standard("occ", SkillLevel::L3), Exclude { keys: &[], family: Some("occ") }, 10)
        .expect("suggest");
    let reqs: Vec<(&str, u8)> = s.requirements.iter().map(|n| (n.skill.as_str(), n.level.number())).collect();
    assert_eq!(reqs, [("https://t.cn/a", 3), ("https://t.cn/b", 3)]);
    let order: Vec<(&str, f64)> = s.suggestions.iter().map(|x| (x.source.as_str(), x.score)).collect();
    // c3: a met, b at 5 for 3 → 1/3 (333 milli); c1: a met; c2: b met.
    assert_eq!(order, [("course:c3", 0.6665), ("course:c1", 0.5), ("course:c2", 0.5)]);
    assert_eq!(s.suggestions[0].skills[1].shortfall.as_ref().map(|x| x.steps), Some(2));
    // The other levels of the same standard are its own family: left out.
    assert!(s.suggestions.iter().all(|x| x.kind == SourceKind::Course));

    // Target: course c2 (b, c at 3). The standard at level 2 meets b, not c.
    let s = g.suggest_sources(&set, SuggestTarget::Course("c2"), Exclude { keys: &["course:c2"], family: Some("y") }, 10).expect("suggest");
    assert_eq!(s.suggestions[0].source, "standard:occ:1");
    assert_eq!(s.suggestions[0].met, 1);
    assert_eq!(s.suggestions[0].skills[1].status, Status::Missing);
    assert!(s.suggestions.iter().all(|x| x.family.as_deref() != Some("y")));

    // Covers of the standard at level 3: c1 + c2 (48 h); c3 teaches b only at level 5.
    let covers = g.course_covers(SuggestTarget::Standard("occ", SkillLevel::L3)).expect("covers");
    let first: Vec<&str> = covers.alternatives[0].steps.iter().map(|s| s.course.as_str()).collect();
    assert_eq!(first, ["c1", "c2"]);
    assert!(covers.alternatives[0].unclosable.is_empty());
    assert_eq!(covers.alternatives.len(), 1, "the same set is cheapest in credits too");
}
