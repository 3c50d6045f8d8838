//! The stable code lists of SPEC §4.
//!
//! Codes are what files and scripts exchange; labels are what people read and live in
//! `i18n`, which matches over these enums (so a new value without a label does not compile).
//! Each list is a plain enum so that a `match` over it is checked by the compiler.

use serde::{Deserialize, Serialize};

/// A code list: its values in order, and each value's stable code.
pub trait Coded: Copy + Eq + 'static {
    const ALL: &'static [Self];
    fn code(self) -> &'static str;
}

/// Declares a code list: an enum with `code()`, `ALL`, and parsing from the code.
macro_rules! code_list {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code used in files and on the command line.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// Accepts the code (case-insensitive); `i18n::parse_label` also takes labels.
            pub fn parse(s: &str) -> Option<Self> {
                let s = s.trim();
                Self::ALL.iter().copied().find(|v| v.code().eq_ignore_ascii_case(s))
            }

            /// The codes, joined for an error message that says what is accepted.
            pub fn codes_list() -> String {
                Self::ALL.iter().map(|v| v.code()).collect::<Vec<_>>().join(", ")
            }
        }

        impl Coded for $name {
            const ALL: &'static [Self] = $name::ALL;
            fn code(self) -> &'static str {
                $name::code(self)
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                Self::parse(s).ok_or_else(|| {
                    format!("'{}' ({})", s, Self::codes_list())
                })
            }
        }
    };
}

code_list! {
    /// 认定情形: why a branch was identified as weak and lax.
    Situation {
        LeadershipIncomplete = "leadership_incomplete";
        SecretaryUnfit = "secretary_unfit";
        Disunited = "disunited";
        RulesOnPaper = "rules_on_paper";
        ElectionBribery = "election_bribery";
        ClanReligiousCriminal = "clan_religious_criminal";
        AffairsDisorder = "affairs_disorder";
        OrderPetitions = "order_petitions";
        NoVenue = "no_venue";
        PoorService = "poor_service";
        VillageBully = "village_bully";
        PettyCorruption = "petty_corruption";
        NoCollectiveIncome = "no_collective_income";
        Other = "other";
    }
}

code_list! {
    /// 阶段: the four stages of a case, in order.
    Stage {
        Identified = "identified";
        Paired = "paired";
        CadresAdjusted = "cadres_adjusted";
        Accepted = "accepted";
    }
}

code_list! {
    /// 角色: what a person in the roster may do (SPEC §9's role table, in [`super::roster`]).
    Role {
        Clerk = "clerk";
        Leader = "leader";
        Township = "township";
        Auditor = "auditor";
    }
}

impl Stage {
    /// The stage after this one, if any.
    pub fn next(self) -> Option<Stage> {
        match self {
            Stage::Identified => Some(Stage::Paired),
            Stage::Paired => Some(Stage::CadresAdjusted),
            Stage::CadresAdjusted => Some(Stage::Accepted),
            Stage::Accepted => None,
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

code_list! {
    /// The post of an adjusted cadre.
    Post {
        Secretary = "secretary";
        Director = "director";
        Member = "member";
    }
}

code_list! {
    /// Why a cadre was adjusted (the seed article's words).
    AdjustReason {
        Aging = "aging";
        LowCapability = "low_capability";
        Coasting = "coasting";
        Inaction = "inaction";
        Unfit = "unfit";
        Discipline = "discipline";
        Vacancy = "vacancy";
        Other = "other";
    }
}

code_list! {
    /// What was done to the cadre.
    AdjustAction {
        Removed = "removed";
        Resigned = "resigned";
        Recalled = "recalled";
        Reassigned = "reassigned";
        Filled = "filled";
    }
}

code_list! {
    /// Where the replacement came from.
    ReplacementSource {
        LocalMember = "local_member";
        BusinessLeader = "business_leader";
        Returnee = "returnee";
        Veteran = "veteran";
        Graduate = "graduate";
        RetiredCadre = "retired_cadre";
        AgencyCadre = "agency_cadre";
    }
}

code_list! {
    /// Kinds of field visit and inspection.
    VisitKind {
        Visit = "visit";
        Unannounced = "unannounced";
        OnsiteOffice = "onsite_office";
        Routine = "routine";
        Random = "random";
        Concentrated = "concentrated";
    }
}

code_list! {
    /// The six acceptance standards, in the seed's order.
    Standard {
        CorruptionCurbed = "corruption_curbed";
        MemberManagement = "member_management";
        ServiceDelivery = "service_delivery";
        VillageAppearance = "village_appearance";
        StabilityCivility = "stability_civility";
        Development = "development";
    }
}

code_list! {
    /// The derived result of an acceptance attempt.
    Verdict {
        Pass = "pass";
        BasicPass = "basic_pass";
        Fail = "fail";
    }
}

code_list! {
    /// What kind of place the branch serves (SPEC §2's profile): a village (村) or an urban
    /// community (社区); the annual sheet counts them apart.
    VillageKind {
        Village = "village";
        Community = "community";
    }
}

code_list! {
    /// Township-level accountability measures.
    AccountabilityKind {
        Talk = "talk";
        Warning = "warning";
        Accountability = "accountability";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_parse_round_trip() {
        for s in Situation::ALL {
            assert_eq!(Situation::parse(s.code()), Some(*s));
        }
        assert_eq!(Stage::parse("Paired"), Some(Stage::Paired));
        assert_eq!(Stage::parse("nonsense"), None);
        assert_eq!(Standard::ALL.len(), 6);
    }

    #[test]
    fn serde_uses_the_codes() {
        let j = serde_json::to_string(&Situation::ClanReligiousCriminal).unwrap();
        assert_eq!(j, "\"clan_religious_criminal\"");
        let s: Stage = serde_json::from_str("\"cadres_adjusted\"").unwrap();
        assert_eq!(s, Stage::CadresAdjusted);
    }
}
