//! Incremental updates: a new snapshot from an old one with some learners replaced, added or
//! removed, without reading or rebuilding the rest.
//!
//! At provincial scale (a million learners, ten million verified skills) almost every write
//! is about one learner: a completion recorded, a certificate issued or revoked, consent
//! given. Rebuilding the whole graph for each costs tens of seconds; [`SkillsGraph::with_learners`]
//! copies the unchanged learners' columns in long runs and processes only the changed ones,
//! with the same per-learner rule a full build uses ([`crate::graph::push_holdings`]), so the
//! result answers every query exactly as a graph built from scratch with the same learners.

use std::sync::{Arc, Mutex};

use crate::SkillsGraph;
use crate::graph::{HoldingCols, Postings, RawHolding, graph_evidence_text, push_holdings, sort_dedup_tail};
use crate::model::{BuildError, CourseIdx, LearnerIdx, LearnerSpec};
use crate::region::Region;

/// The new learner columns, filled in id order.
struct Out {
    learner_ids: Vec<Arc<str>>,
    learner_region: Vec<Region>,
    opted_flags: Vec<bool>,
    hold_off: Vec<u32>,
    cert_off: Vec<u32>,
    done_off: Vec<u32>,
    hold: HoldingCols,
    cert: HoldingCols,
    done: Vec<CourseIdx>,
}

impl Out {
    fn with_capacity(g: &SkillsGraph, n: usize) -> Out {
        Out {
            learner_ids: Vec::with_capacity(n),
            learner_region: Vec::with_capacity(n),
            opted_flags: Vec::with_capacity(n),
            hold_off: vec![0],
            cert_off: vec![0],
            done_off: vec![0],
            hold: HoldingCols::with_capacity(g.hold_skill.len()),
            cert: HoldingCols::with_capacity(g.cert_skill.len()),
            done: Vec::with_capacity(g.done.len()),
        }
    }

    /// Copies old learners `a..b` (all unchanged) in one run per column, shifting offsets.
    fn copy_run(&mut self, g: &SkillsGraph, a: usize, b: usize) {
        if a >= b {
            return;
        }
        self.learner_ids.extend_from_slice(&g.learner_ids[a..b]);
        self.learner_region.extend_from_slice(&g.learner_region[a..b]);
        self.opted_flags.extend((a..b).map(|i| g.is_opted_in(LearnerIdx(i as u32))));
        for (offs, old, base) in [
            (&mut self.hold_off, &g.hold_off, self.hold.skill.len()),
            (&mut self.cert_off, &g.cert_off, self.cert.skill.len()),
            (&mut self.done_off, &g.done_off, self.done.len()),
        ] {
            let start = old[a] as usize;
            offs.extend(old[a + 1..=b].iter().map(|&o| (o as usize - start + base) as u32));
        }
        let old_hold = (&g.hold_skill[..], &g.hold_level[..], &g.hold_ev[..], &g.hold_kind[..]);
        let old_cert = (&g.cert_skill[..], &g.cert_level[..], &g.cert_ev[..], &g.cert_kind[..]);
        self.hold.extend_from(old_hold, g.hold_off[a] as usize..g.hold_off[b] as usize);
        self.cert.extend_from(old_cert, g.cert_off[a] as usize..g.cert_off[b] as usize);
        self.done.extend_from_slice(&g.done[g.done_off[a] as usize..g.done_off[b] as usize]);
    }

    fn push(&mut self, p: Prepared) {
        self.learner_ids.push(p.id);
        self.learner_region.push(p.region);
        self.opted_flags.push(p.opted);
        let n = p.hold.skill.len();
        self.hold.extend_from((&p.hold.skill, &p.hold.level, &p.hold.ev, &p.hold.kind), 0..n);
        let n = p.cert.skill.len();
        self.cert.extend_from((&p.cert.skill, &p.cert.level, &p.cert.ev, &p.cert.kind), 0..n);
        self.done.extend_from_slice(&p.done);
        self.hold_off.push(self.hold.skill.len() as u32);
        self.cert_off.push(self.cert.skill.len() as u32);
        self.done_off.push(self.done.len() as u32);
    }
}

/// A changed learner, ready to merge: everything resolved against the graph's skills and
/// courses, its evidence already in the new arena.
struct Prepared {
    id: Arc<str>,
    region: Region,
    opted: bool,
    hold: HoldingCols,
    cert: HoldingCols,
    done: Vec<CourseIdx>,
}

