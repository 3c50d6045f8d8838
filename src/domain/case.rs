//! The case (SPEC §2): one weak village branch identified in one year, with everything
//! recorded about its rectification. Serialises to the interchange shape of SPEC §6.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::codes::*;
use super::field::Field;

/// 四个一: the leaders and units paired with the village.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pairing {
    #[serde(default)]
    pub county_leader: String,
    /// The roster account (login) of the county leader, when the ledger knows it: a name
    /// alone cannot say which of two 王建国 is meant. See [`super::roster`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub county_leader_account: Option<String>,
    #[serde(default)]
    pub township_leader: String,
    #[serde(default)]
    pub first_secretary: String,
    #[serde(default)]
    pub first_secretary_unit: String,
    #[serde(default)]
    pub assisting_unit: String,
    #[serde(default)]
    pub paired_on: Option<NaiveDate>,
}

impl Pairing {
    /// The §3 guard's fields that are still empty.
    pub fn missing(&self) -> Vec<Field> {
        let mut m = Vec::new();
        if self.county_leader.trim().is_empty() {
            m.push(Field::CountyLeader);
        }
        if self.township_leader.trim().is_empty() {
            m.push(Field::TownshipLeader);
        }
        if self.first_secretary.trim().is_empty() {
            m.push(Field::FirstSecretary);
        }
        if self.first_secretary_unit.trim().is_empty() {
            m.push(Field::FirstSecretaryUnit);
        }
        m
    }
}

/// One row of the one-village-one-plan (一村一策).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    pub measure: String,
    #[serde(default)]
    pub responsible: String,
    pub due: NaiveDate,
    #[serde(default)]
    pub done_on: Option<NaiveDate>,
}

impl Task {
    /// Not done and due before today. Due today is not overdue.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.done_on.is_none() && self.due < today
    }
}

/// A village cadre adjusted during rectification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Adjustment {
    pub name: String,
    pub post: Post,
    pub reason: AdjustReason,
    pub action: AdjustAction,
    pub on: NaiveDate,
    #[serde(default)]
    pub replacement: Option<String>,
    #[serde(default)]
    pub replacement_source: Option<ReplacementSource>,
}

/// A field visit or inspection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Visit {
    pub on: NaiveDate,
    #[serde(default)]
    pub by: String,
    pub kind: VisitKind,
    #[serde(default)]
    pub findings: String,
}

/// The six standards of an acceptance attempt, in §4's order.
pub type Standards = [bool; 6];

/// One acceptance inspection. The verdict is derived from the other fields by the policy
/// in force when the attempt was recorded, and stored so that the record reads as decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acceptance {
    pub on: NaiveDate,
    #[serde(default)]
    pub by: String,
    pub score: u8,
    pub poll_n: u32,
    pub poll_dissatisfied: u32,
    #[serde(with = "standards_map")]
    pub standards: Standards,
    pub verdict: Verdict,
}

/// Optional facts about the village, welcome but never required (SPEC §2), as the annual
/// sheet and the counties' ledgers have them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// 村 or 社区; a case that does not say is counted as a village.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub village_kind: Option<VillageKind>,
    /// 建档立卡贫困村: a registered poor village.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poor_village: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub households: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party_members: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secretary_age: Option<u32>,
}

impl Profile {
    pub fn is_empty(&self) -> bool {
        *self == Profile::default()
    }

    /// The kind the annual sheet counts the case under: a village unless recorded otherwise.
    pub fn kind(&self) -> VillageKind {
        self.village_kind.unwrap_or(VillageKind::Village)
    }
}

