//! Encryption at rest for 一窗通. Data is sealed with SM4 in GCM mode (RustCrypto's `sm4` block
//! cipher inside the generic GCM of `aes-gcm`), with a fresh 96-bit nonce per seal and the key
//! id bound into the authenticated data, so that keys can rotate and a damaged or swapped
//! ciphertext is refused rather than decrypted into garbage. Lookups by an encrypted value use a
//! blind index: HMAC-SM3 of the normalized value under a separate key.
//!
//! Keys live in the key directory (`<data>/keys`, mode 0700): `sm4-<kid>.key` files (16 bytes,
//! hex), `current` naming the key new seals use, and `index.key` (32 bytes, hex). Every file is
//! created 0600. [`KeyRing::open_or_create`] makes them at first start.

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{AesGcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use hmac::{Hmac, Mac};

/// SM4 in GCM mode with a 96-bit nonce and 128-bit tag.
type Sm4Gcm = AesGcm<sm4::Sm4, U12>;

/// The first bytes of a sealed blob (a stored file).
pub const BLOB_MAGIC: &[u8; 4] = b"YCE1";
/// The prefix of a sealed text (`$sm4$<kid>$<base64 of nonce ‖ ciphertext ‖ tag>`).
pub const TEXT_PREFIX: &str = "$sm4$";
const NONCE_LEN: usize = 12;

/// What can go wrong with keys and ciphertexts.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The key directory cannot be read or written.
    #[error("key directory {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A key file does not hold a key.
    #[error("key file {0} is not a hex key of the right length")]
    BadKey(PathBuf),
    /// A ciphertext names a key this ring does not have.
    #[error("no key with id {0}: restore the key directory from the backup")]
    UnknownKey(String),
    /// A ciphertext does not authenticate (damaged, truncated, or not ours).
    #[error("ciphertext is damaged or was not sealed by this installation")]
    Damaged,
    /// The operating system gave no randomness.
    #[error("no randomness: {0}")]
    Random(String),
    /// Rotation needs a key directory.
    #[error("this key ring has no directory (ephemeral)")]
    NoDirectory,
}

/// Result of this crate.
pub type Result<T> = std::result::Result<T, CryptoError>;

/// The installation's keys.
pub struct KeyRing {
    dir: Option<PathBuf>,
    keys: BTreeMap<String, Sm4Gcm>,
    current: String,
    index_key: [u8; 64],
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("KeyRing")
            .field("dir", &self.dir)
            .field("keys", &self.keys.keys().collect::<Vec<_>>())
            .field("current", &self.current)
            .finish_non_exhaustive()
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CryptoError + '_ {
    move |source| CryptoError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn random<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|e| CryptoError::Random(e.to_string()))?;
    Ok(out)
}

/// Writes a new file readable only by its owner; fails if it exists.
fn write_secret(path: &Path, contents: &str) -> Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(io(path))?;
    f.write_all(contents.as_bytes()).map_err(io(path))?;
    f.sync_all().map_err(io(path))
}

fn read_hex<const N: usize>(path: &Path) -> Result<[u8; N]> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    let bytes = hex::decode(text.trim()).map_err(|_| CryptoError::BadKey(path.to_path_buf()))?;
    bytes
        .try_into()
        .map_err(|_| CryptoError::BadKey(path.to_path_buf()))
}

/// Tightens a key file that a copy left readable by others.
fn owner_only(path: &Path) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(io(path))?;
    if meta.permissions().mode() & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(io(path))?;
    }
    Ok(())
}

fn cipher(key: &[u8; 16]) -> Sm4Gcm {
    Sm4Gcm::new(key.into())
}

