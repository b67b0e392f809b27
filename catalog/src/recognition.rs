//! Mutual recognition (互通互认): learning outcomes, conversion rules (转换规则) and their
//! evaluation.
//!
//! An **outcome** (学习成果) is anything a learner can hold and another body can recognise,
//! named by a stable textual key ([`OutcomeKey`]):
//!
//! * `course:{code}` — a published course, whose completion brings a training certificate;
//! * `standard:{occupation_code}:{level}` — an occupation's skill standard at a level (1–5 as
//!   [`SkillLevel`] numbers them), whose assessment brings a skill-level certificate;
//! * `external:{issuer_did}#{achievement_id}` — an achievement of a trusted external issuer.
//!
//! A **rule** ([`RuleInput`]) reads: *holding all of* these sources (each an outcome,
//! optionally at a minimum level and issued within N years) *grants* an effect on a target
//! outcome ([`RuleEffect`]). [`RuleIndex`] answers "which published rules apply to a learner
//! holding these outcomes, and why each source counts or not" in time proportional to the
//! rules citing the learner's outcomes, not to all rules.
//!
//! The semantics, in one place (docs/RECOGNITION.md repeats them for users):
//!
//! * A holding matches a source when both name the same course, the same occupation, or the
//!   same external achievement. For a standard the level in the key is a *minimum*: a
//!   level-3 certificate satisfies a `standard:X:4` source (level 3 is the higher one).
//! * A source's `min_level` is a further minimum for external achievements, which carry no
//!   level in their key; courses and standards refuse it (a course has no level, a standard's
//!   level is in its key).
//! * `within_years = N`: the holding must be issued no earlier than N years before the day of
//!   evaluation (the anniversary counts).
//! * Only holdings in force count (not revoked, suspended or expired — the caller decides).
//! * A rule fires when every source is met; when a source is matched by several holdings the
//!   best reason is reported (held > not in force > too old > level too low > missing).

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::SkillLevel;
use crate::occupation::is_occupation_code;
use crate::validate::{ValidationErrors, check_code, check_multiline_text, forbidden_char, is_code};

/// The longest outcome key, in characters.
pub const MAX_OUTCOME_KEY: usize = 500;
/// The most sources a rule may have.
pub const MAX_SOURCES: usize = 50;
/// The largest `within_years`.
pub const MAX_WITHIN_YEARS: u32 = 50;
/// The most credits a rule may grant.
pub const MAX_CREDITS: f64 = 1_000.0;

/// A learning outcome's key (see the module docs for the three forms).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum OutcomeKey {
    /// `course:{code}`: a course, any published version.
    Course {
        /// The course code.
        code: String,
    },
    /// `standard:{occupation_code}:{level}`: an occupation's standard at a level.
    Standard {
        /// 职业分类大典 code, e.g. `6-18-02-01`.
        occupation: String,
        /// The level.
        level: SkillLevel,
    },
    /// `external:{issuer_did}#{achievement_id}`: an external issuer's achievement.
    External {
        /// The issuer's DID.
        issuer: String,
        /// The achievement's id at that issuer.
        achievement: String,
    },
}

/// Why a text is not an outcome key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OutcomeKeyError(pub String);

/// The kind of an outcome, as its key's prefix names it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::Display, strum::EnumString, strum::AsRefStr, strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum OutcomeKind {
    /// A course (培训合格证书 on completion).
    Course,
    /// An occupation × level standard (职业技能等级证书).
    Standard,
    /// An achievement of a trusted external issuer.
    External,
}

impl OutcomeKey {
    /// The kind of outcome.
    pub fn kind(&self) -> OutcomeKind {
        match self {
            OutcomeKey::Course { .. } => OutcomeKind::Course,
            OutcomeKey::Standard { .. } => OutcomeKind::Standard,
            OutcomeKey::External { .. } => OutcomeKind::External,
        }
    }

