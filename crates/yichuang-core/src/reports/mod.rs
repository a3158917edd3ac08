//! Reports (日报、绩效) read from the report counters: a report reads the counter rows of its days,
//! never the cases, so it costs the same for a hall with a thousand cases or ten million.

pub mod activity;
mod bulletin;
pub mod hall;
mod materials;
mod performance;
pub mod staffing;
pub mod workload;
mod xlsx;

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::Serialize;
use yichuang_domain::account::{Role, StaffUser};
use yichuang_domain::evaluation::Level;
use yichuang_store::report::{Counter, WAIT_CAP, metric};
use yichuang_store::{Center, MatterFilter, RectificationFilter};

use crate::access::{require_center, require_role};
use crate::evaluations::{RectificationRates, rectification_rates};
use crate::{Core, Result};

pub use bulletin::{Bulletin, BulletinRow, bulletin_xlsx};
pub use materials::{MaterialSources, MaterialsReport, materials_xlsx};
pub use performance::{
    PerformanceFormula, PerformanceRates, PerformanceReport, PerformanceRow, month_bounds,
    performance_xlsx,
};
pub use xlsx::{daily_xlsx, workload_xlsx};

/// Roles that read reports.
pub const REPORT_ROLES: [Role; 3] = [Role::Admin, Role::Supervisor, Role::DeptHead];

/// Ticket figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TicketFigures {
    /// Issued.
    pub issued: i64,
    /// Served to the end.
    pub served: i64,
    /// No-shows.
    pub no_show: i64,
    /// Average wait of served tickets, minutes (one decimal).
    pub avg_wait_minutes: Option<f64>,
    /// 90th percentile wait (nearest rank over whole minutes).
    pub p90_wait_minutes: Option<i64>,
}

/// Case figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CaseFigures {
    /// Received.
    pub received: i64,
    /// Accepted (including deemed acceptance).
    pub accepted: i64,
    /// Refused.
    pub refused: i64,
    /// Correction notices issued.
    pub correction_requested: i64,
    /// Concluded with approval.
    pub concluded_approved: i64,
    /// Concluded with denial.
    pub concluded_denied: i64,
    /// Delivered.
    pub delivered: i64,
    /// Concluded within the promised limit.
    pub on_time: i64,
    /// Concluded after it.
    pub overdue: i64,
    /// Received by channel (`window`, `online`).
    pub by_channel: BTreeMap<String, i64>,
}

/// Evaluation counts by level.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LevelCounts {
    /// 非常满意.
    pub very_satisfied: i64,
    /// 满意.
    pub satisfied: i64,
    /// 基本满意.
    pub basically_satisfied: i64,
    /// 不满意.
    pub dissatisfied: i64,
    /// 非常不满意.
    pub very_dissatisfied: i64,
}

impl LevelCounts {
    fn get(&self, l: Level) -> i64 {
        match l {
            Level::VerySatisfied => self.very_satisfied,
            Level::Satisfied => self.satisfied,
            Level::BasicallySatisfied => self.basically_satisfied,
            Level::Dissatisfied => self.dissatisfied,
            Level::VeryDissatisfied => self.very_dissatisfied,
        }
    }

    fn slot(&mut self, l: Level) -> &mut i64 {
        match l {
            Level::VerySatisfied => &mut self.very_satisfied,
            Level::Satisfied => &mut self.satisfied,
            Level::BasicallySatisfied => &mut self.basically_satisfied,
            Level::Dissatisfied => &mut self.dissatisfied,
            Level::VeryDissatisfied => &mut self.very_dissatisfied,
        }
    }
}

/// Evaluation figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EvaluationFigures {
    /// All evaluations.
    pub total: i64,
    /// By level.
    pub by_level: LevelCounts,
    /// 满意率 (非常满意 + 满意 + 基本满意 over all).
    pub satisfaction_rate: Option<f64>,
}

