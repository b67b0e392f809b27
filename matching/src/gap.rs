//! Operation 2: a learner's gap against a target.

use serde::Serialize;

use crate::SkillsGraph;
use crate::model::{LearnerIdx, QueryError, Req, SkillIdx, Target, TargetRef};
use crate::report::{RequirementOutcome, Shortfall};
use crate::satisfaction::Status;
use rongtong_catalog::SkillLevel;

/// A learner measured against a demand item or occupation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LearnerGap {
    /// Learner id.
    pub learner: String,
    /// What the learner was measured against.
    pub target: TargetRef,
    /// True when every essential requirement is met (partial credit never counts).
    pub qualifies: bool,
    /// Essential requirements met, of all essential requirements.
    pub essential_met: usize,
    /// Number of essential requirements.
    pub essential_total: usize,
    /// Optional requirements met.
    pub optional_met: usize,
    /// Number of optional requirements.
    pub optional_total: usize,
    /// Requirements met, each with the evidence that meets it.
    pub met: Vec<RequirementOutcome>,
    /// Requirements not met (partial or missing): essential first, then in target order.
    pub missing: Vec<RequirementOutcome>,
    /// Level shortfalls among the missing requirements: the skill is held, but too low.
    pub shortfalls: Vec<Shortfall>,
}

impl SkillsGraph {
    /// Measures a learner's verified skills against a target: what is met and by which
    /// evidence, what is missing (essential first), and by how many levels the learner
    /// falls short where the skill is held too low.
    ///
    /// # Arguments
    /// * `learner`: the learner id.
    /// * `target`: a demand item, an occupation, or inline requirements.
    ///
    /// # Returns
    /// A [`LearnerGap`]; every requirement of the target appears exactly once, in `met` or in
    /// `missing`. Errors when the learner or target is unknown.
    ///
    /// # Complexity
    /// O(r · s · log h) for r requirements, s credit sources per skill and h verified skills
    /// of the learner.
    ///
    /// # Example
    /// ```
    /// use rongtong_catalog::{RequirementKind, SkillLevel, SkillRequirement};
    /// use rongtong_matching::{EvidenceKind, GraphBuilder, LearnerSpec, Target, VerifiedSkill};
    ///
    /// let mut b = GraphBuilder::new();
    /// b.add_skill("https://ex.cn/skills/plc");
    /// b.add_skill("https://ex.cn/skills/welding");
    /// b.add_learner(&LearnerSpec {
    ///     id: "l1".into(),
    ///     region: "360300".into(),
    ///     opted_in_to_be_found: true,
    ///     skills: vec![VerifiedSkill { skill: "https://ex.cn/skills/plc".into(), level: SkillLevel::L4, evidence: "cert-9".into(), kind: EvidenceKind::SkillCertificate }],
    ///     completed_courses: vec![],
    /// })?;
    /// let g = b.build()?;
    /// let reqs = [
    ///     SkillRequirement { skill: "https://ex.cn/skills/plc".into(), kind: RequirementKind::Essential, min_level: SkillLevel::L3 },
    ///     SkillRequirement { skill: "https://ex.cn/skills/welding".into(), kind: RequirementKind::Optional, min_level: SkillLevel::L5 },
    /// ];
    /// let gap = g.learner_gap("l1", Target::Requirements(&reqs))?;
    /// assert!(!gap.qualifies);
    /// assert_eq!(gap.missing.len(), 2);
    /// assert_eq!(gap.shortfalls[0].steps, 1); // 四级 held, 三级 required
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn learner_gap(&self, learner: &str, target: Target<'_>) -> Result<LearnerGap, QueryError> {
        let l = self.learner_idx(learner).ok_or_else(|| QueryError::UnknownLearner(learner.to_string()))?;
        let (tref, reqs) = self.resolve_target(target)?;
        let outcomes: Vec<(bool, RequirementOutcome)> = reqs.iter().map(|r| (r.essential, self.learner_outcome(r, l))).collect();
        let count = |ess: bool, met: bool| outcomes.iter().filter(|(e, o)| *e == ess && (!met || o.status == Status::Met)).count();
        let (essential_met, essential_total) = (count(true, true), count(true, false));
        let (optional_met, optional_total) = (count(false, true), count(false, false));
        let mut met = Vec::new();
        let mut missing_ess = Vec::new();
        let mut missing_opt = Vec::new();
        for (ess, o) in outcomes {
            match (o.status, ess) {
                (Status::Met, _) => met.push(o),
                (_, true) => missing_ess.push(o),
                (_, false) => missing_opt.push(o),
            }
        }
        missing_ess.extend(missing_opt);
        let shortfalls = missing_ess.iter().filter_map(|o| o.shortfall.clone()).collect();
        Ok(LearnerGap {
            learner: learner.to_string(),
            target: tref,
            qualifies: essential_met == essential_total,
            essential_met,
            essential_total,
            optional_met,
            optional_total,
            met,
            missing: missing_ess,
            shortfalls,
        })
    }

    /// The (skill, level) pairs a learner has not met among `reqs`, optionally essential
    /// only: the input of a learning path.
    pub(crate) fn unmet_needs(&self, l: LearnerIdx, reqs: &[Req], essential_only: bool) -> Vec<(SkillIdx, SkillLevel)> {
        reqs.iter()
            .filter(|r| r.essential || !essential_only)
            .filter(|r| self.judge(r.skill, r.level, |s| self.learner_level(l, s)).status != Status::Met)
            .map(|r| (r.skill, r.level))
            .collect()
    }
}
