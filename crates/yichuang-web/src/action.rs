//! Parsing of case actions and intake requests from JSON (the API) and from form fields (the
//! pages, converted to the same JSON shape first), with Chinese messages.

use chrono::NaiveDate;
use serde_json::Value;
use yichuang_core::CoreError;
use yichuang_core::cases::{ApplicantInput, NewCase};
use yichuang_domain::case::{
    Command, DeliveryMethod, IntakeDecision, MaterialInput, MaterialMode, MaterialReason, Outcome,
    Procedure,
};

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn opt_text(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn uint(v: &Value, key: &str, label: &str) -> Result<u32, CoreError> {
    match v.get(key) {
        Some(Value::Number(n)) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| CoreError::invalid(key, format!("请填写{label}（正整数）")))
}

fn indexes(v: &Value, key: &str) -> Result<Vec<usize>, CoreError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| CoreError::invalid(key, "材料序号应为非负整数"))
            })
            .collect(),
        Some(_) => Err(CoreError::invalid(key, "材料序号应为数组")),
    }
}

/// Parses `materials: [{index, mode, deferred_due?}]`.
pub(crate) fn materials(v: &Value) -> Result<Vec<MaterialInput>, CoreError> {
    let Some(items) = v.get("materials") else {
        return Ok(Vec::new());
    };
    let Some(items) = items.as_array() else {
        return Err(CoreError::invalid("materials", "materials 应为数组"));
    };
    items
        .iter()
        .map(|m| {
            let index = m
                .get("index")
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| CoreError::invalid("materials", "每项材料须有序号 index"))?;
            let mode_text = text(m, "mode");
            if mode_text.trim().is_empty() {
                // The window form preselects nothing: each item is a decision of the clerk's.
                return Err(CoreError::invalid(
                    "materials",
                    format!("第 {} 项材料未选择收取方式，请逐项核验后选择", index + 1),
                ));
            }
            let mode = MaterialMode::parse(&mode_text).ok_or_else(|| {
                CoreError::invalid(
                    "materials",
                    format!("材料 {index} 的收取方式 \"{mode_text}\" 无效，应为 original、copy、upload、license、commitment、shared、deferred 或 missing"),
                )
            })?;
            let deferred_due = match opt_text(m, "deferred_due") {
                Some(d) => Some(NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|_| {
                    CoreError::invalid("materials", format!("材料 {index} 的补交期限格式应为 YYYY-MM-DD"))
                })?),
                None => None,
            };
            Ok(MaterialInput {
                index,
                mode,
                deferred_due,
                file_id: opt_text(m, "file_id"),
            })
        })
        .collect()
}

/// Parses `reasons: [{index, reason}]`: what is wrong with each item of a correction notice.
pub(crate) fn reasons(v: &Value) -> Result<Vec<MaterialReason>, CoreError> {
    let Some(items) = v.get("reasons") else {
        return Ok(Vec::new());
    };
    let Some(items) = items.as_array() else {
        return Err(CoreError::invalid("reasons", "reasons 应为数组"));
    };
    items
        .iter()
        .map(|r| {
            let index = r
                .get("index")
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| CoreError::invalid("reasons", "每项补正原因须有材料序号 index"))?;
            Ok(MaterialReason {
                index,
                reason: text(r, "reason"),
            })
        })
        .collect()
}

/// Parses an action body `{action, …}` into a command.
pub(crate) fn command(v: &Value) -> Result<Command, CoreError> {
    let action = text(v, "action");
    Ok(match action.as_str() {
        "request_correction" => Command::RequestCorrection {
            missing: indexes(v, "missing")?,
            note: text(v, "note"),
            reasons: reasons(v)?,
        },
        "supplement" => Command::Supplement {
            materials: materials(v)?,
        },
        "accept" => Command::Accept,
        "receive" => Command::PreReview,
        "return_for_changes" => Command::ReturnForChanges {
            reason: text(v, "reason"),
        },
        "refuse" => Command::Refuse {
            reason: text(v, "reason"),
        },
        "pass" => Command::Pass {
            comment: text(v, "comment"),
            seen: indexes(v, "seen")?,
        },
        "return" => Command::Return {
            reason: text(v, "reason"),
        },
        "suspend" => {
            let code = text(v, "procedure");
            let procedure = Procedure::parse(&code).ok_or_else(|| {
                CoreError::invalid(
                    "procedure",
                    "特别程序应为听证、检验、检测、检疫、鉴定、专家评审或现场勘验",
                )
            })?;
            Command::Suspend {
                procedure,
                reason: text(v, "reason"),
                expected_days: uint(v, "expected_days", "预计所需工作日")?,
            }
        }
        "resume" => Command::Resume,
        "request_extension" => Command::RequestExtension {
            days: uint(v, "days", "延期天数")?,
            reason: text(v, "reason"),
        },
        "approve_extension" => Command::ApproveExtension,
        "conclude" => {
            let outcome = match text(v, "outcome").as_str() {
                "approved" => Outcome::Approved,
                "denied" => Outcome::Denied,
                _ => {
                    return Err(CoreError::invalid(
                        "outcome",
                        "办结结果应为 approved（准予）或 denied（不予）",
                    ));
                }
            };
            Command::Conclude {
                outcome,
                reason: text(v, "reason"),
                seen: indexes(v, "seen")?,
            }
        }
        "deliver" => {
            let method = match text(v, "method").as_str() {
                "pickup" => DeliveryMethod::Pickup,
                "mail" => DeliveryMethod::Mail,
                _ => {
                    return Err(CoreError::invalid(
                        "method",
                        "送达方式应为 pickup（窗口领取）或 mail（邮寄）",
                    ));
                }
            };
            Command::Deliver {
                method,
                tracking_no: opt_text(v, "tracking_no"),
                recipient: opt_text(v, "recipient"),
            }
        }
        "withdraw" => Command::Withdraw {
            reason: text(v, "reason"),
        },
        "" => return Err(CoreError::invalid("action", "缺少 action")),
        other => {
            return Err(CoreError::invalid(
                "action",
                format!("不支持的操作 \"{other}\""),
            ));
        }
    })
}

