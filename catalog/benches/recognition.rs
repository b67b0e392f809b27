//! Which published rules apply to a learner with 50 credentials among 100 000 rules
//! (issue 10 target: p50 ≤ 2 ms). Run with `cargo bench -p rongtong-catalog --bench recognition`.

// criterion_group! generates an undocumented pub fn.
#![allow(missing_docs)]

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use rongtong_catalog::{Holding, OutcomeKey, RuleIndex, RuleSource, SkillLevel};

const RULES: usize = 100_000;
const COURSES: usize = 100_000;
const OCCUPATIONS: usize = 5_000;
const HOLDINGS: usize = 50;

fn course(i: usize) -> OutcomeKey {
    OutcomeKey::Course { code: format!("C-{:06}", i % COURSES) }
}

fn standard(i: usize, level: u8) -> OutcomeKey {
    let o = i % OCCUPATIONS;
    OutcomeKey::Standard {
        occupation: format!("6-{}-{:02}-{:02}", o / 10_000 + 1, (o / 100) % 100, o % 100),
        level: SkillLevel::new(level).expect("level"),
    }
}

/// 100 000 rules shaped like real ones: half exempt a course on a standard, half make a
/// standard's assessment available on two to four courses (some within 3 years).
fn rules() -> Vec<Vec<RuleSource>> {
    (0..RULES)
        .map(|i| {
            if i % 2 == 0 {
                vec![RuleSource::new(standard(i * 7, 3 + (i % 3) as u8))]
            } else {
                (0..2 + i % 3)
                    .map(|k| RuleSource { within_years: (k == 0).then_some(3), ..RuleSource::new(course(i * 3 + k * 11)) })
                    .collect()
            }
        })
        .collect()
}

fn holdings(today: NaiveDate) -> Vec<Holding> {
    (0..HOLDINGS)
        .map(|k| {
            let outcome = if k % 5 == 0 { standard(k * 97, 4) } else { course(k * 1_999) };
            Holding { outcome, level: None, issued_on: today - chrono::Duration::days(30 * k as i64), in_force: k % 17 != 0 }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let rules = rules();
    let index = RuleIndex::new(rules.iter().map(Vec::as_slice));
    let today = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
    let held = holdings(today);
    assert!(!index.evaluate(&held, today).is_empty(), "the fixture must touch some rules");
    c.bench_function("recognition: rules applying to 50 holdings among 100k rules", |b| {
        b.iter(|| black_box(index.evaluate(black_box(&held), today)))
    });
    c.bench_function("recognition: build the index of 100k rules", |b| {
        b.iter(|| black_box(RuleIndex::new(rules.iter().map(Vec::as_slice))))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
