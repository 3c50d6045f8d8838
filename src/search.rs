//! Search over village, township, county, leaders and id, in Chinese and in pinyin (full
//! and initials). Keys are computed once per case; a query is matched against them.

use fuzzy_matcher::skim::SkimMatcherV2;
use fuzzy_matcher::FuzzyMatcher;
use pinyin::ToPinyin;

use crate::domain::Summary;

/// The searchable text of one case, with its pinyin forms.
#[derive(Debug, Clone)]
pub struct Key {
    /// id, county, township, village, leaders, joined by spaces, lower-cased.
    pub text: String,
    /// Full pinyin of `text`'s Chinese characters (other characters kept), no spaces.
    pub full: String,
    /// Pinyin initials of `text`'s Chinese characters.
    pub initials: String,
}

pub fn key(case: &Summary) -> Key {
    let fields = [
        case.id.as_str(),
        &case.county,
        &case.township,
        &case.village,
        &case.county_leader,
        &case.township_leader,
        &case.first_secretary,
    ];
    let text = fields.join(" ").to_lowercase();
    let mut full = String::new();
    let mut initials = String::new();
    for c in text.chars() {
        match c.to_pinyin() {
            Some(p) => {
                full.push_str(p.plain());
                initials.push_str(p.first_letter());
            }
            None => {
                full.push(c);
                initials.push(c);
            }
        }
    }
    Key {
        text,
        full,
        initials,
    }
}

pub struct SearchIndex {
    keys: Vec<Key>,
    matcher: SkimMatcherV2,
}

impl SearchIndex {
    pub fn build(cases: &[Summary]) -> SearchIndex {
        SearchIndex {
            keys: cases.iter().map(key).collect(),
            matcher: SkimMatcherV2::default(),
        }
    }

    /// Indices of the cases matching `query`, best first. Substring hits (in the text or in
    /// its pinyin) rank above fuzzy subsequence hits.
    pub fn search(&self, query: &str) -> Vec<usize> {
        let q = query.trim().to_lowercase().replace(' ', "");
        if q.is_empty() {
            return (0..self.keys.len()).collect();
        }
        let mut hits: Vec<(i64, usize)> = Vec::new();
        for (i, k) in self.keys.iter().enumerate() {
            let score = if k.text.replace(' ', "").contains(&q)
                || k.full.contains(&q)
                || k.initials.contains(&q)
            {
                Some(1_000_000)
            } else {
                self.matcher
                    .fuzzy_match(&k.text, &q)
                    .or_else(|| self.matcher.fuzzy_match(&k.full, &q))
            };
            if let Some(s) = score {
                hits.push((s, i));
            }
        }
        hits.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        hits.into_iter().map(|(_, i)| i).collect()
    }
}
