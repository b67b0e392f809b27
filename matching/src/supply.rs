//! Operation 6: regional supply and demand per skill.

use rongtong_catalog::RegionLevel;
use serde::Serialize;

use crate::SkillsGraph;
use crate::fxhash::FxMap;
use crate::model::{LearnerIdx, QueryError, SkillIdx};
use crate::region::Region;

/// One skill in one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SupplyDemandRow {
    /// Skill URI.
    pub skill: String,
    /// Region code at the requested granularity.
    pub region: String,
    /// Headcount of published demand items in the region requiring the skill (essential or
    /// optional, any level): people, each item counted once however it lists the skill.
    pub demanded_headcount: u64,
    /// The part of it where the skill is essential.
    pub essential_headcount: u64,
    /// Published demand items requiring it.
    pub demand_items: usize,
    /// Published courses whose provider is in the region and that teach the skill (any
    /// level).
    pub courses_teaching: usize,
    /// Learners in the region holding the skill verified (any level, opted in or not: this
    /// is an anonymous count; a passing completion counts as much as a certificate, since
    /// this is supply, not a ranking).
    pub learners_holding: usize,
}

/// Supply and demand per (skill, region).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SupplyDemand {
    /// The region analysed, or `None` for the whole country.
    pub within: Option<String>,
    /// Granularity of the rows.
    pub granularity: RegionLevel,
    /// Rows sorted by region code, then demanded headcount (descending), then skill URI.
    pub rows: Vec<SupplyDemandRow>,
}

#[derive(Default, Clone, Copy)]
struct Counts {
    demanded: u64,
    essential: u64,
    items: usize,
    courses: usize,
    learners: usize,
}

impl SkillsGraph {
    /// Per skill and region: demanded headcount, courses teaching it and learners holding
    /// it, for labour-market and planning reports (e.g. 萍乡 needs 120 PLC technicians, its
    /// colleges offer 3 courses, 45 verified holders live there).
    ///
    /// These are raw counts of *the skill itself* (no requirement level, no relations): a
    /// supply figure, not a match. Courses without a region are not attributed to any
    /// region.
    ///
    /// # Arguments
    /// * `within`: restrict to a region (sub-regions included), or `None` for all.
    /// * `granularity`: roll regions up to provinces or cities (or keep counties).
    /// * `include_undemanded`: also list (skill, region) pairs with supply but no demand.
    ///
    /// # Returns
    /// A [`SupplyDemand`]; errors on a malformed region code.
    ///
    /// # Complexity
    /// O(D·r + C·t + H) for D demand items with r requirements, C courses with t skills and
    /// H verified skills of the learners in the region (a sweep over their holdings).
    ///
    /// # Example
    /// ```
    /// use rongtong_catalog::{RegionLevel, RequirementKind, SkillLevel, SkillRequirement};
    /// use rongtong_matching::{DemandSpec, EvidenceKind, GraphBuilder, LearnerSpec, VerifiedSkill};
    ///
    /// let mut b = GraphBuilder::new();
    /// b.add_skill("https://ex.cn/skills/plc");
    /// let req = SkillRequirement { skill: "https://ex.cn/skills/plc".into(), kind: RequirementKind::Essential, min_level: SkillLevel::L3 };
    /// b.add_demand(&DemandSpec { id: "d1".into(), region: "360302".into(), headcount: 120, published: true, requirements: vec![req] })?;
    /// b.add_learner(&LearnerSpec {
    ///     id: "l1".into(), region: "360321".into(), opted_in_to_be_found: false,
    ///     skills: vec![VerifiedSkill { skill: "https://ex.cn/skills/plc".into(), level: SkillLevel::L4, evidence: "c1".into(), kind: EvidenceKind::Completion }],
    ///     completed_courses: vec![],
    /// })?;
    /// let g = b.build()?;
    /// let sd = g.supply_and_demand(Some("360000"), RegionLevel::City, false)?;
    /// assert_eq!(sd.rows.len(), 1);
    /// assert_eq!((sd.rows[0].region.as_str(), sd.rows[0].demanded_headcount, sd.rows[0].learners_holding), ("360300", 120, 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn supply_and_demand(
        &self,
        within: Option<&str>,
        granularity: RegionLevel,
        include_undemanded: bool,
    ) -> Result<SupplyDemand, QueryError> {
        let within = within.map(|c| self.parse_region(c)).transpose()?;
        let inside = |r: Region| within.is_none_or(|w| r.is_within(w));
        let mut cells: FxMap<(Region, SkillIdx), Counts> = FxMap::default();
        for d in 0..self.dem.ids.len() {
            let Some(r) = self.dem.region[d] else { continue };
            if !self.dem.published[d] || !inside(r) {
                continue;
            }
            let mut reqs = self.dem.reqs[d].clone();
            crate::graph::dedup_reqs(&mut reqs);
            let key = r.roll_up(granularity);
            for q in reqs {
                let c = cells.entry((key, q.skill)).or_default();
                c.demanded += u64::from(self.dem.headcount[d]);
                if q.essential {
                    c.essential += u64::from(self.dem.headcount[d]);
                }
                c.items += 1;
            }
        }
        let known = |cells: &FxMap<(Region, SkillIdx), Counts>, k: &(Region, SkillIdx)| include_undemanded || cells.contains_key(k);
        for c in 0..self.course_count() {
            let Some(r) = self.course_region[c] else { continue };
            if !self.course_published[c] || !inside(r) {
                continue;
            }
            for &(s, _) in &self.teach[self.teach_off[c] as usize..self.teach_off[c + 1] as usize] {
                let k = (r.roll_up(granularity), s);
                if known(&cells, &k) {
                    cells.entry(k).or_default().courses += 1;
                }
            }
        }
        // Learners: one dense counter per region key, to keep the sweep over holdings cheap.
        let mut per_region: FxMap<Region, Vec<u32>> = FxMap::default();
        for l in (0..self.slot_count() as u32).map(LearnerIdx).filter(|&l| self.is_live(l)) {
            let r = self.region_of_learner(l);
            if !inside(r) {
                continue;
            }
            let counts = per_region.entry(r.roll_up(granularity)).or_insert_with(|| vec![0; self.skill_count()]);
            for s in self.held_skills(l) {
                counts[s.index()] += 1;
            }
        }
        for (r, counts) in per_region {
            for (s, &n) in counts.iter().enumerate() {
                let k = (r, SkillIdx(s as u32));
                if n > 0 && known(&cells, &k) {
                    cells.entry(k).or_default().learners = n as usize;
                }
            }
        }
        let mut rows: Vec<SupplyDemandRow> = cells
            .into_iter()
            .map(|((r, s), c)| SupplyDemandRow {
                skill: self.skill_uri(s).to_string(),
                region: r.code(),
                demanded_headcount: c.demanded,
                essential_headcount: c.essential,
                demand_items: c.items,
                courses_teaching: c.courses,
                learners_holding: c.learners,
            })
            .collect();
        rows.sort_by(|a, b| {
            a.region.cmp(&b.region).then(b.demanded_headcount.cmp(&a.demanded_headcount)).then_with(|| a.skill.cmp(&b.skill))
        });
        Ok(SupplyDemand { within: within.map(Region::code), granularity, rows })
    }
}
