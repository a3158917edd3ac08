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

/// The workload report as a workbook: 窗口, 人员, 事项, 分时等候.
pub fn workload_xlsx(r: &super::workload::WorkloadReport) -> Result<Vec<u8>> {
    use super::workload::Handling;
    let build = || -> std::result::Result<Vec<u8>, XlsxError> {
        let mut wb = Workbook::new();
        let bold = Format::new().set_bold();
        let opt = |ws: &mut Worksheet, row: u32, col: u16, v: Option<f64>| {
            if let Some(v) = v {
                ws.write_number(row, col, (v * 10.0).round() / 10.0)?;
            }
            Ok::<(), XlsxError>(())
        };
        let handling = |ws: &mut Worksheet, row: u32, col: u16, h: &Handling| {
            #[allow(clippy::cast_precision_loss)]
            ws.write_number(row, col, h.served as f64)?;
            opt(ws, row, col + 1, h.mean_min)?;
            opt(ws, row, col + 2, h.p90_min)
        };
        let headers = |ws: &mut Worksheet, name: &str, hs: &[&str]| {
            ws.set_name(name)?;
            for (col, h) in (0u16..).zip(hs) {
                ws.write_string_with_format(0, col, *h, &bold)?;
            }
            ws.set_column_width(1, 24)?;
            ws.set_freeze_panes(1, 2).map(|_| ())
        };
        let ws = wb.add_worksheet();
        headers(
            ws,
            "窗口",
            &[
                "编码",
                "名称",
                "服务完成",
                "平均办理(分钟)",
                "P90办理(分钟)",
                "过号",
                "受理办件",
                "服务(分钟)",
                "暂停(分钟)",
                "空闲(分钟)",
            ],
        )?;
        for (row, w) in (1u32..).zip(&r.windows) {
            ws.write_string(row, 0, &w.code)?;
            ws.write_string(row, 1, &w.name)?;
            handling(ws, row, 2, &w.handling)?;
            #[allow(clippy::cast_precision_loss)]
            ws.write_number(row, 5, w.no_shows as f64)?;
            #[allow(clippy::cast_precision_loss)]
            ws.write_number(row, 6, w.cases_accepted as f64)?;
            ws.write_number(row, 7, w.serving_min.round())?;
            ws.write_number(row, 8, w.paused_min.round())?;
            ws.write_number(row, 9, w.idle_min.round())?;
        }
        let ws = wb.add_worksheet();
        headers(
            ws,
            "人员",
            &[
                "账号",
                "姓名",
                "服务完成",
                "平均办理(分钟)",
                "P90办理(分钟)",
                "受理办件",
            ],
        )?;
        for (row, p) in (1u32..).zip(&r.people) {
            ws.write_string(row, 0, &p.username)?;
            ws.write_string(row, 1, &p.name)?;
            handling(ws, row, 2, &p.handling)?;
            #[allow(clippy::cast_precision_loss)]
            ws.write_number(row, 5, p.cases_accepted as f64)?;
        }
        let ws = wb.add_worksheet();
        headers(
            ws,
            "事项",
            &[
                "编码",
                "名称",
                "窗口办理次数",
                "平均办理(分钟)",
                "P90办理(分钟)",
            ],
        )?;
        for (row, m) in (1u32..).zip(&r.matters) {
            ws.write_string(row, 0, &m.code)?;
            ws.write_string(row, 1, &m.name)?;
            handling(ws, row, 2, &m.handling)?;
        }
        let ws = wb.add_worksheet();
        headers(
            ws,
            "分时等候",
            &[
                "队列",
                "名称",
                "时段",
                "叫号",
                "平均等候(分钟)",
                "P90等候(分钟)",
            ],
        )?;
        let mut row = 1u32;
        for q in &r.queues {
            for (h, x) in q.hours.iter().enumerate().filter(|(_, x)| x.served > 0) {
                ws.write_string(row, 0, &q.code)?;
                ws.write_string(row, 1, &q.name)?;
                ws.write_string(row, 2, format!("{h:02}:00–{:02}:00", h + 1))?;
                handling(ws, row, 3, x)?;
                row += 1;
            }
        }
        wb.save_to_buffer()
    };
    build().map_err(|e| CoreError::Internal(anyhow::anyhow!("xlsx: {e}")))
}
