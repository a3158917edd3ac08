//! The audit trail as operators and the 审计管理员 see it: the SM3 chain check (at start, from
//! the command line) and the read-only log of who did what, when and from where.

use chrono::{DateTime, Utc};
use serde::Serialize;
use yichuang_domain::account::{Role, StaffUser};
use yichuang_domain::mask;
use yichuang_store::audit::{
    AuditFilter, AuditHead, AuditReport, ChainedEvent, check_anchors, verify,
};

use crate::access::require_role;
use crate::{Core, Result};

/// The Chinese name of an event kind, for timelines and the audit log.
pub fn event_label(kind: &str) -> Option<&'static str> {
    match kind {
        "case_received" => Some("收件"),
        "case_submitted" => Some("网上申请提交"),
        "case_prereview_passed" => Some("预审通过，收件"),
        "case_returned_for_changes" => Some("预审退回修改"),
        "case_resubmitted" => Some("申请人重新提交"),
        "case_license_issued" => Some("电子证照签发"),
        "case_correction_requested" => Some("一次性告知补正"),
        "case_supplemented" => Some("补正材料"),
        "case_accepted" => Some("受理"),
        "case_refused" => Some("不予受理"),
        "case_step_passed" => Some("环节通过"),
        "case_step_returned" => Some("退回"),
        "case_suspended" => Some("特别程序开始"),
        "case_resumed" => Some("特别程序结束"),
        "case_extension_requested" => Some("申请延期"),
        "case_extension_approved" => Some("批准延期"),
        "case_concluded" => Some("办结"),
        "case_delivered" => Some("送达"),
        "case_withdrawn" => Some("撤件"),
        "light_changed" => Some("亮灯变化"),
        "step_light_changed" => Some("环节亮灯变化"),
        "supervision_order_issued" => Some("督办"),
        "supervision_order_replied" => Some("督办回复"),
        "supervision_order_escalated" => Some("督办逾期升级"),
        "personal_data_revealed" => Some("查看完整身份信息"),
        "audit_log_read" => Some("查阅审计日志"),
        "login_failed" => Some("登录失败"),
        "login_locked" | "account_locked" => Some("账号锁定"),
        "user_created" => Some("创建账号"),
        "center_created" => Some("创建中心"),
        "catalog_imported" => Some("导入事项目录"),
        "matter_version_created" => Some("事项新版本"),
        "calendar_day_set" => Some("调整工作日"),
        "calendar_year_set" => Some("确认年度日历"),
        "ticket_issued" => Some("取号"),
        "ticket_called" => Some("叫号"),
        "window_paused" => Some("窗口暂停"),
        "window_resumed" => Some("窗口恢复"),
        "appointment_booked" => Some("预约"),
        "appointment_cancelled" => Some("取消预约"),
        _ => None,
    }
}

/// At most this many entries per page or export.
pub const AUDIT_LIMIT: u32 = 5_000;

/// What the auditor asks the log for.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only this actor (username).
    pub actor: Option<String>,
    /// Only event kinds starting with this.
    pub kind: Option<String>,
    /// Only this subject (case number, username, matter code…).
    pub subject: Option<String>,
    /// From (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Until (exclusive).
    pub until: Option<DateTime<Utc>>,
    /// At most this many (capped at [`AUDIT_LIMIT`]).
    pub limit: u32,
}

/// One line of the audit log, personal data masked.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    /// Place in the center's chain.
    pub seq: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// When, in Beijing time (`YYYY-MM-DD HH:MM:SS`).
    pub at_local: String,
    /// Who (username, `system` or `cli`).
    pub actor: String,
    /// What kind of thing was acted on.
    pub subject_kind: String,
    /// Which one.
    pub subject_id: String,
    /// What happened (event kind code).
    pub kind: String,
    /// What happened, in Chinese (the code when it has no name).
    pub kind_label: String,
    /// Details, ID numbers and phones masked.
    pub detail: String,
    /// From which address.
    pub ip: String,
    /// With which browser or program.
    pub user_agent: String,
    /// The event's SM3 hash.
    pub hash: String,
}

impl AuditEntry {
    fn from_event(e: ChainedEvent, sealer: &yichuang_store::Sealer) -> Self {
        // Opened, then masked: the auditor sees 3418**********1234, never a ciphertext.
        let mut payload = sealer
            .open_json_text(&e.payload)
            .unwrap_or(serde_json::Value::Null);
        mask::mask_json(&mut payload);
        let at = DateTime::from_timestamp_millis(e.at_ms).unwrap_or_default();
        Self {
            seq: e.seq,
            at,
            at_local: yichuang_domain::clock::to_shanghai(at)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
            actor: mask::mask_in_text(&e.actor).unwrap_or(e.actor),
            subject_kind: e.subject_kind,
            subject_id: mask::mask_in_text(&e.subject_id).unwrap_or(e.subject_id),
            kind_label: event_label(&e.kind).map_or_else(|| e.kind.clone(), str::to_owned),
            kind: e.kind,
            detail: payload.to_string(),
            ip: e.ip.unwrap_or_default(),
            user_agent: e.user_agent.unwrap_or_default(),
            hash: e.hash,
        }
    }
}

