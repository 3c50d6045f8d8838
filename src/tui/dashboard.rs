//! The dashboard (SPEC §7): stages per county as a chart, and the accountability list —
//! townships ranked by overdue cases (those at the policy threshold flagged for an
//! admonition talk) and paired county leaders without a recent visit. The numbers come
//! from `stats::compute`, the same as `zhengdun stats`; Enter on a row opens the ledger
//! filtered to it.

use crate::listing::Filter;
use crate::stats::Stats;

/// A row of the accountability list that Enter can open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// Index into `stats.accountability.townships`.
    Township(usize),
    /// Index into `stats.accountability.unvisited_leaders`.
    Leader(usize),
}

#[derive(Debug, Clone)]
pub struct Dashboard {
    pub stats: Stats,
    pub items: Vec<Item>,
    pub selected: usize,
}

impl Dashboard {
    pub fn new(stats: Stats) -> Dashboard {
        let a = &stats.accountability;
        let items = (0..a.townships.len())
            .map(Item::Township)
            .chain((0..a.unvisited_leaders.len()).map(Item::Leader))
            .collect();
        Dashboard {
            stats,
            items,
            selected: 0,
        }
    }

    pub fn move_by(&mut self, by: isize) {
        if self.items.is_empty() {
            return;
        }
        let last = self.items.len() as isize - 1;
        self.selected = (self.selected as isize + by).clamp(0, last) as usize;
    }

    /// The ledger filter that the selected row opens.
    pub fn filter(&self) -> Option<Filter> {
        let a = &self.stats.accountability;
        match self.items.get(self.selected)? {
            Item::Township(i) => {
                let t = a.townships.get(*i)?;
                Some(Filter {
                    county: Some(t.county.clone()),
                    township: Some(t.township.clone()),
                    ..Filter::default()
                })
            }
            Item::Leader(i) => Some(Filter {
                leader: Some(a.unvisited_leaders.get(*i)?.leader.clone()),
                ..Filter::default()
            }),
        }
    }
}
