//! Counts over the whole ledger, as of a day: per county and township (cases by stage,
//! overdue, cadres adjusted, acceptance results), the accountability list (townships ranked
//! by overdue cases, county leaders who have not visited), and the annual statistics sheet
//! 「整顿软弱涣散基层党组织情况」 (domain.md §3.1-A). Pure, gathered over what
//! each case contributes ([`Counted`], which the store keeps beside every case); the CLI
//! prints them, the TUI dashboard draws them, the xlsx export writes them.

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::i18n::{self, t, Label, Lang, Text};
use crate::text;

pub use crate::domain::Counted;

use crate::domain::{
    due_status_of, AccountabilityEvent, Case, Policy, Situation, Stage, Verdict, VillageKind,
};

/// Cases per stage, in the order of §3.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ByStage {
    pub identified: usize,
    pub paired: usize,
    pub cadres_adjusted: usize,
    pub accepted: usize,
}

impl ByStage {
    pub fn get(&self, s: Stage) -> usize {
        match s {
            Stage::Identified => self.identified,
            Stage::Paired => self.paired,
            Stage::CadresAdjusted => self.cadres_adjusted,
            Stage::Accepted => self.accepted,
        }
    }

    fn add(&mut self, s: Stage) {
        match s {
            Stage::Identified => self.identified += 1,
            Stage::Paired => self.paired += 1,
            Stage::CadresAdjusted => self.cadres_adjusted += 1,
            Stage::Accepted => self.accepted += 1,
        }
    }
}

/// Acceptance attempts recorded and their verdicts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptanceCounts {
    /// Attempts, all verdicts.
    pub attempts: usize,
    /// Cases with at least one attempt.
    pub cases: usize,
    pub pass: usize,
    pub basic_pass: usize,
    pub fail: usize,
}

/// The counts shown for the whole ledger, a county or a township.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub cases: usize,
    pub by_stage: ByStage,
    /// Cases overdue as of the day (SPEC §3).
    pub overdue: usize,
    /// Cases with at least one cadre adjustment.
    pub cadres_adjusted: usize,
    /// Adjustments recorded (persons), all posts.
    pub adjustments: usize,
    /// Adjustments of the Party secretary (post `secretary`).
    pub secretaries_adjusted: usize,
    /// Cases with no adjustment and a recorded reason why none was needed.
    pub no_adjustment_needed: usize,
    pub acceptance: AcceptanceCounts,
}

