//! The 日报 as an Excel workbook (rust_xlsxwriter), one sheet per breakdown, Chinese sheet names.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::{Figures, PeriodReport, ScopeRow};
use crate::{CoreError, Result};

const HEADERS: [&str; 23] = [
    "编码",
    "名称",
    "取号",
    "服务完成",
    "过号",
    "平均等候(分钟)",
    "P90等候(分钟)",
    "收件",
    "受理",
    "不予受理",
    "补正告知",
    "准予",
    "不予准予",
    "送达",
    "按时办结",
    "超期办结",
    "评价总数",
    "非常满意",
    "满意",
    "基本满意",
    "不满意",
    "非常不满意",
    "满意率",
];

#[allow(clippy::cast_precision_loss)]
fn values(f: &Figures) -> Vec<Option<f64>> {
    let n = |v: i64| Some(v as f64);
    let t = &f.tickets;
    let c = &f.cases;
    let e = &f.evaluations;
    let l = &e.by_level;
    vec![
        n(t.issued),
        n(t.served),
        n(t.no_show),
        t.avg_wait_minutes,
        t.p90_wait_minutes.map(|v| v as f64),
        n(c.received),
        n(c.accepted),
        n(c.refused),
        n(c.correction_requested),
        n(c.concluded_approved),
        n(c.concluded_denied),
        n(c.delivered),
        n(c.on_time),
        n(c.overdue),
        n(e.total),
        n(l.very_satisfied),
        n(l.satisfied),
        n(l.basically_satisfied),
        n(l.dissatisfied),
        n(l.very_dissatisfied),
        e.satisfaction_rate,
    ]
}

fn sheet(
    ws: &mut Worksheet,
    name: &str,
    rows: &[(&str, &str, &Figures)],
) -> std::result::Result<(), XlsxError> {
    ws.set_name(name)?;
    let bold = Format::new().set_bold();
    let pct = Format::new().set_num_format("0.00%");
    for (col, h) in (0u16..).zip(HEADERS) {
        ws.write_string_with_format(0, col, h, &bold)?;
    }
    for (row, (code, label, f)) in (1u32..).zip(rows) {
        ws.write_string(row, 0, *code)?;
        ws.write_string(row, 1, *label)?;
        let vals = values(f);
        let last = vals.len() - 1;
        for (i, (col, v)) in (2u16..).zip(vals).enumerate() {
            if let Some(v) = v {
                if i == last {
                    ws.write_number_with_format(row, col, v, &pct)?;
                } else {
                    ws.write_number(row, col, v)?;
                }
            }
        }
    }
    ws.set_column_width(1, 28)?;
    ws.set_freeze_panes(1, 2)?;
    let last_row = u32::try_from(rows.len()).unwrap_or(u32::MAX);
    ws.autofilter(0, 0, last_row, 22)?;
    Ok(())
}

/// The workbook of a report: 汇总, 部门, 窗口, 人员, 事项.
pub fn daily_xlsx(r: &PeriodReport) -> Result<Vec<u8>> {
    let build = || -> std::result::Result<Vec<u8>, XlsxError> {
        let mut wb = Workbook::new();
        let title = format!("{}（{}）", r.center.name, r.date);
        sheet(wb.add_worksheet(), "汇总", &[("", &title, &r.total)])?;
        let scoped = |rows: &[ScopeRow]| -> Vec<(String, String, Figures)> {
            rows.iter()
                .map(|x| (x.code.clone(), x.name.clone(), x.figures.clone()))
                .collect()
        };
        for (name, rows) in [
            ("部门", scoped(&r.departments)),
            ("窗口", scoped(&r.windows)),
            ("人员", scoped(&r.clerks)),
            ("事项", scoped(&r.matters)),
        ] {
            let refs: Vec<(&str, &str, &Figures)> = rows
                .iter()
                .map(|(c, n, f)| (c.as_str(), n.as_str(), f))
                .collect();
            sheet(wb.add_worksheet(), name, &refs)?;
        }
        wb.save_to_buffer()
    };
    build().map_err(|e| CoreError::Internal(anyhow::anyhow!("xlsx: {e}")))
}
