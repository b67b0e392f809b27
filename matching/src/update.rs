//! Incremental updates: a new snapshot from an old one with some learners replaced, added or
//! removed, without reading or rebuilding the rest.
//!
//! At provincial scale (a million learners, ten million verified skills) almost every write
//! is about one learner: a completion recorded, a certificate issued or revoked, consent
//! given. [`SkillsGraph::with_learners`] copies only the blocks of the learner store that hold
//! changed learners (see `store.rs`) and indexes only the learners changed since the base
//! postings were built, with the same per-learner rule a full build uses
//! ([`crate::graph::push_holdings`]), so the result answers every query exactly as a graph
//! built from scratch with the same learners.

use std::sync::{Arc, Mutex};

use crate::SkillsGraph;
use crate::graph::{HoldingCols, RawHolding, graph_evidence_text, push_holdings, sort_dedup_tail};
use crate::model::{BuildError, CourseIdx, LearnerSpec};
use crate::region::Region;
use crate::store::{LearnerBlock, LearnerRef, Postings, bit, set_bit};

/// A changed learner, ready to write: everything resolved against the graph's skills and
/// courses, its evidence already in the new arena.
struct Prepared {
    id: Arc<str>,
    region: Region,
    opted: bool,
    hold: HoldingCols,
    cert: HoldingCols,
    done: Vec<CourseIdx>,
}

/// Changed learners at most, as a share of the slots (1/16), before an update folds its delta
/// into new base postings (a counting sort of every holding, as a full build does) instead
/// of indexing the changed learners apart; never fewer than one block's worth.
const COMPACT_SHARE: usize = 16;

impl SkillsGraph {
    /// A new graph equal to this one with the learners in `upserts` added or replaced (by id)
    /// and the learners named in `removals` left out.
    ///
    /// Skills, relations, courses, occupations and demand are shared as they are, and so is
    /// every block of learners the changes do not touch (see `docs/MATCHING.md`, "The learner
    /// store and incremental updates"); a caller can keep answering from `self` while the new
    /// graph is made and then swap it in.
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
    /// O(b · B·h + S + D · h + u · h log h + d log N + L/64 + X) for b blocks touched of B
    /// learners (2048) with h skills each, S skills, D learners changed since the base
    /// postings (the delta is rebuilt from them), u learners changed now, d learners added
    /// since the last full build (their id-order keys), N the full build's learners, L slots
    /// (the opted-in and gone bitmaps are copied) and X bytes of evidence added by earlier
    /// updates. Untouched blocks, the base postings, the ids, the evidence arena and the
    /// catalog parts (skills, relations, courses, occupations, demand) are shared through
    /// `Arc`s, not copied. Once D exceeds 1/16 of the slots, the update instead rebuilds the
    /// base postings (one counting sort of every holding, O(L + H)) and empties the delta.
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
        let n_base = self.base_ids.len();
        let mut new_ids = self.new_ids.clone();
        let mut new_sorted = self.new_sorted.clone();
        let mut gone = self.gone.clone();
        let mut opted = self.opted.clone();
        let mut live = self.live;
        // (slot, new state: None = removed), in slot order once sorted.
        let mut edits: Vec<(u32, Option<Prepared>)> = Vec::with_capacity(prepared.len() + removals.len());
        let mut added: Vec<(Arc<str>, u32)> = Vec::new();
        for p in prepared {
            let slot = match self.slot_of(&p.id) {
                Some(l) => {
                    if bit(&gone, l.index()) {
                        set_bit(&mut gone, l.index(), false);
                        live += 1;
                    }
                    l.0
                }
                None => {
                    let slot = (n_base + new_ids.len()) as u32;
                    added.push((p.id.clone(), slot - n_base as u32));
                    new_ids.push(p.id.clone());
                    live += 1;
                    slot
                }
            };
            set_bit(&mut opted, slot as usize, p.opted);
            edits.push((slot, Some(p)));
        }
        for id in removals {
            if upserts.iter().any(|u| u.id == *id) {
                continue;
            }
            // (An id listed twice is removed once.)
            if let Some(l) = self.learner_idx(id).filter(|l| !bit(&gone, l.index())) {
                set_bit(&mut gone, l.index(), true);
                set_bit(&mut opted, l.index(), false);
                live -= 1;
                edits.push((l.0, None));
            }
        }
        edits.sort_by_key(|e| e.0);
        edits.dedup_by_key(|e| e.0);
        let slots = n_base + new_ids.len();
        if opted.len() < slots.div_ceil(64) {
            opted.resize(slots.div_ceil(64), 0);
        }
        if !added.is_empty() {
            // Keep the added learners' lookup list sorted by id.
            let ids = &new_ids;
            new_sorted.extend(added.iter().map(|a| a.1));
            new_sorted.sort_by(|&a, &b| ids[a as usize].cmp(&ids[b as usize]));
        }
        // Each added learner's place in id order: after the full build's learners with a
        // smaller id (high 32 bits), then among the added ones by id (low bits).
        let mut new_order = vec![0u64; new_ids.len()];
        for (rank, &j) in new_sorted.iter().enumerate() {
            let id = &new_ids[j as usize];
            let before = self.base_ids.partition_point(|x| x < id) as u64;
            new_order[j as usize] = (before << 32) | rank as u64;
        }

