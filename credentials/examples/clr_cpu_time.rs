//! On-CPU time of CLR transcripts (see `verify_cpu_time.rs` for why on-CPU): one credential
//! verified alone, a transcript of 200 built and signed, the same verified with every inner
//! proof, and the parts of the transcript's own canonicalisation.
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

fn main() {
    let f = clr_fixture::fixture();
    let one = median_ms(|| assert!(verify::verify(&f.one, &f.resolver, f.now, &f.options).verified), 21, 200);
    let sign = median_ms(|| assert!(clr::issue_clr(&f.spec, &f.platform, &f.pvm, "2026-06-01T08:00:00Z").is_ok()), 11, 3);
    let all = median_ms(|| assert!(clr::verify_clr(&f.transcript, &f.resolver, f.now, &f.options).verified), 11, 3);
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
    println!("    of which: fast expansion of the transcript   {expand:8.3} ms");
    println!("              RDFC-1.0 of the transcript         {canonical:8.3} ms");
}
