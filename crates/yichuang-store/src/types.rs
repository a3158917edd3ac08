//! Input and output records of the store.

use chrono::{DateTime, Utc};
use serde::Serialize;
use yichuang_domain::account::{Role, StaffUser};
use yichuang_domain::catalog::{Handling, Matter};

/// Who does an operation and when: every write carries one, and it becomes the event's actor
/// and time.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Username, `system`, or `cli`.
    pub actor: String,
    /// The instant, from the injected clock.
    pub now: DateTime<Utc>,
    /// Where the request came from (empty for jobs and the command line).
    pub origin: crate::Origin,
    /// Seals the personal data this write stores (the store's own sealer, handed out by
    /// [`crate::Store::sealer`]; plain when the context was made without it).
    pub sealer: crate::Sealer,
}

impl Ctx {
    /// A context for `actor` at `now`, from the origin of the running request.
    pub fn new(actor: impl Into<String>, now: DateTime<Utc>) -> Self {
        Self {
            actor: actor.into(),
            now,
            origin: crate::Origin::current(),
            sealer: crate::Sealer::default(),
        }
    }

    /// The context sealing with `sealer`.
    #[must_use]
    pub fn sealed(mut self, sealer: crate::Sealer) -> Self {
        self.sealer = sealer;
        self
    }
}

/// A new center.
#[derive(Debug, Clone, Default)]
pub struct NewCenter {
    /// Stable code.
    pub code: String,
    /// Name, e.g. 宣城市政务服务中心.
    pub name: String,
    /// The center it reports to (none for the city center).
    pub parent_id: Option<i64>,
    /// `city`, `sub_center`, `district` or `township`; empty means `city`.
    pub kind: String,
}

/// A service center.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Center {
    /// Database id.
    pub id: i64,
    /// Stable code.
    pub code: String,
    /// Name.
    pub name: String,
    /// The center it reports to.
    pub parent_id: Option<i64>,
    /// `city`, `sub_center`, `district` or `township`.
    pub kind: String,
}

/// What a catalog import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Matters seen for the first time (version 1).
    pub matters_created: u64,
    /// Matters whose content changed (new version).
    pub matters_versioned: u64,
    /// Matters unchanged.
    pub matters_unchanged: u64,
    /// Departments, windows, groups and licence types inserted or changed.
    pub reference_rows_changed: u64,
}

impl ImportReport {
    /// Whether the import changed anything.
    pub fn changed(&self) -> bool {
        self.matters_created + self.matters_versioned + self.reference_rows_changed > 0
    }
}

/// Filter for listing matters.
#[derive(Debug, Clone, Default)]
pub struct MatterFilter {
    /// Substring of the name or code.
    pub q: Option<String>,
    /// Department code.
    pub department: Option<String>,
    /// Window group code.
    pub window_group: Option<String>,
    /// Page size.
    pub limit: u32,
    /// Offset.
    pub offset: u32,
}

/// A matter in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatterSummary {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Department code.
    pub department_code: String,
    /// Department name.
    pub department_name: String,
    /// Matter type.
    pub kind: String,
    /// Window group code.
    pub window_group: String,
    /// Immediate or promised.
    pub handling: Handling,
    /// Promised limit (working days).
    pub promised_limit_days: u32,
    /// Legal limit (working days).
    pub legal_limit_days: u32,
    /// Online depth.
    pub online_depth: u8,
    /// Version in force.
    pub version: i64,
}

/// One version of a matter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatterVersion {
    /// The guide.
    pub matter: Matter,
    /// Version number, from 1.
    pub version: i64,
    /// When it took effect.
    pub effective_from: DateTime<Utc>,
    /// Content fingerprint.
    pub content_hash: String,
}

/// A new staff user.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Center.
    pub center_id: i64,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Argon2 PHC string.
    pub password_hash: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// Department scope.
    pub department: Option<String>,
    /// Window scope.
    pub window: Option<String>,
}

/// A stored staff user with credentials and lockout state.
#[derive(Debug, Clone)]
pub struct StaffUserRecord {
    /// The user.
    pub user: StaffUser,
    /// Argon2 PHC string.
    pub password_hash: String,
    /// Failed logins since the last success or lock.
    pub failed_logins: u32,
    /// Locked until this instant, if locked.
    pub locked_until: Option<DateTime<Utc>>,
}

/// Kind of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// Browser session behind a cookie.
    Cookie,
    /// API bearer token.
    Api,
}

impl SessionKind {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Cookie => "cookie",
            Self::Api => "api",
        }
    }
}

/// A new session.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// SHA-256 of the token; the token itself is never stored.
    pub token_hash: String,
    /// Owner.
    pub user_id: i64,
    /// Cookie or API.
    pub kind: SessionKind,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
}

/// A live session.
#[derive(Debug, Clone)]
pub struct Session {
    /// Owner.
    pub user: StaffUser,
    /// Cookie or API.
    pub kind: SessionKind,
    /// Absolute expiry.
    pub expires_at: DateTime<Utc>,
    /// Last request seen on this session (for the idle timeout); the session row's `updated_at`,
    /// which nothing else changes after creation.
    pub last_seen_at: DateTime<Utc>,
}

/// An entry of the append-only event log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Sequence id.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: String,
    /// Center, when the event belongs to one.
    pub center_id: Option<i64>,
    /// Subject kind, e.g. `matter`, `calendar`, `user`.
    pub subject_kind: String,
    /// Subject id, e.g. a matter code.
    pub subject_id: String,
    /// Event kind, e.g. `matter_version_created`.
    pub kind: String,
    /// Details.
    pub payload: serde_json::Value,
}
