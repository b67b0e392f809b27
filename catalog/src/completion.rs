//! The result recorded for a course completion, and the one rule that says whether it is a
//! pass.
//!
//! People type results as free text: `合格`, `通过`, `优秀`, `pass`, `85`, `59.5分`. Before this
//! type the registry had a `fail` word list in one place and none in another, so a `不合格`
//! completion could be issued a pass certificate and a `未通过` one counted as evidence.
//! Everything that needs to know "did the learner pass?" (issuance, the matching snapshot,
//! imports, the API) parses the text here and asks [`CompletionResult::is_pass`].
//!
//! | text (trimmed, NFKC, any case)                                    | grade          | pass? |
//! |-------------------------------------------------------------------|----------------|-------|
//! | *(empty)*                                                          | `unrecorded`   | yes   |
//! | 合格 通过 已通过 及格 优秀 良好 中等 优 良 中 pass passed excellent good | `word`    | yes   |
//! | 不合格 未通过 不通过 不及格 差 fail failed                           | `word`         | no    |
//! | a score from 0 to 100, optionally with `分` or `/100` (`85`, `59.5分`) | `score`     | ≥ [`PASS_MARK`] |
//! | anything else (`A`, `很好`, `120`)                                  | error          | —     |
//!
//! *Empty* means "attended, no result recorded". The registry has always treated such a
//! completion as a pass (its old `is_fail` only recognised fail words), and records imported
//! before results were compulsory rely on it, so that meaning is kept. New records must state
//! a result: [`check_result`] refuses empty text, as the API always has.
//!
//! Letter grades are refused: no record in use has them, and A–E and A–F scales disagree on
//! where the pass line is, so guessing would be wrong for someone.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::validate::ValidationErrors;

/// The pass mark of a numeric score out of 100 (the national convention: 60 分及格).
pub const PASS_MARK: f64 = 60.0;

/// Result words that mean a pass, compared after trimming, NFKC folding and lower-casing.
const PASS_WORDS: &[&str] =
    &["合格", "通过", "已通过", "及格", "优秀", "良好", "中等", "优", "良", "中", "pass", "passed", "excellent", "good"];

/// Result words that mean a fail.
const FAIL_WORDS: &[&str] = &["不合格", "未通过", "不通过", "不及格", "差", "fail", "failed"];

/// How a result was expressed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Grade {
    /// No result recorded: the completion counts as a pass (see the module docs for why).
    Unrecorded,
    /// A pass or fail word (合格, 优秀, 不合格, pass, …).
    Word {
        /// Whether the word means a pass.
        pass: bool,
    },
    /// A score out of 100; a pass at [`PASS_MARK`] or more.
    Score {
        /// The score, in [0, 100].
        score: f64,
    },
}

/// A completion's result: the text as recorded (trimmed) and what it means.
///
/// Serialised as the recorded text, so storing and showing it never changes what people
/// typed; deserialising parses, so a bad result is refused wherever it enters.
///
/// ```
/// use rongtong_catalog::CompletionResult;
/// assert!(CompletionResult::parse("合格").unwrap().is_pass());
/// assert!(!CompletionResult::parse("未通过").unwrap().is_pass());
/// assert!(CompletionResult::parse("85分").unwrap().is_pass());
/// assert!(!CompletionResult::parse("59.5").unwrap().is_pass());
/// assert!(CompletionResult::parse("").unwrap().is_pass()); // attended, no result recorded
/// assert!(CompletionResult::parse("A").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CompletionResult {
    text: String,
    grade: Grade,
}

/// A result that is neither a known pass/fail word nor a score from 0 to 100.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a result: write 合格 or 不合格 (also 通过/未通过, 优秀/良好/中等/及格, pass/fail) or a score from 0 to 100 (pass mark 60)"
)]
pub struct CompletionResultError(pub String);

impl CompletionResult {
    /// Parses a recorded result. Leading and trailing white space is ignored; full-width
    /// characters (`８５`, `ＰＡＳＳ`) read as their ASCII forms; case does not matter.
    ///
    /// # Errors
    /// [`CompletionResultError`] for text that is neither a known word nor a score in
    /// [0, 100].
    pub fn parse(text: &str) -> Result<Self, CompletionResultError> {
        let text = text.trim();
        let folded: String = text.nfkc().collect::<String>().to_lowercase();
        let folded = folded.trim();
        let grade = if folded.is_empty() {
            Grade::Unrecorded
        } else if PASS_WORDS.contains(&folded) {
            Grade::Word { pass: true }
        } else if FAIL_WORDS.contains(&folded) {
            Grade::Word { pass: false }
        } else {
            let number = folded.strip_suffix('分').or_else(|| folded.strip_suffix("/100")).unwrap_or(folded).trim();
            match number.parse::<f64>() {
                // `parse` accepts `inf`, `nan` and exponents; a score is plain digits.
                Ok(score) if (0.0..=100.0).contains(&score) && number.bytes().all(|b| b.is_ascii_digit() || b == b'.') => {
                    Grade::Score { score: score + 0.0 }
                }
                _ => return Err(CompletionResultError(text.to_string())),
            }
        };
        Ok(CompletionResult { text: text.to_string(), grade })
    }

