//! Masking of personal data (ID numbers, phones) wherever it is shown or logged.

/// Masks an ID number or credit code, keeping the first 4 and last 4 characters:
/// `342501199001011234` → `3425**********1234`.
pub fn mask_id(id: &str) -> String {
    mask_middle(id, 4, 4)
}

/// Masks a phone number, keeping the first 3 and last 4 digits: `13912345678` → `139****5678`.
pub fn mask_phone(phone: &str) -> String {
    mask_middle(phone, 3, 4)
}

fn mask_middle(s: &str, keep_head: usize, keep_tail: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= keep_head + keep_tail {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..keep_head].iter().collect();
    out.push_str(&"*".repeat(chars.len() - keep_head - keep_tail));
    out.extend(&chars[chars.len() - keep_tail..]);
    out
}

/// Keys whose values are ID numbers or credit codes, wherever they sit in a JSON document.
const ID_KEYS: &[&str] = &[
    "id_number",
    "credit_code",
    "holder_id",
    "applicant_id_number",
    "applicant_credit_code",
];
/// Keys whose values are phone numbers.
const PHONE_KEYS: &[&str] = &["phone", "contact_phone", "applicant_phone", "recipient"];

/// Masks every ID number and phone in a JSON document: values under the known keys, and any
/// 18-character ID number or 11-digit mobile number found inside other strings (a free-text
/// reason, an actor that is an applicant's phone). For logs, exports and the event API.
pub fn mask_json(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match v {
                    Value::String(s) if ID_KEYS.contains(&key.as_str()) => *s = mask_id(s),
                    Value::String(s) if PHONE_KEYS.contains(&key.as_str()) => {
                        *s = mask_phone(s);
                    }
                    other => mask_json(other),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_json),
        Value::String(s) => {
            if let Some(masked) = mask_in_text(s) {
                *s = masked;
            }
        }
        _ => {}
    }
}

/// Masks ID numbers (17 digits and a digit or `X`) and mobile numbers (11 digits starting
/// with 1) that stand alone in `text`, i.e. not inside a longer run of letters and digits.
/// `None` when there is nothing to mask.
pub fn mask_in_text(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_alphanumeric() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let run: String = chars[start..i].iter().collect();
        let digits17 = run.len() == 18
            && run[..17].bytes().all(|b| b.is_ascii_digit())
            && matches!(run.as_bytes()[17], b'0'..=b'9' | b'X' | b'x');
        let mobile =
            run.len() == 11 && run.starts_with('1') && run.bytes().all(|b| b.is_ascii_digit());
        if digits17 {
            out.push_str(&mask_id(&run));
            changed = true;
        } else if mobile {
            out.push_str(&mask_phone(&run));
            changed = true;
        } else {
            out.push_str(&run);
        }
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_only_head_and_tail() {
        assert_eq!(mask_id("342501199001011234"), "3425**********1234");
        assert_eq!(mask_phone("13912345678"), "139****5678");
        assert_eq!(mask_phone("123"), "***");
    }

    #[test]
    fn json_documents_are_masked_by_key_and_by_shape() {
        let mut v = serde_json::json!({
            "applicant": {"id_number": "342501199001011234", "phone": "13912345678", "name": "张三"},
            "holder_id": "91341800MA2XXXXX1X",
            "reason": "申请人 342501199001011234 电话 13912345678 已核对",
            "matter": "340101001000-341800000000-000-11341800030413869K-1-00",
            "list": ["13800001111"],
            "case_no": "SC2026110200001"
        });
        mask_json(&mut v);
        let text = v.to_string();
        assert!(!text.contains("342501199001011234"), "{text}");
        assert!(
            !text.contains("13912345678") && !text.contains("13800001111"),
            "{text}"
        );
        assert_eq!(v["applicant"]["id_number"], "3425**********1234");
        assert_eq!(v["applicant"]["name"], "张三");
        assert_eq!(v["holder_id"], "9134**********XX1X");
        assert_eq!(
            v["matter"],
            "340101001000-341800000000-000-11341800030413869K-1-00"
        );
        assert_eq!(v["case_no"], "SC2026110200001");
        assert_eq!(mask_in_text("无号码"), None);
    }
}
