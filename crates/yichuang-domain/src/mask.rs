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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_only_head_and_tail() {
        assert_eq!(mask_id("342501199001011234"), "3425**********1234");
        assert_eq!(mask_phone("13912345678"), "139****5678");
        assert_eq!(mask_phone("123"), "***");
    }
}
