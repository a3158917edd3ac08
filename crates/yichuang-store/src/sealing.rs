//! Personal data sealed at rest: ID numbers, credit codes and phones are stored as SM4-GCM
//! envelopes (`$sm4$<kid>$…`, see `yichuang-crypto`) and looked up through blind indexes
//! (HMAC-SM3 of the normalized value).
//!
//! Both stores hold one [`Sealer`] and hand it to every [`crate::Ctx`] the core makes, so that
//! writes deep inside a transaction (the event log, the case state) seal without a key being
//! threaded through every function. A sealer without keys stores plain values: the
//! conformance suite runs that way, and reading opens plain and sealed values alike, which is
//! what lets a database written before encryption was switched on be sealed in place.

use std::sync::Arc;

use serde_json::Value;
use yichuang_crypto::KeyRing;

use crate::{Result, StoreError};

/// JSON keys whose string values are personal identifiers, sealed inside event payloads and
/// case states wherever they occur.
pub const SEALED_KEYS: &[&str] = &[
    "id_number",
    "phone",
    "holder_id",
    "credit_code",
    "recipient",
];

/// Set only by `yichuang bench intake`, to measure what sealing costs in the same run.
static SEALING_OFF: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Writes plain values while `off` (benchmark only: the switch is not reachable from any
/// configuration; reading opens sealed and plain values alike either way).
pub fn set_sealing_off_for_benchmark(off: bool) {
    SEALING_OFF.store(off, std::sync::atomic::Ordering::SeqCst);
}

fn sealing_on() -> bool {
    !SEALING_OFF.load(std::sync::atomic::Ordering::Relaxed)
}

/// Seals and opens personal data with the data keys of the installation.
#[derive(Clone, Default)]
pub struct Sealer(Option<Arc<KeyRing>>);

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Some(k) => write!(f, "Sealer({})", k.current_kid()),
            None => f.write_str("Sealer(plain)"),
        }
    }
}

fn crypto(e: yichuang_crypto::CryptoError) -> StoreError {
    StoreError::Other(anyhow::anyhow!("personal data: {e}"))
}

impl Sealer {
    /// A sealer over `keys`.
    pub fn new(keys: Arc<KeyRing>) -> Self {
        Self(Some(keys))
    }

    /// Whether values are sealed (keys are configured).
    pub fn is_on(&self) -> bool {
        self.0.is_some()
    }

    /// The key ring, when configured.
    pub fn keys(&self) -> Option<&Arc<KeyRing>> {
        self.0.as_ref()
    }

    /// The envelope prefix of values sealed with the current key (`$sm4$k2$`), which tells a
    /// re-sealing pass what is already done.
    pub fn current_prefix(&self) -> Option<String> {
        self.0
            .as_ref()
            .map(|k| format!("$sm4${}$", k.current_kid()))
    }

    /// Seals `plain` (empty values stay empty: nothing to hide, and "not given" stays visible).
    pub fn seal(&self, plain: &str) -> Result<String> {
        match &self.0 {
            Some(k) if !plain.is_empty() && !KeyRing::is_sealed_text(plain) && sealing_on() => {
                k.seal_text(plain).map_err(crypto)
            }
            _ => Ok(plain.to_owned()),
        }
    }

    /// Opens a stored value, sealed or plain.
    pub fn open(&self, stored: &str) -> Result<String> {
        if !KeyRing::is_sealed_text(stored) {
            return Ok(stored.to_owned());
        }
        match &self.0 {
            Some(k) => k.open_text(stored).map_err(crypto),
            None => Err(StoreError::Other(anyhow::anyhow!(
                "personal data is sealed but no key ring is configured"
            ))),
        }
    }

    /// Opens an optional stored value.
    pub fn open_opt(&self, stored: Option<String>) -> Result<Option<String>> {
        stored.map(|s| self.open(&s)).transpose()
    }

    /// The blind index of an identifier, normalized first (trimmed, letters upper-cased, as ID
    /// check letters and credit codes are). Without keys it is the normalized value itself.
    pub fn index(&self, value: &str) -> String {
        let normal = value.trim().to_uppercase();
        match &self.0 {
            Some(k) => k.blind_index(&normal),
            None => normal,
        }
    }

