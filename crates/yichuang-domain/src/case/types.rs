//! Case events and their vocabulary (the state they fold into is in `state.rs`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::catalog::Handling;

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// 网上申请，待预审: submitted online, waiting for a clerk's pre-review.
    Submitted,
    /// 退回修改: returned by pre-review for the applicant to fix.
    Returned,
    /// 已收件: materials received, no intake decision yet.
    Received,
    /// 待补正: a one-time correction notice was issued.
    CorrectionRequested,
    /// 已受理: accepted, waiting for the back office.
    Accepted,
    /// 办理中: a back-office step is in progress.
    InProcess,
    /// 特别程序中: the clock is stopped.
    Suspended,
    /// 不予受理.
    Refused,
    /// 已办结: decided, result awaiting delivery.
    Concluded,
    /// 已送达.
    Delivered,
    /// 已撤件.
    Withdrawn,
}

impl CaseStatus {
    /// Every status.
    pub const ALL: [Self; 11] = [
        Self::Submitted,
        Self::Returned,
        Self::Received,
        Self::CorrectionRequested,
        Self::Accepted,
        Self::InProcess,
        Self::Suspended,
        Self::Refused,
        Self::Concluded,
        Self::Delivered,
        Self::Withdrawn,
    ];

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Returned => "returned",
            Self::Received => "received",
            Self::CorrectionRequested => "correction_requested",
            Self::Accepted => "accepted",
            Self::InProcess => "in_process",
            Self::Suspended => "suspended",
            Self::Refused => "refused",
            Self::Concluded => "concluded",
            Self::Delivered => "delivered",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// Parses a stable code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Chinese label for staff.
    pub fn label(self) -> &'static str {
        match self {
            Self::Submitted => "待预审",
            Self::Returned => "退回修改",
            Self::Received => "已收件",
            Self::CorrectionRequested => "待补正",
            Self::Accepted => "已受理",
            Self::InProcess => "办理中",
            Self::Suspended => "特别程序中",
            Self::Refused => "不予受理",
            Self::Concluded => "已办结",
            Self::Delivered => "已送达",
            Self::Withdrawn => "已撤件",
        }
    }

    /// Plain words for the applicant.
    pub fn plain(self) -> &'static str {
        match self {
            Self::Submitted => "网上申请已提交，等待窗口工作人员预审",
            Self::Returned => "预审发现材料需要修改，请按退回理由修改后重新提交",
            Self::Received => "窗口已收到您的材料，正在审查是否受理",
            Self::CorrectionRequested => "材料需要补正，请按一次性告知书补齐后到窗口提交",
            Self::Accepted => "已受理，正在转交审批部门",
            Self::InProcess => "审批部门正在办理",
            Self::Suspended => "正在进行听证、检验、鉴定等特别程序，这段时间不计入办理时限",
            Self::Refused => "不予受理，请查看不予受理通知书中的理由",
            Self::Concluded => "已办结，请到审核出件窗口领取结果（或等待邮寄）",
            Self::Delivered => "结果已送达，办理完毕",
            Self::Withdrawn => "申请已撤回，办理终止",
        }
    }

    /// Not yet concluded, refused or withdrawn.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Self::Submitted
                | Self::Returned
                | Self::Received
                | Self::CorrectionRequested
                | Self::Accepted
                | Self::InProcess
                | Self::Suspended
        )
    }

    /// The legal clock runs (or is paused) in these states.
    pub fn is_clocked(self) -> bool {
        matches!(self, Self::Accepted | Self::InProcess | Self::Suspended)
    }
}

/// The decision of a concluded case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 准予.
    Approved,
    /// 不予.
    Denied,
}

impl Outcome {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Approved => "approved",
            Self::Denied => "denied",
        }
    }

    /// Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Approved => "准予",
            Self::Denied => "不予",
        }
    }
}

/// Person or organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantKind {
    /// A natural person with a 居民身份证.
    Person,
    /// An organisation with a 统一社会信用代码.
    Org,
}

/// The applicant, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    /// Person or organisation.
    pub kind: ApplicantKind,
    /// Name.
    pub name: String,
    /// 居民身份证号码 (person) or 统一社会信用代码 (org).
    pub id_number: String,
    /// Contact phone.
    pub phone: String,
    /// 法定代表人 (org).
    pub legal_representative: Option<String>,
    /// Contact person (org).
    pub contact: Option<String>,
}

