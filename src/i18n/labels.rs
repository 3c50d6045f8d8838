//! The labels of the domain's code lists, fields and history events. Each list is matched
//! exhaustively, so a value added to the domain without its labels does not compile.

use crate::domain::{
    AccountabilityKind, AdjustAction, AdjustReason, ChangeKind, Coded, Field, Post,
    ReplacementSource, Role, Situation, Stage, Standard, Verdict, VillageKind, VisitKind,
};

use super::Lang;

/// A value people read under a label: its Chinese and English.
pub trait Label: Copy {
    fn zh(self) -> &'static str;
    fn en(self) -> &'static str;

    fn label(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.zh(),
            Lang::En => self.en(),
        }
    }
}

macro_rules! labels {
    ($($ty:ident { $($variant:ident => $zh:literal, $en:literal;)+ })+) => {
        $(impl Label for $ty {
            fn zh(self) -> &'static str {
                match self { $($ty::$variant => $zh),+ }
            }
            fn en(self) -> &'static str {
                match self { $($ty::$variant => $en),+ }
            }
        })+

        /// Every label of every list, for the test that none is empty.
        #[cfg(test)]
        pub(super) const ALL_LABELS: &[(&str, &str)] = &[$($(($zh, $en)),+),+];
    };
}

labels! {
    Situation {
        LeadershipIncomplete => "班子配备不齐、书记长期缺职", "leadership incomplete, secretary long vacant";
        SecretaryUnfit => "书记不胜任现职", "secretary unfit for the post";
        Disunited => "班子不团结、内耗严重", "committee disunited, serious infighting";
        RulesOnPaper => "组织制度形同虚设、不开展活动", "rules on paper only, no activities";
        ElectionBribery => "换届选举拉票贿选", "vote canvassing or buying in elections";
        ClanReligiousCriminal => "宗族宗教和黑恶势力干扰渗透", "clan, religious or criminal interference";
        AffairsDisorder => "村务财务公开和民主管理混乱", "village affairs and finances in disorder";
        OrderPetitions => "社会治安问题和信访矛盾集中", "public order problems and petitions concentrated";
        NoVenue => "无固定办公活动场所及便民服务设施", "no fixed office or service venue";
        PoorService => "服务意识差、服务能力弱、群众意见大", "poor service, strong complaints";
        VillageBully => "存在\"村霸\"问题", "village bully present";
        PettyCorruption => "存在\"微腐败\"问题", "petty corruption present";
        NoCollectiveIncome => "无集体经济收入", "no collective income";
        Other => "其他", "other";
    }
    Stage {
        Identified => "排查认定", "identified";
        Paired => "领导包联", "paired";
        CadresAdjusted => "班子调整", "cadres adjusted";
        Accepted => "验收销号", "accepted";
    }
    Post {
        Secretary => "书记", "secretary";
        Director => "村委会主任", "committee director";
        Member => "两委委员", "committee member";
    }
    AdjustReason {
        Aging => "年龄老化", "aging";
        LowCapability => "素质较低", "low capability";
        Coasting => "维持守摊", "coasting";
        Inaction => "无所作为", "inaction";
        Unfit => "明显不胜任", "clearly unfit";
        Discipline => "违纪违法", "discipline or law violation";
        Vacancy => "职位空缺", "vacancy";
        Other => "其他", "other";
    }
    AdjustAction {
        Removed => "免职", "removed";
        Resigned => "辞职", "resigned";
        Recalled => "罢免", "recalled";
        Reassigned => "调整", "reassigned";
        Filled => "选配", "filled";
    }
    ReplacementSource {
        LocalMember => "本村党员", "local Party member";
        BusinessLeader => "致富带头人", "business leader";
        Returnee => "返乡人员", "returnee";
        Veteran => "退役军人", "veteran";
        Graduate => "高校毕业生", "graduate";
        RetiredCadre => "退休干部", "retired cadre";
        AgencyCadre => "机关干部(专职)", "agency cadre (full-time)";
    }
    VisitKind {
        Visit => "走访", "visit";
        Unannounced => "明察暗访", "unannounced inspection";
        OnsiteOffice => "现场办公", "on-site office";
        Routine => "日常督查", "routine inspection";
        Random => "随机督查", "random inspection";
        Concentrated => "集中督查", "concentrated inspection";
    }
    Standard {
        CorruptionCurbed => "群众身边腐败和不正之风得到遏制", "corruption curbed";
        MemberManagement => "党员发展和教育管理严格规范", "member management strict";
        ServiceDelivery => "民生政策落实和为民服务到位", "services delivered";
        VillageAppearance => "村容村貌有效整治", "village appearance improved";
        StabilityCivility => "社会稳定和乡村文明建设有力有效", "stability and civility";
        Development => "抓党建促脱贫促发展成效显著", "development results";
    }
    Verdict {
        Pass => "合格", "pass";
        BasicPass => "基本合格", "basic pass";
        Fail => "不合格", "fail";
    }
    VillageKind {
        Village => "村", "village";
        Community => "社区", "community";
    }
    AccountabilityKind {
        Talk => "约谈", "admonition talk";
        Warning => "诫勉", "formal warning";
        Accountability => "问责", "accountability";
    }
    Role {
        Clerk => "组织部台账员", "clerk";
        Leader => "县级包联领导", "county leader";
        Township => "乡镇党委书记", "township secretary";
        Auditor => "审核员", "auditor";
    }
    Field {
        Id => "编号", "id";
        Year => "年度", "year";
        County => "县(市、区)", "county";
        Township => "乡镇(街道)", "township";
        Village => "村", "village";
        Situations => "软弱涣散情形", "situations";
        Problems => "主要问题", "problems";
        IdentifiedOn => "认定日期", "identified on";
        Deadline => "转化期限", "deadline";
        Stage => "阶段", "stage";
        CountyLeader => "县级包联领导", "county leader";
        TownshipLeader => "乡镇包村领导", "township leader";
        FirstSecretary => "第一书记", "first secretary";
        FirstSecretaryUnit => "派出单位", "first secretary's unit";
        AssistingUnit => "帮扶单位", "assisting unit";
        PairedOn => "包联日期", "paired on";
        ClosedOn => "销号日期", "closed on";
        Households => "户数", "households";
        Population => "人口", "population";
        PartyMembers => "党员人数", "party members";
        SecretaryAge => "书记年龄", "secretary's age";
        VillageKind => "村或社区", "village or community";
        PoorVillage => "建档立卡贫困村", "registered poor village";
        RelapseOf => "反弹自", "relapse of";
        Measure => "整改措施", "measure";
        Responsible => "责任人", "responsible";
        Due => "完成时限", "due";
        DoneOn => "完成日期", "done on";
        Name => "姓名", "name";
        Post => "职务", "post";
        Reason => "原因", "reason";
        Action => "调整方式", "action";
        On => "日期", "date";
        Replacement => "接任人", "replacement";
        ReplacementSource => "接任人来源", "replacement source";
        NoAdjustmentReason => "无需调整的理由", "reason no adjustment was needed";
        By => "人员", "by";
        Kind => "类型", "kind";
        Findings => "发现问题", "findings";
        Score => "得分", "score";
        PollN => "测评人数", "poll size";
        PollDissatisfied => "不满意人数", "dissatisfied";
        Standards => "六项标准", "six standards";
        Verdict => "结论", "verdict";
        NewDeadline => "新转化期限", "new deadline";
        Edit => "修改内容", "the change";
        Acceptance => "验收记录", "acceptance attempt";
        Adjustments => "班子调整", "cadre adjustment";
        Visits => "走访督查", "visit";
        Task => "任务", "task";
        VoidedAttempts => "作废的验收次数", "voided attempts";
        Login => "账户", "login";
        Person => "被约谈问责人", "person";
        Cases => "关联案件", "cases";
        Role => "角色", "role";
    }
    ChangeKind {
        Opened => "立案", "opened";
        Imported => "导入", "imported";
        Paired => "包联", "paired";
        Adjusted => "班子调整", "cadre adjusted";
        NoAdjustment => "无需调整", "no adjustment needed";
        TaskAdded => "添加任务", "task added";
        TaskDone => "任务完成", "task done";
        Visit => "走访督查", "visit";
        Advanced => "推进", "advanced";
        Acceptance => "验收", "acceptance";
        Reopened => "退回", "reopened";
        Edited => "修改", "edited";
        VisitFixed => "更正走访", "visit corrected";
        TaskFixed => "更正任务", "task corrected";
        AdjustmentFixed => "更正班子调整", "adjustment corrected";
        Voided => "作废", "voided";
        Unvoided => "恢复", "unvoided";
        Accountability => "约谈问责", "accountability";
        UserAdded => "添加人员", "user added";
        UserChanged => "修改人员", "user changed";
        UserRemoved => "移除人员", "user removed";
    }
}

/// A value of a code list from its code, its Chinese label or its English label (either
/// case): what a person may type in a file or on the command line.
pub fn parse_label<T: Coded + Label>(s: &str) -> Option<T> {
    let s = s.trim();
    T::ALL
        .iter()
        .copied()
        .find(|v| v.code().eq_ignore_ascii_case(s) || v.zh() == s || v.en().eq_ignore_ascii_case(s))
}
