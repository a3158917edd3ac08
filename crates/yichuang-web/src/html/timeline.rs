//! Labels of notices and timeline entries on the case page.

use std::collections::HashMap;

use serde_json::Value;
use yichuang_domain::case::Procedure;

use crate::AppState;
use crate::error::AppError;

/// The names a timeline shows for the accounts, windows and departments its events record
/// by code: people read 综合窗口1号 and 张敏, not `W01` and `clerk1`.
#[derive(Debug, Default)]
pub(crate) struct Names {
    people: HashMap<String, String>,
    places: HashMap<String, String>,
}

impl Names {
    /// Looks up every actor and place `events` mention (a handful per case).
    pub(crate) async fn of(
        state: &AppState,
        center_id: i64,
        events: &[yichuang_core::store::Event],
    ) -> Result<Self, AppError> {
        let store = state.core.store();
        let mut names = Self::default();
        // One lookup per distinct actor, found or not (most events share a few).
        let mut looked_up = std::collections::HashSet::new();
        for e in events {
            if looked_up.insert(e.actor.as_str())
                && let Some(u) = store.user_by_username(&e.actor).await?
            {
                names.people.insert(e.actor.clone(), u.user.display_name);
            }
            if let Some(d) = e.payload["actor_department"].as_str()
                && !names.places.contains_key(d)
                && let Some(dept) = store.department(center_id, d).await?
            {
                names.places.insert(d.to_owned(), dept.name);
            }
        }
        if events.iter().any(|e| e.payload["actor_window"].is_string()) {
            for w in store.windows(center_id).await? {
                names.places.insert(w.code, w.name);
            }
        }
        Ok(names)
    }

    /// Who acted, as people call them: staff by display name, applicants as 申请人 (their
    /// phone masked when that is their account name), the machine as 系统.
    pub(crate) fn actor(&self, actor: &str) -> String {
        if let Some(name) = self.people.get(actor) {
            return name.clone();
        }
        match actor {
            "system" | "bulk" | "cli" => "系统".into(),
            "portal" => "网上办事大厅".into(),
            _ if yichuang_core::store::sealing::is_applicant_actor(actor) => "申请人".into(),
            _ => match yichuang_core::auth::mask_username(actor) {
                masked if masked != actor => format!("申请人 {masked}"),
                _ => actor.to_owned(),
            },
        }
    }

    pub(crate) fn place<'a>(&'a self, code: &'a str) -> &'a str {
        self.places.get(code).map_or(code, String::as_str)
    }
}

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

pub(crate) fn event_detail(
    payload: &Value,
    steps: &[String],
    materials: &[String],
    names: &Names,
) -> String {
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
    let material = |i: &Value| {
        i.as_u64()
            .and_then(|i| materials.get(usize::try_from(i).ok()?))
            .cloned()
    };
    if let Some(seen) = e["seen"].as_array().filter(|a| !a.is_empty()) {
        let list: Vec<String> = seen.iter().filter_map(material).collect();
        parts.push(format!("查阅电子材料：{}", list.join("、")));
    }
    if let Some(reasons) = e["reasons"].as_array().filter(|a| !a.is_empty()) {
        let list: Vec<String> = reasons
            .iter()
            .filter_map(|r| {
                Some(format!(
                    "{}（{}）",
                    material(&r["index"])?,
                    r["reason"].as_str().unwrap_or_default()
                ))
            })
            .collect();
        parts.push(format!("补正：{}", list.join("、")));
    }
    let place = payload["actor_window"]
        .as_str()
        .or(payload["actor_department"].as_str())
        .unwrap_or_default();
    if !place.is_empty() {
        parts.push(format!("（{}）", names.place(place)));
    }
    parts.join("；")
}
