//! 窗口配置测算: how many windows each queue needs per hour, from the hall's own history.
//!
//! The arrivals and service times are the tickets of the chosen days; the plan in force is what
//! the windows really did ([`HallDay::open_windows`], averaged over the days). The proposal is
//! `yichuang_staffing::propose` (Erlang C, confirmed by a replay of the same arrivals); the
//! validation replays each day under the windows it really had and compares the waits with the
//! measured ones, so a reader sees how far to trust the model on this hall's data.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Serialize;
use yichuang_domain::account::{Role, StaffUser};
use yichuang_staffing::{
    Arrival, DAY_MIN, MeasuredTicket, Proposal, ProposeOptions, ServiceTimes, ValidateOptions,
    Validation, WindowPlan,
};

use super::hall::{HallHistory, check_range};
use crate::access::require_role;
use crate::{Core, CoreError, Result};

/// Roles that read the staffing proposal (it is about the whole hall's staff).
pub const STAFFING_ROLES: [Role; 2] = [Role::Admin, Role::Supervisor];

/// The p90 waits a proposal may aim at, minutes.
pub const TARGET_RANGE: std::ops::RangeInclusive<f64> = 1.0..=120.0;

/// A staffing proposal over a date range.
#[derive(Debug, Clone, Serialize)]
pub struct StaffingReport {
    /// First day read.
    pub from: NaiveDate,
    /// Last day read.
    pub to: NaiveDate,
    /// The p90 wait aimed at, minutes.
    pub target_wait_min: f64,
    /// Days with tickets.
    pub days: usize,
    /// Tickets read.
    pub tickets: usize,
    /// Queue code → name.
    pub queue_names: BTreeMap<String, String>,
    /// Queue code → windows (counters) it has.
    pub counters: BTreeMap<String, u32>,
    /// Queues left out: no ticket of theirs was ever served, so there is no service time.
    pub unmeasured_queues: Vec<String>,
    /// The proposal; `None` when the range has no served ticket.
    pub proposal: Option<Proposal>,
    /// The replay of the same days under the plan in force against the measured waits.
    pub validation: Option<Validation>,
}

/// The plan in force: per queue and hour the windows open, averaged over the days and rounded.
pub fn plan_in_force(history: &HallHistory) -> WindowPlan {
    let mut sums: BTreeMap<String, [u32; 24]> = BTreeMap::new();
    for day in &history.days {
        for (queue, row) in day.open_windows(&history.window_groups) {
            let acc = sums.entry(queue).or_insert([0; 24]);
            for (a, n) in acc.iter_mut().zip(row) {
                *a += n;
            }
        }
    }
    let mut plan = WindowPlan::new();
    #[allow(clippy::cast_precision_loss)]
    let days = history.days.len().max(1) as f64;
    for (queue, row) in sums {
        for (hour, n) in row.into_iter().enumerate() {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let mean = (f64::from(n) / days).round() as u32;
            plan.set(&queue, hour, mean);
        }
    }
    plan
}

/// The measured days of a history, for the proposal and the validation: every ticket of a queue
/// that has at least one measured service time; arrivals are clamped into the day.
pub fn measured_days(history: &HallHistory) -> (Vec<Vec<MeasuredTicket>>, Vec<String>) {
    let measured: BTreeSet<&str> = history
        .days
        .iter()
        .flat_map(|d| &d.tickets)
        .filter(|t| t.service_min().is_some())
        .map(|t| t.queue.as_str())
        .collect();
    let all: BTreeSet<&str> = history
        .days
        .iter()
        .flat_map(|d| &d.tickets)
        .map(|t| t.queue.as_str())
        .collect();
    let unmeasured = all.difference(&measured).map(|q| (*q).to_owned()).collect();
    let days = history
        .days
        .iter()
        .map(|d| {
            d.tickets
                .iter()
                .filter(|t| measured.contains(t.queue.as_str()))
                .map(|t| MeasuredTicket {
                    arrival: Arrival {
                        queue: t.queue.clone(),
                        at_min: t.arrived_min.clamp(0.0, DAY_MIN - 1e-6),
                        service_min: t.service_min(),
                    },
                    wait_min: t.wait_min(),
                })
                .collect()
        })
        .collect();
    (days, unmeasured)
}

/// The proposal for a history (pure: the CLI and the benchmark call it on a history they read).
pub fn staffing_of(
    history: &HallHistory,
    from: NaiveDate,
    to: NaiveDate,
    target_wait_min: f64,
) -> Result<StaffingReport> {
    if !TARGET_RANGE.contains(&target_wait_min) {
        return Err(CoreError::invalid(
            "target",
            "目标等候时间须在 1 至 120 分钟之间",
        ));
    }
    let (days, unmeasured_queues) = measured_days(history);
    let tickets = history.days.iter().map(|d| d.tickets.len()).sum();
    let mut counters: BTreeMap<String, u32> = BTreeMap::new();
    for g in history.window_groups.values() {
        *counters.entry(g.clone()).or_default() += 1;
    }
    let mut report = StaffingReport {
        from,
        to,
        target_wait_min,
        days: history.days.len(),
        tickets,
        queue_names: history.group_names.clone(),
        counters,
        unmeasured_queues,
        proposal: None,
        validation: None,
    };
    if days.iter().all(Vec::is_empty) {
        return Ok(report);
    }
    let current = plan_in_force(history);
    let arrivals: Vec<Vec<Arrival>> = days
        .iter()
        .map(|d| d.iter().map(|t| t.arrival.clone()).collect())
        .collect();
    let service = ServiceTimes::from_days(&arrivals);
    let model = |e: yichuang_staffing::StaffingError| {
        tracing::warn!(error = %e, "staffing computation refused its input");
        CoreError::invalid(
            "from",
            "所选期间的排队数据无法测算（数据不完整），请换一个日期范围",
        )
    };
    report.proposal = Some(
        yichuang_staffing::propose(
            &arrivals,
            &current,
            &service,
            &ProposeOptions::new(target_wait_min),
        )
        .map_err(model)?,
    );
    // The check replays each day under the windows that day really had (see `validate_days`).
    let plans: Vec<WindowPlan> = history
        .days
        .iter()
        .map(|d| {
            let mut plan = WindowPlan::new();
            for (queue, row) in d.open_windows(&history.window_groups) {
                for (hour, n) in row.into_iter().enumerate() {
                    plan.set(&queue, hour, n);
                }
            }
            plan
        })
        .collect();
    report.validation = Some(
        yichuang_staffing::validate_days(&days, &plans, &service, &ValidateOptions::default())
            .map_err(model)?,
    );
    Ok(report)
}

impl Core {
    /// The staffing proposal of the user's center for `from..=to` (admins and supervisors).
    pub async fn staffing_report(
        &self,
        user: &StaffUser,
        from: NaiveDate,
        to: NaiveDate,
        target_wait_min: f64,
    ) -> Result<StaffingReport> {
        require_role(user, &STAFFING_ROLES)?;
        check_range(from, to)?;
        if !TARGET_RANGE.contains(&target_wait_min) {
            return Err(CoreError::invalid(
                "target",
                "目标等候时间须在 1 至 120 分钟之间",
            ));
        }
        let history = self.hall_history(user.center_id, from, to).await?;
        // The replays are CPU work of up to a second over a long range: off the async threads.
        tokio::task::spawn_blocking(move || staffing_of(&history, from, to, target_wait_min))
            .await
            .map_err(|e| CoreError::Internal(anyhow::anyhow!("staffing task failed: {e}")))?
    }
}
