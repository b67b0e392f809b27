//! Organizations: colleges, training centres, enterprises, evaluation organizations and
//! authorities, each identified by a short `code` and by its Unified Social Credit Code.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::RegionCode;
use crate::validate::{ValidationErrors, check_code, check_opt_text, check_text};

/// What kind of body an organization is; it decides what the organization may publish.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::Display, strum::EnumString, strum::AsRefStr, strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum OrgKind {
    /// 院校: publishes courses and curricula, issues training certificates.
    College,
    /// 培训机构: publishes courses, issues training certificates.
    TrainingCenter,
    /// 企业: publishes demand lists.
    Enterprise,
    /// 评价组织: issues vocational skill-level certificates.
    EvaluationOrg,
    /// 主管部门: an education or human-resources authority.
    Authority,
}

impl OrgKind {
    /// True for kinds that publish courses (colleges and training centres).
    pub fn provides_courses(self) -> bool {
        matches!(self, OrgKind::College | OrgKind::TrainingCenter)
    }
}

/// The 18-character Unified Social Credit Code (统一社会信用代码, GB 32100-2015), with its
/// check digit verified.
///
/// ```
/// use rongtong_catalog::Uscc;
/// assert!("91330100799655058B".parse::<Uscc>().is_ok());
/// assert!("91330100799655058C".parse::<Uscc>().is_err()); // wrong check digit
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

/// The 31 characters GB 32100 uses (no I, O, S, V, Z), in value order.
const USCC_CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Position weights 3^(i) mod 31 for the first 17 characters.
const USCC_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

impl Uscc {
    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The check character for the first 17 characters, or `None` if one is not allowed.
    pub fn check_char(first17: &str) -> Option<char> {
        let mut sum = 0u32;
        for (i, c) in first17.chars().enumerate() {
            let v = USCC_CHARSET.find(c)? as u32;
            sum += v * USCC_WEIGHTS.get(i)?;
        }
        let check = (31 - sum % 31) % 31;
        USCC_CHARSET.chars().nth(check as usize)
    }

    /// The six-digit region code embedded in characters 3–8.
    pub fn region_digits(&self) -> &str {
        &self.0[2..8]
    }
}

impl FromStr for Uscc {
    type Err = UsccError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_uppercase();
        if s.chars().count() != 18 {
            return Err(UsccError::Length(s.chars().count()));
        }
        if let Some(bad) = s.chars().find(|c| !USCC_CHARSET.contains(*c)) {
            return Err(UsccError::Character(bad));
        }
        let expected = Uscc::check_char(&s[..17]).ok_or(UsccError::Character('?'))?;
        if s.ends_with(expected) { Ok(Uscc(s)) } else { Err(UsccError::CheckDigit { expected }) }
    }
}

impl TryFrom<String> for Uscc {
    type Error = UsccError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Uscc> for String {
    fn from(c: Uscc) -> String {
        c.0
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uscc({})", self.0)
    }
}

/// Why a Unified Social Credit Code was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    /// Not 18 characters.
    #[error("a Unified Social Credit Code has 18 characters, this has {0}")]
    Length(usize),
    /// A character outside GB 32100's set.
    #[error("`{0}` may not appear in a Unified Social Credit Code (digits and A–Y without I, O, S, V, Z)")]
    Character(char),
    /// The 18th character does not match.
    #[error("check digit does not match: expected `{expected}` as the 18th character")]
    CheckDigit {
        /// The check character the first 17 characters call for.
        expected: char,
    },
}

/// An organization as submitted for creation or update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationInput {
    /// Short unique code, e.g. `jxou` (used in CSV files and URLs).
    pub code: String,
    /// What kind of organization.
    pub kind: OrgKind,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    #[serde(default)]
    pub name_en: Option<String>,
    /// The region it belongs to (province or city).
    pub region: RegionCode,
    /// Unified Social Credit Code.
    #[serde(default)]
    pub uscc: Option<Uscc>,
}

impl OrganizationInput {
    /// Checks every field.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        check_code(&mut e, "code", &self.code);
        check_text(&mut e, "name_zh", &self.name_zh, 200);
        check_opt_text(&mut e, "name_en", self.name_en.as_deref(), 200);
        e.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_codes_pass_their_check_digit() {
        // Public codes of well-known companies, checked by hand against GB 32100.
        for code in ["914403001922038216", "91330100799655058B", "9144030071526726XG", "91110000600037341L"] {
            assert!(code.parse::<Uscc>().is_ok(), "{code}");
        }
    }

    #[test]
    fn bad_codes_are_named() {
        assert_eq!("9133010079965505".parse::<Uscc>(), Err(UsccError::Length(16)));
        assert_eq!("91330100799655058I".parse::<Uscc>(), Err(UsccError::Character('I')));
        assert_eq!("913301007996550580".parse::<Uscc>(), Err(UsccError::CheckDigit { expected: 'B' }));
        assert_eq!("91330100799655058b".parse::<Uscc>().map(|u| u.region_digits().to_string()), Ok("330100".into()));
    }
}
