//! Completion-record CSV import (学习记录导入): one row per learner who completed a course.
//!
//! Columns (English or Chinese header, any order; **bold** ones are required):
//!
//! | column | Chinese | cell |
//! |---|---|---|
//! | **learner** | 学员 | the learner's username |
//! | **course** | 课程 | course code (the version learners take) or `CODE@VERSION` |
//! | **result** | 成绩 | `合格`, `不合格`, `pass`, a score such as `85` |
//! | **completed_on** | 完成日期 | `2026-06-30`, `2026/06/30`, `2026/6/30` or `2026年6月30日` |
//! | assessor | 考核人 | the assessor's name |
//!
//! This module reads the file — encoding, headers, required cells, dates — and hands the
//! registry one [`CompletionRecord`] per row. What a completion must satisfy beyond that (a
//! result that reads as a pass, a fail or a score; no future date; a known learner and a
//! published course of the uploader's organisation) is checked by the registry with the
//! same checks as a single completion, and reported against the column
//! [`CompletionReader::header`] names.

use chrono::NaiveDate;

use super::demand::parse_date;
use super::table::{ColumnSpec, HeaderMap, Progress, RowCtx, TextRows, open_upload};
use super::{CsvOutcome, ImportError, RowError, SourceEncoding};

const LEARNER: usize = 0;
const COURSE: usize = 1;
const RESULT: usize = 2;
const COMPLETED_ON: usize = 3;
const ASSESSOR: usize = 4;

/// The completion columns, with their accepted aliases (first alias = the Chinese header).
/// The canonical names are the API's field names (`POST /completions`).
pub const COMPLETION_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec { name: "learner", aliases: &["学员", "学员用户名", "用户名"], required: true },
    ColumnSpec { name: "course", aliases: &["课程", "课程编码", "课程代码"], required: true },
    ColumnSpec { name: "result", aliases: &["成绩", "结果", "考核结果"], required: true },
    ColumnSpec { name: "completed_on", aliases: &["完成日期", "日期"], required: true },
    ColumnSpec { name: "assessor", aliases: &["考核人", "考评员"], required: false },
];

/// One row of a completion file, as typed (trimmed), with its date parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletionRecord {
    /// The learner's username.
    pub learner: String,
    /// Course code or `CODE@VERSION`.
    pub course: String,
    /// The result as typed.
    pub result: String,
    /// The completion date.
    pub completed_on: NaiveDate,
    /// The assessor, if given.
    pub assessor: Option<String>,
}

/// A streaming completion import: yields one result per non-blank data row, in file order.
pub struct CompletionReader<'a> {
    rows: TextRows<'a>,
    map: HeaderMap,
    encoding: SourceEncoding,
    progress: Progress,
}

impl<'a> CompletionReader<'a> {
    /// Decodes `bytes` and reads the header row; fails only for file-level problems.
    pub fn new(bytes: &'a [u8]) -> Result<Self, ImportError> {
        let (rows, map, encoding) = open_upload(bytes, COMPLETION_COLUMNS)?;
        Ok(CompletionReader { rows, map, encoding, progress: Progress::default() })
    }

    /// The encoding the file was read in, for the import report.
    pub fn encoding(&self) -> SourceEncoding {
        self.encoding
    }

    /// Blank rows skipped so far.
    pub fn skipped(&self) -> usize {
        self.progress.skipped
    }

    /// The header of the column whose canonical name is `field` (`result`, …) as this file
    /// writes it, so that an error found later is reported against the column the user sees;
    /// `field` itself for a name that is no column.
    pub fn header(&self, field: &str) -> String {
        COMPLETION_COLUMNS.iter().position(|c| c.name == field).map_or_else(|| field.to_string(), |i| self.map.column(i))
    }

