//! The case (办件): its state, the events that change it, and the rules that decide which events
//! an action produces. A case is event-sourced: [`Case::apply`] folds events into the state, and
//! [`Case::decide`] turns a command into events without changing anything. The stored projection
//! is always the fold of the stored events, which the replay test checks.

mod clock;
mod decide;
mod state;
mod types;

pub use clock::{
    CORRECTION_NOTICE_DAYS, DELIVERY_DAYS, Deadlines, Light, LightLevel, StepLight, deadlines,
    light_at, step_light,
};
pub use decide::{
    CaseError, Command, IntakeDecision, IntakeExtras, MAX_LICENSING_EXTENSION, MAX_OTHER_EXTENSION,
    MaterialInput, OpenCase, open_case,
};
pub use state::Case;
pub use types::*;

use chrono::{DateTime, Utc};

impl Case {
    /// Folds one event into the state. Events are facts: applying never fails; an event that
    /// does not fit (it cannot happen through [`Case::decide`]) is ignored.
    pub fn apply(&mut self, at: DateTime<Utc>, by: &str, event: &CaseEvent) {
        self.version += 1;
        self.updated_at = at;
        match event {
            CaseEvent::Received(_) | CaseEvent::Submitted(_) => {}
            CaseEvent::PreReviewPassed => {
                // The legal receipt (and the 5-day correction window) starts at pre-review.
                self.status = CaseStatus::Received;
                self.received_at = at;
                self.received_by = by.to_owned();
                self.returned_reason = None;
            }
            CaseEvent::ReturnedForChanges { reason } => {
                self.status = CaseStatus::Returned;
                self.returned_reason = Some(reason.clone());
            }
            CaseEvent::Resubmitted { materials } => {
                for m in materials {
                    if let Some(slot) = self.materials.get_mut(m.index) {
                        slot.mode = m.mode;
                        slot.deferred_due = m.deferred_due;
                        slot.file_id.clone_from(&m.file_id);
                    }
                }
                self.status = CaseStatus::Submitted;
            }
            CaseEvent::LicenseIssued(l) => {
                self.license_no = Some(l.number.clone());
            }
            CaseEvent::CorrectionRequested {
                missing,
                note,
                reasons,
            } => {
                self.correction_reasons.clone_from(reasons);
                self.status = CaseStatus::CorrectionRequested;
                self.correction_requested_at = Some(at);
                self.correction_missing.clone_from(missing);
                self.correction_note.clone_from(note);
            }
            CaseEvent::Supplemented { materials } => {
                for m in materials {
                    if let Some(slot) = self.materials.get_mut(m.index) {
                        slot.mode = m.mode;
                        slot.deferred_due = m.deferred_due;
                        if m.file_id.is_some() {
                            slot.file_id.clone_from(&m.file_id);
                        }
                    }
                }
                self.supplemented_at = Some(at);
                if self.missing_required().is_empty() {
                    self.status = CaseStatus::Received;
                }
            }
            CaseEvent::Accepted {
                accepted_at,
                deemed,
            } => {
                self.status = CaseStatus::Accepted;
                self.accepted_at = Some(*accepted_at);
                self.deemed_accepted = *deemed;
                self.accepted_by = Some(by.to_owned());
                self.current_step = (self.received.steps.len() > 1).then_some(1);
                self.step_started_at = Some(at);
            }
            CaseEvent::Refused { reason } => {
                self.status = CaseStatus::Refused;
                self.refused_reason = Some(reason.clone());
                self.closed_at = Some(at);
            }
            CaseEvent::StepPassed { step, .. } => {
                self.step_actors.push((*step, by.to_owned()));
                self.status = CaseStatus::InProcess;
                let next = step + 1;
                self.current_step = (next < self.received.steps.len()).then_some(next);
                self.step_started_at = Some(at);
            }
            CaseEvent::StepReturned { to, .. } => {
                self.status = CaseStatus::InProcess;
                self.current_step = Some(*to);
                self.step_started_at = Some(at);
            }
            CaseEvent::Suspended {
                procedure,
                reason,
                expected_days,
            } => {
                self.status = CaseStatus::Suspended;
                self.suspensions.push(Suspension {
                    procedure: *procedure,
                    reason: reason.clone(),
                    expected_days: *expected_days,
                    started_at: at,
                    ended_at: None,
                    started_by: by.to_owned(),
                });
            }
            CaseEvent::Resumed => {
                self.status = CaseStatus::InProcess;
                if let Some(s) = self.suspensions.last_mut() {
                    s.ended_at = Some(at);
                }
            }
            CaseEvent::ExtensionRequested { days, reason } => {
                if self.status == CaseStatus::Accepted {
                    self.status = CaseStatus::InProcess;
                }
                self.extensions.push(Extension {
                    days: *days,
                    reason: reason.clone(),
                    requested_at: at,
                    requested_by: by.to_owned(),
                    approved_at: None,
                    approved_by: None,
                });
            }
            CaseEvent::ExtensionApproved => {
                if let Some(e) = self
                    .extensions
                    .iter_mut()
                    .rev()
                    .find(|e| e.approved_at.is_none())
                {
                    e.approved_at = Some(at);
                    e.approved_by = Some(by.to_owned());
                }
            }
            CaseEvent::Concluded {
                outcome, reason, ..
            } => {
                self.status = CaseStatus::Concluded;
                self.outcome = Some(*outcome);
                self.outcome_reason.clone_from(reason);
                self.concluded_at = Some(at);
                self.concluded_by = Some(by.to_owned());
            }
            CaseEvent::Delivered {
                method,
                tracking_no,
                recipient,
            } => {
                self.status = CaseStatus::Delivered;
                self.delivery = Some(Delivery {
                    method: *method,
                    tracking_no: tracking_no.clone(),
                    recipient: recipient.clone(),
                    delivered_at: at,
                    delivered_by: by.to_owned(),
                });
                self.closed_at = Some(at);
            }
            CaseEvent::Withdrawn { reason } => {
                // A running special procedure ends with the withdrawal.
                if let Some(s) = self.suspensions.last_mut().filter(|s| s.ended_at.is_none()) {
                    s.ended_at = Some(at);
                }
                self.status = CaseStatus::Withdrawn;
                self.withdraw_reason = Some(reason.clone());
                self.closed_at = Some(at);
            }
        }
    }

    /// Rebuilds a case from its event log.
    pub fn replay<'a>(
        events: impl IntoIterator<Item = (DateTime<Utc>, &'a str, &'a CaseEvent)>,
    ) -> Option<Self> {
        let mut case: Option<Self> = None;
        for (at, by, event) in events {
            match (&mut case, event) {
                (None, e) if e.opening().is_some() => {
                    case = Self::open(e, at, by);
                }
                (Some(c), e) => c.apply(at, by, e),
                (None, _) => {}
            }
        }
        case
    }
}

#[cfg(test)]
mod tests;
