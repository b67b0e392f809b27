//! On-CPU time of CLR transcripts (see `verify_cpu_time.rs` for why on-CPU): one credential
//! verified alone, a transcript of 200 built and signed, the same verified with every inner
//! proof, and the parts of the transcript's own canonicalisation. One credential and the
//! transcript are measured in alternating rounds, so that their ratio holds on a machine
//! whose load changes.
//!
//! Run: `cargo run --release -p rongtong-credentials --example clr_cpu_time`
#![allow(missing_docs)]

use std::time::Instant;

use sha2::Digest as _;

use rongtong_credentials::{canon, clr, contexts, fastpath, proof, verify};

#[path = "../benches/support/clr_fixture.rs"]
mod clr_fixture;

fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or_else(|| {
            static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
            START.get_or_init(Instant::now).elapsed().as_nanos() as u64
        })
}

/// Median on-CPU milliseconds per call over `rounds` rounds of `per_round` calls.
fn median_ms(mut f: impl FnMut(), rounds: usize, per_round: usize) -> f64 {
    f();
    let mut samples: Vec<f64> = (0..rounds)
        .map(|_| {
            let t = cpu_ns();
            for _ in 0..per_round {
                f();
            }
            (cpu_ns() - t) as f64 / per_round as f64 / 1e6
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Median on-CPU milliseconds per call of `a` and of `b`, and the median of their ratio per
/// round, measured in alternating rounds (`per_round` calls of `a`, then of `b`): on a
/// shared machine the load changes from second to second, and alternating keeps both sides
/// of the ratio under the same load.
fn paired_ms(mut a: impl FnMut(), mut b: impl FnMut(), rounds: usize, per_round: (usize, usize)) -> (f64, f64, f64) {
    a();
    b();
    let time = |f: &mut dyn FnMut(), n: usize| {
        let t = cpu_ns();
        for _ in 0..n {
            f();
        }
        (cpu_ns() - t) as f64 / n as f64 / 1e6
    };
    let mut samples: Vec<(f64, f64)> = (0..rounds).map(|_| (time(&mut a, per_round.0), time(&mut b, per_round.1))).collect();
    let mut ratios: Vec<f64> = samples.iter().map(|(x, y)| y / x).collect();
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (mut xs, mut ys): (Vec<f64>, Vec<f64>) = samples.drain(..).unzip();
    (median(&mut xs), median(&mut ys), median(&mut ratios))
}

fn main() {
    let f = clr_fixture::fixture();
    let (one, all, ratio) = paired_ms(
        || assert!(verify::verify(&f.one, &f.resolver, f.now, &f.options).verified),
        || assert!(clr::verify_clr(&f.transcript, &f.resolver, f.now, &f.options).verified),
        21,
        (200, 2),
    );
    let sign = median_ms(|| assert!(clr::issue_clr(&f.spec, &f.platform, &f.pvm, "2026-06-01T08:00:00Z").is_ok()), 11, 3);
    let (unsecured, _) = proof::split_proof(&f.transcript).expect("split");
    let quads = fastpath::try_expand(&unsecured, contexts::CLR_LIST).expect("fast path");
    let expand = median_ms(|| assert!(fastpath::try_expand(&unsecured, contexts::CLR_LIST).is_some()), 11, 3);
    let canonical = median_ms(|| assert!(canon::canonicalize(&quads).is_ok()), 11, 3);
    // Fingerprints of the output, to show a change to the canonicaliser is byte-identical.
    let nquads = canon::canonicalize(&quads).expect("canonical");
    let signed = clr::issue_clr(&f.spec, &f.platform, &f.pvm, "2026-06-01T08:00:00Z").expect("signed");
    let proof_value = signed["proof"]["proofValue"].as_str().unwrap_or_default().to_string();
    println!("canonical N-Quads of the transcript: {} bytes, SHA-256 {:x}", nquads.len(), sha2::Sha256::digest(nquads.as_bytes()));
    println!("proofValue of the transcript built and signed: {proof_value}");
    println!("on-CPU median per call (200 certificates, {} quads in the transcript):", quads.len());
    println!("  verify one certificate (with its status list)   {one:8.3} ms");
    println!("  build + sign the transcript of 200             {sign:8.3} ms");
    println!("  verify the transcript (outer + 200 inner)       {all:8.3} ms  = {:.0} × one certificate", all / one);
    println!("    (median of the ratio per round, the two measured alternately: {ratio:.0} ×)");
    println!("    of which: fast expansion of the transcript   {expand:8.3} ms");
    println!("              RDFC-1.0 of the transcript         {canonical:8.3} ms");
}
