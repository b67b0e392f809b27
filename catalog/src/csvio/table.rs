//! Shared machinery: header mapping and row iteration with spreadsheet row numbers.

use std::borrow::Cow;
use std::io::{Cursor, Read};

use csv::StringRecord;

use super::{HeaderProblem, ImportError, RowError, SourceEncoding, decode};

/// A column an import understands: its canonical English name and the aliases accepted.
#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    /// Canonical name, as written by the exporter.
    pub name: &'static str,
    /// Other accepted headers (Chinese names first). Headers are compared ignoring ASCII case,
    /// blanks, `_`, `-` and `*` markers.
    pub aliases: &'static [&'static str],
    /// Whether the file must have this column.
    pub required: bool,
}

/// Lower-cases ASCII and drops whitespace (ASCII and full-width), `_`, `-` and required-field
/// markers (`*`, `＊`), so `Title ZH`, `title_zh` and `*课程名称` all normalise predictably.
pub(crate) fn normalize_header(h: &str) -> String {
    h.chars().filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '*' | '＊' | '\u{feff}')).map(|c| c.to_ascii_lowercase()).collect()
}

/// Where each spec's column is in the file, plus the headers as written.
#[derive(Debug, Clone)]
pub(crate) struct HeaderMap {
    /// `index[i]` is the file column of `specs[i]`, if present.
    pub index: Vec<Option<usize>>,
    /// The file's headers, trimmed.
    pub headers: Vec<String>,
    /// The specs this map was built from.
    pub specs: &'static [ColumnSpec],
    /// Positions of columns whose header is blank (strict mode only): their cells must be
    /// blank too, or data would be silently ignored.
    pub blank: Vec<usize>,
}

impl HeaderMap {
    /// Maps `record` onto `specs`; with `strict`, unknown headers are problems (user files),
    /// without, they are ignored (the official ESCO files carry columns we do not use).
    pub fn build(record: &StringRecord, specs: &'static [ColumnSpec], strict: bool) -> Result<Self, ImportError> {
        let headers: Vec<String> = record.iter().map(|h| h.trim().trim_start_matches('\u{feff}').to_string()).collect();
        let mut index: Vec<Option<usize>> = vec![None; specs.len()];
        let mut seen: Vec<Vec<usize>> = vec![Vec::new(); specs.len()];
        let mut problems = Vec::new();
        let mut blank = Vec::new();
        for (pos, header) in headers.iter().enumerate() {
            let norm = normalize_header(header);
            if norm.is_empty() {
                // Excel often carries a trailing empty header; accept it only if its cells
                // are empty too (checked per row).
                if strict {
                    blank.push(pos);
                }
                continue;
            }
            let found =
                specs.iter().position(|s| normalize_header(s.name) == norm || s.aliases.iter().any(|a| normalize_header(a) == norm));
            match found {
                Some(i) => {
                    seen[i].push(pos);
                    index[i].get_or_insert(pos);
                }
                None if strict => problems.push(HeaderProblem::Unknown { header: header.clone(), position: pos + 1 }),
                None => {}
            }
        }
        for (i, spec) in specs.iter().enumerate() {
            if seen[i].len() > 1 {
                problems.push(HeaderProblem::Duplicate {
                    column: spec.name.to_string(),
                    headers: seen[i].iter().map(|&p| headers[p].clone()).collect(),
                });
            }
            if spec.required && index[i].is_none() {
                let alias = spec.aliases.first().map(|a| format!(" ({a})")).unwrap_or_default();
                problems.push(HeaderProblem::Missing { column: format!("{}{alias}", spec.name) });
            }
        }
        if problems.is_empty() { Ok(HeaderMap { index, headers, specs, blank }) } else { Err(ImportError::Headers(problems)) }
    }

    /// The cell of spec `i` in `record`, trimmed and without an export's formula guard
    /// ([`super::unguard`]); `""` when the column is absent.
    pub fn cell<'r>(&self, record: &'r StringRecord, i: usize) -> &'r str {
        self.index[i].and_then(|p| record.get(p)).map(|c| super::unguard(c.trim())).unwrap_or("")
    }

    /// The header of spec `i` as the user wrote it, or its canonical name when absent.
    pub fn column(&self, i: usize) -> String {
        match self.index[i] {
            Some(p) => self.headers[p].clone(),
            None => self.specs[i].name.to_string(),
        }
    }
}

/// A CSV reader that yields records with their spreadsheet row numbers.
pub(crate) struct Rows<R: Read> {
    reader: csv::Reader<R>,
    record: StringRecord,
    /// Line breaks inside quoted cells seen so far: `line - embedded` is the spreadsheet row.
    embedded: u64,
    width: usize,
    blank: Vec<usize>,
    /// False for CR-terminated files, whose lines csv does not count: rows are then numbered
    /// by record, which is exact unless the file has empty lines.
    by_line: bool,
}

/// What one step of [`Rows`] produced.
pub(crate) enum Step {
    /// A record with the expected number of fields.
    Record(usize),
    /// A row that is blank in every cell.
    Blank,
    /// A row that cannot be read; the error is already built.
    Bad(RowError),
}

