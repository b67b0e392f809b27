//! The review a course passes before it goes public (三级审核), as a pure state machine.
//!
//! A provider submits a draft (draft → in_review) and may withdraw it. The course then waits
//! for each level of its chain in turn — the admins of the provider's city (for a provider
//! inside a city), of its province, then the platform — and each level's approval moves it
//! on; the last approval publishes it. Any reviewer of the chain, or the provider, sends it
//! back (in_review → draft, with a comment). The provider archives and reopens it.
//!
//! [`decide`] is the one place that knows these rules; the route, the importer and the tests
//! ask it, and the model only records what it decided.

use rongtong_catalog::{CourseStatus, RegionCode, ReviewStage};

use crate::error::{AppError, AppResult};

/// The longest review comment, in characters.
pub const MAX_COMMENT: usize = 2_000;

/// Checks a review comment (the reason a course or rule is sent back): 422 naming `comment`.
pub(crate) fn check_comment(comment: Option<&str>) -> AppResult<()> {
    let mut errs = rongtong_catalog::ValidationErrors::new();
    rongtong_catalog::validate::check_multiline_text(&mut errs, "comment", comment, MAX_COMMENT);
    Ok(errs.into_result()?)
}

/// The levels a course of a provider in `region` passes, in order: its city (only when the
/// provider sits in a city or county), its province, then the platform.
pub fn review_chain(region: &RegionCode) -> Vec<ReviewStage> {
    let mut chain = Vec::with_capacity(3);
    if region.city().is_some() {
        chain.push(ReviewStage::City);
    }
    chain.extend([ReviewStage::Province, ReviewStage::Platform]);
    chain
}

/// Who is acting, as the review sees them.
pub(crate) struct Actor<'a> {
    /// May edit the provider's content (its staff, or an admin covering it).
    pub provider_side: bool,
    /// Whether the actor reviews at a level of this course's chain.
    pub reviews_at: &'a dyn Fn(ReviewStage) -> bool,
}

/// What a status change does: the new status, the review level the actor acted as (recorded
/// in the trail) and the level the course waits for next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decision {
    /// The status the course moves to.
    pub to: CourseStatus,
    /// The level the actor acted at, if they acted as a reviewer.
    pub acted_as: Option<ReviewStage>,
    /// The level the course waits for next, while in review.
    pub next: Option<ReviewStage>,
}

/// Decides a requested status change of a course whose provider sits in `region`.
///
/// `awaiting` is the level the course waits for (`None` for a course not in review, or in
/// review from before levels were recorded: it waits for the first level). 403 when the
/// actor may not make this change; a transition that makes no sense is passed through for
/// the model to refuse with 409 (it knows the stored status).
pub(crate) fn decide(
    current: CourseStatus,
    requested: CourseStatus,
    awaiting: Option<ReviewStage>,
    region: &RegionCode,
    actor: &Actor<'_>,
) -> AppResult<Decision> {
    use CourseStatus::*;
    let chain = review_chain(region);
    let awaiting = awaiting.or_else(|| chain.first().copied());
    let my_stage = chain.iter().copied().find(|s| (actor.reviews_at)(*s));
    let ensure = |ok: bool, what: &str| if ok { Ok(()) } else { Err(AppError::Forbidden(format!("you may not {what}"))) };
    let d = |to, acted_as, next| Decision { to, acted_as, next };
    Ok(match (current, requested) {
        (Draft, InReview) => {
            ensure(actor.provider_side, "submit this course for review")?;
            d(InReview, None, chain.first().copied())
        }
        (InReview, Published) => {
            let Some(stage) = awaiting else { return Err(AppError::Internal("empty review chain".into())) };
            if !(actor.reviews_at)(stage) {
                return Err(AppError::Forbidden(format!(
                    "this course awaits the {stage} review level; only its reviewers may approve it now"
                )));
            }
            let next = chain.iter().skip_while(|s| **s != stage).nth(1).copied();
            d(if next.is_some() { InReview } else { Published }, Some(stage), next)
        }
        (InReview, Draft) => {
            ensure(actor.provider_side || my_stage.is_some(), "send this course back")?;
            d(Draft, my_stage, None)
        }
        (Archived, Draft) => {
            ensure(actor.provider_side, "reopen this course")?;
            d(Draft, None, None)
        }
        (_, Archived) => {
            ensure(actor.provider_side, "archive this course")?;
            d(Archived, my_stage, None)
        }
        (_, to) => d(to, None, None), // illegal transitions are refused by the model with 409
    })
}

