//! 好差评 of tickets on the window pad, and the ticket ↔ case link.

use chrono::Duration;
use yichuang_domain::account::StaffUser;
use yichuang_domain::queue::TicketStatus;
use yichuang_store::Ticket;

use crate::access::require_center;
use crate::{Core, CoreError, Result};

/// Minutes after a ticket is finished during which the window's pad may rate it.
pub const PAD_MINUTES: i64 = 15;

/// A rating given on site (一次一评).
#[derive(Debug, Clone)]
pub struct TicketRating {
    /// The ticket.
    pub ticket_id: i64,
    /// Overall level.
    pub level: yichuang_domain::evaluation::Level,
    /// Indicator code → level.
    pub indicators: Vec<(String, yichuang_domain::evaluation::Level)>,
    /// Channel.
    pub channel: yichuang_domain::evaluation::Channel,
    /// Free text.
    pub comment: String,
}

impl Core {
    /// The ticket the pad at `window` should offer: the window's most recently finished one,
    /// while not yet rated and within [`PAD_MINUTES`]. Never an older one: whoever stands at
    /// the pad was served last, and once that ticket is rated the pad waits for the next.
    pub async fn pad_ticket(&self, center_id: i64, window: &str) -> Result<Option<Ticket>> {
        let now = self.clock().now();
        let finished = self
            .store()
            .tickets(center_id, self.clock().today(), &[TicketStatus::Finished])
            .await?;
        let rated: Vec<i64> = self
            .store()
            .evaluations(center_id, 500)
            .await?
            .into_iter()
            .filter_map(|e| e.ticket_id)
            .collect();
        Ok(finished
            .into_iter()
            .filter(|t| t.window.as_deref() == Some(window))
            .max_by_key(|t| t.finished_at)
            .filter(|t| !rated.contains(&t.id))
            .filter(|t| {
                t.finished_at
                    .is_some_and(|f| now - f <= Duration::minutes(PAD_MINUTES))
            }))
    }

    /// Records a rating of a finished ticket. From a pad (`pad_window`), only the window's own
    /// ticket within [`PAD_MINUTES`] of finishing; otherwise by a clerk of the center.
    pub async fn rate_ticket(
        &self,
        rating: TicketRating,
        pad_window: Option<&str>,
        user: Option<&StaffUser>,
    ) -> Result<yichuang_store::EvaluationOutcome> {
        let t = self
            .store()
            .ticket(rating.ticket_id)
            .await?
            .ok_or_else(|| CoreError::NotFound("排队号不存在".into()))?;
        match (pad_window, user) {
            (Some(w), _) => {
                let now = self.clock().now();
                let recent = t
                    .finished_at
                    .is_some_and(|f| now - f <= Duration::minutes(PAD_MINUTES));
                if t.window.as_deref() != Some(w) || !recent {
                    return Err(CoreError::NotFound("没有待评价的服务".into()));
                }
            }
            (None, Some(u)) => {
                // Tickets are rated at the window's pad or by staff, never by a portal account.
                if u.is_applicant() {
                    return Err(CoreError::Forbidden("此功能仅供工作人员使用".into()));
                }
                require_center(u, t.center_id)?;
            }
            (None, None) => return Err(CoreError::Unauthenticated),
        }
        if t.status != TicketStatus::Finished {
            return Err(CoreError::InvalidTransition(
                "服务尚未结束，暂不能评价".into(),
            ));
        }
        crate::evaluations::validate_rating(rating.channel, &rating.indicators, &rating.comment)?;
        // A bad review of a ticket linked to a case goes to the case's department; otherwise to
        // the center's hall management (empty department).
        let case = match &t.case_no {
            Some(no) => self.store().case_by_no(no).await?,
            None => None,
        };
        let clerk = self
            .store()
            .events_for("ticket", &t.id.to_string())
            .await?
            .into_iter()
            .rev()
            .find(|e| e.kind == "ticket_finished")
            .map(|e| e.actor);
        let new = yichuang_store::NewEvaluation {
            center_id: t.center_id,
            ticket_id: Some(t.id),
            case_no: t.case_no.clone(),
            window: t.window.clone(),
            clerk,
            level: rating.level,
            indicators: rating.indicators,
            channel: rating.channel,
            comment: rating.comment.trim().to_owned(),
            department: case.as_ref().map(|c| c.case.received.department.clone()),
            matter: case.as_ref().map(|c| c.case.received.matter_code.clone()),
            stage: None,
            rectification_due: self.rectification_due(t.center_id, rating.level).await?,
        };
        let actor = pad_window.map_or_else(
            || user.map_or("system".to_owned(), |u| u.username.clone()),
            |w| format!("pad:{w}"),
        );
        Ok(self
            .store()
            .record_evaluation(&new, &self.ctx(&actor))
            .await?)
    }

    /// Links the ticket being served at the clerk's window to a case opened there.
    pub async fn link_ticket_to_case(&self, user: &StaffUser, case_no: &str) -> Result<()> {
        let Some(window) = &user.window else {
            return Ok(());
        };
        let Some(t) = self.current_ticket(user.center_id, window).await? else {
            return Ok(());
        };
        if t.case_no.is_some() {
            return Ok(());
        }
        let mut linked = t.clone();
        linked.case_no = Some(case_no.to_owned());
        let payload = serde_json::json!({"case_no": case_no});
        self.store()
            .update_ticket(
                &linked,
                t.status,
                "ticket_linked",
                payload,
                &self.ctx(&user.username),
            )
            .await?;
        Ok(())
    }
}