impl SkillsGraph {
    /// A new graph equal to this one with the learners in `upserts` added or replaced (by id)
    /// and the learners named in `removals` left out.
    ///
    /// Skills, relations, courses, occupations and demand are shared as they are; only the
    /// learner columns and the skill → learners index are rebuilt, so a caller can keep
    /// answering from `self` while the new graph is made and then swap it in.
    ///
    /// # Arguments
    /// * `upserts`: learners in their complete new state (all verified skills and completed
    ///   courses, as [`crate::GraphBuilder::add_learner`] takes them). An id given twice is an
    ///   error, as in a full build.
    /// * `removals`: ids of learners to drop; ids not in the graph are ignored, and an id that
    ///   is also in `upserts` is upserted.
    ///
    /// # Returns
    /// The new graph. Errors as [`crate::GraphBuilder::add_learner`] and
    /// [`crate::GraphBuilder::build`] would for the same learner (unknown skill or course,
    /// bad region, duplicate id); `self` is untouched either way.
    ///
    /// # Complexity
    /// O(L + H + S + u · h log h + X) for L learners, H verified skills, S skills, u changed
    /// learners of h skills each and X bytes of evidence added by earlier updates: the
    /// unchanged columns are copied in runs (memcpy), the postings rebuilt by one counting
    /// sort. No string is copied except the changed learners' and earlier updates' evidence
    /// (ids are shared `Arc<str>`, the full build's evidence arena is shared); the catalog
    /// parts (skills, relations, courses, occupations, demand) are shared through their
    /// `Arc`s, not copied.
    ///
    /// # Example
    /// ```
    /// use rongtong_catalog::SkillLevel;
    /// use rongtong_matching::{EvidenceKind, GraphBuilder, LearnerSpec, VerifiedSkill};
    ///
    /// let plc = "https://ex.cn/skills/plc";
    /// let learner = |id: &str, level| LearnerSpec {
    ///     id: id.into(),
    ///     region: "360300".into(),
    ///     opted_in_to_be_found: true,
    ///     skills: vec![VerifiedSkill { skill: plc.into(), level, evidence: format!("cert-{id}"), kind: EvidenceKind::SkillCertificate }],
    ///     completed_courses: vec![],
    /// };
    /// let mut b = GraphBuilder::new();
    /// b.add_skill(plc);
    /// b.add_learner(&learner("ann", SkillLevel::L4))?;
    /// b.add_learner(&learner("bo", SkillLevel::L4))?;
    /// let g = b.build()?;
    /// // bo is certified higher, cy joins, ann leaves.
    /// let g2 = g.with_learners(&[learner("bo", SkillLevel::L2), learner("cy", SkillLevel::L5)], &["ann"])?;
    /// assert_eq!(g2.learner_count(), 2);
    /// assert!(g2.learner_idx("ann").is_none());
    /// assert_eq!(g2.learner_gap("bo", rongtong_matching::Target::Requirements(&[]))?.learner, "bo");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_learners(&self, upserts: &[LearnerSpec], removals: &[&str]) -> Result<SkillsGraph, BuildError> {
        // New evidence goes after the shared arena's end, into this graph's own additions.
        let mut arena = self.ev_extra.clone();
        let mut prepared = Vec::with_capacity(upserts.len());
        let mut tmp: Vec<RawHolding> = Vec::new();
        for spec in upserts {
            prepared.push(self.prepare(spec, &mut arena, &mut tmp)?);
        }
        prepared.sort_by(|a, b| a.id.cmp(&b.id));
        for w in prepared.windows(2) {
            if w[0].id == w[1].id {
                return Err(BuildError::DuplicateId { kind: "learner", id: w[0].id.to_string() });
            }
        }
        let mut removed: Vec<&str> = removals.to_vec();
        removed.sort_unstable();