impl Counts {
    fn add(&mut self, c: &Counted, overdue: bool) {
        self.cases += 1;
        self.by_stage.add(c.due.stage);
        if overdue {
            self.overdue += 1;
        }
        if c.adjustments > 0 {
            self.cadres_adjusted += 1;
        } else if c.no_adjustment_reason {
            self.no_adjustment_needed += 1;
        }
        self.adjustments += c.adjustments;
        self.secretaries_adjusted += c.secretaries_filled + c.secretaries_other;
        if !c.verdicts.is_empty() {
            self.acceptance.cases += 1;
        }
        for v in &c.verdicts {
            self.acceptance.attempts += 1;
            match v {
                Verdict::Pass => self.acceptance.pass += 1,
                Verdict::BasicPass => self.acceptance.basic_pass += 1,
                Verdict::Fail => self.acceptance.fail += 1,
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TownshipStats {
    pub county: String,
    pub township: String,
    pub counts: Counts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountyStats {
    pub county: String,
    pub counts: Counts,
    /// In order of first appearance in the ledger.
    pub townships: Vec<TownshipStats>,
}

/// A township with overdue cases, for the accountability ranking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TownshipOverdue {
    pub county: String,
    pub township: String,
    /// Overdue cases in the township.
    pub overdue: usize,
    /// The most days any of them is overdue.
    pub max_days_overdue: i64,
    /// Ids of the overdue cases, most overdue first.
    pub cases: Vec<String>,
    /// At or over the policy's `talk_threshold`: an admonition talk (约谈) is due.
    pub talk_flagged: bool,
    /// Accountability events already recorded for the township, oldest first.
    pub events: Vec<AccountabilityEvent>,
}

/// One open case of a county leader, with the leader's last visit to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaderCase {
    pub id: String,
    pub county: String,
    pub township: String,
    pub village: String,
    pub stage: Stage,
    /// The leader's own last visit to this village, if any.
    pub last_visit: Option<NaiveDate>,
}

/// A paired county leader with no field visit of their own in the visit interval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnvisitedLeader {
    pub leader: String,
    /// The leader's last visit anywhere in the ledger (a visit whose `by` is the leader).
    pub last_visit: Option<NaiveDate>,
    /// Days since that visit, or since the leader was first paired when there is none.
    pub days_without_visit: i64,
    /// The leader's cases not yet accepted.
    pub cases: Vec<LeaderCase>,
}

/// The accountability list of the dashboard and `stats`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Accountability {
    /// Townships with at least one overdue case: most overdue cases first, then the most
    /// days overdue, then ledger order.
    pub townships: Vec<TownshipOverdue>,
    /// County leaders who have not visited within `visit_interval_days`, longest first.
    pub unvisited_leaders: Vec<UnvisitedLeader>,
    /// Every accountability event recorded (约谈, 诫勉, 问责), the latest first.
    #[serde(default)]
    pub events: Vec<AccountabilityEvent>,
}

/// One row of the annual sheet 「整顿软弱涣散基层党组织情况」: a county, or 总计 (`county`
/// = `None`) for a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnualRow {
    pub year: i32,
    /// `None` on the 总计 row and its 村 and 社区 rows.
    pub county: Option<String>,
    /// On the two rows under 总计: the part of the total that is villages (村) or
    /// communities (社区); a case that does not say is a village.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<VillageKind>,
    /// 排查软弱涣散基层党组织: cases identified.
    pub identified: usize,
    /// 其中建档立卡贫困村: of them, registered poor villages.
    #[serde(default)]
    pub poor_villages: usize,
    /// 整顿提升基层党组织: cases accepted (验收销号).
    pub rectified: usize,
    /// 主要类型（个）: cases per situation, the first ten codes of §4 in order
    /// ([`ANNUAL_TYPES`]); a case with several situations counts under each.
    pub by_type: Vec<usize>,
    /// 本年度已选配: secretaries filled into a vacant post (post secretary, action filled).
    pub secretaries_filled: usize,
    /// 本年度已调整: secretaries otherwise adjusted (post secretary, any other action).
    pub secretaries_adjusted: usize,
    /// 结对帮扶单位（个）: distinct assisting units.
    pub paired_units: usize,
    /// 挂点联系领导（人）: distinct county and township leaders paired.
    pub pairing_leaders: usize,
    /// 选派第一书记（人）: distinct first secretaries.
    pub first_secretaries: usize,
}

/// The situation types the annual sheet counts: the ten of the Party statistics (§4's first ten).
pub const ANNUAL_TYPES: &[Situation] = &[
    Situation::LeadershipIncomplete,
    Situation::SecretaryUnfit,
    Situation::Disunited,
    Situation::RulesOnPaper,
    Situation::ElectionBribery,
    Situation::ClanReligiousCriminal,
    Situation::AffairsDisorder,
    Situation::OrderPetitions,
    Situation::NoVenue,
    Situation::PoorService,
];

/// Everything `stats` reports, as of one day under one policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub as_of: NaiveDate,
    pub talk_threshold: usize,
    pub visit_interval_days: i64,
    pub total: Counts,
    /// In order of first appearance in the ledger.
    pub counties: Vec<CountyStats>,
    pub accountability: Accountability,
    /// The annual sheet: per year, one row per county then the 总计 row.
    pub annual: Vec<AnnualRow>,
}

/// Computes every count as of `today` under `policy`.
pub fn compute(
    cases: &[Case],
    accountability: &[AccountabilityEvent],
    today: NaiveDate,
    policy: &Policy,
) -> Stats {
    let counted: Vec<Counted> = cases.iter().map(Counted::of).collect();
    from_counted(&counted, accountability, today, policy)
}