impl KeyRing {
    /// Opens the key directory `dir`, creating it with a first SM4 key and an index key when it
    /// does not exist yet.
    pub fn open_or_create(dir: &Path) -> Result<Self> {
        if !dir.join("current").exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(io(dir))?;
            let index = dir.join("index.key");
            if !index.exists() {
                write_secret(&index, &hex::encode(random::<64>()?))?;
            }
            let key = dir.join("sm4-k1.key");
            if !key.exists() {
                write_secret(&key, &hex::encode(random::<16>()?))?;
            }
            // Another process may have won the race to name the current key; that is fine.
            if let Err(e) = write_secret(&dir.join("current"), "k1")
                && !dir.join("current").exists()
            {
                return Err(e);
            }
        }
        Self::open(dir)
    }

    /// Opens an existing key directory.
    pub fn open(dir: &Path) -> Result<Self> {
        let current_path = dir.join("current");
        let current = std::fs::read_to_string(&current_path)
            .map_err(io(&current_path))?
            .trim()
            .to_owned();
        let index_path = dir.join("index.key");
        owner_only(&index_path)?;
        let index_key = read_hex::<64>(&index_path)?;
        let mut keys = BTreeMap::new();
        for entry in std::fs::read_dir(dir).map_err(io(dir))? {
            let path = entry.map_err(io(dir))?.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if let Some(kid) = name
                .strip_prefix("sm4-")
                .and_then(|n| n.strip_suffix(".key"))
            {
                owner_only(&path)?;
                keys.insert(kid.to_owned(), cipher(&read_hex::<16>(&path)?));
            }
        }
        if !keys.contains_key(&current) {
            return Err(CryptoError::UnknownKey(current));
        }
        Ok(Self {
            dir: Some(dir.to_path_buf()),
            keys,
            current,
            index_key,
        })
    }

    /// A ring with random keys that lives only in memory (tests, benchmarks).
    pub fn ephemeral() -> Result<Self> {
        let mut keys = BTreeMap::new();
        keys.insert("k1".to_owned(), cipher(&random::<16>()?));
        Ok(Self {
            dir: None,
            keys,
            current: "k1".into(),
            index_key: random::<64>()?,
        })
    }

    /// The ring as the key directory holds it now (after `yichuang keys rotate` ran beside a
    /// running server).
    pub fn reload(&self) -> Result<Self> {
        let dir = self.dir.as_ref().ok_or(CryptoError::NoDirectory)?;
        Self::open(dir)
    }

    /// The id the key directory names as current now (one small read), when the ring has a
    /// directory: differs from [`KeyRing::current_kid`] once a rotation ran beside us.
    pub fn current_on_disk(&self) -> Option<String> {
        let dir = self.dir.as_ref()?;
        std::fs::read_to_string(dir.join("current"))
            .ok()
            .map(|s| s.trim().to_owned())
    }

    /// The id of the key new seals use.
    pub fn current_kid(&self) -> &str {
        &self.current
    }

    /// Adds a new key and makes it current; older keys stay to open what they sealed.
    /// Returns the new key id.
    pub fn rotate(&mut self) -> Result<String> {
        let dir = self.dir.clone().ok_or(CryptoError::NoDirectory)?;
        let next = (1..)
            .map(|n| format!("k{n}"))
            .find(|k| !self.keys.contains_key(k))
            .unwrap_or_else(|| "k1".into());
        let key = random::<16>()?;
        write_secret(&dir.join(format!("sm4-{next}.key")), &hex::encode(key))?;
        // Replace `current` atomically: write a temp file, then rename over it.
        let tmp = dir.join("current.tmp");
        let _ = std::fs::remove_file(&tmp);
        write_secret(&tmp, &next)?;
        std::fs::rename(&tmp, dir.join("current")).map_err(io(&dir))?;
        self.keys.insert(next.clone(), cipher(&key));
        self.current.clone_from(&next);
        Ok(next)
    }

    fn seal_raw(&self, plain: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
        let key = self
            .keys
            .get(&self.current)
            .ok_or_else(|| CryptoError::UnknownKey(self.current.clone()))?;
        let nonce = random::<NONCE_LEN>()?;
        let sealed = key
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad })
            .map_err(|_| CryptoError::Damaged)?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    fn open_raw(&self, kid: &str, body: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
        let key = self
            .keys
            .get(kid)
            .ok_or_else(|| CryptoError::UnknownKey(kid.to_owned()))?;
        if body.len() < NONCE_LEN {
            return Err(CryptoError::Damaged);
        }
        let (nonce, sealed) = body.split_at(NONCE_LEN);
        key.decrypt(Nonce::from_slice(nonce), Payload { msg: sealed, aad })
            .map_err(|_| CryptoError::Damaged)
    }

    /// Seals a blob: `YCE1 ‖ kid length ‖ kid ‖ nonce ‖ ciphertext ‖ tag`.
    pub fn seal(&self, plain: &[u8]) -> Result<Vec<u8>> {
        let kid = self.current.as_bytes();
        let mut header = Vec::with_capacity(5 + kid.len());
        header.extend_from_slice(BLOB_MAGIC);
        header.push(u8::try_from(kid.len()).map_err(|_| CryptoError::Damaged)?);
        header.extend_from_slice(kid);
        let body = self.seal_raw(plain, &header)?;
        header.extend_from_slice(&body);
        Ok(header)
    }

    /// The key id of a sealed blob; `None` for a plain (not yet encrypted) one.
    pub fn blob_kid(data: &[u8]) -> Option<&str> {
        let rest = data.strip_prefix(BLOB_MAGIC)?;
        let (&len, rest) = rest.split_first()?;
        std::str::from_utf8(rest.get(..usize::from(len))?).ok()
    }

    /// Opens a sealed blob. A blob without the header is returned as it is: files stored before
    /// encryption was switched on stay readable until `yichuang keys rotate` seals them.
    pub fn open_blob(&self, data: &[u8]) -> Result<Vec<u8>> {
        let Some(kid) = Self::blob_kid(data) else {
            return Ok(data.to_vec());
        };
        let header_len = BLOB_MAGIC.len() + 1 + kid.len();
        self.open_raw(kid, &data[header_len..], &data[..header_len])
    }

    /// Seals a text value: `$sm4$<kid>$<base64>`.
    pub fn seal_text(&self, plain: &str) -> Result<String> {
        let aad = format!("{TEXT_PREFIX}{}$", self.current);
        let body = self.seal_raw(plain.as_bytes(), aad.as_bytes())?;
        Ok(format!("{aad}{}", STANDARD_NO_PAD.encode(body)))
    }

    /// Whether `value` is a sealed text.
    pub fn is_sealed_text(value: &str) -> bool {
        value.starts_with(TEXT_PREFIX)
    }

    /// Opens a sealed text; a plain value is returned as it is.
    pub fn open_text(&self, value: &str) -> Result<String> {
        let Some(rest) = value.strip_prefix(TEXT_PREFIX) else {
            return Ok(value.to_owned());
        };
        let (kid, body) = rest.split_once('$').ok_or(CryptoError::Damaged)?;
        let body = STANDARD_NO_PAD
            .decode(body)
            .map_err(|_| CryptoError::Damaged)?;
        let aad = format!("{TEXT_PREFIX}{kid}$");
        let plain = self.open_raw(kid, &body, aad.as_bytes())?;
        String::from_utf8(plain).map_err(|_| CryptoError::Damaged)
    }

    /// The blind index of a value: hex HMAC-SM3 under the index key. Callers normalize first
    /// (trim, upper-case the check letter of an ID number) so that equal values match.
    pub fn blind_index(&self, value: &str) -> String {
        // The index key is exactly SM3's block size, HMAC's native key length.
        let mut mac = <Hmac<sm3::Sm3> as KeyInit>::new((&self.index_key).into());
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;
    use sm4::cipher::BlockEncrypt;

    #[test]
    fn sm4_matches_the_standard_vector() {
        // GB/T 32907-2016, appendix A, example 1.
        let key = hex::decode("0123456789abcdeffedcba9876543210").unwrap();
        let c = sm4::Sm4::new_from_slice(&key).unwrap();
        let mut block = sm4::cipher::generic_array::GenericArray::clone_from_slice(&key);
        c.encrypt_block(&mut block);
        assert_eq!(hex::encode(block), "681edf34d206965e86b3e94f536e4246");
    }

    #[test]
    fn blobs_and_texts_round_trip_and_hide_their_content() {
        let ring = KeyRing::ephemeral().unwrap();
        let plain = b"%PDF-1.7 11010519491231002X";
        let sealed = ring.seal(plain).unwrap();
        assert_eq!(KeyRing::blob_kid(&sealed), Some("k1"));
        assert!(!sealed.windows(18).any(|w| w == b"11010519491231002X"));
        assert_eq!(ring.open_blob(&sealed).unwrap(), plain);
        assert_ne!(ring.seal(plain).unwrap(), sealed, "a fresh nonce each time");
        let text = ring.seal_text("13912345678").unwrap();
        assert!(text.starts_with("$sm4$k1$") && !text.contains("13912345678"));
        assert_eq!(ring.open_text(&text).unwrap(), "13912345678");
        // Plain values pass through (stored before encryption).
        assert_eq!(ring.open_text("plain").unwrap(), "plain");
        assert_eq!(ring.open_blob(b"plain").unwrap(), b"plain");
    }

    #[test]
    fn damaged_or_foreign_ciphertexts_are_refused() {
        let ring = KeyRing::ephemeral().unwrap();
        let other = KeyRing::ephemeral().unwrap();
        let mut sealed = ring.seal(b"scan").unwrap();
        assert!(matches!(
            other.open_blob(&sealed),
            Err(CryptoError::Damaged)
        ));
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert!(matches!(ring.open_blob(&sealed), Err(CryptoError::Damaged)));
        let text = ring.seal_text("x").unwrap().replace("$k1$", "$k9$");
        assert!(matches!(
            ring.open_text(&text),
            Err(CryptoError::UnknownKey(k)) if k == "k9"
        ));
        assert!(ring.open_text("$sm4$k1$!!").is_err());
    }

    #[test]
    fn the_key_directory_is_private_and_rotation_keeps_old_keys() {
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("keys");
        let mut ring = KeyRing::open_or_create(&keys).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&keys), 0o700);
        for f in ["current", "index.key", "sm4-k1.key"] {
            assert_eq!(mode(&keys.join(f)), 0o600, "{f}");
        }
        let old = ring.seal(b"before").unwrap();
        let index = ring.blind_index("11010519491231002X");
        assert_eq!(index.len(), 64);
        assert_eq!(ring.rotate().unwrap(), "k2");
        let new = ring.seal(b"after").unwrap();
        assert_eq!(KeyRing::blob_kid(&new), Some("k2"));
        // Reopened from disk: both keys, k2 current, the same blind index.
        let again = KeyRing::open_or_create(&keys).unwrap();
        assert_eq!(again.current_kid(), "k2");
        assert_eq!(again.open_blob(&old).unwrap(), b"before");
        assert_eq!(again.open_blob(&new).unwrap(), b"after");
        assert_eq!(again.blind_index("11010519491231002X"), index);
        assert_ne!(again.blind_index("11010519491231003X"), index);
        // A copy that loosened the permissions is tightened on open.
        std::fs::set_permissions(
            keys.join("sm4-k1.key"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        KeyRing::open(&keys).unwrap();
        assert_eq!(mode(&keys.join("sm4-k1.key")), 0o600);
    }
}
