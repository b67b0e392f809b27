//! The demand-list CSV importer (`parse_demand_items`, behind `POST /imports/demand`):
//! never panics, keeps its row-number promises, and export → import gives back every
//! clean item.
#![no_main]

mod common;

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use rongtong_catalog::csvio::{ExportOptions, SkillIndex, parse_demand_items, write_demand_items};

static INDEX: LazyLock<SkillIndex> = LazyLock::new(common::demo_index);

fuzz_target!(|data: &[u8]| {
    let Ok(outcome) = parse_demand_items(data, &*INDEX) else { return };
    common::check_outcome(&outcome);
    let items: Vec<_> = outcome.rows.into_iter().map(|(_, d)| d).collect();
    if items.is_empty() {
        return;
    }
    let mut out = Vec::new();
    write_demand_items(&mut out, &items, &ExportOptions::default()).expect("write to a Vec");
    let again = parse_demand_items(&out, &*INDEX).expect("our own export parses");
    assert!(again.errors.is_empty(), "our own export has errors: {:?}\n{}", again.errors, String::from_utf8_lossy(&out));
    let again: Vec<_> = again.rows.into_iter().map(|(_, d)| d).collect();
    assert_eq!(items, again, "export → import changed an item");
});
