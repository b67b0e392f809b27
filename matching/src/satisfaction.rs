//! Satisfaction semantics: when does holding (or teaching) a skill at a level meet a
//! requirement? This module is the only place that answers. The rule has two parts,
//! [`SkillsGraph::sources`] (which related skills earn credit, and how) and [`credit_milli`]
//! (how much, at a given level); a requirement's credit is the best over the sources held.
//! Every operation folds exactly these two: the crate-internal `judge` for one holder, and
//! the ranking's per-learner pass and postings sweep, which the property tests check
//! against `judge` learner by learner. The rules are written out in `docs/MATCHING.md`.
//!
//! In short, for a requirement *(skill S, level R)*:
//!
//! | held                                | credit                      | meets it? |
//! |-------------------------------------|-----------------------------|-----------|
//! | S, or an exactMatch of S, at ≥ R    | 1                           | yes       |
//! | S, or an exactMatch of S, below R   | rank(held) / rank(R)        | no        |
//! | a narrower skill of S               | 0.5 × level factor          | no        |
//! | a closeMatch of S                   | 0.5 × level factor          | no        |
//! | a related skill of S                | 0.25 × level factor         | no        |
//! | anything else (broader, prerequisite, unrelated) | 0              | no        |
//!
//! where the level factor is 1 at or above R and rank(held) / rank(R) below it. The best
//! single source counts; credits never add up, so partial credit can never reach 1 and never
//! turns a requirement into "met".

use rongtong_catalog::SkillLevel;
use serde::Serialize;

use crate::SkillsGraph;
use crate::model::SkillIdx;

/// How a held (or taught) skill relates to the required one. Ordered from strongest to
/// weakest, which is also the order of [`SkillsGraph::sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// The required skill itself.
    Direct,
    /// A skill of another framework declared the same concept (skos:exactMatch, taken
    /// transitively, since exact matches are an equivalence).
    ExactMatch,
    /// A skill one step narrower than the required one (it `broader`s into it).
    Narrower,
    /// A close but not identical concept (skos:closeMatch).
    CloseMatch,
    /// A loosely related skill (ESCO skill–skill relation).
    Related,
}

impl Via {
    /// The credit factor in thousandths: 1000 for full equivalents, 500 for narrower and
    /// close matches (they cover part of the concept), 250 for related skills (they make
    /// the required skill quicker to learn, nothing more).
    pub const fn factor_milli(self) -> u32 {
        match self {
            Via::Direct | Via::ExactMatch => 1000,
            Via::Narrower | Via::CloseMatch => 500,
            Via::Related => 250,
        }
    }

    /// True for the sources that can meet a requirement outright (direct and exact match).
    pub const fn is_full(self) -> bool {
        matches!(self, Via::Direct | Via::ExactMatch)
    }
}

/// The credit, in thousandths, that holding a skill related by `via` at level `held` gives
/// towards a requirement at level `required`.
///
/// Integer thousandths keep every score exact and every comparison deterministic. The value
/// is 1000 exactly when `via` is a full equivalent and `held` satisfies `required`.
///
/// # Example
/// ```
/// use rongtong_catalog::SkillLevel;
/// use rongtong_matching::{Via, credit_milli};
/// // Level 1 (highest) beats a level-3 requirement.
/// assert_eq!(credit_milli(Via::Direct, SkillLevel::L1, SkillLevel::L3), 1000);
/// // Level 4 for a level-3 requirement: rank 2 of 3.
/// assert_eq!(credit_milli(Via::Direct, SkillLevel::L4, SkillLevel::L3), 666);
/// // A close match never counts fully.
/// assert_eq!(credit_milli(Via::CloseMatch, SkillLevel::L1, SkillLevel::L3), 500);
/// ```
pub fn credit_milli(via: Via, held: SkillLevel, required: SkillLevel) -> u32 {
    let factor = via.factor_milli();
    if held.satisfies(required) { factor } else { factor * u32::from(held.rank()) / u32::from(required.rank()) }
}

