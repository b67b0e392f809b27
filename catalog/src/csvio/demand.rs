//! Talent-demand CSV import (人才需求导入): one row per position of a demand list.
//!
//! Columns (English or Chinese header, any order; **bold** ones are required):
//!
//! | column | Chinese | cell |
//! |---|---|---|
//! | **position** | 岗位 | position title |
//! | occupation | 职业 | occupation URI or 职业分类大典 code |
//! | **headcount** | 人数 | whole number 1–100000 |
//! | region | 地区 | GB/T 2260 code, blank = the list's region |
//! | deadline | 截止日期 | `2026-06-30`, `2026/06/30`, `2026/6/30` or `2026年6月30日`; blank = the list's |
//! | **essential_skills** | 必备技能 | `SKILL@LEVEL;…` |
//! | optional_skills | 可选技能 | `SKILL@LEVEL;…` |
//!
//! The list itself (title, enterprise, region) comes from the upload form, not the file, so
//! each row becomes a [`DemandItemInput`]; the skills of a row are its essential skills
//! followed by its optional ones. A weight (`@WEIGHT`) is a course notion and is rejected here.

use chrono::NaiveDate;

use super::skills::parse_skill_cell;
use super::table::{ColumnSpec, HeaderMap, Progress, RowCtx, TextRows, open_upload};
use super::{CsvOutcome, ImportError, RowError, SkillResolver, SourceEncoding};
use crate::{DemandItemInput, RegionCode, RequirementKind, SkillRequirement};

const POSITION: usize = 0;
const OCCUPATION: usize = 1;
const HEADCOUNT: usize = 2;
const REGION: usize = 3;
const DEADLINE: usize = 4;
const ESSENTIAL: usize = 5;
const OPTIONAL: usize = 6;

/// The demand columns in export order, with their accepted aliases (first alias = the Chinese
/// header the exporter writes).
pub const DEMAND_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec { name: "position", aliases: &["岗位", "岗位名称"], required: true },
    ColumnSpec { name: "occupation", aliases: &["职业"], required: false },
    ColumnSpec { name: "headcount", aliases: &["人数", "需求人数"], required: true },
    ColumnSpec { name: "region", aliases: &["地区"], required: false },
    ColumnSpec { name: "deadline", aliases: &["截止日期"], required: false },
    ColumnSpec { name: "essential_skills", aliases: &["必备技能"], required: true },
    ColumnSpec { name: "optional_skills", aliases: &["可选技能"], required: false },
];

/// A streaming demand import: yields one result per non-blank data row, in file order
/// (see [`super::CourseReader`] for why streaming).
pub struct DemandReader<'a, R: SkillResolver + ?Sized> {
    rows: TextRows<'a>,
    map: HeaderMap,
    resolver: &'a R,
    encoding: SourceEncoding,
    progress: Progress,
}

impl<'a, R: SkillResolver + ?Sized> DemandReader<'a, R> {
    /// Decodes `bytes` and reads the header row; fails only for file-level problems.
    pub fn new(bytes: &'a [u8], resolver: &'a R) -> Result<Self, ImportError> {
        let (rows, map, encoding) = open_upload(bytes, DEMAND_COLUMNS)?;
        Ok(DemandReader { rows, map, resolver, encoding, progress: Progress::default() })
    }

    /// The encoding the file was read in, for the import report.
    pub fn encoding(&self) -> SourceEncoding {
        self.encoding
    }

    /// Blank rows skipped so far.
    pub fn skipped(&self) -> usize {
        self.progress.skipped
    }