    /// The key without a standard's level: `course:X`, `standard:X`, `external:D#A`. Holdings
    /// and sources of one family are compared (a level-3 certificate may meet a level-4
    /// source), so the index and the store look rules up by family.
    pub fn family(&self) -> String {
        match self {
            OutcomeKey::Standard { occupation, .. } => format!("standard:{occupation}"),
            other => other.to_string(),
        }
    }

    /// The level the key itself carries (standards only).
    pub fn level(&self) -> Option<SkillLevel> {
        match self {
            OutcomeKey::Standard { level, .. } => Some(*level),
            _ => None,
        }
    }
}

impl fmt::Display for OutcomeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutcomeKey::Course { code } => write!(f, "course:{code}"),
            OutcomeKey::Standard { occupation, level } => write!(f, "standard:{occupation}:{}", level.number()),
            OutcomeKey::External { issuer, achievement } => write!(f, "external:{issuer}#{achievement}"),
        }
    }
}

impl FromStr for OutcomeKey {
    type Err = OutcomeKeyError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = |m: &str| Err(OutcomeKeyError(m.to_string()));
        if text.chars().count() > MAX_OUTCOME_KEY {
            return bad(&format!("must be at most {MAX_OUTCOME_KEY} characters"));
        }
        if let Some(c) = forbidden_char(text, false) {
            return bad(&format!("contains a forbidden character {}", crate::validate::describe_char(c)));
        }
        if text.trim() != text || text.contains(char::is_whitespace) {
            return bad("must not contain blanks");
        }
        let Some((prefix, rest)) = text.split_once(':') else {
            return bad("must start with course:, standard: or external: (e.g. course:ZNZZ-01, standard:6-18-02-01:4)");
        };
        match prefix {
            "course" => {
                if is_code(rest) {
                    Ok(OutcomeKey::Course { code: rest.to_string() })
                } else {
                    bad(&format!("course:{rest}: the course code {}", crate::validate::CODE_RULE))
                }
            }
            "standard" => {
                let Some((occupation, level)) = rest.rsplit_once(':') else {
                    return bad("a standard reads standard:{occupation code}:{level 1-5}, e.g. standard:6-18-02-01:4");
                };
                if !is_occupation_code(occupation) {
                    return bad(&format!("`{occupation}` is not a 职业分类大典 code such as 6-18-02-01"));
                }
                let level = level
                    .parse::<u8>()
                    .ok()
                    .and_then(|n| SkillLevel::new(n).ok())
                    .ok_or_else(|| OutcomeKeyError(format!("`{level}` is not a skill level 1 (一级) to 5 (五级)")))?;
                Ok(OutcomeKey::Standard { occupation: occupation.to_string(), level })
            }
            "external" => {
                let Some((issuer, achievement)) = rest.split_once('#') else {
                    return bad("an external outcome reads external:{issuer DID}#{achievement id}");
                };
                if !issuer.starts_with("did:") || issuer.split(':').count() < 3 || issuer.split(':').any(str::is_empty) {
                    return bad(&format!("`{issuer}` is not a DID (did:method:id)"));
                }
                if achievement.is_empty() {
                    return bad("the achievement id after # is empty");
                }
                Ok(OutcomeKey::External { issuer: issuer.to_string(), achievement: achievement.to_string() })
            }
            other => bad(&format!("unknown outcome kind `{other}`: use course:, standard: or external:")),
        }
    }
}

impl TryFrom<String> for OutcomeKey {
    type Error = OutcomeKeyError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<OutcomeKey> for String {
    fn from(key: OutcomeKey) -> Self {
        key.to_string()
    }
}

/// Which part of a skill assessment a rule exempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::Display, strum::EnumString, strum::AsRefStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AssessmentPart {
    /// 理论知识考试.
    Theory,
    /// 操作技能考核.
    Practical,
}

