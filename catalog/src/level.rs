//! China's vocational skill levels (国家职业技能等级).
//!
//! The national scale runs from 五级/初级工 (level 5, the entry level) to 一级/高级技师
//! (level 1, the highest). Because *smaller numbers mean more proficiency*, comparing raw
//! numbers is a trap: `2 > 3` is true, yet level 2 is the *higher* qualification. All code
//! therefore goes through [`SkillLevel`], whose `Ord` is by proficiency, so that
//! `SkillLevel::L2 > SkillLevel::L3` and `held >= required` reads the way it means.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A level on China's five-step vocational skill scale, ordered by proficiency.
///
/// The wire form (JSON, CSV, database) is the official number 1–5; Chinese names such as
/// `三级`, `中级工` or `高级技师` are accepted when parsing.
///
/// ```
/// use rongtong_catalog::SkillLevel;
/// let held = SkillLevel::new(2).unwrap();     // 二级 / 技师
/// let required = SkillLevel::new(3).unwrap(); // 三级 / 高级工
/// assert!(held > required);
/// assert!(held.satisfies(required));
/// assert!(!required.satisfies(held));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct SkillLevel(u8);

impl SkillLevel {
    /// 一级 / 高级技师: the highest level.
    pub const L1: SkillLevel = SkillLevel(1);
    /// 二级 / 技师.
    pub const L2: SkillLevel = SkillLevel(2);
    /// 三级 / 高级工.
    pub const L3: SkillLevel = SkillLevel(3);
    /// 四级 / 中级工.
    pub const L4: SkillLevel = SkillLevel(4);
    /// 五级 / 初级工: the entry level.
    pub const L5: SkillLevel = SkillLevel(5);
    /// The highest level (一级).
    pub const HIGHEST: SkillLevel = SkillLevel::L1;
    /// The entry level (五级).
    pub const LOWEST: SkillLevel = SkillLevel::L5;
    /// All levels from the entry level up to the highest.
    pub const ALL_ASCENDING: [SkillLevel; 5] = [Self::L5, Self::L4, Self::L3, Self::L2, Self::L1];

    /// Builds a level from its official number (1 = highest … 5 = entry).
    pub fn new(number: u8) -> Result<Self, LevelError> {
        if (1..=5).contains(&number) { Ok(SkillLevel(number)) } else { Err(LevelError(number.to_string())) }
    }

    /// The official number, 1 (highest) to 5 (entry). Use it for display and storage only;
    /// compare levels with `Ord`, never by their numbers.
    pub fn number(self) -> u8 {
        self.0
    }

    /// Proficiency rank from 1 (entry, 五级) to 5 (highest, 一级): grows with proficiency,
    /// for scores and arithmetic such as "how many steps short".
    pub fn rank(self) -> u8 {
        6 - self.0
    }

    /// True when a holder of `self` meets a requirement of `required` (same or higher level).
    pub fn satisfies(self, required: SkillLevel) -> bool {
        self >= required
    }

    /// How many steps `self` falls short of `required` (0 when it satisfies it).
    pub fn shortfall(self, required: SkillLevel) -> u8 {
        required.rank().saturating_sub(self.rank())
    }

    /// The Chinese name, e.g. `三级/高级工`.
    pub fn name_zh(self) -> &'static str {
        match self.0 {
            1 => "一级/高级技师",
            2 => "二级/技师",
            3 => "三级/高级工",
            4 => "四级/中级工",
            _ => "五级/初级工",
        }
    }

    /// The English name, e.g. `Level 3 (senior worker)`.
    pub fn name_en(self) -> &'static str {
        match self.0 {
            1 => "Level 1 (senior technician)",
            2 => "Level 2 (technician)",
            3 => "Level 3 (senior worker)",
            4 => "Level 4 (intermediate worker)",
            _ => "Level 5 (junior worker)",
        }
    }
}

impl Ord for SkillLevel {
    fn cmp(&self, other: &Self) -> Ordering {
        // Smaller official number = more proficient, hence the reversal.
        other.0.cmp(&self.0)
    }
}

impl PartialOrd for SkillLevel {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Debug for SkillLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SkillLevel({})", self.0)
    }
}

impl fmt::Display for SkillLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl TryFrom<u8> for SkillLevel {
    type Error = LevelError;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        SkillLevel::new(value)
    }
}

impl From<SkillLevel> for u8 {
    fn from(level: SkillLevel) -> u8 {
        level.0
    }
}

impl TryFrom<i32> for SkillLevel {
    type Error = LevelError;
    fn try_from(value: i32) -> Result<Self, Self::Error> {
        u8::try_from(value).map_err(|_| LevelError(value.to_string())).and_then(SkillLevel::new)
    }
}

impl FromStr for SkillLevel {
    type Err = LevelError;

    /// Accepts `1`–`5`, `L3`, `一级`…`五级`, and the traditional titles
    /// 初级工, 中级工, 高级工, 技师, 高级技师.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let n = match t {
            "1" | "L1" | "l1" | "一级" | "高级技师" | "一级/高级技师" => 1,
            "2" | "L2" | "l2" | "二级" | "技师" | "二级/技师" => 2,
            "3" | "L3" | "l3" | "三级" | "高级工" | "三级/高级工" => 3,
            "4" | "L4" | "l4" | "四级" | "中级工" | "四级/中级工" => 4,
            "5" | "L5" | "l5" | "五级" | "初级工" | "五级/初级工" => 5,
            _ => return Err(LevelError(t.to_string())),
        };
        Ok(SkillLevel(n))
    }
}

/// A value that is not a level on the 1–5 scale.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a skill level: use 1 (一级/高级技师, highest) to 5 (五级/初级工, entry)")]
pub struct LevelError(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_one_is_the_highest() {
        assert!(SkillLevel::L1 > SkillLevel::L5);
        assert_eq!(SkillLevel::ALL_ASCENDING.iter().max(), Some(&SkillLevel::L1));
        assert_eq!(SkillLevel::HIGHEST.rank(), 5);
        assert_eq!(SkillLevel::LOWEST.rank(), 1);
    }

    #[test]
    fn satisfies_and_shortfall_agree() {
        for held in SkillLevel::ALL_ASCENDING {
            for req in SkillLevel::ALL_ASCENDING {
                assert_eq!(held.satisfies(req), held.shortfall(req) == 0, "{held} vs {req}");
            }
        }
        assert_eq!(SkillLevel::L5.shortfall(SkillLevel::L3), 2);
    }

    #[test]
    fn parses_numbers_and_chinese_names() {
        assert_eq!("三级".parse::<SkillLevel>(), Ok(SkillLevel::L3));
        assert_eq!("高级技师".parse::<SkillLevel>(), Ok(SkillLevel::L1));
        assert_eq!(" 4 ".parse::<SkillLevel>(), Ok(SkillLevel::L4));
        assert!("6".parse::<SkillLevel>().is_err());
        assert!("0".parse::<SkillLevel>().is_err());
    }

    #[test]
    fn json_is_the_official_number() {
        assert_eq!(serde_json::to_string(&SkillLevel::L2).unwrap(), "2");
        assert_eq!(serde_json::from_str::<SkillLevel>("5").unwrap(), SkillLevel::L5);
        assert!(serde_json::from_str::<SkillLevel>("7").is_err());
    }
}
