//! A deterministic generator of realistic sample ledgers: Liaocheng (聊城), campaign year
//! 2017, across its 8 county-level units and their real townships (domain.md §6.3), with
//! synthetic people and villages and the distributions of domain.md §6.4.
//!
//! The same `(cases, seed)` always yields the same ledger, byte for byte: the generator
//! draws from its own small PRNG (splitmix64) and never iterates a hash map. Every case it
//! yields passes [`check_case`] under the default policy, verdicts are derived with
//! [`verdict`], and nothing is dated after `as_of` except due dates and deadlines.
//!
//! Up to about 2,000 cases the ledger is one campaign year (2017, plus the 2016 cases its
//! relapses point at); beyond that the cases spread over up to ten earlier years, all of
//! which are closed by `as_of` except for the current one.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, NaiveDate};

use crate::domain::due::add_months;
use crate::domain::{
    due_status, verdict, Acceptance, AccountabilityEvent, AccountabilityKind, AdjustAction,
    AdjustReason, Adjustment, Case, Pairing, Policy, Post, Profile, ReplacementSource, Situation,
    Stage, Standards, Task, Visit, VisitKind,
};
use crate::interchange::json::Ledger;

/// The shipped `sample-data/liaocheng-2017.json` is `generate(SAMPLE_CASES, SAMPLE_SEED)`.
pub const SAMPLE_CASES: usize = 272;
pub const SAMPLE_SEED: u64 = 2017;

/// The campaign year of the sample and the day it is reviewed "as of".
const YEAR: i32 = 2017;
const AS_OF: (u32, u32) = (9, 15);

/// Cases that fit in one campaign year; above this the ledger spreads over earlier years.
const ONE_YEAR_MAX: usize = 2_000;
const MAX_YEARS: usize = 10;

/// splitmix64: tiny, fast, and good enough for sample data. Not for anything secret.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`; 0 when `n` is 0.
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    /// Uniform in `lo..=hi`; `lo` when the range is empty.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            lo
        } else {
            lo + (self.next() % (hi - lo + 1) as u64) as i64
        }
    }

    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    /// One of `xs`, uniformly.
    #[allow(
        clippy::indexing_slicing,
        reason = "`below(n)` is under n, and every table drawn from is a non-empty constant"
    )]
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    /// One entry of a weighted table, drawn by the weights.
    #[allow(
        clippy::indexing_slicing,
        reason = "`weighted` yields an index of its weights, one per entry of the non-empty table"
    )]
    fn weighted_pick<'a, T>(&mut self, table: &'a [(T, u32)]) -> &'a T {
        let weights: Vec<u32> = table.iter().map(|(_, w)| *w).collect();
        &table[self.weighted(&weights)].0
    }

    /// An index drawn with the given weights (all zero: uniform).
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|w| *w as u64).sum();
        if total == 0 {
            return self.below(weights.len());
        }
        let mut r = self.next() % total;
        for (i, w) in weights.iter().enumerate() {
            if r < *w as u64 {
                return i;
            }
            r -= *w as u64;
        }
        weights.len() - 1
    }

    /// A day in `a..=b`; `a` when `b` is before it.
    fn day(&mut self, a: NaiveDate, b: NaiveDate) -> NaiveDate {
        let span = (b - a).num_days();
        a + Days::new(self.range(0, span.max(0)) as u64)
    }

    fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            let j = self.below(i + 1);
            xs.swap(i, j);
        }
    }
}

/// The county at index `c`.
#[allow(
    clippy::indexing_slicing,
    reason = "every county index in the generator is made by enumerating COUNTIES"
)]
fn county(c: usize) -> &'static County {
    &COUNTIES[c]
}

/// The name of township `t` of county `c`.
#[allow(
    clippy::indexing_slicing,
    reason = "every township index in the generator is made by enumerating its county's townships"
)]
fn township(c: usize, t: usize) -> &'static str {
    county(c).townships[t]
}

/// A calendar date from constants known to be valid.
fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    // Callers pass real calendar days (month ends included), so the fallback never shows.
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn plus(d: NaiveDate, days: i64) -> NaiveDate {
    if days >= 0 {
        d + Days::new(days as u64)
    } else {
        d - Days::new((-days) as u64)
    }
}

struct County {
    name: &'static str,
    abbr: &'static str,
    /// 县 / 区 / 市: the prefix of its agencies' names (县财政局, 区财政局, 市财政局).
    kind: &'static str,
    townships: &'static [&'static str],
}

