//! 通报: the monthly bulletin of overdue cases and late 督办 replies per department, with an
//! Excel export.

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Serialize;
use yichuang_domain::account::StaffUser;
use yichuang_store::Center;

use super::{REPORT_ROLES, month_bounds};
use crate::access::{require_center, require_role};
use crate::{Core, CoreError, Result};

/// One department's line of the bulletin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BulletinRow {
    /// Department code.
    pub code: String,
    /// Department name.
    pub name: String,
    /// Cases concluded after the promised limit.
    pub overdue_concluded: i64,
    /// Cases that turned red during the month.
    pub turned_red: i64,
    /// Cases that passed the legal deadline during the month.
    pub legal_overdue: i64,
    /// 督办 orders issued.
    pub orders: i64,
    /// Orders answered late (escalated).
    pub late_replies: i64,
    /// Bad reviews (不满意 + 非常不满意).
    pub bad_reviews: i64,
}

/// The bulletin of a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bulletin {
    /// `YYYY-MM`.
    pub month: String,
    /// Center name.
    pub center: String,
    /// Departments with anything to report, worst first.
    pub departments: Vec<BulletinRow>,
}

impl Core {
    /// The 通报 of a month.
    pub async fn bulletin(
        &self,
        user: &StaffUser,
        center: &Center,
        month: &str,
    ) -> Result<Bulletin> {
        require_role(user, &REPORT_ROLES)?;
        require_center(user, center.id)?;
        let (from, to) = month_bounds(month)?;
        let r = self.period_report(center, from, to).await?;
        let mut departments: Vec<BulletinRow> = r
            .departments
            .into_iter()
            .map(|d| {
                let f = &d.figures;
                BulletinRow {
                    code: d.code,
                    name: d.name,
                    overdue_concluded: f.cases.overdue,
                    turned_red: f.lights.red,
                    legal_overdue: f.lights.legal_overdue,
                    orders: f.orders.issued,
                    late_replies: f.orders.late,
                    bad_reviews: f.evaluations.by_level.dissatisfied
                        + f.evaluations.by_level.very_dissatisfied,
                }
            })
            .filter(|b| {
                b.overdue_concluded
                    + b.turned_red
                    + b.legal_overdue
                    + b.late_replies
                    + b.bad_reviews
                    > 0
            })
            .collect();
        departments.sort_by(|a, b| {
            (
                b.overdue_concluded + b.legal_overdue,
                b.late_replies,
                &a.code,
            )
                .cmp(&(
                    a.overdue_concluded + a.legal_overdue,
                    a.late_replies,
                    &b.code,
                ))
        });
        Ok(Bulletin {
            month: month.to_owned(),
            center: center.name.clone(),
            departments,
        })
    }
}

/// The bulletin as a workbook (sheet 通报).
pub fn bulletin_xlsx(b: &Bulletin) -> Result<Vec<u8>> {
    let build = || -> std::result::Result<Vec<u8>, XlsxError> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("通报")?;
        let bold = Format::new().set_bold();
        ws.write_string_with_format(0, 0, format!("{} {} 月度通报", b.center, b.month), &bold)?;
        let headers = [
            "部门",
            "超期办结",
            "亮红灯",
            "超法定期限",
            "督办单",
            "逾期回复",
            "差评",
        ];
        for (c, h) in (0u16..).zip(headers) {
            ws.write_string_with_format(1, c, h, &bold)?;
        }
        #[allow(clippy::cast_precision_loss)]
        for (r, d) in (2u32..).zip(&b.departments) {
            ws.write_string(r, 0, &d.name)?;
            for (c, v) in (1u16..).zip([
                d.overdue_concluded,
                d.turned_red,
                d.legal_overdue,
                d.orders,
                d.late_replies,
                d.bad_reviews,
            ]) {
                ws.write_number(r, c, v as f64)?;
            }
        }
        ws.set_column_width(0, 30)?;
        wb.save_to_buffer()
    };
    build().map_err(|e| CoreError::Internal(anyhow::anyhow!("xlsx: {e}")))
}
