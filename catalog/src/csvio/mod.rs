//! CSV import and export: micro-courses, talent-demand items, ESCO files and skills.
//!
//! Colleges and enterprises keep their lists in spreadsheets, so the CSV path has to forgive
//! what Excel does (GB18030 in China, a BOM, Chinese headers, `2026/6/30` dates) while never
//! losing an error: every bad row is reported with the row number the user sees in the
//! spreadsheet and the column header as written in the file. Nothing here stores anything;
//! the registry calls these functions and decides what to do with [`CsvOutcome::errors`]
//! (normally: reject the whole file unless it is empty).
//!
//! * [`encoding`]: byte-level detection (UTF-8 ± BOM, UTF-16 with BOM, GB18030).
//! * [`skills`]: the `SKILL@LEVEL` cell grammar and the [`SkillResolver`] that turns labels
//!   into URIs ([`SkillIndex`] is a ready in-memory implementation).
//! * [`completions`]: completion records (who finished which course), read for the registry's
//!   upload, which checks each record as it checks a single one.
//! * [`courses`] and [`demand`]: the two user-facing imports, each as a streaming iterator
//!   ([`CourseReader`], [`DemandReader`]) and a collecting function ([`parse_courses`],
//!   [`parse_demand_items`]).
//! * [`esco`]: the official ESCO CSV download ([`read_esco_dir`]).
//! * [`export`]: the inverse of the imports, so export → import round-trips.
//!
//! # Row numbers
//! A row number is what a spreadsheet shows: the header is row 1 and the first data row is
//! row 2. Line breaks inside quoted cells (multi-line descriptions, ESCO alt labels) do not
//! advance the row, and blank lines do, exactly as in Excel or WPS.

pub mod completions;
pub mod courses;
pub mod demand;
pub mod encoding;
pub mod esco;
pub mod export;
pub mod rules;
pub mod skills;

mod table;
pub use table::ColumnSpec;

use std::fmt;

use serde::Serialize;

pub use courses::{COURSE_COLUMNS, CourseReader, parse_courses};
pub use demand::{DEMAND_COLUMNS, DemandReader, parse_demand_items};
pub use encoding::{DecodedText, EncodingError, SourceEncoding, decode};
pub use esco::{
    EscoBundle, EscoError, EscoOptions, EscoRowError, read_esco_broader_relations, read_esco_dir, read_esco_dir_with,
    read_esco_occupation_skills, read_esco_occupations, read_esco_skill_relations, read_esco_skills,
};
pub use export::{ExportOptions, HeaderLanguage, write_courses, write_demand_items, write_skills};
pub use rules::{RULE_COLUMNS, RuleFile, RuleHeaders, parse_rules, write_rules};
pub use skills::{Resolution, SkillIndex, SkillResolver};

/// One problem in one cell (or one whole row) of an imported file.
///
/// Carries exactly what a user needs to fix the spreadsheet: where (row and column as they see
/// them) and why. The registry serialises it as is into its error envelope.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct RowError {
    /// Row as a spreadsheet shows it: the header is row 1, the first data row is row 2.
    pub row: usize,
    /// The column's header exactly as written in the file (trimmed), or its canonical English
    /// name when the column is absent from the file; empty when the problem is the whole row
    /// (e.g. a wrong number of fields).
    pub column: String,
    /// What is wrong and, where possible, what would be right.
    pub reason: String,
}

impl RowError {
    /// Builds an error; a helper so call sites stay on one line.
    pub fn new(row: usize, column: impl Into<String>, reason: impl Into<String>) -> Self {
        RowError { row, column: column.into(), reason: reason.into() }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.column.is_empty() {
            write!(f, "row {}: {}", self.row, self.reason)
        } else {
            write!(f, "row {}, column {}: {}", self.row, self.column, self.reason)
        }
    }
}

/// The result of parsing one file: the good rows *and* every error.
///
/// Both are returned because the product rule is "reject the whole file if anything is wrong,
/// unless the user explicitly asks to store the good rows": only the caller knows which
/// applies, and in both cases the user must see every error at once.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvOutcome<T> {
    /// Parsed, validated values with their spreadsheet row numbers, in file order.
    pub rows: Vec<(usize, T)>,
    /// Every problem found, in file order; a row with errors is absent from `rows`.
    pub errors: Vec<RowError>,
    /// Rows skipped on purpose because every cell was blank (Excel leaves such rows behind
    /// when content is deleted); counted so a report can still add up to the file's size.
    pub skipped: usize,
}

impl<T> Default for CsvOutcome<T> {
    fn default() -> Self {
        CsvOutcome { rows: Vec::new(), errors: Vec::new(), skipped: 0 }
    }
}

