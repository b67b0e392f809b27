//! Administrative regions by GB/T 2260 code: province (`360000` 江西省) → city
//! (`360300` 萍乡市) → county. Rongtong uses provinces and cities (省校主站 + 地市子站);
//! a county code is accepted and rolls up to its city.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How deep a region code sits in the GB/T 2260 hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::Display, strum::EnumString, strum::AsRefStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RegionLevel {
    /// 省级: `XX0000`.
    Province,
    /// 地级: `XXXX00`.
    City,
    /// 县级: any other six-digit code.
    County,
}

/// A six-digit GB/T 2260 administrative division code.
///
/// ```
/// use rongtong_catalog::{RegionCode, RegionLevel};
/// let pingxiang: RegionCode = "360300".parse().unwrap();
/// assert_eq!(pingxiang.level(), RegionLevel::City);
/// assert_eq!(pingxiang.province().as_str(), "360000");
/// assert!(pingxiang.is_within(&"360000".parse().unwrap()));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

impl RegionCode {
    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Province, city or county.
    pub fn level(&self) -> RegionLevel {
        if &self.0[2..] == "0000" {
            RegionLevel::Province
        } else if &self.0[4..] == "00" {
            RegionLevel::City
        } else {
            RegionLevel::County
        }
    }

    /// The province this code belongs to (itself for a province).
    pub fn province(&self) -> RegionCode {
        RegionCode(format!("{}0000", &self.0[..2]))
    }

    /// The city this code belongs to (`None` for a province).
    pub fn city(&self) -> Option<RegionCode> {
        match self.level() {
            RegionLevel::Province => None,
            _ => Some(RegionCode(format!("{}00", &self.0[..4]))),
        }
    }

    /// The enclosing region one level up (`None` for a province).
    pub fn parent(&self) -> Option<RegionCode> {
        match self.level() {
            RegionLevel::Province => None,
            RegionLevel::City => Some(self.province()),
            RegionLevel::County => self.city(),
        }
    }

    /// True when `self` equals `other` or lies inside it.
    pub fn is_within(&self, other: &RegionCode) -> bool {
        match other.level() {
            RegionLevel::Province => self.0[..2] == other.0[..2],
            RegionLevel::City => self.0[..4] == other.0[..4],
            RegionLevel::County => self == other,
        }
    }
}

impl FromStr for RegionCode {
    type Err = RegionCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) && &s[..2] != "00" {
            Ok(RegionCode(s.to_string()))
        } else {
            Err(RegionCodeError(s.to_string()))
        }
    }
}

impl TryFrom<String> for RegionCode {
    type Error = RegionCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<RegionCode> for String {
    fn from(c: RegionCode) -> String {
        c.0
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegionCode({})", self.0)
    }
}

/// Text that is not a six-digit GB/T 2260 code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a GB/T 2260 region code (six digits, e.g. 360000 for Jiangxi, 360300 for Pingxiang)")]
pub struct RegionCodeError(pub String);

/// A region as stored in the shared catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    /// GB/T 2260 code.
    pub code: RegionCode,
    /// Chinese name, e.g. 萍乡市.
    pub name_zh: String,
    /// English name, e.g. Pingxiang.
    pub name_en: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hierarchy() {
        let county: RegionCode = "360321".parse().unwrap();
        assert_eq!(county.level(), RegionLevel::County);
        assert_eq!(county.parent().unwrap().as_str(), "360300");
        assert_eq!(county.province().as_str(), "360000");
        let ganzhou: RegionCode = "360700".parse().unwrap();
        assert!(!county.is_within(&ganzhou));
        assert!(ganzhou.is_within(&"360000".parse().unwrap()));
        assert!(!ganzhou.is_within(&"440000".parse().unwrap()));
    }

    #[test]
    fn rejects_malformed() {
        for bad in ["36000", "3600000", "36a000", "000000", ""] {
            assert!(bad.parse::<RegionCode>().is_err(), "{bad}");
        }
    }
}