/// The outcome for one requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Fully met (credit 1): the skill or an exact match at the required level or higher.
    Met,
    /// Some credit but not met: below the level, or only a narrower/close/related skill.
    Partial,
    /// No credit at all.
    Missing,
}

/// The best source found for a requirement, by dense index; `evidence` is whatever the
/// holder attached (a learner's holding index, a course index), for the caller to resolve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Judgement {
    pub status: Status,
    pub credit_milli: u32,
    /// The source that gave the credit: (skill, relation, level, evidence ref).
    pub best: Option<(SkillIdx, Via, SkillLevel, u32)>,
    /// Steps below the required level of the best full-equivalent source, when one is held
    /// but too low.
    pub shortfall: Option<(SkillIdx, SkillLevel, u32, u8)>,
}

impl SkillsGraph {
    /// The skills whose possession earns credit towards `skill`, each with its relation,
    /// strongest first: itself, its exact matches, narrower skills, close matches, related
    /// skills. Precomputed at build time; a skill appears at most once (with its strongest
    /// relation).
    pub fn sources(&self, skill: SkillIdx) -> &[(SkillIdx, Via)] {
        let i = skill.index();
        let (a, b) = (self.src_off[i] as usize, self.src_off[i + 1] as usize);
        &self.src[a..b]
    }

    /// Judges one requirement against one holder. This is *the* satisfaction function.
    ///
    /// `held(t)` returns the holder's level of skill `t` and an evidence reference, or `None`.
    /// The best source wins; among equal credits the first in [`Self::sources`] order
    /// (strongest relation, then lowest index) wins, so the result is deterministic.
    pub(crate) fn judge(
        &self,
        skill: SkillIdx,
        required: SkillLevel,
        mut held: impl FnMut(SkillIdx) -> Option<(SkillLevel, u32)>,
    ) -> Judgement {
        let mut best: Option<(SkillIdx, Via, SkillLevel, u32)> = None;
        let mut best_credit = 0u32;
        let mut shortfall: Option<(SkillIdx, SkillLevel, u32, u8)> = None;
        for &(t, via) in self.sources(skill) {
            let Some((level, ev)) = held(t) else { continue };
            let c = credit_milli(via, level, required);
            if c > best_credit {
                best_credit = c;
                best = Some((t, via, level, ev));
            }
            if via.is_full() && !level.satisfies(required) {
                let steps = level.shortfall(required);
                if shortfall.is_none_or(|(_, _, _, s)| steps < s) {
                    shortfall = Some((t, level, ev, steps));
                }
            }
        }
        let status = match best_credit {
            1000 => Status::Met,
            0 => Status::Missing,
            _ => Status::Partial,
        };
        if status == Status::Met {
            shortfall = None;
        }
        Judgement { status, credit_milli: best_credit, best, shortfall }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SkillLevel as L;

    #[test]
    fn full_credit_needs_a_full_source_at_level() {
        for held in L::ALL_ASCENDING {
            for req in L::ALL_ASCENDING {
                for via in [Via::Direct, Via::ExactMatch, Via::Narrower, Via::CloseMatch, Via::Related] {
                    let c = credit_milli(via, held, req);
                    assert_eq!(c == 1000, via.is_full() && held.satisfies(req), "{via:?} {held} for {req}");
                    assert!(c > 0, "every listed relation gives some credit");
                }
            }
        }
    }

    #[test]
    fn level_one_beats_level_three_and_not_the_reverse() {
        assert_eq!(credit_milli(Via::Direct, L::L1, L::L3), 1000);
        assert!(credit_milli(Via::Direct, L::L3, L::L1) < 1000);
        // rank(L3) = 3, rank(L1) = 5
        assert_eq!(credit_milli(Via::Direct, L::L3, L::L1), 600);
    }

    #[test]
    fn partial_relations_are_capped() {
        assert_eq!(credit_milli(Via::Narrower, L::L1, L::L5), 500);
        assert_eq!(credit_milli(Via::CloseMatch, L::L1, L::L5), 500);
        assert_eq!(credit_milli(Via::Related, L::L1, L::L5), 250);
        assert_eq!(credit_milli(Via::Related, L::L5, L::L1), 50);
    }
}
