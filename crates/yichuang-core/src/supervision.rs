//! 电子监察: the light sweep. A durable, idempotent, batch-limited job that takes its time from the
//! clock: every light change of an open case is recorded exactly once as a `light_changed` event,
//! with a notification to the responsible department.

use yichuang_domain::account::{Role, StaffUser};
use yichuang_store::{CaseFilter, LightChange, Notification};

use crate::access::{require_department, require_role};
use crate::{Core, Result};

/// Cases one sweep looks at, at most (the next run continues; the warning says so).
pub const SWEEP_BATCH: usize = 50_000;

impl Core {
    /// Records the light changes of every open case of every center as of now. Returns how many
    /// changes were recorded; running it twice, or in two workers at once, records each once.
    pub async fn sweep_lights(&self) -> Result<u64> {
        let now = self.clock().now();
        let mut recorded = 0;
        let mut seen = 0usize;
        for center in self.store().centers().await? {
            let cal = self.calendar(center.id).await?;
            let mut before_id = None;
            loop {
                let filter = CaseFilter {
                    center_id: center.id,
                    open_only: true,
                    limit: 1000,
                    before_id,
                    ..CaseFilter::default()
                };
                let page = self.store().list_cases(&filter).await?;
                let Some(last) = page.last() else { break };
                before_id = Some(last.id);
                for stored in page {
                    seen += 1;
                    let deadlines = yichuang_domain::case::deadlines(&stored.case, &cal);
                    let c = &stored.case;
                    let mut changes = Vec::with_capacity(2);
                    if let Some(light) = yichuang_domain::case::light_at(c, &deadlines, &cal, now) {
                        let label = if light.legal_overdue {
                            "超过法定期限"
                        } else {
                            light.level.label()
                        };
                        changes.push(LightChange {
                            center_id: center.id,
                            case_no: c.case_no().to_owned(),
                            department: c.received.department.clone(),
                            light: light.level.code().to_owned(),
                            legal_overdue: light.legal_overdue,
                            message: format!(
                                "办件 {}（{}）亮{}，承诺期限 {}",
                                c.case_no(),
                                c.received.matter_name,
                                label,
                                deadlines
                                    .due_promised
                                    .map_or_else(|| "—".to_owned(), |d| d.to_string())
                            ),
                            step: None,
                        });
                    }
                    // 环节时限: the current back-office step's own light, recorded the same way.
                    if let Some(s) = yichuang_domain::case::step_light(c, &cal, now) {
                        changes.push(LightChange {
                            center_id: center.id,
                            case_no: c.case_no().to_owned(),
                            department: c.received.department.clone(),
                            light: s.level.code().to_owned(),
                            legal_overdue: false,
                            message: format!(
                                "办件 {}（{}）“{}”环节亮{}，已用 {} / {} 个工作日",
                                c.case_no(),
                                c.received.matter_name,
                                s.name,
                                s.level.label(),
                                s.used_days,
                                s.budget_days
                            ),
                            step: Some(s.step),
                        });
                    }
                    for change in changes {
                        match self
                            .store()
                            .record_light(&change, &self.ctx("system"))
                            .await
                        {
                            Ok(true) => {
                                recorded += 1;
                                // Case lights go out by SMS; step lights stay in-app.
                                if change.light != "green" && change.step.is_none() {
                                    self.notify(yichuang_store::OutboxMessage {
                                        center_id: center.id,
                                        channel: "sms".into(),
                                        recipient: change.department.clone(),
                                        subject_kind: "case".into(),
                                        subject_id: change.case_no.clone(),
                                        message: format!("【一窗通电子监察】{}", change.message),
                                    })
                                    .await;
                                }
                            }
                            Ok(false) => {}
                            // One case's failure does not stop the sweep.
                            Err(e) => {
                                tracing::warn!(error = %e, case_no = c.case_no(), "could not record a light")
                            }
                        }
                    }
                }
                if seen >= SWEEP_BATCH {
                    tracing::warn!(
                        seen,
                        "light sweep hit its batch limit; the next run continues"
                    );
                    return Ok(recorded);
                }
            }
        }
        Ok(recorded)
    }

