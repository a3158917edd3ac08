//! The monthly performance (绩效) ranking of departments and windows, from a published,
//! configurable formula.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use yichuang_domain::account::StaffUser;
use yichuang_store::Center;

use super::{Figures, REPORT_ROLES, ScopeRow};
use crate::access::{require_center, require_role};
use crate::{Core, CoreError, Result};

/// The scoring formula. Each rate is between 0 and 1; a rate with nothing to measure (no
/// concluded case, no evaluation…) counts as 1, so a department is never punished for work it
/// did not have.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PerformanceFormula {
    /// Points for timeliness: on-time conclusions over all conclusions.
    pub timeliness: f64,
    /// Points for satisfaction: the 满意率.
    pub satisfaction: f64,
    /// Points for bad-review handling: rectifications completed on time over those opened
    /// (appeals upheld excluded).
    pub rectification: f64,
    /// Points for 督办 replies: orders answered on time over orders issued.
    pub orders: f64,
    /// Points taken off per case concluded after its promised limit.
    pub overdue_penalty: f64,
}

impl Default for PerformanceFormula {
    fn default() -> Self {
        Self {
            timeliness: 40.0,
            satisfaction: 30.0,
            rectification: 20.0,
            orders: 10.0,
            overdue_penalty: 1.0,
        }
    }
}

impl PerformanceFormula {
    /// The formula in words, as published with the ranking.
    pub fn describe(&self) -> String {
        format!(
            "得分 = 按时办结率×{} + 满意率×{} + 差评按时整改率×{} + 督办按时回复率×{} − 超期办结件数×{}（最低 0 分；无可计算数据的指标按满分计）",
            self.timeliness,
            self.satisfaction,
            self.rectification,
            self.orders,
            self.overdue_penalty
        )
    }

    /// The score and the rates it used.
    pub fn score(&self, f: &Figures) -> PerformanceRates {
        #[allow(clippy::cast_precision_loss)]
        let rate = |n: i64, d: i64| (d > 0).then(|| n as f64 / d as f64);
        let c = &f.cases;
        let timeliness = rate(c.on_time, c.on_time + c.overdue);
        let satisfaction = f.evaluations.satisfaction_rate;
        let r = &f.rectifications;
        let rectification = rate(r.completed_on_time, r.opened - r.voided);
        let orders = rate(f.orders.issued - f.orders.late, f.orders.issued);
        #[allow(clippy::cast_precision_loss)]
        let raw = timeliness.unwrap_or(1.0) * self.timeliness
            + satisfaction.unwrap_or(1.0) * self.satisfaction
            + rectification.unwrap_or(1.0) * self.rectification
            + orders.unwrap_or(1.0) * self.orders
            - c.overdue as f64 * self.overdue_penalty;
        let round4 = |v: Option<f64>| v.map(|x| (x * 10_000.0).round() / 10_000.0);
        PerformanceRates {
            score: (raw.max(0.0) * 100.0).round() / 100.0,
            timeliness_rate: round4(timeliness),
            satisfaction_rate: round4(satisfaction),
            rectification_rate: round4(rectification),
            order_rate: round4(orders),
            overdue: c.overdue,
        }
    }
}

/// The rates behind a score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerformanceRates {
    /// Score.
    pub score: f64,
    /// 按时办结率.
    pub timeliness_rate: Option<f64>,
    /// 满意率.
    pub satisfaction_rate: Option<f64>,
    /// 差评按时整改率.
    pub rectification_rate: Option<f64>,
    /// 督办按时回复率.
    pub order_rate: Option<f64>,
    /// Cases concluded late.
    pub overdue: i64,
}

/// One ranked department or window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerformanceRow {
    /// Rank, 1 is best; equal scores share a rank.
    pub rank: usize,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Score and rates.
    #[serde(flatten)]
    pub rates: PerformanceRates,
    /// The month's figures.
    pub figures: Figures,
}