        let n_old = self.learner_count();
        let mut out = Out::with_capacity(self, n_old + prepared.len());
        let mut next_new = prepared.into_iter().peekable();
        let mut run_start = 0;
        for i in 0..n_old {
            let id: &str = &self.learner_ids[i];
            // Changed learners sorting before (or replacing) old learner i go here, in id order.
            let mut replaced = false;
            while let Some(p) = next_new.next_if(|p| *p.id <= *id) {
                out.copy_run(self, run_start, i);
                run_start = i;
                replaced |= *p.id == *id;
                out.push(p);
            }
            if replaced || removed.binary_search(&id).is_ok() {
                out.copy_run(self, run_start, i);
                run_start = i + 1;
            }
        }
        out.copy_run(self, run_start, n_old);
        for p in next_new {
            out.push(p);
        }
        let Out { learner_ids, learner_region, opted_flags, hold_off, cert_off, done_off, hold, cert, done } = out;
        if u32::try_from(hold.skill.len()).is_err() {
            return Err(BuildError::TooLarge("more than 4 billion verified skills"));
        }
        let n = learner_ids.len();
        let mut opted = vec![0u64; n.div_ceil(64)];
        for (i, o) in opted_flags.iter().enumerate() {
            if *o {
                opted[i / 64] |= 1 << (i % 64);
            }
        }
        let Postings { lix_off, lix_learner } = Postings::build(self.skill_count(), &cert_off, &cert);
        let HoldingCols { skill: hold_skill, level: hold_level, ev: hold_ev, kind: hold_kind } = hold;
        let HoldingCols { skill: cert_skill, level: cert_level, ev: cert_ev, kind: cert_kind } = cert;
        Ok(SkillsGraph {
            skill_uris: self.skill_uris.clone(),
            skill_map: self.skill_map.clone(),
            relations: self.relations.clone(),
            src_off: self.src_off.clone(),
            src: self.src.clone(),
            course_ids: self.course_ids.clone(),
            course_map: self.course_map.clone(),
            course_provider: self.course_provider.clone(),
            course_region: self.course_region.clone(),
            course_hours: self.course_hours.clone(),
            course_credits: self.course_credits.clone(),
            course_published: self.course_published.clone(),
            teach_off: self.teach_off.clone(),
            teach: self.teach.clone(),
            prereq_off: self.prereq_off.clone(),
            prereq: self.prereq.clone(),
            tix_off: self.tix_off.clone(),
            tix: self.tix.clone(),
            tix_credits: self.tix_credits.clone(),
            occ: self.occ.clone(),
            occ_map: self.occ_map.clone(),
            dem: self.dem.clone(),
            dem_map: self.dem_map.clone(),
            learner_ids,
            learner_region,
            opted,
            hold_off,
            hold_skill,
            hold_level,
            hold_ev,
            hold_kind,
            cert_off,
            cert_skill,
            cert_level,
            cert_ev,
            cert_kind,
            ev_arena: self.ev_arena.clone(),
            ev_extra: arena,
            done_off,
            done,
            lix_off,
            lix_learner,
            rank_pool: Mutex::new(Vec::new()),
            path_pool: Mutex::new(Vec::new()),
        })
    }

    /// Resolves one changed learner against this graph, appending its evidence to `arena`
    /// (the new graph's `ev_extra`; offsets count from the start of the shared `ev_arena`).
    fn prepare(&self, spec: &LearnerSpec, arena: &mut String, tmp: &mut Vec<RawHolding>) -> Result<Prepared, BuildError> {
        let region = Region::parse(&spec.region)
            .ok_or_else(|| BuildError::InvalidRegion { context: format!("learner {}", spec.id), code: spec.region.clone() })?;
        tmp.clear();
        let mut last: Option<(&str, u32)> = None;
        for v in &spec.skills {
            let s = self
                .skill_idx(&v.skill)
                .ok_or_else(|| BuildError::UnknownSkill { context: format!("learner {}", spec.id), uri: v.skill.clone() })?;
            let ev = graph_evidence_text(&v.evidence);
            let at = match last {
                Some((prev, at)) if prev == ev => at,
                _ => {
                    let at = u32::try_from(self.ev_arena.len() + arena.len())
                        .map_err(|_| BuildError::TooLarge("evidence text exceeds 4 GiB"))?;
                    arena.push_str(ev);
                    last = Some((ev, at));
                    at
                }
            };
            tmp.push((s, v.level, v.kind, (at, ev.len() as u16)));
        }
        let mut hold = HoldingCols::default();
        let mut cert = HoldingCols::default();
        push_holdings(tmp, &mut hold, &mut cert);
        let mut done = Vec::with_capacity(spec.completed_courses.len());
        for name in &spec.completed_courses {
            done.push(self.course_idx(name).ok_or_else(|| BuildError::UnknownCourse {
                context: format!("completed course of learner {}", spec.id),
                course: name.clone(),
            })?);
        }
        sort_dedup_tail(&mut done, 0);
        Ok(Prepared { id: Arc::from(spec.id.as_str()), region, opted: spec.opted_in_to_be_found, hold, cert, done })
    }
}
