//! GB/T 2260 region codes as integers.
//!
//! The catalog's [`RegionCode`] validates the text; the graph keeps the
//! six digits as a `u32` so that "is this learner inside Jiangxi?" is two integer divisions
//! on a hot path instead of string slicing.

use std::str::FromStr;

use rongtong_catalog::{RegionCode, RegionLevel};

/// A validated region code as a number, e.g. `360300` for 萍乡市.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Region(pub u32);

impl Region {
    /// Parses and validates through the catalog's [`RegionCode`].
    pub fn parse(code: &str) -> Option<Region> {
        let code = RegionCode::from_str(code).ok()?;
        code.as_str().parse::<u32>().ok().map(Region)
    }

    /// Province, city or county, as the catalog defines them.
    pub fn level(self) -> RegionLevel {
        if self.0.is_multiple_of(10_000) {
            RegionLevel::Province
        } else if self.0.is_multiple_of(100) {
            RegionLevel::City
        } else {
            RegionLevel::County
        }
    }

    /// True when `self` equals `outer` or lies inside it (a county is inside its city and
    /// province, a city inside its province).
    pub fn is_within(self, outer: Region) -> bool {
        match outer.level() {
            RegionLevel::Province => self.0 / 10_000 == outer.0 / 10_000,
            RegionLevel::City => self.0 / 100 == outer.0 / 100,
            RegionLevel::County => self == outer,
        }
    }

    /// The enclosing region at `level`, or `self` when it is already coarser: counties roll
    /// up to their city, cities to their province.
    pub fn roll_up(self, level: RegionLevel) -> Region {
        match (level, self.level()) {
            (RegionLevel::Province, _) => Region(self.0 / 10_000 * 10_000),
            (RegionLevel::City, RegionLevel::County) => Region(self.0 / 100 * 100),
            _ => self,
        }
    }

    /// The six-digit text form.
    pub fn code(self) -> String {
        format!("{:06}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containment_follows_gb_t_2260() {
        let jiangxi = Region::parse("360000").expect("valid code");
        let pingxiang = Region::parse("360300").expect("valid code");
        let county = Region::parse("360321").expect("valid code");
        let ganzhou = Region::parse("360700").expect("valid code");
        assert!(pingxiang.is_within(jiangxi));
        assert!(county.is_within(pingxiang));
        assert!(county.is_within(jiangxi));
        assert!(!county.is_within(ganzhou));
        assert!(!jiangxi.is_within(pingxiang));
        assert_eq!(county.roll_up(RegionLevel::City), pingxiang);
        assert_eq!(county.roll_up(RegionLevel::Province), jiangxi);
        assert_eq!(jiangxi.roll_up(RegionLevel::City), jiangxi);
        assert_eq!(pingxiang.code(), "360300");
        assert!(Region::parse("36030").is_none());
        assert!(Region::parse("003000").is_none());
    }
}
