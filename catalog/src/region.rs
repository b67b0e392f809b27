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

    /// The two-letter code of the province (GB/T 2260's alphabetic code, as in ISO 3166-2:CN:
    /// `JX` for 江西, `GD` for 广东), used where people read and type identifiers — certificate
    /// numbers. `None` for a numeric prefix that is no province.
    pub fn province_letters(&self) -> Option<&'static str> {
        Some(match &self.0[..2] {
            "11" => "BJ",
            "12" => "TJ",
            "13" => "HE",
            "14" => "SX",
            "15" => "NM",
            "21" => "LN",
            "22" => "JL",
            "23" => "HL",
            "31" => "SH",
            "32" => "JS",
            "33" => "ZJ",
            "34" => "AH",
            "35" => "FJ",
            "36" => "JX",
            "37" => "SD",
            "41" => "HA",
            "42" => "HB",
            "43" => "HN",
            "44" => "GD",
            "45" => "GX",
            "46" => "HI",
            "50" => "CQ",
            "51" => "SC",
            "52" => "GZ",
            "53" => "YN",
            "54" => "XZ",
            "61" => "SN",
            "62" => "GS",
            "63" => "QH",
            "64" => "NX",
            "65" => "XJ",
            "71" => "TW",
            "81" => "HK",
            "82" => "MO",
            _ => return None,
        })
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
#[serde(deny_unknown_fields)]
pub struct Region {
    /// GB/T 2260 code.
    pub code: RegionCode,
    /// Chinese name, e.g. 萍乡市.
    pub name_zh: String,
    /// English name, e.g. Pingxiang.
    pub name_en: String,
}

impl Region {
    /// Checks the names: required single-line text of at most 100 characters (the longest
    /// GB/T 2260 name has 13).
    pub fn validate(&self) -> Result<(), crate::ValidationErrors> {
        let mut e = crate::ValidationErrors::new();
        crate::validate::check_text(&mut e, "name_zh", &self.name_zh, 100);
        crate::validate::check_opt_text(&mut e, "name_en", Some(&self.name_en), 100);
        e.into_result()
    }
}

/// One division of the embedded GB/T 2260 list: a province-level division or a
/// prefecture-level one (地级: cities, prefectures, autonomous prefectures, leagues).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Division {
    /// Six-digit code, e.g. `360300`.
    pub code: &'static str,
    /// Official Chinese name, e.g. `萍乡市`.
    pub name_zh: &'static str,
    /// The province's code for a prefecture-level division; `None` for a province.
    pub parent: Option<&'static str>,
    /// [`RegionLevel::Province`] or [`RegionLevel::City`].
    pub level: RegionLevel,
}

/// The embedded list, `catalog/data/gbt2260-regions.csv` (provenance and licence in
/// `catalog/data/README.md`).
const GBT2260_CSV: &str = include_str!("../data/gbt2260-regions.csv");

/// Every province-level division (34, Taiwan, Hong Kong and Macao included, as in GB/T 2260)
/// and every prefecture-level division (333), in code order, so that a fresh database knows
/// the regions demand, courses and learners are filed under without an import.
///
/// Municipalities (北京, 天津, 上海, 重庆) have no prefecture level, and the pseudo-entries
/// for county-level units directly under a province (`429000` 省直辖县级行政区划) are not
/// divisions, so neither appears.
///
/// The file is embedded and checked by the tests, so parsing cannot fail at run time; a
/// malformed line would be skipped rather than panic.
///
/// ```
/// use rongtong_catalog::{RegionLevel, gbt2260_divisions};
/// let all = gbt2260_divisions();
/// assert_eq!(all.iter().filter(|d| d.level == RegionLevel::Province).count(), 34);
/// let pingxiang = all.iter().find(|d| d.code == "360300").unwrap();
/// assert_eq!((pingxiang.name_zh, pingxiang.parent), ("萍乡市", Some("360000")));
/// ```
pub fn gbt2260_divisions() -> Vec<Division> {
    GBT2260_CSV
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut f = line.split(',');
            let (code, name_zh, parent, level) = (f.next()?, f.next()?, f.next()?, f.next()?);
            Some(Division { code, name_zh, parent: Some(parent).filter(|p| !p.is_empty()), level: level.trim().parse().ok()? })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_province_of_the_embedded_list_has_its_two_letters() {
        let provinces: Vec<Division> = gbt2260_divisions().into_iter().filter(|d| d.level == RegionLevel::Province).collect();
        assert_eq!(provinces.len(), 34);
        let mut letters = std::collections::HashSet::new();
        for p in &provinces {
            let code: RegionCode = p.code.parse().unwrap();
            let l = code.province_letters().unwrap_or_else(|| panic!("{} {} has no letters", p.code, p.name_zh));
            assert!(letters.insert(l), "{l} twice");
        }
        let pingxiang: RegionCode = "360300".parse().unwrap();
        assert_eq!(pingxiang.province_letters(), Some("JX"));
    }

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
    fn gbt2260_list() {
        let all = gbt2260_divisions();
        let provinces: Vec<&Division> = all.iter().filter(|d| d.level == RegionLevel::Province).collect();
        assert_eq!(provinces.len(), 34);
        assert_eq!(all.len() - provinces.len(), 333, "prefecture-level divisions");
        let find = |c: &str| all.iter().find(|d| d.code == c).unwrap_or_else(|| panic!("{c} missing"));
        assert_eq!((find("360000").name_zh, find("360000").parent), ("江西省", None));
        for (code, name) in [("360300", "萍乡市"), ("360700", "赣州市"), ("360600", "鹰潭市")] {
            let d = find(code);
            assert_eq!((d.name_zh, d.parent, d.level), (name, Some("360000"), RegionLevel::City));
        }
        let mut codes: Vec<&str> = all.iter().map(|d| d.code).collect();
        codes.dedup();
        assert_eq!(codes.len(), all.len(), "codes unique and sorted");
        for d in &all {
            let code: RegionCode = d.code.parse().unwrap();
            assert_eq!(code.level(), d.level, "{}", d.code);
            assert!(!d.name_zh.is_empty());
            if let Some(p) = d.parent {
                assert_eq!(find(p).level, RegionLevel::Province, "{} parent", d.code);
                assert_eq!(code.parent().unwrap().as_str(), p, "{} parent", d.code);
            }
        }
        // Every line of the file parsed (none silently skipped).
        assert_eq!(GBT2260_CSV.lines().count() - 1, all.len());
    }

    #[test]
    fn rejects_malformed() {
        for bad in ["36000", "3600000", "36a000", "000000", ""] {
            assert!(bad.parse::<RegionCode>().is_err(), "{bad}");
        }
    }
}
