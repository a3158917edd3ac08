//! The state of a case: the fold of its events, and what is read off it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::types::*;

/// The state of a case: the fold of its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// What was received.
    pub received: Received,
    /// Checklist now.
    pub materials: Vec<MaterialState>,
    /// Status.
    pub status: CaseStatus,
    /// Decision once concluded.
    pub outcome: Option<Outcome>,
    /// Decision reasons.
    pub outcome_reason: String,
    /// Receipt instant.
    pub received_at: DateTime<Utc>,
    /// Receiving clerk.
    pub received_by: String,
    /// Correction notice instant.
    pub correction_requested_at: Option<DateTime<Utc>>,
    /// Items named in the correction notice.
    pub correction_missing: Vec<usize>,
    /// Note of the correction notice.
    pub correction_note: String,
    /// What was wrong with each item, where the clerk said.
    pub correction_reasons: Vec<MaterialReason>,
    /// Last supplement instant.
    pub supplemented_at: Option<DateTime<Utc>>,
    /// Legal acceptance instant.
    pub accepted_at: Option<DateTime<Utc>>,
    /// Accepting actor.
    pub accepted_by: Option<String>,
    /// Deemed accepted (no correction notice within 5 working days).
    pub deemed_accepted: bool,
    /// Reason of a refusal.
    pub refused_reason: Option<String>,
    /// Current back-office step (index into `received.steps`); `None` when every step passed.
    pub current_step: Option<usize>,
    /// Special procedures.
    pub suspensions: Vec<Suspension>,
    /// Extensions.
    pub extensions: Vec<Extension>,
    /// Conclusion instant.
    pub concluded_at: Option<DateTime<Utc>>,
    /// Concluding actor.
    pub concluded_by: Option<String>,
    /// Delivery.
    pub delivery: Option<Delivery>,
    /// Reason of a withdrawal.
    pub withdraw_reason: Option<String>,
    /// Instant the case closed (refused, withdrawn or delivered).
    pub closed_at: Option<DateTime<Utc>>,
    /// When the current back-office step began (acceptance, or the last pass or return).
    #[serde(default)]
    pub step_started_at: Option<DateTime<Utc>>,
    /// Who passed which back-office step, in order (returns do not erase it): the duties a
    /// person already held on the case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub step_actors: Vec<(usize, String)>,
    /// Reason of the last pre-review return.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returned_reason: Option<String>,
    /// The licence issued with an approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_no: Option<String>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Number of events folded.
    pub version: u64,
}

impl Case {
    /// The initial state from the receipt event.
    pub fn from_received(r: &Received, at: DateTime<Utc>, by: &str) -> Self {
        Self {
            materials: r.materials.clone(),
            received: r.clone(),
            status: CaseStatus::Received,
            outcome: None,
            outcome_reason: String::new(),
            received_at: at,
            received_by: by.to_owned(),
            correction_requested_at: None,
            correction_missing: Vec::new(),
            correction_note: String::new(),
            correction_reasons: Vec::new(),
            supplemented_at: None,
            accepted_at: None,
            accepted_by: None,
            deemed_accepted: false,
            refused_reason: None,
            current_step: None,
            suspensions: Vec::new(),
            extensions: Vec::new(),
            concluded_at: None,
            concluded_by: None,
            delivery: None,
            withdraw_reason: None,
            closed_at: None,
            step_started_at: None,
            step_actors: Vec::new(),
            returned_reason: None,
            license_no: None,
            updated_at: at,
            version: 1,
        }
    }

    /// The state after a case's first event, or `None` when `event` does not open a case.
    pub fn open(event: &CaseEvent, at: DateTime<Utc>, by: &str) -> Option<Self> {
        let r = event.opening()?;
        let mut c = Self::from_received(r, at, by);
        if matches!(event, CaseEvent::Submitted(_)) {
            c.status = CaseStatus::Submitted;
        }
        Some(c)
    }

    /// Case number.
    pub fn case_no(&self) -> &str {
        &self.received.case_no
    }

    /// Required items still missing.
    pub fn missing_required(&self) -> Vec<usize> {
        self.materials
            .iter()
            .filter(|m| m.required && !m.mode.satisfied())
            .map(|m| m.index)
            .collect()
    }

    /// The name of the current step, or a description of where the case is.
    pub fn current_step_name(&self) -> String {
        match self.status {
            CaseStatus::Submitted => "网上预审".into(),
            CaseStatus::Returned => "退回修改".into(),
            CaseStatus::Received | CaseStatus::CorrectionRequested => self
                .received
                .steps
                .first()
                .cloned()
                .unwrap_or_else(|| "受理".into()),
            CaseStatus::Accepted | CaseStatus::InProcess | CaseStatus::Suspended => {
                match self.current_step {
                    Some(i) => self.received.steps.get(i).cloned().unwrap_or_default(),
                    None => "待办结".into(),
                }
            }
            CaseStatus::Concluded => "待出件".into(),
            CaseStatus::Delivered => "已送达".into(),
            CaseStatus::Refused => "不予受理".into(),
            CaseStatus::Withdrawn => "已撤件".into(),
        }
    }

    /// The duty of step `i` (承办人、审核人、批准人, or "").
    pub fn step_role(&self, i: usize) -> String {
        let r = &self.received;
        if r.step_roles.len() == r.steps.len() {
            r.step_roles[i].clone()
        } else {
            crate::catalog::default_step_roles(&r.steps)
                .get(i)
                .cloned()
                .unwrap_or_default()
        }
    }

    /// Why `actor` may not pass the current step (职责分离): the 承办人 of a case may not also
    /// be its 审核人 or 批准人, nor the other way round (a case returned to 承办); one person
    /// may review and approve.
    pub fn duty_conflict(&self, actor: &str) -> Option<String> {
        let step = self.current_step?;
        let role = self.step_role(step);
        if role.is_empty() {
            return None;
        }
        self.step_actors
            .iter()
            .filter(|(_, who)| who == actor)
            .map(|(i, _)| (*i, self.step_role(*i)))
            .find(|(_, held)| {
                !held.is_empty() && *held != role && (held == "承办人" || role == "承办人")
            })
            .map(|(i, held)| {
                let name = self.received.steps.get(i).cloned().unwrap_or_default();
                format!(
                    "职责分离：您已作为{held}通过了本件的“{name}”环节，不能再作为{role}办理“{}”环节，请由其他审批人员办理",
                    self.received.steps.get(step).cloned().unwrap_or_default()
                )
            })
    }

    /// An extension waiting for the department head.
    pub fn pending_extension(&self) -> Option<&Extension> {
        self.extensions.iter().find(|e| e.approved_at.is_none())
    }

    /// Working days added by approved extensions.
    pub fn approved_extension_days(&self) -> u32 {
        self.extensions
            .iter()
            .filter(|e| e.approved_at.is_some())
            .map(|e| e.days)
            .sum()
    }
}