/// domain.md §6.3: the 8 county-level units and their townships (2022 division codes).
const COUNTIES: &[County] = &[
    County {
        name: "东昌府区",
        abbr: "DCF",
        kind: "区",
        townships: &[
            "古楼街道",
            "柳园街道",
            "新区街道",
            "湖西街道",
            "道口铺街道",
            "闫寺街道",
            "北城街道",
            "东城街道",
            "蒋官屯街道",
            "李海务街道",
            "侯营镇",
            "沙镇镇",
            "堂邑镇",
            "梁水镇",
            "斗虎屯镇",
            "郑家镇",
            "张炉集镇",
            "于集镇",
            "许营镇",
            "朱老庄镇",
            "顾官屯镇",
            "韩集镇",
            "广平镇",
        ],
    },
    County {
        name: "茌平区",
        abbr: "CP",
        kind: "区",
        townships: &[
            "振兴街道",
            "信发街道",
            "温陈街道",
            "乐平铺镇",
            "冯官屯镇",
            "菜屯镇",
            "博平镇",
            "杜郎口镇",
            "韩屯镇",
            "胡屯镇",
            "肖家庄镇",
            "贾寨镇",
            "洪官屯镇",
            "杨官屯乡",
        ],
    },
    County {
        name: "阳谷县",
        abbr: "YG",
        kind: "县",
        townships: &[
            "博济桥街道",
            "侨润街道",
            "狮子楼街道",
            "阎楼镇",
            "阿城镇",
            "七级镇",
            "安乐镇",
            "定水镇",
            "石佛镇",
            "李台镇",
            "寿张镇",
            "十五里园镇",
            "张秋镇",
            "郭店屯镇",
            "西湖镇",
            "高庙王镇",
            "金斗营镇",
            "大布乡",
        ],
    },
    County {
        name: "莘县",
        abbr: "SX",
        kind: "县",
        townships: &[
            "燕塔街道",
            "莘亭街道",
            "莘州街道",
            "东鲁街道",
            "张鲁回族镇",
            "朝城镇",
            "观城镇",
            "古城镇",
            "大张家镇",
            "古云镇",
            "十八里铺镇",
            "燕店镇",
            "董杜庄镇",
            "王奉镇",
            "樱桃园镇",
            "河店镇",
            "妹冢镇",
            "魏庄镇",
            "张寨镇",
            "大王寨镇",
            "徐庄镇",
            "王庄集镇",
            "柿子园镇",
            "俎店镇",
        ],
    },
    County {
        name: "东阿县",
        abbr: "DE",
        kind: "县",
        townships: &[
            "铜城街道",
            "新城街道",
            "刘集镇",
            "牛角店镇",
            "大桥镇",
            "高集镇",
            "姜楼镇",
            "姚寨镇",
            "鱼山镇",
            "陈集镇",
        ],
    },
    County {
        name: "冠县",
        abbr: "GX",
        kind: "县",
        townships: &[
            "清泉街道",
            "崇文街道",
            "烟庄街道",
            "贾镇",
            "桑阿镇",
            "柳林镇",
            "清水镇",
            "东古城镇",
            "北馆陶镇",
            "店子镇",
            "定远寨镇",
            "辛集镇",
            "梁堂镇",
            "范寨镇",
            "甘官屯镇",
            "斜店乡",
            "兰沃乡",
            "万善乡",
        ],
    },
    County {
        name: "高唐县",
        abbr: "GT",
        kind: "县",
        townships: &[
            "鱼邱湖街道",
            "汇鑫街道",
            "人和街道",
            "梁村镇",
            "尹集镇",
            "清平镇",
            "固河镇",
            "三十里铺镇",
            "琉璃寺镇",
            "赵寨子镇",
            "姜店镇",
            "杨屯镇",
        ],
    },
    County {
        name: "临清市",
        abbr: "LQ",
        kind: "市",
        townships: &[
            "青年路街道",
            "新华路街道",
            "先锋路街道",
            "大辛庄街道",
            "松林镇",
            "老赵庄镇",
            "康庄镇",
            "魏湾镇",
            "刘垓子镇",
            "八岔路镇",
            "潘庄镇",
            "烟店镇",
            "唐园镇",
            "金郝庄镇",
            "戴湾镇",
            "尚店镇",
        ],
    },
];

/// Common Shandong surnames first (weighted), then a tail of others.
const SURNAMES: &[(&str, u32)] = &[
    ("王", 30),
    ("张", 26),
    ("李", 26),
    ("刘", 20),
    ("赵", 12),
    ("孙", 10),
    ("陈", 10),
    ("杨", 10),
    ("马", 8),
    ("高", 8),
    ("吕", 4),
    ("徐", 4),
    ("郭", 4),
    ("于", 4),
    ("宋", 3),
    ("侯", 3),
    ("韩", 3),
    ("魏", 3),
    ("邱", 2),
    ("曹", 2),
    ("单", 1),
    ("解", 1),
];

const GIVEN_FIRST: &[&str] = &[
    "建", "志", "海", "玉", "秀", "振", "德", "庆", "立", "长", "金", "桂", "凤", "宪", "传", "兆",
    "广", "继", "国", "学", "洪", "新", "永", "俊", "晓", "春", "文", "明", "红", "丽", "宗", "衍",
    "书", "守", "绍",
];
const GIVEN_SECOND: &[&str] = &[
    "国", "强", "涛", "兰", "英", "华", "胜", "新", "青", "山", "芝", "军", "平", "民", "亮", "伟",
    "杰", "刚", "峰", "霞", "梅", "燕", "东", "生", "福", "利", "成", "勇", "堂", "田", "林", "泉",
];
/// Single-character given names, a few of them rare (犇, 喆, 堃, 淼, 赟).
const GIVEN_SINGLE: &[&str] = &[
    "伟", "军", "磊", "静", "敏", "强", "勇", "涛", "斌", "鹏", "辉", "娜", "超", "峰", "犇", "喆",
    "堃", "淼", "赟", "昊",
];

/// Village-name endings typical of western Shandong.
const VILLAGE_ENDINGS: &[&str] = &[
    "庄", "屯", "集", "营", "楼", "寨", "店", "堂", "洼", "口", "堤", "疃", "庙", "园",
];
const DIRECTIONS: &[&str] = &["前", "后", "东", "西", "南", "北", "大", "小"];
/// Whole village roots, some with rare characters (堌, 洼, 邱, 圐圙, 犇, 鄄, 垓, 埝, 疃, 窎).
const VILLAGE_ROOTS: &[&str] = &[
    "前进",
    "红旗",
    "新华",
    "菜园",
    "教场",
    "马厂",
    "双庙",
    "三里堡",
    "八里屯",
    "十里铺",
    "柳林",
    "杏园",
    "桑园",
    "枣园",
    "梨园",
    "石槽",
    "河涯",
    "堤口",
    "堌堆",
    "王堌堆",
    "洼里",
    "邱家",
    "鄄庄",
    "犇牛",
    "圐圙",
    "垓下",
    "埝头",
    "疃里",
    "窎桥",
    "沙窝",
    "苇园",
    "油坊",
    "大官",
    "胡海",
    "孟楼",
    "郝屯",
    "甘井",
    "后屯",
    "吴官",
];

const SITUATION_WEIGHTS: &[(Situation, u32)] = &[
    (Situation::PoorService, 25),
    (Situation::NoCollectiveIncome, 24),
    (Situation::LeadershipIncomplete, 15),
    (Situation::SecretaryUnfit, 10),
    (Situation::AffairsDisorder, 7),
    (Situation::RulesOnPaper, 5),
    (Situation::ClanReligiousCriminal, 5),
    (Situation::Disunited, 4),
    (Situation::OrderPetitions, 4),
    (Situation::NoVenue, 4),
    (Situation::PettyCorruption, 2),
    (Situation::VillageBully, 2),
    (Situation::ElectionBribery, 2),
    (Situation::Other, 1),
];

