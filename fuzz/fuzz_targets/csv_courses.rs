//! The course CSV importer (`rongtong_catalog::csvio::parse_courses`, what
//! `POST /imports/courses` and `rongtong import courses` call): never panics, keeps its
//! row-number promises, and export → import gives back every clean course.
#![no_main]

mod common;

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use rongtong_catalog::csvio::{ExportOptions, SkillIndex, parse_courses, write_courses};

static INDEX: LazyLock<SkillIndex> = LazyLock::new(common::demo_index);

fuzz_target!(|data: &[u8]| {
    let Ok(outcome) = parse_courses(data, &*INDEX) else { return };
    common::check_outcome(&outcome);
    let courses: Vec<_> = outcome.rows.into_iter().map(|(_, c)| c).collect();
    if courses.is_empty() {
        return;
    }
    let mut out = Vec::new();
    write_courses(&mut out, &courses, &ExportOptions::default()).expect("write to a Vec");
    let again = parse_courses(&out, &*INDEX).expect("our own export parses");
    assert!(again.errors.is_empty(), "our own export has errors: {:?}\n{}", again.errors, String::from_utf8_lossy(&out));
    let again: Vec<_> = again.rows.into_iter().map(|(_, c)| c).collect();
    assert_eq!(courses, again, "export → import changed a course");
});