    /// Seals every [`SEALED_KEYS`] string in `value`, at any depth.
    pub fn seal_json(&self, value: &mut Value) -> Result<()> {
        if self.0.is_none() || !sealing_on() {
            return Ok(());
        }
        match value {
            Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    match v {
                        Value::String(s) if SEALED_KEYS.contains(&key.as_str()) => {
                            *s = self.seal(s)?;
                        }
                        other => self.seal_json(other)?,
                    }
                }
            }
            Value::Array(items) => {
                for v in items {
                    self.seal_json(v)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Opens every sealed string in `value`, at any depth.
    pub fn open_json(&self, value: &mut Value) -> Result<()> {
        match value {
            Value::String(s) if KeyRing::is_sealed_text(s) => *s = self.open(s)?,
            Value::Object(map) => {
                for v in map.values_mut() {
                    self.open_json(v)?;
                }
            }
            Value::Array(items) => {
                for v in items {
                    self.open_json(v)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Whether a stored JSON value (not opened) holds a personal field in plain text or sealed
    /// with another key than the current one.
    pub fn needs_reseal(&self, stored: &Value) -> bool {
        let Some(prefix) = self.current_prefix() else {
            return false;
        };
        fn walk(v: &Value, key: Option<&str>, prefix: &str) -> bool {
            match v {
                Value::String(s) if KeyRing::is_sealed_text(s) => !s.starts_with(prefix),
                Value::String(s) => key.is_some_and(|k| SEALED_KEYS.contains(&k)) && !s.is_empty(),
                Value::Object(map) => map.iter().any(|(k, v)| walk(v, Some(k), prefix)),
                Value::Array(items) => items.iter().any(|v| walk(v, None, prefix)),
                _ => false,
            }
        }
        walk(stored, None, &prefix)
    }

    /// Seals a JSON text (an event payload or a case state) for storage.
    pub fn seal_json_text(&self, value: &Value) -> Result<String> {
        if self.0.is_none() || !sealing_on() {
            return Ok(value.to_string());
        }
        let mut v = value.clone();
        self.seal_json(&mut v)?;
        Ok(v.to_string())
    }

    /// A case state as both stores keep it: JSON with its personal fields sealed.
    pub fn case_state_text(&self, case: &yichuang_domain::case::Case) -> Result<String> {
        let value = serde_json::to_value(case).map_err(|e| StoreError::Other(e.into()))?;
        self.seal_json_text(&value)
    }

    /// A stored case state, opened (a state without envelopes is parsed directly).
    pub fn open_case_state(&self, stored: &str) -> Result<yichuang_domain::case::Case> {
        let corrupt = |e: serde_json::Error| {
            StoreError::Other(anyhow::anyhow!("stored case state is corrupt: {e}"))
        };
        if !stored.contains("$sm4$") {
            return serde_json::from_str(stored).map_err(corrupt);
        }
        serde_json::from_value(self.open_json_text(stored)?).map_err(corrupt)
    }

    /// Parses and opens a stored JSON text.
    pub fn open_json_text(&self, stored: &str) -> Result<Value> {
        let mut v: Value = serde_json::from_str(stored)
            .map_err(|e| StoreError::Other(anyhow::anyhow!("stored JSON: {e}")))?;
        self.open_json(&mut v)?;
        Ok(v)
    }
}

/// What a re-sealing pass over the stored personal data did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ResealReport {
    /// Rows whose values were sealed or re-sealed with the current key.
    pub rows: u64,
    /// Of those, rows that held plain values before.
    pub were_plain: u64,
    /// Applicant accounts whose login name was the phone number and now is its index.
    pub usernames: u64,
}

/// The login name of an applicant account: derived from the phone's blind index, so that the
/// users table, sessions, lockouts and the event log's actor column never hold the phone.
pub fn applicant_username(sealer: &Sealer, phone: &str) -> String {
    let index = sealer.index(phone);
    if sealer.is_on() {
        format!("sj-{}", &index[..index.len().min(20)])
    } else {
        index
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;
    use serde_json::json;

    fn sealer() -> Sealer {
        Sealer::new(Arc::new(KeyRing::ephemeral().unwrap()))
    }

    #[test]
    fn json_fields_are_sealed_at_any_depth_and_open_again() {
        let s = sealer();
        let v = json!({"event": {"applicant": {"name": "张三", "id_number": "340102199001011234",
            "phone": "13800001111"}}, "list": [{"holder_id": "91341800MA2N0000X1"}], "n": 1});
        let text = s.seal_json_text(&v).unwrap();
        assert!(!text.contains("340102199001011234"), "{text}");
        assert!(!text.contains("13800001111"));
        assert!(!text.contains("91341800MA2N0000X1"));
        assert!(text.contains("张三"), "other fields stay readable");
        assert_eq!(s.open_json_text(&text).unwrap(), v);
        assert!(s.needs_reseal(&v));
        assert!(!s.needs_reseal(&serde_json::from_str(&text).unwrap()));
    }

    #[test]
    fn plain_values_still_open_and_indexes_normalize() {
        let s = sealer();
        assert_eq!(s.open("13800001111").unwrap(), "13800001111");
        assert_eq!(
            s.index(" 34010219900101123x "),
            s.index("34010219900101123X")
        );
        assert_ne!(s.index("13800001111"), "13800001111");
        assert!(applicant_username(&s, "13800001111").starts_with("sj-"));
        let plain = Sealer::default();
        assert!(Sealer::default().open(&s.seal("x1").unwrap()).is_err());
        assert_eq!(plain.seal("13800001111").unwrap(), "13800001111");
        assert_eq!(s.seal("").unwrap(), "");
    }
}
