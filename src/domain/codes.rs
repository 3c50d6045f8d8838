//! The stable code lists of SPEC §4, with their Chinese and English labels.
//!
//! Codes are what files and scripts exchange; labels are what people read. Each list is a
//! plain enum so that a `match` over it is checked by the compiler, and one macro keeps the
//! code, the Chinese label and the English label of a value on one line.

use serde::{Deserialize, Serialize};

/// Declares a code list: an enum with `code()`, `zh()`, `en()`, `ALL`, and parsing from
/// either the code or a label (Chinese or English).
macro_rules! code_list {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal, $zh:literal, $en:literal;)+ }) => {
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

            pub fn zh(self) -> &'static str {
                match self { $($name::$variant => $zh),+ }
            }

            pub fn en(self) -> &'static str {
                match self { $($name::$variant => $en),+ }
            }

            pub fn label(self, lang: crate::i18n::Lang) -> &'static str {
                match lang {
                    crate::i18n::Lang::Zh => self.zh(),
                    crate::i18n::Lang::En => self.en(),
                }
            }

            /// Accepts the code, the Chinese label or the English label (case-insensitive).
            pub fn parse(s: &str) -> Option<Self> {
                let s = s.trim();
                Self::ALL.iter().copied().find(|v| {
                    v.code() == s || v.zh() == s || v.en().eq_ignore_ascii_case(s)
                })
            }

            /// The codes, joined for an error message that says what is accepted.
            pub fn codes_list() -> String {
                Self::ALL.iter().map(|v| v.code()).collect::<Vec<_>>().join(", ")
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
        LeadershipIncomplete = "leadership_incomplete", "班子配备不齐、书记长期缺职", "leadership incomplete, secretary long vacant";
        SecretaryUnfit = "secretary_unfit", "书记不胜任现职", "secretary unfit for the post";
        Disunited = "disunited", "班子不团结、内耗严重", "committee disunited, serious infighting";
        RulesOnPaper = "rules_on_paper", "组织制度形同虚设、不开展活动", "rules on paper only, no activities";
        ElectionBribery = "election_bribery", "换届选举拉票贿选", "vote canvassing or buying in elections";
        ClanReligiousCriminal = "clan_religious_criminal", "宗族宗教和黑恶势力干扰渗透", "clan, religious or criminal interference";
        AffairsDisorder = "affairs_disorder", "村务财务公开和民主管理混乱", "village affairs and finances in disorder";
        OrderPetitions = "order_petitions", "社会治安问题和信访矛盾集中", "public order problems and petitions concentrated";
        NoVenue = "no_venue", "无固定办公活动场所及便民服务设施", "no fixed office or service venue";
        PoorService = "poor_service", "服务意识差、服务能力弱、群众意见大", "poor service, strong complaints";
        VillageBully = "village_bully", "存在\"村霸\"问题", "village bully present";
        PettyCorruption = "petty_corruption", "存在\"微腐败\"问题", "petty corruption present";
        NoCollectiveIncome = "no_collective_income", "无集体经济收入", "no collective income";
        Other = "other", "其他", "other";
    }
}

code_list! {
    /// 阶段: the four stages of a case, in order.
    Stage {
        Identified = "identified", "排查认定", "identified";
        Paired = "paired", "领导包联", "paired";
        CadresAdjusted = "cadres_adjusted", "班子调整", "cadres adjusted";
        Accepted = "accepted", "验收销号", "accepted";
    }
}

code_list! {
    /// 角色: what a person in the roster may do (SPEC §9's role table, in [`super::roster`]).
    Role {
        Clerk = "clerk", "组织部台账员", "clerk";
        Leader = "leader", "县级包联领导", "county leader";
        Township = "township", "乡镇党委书记", "township secretary";
        Auditor = "auditor", "审核员", "auditor";
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
        Secretary = "secretary", "书记", "secretary";
        Director = "director", "村委会主任", "committee director";
        Member = "member", "两委委员", "committee member";
    }
}

code_list! {
    /// Why a cadre was adjusted (the seed article's words).
    AdjustReason {
        Aging = "aging", "年龄老化", "aging";
        LowCapability = "low_capability", "素质较低", "low capability";
        Coasting = "coasting", "维持守摊", "coasting";
        Inaction = "inaction", "无所作为", "inaction";
        Unfit = "unfit", "明显不胜任", "clearly unfit";
        Discipline = "discipline", "违纪违法", "discipline or law violation";
        Vacancy = "vacancy", "职位空缺", "vacancy";
        Other = "other", "其他", "other";
    }
}

code_list! {
    /// What was done to the cadre.
    AdjustAction {
        Removed = "removed", "免职", "removed";
        Resigned = "resigned", "辞职", "resigned";
        Recalled = "recalled", "罢免", "recalled";
        Reassigned = "reassigned", "调整", "reassigned";
        Filled = "filled", "选配", "filled";
    }
}

code_list! {
    /// Where the replacement came from.
    ReplacementSource {
        LocalMember = "local_member", "本村党员", "local Party member";
        BusinessLeader = "business_leader", "致富带头人", "business leader";
        Returnee = "returnee", "返乡人员", "returnee";
        Veteran = "veteran", "退役军人", "veteran";
        Graduate = "graduate", "高校毕业生", "graduate";
        RetiredCadre = "retired_cadre", "退休干部", "retired cadre";
        AgencyCadre = "agency_cadre", "机关干部(专职)", "agency cadre (full-time)";
    }
}

code_list! {
    /// Kinds of field visit and inspection.
    VisitKind {
        Visit = "visit", "走访", "visit";
        Unannounced = "unannounced", "明察暗访", "unannounced inspection";
        OnsiteOffice = "onsite_office", "现场办公", "on-site office";
        Routine = "routine", "日常督查", "routine inspection";
        Random = "random", "随机督查", "random inspection";
        Concentrated = "concentrated", "集中督查", "concentrated inspection";
    }
}

code_list! {
    /// The six acceptance standards, in the seed's order.
    Standard {
        CorruptionCurbed = "corruption_curbed", "群众身边腐败和不正之风得到遏制", "corruption curbed";
        MemberManagement = "member_management", "党员发展和教育管理严格规范", "member management strict";
        ServiceDelivery = "service_delivery", "民生政策落实和为民服务到位", "services delivered";
        VillageAppearance = "village_appearance", "村容村貌有效整治", "village appearance improved";
        StabilityCivility = "stability_civility", "社会稳定和乡村文明建设有力有效", "stability and civility";
        Development = "development", "抓党建促脱贫促发展成效显著", "development results";
    }
}

code_list! {
    /// The derived result of an acceptance attempt.
    Verdict {
        Pass = "pass", "合格", "pass";
        BasicPass = "basic_pass", "基本合格", "basic pass";
        Fail = "fail", "不合格", "fail";
    }
}

code_list! {
    /// Township-level accountability measures.
    AccountabilityKind {
        Talk = "talk", "约谈", "admonition talk";
        Warning = "warning", "诫勉", "formal warning";
        Accountability = "accountability", "问责", "accountability";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_labels_and_parse_round_trip() {
        for s in Situation::ALL {
            assert_eq!(Situation::parse(s.code()), Some(*s));
            assert_eq!(Situation::parse(s.zh()), Some(*s));
        }
        assert_eq!(Stage::parse("领导包联"), Some(Stage::Paired));
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
