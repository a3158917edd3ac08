//! The 电子监察 board: counts by light and department, the red and yellow lists, the forecast
//! ("what turns red by Friday?") and the trend of recorded light changes.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use serde::Serialize;
use yichuang_domain::account::StaffUser;
use yichuang_domain::clock::shanghai_date;

use std::collections::HashMap;

use yichuang_domain::account::Role;
use yichuang_store::board::LightQuery;

use crate::access::require_role;
use crate::{Core, Result};

/// One case on the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    /// Case number.
    pub case_no: String,
    /// Matter name.
    pub matter_name: String,
    /// Responsible department code.
    pub department: String,
    /// Department name.
    pub department_name: String,
    /// `green`, `yellow` or `red`.
    pub light: String,
    /// Past the legal deadline.
    pub legal_overdue: bool,
    /// Promised due date.
    pub due_promised: Option<NaiveDate>,
    /// Working days left (negative when late).
    pub remaining_days: i64,
}

/// Counts by light.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LightTally {
    /// Code (department) or empty (center).
    pub code: String,
    /// Name.
    pub name: String,
    /// Green.
    pub green: u64,
    /// Yellow.
    pub yellow: u64,
    /// Red.
    pub red: u64,
    /// Of the red, past the legal deadline.
    pub legal_overdue: u64,
}

/// One day of the trend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrendDay {
    /// Day.
    pub day: NaiveDate,
    /// Cases that turned yellow.
    pub yellow: i64,
    /// Cases that turned red.
    pub red: i64,
}

/// The board.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Board {
    /// As of.
    pub at: DateTime<Utc>,
    /// Center totals.
    pub total: LightTally,
    /// Per department, most red first.
    pub departments: Vec<LightTally>,
    /// The listed cases (red then yellow, or the filtered level), most urgent first.
    pub alerts: Vec<Alert>,
    /// The forecast instant (Friday 17:30 of this week, or next week's on a weekend).
    pub forecast_at: DateTime<Utc>,
    /// Cases not red now that will be red then.
    pub turning_red: Vec<Alert>,
    /// Light changes recorded per day over the last 14 days.
    pub trend: Vec<TrendDay>,
    /// Received cases whose 5-working-day window for a correction notice has passed (or ends
    /// today) without a notice or an acceptance: they count as accepted on receipt.
    pub correction_overdue: Vec<PendingIntake>,
    /// Tickets waiting longer than [`Board::long_wait_minutes`].
    pub long_waits: Vec<LongWait>,
    /// The waiting threshold in minutes.
    pub long_wait_minutes: i64,
}

/// A received case still without a correction notice or an acceptance decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingIntake {
    /// Case number.
    pub case_no: String,
    /// Matter name.
    pub matter_name: String,
    /// Accepting window.
    pub window: String,
    /// Last day for a correction notice.
    pub correction_due: NaiveDate,
    /// The window has passed (not just ending today).
    pub lapsed: bool,
}

/// A ticket waiting too long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LongWait {
    /// Number shown.
    pub number: String,
    /// Window group.
    pub group: String,
    /// Minutes waited so far.
    pub minutes: i64,
}

/// Friday 17:30 in Shanghai of the week of `today` (next week's from Saturday on).
pub fn next_friday(today: NaiveDate) -> DateTime<Utc> {
    let ahead =
        (Weekday::Fri.num_days_from_monday() + 7 - today.weekday().num_days_from_monday()) % 7;
    let friday = today + Duration::days(i64::from(ahead));
    let local = friday.and_hms_opt(17, 30, 0).unwrap_or_default();
    chrono_tz::Asia::Shanghai
        .from_local_datetime(&local)
        .earliest()
        .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
}

/// What the board lists.
#[derive(Debug, Clone, Default)]
pub struct BoardFilter {
    /// `green`, `yellow`, `red`, `legal_overdue`; `None` lists red and yellow.
    pub level: Option<String>,
    /// Department code.
    pub department: Option<String>,
    /// At most this many per list.
    pub limit: u32,
}

impl Core {
    async fn alerts_of(
        &self,
        q: &LightQuery,
        names: &HashMap<(&'static str, String), String>,
        cal: &yichuang_domain::calendar::Calendar,
    ) -> Result<Vec<Alert>> {
        Ok(self
            .store()
            .light_cases(q)
            .await?
            .into_iter()
            .map(|r| {
                let name = |dim: &'static str, code: &str| {
                    names
                        .get(&(dim, code.to_owned()))
                        .cloned()
                        .unwrap_or_else(|| code.to_owned())
                };
                Alert {
                    matter_name: name("matter", &r.matter_code),
                    department_name: name("department", &r.department),
                    light: r.light().to_owned(),
                    legal_overdue: r.legal_overdue(),
                    remaining_days: cal.working_days_between(r.effective_day, r.due_promised).0,
                    due_promised: Some(r.due_promised),
                    department: r.department,
                    case_no: r.case_no,
                }
            })
            .collect())
    }

