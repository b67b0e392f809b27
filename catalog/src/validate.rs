//! Field-level validation errors shared by every catalog type.
//!
//! A validation never stops at the first problem: callers (the API, the CSV importer) want
//! to show a user *every* field that is wrong in one round trip, so checks push into a
//! [`ValidationErrors`] and the caller decides how to present them.

use serde::Serialize;

/// One invalid field: a dotted path (`skills[2].level`) and a human-readable reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Dotted path of the offending field, as named in the JSON body.
    pub field: String,
    /// What is wrong and, where possible, what would be right.
    pub message: String,
}

/// All the field errors found in one value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{}", self.summary())]
pub struct ValidationErrors {
    /// The errors, in the order the fields were checked.
    pub errors: Vec<FieldError>,
}

impl ValidationErrors {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// A single error.
    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut e = Self::new();
        e.push(field, message);
        e
    }

    /// Records an error for `field`.
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError { field: field.into(), message: message.into() });
    }

    /// Records an error for `field` when `ok` is false.
    pub fn check(&mut self, ok: bool, field: impl Into<String>, message: impl Into<String>) {
        if !ok {
            self.push(field, message);
        }
    }

    /// Takes in another value's errors, prefixing their fields with `prefix.`.
    pub fn nest(&mut self, prefix: &str, other: ValidationErrors) {
        for e in other.errors {
            self.errors.push(FieldError { field: format!("{prefix}.{}", e.field), message: e.message });
        }
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok(())` when empty, else `Err(self)`.
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }

    fn summary(&self) -> String {
        self.errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
    }
}

/// The longest string any JSON request body may carry in any field, in characters. Field
/// rules below are stricter; this bound covers strings no field rule looks at (ids, labels
/// inside nested objects) so that no field of a request is unbounded.
pub const MAX_ANY_TEXT: usize = 20_000;

/// The longest multi-line text (a course's description), in characters.
pub const MAX_MULTILINE_TEXT: usize = 20_000;

/// The first character `value` may not hold, if any: NUL and every other control character
/// (Unicode `Cc`: C0, DEL, C1). Multi-line text (descriptions, comments) may hold tab, line
/// feed and carriage return; single-line text (names, titles, codes) may not.
///
/// PostgreSQL refuses NUL in text outright and control characters are invisible in every
/// page and export, so they are refused at the door rather than stored.
pub fn forbidden_char(value: &str, multiline: bool) -> Option<char> {
    value.chars().find(|&c| c.is_control() && !(multiline && matches!(c, '\t' | '\n' | '\r')))
}

/// Describes a forbidden character for an error message, e.g. `U+0000`.
pub fn describe_char(c: char) -> String {
    format!("must not contain control characters (found U+{:04X})", c as u32)
}

/// Returns `value` in Unicode Normalization Form C, so that `é` typed as one code point and
/// as `e` + combining accent are stored, compared and signed as the same text.
pub fn to_nfc(value: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    if unicode_normalization::is_nfc(value) { value.to_string() } else { value.nfc().collect() }
}

/// Checks one string of a request: no NUL or control characters (tab, newline and carriage
/// return allowed, since the field rules decide which fields are multi-line) and at most
/// [`MAX_ANY_TEXT`] characters. Used by the JSON extractor on every string of every body.
pub fn check_any_text(errs: &mut ValidationErrors, field: &str, value: &str) {
    if let Some(c) = forbidden_char(value, true) {
        errs.push(field, describe_char(c));
    } else if value.chars().count() > MAX_ANY_TEXT {
        errs.push(field, format!("must be at most {MAX_ANY_TEXT} characters"));
    }
}

/// Normalises every string (object keys included) of a JSON value to NFC and checks it with
/// [`check_any_text`], naming each bad string by its path (`skills[2].skill`). The registry's
/// JSON extractor runs this on every request body before deserialising it, so no route can
/// forget it.
pub fn clean_json(value: &mut serde_json::Value) -> ValidationErrors {
    fn walk(v: &mut serde_json::Value, path: &mut String, errs: &mut ValidationErrors) {
        use serde_json::Value;
        match v {
            Value::String(s) => {
                check_any_text(errs, if path.is_empty() { "body" } else { path }, s);
                if !unicode_normalization::is_nfc(s) {
                    *s = to_nfc(s);
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    walk(item, path, errs);
                    path.truncate(len);
                }
            }
            Value::Object(map) => {
                let entries = std::mem::take(map);
                for (key, mut item) in entries {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(&key);
                    if let Some(c) = forbidden_char(&key, false) {
                        errs.push(path.as_str(), format!("field name {}", describe_char(c)));
                    }
                    walk(&mut item, path, errs);
                    path.truncate(len);
                    map.insert(to_nfc(&key), item);
                }
            }
            _ => {}
        }
    }
    let mut errs = ValidationErrors::new();
    walk(value, &mut String::new(), &mut errs);
    errs
}

/// Checks that a required single-line text field (a name, a title) is present, holds no
/// control character (tab and newline included) and has at most `max` characters.
pub fn check_text(errs: &mut ValidationErrors, field: &str, value: &str, max: usize) {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        errs.push(field, "must not be empty");
    } else {
        check_line(errs, field, value, max);
    }
}

/// Checks an optional single-line text field: no control characters, at most `max` characters.
pub fn check_opt_text(errs: &mut ValidationErrors, field: &str, value: Option<&str>, max: usize) {
    if let Some(v) = value {
        check_line(errs, field, v, max);
    }
}

/// Checks an optional multi-line text field (a description, a review comment): tab, line
/// feed and carriage return are allowed, other control characters are not; at most `max`
/// characters.
pub fn check_multiline_text(errs: &mut ValidationErrors, field: &str, value: Option<&str>, max: usize) {
    if let Some(v) = value {
        if let Some(c) = forbidden_char(v, true) {
            errs.push(field, describe_char(c));
        } else if v.chars().count() > max {
            errs.push(field, format!("must be at most {max} characters"));
        }
    }
}

fn check_line(errs: &mut ValidationErrors, field: &str, value: &str, max: usize) {
    if let Some(c) = forbidden_char(value, false) {
        errs.push(field, describe_char(c));
    } else if value.trim().chars().count() > max {
        errs.push(field, format!("must be at most {max} characters"));
    }
}

/// Parses a date in strict ISO 8601 calendar form, `YYYY-MM-DD` with a four-digit year
/// (chrono alone reads `27-03-31` as the year 27). `None` for anything else.
pub fn parse_iso_date(text: &str) -> Option<chrono::NaiveDate> {
    let b = text.as_bytes();
    let shape = b.len() == 10 && b[4] == b'-' && b[7] == b'-' && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// serde helpers for strict ISO 8601 dates ([`parse_iso_date`]) in request bodies: use
/// `#[serde(with = "rongtong_catalog::validate::iso_date")]` on a `NaiveDate` field.
pub mod iso_date {
    use serde::{Deserialize, Deserializer, Serializer};

    const EXPECTED: &str = "a date as YYYY-MM-DD (four-digit year), e.g. 2026-06-30";

    /// Serialises as `YYYY-MM-DD`.
    pub fn serialize<S: Serializer>(date: &chrono::NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&date.format("%Y-%m-%d"))
    }

    /// Deserialises strictly.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<chrono::NaiveDate, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_iso_date(&text).ok_or_else(|| serde::de::Error::invalid_value(serde::de::Unexpected::Str(&text), &EXPECTED))
    }

    /// The same for an optional date (absent or `null` is `None`); pair with `#[serde(default)]`.
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};

        /// Serialises as `YYYY-MM-DD` or `null`.
        pub fn serialize<S: Serializer>(date: &Option<chrono::NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
            match date {
                Some(d) => super::serialize(d, s),
                None => s.serialize_none(),
            }
        }

        /// Deserialises strictly; `null` is `None`.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<chrono::NaiveDate>, D::Error> {
            match Option::<String>::deserialize(d)? {
                None => Ok(None),
                Some(text) => super::super::parse_iso_date(&text)
                    .map(Some)
                    .ok_or_else(|| serde::de::Error::invalid_value(serde::de::Unexpected::Str(&text), &super::EXPECTED)),
            }
        }
    }
}

