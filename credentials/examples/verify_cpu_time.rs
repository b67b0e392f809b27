//! Per-verification **on-CPU** time, for shared machines where wall-clock benchmarks are
//! distorted by other processes: reads the thread's run time from
//! `/proc/thread-self/schedstat` (Linux; falls back to wall time elsewhere). That counter
//! advances at scheduler ticks, so each sample times hundreds of calls (≈50 ms).
//!
//! Run: `cargo run --release -p rongtong-credentials --example verify_cpu_time`
#![allow(missing_docs)]

use std::time::Instant;

use rongtong_credentials::did::NoResolver;
use rongtong_credentials::proof::Canonicalizer;
use rongtong_credentials::verify::{self, VerifyOptions, parse_now};

fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or_else(|| {
            static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
            START.get_or_init(Instant::now).elapsed().as_nanos() as u64
        })
}

fn median_us(mut f: impl FnMut(), rounds: usize, per_round: usize) -> f64 {
    for _ in 0..per_round {
        f();
    }
    let mut samples: Vec<f64> = (0..rounds)
        .map(|_| {
            let t = cpu_ns();
            for _ in 0..per_round {
                f();
            }
            (cpu_ns() - t) as f64 / per_round as f64 / 1000.0
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/obv3-harness/credential.json");
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json");
    let now = parse_now("2026-06-01T00:00:00Z").expect("now");
    let fast = VerifyOptions::obv3();
    let generic = VerifyOptions { canonicalizer: Canonicalizer::Generic, ..VerifyOptions::obv3() };
    assert!(verify::verify(&doc, &NoResolver, now, &fast).verified);
    let key = rongtong_credentials::SigningKey::from_seed(&[1; 32]);
    let pk = key.public_key();
    let sig = key.sign(&[0; 64]);
    let f = median_us(|| assert!(verify::verify(&doc, &NoResolver, now, &fast).verified), 41, 600);
    let g = median_us(|| assert!(verify::verify(&doc, &NoResolver, now, &generic).verified), 21, 30);
    let e = median_us(|| assert!(pk.verify_strict(&[0; 64], &sig).is_ok()), 41, 1000);
    println!("on-CPU median per call (obv3-harness/credential.json):");
    println!("  verify, fast path     {f:8.1} µs");
    println!("  verify, generic path  {g:8.1} µs");
    println!("  ed25519 verify_strict {e:8.1} µs (included above)");
}
