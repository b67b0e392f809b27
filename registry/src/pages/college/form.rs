//! Turning this area's forms into the API's inputs: a form is read as its fields in order
//! (repeated names kept — a list of checkboxes, numbered skill rows), then built into the
//! JSON body the API would receive and read with `extract::json_input`, so a form's errors
//! are the API's errors for the same input, naming the same fields (`skills[0].level`).

use serde_json::{Map, Value};

use crate::error::AppResult;

/// A submitted form's fields, in order.
#[derive(Debug, Clone, Default)]
pub(super) struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of `name`, trimmed; `""` when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).unwrap_or("")
    }

    /// The first value of `name` as typed (multi-line text keeps its inner layout), `""` when absent.
    pub fn raw(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    /// Every non-blank value of `name`, trimmed, in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, v)| k == name && !v.trim().is_empty()).map(|(_, v)| v.trim().to_string()).collect()
    }
}

/// An optional text field as JSON: absent when blank.
pub(super) fn put_opt(obj: &mut Map<String, Value>, key: &str, value: &str) {
    if !value.trim().is_empty() {
        obj.insert(key.into(), Value::String(value.to_string()));
    }
}

/// A number field as JSON: the number when the text is one, else the text itself, so that
/// reading the input refuses it with the API's own "invalid type" error naming the field.
pub(super) fn number(text: &str) -> Value {
    let t = text.trim();
    if let Ok(n) = t.parse::<u64>() {
        return Value::from(n);
    }
    match t.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
        Some(n) => Value::Number(n),
        None => Value::String(t.to_string()),
    }
}

/// A list typed as text — one item per line, or separated by commas, semicolons or blanks
/// (ASCII or full-width) — as its items.
pub(super) fn list(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '，' | '；' | '、'))
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// Reads a built body as the API reads a JSON body.
pub(super) fn input<T: serde::de::DeserializeOwned>(body: Map<String, Value>) -> AppResult<T> {
    crate::extract::json_input(Value::Object(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_stay_numbers_and_text_stays_text_for_the_type_error() {
        assert_eq!(number("32"), Value::from(32u64));
        assert_eq!(number(" 2.5 "), serde_json::json!(2.5));
        assert_eq!(number("abc"), Value::String("abc".into()));
        assert_eq!(number(""), Value::String(String::new()));
    }

    #[test]
    fn lists_split_on_any_separator() {
        assert_eq!(list("ZNZZ-01, ZNZZ-02；ZNZZ-03\nZNZZ-04"), ["ZNZZ-01", "ZNZZ-02", "ZNZZ-03", "ZNZZ-04"]);
        assert!(list("  ").is_empty());
    }

    #[test]
    fn fields_keep_repeated_names() {
        let f = Fields(vec![("learners".into(), "a".into()), ("learners".into(), " ".into()), ("learners".into(), "b".into())]);
        assert_eq!(f.all("learners"), ["a", "b"]);
        assert_eq!(f.get("missing"), "");
    }
}
