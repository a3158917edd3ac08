//! Labels of notices and timeline entries on the case page.

use serde_json::Value;
use yichuang_domain::case::Procedure;

pub(crate) fn notice_label(kind: &str) -> &'static str {
    match kind {
        "receipt" => "收件凭证",
        "acceptance" => "受理通知书",
        "refusal" => "不予受理通知书",
        "correction" => "一次性告知书",
        "extension" => "延期告知书",
        "special_procedure" => "特别程序告知书",
        "decision" => "决定书",
        _ => "送达回证",
    }
}

pub(crate) fn event_label(kind: &str) -> &'static str {
    match kind {
        "case_received" => "收件",
        "case_submitted" => "网上申请提交",
        "case_prereview_passed" => "预审通过，收件",
        "case_returned_for_changes" => "预审退回修改",
        "case_resubmitted" => "申请人重新提交",
        "case_license_issued" => "电子证照签发",
        "case_correction_requested" => "一次性告知补正",
        "case_supplemented" => "补正材料",
        "case_accepted" => "受理",
        "case_refused" => "不予受理",
        "case_step_passed" => "环节通过",
        "case_step_returned" => "退回",
        "case_suspended" => "特别程序开始",
        "case_resumed" => "特别程序结束",
        "case_extension_requested" => "申请延期",
        "case_extension_approved" => "批准延期",
        "case_concluded" => "办结",
        "case_delivered" => "送达",
        "case_withdrawn" => "撤件",
        "light_changed" => "亮灯变化",
        "step_light_changed" => "环节亮灯变化",
        "supervision_order_issued" => "督办",
        "supervision_order_replied" => "督办回复",
        "supervision_order_escalated" => "督办逾期升级",
        _ => "其他",
    }
}

pub(crate) fn event_detail(payload: &Value, steps: &[String]) -> String {
    let e = &payload["event"];
    let s = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
    let mut parts = Vec::new();
    if let Some(step) = e["step"]
        .as_u64()
        .and_then(|i| steps.get(usize::try_from(i).ok()?))
    {
        parts.push(format!("环节：{step}"));
    }
    if let Some(p) = e["procedure"].as_str().and_then(Procedure::parse) {
        parts.push(format!(
            "{}，预计 {} 个工作日",
            p.label(),
            e["expected_days"]
        ));
    }
    if let Some(d) = e["days"].as_u64() {
        parts.push(format!("延期 {d} 个工作日"));
    }
    match e["outcome"].as_str() {
        Some("approved") => parts.push("准予".into()),
        Some("denied") => parts.push("不予".into()),
        _ => {}
    }
    if e["deemed"].as_bool() == Some(true) {
        parts.push("逾期未告知补正，视为受理".into());
    }
    for k in ["content", "reply", "number", "to"] {
        if let Some(v) = payload[k].as_str().filter(|v| !v.is_empty()) {
            parts.push(v.to_owned());
        }
    }
    for k in ["comment", "reason", "note", "tracking_no", "recipient"] {
        let v = s(k);
        if !v.is_empty() {
            parts.push(v);
        }
    }
    let place = payload["actor_window"]
        .as_str()
        .or(payload["actor_department"].as_str())
        .unwrap_or_default();
    if !place.is_empty() {
        parts.push(format!("（{place}）"));
    }
    parts.join("；")
}