/// [`compute`] from what the counts read of each case (as the store keeps it).
pub fn from_counted(
    cases: &[Counted],
    accountability: &[AccountabilityEvent],
    today: NaiveDate,
    policy: &Policy,
) -> Stats {
    let mut tally = Tally::new(today, policy);
    for c in cases {
        tally.add(c);
    }
    tally.finish(accountability)
}

/// The counts being gathered, one case at a time, so that a ledger read a chunk at a time
/// (the dashboard, `zhengdun stats`) is never held whole.
pub struct Tally {
    today: NaiveDate,
    policy: Policy,
    total: Counts,
    /// In order of first appearance in the ledger, each with its townships' places in its
    /// `townships`.
    counties: Vec<(CountyStats, HashMap<String, usize>)>,
    county_at: HashMap<String, usize>,
    /// Townships with overdue cases, in order of first appearance, with (days, id) of each.
    overdue: Vec<(TownshipOverdue, Vec<(i64, String)>)>,
    overdue_at: HashMap<(String, String), usize>,
    /// Each visitor's last visit on or before today, on any case.
    last_visit: HashMap<String, NaiveDate>,
    /// County leaders with open paired cases, in order of first appearance.
    leaders: Vec<(String, Vec<OpenCase>)>,
    leader_at: HashMap<String, usize>,
    annual: Annual,
}

impl Tally {
    pub fn new(today: NaiveDate, policy: &Policy) -> Tally {
        Tally {
            today,
            policy: policy.clone(),
            total: Counts::default(),
            counties: Vec::new(),
            county_at: HashMap::new(),
            overdue: Vec::new(),
            overdue_at: HashMap::new(),
            last_visit: HashMap::new(),
            leaders: Vec::new(),
            leader_at: HashMap::new(),
            annual: Annual::default(),
        }
    }

    pub fn add(&mut self, c: &Counted) {
        let due = due_status_of(&c.due, self.today, &self.policy);
        let overdue = due.overdue();
        self.total.add(c, overdue);
        let (county, township_at) = place(
            &mut self.counties,
            &mut self.county_at,
            c.county.as_str(),
            || {
                let county = CountyStats {
                    county: c.county.clone(),
                    counts: Counts::default(),
                    townships: Vec::new(),
                };
                (county, HashMap::new())
            },
        );
        county.counts.add(c, overdue);
        let township = place(
            &mut county.townships,
            township_at,
            c.township.as_str(),
            || TownshipStats {
                county: c.county.clone(),
                township: c.township.clone(),
                counts: Counts::default(),
            },
        );
        township.counts.add(c, overdue);

        if overdue {
            let key = (c.county.clone(), c.township.clone());
            let (t, ids) = place(&mut self.overdue, &mut self.overdue_at, &key, || {
                let t = TownshipOverdue {
                    county: c.county.clone(),
                    township: c.township.clone(),
                    overdue: 0,
                    max_days_overdue: 0,
                    cases: Vec::new(),
                    talk_flagged: false,
                    events: Vec::new(),
                };
                (t, Vec::new())
            });
            t.overdue += 1;
            t.max_days_overdue = t.max_days_overdue.max(due.days_overdue);
            ids.push((due.days_overdue, c.id.clone()));
        }

        for (by, on) in &c.visits {
            let (by, on) = (by.trim(), *on);
            if on <= self.today && !by.is_empty() {
                match self.last_visit.get_mut(by) {
                    Some(last) => *last = (*last).max(on),
                    None => {
                        self.last_visit.insert(by.to_string(), on);
                    }
                }
            }
        }
        let stage = c.due.stage;
        let leader = c.county_leader.trim();
        if !leader.is_empty() && stage >= Stage::Paired && stage != Stage::Accepted {
            let case = LeaderCase {
                id: c.id.clone(),
                county: c.county.clone(),
                township: c.township.clone(),
                village: c.village.clone(),
                stage,
                last_visit: c
                    .visits
                    .iter()
                    .filter(|(by, on)| by.trim() == leader && *on <= self.today)
                    .map(|(_, on)| *on)
                    .max(),
            };
            let (_, cases) = place(&mut self.leaders, &mut self.leader_at, leader, || {
                (leader.to_string(), Vec::new())
            });
            cases.push((case, c.due.paired_on));
        }
        self.annual.add(c);
    }