/// How a checklist item was satisfied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaterialMode {
    /// 原件已核验.
    Original,
    /// 复印件.
    Copy,
    /// 上传电子材料.
    Upload,
    /// 电子证照库核验.
    License,
    /// 告知承诺.
    Commitment,
    /// 部门间数据共享: obtained from another department's system, the applicant brings nothing.
    Shared,
    /// 容缺受理 (to be supplied by a due date).
    Deferred,
    /// 缺少.
    Missing,
}

impl MaterialMode {
    /// Parses a stable code.
    pub fn parse(code: &str) -> Option<Self> {
        Some(match code {
            "original" => Self::Original,
            "copy" => Self::Copy,
            "upload" => Self::Upload,
            "license" => Self::License,
            "commitment" => Self::Commitment,
            "shared" => Self::Shared,
            "deferred" => Self::Deferred,
            "missing" => Self::Missing,
            _ => return None,
        })
    }

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Original => "original",
            Self::Copy => "copy",
            Self::Upload => "upload",
            Self::License => "license",
            Self::Commitment => "commitment",
            Self::Shared => "shared",
            Self::Deferred => "deferred",
            Self::Missing => "missing",
        }
    }

    /// Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Original => "原件已核验",
            Self::Copy => "已收复印件",
            Self::Upload => "已上传",
            Self::License => "已通过证照库核验",
            Self::Commitment => "告知承诺",
            Self::Shared => "数据共享获取",
            Self::Deferred => "容缺后补",
            Self::Missing => "缺少",
        }
    }

    /// Whether the item counts as provided.
    pub fn satisfied(self) -> bool {
        self != Self::Missing
    }
}

/// One checklist item of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialState {
    /// Position in the guide's checklist.
    pub index: usize,
    /// Name.
    pub name: String,
    /// Required by the guide.
    pub required: bool,
    /// How it was satisfied.
    pub mode: MaterialMode,
    /// For deferred items: the date by which it must arrive.
    pub deferred_due: Option<NaiveDate>,
    /// Licence type bound to the item, if any.
    pub license_type: Option<String>,
    /// The uploaded file (online applications).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_id: Option<String>,
    /// The licence that satisfied the item (mode `license`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<LicenseRef>,
}

/// Why one checklist item must be corrected (一次性告知 names each item's problem).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialReason {
    /// Position in the guide's checklist.
    pub index: usize,
    /// What is missing or wrong, in the clerk's words.
    pub reason: String,
}

/// A licence from the 电子证照库 that satisfied a checklist item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseRef {
    /// Licence number.
    pub number: String,
    /// Trust level (可信等级), e.g. `A`.
    pub trust_level: String,
}

/// A licence issued when a case whose result is a licence is concluded approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedLicense {
    /// Licence number.
    pub number: String,
    /// Licence type code.
    pub type_code: String,
    /// Licence type name.
    pub type_name: String,
    /// Holder name.
    pub holder_name: String,
    /// Holder 身份证号码 or 统一社会信用代码.
    pub holder_id: String,
    /// Issuing authority.
    pub issuer: String,
    /// Issue date.
    pub issued_on: NaiveDate,
    /// Expiry date; `None` for 长期有效.
    pub expires_on: Option<NaiveDate>,
    /// Trust level (可信等级).
    pub trust_level: String,
}

/// Clock-stopping special procedures (行政许可法 Art. 45 and practice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Procedure {
    /// 听证.
    Hearing,
    /// 检验.
    Inspection,
    /// 检测.
    Testing,
    /// 检疫.
    Quarantine,
    /// 鉴定.
    Appraisal,
    /// 专家评审.
    ExpertReview,
    /// 现场勘验.
    SiteSurvey,
}

