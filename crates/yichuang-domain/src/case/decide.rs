//! Intake and action rules: which events an intake decision or an action produces, or why it is
//! not allowed. Nothing here changes state; [`super::Case::apply`] does.

use chrono::{DateTime, NaiveDate, Utc};

use super::state::Case;
use super::types::*;
use crate::catalog::{Handling, Matter};

/// Why an intake or an action was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    /// The action is not allowed in the case's current state.
    #[error("{0}")]
    InvalidTransition(String),
    /// A required material is missing: acceptance is impossible.
    #[error("缺少必需材料：{}", .0.join("、"))]
    MissingRequired(Vec<String>),
    /// Bad input.
    #[error("{reason}")]
    Invalid {
        /// Field.
        field: String,
        /// Chinese reason.
        reason: String,
    },
}

fn invalid(field: &str, reason: impl Into<String>) -> CaseError {
    CaseError::Invalid {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

fn transition(msg: impl Into<String>) -> CaseError {
    CaseError::InvalidTransition(msg.into())
}

/// How one checklist item was provided at intake or supplement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaterialInput {
    /// Position in the guide's checklist.
    pub index: usize,
    /// Mode.
    pub mode: MaterialMode,
    /// Due date for deferred items.
    pub deferred_due: Option<NaiveDate>,
    /// The scan or photo the window took of it (a stored file of the clerk's).
    pub file_id: Option<String>,
}

/// The clerk's intake decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntakeDecision {
    /// 网上申请: the application waits for a clerk's pre-review (预审).
    Submit,
    /// 收件 only: the decision follows within 5 working days (else deemed accepted).
    Receive,
    /// 受理.
    Accept,
    /// 一次性告知补正; `extra` names items that are present but wrong.
    RequestCorrection {
        /// Additional wrong items.
        extra: Vec<usize>,
        /// Note.
        note: String,
        /// What is wrong with each item, where the clerk said.
        reasons: Vec<MaterialReason>,
    },
    /// 不予受理.
    Refuse {
        /// Reason.
        reason: String,
    },
}

/// Everything needed to open a case.
#[derive(Debug, Clone)]
pub struct OpenCase<'a> {
    /// Assigned case number.
    pub case_no: String,
    /// Center.
    pub center_id: i64,
    /// The matter version in force.
    pub matter: &'a Matter,
    /// Its version number.
    pub matter_version: i64,
    /// The accepting window.
    pub window: String,
    /// The applicant, validated.
    pub applicant: Applicant,
    /// Items provided; unlisted items are missing.
    pub materials: Vec<MaterialInput>,
    /// The decision.
    pub decision: IntakeDecision,
    /// Minute budget of immediate matters.
    pub immediate_minutes: u32,
    /// 电子监察 thresholds of the center and matter.
    pub light_rules: super::LightRules,
    /// Now.
    pub now: DateTime<Utc>,
    /// Today in Asia/Shanghai.
    pub today: NaiveDate,
    /// Uploads, licences and the online owner.
    pub extras: IntakeExtras,
}

/// What an intake knows beyond the clerk's checklist: the applicant's account and uploads of an
/// online application, and the items the 电子证照库 satisfied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntakeExtras {
    /// The applicant's account (online applications).
    pub owner: Option<i64>,
    /// The applicant's note.
    pub note: String,
    /// Uploaded files by checklist index.
    pub files: Vec<(usize, String)>,
    /// Items satisfied by a valid licence of the holder, by checklist index.
    pub licenses: Vec<(usize, LicenseRef)>,
    /// The center whose clerk submits as agent (代办).
    pub agent_center: Option<i64>,
}