    pub fn finish(self, events: &[AccountabilityEvent]) -> Stats {
        let policy = &self.policy;
        let mut townships = Vec::with_capacity(self.overdue.len());
        for (mut t, mut ids) in self.overdue {
            ids.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            t.cases = ids.into_iter().map(|(_, id)| id).collect();
            t.talk_flagged = t.overdue >= policy.talk_threshold;
            t.events = events
                .iter()
                .filter(|e| e.county == t.county && e.township == t.township)
                .cloned()
                .collect();
            t.events.sort_by_key(|e| e.on);
            townships.push(t);
        }
        // A stable sort keeps ledger order among equals.
        townships.sort_by(|a, b| {
            b.overdue
                .cmp(&a.overdue)
                .then(b.max_days_overdue.cmp(&a.max_days_overdue))
        });
        Stats {
            as_of: self.today,
            talk_threshold: policy.talk_threshold,
            visit_interval_days: policy.visit_interval_days,
            total: self.total,
            counties: self.counties.into_iter().map(|(c, _)| c).collect(),
            accountability: Accountability {
                townships,
                unvisited_leaders: unvisited_leaders(
                    self.leaders,
                    &self.last_visit,
                    self.today,
                    policy,
                ),
                events: {
                    let mut all = events.to_vec();
                    // the latest first; a stable sort keeps the order recorded among equals
                    all.sort_by_key(|e| std::cmp::Reverse(e.on));
                    all
                },
            },
            annual: self.annual.rows(),
        }
    }
}

/// A leader's open case, with the day it was paired.
type OpenCase = (LeaderCase, Option<NaiveDate>);

/// The seed's rule: a county leader goes down to the villages at least once a month
/// (`visit_interval_days`). A visit counts for its `by`, on any case, on or before today. A
/// leader paired within the interval and not yet visiting is not listed yet.
fn unvisited_leaders(
    leaders: Vec<(String, Vec<OpenCase>)>,
    last_visit: &HashMap<String, NaiveDate>,
    today: NaiveDate,
    policy: &Policy,
) -> Vec<UnvisitedLeader> {
    let mut out = Vec::new();
    for (leader, mine) in leaders {
        let last = last_visit.get(&leader).copied();
        let since = last.or_else(|| mine.iter().filter_map(|(_, paired_on)| *paired_on).min());
        let days = since.map_or(i64::MAX, |d| (today - d).num_days());
        if days <= policy.visit_interval_days {
            continue;
        }
        out.push(UnvisitedLeader {
            leader,
            last_visit: last,
            days_without_visit: days,
            cases: mine.into_iter().map(|(case, _)| case).collect(),
        });
    }
    out.sort_by_key(|l| std::cmp::Reverse(l.days_without_visit));
    out
}

/// The entry for `key` in `list`, which `at` indexes: a known key is found without
/// allocating; for a new one `make` makes the entry, added at the end of the list.
#[allow(
    clippy::indexing_slicing,
    reason = "`at` holds only the places of entries pushed here onto `list`, which never shrinks"
)]
fn place<'a, K, Q, T>(
    list: &'a mut Vec<T>,
    at: &mut HashMap<K, usize>,
    key: &Q,
    make: impl FnOnce() -> T,
) -> &'a mut T
where
    K: Borrow<Q> + Hash + Eq,
    Q: ToOwned<Owned = K> + Hash + Eq + ?Sized,
{
    let i = match at.get(key) {
        Some(&i) => i,
        None => {
            at.insert(key.to_owned(), list.len());
            list.push(make());
            list.len() - 1
        }
    };
    &mut list[i]
}