impl Procedure {
    /// Every procedure.
    pub const ALL: [Self; 7] = [
        Self::Hearing,
        Self::Inspection,
        Self::Testing,
        Self::Quarantine,
        Self::Appraisal,
        Self::ExpertReview,
        Self::SiteSurvey,
    ];

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Hearing => "hearing",
            Self::Inspection => "inspection",
            Self::Testing => "testing",
            Self::Quarantine => "quarantine",
            Self::Appraisal => "appraisal",
            Self::ExpertReview => "expert_review",
            Self::SiteSurvey => "site_survey",
        }
    }

    /// Parses a stable code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }

    /// Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Hearing => "听证",
            Self::Inspection => "检验",
            Self::Testing => "检测",
            Self::Quarantine => "检疫",
            Self::Appraisal => "鉴定",
            Self::ExpertReview => "专家评审",
            Self::SiteSurvey => "现场勘验",
        }
    }
}

/// A special procedure on the case's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suspension {
    /// Kind.
    pub procedure: Procedure,
    /// Reason or basis.
    pub reason: String,
    /// Expected working days, told to the applicant in writing.
    pub expected_days: u32,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// End, once resumed.
    pub ended_at: Option<DateTime<Utc>>,
    /// Who started it.
    pub started_by: String,
}

/// An extension of the time limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    /// Extra working days.
    pub days: u32,
    /// Reason, told to the applicant.
    pub reason: String,
    /// Requested.
    pub requested_at: DateTime<Utc>,
    /// By the approver.
    pub requested_by: String,
    /// Approved by the department head, if approved.
    pub approved_at: Option<DateTime<Utc>>,
    /// Head who approved.
    pub approved_by: Option<String>,
}

/// How the result was handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryMethod {
    /// 窗口领取.
    Pickup,
    /// 邮寄.
    Mail,
}

impl DeliveryMethod {
    /// Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pickup => "窗口领取",
            Self::Mail => "邮寄送达",
        }
    }
}

/// The delivery record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// Pickup or mail.
    pub method: DeliveryMethod,
    /// Tracking number for mail.
    pub tracking_no: Option<String>,
    /// Who collected (pickup), identity checked.
    pub recipient: Option<String>,
    /// When.
    pub delivered_at: DateTime<Utc>,
    /// Issuer.
    pub delivered_by: String,
}

/// The first event of every case: what was received, where, for which matter version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Received {
    /// Case number.
    pub case_no: String,
    /// Center.
    pub center_id: i64,
    /// Matter code.
    pub matter_code: String,
    /// Matter version in force.
    pub matter_version: i64,
    /// Matter name.
    pub matter_name: String,
    /// Matter type (行政许可 …).
    pub matter_kind: String,
    /// Responsible department.
    pub department: String,
    /// Window group of the matter.
    pub window_group: String,
    /// Immediate or promised.
    pub handling: Handling,
    /// Steps of the guide; the first is intake.
    pub steps: Vec<String>,
    /// The duty of each step (see `catalog::default_step_roles`), as the guide set it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub step_roles: Vec<String>,
    /// Promised limit, working days.
    pub promised_limit_days: u32,
    /// Legal limit, working days.
    pub legal_limit_days: u32,
    /// Minute budget of an immediate matter.
    pub immediate_minutes: u32,
    /// Whether the result is a licence.
    pub result_name: String,
    /// The accepting window.
    pub window: String,
    /// The applicant.
    pub applicant: Applicant,
    /// The checklist as received.
    pub materials: Vec<MaterialState>,
    /// The 电子监察 thresholds in force at intake (older states default to 90 % and 1 day).
    #[serde(default)]
    pub light_rules: LightRules,
    /// The applicant's account when applied online (they alone may follow it there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<i64>,
    /// The applicant's note with an online application.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// The township or district center whose clerk took the application as agent (代办); its
    /// clerks follow the case to delivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_center: Option<i64>,
}

/// When a case turns yellow: once `yellow_percent` of its promised working days are used, or
/// when `yellow_remaining_days` or fewer are left. Configured per center and matter; a case keeps
/// the rules in force when it was received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LightRules {
    /// Share of the promised budget used (percent).
    pub yellow_percent: u32,
    /// Working days left.
    pub yellow_remaining_days: u32,
}

impl Default for LightRules {
    fn default() -> Self {
        Self {
            yellow_percent: 90,
            yellow_remaining_days: 1,
        }
    }
}

