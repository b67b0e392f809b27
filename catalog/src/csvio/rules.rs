//! Conversion-rule CSV import and export (转换规则导入导出): one rule per row.
//!
//! Columns (English or Chinese header, any order; **bold** ones are required):
//!
//! | column | Chinese | cell |
//! |---|---|---|
//! | **code** | 规则编号 | rule code, e.g. `JXOU-R-001` |
//! | version | 版本 | blank = `1` |
//! | **owner** | 所属机构 | owning organisation code |
//! | **title** | 规则名称 | title |
//! | **target** | 目标成果 | outcome key, e.g. `course:GYJQR-04` |
//! | **effect** | 认定效力 | `exempt_course` (免修), `assessment_eligibility` (申报条件), `exempt_assessment_part:theory` (免考理论), `exempt_assessment_part:practical` (免考实操) |
//! | **sources** | 来源成果 | `KEY[level=N,years=N];…` ([`RuleSource`]'s text form) |
//! | credits | 学分 | number; blank = the course's credits for `exempt_course`, else 0 |
//! | automatic | 自动认定 | `是`/`否`, `true`/`false`, `1`/`0`; blank = no |
//! | description | 说明 | text |

use std::borrow::Cow;
use std::io::{self, Cursor, Write};

use super::table::{ColumnSpec, HeaderMap, RowCtx, Rows, Step, terminator_of};
use super::{CsvOutcome, ExportOptions, HeaderLanguage, ImportError, RowError, SourceEncoding, decode, split_list};
use crate::ValidationErrors;
use crate::recognition::{OutcomeKey, RuleEffect, RuleInput, RuleSource};

const CODE: usize = 0;
const VERSION: usize = 1;
const OWNER: usize = 2;
const TITLE: usize = 3;
const TARGET: usize = 4;
const EFFECT: usize = 5;
const SOURCES: usize = 6;
const CREDITS: usize = 7;
const AUTOMATIC: usize = 8;
const DESCRIPTION: usize = 9;

/// The rule columns in export order (first alias = the Chinese header the exporter writes).
pub const RULE_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec { name: "code", aliases: &["规则编号", "规则代码"], required: true },
    ColumnSpec { name: "version", aliases: &["版本"], required: false },
    ColumnSpec { name: "owner", aliases: &["所属机构", "制定机构"], required: true },
    ColumnSpec { name: "title", aliases: &["规则名称"], required: true },
    ColumnSpec { name: "target", aliases: &["目标成果"], required: true },
    ColumnSpec { name: "effect", aliases: &["认定效力", "转换类型"], required: true },
    ColumnSpec { name: "sources", aliases: &["来源成果"], required: true },
    ColumnSpec { name: "credits", aliases: &["学分", "认定学分"], required: false },
    ColumnSpec { name: "automatic", aliases: &["自动认定"], required: false },
    ColumnSpec { name: "description", aliases: &["说明", "规则说明"], required: false },
];

/// The headers of a rule file as written, to name columns in errors found after parsing
/// (the registry's checks against the store).
#[derive(Debug, Clone)]
pub struct RuleHeaders(HeaderMap);

impl RuleHeaders {
    /// Maps a rule's validation errors (`target`, `sources[2].outcome`, …) onto this file's
    /// columns, for row `row`.
    pub fn row_errors(&self, row: usize, errors: ValidationErrors) -> Vec<RowError> {
        let mut cx = RowCtx::new(&self.0, row);
        cx.validation(errors, locate);
        cx.errors
    }
}

fn locate(root: &str, index: Option<usize>) -> Option<(usize, Option<usize>)> {
    let col = RULE_COLUMNS.iter().position(|c| c.name == root)?;
    Some((col, index.map(|i| i + 1)))
}