fn check_materials(
    inputs: &[MaterialInput],
    count: usize,
    today: NaiveDate,
) -> Result<(), CaseError> {
    let mut seen = std::collections::HashSet::new();
    for m in inputs {
        if m.index >= count {
            return Err(invalid(
                "materials",
                format!("材料序号 {} 超出办事指南的材料清单", m.index),
            ));
        }
        if !seen.insert(m.index) {
            return Err(invalid("materials", format!("材料序号 {} 重复", m.index)));
        }
        match (m.mode, m.deferred_due) {
            (MaterialMode::Deferred, None) => {
                return Err(invalid("materials", "容缺受理的材料须注明补交期限"));
            }
            (MaterialMode::Deferred, Some(due)) if due <= today => {
                return Err(invalid("materials", "容缺材料的补交期限应晚于今天"));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The events of a new case: receipt plus the intake decision (and, for an immediate matter that
/// is accepted, the conclusion under delegated authority).
pub fn open_case(input: OpenCase<'_>) -> Result<Vec<CaseEvent>, CaseError> {
    let m = input.matter;
    check_materials(&input.materials, m.materials.len(), input.today)?;
    let materials: Vec<MaterialState> = m
        .materials
        .iter()
        .enumerate()
        .map(|(index, g)| {
            let given = input.materials.iter().find(|x| x.index == index);
            let file_id = input.extras.files.iter().find(|(i, _)| *i == index);
            // A valid licence in the library replaces any paper: the applicant brings nothing.
            let license = input.extras.licenses.iter().find(|(i, _)| *i == index);
            let mode = match (license, file_id) {
                (Some(_), _) => MaterialMode::License,
                (None, Some(_)) => MaterialMode::Upload,
                (None, None) => given.map_or(MaterialMode::Missing, |x| x.mode),
            };
            // A scan taken at the window goes with the item however it was provided.
            let file_id = file_id
                .map(|(_, f)| f.clone())
                .or_else(|| given.and_then(|x| x.file_id.clone()));
            MaterialState {
                index,
                name: g.name.clone(),
                required: g.required,
                mode,
                deferred_due: given
                    .filter(|_| license.is_none())
                    .and_then(|x| x.deferred_due),
                license_type: g.license_type.clone(),
                file_id,
                license: license.map(|(_, l)| l.clone()),
            }
        })
        .collect();
    let missing: Vec<usize> = materials
        .iter()
        .filter(|x| x.required && !x.mode.satisfied())
        .map(|x| x.index)
        .collect();
    let received = Received {
        case_no: input.case_no,
        center_id: input.center_id,
        matter_code: m.code.clone(),
        matter_version: input.matter_version,
        matter_name: m.name.clone(),
        matter_kind: m.kind.clone(),
        department: m.department.clone(),
        window_group: m.window_group.clone(),
        handling: m.handling,
        steps: m.steps.clone(),
        step_roles: if m.step_roles.is_empty() {
            crate::catalog::default_step_roles(&m.steps)
        } else {
            m.step_roles.clone()
        },
        promised_limit_days: m.promised_limit_days,
        legal_limit_days: m.legal_limit_days,
        immediate_minutes: input.immediate_minutes,
        result_name: m.result.name.clone(),
        window: input.window,
        applicant: input.applicant,
        materials: materials.clone(),
        light_rules: input.light_rules,
        owner: input.extras.owner,
        note: input.extras.note.trim().to_owned(),
        agent_center: input.extras.agent_center,
    };
    if input.decision == IntakeDecision::Submit {
        if input.extras.owner.is_none() && input.extras.agent_center.is_none() {
            return Err(invalid("decision", "网上申请须由申请人账号或代办机构提交"));
        }
        if !missing.is_empty() {
            let names = missing.iter().map(|i| materials[*i].name.clone()).collect();
            return Err(CaseError::MissingRequired(names));
        }
        return Ok(vec![CaseEvent::Submitted(Box::new(received))]);
    }
    let mut events = vec![CaseEvent::Received(Box::new(received))];
    match input.decision {
        IntakeDecision::Submit | IntakeDecision::Receive => {}
        IntakeDecision::Accept => {
            if !missing.is_empty() {
                let names = missing.iter().map(|i| materials[*i].name.clone()).collect();
                return Err(CaseError::MissingRequired(names));
            }
            events.push(CaseEvent::Accepted {
                accepted_at: input.now,
                deemed: false,
            });
            if m.handling == Handling::Immediate {
                events.push(CaseEvent::Concluded {
                    outcome: Outcome::Approved,
                    reason: "即办件，窗口当场办结".into(),
                    seen: Vec::new(),
                });
            }
        }
        IntakeDecision::RequestCorrection {
            extra,
            note,
            reasons,
        } => {
            let reasons = check_reasons(reasons, materials.len())?;
            let mut all = missing;
            for i in extra.into_iter().chain(reasons.iter().map(|r| r.index)) {
                if i >= materials.len() {
                    return Err(invalid(
                        "missing",
                        format!("材料序号 {i} 超出办事指南的材料清单"),
                    ));
                }
                if !all.contains(&i) {
                    all.push(i);
                }
            }
            all.sort_unstable();
            if all.is_empty() {
                return Err(invalid("decision", "材料齐全，无需补正，请直接受理"));
            }
            events.push(CaseEvent::CorrectionRequested {
                missing: all,
                note,
                reasons,
            });
        }
        IntakeDecision::Refuse { reason } => {
            let reason = required_text("reason", &reason, "请填写不予受理的理由")?;
            events.push(CaseEvent::Refused { reason });
        }
    }
    Ok(events)
}

/// Per-item correction reasons: trimmed, empty ones dropped, each on a real item, once.
fn check_reasons(
    reasons: Vec<MaterialReason>,
    count: usize,
) -> Result<Vec<MaterialReason>, CaseError> {
    let mut out: Vec<MaterialReason> = Vec::new();
    for r in reasons {
        let reason = r.reason.trim().to_owned();
        if reason.is_empty() {
            continue;
        }
        if r.index >= count {
            return Err(invalid(
                "reasons",
                format!("材料序号 {} 超出办事指南的材料清单", r.index),
            ));
        }
        if reason.chars().count() > 200 {
            return Err(invalid("reasons", "每项材料的补正原因最多 200 字"));
        }
        if out.iter().any(|o| o.index == r.index) {
            return Err(invalid("reasons", format!("材料序号 {} 重复", r.index)));
        }
        out.push(MaterialReason {
            index: r.index,
            reason,
        });
    }
    out.sort_by_key(|r| r.index);
    Ok(out)
}

fn required_text(field: &str, text: &str, message: &str) -> Result<String, CaseError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(invalid(field, message));
    }
    if t.chars().count() > 1000 {
        return Err(invalid(field, "内容过长（最多 1000 字）"));
    }
    Ok(t.to_owned())
}

/// An action on an existing case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// 预审通过: a clerk receives an online application.
    PreReview,
    /// 预审退回: the application goes back to the applicant with reasons.
    ReturnForChanges {
        /// What to fix.
        reason: String,
    },
    /// The applicant resubmits replaced uploads after a return.
    Resubmit {
        /// Replaced items (mode `upload` with a file).
        materials: Vec<MaterialUpdate>,
    },
    /// 一次性告知补正 on a received case.
    RequestCorrection {
        /// Wrong items beyond the missing required ones.
        missing: Vec<usize>,
        /// Note.
        note: String,
        /// What is wrong with each item, where the clerk said.
        reasons: Vec<MaterialReason>,
    },
    /// 补正材料.
    Supplement {
        /// Items now provided.
        materials: Vec<MaterialInput>,
    },
    /// 受理.
    Accept,
    /// 不予受理.
    Refuse {
        /// Reason.
        reason: String,
    },
    /// Pass the current step.
    Pass {
        /// Opinion.
        comment: String,
        /// Electronic materials examined (checklist indexes).
        seen: Vec<usize>,
    },
    /// Return to the previous step.
    Return {
        /// Reason.
        reason: String,
    },
    /// Start a special procedure.
    Suspend {
        /// Kind.
        procedure: Procedure,
        /// Reason.
        reason: String,
        /// Expected working days.
        expected_days: u32,
    },
    /// End the special procedure.
    Resume,
    /// Ask for more time.
    RequestExtension {
        /// Days.
        days: u32,
        /// Reason.
        reason: String,
    },
    /// The department head approves the pending extension.
    ApproveExtension,
    /// Decide.
    Conclude {
        /// Decision.
        outcome: Outcome,
        /// Reasons.
        reason: String,
        /// Electronic materials examined (checklist indexes).
        seen: Vec<usize>,
    },
    /// Hand over or mail the result.
    Deliver {
        /// Method.
        method: DeliveryMethod,
        /// Tracking number (mail).
        tracking_no: Option<String>,
        /// Who collected (pickup).
        recipient: Option<String>,
    },
    /// The applicant withdraws.
    Withdraw {
        /// Reason.
        reason: String,
    },
}

/// Largest extension of a 行政许可 (Art. 42), in working days.
pub const MAX_LICENSING_EXTENSION: u32 = 10;
/// Largest extension of other matters, in working days.
pub const MAX_OTHER_EXTENSION: u32 = 30;

impl Case {
    /// The examined materials of a decision, checked: each an item of this case with an
    /// electronic copy (a scan, an upload or a licence can be looked at; paper cannot).
    fn examined(&self, seen: &[usize]) -> Result<Vec<usize>, CaseError> {
        let mut out = Vec::new();
        for i in seen {
            let Some(m) = self.materials.get(*i) else {
                return Err(invalid("seen", format!("材料序号 {i} 超出办件的材料清单")));
            };
            if m.file_id.is_none() && m.license.is_none() {
                return Err(invalid(
                    "seen",
                    format!("材料“{}”没有电子件，不能标为已查阅", m.name),
                ));
            }
            if !out.contains(i) {
                out.push(*i);
            }
        }
        out.sort_unstable();
        Ok(out)
    }

    /// The events an action produces, or why it is not allowed now.
    pub fn decide(
        &self,
        cmd: &Command,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        use CaseStatus as S;
        let status = self.status;
        let not_now =
            |what: &str| transition(format!("办件当前状态为“{}”，不能{what}", status.label()));
        match cmd {
            Command::PreReview => {
                if status != S::Submitted {
                    return Err(not_now("预审收件"));
                }
                Ok(vec![CaseEvent::PreReviewPassed])
            }
            Command::ReturnForChanges { reason } => {
                if status != S::Submitted {
                    return Err(not_now("退回修改"));
                }
                Ok(vec![CaseEvent::ReturnedForChanges {
                    reason: required_text("reason", reason, "请写明需要申请人修改的内容")?,
                }])
            }
            Command::Resubmit { materials } => {
                if status != S::Returned {
                    return Err(not_now("重新提交"));
                }
                let mut seen = std::collections::HashSet::new();
                for m in materials {
                    if m.index >= self.materials.len() {
                        return Err(invalid(
                            "materials",
                            format!("材料序号 {} 超出办事指南的材料清单", m.index),
                        ));
                    }
                    if !seen.insert(m.index) {
                        return Err(invalid("materials", format!("材料序号 {} 重复", m.index)));
                    }
                }
                Ok(vec![CaseEvent::Resubmitted {
                    materials: materials.clone(),
                }])
            }
            Command::RequestCorrection {
                missing,
                note,
                reasons,
            } => {
                if status != S::Received {
                    return Err(not_now("出具补正告知"));
                }
                if self.correction_requested_at.is_some() {
                    return Err(transition(
                        "补正告知只能一次性出具，已出具过的办件不能再次要求补正",
                    ));
                }
                let reasons = check_reasons(reasons.clone(), self.materials.len())?;
                let mut all = self.missing_required();
                for i in missing.iter().chain(reasons.iter().map(|r| &r.index)) {
                    if *i >= self.materials.len() {
                        return Err(invalid(
                            "missing",
                            format!("材料序号 {i} 超出办事指南的材料清单"),
                        ));
                    }
                    if !all.contains(i) {
                        all.push(*i);
                    }
                }
                all.sort_unstable();
                if all.is_empty() {
                    return Err(invalid("missing", "请指明需要补正的材料"));
                }
                Ok(vec![CaseEvent::CorrectionRequested {
                    missing: all,
                    note: note.trim().to_owned(),
                    reasons,
                }])
            }
            Command::Supplement { materials } => {
                if status != S::CorrectionRequested {
                    return Err(not_now("补正材料"));
                }
                check_materials(materials, self.materials.len(), today)?;
                if materials.is_empty() || materials.iter().all(|m| m.mode == MaterialMode::Missing)
                {
                    return Err(invalid("materials", "请登记补交的材料"));
                }
                let updates = materials
                    .iter()
                    .map(|m| MaterialUpdate {
                        index: m.index,
                        mode: m.mode,
                        deferred_due: m.deferred_due,
                        file_id: m.file_id.clone(),
                    })
                    .collect();
                Ok(vec![CaseEvent::Supplemented { materials: updates }])
            }
            Command::Accept => {
                if status != S::Received {
                    return Err(not_now("受理"));
                }
                let missing = self.missing_required();
                if !missing.is_empty() {
                    let names = missing
                        .iter()
                        .filter_map(|i| self.materials.get(*i))
                        .map(|m| m.name.clone())
                        .collect();
                    return Err(CaseError::MissingRequired(names));
                }
                // After a correction, acceptance is the day the last material arrived.
                let accepted_at = self.supplemented_at.unwrap_or(now);
                let mut events = vec![CaseEvent::Accepted {
                    accepted_at,
                    deemed: false,
                }];
                if self.received.handling == Handling::Immediate {
                    events.push(CaseEvent::Concluded {
                        outcome: Outcome::Approved,
                        reason: "即办件，窗口当场办结".into(),
                        seen: Vec::new(),
                    });
                }
                Ok(events)
            }
            Command::Refuse { reason } => {
                if !matches!(status, S::Submitted | S::Received | S::CorrectionRequested) {
                    return Err(not_now("不予受理"));
                }
                Ok(vec![CaseEvent::Refused {
                    reason: required_text("reason", reason, "请填写不予受理的理由")?,
                }])
            }
            Command::Pass { comment, seen } => {
                if !matches!(status, S::Accepted | S::InProcess) {
                    return Err(not_now("通过环节"));
                }
                let Some(step) = self.current_step else {
                    return Err(transition("所有审批环节均已通过，请作出办结决定"));
                };
                Ok(vec![CaseEvent::StepPassed {
                    step,
                    comment: comment.trim().to_owned(),
                    seen: self.examined(seen)?,
                }])
            }
            Command::Return { reason } => {
                if !matches!(status, S::Accepted | S::InProcess) {
                    return Err(not_now("退回"));
                }
                let reason = required_text("reason", reason, "请填写退回理由")?;
                let from = self.current_step.unwrap_or(self.received.steps.len());
                if from <= 1 {
                    return Err(transition("当前已是第一个审批环节，无法再退回"));
                }
                Ok(vec![CaseEvent::StepReturned {
                    from,
                    to: from - 1,
                    reason,
                }])
            }
            Command::Suspend {
                procedure,
                reason,
                expected_days,
            } => {
                if !matches!(status, S::Accepted | S::InProcess) {
                    return Err(not_now("启动特别程序"));
                }
                if *expected_days == 0 || *expected_days > 365 {
                    return Err(invalid("expected_days", "预计所需工作日应在 1 至 365 之间"));
                }
                let reason = required_text("reason", reason, "请填写启动特别程序的理由或依据")?;
                Ok(vec![CaseEvent::Suspended {
                    procedure: *procedure,
                    reason,
                    expected_days: *expected_days,
                }])
            }
            Command::Resume => {
                if status != S::Suspended {
                    return Err(not_now("结束特别程序"));
                }
                Ok(vec![CaseEvent::Resumed])
            }
            Command::RequestExtension { days, reason } => {
                if !matches!(status, S::Accepted | S::InProcess) {
                    return Err(not_now("申请延期"));
                }
                if self.pending_extension().is_some() {
                    return Err(transition("已有延期申请等待部门负责人审批"));
                }
                let max = if self.received.matter_kind == "行政许可" {
                    MAX_LICENSING_EXTENSION
                } else {
                    MAX_OTHER_EXTENSION
                };
                let used = self.approved_extension_days();
                if *days == 0 || used + days > max {
                    return Err(invalid(
                        "days",
                        format!(
                            "延期天数应为 1 至 {} 个工作日（已延期 {used} 个工作日，累计不超过 {max} 个）",
                            max.saturating_sub(used)
                        ),
                    ));
                }
                let reason = required_text("reason", reason, "请填写延期理由")?;
                Ok(vec![CaseEvent::ExtensionRequested {
                    days: *days,
                    reason,
                }])
            }
            Command::ApproveExtension => {
                if !matches!(status, S::Accepted | S::InProcess | S::Suspended) {
                    return Err(not_now("批准延期"));
                }
                if self.pending_extension().is_none() {
                    return Err(transition("没有等待审批的延期申请"));
                }
                Ok(vec![CaseEvent::ExtensionApproved])
            }
            Command::Conclude {
                outcome,
                reason,
                seen,
            } => {
                if !matches!(status, S::Accepted | S::InProcess) {
                    return Err(not_now("办结"));
                }
                let seen = self.examined(seen)?;
                match outcome {
                    Outcome::Approved => {
                        if let Some(step) = self.current_step {
                            let name = self.received.steps.get(step).cloned().unwrap_or_default();
                            return Err(transition(format!(
                                "审批环节“{name}”尚未通过，不能作出准予决定"
                            )));
                        }
                        Ok(vec![CaseEvent::Concluded {
                            outcome: *outcome,
                            reason: reason.trim().to_owned(),
                            seen,
                        }])
                    }
                    Outcome::Denied => {
                        let reason = required_text("reason", reason, "不予决定须说明理由")?;
                        Ok(vec![CaseEvent::Concluded {
                            outcome: *outcome,
                            reason,
                            seen,
                        }])
                    }
                }
            }
            Command::Deliver {
                method,
                tracking_no,
                recipient,
            } => {
                if status != S::Concluded {
                    return Err(not_now("出件送达"));
                }
                let tracking_no = tracking_no
                    .as_deref()
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned);
                let recipient = recipient
                    .as_deref()
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned);
                match method {
                    DeliveryMethod::Mail if tracking_no.is_none() => {
                        return Err(invalid("tracking_no", "邮寄送达须填写快递单号"));
                    }
                    DeliveryMethod::Pickup if recipient.is_none() => {
                        return Err(invalid("recipient", "窗口领取须登记领取人（已核验身份）"));
                    }
                    _ => {}
                }
                Ok(vec![CaseEvent::Delivered {
                    method: *method,
                    tracking_no,
                    recipient,
                }])
            }
            Command::Withdraw { reason } => {
                if !status.is_open() {
                    return Err(not_now("撤件"));
                }
                Ok(vec![CaseEvent::Withdrawn {
                    reason: required_text("reason", reason, "请填写撤件原因")?,
                }])
            }
        }
    }
}