    /// The board as of `at` (supervisors and admins), counted and listed in SQL over the
    /// derived deadline columns.
    pub async fn board(
        &self,
        user: &StaffUser,
        at: DateTime<Utc>,
        filter: &BoardFilter,
    ) -> Result<Board> {
        require_role(user, &[Role::Supervisor, Role::Admin])?;
        let center_id = user.center_id;
        let names = self.scope_names(center_id).await?;
        let cal = self.calendar(center_id).await?;
        let day = shanghai_date(at);
        let forecast_at = next_friday(day);
        let department = filter.department.clone().unwrap_or_default();
        let limit = if filter.limit == 0 { 500 } else { filter.limit };
        let query = |level: &str| LightQuery {
            center_id,
            day,
            level: level.to_owned(),
            later: shanghai_date(forecast_at),
            department: department.clone(),
            limit,
        };
        let mut alerts = Vec::new();
        match filter.level.as_deref() {
            Some(level) => alerts = self.alerts_of(&query(level), &names, &cal).await?,
            None => {
                for level in ["red", "yellow"] {
                    alerts.extend(self.alerts_of(&query(level), &names, &cal).await?);
                }
            }
        }
        let turning_red = self.alerts_of(&query("turning_red"), &names, &cal).await?;
        let mut total = LightTally::default();
        let mut departments: Vec<LightTally> = self
            .store()
            .light_board(center_id, day, None)
            .await?
            .into_iter()
            .map(|d| LightTally {
                name: names
                    .get(&("department", d.department.clone()))
                    .cloned()
                    .unwrap_or_else(|| d.department.clone()),
                code: d.department,
                green: u64::try_from(d.green).unwrap_or(0),
                yellow: u64::try_from(d.yellow).unwrap_or(0),
                red: u64::try_from(d.red).unwrap_or(0),
                legal_overdue: u64::try_from(d.legal_overdue).unwrap_or(0),
            })
            .inspect(|d| {
                total.green += d.green;
                total.yellow += d.yellow;
                total.red += d.red;
                total.legal_overdue += d.legal_overdue;
            })
            .collect();
        departments.sort_by(|a, b| (b.red, b.yellow, &a.code).cmp(&(a.red, a.yellow, &b.code)));
        let from = day - Duration::days(13);
        let counters = self
            .store()
            .report_counters(center_id, from, day, Some("center"))
            .await?;
        let trend = (0..14)
            .map(|i| {
                let d = from + Duration::days(i);
                let get = |m: &str| {
                    counters
                        .iter()
                        .filter(|c| c.day == d && c.metric == m)
                        .map(|c| c.value)
                        .sum()
                };
                TrendDay {
                    day: d,
                    yellow: get("light:yellow"),
                    red: get("light:red"),
                }
            })
            .collect();
        let received = self
            .store()
            .list_cases(&yichuang_store::CaseFilter {
                center_id,
                status: Some(yichuang_domain::case::CaseStatus::Received),
                limit: 1000,
                ..Default::default()
            })
            .await?;
        let correction_overdue = received
            .into_iter()
            .filter(|c| c.case.correction_requested_at.is_none() && c.index.correction_due <= day)
            .map(|c| PendingIntake {
                case_no: c.case.case_no().to_owned(),
                matter_name: c.case.received.matter_name.clone(),
                window: c.case.received.window.clone(),
                correction_due: c.index.correction_due,
                lapsed: c.index.correction_due < day,
            })
            .collect();
        let threshold = self.queue.long_wait_minutes;
        let mut long_waits: Vec<LongWait> = self
            .store()
            .tickets(
                center_id,
                day,
                &[yichuang_domain::queue::TicketStatus::Waiting],
            )
            .await?
            .into_iter()
            .map(|t| LongWait {
                minutes: (at - t.queue_at.max(t.callable_at)).num_minutes(),
                number: t.number,
                group: t.group,
            })
            .filter(|w| w.minutes > threshold)
            .collect();
        long_waits.sort_by_key(|w| std::cmp::Reverse(w.minutes));
        Ok(Board {
            at,
            total,
            departments,
            alerts,
            forecast_at,
            turning_red,
            trend,
            correction_overdue,
            long_waits,
            long_wait_minutes: threshold,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forecast_is_this_weeks_friday_evening() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let shown = |t: DateTime<Utc>| yichuang_domain::clock::to_shanghai(t).naive_local();
        assert_eq!(
            shown(next_friday(d(11, 2))),
            d(11, 6).and_hms_opt(17, 30, 0).unwrap()
        );
        assert_eq!(
            shown(next_friday(d(11, 6))),
            d(11, 6).and_hms_opt(17, 30, 0).unwrap()
        );
        assert_eq!(
            shown(next_friday(d(11, 7))),
            d(11, 13).and_hms_opt(17, 30, 0).unwrap()
        );
    }
}
