//! The flat CSV ledger (SPEC §6): one row per case, the columns below, Chinese or English
//! headers.

use crate::domain::{Case, Situation};
use crate::i18n::Lang;

/// The flat ledger's columns: (code, Chinese header). English headers are the codes.
pub const COLUMNS: &[(&str, &str)] = &[
    ("id", "编号"),
    ("year", "年度"),
    ("county", "县(市、区)"),
    ("township", "乡镇(街道)"),
    ("village", "村"),
    ("situations", "软弱涣散情形"),
    ("problems", "主要问题"),
    ("identified_on", "认定日期"),
    ("deadline", "转化期限"),
    ("stage", "阶段"),
    ("county_leader", "县级包联领导"),
    ("township_leader", "乡镇包村领导"),
    ("first_secretary", "第一书记"),
    ("first_secretary_unit", "派出单位"),
    ("assisting_unit", "帮扶单位"),
    ("paired_on", "包联日期"),
    ("closed_on", "销号日期"),
];

pub fn header(lang: Lang) -> Vec<&'static str> {
    COLUMNS
        .iter()
        .map(|(code, zh)| match lang {
            Lang::Zh => *zh,
            Lang::En => *code,
        })
        .collect()
}

fn situations_cell(s: &[Situation], lang: Lang) -> String {
    match lang {
        Lang::Zh => s.iter().map(|s| s.zh()).collect::<Vec<_>>().join("；"),
        Lang::En => s.iter().map(|s| s.code()).collect::<Vec<_>>().join(";"),
    }
}

/// One case as the flat row, in [`COLUMNS`] order.
pub fn row(c: &Case, lang: Lang) -> Vec<String> {
    let d = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let p = c.pairing.clone().unwrap_or_default();
    vec![
        c.id.clone(),
        c.year.to_string(),
        c.county.clone(),
        c.township.clone(),
        c.village.clone(),
        situations_cell(&c.situations, lang),
        c.problems.clone(),
        c.identified_on.to_string(),
        d(c.deadline),
        match lang {
            Lang::Zh => c.stage.zh().to_string(),
            Lang::En => c.stage.code().to_string(),
        },
        p.county_leader,
        p.township_leader,
        p.first_secretary,
        p.first_secretary_unit,
        p.assisting_unit,
        d(p.paired_on),
        d(c.closed_on),
    ]
}

/// An extra column after the flat ones: its header and how to fill it for a case.
pub type ExtraColumn<'a> = (&'a str, &'a dyn Fn(&Case) -> String);

/// Writes the flat ledger, with `extra` columns (header, value per case) appended.
pub fn write<W: std::io::Write>(
    out: W,
    cases: &[&Case],
    lang: Lang,
    extra: &[ExtraColumn],
) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut h: Vec<&str> = header(lang);
    h.extend(extra.iter().map(|(name, _)| *name));
    w.write_record(&h)?;
    for c in cases {
        let mut r = row(c, lang);
        r.extend(extra.iter().map(|(_, f)| f(c)));
        w.write_record(&r)?;
    }
    w.flush()
}