/// Distinct non-empty names, trimmed.
#[derive(Default)]
struct Distinct(HashSet<String>);

impl Distinct {
    fn add(&mut self, s: &str) {
        let s = s.trim();
        if !s.is_empty() && !self.0.contains(s) {
            self.0.insert(s.to_string());
        }
    }
}

#[derive(Default)]
struct AnnualAcc {
    identified: usize,
    poor_villages: usize,
    rectified: usize,
    by_type: [usize; 10],
    secretaries_filled: usize,
    secretaries_adjusted: usize,
    units: Distinct,
    leaders: Distinct,
    first_secretaries: Distinct,
}

impl AnnualAcc {
    fn add(&mut self, c: &Counted) {
        self.identified += 1;
        if c.poor_village {
            self.poor_villages += 1;
        }
        if c.due.stage == Stage::Accepted {
            self.rectified += 1;
        }
        for (n, t) in self.by_type.iter_mut().zip(ANNUAL_TYPES) {
            if c.situations.contains(t) {
                *n += 1;
            }
        }
        self.secretaries_filled += c.secretaries_filled;
        self.secretaries_adjusted += c.secretaries_other;
        self.units.add(&c.assisting_unit);
        self.leaders.add(&c.county_leader);
        self.leaders.add(&c.township_leader);
        self.first_secretaries.add(&c.first_secretary);
    }

    fn row(self, year: i32, county: Option<String>) -> AnnualRow {
        AnnualRow {
            year,
            county,
            kind: None,
            identified: self.identified,
            poor_villages: self.poor_villages,
            rectified: self.rectified,
            by_type: self.by_type.to_vec(),
            secretaries_filled: self.secretaries_filled,
            secretaries_adjusted: self.secretaries_adjusted,
            paired_units: self.units.0.len(),
            pairing_leaders: self.leaders.0.len(),
            first_secretaries: self.first_secretaries.0.len(),
        }
    }
}

/// One year of the annual sheet being gathered: each county in order of first appearance,
/// and each county's villages and communities apart (for the 村 and 社区 rows).
#[derive(Default)]
struct AnnualYear {
    counties: Vec<(String, AnnualAcc)>,
    /// Per county (same places), its villages and its communities.
    kinds: Vec<[AnnualAcc; 2]>,
}

/// The annual sheet being gathered a case at a time, per year: what an export that never
/// holds the whole ledger counts as it writes the cases.
#[derive(Default)]
pub struct Annual(std::collections::BTreeMap<i32, AnnualYear>);

impl AnnualRow {
    /// Adds a row of the same year to this one (a county's to the 总计).
    fn add(&mut self, row: &AnnualRow) {
        self.identified += row.identified;
        self.poor_villages += row.poor_villages;
        self.rectified += row.rectified;
        for (t, n) in self.by_type.iter_mut().zip(&row.by_type) {
            *t += n;
        }
        self.secretaries_filled += row.secretaries_filled;
        self.secretaries_adjusted += row.secretaries_adjusted;
        self.paired_units += row.paired_units;
        self.pairing_leaders += row.pairing_leaders;
        self.first_secretaries += row.first_secretaries;
    }
}

impl Annual {
    /// Counts one case.
    pub fn case(&mut self, c: &Case) {
        self.add(&Counted::of(c));
    }

    fn add(&mut self, c: &Counted) {
        let year = self.0.entry(c.year).or_default();
        let at = match year.counties.iter().position(|(name, _)| *name == c.county) {
            Some(at) => at,
            None => {
                year.counties.push((c.county.clone(), AnnualAcc::default()));
                year.kinds.push(Default::default());
                year.counties.len() - 1
            }
        };
        if let Some((_, acc)) = year.counties.get_mut(at) {
            acc.add(c);
        }
        let kind = c.village_kind.unwrap_or(VillageKind::Village) as usize;
        if let Some(acc) = year.kinds.get_mut(at).and_then(|k| k.get_mut(kind)) {
            acc.add(c);
        }
    }

