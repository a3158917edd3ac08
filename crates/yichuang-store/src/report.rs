//! Report counters (日报、绩效) derived from the event log. Every backend adds the counters of
//! each event in the same transaction that appends it, and `rebuild` replays the whole log through
//! the same function, so the live counters and a rebuild can only differ if the log was altered.
//!
//! A counter is `(center, Asia/Shanghai day, dimension, key, metric) → value`. Dimensions are
//! `center` (key empty), `department`, `window`, `clerk` and `matter`. Metrics are listed in
//! [`metric`]. Every fact a counter needs travels in the event's own payload; nothing is looked
//! up elsewhere, because a rebuild must not depend on tables that change later.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

/// The metric names.
pub mod metric {
    /// Tickets issued.
    pub const TICKETS_ISSUED: &str = "tickets_issued";
    /// Tickets served to the end.
    pub const TICKETS_SERVED: &str = "tickets_served";
    /// Tickets marked as no-shows.
    pub const TICKETS_NO_SHOW: &str = "tickets_no_show";
    /// Served tickets whose wait was measured.
    pub const WAIT_N: &str = "wait_n";
    /// Sum of those waits, in seconds.
    pub const WAIT_SUM: &str = "wait_sum_seconds";
    /// Prefix of the wait histogram: `wait_m:<whole minutes>` (capped at [`super::WAIT_CAP`]).
    pub const WAIT_HIST: &str = "wait_m:";
    /// Cases received.
    pub const RECEIVED: &str = "received";
    /// Prefix of cases received by channel: `received_by:window` or `received_by:online`.
    pub const RECEIVED_BY: &str = "received_by:";
    /// Cases accepted (including deemed acceptance).
    pub const ACCEPTED: &str = "accepted";
    /// Cases refused.
    pub const REFUSED: &str = "refused";
    /// Correction notices issued.
    pub const CORRECTION: &str = "correction_requested";
    /// Cases concluded with approval.
    pub const APPROVED: &str = "concluded_approved";
    /// Cases concluded with denial.
    pub const DENIED: &str = "concluded_denied";
    /// Results delivered.
    pub const DELIVERED: &str = "delivered";
    /// Cases concluded within the promised limit.
    pub const ON_TIME: &str = "on_time";
    /// Cases concluded after the promised limit.
    pub const OVERDUE: &str = "overdue";
    /// Prefix of evaluations by level: `eval:<level code>`.
    pub const EVAL: &str = "eval:";
    /// Rectifications opened by a bad review.
    pub const RECT_OPENED: &str = "rect_opened";
    /// Rectifications with a call-back recorded.
    pub const RECT_CALLBACK: &str = "rect_callback";
    /// Rectifications completed.
    pub const RECT_COMPLETED: &str = "rect_completed";
    /// Rectifications completed by their due date.
    pub const RECT_ON_TIME: &str = "rect_on_time";
    /// Rectifications voided by an upheld appeal.
    pub const RECT_VOIDED: &str = "rect_voided";
    /// Prefix of light changes by the light turned to: `light:yellow`, `light:red`,
    /// `light:legal_overdue` (电子监察 trend).
    pub const LIGHT: &str = "light:";
    /// 督办 orders issued.
    pub const ORDERS: &str = "orders_issued";
    /// 督办 orders escalated for a late reply.
    pub const ORDERS_LATE: &str = "orders_late";
    /// Online applications submitted (before pre-review).
    pub const SUBMITTED: &str = "submitted";
    /// Online applications returned for changes by pre-review.
    pub const RETURNED: &str = "returned_for_changes";
    /// Prefix of checklist items at intake by how they were provided: `mat:<mode code>`
    /// (减证便民: licence, commitment and uploads against paper).
    pub const MATERIAL: &str = "mat:";
    /// Licences issued by approvals.
    pub const LICENSES_ISSUED: &str = "licenses_issued";
}

/// Waits of this many minutes or more share the histogram's last bucket.
pub const WAIT_CAP: i64 = 240;

/// One counter increment.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CounterKey {
    /// Center.
    pub center_id: i64,
    /// Asia/Shanghai day of the event.
    pub day: NaiveDate,
    /// `center`, `department`, `window`, `clerk` or `matter`.
    pub dim: &'static str,
    /// Code of the department, window, matter or the clerk's username; empty for `center`.
    pub key: String,
    /// Metric name.
    pub metric: String,
}

/// Increments keyed by counter, summed.
pub type Deltas = BTreeMap<CounterKey, i64>;

/// The facts of one event that the counters read.
#[derive(Debug, Clone, Copy)]
pub struct EventFacts<'a> {
    /// Center of the event.
    pub center_id: Option<i64>,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: &'a str,
    /// Event kind.
    pub kind: &'a str,
    /// Payload.
    pub payload: &'a Value,
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

struct Adder<'a> {
    out: &'a mut Deltas,
    center_id: i64,
    day: NaiveDate,
}