/// The figures of one scope (the center, a department, a window, a clerk or a matter).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    /// Tickets.
    pub tickets: TicketFigures,
    /// Cases.
    pub cases: CaseFigures,
    /// Evaluations.
    pub evaluations: EvaluationFigures,
    /// Rectifications opened, called back, completed, completed on time, voided.
    pub rectifications: RectificationCounts,
    /// 督办 orders issued and escalated for a late reply.
    pub orders: OrderCounts,
    /// Light changes recorded by the 电子监察 sweep.
    pub lights: LightCounts,
}

/// Light changes recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LightCounts {
    /// Turned yellow.
    pub yellow: i64,
    /// Turned red.
    pub red: i64,
    /// Passed the legal deadline.
    pub legal_overdue: i64,
}

/// Rectification counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RectificationCounts {
    /// Opened.
    pub opened: i64,
    /// Called back.
    pub called_back: i64,
    /// Completed.
    pub completed: i64,
    /// Completed by the due date.
    pub completed_on_time: i64,
    /// Voided by an upheld appeal.
    pub voided: i64,
}

/// Order counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OrderCounts {
    /// Issued.
    pub issued: i64,
    /// Escalated for a late reply.
    pub late: i64,
}

impl Figures {
    /// Folds counter values (metric → value) into figures.
    pub fn from_metrics(m: &HashMap<String, i64>) -> Self {
        let g = |k: &str| m.get(k).copied().unwrap_or(0);
        let wait_n = g(metric::WAIT_N);
        let mut hist: Vec<(i64, i64)> = m
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix(metric::WAIT_HIST)
                    .and_then(|b| b.parse::<i64>().ok())
                    .map(|b| (b.min(WAIT_CAP), *v))
            })
            .collect();
        hist.sort_unstable();
        #[allow(clippy::cast_precision_loss)]
        let avg = (wait_n > 0)
            .then(|| (g(metric::WAIT_SUM) as f64 / wait_n as f64 / 60.0 * 10.0).round() / 10.0);
        let p90 = (wait_n > 0).then(|| {
            // Nearest rank: the smallest bucket whose cumulative count reaches ⌈0.9·n⌉.
            let rank = (wait_n * 9 + 9) / 10;
            let mut seen = 0;
            hist.iter()
                .find(|(_, n)| {
                    seen += n;
                    seen >= rank
                })
                .map_or(0, |(b, _)| *b)
        });
        let mut by_level = LevelCounts::default();
        for l in Level::ALL {
            *by_level.slot(l) = g(&format!("{}{}", metric::EVAL, l.code()));
        }
        let counts: Vec<(Level, i64)> = Level::ALL.iter().map(|l| (*l, by_level.get(*l))).collect();
        let by_channel = m
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix(metric::RECEIVED_BY)
                    .map(|c| (c.to_owned(), *v))
            })
            .collect();
        Self {
            tickets: TicketFigures {
                issued: g(metric::TICKETS_ISSUED),
                served: g(metric::TICKETS_SERVED),
                no_show: g(metric::TICKETS_NO_SHOW),
                avg_wait_minutes: avg,
                p90_wait_minutes: p90,
            },
            cases: CaseFigures {
                received: g(metric::RECEIVED),
                accepted: g(metric::ACCEPTED),
                refused: g(metric::REFUSED),
                correction_requested: g(metric::CORRECTION),
                concluded_approved: g(metric::APPROVED),
                concluded_denied: g(metric::DENIED),
                delivered: g(metric::DELIVERED),
                on_time: g(metric::ON_TIME),
                overdue: g(metric::OVERDUE),
                by_channel,
            },
            evaluations: EvaluationFigures {
                total: counts.iter().map(|(_, n)| n).sum(),
                by_level,
                satisfaction_rate: yichuang_domain::evaluation::satisfaction_rate(&counts)
                    .map(|r| (r * 10_000.0).round() / 10_000.0),
            },
            rectifications: RectificationCounts {
                opened: g(metric::RECT_OPENED),
                called_back: g(metric::RECT_CALLBACK),
                completed: g(metric::RECT_COMPLETED),
                completed_on_time: g(metric::RECT_ON_TIME),
                voided: g(metric::RECT_VOIDED),
            },
            orders: OrderCounts {
                issued: g(metric::ORDERS),
                late: g(metric::ORDERS_LATE),
            },
            lights: LightCounts {
                yellow: g(&format!("{}yellow", metric::LIGHT)),
                red: g(&format!("{}red", metric::LIGHT)),
                legal_overdue: g(&format!("{}legal_overdue", metric::LIGHT)),
            },
        }
    }
}