    /// The county rows of each year, then its 总计 and the 总计's 村 and 社区 rows: sums of
    /// the county rows (each county's villages, then its communities), so that a person paired
    /// in two counties is counted in each (by the person, as the counties report them), and the
    /// total adds up.
    pub fn rows(self) -> Vec<AnnualRow> {
        let mut out = Vec::new();
        for (year, y) in self.0 {
            let mut total = AnnualAcc::default().row(year, None);
            let mut parts = [VillageKind::Village, VillageKind::Community].map(|k| AnnualRow {
                kind: Some(k),
                ..AnnualAcc::default().row(year, None)
            });
            for ((name, acc), kinds) in y.counties.into_iter().zip(y.kinds) {
                let row = acc.row(year, Some(name));
                total.add(&row);
                out.push(row);
                for (part, acc) in parts.iter_mut().zip(kinds) {
                    part.add(&acc.row(year, None));
                }
            }
            out.push(total);
            out.extend(parts);
        }
        out
    }
}

/// The annual sheet: for each campaign year (ascending), one row per county in ledger order,
/// then the 总计 row, the sum of the county rows.
pub fn annual(cases: &[Case]) -> Vec<AnnualRow> {
    let mut annual = Annual::default();
    for c in cases {
        annual.case(c);
    }
    annual.rows()
}

// ---------------------------------------------------------------- the text tables of `stats`

/// A column of a text table: its header, its width in terminal cells, right-aligned or not.
struct Col {
    head: String,
    width: usize,
    right: bool,
}

impl Col {
    /// At least as wide as its header and `min`.
    fn new(head: impl Into<String>, min: usize, right: bool) -> Col {
        let head = head.into();
        Col {
            width: text::width(&head).max(min),
            head,
            right,
        }
    }
}

const SCREEN: usize = 80;

/// Renders rows under a header, each cell padded (text) or right-aligned (numbers) to its
/// width in terminal cells, so Chinese columns line up. The last column takes what is left
/// of 80 cells and wraps onto continuation lines instead of being cut.
fn render(cols: &mut [Col], rows: &[Vec<String>]) -> Vec<String> {
    let n = cols.len();
    // a count is never cut: 10,356 cases of a county at national scale
    // Every row has a cell per column.
    let widest = |i: usize| {
        rows.iter()
            .filter_map(|r| r.get(i))
            .map(|s| text::width(s))
            .max()
            .unwrap_or(0)
    };
    for (i, c) in cols.iter_mut().enumerate().filter(|(_, c)| c.right) {
        c.width = c.width.max(widest(i));
    }
    let Some((last, firsts)) = cols.split_last_mut() else {
        return Vec::new();
    };
    let used: usize = firsts.iter().map(|c| c.width + 1).sum();
    let need = widest(n - 1);
    last.width = last
        .width
        .max(need.min(SCREEN.saturating_sub(used).max(12)));
    let (last_w, last_right) = (last.width, last.right);
    let cols: &[Col] = cols;
    let fmt = |cells: &[String]| {
        let mut out = String::new();
        for (i, (s, c)) in cells.iter().zip(cols.iter()).enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(&if c.right {
                text::pad_left(s, c.width)
            } else {
                text::pad(s, c.width)
            });
        }
        out.trim_end().to_string()
    };
    let head: Vec<String> = cols.iter().map(|c| c.head.clone()).collect();
    let mut out = vec![fmt(&head)];
    for r in rows {
        let first_cells = r.get(..n - 1).unwrap_or(&[]);
        let last_cell = r.get(n - 1).map_or("", String::as_str);
        let wrapped = if last_right {
            vec![last_cell.to_string()]
        } else {
            text::wrap(last_cell, last_w)
        };
        for (k, part) in wrapped.iter().enumerate() {
            let mut cells: Vec<String> = if k == 0 {
                first_cells.to_vec()
            } else {
                vec![String::new(); n - 1]
            };
            cells.push(part.clone());
            out.push(fmt(&cells));
        }
    }
    out
}

