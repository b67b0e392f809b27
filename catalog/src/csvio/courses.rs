//! Micro-course CSV import (课程导入).
//!
//! One row per course version. Columns, matched by header (English or Chinese, any order, case
//! and blanks ignored); **bold** ones are required:
//!
//! | column | Chinese | cell |
//! |---|---|---|
//! | **code** | 课程代码 | course code, e.g. `ZNZZ-01` |
//! | version | 版本 | blank = `1` |
//! | **title_zh** | 课程名称, 中文名称 | |
//! | title_en | 英文名称 | |
//! | **provider** | 提供机构, 机构代码 | organization code |
//! | **hours** | 学时 | number > 0 |
//! | **credits** | 学分 | number ≥ 0 |
//! | skills | 技能 | `SKILL@LEVEL[@WEIGHT];…` (see [`super::skills`]) |
//! | prerequisites | 先修课程 | course codes separated by `;` / `；` |
//! | description_zh | 课程简介, 中文简介 | |
//! | description_en | 英文简介 | |
//! | delivery_mode | 授课方式 | `online`/线上, `offline`/线下, `blended`/混合式; blank = blended |
//! | valid_months | 有效期（月）, 有效期(月) | months the training certificate stays valid, 1–600; blank = does not expire |
//!
//! Only the columns a [`CourseInput`] cannot do without are required, so a college's minimal
//! sheet imports; unknown headers are errors so that a misspelt optional column is caught
//! instead of silently dropped. Blank optional cells mean "none".

use std::collections::HashMap;

use super::skills::parse_skill_cell;
use super::table::{ColumnSpec, HeaderMap, Progress, RowCtx, TextRows, open_upload};
use super::{CsvOutcome, ImportError, RowError, SkillResolver, SourceEncoding};
use crate::{CourseInput, CourseSkill, DeliveryMode};

const CODE: usize = 0;
const VERSION: usize = 1;
const TITLE_ZH: usize = 2;
const TITLE_EN: usize = 3;
const PROVIDER: usize = 4;
const HOURS: usize = 5;
const CREDITS: usize = 6;
const SKILLS: usize = 7;
const PREREQUISITES: usize = 8;
const DESCRIPTION_ZH: usize = 9;
const DESCRIPTION_EN: usize = 10;
const DELIVERY_MODE: usize = 11;
const VALID_MONTHS: usize = 12;

/// The course columns in export order, with their accepted aliases (first alias = the Chinese
/// header the exporter writes).
pub const COURSE_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec { name: "code", aliases: &["课程代码"], required: true },
    ColumnSpec { name: "version", aliases: &["版本"], required: false },
    ColumnSpec { name: "title_zh", aliases: &["课程名称", "中文名称"], required: true },
    ColumnSpec { name: "title_en", aliases: &["英文名称"], required: false },
    ColumnSpec { name: "provider", aliases: &["提供机构", "机构代码"], required: true },
    ColumnSpec { name: "hours", aliases: &["学时"], required: true },
    ColumnSpec { name: "credits", aliases: &["学分"], required: true },
    ColumnSpec { name: "skills", aliases: &["技能"], required: false },
    ColumnSpec { name: "prerequisites", aliases: &["先修课程"], required: false },
    ColumnSpec { name: "description_zh", aliases: &["课程简介", "中文简介"], required: false },
    ColumnSpec { name: "description_en", aliases: &["英文简介"], required: false },
    ColumnSpec { name: "delivery_mode", aliases: &["授课方式"], required: false },
    ColumnSpec { name: "valid_months", aliases: &["有效期（月）", "有效期(月)"], required: false },
];

/// A streaming course import: yields one result per non-blank data row, in file order.
///
/// Use it (rather than [`parse_courses`]) to store rows in batches while reading, e.g. inside
/// one transaction that is rolled back if any row failed. Memory stays bounded by one row plus
/// the `(code, version)` set used to catch duplicates.
pub struct CourseReader<'a, R: SkillResolver + ?Sized> {
    rows: TextRows<'a>,
    map: HeaderMap,
    resolver: &'a R,
    encoding: SourceEncoding,
    seen: HashMap<(String, String), usize>,
    progress: Progress,
}

impl<'a, R: SkillResolver + ?Sized> CourseReader<'a, R> {
    /// Decodes `bytes` (UTF-8 ± BOM, UTF-16 with BOM or GB18030) and reads the header row.
    ///
    /// Fails only for file-level problems: undecodable bytes, no header, or a header row with
    /// missing, unknown or duplicate columns.
    pub fn new(bytes: &'a [u8], resolver: &'a R) -> Result<Self, ImportError> {
        let (rows, map, encoding) = open_upload(bytes, COURSE_COLUMNS)?;
        Ok(CourseReader { rows, map, resolver, encoding, seen: HashMap::new(), progress: Progress::default() })
    }

    /// The encoding the file was read in, for the import report.
    pub fn encoding(&self) -> SourceEncoding {
        self.encoding
    }

    /// Blank rows skipped so far.
    pub fn skipped(&self) -> usize {
        self.progress.skipped
    }

