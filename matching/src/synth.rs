//! Deterministic synthetic data for benchmarks and tests.
//!
//! Skill popularity is Zipf-distributed (skill 0 is the most popular), as in real
//! skill-demand data where a few transversal skills appear everywhere. Everything is
//! generated from a seed with a small hand-rolled PRNG (SplitMix64), so the same
//! [`SynthConfig`] always gives the same graph on every platform, with no dependency.

use std::fmt::Write;

use rongtong_catalog::{CourseSkill, RequirementKind, SkillLevel, SkillRelationKind, SkillRequirement};

use crate::SkillsGraph;
use crate::graph::GraphBuilder;
use crate::model::{BuildError, CourseSpec, DemandSpec, EvidenceKind, LearnerSpec, OccupationSpec, SkillNeed, VerifiedSkill};

/// SplitMix64: tiny, fast, statistically decent, and fully specified, so seeds reproduce.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0), by multiply-shift (bias below 2⁻³² for our sizes).
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// A Zipf distribution over `0..n` with exponent `s`, sampled by binary search over the CDF.
#[derive(Debug, Clone)]
pub struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    /// P(k) ∝ 1 / (k + 1)^s.
    pub fn new(n: usize, s: f64) -> Self {
        let mut cdf = Vec::with_capacity(n);
        let mut acc = 0.0;
        for k in 0..n {
            acc += 1.0 / ((k + 1) as f64).powf(s);
            cdf.push(acc);
        }
        for c in &mut cdf {
            *c /= acc;
        }
        Zipf { cdf }
    }

    /// One sample.
    pub fn sample(&self, rng: &mut Rng) -> usize {
        let u = rng.unit();
        self.cdf.partition_point(|&c| c < u).min(self.cdf.len().saturating_sub(1))
    }

    /// `k` distinct samples (k must not exceed n).
    pub fn distinct(&self, rng: &mut Rng, k: usize, out: &mut Vec<usize>) {
        out.clear();
        let k = k.min(self.cdf.len());
        while out.len() < k {
            let x = self.sample(rng);
            if !out.contains(&x) {
                out.push(x);
            }
        }
    }
}

/// Sizes and shapes of a synthetic data set.
#[derive(Debug, Clone)]
pub struct SynthConfig {
    /// Seed of everything.
    pub seed: u64,
    /// Number of skills.
    pub skills: usize,
    /// Number of courses.
    pub courses: usize,
    /// Number of learners.
    pub learners: usize,
    /// Number of demand items.
    pub demands: usize,
    /// Number of occupations.
    pub occupations: usize,
    /// Zipf exponent of skill popularity (learners, demand, courses).
    pub zipf_s: f64,
    /// Verified skills per learner, inclusive range.
    pub learner_skills: (usize, usize),
    /// Skills taught per course, inclusive range.
    pub course_skills: (usize, usize),
    /// Share of learners who opted in to be found.
    pub opted_in_share: f64,
}

impl SynthConfig {
    /// The benchmark scale: 15k skills, 100k courses, 1M learners (10–50 skills each).
    pub fn bench() -> Self {
        SynthConfig {
            seed: 2026,
            skills: 15_000,
            courses: 100_000,
            learners: 1_000_000,
            demands: 5_000,
            occupations: 500,
            zipf_s: 1.0,
            learner_skills: (10, 50),
            course_skills: (3, 10),
            opted_in_share: 0.7,
        }
    }

    /// A small data set for tests and examples.
    pub fn small(seed: u64) -> Self {
        SynthConfig {
            seed,
            skills: 300,
            courses: 400,
            learners: 2_000,
            demands: 60,
            occupations: 20,
            zipf_s: 1.0,
            learner_skills: (3, 15),
            course_skills: (1, 5),
            opted_in_share: 0.7,
        }
    }
}

/// The URI of synthetic skill `i`.
pub fn skill_uri(i: usize) -> String {
    format!("https://synth.rongtong.cn/skills/{i:05}")
}

/// The id of synthetic course `i` (zero-padded, so id order is index order).
pub fn course_id(i: usize) -> String {
    format!("C{i:06}")
}

/// The id of synthetic learner `i`.
pub fn learner_id(i: usize) -> String {
    format!("L{i:07}")
}

/// The id of synthetic demand item `i`.
pub fn demand_id(i: usize) -> String {
    format!("D{i:05}")
}

const PROVINCES: [u32; 31] =
    [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65];

/// A random city code (31 provinces × 10 cities), sometimes a county inside it.
fn region(rng: &mut Rng) -> String {
    let p = PROVINCES[rng.below(PROVINCES.len())];
    let c = rng.range(1, 10) as u32;
    let county = if rng.chance(0.2) { rng.range(1, 20) as u32 } else { 0 };
    format!("{:06}", p * 10_000 + c * 100 + county)
}

/// A level, skewed towards the entry levels as real certificate populations are.
fn level(rng: &mut Rng) -> SkillLevel {
    let u = rng.unit();
    if u < 0.3 {
        SkillLevel::L5
    } else if u < 0.6 {
        SkillLevel::L4
    } else if u < 0.8 {
        SkillLevel::L3
    } else if u < 0.92 {
        SkillLevel::L2
    } else {
        SkillLevel::L1
    }
}

/// Requirements drawn from the skill popularity distribution: `n` skills, the first
/// `essential` of them essential.
pub fn requirements(cfg: &SynthConfig, seed: u64, n: usize, essential: usize) -> Vec<SkillRequirement> {
    requirements_from(&Zipf::new(cfg.skills, cfg.zipf_s), seed, n, essential)
}

