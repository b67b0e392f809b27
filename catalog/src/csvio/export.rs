//! CSV export of courses, demand items and skills.
//!
//! Exports are meant to be opened in Excel/WPS, edited and imported again, so they write
//! exactly the import columns (in [`COURSE_COLUMNS`] / [`DEMAND_COLUMNS`] order), skills as
//! `URI@LEVEL` (never a label: labels may be ambiguous or renamed later), dates as
//! `YYYY-MM-DD`, numbers in Rust's shortest round-trip form, CRLF line ends, and by default a
//! UTF-8 BOM, without which Excel on Chinese Windows reads UTF-8 as GBK and shows mojibake.
//! Blank optional values are written as empty cells, which the importer reads back as `None`.
//!
//! The export → import round trip is lossless for values that are already normalised the way
//! the importer normalises them: cells are trimmed on import, so text with leading or
//! trailing blanks, or `Some("")`, comes back trimmed / `None`.
//!
//! Every cell goes through the formula guard ([`super::guard`]): text starting with `=`, `+`,
//! `-` or `@` is written as `'=…`, which Excel and WPS show as text rather than run, and the
//! importer reads back without the `'`.

use std::io::{self, Write};

use super::courses::COURSE_COLUMNS;
use super::demand::DEMAND_COLUMNS;
use super::table::ColumnSpec;
use crate::{CourseInput, DemandItemInput, RequirementKind, SkillInput};

/// Which header names to write; both import back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeaderLanguage {
    /// Canonical English names (`code`, `title_zh`, …): stable for scripts.
    #[default]
    English,
    /// Chinese names (`课程代码`, `课程名称`, …): friendlier for spreadsheet users.
    Chinese,
}

/// How to write an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportOptions {
    /// Start with a UTF-8 BOM so that Excel detects UTF-8 (default `true`); turn it off for
    /// tools that treat the BOM as part of the first header.
    pub bom: bool,
    /// Header language (default English).
    pub headers: HeaderLanguage,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions { bom: true, headers: HeaderLanguage::English }
    }
}

const SKILL_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec { name: "uri", aliases: &["技能URI"], required: true },
    ColumnSpec { name: "framework", aliases: &["技能框架"], required: true },
    ColumnSpec { name: "label_zh", aliases: &["中文名称"], required: false },
    ColumnSpec { name: "label_en", aliases: &["英文名称"], required: false },
    ColumnSpec { name: "skill_type", aliases: &["类型"], required: true },
    ColumnSpec { name: "reuse_level", aliases: &["复用级别"], required: false },
    ColumnSpec { name: "status", aliases: &["状态"], required: false },
    ColumnSpec { name: "alt_labels", aliases: &["别名"], required: false },
    ColumnSpec { name: "description", aliases: &["描述"], required: false },
];

fn writer<W: Write>(mut out: W, specs: &[ColumnSpec], options: &ExportOptions) -> io::Result<csv::Writer<W>> {
    if options.bom {
        out.write_all("\u{feff}".as_bytes())?;
    }
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
    let headers = specs.iter().map(|s| match options.headers {
        HeaderLanguage::English => s.name,
        HeaderLanguage::Chinese => s.aliases.first().copied().unwrap_or(s.name),
    });
    w.write_record(headers)?;
    Ok(w)
}

/// Writes one record, every cell through the formula guard.
fn write_row<W: Write>(w: &mut csv::Writer<W>, cells: &[&str]) -> io::Result<()> {
    for cell in cells {
        w.write_field(super::guard(cell).as_bytes())?;
    }
    w.write_record(None::<&[u8]>)?;
    Ok(())
}

fn opt(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("")
}

/// Writes courses with the import's columns; skills as `URI@LEVEL`, or `URI@LEVEL@WEIGHT`
/// when the weight is not 1.
///
/// # Example
/// ```
/// use rongtong_catalog::csvio::{write_courses, ExportOptions};
/// let mut out = Vec::new();
/// write_courses(&mut out, &[], &ExportOptions { bom: false, ..Default::default() }).unwrap();
/// assert!(out.starts_with(b"code,version,title_zh"));
/// ```
pub fn write_courses<'c, W: Write>(out: W, courses: impl IntoIterator<Item = &'c CourseInput>, options: &ExportOptions) -> io::Result<()> {
    let mut w = writer(out, COURSE_COLUMNS, options)?;
    let mut skills = String::new();
    for c in courses {
        skills.clear();
        for (i, s) in c.skills.iter().enumerate() {
            if i > 0 {
                skills.push(';');
            }
            skills.push_str(&s.skill);
            skills.push('@');
            skills.push_str(&s.level.to_string());
            if s.weight != 1.0 {
                skills.push('@');
                skills.push_str(&s.weight.to_string());
            }
        }
        let hours = c.hours.to_string();
        let credits = c.credits.to_string();
        let prerequisites = c.prerequisites.join(";");
        let valid_months = c.valid_months.map(|m| m.to_string()).unwrap_or_default();
        write_row(
            &mut w,
            &[
                c.code.as_str(),
                &c.version,
                &c.title_zh,
                opt(&c.title_en),
                &c.provider,
                &hours,
                &credits,
                &skills,
                &prerequisites,
                opt(&c.description_zh),
                opt(&c.description_en),
                c.delivery_mode.as_ref(),
                &valid_months,
            ],
        )?;
    }
    w.flush()
}

/// Writes demand items with the import's columns: essential and optional skills in their own
/// columns as `URI@LEVEL`, deadlines as `YYYY-MM-DD`.
pub fn write_demand_items<'d, W: Write>(
    out: W,
    items: impl IntoIterator<Item = &'d DemandItemInput>,
    options: &ExportOptions,
) -> io::Result<()> {
    let mut w = writer(out, DEMAND_COLUMNS, options)?;
    for d in items {
        let cell = |kind: RequirementKind| {
            d.skills.iter().filter(|s| s.kind == kind).map(|s| format!("{}@{}", s.skill, s.min_level)).collect::<Vec<_>>().join(";")
        };
        let headcount = d.headcount.to_string();
        let deadline = d.deadline.map(|date| date.format("%Y-%m-%d").to_string()).unwrap_or_default();
        write_row(
            &mut w,
            &[
                d.position.as_str(),
                opt(&d.occupation),
                &headcount,
                d.region.as_ref().map_or("", |r| r.as_str()),
                &deadline,
                &cell(RequirementKind::Essential),
                &cell(RequirementKind::Optional),
            ],
        )?;
    }
    w.flush()
}

/// Writes skills (e.g. a framework or search result) for review in a spreadsheet: uri,
/// framework, label_zh, label_en, skill_type, reuse_level, status, alt_labels joined by `|`
/// (a character ESCO labels do not use, unlike `,` and `;`), description.
pub fn write_skills<'s, W: Write>(out: W, skills: impl IntoIterator<Item = &'s SkillInput>, options: &ExportOptions) -> io::Result<()> {
    let mut w = writer(out, SKILL_COLUMNS, options)?;
    for s in skills {
        let alt = s.alt_labels.join("|");
        write_row(
            &mut w,
            &[
                opt(&s.uri),
                &s.framework,
                opt(&s.label_zh),
                opt(&s.label_en),
                s.skill_type.as_ref(),
                opt(&s.reuse_level),
                &s.status,
                &alt,
                opt(&s.description),
            ],
        )?;
    }
    w.flush()
}
