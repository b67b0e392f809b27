//! Result pieces shared by several operations: how one requirement fared, and why.

use rongtong_catalog::{RequirementKind, SkillLevel};
use serde::Serialize;

use crate::SkillsGraph;
use crate::model::{CourseIdx, EvidenceKind, LearnerIdx, Req};
use crate::satisfaction::{Judgement, Status, Via};

/// The source that earned credit for a requirement: which skill, how it relates to the
/// required one, at what level, and what proves it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// URI of the skill actually held or taught.
    pub skill: String,
    /// How it relates to the required skill.
    pub via: Via,
    /// Its level.
    pub level: SkillLevel,
    /// The learner's evidence (certificate id or note), when the holder is a learner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    /// The course that teaches it, when the holder is a course or a set of courses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub course: Option<String>,
    /// The kind of the learner's evidence (a certificate or a bare completion), when the
    /// holder is a learner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<EvidenceKind>,
}

/// A level shortfall: the required skill (or an exact match) is held, but too low.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shortfall {
    /// URI of the skill held too low.
    pub skill: String,
    /// Level held.
    pub held: SkillLevel,
    /// Level required.
    pub required: SkillLevel,
    /// Steps missing on the national scale (1–4).
    pub steps: u8,
    /// The learner's evidence for the level held, or the course that teaches it.
    pub evidence: Option<String>,
}

/// How one requirement fared against a holder, with the reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequirementOutcome {
    /// URI of the required skill.
    pub skill: String,
    /// Essential or optional.
    pub kind: RequirementKind,
    /// Required level.
    pub min_level: SkillLevel,
    /// Met, partial or missing.
    pub status: Status,
    /// Credit in [0, 1]; 1 exactly when met (see `docs/MATCHING.md`).
    pub credit: f64,
    /// The best source of credit, if any.
    pub matched: Option<Evidence>,
    /// Set when the skill or an exact match is held below the required level.
    pub shortfall: Option<Shortfall>,
    /// Rankings only: evidence without a certificate (a passing completion) that would earn
    /// more credit than the learner's credentials do. Shown so an employer sees what is on
    /// the way, and not scored: `credit` and `status` count credentials alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_certificate_yet: Option<Evidence>,
}

impl SkillsGraph {
    /// Judges `req` against all of a learner's verified skills (credentials and bare
    /// completions alike: what gap and path use) and explains the result.
    pub(crate) fn learner_outcome(&self, req: &Req, l: LearnerIdx) -> RequirementOutcome {
        let j = self.judge(req.skill, req.level, |s| self.learner_level(l, s));
        self.outcome(req, &j, |h| {
            let (ev, kind) = self.evidence(l, h);
            (Some(ev.to_string()), None, Some(kind))
        })
    }

    /// Judges `req` against a learner's credentials only (what a ranking scores), and adds
    /// the uncertified evidence that would earn more as `no_certificate_yet`.
    pub(crate) fn ranked_outcome(&self, req: &Req, l: LearnerIdx) -> RequirementOutcome {
        let j = self.judge(req.skill, req.level, |s| self.certified_level(l, s));
        let mut o = self.outcome(req, &j, |h| {
            let (ev, kind) = self.cert_evidence(l, h);
            (Some(ev.to_string()), None, Some(kind))
        });
        let all = self.judge(req.skill, req.level, |s| self.learner_level(l, s));
        if all.credit_milli > j.credit_milli {
            o.no_certificate_yet = all.best.map(|(s, via, level, h)| {
                let (ev, kind) = self.evidence(l, h);
                Evidence {
                    skill: self.skill_uri(s).to_string(),
                    via,
                    level,
                    evidence: Some(ev.to_string()),
                    course: None,
                    kind: Some(kind),
                }
            });
        }
        o
    }

    /// Judges `req` against one course's taught skills.
    pub(crate) fn course_judgement(&self, req: &Req, c: CourseIdx) -> Judgement {
        self.judge(req.skill, req.level, |s| self.course_level(c, s).map(|l| (l, c.0)))
    }

    /// Turns a judgement into a serializable outcome; `refs` resolves an evidence reference
    /// into (learner evidence, course id, kind of learner evidence).
    pub(crate) fn outcome(
        &self,
        req: &Req,
        j: &Judgement,
        refs: impl Fn(u32) -> (Option<String>, Option<String>, Option<EvidenceKind>),
    ) -> RequirementOutcome {
        RequirementOutcome {
            skill: self.skill_uri(req.skill).to_string(),
            kind: if req.essential { RequirementKind::Essential } else { RequirementKind::Optional },
            min_level: req.level,
            status: j.status,
            credit: f64::from(j.credit_milli) / 1000.0,
            matched: j.best.map(|(s, via, level, r)| {
                let (evidence, course, kind) = refs(r);
                Evidence { skill: self.skill_uri(s).to_string(), via, level, evidence, course, kind }
            }),
            shortfall: j.shortfall.map(|(s, held, r, steps)| {
                let (ev, course, _) = refs(r);
                Shortfall { skill: self.skill_uri(s).to_string(), held, required: req.level, steps, evidence: ev.or(course) }
            }),
            no_certificate_yet: None,
        }
    }
}