impl<R: Read> Rows<R> {
    /// Reads the header row and maps it.
    ///
    /// Records end at `terminator` only (`\n`, or `\r` for old Mac files), not at csv's
    /// default "any of CR, LF, CRLF": with that default the LF of a CRLF pair is consumed with
    /// the *next* record and every line number of an Excel (CRLF) file lags by one. The CR
    /// left at the end of the last cell is removed by the trimming every cell gets anyway.
    pub fn open(input: R, specs: &'static [ColumnSpec], strict: bool, terminator: u8) -> Result<(Self, HeaderMap), ImportError> {
        let mut reader =
            csv::ReaderBuilder::new().has_headers(false).flexible(true).terminator(csv::Terminator::Any(terminator)).from_reader(input);
        let mut record = StringRecord::new();
        if !reader.read_record(&mut record)? {
            return Err(ImportError::Empty);
        }
        let map = HeaderMap::build(&record, specs, strict)?;
        let embedded = newlines(&record);
        let width = record.len();
        let blank = map.blank.clone();
        Ok((Rows { reader, record, embedded, width, blank, by_line: terminator == b'\n' }, map))
    }

    /// The current record (valid after [`Step::Record`]).
    pub fn record(&self) -> &StringRecord {
        &self.record
    }

    /// Advances; `Ok(None)` at the end, `Err` only for I/O failures.
    pub fn step(&mut self) -> Result<Option<Step>, csv::Error> {
        let result = self.reader.read_record(&mut self.record);
        let line = self.reader.position().line();
        match result {
            Ok(false) => Ok(None),
            Ok(true) => {
                let row = match self.record.position() {
                    Some(p) if !self.by_line => usize::try_from(p.record() + 1).unwrap_or(usize::MAX),
                    p => row_number(p.map_or(line, |p| p.line()), self.embedded),
                };
                self.embedded += newlines(&self.record);
                if self.record.iter().all(|f| f.trim().is_empty()) {
                    return Ok(Some(Step::Blank));
                }
                let len = self.record.len();
                let extras_blank = self.record.iter().skip(self.width).all(|f| f.trim().is_empty());
                if len < self.width || !extras_blank {
                    return Ok(Some(Step::Bad(RowError::new(
                        row,
                        "",
                        format!("has {len} fields but the header has {}; check for a missing or extra comma", self.width),
                    ))));
                }
                if let Some(&p) = self.blank.iter().find(|&&p| self.record.get(p).is_some_and(|f| !f.trim().is_empty())) {
                    return Ok(Some(Step::Bad(RowError::new(
                        row,
                        "",
                        format!("column {} has a value but no header; add the header or clear the column", p + 1),
                    ))));
                }
                Ok(Some(Step::Record(row)))
            }
            Err(e) => match e.kind() {
                csv::ErrorKind::Utf8 { pos, err } => {
                    let start = pos.as_ref().map_or(line, |p| p.line());
                    let row = row_number(start, self.embedded);
                    Ok(Some(Step::Bad(RowError::new(row, "", format!("field {} is not valid UTF-8", err.field() + 1)))))
                }
                _ => Err(e),
            },
        }
    }
}

/// The rows of an uploaded file, read from memory.
pub(crate) type TextRows<'a> = Rows<Cursor<Cow<'a, [u8]>>>;

/// Opens an uploaded file for a user-facing import: decodes it (UTF-8 ± BOM, UTF-16 with
/// BOM, GB18030), picks its line terminator and maps its header row onto `specs` strictly
/// (an unknown header is a problem). Fails only for file-level problems.
pub(crate) fn open_upload<'a>(
    bytes: &'a [u8],
    specs: &'static [ColumnSpec],
) -> Result<(TextRows<'a>, HeaderMap, SourceEncoding), ImportError> {
    let decoded = decode(bytes)?;
    let terminator = terminator_of(decoded.text.as_bytes());
    let input = match decoded.text {
        Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
        Cow::Owned(s) => Cow::Owned(s.into_bytes()),
    };
    let (rows, map) = Rows::open(Cursor::new(input), specs, true, terminator)?;
    Ok((rows, map, decoded.encoding))
}

/// Where a streaming reader stands: whether it is done, and the blank rows it skipped.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    done: bool,
    /// Blank rows skipped so far.
    pub skipped: usize,
}

impl<R: Read> Rows<R> {
    /// The next data row a reader must parse (its spreadsheet number, the record then in
    /// [`Rows::record`]), or the error of a row that cannot be read; blank rows are counted
    /// in `progress` and passed over. `None` at the end. An unrecoverable CSV error ends the
    /// file, reported on its row (in-memory input cannot fail with I/O).
    pub fn next_data_row(&mut self, progress: &mut Progress) -> Option<Result<usize, Vec<RowError>>> {
        while !progress.done {
            match self.step() {
                Ok(None) => progress.done = true,
                Ok(Some(Step::Blank)) => progress.skipped += 1,
                Ok(Some(Step::Bad(e))) => return Some(Err(vec![e])),
                Ok(Some(Step::Record(row))) => return Some(Ok(row)),
                Err(e) => {
                    progress.done = true;
                    let row = e.position().map_or(0, |p| usize::try_from(p.record() + 1).unwrap_or(0));
                    return Some(Err(vec![RowError::new(row, "", e.to_string())]));
                }
            }
        }
        None
    }
}

