//! 好差评 of cases (一事一评) and 差评整改: who may rate a case, the rectification a bad review
//! opens with its own working-day clock, call-back, completion, appeal, and the rates.

use chrono::NaiveDate;
use serde::Serialize;
use sha2::{Digest, Sha256};
use yichuang_domain::account::{Role, StaffUser};
use yichuang_domain::clock::shanghai_date;
use yichuang_domain::evaluation::{Channel, Level};
use yichuang_store::{
    EvaluationOutcome, NewEvaluation, Rectification, RectificationFilter, RectificationStatus,
};

use crate::access::{require_center, require_department, require_role};
use crate::{Core, CoreError, Result};

/// Default working days a department has to rectify a bad review.
pub const RECTIFICATION_DAYS: u32 = 15;

/// Who rates a case. Anyone who is none of these, or does not match the case, gets "not
/// found" so that case numbers cannot be probed.
#[derive(Debug, Clone, Copy)]
pub enum Rater<'a> {
    /// Staff of the center (a clerk recording a phone call-back, or the window's pad account).
    Staff(&'a StaffUser),
    /// Someone who knows the case number and the applicant's name, as on the progress page.
    Applicant {
        /// The applicant's name as given at intake.
        name: &'a str,
    },
    /// The holder of an invitation token printed on the 送达回证 or sent by SMS.
    Invite {
        /// The raw token from the link.
        token: &'a str,
    },
}

/// An evaluation of a case.
#[derive(Debug, Clone)]
pub struct CaseRating {
    /// The case (may be omitted with an invitation, which names its case).
    pub case_no: Option<String>,
    /// Overall level (整体满意度).
    pub level: Level,
    /// Indicator code → level; codes must be those of the channel.
    pub indicators: Vec<(String, Level)>,
    /// Channel.
    pub channel: Channel,
    /// Free text.
    pub comment: String,
}

