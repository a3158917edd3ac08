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
    yichuang_core::audit::event_label(kind).unwrap_or("其他")
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
