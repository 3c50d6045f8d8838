//! What the counts read of one case ([`Counted`]): derived from the case and kept beside
//! it, so that the dashboard and `stats` count a large ledger without reading whole cases.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::case::Case;
use super::codes::{AdjustAction, Post, Situation, Verdict, VillageKind};
use super::summary::DueInputs;

/// What the counts read of one case: a few hundred bytes, where the whole case is several
/// thousand. Derived from the case; the store keeps it beside the case (in the same atomic
/// write), so the dashboard counts 100,000 cases without reading them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counted {
    pub id: String,
    pub year: i32,
    pub county: String,
    pub township: String,
    pub village: String,
    pub due: DueInputs,
    pub situations: Vec<Situation>,
    /// Adjustments recorded, all posts.
    pub adjustments: usize,
    /// Of them, of the Party secretary: posts filled, and otherwise adjusted.
    pub secretaries_filled: usize,
    pub secretaries_other: usize,
    /// No adjustment, with a reason recorded why none was needed.
    pub no_adjustment_reason: bool,
    /// The verdict of each acceptance attempt.
    pub verdicts: Vec<Verdict>,
    pub county_leader: String,
    pub township_leader: String,
    pub first_secretary: String,
    pub assisting_unit: String,
    /// Each visit's visitor and day.
    pub visits: Vec<(String, NaiveDate)>,
    /// 村 or 社区 as recorded (left out when not: a ledger kept before it was recorded
    /// reads as it was written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub village_kind: Option<VillageKind>,
    /// 建档立卡贫困村.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub poor_village: bool,
}

impl Counted {
    pub fn of(c: &Case) -> Counted {
        let secretary = || c.adjustments.iter().filter(|a| a.post == Post::Secretary);
        let p = c.pairing.clone().unwrap_or_default();
        Counted {
            id: c.id.clone(),
            year: c.year,
            county: c.county.clone(),
            township: c.township.clone(),
            village: c.village.clone(),
            due: DueInputs::of(c),
            situations: c.situations.clone(),
            adjustments: c.adjustments.len(),
            secretaries_filled: secretary()
                .filter(|a| a.action == AdjustAction::Filled)
                .count(),
            secretaries_other: secretary()
                .filter(|a| a.action != AdjustAction::Filled)
                .count(),
            no_adjustment_reason: c
                .no_adjustment_reason
                .as_deref()
                .is_some_and(|r| !r.trim().is_empty()),
            verdicts: c.acceptance.iter().map(|a| a.verdict).collect(),
            county_leader: p.county_leader,
            township_leader: p.township_leader,
            first_secretary: p.first_secretary,
            assisting_unit: p.assisting_unit,
            visits: c.visits.iter().map(|v| (v.by.clone(), v.on)).collect(),
            village_kind: c.profile.village_kind,
            poor_village: c.profile.poor_village == Some(true),
        }
    }
}