    /// Notifications of a department: approvers and heads see their own; supervisors and
    /// administrators name one.
    pub async fn notifications(
        &self,
        user: &StaffUser,
        department: Option<&str>,
    ) -> Result<Vec<Notification>> {
        require_role(
            user,
            &[
                Role::Approver,
                Role::DeptHead,
                Role::Supervisor,
                Role::Admin,
            ],
        )?;
        let dept = match (department, &user.department) {
            (Some(d), _) => d.to_owned(),
            (None, Some(d)) => d.clone(),
            (None, None) => return Err(crate::CoreError::invalid("department", "请指定部门")),
        };
        require_department(user, &dept)?;
        Ok(self
            .store()
            .notifications(user.center_id, &dept, 200)
            .await?)
    }
}

impl Core {
    /// A supervisor issues a 督办 order on a case with a reply deadline in working days.
    pub async fn issue_order(
        &self,
        user: &StaffUser,
        case_no: &str,
        content: &str,
        reply_days: u32,
    ) -> Result<yichuang_store::SupervisionOrder> {
        require_role(user, &[Role::Supervisor])?;
        let content = content.trim();
        if content.is_empty() || content.chars().count() > 1000 {
            return Err(crate::CoreError::invalid(
                "content",
                "请填写督办内容（最多 1000 字）",
            ));
        }
        if !(1..=30).contains(&reply_days) {
            return Err(crate::CoreError::invalid(
                "reply_days",
                "回复期限应为 1 至 30 个工作日",
            ));
        }
        let d = self.case_for(user, case_no).await?;
        let c = &d.case;
        let due = self
            .add_working_days(user.center_id, self.clock().today(), i64::from(reply_days))
            .await?;
        let warning = match d.light {
            Some(l) if l.legal_overdue => "legal_overdue".to_owned(),
            Some(l) => l.level.code().to_owned(),
            None => "none".to_owned(),
        };
        let order = yichuang_store::NewOrder {
            center_id: user.center_id,
            case_no: c.case_no().to_owned(),
            department: c.received.department.clone(),
            matter_kind: c.received.matter_kind.clone(),
            warning,
            content: content.to_owned(),
            reply_days,
            due_on: due.date,
        };
        Ok(self
            .store()
            .issue_order(&order, &self.ctx(&user.username))
            .await?)
    }

    /// The ordered department replies (once).
    pub async fn reply_order(
        &self,
        user: &StaffUser,
        id: i64,
        content: &str,
    ) -> Result<yichuang_store::SupervisionOrder> {
        require_role(user, &[Role::Approver, Role::DeptHead])?;
        let o = self
            .store()
            .order(id)
            .await?
            .ok_or_else(|| crate::CoreError::NotFound("督办单不存在".into()))?;
        require_department(user, &o.department)?;
        let content = content.trim();
        if content.is_empty() || content.chars().count() > 1000 {
            return Err(crate::CoreError::invalid(
                "content",
                "请填写回复内容（最多 1000 字）",
            ));
        }
        Ok(self
            .store()
            .reply_order(id, content, &self.ctx(&user.username))
            .await?)
    }

    /// Escalates every order not answered by its due date (once each). Returns how many.
    pub async fn sweep_orders(&self) -> Result<u64> {
        let escalated = self
            .store()
            .escalate_orders(self.clock().today(), &self.ctx("system"))
            .await?;
        for o in &escalated {
            let Some(case) = self.store().case_by_no(&o.case_no).await? else {
                continue;
            };
            self.notify(yichuang_store::OutboxMessage {
                center_id: case.case.received.center_id,
                channel: "sms".into(),
                recipient: o.department.clone(),
                subject_kind: "order".into(),
                subject_id: o.number.clone(),
                message: format!(
                    "【一窗通督办】督办单 {}（办件 {}）已超过回复期限 {}，请立即回复",
                    o.number, o.case_no, o.due_on
                ),
            })
            .await;
        }
        Ok(escalated.len() as u64)
    }
}
