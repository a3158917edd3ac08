//! The core's error type: what went wrong in terms a person can act on. The web layer maps each
//! variant to one HTTP status and one stable API code.

use chrono::{DateTime, Utc};
use yichuang_domain::DomainError;
use yichuang_domain::catalog::Problem;
use yichuang_store::StoreError;

/// A use-case failure.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// Input that fails validation.
    #[error("{field}: {reason}")]
    Invalid {
        /// Which input.
        field: String,
        /// Why, in Chinese.
        reason: String,
    },
    /// A catalog file with problems; every one is listed.
    #[error("目录文件有 {} 处问题", .0.len())]
    InvalidCatalog(Vec<Problem>),
    /// Not found.
    #[error("{0}")]
    NotFound(String),
    /// Conflicts with the current state or an existing record.
    #[error("{0}")]
    Conflict(String),
    /// Not logged in, or the token or session is not valid.
    #[error("请先登录")]
    Unauthenticated,
    /// Wrong username or password.
    #[error("用户名或密码错误")]
    InvalidCredentials,
    /// Too many failed logins.
    #[error(
        "登录失败次数过多，账号已临时锁定，请于 {} 后再试",
        yichuang_domain::clock::to_shanghai(*.0).format("%H:%M")
    )]
    AccountLocked(DateTime<Utc>),
    /// Logged in, but the role or scope does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// Semantically invalid input with its own stable code (422), e.g. `invalid_id_number`.
    #[error("{message}")]
    Unprocessable {
        /// Stable API code.
        code: &'static str,
        /// Chinese message.
        message: String,
    },
    /// The action is not allowed in the current state (409 `invalid_transition`).
    #[error("{0}")]
    InvalidTransition(String),
    /// An upload larger than allowed (413).
    #[error("{0}")]
    TooLarge(String),
    /// An upload of a type not accepted (415).
    #[error("{0}")]
    UnsupportedType(String),
    /// Too many requests of one kind from one phone or address (429 with `Retry-After`).
    #[error("{}", rate_message(what, *retry_after_secs))]
    RateLimited {
        /// Seconds until the next attempt can pass.
        retry_after_secs: u64,
        /// What was too frequent, in Chinese.
        what: &'static str,
    },
    /// Anything unexpected; logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl CoreError {
    /// Shorthand for [`CoreError::Invalid`].
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl From<StoreError> for CoreError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(m) => Self::NotFound(m),
            StoreError::Conflict(m) => Self::Conflict(m),
            StoreError::Other(e) => Self::Internal(e),
        }
    }
}

impl From<yichuang_domain::case::CaseError> for CoreError {
    fn from(e: yichuang_domain::case::CaseError) -> Self {
        use yichuang_domain::case::CaseError as E;
        match e {
            E::InvalidTransition(m) => Self::InvalidTransition(m),
            e @ E::MissingRequired(_) => Self::Unprocessable {
                code: "missing_required_material",
                message: e.to_string(),
            },
            E::Invalid { field, reason } => Self::Invalid { field, reason },
        }
    }
}

impl From<DomainError> for CoreError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid { field, reason } => Self::Invalid { field, reason },
            DomainError::NotFound(m) => Self::NotFound(m),
            DomainError::Conflict(m) => Self::Conflict(m),
        }
    }
}

/// "获取验证码过于频繁，请 3 分钟后再试": seconds below two minutes, minutes below two hours,
/// hours beyond.
fn rate_message(what: &str, secs: u64) -> String {
    let wait = match secs {
        0..120 => format!("{secs} 秒"),
        120..7200 => format!("{} 分钟", secs.div_ceil(60)),
        _ => format!("{} 小时", secs.div_ceil(3600)),
    };
    format!("{what}，请 {wait}后再试")
}

/// Result alias for use cases.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;