    fn parse_row(&mut self, row: usize) -> Result<CompletionRecord, Vec<RowError>> {
        let rec = self.rows.record();
        let mut cx = RowCtx::new(&self.map, row);
        let learner = cx.required(rec, LEARNER).to_string();
        let course = cx.required(rec, COURSE).to_string();
        let result = cx.required(rec, RESULT).to_string();
        let date = cx.required(rec, COMPLETED_ON);
        let completed_on = match date {
            "" => None,
            d => {
                let parsed = parse_date(d);
                if parsed.is_none() {
                    cx.error(COMPLETED_ON, format!("`{d}` is not a date: use YYYY-MM-DD, YYYY/MM/DD or YYYY/M/D"));
                }
                parsed
            }
        };
        let assessor = cx.optional(rec, ASSESSOR);
        match completed_on {
            Some(completed_on) if cx.errors.is_empty() => Ok(CompletionRecord { learner, course, result, completed_on, assessor }),
            _ => Err(cx.errors),
        }
    }
}

impl Iterator for CompletionReader<'_> {
    type Item = Result<(usize, CompletionRecord), Vec<RowError>>;

    fn next(&mut self) -> Option<Self::Item> {
        let row = self.rows.next_data_row(&mut self.progress)?;
        Some(row.and_then(|row| self.parse_row(row).map(|v| (row, v))))
    }
}

/// Parses a whole completion CSV: every good row and every error.
///
/// # Arguments
/// * `bytes`: the file as uploaded (UTF-8 ± BOM, UTF-16 with BOM, or GB18030).
///
/// # Returns
/// `Err` for file-level problems (encoding, header row); otherwise the outcome, whose
/// `errors` the caller must check before storing.
///
/// # Complexity
/// O(n) in the file size.
///
/// # Example
/// ```
/// use rongtong_catalog::csvio::completions::parse_completions;
/// let csv = "学员,课程,成绩,完成日期\nlearner-wang,GYJQR-05,合格,2026/6/30\nlearner-li,,合格,2026-13-01\n";
/// let outcome = parse_completions(csv.as_bytes()).unwrap();
/// assert_eq!(outcome.rows.len(), 1);
/// assert_eq!(outcome.rows[0].1.course, "GYJQR-05");
/// let bad: Vec<(usize, &str)> = outcome.errors.iter().map(|e| (e.row, e.column.as_str())).collect();
/// assert_eq!(bad, [(3, "课程"), (3, "完成日期")]);
/// ```
pub fn parse_completions(bytes: &[u8]) -> Result<CsvOutcome<CompletionRecord>, ImportError> {
    let mut reader = CompletionReader::new(bytes)?;
    let mut outcome = CsvOutcome::default();
    for result in reader.by_ref() {
        match result {
            Ok(row) => outcome.rows.push(row),
            Err(errors) => outcome.errors.extend(errors),
        }
    }
    outcome.skipped = reader.skipped();
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_headers_optional_assessor_and_blank_rows() {
        let csv = "learner,course,result,completed_on,assessor\r\nlearner-wang,GYJQR-05@2026.1,85,2026-06-30,李老师\r\n,,,,\r\nlearner-li,ZNZZ-01,合格,2026年6月1日,\r\n";
        let reader = CompletionReader::new(csv.as_bytes()).unwrap();
        assert_eq!(reader.header("result"), "result");
        let outcome = parse_completions(csv.as_bytes()).unwrap();
        assert!(outcome.is_clean(), "{:?}", outcome.errors);
        assert_eq!(outcome.skipped, 1);
        assert_eq!(outcome.rows[0].0, 2);
        assert_eq!(outcome.rows[0].1.assessor.as_deref(), Some("李老师"));
        assert_eq!(outcome.rows[1].0, 4, "the blank row counts as a spreadsheet row");
        assert_eq!(outcome.rows[1].1.assessor, None);
        assert_eq!(outcome.rows[1].1.completed_on, NaiveDate::from_ymd_opt(2026, 6, 1).unwrap());
    }

    #[test]
    fn headers_are_named_as_written_and_a_missing_column_refuses_the_file() {
        let reader = CompletionReader::new("学员,课程,成绩,完成日期\n".as_bytes()).unwrap();
        assert_eq!(reader.header("result"), "成绩");
        assert_eq!(reader.header("assessor"), "assessor", "an absent column goes by its canonical name");
        assert!(matches!(CompletionReader::new("learner,course,result\n".as_bytes()), Err(ImportError::Headers(_))));
    }
}