/// The longest validity a certificate may state: 50 years, in months.
pub const MAX_VALID_MONTHS: u32 = 600;

/// Checks an optional validity period in months (a course's training certificate, an
/// occupation's skill-level certificate): absent means "does not expire", else 1 to
/// [`MAX_VALID_MONTHS`].
pub fn check_valid_months(errs: &mut ValidationErrors, field: &str, value: Option<u32>) {
    if let Some(m) = value {
        errs.check((1..=MAX_VALID_MONTHS).contains(&m), field, format!("must be a number of months from 1 to {MAX_VALID_MONTHS}"));
    }
}

/// True for an absolute IRI with a scheme (`http://…`, `https://…`, `urn:…`, `did:…`).
///
/// Hand-written rather than a full RFC 3987 parser: we only need to reject relative
/// references and obvious junk, because such ids are silently dropped by JSON-LD processors.
pub fn is_absolute_iri(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once(':') else { return false };
    !rest.is_empty()
        && !value.chars().any(|c| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '{' | '}' | '|' | '\\' | '^' | '`'))
        && scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// The one safe pattern for codes (organisations, courses, frameworks, skills, curricula)
/// and usernames: 1 to 64 ASCII letters, digits, `-`, `_` and `.`, starting with a letter or
/// a digit. So a code is never `.`, `..` or a hidden name, never holds `/`, `:` or `%`, and
/// can stand as a URL path segment and inside a `did:web` identifier unescaped.
pub fn is_code(value: &str) -> bool {
    (1..=64).contains(&value.len())
        && value.starts_with(|c: char| c.is_ascii_alphanumeric())
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// What [`is_code`] asks for, as an error message.
pub const CODE_RULE: &str = "must be 1 to 64 ASCII letters, digits, '-', '_' and '.', starting with a letter or digit";

/// Checks a short machine code such as an organization or course code ([`is_code`]).
pub fn check_code(errs: &mut ValidationErrors, field: &str, value: &str) {
    errs.check(is_code(value), field, CODE_RULE);
}

/// Checks a username: the code pattern ([`is_code`]) with at least 3 characters.
pub fn check_username(errs: &mut ValidationErrors, field: &str, value: &str) {
    errs.check(value.len() >= 3 && is_code(value), field, format!("{CODE_RULE}, at least 3"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_iris() {
        assert!(is_absolute_iri("http://data.europa.eu/esco/skill/abc"));
        assert!(is_absolute_iri("urn:uuid:0d3c"));
        assert!(is_absolute_iri("did:key:z6Mk"));
        assert!(!is_absolute_iri("skills/3"));
        assert!(!is_absolute_iri("http://a b"));
        assert!(!is_absolute_iri("1http://x"));
        assert!(!is_absolute_iri("casting"));
    }

    #[test]
    fn errors_accumulate_and_nest() {
        let mut inner = ValidationErrors::new();
        check_text(&mut inner, "level", "", 10);
        let mut outer = ValidationErrors::new();
        check_code(&mut outer, "code", "bad code");
        outer.nest("skills[0]", inner);
        let fields: Vec<_> = outer.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["code", "skills[0].level"]);
    }

    fn fields(errs: &ValidationErrors) -> Vec<&str> {
        errs.errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn codes_follow_one_safe_pattern() {
        for good in ["ZNZZ-01", "jxvtc", "a", "v1.2", "org_7"] {
            assert!(is_code(good), "{good} should pass");
        }
        let long = "a".repeat(65);
        for bad in [".", "..", ".hidden", "-x", "_x", "a/b", "a:b", "a%2e", "", "a b", "ä", long.as_str()] {
            assert!(!is_code(bad), "{bad:?} should fail");
        }
        let mut e = ValidationErrors::new();
        check_username(&mut e, "username", "ab");
        check_username(&mut e, "username2", "..x");
        check_username(&mut e, "ok", "li.hua");
        assert_eq!(fields(&e), ["username", "username2"]);
    }

    #[test]
    fn single_line_text_refuses_every_control_character() {
        let mut e = ValidationErrors::new();
        check_text(&mut e, "nul", "a\u{0}b", 10);
        check_text(&mut e, "tab", "a\tb", 10);
        check_text(&mut e, "newline", "a\nb", 10);
        check_text(&mut e, "del", "a\u{7f}", 10);
        check_text(&mut e, "c1", "a\u{85}", 10);
        check_opt_text(&mut e, "opt_bell", Some("\u{7}"), 10);
        check_text(&mut e, "fine", "萍乡 市", 10);
        assert_eq!(fields(&e), ["nul", "tab", "newline", "del", "c1", "opt_bell"]);
    }

    #[test]
    fn multiline_text_allows_only_tab_and_line_breaks() {
        let mut e = ValidationErrors::new();
        check_multiline_text(&mut e, "ok", Some("line 1\r\nline\t2"), 100);
        check_multiline_text(&mut e, "nul", Some("x\u{0}"), 100);
        check_multiline_text(&mut e, "esc", Some("\u{1b}[31m"), 100);
        check_multiline_text(&mut e, "long", Some(&"x".repeat(101)), 100);
        assert_eq!(fields(&e), ["nul", "esc", "long"]);
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        let mut e = ValidationErrors::new();
        check_text(&mut e, "three", "萍乡市", 3);
        check_text(&mut e, "four", "萍乡市区", 3);
        assert_eq!(fields(&e), ["four"]);
    }

    #[test]
    fn json_strings_are_checked_by_path_and_normalised() {
        let mut v = serde_json::json!({
            "title": "Cafe\u{301}",
            "skills": [{"skill": "ok"}, {"skill": "bad\u{0}"}],
            "long": "x".repeat(MAX_ANY_TEXT + 1),
            "multi": "a\nb",
        });
        let errs = clean_json(&mut v);
        assert_eq!(fields(&errs), ["long", "skills[1].skill"]);
        assert_eq!(v["title"], "Caf\u{e9}", "combining accent composed (NFC)");
        assert_eq!(v["multi"], "a\nb");
    }

    #[test]
    fn dates_are_strict_iso_8601() {
        assert_eq!(parse_iso_date("2027-03-31"), chrono::NaiveDate::from_ymd_opt(2027, 3, 31));
        for bad in [
            "27-03-31",
            "0027-3-31",
            "2027-3-31",
            "2027/03/31",
            "2027-02-30",
            "+2027-03-31",
            "2027-03-31T00:00:00Z",
            " 2027-03-31",
            "２０２７-03-31",
        ] {
            assert_eq!(parse_iso_date(bad), None, "{bad:?}");
        }
        #[derive(serde::Deserialize)]
        struct D {
            #[serde(default, with = "iso_date::option")]
            on: Option<chrono::NaiveDate>,
        }
        assert!(serde_json::from_str::<D>(r#"{"on":"27-03-31"}"#).is_err());
        assert!(serde_json::from_str::<D>(r#"{"on":null}"#).is_ok_and(|d| d.on.is_none()));
        assert!(serde_json::from_str::<D>(r#"{}"#).is_ok_and(|d| d.on.is_none()));
        assert!(serde_json::from_str::<D>(r#"{"on":"2026-06-30"}"#).is_ok_and(|d| d.on.is_some()));
    }
}
