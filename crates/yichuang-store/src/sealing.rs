//! Personal data sealed at rest: ID numbers, credit codes and phones are stored as SM4-GCM
//! envelopes (`$sm4$<kid>$…`, see `yichuang-crypto`) and looked up through blind indexes
//! (HMAC-SM3 of the normalized value).
//!
//! Both stores hold one [`Sealer`] and hand it to every [`crate::Ctx`] the core makes, so that
//! writes deep inside a transaction (the event log, the case state) seal without a key being
//! threaded through every function. A sealer without keys stores plain values: the
//! conformance suite runs that way, and reading opens plain and sealed values alike, which is
//! what lets a database written before encryption was switched on be sealed in place.

use std::sync::{Arc, RwLock};

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

/// Marks a re-keyed legacy ID digest (see [`Sealer::rekeyed_legacy_digest`]).
pub const LEGACY_DIGEST_PREFIX: &str = "v0:";

/// Marks the holder index of a ticket or appointment (see [`Sealer::holder_index`]), which
/// tells it apart from the unkeyed digests earlier versions stored.
pub const HOLDER_INDEX_PREFIX: &str = "ix:";

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
///
/// Clones share one live key ring: after `yichuang keys rotate` ran beside a running server,
/// sealing looks at the key directory at most every [`ROTATION_CHECK`] and [`Sealer::refresh`]
/// (every minute and on SIGHUP) rereads it, so every clone seals with the new key,
/// and a value naming a key this process has not seen yet reloads the ring before it opens.
#[derive(Clone, Default)]
pub struct Sealer(Option<Arc<Live>>);

/// The ring every clone of a [`Sealer`] shares, and when it last looked for a rotation.
struct Live {
    ring: RwLock<Arc<KeyRing>>,
    checked: std::sync::Mutex<Option<std::time::Instant>>,
}