/// Whether an actor may publish courses at once, skipping the review chain (a course import
/// with `publish=true`), and the level to record it at in the review trail.
///
/// Only the level that closes every chain may: the platform. A city or province admin would
/// otherwise publish without the levels above them. The local operator (`operator`: the CLI
/// on the machine, which holds the database anyway) may too; it has no account, so nothing
/// is recorded for it. Everyone else imports drafts and submits them (`decide`).
pub(crate) fn direct_publish(operator: bool, reviews_at: &dyn Fn(ReviewStage) -> bool) -> AppResult<Option<ReviewStage>> {
    if operator {
        Ok(None)
    } else if reviews_at(ReviewStage::Platform) {
        Ok(Some(ReviewStage::Platform))
    } else {
        Err(AppError::Forbidden(
            "only the platform admin publishes without review (三级审核); import drafts and submit them for review".into(),
        ))
    }
}

/// The comment the review trail carries for a direct publish.
pub(crate) const DIRECT_PUBLISH_COMMENT: &str = "published directly on import by the platform, without the earlier review levels";

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_platform_or_the_operator_publishes_directly() {
        use super::*;
        assert_eq!(direct_publish(true, &|_| false).ok(), Some(None));
        assert_eq!(direct_publish(false, &|s| s == ReviewStage::Platform).ok(), Some(Some(ReviewStage::Platform)));
        for level in [ReviewStage::City, ReviewStage::Province] {
            assert!(direct_publish(false, &|s| s == level).is_err(), "{level} publishes only through the chain");
        }
    }

    use super::*;

    fn city() -> RegionCode {
        "360300".parse().expect("region")
    }

    #[test]
    fn a_city_provider_passes_three_levels_in_order() {
        let region = city();
        let provider = Actor { provider_side: true, reviews_at: &|_| false };
        let submitted = decide(CourseStatus::Draft, CourseStatus::InReview, None, &region, &provider).expect("submit");
        assert_eq!(submitted, Decision { to: CourseStatus::InReview, acted_as: None, next: Some(ReviewStage::City) });
        let mut awaiting = submitted.next;
        for stage in [ReviewStage::City, ReviewStage::Province, ReviewStage::Platform] {
            let reviewer = Actor { provider_side: false, reviews_at: &move |s| s == stage };
            let d = decide(CourseStatus::InReview, CourseStatus::Published, awaiting, &region, &reviewer).expect("approve");
            assert_eq!(d.acted_as, Some(stage));
            awaiting = d.next;
            if stage == ReviewStage::Platform {
                assert_eq!(d.to, CourseStatus::Published);
            } else {
                assert_eq!(d.to, CourseStatus::InReview);
            }
        }
    }

    #[test]
    fn a_level_cannot_be_skipped_or_stood_in_for() {
        let province = Actor { provider_side: false, reviews_at: &|s| s == ReviewStage::Province };
        let err = decide(CourseStatus::InReview, CourseStatus::Published, Some(ReviewStage::City), &city(), &province).unwrap_err();
        assert!(matches!(err, AppError::Forbidden(m) if m.contains("city")));
    }

    #[test]
    fn a_province_provider_skips_the_city_level() {
        let region: RegionCode = "360000".parse().expect("region");
        assert_eq!(review_chain(&region), vec![ReviewStage::Province, ReviewStage::Platform]);
    }

    #[test]
    fn only_the_provider_submits() {
        let outsider = Actor { provider_side: false, reviews_at: &|_| true };
        assert!(decide(CourseStatus::Draft, CourseStatus::InReview, None, &city(), &outsider).is_err());
    }
}