impl<T> CsvOutcome<T> {
    /// True when no row had an error, i.e. the file may be stored as a whole.
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }

    /// The values without their row numbers, for callers that have already checked
    /// [`is_clean`](Self::is_clean) (or chose to keep only the good rows).
    pub fn into_values(self) -> Vec<T> {
        self.rows.into_iter().map(|(_, v)| v).collect()
    }

    /// `Ok(values)` when clean, else `Err(errors)`: the strict "all or nothing" policy.
    pub fn into_result(self) -> Result<Vec<T>, Vec<RowError>> {
        if self.errors.is_empty() { Ok(self.into_values()) } else { Err(self.errors) }
    }
}

/// A problem with the header row.
///
/// Header problems make the whole file unreadable (we could not know which cell means what),
/// so they are file-level errors rather than row errors; all of them are reported at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum HeaderProblem {
    /// A column the import cannot do without is absent.
    Missing {
        /// Canonical English name of the column, with its Chinese alias for the message.
        column: String,
    },
    /// A header matches no known column. Reported as an error rather than ignored: a typo
    /// such as `prerequisite` would otherwise silently drop a whole optional column.
    Unknown {
        /// The header as written in the file.
        header: String,
        /// 1-based position of the column (A = 1), to find it in a wide sheet.
        position: usize,
    },
    /// Two headers name the same column (e.g. `title_zh` and `课程名称`).
    Duplicate {
        /// Canonical English name of the column.
        column: String,
        /// The headers as written in the file.
        headers: Vec<String>,
    },
}

impl fmt::Display for HeaderProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderProblem::Missing { column } => write!(f, "required column `{column}` is missing"),
            HeaderProblem::Unknown { header, position } => {
                write!(f, "column {position} has an unknown header `{header}`")
            }
            HeaderProblem::Duplicate { column, headers } => {
                write!(f, "column `{column}` appears more than once: {}", headers.join(", "))
            }
        }
    }
}

/// Why a whole file could not be imported (as opposed to some of its rows).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The bytes are neither UTF-8 nor GB18030 (nor UTF-16 with a BOM).
    #[error(transparent)]
    Encoding(#[from] EncodingError),
    /// The file has no header row at all.
    #[error("the file is empty: expected a header row")]
    Empty,
    /// The header row is unusable; every problem is listed.
    #[error("bad header row: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Headers(Vec<HeaderProblem>),
    /// Reading failed (I/O, or malformed CSV the parser cannot recover from).
    #[error("cannot read the CSV: {0}")]
    Csv(#[from] csv::Error),
}

/// Splits a list cell on `;` or full-width `；`, trimming items and dropping empty ones, so
/// that `a; b；c;` and `a;b;c` mean the same thing.
/// Characters that make Excel and WPS treat a cell as a formula (CSV injection, OWASP).
const FORMULA_STARTS: [char; 4] = ['=', '+', '-', '@'];

/// What an export writes for `cell`: a cell whose text starts with a formula character is
/// written with a leading `'`, so that a spreadsheet shows it as text instead of running
/// it — a course title `=HYPERLINK(…)` from one tenant must not become a live link or a
/// DDE command on another's machine. A cell already starting with `'` gets one more, so
/// that [`unguard`] gives back exactly what was exported. Leading blanks are dropped
/// (the importer trims them anyway).
pub(crate) fn guard(cell: &str) -> std::borrow::Cow<'_, str> {
    let t = cell.trim_start();
    if t.starts_with(FORMULA_STARTS) || t.starts_with('\'') { format!("'{t}").into() } else { cell.into() }
}

/// The inverse of [`guard`], applied to every trimmed cell on import: one leading `'` is
/// removed when a formula character or another `'` follows it. A lone `'x` stays as typed.
pub(crate) fn unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) || rest.starts_with('\'') => rest,
        _ => cell,
    }
}

pub(crate) fn split_list(cell: &str) -> impl Iterator<Item = &str> {
    cell.split([';', '；']).map(str::trim).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::{guard, unguard};

    #[test]
    fn formula_cells_are_written_as_text_and_read_back_exactly() {
        for (value, written) in [
            ("=HYPERLINK(\"http://x\",\"点我\")", "'=HYPERLINK(\"http://x\",\"点我\")"),
            ("+86 791", "'+86 791"),
            ("-5 级", "'-5 级"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("'=already quoted", "''=already quoted"),
            ("'plain", "''plain"),
            ("智能铸造", "智能铸造"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(guard(value), written, "{value}");
            assert_eq!(unguard(&guard(value)), value, "{value}");
        }
        // What a user typed keeps its apostrophe unless it guards something.
        assert_eq!(unguard("'plain"), "'plain");
        assert_eq!(unguard("'"), "'");
    }
}
