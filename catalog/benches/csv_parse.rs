//! Parsing throughput of the course and demand imports on 100 000 generated rows.
//!
//! The registry must import 100k rows at ≥ 15 000 rows/s *including storage*, so parsing alone
//! should stay above 200 000 rows/s in release. Run with
//! `cargo bench -p rongtong-catalog --bench csv_parse`.

// criterion_group! generates an undocumented pub fn.
#![allow(missing_docs)]

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rongtong_catalog::csvio::{SkillIndex, parse_courses, parse_demand_items};

const ROWS: usize = 100_000;
const SKILLS: usize = 500;

fn index() -> SkillIndex {
    (0..SKILLS)
        .map(|i| (format!("http://data.europa.eu/esco/skill/{i:08x}"), Some(format!("技能{i}")), Some(format!("skill {i}"))))
        .collect()
}

/// A course file shaped like a real one: Chinese text, three skills (labels and URIs mixed),
/// a prerequisite and a short description.
fn course_csv() -> Vec<u8> {
    let mut s = String::from("课程代码,版本,课程名称,英文名称,提供机构,学时,学分,技能,先修课程,课程简介,英文简介,授课方式\r\n");
    for i in 0..ROWS {
        let (a, b, c) = (i % SKILLS, (i * 7 + 1) % SKILLS, (i * 13 + 2) % SKILLS);
        let (b, c) = if b == a { ((b + 1) % SKILLS, c) } else { (b, c) };
        let c = if c == a || c == b { (a.max(b) + 1) % SKILLS } else { c };
        let _ = write!(
            s,
            "C-{i:06},2026.1,智能铸造实训{i},Smart casting {i},JXJD,32,2,技能{a}@4;skill {b}@三级;http://data.europa.eu/esco/skill/{c:08x}@2@0.5,C-{p:06},铸件缺陷分析与处理,Defect analysis,线下\r\n",
            p = i + 1,
        );
    }
    s.into_bytes()
}

fn demand_csv() -> Vec<u8> {
    let mut s = String::from("岗位,职业,人数,地区,截止日期,必备技能,可选技能\r\n");
    for i in 0..ROWS {
        let (a, b) = (i % SKILLS, (i * 7 + 1) % SKILLS);
        let b = if a == b { (b + 1) % SKILLS } else { b };
        let _ = write!(s, "工业机器人运维技术员{i},6-18-02-04,5,360300,2026/6/30,技能{a}@4,skill {b}@五级\r\n");
    }
    s.into_bytes()
}

fn bench(c: &mut Criterion) {
    let skills = index();
    let courses = course_csv();
    let demand = demand_csv();
    // Sanity: the generated files must parse cleanly, or we would be timing error paths.
    let check = parse_courses(&courses, &skills).map(|o| (o.rows.len(), o.errors.len()));
    assert_eq!(check.ok(), Some((ROWS, 0)), "course fixture must be clean");
    let check = parse_demand_items(&demand, &skills).map(|o| (o.rows.len(), o.errors.len()));
    assert_eq!(check.ok(), Some((ROWS, 0)), "demand fixture must be clean");

    let mut group = c.benchmark_group("csv_parse");
    group.sample_size(10);
    group.throughput(Throughput::Elements(ROWS as u64));
    group.bench_function("courses_100k", |b| b.iter(|| parse_courses(black_box(&courses), &skills).map(|o| o.rows.len())));
    group.bench_function("demand_100k", |b| b.iter(|| parse_demand_items(black_box(&demand), &skills).map(|o| o.rows.len())));
    let (gb, _, _) = encoding_rs::GB18030.encode(std::str::from_utf8(&courses).unwrap_or_default());
    let gb = gb.into_owned();
    group.bench_function("courses_100k_gb18030", |b| b.iter(|| parse_courses(black_box(&gb), &skills).map(|o| o.rows.len())));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