    /// True when the completion counts: a pass word, a score at or above [`PASS_MARK`], or
    /// no result recorded. The only place that decides; issuance, matching evidence and
    /// "completed course" all ask here.
    pub fn is_pass(&self) -> bool {
        match self.grade {
            Grade::Unrecorded => true,
            Grade::Word { pass } => pass,
            Grade::Score { score } => score >= PASS_MARK,
        }
    }

    /// The text as recorded (trimmed): what certificates and evidence strings quote.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// How the result was expressed.
    pub fn grade(&self) -> Grade {
        self.grade
    }
}

impl FromStr for CompletionResult {
    type Err = CompletionResultError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for CompletionResult {
    type Error = CompletionResultError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<CompletionResult> for String {
    fn from(r: CompletionResult) -> String {
        r.text
    }
}

impl fmt::Display for CompletionResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Validates a result entered for a *new* completion (API body, CSV cell) under `field`
/// (normally `result`): it must be given, at most 100 characters, and parse. Returns the
/// parsed result when it is valid, so the caller stores the trimmed text.
///
/// Empty text is refused here although [`CompletionResult::parse`] accepts it: new records
/// must say how the learner did; only old records may lack a result.
pub fn check_result(errs: &mut ValidationErrors, field: &str, value: &str) -> Option<CompletionResult> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        errs.push(field, "must not be empty: record 合格/不合格, pass/fail or a score");
        return None;
    }
    if trimmed.chars().count() > 100 {
        errs.push(field, "must be at most 100 characters");
        return None;
    }
    match CompletionResult::parse(trimmed) {
        Ok(r) => Some(r),
        Err(e) => {
            errs.push(field, e.to_string());
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn words() {
        for w in ["合格", "通过", "优秀", "良好", "中等", "及格", "pass", "Passed", " PASS ", "ＰＡＳＳ", "已通过"] {
            assert!(CompletionResult::parse(w).unwrap().is_pass(), "{w}");
        }
        for w in ["不合格", "未通过", "不及格", "fail", "Failed", "FAIL ", "不通过"] {
            let r = CompletionResult::parse(w).unwrap();
            assert!(!r.is_pass(), "{w}");
            assert_eq!(r.grade(), Grade::Word { pass: false });
        }
    }

    #[test]
    fn scores() {
        for (t, pass) in
            [("85", true), ("60", true), ("59.5", false), ("0", false), ("100", true), ("85分", true), ("５９", false), ("72/100", true)]
        {
            let r = CompletionResult::parse(t).unwrap();
            assert_eq!(r.is_pass(), pass, "{t}");
            assert!(matches!(r.grade(), Grade::Score { .. }), "{t}");
        }
        for bad in ["120", "-5", "nan", "inf", "1e2", "85.5.1", "A", "B+", "很好", "60分以上"] {
            assert!(CompletionResult::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn empty_means_attended() {
        let r = CompletionResult::parse("  ").unwrap();
        assert_eq!(r.grade(), Grade::Unrecorded);
        assert!(r.is_pass());
        assert_eq!(r.as_str(), "");
    }

    #[test]
    fn keeps_the_text_and_serialises_as_it() {
        let r = CompletionResult::parse(" 优秀 ").unwrap();
        assert_eq!(r.to_string(), "优秀");
        assert_eq!(serde_json::to_string(&r).unwrap(), "\"优秀\"");
        let back: CompletionResult = serde_json::from_str("\"59\"").unwrap();
        assert!(!back.is_pass());
        assert!(serde_json::from_str::<CompletionResult>("\"A\"").is_err());
    }

    #[test]
    fn validation_names_the_field() {
        for (input, ok) in [("合格", true), ("", false), ("A", false), ("不合格", true)] {
            let mut errs = ValidationErrors::new();
            let got = check_result(&mut errs, "result", input);
            assert_eq!(got.is_some(), ok, "{input}");
            assert_eq!(errs.is_empty(), ok, "{input}");
            if !ok {
                assert_eq!(errs.errors[0].field, "result");
            }
        }
    }

    proptest! {
        #[test]
        fn score_pass_is_the_pass_mark(tenths in 0u32..=1000) {
            let text = format!("{}.{}", tenths / 10, tenths % 10);
            let r = CompletionResult::parse(&text).unwrap();
            prop_assert_eq!(r.is_pass(), tenths >= 600);
        }

        #[test]
        fn never_panics_and_roundtrips(s in "\\PC{0,12}") {
            if let Ok(r) = CompletionResult::parse(&s) {
                prop_assert_eq!(r.as_str(), s.trim());
                let again = CompletionResult::parse(r.as_str()).unwrap();
                prop_assert_eq!(again.is_pass(), r.is_pass());
            }
        }
    }
}