/// What a rule grants on its target.
///
/// The wire form is one string: `exempt_course`, `assessment_eligibility`,
/// `exempt_assessment_part:theory` or `exempt_assessment_part:practical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum RuleEffect {
    /// 免修: the target course counts as completed, with its credits. Target: a course.
    ExemptCourse,
    /// 申报条件: the training requirement of the target standard is met. Target: a standard.
    AssessmentEligibility,
    /// 免考: one part of the target standard's assessment is exempted. Target: a standard.
    ExemptAssessmentPart(AssessmentPart),
}

impl RuleEffect {
    /// Every effect, for documentation and tests.
    pub const ALL: [RuleEffect; 4] = [
        RuleEffect::ExemptCourse,
        RuleEffect::AssessmentEligibility,
        RuleEffect::ExemptAssessmentPart(AssessmentPart::Theory),
        RuleEffect::ExemptAssessmentPart(AssessmentPart::Practical),
    ];

    /// The kind of outcome the effect applies to.
    pub fn target_kind(self) -> OutcomeKind {
        match self {
            RuleEffect::ExemptCourse => OutcomeKind::Course,
            _ => OutcomeKind::Standard,
        }
    }
}

impl fmt::Display for RuleEffect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleEffect::ExemptCourse => f.write_str("exempt_course"),
            RuleEffect::AssessmentEligibility => f.write_str("assessment_eligibility"),
            RuleEffect::ExemptAssessmentPart(part) => write!(f, "exempt_assessment_part:{part}"),
        }
    }
}

impl FromStr for RuleEffect {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "exempt_course" | "免修" => Ok(RuleEffect::ExemptCourse),
            "assessment_eligibility" | "申报条件" => Ok(RuleEffect::AssessmentEligibility),
            "exempt_assessment_part:theory" | "免考理论" => Ok(RuleEffect::ExemptAssessmentPart(AssessmentPart::Theory)),
            "exempt_assessment_part:practical" | "免考实操" => Ok(RuleEffect::ExemptAssessmentPart(AssessmentPart::Practical)),
            other => Err(format!(
                "`{other}` is not an effect: use exempt_course (免修), assessment_eligibility (申报条件), \
                 exempt_assessment_part:theory (免考理论) or exempt_assessment_part:practical (免考实操)"
            )),
        }
    }
}

impl TryFrom<String> for RuleEffect {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<RuleEffect> for String {
    fn from(e: RuleEffect) -> Self {
        e.to_string()
    }
}

/// A rule's lifecycle: reviewed like courses, and a published rule is immutable (a change is
/// a new version; publishing it retires the one before).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::Display, strum::EnumString, strum::AsRefStr, strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RuleStatus {
    /// Being written by its owner.
    Draft,
    /// Submitted; waiting for a review level.
    InReview,
    /// In force.
    Published,
    /// No longer in force (replaced by a newer version, or withdrawn); kept for decisions
    /// that cite it.
    Retired,
}

impl RuleStatus {
    /// True when moving from `self` to `to` is allowed.
    pub fn can_move_to(self, to: RuleStatus) -> bool {
        use RuleStatus::*;
        matches!((self, to), (Draft, InReview) | (InReview, Draft) | (InReview, Published) | (Published, Retired))
    }
}

/// One source of a rule: an outcome the learner must hold.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSource {
    /// The outcome.
    pub outcome: OutcomeKey,
    /// For an external achievement: the minimum level held. Courses and standards refuse it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_level: Option<SkillLevel>,
    /// The holding must be issued within this many years before evaluation (1–50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_years: Option<u32>,
}

impl RuleSource {
    /// A source with no level or age condition.
    pub fn new(outcome: OutcomeKey) -> Self {
        RuleSource { outcome, min_level: None, within_years: None }
    }

    /// The minimum level a holding needs (the key's level for a standard, `min_level` else).
    pub fn required_level(&self) -> Option<SkillLevel> {
        self.outcome.level().or(self.min_level)
    }
}

