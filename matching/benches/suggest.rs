//! Criterion benchmark of recognition suggestions at production scale: one target ranked
//! against 100,000 courses and 5,000 skill standards (1,000 occupations × 5 levels), and the
//! course sets covering a standard.
//!
//! Run: `cargo bench -p rongtong-matching --bench suggest`.

// criterion_group! generates an undocumented `pub fn`; nothing here is public API.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rongtong_catalog::SkillLevel;
use rongtong_matching::synth::{self, SynthConfig};
use rongtong_matching::{Exclude, SourceSetBuilder, SuggestTarget};

fn benches(c: &mut Criterion) {
    // The matching benchmark's catalogue (15k skills, 100k courses), 1,000 occupations, no
    // learners (suggestions never read them).
    let cfg = SynthConfig { learners: 0, occupations: 1_000, ..SynthConfig::bench() };
    let graph = match synth::graph(&cfg) {
        Ok(g) => g,
        Err(e) => panic!("synthetic graph: {e}"),
    };
    let mut sb = SourceSetBuilder::new(&graph);
    sb.add_published_courses(|id| Some(format!("course:{id}")));
    sb.add_standards(|id, level| Some(format!("standard:{id}:{}", level.number())));
    let set = match sb.build() {
        Ok(s) => s,
        Err(e) => panic!("source set: {e}"),
    };
    eprintln!("source set: {} sources", set.len());

    let mut group = c.benchmark_group("suggest");
    group.sample_size(30).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    // Course targets: three synthetic courses (3–10 skills each, Zipf-popular skills).
    for course in ["C000100", "C050000", "C099999"] {
        let id = synth::course_id(course[1..].parse().unwrap_or(0));
        let key = format!("course:{id}");
        let keys = [key.as_str()];
        let s = graph.suggest_sources(&set, SuggestTarget::Course(&id), Exclude { keys: &keys, family: None }, 20);
        if let Ok(s) = &s {
            eprintln!("{id}: {} requirements, {} candidates, {} covering", s.requirements.len(), s.candidates, s.covering);
        }
        group.bench_function(format!("course_target_{id}_100k_courses_5k_standards_top20"), |b| {
            b.iter(|| graph.suggest_sources(&set, SuggestTarget::Course(black_box(&id)), Exclude { keys: &keys, family: None }, 20))
        });
    }
    for occ in ["O0007", "O0500"] {
        let s = graph.suggest_sources(&set, SuggestTarget::Standard(occ, SkillLevel::L3), Exclude { keys: &[], family: Some(occ) }, 20);
        if let Ok(s) = &s {
            eprintln!("{occ}@3: {} requirements, {} candidates, {} covering", s.requirements.len(), s.candidates, s.covering);
        }
        group.bench_function(format!("standard_target_{occ}_level3_top20"), |b| {
            b.iter(|| {
                graph.suggest_sources(
                    &set,
                    SuggestTarget::Standard(black_box(occ), SkillLevel::L3),
                    Exclude { keys: &[], family: Some(occ) },
                    20,
                )
            })
        });
        group.bench_function(format!("course_covers_{occ}_level3"), |b| {
            b.iter(|| graph.course_covers(SuggestTarget::Standard(black_box(occ), SkillLevel::L3)))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("suggest_build");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    group.bench_function("source_set_100k_courses_5k_standards", |b| {
        b.iter(|| {
            let mut sb = SourceSetBuilder::new(&graph);
            sb.add_published_courses(|id| Some(format!("course:{id}")));
            sb.add_standards(|id, level| Some(format!("standard:{id}:{}", level.number())));
            sb.build()
        })
    });
    group.finish();
}

criterion_group!(suggest, benches);
criterion_main!(suggest);