    fn parse_row(&mut self, row: usize) -> Result<DemandItemInput, Vec<RowError>> {
        let rec = self.rows.record();
        let map = &self.map;
        let mut cx = RowCtx::new(map, row);

        let position = cx.required(rec, POSITION).to_string();
        let occupation = cx.optional(rec, OCCUPATION);
        let headcount = cx.number::<u32>(rec, HEADCOUNT, "a whole number of people");
        let region = match map.cell(rec, REGION) {
            "" => None,
            r => match r.parse::<RegionCode>() {
                Ok(code) => Some(code),
                Err(_) => {
                    cx.error(REGION, format!("`{r}` is not a six-digit GB/T 2260 region code such as 360300"));
                    None
                }
            },
        };
        let deadline = match map.cell(rec, DEADLINE) {
            "" => None,
            d => match parse_date(d) {
                Some(date) => Some(date),
                None => {
                    cx.error(DEADLINE, format!("`{d}` is not a date: use YYYY-MM-DD, YYYY/MM/DD or YYYY/M/D"));
                    None
                }
            },
        };
        let mut skills = Vec::new();
        // Cell positions of the parsed items: essential ones first, then optional ones.
        let mut positions: Vec<(usize, usize)> = Vec::new();
        for (col, kind) in [(ESSENTIAL, RequirementKind::Essential), (OPTIONAL, RequirementKind::Optional)].into_iter() {
            let mut errs = Vec::new();
            let items = parse_skill_cell(map.cell(rec, col), false, self.resolver, |e| errs.push(e));
            positions.extend(items.iter().map(|s| (col, s.position)));
            skills.extend(items.into_iter().map(|s| SkillRequirement { skill: s.uri, kind, min_level: s.level }));
            for e in errs {
                cx.error(col, e);
            }
        }

        let item = DemandItemInput { position, occupation, headcount: headcount.unwrap_or(0), region, deadline, skills };
        if let Err(errors) = item.validate() {
            cx.validation(errors, |root, index| {
                if root == "skills" {
                    // skills = essential items, then optional items.
                    return Some(match index.and_then(|i| positions.get(i)) {
                        None => (ESSENTIAL, None),
                        Some(&(col, n)) => (col, Some(n)),
                    });
                }
                let col = DEMAND_COLUMNS.iter().position(|c| c.name == root)?;
                Some((col, index.map(|i| i + 1)))
            });
        }
        if cx.errors.is_empty() { Ok(item) } else { Err(cx.errors) }
    }
}

impl<R: SkillResolver + ?Sized> Iterator for DemandReader<'_, R> {
    type Item = Result<(usize, DemandItemInput), Vec<RowError>>;

    fn next(&mut self) -> Option<Self::Item> {
        let row = self.rows.next_data_row(&mut self.progress)?;
        Some(row.and_then(|row| self.parse_row(row).map(|v| (row, v))))
    }
}

/// Parses a whole demand CSV into items: every good row and every error.
///
/// # Arguments
/// * `bytes`: the file as uploaded (UTF-8 ± BOM, UTF-16 with BOM, or GB18030).
/// * `resolver`: maps skill labels and URIs to URIs.
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
/// use rongtong_catalog::csvio::{parse_demand_items, SkillIndex};
/// let skills: SkillIndex = [("http://x/s/1", Some("铸造工艺"), None::<&str>)].into_iter().collect();
/// let csv = "岗位,人数,地区,截止日期,必备技能\n铸造工,5,360300,2026/6/30,铸造工艺@中级工\n";
/// let outcome = parse_demand_items(csv.as_bytes(), &skills).unwrap();
/// assert!(outcome.is_clean(), "{:?}", outcome.errors);
/// assert_eq!(outcome.rows[0].1.headcount, 5);
/// ```
pub fn parse_demand_items<R: SkillResolver + ?Sized>(bytes: &[u8], resolver: &R) -> Result<CsvOutcome<DemandItemInput>, ImportError> {
    let mut reader = DemandReader::new(bytes, resolver)?;
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

/// Parses the date forms spreadsheets produce: `2026-06-30`, `2026/06/30`, Excel's
/// `2026/6/30`, and the Chinese `2026年6月30日`. The year must have four digits so that
/// `26/6/30` (which could be read three ways) is refused rather than guessed.
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    let parts: Vec<&str> =
        if let Some(rest) = t.strip_suffix('日') { rest.split(['年', '月']).collect() } else { t.split(['-', '/']).collect() };
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    let digits = |s: &str, lo: usize, hi: usize| (lo..=hi).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(y, 4, 4) && digits(m, 1, 2) && digits(d, 1, 2)) {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_every_accepted_form() {
        let want = NaiveDate::from_ymd_opt(2026, 6, 3);
        for text in ["2026-06-03", "2026/06/03", "2026/6/3", "2026-6-3", "2026年6月3日", " 2026/6/3 "] {
            assert_eq!(parse_date(text), want, "{text}");
        }
        for bad in ["26/6/3", "2026/13/1", "2026/2/30", "2026.6.3", "20260603", "2026/6", "2026/6/3/1", ""] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }
}