    fn parse_row(&mut self, row: usize) -> Result<CourseInput, Vec<RowError>> {
        let rec = self.rows.record();
        let map = &self.map;
        let mut cx = RowCtx::new(map, row);

        let code = cx.required(rec, CODE).to_string();
        let version = match map.cell(rec, VERSION) {
            "" => "1".to_string(),
            v => v.to_string(),
        };
        let title_zh = cx.required(rec, TITLE_ZH).to_string();
        let provider = cx.required(rec, PROVIDER).to_string();
        let hours = cx.number::<f64>(rec, HOURS, "a number of hours");
        let credits = cx.number::<f64>(rec, CREDITS, "a number of credits");
        let delivery_mode = match map.cell(rec, DELIVERY_MODE) {
            "" => DeliveryMode::Blended,
            m => match parse_mode(m) {
                Some(mode) => mode,
                None => {
                    cx.error(DELIVERY_MODE, format!("`{m}` is not a delivery mode: use online/线上, offline/线下 or blended/混合式"));
                    DeliveryMode::Blended
                }
            },
        };
        let mut skill_errors = Vec::new();
        let items = parse_skill_cell(map.cell(rec, SKILLS), true, self.resolver, |e| skill_errors.push(e));
        let positions: Vec<usize> = items.iter().map(|s| s.position).collect();
        let skills =
            items.into_iter().map(|s| CourseSkill { skill: s.uri, level: s.level, weight: s.weight.unwrap_or(1.0) }).collect::<Vec<_>>();
        for e in skill_errors {
            cx.error(SKILLS, e);
        }
        let prerequisites = super::split_list(map.cell(rec, PREREQUISITES)).map(str::to_string).collect();
        // Optional: files written before the column existed stay valid.
        let valid_months = match map.cell(rec, VALID_MONTHS) {
            "" => None,
            m => match m.parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    cx.error(VALID_MONTHS, format!("`{m}` is not a whole number of months"));
                    None
                }
            },
        };

        let course = CourseInput {
            code,
            version,
            title_zh,
            title_en: cx.optional(rec, TITLE_EN),
            description_zh: cx.optional(rec, DESCRIPTION_ZH),
            description_en: cx.optional(rec, DESCRIPTION_EN),
            provider,
            hours: hours.unwrap_or(f64::NAN),
            credits: credits.unwrap_or(f64::NAN),
            delivery_mode,
            skills,
            prerequisites,
            valid_months,
        };
        if let Err(errors) = course.validate() {
            // `skills[i]` is the i-th *parsed* item; name it by its place in the cell.
            cx.validation(errors, |root, index| {
                let col = COURSE_COLUMNS.iter().position(|c| c.name == root)?;
                let item = match index {
                    Some(i) if col == SKILLS => positions.get(i).copied(),
                    other => other.map(|i| i + 1),
                };
                Some((col, item))
            });
        }
        if !course.code.is_empty() {
            let key = (course.code.clone(), course.version.clone());
            if let Some(&first) = self.seen.get(&key) {
                cx.error(CODE, format!("course {} version {} already appears in row {first}", key.0, key.1));
            } else {
                self.seen.insert(key, row);
            }
        }
        if cx.errors.is_empty() { Ok(course) } else { Err(cx.errors) }
    }
}

impl<R: SkillResolver + ?Sized> Iterator for CourseReader<'_, R> {
    type Item = Result<(usize, CourseInput), Vec<RowError>>;

    fn next(&mut self) -> Option<Self::Item> {
        let row = self.rows.next_data_row(&mut self.progress)?;
        Some(row.and_then(|row| self.parse_row(row).map(|v| (row, v))))
    }
}

/// Parses a whole course CSV: every good row and every error (see [`CsvOutcome`]).
///
/// # Arguments
/// * `bytes`: the file as uploaded, in any encoding [`decode`] accepts.
/// * `resolver`: maps skill labels and URIs to URIs (usually a [`super::SkillIndex`]).
///
/// # Returns
/// `Err` for file-level problems (encoding, header row); otherwise the outcome, whose
/// `errors` the caller must check before storing.
///
/// # Complexity
/// O(n) in the file size; one hash lookup per skill item and one per row for duplicates.
///
/// # Example
/// ```
/// use rongtong_catalog::csvio::{parse_courses, SkillIndex};
/// let skills: SkillIndex = [("http://x/s/1", Some("铸造工艺"), None::<&str>)].into_iter().collect();
/// let csv = "课程代码,课程名称,提供机构,学时,学分,技能\nZNZZ-01,铸造基础,JXJD,32,2,铸造工艺@4\n";
/// let outcome = parse_courses(csv.as_bytes(), &skills).unwrap();
/// assert!(outcome.is_clean());
/// let (row, course) = &outcome.rows[0];
/// assert_eq!((*row, course.skills[0].skill.as_str()), (2, "http://x/s/1"));
/// ```
pub fn parse_courses<R: SkillResolver + ?Sized>(bytes: &[u8], resolver: &R) -> Result<CsvOutcome<CourseInput>, ImportError> {
    let mut reader = CourseReader::new(bytes, resolver)?;
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

/// Accepts the English wire names and the usual Chinese words.
pub(crate) fn parse_mode(text: &str) -> Option<DeliveryMode> {
    match text.trim().to_ascii_lowercase().as_str() {
        "online" | "线上" | "在线" => Some(DeliveryMode::Online),
        "offline" | "线下" | "面授" => Some(DeliveryMode::Offline),
        "blended" | "混合" | "混合式" => Some(DeliveryMode::Blended),
        _ => None,
    }
}