/// A parsed rule file: the rows and errors, the encoding, and the headers for later errors.
#[derive(Debug)]
pub struct RuleFile {
    /// Good rows and every error.
    pub outcome: CsvOutcome<RuleInput>,
    /// The encoding the file was read in.
    pub encoding: SourceEncoding,
    /// The headers as written.
    pub headers: RuleHeaders,
}

/// Parses a rule CSV: every good row and every error (row and column as the user sees them).
///
/// ```
/// use rongtong_catalog::csvio::parse_rules;
/// let csv = "规则编号,所属机构,规则名称,目标成果,认定效力,来源成果,自动认定\n\
///            R-1,jxou,证书免修,course:GYJQR-04,免修,standard:6-31-01-10:4[years=3],是\n";
/// let file = parse_rules(csv.as_bytes()).unwrap();
/// assert!(file.outcome.is_clean(), "{:?}", file.outcome.errors);
/// assert!(file.outcome.rows[0].1.automatic);
/// ```
pub fn parse_rules(bytes: &[u8]) -> Result<RuleFile, ImportError> {
    let decoded = decode(bytes)?;
    let terminator = terminator_of(decoded.text.as_bytes());
    let input = match decoded.text {
        Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
        Cow::Owned(s) => Cow::Owned(s.into_bytes()),
    };
    let (mut rows, map) = Rows::open(Cursor::new(input), RULE_COLUMNS, true, terminator)?;
    let mut outcome = CsvOutcome::default();
    loop {
        match rows.step() {
            Ok(None) => break,
            Ok(Some(Step::Blank)) => outcome.skipped += 1,
            Ok(Some(Step::Bad(e))) => outcome.errors.push(e),
            Ok(Some(Step::Record(row))) => match parse_row(&map, rows.record(), row) {
                Ok(rule) => outcome.rows.push((row, rule)),
                Err(errs) => outcome.errors.extend(errs),
            },
            Err(e) => {
                let row = e.position().map_or(0, |p| usize::try_from(p.record() + 1).unwrap_or(0));
                outcome.errors.push(RowError::new(row, "", e.to_string()));
                break;
            }
        }
    }
    Ok(RuleFile { outcome, encoding: decoded.encoding, headers: RuleHeaders(map) })
}

fn parse_row(map: &HeaderMap, rec: &csv::StringRecord, row: usize) -> Result<RuleInput, Vec<RowError>> {
    let mut cx = RowCtx::new(map, row);
    let code = cx.required(rec, CODE).to_string();
    let version = cx.optional(rec, VERSION).unwrap_or_else(|| "1".into());
    let owner = cx.required(rec, OWNER).to_string();
    let title = cx.required(rec, TITLE).to_string();
    let target_cell = cx.required(rec, TARGET);
    let target = if target_cell.is_empty() {
        None
    } else {
        match target_cell.parse::<OutcomeKey>() {
            Ok(k) => Some(k),
            Err(e) => {
                cx.error(TARGET, format!("`{target_cell}`: {e}"));
                None
            }
        }
    };
    let effect_cell = cx.required(rec, EFFECT);
    let effect = if effect_cell.is_empty() {
        None
    } else {
        match effect_cell.parse::<RuleEffect>() {
            Ok(e) => Some(e),
            Err(e) => {
                cx.error(EFFECT, e);
                None
            }
        }
    };
    let sources_cell = cx.required(rec, SOURCES);
    let mut sources = Vec::new();
    for (n, item) in split_list(sources_cell).enumerate() {
        match item.parse::<RuleSource>() {
            Ok(s) => sources.push(s),
            Err(e) => cx.error(SOURCES, format!("item {}: {e}", n + 1)),
        }
    }
    let credits = match map.cell(rec, CREDITS) {
        "" => None,
        c => match c.parse::<f64>() {
            Ok(v) => Some(v),
            Err(_) => {
                cx.error(CREDITS, format!("`{c}` is not a number"));
                None
            }
        },
    };
    let automatic = match map.cell(rec, AUTOMATIC).to_lowercase().as_str() {
        "" | "否" | "false" | "no" | "0" | "n" => false,
        "是" | "true" | "yes" | "1" | "y" => true,
        other => {
            cx.error(AUTOMATIC, format!("`{other}` is not yes or no: write 是 or 否 (true/false)"));
            false
        }
    };
    let description = cx.optional(rec, DESCRIPTION);
    let (Some(target), Some(effect)) = (target, effect) else {
        return Err(cx.errors);
    };
    let rule = RuleInput { code, version, owner, title, description, target, effect, sources, credits, automatic };
    if let Err(errors) = rule.validate() {
        cx.validation(errors, locate);
    }
    if cx.errors.is_empty() { Ok(rule) } else { Err(cx.errors) }
}

