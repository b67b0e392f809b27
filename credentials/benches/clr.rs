//! Benchmarks of CLR 2.0 transcripts (issue 10): a transcript of 200 credentials built and
//! signed (target ≤ 30 ms), verified with every inner proof (target ≤ 200 × one credential),
//! and one credential verified alone for the ratio. Every credential carries a revocation
//! status entry, as the registry's do; the status list is resolved from memory.
//! Run: `cargo bench -p rongtong-credentials --bench clr` (wall clock) and
//! `cargo run --release -p rongtong-credentials --example clr_cpu_time` (on-CPU time).
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rongtong_credentials::clr;
use rongtong_credentials::verify;

#[path = "support/clr_fixture.rs"]
mod clr_fixture;

fn benches(c: &mut Criterion) {
    let f = clr_fixture::fixture();
    let (now, options) = (f.now, &f.options);
    let mut g = c.benchmark_group("clr");
    g.sample_size(20);
    g.bench_function("verify_one_credential", |b| b.iter(|| verify::verify(black_box(&f.one), &f.resolver, now, options)));
    g.bench_function("build_and_sign_200", |b| b.iter(|| clr::issue_clr(black_box(&f.spec), &f.platform, &f.pvm, "2026-06-01T08:00:00Z")));
    g.bench_function("verify_200", |b| b.iter(|| clr::verify_clr(black_box(&f.transcript), &f.resolver, now, options)));
    // Where the time goes: expanding the whole transcript (fast path) and canonicalising it
    // (the embedded credentials' name IdentityObjects are alike: the full RDFC-1.0 runs).
    let (unsecured, _) = rongtong_credentials::proof::split_proof(&f.transcript).expect("split");
    let quads = rongtong_credentials::fastpath::try_expand(&unsecured, rongtong_credentials::contexts::CLR_LIST).expect("fast path");
    g.bench_function("part/fast_expand_200", |b| {
        b.iter(|| rongtong_credentials::fastpath::try_expand(black_box(&unsecured), rongtong_credentials::contexts::CLR_LIST))
    });
    g.bench_function("part/canonicalize_200", |b| b.iter(|| rongtong_credentials::canon::canonicalize(black_box(&quads))));
    g.finish();
}

criterion_group!(clr_benches, benches);
criterion_main!(clr_benches);