impl Adder<'_> {
    /// Adds `value` to `metric` in the center total and in each given dimension.
    fn add(&mut self, metric: &str, value: i64, dims: &[(&'static str, Option<&str>)]) {
        let mut put = |dim: &'static str, key: &str| {
            *self
                .out
                .entry(CounterKey {
                    center_id: self.center_id,
                    day: self.day,
                    dim,
                    key: key.to_owned(),
                    metric: metric.to_owned(),
                })
                .or_insert(0) += value;
        };
        put("center", "");
        for (dim, key) in dims {
            if let Some(key) = key {
                put(dim, key);
            }
        }
    }
}

/// Adds the counters of one event to `out`.
pub fn add_deltas(f: &EventFacts<'_>, out: &mut Deltas) {
    let Some(center_id) = f.center_id else { return };
    let mut a = Adder {
        out,
        center_id,
        day: yichuang_domain::clock::shanghai_date(f.at),
    };
    let p = f.payload;
    // Only staff are counted per person: an applicant's own submission or correction is no
    // clerk's work, and their account name has no place in a report.
    let actor = Some(f.actor)
        .filter(|s| !s.is_empty() && *s != "system" && !crate::sealing::is_applicant_actor(s));
    match f.kind {
        "ticket_issued" => a.add(metric::TICKETS_ISSUED, 1, &[]),
        "ticket_no_show" => a.add(
            metric::TICKETS_NO_SHOW,
            1,
            &[("window", text(p, "window")), ("clerk", actor)],
        ),
        "ticket_finished" => {
            let dims = [("window", text(p, "window")), ("clerk", actor)];
            a.add(metric::TICKETS_SERVED, 1, &dims);
            if let Some(wait) = p.get("wait_seconds").and_then(Value::as_i64) {
                let wait = wait.max(0);
                a.add(metric::WAIT_N, 1, &dims);
                a.add(metric::WAIT_SUM, wait, &dims);
                let bucket = (wait / 60).min(WAIT_CAP);
                a.add(&format!("{}{bucket}", metric::WAIT_HIST), 1, &dims);
            }
        }
        "evaluation_recorded" => {
            if let Some(level) = text(p, "level") {
                let dims = [
                    ("department", text(p, "department")),
                    ("window", text(p, "window")),
                    ("clerk", text(p, "clerk")),
                    ("matter", text(p, "matter")),
                ];
                a.add(&format!("{}{level}", metric::EVAL), 1, &dims);
            }
        }
        "rectification_opened"
        | "rectification_callback"
        | "rectification_completed"
        | "rectification_voided" => {
            let dims = [("department", text(p, "department"))];
            match f.kind {
                "rectification_opened" => a.add(metric::RECT_OPENED, 1, &dims),
                "rectification_callback" => a.add(metric::RECT_CALLBACK, 1, &dims),
                "rectification_voided" => a.add(metric::RECT_VOIDED, 1, &dims),
                _ => {
                    a.add(metric::RECT_COMPLETED, 1, &dims);
                    if p.get("on_time").and_then(Value::as_bool) == Some(true) {
                        a.add(metric::RECT_ON_TIME, 1, &dims);
                    }
                }
            }
        }
        "light_changed" => {
            let dims = [("department", text(p, "department"))];
            if p.get("legal_overdue").and_then(Value::as_bool) == Some(true) {
                a.add(&format!("{}legal_overdue", metric::LIGHT), 1, &dims);
            } else if let Some(to) = text(p, "to").filter(|t| *t != "green") {
                a.add(&format!("{}{to}", metric::LIGHT), 1, &dims);
            }
        }
        "supervision_order_issued" => {
            a.add(metric::ORDERS, 1, &[("department", text(p, "department"))])
        }
        "supervision_order_escalated" => a.add(
            metric::ORDERS_LATE,
            1,
            &[("department", text(p, "department"))],
        ),
        kind if kind.starts_with("case_") => case_deltas(&mut a, kind, p, actor),
        _ => {}
    }
}