/// Writes rules in the import format (CRLF, BOM and formula guard as the other exports).
pub fn write_rules<'r, W: Write>(mut out: W, rules: impl IntoIterator<Item = &'r RuleInput>, options: &ExportOptions) -> io::Result<()> {
    if options.bom {
        out.write_all("\u{feff}".as_bytes())?;
    }
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
    w.write_record(RULE_COLUMNS.iter().map(|s| match options.headers {
        HeaderLanguage::English => s.name,
        HeaderLanguage::Chinese => s.aliases.first().copied().unwrap_or(s.name),
    }))?;
    for r in rules {
        let sources = r.sources.iter().map(ToString::to_string).collect::<Vec<_>>().join(";");
        let credits = r.credits.map(|c| c.to_string()).unwrap_or_default();
        let cells = [
            r.code.as_str(),
            r.version.as_str(),
            r.owner.as_str(),
            r.title.as_str(),
            &r.target.to_string(),
            &r.effect.to_string(),
            &sources,
            &credits,
            if r.automatic { "true" } else { "false" },
            r.description.as_deref().unwrap_or(""),
        ];
        for cell in cells {
            w.write_field(super::guard(cell).as_bytes())?;
        }
        w.write_record(None::<&[u8]>)?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "code,owner,title,target,effect,sources,credits,automatic\n";

    #[test]
    fn bad_cells_are_named_by_row_and_column() {
        let csv = format!(
            "{HEADER}R-1,jxou,ok,course:A,exempt_course,standard:6-18-02-01:4,2,yes\n\
             R-2,jxou,bad target,course,exempt_course,course:B,,\n\
             R-3,jxou,bad source,course:A,exempt_course,course:B;nope:x,,maybe\n\
             R-4,jxou,self,course:A,exempt_course,course:A[years=0],,\n"
        );
        let file = parse_rules(csv.as_bytes()).expect("file");
        assert_eq!(file.outcome.rows.len(), 1);
        let errs: Vec<(usize, &str)> = file.outcome.errors.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert!(errs.contains(&(3, "target")), "{errs:?}");
        assert!(errs.contains(&(4, "sources")) && errs.contains(&(4, "automatic")), "{errs:?}");
        assert!(errs.contains(&(5, "sources")), "{errs:?}");
        assert!(file.outcome.errors.iter().any(|e| e.row == 5 && e.reason.starts_with("item 1")), "{:?}", file.outcome.errors);
    }

    #[test]
    fn export_reads_back() {
        let csv = format!(
            "{HEADER}R-1,jxou,=ok,standard:6-31-01-10:4,exempt_assessment_part:theory,\"standard:6-18-02-01:4;external:did:web:a.org#x[level=3,years=2]\",2.5,true\n"
        );
        let rules = parse_rules(csv.as_bytes()).expect("file").outcome.into_result().expect("clean");
        for headers in [HeaderLanguage::English, HeaderLanguage::Chinese] {
            let mut out = Vec::new();
            write_rules(&mut out, &rules, &ExportOptions { bom: true, headers }).expect("write");
            let back = parse_rules(&out).expect("file").outcome.into_result().expect("clean");
            assert_eq!(back, rules);
        }
    }
}