/// One row of a breakdown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScopeRow {
    /// Code (department, window, matter) or username (clerk).
    pub code: String,
    /// Name.
    pub name: String,
    /// Figures.
    #[serde(flatten)]
    pub figures: Figures,
}

/// The center a report is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CenterRef {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// A report over a period of days (the 日报 when `from == to`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodReport {
    /// First day (the date of a daily report).
    pub date: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Center.
    pub center: CenterRef,
    /// Center totals.
    #[serde(flatten)]
    pub total: Figures,
    /// Per department.
    pub departments: Vec<ScopeRow>,
    /// Per window.
    pub windows: Vec<ScopeRow>,
    /// Per clerk.
    pub clerks: Vec<ScopeRow>,
    /// Per matter.
    pub matters: Vec<ScopeRow>,
    /// 差评整改 rates of the rectifications opened in the period, as of today.
    pub rectification_rates: RectificationRates,
    /// The head of the center's audit chain when the 日报 was made (`链号:序号:哈希`): printed
    /// and sent with the report, it lets `yichuang audit verify --anchor` prove later that the
    /// log was not rewritten since. Only on a single center's 日报.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_anchor: Option<String>,
}

/// Groups counters into (dim, key) → metric → value.
pub(crate) fn group(counters: &[Counter]) -> BTreeMap<(String, String), HashMap<String, i64>> {
    let mut out: BTreeMap<(String, String), HashMap<String, i64>> = BTreeMap::new();
    for c in counters {
        *out.entry((c.dim.clone(), c.dim_key.clone()))
            .or_default()
            .entry(c.metric.clone())
            .or_insert(0) += c.value;
    }
    out
}

impl Core {
    /// Names of departments, windows, clerks and matters of a center, by dimension and code.
    pub(crate) async fn scope_names(
        &self,
        center_id: i64,
    ) -> Result<HashMap<(&'static str, String), String>> {
        let mut names = HashMap::new();
        for (d, _) in self.store().departments(center_id).await? {
            names.insert(("department", d.code), d.name);
        }
        for w in self.windows(center_id).await?.iter() {
            names.insert(("window", w.code.clone()), w.name.clone());
        }
        // Only staff are "clerks": an online applicant's own actions (their username is
        // their phone) are not window work and must not be listed, let alone by phone number.
        for u in self.store().users(center_id).await? {
            if !u.user.is_applicant() {
                names.insert(("clerk", u.user.username), u.user.display_name);
            }
        }
        let filter = MatterFilter {
            limit: 100_000,
            ..MatterFilter::default()
        };
        for m in self.store().list_matters(center_id, &filter).await?.0 {
            names.insert(("matter", m.code), m.name);
        }
        Ok(names)
    }

