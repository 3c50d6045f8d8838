//! The date forms people type and Excel writes (SPEC §6).

use chrono::NaiveDate;

/// Parses `2017-03-10`, `2017/3/10`, `2017.3.10`, `2017年3月10日` (and `20170310`).
/// Impossible dates (`2017-02-30`) are refused.
pub fn parse(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(s, "%Y%m%d").ok();
    }
    let parts: Vec<&str> = s
        .trim_end_matches('日')
        .split(['-', '/', '.', '年', '月'])
        .collect();
    let [year, month, day] = parts.as_slice() else {
        return None;
    };
    if parts
        .iter()
        .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    if year.len() != 4 || month.len() > 2 || day.len() > 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_form() {
        let d = NaiveDate::from_ymd_opt(2017, 3, 10).unwrap();
        for s in [
            "2017-03-10",
            "2017/3/10",
            "2017.3.10",
            "2017年3月10日",
            "20170310",
            " 2017-3-10 ",
        ] {
            assert_eq!(parse(s), Some(d), "{s}");
        }
    }

    #[test]
    fn refuses_impossible_and_odd_dates() {
        for s in [
            "2017-02-30",
            "2017-13-01",
            "17-3-10",
            "2017-3",
            "",
            "abc",
            "2017-03-10x",
            "2017年3月",
        ] {
            assert_eq!(parse(s), None, "{s}");
        }
    }
}