/// The record terminator of an in-memory text: LF, unless the text has CRs and no LF at all.
pub(crate) fn terminator_of(text: &[u8]) -> u8 {
    if !text.contains(&b'\n') && text.contains(&b'\r') { b'\r' } else { b'\n' }
}

fn newlines(record: &StringRecord) -> u64 {
    record.as_slice().bytes().filter(|&b| b == b'\n').count() as u64
}

fn row_number(line: u64, embedded: u64) -> usize {
    usize::try_from(line.saturating_sub(embedded)).unwrap_or(usize::MAX)
}

/// Collects the errors of one row and remembers which columns already failed, so that
/// `validate()` does not report the same cell a second time with a vaguer message.
pub(crate) struct RowCtx<'m> {
    pub map: &'m HeaderMap,
    pub row: usize,
    pub errors: Vec<RowError>,
    bad: Vec<usize>,
}

impl<'m> RowCtx<'m> {
    pub fn new(map: &'m HeaderMap, row: usize) -> Self {
        RowCtx { map, row, errors: Vec::new(), bad: Vec::new() }
    }

    /// Records an error in column `col` (a spec index).
    pub fn error(&mut self, col: usize, reason: impl Into<String>) {
        self.errors.push(RowError::new(self.row, self.map.column(col), reason));
        self.bad.push(col);
    }

    /// A required cell: an error when blank.
    pub fn required<'r>(&mut self, record: &'r StringRecord, col: usize) -> &'r str {
        let cell = self.map.cell(record, col);
        if cell.is_empty() {
            self.error(col, "is required and must not be empty");
        }
        cell
    }

    /// An optional text cell: blank means `None`.
    pub fn optional(&self, record: &StringRecord, col: usize) -> Option<String> {
        let cell = self.map.cell(record, col);
        (!cell.is_empty()).then(|| cell.to_string())
    }

    /// A required number cell.
    pub fn number<T: std::str::FromStr>(&mut self, record: &StringRecord, col: usize, what: &str) -> Option<T> {
        let cell = self.required(record, col);
        if cell.is_empty() {
            return None;
        }
        match cell.parse::<T>() {
            Ok(v) => Some(v),
            Err(_) => {
                self.error(col, format!("`{cell}` is not {what}"));
                None
            }
        }
    }

    /// Maps a value's `validate()` errors onto columns. `locate` turns a field's root name and
    /// index (`skills`, `Some(2)`) into a column (spec index) and an item number (1-based)
    /// within that column's list.
    pub fn validation(&mut self, errors: crate::ValidationErrors, locate: impl Fn(&str, Option<usize>) -> Option<(usize, Option<usize>)>) {
        for fe in errors.errors {
            let (root, index, rest) = split_field(&fe.field);
            match locate(root, index) {
                Some((col, _)) if self.bad.contains(&col) && index.is_none() => {}
                Some((col, item)) => {
                    // `skills[i].skill` needs no suffix: the message names the skill already.
                    let reason = match (item, rest.is_empty() || rest == "skill") {
                        (Some(n), true) => format!("item {n}: {}", fe.message),
                        (Some(n), false) => format!("item {n} {rest}: {}", fe.message),
                        (None, _) => fe.message,
                    };
                    self.errors.push(RowError::new(self.row, self.map.column(col), reason));
                }
                None => self.errors.push(RowError::new(self.row, root, fe.message)),
            }
        }
    }
}

/// `skills[2].weight` → (`skills`, `Some(2)`, `weight`); `hours` → (`hours`, `None`, ``).
fn split_field(field: &str) -> (&str, Option<usize>, &str) {
    let root_end = field.find(['[', '.']).unwrap_or(field.len());
    let root = &field[..root_end];
    let tail = &field[root_end..];
    if let Some(inner) = tail.strip_prefix('[')
        && let Some((num, rest)) = inner.split_once(']')
    {
        return (root, num.parse().ok(), rest.trim_start_matches('.'));
    }
    (root, None, tail.trim_start_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_split_into_root_index_and_rest() {
        assert_eq!(split_field("skills[2].weight"), ("skills", Some(2), "weight"));
        assert_eq!(split_field("prerequisites[0]"), ("prerequisites", Some(0), ""));
        assert_eq!(split_field("hours"), ("hours", None, ""));
    }

    #[test]
    fn headers_normalise_case_spaces_and_markers() {
        assert_eq!(normalize_header(" Title ZH "), "titlezh");
        assert_eq!(normalize_header("*课程 名称"), "课程名称");
        assert_eq!(normalize_header("title_zh"), normalize_header("TITLE-ZH"));
    }
}