/// The CSV cell form of a source: `KEY`, or `KEY[level=3,years=5]` (Chinese `等级`, `年限`
/// accepted). Several sources are joined by `;`.
impl fmt::Display for RuleSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.outcome)?;
        let mut params = Vec::new();
        if let Some(l) = self.min_level {
            params.push(format!("level={}", l.number()));
        }
        if let Some(y) = self.within_years {
            params.push(format!("years={y}"));
        }
        if !params.is_empty() {
            write!(f, "[{}]", params.join(","))?;
        }
        Ok(())
    }
}

impl FromStr for RuleSource {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let (key, params) = match text.strip_suffix(']').and_then(|t| t.rsplit_once('[')) {
            Some((key, params)) => (key.trim(), Some(params)),
            None => (text, None),
        };
        let outcome = key.parse::<OutcomeKey>().map_err(|e| format!("`{key}`: {e}"))?;
        let mut source = RuleSource::new(outcome);
        for param in params.into_iter().flat_map(|p| p.split([',', '，'])).map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = param.split_once(['=', '＝']).ok_or_else(|| format!("`{param}`: write level=N or years=N"))?;
            match name.trim() {
                "level" | "等级" => {
                    let level = value.trim().parse::<SkillLevel>().map_err(|e| format!("`{param}`: {e}"))?;
                    source.min_level = Some(level);
                }
                "years" | "年限" => {
                    let years = value.trim().parse::<u32>().map_err(|_| format!("`{param}`: years must be a whole number"))?;
                    source.within_years = Some(years);
                }
                other => return Err(format!("`{other}` is not a source condition: use level=N or years=N")),
            }
        }
        Ok(source)
    }
}

/// A conversion rule as its owner writes it (API body, CSV row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    /// Rule code, e.g. `JXOU-R-001`; one owner per code.
    pub code: String,
    /// Version (default `1`); a published version is immutable.
    #[serde(default = "default_version")]
    pub version: String,
    /// Code of the owning organisation: the target's owner, or a region authority.
    pub owner: String,
    /// Title, e.g. 工业机器人运维技能等级证书（四级）免修工业机器人维护保养.
    pub title: String,
    /// Longer explanation for learners and reviewers.
    #[serde(default)]
    pub description: Option<String>,
    /// The outcome the rule grants something on.
    pub target: OutcomeKey,
    /// What it grants.
    pub effect: RuleEffect,
    /// Every one of these must be held.
    pub sources: Vec<RuleSource>,
    /// Credits granted; for `exempt_course` omitted means the course's credits.
    #[serde(default)]
    pub credits: Option<f64>,
    /// Decided without a reviewer when every source is verified.
    #[serde(default)]
    pub automatic: bool,
}

fn default_version() -> String {
    "1".into()
}

impl RuleInput {
    /// Checks every field, naming each bad one (`sources[1].within_years`, …).
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        check_code(&mut e, "code", &self.code);
        check_code(&mut e, "version", &self.version);
        check_code(&mut e, "owner", &self.owner);
        crate::validate::check_text(&mut e, "title", &self.title, 300);
        check_multiline_text(&mut e, "description", self.description.as_deref(), 10_000);
        if self.effect.target_kind() != self.target.kind() {
            e.push(
                "target",
                format!(
                    "the effect {} applies to a {} outcome, and {} is a {}",
                    self.effect,
                    self.effect.target_kind(),
                    self.target,
                    self.target.kind()
                ),
            );
        }
        if self.sources.is_empty() {
            e.push("sources", "a rule needs at least one source");
        }
        if self.sources.len() > MAX_SOURCES {
            e.push("sources", format!("at most {MAX_SOURCES} sources"));
        }
        for (i, s) in self.sources.iter().enumerate() {
            let field = |f: &str| if f.is_empty() { format!("sources[{i}]") } else { format!("sources[{i}].{f}") };
            if s.outcome == self.target || s.outcome.family() == self.target.family() {
                e.push(field("outcome"), format!("{} is the rule's target; a rule cannot recognise an outcome for itself", s.outcome));
            }
            if self.sources[..i].iter().any(|o| o.outcome == s.outcome) {
                e.push(field("outcome"), format!("{} is listed twice", s.outcome));
            }
            if s.min_level.is_some() && s.outcome.kind() != OutcomeKind::External {
                let why = if s.outcome.kind() == OutcomeKind::Course {
                    "a course has no level"
                } else {
                    "a standard's level is part of its key (standard:CODE:LEVEL)"
                };
                e.push(field("min_level"), why);
            }
            if let Some(y) = s.within_years {
                e.check((1..=MAX_WITHIN_YEARS).contains(&y), field("within_years"), format!("must be between 1 and {MAX_WITHIN_YEARS}"));
            }
        }
        if let Some(c) = self.credits {
            e.check(c.is_finite() && (0.0..=MAX_CREDITS).contains(&c), "credits", format!("must be between 0 and {MAX_CREDITS}"));
        }
        e.into_result()
    }
}