impl Core {
    /// Checks every audit chain from `from_seq` (or only the last `tail` events of each) and
    /// keeps the outcome for the administration page.
    pub async fn verify_audit(&self, from_seq: i64, tail: Option<i64>) -> Result<AuditReport> {
        let report = verify(&*self.store, from_seq, tail).await?;
        if !report.intact() {
            tracing::error!(?report, "audit chain broken");
        }
        if let Ok(mut last) = self.audit.write() {
            *last = Some(report.clone());
        }
        Ok(report)
    }

    /// Checks every chain from `from_seq` and then each of `anchors`: heads copied off the
    /// machine earlier (`yichuang audit anchor`, the 日报), which catch a log rewritten as a
    /// whole with every hash recomputed.
    pub async fn verify_audit_against(
        &self,
        from_seq: i64,
        anchors: &[AuditHead],
    ) -> Result<AuditReport> {
        let mut report = verify(&*self.store, from_seq, None).await?;
        check_anchors(&*self.store, &mut report, anchors).await?;
        if !report.intact() {
            tracing::error!(?report, "audit chain broken");
        }
        if let Ok(mut last) = self.audit.write() {
            *last = Some(report.clone());
        }
        Ok(report)
    }

    /// Rewrites the event log so that it holds no personal value in the clear or under an
    /// older key (see `AuditStore::reseal_event_log`); the rest of the data is sealed first,
    /// so that applicants' new account names are known. Recorded in each changed chain as an
    /// `audit_log_resealed` event by `actor`.
    pub async fn reseal_audit_log(
        &self,
        actor: &str,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<Vec<yichuang_store::audit::ChainRewrite>> {
        let ctx = self.ctx(actor);
        self.store.reseal_personal_data(&ctx, &|_| {}).await?;
        Ok(self.store.reseal_event_log(&ctx, progress).await?)
    }

    /// The head of every chain now, to be copied somewhere the database's owner cannot reach.
    pub async fn audit_anchors(&self) -> Result<Vec<AuditHead>> {
        Ok(self.store.audit_heads().await?)
    }

    /// The anchor of one center's chain now (for the 日报).
    pub async fn audit_anchor_of(&self, center_id: i64) -> Result<Option<AuditHead>> {
        let key = yichuang_store::audit::chain_key(Some(center_id));
        Ok(self
            .audit_anchors()
            .await?
            .into_iter()
            .find(|h| h.chain_key == key))
    }

    /// The last chain check of this process.
    pub fn audit_last(&self) -> Option<AuditReport> {
        self.audit.read().ok().and_then(|last| last.clone())
    }

    /// The last chain check, when it found the trail broken.
    pub fn audit_alarm(&self) -> Option<AuditReport> {
        self.audit_last().filter(|r| !r.intact())
    }

    /// The audit log of the auditor's center, newest first. Only the 审计管理员 reads it; every
    /// read is itself an event (`audit_log_read`), so looking is never silent either.
    pub async fn audit_log(&self, user: &StaffUser, query: &AuditQuery) -> Result<Vec<AuditEntry>> {
        require_role(user, &[Role::Auditor])?;
        let filter = AuditFilter {
            chain_key: Some(user.center_id),
            actor: query.actor.clone().filter(|s| !s.is_empty()),
            kind_prefix: query.kind.clone().filter(|s| !s.is_empty()),
            subject_id: query.subject.clone().filter(|s| !s.is_empty()),
            from: query.from,
            until: query.until,
            limit: query.limit.clamp(1, AUDIT_LIMIT),
        };
        let events = self.store.audit_log(&filter).await?;
        self.store
            .record_event(
                Some(user.center_id),
                ("audit", "log"),
                "audit_log_read",
                serde_json::json!({
                    "actor": filter.actor,
                    "kind": filter.kind_prefix,
                    "subject": filter.subject_id,
                    "rows": events.len(),
                }),
                &self.ctx(&user.username),
            )
            .await?;
        let sealer = self.store().sealer();
        Ok(events
            .into_iter()
            .map(|e| AuditEntry::from_event(e, &sealer))
            .collect())
    }
}

/// The audit log as an Excel workbook: one row per event, times in Beijing time.
pub fn audit_xlsx(entries: &[AuditEntry]) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook, XlsxError};
    const HEADERS: [&str; 10] = [
        "序号",
        "时间",
        "操作人",
        "对象类型",
        "对象",
        "事件",
        "详情",
        "来源地址",
        "客户端",
        "SM3 哈希",
    ];
    let build = || -> std::result::Result<Vec<u8>, XlsxError> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("审计日志")?;
        let bold = Format::new().set_bold();
        for (c, h) in (0u16..).zip(HEADERS) {
            ws.write_string_with_format(0, c, h, &bold)?;
        }
        for (r, e) in (1u32..).zip(entries) {
            let cells = [
                e.seq.to_string(),
                e.at_local.clone(),
                e.actor.clone(),
                e.subject_kind.clone(),
                e.subject_id.clone(),
                e.kind_label.clone(),
                e.detail.clone(),
                e.ip.clone(),
                e.user_agent.clone(),
                e.hash.clone(),
            ];
            for (c, v) in (0u16..).zip(cells) {
                ws.write_string(r, c, v)?;
            }
        }
        ws.set_column_width(1, 20)?;
        ws.set_column_width(6, 60)?;
        ws.set_column_width(9, 66)?;
        wb.save_to_buffer()
    };
    build().map_err(|e| crate::CoreError::Internal(anyhow::anyhow!("xlsx: {e}")))
}
