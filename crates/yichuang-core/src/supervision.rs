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
                    let Some(light) =
                        yichuang_domain::case::light_at(&stored.case, &deadlines, &cal, now)
                    else {
                        continue;
                    };
                    let c = &stored.case;
                    let label = if light.legal_overdue {
                        "超过法定期限"
                    } else {
                        light.level.label()
                    };
                    let change = LightChange {
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
                    };
                    match self
                        .store()
                        .record_light(&change, &self.ctx("system"))
                        .await
                    {
                        Ok(true) => recorded += 1,
                        Ok(false) => {}
                        // One case's failure does not stop the sweep.
                        Err(e) => {
                            tracing::warn!(error = %e, case_no = c.case_no(), "could not record a light")
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