/// One outcome a learner holds, as the evaluation sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    /// The outcome held (for a standard, at the level of the certificate).
    pub outcome: OutcomeKey,
    /// The level held, for external achievements that state one (standards carry theirs in
    /// the key).
    pub level: Option<SkillLevel>,
    /// The day it was issued.
    pub issued_on: NaiveDate,
    /// Not revoked, suspended or expired.
    pub in_force: bool,
}

impl Holding {
    fn level(&self) -> Option<SkillLevel> {
        self.outcome.level().or(self.level)
    }
}

/// Why a source counts or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum SourceCheck {
    /// Held in force, at the level, recently enough: `holding` indexes the caller's list.
    Held {
        /// Index into the holdings passed to [`RuleIndex::evaluate`].
        holding: usize,
    },
    /// Nothing of this outcome is held.
    Missing,
    /// Held, but issued before `not_before`.
    TooOld {
        /// The holding.
        holding: usize,
        /// The earliest issue date the rule accepts.
        not_before: NaiveDate,
    },
    /// Held at a lower level than required.
    LevelTooLow {
        /// The holding.
        holding: usize,
        /// The level held (`None`: no level stated).
        held: Option<SkillLevel>,
        /// The level required.
        required: SkillLevel,
    },
    /// Held, but revoked, suspended or expired.
    NotInForce {
        /// The holding.
        holding: usize,
    },
}

impl SourceCheck {
    /// True for [`SourceCheck::Held`].
    pub fn is_held(&self) -> bool {
        matches!(self, SourceCheck::Held { .. })
    }

    /// Preference when several holdings match one source: the best reason is reported.
    fn rank(&self) -> u8 {
        match self {
            SourceCheck::Held { .. } => 4,
            SourceCheck::NotInForce { .. } => 3,
            SourceCheck::TooOld { .. } => 2,
            SourceCheck::LevelTooLow { .. } => 1,
            SourceCheck::Missing => 0,
        }
    }
}

/// Checks one source against one holding of the same family.
fn check_source(source: &RuleSource, index: usize, h: &Holding, today: NaiveDate) -> SourceCheck {
    if let Some(required) = source.required_level()
        && !h.level().is_some_and(|held| held.satisfies(required))
    {
        return SourceCheck::LevelTooLow { holding: index, held: h.level(), required };
    }
    if let Some(years) = source.within_years {
        let not_before = today.checked_sub_months(Months::new(years.saturating_mul(12))).unwrap_or(NaiveDate::MIN);
        if h.issued_on < not_before {
            return SourceCheck::TooOld { holding: index, not_before };
        }
    }
    if !h.in_force {
        return SourceCheck::NotInForce { holding: index };
    }
    SourceCheck::Held { holding: index }
}

/// What one rule gives for one learner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    /// Index of the rule in the list the index was built from.
    pub rule: usize,
    /// True when every source is held.
    pub fires: bool,
    /// One check per source, in the rule's order.
    pub sources: Vec<SourceCheck>,
}