/// One weak village branch identified in one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub id: String,
    pub year: i32,
    pub county: String,
    pub township: String,
    pub village: String,
    pub situations: Vec<Situation>,
    #[serde(default)]
    pub problems: String,
    pub identified_on: NaiveDate,
    /// 转化期限 as recorded; `None` means the default, 31 Dec of `year`.
    #[serde(default)]
    pub deadline: Option<NaiveDate>,
    pub stage: Stage,
    #[serde(default)]
    pub pairing: Option<Pairing>,
    #[serde(default)]
    pub tasks: Vec<Task>,
    #[serde(default)]
    pub adjustments: Vec<Adjustment>,
    #[serde(default)]
    pub no_adjustment_reason: Option<String>,
    #[serde(default)]
    pub visits: Vec<Visit>,
    #[serde(default)]
    pub acceptance: Vec<Acceptance>,
    /// How many of the first acceptance attempts a reopen has voided: they stay on record,
    /// but a reopened case is closed only by a pass recorded after it.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub voided_attempts: usize,
    #[serde(default)]
    pub closed_on: Option<NaiveDate>,
    #[serde(default)]
    pub relapse_of: Option<String>,
    #[serde(default, skip_serializing_if = "Profile::is_empty")]
    pub profile: Profile,
    /// The day of the last reopen: a stage reopened to starts its clock again then
    /// ([`super::DueInputs`]), so a case is not overdue the day it is reopened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reopened_on: Option<NaiveDate>,
    /// Set when the case was entered by mistake and taken off the list (SPEC §11): it is
    /// in no list, count or export, and stays in the history until `unvoid` brings it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voided: Option<Voided>,
}

/// Why and when a case was taken off the list as entered by mistake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Voided {
    pub on: NaiveDate,
    pub reason: String,
}

impl Case {
    /// A case as the county identifies it: at `identified`, with nothing recorded yet.
    pub fn identified(
        id: impl Into<String>,
        year: i32,
        county: impl Into<String>,
        township: impl Into<String>,
        village: impl Into<String>,
        situations: Vec<Situation>,
        identified_on: NaiveDate,
    ) -> Case {
        Case {
            id: id.into(),
            year,
            county: county.into(),
            township: township.into(),
            village: village.into(),
            situations,
            problems: String::new(),
            identified_on,
            deadline: None,
            stage: Stage::Identified,
            pairing: None,
            tasks: vec![],
            adjustments: vec![],
            no_adjustment_reason: None,
            visits: vec![],
            acceptance: vec![],
            voided_attempts: 0,
            closed_on: None,
            relapse_of: None,
            profile: Profile::default(),
            reopened_on: None,
            voided: None,
        }
    }

    /// The conversion deadline in force: the recorded one, or 31 Dec of the campaign year.
    pub fn effective_deadline(&self) -> NaiveDate {
        self.deadline.unwrap_or_else(|| {
            NaiveDate::from_ymd_opt(self.year, 12, 31).unwrap_or(self.identified_on)
        })
    }

    /// The case's own fields without what is recorded on it (tasks, adjustments, visits,
    /// acceptance attempts): all a row of the flat ledger shows, a fraction of the bytes.
    pub fn own_fields(&self) -> Case {
        Case {
            id: self.id.clone(),
            year: self.year,
            county: self.county.clone(),
            township: self.township.clone(),
            village: self.village.clone(),
            situations: self.situations.clone(),
            problems: self.problems.clone(),
            identified_on: self.identified_on,
            deadline: self.deadline,
            stage: self.stage,
            pairing: self.pairing.clone(),
            tasks: Vec::new(),
            adjustments: Vec::new(),
            no_adjustment_reason: self.no_adjustment_reason.clone(),
            visits: Vec::new(),
            acceptance: Vec::new(),
            voided_attempts: 0,
            closed_on: self.closed_on,
            relapse_of: self.relapse_of.clone(),
            profile: self.profile.clone(),
            reopened_on: self.reopened_on,
            voided: self.voided.clone(),
        }
    }

    pub fn county_leader(&self) -> &str {
        self.pairing
            .as_ref()
            .map(|p| p.county_leader.as_str())
            .unwrap_or("")
    }