/// Everything that can happen to a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CaseEvent {
    /// 收件.
    Received(Box<Received>),
    /// 网上申请提交 (the first event of an online application).
    Submitted(Box<Received>),
    /// 预审通过，收件.
    PreReviewPassed,
    /// 预审退回修改.
    ReturnedForChanges {
        /// What to fix.
        reason: String,
    },
    /// The applicant resubmits after a return.
    Resubmitted {
        /// Items replaced.
        materials: Vec<MaterialUpdate>,
    },
    /// 证照签发 with an approval whose result is a licence.
    LicenseIssued(Box<IssuedLicense>),
    /// 一次性告知补正.
    CorrectionRequested {
        /// Indexes of every missing or wrong item.
        missing: Vec<usize>,
        /// Explanation.
        note: String,
        /// What is wrong with each item, where the clerk said (printed on the notice).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        reasons: Vec<MaterialReason>,
    },
    /// 补正材料.
    Supplemented {
        /// Items now provided.
        materials: Vec<MaterialUpdate>,
    },
    /// 受理 (or deemed acceptance).
    Accepted {
        /// The legal acceptance instant: now, the last supplement, or the receipt (deemed).
        accepted_at: DateTime<Utc>,
        /// Deemed accepted because no correction notice was issued within 5 working days.
        deemed: bool,
    },
    /// 不予受理.
    Refused {
        /// Reason.
        reason: String,
    },
    /// A back-office step passed.
    StepPassed {
        /// Step index.
        step: usize,
        /// Opinion.
        comment: String,
        /// The electronic materials the approver says were examined (checklist indexes).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        seen: Vec<usize>,
    },
    /// Returned to the previous step.
    StepReturned {
        /// From step.
        from: usize,
        /// To step.
        to: usize,
        /// Reason.
        reason: String,
    },
    /// 特别程序开始.
    Suspended {
        /// Kind.
        procedure: Procedure,
        /// Reason.
        reason: String,
        /// Expected working days.
        expected_days: u32,
    },
    /// 特别程序结束.
    Resumed,
    /// 延期申请.
    ExtensionRequested {
        /// Days.
        days: u32,
        /// Reason.
        reason: String,
    },
    /// 延期批准.
    ExtensionApproved,
    /// 办结.
    Concluded {
        /// Decision.
        outcome: Outcome,
        /// Reasons (required for a denial).
        reason: String,
        /// The electronic materials the approver says were examined (checklist indexes).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        seen: Vec<usize>,
    },
    /// 送达.
    Delivered {
        /// Method.
        method: DeliveryMethod,
        /// Tracking number.
        tracking_no: Option<String>,
        /// Recipient.
        recipient: Option<String>,
    },
    /// 撤件.
    Withdrawn {
        /// Reason.
        reason: String,
    },
}

impl CaseEvent {
    /// The receipt of a case's first event (window receipt or online submission).
    pub fn opening(&self) -> Option<&Received> {
        match self {
            Self::Received(r) | Self::Submitted(r) => Some(r),
            _ => None,
        }
    }

    /// The event kind stored in the log.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Received(_) => "case_received",
            Self::Submitted(_) => "case_submitted",
            Self::PreReviewPassed => "case_prereview_passed",
            Self::ReturnedForChanges { .. } => "case_returned_for_changes",
            Self::Resubmitted { .. } => "case_resubmitted",
            Self::LicenseIssued(_) => "case_license_issued",
            Self::CorrectionRequested { .. } => "case_correction_requested",
            Self::Supplemented { .. } => "case_supplemented",
            Self::Accepted { .. } => "case_accepted",
            Self::Refused { .. } => "case_refused",
            Self::StepPassed { .. } => "case_step_passed",
            Self::StepReturned { .. } => "case_step_returned",
            Self::Suspended { .. } => "case_suspended",
            Self::Resumed => "case_resumed",
            Self::ExtensionRequested { .. } => "case_extension_requested",
            Self::ExtensionApproved => "case_extension_approved",
            Self::Concluded { .. } => "case_concluded",
            Self::Delivered { .. } => "case_delivered",
            Self::Withdrawn { .. } => "case_withdrawn",
        }
    }
}

/// A change to one checklist item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialUpdate {
    /// Position.
    pub index: usize,
    /// New mode.
    pub mode: MaterialMode,
    /// Due date for deferred items.
    pub deferred_due: Option<NaiveDate>,
    /// The uploaded file (online resubmission).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_id: Option<String>,
}
