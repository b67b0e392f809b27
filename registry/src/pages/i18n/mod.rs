//! The one message catalogue of the web pages, in zh-CN (the default) and English.
//!
//! Every string a page shows comes from here by key: `c.t("nav.courses")` in a template,
//! `ctx.t(…)` in a handler. Each entry carries both languages, so a key cannot exist in one
//! language only; the catalogue is split into one table per area of the application (the
//! files beside this one) so that areas can grow independently, and [`lookup`] searches
//! them all as one. A test reads every template and page module and fails on a key that is
//! used but missing, and on a key defined twice.
//!
//! Dates and numbers follow Chinese conventions in zh-CN (2026年12月1日, 12,345) and ISO
//! dates in English.

use std::collections::HashMap;
use std::sync::LazyLock;

mod admin;
mod college;
mod common;
mod enterprise;
mod learner;
mod public;

/// One catalogue entry: key, zh-CN, English.
pub(crate) type Entry = (&'static str, &'static str, &'static str);

/// Every table, in the order they are searched (keys are unique across tables anyway).
const TABLES: &[&[Entry]] =
    &[common::MESSAGES, public::MESSAGES, learner::MESSAGES, enterprise::MESSAGES, college::MESSAGES, admin::MESSAGES];

static INDEX: LazyLock<HashMap<&'static str, (&'static str, &'static str)>> =
    LazyLock::new(|| TABLES.iter().flat_map(|t| t.iter()).map(|(k, zh, en)| (*k, (*zh, *en))).collect());

/// The language a page is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// 简体中文, the default.
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The `lang` attribute and cookie value.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// From a cookie value or a path segment (`zh-CN`, `zh`, `en`).
    pub fn parse(s: &str) -> Option<Lang> {
        match s.to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "zh-hans" => Some(Lang::Zh),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first supported language in an `Accept-Language` header, else Chinese.
    pub fn from_accept(header: &str) -> Lang {
        header.split(',').find_map(|part| Lang::parse(part.split(';').next().unwrap_or("").trim())).unwrap_or_default()
    }

    /// The other language (the switch in the header).
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
}

/// The message for `key` in `lang`; the key itself when missing (a test keeps that from
/// shipping).
pub fn lookup(lang: Lang, key: &str) -> &'static str {
    match INDEX.get(key) {
        Some((zh, en)) => match lang {
            Lang::Zh => zh,
            Lang::En => en,
        },
        None => {
            tracing::warn!(key, "missing message key");
            "??"
        }
    }
}

/// A date (`YYYY-MM-DD…`) as people write it: 2026年12月1日, or 2026-12-01 in English.
pub fn format_date(lang: Lang, iso: &str) -> String {
    let day = iso.get(..10).unwrap_or(iso);
    match (lang, chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")) {
        (Lang::Zh, Ok(d)) => format!("{}年{}月{}日", chrono::Datelike::year(&d), chrono::Datelike::month(&d), chrono::Datelike::day(&d)),
        _ => day.to_string(),
    }
}

/// A count with thousands separators (12,345), as both languages write it.
pub fn format_count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `t("…")` and `tr("…")` key used by a template or a page module, read from the
    /// source tree at test time.
    fn used_keys() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        let mut stack = vec![root.join("templates/web"), root.join("src/pages")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "html" || e == "rs") && !path.starts_with(root.join("src/pages/i18n")) {
                    files.push(path);
                }
            }
        }
        let mut keys = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for marker in ["t(\"", "tr(\""] {
                let mut rest = text.as_str();
                while let Some(i) = rest.find(marker) {
                    // `t(` must be a call of its own, not the tail of another name (`list(`).
                    let prev = rest[..i].chars().next_back();
                    rest = &rest[i + marker.len()..];
                    if prev.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                        continue;
                    }
                    if let Some(end) = rest.find('"') {
                        keys.push((rest[..end].to_string(), f.display().to_string()));
                    }
                }
            }
        }
        keys
    }

    #[test]
    fn every_key_used_by_a_page_is_in_the_catalogue() {
        let used = used_keys();
        assert!(used.len() > 20, "the scan finds the templates' keys ({} found)", used.len());
        let missing: Vec<_> = used.iter().filter(|(k, _)| !INDEX.contains_key(k.as_str())).collect();
        assert!(missing.is_empty(), "message keys used but not in the catalogue: {missing:?}");
    }

    #[test]
    fn every_key_is_defined_once_with_both_languages() {
        let mut seen = std::collections::HashSet::new();
        for (k, zh, en) in TABLES.iter().flat_map(|t| t.iter()) {
            assert!(seen.insert(*k), "key {k} is defined twice");
            assert!(!zh.trim().is_empty() && !en.trim().is_empty(), "key {k} lacks a language");
        }
    }

    #[test]
    fn dates_and_counts_follow_chinese_conventions() {
        assert_eq!(format_date(Lang::Zh, "2026-12-01T08:00:00Z"), "2026年12月1日");
        assert_eq!(format_date(Lang::En, "2026-12-01T08:00:00Z"), "2026-12-01");
        assert_eq!(format_count(1234567), "1,234,567");
        assert_eq!(format_count(-1000), "-1,000");
        assert_eq!(format_count(999), "999");
        assert_eq!(Lang::from_accept("en-US,en;q=0.9"), Lang::En);
        assert_eq!(Lang::from_accept("fr, zh-CN;q=0.8"), Lang::Zh);
        assert_eq!(Lang::from_accept(""), Lang::Zh);
    }
}