fn problem_phrase(s: Situation) -> &'static str {
    match s {
        Situation::LeadershipIncomplete => {
            "村党支部书记长期空缺，两委班子仅剩2人，工作处于停滞状态"
        }
        Situation::SecretaryUnfit => "支部书记年龄偏大、思路不清，维持守摊，带领群众发展能力不足",
        Situation::Disunited => "两委成员之间矛盾较深，议事决策经常议而不决",
        Situation::RulesOnPaper => "“三会一课”流于形式，近一年未开展主题党日活动",
        Situation::ElectionBribery => "上届换届选举中存在拉票现象，群众反映强烈",
        Situation::ClanReligiousCriminal => "村内宗族势力干扰村务，个别人员插手工程项目",
        Situation::AffairsDisorder => "村务财务公开不及时，账目混乱，群众多有质疑",
        Situation::OrderPetitions => "土地承包纠纷引发多次越级上访，矛盾集中",
        Situation::NoVenue => "无固定办公场所，党员活动借用村民房屋",
        Situation::PoorService => "服务意识差，群众办事找不到人，意见较大",
        Situation::VillageBully => "个别人员欺压群众、强揽工程，群众敢怒不敢言",
        Situation::PettyCorruption => "低保评定、补助发放中存在优亲厚友问题",
        Situation::NoCollectiveIncome => "村集体无经营性收入，发展思路不清，公益事业无钱办",
        Situation::Other => "村内环境脏乱差，基础设施长期欠账",
    }
}

fn measures_for(s: Situation) -> &'static [&'static str] {
    match s {
        Situation::LeadershipIncomplete => &[
            "选优配强村党支部书记",
            "补齐配强村两委班子",
            "储备村级后备干部3名",
        ],
        Situation::SecretaryUnfit => &[
            "组织支部书记参加县级集中轮训",
            "调整不胜任现职的支部书记",
            "建立书记履职月报告制度",
        ],
        Situation::Disunited => &[
            "召开专题民主生活会化解班子矛盾",
            "建立两委联席会议制度",
            "乡镇党委书记与两委成员逐一谈心",
        ],
        Situation::RulesOnPaper => &[
            "规范落实“三会一课”制度",
            "每月开展主题党日活动",
            "建立党员积分管理台账",
        ],
        Situation::ElectionBribery => &[
            "开展换届风气专项警示教育",
            "核查上届选举拉票线索",
            "完善选举程序监督机制",
        ],
        Situation::ClanReligiousCriminal => &[
            "配合政法部门排查宗族势力干扰",
            "清理被宗族势力把持的工程项目",
            "建立重点人员动态管理台账",
        ],
        Situation::AffairsDisorder => &[
            "开展村级财务清理审计",
            "落实“四议两公开”工作法",
            "每季度公开村务财务",
        ],
        Situation::OrderPetitions => &[
            "化解土地承包信访积案",
            "建立矛盾纠纷排查调处机制",
            "设立村级调解室",
        ],
        Situation::NoVenue => &["新建党群服务中心", "配齐便民服务设施", "建设村级文化广场"],
        Situation::PoorService => &[
            "设立便民服务代办点",
            "推行村干部坐班值班制度",
            "开展“入户大走访”",
        ],
        Situation::VillageBully => &[
            "依法打击“村霸”问题",
            "排查村干部涉黑涉恶线索",
            "公开举报电话和信箱",
        ],
        Situation::PettyCorruption => &[
            "复查低保和补助发放情况",
            "追缴违规领取的补助资金",
            "落实村务监督委员会监督职责",
        ],
        Situation::NoCollectiveIncome => &[
            "制定村集体经济发展规划",
            "成立土地股份合作社",
            "盘活闲置坑塘和集体土地",
            "引进蔬菜大棚项目",
        ],
        Situation::Other => &["整治村容村貌，清理“三大堆”", "硬化村内主街道"],
    }
}

const GENERIC_MEASURES: &[&str] = &[
    "发展年轻党员2名",
    "建立第一书记工作日志",
    "完善村规民约",
    "开展党员冬春训",
    "整治村容村貌，清理“三大堆”",
    "修缮村内排水沟渠",
    "建立困难群众帮扶台账",
    "落实村干部述职评议制度",
    "组织党员到先进村观摩学习",
    "完善村级档案资料",
];

const NO_ADJUSTMENT_REASONS: &[&str] = &[
    "班子结构合理，书记年富力强，主要问题在于服务意识，以教育提醒为主",
    "现任书记上任不足一年，经乡镇党委研判暂不调整，加强帮带",
    "两委班子经考察均能胜任，重点抓制度落实",
    "问题主要是集体经济薄弱，班子成员无需调整",
    "经民主评议，班子成员称职率在90%以上，不作调整",
];

const FINDINGS: &[&str] = &[
    "“三会一课”记录不全，已要求限期补齐",
    "党群服务中心主体已完工，正在进行内部装修",
    "走访群众{n}户，群众对第一书记工作评价较好",
    "村集体合作社已注册，土地流转{n}0亩，尚未见收益",
    "村务公开栏内容为上季度，已督促更新",
    "新任书记工作思路清晰，已召开两委会研究整顿方案",
    "信访积案已化解{n}件，仍有1件正在协调",
    "暗访发现值班室无人，已通报乡镇党委",
    "现场协调解决村内道路硬化资金问题",
    "整顿台账建立规范，各项任务按时序推进",
    "部分党员对整顿工作知晓率不高，需加强宣传",
    "帮扶单位落实帮扶资金{n}万元，用于修建文化广场",
    "村内环境明显改善，“三大堆”基本清理完毕",
    "两委成员分工不明确，已要求重新明确职责",
    "主题党日活动开展正常，党员参与率较高",
];

/// Sending units of first secretaries; `{}` is the county's prefix (县, 区 or 市).
const SENDING_UNITS: &[&str] = &[
    "{}财政局",
    "{}农业农村局",
    "{}供电公司",
    "{}人社局",
    "{}交通运输局",
    "{}卫生健康局",
    "{}教育和体育局",
    "{}住建局",
    "{}审计局",
    "{}委组织部",
    "{}市场监管局",
    "{}水利局",
    "市直单位·聊城市发改委",
    "市直单位·聊城市水利局",
    "市直单位·国网聊城供电公司",
    "市直单位·聊城市委宣传部",
];

const ASSISTING_UNITS: &[&str] = &[
    "{}农村商业银行",
    "{}人民医院",
    "{}邮政分公司",
    "{}移动分公司",
    "{}城投公司",
    "{}商务局",
    "{}统计局",
    "{}民政局",
    "{}司法局",
    "{}自然资源局",
];

const INSPECTORS: &[&str] = &["{}委组织部督查组", "市委组织部督查组", "{}委督查室"];

fn unit(template: &str, county: &County) -> String {
    template.replace("{}", county.kind)
}