/// Evaluates one rule's sources against a learner's holdings (no index: for one rule, or
/// as the oracle of the property test).
pub fn evaluate_rule(sources: &[RuleSource], holdings: &[Holding], today: NaiveDate) -> (bool, Vec<SourceCheck>) {
    let checks: Vec<SourceCheck> = sources
        .iter()
        .map(|s| {
            let family = s.outcome.family();
            holdings
                .iter()
                .enumerate()
                .filter(|(_, h)| h.outcome.family() == family)
                .map(|(i, h)| check_source(s, i, h, today))
                .max_by_key(SourceCheck::rank)
                .unwrap_or(SourceCheck::Missing)
        })
        .collect();
    (checks.iter().all(SourceCheck::is_held), checks)
}

/// Published rules indexed by the outcome families their sources cite, so that the rules
/// applying to a learner are found from the learner's holdings (50 credentials touch a few
/// dozen rules even among 100,000).
#[derive(Debug, Clone, Default)]
pub struct RuleIndex {
    sources: Vec<Vec<RuleSource>>,
    by_family: HashMap<String, Vec<u32>>,
}

impl RuleIndex {
    /// Indexes the sources of each rule; rule `i` of the iterator is `Evaluation::rule == i`.
    /// Pass only the rules in force (published).
    pub fn new<'a>(rules: impl IntoIterator<Item = &'a [RuleSource]>) -> Self {
        let mut index = RuleIndex::default();
        for (i, sources) in rules.into_iter().enumerate() {
            let n = u32::try_from(i).unwrap_or(u32::MAX);
            let mut families: Vec<String> = sources.iter().map(|s| s.outcome.family()).collect();
            families.sort_unstable();
            families.dedup();
            for f in families {
                index.by_family.entry(f).or_default().push(n);
            }
            index.sources.push(sources.to_vec());
        }
        index
    }

    /// How many rules are indexed.
    pub fn len(&self) -> usize {
        self.sources.len()
    }

    /// True when no rule is indexed.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    /// Every rule citing at least one of the holdings' outcomes, evaluated: those that fire
    /// and those that come close, each source with its reason. Rules citing nothing the
    /// learner holds are left out (they would list only "missing"). Ordered by rule index.
    pub fn evaluate(&self, holdings: &[Holding], today: NaiveDate) -> Vec<Evaluation> {
        let mut by_family: HashMap<String, Vec<usize>> = HashMap::with_capacity(holdings.len());
        for (i, h) in holdings.iter().enumerate() {
            by_family.entry(h.outcome.family()).or_default().push(i);
        }
        let mut candidates: Vec<u32> =
            by_family.keys().filter_map(|f| self.by_family.get(f)).flat_map(|rules| rules.iter().copied()).collect();
        candidates.sort_unstable();
        candidates.dedup();
        candidates
            .into_iter()
            .map(|r| {
                let rule = r as usize;
                let checks: Vec<SourceCheck> = self.sources[rule]
                    .iter()
                    .map(|s| {
                        by_family
                            .get(&s.outcome.family())
                            .into_iter()
                            .flatten()
                            .map(|&i| check_source(s, i, &holdings[i], today))
                            .max_by_key(SourceCheck::rank)
                            .unwrap_or(SourceCheck::Missing)
                    })
                    .collect();
                Evaluation { rule, fires: checks.iter().all(SourceCheck::is_held), sources: checks }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn key(s: &str) -> OutcomeKey {
        s.parse().expect(s)
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn keys_parse_and_print_back() {
        for text in ["course:ZNZZ-01", "standard:6-18-02-01:4", "external:did:web:example.org#robot-l3"] {
            assert_eq!(key(text).to_string(), text);
        }
        assert_eq!(key("standard:6-18-02-01:4").family(), "standard:6-18-02-01");
        for bad in
            ["", "ZNZZ-01", "course:", "course:a b", "standard:6-18:9", "standard:x:4", "external:web#x", "external:did:web:x#", "thing:x"]
        {
            assert!(bad.parse::<OutcomeKey>().is_err(), "{bad}");
        }
    }

    #[test]
    fn effects_and_sources_round_trip_as_text() {
        for e in RuleEffect::ALL {
            assert_eq!(e.to_string().parse::<RuleEffect>(), Ok(e));
        }
        let s: RuleSource = "external:did:web:x.org#a[level=3,years=5]".parse().expect("source");
        assert_eq!(s.min_level, Some(SkillLevel::L3));
        assert_eq!(s.within_years, Some(5));
        assert_eq!(s.to_string().parse::<RuleSource>(), Ok(s));
        let s: RuleSource = "course:ZNZZ-01[年限=3]".parse().expect("source");
        assert_eq!(s.within_years, Some(3));
        assert!("course:ZNZZ-01[age=3]".parse::<RuleSource>().is_err());
    }

    fn rule() -> RuleInput {
        RuleInput {
            code: "R-1".into(),
            version: "1".into(),
            owner: "jxou".into(),
            title: "免修".into(),
            description: None,
            target: key("course:GYJQR-04"),
            effect: RuleEffect::ExemptCourse,
            sources: vec![RuleSource::new(key("standard:6-31-01-10:4"))],
            credits: None,
            automatic: true,
        }
    }

    #[test]
    fn validation_names_each_bad_field() {
        assert!(rule().validate().is_ok());
        let mut r = rule();
        r.sources = vec![
            RuleSource { outcome: key("course:GYJQR-04"), min_level: Some(SkillLevel::L3), within_years: Some(0) },
            RuleSource::new(key("standard:6-31-01-10:4")),
            RuleSource::new(key("standard:6-31-01-10:4")),
        ];
        r.credits = Some(-1.0);
        r.effect = RuleEffect::AssessmentEligibility;
        let fields: Vec<String> = r.validate().unwrap_err().errors.into_iter().map(|e| e.field).collect();
        for f in ["target", "sources[0].outcome", "sources[0].min_level", "sources[0].within_years", "sources[2].outcome", "credits"] {
            assert!(fields.iter().any(|x| x == f), "{f} in {fields:?}");
        }
        r.sources.clear();
        assert!(r.validate().unwrap_err().errors.iter().any(|e| e.field == "sources"));
    }

    #[test]
    fn reasons_per_source() {
        let today = day(2026, 12, 1);
        let sources = vec![
            RuleSource::new(key("standard:6-31-01-10:3")),
            RuleSource { within_years: Some(2), ..RuleSource::new(key("course:A")) },
            RuleSource::new(key("course:B")),
            RuleSource::new(key("course:C")),
        ];
        let holdings = vec![
            Holding { outcome: key("standard:6-31-01-10:4"), level: None, issued_on: today, in_force: true },
            Holding { outcome: key("course:A"), level: None, issued_on: day(2024, 11, 30), in_force: true },
            Holding { outcome: key("course:B"), level: None, issued_on: today, in_force: false },
        ];
        let (fires, checks) = evaluate_rule(&sources, &holdings, today);
        assert!(!fires);
        assert_eq!(checks[0], SourceCheck::LevelTooLow { holding: 0, held: Some(SkillLevel::L4), required: SkillLevel::L3 });
        assert_eq!(checks[1], SourceCheck::TooOld { holding: 1, not_before: day(2024, 12, 1) });
        assert_eq!(checks[2], SourceCheck::NotInForce { holding: 2 });
        assert_eq!(checks[3], SourceCheck::Missing);
        // A higher level meets a lower one; the anniversary itself is still within the years.
        let better = vec![
            Holding { outcome: key("standard:6-31-01-10:2"), level: None, issued_on: today, in_force: true },
            Holding { outcome: key("course:A"), level: None, issued_on: day(2024, 12, 1), in_force: true },
        ];
        let (_, checks) = evaluate_rule(&sources[..2], &better, today);
        assert!(checks.iter().all(SourceCheck::is_held), "{checks:?}");
    }

    #[test]
    fn the_index_finds_only_rules_citing_what_is_held() {
        let a = vec![RuleSource::new(key("course:A"))];
        let b = vec![RuleSource::new(key("course:B")), RuleSource::new(key("course:A"))];
        let c = vec![RuleSource::new(key("course:C"))];
        let index = RuleIndex::new([a.as_slice(), b.as_slice(), c.as_slice()]);
        let today = day(2026, 12, 1);
        let held = vec![Holding { outcome: key("course:A"), level: None, issued_on: today, in_force: true }];
        let got = index.evaluate(&held, today);
        assert_eq!(got.iter().map(|e| (e.rule, e.fires)).collect::<Vec<_>>(), vec![(0, true), (1, false)]);
        assert_eq!(got[1].sources[0], SourceCheck::Missing);
    }

    fn outcome() -> impl Strategy<Value = OutcomeKey> {
        prop_oneof![
            (0..4u8).prop_map(|n| OutcomeKey::Course { code: format!("C{n}") }),
            (0..2u8, 1..=5u8)
                .prop_map(|(o, l)| OutcomeKey::Standard { occupation: format!("6-18-02-0{o}"), level: SkillLevel::new(l).expect("level") }),
            (0..2u8).prop_map(|n| OutcomeKey::External { issuer: "did:web:a.org".into(), achievement: format!("x{n}") }),
        ]
    }

    fn source() -> impl Strategy<Value = RuleSource> {
        (outcome(), proptest::option::of(1..=5u8), proptest::option::of(1..=5u32)).prop_map(|(outcome, level, within_years)| {
            let min_level = if outcome.kind() == OutcomeKind::External { level.and_then(|l| SkillLevel::new(l).ok()) } else { None };
            RuleSource { outcome, min_level, within_years }
        })
    }

    fn holding() -> impl Strategy<Value = Holding> {
        (outcome(), proptest::option::of(1..=5u8), 0..3_000i64, any::<bool>()).prop_map(|(outcome, level, age_days, in_force)| Holding {
            outcome,
            level: level.and_then(|l| SkillLevel::new(l).ok()),
            issued_on: NaiveDate::from_ymd_opt(2026, 12, 1).expect("date") - chrono::Duration::days(age_days),
            in_force,
        })
    }

    proptest! {
        /// A rule fires iff every source is met by some holding in force, at the level and
        /// within the years — stated here directly, independently of `check_source`.
        #[test]
        fn a_rule_fires_iff_every_source_is_held_in_force(
            rules in proptest::collection::vec(proptest::collection::vec(source(), 1..4), 1..20),
            holdings in proptest::collection::vec(holding(), 0..8),
        ) {
            let today = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
            let index = RuleIndex::new(rules.iter().map(Vec::as_slice));
            let got = index.evaluate(&holdings, today);
            for (r, sources) in rules.iter().enumerate() {
                let expected = sources.iter().all(|s| holdings.iter().any(|h| {
                    let same = h.outcome.family() == s.outcome.family();
                    let held_level = h.outcome.level().or(h.level);
                    let level_ok = match s.outcome.level().or(s.min_level) {
                        None => true,
                        Some(req) => held_level.is_some_and(|l| l >= req),
                    };
                    let age_ok = s.within_years.is_none_or(|y| {
                        h.issued_on >= today.checked_sub_months(Months::new(y * 12)).expect("date")
                    });
                    same && level_ok && age_ok && h.in_force
                }));
                let fired = got.iter().find(|e| e.rule == r).is_some_and(|e| e.fires);
                prop_assert_eq!(fired, expected, "rule {} {:?}", r, sources);
                prop_assert_eq!(evaluate_rule(sources, &holdings, today).0, expected);
            }
        }
    }
}
