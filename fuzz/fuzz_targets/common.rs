//! Shared by the CSV targets: the demo's skill index, so that seeds from the demo CSVs
//! resolve their skills and the fuzzer explores past the skills cell.
#![allow(dead_code)] // each target uses only part of it

use rongtong_catalog::csvio::{CsvOutcome, SkillIndex};

/// The demo skills (`registry/demo/skills_zh.csv`, embedded at compile time: a fuzz run never
/// reads files from outside its corpus).
pub fn demo_index() -> SkillIndex {
    let mut index = SkillIndex::new();
    for line in include_str!("../../registry/demo/skills_zh.csv").lines().skip(1) {
        if let Some((uri, label)) = line.split_once(',') {
            index.insert(uri, Some(label), None);
        }
    }
    index
}

/// What every import promises its caller: spreadsheet row numbers (data from row 2), good
/// rows in file order, and a row with errors absent from the good rows.
pub fn check_outcome<T>(outcome: &CsvOutcome<T>) {
    assert!(outcome.rows.windows(2).all(|w| w[0].0 < w[1].0), "rows out of order");
    assert!(outcome.rows.iter().all(|(row, _)| *row >= 2), "a data row numbered below 2");
    assert!(outcome.errors.iter().all(|e| e.row >= 2), "an error on a row below 2: {:?}", outcome.errors);
    for e in &outcome.errors {
        assert!(!outcome.rows.iter().any(|(row, _)| *row == e.row), "row {} is both good and in error: {e}", e.row);
    }
}
