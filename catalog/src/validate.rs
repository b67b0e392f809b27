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

/// Checks that a required text field is present and within `max` characters.
pub fn check_text(errs: &mut ValidationErrors, field: &str, value: &str, max: usize) {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        errs.push(field, "must not be empty");
    } else if trimmed.chars().count() > max {
        errs.push(field, format!("must be at most {max} characters"));
    }
}

/// Checks an optional text field's length.
pub fn check_opt_text(errs: &mut ValidationErrors, field: &str, value: Option<&str>, max: usize) {
    if let Some(v) = value
        && v.chars().count() > max
    {
        errs.push(field, format!("must be at most {max} characters"));
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

/// A short machine code such as an organization or course code: 1–64 characters of
/// ASCII letters, digits, `-`, `_` and `.`.
pub fn check_code(errs: &mut ValidationErrors, field: &str, value: &str) {
    if value.is_empty() || value.len() > 64 {
        errs.push(field, "must be 1 to 64 characters");
    } else if !value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
        errs.push(field, "may contain only ASCII letters, digits, '-', '_' and '.'");
    }
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
}
