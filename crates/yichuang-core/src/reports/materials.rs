//! 减证便民 figures: per matter and month, how the checklist items of new cases were provided —
//! from the 电子证照库, by 告知承诺, as uploads, or on paper — read from the report counters
//! (`mat:<mode>`, recorded once per case at intake).

use std::collections::BTreeMap;

use serde::Serialize;
use yichuang_domain::account::StaffUser;
use yichuang_store::Center;
use yichuang_store::report::metric;

use super::REPORT_ROLES;
use super::performance::month_bounds;
use crate::access::{require_center, require_role};
use crate::{Core, Result};

/// How the items of one matter's new cases were provided in a month.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct MaterialSources {
    /// Matter code (empty for the center total).
    pub code: String,
    /// Matter name.
    pub name: String,
    /// Satisfied from the licence library.
    pub license: i64,
    /// 告知承诺.
    pub commitment: i64,
    /// Obtained by 部门间数据共享.
    pub shared: i64,
    /// Uploaded online.
    pub upload: i64,
    /// Original or copy on paper.
    pub paper: i64,
    /// 容缺受理 (to follow).
    pub deferred: i64,
}

impl MaterialSources {
    fn add(&mut self, mode: &str, v: i64) {
        match mode {
            "license" => self.license += v,
            "commitment" => self.commitment += v,
            "shared" => self.shared += v,
            "upload" => self.upload += v,
            "original" | "copy" => self.paper += v,
            "deferred" => self.deferred += v,
            _ => {}
        }
    }

    /// Items provided in all.
    pub fn total(&self) -> i64 {
        self.license + self.commitment + self.shared + self.upload + self.paper + self.deferred
    }

    /// Share of items the applicant did not bring on paper (证照库, 承诺, 共享, 上传).
    pub fn paperless_rate(&self) -> f64 {
        let t = self.total();
        if t == 0 {
            0.0
        } else {
            (self.license + self.commitment + self.shared + self.upload) as f64 / t as f64
        }
    }
}

/// The 减证便民 report of a month.
#[derive(Debug, Clone, Serialize)]
pub struct MaterialsReport {
    /// `YYYY-MM`.
    pub month: String,
    /// The center in total.
    pub total: MaterialSources,
    /// Per matter, most items first.
    pub matters: Vec<MaterialSources>,
}

impl Core {
    /// 减证便民 figures of a month (report readers).
    pub async fn materials_report(
        &self,
        user: &StaffUser,
        center: &Center,
        month: &str,
    ) -> Result<MaterialsReport> {
        require_role(user, &REPORT_ROLES)?;
        require_center(user, center.id)?;
        let (from, to) = month_bounds(month)?;
        let counters = self
            .store()
            .report_counters(center.id, from, to, Some("matter"))
            .await?;
        let mut by: BTreeMap<String, MaterialSources> = BTreeMap::new();
        let mut total = MaterialSources::default();
        for c in counters {
            let Some(mode) = c.metric.strip_prefix(metric::MATERIAL) else {
                continue;
            };
            total.add(mode, c.value);
            by.entry(c.dim_key.clone())
                .or_insert_with(|| MaterialSources {
                    code: c.dim_key.clone(),
                    ..Default::default()
                })
                .add(mode, c.value);
        }
        let mut matters: Vec<MaterialSources> = by.into_values().collect();
        for m in &mut matters {
            if let Ok(v) = self.matter(center.id, &m.code).await {
                m.name = v.matter.name;
            }
        }
        matters.sort_by_key(|m| std::cmp::Reverse(m.total()));
        Ok(MaterialsReport {
            month: month.to_owned(),
            total,
            matters,
        })
    }
}

/// The 减证便民 report as an Excel workbook (one sheet, 减证便民).
pub fn materials_xlsx(r: &MaterialsReport) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Workbook, XlsxError};
    let build = || -> std::result::Result<Vec<u8>, XlsxError> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("减证便民")?;
        let head = [
            "事项编码",
            "事项名称",
            "证照库核验",
            "告知承诺",
            "数据共享",
            "网上上传",
            "纸质材料",
            "容缺后补",
            "合计",
            "免交纸质比例",
        ];
        for (c, h) in head.iter().enumerate() {
            ws.write_string(0, u16::try_from(c).unwrap_or(0), *h)?;
        }
        for (row, m) in (1u32..).zip(std::iter::once(&r.total).chain(r.matters.iter())) {
            let name = if m.code.is_empty() {
                "合计"
            } else {
                m.name.as_str()
            };
            ws.write_string(row, 0, &m.code)?;
            ws.write_string(row, 1, name)?;
            for (i, v) in [
                m.license,
                m.commitment,
                m.shared,
                m.upload,
                m.paper,
                m.deferred,
                m.total(),
            ]
            .into_iter()
            .enumerate()
            {
                ws.write_number(row, u16::try_from(i + 2).unwrap_or(0), v as f64)?;
            }
            ws.write_number(row, 9, m.paperless_rate())?;
        }
        wb.save_to_buffer()
    };
    build().map_err(|e| crate::CoreError::Internal(anyhow::anyhow!("xlsx: {e}")))
}