/// A synthetic person's name.
fn person(rng: &mut Rng) -> String {
    let surname = rng.weighted_pick(SURNAMES);
    if rng.chance(0.3) {
        format!("{surname}{}", rng.pick(GIVEN_SINGLE))
    } else {
        format!(
            "{surname}{}{}",
            rng.pick(GIVEN_FIRST),
            rng.pick(GIVEN_SECOND)
        )
    }
}

/// A Liaocheng-style synthetic village name (…庄, …屯, 前/后/东/西…村, rare characters).
fn village(rng: &mut Rng) -> String {
    let surname = rng.weighted_pick(SURNAMES);
    let base = match rng.below(6) {
        0 | 1 => format!("{surname}{}", rng.pick(VILLAGE_ENDINGS)),
        2 => format!(
            "{}{surname}{}",
            rng.pick(DIRECTIONS),
            rng.pick(VILLAGE_ENDINGS)
        ),
        3 => format!("{surname}家{}", rng.pick(VILLAGE_ENDINGS)),
        4 => rng.pick(VILLAGE_ROOTS).to_string(),
        _ => format!("{}{}", rng.pick(DIRECTIONS), rng.pick(VILLAGE_ROOTS)),
    };
    format!("{base}村")
}

/// One case before its records are filled in: where, when, why, and who is paired.
struct Skeleton {
    id: String,
    year: i32,
    county: usize,
    township: usize,
    village: String,
    situations: Vec<Situation>,
    relapse_of: Option<String>,
    hardness: u32,
    county_leader: String,
    township_leader: String,
}

fn hardness(situations: &[Situation]) -> u32 {
    situations
        .iter()
        .map(|s| match s {
            Situation::ClanReligiousCriminal => 5,
            Situation::VillageBully => 4,
            Situation::ElectionBribery => 3,
            Situation::OrderPetitions | Situation::Disunited | Situation::PettyCorruption => 2,
            _ => 1,
        })
        .sum()
}

fn situations(rng: &mut Rng) -> Vec<Situation> {
    let n = match rng.below(20) {
        0..=7 => 1,
        8..=16 => 2,
        _ => 3,
    };
    let mut weights: Vec<u32> = SITUATION_WEIGHTS.iter().map(|(_, w)| *w).collect();
    let mut out = Vec::new();
    for _ in 0..n {
        let i = rng.weighted(&weights);
        // `weighted` yields an index of `weights`, one per entry of SITUATION_WEIGHTS.
        if let (Some(w), Some((situation, _))) = (weights.get_mut(i), SITUATION_WEIGHTS.get(i)) {
            *w = 0;
            out.push(*situation);
        }
    }
    out.sort();
    out
}

/// Leaders of a county (index 0: Party secretary, 1: the county head) and of each township
/// (index 0: the township Party secretary).
struct Rosters {
    county: Vec<Vec<String>>,
    township: Vec<Vec<Vec<String>>>,
}

impl Rosters {
    fn new(rng: &mut Rng) -> Rosters {
        let mut county = Vec::new();
        let mut township = Vec::new();
        for c in COUNTIES {
            let n = rng.range(25, 35) as usize;
            county.push(unique_names(rng, n));
            township.push(
                c.townships
                    .iter()
                    .map(|_| {
                        let n = rng.range(2, 4) as usize;
                        unique_names(rng, n)
                    })
                    .collect(),
            );
        }
        Rosters { county, township }
    }

    /// The leaders of county `c` (none for an index that names no county).
    fn county(&self, c: usize) -> &[String] {
        self.county.get(c).map_or(&[], Vec::as_slice)
    }

    /// The leaders of township `t` of county `c`.
    fn township(&self, c: usize, t: usize) -> &[String] {
        self.township
            .get(c)
            .and_then(|ts| ts.get(t))
            .map_or(&[], Vec::as_slice)
    }
}

fn unique_names(rng: &mut Rng, n: usize) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    while out.len() < n {
        let p = person(rng);
        if seen.insert(p.clone()) {
            out.push(p);
        }
    }
    out
}

/// How many cases each campaign year gets, oldest first.
fn years_plan(cases: usize) -> Vec<(i32, usize)> {
    if cases == 0 {
        return vec![];
    }
    if cases <= ONE_YEAR_MAX {
        // The 2016 cases that this year's relapses point at.
        let origins = match cases {
            0..=9 => 0,
            10..=49 => 1,
            _ => 2,
        };
        let mut plan = Vec::new();
        if origins > 0 {
            plan.push((YEAR - 1, origins));
        }
        plan.push((YEAR, cases - origins));
        return plan;
    }
    let years = cases.div_ceil(ONE_YEAR_MAX).min(MAX_YEARS);
    let per = cases / years;
    (0..years)
        .map(|i| {
            let year = YEAR - (years - 1 - i) as i32;
            let n = if i + 1 == years {
                cases - per * (years - 1)
            } else {
                per
            };
            (year, n)
        })
        .collect()
}