/// Parses an intake request.
pub(crate) fn new_case(v: &Value) -> Result<NewCase, CoreError> {
    let matter_code = opt_text(v, "matter_code")
        .ok_or_else(|| CoreError::invalid("matter_code", "请选择事项"))?;
    let a = v
        .get("applicant")
        .ok_or_else(|| CoreError::invalid("applicant", "请填写申请人信息"))?;
    let applicant = ApplicantInput {
        kind: text(a, "type"),
        name: text(a, "name"),
        id_number: opt_text(a, "id_number"),
        credit_code: opt_text(a, "credit_code"),
        phone: text(a, "phone"),
        legal_representative: opt_text(a, "legal_representative"),
        contact: opt_text(a, "contact"),
    };
    let decision = match text(v, "decision").as_str() {
        "receive" => IntakeDecision::Receive,
        "accept" => IntakeDecision::Accept,
        "request_correction" => IntakeDecision::RequestCorrection {
            extra: indexes(v, "missing")?,
            note: text(v, "note"),
            reasons: reasons(v)?,
        },
        "refuse" => IntakeDecision::Refuse {
            reason: text(v, "reason"),
        },
        _ => {
            return Err(CoreError::invalid(
                "decision",
                "decision 应为 accept、receive、request_correction 或 refuse",
            ));
        }
    };
    Ok(NewCase {
        matter_code,
        applicant,
        materials: materials(v)?,
        decision,
    })
}

/// Turns flat form fields (`mode_3=copy`, `due_3=2026-12-01`, `file_3=<id>`, `missing_2=on`,
/// `fix_2=<reason>`, `seen_1=on`) into the JSON shape the parsers above read.
pub(crate) fn form_to_json(fields: &std::collections::HashMap<String, String>) -> Value {
    let mut v = serde_json::Map::new();
    let mut materials = Vec::new();
    let mut missing = Vec::new();
    let mut reasons = Vec::new();
    let mut seen = Vec::new();
    let mut applicant = serde_json::Map::new();
    let numbered =
        |k: &str, prefix: &str| k.strip_prefix(prefix).and_then(|i| i.parse::<usize>().ok());
    for (k, val) in fields {
        if let Some(i) = numbered(k, "mode_") {
            let due = fields.get(&format!("due_{i}")).cloned().unwrap_or_default();
            let file = fields
                .get(&format!("file_{i}"))
                .cloned()
                .unwrap_or_default();
            materials.push(
                serde_json::json!({"index": i, "mode": val, "deferred_due": due, "file_id": file}),
            );
        } else if let Some(i) = numbered(k, "missing_") {
            missing.push(i);
        } else if let Some(i) = numbered(k, "fix_") {
            if !val.trim().is_empty() {
                reasons.push(serde_json::json!({"index": i, "reason": val}));
            }
        } else if let Some(i) = numbered(k, "seen_") {
            seen.push(i);
        } else if k.starts_with("file_") {
        } else if let Some(field) = k.strip_prefix("applicant_") {
            applicant.insert(field.to_owned(), Value::String(val.clone()));
            // Read with its item above.
        } else if !k.starts_with("due_") {
            v.insert(k.clone(), Value::String(val.clone()));
        }
    }
    materials.sort_by_key(|m| m["index"].as_u64());
    reasons.sort_by_key(|m| m["index"].as_u64());
    missing.sort_unstable();
    seen.sort_unstable();
    v.insert("materials".into(), Value::Array(materials));
    v.insert("missing".into(), serde_json::json!(missing));
    v.insert("reasons".into(), Value::Array(reasons));
    v.insert("seen".into(), serde_json::json!(seen));
    if !applicant.is_empty() {
        v.insert("applicant".into(), Value::Object(applicant));
    }
    Value::Object(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_become_the_api_shape() {
        let fields: std::collections::HashMap<String, String> = [
            ("action", "supplement"),
            ("mode_2", "original"),
            ("mode_0", "deferred"),
            ("due_0", "2026-12-01"),
            ("missing_1", "on"),
            ("file_2", "abc"),
            ("fix_1", " 复印件不清晰 "),
            ("fix_0", ""),
            ("seen_2", "on"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let v = form_to_json(&fields);
        assert_eq!(v["materials"][0]["index"], 0);
        assert_eq!(v["materials"][0]["deferred_due"], "2026-12-01");
        assert_eq!(v["missing"], serde_json::json!([1]));
        assert_eq!(v["materials"][1]["file_id"], "abc");
        assert_eq!(
            v["reasons"],
            serde_json::json!([{"index": 1, "reason": " 复印件不清晰 "}])
        );
        assert_eq!(v["seen"], serde_json::json!([2]));
        let cmd = command(&v).unwrap();
        assert!(matches!(cmd, Command::Supplement { materials } if materials.len() == 2));
    }

    #[test]
    fn bad_actions_are_named() {
        let err =
            materials(&serde_json::json!({"materials": [{"index": 2, "mode": ""}]})).unwrap_err();
        assert!(err.to_string().contains("第 3 项材料未选择收取方式"));
        let err = command(&serde_json::json!({"action": "fly"})).unwrap_err();
        assert!(err.to_string().contains("不支持的操作"));
        let err = command(&serde_json::json!({"action": "suspend", "procedure": "x"})).unwrap_err();
        assert!(err.to_string().contains("特别程序"));
    }
}
