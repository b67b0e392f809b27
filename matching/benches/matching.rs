//! Criterion benchmarks of the two hot operations at production scale: candidate ranking over
//! 1,000,000 learners and learning-path planning over 100,000 courses.
//!
//! Run: `cargo bench -p rongtong-matching --bench matching`. Building the synthetic graph
//! (15k skills, 100k courses, 1M learners) takes a few seconds before the first sample.

// criterion_group! generates an undocumented `pub fn`; nothing here is public API.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rongtong_matching::synth::{self, SynthConfig};
use rongtong_matching::{CostBy, Target};

fn benches(c: &mut Criterion) {
    let cfg = SynthConfig::bench();
    let graph = match synth::graph(&cfg) {
        Ok(g) => g,
        Err(e) => panic!("synthetic graph: {e}"),
    };

    // A 20-skill demand item drawn from the same Zipf popularity (8 essential, 12 optional).
    let reqs = synth::requirements(&cfg, 42, 20, 8);
    let mut group = c.benchmark_group("rank");
    group.sample_size(30).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    group.bench_function("1M_learners_20_skills_top100", |b| b.iter(|| graph.rank_candidates(Target::Requirements(black_box(&reqs)), 100)));
    // No essential requirement: the bound-based route (formerly a full sweep of every posting).
    for (n, seed) in [(20usize, 42u64), (5, 43)] {
        let optional = synth::requirements(&cfg, seed, n, 0);
        group.bench_function(format!("1M_learners_{n}_optional_no_essential_top100"), |b| {
            b.iter(|| graph.rank_candidates(Target::Requirements(black_box(&optional)), 100))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("learning_path");
    group.sample_size(30).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    for seed in [7u64, 8, 9] {
        let gap = synth::gap(&cfg, seed, 20);
        group.bench_function(format!("100k_courses_20_skill_gap_seed{seed}"), |b| {
            b.iter(|| graph.learning_path(black_box(&gap), &[], CostBy::Hours))
        });
    }
    group.finish();
}

criterion_group!(matching, benches);
criterion_main!(matching);
