//! `/org/alignment`: how the organisation's published courses — or one of its curricula —
//! cover a region's published demand (`services::matching::alignment`, as
//! `GET /matching/alignment`), and the region's supply and demand of the skills concerned
//! (`services::matching::supply`, as `GET /matching/supply-demand`).

use askama::Template;
use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use rongtong_matching::{AlignedSkill, CoverageStatus, CurriculumAlignment, SupplyDemandRow, TaughtSkill};
use serde::Deserialize;

use super::{Part, member};
use crate::app::AppState;
use crate::error::AppError;
use crate::models::courses::{self as courses_m, CurriculumView};
use crate::pages::ctx::{Ctx, PageResult, render};
use crate::pages::i18n::Lang;
use crate::pages::layout::Chrome;
use crate::services::matching::{self as svc, AlignmentParams, Outcome, SupplyParams};

/// Rows shown per table (the answer's lists are ordered, most demanded first).
const MAX_ROWS: usize = 50;

/// `?region=&curriculum=`.
#[derive(Debug, Default, Deserialize)]
pub struct AlignmentQuery {
    /// A GB/T 2260 code; default: the organisation's city.
    pub region: Option<String>,
    /// One of the organisation's curricula (id) instead of all its courses.
    pub curriculum: Option<String>,
}

/// The alignment page.
#[derive(Template)]
#[template(path = "web/college/alignment.html")]
pub struct AlignmentPage {
    c: Chrome,
    region: String,
    curriculum: String,
    curricula: Vec<CurriculumView>,
    result: Option<CurriculumAlignment>,
    /// Why there is no result (a bad region, an unknown curriculum).
    problem: String,
    /// The region's supply and demand of the skills demanded there (most demanded first).
    supply: Vec<SupplyDemandRow>,
    labels: std::sync::Arc<std::collections::HashMap<String, String>>,
    lang: Lang,
}

impl AlignmentPage {
    /// A skill's or course's name (its URI or key when it has none).
    pub fn label(&self, key: &str) -> String {
        self.labels.get(key).cloned().unwrap_or_else(|| key.to_string())
    }

    /// A level in the page's language.
    pub fn level(&self, level: &rongtong_catalog::SkillLevel) -> &'static str {
        if self.lang == Lang::En { level.name_en() } else { level.name_zh() }
    }

    /// A share as a whole percentage.
    pub fn percent(&self, share: &f64) -> String {
        format!("{:.0} %", share * 100.0)
    }

    /// The demanded rows shown.
    pub fn demanded(&self) -> &[AlignedSkill] {
        self.result.as_ref().map_or(&[][..], |r| &r.demanded[..r.demanded.len().min(MAX_ROWS)])
    }

    /// The taught-but-not-demanded rows shown.
    pub fn undemanded(&self) -> &[TaughtSkill] {
        self.result.as_ref().map_or(&[][..], |r| &r.taught_not_demanded[..r.taught_not_demanded.len().min(MAX_ROWS)])
    }

    /// A coverage status's message key and badge class.
    pub fn coverage(&self, s: &CoverageStatus) -> (&'static str, &'static str) {
        match s {
            CoverageStatus::Taught => (self.c.t("college.alignment.taught"), "ok"),
            CoverageStatus::PartiallyTaught => (self.c.t("college.alignment.partial"), "warn"),
            CoverageStatus::Untaught => (self.c.t("college.alignment.untaught"), "bad"),
        }
    }
}

/// `GET /org/alignment`: the organisation's courses (or a curriculum) against the published
/// demand of a region (default: the organisation's city), and the region's supply and demand.
pub async fn find_alignment(state: AppState, ctx: Ctx, Query(q): Query<AlignmentQuery>) -> PageResult<Response> {
    let (_, org) = member(&ctx, Part::Teaching)?;
    let present = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from);
    let params = AlignmentParams { provider: Some(org.code.clone()), curriculum: present(&q.curriculum), region: present(&q.region) };
    let snap = state.matching.get(&state.db).await?;
    let (p, org_code) = (params.clone(), org.code.clone());
    let (curricula, scope) = state
        .db
        .run(move |c| {
            let (curricula, _) = courses_m::list_curricula(c, Some(&org_code), 500, 0)?;
            // Only the organisation's own curricula are aligned here.
            let scope = match &p.curriculum {
                Some(id) if !curricula.iter().any(|k| &k.id == id) => Err(AppError::invalid("curriculum", format!("no curriculum {id}"))),
                _ => svc::alignment_curriculum(c, &p),
            };
            Ok::<_, AppError>((curricula, scope))
        })
        .await?;
    let snapshot = snap.snapshot.clone();
    let computed = tokio::task::spawn_blocking(move || {
        let alignment = scope.and_then(|scope| svc::alignment(&snapshot, &params, scope.as_ref()))?;
        let Outcome::Alignment(a) = alignment else { return Err(AppError::Internal("alignment answered something else".into())) };
        let supply = match svc::supply(&snapshot, &SupplyParams { region: Some(a.region.clone()), level: None, include_undemanded: false })?
        {
            Outcome::Supply(s) => s.rows,
            _ => Vec::new(),
        };
        Ok((a, supply))
    })
    .await
    .map_err(|e| AppError::Internal(format!("alignment task: {e}")))?;
    let (result, supply, problem) = match computed {
        Ok((a, mut supply)) => {
            supply.sort_by(|x, y| y.demanded_headcount.cmp(&x.demanded_headcount).then_with(|| x.skill.cmp(&y.skill)));
            supply.truncate(MAX_ROWS);
            (Some(a), supply, String::new())
        }
        Err(e @ (AppError::Validation(_) | AppError::BadRequest { .. })) => (None, Vec::new(), e.to_string()),
        Err(e) => return Err(e.into()),
    };
    let region = result.as_ref().map(|r| r.region.clone()).or(q.region).unwrap_or_default();
    let page = AlignmentPage {
        c: Chrome::new(&ctx, "college.alignment.title"),
        region,
        curriculum: q.curriculum.unwrap_or_default(),
        curricula,
        result,
        problem,
        supply,
        labels: snap.snapshot.labels.clone(),
        lang: ctx.lang,
    };
    Ok(render(&page)?.into_response())
}