/// How often sealing looks at the key directory's `current` file: `keys rotate` waits twice
/// this long after switching before it re-seals, so nothing sealed with the old key by a
/// running server escapes its pass.
pub const ROTATION_CHECK: std::time::Duration = std::time::Duration::from_secs(1);

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.ring() {
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
        Self(Some(Arc::new(Live {
            ring: RwLock::new(keys),
            checked: std::sync::Mutex::new(None),
        })))
    }

    /// Whether values are sealed (keys are configured).
    pub fn is_on(&self) -> bool {
        self.0.is_some()
    }

    /// The key ring as it is now, when configured.
    pub fn ring(&self) -> Option<Arc<KeyRing>> {
        self.0.as_ref().map(|live| {
            // A poisoned lock still holds a whole ring: a panic elsewhere cannot leave it torn.
            live.ring
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone()
        })
    }

    /// Rereads the key directory; returns the new current key id when it changed (a rotation
    /// ran beside this process), `None` when nothing changed or the ring has no directory.
    pub fn refresh(&self) -> Result<Option<String>> {
        let (Some(live), Some(ring)) = (&self.0, self.ring()) else {
            return Ok(None);
        };
        let fresh = match ring.reload() {
            Ok(fresh) => fresh,
            Err(yichuang_crypto::CryptoError::NoDirectory) => return Ok(None),
            Err(e) => return Err(crypto(e)),
        };
        let changed = fresh.current_kid() != ring.current_kid();
        let kid = fresh.current_kid().to_owned();
        *live
            .ring
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(fresh);
        Ok(changed.then_some(kid))
    }

    /// The ring to seal with: at most every [`ROTATION_CHECK`], one read of the directory's
    /// `current` file, and a reload when a rotation switched it, so that a running server
    /// stops sealing with the old key within a second of `keys rotate`.
    fn sealing_ring(&self) -> Option<Arc<KeyRing>> {
        let live = self.0.as_ref()?;
        let due = {
            let mut checked = live
                .checked
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = std::time::Instant::now();
            let due = checked.is_none_or(|at| now.duration_since(at) >= ROTATION_CHECK);
            if due {
                *checked = Some(now);
            }
            due
        };
        let ring = self.ring()?;
        if due
            && ring
                .current_on_disk()
                .is_some_and(|kid| kid != ring.current_kid())
        {
            match self.refresh() {
                Ok(_) => return self.ring(),
                Err(e) => {
                    tracing::warn!(error = %e, "the key directory changed but could not be read")
                }
            }
        }
        Some(ring)
    }

    /// Runs `f` on the ring; when the value names a key this process does not know yet, rereads
    /// the key directory once and tries again.
    fn with_fresh_ring<T>(&self, f: impl Fn(&KeyRing) -> yichuang_crypto::Result<T>) -> Result<T> {
        let ring = self.ring().ok_or_else(|| {
            StoreError::Other(anyhow::anyhow!(
                "personal data is sealed but no key ring is configured"
            ))
        })?;
        match f(&ring) {
            Err(yichuang_crypto::CryptoError::UnknownKey(kid)) => {
                tracing::info!(%kid, "a value names a newer key: rereading the key directory");
                self.refresh()?;
                let ring = self.ring().unwrap_or(ring);
                f(&ring).map_err(crypto)
            }
            other => other.map_err(crypto),
        }
    }

    /// Seals a file's bytes with the current key.
    pub fn seal_blob(&self, plain: &[u8]) -> Result<Vec<u8>> {
        match self.sealing_ring() {
            Some(k) => k.seal(plain).map_err(crypto),
            None => Err(StoreError::Other(anyhow::anyhow!("no keys to seal files"))),
        }
    }

    /// Opens a stored file's bytes (a file stored before encryption is returned as it is).
    pub fn open_blob(&self, stored: &[u8]) -> Result<Vec<u8>> {
        self.with_fresh_ring(|k| k.open_blob(stored))
    }

    /// The envelope prefix of values sealed with the current key (`$sm4$k2$`), which tells a
    /// re-sealing pass what is already done.
    pub fn current_prefix(&self) -> Option<String> {
        self.ring().map(|k| format!("$sm4${}$", k.current_kid()))
    }

    /// Seals `plain` (empty values stay empty: nothing to hide, and "not given" stays visible).
    pub fn seal(&self, plain: &str) -> Result<String> {
        match self.sealing_ring() {
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
        self.with_fresh_ring(|k| k.open_text(stored))
    }

    /// Opens an optional stored value.
    pub fn open_opt(&self, stored: Option<String>) -> Result<Option<String>> {
        stored.map(|s| self.open(&s)).transpose()
    }

    /// The blind index of an identifier, normalized first (trimmed, letters upper-cased, as ID
    /// check letters and credit codes are). Without keys it is the normalized value itself.
    pub fn index(&self, value: &str) -> String {
        let normal = value.trim().to_uppercase();
        match self.ring() {
            Some(k) => k.blind_index(&normal),
            None => normal,
        }
    }

    /// What a ticket or appointment written before blind indexes keeps of its holder: the
    /// unkeyed SHA-256 of the ID number it stored (which anyone can reverse by trying every ID)
    /// run through the keyed index, so it still matches the holder and no longer helps a thief.
    pub fn rekeyed_legacy_digest(&self, digest: &str) -> String {
        format!("{LEGACY_DIGEST_PREFIX}{}", self.index(digest))
    }

    /// What a ticket or appointment keeps of its holder's ID number: the keyed index, marked.
    pub fn holder_index(&self, id: &str) -> String {
        format!("{HOLDER_INDEX_PREFIX}{}", self.index(id))
    }

    /// Whether a stored holder digest is the unkeyed SHA-256 of an earlier version.
    pub fn is_legacy_digest(stored: &str) -> bool {
        !stored.starts_with(LEGACY_DIGEST_PREFIX)
            && !stored.starts_with(HOLDER_INDEX_PREFIX)
            && stored != "-"
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

    /// A stored case state, opened.
    pub fn open_case_state(&self, stored: &str) -> Result<yichuang_domain::case::Case> {
        // Opened in the text and parsed once, straight into the case: through a
        // `serde_json::Value` (parsed, walked, converted) a list of 100 cases spent a third of
        // its time building and dropping the maps.
        serde_json::from_str(&self.open_sealed_strings(stored)?)
            .map_err(|e| StoreError::Other(anyhow::anyhow!("stored case state is corrupt: {e}")))
    }

    /// Stored JSON text with every sealed string value opened in place, as [`Self::open_json`]
    /// opens them in a parsed value: a string is sealed when its text starts with the envelope
    /// prefix. A quote escaped inside another string does not start one, and object keys are
    /// left as they are.
    pub fn open_sealed_strings<'a>(&self, stored: &'a str) -> Result<std::borrow::Cow<'a, str>> {
        let start = format!("\"{}", yichuang_crypto::TEXT_PREFIX);
        if !stored.contains(&start) {
            return Ok(std::borrow::Cow::Borrowed(stored));
        }
        let damaged = || StoreError::Other(anyhow::anyhow!("stored JSON: unterminated string"));
        let mut out = String::with_capacity(stored.len());
        let mut rest = stored;
        while let Some(at) = rest.find(&start) {
            let escaped = rest[..at].bytes().rev().take_while(|b| *b == b'\\').count() % 2 == 1;
            // An envelope holds no quote or backslash (key id and base64), so it ends at the
            // next quote.
            let len = rest[at + 1..].find('"').ok_or_else(damaged)?;
            let end = at + 1 + len;
            let is_key = rest[end + 1..].trim_start().starts_with(':');
            if escaped || is_key {
                out.push_str(&rest[..=end]);
            } else {
                out.push_str(&rest[..at]);
                let plain = self.open(&rest[at + 1..end])?;
                out.push_str(
                    &serde_json::to_string(&plain).map_err(|e| StoreError::Other(e.into()))?,
                );
            }
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        Ok(std::borrow::Cow::Owned(out))
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

/// How the login name of every (sealed) applicant account begins.
pub const APPLICANT_PREFIX: &str = "sj-";

/// Whether an event's actor is an applicant (an account [`applicant_username`] named, or the
/// anonymous `applicant` of a booking) rather than a member of staff.
pub fn is_applicant_actor(actor: &str) -> bool {
    actor == "applicant" || actor.starts_with(APPLICANT_PREFIX)
}

/// The login name of an applicant account: derived from the phone's blind index, so that the
/// users table, sessions, lockouts and the event log's actor column never hold the phone.
pub fn applicant_username(sealer: &Sealer, phone: &str) -> String {
    let index = sealer.index(phone);
    if sealer.is_on() {
        format!("{APPLICANT_PREFIX}{}", &index[..index.len().min(20)])
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

    /// Opening the sealed strings in the text gives what opening them in the parsed value
    /// gives, whatever the other strings hold.
    #[test]
    fn sealed_strings_open_in_the_text_as_in_the_value() {
        let s = sealer();
        let v = json!({"applicant": {"id_number": "340102199001011234", "phone": "13800001111",
            "name": "张\"三\\"}, "note": "引号\"$sm4$k1$AAAA\" 与反斜杠 \\\"$sm4$x",
            "$sm4$k1$notakey": "键不打开", "holders": [{"holder_id": "91341800MA2N0000X1"},
            {"holder_id": "9134\"\u{1}"}], "n": 1});
        let text = s.seal_json_text(&v).unwrap();
        assert!(!text.contains("340102199001011234"), "{text}");
        let opened = s.open_sealed_strings(&text).unwrap();
        assert_eq!(serde_json::from_str::<Value>(&opened).unwrap(), v);
        assert_eq!(s.open_json_text(&text).unwrap(), v);
        // Text without envelopes is not copied.
        let plain = json!({"name": "张三", "n": 1}).to_string();
        assert!(matches!(
            sealer().open_sealed_strings(&plain).unwrap(),
            std::borrow::Cow::Borrowed(_)
        ));
        assert!(s.open_sealed_strings("{\"a\":\"$sm4$k1$AAAA").is_err());
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

    #[test]
    fn a_key_rotated_beside_a_running_server_is_picked_up() {
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("keys");
        let running = Sealer::new(Arc::new(KeyRing::open_or_create(&keys).unwrap()));
        let clone = running.clone();
        let before = running.seal("13800001111").unwrap();
        assert!(before.starts_with("$sm4$k1$"), "{before}");

        // `yichuang keys rotate` in another process: a new current key, values sealed with it.
        let mut cli = KeyRing::open(&keys).unwrap();
        assert_eq!(cli.rotate().unwrap(), "k2");
        let by_cli = cli.seal_text("340102199001011234").unwrap();
        let blob = cli.seal(b"scan").unwrap();

        // A value naming k2 makes the server reread the directory before opening instead of
        // failing (whether or not its sealing already noticed the switch).
        assert_eq!(clone.open(&by_cli).unwrap(), "340102199001011234");
        assert_eq!(running.open_blob(&blob).unwrap(), b"scan");
        // That reread (or the minute's refresh) moved every clone to k2; old values still open.
        assert!(running.seal("y").unwrap().starts_with("$sm4$k2$"));
        assert_eq!(running.refresh().unwrap(), None, "nothing changed since");
        assert_eq!(clone.open(&before).unwrap(), "13800001111");
        // The blind index does not depend on the data key.
        assert_eq!(
            running.index("a"),
            Sealer::new(Arc::new(KeyRing::open(&keys).unwrap())).index("a")
        );

        let mut again = KeyRing::open(&keys).unwrap();
        assert_eq!(again.rotate().unwrap(), "k3");
        assert_eq!(clone.refresh().unwrap().as_deref(), Some("k3"));
        assert!(running.seal("z").unwrap().starts_with("$sm4$k3$"));
        // An ephemeral ring has nothing to reread.
        assert_eq!(sealer().refresh().unwrap(), None);
    }

    /// Sealing itself looks at the directory's `current` (at most every ROTATION_CHECK), so a
    /// running server stops using the old key within a second, told or not.
    #[test]
    fn sealing_follows_a_rotation_without_being_told() {
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("keys");
        let running = Sealer::new(Arc::new(KeyRing::open_or_create(&keys).unwrap()));
        let mut cli = KeyRing::open(&keys).unwrap();
        assert_eq!(cli.rotate().unwrap(), "k2");
        // Its first seal since it started is due a look: it seals with k2 at once.
        assert!(running.seal("13800001111").unwrap().starts_with("$sm4$k2$"));
        assert!(running.seal_blob(b"scan").is_ok());
        assert_eq!(running.ring().unwrap().current_kid(), "k2");
    }
}