/// Generates a ledger of `cases` cases from `seed`. Deterministic: same inputs, same ledger.
pub fn generate(cases: usize, seed: u64) -> Ledger {
    let mut rng = Rng(seed ^ 0x5A4D_5A48_454E_4744);
    let as_of = date(YEAR, AS_OF.0, AS_OF.1);
    let rosters = Rosters::new(&mut rng);
    let all_townships: Vec<(usize, usize)> = COUNTIES
        .iter()
        .enumerate()
        .flat_map(|(c, county)| (0..county.townships.len()).map(move |t| (c, t)))
        .collect();
    // A few "problem" townships with several overdue cases, for the accountability views.
    let mut problem: Vec<(usize, usize)> = all_townships.clone();
    rng.shuffle(&mut problem);
    problem.truncate((cases / 20_000).clamp(3, 8));
    problem.sort();

    let plan = years_plan(cases);
    let small = cases <= ONE_YEAR_MAX;
    let mut skeletons: Vec<Skeleton> = Vec::with_capacity(cases);
    for &(year, n) in &plan {
        let earlier: Vec<usize> = skeletons
            .iter()
            .enumerate()
            .filter_map(|(i, sk)| (sk.year < year).then_some(i))
            .collect();
        let relapses = if small {
            earlier.len()
        } else {
            (n / 100).min(earlier.len())
        };
        let mut origins = earlier;
        rng.shuffle(&mut origins);
        origins.truncate(relapses);
        let year_skeletons = skeletons_for_year(
            &mut rng,
            year,
            n,
            &origins,
            &skeletons,
            &problem,
            year == YEAR,
        );
        let mut year_skeletons = year_skeletons;
        pair_leaders(&mut rng, &rosters, &mut year_skeletons);
        skeletons.extend(year_skeletons);
    }

    let mut out: Vec<Case> = Vec::with_capacity(cases);
    let current: Vec<usize> = skeletons
        .iter()
        .enumerate()
        .filter_map(|(i, sk)| (sk.year == YEAR).then_some(i))
        .collect();
    let outcomes = current_outcomes(&mut rng, &skeletons, &current, &problem);
    for (i, sk) in skeletons.iter().enumerate() {
        let case = if sk.year == YEAR {
            let o = outcomes.get(&i).copied().unwrap_or(Outcome {
                stage: Stage::CadresAdjusted,
                overdue: false,
                attempt: Attempt::None,
            });
            build_current(&mut rng, sk, o, as_of)
        } else {
            build_past(&mut rng, sk)
        };
        out.push(case);
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    let accountability = talks(&rosters, &out, &problem, as_of);
    Ledger::new(Some(as_of), out, accountability)
}

/// The skeletons of one campaign year, numbered per county in township order.
fn skeletons_for_year(
    rng: &mut Rng,
    year: i32,
    n: usize,
    origins: &[usize],
    earlier: &[Skeleton],
    problem: &[(usize, usize)],
    current: bool,
) -> Vec<Skeleton> {
    // Each township with its weight.
    let mut places: Vec<((usize, usize), u32)> = Vec::new();
    for (c, county) in COUNTIES.iter().enumerate() {
        for t in 0..county.townships.len() {
            let weight = if current && problem.contains(&(c, t)) {
                3
            } else {
                1
            };
            places.push(((c, t), weight));
        }
    }
    let mut used: BTreeSet<(usize, usize, String)> = BTreeSet::new();
    let mut raw: Vec<Skeleton> = Vec::with_capacity(n);
    for e in origins.iter().filter_map(|&o| earlier.get(o)) {
        used.insert((e.county, e.township, e.village.clone()));
        let mut situations = e.situations.clone();
        if !situations.contains(&Situation::PoorService) {
            situations.push(Situation::PoorService);
            situations.sort();
        }
        raw.push(Skeleton {
            id: String::new(),
            year,
            county: e.county,
            township: e.township,
            village: e.village.clone(),
            hardness: hardness(&situations) + 2,
            situations,
            relapse_of: Some(e.id.clone()),
            county_leader: String::new(),
            township_leader: String::new(),
        });
    }
    while raw.len() < n {
        let (c, t) = *rng.weighted_pick(&places);
        let mut v = village(rng);
        let mut tries = 0;
        while used.contains(&(c, t, v.clone())) {
            tries += 1;
            v = if tries < 20 {
                village(rng)
            } else {
                format!(
                    "{}{}村",
                    v.trim_end_matches('村'),
                    ["一", "二", "三", "四", "五"]
                        .get(tries % 5)
                        .copied()
                        .unwrap_or_default()
                )
            };
        }
        used.insert((c, t, v.clone()));
        let situations = situations(rng);
        raw.push(Skeleton {
            id: String::new(),
            year,
            county: c,
            township: t,
            village: v,
            hardness: hardness(&situations),
            situations,
            relapse_of: None,
            county_leader: String::new(),
            township_leader: String::new(),
        });
    }
    raw.sort_by(|a, b| (a.county, a.township, &a.village).cmp(&(b.county, b.township, &b.village)));
    // Numbered per county: `raw` is sorted by county, so the number restarts at each one.
    let mut previous: Option<usize> = None;
    let mut seq = 0usize;
    for s in &mut raw {
        seq = if previous == Some(s.county) {
            seq + 1
        } else {
            1
        };
        previous = Some(s.county);
        s.id = format!("{year}-{}-{:03}", county(s.county).abbr, seq);
    }
    raw
}

/// 四个一: the county's Party secretary and county head take the hardest villages, the other
/// county leaders 1–3 each; township leaders by township (its Party secretary the hardest).
fn pair_leaders(rng: &mut Rng, rosters: &Rosters, year: &mut [Skeleton]) {
    for c in 0..COUNTIES.len() {
        // Hardest first, then by id: the skeletons' order by the same key.
        let mut idx: Vec<&mut Skeleton> = year.iter_mut().filter(|s| s.county == c).collect();
        idx.sort_by(|a, b| b.hardness.cmp(&a.hardness).then(a.id.cmp(&b.id)));
        let leaders = rosters.county(c);
        let mut slots: Vec<usize> = vec![0; rng.range(1, 2) as usize];
        slots.extend(std::iter::repeat_n(1, rng.range(1, 2) as usize));
        let mut others: Vec<usize> = (2..leaders.len()).collect();
        // 1–3 villages each; 2–3 when the county has many cases, so that one round suffices.
        let least = if idx.len() > 2 * others.len() { 2 } else { 1 };
        while slots.len() < idx.len() {
            rng.shuffle(&mut others);
            for &l in &others {
                for _ in 0..rng.range(least, 3) {
                    slots.push(l);
                }
            }
        }
        // There are at least as many slots as villages, each slot a leader's index.
        for (s, &l) in idx.into_iter().zip(&slots) {
            s.county_leader = leaders.get(l).cloned().unwrap_or_default();
        }
    }
    for s in year.iter_mut() {
        let roster = rosters.township(s.county, s.township);
        let leader = if s.hardness >= 5 {
            roster.first()
        } else {
            Some(rng.pick(roster))
        };
        s.township_leader = leader.cloned().unwrap_or_default();
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Attempt {
    None,
    Pass,
    Fail { hard: bool },
    BasicPass,
}

#[derive(Clone, Copy, Debug)]
struct Outcome {
    stage: Stage,
    overdue: bool,
    attempt: Attempt,
}

/// Decides where each current-year case stands at `as_of`: its stage, whether it is overdue,
/// and its acceptance attempt. Counts are fixed first so that even a small sample has a
/// basic pass and a hard failure.
fn current_outcomes(
    rng: &mut Rng,
    skeletons: &[Skeleton],
    current: &[usize],
    problem: &[(usize, usize)],
) -> BTreeMap<usize, Outcome> {
    let mut order = current.to_vec();
    rng.shuffle(&mut order);
    let mut out = BTreeMap::new();
    let n = order.len();
    let n_basic = match n {
        0..=39 => 0,
        40..=2_000 => (n / 150).clamp(1, 2),
        _ => n / 150,
    };
    let n_fail = if n >= 20 { (n * 3 / 100).max(2) } else { 0 };
    for (k, &i) in order.iter().enumerate() {
        let Some(sk) = skeletons.get(i) else {
            continue;
        };
        let hot = problem.contains(&(sk.county, sk.township));
        let o = if k < n_basic {
            Outcome {
                stage: Stage::CadresAdjusted,
                overdue: false,
                attempt: Attempt::BasicPass,
            }
        } else if k < n_basic + n_fail {
            Outcome {
                stage: Stage::CadresAdjusted,
                overdue: rng.chance(0.3),
                attempt: Attempt::Fail { hard: k == n_basic },
            }
        } else {
            let stage = *rng.weighted_pick(&[
                (Stage::Identified, 6),
                (Stage::Paired, 18),
                (Stage::CadresAdjusted, 62),
                (Stage::Accepted, 14),
            ]);
            let overdue = stage != Stage::Accepted && rng.chance(if hot { 0.7 } else { 0.24 });
            Outcome {
                stage,
                overdue,
                attempt: if stage == Stage::Accepted {
                    Attempt::Pass
                } else {
                    Attempt::None
                },
            }
        };
        out.insert(i, o);
    }
    out
}

fn profile(rng: &mut Rng, aging: bool) -> Profile {
    let households = rng.range(90, 680) as u32;
    let population = households * rng.range(30, 42) as u32 / 10;
    let party_members = (population * rng.range(25, 55) as u32 / 1000).max(8);
    let secretary_age = if aging {
        rng.range(56, 65)
    } else {
        rng.range(34, 58)
    } as u32;
    Profile {
        households: Some(households),
        population: Some(population),
        party_members: Some(party_members),
        secretary_age: Some(secretary_age),
        ..Profile::default()
    }
}

fn problems_text(sk: &Skeleton) -> String {
    let mut parts: Vec<&str> = sk.situations.iter().map(|s| problem_phrase(*s)).collect();
    let mut text = String::new();
    if let Some(origin) = &sk.relapse_of {
        text.push_str(&format!(
            "该村{}年整顿销号（{origin}）后出现反复；",
            sk.year - 1
        ));
    }
    parts.dedup();
    text.push_str(&parts.join("；"));
    text.push('。');
    text
}

/// The plan's measures: those of the case's situations first, then generic ones, no repeats.
fn measures(rng: &mut Rng, sk: &Skeleton, n: usize) -> Vec<&'static str> {
    let mut pool: Vec<&'static str> = Vec::new();
    for s in &sk.situations {
        for m in measures_for(*s) {
            if !pool.contains(m) {
                pool.push(m);
            }
        }
    }
    let mut generic: Vec<&'static str> = GENERIC_MEASURES
        .iter()
        .copied()
        .filter(|m| !pool.contains(m))
        .collect();
    rng.shuffle(&mut generic);
    pool.extend(generic);
    pool.truncate(n);
    pool
}

fn pairing(rng: &mut Rng, sk: &Skeleton, on: NaiveDate) -> Pairing {
    let county = county(sk.county);
    Pairing {
        county_leader: sk.county_leader.clone(),
        county_leader_account: None,
        township_leader: sk.township_leader.clone(),
        first_secretary: person(rng),
        first_secretary_unit: unit(rng.pick::<&str>(SENDING_UNITS), county),
        assisting_unit: unit(rng.pick::<&str>(ASSISTING_UNITS), county),
        paired_on: Some(on),
    }
}

/// Plan tasks with due dates spread over `first_due..=last_due`, sorted by due date.
fn tasks(
    rng: &mut Rng,
    sk: &Skeleton,
    p: &Pairing,
    first_due: NaiveDate,
    last_due: NaiveDate,
) -> Vec<Task> {
    let n = rng.range(5, 12) as usize;
    let mut dues: Vec<NaiveDate> = (0..n).map(|_| rng.day(first_due, last_due)).collect();
    dues.sort();
    measures(rng, sk, n)
        .into_iter()
        .zip(dues)
        .map(|(m, due)| Task {
            measure: m.to_string(),
            responsible: if rng.chance(0.6) {
                p.first_secretary.clone()
            } else {
                p.township_leader.clone()
            },
            due,
            done_on: None,
        })
        .collect()
}

/// Cadre adjustments (about a third of cases, more where the team itself is the problem),
/// or the reason none was needed. Returns whether the secretary was replaced for age.
fn adjust(rng: &mut Rng, sk: &Skeleton, case: &mut Case, from: NaiveDate, to: NaiveDate) -> bool {
    let team_problem = sk.situations.iter().any(|s| {
        matches!(
            s,
            Situation::LeadershipIncomplete | Situation::SecretaryUnfit
        )
    });
    if !rng.chance(if team_problem { 0.65 } else { 0.2 }) {
        case.no_adjustment_reason = Some(rng.pick(NO_ADJUSTMENT_REASONS).to_string());
        return false;
    }
    let mut aging = false;
    let n = if rng.chance(0.8) { 1 } else { 2 };
    let mut days: Vec<NaiveDate> = (0..n).map(|_| rng.day(from, to)).collect();
    days.sort();
    for (k, on) in days.into_iter().enumerate() {
        let reason = if sk.situations.contains(&Situation::LeadershipIncomplete) && k == 0 {
            AdjustReason::Vacancy
        } else {
            *rng.pick(&[
                AdjustReason::Aging,
                AdjustReason::Aging,
                AdjustReason::LowCapability,
                AdjustReason::Coasting,
                AdjustReason::Inaction,
                AdjustReason::Unfit,
                AdjustReason::Discipline,
            ])
        };
        let post = if k == 0 || rng.chance(0.4) {
            Post::Secretary
        } else {
            *rng.pick(&[Post::Director, Post::Member])
        };
        let source = *rng.pick(ReplacementSource::ALL);
        let a = match reason {
            AdjustReason::Vacancy => Adjustment {
                name: person(rng),
                post,
                reason,
                action: AdjustAction::Filled,
                on,
                replacement: None,
                replacement_source: Some(source),
            },
            _ => {
                aging |= reason == AdjustReason::Aging && post == Post::Secretary;
                let action = match reason {
                    AdjustReason::Aging => {
                        *rng.pick(&[AdjustAction::Resigned, AdjustAction::Reassigned])
                    }
                    AdjustReason::Discipline => {
                        *rng.pick(&[AdjustAction::Removed, AdjustAction::Recalled])
                    }
                    _ => *rng.pick(&[
                        AdjustAction::Removed,
                        AdjustAction::Reassigned,
                        AdjustAction::Resigned,
                    ]),
                };
                Adjustment {
                    name: person(rng),
                    post,
                    reason,
                    action,
                    on,
                    replacement: Some(person(rng)),
                    replacement_source: Some(source),
                }
            }
        };
        case.adjustments.push(a);
    }
    aging
}

fn findings(rng: &mut Rng) -> String {
    rng.pick(FINDINGS)
        .replace("{n}", &rng.range(3, 12).to_string())
}

/// Visits on days in `from..=to`, by the paired leaders and the inspection teams.
fn visits(
    rng: &mut Rng,
    county: &County,
    p: &Pairing,
    n: usize,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<Visit> {
    let mut out: Vec<Visit> = (0..n)
        .map(|_| {
            let on = rng.day(from, to);
            let (by, kind) = match rng.below(10) {
                0..=4 => (
                    p.county_leader.clone(),
                    *rng.pick(&[
                        VisitKind::Visit,
                        VisitKind::OnsiteOffice,
                        VisitKind::Unannounced,
                    ]),
                ),
                5..=7 => (
                    p.township_leader.clone(),
                    *rng.pick(&[VisitKind::Visit, VisitKind::OnsiteOffice]),
                ),
                _ => (
                    unit(rng.pick::<&str>(INSPECTORS), county),
                    *rng.pick(&[
                        VisitKind::Routine,
                        VisitKind::Random,
                        VisitKind::Concentrated,
                    ]),
                ),
            };
            Visit {
                on,
                by,
                kind,
                findings: findings(rng),
            }
        })
        .collect();
    out.sort_by_key(|v| v.on);
    out
}

fn acceptance_team(rng: &mut Rng, county: &County) -> String {
    format!(
        "{}委组织部验收组{}组",
        county.kind,
        rng.pick(&["一", "二", "三"])
    )
}

/// An acceptance attempt whose verdict is derived, as the state machine would derive it.
fn attempt(rng: &mut Rng, county: &County, on: NaiveDate, kind: Attempt) -> Acceptance {
    let policy = Policy::default();
    let poll_n = 15;
    let (score, dissatisfied, standards): (u32, u32, Standards) = match kind {
        Attempt::Fail { hard: true } => (
            rng.range(55, 62) as u32,
            rng.range(8, 10) as u32,
            [true, false, true, false, true, false],
        ),
        Attempt::Fail { hard: false } => {
            let mut s = [true; 6];
            if let Some(met) = s.get_mut(rng.below(6)) {
                *met = false;
            }
            (rng.range(55, 69) as u32, rng.range(2, 6) as u32, s)
        }
        Attempt::BasicPass => {
            let mut s = [true; 6];
            if let Some(met) = s.get_mut(rng.below(6)) {
                *met = false;
            }
            (rng.range(70, 80) as u32, rng.range(1, 4) as u32, s)
        }
        Attempt::Pass | Attempt::None => {
            (rng.range(72, 95) as u32, rng.range(0, 2) as u32, [true; 6])
        }
    };
    Acceptance {
        on,
        by: acceptance_team(rng, county),
        score: score as u8,
        poll_n,
        poll_dissatisfied: dissatisfied,
        standards,
        verdict: verdict(score, poll_n, dissatisfied, &standards, &policy),
    }
}

fn empty_case(sk: &Skeleton, identified_on: NaiveDate) -> Case {
    let county = county(sk.county);
    Case {
        problems: problems_text(sk),
        relapse_of: sk.relapse_of.clone(),
        ..Case::identified(
            sk.id.clone(),
            sk.year,
            county.name.to_string(),
            township(sk.county, sk.township).to_string(),
            sk.village.clone(),
            sk.situations.clone(),
            identified_on,
        )
    }
}

/// A current-year case as it stands at `as_of`.
fn build_current(rng: &mut Rng, sk: &Skeleton, o: Outcome, as_of: NaiveDate) -> Case {
    let y = sk.year;
    let spring = (date(y, 3, 1), date(y, 4, 30));
    let identified_on = match o.stage {
        Stage::Identified if o.overdue => rng.day(date(y, 6, 1), plus(as_of, -31)),
        Stage::Identified => rng.day(plus(as_of, -29), plus(as_of, -1)),
        Stage::Paired if o.overdue => rng.day(spring.0, spring.1),
        Stage::Paired => rng.day(plus(as_of, -120), plus(as_of, -10)).max(spring.0),
        _ if rng.chance(0.85) => rng.day(spring.0, spring.1),
        _ => rng.day(date(y, 5, 1), date(y, 6, 15)),
    };
    let mut case = empty_case(sk, identified_on);
    if o.stage == Stage::Identified {
        case.profile = profile(rng, false);
        return case;
    }
    let paired_on = match o.stage {
        Stage::Paired if !o.overdue => rng
            .day(plus(identified_on, 5), plus(as_of, -3))
            .max(plus(as_of, -88)),
        _ => plus(identified_on, rng.range(5, 25)),
    };
    let p = pairing(rng, sk, paired_on);
    let last_due = date(y, 11, 30);
    let mut plan = tasks(
        rng,
        sk,
        &p,
        plus(paired_on, 20).max(date(y, 6, 1)),
        last_due,
    );
    case.stage = o.stage;
    let accepted_on = (o.stage == Stage::Accepted)
        .then(|| rng.day(date(y, 7, 20).max(plus(paired_on, 60)), plus(as_of, -1)));
    // The last day anything can have happened to this case.
    let until = accepted_on.unwrap_or(plus(as_of, -1));
    // Done tasks: all past-due ones, a few ahead of time; an overdue case leaves 1–3 open.
    for t in plan.iter_mut() {
        let due_passed = t.due < as_of;
        if accepted_on.is_some() || due_passed || rng.chance(0.15) {
            let earliest = plus(paired_on, 3);
            t.done_on = Some(
                rng.day(plus(t.due, -20).max(earliest), t.due.min(until))
                    .max(earliest)
                    .min(until),
            );
        }
    }
    if o.overdue && o.stage == Stage::Paired {
        // A stalled case: some of what fell due since pairing is still open too.
        for t in plan.iter_mut().filter(|t| t.due < as_of) {
            if rng.chance(0.5) {
                t.done_on = None;
            }
        }
    }
    if o.overdue && o.stage == Stage::CadresAdjusted {
        if !plan.iter().any(|t| t.due < as_of) {
            if let Some(first) = plan.first_mut() {
                first.due = rng.day(plus(paired_on, 15), plus(as_of, -3));
            }
            plan.sort_by_key(|t| t.due);
        }
        let open = rng.range(1, 4) as usize;
        for t in plan.iter_mut().filter(|t| t.due < as_of).rev().take(open) {
            t.done_on = None;
        }
    }
    let mut aging = false;
    if o.stage >= Stage::CadresAdjusted {
        let to = plus(paired_on, 80).min(plus(until, -1));
        aging = adjust(rng, sk, &mut case, plus(paired_on, 7).min(to), to);
    }
    let n_visits = match (o.stage, o.overdue) {
        (Stage::Paired, true) => rng.range(0, 1),
        (Stage::Accepted, _) => rng.range(2, 6),
        _ => rng.range(1, 5),
    } as usize;
    let county = county(sk.county);
    case.visits = visits(rng, county, &p, n_visits, paired_on, until);
    match o.attempt {
        Attempt::None => {}
        Attempt::Pass => {
            let on = accepted_on.unwrap_or(until);
            case.acceptance
                .push(attempt(rng, county, on, Attempt::Pass));
            case.closed_on = Some(on);
        }
        Attempt::Fail { .. } => {
            let on = rng.day(date(y, 7, 25).max(plus(paired_on, 40)), plus(as_of, -5));
            let a = attempt(rng, county, on, o.attempt);
            case.acceptance.push(a);
            case.deadline = Some(rng.day(date(y, 10, 31), date(y, 12, 31)));
        }
        Attempt::BasicPass => {
            let on = rng.day(date(y, 7, 25).max(plus(paired_on, 40)), plus(as_of, -5));
            case.acceptance
                .push(attempt(rng, county, on, Attempt::BasicPass));
            case.deadline = Some(add_months(on, Policy::default().consolidation_months));
        }
    }
    case.tasks = plan;
    case.pairing = Some(p);
    case.profile = profile(rng, aging);
    case
}

/// A case of an earlier year: rectified and closed by `as_of`, a few after a failed or
/// basic first acceptance.
fn build_past(rng: &mut Rng, sk: &Skeleton) -> Case {
    let y = sk.year;
    let identified_on = rng.day(date(y, 3, 1), date(y, 4, 30));
    let mut case = empty_case(sk, identified_on);
    let paired_on = plus(identified_on, rng.range(5, 25));
    let p = pairing(rng, sk, paired_on);
    let mut plan = tasks(rng, sk, &p, date(y, 6, 1), date(y, 11, 30));
    for t in plan.iter_mut() {
        t.done_on = Some(plus(t.due, -rng.range(0, 20)).max(plus(paired_on, 3)));
    }
    let to = plus(paired_on, 80);
    let aging = adjust(rng, sk, &mut case, plus(paired_on, 7), to);
    let county = county(sk.county);
    let first_on = rng.day(date(y, 12, 1), date(y, 12, 25));
    let closed_on = match rng.below(100) {
        0..=6 => {
            case.acceptance.push(attempt(
                rng,
                county,
                first_on,
                Attempt::Fail { hard: false },
            ));
            let deadline = rng.day(date(y + 1, 3, 31), date(y + 1, 6, 30));
            case.deadline = Some(deadline);
            let on = rng.day(plus(deadline, -40), deadline);
            case.acceptance
                .push(attempt(rng, county, on, Attempt::Pass));
            on
        }
        7..=9 => {
            case.acceptance
                .push(attempt(rng, county, first_on, Attempt::BasicPass));
            let on = plus(
                add_months(first_on, Policy::default().consolidation_months),
                -rng.range(1, 20),
            );
            case.deadline = Some(add_months(first_on, Policy::default().consolidation_months));
            case.acceptance
                .push(attempt(rng, county, on, Attempt::Pass));
            on
        }
        _ => {
            case.acceptance
                .push(attempt(rng, county, first_on, Attempt::Pass));
            first_on
        }
    };
    let n_visits = rng.range(2, 6) as usize;
    case.visits = visits(rng, county, &p, n_visits, paired_on, closed_on);
    case.tasks = plan;
    case.pairing = Some(p);
    case.stage = Stage::Accepted;
    case.closed_on = Some(closed_on);
    case.profile = profile(rng, aging);
    case
}

/// 约谈: the Party secretary of each problem township with two or more cases overdue a week
/// before `as_of` is called in for an admonition talk.
fn talks(
    rosters: &Rosters,
    cases: &[Case],
    problem: &[(usize, usize)],
    as_of: NaiveDate,
) -> Vec<AccountabilityEvent> {
    let policy = Policy::default();
    let on = plus(as_of, -7);
    let mut out = Vec::new();
    for &(c, t) in problem {
        let county = county(c);
        let township = township(c, t);
        let overdue: Vec<String> = cases
            .iter()
            .filter(|k| k.year == as_of.year() && k.county == county.name && k.township == township)
            .filter(|k| k.identified_on <= on && due_status(k, on, &policy).overdue())
            .map(|k| k.id.clone())
            .collect();
        if overdue.len() < policy.talk_threshold {
            continue;
        }
        out.push(AccountabilityEvent {
            on,
            county: county.name.to_string(),
            township: township.to_string(),
            // The township's Party secretary.
            person: rosters.township(c, t).first().cloned().unwrap_or_default(),
            kind: AccountabilityKind::Talk,
            reason: format!(
                "辖区内{}个软弱涣散村党组织整顿任务逾期，进度滞后",
                overdue.len()
            ),
            cases: overdue,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::check_case;

    #[test]
    fn the_same_seed_gives_the_same_ledger() {
        assert_eq!(generate(300, 7), generate(300, 7));
        assert_ne!(generate(300, 7), generate(300, 8));
    }

    #[test]
    fn years_plan_adds_up() {
        for n in [0, 1, 9, 10, 50, 272, 2_000, 2_001, 100_000] {
            let plan = years_plan(n);
            assert_eq!(plan.iter().map(|(_, k)| k).sum::<usize>(), n, "{n}");
            assert!(plan.len() <= MAX_YEARS);
        }
    }

    #[test]
    fn tiny_ledgers_are_valid_too() {
        for n in [0, 1, 5, 12, 45] {
            let l = generate(n, 3);
            assert_eq!(l.cases.len(), n);
            for c in &l.cases {
                check_case(c, &Policy::default()).unwrap_or_else(|e| panic!("{}: {e}", c.id));
            }
        }
    }
}
