//! Identity numbers: 居民身份证号码 (GB 11643, ISO 7064 MOD 11-2 check character) and
//! 统一社会信用代码 (GB 32100, MOD 31 check character), and phone numbers.

use chrono::NaiveDate;

/// Validates an 18-character resident ID number: region, a real birth date, and the check
/// character. Lower-case `x` is accepted and normalised to `X`.
pub fn parse_id_number(raw: &str) -> Result<String, &'static str> {
    let s = raw.trim().to_uppercase();
    let chars: Vec<char> = s.chars().collect();
    if chars.len() != 18 {
        return Err("居民身份证号码应为 18 位");
    }
    if !chars[..17].iter().all(char::is_ascii_digit) {
        return Err("居民身份证号码前 17 位应为数字");
    }
    // GB/T 2260: the first two digits are a province-level code; 000000 and the like are not
    // places.
    const PROVINCES: &[&str] = &[
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
        "65", "71", "81", "82", "83",
    ];
    if !PROVINCES.contains(&&s[..2]) || &s[2..6] == "0000" {
        return Err("居民身份证号码中的地区代码无效");
    }
    let birth = &s[6..14];
    let valid_birth = NaiveDate::parse_from_str(birth, "%Y%m%d")
        .ok()
        .is_some_and(|d| d >= NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(d));
    if !valid_birth {
        return Err("居民身份证号码中的出生日期无效");
    }
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let sum: u32 = chars[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    if CHECK[(sum % 11) as usize] != chars[17] {
        return Err("居民身份证号码校验位不正确，请核对");
    }
    Ok(s)
}

/// The birth date written in a (valid) resident ID number.
pub fn id_birth_date(id: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(id.get(6..14)?, "%Y%m%d").ok()
}

/// Whether a character is invisible or reorders text: control characters (NUL included),
/// zero-width characters and bidirectional overrides (U+202E makes "张三exe.txt" read
/// otherwise). None belongs in a person's or a company's name.
fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{00AD}' | '\u{180E}')
}

/// Validates the name of an applicant or holder: trimmed (ideographic spaces included),
/// 1–100 characters, no invisible or direction-changing characters.
pub fn parse_name(raw: &str) -> Result<String, &'static str> {
    if raw.chars().any(is_hidden) {
        return Err("名称含有不可见字符或控制字符，请重新输入");
    }
    let name = raw.trim();
    if name.is_empty() {
        return Err("请填写申请人名称");
    }
    if name.chars().count() > 100 {
        return Err("申请人名称最多 100 字");
    }
    Ok(name.to_owned())
}

const USCC_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Validates an 18-character unified social credit code (统一社会信用代码).
pub fn parse_credit_code(raw: &str) -> Result<String, &'static str> {
    let s = raw.trim().to_uppercase();
    let chars: Vec<char> = s.chars().collect();
    if chars.len() != 18 {
        return Err("统一社会信用代码应为 18 位");
    }
    let values: Option<Vec<u32>> = chars
        .iter()
        .map(|c| USCC_CHARS.find(*c).and_then(|i| u32::try_from(i).ok()))
        .collect();
    let Some(values) = values else {
        return Err("统一社会信用代码含有不允许的字符（不含 I、O、S、V、Z）");
    };
    const WEIGHTS: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let sum: u32 = values[..17].iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    if values[17] != check {
        return Err("统一社会信用代码校验位不正确，请核对");
    }
    Ok(s)
}

/// Validates a mobile (11 digits starting with 1) or landline (digits with an optional area
/// code and dash, 7–20 characters) number.
pub fn parse_phone(raw: &str) -> Result<String, &'static str> {
    let s: String = raw.trim().chars().filter(|c| *c != ' ').collect();
    let mobile = s.len() == 11 && s.starts_with('1') && s.chars().all(|c| c.is_ascii_digit());
    let landline = (7..=20).contains(&s.len())
        && s.chars().all(|c| c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.starts_with('1');
    if mobile || landline {
        Ok(s)
    } else {
        Err("联系电话格式不正确（手机 11 位或座机号码）")
    }
}

/// Computes the check character of the first 17 digits of an ID number (test data helper).
pub fn id_check_char(first17: &str) -> Option<char> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += c.to_digit(10)? * w;
    }
    Some(CHECK[(sum % 11) as usize])
}

/// Computes the check character of the first 17 characters of a credit code (test data helper).
pub fn credit_check_char(first17: &str) -> Option<char> {
    const WEIGHTS: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    if first17.chars().count() != 17 {
        return None;
    }
    let mut sum = 0;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += u32::try_from(USCC_CHARS.find(c)?).ok()? * w;
    }
    USCC_CHARS.chars().nth(((31 - sum % 31) % 31) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_numbers_are_checked_by_gb_11643() {
        // The standard's own example: 11010519491231002X.
        assert_eq!(
            parse_id_number("11010519491231002x"),
            Ok("11010519491231002X".into())
        );
        assert!(parse_id_number("110105194912310021").is_err());
        assert!(parse_id_number("11010519491331002X").is_err(), "month 13");
        assert!(parse_id_number("1101051949123100").is_err());
        let first = "34250119900101123";
        let full = format!("{first}{}", id_check_char(first).unwrap());
        assert!(parse_id_number(&full).is_ok());
    }

    #[test]
    fn credit_codes_are_checked_by_gb_32100() {
        // A published code: 91350100M000100Y43.
        assert_eq!(
            parse_credit_code("91350100M000100Y43"),
            Ok("91350100M000100Y43".into())
        );
        assert!(parse_credit_code("91350100M000100Y44").is_err());
        assert!(
            parse_credit_code("91350100M000100YI3").is_err(),
            "I is not allowed"
        );
        let first = "91341800MA2N0XY1Q";
        let full = format!("{first}{}", credit_check_char(first).unwrap());
        assert!(parse_credit_code(&full).is_ok());
    }

    #[test]
    fn phones_are_mobile_or_landline() {
        assert!(parse_phone("13912345678").is_ok());
        assert!(parse_phone("0563-2345678").is_ok());
        assert!(parse_phone("1391234567").is_err());
        assert!(parse_phone("abc").is_err());
    }
}