fn case_deltas(a: &mut Adder<'_>, kind: &str, p: &Value, actor: Option<&str>) {
    let dims = [
        ("department", text(p, "department")),
        ("window", text(p, "window")),
        ("clerk", actor),
        ("matter", text(p, "matter")),
    ];
    let event = p.get("event").unwrap_or(&Value::Null);
    if matches!(kind, "case_received" | "case_submitted") {
        // How each checklist item was provided at intake, once per case, per matter.
        for m in event
            .get("materials")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(mode) = text(m, "mode").filter(|m| *m != "missing") {
                a.add(&format!("{}{mode}", metric::MATERIAL), 1, &dims[3..]);
            }
        }
    }
    match kind {
        "case_submitted" => a.add(metric::SUBMITTED, 1, &dims),
        "case_returned_for_changes" => a.add(metric::RETURNED, 1, &dims),
        "case_license_issued" => a.add(metric::LICENSES_ISSUED, 1, &dims),
        "case_prereview_passed" => {
            a.add(metric::RECEIVED, 1, &dims);
            a.add(&format!("{}online", metric::RECEIVED_BY), 1, &dims[..1]);
        }
        "case_received" => {
            a.add(metric::RECEIVED, 1, &dims);
            let channel = if text(p, "actor_window").is_some() {
                "window"
            } else {
                "online"
            };
            a.add(&format!("{}{channel}", metric::RECEIVED_BY), 1, &dims[..1]);
        }
        "case_accepted" => a.add(metric::ACCEPTED, 1, &dims),
        "case_refused" => a.add(metric::REFUSED, 1, &dims),
        "case_correction_requested" => a.add(metric::CORRECTION, 1, &dims),
        "case_delivered" => a.add(metric::DELIVERED, 1, &dims),
        "case_concluded" => {
            let approved = text(event, "outcome") == Some("approved");
            a.add(
                if approved {
                    metric::APPROVED
                } else {
                    metric::DENIED
                },
                1,
                &dims,
            );
            match p.get("on_time").and_then(Value::as_bool) {
                Some(true) => a.add(metric::ON_TIME, 1, &dims),
                Some(false) => a.add(metric::OVERDUE, 1, &dims),
                None => {}
            }
        }
        _ => {}
    }
}

/// The counters of one event.
pub fn deltas(f: &EventFacts<'_>) -> Deltas {
    let mut out = Deltas::new();
    add_deltas(f, &mut out);
    out
}

/// A stored counter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Counter {
    /// Day.
    pub day: NaiveDate,
    /// Dimension.
    pub dim: String,
    /// Key (empty for the center total).
    pub dim_key: String,
    /// Metric.
    pub metric: String,
    /// Value.
    pub value: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn facts<'a>(kind: &'a str, payload: &'a Value) -> EventFacts<'a> {
        EventFacts {
            center_id: Some(1),
            // 2026-11-02 23:30 in Shanghai is still the 2nd there (15:30 UTC).
            at: Utc.with_ymd_and_hms(2026, 11, 2, 15, 30, 0).unwrap(),
            actor: "clerk1",
            kind,
            payload,
        }
    }

    fn get(d: &Deltas, dim: &str, key: &str, metric: &str) -> i64 {
        d.iter()
            .find(|(k, _)| k.dim == dim && k.key == key && k.metric == metric)
            .map_or(0, |(_, v)| *v)
    }

    #[test]
    fn a_receipt_counts_once_per_dimension_on_the_shanghai_day() {
        let p = json!({"event": {"type": "received"}, "actor_window": "W01",
            "department": "D1", "window": "W01", "matter": "M1"});
        let d = deltas(&facts("case_received", &p));
        assert!(
            d.keys()
                .all(|k| k.day == NaiveDate::from_ymd_opt(2026, 11, 2).unwrap())
        );
        for (dim, key) in [
            ("center", ""),
            ("department", "D1"),
            ("window", "W01"),
            ("clerk", "clerk1"),
            ("matter", "M1"),
        ] {
            assert_eq!(get(&d, dim, key, metric::RECEIVED), 1, "{dim}");
        }
        assert_eq!(get(&d, "center", "", "received_by:window"), 1);
        assert_eq!(get(&d, "department", "D1", "received_by:window"), 1);
    }

    #[test]
    fn an_applicants_own_actions_count_for_no_clerk() {
        let p = json!({"event": {"type": "received"}, "department": "D1", "matter": "M1"});
        for actor in ["sj-0123456789abcdef0123", "applicant"] {
            let f = EventFacts {
                actor,
                ..facts("case_received", &p)
            };
            let d = deltas(&f);
            assert!(d.keys().all(|k| k.dim != "clerk"), "{actor}: {d:?}");
            assert_eq!(get(&d, "department", "D1", metric::RECEIVED), 1);
        }
    }

    #[test]
    fn a_finished_ticket_adds_its_wait_to_the_histogram() {
        let p = json!({"window": "W01", "wait_seconds": 605});
        let d = deltas(&facts("ticket_finished", &p));
        assert_eq!(get(&d, "center", "", metric::TICKETS_SERVED), 1);
        assert_eq!(get(&d, "window", "W01", metric::WAIT_SUM), 605);
        assert_eq!(get(&d, "clerk", "clerk1", "wait_m:10"), 1);
    }

    #[test]
    fn conclusions_split_by_outcome_and_timeliness() {
        let p = json!({"event": {"type": "concluded", "outcome": "denied"}, "department": "D1",
            "on_time": false});
        let d = deltas(&facts("case_concluded", &p));
        assert_eq!(get(&d, "department", "D1", metric::DENIED), 1);
        assert_eq!(get(&d, "department", "D1", metric::OVERDUE), 1);
        assert_eq!(get(&d, "center", "", metric::APPROVED), 0);
        assert!(deltas(&facts("case_step_passed", &p)).is_empty());
        let no_center = EventFacts {
            center_id: None,
            ..facts("case_concluded", &p)
        };
        assert!(deltas(&no_center).is_empty());
    }
}