        // Copy the blocks that hold a changed learner; share the rest.
        let bits = self.block_bits;
        let mut blocks = self.blocks.clone();
        let mut e = 0;
        while e < edits.len() {
            let b = edits[e].0 as usize >> bits;
            let end = e + edits[e..].iter().take_while(|x| x.0 as usize >> bits == b).count();
            let old = blocks.get(b).cloned();
            let old_len = old.as_ref().map_or(0, |o| o.len());
            let last_slot = (edits[end - 1].0 as usize & ((1 << bits) - 1)) + 1;
            let mut nb = LearnerBlock::new();
            let mut it = edits[e..end].iter().peekable();
            // A removed learner keeps its slot with no holdings (and is marked gone).
            let empty = LearnerRef { region: Region(0), hold: (&[], &[], &[], &[]), cert: (&[], &[], &[], &[]), done: &[] };
            for i in 0..old_len.max(last_slot) {
                match it.next_if(|x| x.0 as usize & ((1 << bits) - 1) == i) {
                    Some((_, Some(p))) => nb.push(&LearnerRef { region: p.region, hold: p.hold.all(), cert: p.cert.all(), done: &p.done }),
                    Some((_, None)) => nb.push(&LearnerRef { region: old.as_ref().map_or(empty.region, |o| o.get(i).region), ..empty }),
                    None => match &old {
                        Some(o) if i < old_len => nb.push(&o.get(i)),
                        _ => nb.push(&empty),
                    },
                }
            }
            if b < blocks.len() {
                blocks[b] = nb.seal();
            } else {
                blocks.push(nb.seal());
            }
            e = end;
        }
        let hold_total: usize = blocks.iter().map(|b| b.holdings()).sum();
        if u32::try_from(hold_total).is_err() {
            return Err(BuildError::TooLarge("more than 4 billion verified skills"));
        }

        // Postings: the changed slots since the base go to a small delta index (their base
        // entries are marked stale); past a share of the slots, fold everything into a new
        // base instead.
        let mut changed = self.changed.clone();
        changed.extend(edits.iter().map(|x| x.0));
        changed.sort_unstable();
        changed.dedup();
        let n_skills = self.skill_count();
        let (postings, stale, delta, changed) = if changed.len() > (slots / COMPACT_SHARE).max(1 << bits) {
            (Arc::new(Postings::build(n_skills, || crate::graph::all_certs(&blocks, bits))), Vec::new(), Postings::default(), Vec::new())
        } else {
            let mut stale = self.stale.clone();
            for &c in &changed {
                set_bit(&mut stale, c as usize, true);
            }
            let blocks = &blocks;
            let delta = Postings::build(n_skills, || {
                changed.iter().map(move |&c| {
                    let l = blocks[c as usize >> bits].get(c as usize & ((1 << bits) - 1));
                    (c, l.cert.0, l.cert.1)
                })
            });
            (self.postings.clone(), stale, delta, changed)
        };

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
            block_bits: bits,
            blocks,
            base_ids: self.base_ids.clone(),
            new_ids,
            new_order,
            new_sorted,
            gone,
            live,
            opted,
            postings,
            stale,
            delta,
            changed,
            ev_arena: self.ev_arena.clone(),
            ev_extra: arena,
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
