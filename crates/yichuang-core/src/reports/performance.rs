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
/// did not have. A unit with nothing to measure at all has no score and is not ranked: it
/// would otherwise tie at full marks with the best.
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
            "得分 = 按时办结率×{} + 满意率×{} + 差评按时整改率×{} + 督办按时回复率×{} − 超期办结件数×{}（最低 0 分；某项指标无数据时按满分计；各项指标均无数据的单位显示“无数据”，不参加排名）",
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
        let any_data = timeliness.is_some()
            || satisfaction.is_some()
            || rectification.is_some()
            || orders.is_some()
            || c.overdue > 0;
        PerformanceRates {
            score: any_data.then(|| (raw.max(0.0) * 100.0).round() / 100.0),
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
    /// Score; `None` (无数据) when no indicator had anything to measure.
    pub score: Option<f64>,
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
    /// Rank, 1 is best; equal scores share a rank; `None` for a unit without data.
    pub rank: Option<usize>,
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
            rank: None,
            rates: formula.score(&r.figures),
            code: r.code,
            name: r.name,
            figures: r.figures,
        })
        .collect();
    // Scored units best first, then those without data (by code).
    out.sort_by(|a, b| match (a.rates.score, b.rates.score) {
        (Some(x), Some(y)) => y.total_cmp(&x).then_with(|| a.code.cmp(&b.code)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.code.cmp(&b.code),
    });
    for i in 0..out.len() {
        if out[i].rates.score.is_none() {
            continue;
        }
        out[i].rank = if i > 0 && out[i].rates.score == out[i - 1].rates.score {
            out[i - 1].rank
        } else {
            Some(i + 1)
        };
    }
    out
}

/// The ranking as an Excel workbook: 部门排名 and 窗口排名 sheets, the formula on top, units
/// without data marked 无数据 and left unranked.
pub fn performance_xlsx(r: &PerformanceReport) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
    fn sheet(
        ws: &mut Worksheet,
        name: &str,
        formula: &str,
        rows: &[PerformanceRow],
    ) -> std::result::Result<(), XlsxError> {
        ws.set_name(name)?;
        let bold = Format::new().set_bold();
        let pct = Format::new().set_num_format("0.00%");
        ws.write_string(0, 0, formula)?;
        let head = [
            "名次",
            "编码",
            "名称",
            "得分",
            "按时办结率",
            "满意率",
            "差评按时整改率",
            "督办按时回复率",
            "超期办结",
        ];
        for (c, h) in (0u16..).zip(head) {
            ws.write_string_with_format(1, c, h, &bold)?;
        }
        for (row, d) in (2u32..).zip(rows) {
            match d.rank {
                Some(rank) => ws.write_number(row, 0, rank as f64)?,
                None => ws.write_string(row, 0, "—")?,
            };
            ws.write_string(row, 1, &d.code)?;
            ws.write_string(row, 2, &d.name)?;
            match d.rates.score {
                Some(v) => ws.write_number(row, 3, v)?,
                None => ws.write_string(row, 3, "无数据")?,
            };
            let rates = [
                d.rates.timeliness_rate,
                d.rates.satisfaction_rate,
                d.rates.rectification_rate,
                d.rates.order_rate,
            ];
            for (c, v) in (4u16..).zip(rates) {
                if let Some(v) = v {
                    ws.write_number_with_format(row, c, v, &pct)?;
                }
            }
            #[allow(clippy::cast_precision_loss)]
            ws.write_number(row, 8, d.rates.overdue as f64)?;
        }
        ws.set_column_width(2, 30)?;
        ws.set_freeze_panes(2, 3)?;
        Ok(())
    }
    let build = || -> std::result::Result<Vec<u8>, XlsxError> {
        let mut wb = Workbook::new();
        sheet(
            wb.add_worksheet(),
            "部门排名",
            &r.formula_text,
            &r.departments,
        )?;
        sheet(wb.add_worksheet(), "窗口排名", &r.formula_text, &r.windows)?;
        wb.save_to_buffer()
    };
    build().map_err(|e| CoreError::Internal(anyhow::anyhow!("xlsx: {e}")))
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
        assert_eq!(
            f.score(&fig).score,
            None,
            "no data is no score, not full marks"
        );
        fig.evaluations.satisfaction_rate = Some(1.0);
        assert!(
            (f.score(&fig).score.unwrap() - 100.0).abs() < 1e-9,
            "an indicator without data counts as full marks"
        );
        fig.cases.on_time = 3;
        fig.cases.overdue = 1;
        fig.evaluations.satisfaction_rate = Some(0.5);
        // 0.75×40 + 0.5×30 + 20 + 10 − 1 = 74
        assert!((f.score(&fig).score.unwrap() - 74.0).abs() < 1e-9);
        let mut full = Figures::default();
        full.cases.on_time = 2;
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
                figures: full.clone(),
            },
            ScopeRow {
                code: "d".into(),
                name: "D".into(),
                figures: full,
            },
        ];
        let ranked = rank(&f, rows);
        let order: Vec<(Option<usize>, &str)> =
            ranked.iter().map(|r| (r.rank, r.code.as_str())).collect();
        assert_eq!(
            order,
            vec![(Some(1), "c"), (Some(1), "d"), (Some(3), "a"), (None, "b")],
            "equal scores share a rank; no data is not ranked"
        );
    }
}