    /// The report of a center for the days `from..=to`, from the counters.
    pub async fn period_report(
        &self,
        center: &Center,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<PeriodReport> {
        let label = CenterRef {
            code: center.code.clone(),
            name: center.name.clone(),
        };
        self.period_report_over(std::slice::from_ref(center), label, from, to)
            .await
    }

    /// The report of several centers summed (a city with its sub-centers and townships): the
    /// counters of each are added, so the roll-up equals the sum of the parts by construction.
    pub async fn period_report_over(
        &self,
        centers: &[Center],
        label: CenterRef,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<PeriodReport> {
        let mut counters = Vec::new();
        let mut names = HashMap::new();
        for c in centers {
            counters.extend(self.store().report_counters(c.id, from, to, None).await?);
            names.extend(self.scope_names(c.id).await?);
        }
        let grouped = group(&counters);
        let mut report = PeriodReport {
            date: from,
            to,
            center: label,
            total: Figures::default(),
            departments: Vec::new(),
            windows: Vec::new(),
            clerks: Vec::new(),
            matters: Vec::new(),
            rectification_rates: RectificationRates::default(),
            audit_anchor: None,
        };
        for ((dim, key), metrics) in &grouped {
            let figures = Figures::from_metrics(metrics);
            let (list, dim_name): (&mut Vec<ScopeRow>, &'static str) = match dim.as_str() {
                "center" => {
                    report.total = figures;
                    continue;
                }
                "department" => (&mut report.departments, "department"),
                "window" => (&mut report.windows, "window"),
                "clerk" => (&mut report.clerks, "clerk"),
                "matter" => (&mut report.matters, "matter"),
                _ => continue,
            };
            let name = match names.get(&(dim_name, key.clone())) {
                Some(n) => n.clone(),
                None if dim_name == "clerk" => continue,
                None => key.clone(),
            };
            list.push(ScopeRow {
                code: key.clone(),
                name,
                figures,
            });
        }
        let mut rects = Vec::new();
        for c in centers {
            rects.extend(
                self.store()
                    .rectifications(&RectificationFilter {
                        center_id: c.id,
                        opened_from: Some(from),
                        opened_to: Some(to),
                        limit: 10_000,
                        ..RectificationFilter::default()
                    })
                    .await?,
            );
        }
        report.rectification_rates = rectification_rates(&rects, self.clock().today());
        Ok(report)
    }

    /// The 日报 of a center for a date, for a reader of reports. A department head sees only
    /// their department's row.
    pub async fn daily_report(
        &self,
        user: &StaffUser,
        center: &Center,
        date: NaiveDate,
    ) -> Result<PeriodReport> {
        require_role(user, &REPORT_ROLES)?;
        if !self.may_oversee(user, center).await? {
            require_center(user, center.id)?;
        }
        let mut r = self.period_report(center, date, date).await?;
        restrict(user, &mut r);
        r.audit_anchor = self
            .audit_anchor_of(center.id)
            .await?
            .map(|h| h.to_string());
        Ok(r)
    }

    /// The 日报 of the user's center rolled up with every center below it (`center=all`).
    pub async fn daily_report_rollup(
        &self,
        user: &StaffUser,
        date: NaiveDate,
    ) -> Result<PeriodReport> {
        require_role(user, &REPORT_ROLES)?;
        let own = self
            .centers()
            .await?
            .into_iter()
            .find(|c| c.id == user.center_id)
            .ok_or_else(|| crate::CoreError::NotFound("中心不存在".into()))?;
        let all = self.center_and_below(&own).await?;
        let label = CenterRef {
            code: "all".into(),
            name: format!("{}（含下属 {} 个中心）", own.name, all.len() - 1),
        };
        let mut r = self.period_report_over(&all, label, date, date).await?;
        restrict(user, &mut r);
        Ok(r)
    }

    /// Recomputes every report counter from the event log; returns the events replayed.
    pub async fn rebuild_reports(&self, progress: yichuang_store::Progress<'_>) -> Result<u64> {
        Ok(self
            .store()
            .rebuild_reports(&self.ctx("cli"), progress)
            .await?)
    }
}

/// Keeps a department head's view to their department.
fn restrict(user: &StaffUser, r: &mut PeriodReport) {
    if user.has_any_role(&[Role::Admin, Role::Supervisor]) {
        return;
    }
    let own = user.department.clone().unwrap_or_default();
    r.departments.retain(|d| d.code == own);
    r.windows.clear();
    r.clerks.clear();
    r.matters.clear();
}