    pub fn last_visit(&self) -> Option<&Visit> {
        self.visits.iter().max_by_key(|v| v.on)
    }

    /// The acceptance attempts that count towards closing the case: those since the last
    /// reopen.
    pub fn counting_attempts(&self) -> &[Acceptance] {
        self.acceptance
            .get(self.voided_attempts..)
            .unwrap_or_default()
    }

    pub fn open_tasks(&self) -> impl Iterator<Item = (usize, &Task)> {
        self.tasks
            .iter()
            .enumerate()
            .filter(|(_, t)| t.done_on.is_none())
            .map(|(i, t)| (i + 1, t))
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A township-level accountability event (约谈 / 诫勉 / 问责).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountabilityEvent {
    pub on: NaiveDate,
    pub county: String,
    pub township: String,
    pub person: String,
    pub kind: AccountabilityKind,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub cases: Vec<String>,
}

/// Standards serialise as an object keyed by code, so a file reads on its own and a missing
/// or unknown standard is caught by name.
mod standards_map {
    use super::{Standard, Standards};
    use serde::de::{Error, MapAccess, SeqAccess, Unexpected, Visitor};
    use serde::{Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;
    use std::fmt;

    pub fn serialize<S: Serializer>(v: &Standards, s: S) -> Result<S::Ok, S::Error> {
        let m: Vec<(&str, bool)> = Standard::ALL
            .iter()
            .zip(v.iter())
            .map(|(k, b)| (k.code(), *b))
            .collect();
        let mut map = serde_json::Map::new();
        for (k, b) in m {
            map.insert(k.to_string(), serde_json::Value::Bool(b));
        }
        map.serialize(s)
    }

    /// A map of the six codes to booleans (as written), a list of six booleans in §4's
    /// order, or six 1/0 flags as the CLI takes them (`"111101"`).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Standards, D::Error> {
        d.deserialize_any(Forms)
    }

    struct Forms;

    impl<'de> Visitor<'de> for Forms {
        type Value = Standards;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            write!(
                f,
                "the six standards: a map of {}, six booleans, or six 1/0 flags",
                Standard::codes_list()
            )
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Standards, A::Error> {
            let mut m: BTreeMap<String, bool> = BTreeMap::new();
            while let Some((k, v)) = map.next_entry::<String, bool>()? {
                m.insert(k, v);
            }
            let mut out = [false; 6];
            for (k, b) in &m {
                let std = Standard::parse(k).ok_or_else(|| {
                    A::Error::custom(format!(
                        "unknown standard '{k}' (expected {})",
                        Standard::codes_list()
                    ))
                })?;
                // One place per standard: `Standard` has as many values as `Standards` places.
                if let Some(met) = out.get_mut(std as usize) {
                    *met = *b;
                }
            }
            for s in Standard::ALL {
                if !m.keys().any(|k| Standard::parse(k) == Some(*s)) {
                    return Err(A::Error::custom(format!(
                        "standard '{}' is missing",
                        s.code()
                    )));
                }
            }
            Ok(out)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Standards, A::Error> {
            let mut out = [false; 6];
            for (i, met) in out.iter_mut().enumerate() {
                *met = seq
                    .next_element()?
                    .ok_or_else(|| A::Error::invalid_length(i, &self))?;
            }
            if seq.next_element::<bool>()?.is_some() {
                return Err(A::Error::invalid_length(7, &self));
            }
            Ok(out)
        }

        fn visit_str<E: Error>(self, v: &str) -> Result<Standards, E> {
            let flags: Vec<bool> = v
                .trim()
                .chars()
                .map(|c| match c {
                    '1' => Ok(true),
                    '0' => Ok(false),
                    _ => Err(E::invalid_value(Unexpected::Str(v), &self)),
                })
                .collect::<Result<_, _>>()?;
            <Standards>::try_from(flags).map_err(|_| E::invalid_value(Unexpected::Str(v), &self))
        }
    }
}