/// County and township rows (a county's total first, then its townships), then the total.
fn counts_table(
    s: &Stats,
    lang: Lang,
    heads: &[String],
    values: impl Fn(&Counts) -> Vec<usize>,
) -> Vec<String> {
    let mut cols = vec![
        Col::new(t(lang, Text::ColCounty), 8, false),
        Col::new(t(lang, Text::ColTownship), 10, false),
    ];
    cols.extend(heads.iter().map(|h| Col::new(h.clone(), 4, true)));
    let total = t(lang, Text::StatsTotal);
    let row = |county: &str, township: &str, c: &Counts| {
        let mut r = vec![county.to_string(), township.to_string()];
        r.extend(values(c).iter().map(|v| v.to_string()));
        r
    };
    let mut rows = Vec::new();
    for county in &s.counties {
        rows.push(row(&county.county, total, &county.counts));
        for tw in &county.townships {
            rows.push(row("", &tw.township, &tw.counts));
        }
    }
    rows.push(row(total, "", &s.total));
    render(&mut cols, &rows)
}

/// The first few items of a long list, then how many more (the JSON has them all).
fn first_few(items: &[String], sep: &str, lang: Lang) -> String {
    const FEW: usize = 4;
    let mut s = items
        .iter()
        .take(FEW)
        .cloned()
        .collect::<Vec<_>>()
        .join(sep);
    if items.len() > FEW {
        s.push_str(&i18n::msg::stats_more(lang, items.len() - FEW));
    }
    s
}