/// Checks indicator codes against the channel's list and the comment's length.
pub fn validate_rating(
    channel: Channel,
    indicators: &[(String, Level)],
    comment: &str,
) -> Result<()> {
    for (code, _) in indicators {
        if !channel.indicators().iter().any(|(c, _)| c == code) {
            let names: Vec<&str> = channel.indicators().iter().map(|(c, _)| *c).collect();
            return Err(CoreError::invalid(
                "indicators",
                format!(
                    "评价指标 {code} 不适用于{}评价，可用的指标为 {}",
                    channel.label(),
                    names.join("、")
                ),
            ));
        }
    }
    if comment.chars().count() > 500 {
        return Err(CoreError::invalid("comment", "评价内容最多 500 字"));
    }
    Ok(())
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The rates of 差评整改 over a set of rectifications.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RectificationRates {
    /// Rectifications opened (appeals upheld excluded).
    pub total: u64,
    /// With a call-back recorded.
    pub called_back: u64,
    /// 回访率 (`None` when there is nothing to rate).
    pub callback_rate: Option<f64>,
    /// Completed by the due date.
    pub completed_on_time: u64,
    /// Completed, or open past the due date: what should have been rectified by now.
    pub due: u64,
    /// 按时整改率.
    pub on_time_rate: Option<f64>,
    /// Voided by an upheld appeal.
    pub voided: u64,
}

/// Computes the rates of `items` as of `today`.
pub fn rectification_rates(items: &[Rectification], today: NaiveDate) -> RectificationRates {
    let mut r = RectificationRates::default();
    for x in items {
        if x.status == RectificationStatus::Voided {
            r.voided += 1;
            continue;
        }
        r.total += 1;
        if x.callback_at.is_some() {
            r.called_back += 1;
        }
        let completed = x.status == RectificationStatus::Completed;
        if completed || x.due_on < today {
            r.due += 1;
        }
        if completed && x.completed_on.is_some_and(|d| d <= x.due_on) {
            r.completed_on_time += 1;
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let rate = |n: u64, d: u64| (d > 0).then(|| n as f64 / d as f64);
    r.callback_rate = rate(r.called_back, r.total);
    r.on_time_rate = rate(r.completed_on_time, r.due);
    r
}

/// An action on a rectification.
#[derive(Debug, Clone)]
pub enum RectificationAction {
    /// 回访: whether the applicant was reached and what they said.
    Callback {
        /// Reached.
        reached: bool,
        /// The applicant's response.
        response: String,
    },
    /// 整改完成.
    Complete {
        /// What was done.
        note: String,
    },
    /// 申诉 by the department.
    Appeal {
        /// Why the review should not count.
        reason: String,
    },
    /// A supervisor's decision on the appeal.
    DecideAppeal {
        /// Appeal upheld (the review is voided) or rejected (back to rectification).
        upheld: bool,
        /// Explanation.
        note: String,
    },
}

fn required(field: &str, text: &str, what: &str) -> Result<String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(CoreError::invalid(field, format!("请填写{what}")));
    }
    if t.chars().count() > 1000 {
        return Err(CoreError::invalid(field, format!("{what}最多 1000 字")));
    }
    Ok(t.to_owned())
}

impl Core {
    /// The rectification due date of a bad review given today in `center_id`.
    pub(crate) async fn rectification_due(
        &self,
        center_id: i64,
        level: Level,
    ) -> Result<Option<NaiveDate>> {
        if !level.is_bad() {
            return Ok(None);
        }
        let cal = self.calendar(center_id).await?;
        let today = self.clock().today();
        let days = i64::from(self.evaluation.rectification_days);
        Ok(cal.add_working_days(today, days).map(|w| w.date))
    }

    /// Records an evaluation of a case by `rater`. A bad review opens a rectification for the
    /// responsible department. One evaluation per case per stage (办理中 / 办结后).
    pub async fn evaluate_case(
        &self,
        rating: CaseRating,
        rater: Rater<'_>,
    ) -> Result<EvaluationOutcome> {
        let hidden = || CoreError::NotFound("办件不存在，或您无权评价该办件".into());
        let case_no = match rater {
            Rater::Invite { token } => {
                let invited = self
                    .store()
                    .invite(&token_hash(token))
                    .await?
                    .ok_or_else(hidden)?;
                if rating.case_no.as_ref().is_some_and(|c| *c != invited) {
                    return Err(hidden());
                }
                invited
            }
            _ => rating
                .case_no
                .clone()
                .ok_or_else(|| CoreError::invalid("case_no", "请提供办件编号"))?,
        };
        let stored = self
            .store()
            .case_by_no(&case_no)
            .await?
            .ok_or_else(hidden)?;
        let c = &stored.case;
        let actor = match rater {
            // The applicant's account rates only their own case (一事一评): filed online, or
            // taken at a window under the account's verified ID number.
            Rater::Staff(u) if u.is_applicant() => {
                if !self.is_applicants_case(u, c).await? {
                    return Err(hidden());
                }
                "applicant".to_owned()
            }
            Rater::Staff(u) => {
                if u.center_id != c.received.center_id {
                    return Err(hidden());
                }
                u.username.clone()
            }
            Rater::Applicant { name } => {
                if name.trim() != c.received.applicant.name {
                    return Err(hidden());
                }
                "applicant".to_owned()
            }
            Rater::Invite { .. } => "invitee".to_owned(),
        };
        validate_rating(rating.channel, &rating.indicators, &rating.comment)?;
        let stage = if c.status.is_open() {
            "handling"
        } else {
            "result"
        };
        let center_id = c.received.center_id;
        let new = NewEvaluation {
            center_id,
            ticket_id: None,
            case_no: Some(case_no.clone()),
            window: Some(c.received.window.clone()),
            clerk: Some(c.received_by.clone()),
            level: rating.level,
            indicators: rating.indicators,
            channel: rating.channel,
            comment: rating.comment.trim().to_owned(),
            department: Some(c.received.department.clone()),
            matter: Some(c.received.matter_code.clone()),
            stage: Some(stage.to_owned()),
            rectification_due: self.rectification_due(center_id, rating.level).await?,
        };
        let out = self
            .store()
            .record_evaluation(&new, &self.ctx(&actor))
            .await?;
        tracing::info!(
            case_no,
            stage,
            level = rating.level.code(),
            "case evaluated"
        );
        if let Some(r) = &out.rectification {
            self.notify(yichuang_store::OutboxMessage {
                center_id,
                channel: "sms".into(),
                recipient: r.department.clone(),
                subject_kind: "rectification".into(),
                subject_id: r.id.to_string(),
                message: format!(
                    "【一窗通好差评】办件 {case_no} 收到“{}”评价，已生成整改单 {}，请于 {} 前完成整改并回访",
                    rating.level.label(),
                    r.id,
                    r.due_on
                ),
            })
            .await;
        }
        Ok(out)
    }

    /// Creates an invitation to rate a case and returns its token (for the link and QR code on
    /// the 送达回证). Only the hash is stored.
    pub async fn invite_to_rate(&self, user: &StaffUser, case_no: &str) -> Result<String> {
        let stored = self
            .store()
            .case_by_no(case_no)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("办件 {case_no} 不存在")))?;
        require_center(user, stored.case.received.center_id)?;
        let mut raw = [0u8; 16];
        getrandom::fill(&mut raw)
            .map_err(|e| CoreError::Internal(anyhow::anyhow!("no randomness: {e}")))?;
        let token = hex::encode(raw);
        self.store()
            .create_invite(
                stored.case.received.center_id,
                case_no,
                &token_hash(&token),
                &self.ctx(&user.username),
            )
            .await?;
        Ok(token)
    }

    /// The case an invitation is for, or not found.
    pub async fn invited_case(&self, token: &str) -> Result<String> {
        self.store()
            .invite(&token_hash(token))
            .await?
            .ok_or_else(|| CoreError::NotFound("评价链接无效".into()))
    }

    /// Rectifications `user` may see: departments their own, supervisors and admins all.
    pub async fn rectifications_for(
        &self,
        user: &StaffUser,
        mut filter: RectificationFilter,
    ) -> Result<Vec<Rectification>> {
        require_role(
            user,
            &[
                Role::Admin,
                Role::Supervisor,
                Role::DeptHead,
                Role::Approver,
            ],
        )?;
        filter.center_id = user.center_id;
        if !user.has_any_role(&[Role::Admin, Role::Supervisor]) {
            filter.department.clone_from(&user.department);
            if filter.department.is_none() {
                return Err(CoreError::Forbidden("您的账号未绑定部门".into()));
            }
        }
        if filter.limit == 0 {
            filter.limit = 500;
        }
        Ok(self.store().rectifications(&filter).await?)
    }

    /// Applies an action to a rectification. Departments call back, complete and appeal;
    /// supervisors call back and decide appeals.
    pub async fn act_on_rectification(
        &self,
        user: &StaffUser,
        id: i64,
        action: RectificationAction,
    ) -> Result<Rectification> {
        let r = self
            .store()
            .rectification(id)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("整改单 {id} 不存在")))?;
        require_center(user, r.center_id)?;
        let now = self.clock().now();
        let today = shanghai_date(now);
        let mut next = r.clone();
        let wrong = || {
            CoreError::InvalidTransition(format!(
                "整改单当前状态为“{}”，不能执行此操作",
                r.status.label()
            ))
        };
        let dept_roles = [
            Role::Admin,
            Role::Supervisor,
            Role::DeptHead,
            Role::Approver,
        ];
        let (kind, payload) = match action {
            RectificationAction::Callback { reached, response } => {
                require_role(user, &dept_roles)?;
                require_department(user, &r.department)?;
                if r.callback_at.is_some() {
                    return Err(CoreError::Conflict("已登记过回访".into()));
                }
                if r.status == RectificationStatus::Voided {
                    return Err(wrong());
                }
                let response = if reached {
                    required("response", &response, "回访情况")?
                } else {
                    response.trim().to_owned()
                };
                next.callback_at = Some(now);
                next.callback_reached = Some(reached);
                next.callback_response = Some(response.clone());
                (
                    "rectification_callback",
                    serde_json::json!({"reached": reached, "response": response}),
                )
            }
            RectificationAction::Complete { note } => {
                require_role(user, &dept_roles)?;
                require_department(user, &r.department)?;
                if r.status != RectificationStatus::Open {
                    return Err(wrong());
                }
                let note = required("note", &note, "整改情况")?;
                next.status = RectificationStatus::Completed;
                next.completed_at = Some(now);
                next.completed_on = Some(today);
                next.completion_note = Some(note.clone());
                let on_time = today <= r.due_on;
                (
                    "rectification_completed",
                    serde_json::json!({"note": note, "on_time": on_time}),
                )
            }
            RectificationAction::Appeal { reason } => {
                require_role(user, &[Role::Admin, Role::DeptHead, Role::Approver])?;
                require_department(user, &r.department)?;
                if r.status != RectificationStatus::Open || r.appealed_at.is_some() {
                    return Err(if r.appealed_at.is_some() {
                        CoreError::Conflict("每张整改单只能申诉一次".into())
                    } else {
                        wrong()
                    });
                }
                let reason = required("reason", &reason, "申诉理由")?;
                next.status = RectificationStatus::Appealed;
                next.appeal_reason = Some(reason.clone());
                next.appealed_at = Some(now);
                (
                    "rectification_appealed",
                    serde_json::json!({"reason": reason}),
                )
            }
            RectificationAction::DecideAppeal { upheld, note } => {
                require_role(user, &[Role::Admin, Role::Supervisor])?;
                if r.status != RectificationStatus::Appealed {
                    return Err(wrong());
                }
                next.status = if upheld {
                    RectificationStatus::Voided
                } else {
                    RectificationStatus::Open
                };
                next.appeal_decision = Some(if upheld { "upheld" } else { "rejected" }.to_owned());
                next.appeal_decided_by = Some(user.username.clone());
                (
                    if upheld {
                        "rectification_voided"
                    } else {
                        "rectification_appeal_rejected"
                    },
                    serde_json::json!({"upheld": upheld, "note": note.trim()}),
                )
            }
        };
        self.store()
            .update_rectification(&next, r.status, kind, payload, &self.ctx(&user.username))
            .await?;
        Ok(next)
    }
}