/// The monthly ranking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerformanceReport {
    /// `YYYY-MM`.
    pub month: String,
    /// The formula's weights.
    pub formula: PerformanceFormula,
    /// The formula in words.
    pub formula_text: String,
    /// Departments, best first.
    pub departments: Vec<PerformanceRow>,
    /// Windows, best first.
    pub windows: Vec<PerformanceRow>,
}

/// Parses `YYYY-MM` into the first and last day of the month.
pub fn month_bounds(month: &str) -> Result<(NaiveDate, NaiveDate)> {
    let bad = || CoreError::invalid("month", "月份格式应为 YYYY-MM，例如 2026-11");
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").map_err(|_| bad())?;
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    }
    .ok_or_else(bad)?;
    Ok((first, next.pred_opt().ok_or_else(bad)?))
}

fn rank(formula: &PerformanceFormula, rows: Vec<ScopeRow>) -> Vec<PerformanceRow> {
    let mut out: Vec<PerformanceRow> = rows
        .into_iter()
        .map(|r| PerformanceRow {
            rank: 0,
            rates: formula.score(&r.figures),
            code: r.code,
            name: r.name,
            figures: r.figures,
        })
        .collect();
    out.sort_by(|a, b| {
        b.rates
            .score
            .total_cmp(&a.rates.score)
            .then_with(|| a.code.cmp(&b.code))
    });
    for i in 0..out.len() {
        out[i].rank = if i > 0 && out[i].rates.score == out[i - 1].rates.score {
            out[i - 1].rank
        } else {
            i + 1
        };
    }
    out
}

impl Core {
    /// The performance ranking of a month.
    pub async fn performance_report(
        &self,
        user: &StaffUser,
        center: &Center,
        month: &str,
    ) -> Result<PerformanceReport> {
        require_role(user, &REPORT_ROLES)?;
        require_center(user, center.id)?;
        let (from, to) = month_bounds(month)?;
        let r = self.period_report(center, from, to).await?;
        let formula = self.performance.clone();
        // Every department of the center is ranked, including those with no activity.
        let mut departments = r.departments;
        for (d, _) in self.store().departments(center.id).await? {
            if !departments.iter().any(|x| x.code == d.code) {
                departments.push(ScopeRow {
                    code: d.code,
                    name: d.name,
                    figures: Figures::default(),
                });
            }
        }
        Ok(PerformanceReport {
            month: month.to_owned(),
            formula_text: formula.describe(),
            departments: rank(&formula, departments),
            windows: rank(&formula, r.windows),
            formula,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_bounded_and_checked() {
        let (a, b) = month_bounds("2026-12").unwrap();
        assert_eq!(
            (a.to_string(), b.to_string()),
            ("2026-12-01".into(), "2026-12-31".into())
        );
        assert_eq!(month_bounds("2026-02").unwrap().1.to_string(), "2026-02-28");
        assert!(month_bounds("2026-13").is_err());
        assert!(month_bounds("2026/11").is_err());
    }

    #[test]
    fn the_formula_scores_rates_and_penalises_overdue_cases() {
        let f = PerformanceFormula::default();
        let mut fig = Figures::default();
        assert!(
            (f.score(&fig).score - 100.0).abs() < 1e-9,
            "no data is full marks"
        );
        fig.cases.on_time = 3;
        fig.cases.overdue = 1;
        fig.evaluations.satisfaction_rate = Some(0.5);
        // 0.75×40 + 0.5×30 + 20 + 10 − 1 = 74
        assert!((f.score(&fig).score - 74.0).abs() < 1e-9);
        let rows = vec![
            ScopeRow {
                code: "b".into(),
                name: "B".into(),
                figures: Figures::default(),
            },
            ScopeRow {
                code: "a".into(),
                name: "A".into(),
                figures: fig,
            },
            ScopeRow {
                code: "c".into(),
                name: "C".into(),
                figures: Figures::default(),
            },
        ];
        let ranked = rank(&f, rows);
        let order: Vec<(usize, &str)> = ranked.iter().map(|r| (r.rank, r.code.as_str())).collect();
        assert_eq!(order, vec![(1, "b"), (1, "c"), (3, "a")]);
    }
}