/// `zhengdun stats` as aligned tables: cases by stage and overdue; adjustments and
/// acceptance; the townships ranked by overdue cases; the leaders who have not visited.
pub fn table(s: &Stats, lang: Lang) -> String {
    let mut out = vec![i18n::msg::stats_title(lang, s.as_of)];
    if s.total.cases == 0 {
        out.push(t(lang, Text::StatsEmpty).to_string());
        return out.join("\n");
    }
    out.push(String::new());
    out.push(t(lang, Text::StatsStages).to_string());
    let mut heads = vec![t(lang, Text::StatsCases).to_string()];
    heads.extend(Stage::ALL.iter().map(|st| st.label(lang).to_string()));
    heads.push(t(lang, Text::StatsOverdue).to_string());
    out.extend(counts_table(s, lang, &heads, |c| {
        let mut v = vec![c.cases];
        v.extend(Stage::ALL.iter().map(|st| c.by_stage.get(*st)));
        v.push(c.overdue);
        v
    }));

    out.push(String::new());
    out.push(t(lang, Text::StatsWork).to_string());
    let mut heads: Vec<String> = [
        Text::StatsAdjustedCases,
        Text::StatsAdjustedPeople,
        Text::StatsSecretaries,
        Text::StatsAttempts,
    ]
    .iter()
    .map(|k| t(lang, *k).to_string())
    .collect();
    heads.extend(Verdict::ALL.iter().map(|v| v.label(lang).to_string()));
    out.extend(counts_table(s, lang, &heads, |c| {
        vec![
            c.cadres_adjusted,
            c.adjustments,
            c.secretaries_adjusted,
            c.acceptance.attempts,
            c.acceptance.pass,
            c.acceptance.basic_pass,
            c.acceptance.fail,
        ]
    }));

    out.push(String::new());
    out.push(i18n::msg::stats_talk_list(lang, s.talk_threshold));
    let towns = &s.accountability.townships;
    if towns.is_empty() {
        out.push(t(lang, Text::StatsNoOverdue).to_string());
    } else {
        let mut cols = vec![
            Col::new("", 2, true),
            Col::new(t(lang, Text::ColCounty), 8, false),
            Col::new(t(lang, Text::ColTownship), 10, false),
            Col::new(t(lang, Text::StatsOverdue), 4, true),
            Col::new(t(lang, Text::StatsMaxDays), 4, true),
            Col::new(t(lang, Text::StatsTalk), 4, false),
            Col::new(t(lang, Text::StatsEvents), 4, false),
            Col::new(t(lang, Text::ColId), 12, false),
        ];
        let rows: Vec<Vec<String>> = towns
            .iter()
            .enumerate()
            .map(|(i, tw)| {
                let recorded = tw
                    .events
                    .last()
                    .map(|e| format!("{} {}", e.kind.label(lang), e.on))
                    .unwrap_or_default();
                vec![
                    (i + 1).to_string(),
                    tw.county.clone(),
                    tw.township.clone(),
                    tw.overdue.to_string(),
                    tw.max_days_overdue.to_string(),
                    if tw.talk_flagged {
                        t(lang, Text::StatsTalk)
                    } else {
                        ""
                    }
                    .to_string(),
                    recorded,
                    first_few(&tw.cases, " ", lang),
                ]
            })
            .collect();
        // The events column (its place in `cols` and in each row).
        const EVENTS: usize = 6;
        let events_w = rows
            .iter()
            .filter_map(|r| r.get(EVENTS))
            .map(|s| text::width(s))
            .max()
            .unwrap_or(0);
        if let Some(events) = cols.get_mut(EVENTS) {
            events.width = events.width.max(events_w);
        }
        out.extend(render(&mut cols, &rows));
    }

    out.push(String::new());
    out.push(t(lang, Text::StatsEventList).to_string());
    let events = &s.accountability.events;
    if events.is_empty() {
        out.push(t(lang, Text::StatsNoEvents).to_string());
    } else {
        let mut cols = vec![
            Col::new(t(lang, Text::ColDate), 10, false),
            Col::new(t(lang, Text::ColKind), 4, false),
            Col::new(t(lang, Text::ColCounty), 6, false),
            Col::new(t(lang, Text::ColTownship), 8, false),
            Col::new(t(lang, Text::ColPerson), 6, false),
            Col::new(t(lang, Text::ColId), 10, false),
            Col::new(t(lang, Text::ColReason), 10, false),
        ];
        let rows: Vec<Vec<String>> = events
            .iter()
            .map(|e| {
                vec![
                    e.on.to_string(),
                    e.kind.label(lang).to_string(),
                    e.county.clone(),
                    e.township.clone(),
                    e.person.clone(),
                    first_few(&e.cases, " ", lang),
                    e.reason.clone(),
                ]
            })
            .collect();
        out.extend(render(&mut cols, &rows));
    }

    out.push(String::new());
    out.push(i18n::msg::stats_unvisited(lang, s.visit_interval_days));
    let leaders = &s.accountability.unvisited_leaders;
    if leaders.is_empty() {
        out.push(t(lang, Text::StatsAllVisited).to_string());
    } else {
        let mut cols = vec![
            Col::new(t(lang, Text::StatsLeader), 8, false),
            Col::new(t(lang, Text::StatsLastVisit), 10, false),
            Col::new(t(lang, Text::StatsDaysWithout), 4, true),
            Col::new(t(lang, Text::ColVillage), 12, false),
        ];
        let rows: Vec<Vec<String>> = leaders
            .iter()
            .map(|l| {
                let villages: Vec<String> = l
                    .cases
                    .iter()
                    .map(|c| format!("{}{}", c.township, c.village))
                    .collect();
                vec![
                    l.leader.clone(),
                    l.last_visit
                        .map_or_else(|| t(lang, Text::StatsNever).to_string(), |d| d.to_string()),
                    l.days_without_visit.to_string(),
                    first_few(&villages, "、", lang),
                ]
            })
            .collect();
        out.extend(render(&mut cols, &rows));
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_never_cut() {
        let mut cols = vec![
            Col::new("县", 8, false),
            Col::new("总数", 4, true),
            Col::new("逾期", 4, true),
        ];
        let rows = vec![vec!["茌平区".to_string(), "10356".into(), "182".into()]];
        let out = render(&mut cols, &rows);
        assert_eq!(out[1], "茌平区   10356  182");
    }
}
