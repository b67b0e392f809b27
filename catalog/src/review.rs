//! The levels of the review content passes before it goes public (三级审核).

use serde::{Deserialize, Serialize};

/// A level of the review (三级审核): the province's open university runs a main site and
/// city sub-sites (省校主站 + 地市子站), and content passes the city, then the province, then
/// the platform. Which levels a given piece of content passes is the registry's rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::Display, strum::EnumString, strum::AsRefStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ReviewStage {
    /// The admins of the provider's city (地市子站).
    City,
    /// The admins of the provider's province (省校主站).
    Province,
    /// The platform's admins.
    Platform,
}
