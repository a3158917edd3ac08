//! Calendar use cases: deadline arithmetic against a center's calendar, and administration.

use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use yichuang_domain::calendar::{Calendar, DayKind, MAX_WORKING_DAYS, WorkDate};

use crate::cache::CHANGED_CALENDAR;
use crate::{Core, CoreError, Result};

/// Earliest and latest years an administrator may edit.
pub const EDITABLE_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

impl Core {
    /// A center's calendar (briefly cached; see [`crate::CACHE_TTL`]).
    pub async fn calendar(&self, center_id: i64) -> Result<Arc<Calendar>> {
        if let Some(cal) = self.calendars.get(&center_id) {
            return Ok(cal);
        }
        let stamp = self.calendars.stamp();
        Ok(self
            .calendars
            .put(stamp, center_id, self.store().calendar(center_id).await?))
    }

    /// `days` working days after `from` on the center's calendar.
    pub async fn add_working_days(
        &self,
        center_id: i64,
        from: NaiveDate,
        days: i64,
    ) -> Result<WorkDate> {
        if !(0..=MAX_WORKING_DAYS).contains(&days) {
            return Err(CoreError::invalid(
                "days",
                format!("工作日天数应在 0 至 {MAX_WORKING_DAYS} 之间"),
            ));
        }
        self.calendar(center_id)
            .await?
            .add_working_days(from, days)
            .ok_or_else(|| CoreError::invalid("from", "日期超出可计算范围"))
    }

    /// Sets a day to holiday or working day, or back to the default rule (`None`).
    pub async fn set_calendar_day(
        &self,
        center_id: i64,
        day: NaiveDate,
        kind: Option<DayKind>,
        note: &str,
        actor: &str,
    ) -> Result<()> {
        if !EDITABLE_YEARS.contains(&day.year()) {
            return Err(CoreError::invalid(
                "day",
                "日期超出可维护范围（2000—2100年）",
            ));
        }
        let note = note.trim();
        if note.chars().count() > 50 {
            return Err(CoreError::invalid("note", "备注最多 50 个字"));
        }
        self.store()
            .set_calendar_day(center_id, day, kind, note, &self.ctx(actor))
            .await?;
        self.reference_data_changed(CHANGED_CALENDAR).await;
        tracing::info!(center_id, %day, kind = kind.map_or("default", DayKind::code), "calendar day set");
        Ok(())
    }

    /// Marks a year's official schedule as entered, so its deadlines are no longer provisional.
    pub async fn set_calendar_year(
        &self,
        center_id: i64,
        year: i32,
        loaded: bool,
        actor: &str,
    ) -> Result<()> {
        if !EDITABLE_YEARS.contains(&year) {
            return Err(CoreError::invalid(
                "year",
                "年份超出可维护范围（2000—2100年）",
            ));
        }
        self.store()
            .set_calendar_year(center_id, year, loaded, &self.ctx(actor))
            .await?;
        self.reference_data_changed(CHANGED_CALENDAR).await;
        Ok(())
    }
}