fn requirements_from(zipf: &Zipf, seed: u64, n: usize, essential: usize) -> Vec<SkillRequirement> {
    let mut rng = Rng::new(seed);
    let mut picks = Vec::new();
    zipf.distinct(&mut rng, n, &mut picks);
    picks
        .iter()
        .enumerate()
        .map(|(i, &s)| SkillRequirement {
            skill: skill_uri(s),
            kind: if i < essential { RequirementKind::Essential } else { RequirementKind::Optional },
            min_level: level(&mut rng),
        })
        .collect()
}

/// A gap of `n` distinct skills drawn from the popularity distribution, at random levels.
pub fn gap(cfg: &SynthConfig, seed: u64, n: usize) -> Vec<SkillNeed> {
    requirements(cfg, seed, n, 0).into_iter().map(|r| SkillNeed { skill: r.skill, level: r.min_level }).collect()
}

/// Feeds a whole synthetic data set into a builder (streaming: learners are generated one
/// at a time into a reused buffer, so generation does not hold a second copy of the data).
pub fn populate(cfg: &SynthConfig, b: &mut GraphBuilder) -> Result<(), BuildError> {
    let mut rng = Rng::new(cfg.seed);
    let zipf = Zipf::new(cfg.skills, cfg.zipf_s);
    let uris: Vec<String> = (0..cfg.skills).map(skill_uri).collect();
    for u in &uris {
        b.add_skill(u);
    }
    // Relations: a broader tree over popular skills, some cross-framework matches.
    for i in 1..cfg.skills {
        if i >= 10 && rng.chance(0.5) {
            b.add_relation(&uris[i], SkillRelationKind::Broader, &uris[rng.below(i / 10)])?;
        }
        let r = rng.unit();
        let other = &uris[rng.below(cfg.skills)];
        let kind = if r < 0.02 {
            Some(SkillRelationKind::ExactMatch)
        } else if r < 0.05 {
            Some(SkillRelationKind::CloseMatch)
        } else if r < 0.15 {
            Some(SkillRelationKind::Related)
        } else if r < 0.20 {
            Some(SkillRelationKind::Prerequisite)
        } else {
            None
        };
        if let Some(kind) = kind {
            b.add_relation(&uris[i], kind, other)?;
        }
    }
    let mut picks = Vec::new();
    for i in 0..cfg.courses {
        let k = rng.range(cfg.course_skills.0, cfg.course_skills.1);
        zipf.distinct(&mut rng, k, &mut picks);
        let hours = [8.0, 16.0, 24.0, 32.0, 48.0, 64.0][rng.below(6)];
        let mut prerequisites = Vec::new();
        if i > 0 && rng.chance(0.3) {
            prerequisites.push(course_id(i - 1 - rng.below(i.min(200))));
            if rng.chance(0.3) {
                prerequisites.push(course_id(i - 1 - rng.below(i.min(200))));
            }
        }
        b.add_course(&CourseSpec {
            id: course_id(i),
            provider: Some(format!("P{:03}", rng.below(500))),
            region: Some(region(&mut rng)),
            hours,
            credits: hours / 16.0,
            published: rng.chance(0.9),
            teaches: picks.iter().map(|&s| CourseSkill { skill: uris[s].clone(), level: level(&mut rng), weight: 1.0 }).collect(),
            prerequisites,
        })?;
    }
    for i in 0..cfg.occupations {
        let n = rng.range(5, 15);
        b.add_occupation(&OccupationSpec { id: format!("O{i:04}"), requirements: requirements_from(&zipf, rng.next_u64(), n, n / 2) })?;
    }
    for i in 0..cfg.demands {
        let n = rng.range(5, 20);
        let r = region(&mut rng);
        let r = if rng.chance(0.1) { format!("{}0000", &r[..2]) } else { r };
        b.add_demand(&DemandSpec {
            id: demand_id(i),
            region: r,
            headcount: rng.range(1, 50) as u32,
            published: rng.chance(0.9),
            requirements: requirements_from(&zipf, rng.next_u64(), n, n * 2 / 5),
        })?;
    }
    let mut spec = LearnerSpec {
        id: String::new(),
        region: String::new(),
        opted_in_to_be_found: false,
        skills: Vec::new(),
        completed_courses: Vec::new(),
    };
    for i in 0..cfg.learners {
        spec.id.clear();
        let _ = write!(spec.id, "L{i:07}");
        spec.region = region(&mut rng);
        spec.opted_in_to_be_found = rng.chance(cfg.opted_in_share);
        let k = rng.range(cfg.learner_skills.0, cfg.learner_skills.1);
        zipf.distinct(&mut rng, k, &mut picks);
        spec.skills.truncate(picks.len());
        while spec.skills.len() < picks.len() {
            // Certificates, so rankings over synthetic data weigh every skill (as before
            // completions without a certificate stopped scoring) and benchmarks stay comparable.
            spec.skills.push(VerifiedSkill {
                skill: String::new(),
                level: SkillLevel::L5,
                evidence: String::new(),
                kind: EvidenceKind::TrainingCertificate,
            });
        }
        for (j, (v, &s)) in spec.skills.iter_mut().zip(&picks).enumerate() {
            v.skill.clear();
            v.skill.push_str(&uris[s]);
            v.level = level(&mut rng);
            v.evidence.clear();
            let _ = write!(v.evidence, "c{i:x}.{j}");
        }
        spec.completed_courses.clear();
        if cfg.courses > 0 && rng.chance(0.05) {
            for _ in 0..rng.range(1, 3) {
                spec.completed_courses.push(course_id(rng.below(cfg.courses)));
            }
        }
        b.add_learner(&spec)?;
    }
    Ok(())
}

/// Generates and builds a synthetic graph.
pub fn graph(cfg: &SynthConfig) -> Result<SkillsGraph, BuildError> {
    let mut b = GraphBuilder::new();
    populate(cfg, &mut b)?;
    b.build()
}
