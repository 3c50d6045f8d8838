//! The county's policy numbers (SPEC §3): defaults that a `policy.toml` may override.

use serde::{Deserialize, Serialize};

/// Numbers that differ between counties. Every field has the SPEC default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Days from identification to pairing (`identified` stage due date).
    pub pairing_days: i64,
    /// Days from pairing to the cadre adjustment (`paired` stage due date).
    pub adjustment_days: i64,
    /// The acceptance pass mark, 0–100.
    pub pass_mark: u8,
    /// The largest dissatisfied share of the poll, in percent, that still passes.
    pub max_dissatisfied_percent: u32,
    /// Months of consolidation after a basic pass.
    pub consolidation_months: u32,
    /// Overdue cases in a township at which an admonition talk is flagged.
    pub talk_threshold: usize,
    /// Days without a field visit after which a paired county leader is listed.
    pub visit_interval_days: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            pairing_days: 30,
            adjustment_days: 90,
            pass_mark: 70,
            max_dissatisfied_percent: 50,
            consolidation_months: 6,
            talk_threshold: 2,
            visit_interval_days: 30,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PolicyError {
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    #[error("{path}: {field} = {value} is out of range ({range})")]
    Range {
        path: String,
        field: &'static str,
        value: i64,
        range: &'static str,
    },
}

impl Policy {
    /// Parses a `policy.toml`; `path` is only used to name the file in messages.
    pub fn from_toml(text: &str, path: &str) -> Result<Policy, PolicyError> {
        let p: Policy = toml::from_str(text).map_err(|e| PolicyError::Parse {
            path: path.to_string(),
            message: e.to_string().trim().replace('\n', " "),
        })?;
        p.check(path)?;
        Ok(p)
    }

    fn check(&self, path: &str) -> Result<(), PolicyError> {
        let range = |field, value: i64, lo: i64, hi: i64, range| {
            if value < lo || value > hi {
                Err(PolicyError::Range {
                    path: path.to_string(),
                    field,
                    value,
                    range,
                })
            } else {
                Ok(())
            }
        };
        range("pairing_days", self.pairing_days, 0, 3650, "0..=3650")?;
        range("adjustment_days", self.adjustment_days, 0, 3650, "0..=3650")?;
        range("pass_mark", self.pass_mark as i64, 0, 100, "0..=100")?;
        range(
            "max_dissatisfied_percent",
            self.max_dissatisfied_percent as i64,
            0,
            100,
            "0..=100",
        )?;
        range(
            "consolidation_months",
            self.consolidation_months as i64,
            0,
            120,
            "0..=120",
        )?;
        range(
            "talk_threshold",
            self.talk_threshold as i64,
            1,
            10_000,
            "1..=10000",
        )?;
        range(
            "visit_interval_days",
            self.visit_interval_days,
            1,
            3650,
            "1..=3650",
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_single_numbers() {
        let p = Policy::from_toml("pass_mark = 75\n", "policy.toml").unwrap();
        assert_eq!(p.pass_mark, 75);
        assert_eq!(p.pairing_days, 30);
    }

    #[test]
    fn refuses_unknown_fields_and_ranges() {
        assert!(matches!(
            Policy::from_toml("pass_marks = 75\n", "p.toml"),
            Err(PolicyError::Parse { .. })
        ));
        assert!(matches!(
            Policy::from_toml("pass_mark = 101\n", "p.toml"),
            Err(PolicyError::Parse { .. }) | Err(PolicyError::Range { .. })
        ));
        assert!(matches!(
            Policy::from_toml("pairing_days = -1\n", "p.toml"),
            Err(PolicyError::Range { .. })
        ));
    }
}
